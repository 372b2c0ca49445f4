package dev.jkexec.image.multiboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.testing.Le;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

@Pure
class MultibootHeaderTest {
    static byte[] kernel(int at, long flags, long... addresses) {
        byte[] b = new byte[16384];
        Le.u32(b, at, MultibootHeader.MAGIC);
        Le.u32(b, at + 4, flags);
        Le.u32(b, at + 8, -(MultibootHeader.MAGIC + flags));
        for (int i = 0; i < addresses.length; i++) {
            Le.u32(b, at + 12 + 4 * i, addresses[i]);
        }
        return b;
    }

    @Test
    void findsHeaderWithAddresses() {
        byte[] b = kernel(0x1000, 0x10003, 0x101000, 0x100000, 0x180000, 0x190000, 0x10100C);
        MultibootHeader h = MultibootHeader.find(MemorySegment.ofArray(b)).orElseThrow();
        assertThat(h.fileOffset()).isEqualTo(0x1000);
        assertThat(h.flags()).isEqualTo(0x10003);
        assertThat(h.flagNames()).containsExactly("PAGE_ALIGN", "MEMORY_INFO", "ADDRESSES");
        assertThat(h.headerAddr()).isEqualTo(0x101000);
        assertThat(h.loadAddr()).isEqualTo(0x100000);
        assertThat(h.loadEndAddr()).isEqualTo(0x180000);
        assertThat(h.bssEndAddr()).isEqualTo(0x190000);
        assertThat(h.entryAddr()).isEqualTo(0x10100C);
        assertThat((h.flags() + h.checksum() + MultibootHeader.MAGIC) & 0xFFFFFFFFL).isZero();
    }

    @Test
    void withoutAddressFlagTheAddressesAreZero() {
        byte[] b = kernel(0x40, 0x3, 0x101000, 0x100000);
        MultibootHeader h = MultibootHeader.find(MemorySegment.ofArray(b)).orElseThrow();
        assertThat(h.hasAddresses()).isFalse();
        assertThat(h.loadAddr()).isZero();
    }

    @Test
    void videoFields() {
        byte[] b = kernel(0x40, 0x4);
        Le.u32(b, 0x40 + 32, 1);
        Le.u32(b, 0x40 + 36, 80);
        Le.u32(b, 0x40 + 40, 25);
        MultibootHeader h = MultibootHeader.find(MemorySegment.ofArray(b)).orElseThrow();
        assertThat(h.modeType()).isEqualTo(1);
        assertThat(h.width()).isEqualTo(80);
        assertThat(h.height()).isEqualTo(25);
    }

    @Test
    void badChecksumIsSkippedAndNamedWhenAskedFor() {
        byte[] b = kernel(0x40, 0x3);
        Le.u32(b, 0x48, 0x1234);
        assertThat(MultibootHeader.find(MemorySegment.ofArray(b))).isEmpty();
        assertThatThrownBy(() -> MultibootHeader.parseAt(MemorySegment.ofArray(b), 0x40))
                .isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("multiboot.checksum: actual 0x1234 != expected");
        // a valid one further on is still found
        byte[] c = kernel(0x40, 0x3);
        Le.u32(c, 0x48, 0x1234);
        Le.u32(c, 0x800, MultibootHeader.MAGIC);
        Le.u32(c, 0x808, -MultibootHeader.MAGIC);
        assertThat(MultibootHeader.find(MemorySegment.ofArray(c)).orElseThrow().fileOffset()).isEqualTo(0x800);
    }

    @Test
    void onlyAlignedAndOnlyWithinEightKiB() {
        assertThat(MultibootHeader.find(MemorySegment.ofArray(kernel(0x42, 0)))).isEmpty();
        assertThat(MultibootHeader.find(MemorySegment.ofArray(kernel(8192, 0)))).isEmpty();
        assertThat(MultibootHeader.find(MemorySegment.ofArray(kernel(8192 - 12, 0)))).isPresent();
    }

    @Test
    void wrongMagic() {
        assertThatThrownBy(() -> MultibootHeader.parseAt(MemorySegment.ofArray(new byte[64]), 0))
                .isInstanceOf(ImageFormatException.class).hasMessage("multiboot.magic: actual 0x0 != expected 0x1badb002");
    }

    @Test
    void addressFieldsCutOffByTheEndOfTheFile() {
        byte[] b = Arrays.copyOf(kernel(0x40, 0x10000, 0x101000, 0x100000), 0x40 + 20);
        assertThatThrownBy(() -> MultibootHeader.find(MemorySegment.ofArray(b)))
                .isInstanceOf(ImageFormatException.class)
                .satisfies(e -> assertThat(((ImageFormatException) e).field()).isEqualTo("multiboot.load_end_addr"));
    }

    @Test
    void loadAddrAboveHeaderAddr() {
        byte[] b = kernel(0x40, 0x10000, 0x100000, 0x101000);
        assertThatThrownBy(() -> MultibootHeader.find(MemorySegment.ofArray(b)))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("multiboot.load_addr");
    }

    @Test
    void tinyFiles() {
        assertThat(MultibootHeader.find(MemorySegment.ofArray(new byte[3]))).isEmpty();
        assertThat(MultibootHeader.find(MemorySegment.ofArray(new byte[0]))).isEmpty();
    }
}
