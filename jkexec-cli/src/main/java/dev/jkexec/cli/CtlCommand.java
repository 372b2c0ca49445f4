package dev.jkexec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jkexec.platform.InputFile;
import dev.jkexec.machine.Initrd;
import dev.jkexec.machine.KernelSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code jkexec ctl}: operate a running machine (one started by {@code jkexec run}) through its
 * REST API, one subcommand per resource or action (docs/api.md). Each prints the reply as
 * {@code key: value} lines; a refusal is the one-line error and exit status 1.
 */
@Command(name = "ctl", mixinStandardHelpOptions = true,
        description = {"Operate a running machine through its REST API (the Unix socket jkexec run prints; found automatically when one machine runs).",
            "Examples: jkexec ctl load --type crash --kernel K;  jkexec ctl exec;  jkexec ctl crash;  jkexec ctl hypercall req.bin"},
        subcommands = {CtlCommand.Status.class, CtlCommand.Image.class, CtlCommand.Range.class, CtlCommand.Load.class,
            CtlCommand.Unload.class, CtlCommand.Exec.class, CtlCommand.Crash.class, CtlCommand.Pause.class, CtlCommand.Resume.class,
            CtlCommand.Hypercall.class, CtlCommand.Events.class})
final class CtlCommand {
    @Option(names = "--api", paramLabel = "SOCKET", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "the machine's API socket (default: the one running machine's)")
    Path api;

