package dev.jkexec.image.bzimage;

import java.util.ArrayList;
import java.util.List;

/** A named bit of a flags field ({@link LoadFlag}, {@link XLoadFlag}). */
interface BitFlag {
    int bit();

    String name();

    default boolean in(int flags) {
        return (flags & bit()) != 0;
    }

    /** The names of {@code all} set in {@code flags}, then {@code 0x..} for bits none of them names. */
    static List<String> decode(int flags, BitFlag[] all) {
        List<String> out = new ArrayList<>();
        int known = 0;
        for (BitFlag f : all) {
            known |= f.bit();
            if (f.in(flags)) {
                out.add(f.name());
            }
        }
        if ((flags & ~known) != 0) {
            out.add("0x" + Integer.toHexString(flags & ~known));
        }
        return out;
    }
}
