package dev.jkexec.cli;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.JkexecException;
import dev.jkexec.platform.Sizes;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The picocli converters that check an option's value against its limits while the command line
 * is parsed, so that a bad value is a usage error (exit 2) before anything starts. picocli prints
 * each as one line naming the option: {@code Invalid value for option '--ram': '32M' is below the
 * smallest guest RAM, 64 MiB}. The limits are {@link MachineLayout}'s; the checks that need
 * several options at once (crash region + staging below 4 GiB beside enough guest RAM) are the layout's own,
 * reported as a {@link UsageException}.
 */
final class Converters {
    private Converters() {
    }

    /** The 2 MiB unit every region of the layout is made of (large pages of the identity map). */
    static final long UNIT = 2L << 20;

    /**
     * {@code --ram}: a size, a multiple of 2 MiB, from 64 MiB to {@link MachineLayout#MAX_GUEST_RAM}
     * (64 GiB); above about 3.3 GiB the machine's RAM is split around the PCI hole, the rest from 4 GiB.
     */
    static final class GuestRam implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long v = size(value);
            multiple(value, v);
            if (v < MachineLayout.MIN_GUEST_RAM) {
                throw new TypeConversionException("'" + value + "' is below the smallest guest RAM, " + Sizes.format(MachineLayout.MIN_GUEST_RAM));
            }
            if (v > MachineLayout.MAX_GUEST_RAM) {
                throw new TypeConversionException("'" + value + "' is above " + Sizes.format(MachineLayout.MAX_GUEST_RAM)
                        + ", the most guest RAM jkexec maps: its RAM file is sparse, but the guest may touch every page,"
                        + " which the host's tmpfs must then hold");
            }
            return v;
        }
    }

    /** {@code --crash-size}: a size, a multiple of 2 MiB (0: no crash region). */
    static final class CrashSize implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long v = size(value);
            multiple(value, v);
            if (v > MachineLayout.MAX_LOW_RAM) {
                throw new TypeConversionException("'" + value + "' is above " + Sizes.format(MachineLayout.MAX_LOW_RAM)
                        + ", the RAM QEMU's pc machine keeps below 4 GiB, where the crash region and staging must be");
            }
            return v;
        }
    }

    /** {@code --staging}: a size, a multiple of 2 MiB, at least 2 MiB. */
    static final class Staging implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long v = new CrashSize().convert(value);
            if (v < UNIT) {
                throw new TypeConversionException("'" + value + "' is below 2 MiB: a default image's pages are staged there at exec");
            }
            return v;
        }
    }

    /** {@code --cpus}: 1 to {@link MachineLayout#MAX_CPUS}. */
    static final class Cpus implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n;
            try {
                n = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + JkexecException.oneLine(value) + "' is not a number of vCPUs");
            }
            if (n < 1 || n > MachineLayout.MAX_CPUS) {
                throw new TypeConversionException(n + " is outside 1.." + MachineLayout.MAX_CPUS + ": the machine has one crash note"
                        + " slot and one MADT local APIC entry per vCPU, for " + MachineLayout.MAX_CPUS + " vCPUs");
            }
            return n;
        }
    }

    /** {@code --timeout}: seconds, positive and finite (at most a year). */
    static final class Seconds implements ITypeConverter<Double> {
        static final double MAX = 365 * 24 * 3600;

        @Override
        public Double convert(String value) {
            double s;
            try {
                s = Double.parseDouble(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + JkexecException.oneLine(value) + "' is not a number of seconds");
            }
            if (!(s > 0) || !Double.isFinite(s) || s > MAX) {
                throw new TypeConversionException("'" + JkexecException.oneLine(value) + "' is not a positive, finite number of seconds"
                        + " (at most " + (long) MAX + ")");
            }
            return s;
        }
    }

    /** {@code --timeout} in whole seconds (verify's per-step limit): 1 to a year. */
    static final class WholeSeconds implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            double s = new Seconds().convert(value);
            if (s != Math.rint(s)) {
                throw new TypeConversionException("'" + value + "' is not a whole number of seconds");
            }
            return (int) s;
        }
    }

    /** A directory jkexec writes into ({@code --dump-dir}): it must exist and be writable. */
    static final class WritableDirectory implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path p = new Directory().convert(value);
            if (!Files.isWritable(p)) {
                throw new TypeConversionException("'" + JkexecException.oneLine(value) + "' is a directory jkexec cannot write into");
            }
            return p;
        }
    }

    /** A directory jkexec reads ({@code --modules-dir}): it must exist. */
    static final class Directory implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path p = Inputs.path(value);
            if (!Files.exists(p)) {
                throw new TypeConversionException("'" + JkexecException.oneLine(value) + "': no such directory");
            }
            if (!Files.isDirectory(p)) {
                throw new TypeConversionException("'" + JkexecException.oneLine(value) + "' is not a directory");
            }
            return p;
        }
    }

    /** A file jkexec creates ({@code --console-log}): its directory must exist and be writable. */
    static final class OutputFile implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path p = Inputs.path(value);
            if (Files.isDirectory(p)) {
                throw new TypeConversionException("'" + JkexecException.oneLine(value) + "' is a directory, not a file to write");
            }
            Path dir = p.toAbsolutePath().getParent();
            if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
                throw new TypeConversionException("'" + JkexecException.oneLine(value) + "': its directory does not exist or is not writable");
            }
            return p;
        }
    }

    private static long size(String value) {
        try {
            return Sizes.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(JkexecException.oneLine(e.getMessage()));
        }
    }

    private static void multiple(String value, long v) {
        if (v % UNIT != 0) {
            throw new TypeConversionException("'" + value + "' (" + v + " bytes) is not a multiple of 2 MiB, the layout's unit");
        }
    }
}
