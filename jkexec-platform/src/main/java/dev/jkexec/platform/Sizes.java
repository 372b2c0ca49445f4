package dev.jkexec.platform;

import java.util.Locale;

/** Sizes as people write them on command lines and in scenario files. */
public final class Sizes {
    private Sizes() {
    }

    /**
     * A size: decimal bytes, {@code 0x} hex, or a number with K, M, G or T (binary units, an optional
     * {@code iB} or {@code B}): {@code 1G}, {@code 512M}, {@code 0x40000000}.
     */
    public static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        try {
            if (t.startsWith("0X")) {
                return Long.parseUnsignedLong(t.substring(2), 16);
            }
            if (t.endsWith("IB")) {
                t = t.substring(0, t.length() - 2);
            } else if (t.length() > 1 && t.endsWith("B") && "KMGT".indexOf(t.charAt(t.length() - 2)) >= 0) {
                t = t.substring(0, t.length() - 1);
            }
            int shift = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
                case 'K' -> 10;
                case 'M' -> 20;
                case 'G' -> 30;
                case 'T' -> 40;
                default -> 0;
            };
            String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
            long n = Long.parseLong(digits);
            if (n < 0 || n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size (examples: 1G, 512M, 64K, 0x40000000, 1073741824)");
        }
    }

    /** A size for a message: {@code 1 GiB}, {@code 512 MiB}, {@code 4 KiB}, or bytes when not a whole unit. */
    public static String format(long bytes) {
        String[] units = {"TiB", "GiB", "MiB", "KiB"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes >= (1L << shifts[i]) && (bytes & ((1L << shifts[i]) - 1)) == 0) {
                return (bytes >> shifts[i]) + " " + units[i];
            }
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return bytes + " bytes";
    }
}
