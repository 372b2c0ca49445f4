package dev.jkexec.image.bzimage;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: a bzImage's setup header and layout ({@link SetupHeader#parse}, {@link BzImage#parse}).
 * Beyond "only {@link ImageFormatException}": a parsed header's fields all lie inside the header,
 * which lies inside the file, and read back the file's bytes; the header copy is exactly the file's
 * {@code [0x1F1, end)}; the kernel version string, the payload and {@code kernel_info} lie inside
 * the file. Seeds: the real kernels' setup sectors (their payloads cut off) and synthetic bzImages
 * of every protocol shape.
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class BzImageFuzzTest {
    static final int MAX_INPUT = 64 << 10;

    @FuzzTest
    void bzImage(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, ImageFormatException.class, bytes -> {
            MemorySegment file = MemorySegment.ofArray(bytes);
            SetupHeader h = SetupHeader.parse(new dev.jkexec.image.ByteView(file, "bzImage"));
            headerInsideFile(h, bytes);
            BzImage img = BzImage.parse(file);
            long size = bytes.length;
            check(img.protectedModeOffset() < size, "protected-mode code at " + img.protectedModeOffset() + " of " + size);
            if (img.kernelVersion() != null) {
                long at = h.kernelVersionOffset();
                check(at + img.kernelVersion().length() < img.protectedModeOffset(), "kernel_version runs into the protected-mode code");
            }
            if (img.compression() != null) {
                check(img.payloadOffset() >= img.protectedModeOffset(), "payload before the protected-mode code");
                check(img.payloadOffset() + img.payloadLength() <= size, "payload past the end of the file");
                check(img.payload().byteSize() == img.payloadLength(), "payload view of another length");
            }
            if (img.kernelInfo() != null) {
                KernelInfo k = img.kernelInfo();
                check(k.fileOffset() >= 0 && k.fileOffset() + k.sizeTotal() <= size, "kernel_info past the end of the file");
                check(k.size() >= 0x10 && k.sizeTotal() >= k.size(), "kernel_info smaller than its fixed part");
            }
        });
    }

    /** Every field of the header's version inside {@code [0x1F1, end)}, {@code end} inside the file, values = file bytes. */
    static void headerInsideFile(SetupHeader h, byte[] file) {
        check(h.end() <= file.length, "header end " + h.end() + " beyond the " + file.length + "-byte file");
        check(h.end() == SetupHeader.JUMP_BASE + file[0x201], "header end is not 0x202 + the jump displacement");
        Hostile.sameBytes(Arrays.copyOfRange(file, SetupHeaderField.HEADER_START, h.end()), h.bytes(), "header copy");
        for (SetupHeader.Field f : h.fields()) {
            int at = f.field().offset();
            int n = f.field().sizeIn(h.version());
            check(at >= SetupHeaderField.HEADER_START && at + n <= h.end(), f.field().qualifiedName() + " outside the header");
            long fromFile = 0;
            for (int i = n - 1; i >= 0; i--) {
                fromFile = (fromFile << 8) | (file[at + i] & 0xFF);
            }
            check(fromFile == f.value(), f.field().qualifiedName() + " reads " + f.value() + ", the file holds " + fromFile);
        }
    }
}
