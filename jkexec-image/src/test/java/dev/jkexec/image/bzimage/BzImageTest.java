package dev.jkexec.image.bzimage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.testing.BzImageBuilder;
import dev.jkexec.image.testing.Le;
import dev.jkexec.image.testing.Payloads;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Synthetic bzImages: where the parts lie, and every way the layout can be broken. */
@Pure
class BzImageTest {
    static final byte[] DATA = data(300_000);

    static byte[] data(int n) {
        byte[] b = new byte[n];
        Random r = new Random(42);
        for (int i = 0; i < n; i += 64) {
            // compressible but not trivial
            Arrays.fill(b, i, Math.min(n, i + 48), (byte) r.nextInt(4));
            b[Math.min(n - 1, i + 50)] = (byte) r.nextInt();
        }
        return b;
    }

    static BzImage parse(byte[] b) {
        return BzImage.parse(MemorySegment.ofArray(b));
    }

    static ImageFormatException failure(byte[] b) {
        try {
            parse(b);
        } catch (ImageFormatException e) {
            return e;
        }
        throw new AssertionError("parsed");
    }

    @Test
    void locatesPayloadAndVersionString() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.payload = Payloads.gzip(DATA);
        BzImage img = parse(b.build());
        assertThat(img.protectedModeOffset()).isEqualTo(5 * 512);
        assertThat(img.payloadOffset()).isEqualTo(5 * 512 + 0x200);
        assertThat(img.payloadLength()).isEqualTo(b.payload.length);
        assertThat(img.compression()).isEqualTo(Compression.GZIP);
        assertThat(img.claimedSize()).isEqualTo(DATA.length);
        assertThat(img.kernelVersion()).isEqualTo("6.1.0-test (jkexec@test) #1");
        assertThat(img.protectedModeCode().byteSize()).isEqualTo(0x200 + b.payload.length + 0x60);
        assertThat(img.decompress()).isEqualTo(DATA);
    }

    @Test
    void noKernelVersionPointer() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.kernelVersion = null;
        assertThat(parse(b.build()).kernelVersion()).isNull();
    }

    @Test
    void oldProtocolHasNoPayload() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.version = 0x206;
        BzImage img = parse(b.build());
        assertThat(img.compression()).isNull();
        assertThatThrownBy(img::decompress).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("has no payload fields");
    }

    @Test
    void setupSectsBeyondEof() {
        byte[] img = BzImageBuilder.modern().build();
        img[0x1F1] = (byte) 200;
        ImageFormatException e = failure(img);
        assertThat(e.field()).isEqualTo("setup_header.setup_sects");
        assertThat(e.value()).isEqualTo("0xc8");
    }

    @Test
    void kernelVersionOutsideTheSetup() {
        byte[] img = BzImageBuilder.modern().build();
        Le.u16(img, 0x20E, 0xFF00);
        ImageFormatException e = failure(img);
        assertThat(e.field()).isEqualTo("setup_header.kernel_version");
        assertThat(e.value()).isEqualTo("0xff00");
    }

    @Test
    void kernelVersionWithoutNul() {
        byte[] img = BzImageBuilder.modern().build();
        Arrays.fill(img, 0x300, 5 * 512, (byte) 'A');
        assertThat(failure(img)).hasMessageContaining("setup_header.kernel_version: no NUL terminator");
    }

    @Test
    void payloadOffsetBeyondEof() {
        byte[] img = BzImageBuilder.modern().build();
        Le.u32(img, 0x248, 0x7FFF_0000L);
        ImageFormatException e = failure(img);
        assertThat(e.field()).isEqualTo("setup_header.payload_offset");
        assertThat(e.value()).isEqualTo("0x7fff0000");
    }

    @Test
    void payloadLengthPastEof() {
        byte[] img = BzImageBuilder.modern().build();
        Le.u32(img, 0x24C, Le.getU32(img, 0x24C) + 0x61);
        assertThat(failure(img).field()).isEqualTo("setup_header.payload_length");
    }

    @Test
    void payloadOffsetAndLengthOverflowingTogether() {
        byte[] img = BzImageBuilder.modern().build();
        Le.u32(img, 0x248, 0x10);
        Le.u32(img, 0x24C, 0xFFFF_FFFFL);
        ImageFormatException e = failure(img);
        assertThat(e.field()).isEqualTo("setup_header.payload_length");
        assertThat(e.value()).isEqualTo("0xffffffff");
    }

    @Test
    void unknownCompressionMagic() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.payload = Payloads.withTrailer(new byte[] {'J', 'U', 'N', 'K', 1, 2, 3, 4}, 100);
        ImageFormatException e = failure(b.build());
        assertThat(e.field()).isEqualTo("payload.magic");
        assertThat(e.value()).isEqualTo("4a 55 4e 4b 01 02 03 04");
    }

    @Test
    void payloadTooShortForTheTrailer() {
        byte[] img = BzImageBuilder.modern().build();
        Le.u32(img, 0x24C, 3);
        assertThat(failure(img).field()).isEqualTo("payload.length");
    }

    @Test
    void kernelInfoWithWrongMagic() {
        byte[] img = BzImageBuilder.modern().build();
        Le.u32(img, 0x268, 0x10);
        ImageFormatException e = failure(img);
        assertThat(e.field()).isEqualTo("kernel_info.header");
    }

    @Test
    void kernelInfoIsRead() {
        byte[] img = BzImageBuilder.modern().build();
        int pm = 5 * 512;
        Le.u32(img, pm + 0x10, KernelInfo.MAGIC);
        Le.u32(img, pm + 0x14, 0x18);
        Le.u32(img, pm + 0x18, 0x18);
        Le.u32(img, pm + 0x1C, 0x8000000A);
        Le.u32(img, 0x268, 0x10);
        KernelInfo info = parse(img).kernelInfo();
        assertThat(info).isEqualTo(new KernelInfo(pm + 0x10, 0x18, 0x18, 0x8000000AL));
    }

    /** Cuts a valid image at each boundary a parser crosses; every cut is a named error. */
    @Test
    void truncatedAtEveryBoundary() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.payload = Payloads.gzip(DATA);
        byte[] img = b.build();
        int pm = 5 * 512;
        int payloadAt = pm + 0x200;
        record Cut(int length, String field) {
        }
        for (Cut c : new Cut[] {
            new Cut(0x1F0, "bzimage.length"),
            new Cut(0x202, "bzimage.length"),
            new Cut(0x250, "bzimage.length"),
            new Cut(pm, "setup_header.setup_sects"),
            new Cut(pm + 0x100, "setup_header.payload_offset"),
            new Cut(payloadAt + 10, "setup_header.payload_length"),
            new Cut(payloadAt + b.payload.length - 1, "setup_header.payload_length"),
        }) {
            ImageFormatException e = failure(Arrays.copyOf(img, c.length()));
            assertThat(e.field()).as("cut at 0x%x", c.length()).isEqualTo(c.field());
        }
        // Cutting the tail after the payload loses nothing the parser needs.
        assertThat(parse(Arrays.copyOf(img, payloadAt + b.payload.length)).decompress()).isEqualTo(DATA);
    }
}
