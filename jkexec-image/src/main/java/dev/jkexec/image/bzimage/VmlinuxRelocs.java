package dev.jkexec.image.bzimage;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ProgramHeader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The relocation table a relocatable x86-64 bzImage carries after its vmlinux
 * ({@code arch/x86/boot/compressed/Makefile}: the payload is {@code vmlinux.bin} followed by
 * {@code vmlinux.relocs}, written by {@code arch/x86/tools/relocs}), and its application when the
 * kernel's virtual base moves, as the kernel's own decompressor does
 * ({@code arch/x86/boot/compressed/misc.c}, {@code handle_relocations}).
 *
 * <p>The table is read backwards from the end of the decompressed payload: 32-bit entries, each the
 * kernel virtual address of a location to fix (sign-extended to 64 bits), in three zero-terminated
 * lists — from the end: 32-bit absolute locations ({@code += delta}), 32-bit inverse locations
 * (per-CPU references, {@code -= delta}), 64-bit absolute locations ({@code += delta}). The last
 * terminator read must be the first word after the ELF file: anything else is not such a table
 * (an older or non-relocatable kernel) and {@link #find} says so with an empty result.
 *
 * <p>A location is the kernel address {@code __START_KERNEL_map + p_paddr + offset} of a byte
 * inside a PT_LOAD's file contents; one outside every PT_LOAD is an {@link ImageFormatException}
 * naming the entry ({@code vmlinux.relocs[i]}), like the decompressor's "relocation outside of
 * kernel". Nothing is written before every entry was checked.
 *
 * @param relocs32        offsets into the payload of the 32-bit locations (little endian u32 each)
 * @param inverse32       offsets of the inverse 32-bit locations
 * @param relocs64        offsets of the 64-bit locations
 */
public record VmlinuxRelocs(int[] relocs32, int[] inverse32, int[] relocs64) {
    /** Where the x86-64 kernel's virtual image is mapped: {@code __START_KERNEL_map}. */
    public static final long START_KERNEL_MAP = 0xFFFF_FFFF_8000_0000L;
    private static final int ELF64_SHDR_SIZE = 64;

    /** Total entries. */
    public int size() {
        return relocs32.length + inverse32.length + relocs64.length;
    }

    /**
     * The table after the ELF file {@code elf} in {@code payload} (the whole decompressed payload),
     * every entry resolved to the payload offset it patches; empty when the payload ends where the
     * ELF file ends, or its tail is not such a table.
     */
    public static java.util.Optional<VmlinuxRelocs> find(byte[] payload, ElfFile elf) {
        long elfEnd = elfEnd(elf);
        long tail = payload.length - elfEnd;
        if (tail < 12 || tail % 4 != 0) {
            return java.util.Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        int at = payload.length - 4;
        int[][] lists = new int[3][];
        for (int list = 0; list < 3; list++) {
            int end = at;
            while (at >= elfEnd && b.getInt(at) != 0) {
                at -= 4;
            }
            if (at < elfEnd) {
                return java.util.Optional.empty(); // ran into the ELF file: no table here
            }
            int count = (end - at) / 4;
            int[] out = new int[count];
            for (int i = 0; i < count; i++) {
                out[i] = b.getInt(end - 4 * i);
            }
            lists[list] = out;
            at -= 4; // past the terminator
        }
        if (at + 4 != elfEnd) {
            return java.util.Optional.empty();
        }
        List<ProgramHeader> loads = elf.loads();
        int index = 0;
        int[][] resolved = new int[3][];
        for (int list = 0; list < 3; list++) {
            int width = list == 2 ? 8 : 4;
            resolved[list] = new int[lists[list].length];
            for (int i = 0; i < lists[list].length; i++, index++) {
                long kernelAddress = lists[list][i]; // sign-extended, as the decompressor reads it
                resolved[list][i] = offsetOf(kernelAddress, width, loads, index);
            }
        }
        return java.util.Optional.of(new VmlinuxRelocs(resolved[0], resolved[1], resolved[2]));
    }

    /** Adds {@code delta} to every location (subtracts it from the inverse ones), in {@code payload}. */
    public void apply(byte[] payload, long delta) {
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        for (int off : relocs32) {
            b.putInt(off, (int) (b.getInt(off) + delta));
        }
        for (int off : inverse32) {
            b.putInt(off, (int) (b.getInt(off) - delta));
        }
        for (int off : relocs64) {
            b.putLong(off, b.getLong(off) + delta);
        }
    }

    /** Where the ELF file proper ends: after its section headers or its last segment's bytes. */
    static long elfEnd(ElfFile elf) {
        long end = elf.shoff() == 0 ? 0 : elf.shoff() + (long) elf.shnum() * ELF64_SHDR_SIZE;
        for (ProgramHeader ph : elf.programHeaders()) {
            end = Math.max(end, ph.offset() + ph.filesz());
        }
        return end;
    }

    private static int offsetOf(long kernelAddress, int width, List<ProgramHeader> loads, int index) {
        long paddr = kernelAddress - START_KERNEL_MAP;
        for (ProgramHeader ph : loads) {
            if (paddr >= ph.paddr() && paddr + width <= ph.paddr() + ph.filesz()) {
                long off = ph.offset() + (paddr - ph.paddr());
                if (off + width <= Integer.MAX_VALUE) {
                    return (int) off;
                }
            }
        }
        throw new ImageFormatException("vmlinux.relocs[" + index + "]", hex(kernelAddress), "relocation of " + width
                + " bytes at kernel address " + hex(kernelAddress) + " lies outside every PT_LOAD's contents");
    }
}
