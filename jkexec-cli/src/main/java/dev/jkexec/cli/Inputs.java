package dev.jkexec.cli;

import dev.jkexec.platform.JkexecException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading input files and parsing sizes, with one-line errors. */
final class Inputs {
    private Inputs() {
    }

    /**
     * The file's bytes, read once into memory: the parsed image must not change under the planner
     * (a mapped file could be rewritten between validation and use).
     */
    static MemorySegment read(Path path, String what) {
        try {
            return MemorySegment.ofArray(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            throw new JkexecException("cannot read " + what + " " + path + ": no such file");
        } catch (IOException e) {
            throw new JkexecException("cannot read " + what + " " + path + ": " + e.getMessage());
        }
    }

    /** A size such as {@code 1G} or {@code 0x40000000} (see {@link dev.jkexec.platform.Sizes#parse}). */
    static long parseSize(String text) {
        return dev.jkexec.platform.Sizes.parse(text);
    }

    /** picocli converter for sizes. */
    static final class SizeConverter implements picocli.CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parseSize(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
