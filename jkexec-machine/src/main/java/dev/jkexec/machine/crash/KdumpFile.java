package dev.jkexec.machine.crash;

import dev.jkexec.core.crash.GuestKernel;
import dev.jkexec.core.crash.PageFilter;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.crash.VmcoreInfo;
import io.airlift.compress.zstd.ZstdCompressor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;

/**
 * makedumpfile's kdump-compressed format (diskdump_mod.h, header_version 6), the format
 * {@code crash} and {@code makedumpfile} itself read, written on the host from the paused guest.
 * Block size = page size = 4096.
 *
 * <pre>
 *  block 0            disk_dump_header: "KDUMP   ", version 6, utsname, timestamp, status
 *                     (compression), block_size, sub_hdr_size, bitmap_blocks, max_mapnr, nr_cpus
 *  block 1 ..         kdump_sub_header (phys_base, dump_level, offset/size of vmcoreinfo and notes,
 *                     max_mapnr_64), then the ELF notes: NT_PRSTATUS per vCPU, VMCOREINFO
 *  bitmap 1           a bit per pfn: the pfn is RAM
 *  bitmap 2           a bit per pfn: the pfn is in the dump (RAM minus what the dump level excludes)
 *  page descriptors   {offset, size, flags, page_flags} (24 bytes) per pfn of bitmap 2, in pfn order
 *  page data          a shared page of zeros (level bit 1), then each page, compressed when that
 *                     makes it smaller (flags DUMP_DH_COMPRESSED_ZLIB 0x1 or _ZSTD 0x20), else raw
 * </pre>
 *
 * <p>Layout facts from makedumpfile's {@code write_kdump_header} and
 * {@code write_kdump_pages_and_bitmap_cyclic}; the code is ours. Pages are read from the mapping,
 * compressed in chunks of {@link #CHUNK_PAGES} on up to {@link #THREADS} threads (the guest is
 * paused), and written sequentially in pfn order through one buffer; descriptors are gathered and
 * written last.
 */
public final class KdumpFile {
    static final int BLOCK = 4096;
    static final int HEADER_VERSION = 6;
    static final int SUB_HEADER_SIZE = 104;
    static final int DESC_SIZE = 24;
    static final int COMPRESSED_ZLIB = 0x1;
    static final int COMPRESSED_ZSTD = 0x20;
    static final int UTS_FIELD = 65;

    private KdumpFile() {
    }

    /** What was written. */
    public record Written(java.nio.file.Path file, long bytes, long pages, long dumped, long zero, PageFilter.Excluded excluded,
                          int level, String whyNotFiltered) {
    }

