package dev.jkexec.image.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ByteView;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.bzimage.SetupHeader;
import dev.jkexec.image.testing.BzImageBuilder;
import dev.jkexec.platform.testing.Pure;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Builds zero pages and decodes what was written. */
@Pure
class ZeroPageBuilderTest {
    static SetupHeader header(byte[] kernel) {
        return SetupHeader.parse(ByteView.of(kernel, "bzImage"));
    }

    @Test
    void loaderFieldsDecodeBack() {
        ZeroPageBuilder b = ZeroPageBuilder.fromHeader(header(BzImageBuilder.modern().build()))
                .typeOfLoader(ZeroPage.TYPE_OF_LOADER_KEXEC).loadFlags(0)
                .commandLine(0x1_2345_6000L).ramdisk(0x3_0000_0000L, 0x1_0000_0123L).acpiRsdp(0xF59D0);
        ZeroPage z = ZeroPage.view(b.build());
        assertThat(z.typeOfLoader()).isEqualTo(0xD0);
        assertThat(z.loadFlags()).isZero();
        assertThat(z.commandLinePointer()).isEqualTo(0x1_2345_6000L);
        assertThat(z.u32(ZeroPage.CMD_LINE_PTR)).isEqualTo(0x2345_6000L);
        assertThat(z.u32(ZeroPage.EXT_CMD_LINE_PTR)).isEqualTo(1);
        assertThat(z.ramdiskImage()).isEqualTo(0x3_0000_0000L);
        assertThat(z.ramdiskSize()).isEqualTo(0x1_0000_0123L);
        assertThat(z.acpiRsdpAddr()).isEqualTo(0xF59D0);
        assertThat(b.written()).extracting(ZeroPageField::name).containsExactly("type_of_loader", "loadflags",
                "cmd_line_ptr", "ext_cmd_line_ptr", "ramdisk_image", "ext_ramdisk_image", "ramdisk_size",
                "ext_ramdisk_size", "acpi_rsdp_addr");
    }

    @Test
    void highPointersNeedProtocol212() {
        BzImageBuilder old = BzImageBuilder.modern();
        old.version = 0x20A;
        ZeroPageBuilder b = ZeroPageBuilder.fromHeader(header(old.build()));
        b.commandLine(0x8000_0000L);
        assertThat(b.written()).extracting(ZeroPageField::name).containsExactly("cmd_line_ptr");
        assertThatThrownBy(() -> b.commandLine(0x1_0000_0000L)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void e820AndMemorySizes() {
        // Five ranges: conventional RAM, the BIOS area, RAM above 1 MiB, a reserved range, the ROM.
        MemoryMap map = MemoryMap.of(
                new MemoryRange(0, 0xA0000, E820Type.RAM),
                new MemoryRange(0xF0000, 0x10000, E820Type.RESERVED),
                new MemoryRange(0x100000, (1L << 30) - 0x100000, E820Type.RAM),
                new MemoryRange(1L << 30, 514L << 20, E820Type.RESERVED),
                new MemoryRange(0xFFFF0000L, 0x10000, E820Type.RESERVED));
        ZeroPage z = ZeroPage.view(ZeroPageBuilder.fromHeader(header(BzImageBuilder.modern().build())).e820(E820Table.of(map)).build());
        assertThat(z.e820Count()).isEqualTo(5);
        assertThat(z.e820()).isEqualTo(map.ranges());
        // (1 GiB >> 10) - 1024 KiB
        assertThat(z.u32(ZeroPage.ALT_MEM_K)).isEqualTo((1 << 20) - 1024);
        assertThat(z.u16(ZeroPage.EXT_MEM_K)).isEqualTo(0xFC00);
    }

    @Test
    void noRamAcrossOneMegabyteMeansNoMemorySizes() {
        MemoryMap map = MemoryMap.of(new MemoryRange(0, 0xA0000, E820Type.RAM), new MemoryRange(1L << 30, 1L << 28, E820Type.RAM));
        ZeroPage z = ZeroPage.view(ZeroPageBuilder.minimal(2047).e820(E820Table.of(map)).build());
        assertThat(z.u32(ZeroPage.ALT_MEM_K)).isZero();
        assertThat(z.e820()).isEqualTo(map.ranges());
    }

    @Test
    void minimalHeaderForElfKernels() {
        ZeroPageBuilder b = ZeroPageBuilder.minimal(2047).typeOfLoader(0xD0).commandLine(0x20000);
        byte[] page = b.build();
        ZeroPage z = ZeroPage.view(page);
        assertThat(z.u16(ZeroPage.BOOT_FLAG)).isEqualTo(0xAA55);
        assertThat(z.u32(ZeroPage.HEADER)).isEqualTo(0x53726448L);
        assertThat(z.u16(ZeroPage.VERSION)).isEqualTo(0x20F);
        assertThat(z.u32(ZeroPage.CMDLINE_SIZE)).isEqualTo(2047);
        assertThat(z.commandLinePointer()).isEqualTo(0x20000);
        assertThat(z.sentinel()).isZero();
        // a header the bzImage parser accepts as far as the fixed part goes
        assertThat(header(Arrays.copyOf(withJump(page), 4096)).rawVersion()).isEqualTo(0x20F);
    }

    private static byte[] withJump(byte[] page) {
        byte[] b = page.clone();
        b[0x200] = (byte) 0xEB;
        b[0x201] = 0x6A;
        return b;
    }

    @Test
    void setupDataPointer() {
        ZeroPage z = ZeroPage.view(ZeroPageBuilder.minimal(2047).setupData(0x3FFFE000L + 4096).build());
        assertThat(z.setupData()).isEqualTo(0x3FFFF000L);
        BzImageBuilder old = BzImageBuilder.modern();
        old.version = 0x208;
        assertThatThrownBy(() -> ZeroPageBuilder.fromHeader(header(old.build())).setupData(0x1000))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
