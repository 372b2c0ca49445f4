package dev.jkexec.image.fuzz;

import dev.jkexec.image.RealKernels;
import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.image.elf.ProgramHeader;
import dev.jkexec.image.testing.BzImageBuilder;
import dev.jkexec.image.testing.ElfBuilder;
import dev.jkexec.image.testing.Payloads;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the seed corpora of jkexec-image's fuzz targets from the real test kernels (small
 * slices: the setup sectors, the vmlinux headers and notes, compressed slices of the vmlinux) and
 * from the synthetic builders. Run by {@code jkexec-bench/fuzz.sh --seeds}; the output is committed
 * under {@code src/test/resources/.../<Target>Inputs/<method>/seed-*}.
 *
 * <pre>java -cp TEST_CLASSPATH dev.jkexec.image.fuzz.ImageSeeds MODULE_DIR</pre>
 */
public final class ImageSeeds {
    private ImageSeeds() {
    }

    public static void main(String[] args) throws IOException {
        Path resources = Path.of(args[0], "src/test/resources/dev/jkexec/image");
        byte[] generic = RealKernels.generic();
        byte[] cloud = RealKernels.cloud();
        byte[] vmlinux = RealKernels.genericVmlinux();

        Map<String, byte[]> headers = new LinkedHashMap<>();
        headers.put("seed-real-generic-setup", setupSectors(generic));
        headers.put("seed-real-cloud-setup", setupSectors(cloud));
        for (int version : new int[] {0x200, 0x202, 0x206, 0x208, 0x20A, 0x20C, 0x20F}) {
            BzImageBuilder b = BzImageBuilder.modern();
            b.version = version;
            b.payload = Payloads.gzip(Arrays.copyOfRange(vmlinux, 0, 512));
            headers.put("seed-synthetic-" + Integer.toHexString(version), b.build());
        }
        write(resources.resolve("bzimage/BzImageFuzzTestInputs/bzImage"), headers);

        byte[] slice = Arrays.copyOfRange(vmlinux, 0x200000, 0x200000 + (4 << 10)); // kernel text
        Map<String, byte[]> payloads = new LinkedHashMap<>();
        payloads.put("seed-gzip", Payloads.gzip(slice));
        // Small dictionaries and blocks (the decoders allocate what the stream header asks for): the
        // fuzzer's typical input stays cheap; the real heads below keep the kernel's 32 MiB xz dictionary.
        payloads.put("seed-xz", small(out -> {
            try (var z = new org.tukaani.xz.XZOutputStream(out, new org.tukaani.xz.FilterOptions[] {
                    new org.tukaani.xz.X86Options(), dict64k()})) {
                z.write(slice);
            }
        }, slice.length));
        payloads.put("seed-lzma", small(out -> {
            try (var z = new org.tukaani.xz.LZMAOutputStream(out, dict64k(), -1)) {
                z.write(slice);
            }
        }, slice.length));
        payloads.put("seed-bzip2", small(out -> {
            try (var z = new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(out, 1)) {
                z.write(slice);
            }
        }, slice.length));
        payloads.put("seed-zstd", Payloads.zstd(slice));
        payloads.put("seed-lz4", Payloads.lz4Legacy(slice, 4096));
        payloads.put("seed-real-generic-xz-head", payloadHead(generic));
        payloads.put("seed-real-cloud-lz4-head", payloadHead(cloud));
        write(resources.resolve("bzimage/PayloadDecompressorFuzzTestInputs/payload"), payloads);

        Map<String, byte[]> elves = new LinkedHashMap<>();
        elves.put("seed-real-generic-vmlinux-headers", compactElf(vmlinux));
        elves.put("seed-real-cloud-vmlinux-headers", compactElf(RealKernels.cloudVmlinux()));
        elves.put("seed-synthetic-elf64", ElfBuilder.elf64().load(0xffffffff81000000L, 0x1000000, new byte[0x100], 0x3000)
                .note("GNU", 3, new byte[20]).note("Xen", 18, ElfBuilder.u32(0x1000850)).build());
        elves.put("seed-synthetic-elf32", ElfBuilder.elf32().load(0xc0100000L, 0x100000, new byte[0x80], 0x1000)
                .note("Linux", 0x100, "salt\0".getBytes()).build());
        write(resources.resolve("elf/ElfParserFuzzTestInputs/elf"), elves);

        Map<String, byte[]> multiboot = new LinkedHashMap<>();
        multiboot.put("seed-addresses", multiboot(0x40, 0x10003, 0x101000, 0x100000, 0x180000, 0x190000, 0x10100C));
        multiboot.put("seed-video", multiboot(0x1000, 0x7, 0, 0, 0, 0, 0, 0, 1024, 768, 32));
        multiboot.put("seed-plain", multiboot(0x1FF0, 0x3));
        write(resources.resolve("multiboot/MultibootHeaderFuzzTestInputs/multiboot"), multiboot);

        Map<String, byte[]> kernels = new LinkedHashMap<>(headers);
        kernels.putAll(elves);
        kernels.put("seed-multiboot", multiboot.get("seed-addresses"));
        write(resources.resolve("plan/KernelPlanFuzzTestInputs/plan"), kernels);
    }

