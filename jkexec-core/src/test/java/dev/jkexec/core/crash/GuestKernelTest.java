package dev.jkexec.core.crash;

import static dev.jkexec.core.crash.SyntheticGuest.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.image.crash.KernelAddressSpace;
import dev.jkexec.image.crash.VmcoreInfo;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import dev.jkexec.platform.testing.Pure;

/** The VMCOREINFO finder, the page-table walk and the address-space derivation, on a synthetic guest. */
@Pure
class GuestKernelTest {
    @Test
    void derivesTheDirectMapAndTheKernelTextFromVmcoreinfoAndThePageTables() {
        SyntheticGuest g = new SyntheticGuest().withNote(NOTE, vmcoreinfo(PHYS_BASE));
        GuestKernel k = GuestKernel.probe(g.memory, g.ram, -1);
        assertThat(k).isInstanceOfSatisfying(GuestKernel.Known.class, known -> {
            assertThat(known.noteAddress()).isEqualTo(NOTE);
            assertThat(known.how()).isEqualTo("a page-aligned scan");
            KernelAddressSpace s = known.space();
            assertThat(s.pageOffset()).isEqualTo(PAGE_OFFSET);
            assertThat(s.physBase()).isEqualTo(PHYS_BASE);
            assertThat(s.kernelOffset()).isEqualTo(KERNEL_OFFSET);
            assertThat(s.textVaddr()).isEqualTo(TEXT_VADDR);
            assertThat(s.textPaddr()).isEqualTo(TEXT_PADDR);
            assertThat(s.textSize()).isEqualTo(TEXT_SIZE);
            assertThat(known.pageTables().translate(PAGE_OFFSET + 0x123456)).isEqualTo(0x123456);
        });
    }

    @Test
    void aStaleNoteThatDoesNotMatchThePageTablesLosesToTheRealOne() {
        SyntheticGuest g = new SyntheticGuest().withNote(0x3700000, vmcoreinfo(PHYS_BASE + 0x200000))
                .withNote(NOTE, vmcoreinfo(PHYS_BASE));
        assertThat(VmcoreInfoFinder.find(g.memory, g.ram, -1)).hasSize(2);
        GuestKernel k = GuestKernel.probe(g.memory, g.ram, -1);
        assertThat(k).isInstanceOfSatisfying(GuestKernel.Known.class, known -> assertThat(known.noteAddress()).isEqualTo(NOTE));
    }

    @Test
    void theGuestsHintIsTriedFirstAndAnUnalignedNoteIsFoundByTheSlowScan() {
        SyntheticGuest g = new SyntheticGuest().withNote(NOTE + 0x404, vmcoreinfo(PHYS_BASE));
        assertThat(VmcoreInfoFinder.find(g.memory, g.ram, -1)).singleElement()
                .satisfies(c -> assertThat(c.how()).isEqualTo("a 4-byte-aligned scan"));
        assertThat(VmcoreInfoFinder.find(g.memory, g.ram, NOTE + 0x404)).first()
                .satisfies(c -> assertThat(c.how()).isEqualTo("the guest's hint"));
        // the hint as the busybox guest writes it: /sys/kernel/vmcoreinfo's "addr size"
        String line = VmcoreInfoHint.PREFIX + String.format("0x%016x", NOTE + 0x404) + " 1024\n";
        long hint = 0x9F800; // where a machine's mailbox page keeps it (MachineLayout.VMCOREINFO_HINT)
        g.memory.write(hint, line.getBytes(StandardCharsets.US_ASCII));
        assertThat(VmcoreInfoHint.read(g.memory, hint)).isEqualTo(NOTE + 0x404);
        assertThat(VmcoreInfoHint.parse("JKEXEC-VMCOREINFO:zz".getBytes(StandardCharsets.US_ASCII))).isEqualTo(-1);
    }

    @Test
    void noNoteOrABrokenKernelIsUnknownWithAReason() {
        SyntheticGuest empty = new SyntheticGuest();
        assertThat(GuestKernel.probe(empty.memory, empty.ram, -1)).isInstanceOfSatisfying(GuestKernel.Unknown.class,
                u -> assertThat(u.reason()).startsWith("no VMCOREINFO note in guest RAM"));
        SyntheticGuest wrong = new SyntheticGuest().withNote(NOTE, vmcoreinfo(PHYS_BASE + 0x400000));
        assertThat(GuestKernel.probe(wrong.memory, wrong.ram, -1)).isInstanceOfSatisfying(GuestKernel.Unknown.class,
                u -> assertThat(u.reason()).contains("kernel text: the page tables map"));
        VmcoreInfo noPgt = VmcoreInfo.parse("OSRELEASE=x\nNUMBER(phys_base)=0\n");
        assertThatThrownBy(() -> KernelAddressSpaces.derive(wrong.memory, noPgt)).hasMessageContaining("no SYMBOL(init_top_pgt)");
    }

    @Test
    void theWalkReadsHostileTablesAsUnmapped() {
        SyntheticGuest g = new SyntheticGuest();
        g.memory.writeLong(PGT + 8 * 300, 0x7fff_ffff_f000L | 1); // a table far outside memory
        GuestPageTables pt = new GuestPageTables(g.memory, PGT, 4);
        assertThat(pt.translate(0xffff960000000000L)).isEqualTo(-1);
        assertThat(pt.lookup(TEXT_VADDR + 0x1234)).isEqualTo(new GuestPageTables.Mapping(TEXT_PADDR + 0x1234, 2 * MIB));
        assertThat(new GuestPageTables(g.memory, SIZE + 4096, 4).translate(TEXT_VADDR)).isEqualTo(-1);
    }

    @Test
    void thePageHoldsTheNoteOrNothing() {
        long hidden = 0x5020_0000L; // a machine's hidden pages, with the page at +0x8000 as its layout puts it
        dev.jkexec.platform.PhysicalMemory m = dev.jkexec.platform.PhysicalMemory.window(hidden,
                java.lang.foreign.MemorySegment.ofArray(new byte[2 << 20]));
        PhysicalRange page = new PhysicalRange(hidden + 0x8000, 4096);
        VmcoreInfo v = VmcoreInfo.parse(vmcoreinfo(PHYS_BASE)).withCrashTime(42);
        assertThat(VmcoreInfoPage.write(m, page, v)).isTrue();
        assertThat(dev.jkexec.image.crash.VmcoreInfoNote.decode(m.slice(page.start(), page.size()), 0))
                .isEqualTo(v);
        assertThat(VmcoreInfoPage.write(m, page, null)).isFalse();
        assertThat(m.read(page.start(), 4096)).containsOnly(0);
    }
}