    /**
     * Writes {@code src} in {@code format} with dump level {@code level} (makedumpfile's {@code -d}).
     * A level above 1 needs the guest kernel's VMCOREINFO; without it the dump is written with level
     * {@code level & 1} and {@link Written#level} says so.
     */
    public static Written write(DumpTarget target, DumpSource src, DumpFormat format, int level, DumpProgress progress) {
        if (!format.kdump()) {
            throw new IllegalArgumentException(format + " is not a kdump format");
        }
        long maxPfn = 0;
        for (MemoryRange r : src.ram()) {
            maxPfn = Math.max(maxPfn, (r.end() + BLOCK - 1) / BLOCK);
        }
        GuestKernel.Known k = src.known();
        int used = k == null ? level & PageFilter.ZERO : level;
        PageFilter.Excluded excluded;
        String why = k == null ? "no VMCOREINFO" : null;
        try {
            excluded = k == null ? PageFilter.none(maxPfn) : PageFilter.compute(src.memory(), k, maxPfn, used);
        } catch (PageFilter.FilterException e) {
            used = level & PageFilter.ZERO;
            excluded = PageFilter.none(maxPfn);
            why = e.getMessage();
        }
        long[] ram = new long[(int) ((maxPfn + 63) >>> 6)];
        for (MemoryRange r : src.ram()) {
            for (long pfn = r.start() / BLOCK; pfn < r.end() / BLOCK; pfn++) {
                ram[(int) (pfn >>> 6)] |= 1L << pfn;
            }
        }
        // Pages the RAM file has never held (its holes) are zeros that nobody needs to read.
        long[] holes = holes(src.memory(), src.ram(), ram.length);
        long dumpable = 0;
        long[] dump = new long[ram.length];
        for (int i = 0; i < ram.length; i++) {
            dump[i] = ram[i] & ~excluded.bits()[i];
            dumpable += Long.bitCount(dump[i]);
        }
        byte[] notes = src.notes();
        int subHeaderBlocks = (SUB_HEADER_SIZE + notes.length + BLOCK - 1) / BLOCK;
        long bitmapBytes = ((maxPfn + 7) / 8 + BLOCK - 1) / BLOCK * BLOCK;
        long bitmapBlocks = 2 * bitmapBytes / BLOCK;
        long bitmap1 = (1L + subHeaderBlocks) * BLOCK;
        long descriptors = bitmap1 + bitmapBlocks * BLOCK;
        long data = descriptors + DESC_SIZE * dumpable;

        FileChannel ch = target.channel();
        long zeroPages = 0;
        long written;
        try {
            ch.write(ByteBuffer.wrap(header(src, format, subHeaderBlocks, bitmapBlocks, maxPfn)), 0);
            ch.write(ByteBuffer.wrap(subHeader(src, used, notes, maxPfn)), BLOCK);
            CoreDump.writeFully(ch, ByteBuffer.wrap(notes), BLOCK + SUB_HEADER_SIZE);
            CoreDump.writeFully(ch, bitmap(ram, bitmapBytes), bitmap1);
            CoreDump.writeFully(ch, bitmap(dump, bitmapBytes), bitmap1 + bitmapBytes);

            ByteBuffer desc = ByteBuffer.allocate((int) Math.min(DESC_SIZE * dumpable, Integer.MAX_VALUE - 8)).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = ByteBuffer.allocateDirect(4 << 20);
            long at = data;        // file offset of the next page's bytes
            long flushedAt = data; // file offset where the buffer's bytes go
            long zeroAt = -1;
            if ((used & PageFilter.ZERO) != 0) {
                zeroAt = at;
                out.put(new byte[BLOCK]);
                at += BLOCK;
            }
            // Pages are compressed in chunks on a few threads and written in pfn order by this one.
            long[] pfns = new long[CHUNK_PAGES];
            int n = 0;
            long done = 0;
            java.util.ArrayDeque<java.util.concurrent.Future<Chunk>> window = new java.util.ArrayDeque<>();
            java.util.concurrent.ExecutorService pool = pool();
            try {
                for (long pfn = 0; pfn <= maxPfn; pfn++) {
                    if (pfn < maxPfn && (dump[(int) (pfn >>> 6)] & (1L << pfn)) != 0) {
                        pfns[n++] = pfn;
                    }
                    if (n == CHUNK_PAGES || (pfn == maxPfn && n > 0)) {
                        long[] batch = java.util.Arrays.copyOf(pfns, n);
                        boolean shareZeros = zeroAt >= 0;
                        window.add(pool.submit(() -> Chunk.compress(src.memory(), batch, holes, format, shareZeros)));
                        n = 0;
                    }
                    while (!window.isEmpty() && (window.size() > 2 * THREADS || pfn == maxPfn)) {
                        Chunk c = take(window.poll());
                        int from = 0;
                        for (int i = 0; i < c.sizes().length; i++) {
                            int size = c.sizes()[i];
                            if (size == 0) {
                                desc.putLong(zeroAt).putInt(BLOCK).putInt(0).putLong(0);
                                zeroPages++;
                                continue;
                            }
                            desc.putLong(at).putInt(size).putInt(c.flags()[i]).putLong(0);
                            if (out.remaining() < size) {
                                out.flip();
                                int len = out.remaining();
                                CoreDump.writeFully(ch, out, flushedAt);
                                flushedAt += len;
                                out.clear();
                            }
                            out.put(c.data(), from, size);
                            from += size;
                            at += size;
                        }
                        done += c.sizes().length;
                        progress.advance(done * BLOCK, dumpable * BLOCK);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            out.flip();
            CoreDump.writeFully(ch, out, flushedAt);
            desc.flip();
            CoreDump.writeFully(ch, desc, descriptors);
            progress.advance(dumpable * BLOCK, dumpable * BLOCK);
            written = at;
        } catch (IOException e) {
            throw target.failure(e);
        }
        target.commit();
        return new Written(target.file(), written, countBits(ram), dumpable, zeroPages, excluded, used, why);
    }

    /**
     * A bit per pfn of {@code ram} that lies in a hole of the memory's backing file
     * ({@link dev.jkexec.platform.PhysicalMemory#nextData}): one question per extent, no page read.
     */
    static long[] holes(dev.jkexec.platform.PhysicalMemory memory, java.util.List<MemoryRange> ram, int words) {
        long[] holes = new long[words];
        for (MemoryRange r : ram) {
            long at = r.start();
            while (at < r.end()) {
                long data = memory.nextData(at, r.end() - at);
                for (long pfn = (at + BLOCK - 1) / BLOCK; pfn < data / BLOCK; pfn++) {
                    holes[(int) (pfn >>> 6)] |= 1L << pfn;
                }
                at = data < r.end() ? memory.dataEnd(data, r.end() - data) : data;
            }
        }
        return holes;
    }

    private static long countBits(long[] words) {
        long n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        return n;
    }

    static ByteBuffer bitmap(long[] words, long bytes) {
        ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (long w : words) {
            if (b.remaining() >= 8) {
                b.putLong(w);
            } else {
                for (int i = 0; b.hasRemaining(); i++) {
                    b.put((byte) (w >>> (8 * i)));
                }
            }
        }
        b.position(0).limit((int) bytes);
        return b;
    }

    /** disk_dump_header (x86-64 layout: 464 bytes). */
    static byte[] header(DumpSource src, DumpFormat format, int subHeaderBlocks, long bitmapBlocks, long maxPfn) {
        ByteBuffer b = ByteBuffer.allocate(BLOCK).order(ByteOrder.LITTLE_ENDIAN);
        b.put("KDUMP   ".getBytes(StandardCharsets.US_ASCII));
        b.putInt(HEADER_VERSION);
        b.put(utsname(src));                       // 6 x 65 bytes at 12
        b.position(408);                           // struct timeval, 8-aligned
        b.putLong(src.crashTime()).putLong(0);
        b.putInt(format == DumpFormat.KDUMP_ZSTD ? COMPRESSED_ZSTD : COMPRESSED_ZLIB); // status
        b.putInt(BLOCK);                           // block_size
        b.putInt(subHeaderBlocks);                 // sub_hdr_size
        b.putInt((int) bitmapBlocks);              // bitmap_blocks
        b.putInt((int) Math.min(maxPfn, 0xFFFF_FFFFL)); // max_mapnr (obsolete, 32-bit)
        b.putInt(0).putInt(0).putInt(0);           // total_ram_blocks, device_blocks, written_blocks
        b.putInt(0);                               // current_cpu
        b.putInt(src.cpuNotes().size());           // nr_cpus
        return b.array();
    }

    /** kdump_sub_header (104 bytes). */
    static byte[] subHeader(DumpSource src, int level, byte[] notes, long maxPfn) {
        ByteBuffer b = ByteBuffer.allocate(SUB_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(src.space() == null ? 0 : src.space().physBase());
        b.putInt(level).putInt(0);                 // dump_level, split
        b.putLong(0).putLong(0);                   // start_pfn, end_pfn (split only)
        int text = src.vmcoreinfoTextOffset();
        VmcoreInfo v = src.vmcoreinfo();
        b.putLong(text < 0 ? 0 : BLOCK + SUB_HEADER_SIZE + text);
        b.putLong(v == null ? 0 : v.bytes().length);
        b.putLong(BLOCK + SUB_HEADER_SIZE).putLong(notes.length); // offset_note, size_note
        b.putLong(0).putLong(0);                   // eraseinfo
        b.putLong(0).putLong(0);                   // start_pfn_64, end_pfn_64
        b.putLong(maxPfn);                         // max_mapnr_64
        return b.array();
    }

    /** The crashed kernel's utsname (sysname, nodename, release, version, machine, domainname), read from init_uts_ns. */
    static byte[] utsname(DumpSource src) {
        byte[] out = new byte[6 * UTS_FIELD];
        GuestKernel.Known k = src.known();
        if (k != null) {
            long at = k.info().symbol("init_uts_ns").orElse(0L) + k.info().offset("uts_namespace.name").orElse(0L);
            if (at != 0 && k.pageTables().read(at, out, out.length) == out.length) {
                return out;
            }
            byte[] release = k.info().osRelease().getBytes(StandardCharsets.US_ASCII);
            java.util.Arrays.fill(out, (byte) 0);
            System.arraycopy("Linux".getBytes(StandardCharsets.US_ASCII), 0, out, 0, 5);
            System.arraycopy(release, 0, out, 2 * UTS_FIELD, Math.min(release.length, UTS_FIELD - 1));
        }
        return out;
    }

    /** Pages per compression task, and compression threads (the guest is paused: its vCPUs are idle). */
    static final int CHUNK_PAGES = 1024;
    static final int THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    static java.util.concurrent.ExecutorService pool() {
        return java.util.concurrent.Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "jkexec-kdump-compress");
            t.setDaemon(true);
            return t;
        });
    }

    static Chunk take(java.util.concurrent.Future<Chunk> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while compressing pages");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("compressing pages: " + e.getCause(), e.getCause());
        }
    }

