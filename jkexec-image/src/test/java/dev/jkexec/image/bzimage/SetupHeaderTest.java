package dev.jkexec.image.bzimage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ByteView;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.testing.BzImageBuilder;
import dev.jkexec.image.testing.Le;
import dev.jkexec.platform.testing.Pure;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

@Pure
class SetupHeaderTest {

    private static SetupHeader parse(byte[] b) {
        return SetupHeader.parse(ByteView.of(b, "bzImage"));
    }

    private static ImageFormatException failure(byte[] b) {
        try {
            parse(b);
        } catch (ImageFormatException e) {
            return e;
        }
        throw new AssertionError("parsed");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207, 0x208, 0x209, 0x20A, 0x20B, 0x20C, 0x20D, 0x20F})
    void reportsExactlyTheFieldsOfItsVersion(int version) {
        BzImageBuilder b = BzImageBuilder.modern();
        b.version = version;
        SetupHeader h = parse(b.build());
        List<SetupHeaderField> present = h.fields().stream().map(SetupHeader.Field::field).toList();
        for (SetupHeaderField f : SetupHeaderField.values()) {
            boolean expected = version >= f.since() && (f != SetupHeaderField.SETUP_MOVE_SIZE || version <= 0x201);
            assertThat(present.contains(f)).as(f + " in " + Integer.toHexString(version)).isEqualTo(expected);
            assertThat(h.has(f)).isEqualTo(expected);
        }
    }

    @Test
    void absentFieldsHaveProtocolDefaults() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.version = 0x202;
        SetupHeader h = parse(b.build());
        assertThat(h.initrdAddrMax()).isEqualTo(0x37FFFFFF);
        assertThat(h.cmdlineSize()).isEqualTo(255);
        assertThat(h.xloadFlags()).isZero();
        assertThat(h.relocatable()).isFalse();
        assertThat(h.prefAddress()).isEqualTo(0x100000);
        assertThat(h.initSize()).isZero();
        assertThatThrownBy(() -> h.get(SetupHeaderField.INIT_SIZE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void syssizeIsTwoBytesBefore204() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.version = 0x203;
        byte[] img = b.build();
        Le.u32(img, 0x1F4, 0xABCD1234L);
        assertThat(parse(img).get(SetupHeaderField.SYSSIZE)).isEqualTo(0x1234);
        b.version = 0x204;
        img = b.build();
        Le.u32(img, 0x1F4, 0xABCD1234L);
        assertThat(parse(img).get(SetupHeaderField.SYSSIZE)).isEqualTo(0xABCD1234L);
    }

    @Test
    void burntVersion214ReadsAs213() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.version = 0x20E;
        SetupHeader h = parse(b.build());
        assertThat(h.rawVersion()).isEqualTo(0x20E);
        assertThat(h.version()).isEqualTo(0x20D);
        assertThat(h.has(SetupHeaderField.KERNEL_INFO_OFFSET)).isFalse();
    }

    @Test
    void setupSectsZeroMeansFour() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.setupSects = 0;
        SetupHeader h = parse(b.build());
        assertThat(h.setupSects()).isEqualTo(4);
        assertThat(h.protectedModeOffset()).isEqualTo(5 * 512);
    }

    @Test
    void bytesAreTheHeaderOnly() {
        byte[] img = BzImageBuilder.modern().build();
        SetupHeader h = parse(img);
        assertThat(h.bytes()).isEqualTo(Arrays.copyOfRange(img, 0x1F1, 0x26C));
    }

    @Test
    void wrongBootFlag() {
        byte[] img = BzImageBuilder.modern().build();
        Le.u16(img, 0x1FE, 0x1234);
        ImageFormatException e = failure(img);
        assertThat(e.field()).isEqualTo("setup_header.boot_flag");
        assertThat(e.value()).isEqualTo("0x1234");
        assertThat(e).hasMessage("setup_header.boot_flag: actual 0x1234 != expected 0xaa55");
    }

    @Test
    void wrongHdrS() {
        byte[] img = BzImageBuilder.modern().build();
        img[0x205] = 'X';
        assertThat(failure(img).field()).isEqualTo("setup_header.header");
    }

    @Test
    void jumpMustBeAForwardShortJump() {
        byte[] img = BzImageBuilder.modern().build();
        img[0x200] = (byte) 0xE9;
        assertThat(failure(img)).hasMessageContaining("setup_header.jump: actual 0xe9 != expected 0xeb");
        img[0x200] = (byte) 0xEB;
        img[0x201] = (byte) 0xF0;
        assertThat(failure(img).field()).isEqualTo("setup_header.jump");
    }

    @Test
    void versionTooOld() {
        byte[] img = BzImageBuilder.modern().build();
        Le.u16(img, 0x206, 0x105);
        assertThat(failure(img).field()).isEqualTo("setup_header.version");
    }

    @Test
    void headerShorterThanItsVersionNeeds() {
        byte[] img = BzImageBuilder.modern().build();
        img[0x201] = 0x60; // ends at 0x262: pref_address fits, init_size does not
        ImageFormatException e = failure(img);
        assertThat(e.field()).isEqualTo("setup_header.init_size");
        assertThat(e).hasMessageContaining("but the header ends at 0x262");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 0x100, 0x1F1, 0x201, 0x207})
    void truncatedBeforeTheVersion(int length) {
        byte[] img = Arrays.copyOf(BzImageBuilder.modern().build(), length);
        ImageFormatException e = failure(img);
        assertThat(e.field()).isEqualTo("bzimage.length");
        assertThat(e).hasMessageContaining("shorter than the setup header");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x208, 0x230, 0x26B})
    void truncatedInsideTheHeader(int length) {
        byte[] img = Arrays.copyOf(BzImageBuilder.modern().build(), length);
        ImageFormatException e = failure(img);
        assertThat(e.field()).isEqualTo("bzimage.length");
        assertThat(e).hasMessageContaining("ends inside the setup header, which ends at 0x26c");
    }
}
