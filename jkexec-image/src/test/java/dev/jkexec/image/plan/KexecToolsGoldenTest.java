package dev.jkexec.image.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.E820Type;
import dev.jkexec.image.KexecImage;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.RealKernels;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsTestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Golden test against the real kexec-tools: {@code kexec -l -d} of the same generic kernel and an
 * initrd of the same size, on the memory map it printed (peer-bench/reference-output/kexec-l-d.txt).
 * The kernel and initrd must land where kexec-tools put them, with the same sizes.
 */
@NeedsTestData
class KexecToolsGoldenTest {
    static final Pattern RANGE = Pattern.compile("^([0-9a-f]{16})-([0-9a-f]{16}) \\((\\d)\\)$");

    static String reference() throws IOException {
        Path p = GuestAssets.dir().resolveSibling("peer-bench").resolve("reference-output/kexec-l-d.txt");
        if (!Files.isRegularFile(p)) {
            throw new AssertionError("reference output missing: " + p + " (it is part of the shared test data)");
        }
        return Files.readString(p);
    }

    /** The "MEMORY RANGES" block: kexec-tools numbers RAM 0 and reserved 1. */
    static MemoryMap memoryRanges(String text) {
        List<MemoryRange> out = new ArrayList<>();
        boolean in = false;
        for (String line : text.lines().toList()) {
            if (line.equals("MEMORY RANGES")) {
                in = true;
                continue;
            }
            Matcher m = RANGE.matcher(line);
            if (in && m.matches()) {
                long start = Long.parseUnsignedLong(m.group(1), 16);
                long end = Long.parseUnsignedLong(m.group(2), 16) + 1;
                out.add(new MemoryRange(start, end - start, m.group(3).equals("0") ? E820Type.RAM : E820Type.RESERVED));
            } else if (in) {
                break;
            }
        }
        return new MemoryMap(out);
    }

    static long find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex).isTrue();
        return Long.parseUnsignedLong(m.group(1), 16);
    }

    @Test
    void kernelAndInitrdWhereKexecToolsPutThem() throws IOException {
        String ref = reference();
        MemoryMap map = memoryRanges(ref);
        assertThat(map.ranges()).hasSize(7);
        long kernelAt = find(ref, "Loaded 64bit kernel at 0x([0-9a-f]+)");
        long initrdAt = find(ref, "Loaded initrd at 0x([0-9a-f]+) size");
        long initrdSize = find(ref, "Loaded initrd at 0x[0-9a-f]+ size 0x([0-9a-f]+)");
        long initSize = find(ref, "kernel init_size 0x([0-9a-f]+)");

        KexecImage img = new KexecPlanner(new KexecPlannerTest.FakePurgatory()).plan(PlanRequest.builder(RealKernels.generic(), map)
                .initrd(new byte[(int) initrdSize]).commandLine("console=ttyS0,115200").build()).image();
        var kernel = KexecPlannerTest.segment(img, "kernel");
        var initrd = KexecPlannerTest.segment(img, "initrd");
        assertThat(kernel.destination()).isEqualTo(kernelAt);
        assertThat(kernel.destinationSize()).isEqualTo(initSize);
        assertThat(kernel.bufferSize()).isEqualTo(find(ref, "segment\\[1\\]\\.bufsz = 0x([0-9a-f]+)"));
        assertThat(initrd.destination()).isEqualTo(initrdAt);
        assertThat(initrd.destinationSize()).isEqualTo(find(ref, "segment\\[0\\]\\.memsz = 0x([0-9a-f]+)"));
    }
}
