package dev.jkexec.image.elf;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Mutated ELF files either parse or fail with a typed error: never an unchecked exception. */
@Pure
class ElfParserFuzzTest {
    static final byte[] BASE = ElfParserTest.vmlinuxLike();

    @Property(tries = 500)
    void mutatedHeadersFailOnlyWithTypedErrors(@ForAll @Size(min = 1, max = 12) int[] positions,
                                               @ForAll @Size(min = 12, max = 12) byte[] values,
                                               @ForAll @IntRange(min = 0, max = 0x200) int span) {
        byte[] b = BASE.clone();
        for (int i = 0; i < positions.length; i++) {
            b[Math.floorMod(positions[i], Math.max(1, span == 0 ? b.length : span))] = values[i];
        }
        try {
            ElfParser.parse(MemorySegment.ofArray(b));
        } catch (ImageFormatException expected) {
            // typed: fine
        }
    }
}