    /** What each subcommand shares: the socket, and how a reply is printed. */
    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        CtlCommand ctl;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (ApiClient c = new ApiClient(ApiClient.socket(ctl.api))) {
                return print(spec.commandLine().getOut(), run(c));
            }
        }

        abstract JsonNode run(ApiClient api);

        int print(PrintWriter out, JsonNode reply) {
            CtlCommand.print(out, "", reply);
            out.flush();
            return 0;
        }
    }

    /** Prints a reply as {@code key: value} lines, nested objects as {@code key.sub: value}. */
    static void print(PrintWriter out, String prefix, JsonNode reply) {
        reply.properties().forEach(e -> {
            JsonNode v = e.getValue();
            if (v.isObject()) {
                print(out, prefix + e.getKey() + ".", v);
            } else {
                out.println(prefix + e.getKey() + ": " + (v.isTextual() ? v.asText() : v.toString()));
            }
        });
    }

    static ObjectNode action(String name) {
        return ApiJson.JSON.createObjectNode().put("action", name);
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Both slots, the vCPUs' state, the firmware's last report (GET /machine).")
    static final class Status extends Sub {
        JsonNode run(ApiClient api) {
            return api.get("/machine");
        }
    }

    @Command(name = "image", mixinStandardHelpOptions = true, description = "What one slot holds (GET /kexec/images/TYPE).")
    static final class Image extends Sub {
        @Option(names = "--type", paramLabel = "default|crash", defaultValue = "default", description = "the slot (default ${DEFAULT-VALUE})")
        String type;

        JsonNode run(ApiClient api) {
            return api.get("/kexec/images/" + KernelOptions.type("--type", type).label());
        }
    }

    @Command(name = "range", mixinStandardHelpOptions = true, description = "Xen's get_range: crash, cpu (--nr N), vmcoreinfo (GET /kexec/ranges/RANGE).")
    static final class Range extends Sub {
        @Parameters(paramLabel = "RANGE", description = "crash | xen | cpu | vmcoreinfo")
        String range;

        @Option(names = "--nr", defaultValue = "0", description = "the vCPU, for cpu (default ${DEFAULT-VALUE})")
        int nr;

        JsonNode run(ApiClient api) {
            return api.get("/kexec/ranges/" + java.net.URLEncoder.encode(range, java.nio.charset.StandardCharsets.UTF_8) + "?nr=" + nr);
        }
    }

    @Command(name = "load", mixinStandardHelpOptions = true, description = "Plan a kernel with jkexec's toolstack and load it into a slot (PUT /kexec/images/TYPE); "
            + "the busybox guest is its initrd unless --initrd.")
    static final class Load extends Sub {
        @Option(names = "--type", paramLabel = "default|crash", defaultValue = "default", description = "the slot (default ${DEFAULT-VALUE})")
        String type;

        @Mixin
        KernelOptions kernel;

        JsonNode run(ApiClient api) {
            KernelSpec s = kernel.spec(KernelOptions.type("--type", type), Initrd.BUSYBOX);
            ObjectNode q = ApiJson.JSON.createObjectNode().put("kernel", s.kernel().toAbsolutePath().toString());
            switch (s.initrd()) {
                case Initrd.File f -> q.put("initrd", f.path().toAbsolutePath().toString());
                case Initrd.Busybox b -> q.put("busybox", true);
                case Initrd.None n -> q.put("busybox", false);
            }
            q.put("append", s.append()).put("entry", s.entry().bits()).put("decompress", s.decompress());
            if (!s.modules().isEmpty()) {
                var ms = q.putArray("modules");
                for (String m : s.modules()) {
                    String[] w = m.strip().split("\\s+", 2);
                    String file = w[0].equals(KernelSpec.BUSYBOX_MODULE) ? w[0] : Path.of(w[0]).toAbsolutePath().toString();
                    ms.add(w.length > 1 ? file + " " + w[1] : file);
                }
            }
            if (s.modulesDir() != null) {
                q.put("modulesDir", s.modulesDir().toAbsolutePath().toString());
            }
            return api.put("/kexec/images/" + s.type().label(), q);
        }
    }

    @Command(name = "unload", mixinStandardHelpOptions = true, description = "Empty a slot (DELETE /kexec/images/TYPE).")
    static final class Unload extends Sub {
        @Option(names = "--type", paramLabel = "default|crash", required = true, description = "the slot")
        String type;

        JsonNode run(ApiClient api) {
            return api.delete("/kexec/images/" + KernelOptions.type("--type", type).label());
        }
    }

    @Command(name = "exec", mixinStandardHelpOptions = true, description = "Execute a slot's image (PUT /actions exec): default replaces the guest, crash runs the crash path.")
    static final class Exec extends Sub {
        @Option(names = "--type", paramLabel = "default|crash", defaultValue = "default", description = "the slot (default ${DEFAULT-VALUE})")
        String type;

        JsonNode run(ApiClient api) {
            return api.put("/actions", action("exec").put("type", KernelOptions.type("--type", type).label()));
        }
    }

    @Command(name = "crash", mixinStandardHelpOptions = true, description = "Run the crash path as a panic would (PUT /actions crash).")
    static final class Crash extends Sub {
        JsonNode run(ApiClient api) {
            return api.put("/actions", action("crash"));
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Stop the vCPUs (PUT /actions pause).")
    static final class Pause extends Sub {
        JsonNode run(ApiClient api) {
            return api.put("/actions", action("pause"));
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Let the vCPUs run (PUT /actions resume).")
    static final class Resume extends Sub {
        JsonNode run(ApiClient api) {
            return api.put("/actions", action("resume"));
        }
    }

    @Command(name = "hypercall", mixinStandardHelpOptions = true, description = {"A raw kexec_op in the binary ABI (JKXABI01; jkexec abi encode writes them), through the",
        "guest's hypercall dispatcher (POST /kexec/op); prints its return value; exit status 1 for a -errno."})
    static final class Hypercall extends Sub {
        @Parameters(paramLabel = "FILE", description = "the request file")
        Path file;

        JsonNode run(ApiClient api) {
            return api.post("/kexec/op", new InputFile("hypercall", file).read(ApiServer.MAX_KEXEC_OP_BODY, "the largest kexec_op request"));
        }

        @Override
        int print(PrintWriter out, JsonNode reply) {
            super.print(out, reply);
            return reply.path("ret").asLong(0) < 0 ? 1 : 0; // a script sees the -errno in the exit status
        }
    }

    @Command(name = "events", mixinStandardHelpOptions = true, description = "Print the machine's events (GET /events: panics, handovers, crashes, exits) as JSON lines.")
    static final class Events extends Sub {
        @Option(names = "--count", paramLabel = "N", description = "stop after N events")
        Integer count;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            int[] seen = {0};
            try (ApiClient c = new ApiClient(ApiClient.socket(ctl.api))) {
                c.events(e -> {
                    out.println(e);
                    out.flush();
                    return count == null || ++seen[0] < count;
                });
            }
            return 0;
        }

        JsonNode run(ApiClient api) {
            throw new UnsupportedOperationException();
        }
    }
}
