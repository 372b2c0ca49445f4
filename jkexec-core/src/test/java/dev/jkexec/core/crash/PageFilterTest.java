package dev.jkexec.core.crash;

import static dev.jkexec.core.crash.SyntheticGuest.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.crash.VmcoreInfo;
import org.junit.jupiter.api.Test;
import dev.jkexec.platform.testing.Pure;

/**
 * makedumpfile's dump levels over a synthetic mem_map: SPARSEMEM_EXTREME roots in the direct map,
 * struct pages in a vmemmap mapped with a 2 MiB page, flags as Linux 6.1 numbers them.
 */
@Pure
class PageFilterTest {
    static final long VMEMMAP = 0xffffea0000000000L;
    static final long STRUCT_PAGES = 40 * MIB; // physical home of the struct pages (2 MiB)
    static final long ROOTS = 44 * MIB;        // mem_section: one root pointer
    static final long SECTIONS = ROOTS + 4096; // the root's array of struct mem_section
    static final long PG_LRU = 4, PG_PRIVATE = 13, PG_SLAB = 9, PG_HEAD = 16;

    static SyntheticGuest guest() {
        SyntheticGuest g = new SyntheticGuest();
        long pdpt = PGT + 0x6000;
        long pd = PGT + 0x7000;
        g.memory.writeLong(PGT + 8 * index(VMEMMAP, 39), pdpt | 3);
        g.memory.writeLong(pdpt + 8 * index(VMEMMAP, 30), pd | 3);
        g.memory.writeLong(pd + 8 * index(VMEMMAP, 21), STRUCT_PAGES | 0x83);
        g.memory.writeLong(ROOTS, PAGE_OFFSET + SECTIONS);
        g.memory.writeLong(SECTIONS, VMEMMAP | 0x3); // section 0: present, has a mem_map
        return g;
    }

    static String info() {
        return vmcoreinfo(PHYS_BASE) + "SYMBOL(mem_section)=" + Long.toHexString(PAGE_OFFSET + ROOTS) + "\n"
                + "LENGTH(mem_section)=4096\nSIZE(mem_section)=32\nOFFSET(mem_section.section_mem_map)=0\n"
                + "NUMBER(SECTION_SIZE_BITS)=27\nNUMBER(MAX_PHYSMEM_BITS)=46\nSIZE(page)=64\n"
                + "OFFSET(page.flags)=0\nOFFSET(page._refcount)=52\nOFFSET(page.mapping)=24\nOFFSET(page._mapcount)=48\n"
                + "OFFSET(page.private)=40\nOFFSET(page.compound_dtor)=16\nOFFSET(page.compound_order)=17\n"
                + "OFFSET(page.compound_head)=8\nLENGTH(zone.free_area)=11\nNUMBER(PG_lru)=4\nNUMBER(PG_private)=13\n"
                + "NUMBER(PG_swapcache)=10\nNUMBER(PG_swapbacked)=19\nNUMBER(PG_slab)=9\nNUMBER(PG_hwpoison)=23\n"
                + "NUMBER(PG_head_mask)=65536\nNUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\nNUMBER(HUGETLB_PAGE_DTOR)=2\n"
                + "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n";
    }

    static void page(SyntheticGuest g, long pfn, long flags, long mapping, int mapcount, long priv) {
        long at = STRUCT_PAGES + pfn * 64;
        g.memory.writeLong(at, flags);
        g.memory.writeLong(at + 24, mapping);
        g.memory.writeInt(at + 48, mapcount);
        g.memory.writeLong(at + 40, priv);
    }

    static GuestKernel.Known kernel(SyntheticGuest g, String text) {
        g.withNote(NOTE, text);
        return (GuestKernel.Known) GuestKernel.probe(g.memory, g.ram, -1);
    }

    @Test
    void level31LeavesOutCacheUserAndFreePagesAndKeepsTheRest() {
        SyntheticGuest g = guest();
        page(g, 100, 0, 0xffff888000001001L, 0, 0);                       // anonymous: user
        page(g, 200, 1L << PG_LRU, 0xffff888000002000L, 0, 0);            // page cache
        page(g, 300, 1L << PG_LRU | 1L << PG_PRIVATE, 0xffff888000003000L, 0, 0); // cache with buffers
        page(g, 400, 0, 0, -129, 2);                                      // buddy, order 2
        page(g, 512, 1L << PG_HEAD, 0xffff888000004001L, 0, 0);           // anonymous THP head, order 3
        g.memory.writeLong(STRUCT_PAGES + 513 * 64 + 8, STRUCT_PAGES + 1); // its tails point at it
        g.memory.write(STRUCT_PAGES + 513 * 64 + 17, new byte[] {3});
        page(g, 600, 1L << PG_SLAB, 0x1, -129, 0);                        // slab: neither free nor user
        page(g, 700, 0, 0, -257, 0);                                      // offline: always left out
        GuestKernel.Known k = kernel(g, info());
        PageFilter.Excluded x = PageFilter.compute(g.memory, k, SIZE / 4096, 31);
        assertThat(x.user()).isEqualTo(1 + 8);
        assertThat(x.cache()).isEqualTo(1);
        assertThat(x.cachePrivate()).isEqualTo(1);
        assertThat(x.free()).isEqualTo(4);
        assertThat(x.other()).isEqualTo(1);
        assertThat(x.excluded(100)).isTrue();
        assertThat(x.excluded(403)).isTrue();
        assertThat(x.excluded(404)).isFalse();
        assertThat(x.excluded(519)).isTrue();
        assertThat(x.excluded(520)).isFalse();
        assertThat(x.excluded(600)).isFalse();
        assertThat(x.excluded(0)).isFalse();
    }

    @Test
    void eachLevelBitSelectsItsClass() {
        SyntheticGuest g = guest();
        page(g, 100, 0, 0xffff888000001001L, 0, 0);
        page(g, 200, 1L << PG_LRU, 0xffff888000002000L, 0, 0);
        page(g, 300, 1L << PG_LRU | 1L << PG_PRIVATE, 0xffff888000003000L, 0, 0);
        page(g, 400, 0, 0, -129, 0);
        GuestKernel.Known k = kernel(g, info());
        assertThat(PageFilter.compute(g.memory, k, 16384, 1).total()).isZero();
        PageFilter.Excluded two = PageFilter.compute(g.memory, k, 16384, 2);
        assertThat(two.excluded(200)).isTrue();
        assertThat(two.excluded(300)).isFalse();
        assertThat(PageFilter.compute(g.memory, k, 16384, 4).excluded(300)).isTrue();
        assertThat(PageFilter.compute(g.memory, k, 16384, 8).excluded(100)).isTrue();
        PageFilter.Excluded free = PageFilter.compute(g.memory, k, 16384, 16);
        assertThat(free.excluded(400)).isTrue();
        assertThat(free.excluded(100)).isFalse();
    }

    @Test
    void aKernelWithoutTheNeededEntriesCannotBeFiltered() {
        SyntheticGuest g = guest();
        GuestKernel.Known k = kernel(g, vmcoreinfo(PHYS_BASE));
        assertThatThrownBy(() -> PageFilter.compute(g.memory, k, 16384, 31)).hasMessageContaining("VMCOREINFO has no SIZE(page)");
        assertThatThrownBy(() -> PageFilter.compute(g.memory, k, 16384, 32)).hasMessageContaining("dump level 32");
        assertThat(VmcoreInfo.parse(info()).size("page")).contains(64L);
    }
}