    /**
     * The compressed pages of one chunk: {@code sizes[i]} bytes of {@code data} for page i with
     * {@code flags[i]}, or size 0 for a page of zeros that shares the zero page.
     */
    record Chunk(byte[] data, int[] sizes, int[] flags) {
        static Chunk compress(dev.jkexec.platform.PhysicalMemory memory, long[] pfns, DumpFormat format, boolean shareZeros) {
            return compress(memory, pfns, new long[0], format, shareZeros);
        }

        /** The same; a pfn set in {@code holes} is a page of zeros, not read. */
        static Chunk compress(dev.jkexec.platform.PhysicalMemory memory, long[] pfns, long[] holes, DumpFormat format,
                              boolean shareZeros) {
            try (Pages pages = new Pages(format)) {
                return compress(memory, pfns, holes, pages, shareZeros);
            }
        }

        private static Chunk compress(dev.jkexec.platform.PhysicalMemory memory, long[] pfns, long[] holes, Pages pages,
                                      boolean shareZeros) {
            java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream(pfns.length * 1024);
            int[] sizes = new int[pfns.length];
            int[] flags = new int[pfns.length];
            byte[] page = new byte[BLOCK];
            MemorySegment zeros = MemorySegment.ofArray(new byte[BLOCK]);
            for (int i = 0; i < pfns.length; i++) {
                long pfn = pfns[i];
                boolean hole = (pfn >>> 6) < holes.length && (holes[(int) (pfn >>> 6)] & (1L << pfn)) != 0;
                MemorySegment p = hole ? zeros : memory.slice(pfn * BLOCK, BLOCK);
                if (shareZeros && MemorySegment.mismatch(p, 0, BLOCK, zeros, 0, BLOCK) < 0) {
                    continue;
                }
                MemorySegment.copy(p, 0, MemorySegment.ofArray(page), 0, BLOCK);
                int n = pages.compress(page);
                if (n > 0) {
                    data.write(pages.buffer(), 0, n);
                    sizes[i] = n;
                    flags[i] = pages.flag();
                } else {
                    data.write(page, 0, BLOCK);
                    sizes[i] = BLOCK;
                }
            }
            return new Chunk(data.toByteArray(), sizes, flags);
        }
    }

