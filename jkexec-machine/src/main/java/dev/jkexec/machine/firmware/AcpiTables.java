package dev.jkexec.machine.firmware;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.PcPlatform;
import dev.jkexec.platform.PhysicalMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The ACPI tables that tell Linux how many vCPUs the machine has and where its timer is: RSDP → XSDT →
 * MADT and HPET, written
 * into jkexec's hidden page at {@link MachineLayout#acpiBase()} and handed over through the zero
 * page's {@code acpi_rsdp_addr} (boot protocol 2.14+), since 0xE0000–0xFFFFF is the ROM's alias.
 * A copy of the RSDP also sits in the ROM ({@link #romRsdp}), on a 16-byte boundary of that alias,
 * where a kernel that builds its own boot_params (the real-mode entry) or knows no
 * {@code acpi_rsdp_addr} finds it by the scan ACPI §5.2.5.1 prescribes.
 *
 * <p>The MADT lists one enabled local APIC per vCPU (APIC IDs 0..n-1, as QEMU numbers them), the
 * i440FX machine's I/O APIC at 0xFEC00000 (GSI base 0) and the ISA override IRQ 0 → GSI 2 that
 * QEMU's own tables carry. There is no FADT/DSDT: Linux then keeps ACPI for table parsing only,
 * which is all the MADT needs. (The cloud kernel has no MP-table parser, so ACPI is the only way
 * for it to see a second CPU.) Layout per ACPI 6.x, §5.2.5 (RSDP), §5.2.8 (XSDT), §5.2.12 (MADT).
 *
 * <p>The HPET table (IA-PC HPET specification 1.0a, table 3) names the {@code pc} machine's HPET at
 * 0xFED00000. Without it (and with no FADT, so no PM timer) Linux under TCG has no reference for the
 * TSC: PIT calibration fails there ("tsc: Unable to calibrate against PIT"), the TSC is marked unstable
 * and the kernel runs on the jiffies clocksource with a measured delay loop and printk stamps in
 * jiffies. With it the kernel calibrates the TSC against the HPET and runs on a stable TSC, as on
 * QEMU's own tables (docs/boot-profile.md, "Kernel init").
 */
public final class AcpiTables {
    public static final long LOCAL_APIC_ADDRESS = PcPlatform.LOCAL_APIC;
    public static final long IO_APIC_ADDRESS = PcPlatform.IO_APIC;
    private static final int HEADER = 36;
    private static final int XSDT_OFFSET = 0x40;
    private static final int HPET_OFFSET = 0x80;
    private static final int MADT_OFFSET = 0x100;

    private AcpiTables() {
    }

    /**
     * Writes the tables for {@code layout.cpus()} vCPUs.
     *
     * @return the physical address of the RSDP, for {@code acpi_rsdp_addr}
     */
    public static long write(PhysicalMemory memory, MachineLayout layout) {
        long base = layout.acpiBase();
        long xsdt = base + XSDT_OFFSET;
        long madt = base + MADT_OFFSET;
        long hpet = base + HPET_OFFSET;
        byte[] madtBytes = madt(layout.cpus());
        if (MADT_OFFSET + madtBytes.length > MachineLayout.ACPI_SIZE) {
            throw new IllegalArgumentException("MADT for " + layout.cpus() + " CPUs does not fit");
        }
        memory.zero(base, MachineLayout.ACPI_SIZE);
        memory.write(madt, madtBytes);
        memory.write(hpet, hpet());
        memory.write(xsdt, xsdt(madt, hpet));
        memory.write(base, rsdp(xsdt));
        return base;
    }

    /** The RSDP for the ROM: the same as the one in RAM, pointing at the XSDT in jkexec's hidden page. */
    static byte[] romRsdp(MachineLayout layout) {
        return rsdp(layout.acpiBase() + XSDT_OFFSET);
    }

    static byte[] rsdp(long xsdt) {
        ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RSD PTR ".getBytes(StandardCharsets.US_ASCII));
        b.put((byte) 0);                    // checksum of the first 20 bytes, below
        b.put(oem());
        b.put((byte) 2);                    // revision: ACPI 2.0+, so the XSDT is used
        b.putInt(0);                        // no RSDT
        b.putInt(36);                       // length
        b.putLong(xsdt);
        byte[] r = b.array();
        r[8] = checksum(r, 0, 20);
        r[32] = checksum(r, 0, 36);
        return r;
    }

    static byte[] xsdt(long... tables) {
        ByteBuffer b = header("XSDT", HEADER + 8 * tables.length, 1);
        for (long t : tables) {
            b.putLong(t);
        }
        return finish(b);
    }

    /** The HPET description table: one event timer block at {@link PcPlatform#HPET}, as QEMU's own tables describe it. */
    static byte[] hpet() {
        ByteBuffer b = header("HPET", HEADER + 20, 1);
        b.putInt(0x8086_A201);          // event timer block id: QEMU's HPET capabilities (vendor 8086, 3 timers, legacy route)
        b.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);   // base address: system memory GAS
        b.putLong(PcPlatform.HPET);
        b.put((byte) 0);                 // HPET number 0
        b.putShort((short) 0);           // minimum clock tick in periodic mode: none given
        b.put((byte) 0);                 // no page protection
        return finish(b);
    }

    static byte[] madt(int cpus) {
        int length = HEADER + 8 + 8 * cpus + 12 + 10 + 6;
        ByteBuffer b = header("APIC", length, 3);
        b.putInt((int) LOCAL_APIC_ADDRESS);
        b.putInt(1);                                        // PCAT_COMPAT: dual 8259s present
        for (int i = 0; i < cpus; i++) {
            b.put((byte) 0).put((byte) 8).put((byte) i).put((byte) i).putInt(1);   // local APIC, enabled
        }
        b.put((byte) 1).put((byte) 12).put((byte) 0).put((byte) 0)
                .putInt((int) IO_APIC_ADDRESS).putInt(0);  // I/O APIC id 0, GSI base 0
        b.put((byte) 2).put((byte) 10).put((byte) 0).put((byte) 0).putInt(2).putShort((short) 0); // IRQ0 -> GSI2
        b.put((byte) 4).put((byte) 6).put((byte) 0xFF).putShort((short) 0).put((byte) 1);        // NMI on LINT1, all CPUs
        return finish(b);
    }

    private static ByteBuffer header(String signature, int length, int revision) {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(signature.getBytes(StandardCharsets.US_ASCII));
        b.putInt(length);
        b.put((byte) revision);
        b.put((byte) 0);                                    // checksum, in finish()
        b.put(oem());
        b.put("JKEXEC  ".getBytes(StandardCharsets.US_ASCII)); // OEM table id
        b.putInt(1);                                        // OEM revision
        b.put("JKX ".getBytes(StandardCharsets.US_ASCII));  // creator id
        b.putInt(1);                                        // creator revision
        return b;
    }

    private static byte[] finish(ByteBuffer b) {
        byte[] t = b.array();
        t[9] = checksum(t, 0, t.length);
        return t;
    }

    private static byte[] oem() {
        return "JKEXEC".getBytes(StandardCharsets.US_ASCII);
    }

    /** The byte that makes {@code t[from, from+length)} sum to 0 mod 256 (with that byte zero before). */
    static byte checksum(byte[] t, int from, int length) {
        int sum = 0;
        for (int i = from; i < from + length; i++) {
            sum += t[i];
        }
        return (byte) -sum;
    }
}
