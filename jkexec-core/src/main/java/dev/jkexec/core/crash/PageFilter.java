package dev.jkexec.core.crash;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.image.ByteView;
import dev.jkexec.image.crash.VmcoreInfo;
import java.lang.foreign.MemorySegment;

/**
 * makedumpfile's page filtering ({@code -d} dump level), computed on the host from the crashed
 * kernel's {@code mem_map}: which pages a dump may leave out. The facts come from VMCOREINFO
 * ({@code SYMBOL(mem_section)}, {@code SIZE(page)}, {@code OFFSET(page.*)}, {@code NUMBER(PG_*)},
 * {@code NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)}); struct pages are read through the kernel's own page
 * tables (the vmemmap), one section at a time.
 *
 * <p>Levels are bits: {@link #ZERO} 1 (pages of zeros: decided by the writer, from the bytes),
 * {@link #CACHE} 2 (page cache without private data), {@link #CACHE_PRIVATE} 4 (page cache with),
 * {@link #USER} 8 (anonymous and hugetlbfs pages of processes), {@link #FREE} 16 (pages in the buddy
 * allocator). The classification follows makedumpfile's {@code __exclude_unnecessary_pages} for
 * kernels of 4.16 and later: a compound page is excluded whole by its head; hwpoisoned and
 * logically offline pages always are. Pages without a struct page are kept.
 */
public final class PageFilter {
    public static final int ZERO = 1;
    public static final int CACHE = 2;
    public static final int CACHE_PRIVATE = 4;
    public static final int USER = 8;
    public static final int FREE = 16;
    public static final int ALL = 31;
    static final long PAGE = 4096;

    private PageFilter() {
    }

    /**
     * Pages left out, as a bitmap over pfns (bit set = excluded), with counts per class.
     *
     * @param limitPfn pfns at or above this are not looked at
     */
    public record Excluded(long[] bits, long limitPfn, long cache, long cachePrivate, long user, long free, long other) {
        public boolean excluded(long pfn) {
            return pfn < limitPfn && (bits[(int) (pfn >>> 6)] & (1L << pfn)) != 0;
        }

        public long total() {
            return cache + cachePrivate + user + free + other;
        }

        static Excluded none(long limitPfn) {
            return new Excluded(new long[(int) ((limitPfn + 63) >>> 6)], limitPfn, 0, 0, 0, 0, 0);
        }
    }

    /** Why filtering is not possible for this kernel (a VMCOREINFO entry is missing, say). */
    public static final class FilterException extends RuntimeException {
        public FilterException(String message) {
            super(message);
        }
    }

    /** Nothing excluded (dump level 0 or 1). */
    public static Excluded none(long limitPfn) {
        return Excluded.none(limitPfn);
    }

    /** The pages {@code level} excludes, for pfns below {@code limitPfn}. */
    public static Excluded compute(PhysicalMemory memory, GuestKernel.Known kernel, long limitPfn, int level) {
        if ((level & ~ALL) != 0) {
            throw new IllegalArgumentException("dump level " + level + " outside 0..31");
        }
        if ((level & ~ZERO) == 0) {
            return Excluded.none(limitPfn);
        }
        return new Walk(memory, kernel, limitPfn, level).run();
    }

    private static final class Walk {
        final PhysicalMemory memory;
        final GuestPageTables pt;
        final VmcoreInfo info;
        final long limitPfn;
        final int level;
        final long[] bits;
        long cache;
        long cachePrivate;
        long user;
        long free;
        long other;
        final long pageSize;
        final long offFlags;
        final long offMapping;
        final long offMapcount;
        final long offPrivate;
        final long offCompoundHead;
        final long offCompoundOrder;
        final long offCompoundDtor;
        final long pgLru;
        final long pgPrivate;
        final long pgSwapcache;
        final long pgSwapbacked;
        final long pgSlab;
        final long pgHwpoison;
        final long headMask;
        final long buddy;
        final long offline;
        final long hugetlbDtor;
        final long maxOrder;
        final int sectionShift;

