package dev.jkexec.image;

/** Xen's {@code KEXEC_TYPE_*}: which slot an image goes to and how it is entered. */
public enum ImageType {
    /** {@code KEXEC_TYPE_DEFAULT} = 0: a planned reboot into the image (exec). */
    DEFAULT(0),
    /** {@code KEXEC_TYPE_CRASH} = 1: entered when the running system crashes; lives in the crash region. */
    CRASH(1);

    private final int code;

    ImageType(int code) {
        this.code = code;
    }

    /** The ABI value. */
    public int code() {
        return code;
    }

    /** The type for an ABI value, or {@code null} when the value names no type. */
    public static ImageType ofCode(long code) {
        for (ImageType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
