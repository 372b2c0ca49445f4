package dev.jkexec.bench.e2e;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.image.ImageType;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.qemu.console.ConsoleLine;
import dev.jkexec.machine.guest.Dom0Guest;
import dev.jkexec.machine.guest.GuestShell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's kexec-tools in a jkexec guest, through jkexec's hypercall against the same binary
 * through the guest kernel's own {@code kexec_load} ({@code JKEXEC_XEN=0} turns the shim's PV
 * detection off, so kexec takes its native path), in the same guest:
 *
 * <ul>
 *   <li>{@code kexec -l} of the generic kernel with a 64 MiB initrd (random bytes): the guest's own
 *       clock around the command, and the host's from typing it to its exit status;</li>
 *   <li>{@code kexec -e} → the new kernel's banner, host clock, each from a freshly booted machine.</li>
 * </ul>
 *
 * Runs alternate between the two paths. Writes {@code docs/hypercall-performance.md}. Arguments:
 * {@code --runs N} (default 5), {@code --root DIR}.
 */
public final class HypercallBench {
    private static final Duration WAIT = Duration.ofSeconds(300);
    private static final String CONSOLE = "console=ttyS0,115200 earlycon=uart8250,io,0x3f8,115200";
    private static final Pattern MS = Pattern.compile("@@ms (\\d+)");