        Walk(PhysicalMemory memory, GuestKernel.Known kernel, long limitPfn, int level) {
            this.memory = memory;
            this.pt = kernel.pageTables();
            this.info = kernel.info();
            this.limitPfn = limitPfn;
            this.level = level;
            this.bits = new long[(int) ((limitPfn + 63) >>> 6)];
            pageSize = need("SIZE(page)", info.size("page"));
            offFlags = need("OFFSET(page.flags)", info.offset("page.flags"));
            offMapping = need("OFFSET(page.mapping)", info.offset("page.mapping"));
            offMapcount = need("OFFSET(page._mapcount)", info.offset("page._mapcount"));
            offPrivate = need("OFFSET(page.private)", info.offset("page.private"));
            offCompoundHead = info.offset("page.compound_head").orElse(-1L);
            offCompoundOrder = info.offset("page.compound_order").orElse(-1L);
            offCompoundDtor = info.offset("page.compound_dtor").orElse(-1L);
            pgLru = need("NUMBER(PG_lru)", info.number("PG_lru"));
            pgPrivate = need("NUMBER(PG_private)", info.number("PG_private"));
            pgSwapcache = need("NUMBER(PG_swapcache)", info.number("PG_swapcache"));
            pgSwapbacked = info.number("PG_swapbacked").orElse(-1L);
            pgSlab = need("NUMBER(PG_slab)", info.number("PG_slab"));
            pgHwpoison = info.number("PG_hwpoison").orElse(-1L);
            headMask = info.number("PG_head_mask").orElse(0L);
            buddy = (level & FREE) != 0 ? need("NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", info.number("PAGE_BUDDY_MAPCOUNT_VALUE")) : Long.MIN_VALUE;
            offline = info.number("PAGE_OFFLINE_MAPCOUNT_VALUE").orElse(Long.MIN_VALUE);
            hugetlbDtor = info.number("HUGETLB_PAGE_DTOR").orElse(Long.MIN_VALUE);
            maxOrder = info.length("zone.free_area").orElse(11L);
            sectionShift = (int) (need("NUMBER(SECTION_SIZE_BITS)", info.number("SECTION_SIZE_BITS")) - 12);
            if (pageSize < 40 || pageSize > 256) {
                throw new FilterException("SIZE(page) " + pageSize + " outside 40..256");
            }
        }

        long need(String what, java.util.Optional<Long> v) {
            return v.orElseThrow(() -> new FilterException("VMCOREINFO has no " + what + ": page filtering needs it"));
        }

