package dev.jkexec.machine.firmware;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.testing.Pure;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The BIOS data jkexec's firmware copies to 0x400: what it answers, and that it reads back. */
@Pure
class BiosDataTest {
    @Test
    void answersForAOneGibGuest() {
        BiosData.Answers a = BiosData.answers(MachineLayout.defaults().guestMemoryMap());
        assertThat(a.baseMemoryKib()).isEqualTo(636);            // RAM from 0 to the mailbox page at 0x9F000
        assertThat(a.ebdaSegment()).isEqualTo(0x9F00);
        assertThat(a.e801LowKib()).isEqualTo(15 * 1024);          // 1-16 MiB, all RAM
        assertThat(a.e801HighBlocks()).isEqualTo(((1L << 30) - (16L << 20)) >> 16);
        assertThat(a.extendedKib()).isEqualTo(0xFC00);            // capped for int 15h AH=88h
        assertThat(a.e820()).isEqualTo(MachineLayout.defaults().guestMemoryMap().ranges());
    }

    @Test
    void encodeThenDecodeAndTheFieldsABiosHas() {
        BiosData.Answers a = BiosData.answers(MachineLayout.defaults().withGuestRam(256L << 20).guestMemoryMap());
        byte[] b = BiosData.encode(a);
        assertThat(b).hasSize(BiosData.SIZE);
        assertThat(BiosData.decode(b)).isEqualTo(a);
        ByteBuffer bda = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bda.getShort(0x400 - 0x400)).isEqualTo((short) 0x3F8);     // COM1
        assertThat(bda.getShort(0x413 - 0x400)).isEqualTo((short) 636);       // base memory, Xen's trampoline bound
        assertThat(bda.getShort(0x40E - 0x400)).isEqualTo((short) 0x9F00);    // EBDA segment
        assertThat(bda.getShort(0x44A - 0x400)).isEqualTo((short) 80);
        assertThat(bda.get(0x484 - 0x400)).isEqualTo((byte) 24);
        assertThat(bda.getInt(0x4F0 - 0x400)).isEqualTo(a.e820().size());
        assertThat(bda.getLong(0x500 - 0x400 + 20 * 3)).isEqualTo(0x100000);  // the fourth e820 entry: RAM from 1 MiB
    }

    @Test
    void theRomCarriesTheBiosAndAnRsdpInTheScanArea() {
        byte[] rom = Firmware.build(MachineLayout.defaults());
        String text = new String(rom, java.nio.charset.StandardCharsets.ISO_8859_1);
        int rsdp = text.indexOf("RSD PTR ");
        assertThat(rsdp).isPositive();
        assertThat(rsdp % 16).isZero();                            // the ACPI scan looks on 16-byte boundaries
        int sum = 0;
        for (int i = 0; i < 20; i++) {
            sum += rom[rsdp + i];
        }
        assertThat(sum & 0xFF).isZero();
    }
}
