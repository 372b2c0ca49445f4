package dev.jkexec.core;

/**
 * The errno values a Xen toolstack sees from {@code kexec_op} (returned negated), with Linux's
 * x86 numbers. The hypercall channel adds {@link #ENOSYS} (a hypercall jkexec does not serve) and
 * {@link #EACCES} (a sysctl of another interface version), as Xen returns them.
 *
 * <p>{@link #EIO} is jkexec's own: Xen never returns it. jkexec uses it for an image whose bytes
 * no longer match the SHA-256 taken at load (a damaged crash region), see
 * {@code dev.jkexec.core.kexec.ImageDamagedException}. {@link #EFBIG} and {@link #EEXIST} are the
 * host's own answers about input and output files ({@link dev.jkexec.platform.InputFile}, {@link #of}; dumps).
 */
public enum Errno {
    EPERM(1), ENOENT(2), EIO(5), ENOMEM(12), EACCES(13), EFAULT(14), EBUSY(16), EEXIST(17), EINVAL(22), EFBIG(27), ERANGE(34),
    ENOSYS(38), EOPNOTSUPP(95), EADDRNOTAVAIL(99);

    private final int value;

    Errno(int value) {
        this.value = value;
    }

    /** The positive errno number. */
    public int value() {
        return value;
    }

    /** The hypercall return value: {@code -value()}. */
    public int negated() {
        return -value;
    }

    /**
     * The errno of a file a user named that could not be taken ({@link dev.jkexec.platform.InputFile}),
     * as open(2) and read(2) would answer: nothing there ENOENT, no permission EACCES, above the
     * limit EFBIG, anything else (a FIFO, a device, a directory, no path) EINVAL.
     */
    public static Errno of(dev.jkexec.platform.InputFileException.Problem problem) {
        return switch (problem) {
            case MISSING -> ENOENT;
            case DENIED -> EACCES;
            case TOO_BIG -> EFBIG;
            case IO -> EIO;
            case NOT_A_PATH, NOT_REGULAR, CHANGED, ENCODING -> EINVAL;
        };
    }

    public static Errno ofValue(int value) {
        for (Errno e : values()) {
            if (e.value == Math.abs(value)) {
                return e;
            }
        }
        return null;
    }
}