    private HypercallBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = 5;
        Path root = Path.of(System.getProperty("jkexec.root", "."));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--root" -> root = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path kernel = GuestAssets.genericKernel();
        Path initrd = Files.createTempFile("jkexec-hcbench-", ".initrd");
        try {
            Files.write(initrd, Dom0Guest.withNextInitrd(Dom0Guest.initrd(GuestAssets.busybox(), kernel)));
            List<double[]> load = loads(kernel, initrd, runs);
            double[] execHc = new double[runs];
            double[] execNative = new double[runs];
            for (int r = 0; r < runs; r++) {
                execHc[r] = exec(kernel, initrd, true);
                execNative[r] = exec(kernel, initrd, false);
                System.out.printf(Locale.ROOT, "exec run %d: hypercall %.2f s, native %.2f s%n", r + 1, execHc[r], execNative[r]);
            }
            String report = report(runs, load, execHc, execNative);
            Path out = root.resolve("docs/hypercall-performance.md");
            Files.writeString(out, report);
            System.out.println(report);
            System.out.println("written: " + out);
        } finally {
            Files.deleteIfExists(initrd);
        }
        System.exit(0);
    }

    private static MachineLayout layout() {
        return MachineLayout.defaults();
    }

    private static Machine boot(Path kernel, Path initrd) {
        Machine m = Machine.start(MachineOptions.builder().layout(layout()).dumpDirectory(Path.of(System.getProperty("java.io.tmpdir"))).build());
        long from = m.console().mark();
        m.boot(new KernelSpec(kernel, initrd, false, CONSOLE + " jkexec.gen=1", 64, ImageType.DEFAULT));
        m.console().awaitLine(Pattern.compile("jkexec-guest: init ready gen=1"), WAIT, from);
        return m;
    }

    /** [guest ms hypercall, guest ms native, host s hypercall, host s native] per run. */
    private static List<double[]> loads(Path kernel, Path initrd, int runs) {
        double[] gh = new double[runs];
        double[] gn = new double[runs];
        double[] hh = new double[runs];
        double[] hn = new double[runs];
        try (Machine m = boot(kernel, initrd)) {
            check(m, "dd if=/dev/urandom of=/tmp/i64 bs=1M count=64 2>/dev/null");
            String cmd = "kexec -l /boot/vmlinuz --initrd=/tmp/i64 --append=\"" + CONSOLE + "\"";
            for (int r = 0; r < runs; r++) {
                double[] h = timed(m, cmd);
                double[] n = timed(m, "JKEXEC_XEN=0 " + cmd);
                check(m, "JKEXEC_XEN=0 kexec -u");
                gh[r] = h[0];
                hh[r] = h[1];
                gn[r] = n[0];
                hn[r] = n[1];
                System.out.printf(Locale.ROOT, "load run %d: hypercall %.0f ms (host %.2f s), native %.0f ms (host %.2f s)%n",
                        r + 1, h[0], h[1], n[0], n[1]);
            }
        }
        return List.of(gh, gn, hh, hn);
    }

    /** The guest's milliseconds and the host's seconds for one command. */
    private static double[] timed(Machine m, String cmd) {
        long t0 = System.nanoTime();
        // The guest's clock: /proc/uptime in centiseconds (busybox's date has no %N).
        String now = "$(cut -d' ' -f1 /proc/uptime | tr -d .)";
        GuestShell.Result r = GuestShell.run(m.console(), "t0=" + now + "; " + cmd + " && echo \"@@ms $(( (" + now + " - t0) * 10 ))\"", WAIT);
        double host = (System.nanoTime() - t0) / 1e9;
        Matcher ms = MS.matcher(r.output());
        if (r.status() != 0 || !ms.find()) {
            throw new IllegalStateException(cmd + " failed: " + r.output());
        }
        return new double[] {Double.parseDouble(ms.group(1)), host};
    }

    private static void check(Machine m, String cmd) {
        GuestShell.Result r = GuestShell.run(m.console(), cmd, WAIT);
        if (r.status() != 0) {
            throw new IllegalStateException(cmd + " failed: " + r.output());
        }
    }

    /** Seconds from typing {@code kexec -e} to the new kernel's banner, on a fresh machine. */
    private static double exec(Path kernel, Path initrd, boolean hypercall) {
        try (Machine m = boot(kernel, initrd)) {
            String env = hypercall ? "" : "JKEXEC_XEN=0 ";
            check(m, env + "kexec -l /boot/vmlinuz --initrd=/boot/initrd --append=\"" + CONSOLE + " jkexec.gen=2\"");
            long from = m.console().mark();
            long t0 = System.nanoTime();
            m.console().send((env + "kexec -e\n").getBytes());
            ConsoleLine banner = m.console().awaitLine(Pattern.compile("Linux version 6\\.1\\.0-56"), WAIT, from);
            return banner == null ? Double.NaN : (System.nanoTime() - t0) / 1e9;
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String stat(double[] v, String unit, String fmt) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, fmt + " %s (" + fmt + "–" + fmt + ")", median(v), unit, s[0], s[s.length - 1]);
    }

    private static String report(int runs, List<double[]> load, double[] execHc, double[] execNative) {
        List<String> l = new ArrayList<>();
        l.add("# The hypercall, measured");
        l.add("");
        l.add("Written by `jkexec-bench/hypercall.sh` (`HypercallBench`) on " + ZonedDateTime.now().toLocalDate()
                + ": Debian 12's kexec-tools 2.0.25 in a jkexec guest (the generic 6.1 kernel, 1 GiB, TCG), the same binary");
        l.add("through jkexec's hypercall and through the guest kernel's own `kexec_load` (`JKEXEC_XEN=0`: the shim's PV");
        l.add("detection off, kexec takes its native path), in the same guest. Medians of " + runs + " runs (min–max); runs alternate.");
        l.add("");
        l.add("| | through jkexec's hypercall | through Linux's kexec_load | ratio |");
        l.add("|---|---:|---:|---:|");
        l.add(String.format(Locale.ROOT, "| `kexec -l` kernel + 64 MiB initrd, guest clock | %s | %s | %.2f× |",
                stat(load.get(0), "ms", "%.0f"), stat(load.get(1), "ms", "%.0f"), median(load.get(0)) / median(load.get(1))));
        l.add(String.format(Locale.ROOT, "| the same, host clock (typing to exit status) | %s | %s | %.2f× |",
                stat(load.get(2), "s", "%.2f"), stat(load.get(3), "s", "%.2f"), median(load.get(2)) / median(load.get(3))));
        l.add(String.format(Locale.ROOT, "| `kexec -e` → new kernel's banner, host clock | %s | %s | %.2f× |",
                stat(execHc, "s", "%.2f"), stat(execNative, "s", "%.2f"), median(execHc) / median(execNative)));
        l.add("");
        l.add("Where the time goes: kexec-tools reads the kernel and the initrd and builds its segments the same way on both");
        l.add("paths. Natively the guest kernel then copies every segment out of the process (`kexec_load`) into pages of its");
        l.add("own; through the hypercall libxenctrl copies each segment once into the hypercall window (its bounce buffers,");
        l.add("in guest userspace, under emulation) and jkexec, natively on the host, copies and hashes them in place. The");
        l.add("exec rows include the xz decompressor of the new kernel (about 3.5 s under TCG) on both paths.");
        l.add("");
        return String.join("\n", l) + "\n";
    }
}
