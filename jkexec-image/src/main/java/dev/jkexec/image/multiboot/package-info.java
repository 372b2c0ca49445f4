/** Multiboot v1 header detection ({@link dev.jkexec.image.multiboot.MultibootHeader}). */
package dev.jkexec.image.multiboot;
