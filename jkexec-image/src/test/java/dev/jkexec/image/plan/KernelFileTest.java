package dev.jkexec.image.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.UnsupportedImageException;
import dev.jkexec.image.bzimage.Compression;
import dev.jkexec.image.testing.BzImageBuilder;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.platform.testing.Pure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** Kernel files compressed whole, as users keep them: recognised by content, opened, bounded. */
@Pure
public class KernelFileTest {
    public static final byte[] KERNEL = BzImageBuilder.modern().build();

    public static byte[] compress(Compression c, byte[] data) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (OutputStream out = switch (c) {
                case GZIP -> new GZIPOutputStream(bytes);
                case XZ -> new XZOutputStream(bytes, new LZMA2Options(1));
                case ZSTD -> new com.github.luben.zstd.ZstdOutputStreamNoFinalizer(bytes).setLevel(3).setLong(27).setChecksum(true); // as the zstd CLI
                case BZIP2 -> new BZip2CompressorOutputStream(bytes);
                default -> throw new AssertionError(c);
            }) {
                out.write(data);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"GZIP", "XZ", "ZSTD", "BZIP2"})
    void compressedKernelFilesAreOpenedByContent(Compression c) {
        KernelFile f = KernelFile.open(MemorySegment.ofArray(compress(c, KERNEL)), 1L << 30);
        assertThat(f.compression()).isEqualTo(c);
        assertThat(f.contents().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(KERNEL);
        assertThat(KernelFormat.detect(f.contents())).isEqualTo(KernelFormat.BZIMAGE);
    }

    @Test
    void aKernelAsBuiltIsReturnedAsItIs() {
        MemorySegment raw = MemorySegment.ofArray(KERNEL);
        KernelFile f = KernelFile.open(raw, 1L << 30);
        assertThat(f.compression()).isNull();
        assertThat(f.contents()).isSameAs(raw);
        assertThat(f.describe()).isEmpty();
    }

    @Test
    void thePlannerLoadsAGzippedBzImage() {
        var plan = new KexecPlanner(p -> new byte[64]).plan(PlanRequest.builder(compress(Compression.GZIP, KERNEL), Maps.guest1G()).build());
        assertThat(plan.layout().kernel()).startsWith("gzip-compressed file, bzImage, protocol 2.15");
    }

    @Test
    void moreThanTheCapIsRefusedNamingTheCompression() {
        byte[] zeros = compress(Compression.XZ, new byte[4 << 20]);
        assertThatThrownBy(() -> KernelFile.open(MemorySegment.ofArray(zeros), 1 << 20))
                .isInstanceOf(ImageFormatException.class).hasMessageStartingWith("kernel.xz: the xz-compressed kernel file "
                        + "decompresses to more than 0x100000 bytes");
    }

    @Test
    void aCompressedFileInsideACompressedFileIsUnsupported() {
        byte[] twice = compress(Compression.GZIP, compress(Compression.XZ, KERNEL));
        assertThatThrownBy(() -> KernelFile.open(MemorySegment.ofArray(twice), 1L << 30))
                .isInstanceOf(UnsupportedImageException.class).hasMessageContaining("holds another xz-compressed file");
    }

    @Test
    void damagedAndTruncatedFilesAreDamage() {
        byte[] gz = compress(Compression.GZIP, KERNEL);
        byte[] cut = Arrays.copyOf(gz, gz.length / 2);
        assertThatThrownBy(() -> KernelFile.open(MemorySegment.ofArray(cut), 1L << 30))
                .isInstanceOf(ImageFormatException.class).isNotInstanceOf(UnsupportedImageException.class)
                .hasMessageStartingWith("kernel.gzip: damaged gzip data");
        byte[] zst = compress(Compression.ZSTD, KERNEL);
        for (int i = zst.length / 2; i < zst.length / 2 + 16; i++) {
            zst[i] ^= 0x55;
        }
        assertThatThrownBy(() -> KernelFile.open(MemorySegment.ofArray(zst), 1L << 30))
                .isInstanceOf(ImageFormatException.class).hasMessageStartingWith("kernel.zstd");
    }
}
