/**
 * The old side's half of the handover (seed 1): the identity page tables an image is entered
 * under ({@link dev.jkexec.core.handover.IdentityMap}) and its entry GDTs
 * ({@link dev.jkexec.core.handover.EntryGdt}, the {@link dev.jkexec.platform.x86.BootGdt} layout).
 */
package dev.jkexec.core.handover;
