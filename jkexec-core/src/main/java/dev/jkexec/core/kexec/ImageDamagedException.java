package dev.jkexec.core.kexec;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.image.ImageType;

/**
 * Exec refused because the image no longer hashes to the SHA-256 taken at load — for a crash
 * image, something (a rogue guest) wrote into the crash region. Errno {@link Errno#EIO}, which
 * Xen never returns. The slot stays loaded; the machine falls back to a host-side dump.
 */
public final class ImageDamagedException extends KexecException {
    private final ImageType type;
    private final Sha256 expected;
    private final Sha256 actual;

    public ImageDamagedException(ImageType type, Sha256 expected, Sha256 actual) {
        super(Errno.EIO, "image", type.label() + " image damaged: its bytes hash to sha256 " + actual
                + ", not " + expected + " as at load");
        this.type = type;
        this.expected = expected;
        this.actual = actual;
    }

    public ImageType type() {
        return type;
    }

    /** The digest taken at load. */
    public Sha256 expected() {
        return expected;
    }

    /** The digest of the bytes now. */
    public Sha256 actual() {
        return actual;
    }
}
