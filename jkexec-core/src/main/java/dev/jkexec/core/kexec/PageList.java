package dev.jkexec.core.kexec;

/**
 * A page list written into the staging range by {@link PageListBuilder}.
 *
 * @param head          physical address of the first list page (what the firmware walks from)
 * @param listPages     list pages written
 * @param sourcePages   IND_SOURCE entries (one staging page each)
 * @param zeroPages     IND_ZERO entries (tail pages beyond a buffer, and buffer pages of zeros)
 * @param parkedPages   staging pages skipped because they lie inside a destination
 * @param swaps         times the swap branch of spec §4.4 ran
 * @param stagingPages  staging pages looked at (the bump pointer's advance)
 */
public record PageList(long head, long listPages, long sourcePages, long zeroPages, long parkedPages, long swaps,
                       long stagingPages) {
}
