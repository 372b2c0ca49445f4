package dev.jkexec.image;

/**
 * What a segment is to the machine that hands over to it, where the toolstack knows: the typed
 * counterpart of a segment's {@code what}, which is only for people.
 *
 * <p>Xen's {@code xen_kexec_segment} has no such field: every segment loaded through the raw ABI
 * or the hypercall is {@link #NONE}, and so is every toolstack segment the machine needs no fact
 * about.
 */
public enum SegmentRole {
    /** No role the machine needs: raw-ABI segments, and kernel, initrd, purgatory, ... */
    NONE,
    /**
     * A Linux 32- or 64-bit boot: the setup segment, whose first page is the zero page
     * ({@code boot_params}) at the segment's destination, followed by the command line and setup_data.
     */
    ZERO_PAGE
}
