package dev.jkexec.cli;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.InputFile;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** Reading input files and parsing sizes, with one-line errors. */
final class Inputs {
    private Inputs() {
    }

    /**
     * A kernel image to look at without a machine ({@code inspect}, {@code extract-vmlinux}),
     * through {@link InputFile}: at most the largest guest RAM a machine can have.
     */
    static MemorySegment image(String field, Path path) {
        return MemorySegment.ofArray(new InputFile(field, path).read(MachineLayout.MAX_LOW_RAM, "the largest guest RAM"));
    }

    /**
     * Refuses at once, before a machine starts, a file that could never be loaded ({@link InputFile}:
     * not a regular file, or larger than the guest's RAM); {@code null} is no file.
     */
    static void check(String field, Path path, long ram) {
        if (path != null) {
            new InputFile(field, path).size(ram, "the guest's RAM");
        }
    }

    /**
     * picocli converter for every {@link Path} option and parameter: a string that is no path (a
     * NUL in it) is a one-line usage error naming the option, not an internal error.
     */
    static Path path(String text) {
        try {
            return Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw new picocli.CommandLine.TypeConversionException("not a path (" + e.getReason() + "): '"
                    + dev.jkexec.platform.JkexecException.oneLine(text) + "'");
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
