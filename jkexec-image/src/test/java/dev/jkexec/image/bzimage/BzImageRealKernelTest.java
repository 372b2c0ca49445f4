package dev.jkexec.image.bzimage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.RealKernels;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.image.elf.ProgramHeader;
import dev.jkexec.platform.testing.NeedsTestData;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The two real Debian kernels: header values, payloads, and full decompression to a valid vmlinux. */
@NeedsTestData
class BzImageRealKernelTest {

    @Test
    void genericKernelHeader() {
        BzImage img = BzImage.parse(MemorySegment.ofArray(RealKernels.generic()));
        SetupHeader h = img.header();
        assertThat(h.rawVersion()).isEqualTo(0x20F);
        assertThat(h.get(SetupHeaderField.SETUP_SECTS)).isEqualTo(39);
        assertThat(h.protectedModeOffset()).isEqualTo(40 * 512);
        assertThat(h.initSize()).isEqualTo(0x3f98000);
        assertThat(h.prefAddress()).isEqualTo(0x1000000);
        assertThat(h.kernelAlignment()).isEqualTo(0x200000);
        assertThat(h.xloadFlags()).isEqualTo(0x7f);
        assertThat(h.relocatable()).isTrue();
        assertThat(h.cmdlineSize()).isEqualTo(2047);
        assertThat(h.end()).isEqualTo(0x26C);
        assertThat(XLoadFlag.decode(h.xloadFlags())).containsExactly("XLF_KERNEL_64", "XLF_CAN_BE_LOADED_ABOVE_4G",
                "XLF_EFI_HANDOVER_32", "XLF_EFI_HANDOVER_64", "XLF_EFI_KEXEC", "XLF_5LEVEL", "XLF_5LEVEL_ENABLED");
        assertThat(LoadFlag.decode(h.loadFlags())).contains("LOADED_HIGH");
        assertThat(h.fields()).extracting(SetupHeader.Field::field).contains(SetupHeaderField.KERNEL_INFO_OFFSET)
                .doesNotContain(SetupHeaderField.SETUP_MOVE_SIZE);
        assertThat(img.kernelVersion()).startsWith("6.1.0-56-amd64 (debian-kernel@lists.debian.org)");
        assertThat(img.compression()).isEqualTo(Compression.XZ);
        assertThat(img.payloadOffset()).isEqualTo(0x5000 + 0x2cc);
        assertThat(img.payloadLength()).isEqualTo(0x7bf070);
        assertThat(img.claimedSize()).isEqualTo(0x3eda7b4);
        assertThat(img.kernelInfo()).isNotNull();
        assertThat(img.kernelInfo().setupTypeMax()).isEqualTo(0x80000000L | 9);
    }

    @Test
    void cloudKernelHeader() {
        BzImage img = BzImage.parse(MemorySegment.ofArray(RealKernels.cloud()));
        assertThat(img.header().rawVersion()).isEqualTo(0x20F);
        assertThat(img.header().initSize()).isEqualTo(0x3378000);
        assertThat(img.compression()).isEqualTo(Compression.LZ4);
        assertThat(img.claimedSize()).isEqualTo(0x32c6e34);
        assertThat(img.kernelVersion()).startsWith("6.1.0-56-cloud-amd64 ");
    }

    @Test
    void genericKernelDecompressesToVmlinux() {
        byte[] vmlinux = RealKernels.genericVmlinux();
        assertThat(vmlinux).hasSize(0x3eda7b4);
        checkVmlinux(ElfParser.parse(MemorySegment.ofArray(vmlinux)), 0x3f98000);
    }

    @Test
    void cloudKernelDecompressesToVmlinux() {
        byte[] vmlinux = RealKernels.cloudVmlinux();
        assertThat(vmlinux).hasSize(0x32c6e34);
        checkVmlinux(ElfParser.parse(MemorySegment.ofArray(vmlinux)), 0x3378000);
    }

    private static void checkVmlinux(ElfFile elf, long initSize) {
        assertThat(elf.is64()).isTrue();
        assertThat(elf.type()).isEqualTo(ElfFile.ET_EXEC);
        assertThat(elf.machine()).isEqualTo(ElfFile.EM_X86_64);
        // x86-64 vmlinux: e_entry is the physical address of startup_64 at LOAD_PHYSICAL_ADDR.
        assertThat(elf.entry()).isEqualTo(0x1000000);
        List<ProgramHeader> loads = elf.loads();
        assertThat(loads).hasSizeGreaterThanOrEqualTo(3);
        assertThat(loads.getFirst().paddr()).isEqualTo(0x1000000);
        assertThat(loads.getFirst().vaddr()).isEqualTo(0xffffffff81000000L);
        assertThat(loads.getFirst().flagString()).isEqualTo("R-X");
        for (ProgramHeader ph : loads) {
            assertThat(Long.compareUnsigned(ph.filesz(), ph.memsz())).isLessThanOrEqualTo(0);
            assertThat(ph.paddr()).isBetween(0x1000000L, 0x1000000L + initSize);
        }
        // The kernel's memory image (text to end of bss) fits in what the decompressor reserves.
        ProgramHeader last = loads.getLast();
        assertThat(last.paddr() + last.memsz()).isLessThanOrEqualTo(0x1000000L + initSize);
        assertThat(elf.buildId()).hasValueSatisfying(id -> assertThat(id).hasSize(40));
    }
}
