package dev.jkexec.core.kexec;

/**
 * The {@code range} values of {@code KEXEC_CMD_kexec_get_range} (spec §1, §9). Plain constants,
 * not an enum: the hypercall accepts any {@code int} and answers {@code -EINVAL} for the ones it
 * does not serve.
 */
public final class RangeId {
    /** {@code KEXEC_RANGE_MA_CRASH}: the crash region. */
    public static final int CRASH = 0;
    /** {@code KEXEC_RANGE_MA_XEN}: the hypervisor image. jkexec has none in guest memory: -EINVAL. */
    public static final int XEN = 1;
    /** {@code KEXEC_RANGE_MA_CPU}: vCPU {@code nr}'s crash note buffer. */
    public static final int CPU = 2;
    /** {@code KEXEC_RANGE_MA_XENHEAP}: ia64 leftover, -EINVAL. */
    public static final int XENHEAP = 3;
    /** {@code KEXEC_RANGE_MA_BOOT_PARAM}: obsolete, -EINVAL. */
    public static final int BOOT_PARAM = 4;
    /** {@code KEXEC_RANGE_MA_EFI_MEMMAP}: -EINVAL on x86. */
    public static final int EFI_MEMMAP = 5;
    /** {@code KEXEC_RANGE_MA_VMCOREINFO}: the 4 KiB VMCOREINFO buffer. */
    public static final int VMCOREINFO = 6;

    private RangeId() {
    }

    /** The Xen name of a range id, or {@code "range <n>"}. */
    public static String name(int range) {
        return switch (range) {
            case CRASH -> "KEXEC_RANGE_MA_CRASH";
            case XEN -> "KEXEC_RANGE_MA_XEN";
            case CPU -> "KEXEC_RANGE_MA_CPU";
            case XENHEAP -> "KEXEC_RANGE_MA_XENHEAP";
            case BOOT_PARAM -> "KEXEC_RANGE_MA_BOOT_PARAM";
            case EFI_MEMMAP -> "KEXEC_RANGE_MA_EFI_MEMMAP";
            case VMCOREINFO -> "KEXEC_RANGE_MA_VMCOREINFO";
            default -> "range " + range;
        };
    }
}
