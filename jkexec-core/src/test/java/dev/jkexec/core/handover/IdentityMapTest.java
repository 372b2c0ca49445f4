package dev.jkexec.core.handover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

@Pure
class IdentityMapTest {
    private static final long BASE = 0x10000;
    private static final PhysicalMemory MEMORY = PhysicalMemory.ofHeap(1 << 20);
    private static final long CR3 = IdentityMap.write(MEMORY, BASE, 5L << 30);

    @Test
    void writesOnePml4OnePdptAndOneDirectoryPerGib() {
        assertThat(CR3).isEqualTo(BASE);
        assertThat(IdentityMap.tableBytes(5L << 30)).isEqualTo(7 * 4096);
        assertThat(MEMORY.readLong(BASE)).isEqualTo((BASE + 0x1000) | 0x63);
        assertThat(MEMORY.readLong(BASE + 0x1000 + 8 * 4)).isEqualTo((BASE + 0x6000) | 0x63);
        assertThat(MEMORY.readLong(BASE + 0x1000 + 8 * 5)).isZero();
        // PD of GiB 4, entry 3 maps 4 GiB + 6 MiB as a 2 MiB page.
        assertThat(MEMORY.readLong(BASE + 0x6000 + 8 * 3)).isEqualTo((4L << 30) + (6L << 20) | 0xE3);
    }

    @Property
    void everyAddressBelowTheLimitTranslatesToItself(@ForAll @LongRange(min = 0, max = (5L << 30) - 1) long address) {
        assertThat(IdentityMap.translate(MEMORY, CR3, address)).isEqualTo(address);
    }

    @Test
    void addressesBeyondTheTablesAreUnmapped() {
        assertThat(IdentityMap.translate(MEMORY, CR3, 5L << 30)).isEqualTo(-1);
        assertThat(IdentityMap.translate(MEMORY, CR3, 1L << 39)).isEqualTo(-1);
        assertThat(IdentityMap.firstUnmapped(MEMORY, CR3, (5L << 30) - 8192, 16384)).isEqualTo(5L << 30);
        assertThat(IdentityMap.firstUnmapped(MEMORY, CR3, 0, 5L << 30)).isEqualTo(-1);
    }

    @Test
    void walksFourKibAndOneGibLeavesToo() {
        PhysicalMemory m = PhysicalMemory.ofHeap(1 << 20);
        long pml4 = 0x1000;
        long pdpt = 0x2000;
        long pd = 0x3000;
        long pt = 0x4000;
        m.writeLong(pml4, pdpt | 0x63);
        m.writeLong(pdpt, pd | 0x63);                 // GiB 0 through a page directory
        m.writeLong(pdpt + 8, (1L << 30) | 0xE3);      // GiB 1 as one 1 GiB page
        m.writeLong(pd + 8, pt | 0x63);                // 2 MiB..4 MiB through a page table
        m.writeLong(pt + 8 * 5, 0x7000 | 0x63);        // 2 MiB + 20 KiB -> 0x7000
        assertThat(IdentityMap.translate(m, pml4, (2L << 20) + 0x5123)).isEqualTo(0x7123);
        assertThat(IdentityMap.translate(m, pml4, (1L << 30) + 0x12345)).isEqualTo((1L << 30) + 0x12345);
        assertThat(IdentityMap.translate(m, pml4, (2L << 20) + 0x6000)).isEqualTo(-1);
        assertThat(IdentityMap.translate(m, pml4, 0)).isEqualTo(-1);
    }

    @Test
    void tablesOutsideMemoryReadAsUnmapped() {
        PhysicalMemory m = PhysicalMemory.ofHeap(0x2000);
        m.writeLong(0x1000, 0x7FFF_F000L | 0x63);
        assertThat(IdentityMap.translate(m, 0x1000, 0)).isEqualTo(-1);
    }

    @Test
    void aCopyWithAHoleUnmapsExactlyThoseFourKibPages() {
        PhysicalMemory m = PhysicalMemory.ofHeap(2 << 20);
        long cr3 = IdentityMap.write(m, 0x10000, 1L << 32);
        long copy = IdentityMap.copyWithHole(m, cr3, 1L << 32, 0x40000, 0x3fffe000L, 0x1000);
        assertThat(IdentityMap.translate(m, copy, 0x3fffe000L)).isEqualTo(-1);
        assertThat(IdentityMap.translate(m, copy, 0x3fffdff8L)).isEqualTo(0x3fffdff8L);
        assertThat(IdentityMap.translate(m, copy, 0x3ffff000L)).isEqualTo(0x3ffff000L);
        assertThat(IdentityMap.firstUnmapped(m, copy, 0x3ff00000L, 0x200000)).isEqualTo(0x3fffe000L);
        assertThat(IdentityMap.firstUnmapped(m, cr3, 0, 1L << 32)).isEqualTo(-1); // the original is untouched
    }
}
