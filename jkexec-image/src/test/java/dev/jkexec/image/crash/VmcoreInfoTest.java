package dev.jkexec.image.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import dev.jkexec.platform.testing.Pure;

/**
 * VMCOREINFO text and its note: parsed, checked, encoded and decoded back. The sample is the Debian
 * 6.1 generic kernel's own text, as {@code /sys/kernel/vmcoreinfo} pointed at it in a jkexec guest.
 */
@Pure
class VmcoreInfoTest {
    static String sample() {
        try (InputStream in = VmcoreInfoTest.class.getResourceAsStream("debian-6.1.0-56-amd64.vmcoreinfo")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void readsTheEntriesKdumpToolsUse() {
        VmcoreInfo v = VmcoreInfo.parse(sample());
        assertThat(v.osRelease()).isEqualTo("6.1.0-56-amd64");
        assertThat(v.pageSize()).isEqualTo(4096);
        assertThat(v.kernelOffset()).isEqualTo(0x31e00000L);
        assertThat(v.number("phys_base")).contains(-383778816L);
        assertThat(v.symbol("init_top_pgt")).contains(0xffffffffb4810000L);
        assertThat(v.offset("page._mapcount")).contains(48L);
        assertThat(v.size("page")).contains(64L);
        assertThat(v.number("PAGE_BUDDY_MAPCOUNT_VALUE")).contains(-129L);
        assertThat(v.symbol("nothing")).isEmpty();
    }

    @Test
    void crashTimeIsTheLastLineAndReplacesAnEarlierOne() {
        VmcoreInfo v = VmcoreInfo.parse(sample()).withCrashTime(1700000000L).withCrashTime(1700000001L);
        assertThat(v.text()).endsWith("NUMBER(sme_mask)=0\nCRASHTIME=1700000001\n");
        assertThat(v.text().split("CRASHTIME=", -1)).hasSize(2);
        assertThat(v.value("CRASHTIME")).contains("1700000001");
    }

    @Test
    void noteDecodesToWhatWasEncoded() {
        VmcoreInfo v = VmcoreInfo.parse(sample());
        byte[] note = VmcoreInfoNote.encode(v);
        assertThat(note.length % 4).isZero();
        MemorySegment page = MemorySegment.ofArray(new byte[8192]);
        MemorySegment.copy(MemorySegment.ofArray(note), 0, page, 100, note.length);
        assertThat(VmcoreInfoNote.looksLikeNote(page, 100)).isTrue();
        assertThat(VmcoreInfoNote.looksLikeNote(page, 104)).isFalse();
        assertThat(VmcoreInfoNote.decode(page, 100)).isEqualTo(v);
    }

    @Test
    void rejectionsNameTheField() {
        assertThatThrownBy(() -> VmcoreInfo.parse("PAGESIZE=4096\n")).hasMessageContaining("does not start with OSRELEASE=");
        assertThatThrownBy(() -> VmcoreInfo.parse("OSRELEASE=x\nnot a line\n")).hasMessageContaining("line 2");
        assertThatThrownBy(() -> VmcoreInfo.parse("OSRELEASE=x\u0001\n".getBytes(StandardCharsets.ISO_8859_1)))
                .hasMessageContaining("byte 0x1");
        assertThatThrownBy(() -> VmcoreInfo.parse("OSRELEASE=x\nKERNELOFFSET=zz\n").kernelOffset())
                .hasMessageContaining("KERNELOFFSET: 'zz' is not hex");
        byte[] note = VmcoreInfoNote.encode(VmcoreInfo.parse(sample()));
        MemorySegment m = MemorySegment.ofArray(note.clone());
        m.set(dev.jkexec.image.ByteView.U32, 4, 100000);
        assertThatThrownBy(() -> VmcoreInfoNote.decode(m, 0)).hasMessageContaining("descsz: 100000");
        MemorySegment t = MemorySegment.ofArray(note.clone());
        t.set(dev.jkexec.image.ByteView.U32, 8, 1);
        assertThatThrownBy(() -> VmcoreInfoNote.decode(t, 0)).hasMessageContaining("n_type: 0x1 != 0");
        assertThatThrownBy(() -> VmcoreInfoNote.decode(MemorySegment.ofArray(new byte[64]), 0)).hasMessageContaining("namesz: 0 != 11");
    }
}
