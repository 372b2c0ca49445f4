package dev.jkexec.bench.report;

/**
 * The names shared by the harness (which records under them) and the report (which reads them):
 * scenarios, the systems compared in each, and the metrics. A name is what the report prints.
 */
public final class Systems {
    public static final String BOOT = "boot";
    public static final String EXEC = "exec";
    public static final String CRASH = "crash";
    public static final String LOAD = "load";
    public static final String DUMP = "dump";

    public static final String QEMU_DIRECT = "QEMU -kernel (SeaBIOS)";
    /** QEMU's PVH entry: {@code -kernel vmlinux} (the ELF's Xen PVH note), no BIOS, no decompressor. */
    public static final String QEMU_PVH_PC = "QEMU -M pc -kernel vmlinux (PVH)";
    public static final String QEMU_PVH_MICROVM = "QEMU -M microvm -kernel vmlinux (PVH)";
    /** The bzImage with the guest's own decompressor ({@code --no-decompress}). */
    public static final String JK_CLI_BZ_GUEST = "jkexec run (CLI), bzImage --no-decompress";
    public static final String JK_BZ = "jkexec in-process, bzImage";
    public static final String JK_VMLINUX = "jkexec in-process, vmlinux";
    /** {@code jkexec run}'s default for a bzImage: decompressed on the host, KASLR. */
    public static final String JK_CLI_BZ = "jkexec run (CLI), bzImage (default: host decompress, KASLR)";
    public static final String JK_CLI_VMLINUX = "jkexec run (CLI), vmlinux";
    /** The bzImage decompressed by jkexec on the host at load: the vmlinux, moved, entered at startup_64. */
    public static final String JK_DECOMPRESSED = "jkexec in-process, bzImage decompressed at load";

    public static final String KEXEC_TOOLS = "kexec-tools (kexec -l; kexec -e)";
    /** kexec-tools loading the ELF vmlinux (its elf-x86_64 loader, {@code --args-linux}). */
    public static final String KEXEC_TOOLS_ELF = "kexec-tools, ELF vmlinux (kexec -l --args-linux)";
    /** The same with {@code -i}: no purgatory SHA-256 check, kexec-tools' fastest form. */
    public static final String KEXEC_TOOLS_ELF_I = "kexec-tools, ELF vmlinux -i (no purgatory check)";
    public static final String JK_EXEC_BZ = "jkexec exec, bzImage";
    public static final String JK_EXEC_VMLINUX = "jkexec exec, vmlinux";
    public static final String JK_EXEC_DECOMPRESSED = "jkexec exec, bzImage decompressed at load";

    public static final String KDUMP = "kdump (kexec -p; crashkernel=256M)";
    /** kdump with the ELF vmlinux and {@code -i}, kdump's fastest form (the ELF's load address must be in the region). */
    public static final String KDUMP_ELF_I = "kdump, ELF vmlinux -i (kexec -p; crashkernel=256M@16M)";
    public static final String JK_CRASH = "jkexec crash, bzImage";
    public static final String JK_CRASH_DECOMPRESSED = "jkexec crash, bzImage decompressed at load";

    public static final String KEXEC_L = "kexec -l (in the guest)";
    public static final String JK_LOAD = "jkexec Machine.load (in-process)";
    public static final String JK_PLAN_CLI = "jkexec plan (CLI: read, parse, place; no digest)";

    public static final String JK_DUMP_ELF = "jkexec dump, ELF";
    public static final String JK_DUMP_KDUMP_1 = "jkexec dump, kdump-zlib -d 1 (every non-zero page)";
    public static final String JK_DUMP_KDUMP_31 = "jkexec dump, kdump-zlib -d 31 (makedumpfile's usual filter)";
    public static final String QEMU_DUMP_ELF = "QEMU dump-guest-memory, ELF";
    public static final String QEMU_DUMP_KDUMP = "QEMU dump-guest-memory, kdump-zlib";

    /** Time to the new kernel's "Linux version" line. */
    public static final String BANNER = "→ banner";
    /** Time to the init marker of the new kernel's /init. */
    public static final String INIT = "→ init marker";
    /** The kernel's own time to init: from its banner to its init marker, on the host clock, in the same run. */
    public static final String KERNEL_INIT = "kernel's own init time (banner → init marker)";
    /** The kernel's printk clock when its /init printed the marker (starts a little after the banner). */
    public static final String PRINTK_INIT = "printk uptime at init marker";
    public static final String VMCORE = "→ /proc/vmcore readable";
    public static final String RESERVED = "guest RAM reserved (MiB)";
    public static final String LOAD_TIME = "load kernel + 64 MiB initrd";
    public static final String DUMP_TIME = "dump written";
    public static final String DUMP_SIZE = "file size (MiB)";
    public static final String DUMP_DISK = "disk blocks (MiB)";
    /** 1 for a run that never reached its init marker within the bound (counted, not retried), else 0. */
    public static final String HUNG = "hung before init (1 = this run hung)";
    /** Phases (breakdowns) are metrics whose name starts with this. */
    public static final String PHASE = "phase: ";

    private Systems() {
    }

    public static String phase(String name) {
        return PHASE + name;
    }

    public static boolean isPhase(String metric) {
        return metric.startsWith(PHASE);
    }
}
