package dev.jkexec.core.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.x86.DescriptorTable;
import dev.jkexec.platform.x86.GeneralRegisters;
import dev.jkexec.platform.x86.Registers;
import dev.jkexec.platform.x86.Segment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

@Pure
class CrashNoteTest {
    /** A CPU state holding the values of {@code r}, named as {@code pr_reg} names them; the rest 0. */
    static Registers registers(Map<String, Long> r) {
        long[] g = new long[16];
        for (int i = 0; i < g.length; i++) {
            g[i] = r.getOrDefault(GeneralRegisters.NAMES.get(i), 0L);
        }
        java.util.function.BiFunction<String, String, Segment> seg = (selector, base) ->
                new Segment((int) (long) r.getOrDefault(selector, 0L), r.getOrDefault(base, 0L), 0, 0);
        Segment none = new Segment(0, 0, 0, 0);
        DescriptorTable table = new DescriptorTable(0, 0);
        return new Registers(GeneralRegisters.of(g), r.getOrDefault("rip", 0L), r.getOrDefault("eflags", 0L),
                seg.apply("es", ""), seg.apply("cs", ""), seg.apply("ss", ""), seg.apply("ds", ""),
                seg.apply("fs", "fs_base"), seg.apply("gs", "gs_base"), none, none, table, table, 0, 0, 0, 0, 0);
    }

    @Test
    void encodesPrStatusAtTheOffsetsLinuxReads() {
        Map<String, Long> regs = new HashMap<>();
        for (int i = 0; i < CrashNote.REGISTERS.length; i++) {
            regs.put(CrashNote.REGISTERS[i], 0x1000L + i);
        }
        regs.put("orig_rax", 0L);
        byte[] note = CrashNote.encode(1, registers(regs));
        ByteBuffer b = ByteBuffer.wrap(note).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(note).hasSize(356);
        assertThat(new String(note, 12, 4)).isEqualTo("CORE");
        assertThat(b.getInt(20 + 32)).isEqualTo(2);                 // pr_pid
        assertThat(b.getLong(20 + 112)).isEqualTo(0x1000);          // r15 first
        assertThat(b.getLong(20 + 112 + 16 * 8)).isEqualTo(0x1010);  // rip is the 17th
        assertThat(b.getLong(20 + 112 + 19 * 8)).isEqualTo(0x1013);  // rsp the 20th
        assertThat(CrashNote.decode(note)).isEqualTo(regs);
    }

    @Test
    void writesIntoTheCpusSlotAndClearsTheRest() {
        long slotSize = 0x400;
        long slot0 = 0x10000;
        long slot1 = slot0 + slotSize;
        PhysicalMemory m = PhysicalMemory.ofHeap(0x20000);
        m.writeLong(slot1 + 400, -1L);
        CrashNote.write(m, slot1, slotSize, 1, registers(Map.of("rip", 0xffffffff81000000L)));
        assertThat(CrashNote.decode(m.read(slot1, CrashNote.NOTE_SIZE)).get("rip")).isEqualTo(0xffffffff81000000L);
        assertThat(m.readLong(slot1 + 400)).isZero();
        assertThat(m.readInt(slot0)).isZero();
    }
}
