package dev.jkexec.core.abi;

/** The {@code kexec_op} sub-commands (spec §1), hypercall {@code __HYPERVISOR_kexec_op} = 37. */
public enum KexecCommand {
    EXEC(0, "KEXEC_CMD_kexec"),
    LOAD_V1(1, "KEXEC_CMD_kexec_load_v1"),
    UNLOAD_V1(2, "KEXEC_CMD_kexec_unload_v1"),
    GET_RANGE(3, "KEXEC_CMD_kexec_get_range"),
    LOAD(4, "KEXEC_CMD_kexec_load"),
    UNLOAD(5, "KEXEC_CMD_kexec_unload"),
    STATUS(6, "KEXEC_CMD_kexec_status");

    /** {@code __HYPERVISOR_kexec_op}. */
    public static final int HYPERCALL = 37;

    private final int code;
    private final String xenName;

    KexecCommand(int code, String xenName) {
        this.code = code;
        this.xenName = xenName;
    }

    public int code() {
        return code;
    }

    public String xenName() {
        return xenName;
    }

    /** The command for {@code cmd}, or {@code null}. */
    public static KexecCommand ofCode(long cmd) {
        for (KexecCommand c : values()) {
            if (c.code == cmd) {
                return c;
            }
        }
        return null;
    }

    /** C name of the command's argument structure. */
    public String argumentName() {
        return switch (this) {
            case EXEC -> "xen_kexec_exec";
            case LOAD_V1, UNLOAD_V1 -> "xen_kexec_load_v1";
            case GET_RANGE -> "xen_kexec_range";
            case LOAD -> "xen_kexec_load";
            case UNLOAD -> "xen_kexec_unload";
            case STATUS -> "xen_kexec_status";
        };
    }

    /** Size of the command's native argument structure. */
    public long argumentSize() {
        return switch (this) {
            case EXEC -> XenKexecExec.SIZE;
            case LOAD_V1, UNLOAD_V1 -> XenKexecLoadV1.SIZE;
            case GET_RANGE -> XenKexecRange.SIZE;
            case LOAD -> XenKexecLoad.SIZE;
            case UNLOAD -> XenKexecUnload.SIZE;
            case STATUS -> XenKexecStatus.SIZE;
        };
    }
}
