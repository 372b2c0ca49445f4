package dev.jkexec.image.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds little-endian ELF32/ELF64 files in code: a header, a program header table right after it,
 * then each segment's bytes (page aligned in the file) and one PT_NOTE segment for the notes added.
 * Tests corrupt the result with {@link Le} at the offsets {@link #phdrOffset} gives.
 */
public final class ElfBuilder {
    public record Seg(long type, long flags, long vaddr, long paddr, byte[] data, long memsz, long align) {
    }

    public record Note(String name, long type, byte[] desc) {
    }

    public boolean is64 = true;
    public int type = 2;
    public int machine = 62;
    public long entry = 0x1000000;
    private final List<Seg> segs = new ArrayList<>();
    private final List<Note> notes = new ArrayList<>();

    public static ElfBuilder elf64() {
        return new ElfBuilder();
    }

    public static ElfBuilder elf32() {
        ElfBuilder b = new ElfBuilder();
        b.is64 = false;
        b.machine = 3;
        b.entry = 0x100000;
        return b;
    }

    public ElfBuilder load(long paddr, byte[] data, long memsz) {
        return load(paddr, paddr, data, memsz);
    }

    public ElfBuilder load(long vaddr, long paddr, byte[] data, long memsz) {
        segs.add(new Seg(1, 7, vaddr, paddr, data, memsz, 0x1000));
        return this;
    }

    public ElfBuilder segment(Seg s) {
        segs.add(s);
        return this;
    }

    public ElfBuilder note(String name, long type, byte[] desc) {
        notes.add(new Note(name, type, desc));
        return this;
    }

    public int ehsize() {
        return is64 ? 64 : 52;
    }

    public int phentsize() {
        return is64 ? 56 : 32;
    }

    public int phdrOffset(int index) {
        return ehsize() + index * phentsize();
    }

    public byte[] build() {
        List<Seg> all = new ArrayList<>(segs);
        byte[] noteBytes = notes.isEmpty() ? null : encodeNotes();
        if (noteBytes != null) {
            all.add(new Seg(4, 4, 0, 0, noteBytes, noteBytes.length, 4));
        }
        int phnum = all.size();
        long at = align(ehsize() + (long) phnum * phentsize(), 0x1000);
        long[] offsets = new long[phnum];
        for (int i = 0; i < phnum; i++) {
            offsets[i] = at;
            at = align(at + all.get(i).data().length, 0x1000);
        }
        byte[] b = new byte[(int) Math.max(at, ehsize() + (long) phnum * phentsize())];
        b[0] = 0x7F;
        b[1] = 'E';
        b[2] = 'L';
        b[3] = 'F';
        b[4] = (byte) (is64 ? 2 : 1);
        b[5] = 1;
        b[6] = 1;
        Le.u16(b, 16, type);
        Le.u16(b, 18, machine);
        Le.u32(b, 20, 1);
        if (is64) {
            Le.u64(b, 24, entry);
            Le.u64(b, 32, phnum == 0 ? 0 : 64);
            Le.u16(b, 52, 64);
            Le.u16(b, 54, 56);
            Le.u16(b, 56, phnum);
            Le.u16(b, 58, 64);
        } else {
            Le.u32(b, 24, entry);
            Le.u32(b, 28, phnum == 0 ? 0 : 52);
            Le.u16(b, 40, 52);
            Le.u16(b, 42, 32);
            Le.u16(b, 44, phnum);
            Le.u16(b, 46, 40);
        }
        for (int i = 0; i < phnum; i++) {
            Seg s = all.get(i);
            int p = phdrOffset(i);
            if (is64) {
                Le.u32(b, p, s.type());
                Le.u32(b, p + 4, s.flags());
                Le.u64(b, p + 8, offsets[i]);
                Le.u64(b, p + 16, s.vaddr());
                Le.u64(b, p + 24, s.paddr());
                Le.u64(b, p + 32, s.data().length);
                Le.u64(b, p + 40, s.memsz());
                Le.u64(b, p + 48, s.align());
            } else {
                Le.u32(b, p, s.type());
                Le.u32(b, p + 4, offsets[i]);
                Le.u32(b, p + 8, s.vaddr());
                Le.u32(b, p + 12, s.paddr());
                Le.u32(b, p + 16, s.data().length);
                Le.u32(b, p + 20, s.memsz());
                Le.u32(b, p + 24, s.flags());
                Le.u32(b, p + 28, s.align());
            }
            System.arraycopy(s.data(), 0, b, (int) offsets[i], s.data().length);
        }
        return b;
    }

    private byte[] encodeNotes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Note n : notes) {
            byte[] name = (n.name() + "\0").getBytes(StandardCharsets.US_ASCII);
            byte[] h = new byte[12];
            Le.u32(h, 0, name.length);
            Le.u32(h, 4, n.desc().length);
            Le.u32(h, 8, n.type());
            out.writeBytes(h);
            out.writeBytes(name);
            out.writeBytes(new byte[(int) (align(name.length, 4) - name.length)]);
            out.writeBytes(n.desc());
            out.writeBytes(new byte[(int) (align(n.desc().length, 4) - n.desc().length)]);
        }
        return out.toByteArray();
    }

    public static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    public static byte[] u32(long v) {
        byte[] b = new byte[4];
        Le.u32(b, 0, v);
        return b;
    }
}
