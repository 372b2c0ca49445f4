/**
 * jkexec's busybox test guest: its {@code /init} and the initramfs built around it.
 */
package dev.jkexec.machine.guest;
