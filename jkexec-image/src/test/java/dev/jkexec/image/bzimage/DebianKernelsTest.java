package dev.jkexec.image.bzimage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jkexec.image.RealKernels;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsTestData;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The kernels fetched from Debian 12's archive by {@code scripts/kernels.sh} (run by
 * {@code ./run-tests}): each bzImage parses and its payload decompresses — zstd with a 128 MiB
 * window for 6.12, xz for the 686 kernel — within its {@code init_size}, to the ELF it must be.
 */
@NeedsTestData
class DebianKernelsTest {
    @ParameterizedTest
    @ValueSource(strings = {GuestAssets.LINUX_6_12_GENERIC, GuestAssets.LINUX_6_12_CLOUD, GuestAssets.LINUX_6_1_686})
    void payloadDecompressesToTheRightElf(String name) {
        Optional<Path> kernel = GuestAssets.fetched(name);
        assumeTrue(kernel.isPresent(), GuestAssets.fetchHint(name));
        BzImage image = BzImage.parse(MemorySegment.ofArray(RealKernels.read(kernel.get())));
        boolean is686 = name.equals(GuestAssets.LINUX_6_1_686);
        assertThat(image.compression()).isEqualTo(is686 ? Compression.XZ : Compression.ZSTD);
        if (!is686) {
            assertThat(ZstdFrameHeader.parse(image.payload()).windowSize()).isEqualTo(128L << 20);
        }
        byte[] vmlinux = image.decompress();
        assertThat((long) vmlinux.length).isEqualTo(image.claimedSize()).isLessThanOrEqualTo(image.header().initSize());
        ElfFile elf = ElfParser.parse(MemorySegment.ofArray(vmlinux));
        assertThat(elf.machine()).isEqualTo(is686 ? ElfFile.EM_386 : ElfFile.EM_X86_64);
        assertThat(elf.is64()).isEqualTo(!is686);
    }
}
