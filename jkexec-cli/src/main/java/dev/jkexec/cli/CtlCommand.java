package dev.jkexec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jkexec.platform.JkexecException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jkexec ctl}: operate a running machine (one started by {@code jkexec run}) through its control socket. */
@Command(name = "ctl", mixinStandardHelpOptions = true,
        description = {"Operate a running machine: status, load, unload, exec, crash, dump, hypercall FILE.",
            "Talks to the control socket jkexec run prints (--api; found automatically when one machine runs).",
            "hypercall FILE: a raw kexec_op in the binary ABI (jkexec abi encode writes them); prints its return value.",
            "Examples: jkexec ctl load --type crash --kernel K --busybox;  jkexec ctl exec;  jkexec ctl crash;  jkexec ctl hypercall req.bin"})
final class CtlCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OP", description = "status | load | unload | exec | crash | dump | hypercall")
    String op;

    @Parameters(index = "1", arity = "0..1", paramLabel = "FILE", description = "hypercall: the request file (JKXABI01)")
    Path request;

    @Option(names = "--api", paramLabel = "SOCKET", description = "the machine's control socket")
    Path api;

    @Option(names = "--type", paramLabel = "default|crash", description = "slot for load/unload/exec")
    String type;

    @Option(names = "--kernel", paramLabel = "K", description = "load: bzImage or ELF vmlinux")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "I", description = "load: initrd")
    Path initrd;

    @Option(names = "--busybox", description = "load: jkexec's busybox guest as the initrd")
    boolean busybox;

    @Option(names = "--append", paramLabel = "S", description = "load: kernel command line")
    String append;

    @Option(names = "--entry", paramLabel = "64|32|16", description = "load: entry mode")
    Integer entry;

    @Option(names = "--file", paramLabel = "FILE", description = "dump: where the core goes")
    Path file;

    @Option(names = "--decompress", description = "load: decompress the bzImage on the host and load its vmlinux")
    boolean decompress;

    @Override
    public Integer call() {
        ObjectNode q = new ObjectMapper().createObjectNode().put("op", op);
        if (type != null) {
            q.put("type", type);
        }
        if (kernel != null) {
            q.put("kernel", kernel.toAbsolutePath().toString());
        }
        if (initrd != null) {
            q.put("initrd", initrd.toAbsolutePath().toString());
        }
        if (busybox || (kernel != null && initrd == null)) {
            q.put("busybox", true);
        }
        if (append != null) {
            q.put("append", append);
        }
        if (entry != null) {
            q.put("entry", entry);
        }
        if (file != null) {
            q.put("file", file.toAbsolutePath().toString());
        }
        if (decompress) {
            q.put("decompress", true);
        }
        if (op.equals("hypercall")) {
            if (request == null) {
                throw new JkexecException("hypercall: a request FILE is required (jkexec abi encode writes one)");
            }
            q.put("file", request.toAbsolutePath().toString());
        }
        JsonNode reply = ControlClient.call(ControlClient.socket(api), q.toString());
        int status = print(spec, reply);
        // A hypercall's -errno is the request's failure: a script sees it in the exit status too.
        return op.equals("hypercall") && reply.path("ret").asLong(0) < 0 ? 1 : status;
    }

    /** Prints a reply as {@code key: value} lines; an error reply becomes the one-line error. */
    static int print(picocli.CommandLine.Model.CommandSpec spec, JsonNode reply) {
        if (!reply.path("ok").asBoolean(false)) {
            throw new JkexecException(reply.path("error").asText("the machine refused the request"));
        }
        reply.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("ok")) {
                spec.commandLine().getOut().println(e.getKey() + ": " + (e.getValue().isTextual() ? e.getValue().asText() : e.getValue()));
            }
        });
        return 0;
    }
}
