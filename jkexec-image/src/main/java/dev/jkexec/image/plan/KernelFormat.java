package dev.jkexec.image.plan;

import dev.jkexec.image.ByteView;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.image.multiboot.MultibootHeader;
import java.lang.foreign.MemorySegment;

/**
 * What kind of kernel file some bytes are (after {@link KernelFile#open} took off any whole-file
 * compression), decided by magic alone, in this order: a bzImage's {@code boot_flag} 0xAA55 at
 * 0x1FE (its header is then validated by the bzImage parser, so a damaged bzImage reports its own
 * named error); then a Multiboot v1 header in the first 8 KiB, whatever the file's container —
 * the Xen hypervisor is an ELF32 file with a Multiboot header, and it must be booted as Multiboot
 * (an ELF file is loaded as a Linux vmlinux, entered at {@code startup_64}); then the ELF magic.
 * Anything else is {@link #UNKNOWN}.
 */
public enum KernelFormat {
    ELF("ELF"),
    BZIMAGE("bzImage"),
    MULTIBOOT("multiboot"),
    UNKNOWN("unknown");

    private final String label;

    KernelFormat(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static KernelFormat detect(MemorySegment file) {
        if (!ElfParser.isElf(file) && file.byteSize() >= 0x200
                && new ByteView(file, "kernel").u16(0x1FE, "setup_header.boot_flag") == 0xAA55) {
            return BZIMAGE;
        }
        if (MultibootHeader.find(file).isPresent()) {
            return MULTIBOOT;
        }
        if (ElfParser.isElf(file)) {
            return ELF;
        }
        return UNKNOWN;
    }

    /** The error for a file that is none of the formats jkexec loads. */
    public static ImageFormatException unknown(MemorySegment file) {
        byte[] head = file.asSlice(0, Math.min(8, file.byteSize())).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        String hex = java.util.HexFormat.ofDelimiter(" ").formatHex(head);
        return new ImageFormatException("kernel.format", hex, "neither a bzImage (boot_flag 0xaa55 at 0x1fe), a Multiboot "
                + "kernel (0x1badb002 in the first 8 KiB), an ELF file (7f 45 4c 46), nor one of those compressed with "
                + "gzip, xz, zstd or bzip2; first bytes: " + (hex.isEmpty() ? "(empty file)" : hex));
    }
}
