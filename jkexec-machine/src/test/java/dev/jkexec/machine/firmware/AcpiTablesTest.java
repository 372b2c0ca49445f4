package dev.jkexec.machine.firmware;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.PcPlatform;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Decodes the tables written for a machine and checks what Linux checks: signatures, lengths, checksums, pointers. */
@Pure
class AcpiTablesTest {
    private static int sum(byte[] t) {
        int s = 0;
        for (byte b : t) {
            s += b;
        }
        return s & 0xFF;
    }

    @Test
    void rsdpPointsToXsdtPointsToMadtListingEveryCpu() {
        MachineLayout layout = new MachineLayout(64L << 20, 0, 2L << 20, 3);
        PhysicalMemory m = PhysicalMemory.ofHeap(layout.totalRam());
        long rsdp = AcpiTables.write(m, layout);
        assertThat(rsdp).isEqualTo(layout.acpiBase());
        byte[] r = m.read(rsdp, 36);
        assertThat(new String(r, 0, 8, StandardCharsets.US_ASCII)).isEqualTo("RSD PTR ");
        assertThat(sum(java.util.Arrays.copyOf(r, 20))).isZero();
        assertThat(sum(r)).isZero();
        assertThat(r[15]).isEqualTo((byte) 2);
        long xsdt = m.readLong(rsdp + 24);
        int xsdtLength = m.readInt(xsdt + 4);
        assertThat(new String(m.read(xsdt, 4), StandardCharsets.US_ASCII)).isEqualTo("XSDT");
        assertThat(sum(m.read(xsdt, xsdtLength))).isZero();
        assertThat(xsdtLength).isEqualTo(36 + 2 * 8);
        long madt = m.readLong(xsdt + 36);
        int madtLength = m.readInt(madt + 4);
        byte[] t = m.read(madt, madtLength);
        assertThat(new String(t, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("APIC");
        assertThat(sum(t)).isZero();
        assertThat(m.readInt(madt + 36)).isEqualTo((int) AcpiTables.LOCAL_APIC_ADDRESS);
        int cpus = 0;
        int ioApics = 0;
        for (int at = 44; at < madtLength; at += t[at + 1]) {
            switch (t[at]) {
                case 0 -> {
                    assertThat(t[at + 3]).isEqualTo((byte) cpus);   // APIC id
                    assertThat(t[at + 4] & 1).isEqualTo(1);         // enabled
                    cpus++;
                }
                case 1 -> ioApics++;
                default -> { }
            }
        }
        assertThat(cpus).isEqualTo(3);
        assertThat(ioApics).isEqualTo(1);
    }

    @Test
    void xsdtListsTheHpetAtThePcMachinesAddress() {
        MachineLayout layout = new MachineLayout(64L << 20, 0, 2L << 20, 1);
        PhysicalMemory m = PhysicalMemory.ofHeap(layout.totalRam());
        long xsdt = m.readLong(AcpiTables.write(m, layout) + 24);
        long hpet = m.readLong(xsdt + 44);
        byte[] t = m.read(hpet, m.readInt(hpet + 4));
        assertThat(new String(t, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("HPET");
        assertThat(t).hasSize(56);
        assertThat(sum(t)).isZero();
        assertThat(t[40]).isZero();                                   // address space: system memory
        assertThat(m.readLong(hpet + 44)).isEqualTo(PcPlatform.HPET);  // Linux maps the block from here
        assertThat(hpet + t.length).isLessThanOrEqualTo(m.readLong(xsdt + 36));   // ends before the MADT
    }
}