        Excluded run() {
            MemMap map = MemMap.of(memory, pt, info);
            long perSection = 1L << sectionShift;
            byte[] buf = new byte[(int) (perSection * pageSize + pageSize)];
            MemorySegment s = MemorySegment.ofArray(buf);
            for (long first = 0; first < limitPfn; first += perSection) {
                long base = map.memMap(first >>> sectionShift);
                if (base == 0) {
                    continue;
                }
                long n = Math.min(perSection, limitPfn - first);
                // one extra struct page: a compound head's order sits in the next one
                long read = readVirtual(base + first * pageSize, buf, (int) ((n + 1) * pageSize));
                long got = read / pageSize;
                for (long i = 0; i < Math.min(n, got); i++) {
                    long pfn = first + i;
                    if (isExcluded(pfn)) {
                        continue;
                    }
                    long at = i * pageSize;
                    long flags = s.get(ByteView.U64, at + offFlags);
                    long mapping = s.get(ByteView.U64, at + offMapping);
                    int mapcount = s.get(ByteView.U32, at + offMapcount);
                    long priv = s.get(ByteView.U64, at + offPrivate);
                    long head = offCompoundHead >= 0 ? s.get(ByteView.U64, at + offCompoundHead) : 0;
                    if ((head & 1) != 0) {
                        continue; // a tail: its head decided for the whole compound page
                    }
                    int order = 0;
                    long dtor = -1;
                    if ((flags & headMask) != 0 && i + 1 < got) {
                        if (offCompoundOrder >= 0) {
                            order = Byte.toUnsignedInt(s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at + pageSize + offCompoundOrder));
                        }
                        if (offCompoundDtor >= 0) {
                            dtor = Byte.toUnsignedInt(s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at + pageSize + offCompoundDtor));
                        }
                        if (order >= 64 || (pfn & ((1L << order) - 1)) != 0) {
                            order = 0;
                        }
                    }
                    boolean slab = bit(flags, pgSlab);
                    boolean anon = (mapping & 1) != 0 && !slab;
                    boolean cachePage = bit(flags, pgLru) || ((pgSwapbacked < 0 || bit(flags, pgSwapbacked)) && bit(flags, pgSwapcache));
                    long pages = 1L << order;
                    if ((level & FREE) != 0 && !slab && mapcount == (int) buddy) {
                        if (priv < 0 || priv >= maxOrder) {
                            continue;
                        }
                        pages = 1L << priv;
                        free += exclude(pfn, pages);
                    } else if ((level & CACHE) != 0 && cachePage && !bit(flags, pgPrivate) && !anon) {
                        cache += exclude(pfn, pages);
                    } else if ((level & CACHE_PRIVATE) != 0 && cachePage && !anon) {
                        long k = exclude(pfn, pages);
                        if (bit(flags, pgPrivate)) {
                            cachePrivate += k;
                        } else {
                            cache += k;
                        }
                    } else if ((level & USER) != 0 && (anon || (dtor >= 0 && dtor == hugetlbDtor))) {
                        user += exclude(pfn, pages);
                    } else if ((pgHwpoison >= 0 && bit(flags, pgHwpoison)) || (!slab && mapcount == (int) offline)) {
                        other += exclude(pfn, pages);
                    } else {
                        continue;
                    }
                    i += pages - 1;
                }
            }
            return new Excluded(bits, limitPfn, cache, cachePrivate, user, free, other);
        }

        boolean isExcluded(long pfn) {
            return (bits[(int) (pfn >>> 6)] & (1L << pfn)) != 0;
        }

        long exclude(long pfn, long pages) {
            long end = Math.min(pfn + pages, limitPfn);
            long k = 0;
            for (long p = pfn; p < end; p++) {
                if (!isExcluded(p)) {
                    bits[(int) (p >>> 6)] |= 1L << p;
                    k++;
                }
            }
            return k;
        }

        long readVirtual(long vaddr, byte[] into, int length) {
            return pt.read(vaddr, into, length);
        }

        static boolean bit(long flags, long bit) {
            return bit >= 0 && bit < 64 && (flags & (1L << bit)) != 0;
        }
    }

    /** Where each memory section's struct pages are: SPARSEMEM (with or without EXTREME), as VMCOREINFO tells. */
    static final class MemMap {
        static final long SECTION_HAS_MEM_MAP = 1L << 1;
        static final long SECTION_MAP_MASK = ~((1L << 5) - 1);
        final PhysicalMemory memory;
        final GuestPageTables pt;
        final long root;
        final long sectionSize;
        final long sectionMapOffset;
        final long perRoot;
        final boolean extreme;
        final long roots;

        private MemMap(PhysicalMemory memory, GuestPageTables pt, long root, long sectionSize, long sectionMapOffset,
                       long perRoot, boolean extreme, long roots) {
            this.memory = memory;
            this.pt = pt;
            this.root = root;
            this.sectionSize = sectionSize;
            this.sectionMapOffset = sectionMapOffset;
            this.perRoot = perRoot;
            this.extreme = extreme;
            this.roots = roots;
        }

        static MemMap of(PhysicalMemory memory, GuestPageTables pt, VmcoreInfo info) {
            long root = info.symbol("mem_section").orElseThrow(() -> new FilterException(
                    "VMCOREINFO has no SYMBOL(mem_section): only SPARSEMEM kernels can be filtered"));
            long size = info.size("mem_section").orElseThrow(() -> new FilterException("VMCOREINFO has no SIZE(mem_section)"));
            long off = info.offset("mem_section.section_mem_map").orElse(0L);
            long length = info.length("mem_section").orElse(0L);
            long bitsPhys = info.number("MAX_PHYSMEM_BITS").orElse(46L);
            long sectionBits = info.number("SECTION_SIZE_BITS").orElse(27L);
            long sections = 1L << (bitsPhys - sectionBits);
            boolean extreme = length != sections;
            if (size <= 0 || size > 4096) {
                throw new FilterException("SIZE(mem_section) " + size + " outside 1..4096");
            }
            return new MemMap(memory, pt, root, size, off, 4096 / size, extreme, length);
        }

        /** The decoded mem_map base of section {@code nr} (pfn 0's struct page would be there), or 0. */
        long memMap(long nr) {
            long ms;
            if (extreme) {
                long r = nr / perRoot;
                if (r >= roots) {
                    return 0;
                }
                long ptr = readLong(root + r * 8);
                if (ptr == 0) {
                    return 0;
                }
                ms = ptr + (nr % perRoot) * sectionSize;
            } else {
                ms = root + nr * sectionSize;
            }
            long map = readLong(ms + sectionMapOffset);
            if ((map & SECTION_HAS_MEM_MAP) == 0) {
                return 0;
            }
            return map & SECTION_MAP_MASK;
        }

        long readLong(long vaddr) {
            long p = pt.translate(vaddr);
            return p >= 0 && memory.contains(p, 8) ? memory.readLong(p) : 0;
        }
    }
}
