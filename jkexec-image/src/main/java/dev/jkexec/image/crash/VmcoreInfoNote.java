package dev.jkexec.image.crash;

import dev.jkexec.image.ByteView;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The ELF note that carries {@link VmcoreInfo}, as Linux lays it out in its vmcoreinfo page
 * (append_elf_note + final_note): a 12-byte header {namesz 11, descsz = text length, type 0},
 * the name {@code "VMCOREINFO\0"} padded to 12 bytes, the text padded to 4, then a 12-byte empty
 * note that ends the buffer. Readers of {@code /proc/vmcore} and dump files stop at that zero
 * {@code namesz}.
 */
public final class VmcoreInfoNote {
    public static final String NAME = "VMCOREINFO";
    /** {@code namesz}: the name with its NUL. */
    public static final int NAMESZ = NAME.length() + 1;
    public static final int HEADER = 12;
    /** Offset of the text in the note: header + name padded to 4. */
    public static final int DESC_OFFSET = HEADER + 12;
    private static final byte[] NAME_BYTES = (NAME + "\0\0").getBytes(StandardCharsets.US_ASCII);

    private VmcoreInfoNote() {
    }

    /** Bytes of the note for {@code info} (without the closing empty note). */
    public static byte[] encode(VmcoreInfo info) {
        byte[] text = info.bytes();
        byte[] out = new byte[DESC_OFFSET + align4(text.length)];
        MemorySegment s = MemorySegment.ofArray(out);
        s.set(ByteView.U32, 0, NAMESZ);
        s.set(ByteView.U32, 4, text.length);
        s.set(ByteView.U32, 8, 0);
        System.arraycopy(NAME_BYTES, 0, out, HEADER, NAME_BYTES.length);
        System.arraycopy(text, 0, out, DESC_OFFSET, text.length);
        return out;
    }

    /** Bytes of the note plus the 12-byte empty note that closes a note buffer. */
    public static int bufferSize(VmcoreInfo info) {
        return encode(info).length + HEADER;
    }

    /** Whether {@code at} starts with a VMCOREINFO note header and name (a cheap first test). */
    public static boolean looksLikeNote(MemorySegment memory, long at) {
        if (at < 0 || at + DESC_OFFSET > memory.byteSize()) {
            return false;
        }
        return memory.get(ByteView.U32, at) == NAMESZ && memory.get(ByteView.U32, at + 8) == 0
                && memory.get(ByteView.U64, at + HEADER) == MemorySegment.ofArray(NAME_BYTES).get(ByteView.U64, 0)
                && memory.get(ByteView.U32, at + HEADER + 8) == MemorySegment.ofArray(NAME_BYTES).get(ByteView.U32, 8);
    }

    /**
     * Decodes the note at {@code at}: named checks on the header, the name and the text.
     *
     * @throws VmcoreInfo.FormatException naming the field that is wrong
     */
    public static VmcoreInfo decode(MemorySegment memory, long at) {
        if (at < 0 || at + DESC_OFFSET > memory.byteSize()) {
            throw new VmcoreInfo.FormatException("VMCOREINFO note at 0x" + Long.toHexString(at) + ": outside memory");
        }
        long namesz = Integer.toUnsignedLong(memory.get(ByteView.U32, at));
        long descsz = Integer.toUnsignedLong(memory.get(ByteView.U32, at + 4));
        long type = Integer.toUnsignedLong(memory.get(ByteView.U32, at + 8));
        if (namesz != NAMESZ) {
            throw new VmcoreInfo.FormatException("namesz: " + namesz + " != " + NAMESZ);
        }
        if (type != 0) {
            throw new VmcoreInfo.FormatException("n_type: 0x" + Long.toHexString(type) + " != 0");
        }
        byte[] name = new byte[NAMESZ];
        MemorySegment.copy(memory, at + HEADER, MemorySegment.ofArray(name), 0, NAMESZ);
        if (!Arrays.equals(name, 0, NAMESZ, NAME_BYTES, 0, NAMESZ)) {
            throw new VmcoreInfo.FormatException("name: '" + new String(name, StandardCharsets.US_ASCII).replace("\0", "\\0")
                    + "' != 'VMCOREINFO\\0'");
        }
        if (descsz == 0 || descsz > VmcoreInfo.MAX_TEXT) {
            throw new VmcoreInfo.FormatException("descsz: " + descsz + " outside 1.." + VmcoreInfo.MAX_TEXT);
        }
        if (at + DESC_OFFSET + descsz > memory.byteSize()) {
            throw new VmcoreInfo.FormatException("descsz: " + descsz + " runs past the end of memory");
        }
        byte[] text = new byte[(int) descsz];
        MemorySegment.copy(memory, at + DESC_OFFSET, MemorySegment.ofArray(text), 0, descsz);
        return VmcoreInfo.parse(text);
    }

    static int align4(int n) {
        return (n + 3) & ~3;
    }
}