    static org.tukaani.xz.LZMA2Options dict64k() {
        try {
            org.tukaani.xz.LZMA2Options o = new org.tukaani.xz.LZMA2Options(1);
            o.setDictSize(64 << 10);
            return o;
        } catch (org.tukaani.xz.UnsupportedOptionsException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] small(Payloads.Body body, int size) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            body.write(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Payloads.withTrailer(out.toByteArray(), size);
    }

    /** The real-mode setup of a real bzImage and the first 512 bytes after it: the setup header and what it points at. */
    static byte[] setupSectors(byte[] bz) {
        BzImage img = BzImage.parse(MemorySegment.ofArray(bz));
        return Arrays.copyOf(bz, Math.toIntExact(img.protectedModeOffset() + 512));
    }

    /** The first 8 KiB of a real kernel's payload, with a size trailer claiming 64 KiB (the real claim is beyond the fuzz cap). */
    static byte[] payloadHead(byte[] bz) {
        BzImage img = BzImage.parse(MemorySegment.ofArray(bz));
        byte[] head = Arrays.copyOfRange(bz, Math.toIntExact(img.payloadOffset()), Math.toIntExact(img.payloadOffset() + 8192));
        return Payloads.withTrailer(head, 64 << 10);
    }

    /**
     * A real vmlinux reduced to its ELF header, program headers and notes: each PT_LOAD keeps 256
     * bytes of its contents, each PT_NOTE all of its notes, laid out one after the other with the
     * offsets rewritten. Every other header field is the kernel's own.
     */
    static byte[] compactElf(byte[] vmlinux) {
        ElfFile elf = ElfParser.parse(MemorySegment.ofArray(vmlinux));
        int phoff = Math.toIntExact(elf.phoff());
        int table = elf.programHeaders().size() * 56;
        byte[] out = Arrays.copyOf(vmlinux, phoff + table);
        MemorySegment o;
        for (ProgramHeader ph : elf.programHeaders()) {
            long keep = ph.isNote() ? ph.filesz() : Math.min(ph.filesz(), 256);
            int at = out.length;
            out = Arrays.copyOf(out, Math.toIntExact(at + keep));
            System.arraycopy(vmlinux, Math.toIntExact(ph.offset()), out, at, Math.toIntExact(keep));
            o = MemorySegment.ofArray(out);
            long entry = phoff + ph.index() * 56L;
            ValueLayout.OfLong u64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            o.set(u64, entry + 8, keep == 0 ? 0 : at);
            o.set(u64, entry + 32, keep);
        }
        o = MemorySegment.ofArray(out);
        o.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 40, 0); // no section headers
        o.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 60, (short) 0);
        return out;
    }

    static byte[] multiboot(int at, long flags, long... fields) {
        byte[] b = new byte[at + 64];
        MemorySegment s = MemorySegment.ofArray(b);
        ValueLayout.OfInt u32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        s.set(u32, at, 0x1BADB002);
        s.set(u32, at + 4, (int) flags);
        s.set(u32, at + 8, (int) -(0x1BADB002L + flags));
        for (int i = 0; i < fields.length; i++) {
            s.set(u32, at + 12 + 4L * i, (int) fields[i]);
        }
        return b;
    }

    static void write(Path dir, Map<String, byte[]> seeds) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
        System.out.println(dir + ": " + seeds.size() + " seeds");
    }
}
