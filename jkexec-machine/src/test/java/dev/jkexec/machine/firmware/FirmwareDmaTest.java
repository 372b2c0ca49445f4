package dev.jkexec.machine.firmware;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.Arch;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fw_cfg DMA step the firmware generator writes before the page-list walk, decoded from the
 * ROM's bytes; that it runs and lets a vmlinux boot over the old one is {@code DmaOverwriteExecTest}'s.
 */
@Pure
class FirmwareDmaTest {
    private static final MachineLayout LAYOUT = new MachineLayout(64L << 20, 16L << 20, 8L << 20, 1);
    private static final HexFormat HEX = HexFormat.of();

    private static String rom() {
        return HEX.formatHex(Firmware.build(LAYOUT));
    }

    /** Little-endian bytes of a 32-bit immediate, as the ROM holds it. */
    private static String imm32(long v) {
        return HEX.formatHex(new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)});
    }

    /** Byte offsets (in the ROM) of every occurrence of {@code hex}. */
    private static List<Integer> find(String rom, String hex) {
        List<Integer> at = new ArrayList<>();
        for (int i = rom.indexOf(hex); i >= 0; i = rom.indexOf(hex, i + 1)) {
            if (i % 2 == 0) {
                at.add(i / 2);
            }
        }
        return at;
    }

    @Test
    void theRequestsGoToFwCfgsDmaAddressRegisterInBigEndianHalvesBeforeTheWalk() {
        String rom = rom();
        long descriptor = LAYOUT.handoverBlock() + HandoverBlock.DMA_DESCRIPTOR_OFFSET;
        // mov $be32(high), %eax; mov $0x514, %edx; out %eax,(%dx); mov $be32(low), %eax; mov $0x518, %edx; out
        String kick = "b8" + imm32(Integer.reverseBytes((int) (descriptor >>> 32)) & 0xFFFF_FFFFL) + "ba14050000ef"
                + "b8" + imm32(Integer.reverseBytes((int) descriptor) & 0xFFFF_FFFFL) + "ba18050000ef";
        List<Integer> kicks = find(rom, kick);
        assertThat(kicks).as("the directory's request and the runs' requests").hasSize(2);
        int firstCopy = find(rom, "f348a5").getFirst(); // rep movsq: the walk's page copy
        assertThat(kicks).allMatch(k -> k < firstCopy);
        // after each request, its control word is read back from the descriptor: mov 0x90(%r13), %edx
        for (int k : kicks) {
            assertThat(rom.substring(2 * (k + kick.length() / 2)))
                    .startsWith("418b95" + imm32(HandoverBlock.DMA_DESCRIPTOR_OFFSET) + "85d2");
        }
    }

    @Test
    void theDirectoryIsReadIntoItsPageAndTheFallbackRequestSelectsNoItem() {
        String rom = rom();
        // movl $control, 0x90(%r13): the stored bytes read as a big-endian word
        String directoryControl = "41c785" + imm32(HandoverBlock.DMA_DESCRIPTOR_OFFSET) + "0019000a";
        assertThat(find(rom, directoryControl)).hasSize(1);
        assertThat(find(rom, "41c785" + imm32(HandoverBlock.DMA_DESCRIPTOR_OFFSET + 4) + "00001000"))
                .as("its length: one page").hasSize(1);
        // mov $directory, %edx; bswap %rdx: the buffer address, big-endian
        assertThat(find(rom, "ba" + imm32(LAYOUT.fwCfgDirectory()) + "480fca")).hasSize(1);
        // mov $control, %r15d: the requests' default, in memory order the big-endian word
        List<Integer> fallback = find(rom, "41bf");
        assertThat(fallback).isNotEmpty();
        boolean found = false;
        for (int at : fallback) {
            long control = Long.parseLong(rom.substring(2 * at + 4, 2 * at + 12), 16);
            if (control == Firmware.DMA_ZERO_CONTROL) {
                found = true;
                assertThat(control >>> 16).isEqualTo(Firmware.DMA_NO_ITEM);
                assertThat(control & 0xFFFF).isEqualTo(Firmware.FW_CFG_DMA_CTL_SELECT | Firmware.FW_CFG_DMA_CTL_READ);
            }
        }
        assertThat(found).as("mov $DMA_ZERO_CONTROL, %r15d").isTrue();
    }

    @Test
    void theBlockAsksForTheDmaUnlessTheContentsSayNot() {
        PhysicalMemory m = PhysicalMemory.ofHeap(LAYOUT.totalRam());
        long flags = LAYOUT.handoverBlock() + HandoverBlock.FLAGS_OFFSET;
        m.writeLong(LAYOUT.handoverBlock() + HandoverBlock.DMA_BYTES_OFFSET, 12345);
        HandoverBlock.write(m, LAYOUT, new HandoverBlock.Contents(Arch.X86_64, 0x1000, 0x5000, List.of()));
        assertThat(m.readLong(flags) & HandoverBlock.FLAG_NO_DMA_OVERWRITE).isZero();
        assertThat(HandoverBlock.dmaBytes(m, LAYOUT)).as("the last run's count is cleared").isZero();
        assertThat(HandoverBlock.dmaError(m, LAYOUT)).isZero();
        HandoverBlock.write(m, LAYOUT, new HandoverBlock.Contents(Arch.X86_64, 0x1000, 0x5000, List.of(), List.of(),
                null, false, false));
        assertThat(m.readLong(flags) & HandoverBlock.FLAG_NO_DMA_OVERWRITE).isEqualTo(HandoverBlock.FLAG_NO_DMA_OVERWRITE);
        assertThat(HandoverBlock.Status.name(HandoverBlock.Status.DMA_OVERWRITTEN)).contains("fw_cfg DMA");
        assertThat(HandoverBlock.Status.name(HandoverBlock.Status.DMA_FAILED)).contains("failed");
        // below "page list walked": whoever waits for the walk does not take the DMA step for it
        assertThat(HandoverBlock.Status.DMA_FAILED).isLessThan(HandoverBlock.Status.RELOCATED);
    }

    @Test
    void theDirectoryPageIsInTheHiddenAreaApartFromTheBlockStackAndTables() {
        long dir = LAYOUT.fwCfgDirectory();
        assertThat(dir).isGreaterThanOrEqualTo(LAYOUT.stackTop()).isLessThan(LAYOUT.acpiBase());
        assertThat(dir + Firmware.DIRECTORY_BYTES).isLessThanOrEqualTo(LAYOUT.acpiBase());
        assertThat(dir).isGreaterThanOrEqualTo(LAYOUT.entryGdt64() + 0x1000);
    }
}