    /** One page compressor; {@link #compress} returns the compressed size, or 0 when compression does not shrink the page. */
    static final class Pages implements AutoCloseable {
        private final DumpFormat format;
        private final Deflater deflater;
        private final ZstdCompressor zstd;
        private final byte[] buffer = new byte[2 * BLOCK];

        Pages(DumpFormat format) {
            this.format = format;
            this.deflater = format == DumpFormat.KDUMP_ZLIB ? new Deflater(Deflater.BEST_SPEED) : null;
            this.zstd = format == DumpFormat.KDUMP_ZSTD ? new ZstdCompressor() : null;
        }

        int compress(byte[] page) {
            int n;
            if (deflater != null) {
                deflater.reset();
                deflater.setInput(page, 0, BLOCK);
                deflater.finish();
                n = deflater.deflate(buffer, 0, buffer.length);
                if (!deflater.finished()) {
                    return 0;
                }
            } else {
                n = zstd.compress(page, 0, BLOCK, buffer, 0, buffer.length);
            }
            return n < BLOCK ? n : 0;
        }

        byte[] buffer() {
            return buffer;
        }

        int flag() {
            return format == DumpFormat.KDUMP_ZSTD ? COMPRESSED_ZSTD : COMPRESSED_ZLIB;
        }

        @Override
        public void close() {
            if (deflater != null) {
                deflater.end();
            }
        }
    }
}
