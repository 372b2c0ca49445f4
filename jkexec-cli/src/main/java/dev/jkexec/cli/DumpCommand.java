package dev.jkexec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jkexec dump FILE}: a host-side dump of a running machine's guest, on request. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {"Write a host-side dump of a running guest: an ELF core (readelf, gdb, crash, vmcore-dmesg, makedumpfile read it)",
            "or makedumpfile's kdump-compressed format (crash and makedumpfile read it), with makedumpfile's page filtering.",
            "The guest is paused while its RAM is written; the dump carries one NT_PRSTATUS note per vCPU, the guest",
            "kernel's VMCOREINFO (found in its RAM) and virtual addresses. FILE must not exist unless --force, and is",
            "never anything but a regular file; nothing is left behind when writing fails."})
final class DumpCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "where the dump goes")
    Path file;

    @Option(names = "--format", paramLabel = "elf|kdump-zlib|kdump-zstd", defaultValue = "elf",
            description = "dump format (default ${DEFAULT-VALUE})")
    String format;

    @Option(names = {"-d", "--dump-level"}, paramLabel = "N", defaultValue = "31",
            description = "kdump formats: makedumpfile's dump level, a sum of 1 zero, 2 cache, 4 cache with private data, 8 user, 16 free pages (default ${DEFAULT-VALUE})")
    int level;

    @Option(names = {"-f", "--force"}, description = "replace FILE if it is an existing regular file")
    boolean force;

    @Option(names = "--api", paramLabel = "SOCKET", description = "the machine's control socket (default: the one running machine)")
    Path api;

    @Override
    public Integer call() {
        ObjectNode q = new ObjectMapper().createObjectNode().put("op", "dump").put("file", file.toAbsolutePath().toString())
                .put("format", format).put("level", level).put("force", force);
        boolean bar = Terminal.interactive();
        q.put("progress", bar);
        PrintStream err = System.err;
        JsonNode reply = ControlClient.call(ControlClient.socket(api), q.toString(), p -> {
            long done = p.path("progress").asLong();
            long total = Math.max(1, p.path("total").asLong());
            int width = 30;
            int filled = (int) (width * done / total);
            err.printf("\rjkexec: dump [%s%s] %3d%% %d/%d MiB", "#".repeat(filled), ".".repeat(width - filled),
                    100 * done / total, done >> 20, total >> 20);
        });
        if (bar) {
            err.print("\r\033[K");
        }
        return CtlCommand.print(spec, reply);
    }
}
