package dev.jkexec.image.bzimage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.RealKernels;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.platform.testing.NeedsTestData;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The relocation table after the vmlinux of Debian's real kernels: found, resolved, applied. */
@NeedsTestData
class VmlinuxRelocsTest {
    private static byte[] payload(byte[] bzImage) {
        return BzImage.parse(MemorySegment.ofArray(bzImage)).decompress();
    }

    @Test
    void bothDebianKernelsCarryThreeListsEveryEntryOfWhichPatchesAKernelAddress() {
        for (byte[] bz : new byte[][] {RealKernels.generic(), RealKernels.cloud()}) {
            byte[] p = payload(bz);
            ElfFile elf = ElfParser.parse(MemorySegment.ofArray(p));
            VmlinuxRelocs r = VmlinuxRelocs.find(p, elf).orElseThrow();
            assertThat(r.relocs32().length).as("32-bit").isGreaterThan(10_000);
            assertThat(r.relocs64().length).as("64-bit").isGreaterThan(1_000);
            assertThat(r.inverse32().length).as("inverse 32-bit (per-CPU)").isGreaterThan(0);
            ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
            // What a location holds is (nearly always: a few hold an address minus an addend) a kernel-text
            // address: the table was read the right way round, not from garbage.
            long odd64 = Arrays.stream(r.relocs64()).mapToLong(b::getLong)
                    .filter(v -> Long.compareUnsigned(v, VmlinuxRelocs.START_KERNEL_MAP) < 0).count();
            assertThat(odd64).as("64-bit locations holding no kernel address, of " + r.relocs64().length)
                    .isLessThan(r.relocs64().length / 100 + 1);
            long odd32 = Arrays.stream(r.relocs32()).mapToLong(o -> b.getInt(o) & 0xFFFF_FFFFL).filter(v -> v < 0x8000_0000L).count();
            assertThat(odd32).as("32-bit locations holding no kernel address, of " + r.relocs32().length)
                    .isLessThan(r.relocs32().length / 100 + 1);
        }
    }

    @Test
    void applyMovesEveryLocationByTheOffsetAndBackAgain() {
        byte[] p = payload(RealKernels.cloud());
        byte[] before = p.clone();
        VmlinuxRelocs r = VmlinuxRelocs.find(p, ElfParser.parse(MemorySegment.ofArray(p))).orElseThrow();
        long delta = 0x1260_0000L;
        r.apply(p, delta);
        ByteBuffer now = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer was = ByteBuffer.wrap(before).order(ByteOrder.LITTLE_ENDIAN);
        int o64 = r.relocs64()[0];
        assertThat(now.getLong(o64)).isEqualTo(was.getLong(o64) + delta);
        int o32 = r.relocs32()[0];
        assertThat(now.getInt(o32)).isEqualTo((int) (was.getInt(o32) + delta));
        int inv = r.inverse32()[0];
        assertThat(now.getInt(inv)).isEqualTo((int) (was.getInt(inv) - delta));
        r.apply(p, -delta);
        assertThat(p).isEqualTo(before);
    }

    @Test
    void anElfWithNothingAfterItHasNoTable() {
        byte[] p = payload(RealKernels.cloud());
        ElfFile elf = ElfParser.parse(MemorySegment.ofArray(p));
        byte[] bare = Arrays.copyOf(p, (int) VmlinuxRelocs.elfEnd(elf));
        assertThat(VmlinuxRelocs.find(bare, ElfParser.parse(MemorySegment.ofArray(bare)))).isEmpty();
        // A tail that is not the table (no terminator where the ELF file ends) is no table either.
        byte[] junk = Arrays.copyOf(bare, bare.length + 16);
        Arrays.fill(junk, bare.length, junk.length, (byte) 0x11);
        assertThat(VmlinuxRelocs.find(junk, ElfParser.parse(MemorySegment.ofArray(junk)))).isEmpty();
    }

    @Test
    void anEntryOutsideTheKernelIsRefusedNamingIt() {
        byte[] p = payload(RealKernels.cloud());
        ElfFile elf = ElfParser.parse(MemorySegment.ofArray(p));
        ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).putInt(p.length - 4, 0x7000_0000); // not a kernel address
        assertThatThrownBy(() -> VmlinuxRelocs.find(p, elf)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("vmlinux.relocs[0]").hasMessageContaining("outside every PT_LOAD");
    }
}
