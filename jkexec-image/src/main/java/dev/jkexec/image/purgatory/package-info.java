/**
 * The purgatory, generated in Java: the code between jkexec's firmware and the kernel that owns the
 * Linux boot protocol's side of the handover.
 */
package dev.jkexec.image.purgatory;
