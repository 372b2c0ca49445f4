/** Initramfs archives (cpio newc, optionally gzipped) and a busybox guest userland. */
package dev.jkexec.image.initramfs;
