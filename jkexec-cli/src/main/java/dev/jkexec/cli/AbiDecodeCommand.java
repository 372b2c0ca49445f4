package dev.jkexec.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jkexec.core.abi.AbiRequestFile;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jkexec abi decode FILE}: prints a saved kexec_op request as JSON — the command, the
 * argument structure, then the guest memory it points into — or the errno and field that stop it.
 */
@Command(name = "decode",
        mixinStandardHelpOptions = true,
        description = {
            "Print a kexec_op request file as JSON: the command, its argument structure, then the memory it",
            "points into (segment buffers: size, SHA-256, first bytes; a v1 indirection list: its segments).",
            "If the request cannot be decoded the way the hypercall would read it, \"error\" gives the errno",
            "and the field (for example EFAULT, segments[1].buf) and the exit status is 1.",
            "",
            "File layout (little endian), as written by 'jkexec abi encode':",
            "  off size",
            "    0   8  magic \"JKXABI01\"",
            "    8   4  u32 cmd          kexec_op sub-command (0 exec, 1 load_v1, 2 unload_v1, 3 get_range,",
            "                            4 load, 5 unload, 6 status; other values decode as EOPNOTSUPP)",
            "   12   4  u32 reserved     0",
            "   16   8  u64 argAddress   guest-physical address of the argument structure",
            "   24   8  u64 memoryBase   guest-physical address of the first memory byte",
            "   32   8  u64 memorySize   number of memory bytes that follow",
            "   40   ...  memory         guest memory [memoryBase, memoryBase + memorySize)",
            "Every pointer in the request is a guest-physical address; outside the memory window it is EFAULT.",
        })
final class AbiDecodeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The request file.")
    Path file;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        AbiRequestFile request = AbiRequestFile.read("request", file);
        ObjectNode json = AbiJson.describe(request);
        try {
            spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        } catch (JsonProcessingException e) {
            throw new AssertionError("a tree of plain nodes always serializes", e);
        }
        spec.commandLine().getOut().flush();
        return json.has("error") ? 1 : 0;
    }
}
