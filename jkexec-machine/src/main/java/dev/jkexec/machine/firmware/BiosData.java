package dev.jkexec.machine.firmware;

import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * What jkexec's BIOS keeps in low memory from 0x400 to 0x1000: the BIOS data area (BDA) a PC
 * BIOS fills at power-on, and the answers of {@link Bios}'s memory services. jkexec builds it in
 * Java from the machine's memory map, the handover block carries it, and the firmware copies it
 * to 0x400 (the vector table goes below it, to 0:0) on a handover that asks for the BIOS.
 *
 * <pre>
 *  0x400  COM1 I/O port (0x3F8)          0x410  equipment word (one serial port, 80x25 colour)
 *  0x40E  EBDA segment (0x9F00)          0x413  base memory in KiB (636: the EBDA/mailbox page above)
 *  0x449  video mode 3, 0x44A columns 80, 0x44C page bytes, 0x460 cursor shape, 0x463 CRTC port 0x3D4
 *  0x46C  timer ticks (0: the timer interrupt is masked)
 *  0x484  rows - 1 (24), 0x485 character height (16)
 *  0x4E0  int 15h E801h: KiB from 1 to 16 MiB     0x4E2 64 KiB blocks from 16 MiB to the first hole
 *  0x4E4  int 15h 88h: KiB above 1 MiB (at most 0xFC00)    0x4E6 int 12h: base memory KiB
 *  0x4F0  number of e820 entries          0x500  the e820 entries, 20 bytes each, at most 128
 * </pre>
 * Xen reads 0x40E and 0x413 to place its trampoline below the EBDA; Linux's setup code reads the
 * video fields; the e820 entries are what int 15h E820h hands out.
 */
public final class BiosData {
    /** Where the data starts (the vector table is below it). */
    public static final int BASE = 0x400;
    /** Bytes from {@link #BASE} to the end of the first page. */
    public static final int SIZE = 0xC00;
    static final int COM1 = 0x400;
    static final int EBDA_SEGMENT = 0x40E;
    static final int EQUIPMENT = 0x410;
    static final int BASE_MEMORY = 0x413;
    static final int VIDEO_MODE = 0x449;
    static final int COLUMNS = 0x44A;
    static final int PAGE_BYTES = 0x44C;
    static final int CURSOR_SHAPE = 0x460;
    static final int CRTC_PORT = 0x463;
    static final int TICKS = 0x46C;
    static final int ROWS_MINUS_ONE = 0x484;
    static final int CHAR_HEIGHT = 0x485;
    static final int E801_LOW_KIB = 0x4E0;
    static final int E801_HIGH_BLOCKS = 0x4E2;
    static final int EXTENDED_KIB = 0x4E4;
    static final int BASE_MEMORY_KIB = 0x4E6;
    static final int E820_COUNT = 0x4F0;
    static final int E820_TABLE = 0x500;
    static final int E820_ENTRY = 20;
    public static final int E820_MAX = (BASE + SIZE - E820_TABLE) / E820_ENTRY;

    /**
     * What the BIOS answers.
     *
     * @param ebdaSegment      the EBDA's segment (the page above base memory)
     * @param baseMemoryKib    KiB of conventional memory below the EBDA
     * @param e801LowKib       KiB of RAM from 1 MiB up to 16 MiB (at most 15360)
     * @param e801HighBlocks   64 KiB blocks of RAM from 16 MiB up to the first hole
     * @param extendedKib      KiB of RAM above 1 MiB, at most 0xFC00 (int 15h AH=88h)
     * @param e820             the memory map, as int 15h E820h returns it
     */
    public record Answers(int ebdaSegment, int baseMemoryKib, int e801LowKib, int e801HighBlocks, int extendedKib,
                          List<MemoryRange> e820) {
        public Answers {
            e820 = List.copyOf(e820);
        }
    }

    private BiosData() {
    }

