package dev.jkexec.bench.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What every scenario of a run shares: the inputs (kernel, its vmlinux, the two initramfs archives,
 * the 64 MiB initrd for load), the common command line, where logs go and the checkout (for the CLI).
 *
 * @param root       the jkexec checkout ({@code ./jkexec} is run from here)
 * @param kernel     the bzImage (Debian's generic 6.1 kernel)
 * @param vmlinux    the same kernel decompressed (ELF)
 * @param initrdA    busybox + kexec-tools + the bzImage + /init
 * @param initrdAB   A followed by A as {@code /pb/initrd.img}
 * @param initrdABElf A+B followed by the ELF vmlinux as {@code /boot/vmlinux}, for kexec-tools' ELF forms
 * @param bigInitrd  64 MiB of random bytes, the initrd of the load scenario on the host
 * @param console    the console options every boot gets
 * @param logs       one stamped log per run goes here
 * @param timeout    how long any one run may take before it counts as failed
 */
public record BenchContext(Path root, Path kernel, Path vmlinux, Path initrdA, Path initrdAB, Path initrdABElf, Path bigInitrd,
                           String console, Path logs, Duration timeout) {
    /** The console options of peer-bench's {@code common.sh}. */
    public static final String CONSOLE = "console=ttyS0,115200 earlycon=uart8250,io,0x3f8,115200 printk.devkmsg=on";

    /** The full command line for {@code pb.*} parameters. */
    public String append(String pb) {
        return console + " " + pb;
    }

    /** A fresh log file name for a run. */
    public Path log(String name) {
        try {
            Files.createDirectories(logs);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return logs.resolve(name.replaceAll("[^A-Za-z0-9._-]+", "_") + ".log");
    }
}
