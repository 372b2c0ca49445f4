/**
 * The kexec core: Xen's {@code kexec_op} over a machine's physical memory, with no process and no
 * I/O beyond files. This package holds what every part of the core shares: the refusal
 * {@link dev.jkexec.core.KexecException} and the {@link dev.jkexec.core.Errno} it carries.
 */
package dev.jkexec.core;
