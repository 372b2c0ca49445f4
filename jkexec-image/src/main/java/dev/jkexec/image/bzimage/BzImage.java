package dev.jkexec.image.bzimage;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ByteView;
import dev.jkexec.image.ImageFormatException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A parsed bzImage: its setup header and where its parts lie in the file.
 *
 * <p>{@link #parse} checks, in order: the setup header ({@link SetupHeader#parse}); the
 * protected-mode code offset {@code (setup_sects+1)*512} lies inside the file; the
 * {@code kernel_version} string lies in the real-mode setup and is NUL terminated; the payload
 * (2.08+: {@code payload_offset} from the protected-mode code, {@code payload_length} bytes) lies
 * inside the file and starts with a known compression magic; {@code kernel_info} (2.15) lies
 * inside the file and starts with "LToP". Nothing is decompressed until {@link #decompress()}.
 *
 * @param header          the validated setup header
 * @param file            the whole file (read-only; never copied)
 * @param kernelVersion   the kernel version string, or {@code null} if the header has none
 * @param payloadOffset   file offset of the compressed payload (0 before 2.08)
 * @param payloadLength   bytes of payload, size trailer included (0 before 2.08)
 * @param compression     the payload's compression, or {@code null} before 2.08
 * @param claimedSize     the uncompressed size the payload's trailer claims (0 before 2.08)
 * @param kernelInfo      the 2.15 kernel_info block, or {@code null}
 */
public record BzImage(SetupHeader header, MemorySegment file, String kernelVersion, long payloadOffset,
                      long payloadLength, Compression compression, long claimedSize, KernelInfo kernelInfo) {
    /** Longest kernel_version string read. */
    static final int MAX_VERSION_LENGTH = 512;

    public BzImage {
        Objects.requireNonNull(header, "header");
        file = file.asReadOnly();
    }

    /** Parses and validates {@code file}; see the class comment for the checks. */
    public static BzImage parse(MemorySegment file) {
        ByteView v = new ByteView(file, "bzImage");
        SetupHeader h = SetupHeader.parse(v);
        long pm = h.protectedModeOffset();
        if (pm >= file.byteSize()) {
            throw new ImageFormatException(SetupHeaderField.SETUP_SECTS.qualifiedName(), hex(h.get(SetupHeaderField.SETUP_SECTS)),
                    "protected-mode code offset " + hex(pm) + " is at or beyond the end of the " + hex(file.byteSize()) + "-byte file");
        }
        String version = null;
        long versionAt = h.kernelVersionOffset();
        if (versionAt != 0) {
            if (versionAt >= pm) {
                throw new ImageFormatException(SetupHeaderField.KERNEL_VERSION.qualifiedName(),
                        hex(h.get(SetupHeaderField.KERNEL_VERSION)), "string at " + hex(versionAt)
                        + " lies outside the real-mode setup, which ends at " + hex(pm));
            }
            version = v.cString(versionAt, pm, MAX_VERSION_LENGTH, SetupHeaderField.KERNEL_VERSION.qualifiedName());
        }
        long payloadAt = 0;
        long payloadLength = 0;
        Compression compression = null;
        long claimed = 0;
        if (h.has(SetupHeaderField.PAYLOAD_OFFSET)) {
            payloadAt = ByteView.add(pm, h.get(SetupHeaderField.PAYLOAD_OFFSET), SetupHeaderField.PAYLOAD_OFFSET.qualifiedName());
            payloadLength = h.get(SetupHeaderField.PAYLOAD_LENGTH);
            if (payloadAt >= file.byteSize()) {
                throw new ImageFormatException(SetupHeaderField.PAYLOAD_OFFSET.qualifiedName(), hex(h.get(SetupHeaderField.PAYLOAD_OFFSET)),
                        "payload starts at " + hex(payloadAt) + ", beyond the end of the " + hex(file.byteSize()) + "-byte file");
            }
            if (!ByteView.fits(payloadAt, payloadLength, file.byteSize())) {
                throw new ImageFormatException(SetupHeaderField.PAYLOAD_LENGTH.qualifiedName(), hex(payloadLength),
                        "payload " + hex(payloadAt) + "+" + hex(payloadLength) + " runs past the end of the "
                        + hex(file.byteSize()) + "-byte file");
            }
            MemorySegment payload = file.asSlice(payloadAt, payloadLength);
            claimed = PayloadDecompressor.claimedSize(payload);
            compression = Compression.detect(payload);
            if (compression == null) {
                throw new ImageFormatException("payload.magic", Compression.leadingHex(payload),
                        "unknown compression magic " + Compression.leadingHex(payload));
            }
        }
        KernelInfo info = null;
        if (h.has(SetupHeaderField.KERNEL_INFO_OFFSET) && h.get(SetupHeaderField.KERNEL_INFO_OFFSET) != 0) {
            info = KernelInfo.parse(v, ByteView.add(pm, h.get(SetupHeaderField.KERNEL_INFO_OFFSET),
                    SetupHeaderField.KERNEL_INFO_OFFSET.qualifiedName()));
        }
        return new BzImage(h, file, version, payloadAt, payloadLength, compression, claimed, info);
    }

    /** File offset of the protected-mode code. */
    public long protectedModeOffset() {
        return header.protectedModeOffset();
    }

    /** The protected-mode code, from {@code (setup_sects+1)*512} to the end of the file: the kernel segment's buffer. */
    public MemorySegment protectedModeCode() {
        return file.asSlice(protectedModeOffset());
    }

    /** The compressed payload, size trailer included. */
    public MemorySegment payload() {
        requirePayload();
        return file.asSlice(payloadOffset, payloadLength);
    }

    /**
     * The decompressed vmlinux (an ELF file). Its size, and the decoders' memory, are capped by
     * {@code init_size} (2.10+): the kernel cannot need more than the room it reserves to
     * decompress itself in; older protocols are capped by {@link PayloadDecompressor#HARD_CAP}.
     */
    public byte[] decompress() {
        requirePayload();
        long cap = decompressionCap();
        if (claimedSize > cap && cap < PayloadDecompressor.HARD_CAP) {
            throw new ImageFormatException("payload.uncompressed_size", hex(claimedSize), "the size trailer claims "
                    + hex(claimedSize) + " bytes, more than the " + hex(cap) + " bytes of "
                    + SetupHeaderField.INIT_SIZE.qualifiedName() + " the kernel reserves to decompress into");
        }
        return PayloadDecompressor.decompress(payload(), cap);
    }

    /** The most bytes the payload may decompress to: {@code init_size}, or the hard cap before 2.10. */
    public long decompressionCap() {
        long init = header.has(SetupHeaderField.INIT_SIZE) ? header.initSize() : 0;
        return init > 0 ? Math.min(init, PayloadDecompressor.HARD_CAP) : PayloadDecompressor.HARD_CAP;
    }

    private void requirePayload() {
        if (compression == null) {
            throw new ImageFormatException(SetupHeaderField.VERSION.qualifiedName(), hex(header.rawVersion()),
                    "protocol " + SetupHeaderField.versionString(header.rawVersion()) + " has no payload fields (2.08+)");
        }
    }
}
