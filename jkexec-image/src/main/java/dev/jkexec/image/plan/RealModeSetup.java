package dev.jkexec.image.plan;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.UnsupportedImageException;
import dev.jkexec.image.boot.CommandLine;
import dev.jkexec.image.boot.ZeroPage;
import dev.jkexec.image.boot.ZeroPageBuilder;
import dev.jkexec.image.boot.ZeroPageField;
import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.image.bzimage.LoadFlag;
import dev.jkexec.image.bzimage.SetupHeaderField;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The "setup16" segment of a real-mode (16-bit) entry: the kernel's own real-mode setup code at
 * {@link #BASE} = 0x90000, entered at 0x9020:0000, laid out as boot.rst's classic loader does for
 * a setup at 0x90000 ("stay below 0x9A000"):
 * <pre>
 *   X + 0x0000  the boot sector and setup sectors, (setup_sects + 1) * 512 bytes, copied as they are
 *   ...         the setup code's bss, heap and stack, up to X + {@link #HEAP_END}
 *   X + 0x9800  the command line, at most 2048 bytes with its NUL (ends at 0x9A000)
 * </pre>
 * The setup code builds boot_params itself — zeroed, its own setup header copied in, the memory
 * map from the BIOS's int 15h E820 — so the loader writes its fields into that header, in place:
 * {@code type_of_loader}, {@code loadflags} = LOADED_HIGH | CAN_USE_HEAP, {@code heap_end_ptr},
 * {@code cmd_line_ptr}, the ramdisk, {@code code32_start} (the protected-mode kernel's load
 * address) and {@code vid_mode} = 0xFFFF. Nothing else the toolstack knows reaches the kernel:
 * no e820 (the BIOS gives it), no {@code acpi_rsdp_addr} (the kernel finds the RSDP by scanning).
 */
final class RealModeSetup {
    /** Where the setup code goes: X = 0x90000, CS:IP = 0x9020:0000. */
    static final long BASE = 0x90000;
    /** End of the setup code's heap and stack, from X (boot.rst's 0x9800 for a setup at 0x90000). */
    static final int HEAP_END = 0x9800;
    /** The command line follows the heap; with its NUL it ends by X + 0xA000 = 0x9A000. */
    static final int COMMAND_LINE_MAX = 0x800;
    /** Room the setup code keeps for its stack below the heap end. */
    static final int MIN_STACK = 0x800;

    private RealModeSetup() {
    }

    /** The segment for {@code image}, with the loader fields written into its header; and what was written. */
    record Built(PlannedSegment segment, long commandLineAddress, List<ZeroPageField> fields) {
    }

    static Built build(BzImage image, String commandLine, long kernelLoad, Long initrd, long initrdSize) {
        long kern16 = image.protectedModeOffset();
        if (kern16 + MIN_STACK > HEAP_END) {
            throw new UnsupportedImageException(SetupHeaderField.SETUP_SECTS.qualifiedName(), hex(image.header().setupSects()),
                    "the real-mode setup code is " + hex(kern16) + " bytes; with its stack it must fit below " + hex(HEAP_END));
        }
        if (image.header().rawVersion() < 0x201) {
            throw new UnsupportedImageException(SetupHeaderField.VERSION.qualifiedName(), hex(image.header().rawVersion()),
                    "the real-mode entry needs protocol 2.01 (heap_end_ptr)");
        }
        byte[] cmd = CommandLine.encode(commandLine, Math.min(image.header().cmdlineSize(), COMMAND_LINE_MAX - 1));
        byte[] out = new byte[HEAP_END + cmd.length];
        MemorySegment.copy(image.file(), ValueLayout.JAVA_BYTE, 0, out, 0, (int) kern16);
        ZeroPageBuilder zp = ZeroPageBuilder.fromHeader(image.header())
                .typeOfLoader(ZeroPage.TYPE_OF_LOADER_KEXEC)
                .loadFlags(LoadFlag.LOADED_HIGH.bit() | LoadFlag.CAN_USE_HEAP.bit())
                .heapEndPtr(HEAP_END - 0x200)
                .vidMode(0xFFFF)
                .code32Start(kernelLoad)
                .commandLine(BASE + HEAP_END);
        if (initrd != null) {
            zp.ramdisk(initrd, initrdSize);
        }
        byte[] page = zp.build();
        int end = image.header().end();
        // Only the header's own bytes change: the setup code around them runs as it is.
        System.arraycopy(page, ZeroPage.SETUP_HEADER, out, ZeroPage.SETUP_HEADER, end - ZeroPage.SETUP_HEADER);
        System.arraycopy(cmd, 0, out, HEAP_END, cmd.length);
        // Only what lies in the header reaches the kernel (ext_cmd_line_ptr, say, is outside it: zero there).
        List<ZeroPageField> fields = zp.written().stream()
                .filter(f -> f.offset() >= ZeroPage.SETUP_HEADER && f.offset() + f.size() <= end).toList();
        return new Built(new PlannedSegment("setup16", BASE, Placer.pageAlign(out.length), MemorySegment.ofArray(out)),
                BASE + HEAP_END, fields);
    }

    /** Linear address of the real-mode entry, {@code (X >> 4) + 0x20 : 0}. */
    static long entry() {
        return BASE + 0x200;
    }
}