    /** The answers for a machine with this memory map. */
    public static Answers answers(MemoryMap map) {
        List<MemoryRange> e820 = map.ranges();
        if (e820.size() > E820_MAX) {
            throw new IllegalArgumentException(e820.size() + " e820 entries > " + E820_MAX);
        }
        long conventional = map.ram().stream().filter(r -> r.start() == 0).mapToLong(r -> Math.min(r.end(), 0xA0000))
                .findFirst().orElse(0);
        long above1m = map.ram().stream().filter(r -> r.start() <= 0x100000 && r.end() > 0x100000)
                .mapToLong(r -> Math.min(r.end(), 1L << 32)).findFirst().orElse(0x100000);
        long kibAbove1m = (above1m - 0x100000) >> 10;
        long low = Math.min(kibAbove1m, 15 * 1024);
        long high = above1m > 16L << 20 ? (above1m - (16L << 20)) >> 16 : 0;
        return new Answers((int) (conventional >> 4), (int) (conventional >> 10), (int) low, (int) Math.min(high, 0xFFFF),
                (int) Math.min(kibAbove1m, 0xFC00), e820);
    }

    /** The {@link #SIZE} bytes that go to 0x400. */
    public static byte[] encode(Answers a) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(COM1 - BASE, (short) 0x3F8);
        b.putShort(EBDA_SEGMENT - BASE, (short) a.ebdaSegment());
        b.putShort(EQUIPMENT - BASE, (short) 0x0220);      // bits 9-11: one serial port; bits 4-5: 80x25 colour
        b.putShort(BASE_MEMORY - BASE, (short) a.baseMemoryKib());
        b.put(VIDEO_MODE - BASE, (byte) 3);
        b.putShort(COLUMNS - BASE, (short) 80);
        b.putShort(PAGE_BYTES - BASE, (short) 4000);
        b.putShort(CURSOR_SHAPE - BASE, (short) 0x0607);
        b.putShort(CRTC_PORT - BASE, (short) 0x3D4);
        b.put(ROWS_MINUS_ONE - BASE, (byte) 24);
        b.putShort(CHAR_HEIGHT - BASE, (short) 16);
        b.putShort(E801_LOW_KIB - BASE, (short) a.e801LowKib());
        b.putShort(E801_HIGH_BLOCKS - BASE, (short) a.e801HighBlocks());
        b.putShort(EXTENDED_KIB - BASE, (short) a.extendedKib());
        b.putShort(BASE_MEMORY_KIB - BASE, (short) a.baseMemoryKib());
        b.putInt(E820_COUNT - BASE, a.e820().size());
        for (int i = 0; i < a.e820().size(); i++) {
            MemoryRange r = a.e820().get(i);
            int at = E820_TABLE - BASE + E820_ENTRY * i;
            b.putLong(at, r.start()).putLong(at + 8, r.size()).putInt(at + 16, r.type().code());
        }
        return b.array();
    }

    /** Reads the answers back from {@link #SIZE} bytes (as they lie at 0x400). */
    public static Answers decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int count = b.getInt(E820_COUNT - BASE);
        if (count < 0 || count > E820_MAX) {
            throw new IllegalArgumentException("e820 count " + count);
        }
        List<MemoryRange> e820 = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int at = E820_TABLE - BASE + E820_ENTRY * i;
            E820Type t = E820Type.ofCode(Integer.toUnsignedLong(b.getInt(at + 16)));
            e820.add(new MemoryRange(b.getLong(at), b.getLong(at + 8), t == null ? E820Type.RESERVED : t));
        }
        return new Answers(Short.toUnsignedInt(b.getShort(EBDA_SEGMENT - BASE)), Short.toUnsignedInt(b.getShort(BASE_MEMORY - BASE)),
                Short.toUnsignedInt(b.getShort(E801_LOW_KIB - BASE)), Short.toUnsignedInt(b.getShort(E801_HIGH_BLOCKS - BASE)),
                Short.toUnsignedInt(b.getShort(EXTENDED_KIB - BASE)), e820);
    }
}
