package dev.jkexec.core.kexec;

import java.util.Arrays;
import java.util.HexFormat;

/** A SHA-256 digest as a value: compared by content, printed as hex. */
public record Sha256(byte[] bytes) {
    public Sha256 {
        if (bytes.length != 32) {
            throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, not " + bytes.length);
        }
        bytes = bytes.clone();
    }

    /** A parsed hex digest (64 hex digits). */
    public static Sha256 ofHex(String hex) {
        return new Sha256(HexFormat.of().parseHex(hex));
    }

    /** A copy of the 32 digest bytes. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sha256 other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
