package dev.jkexec.machine.dumps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.machine.guest.DebianDumpTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the outside programs the dump tests hold jkexec's dumps against, each with a time limit. */
final class Tools {
    private static DebianDumpTools debian;

    private Tools() {
    }

    /** Debian's vmcore-dmesg and makedumpfile, unpacked from their packages (apt-get download) once per JVM. */
    static synchronized DebianDumpTools debian() {
        if (debian == null) {
            debian = DebianDumpTools.prepare(DebianDumpTools.defaultCache());
        }
        return debian;
    }

    record Result(int exit, String output) {
    }

    static Result run(ProcessBuilder pb) {
        try {
            Process p = pb.redirectErrorStream(true).start();
            try {
                p.getOutputStream().close();
                byte[] out = p.getInputStream().readAllBytes();
                assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("%s finished", pb.command()).isTrue();
                return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
            } finally {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            throw new AssertionError(pb.command().getFirst() + " is needed (scripts/env.sh installs it): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Result run(String... cmd) {
        return run(new ProcessBuilder(List.of(cmd)));
    }

    static Result vmcoreDmesg(Path dump) {
        return run(debian().hostCommand(debian().vmcoreDmesg(), dump.toString()));
    }

    /** Debian's makedumpfile as installed on the host (scripts/env.sh), the one a user runs. */
    static Result makedumpfile(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "makedumpfile";
        System.arraycopy(args, 0, cmd, 1, args.length);
        return run(cmd);
    }
}
