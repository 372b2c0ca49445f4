/**
 * jkexec's busybox test guest: its {@code /init} and the initramfs built around it; the dom0 guest
 * ({@code Dom0Guest}: the same with Debian's kexec-tools and jkexec's shim) and its typed shell
 * commands ({@code GuestShell}).
 */
package dev.jkexec.machine.guest;
