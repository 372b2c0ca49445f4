package dev.jkexec.cli;

import dev.jkexec.core.abi.AbiRequestFile;
import dev.jkexec.core.abi.AbiRequests;
import dev.jkexec.core.abi.KexecCommand;
import dev.jkexec.core.kexec.RangeId;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.platform.InputFile;
import dev.jkexec.platform.JkexecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jkexec abi encode}: builds a kexec_op request file (the layout {@code abi decode --help}
 * shows). Values are written as given, invalid ones included, so that refusals can be reproduced.
 */
@Command(name = "encode",
        mixinStandardHelpOptions = true,
        description = {
            "Build a kexec_op request file (layout: see 'jkexec abi decode --help').",
            "COMMAND is exec, load, unload, status, get-range, load-v1, unload-v1, or a number (an all-zero",
            "argument of 24 bytes). Numbers are decimal or 0x-hex; any value is written as given.",
            "The argument goes at --base; a load's segment array at base+0x100, then its buffers page by page;",
            "a v1 load's indirection list pages after the argument page, then its source pages.",
        })
final class AbiEncodeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "COMMAND", description = "exec | load | unload | status | get-range | load-v1 | unload-v1 | N")
    String command;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Where to write the request.")
    Path output;

    @Option(names = "--base", paramLabel = "ADDR", defaultValue = "0x100000",
            description = "Guest-physical address of the argument and the memory window (page aligned). Default: ${DEFAULT-VALUE}.")
    String base;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "default", description = "default | crash | N. Default: ${DEFAULT-VALUE}.")
    String type;

    @Option(names = "--arch", paramLabel = "ARCH", defaultValue = "x86_64", description = "x86_64 | i386 | N (e_machine). Default: ${DEFAULT-VALUE}.")
    String arch;

    @Option(names = "--entry", paramLabel = "ADDR", defaultValue = "0", description = "entry_maddr / start_address.")
    String entry;

    @Option(names = "--segment", paramLabel = "[FILE]@DEST[+SIZE]",
            description = "A segment: FILE's bytes to DEST, dest_size SIZE (default: the file size rounded up to 4 KiB). "
                    + "Without FILE: a mapping-only segment (buf = 0). Repeatable, in load order.")
    List<String> segments = new ArrayList<>();

    @Option(names = "--range", paramLabel = "RANGE", defaultValue = "crash", description = "get-range: crash | cpu | vmcoreinfo | N.")
    String range;

    @Option(names = "--nr", paramLabel = "N", defaultValue = "0", description = "get-range: the vCPU for --range cpu.")
    String nr;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        long at = number("--base", base);
        if ((at & 0xFFF) != 0 || at < 0) {
            throw new JkexecException("--base " + base + ": not a page-aligned guest-physical address");
        }
        AbiRequestFile request = switch (command.toLowerCase(Locale.ROOT)) {
            case "exec" -> AbiRequests.exec(at, typeCode());
            case "unload" -> AbiRequests.unload(at, u8("--type", typeCode()));
            case "status" -> AbiRequests.status(at, u8("--type", typeCode()));
            case "unload-v1" -> AbiRequests.unloadV1(at, typeCode());
            case "get-range" -> AbiRequests.getRange(at, rangeCode(), (int) number("--nr", nr));
            case "load" -> AbiRequests.load(at, u8("--type", typeCode()), archCode(), number("--entry", entry), segmentList());
            case "load-v1" -> AbiRequests.loadV1(at, typeCode(), number("--entry", entry), segmentList());
            default -> AbiRequests.raw(number("COMMAND", command), at, 24);
        };
        try {
            request.write(output);
        } catch (IOException e) {
            throw new JkexecException("cannot write " + output + ": " + e.getMessage(), e);
        }
        KexecCommand c = KexecCommand.ofCode(request.cmd());
        spec.commandLine().getOut().printf("%s: %s, argument at 0x%x, memory 0x%x+0x%x%n", output,
                c == null ? "command " + request.cmd() : c.xenName(), request.argAddress(), request.memoryBase(), request.memory().length);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private List<AbiRequests.Segment> segmentList() {
        List<AbiRequests.Segment> out = new ArrayList<>();
        for (String s : segments) {
            int atSign = s.lastIndexOf('@');
            if (atSign < 0) {
                throw new JkexecException("--segment " + s + ": expected [FILE]@DEST[+SIZE]");
            }
            String path = s.substring(0, atSign);
            String where = s.substring(atSign + 1);
            int plus = where.indexOf('+');
            long dest = number("--segment dest", plus < 0 ? where : where.substring(0, plus));
            byte[] data = null;
            if (!path.isEmpty()) {
                data = InputFile.of("--segment", path).read(AbiRequestFile.MAX_FILE, "the largest request file");
            } else if (plus < 0) {
                throw new JkexecException("--segment " + s + ": a mapping-only segment needs +SIZE");
            }
            long size = plus >= 0 ? number("--segment size", where.substring(plus + 1)) : (data.length + 4095L) & -4096L;
            out.add(new AbiRequests.Segment(data, dest, size));
        }
        return out;
    }

    private int typeCode() {
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "default" -> ImageType.DEFAULT.code();
            case "crash" -> ImageType.CRASH.code();
            default -> (int) number("--type", type);
        };
    }

    private int archCode() {
        return switch (arch.toLowerCase(Locale.ROOT)) {
            case "x86_64", "em_x86_64" -> Arch.X86_64.elfMachine();
            case "i386", "em_386" -> Arch.I386.elfMachine();
            default -> u16("--arch", number("--arch", arch));
        };
    }

    private int rangeCode() {
        return switch (range.toLowerCase(Locale.ROOT)) {
            case "crash" -> RangeId.CRASH;
            case "xen" -> RangeId.XEN;
            case "cpu" -> RangeId.CPU;
            case "vmcoreinfo" -> RangeId.VMCOREINFO;
            default -> (int) number("--range", range);
        };
    }

    private static int u8(String option, long v) {
        if (v < 0 || v > 0xFF) {
            throw new JkexecException(option + " " + v + ": this structure holds a u8");
        }
        return (int) v;
    }

    private static int u16(String option, long v) {
        if (v < 0 || v > 0xFFFF) {
            throw new JkexecException(option + " " + v + ": arch is a u16");
        }
        return (int) v;
    }

    static long number(String option, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace("_", "");
        try {
            if (t.startsWith("0x")) {
                return Long.parseUnsignedLong(t.substring(2), 16);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new JkexecException(option + " " + text + ": not a number (decimal or 0x-hex)");
        }
    }
}
