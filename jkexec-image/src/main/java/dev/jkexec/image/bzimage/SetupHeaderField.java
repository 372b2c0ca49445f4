package dev.jkexec.image.bzimage;

/**
 * Every field of the x86 setup header (Documentation/arch/x86/boot.rst), with its file offset, its
 * size and the boot protocol versions that define it.
 *
 * <p>The header sits at file offset 0x1F1 and at the same offset in the zero page. A field is
 * {@linkplain #presentIn present} only in the versions that have it; a parser reads and reports
 * exactly the present fields. {@code syssize} is 2 bytes before protocol 2.04 and 4 bytes from
 * then on ({@link #sizeIn}).
 */
public enum SetupHeaderField {
    SETUP_SECTS(0x1F1, 1, 0),
    ROOT_FLAGS(0x1F2, 2, 0),
    SYSSIZE(0x1F4, 4, 0),
    RAM_SIZE(0x1F8, 2, 0),
    VID_MODE(0x1FA, 2, 0),
    ROOT_DEV(0x1FC, 2, 0),
    BOOT_FLAG(0x1FE, 2, 0),
    JUMP(0x200, 2, 0x200),
    HEADER(0x202, 4, 0x200),
    VERSION(0x206, 2, 0x200),
    REALMODE_SWTCH(0x208, 4, 0x200),
    START_SYS_SEG(0x20C, 2, 0x200),
    KERNEL_VERSION(0x20E, 2, 0x200),
    TYPE_OF_LOADER(0x210, 1, 0x200),
    LOADFLAGS(0x211, 1, 0x200),
    SETUP_MOVE_SIZE(0x212, 2, 0x200, 0x201),
    CODE32_START(0x214, 4, 0x200),
    RAMDISK_IMAGE(0x218, 4, 0x200),
    RAMDISK_SIZE(0x21C, 4, 0x200),
    BOOTSECT_KLUDGE(0x220, 4, 0x200),
    HEAP_END_PTR(0x224, 2, 0x201),
    EXT_LOADER_VER(0x226, 1, 0x202),
    EXT_LOADER_TYPE(0x227, 1, 0x202),
    CMD_LINE_PTR(0x228, 4, 0x202),
    INITRD_ADDR_MAX(0x22C, 4, 0x203),
    KERNEL_ALIGNMENT(0x230, 4, 0x205),
    RELOCATABLE_KERNEL(0x234, 1, 0x205),
    MIN_ALIGNMENT(0x235, 1, 0x20A),
    XLOADFLAGS(0x236, 2, 0x20C),
    CMDLINE_SIZE(0x238, 4, 0x206),
    HARDWARE_SUBARCH(0x23C, 4, 0x207),
    HARDWARE_SUBARCH_DATA(0x240, 8, 0x207),
    PAYLOAD_OFFSET(0x248, 4, 0x208),
    PAYLOAD_LENGTH(0x24C, 4, 0x208),
    SETUP_DATA(0x250, 8, 0x209),
    PREF_ADDRESS(0x258, 8, 0x20A),
    INIT_SIZE(0x260, 4, 0x20A),
    HANDOVER_OFFSET(0x264, 4, 0x20B),
    KERNEL_INFO_OFFSET(0x268, 4, 0x20F);

    /** File (and zero page) offset where the header starts. */
    public static final int HEADER_START = 0x1F1;

    private final int offset;
    private final int size;
    private final int since;
    private final int until;

    SetupHeaderField(int offset, int size, int since) {
        this(offset, size, since, Integer.MAX_VALUE);
    }

    SetupHeaderField(int offset, int size, int since, int until) {
        this.offset = offset;
        this.size = size;
        this.since = since;
        this.until = until;
    }

    /** File offset (= zero page offset). */
    public int offset() {
        return offset;
    }

    /** Size in bytes at the newest protocol. */
    public int size() {
        return size;
    }

    /** Size in bytes in protocol {@code version}: {@code syssize} was 2 bytes before 2.04. */
    public int sizeIn(int version) {
        return this == SYSSIZE && version < 0x204 ? 2 : size;
    }

    /** First protocol version with this field; 0 for fields older than the protocol numbering. */
    public int since() {
        return since;
    }

    /** Whether protocol {@code version} (already normalised, see {@link SetupHeader#version}) has this field. */
    public boolean presentIn(int version) {
        return version >= since && version <= until;
    }

    /** The field's name as boot.rst spells it: {@code kernel_alignment}. */
    public String fieldName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** {@code setup_header.<name>}: how errors name the field. */
    public String qualifiedName() {
        return "setup_header." + fieldName();
    }

    /** Protocol versions as boot.rst writes them: {@code 2.15}. */
    public static String versionString(int version) {
        return (version >> 8) + "." + String.format("%02d", version & 0xFF);
    }
}
