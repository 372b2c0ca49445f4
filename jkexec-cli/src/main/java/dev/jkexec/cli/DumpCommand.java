package dev.jkexec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jkexec dump FILE}: a host-side ELF core of a running machine's guest, on request. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {"Write a host-side ELF core of a running guest (readelf, gdb and crash read it).",
            "The guest is paused while its RAM is written: one PT_LOAD per RAM range, one NT_PRSTATUS note per vCPU."})
final class DumpCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "where the core goes")
    Path file;

    @Option(names = "--api", paramLabel = "SOCKET", description = "the machine's control socket (default: the one running machine)")
    Path api;

    @Override
    public Integer call() {
        String q = new ObjectMapper().createObjectNode().put("op", "dump").put("file", file.toAbsolutePath().toString()).toString();
        return CtlCommand.print(spec, ControlClient.call(ControlClient.socket(api), q));
    }
}
