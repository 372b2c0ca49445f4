package dev.jkexec.machine.hypercall;

import java.util.List;

/**
 * Xen's hypercall numbers ({@code xen/include/public/xen.h}) and the sub-operations jkexec
 * serves. Everything not named in {@link Dom0Hypercalls} is -ENOSYS.
 */
public final class XenHypercall {
    public static final int MEMORY_OP = 12;
    public static final int MULTICALL = 13;
    public static final int XEN_VERSION = 17;
    public static final int SYSCTL = 35;
    public static final int KEXEC_OP = 37;

    /** {@code XENMEM_machine_memory_map}: the host's e820. */
    public static final int XENMEM_MACHINE_MEMORY_MAP = 10;
    /** {@code XENVER_version}: major &lt;&lt; 16 | minor. */
    public static final int XENVER_VERSION = 0;
    /** {@code XENVER_capabilities}: a 1024-byte string; kexec-tools picks the elfcorehdr's e_machine from it. */
    public static final int XENVER_CAPABILITIES = 3;
    public static final int XEN_CAPABILITIES_INFO_LEN = 1024;
    /** {@code XEN_SYSCTL_physinfo}. */
    public static final int XEN_SYSCTL_PHYSINFO = 3;
    /** Xen 4.17's {@code XEN_SYSCTL_INTERFACE_VERSION}; any other is -EACCES. */
    public static final int XEN_SYSCTL_INTERFACE_VERSION = 0x15;
    /** The Xen version jkexec answers as: 4.17. */
    public static final int XEN_MAJOR = 4;
    public static final int XEN_MINOR = 17;

    private static final List<String> NAMES = List.of("set_trap_table", "mmu_update", "set_gdt", "stack_switch",
            "set_callbacks", "fpu_taskswitch", "sched_op_compat", "platform_op", "set_debugreg", "get_debugreg",
            "update_descriptor", "11", "memory_op", "multicall", "update_va_mapping", "set_timer_op",
            "event_channel_op_compat", "xen_version", "console_io", "physdev_op_compat", "grant_table_op", "vm_assist",
            "update_va_mapping_otherdomain", "iret", "vcpu_op", "set_segment_base", "mmuext_op", "xsm_op", "nmi_op",
            "sched_op", "callback_op", "xenoprof_op", "event_channel_op", "physdev_op", "hvm_op", "sysctl", "domctl",
            "kexec_op", "tmem_op", "argo_op", "xenpmu_op", "dm_op", "hypfs_op");

    private XenHypercall() {
    }

    /** "kexec_op", or the number when Xen has no such hypercall. */
    public static String name(long op) {
        return op >= 0 && op < NAMES.size() ? NAMES.get((int) op) : Long.toUnsignedString(op);
    }
}
