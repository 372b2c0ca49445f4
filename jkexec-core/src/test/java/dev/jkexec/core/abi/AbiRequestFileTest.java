package dev.jkexec.core.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.platform.testing.Pure;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Pure
class AbiRequestFileTest {
    @Test
    void header_fields_at_their_offsets() {
        AbiRequestFile f = new AbiRequestFile(4, 0x12000, 0x10000, new byte[] {1, 2, 3});
        ByteBuffer b = ByteBuffer.wrap(f.toBytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new String(f.toBytes(), 0, 8, StandardCharsets.US_ASCII)).isEqualTo("JKXABI01");
        assertThat(b.getInt(8)).isEqualTo(4);
        assertThat(b.getInt(12)).isZero();
        assertThat(b.getLong(16)).isEqualTo(0x12000);
        assertThat(b.getLong(24)).isEqualTo(0x10000);
        assertThat(b.getLong(32)).isEqualTo(3);
        assertThat(b.get(40)).isEqualTo((byte) 1);
        assertThat(b.capacity()).isEqualTo(43);
    }

    @Test
    void round_trip_through_a_file(@TempDir Path dir) throws Exception {
        AbiRequestFile f = AbiRequests.load(0x10000, 1, 62, 0x1000000,
                List.of(new AbiRequests.Segment(new byte[] {9, 8, 7}, 0x1000000, 0x1000), new AbiRequests.Segment(null, 0, 0x100000)));
        f.write(dir.resolve("r.bin"));
        assertThat(AbiRequestFile.read("request", dir.resolve("r.bin"))).isEqualTo(f);
        assertThat(f.guestMemory().base()).isEqualTo(0x10000);
        assertThat(f.guestMemory().readLong(0x10000 + XenKexecLoad.SEGMENTS)).isEqualTo(0x10100);
    }

    @Test
    void malformed_files_name_the_field() {
        byte[] good = AbiRequests.status(0x1000, 1).toBytes();
        assertThatThrownBy(() -> AbiRequestFile.parse(new byte[10])).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("header: 10 bytes");
        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        assertThatThrownBy(() -> AbiRequestFile.parse(badMagic)).hasMessageStartingWith("magic: ");
        byte[] reserved = good.clone();
        reserved[12] = 1;
        assertThatThrownBy(() -> AbiRequestFile.parse(reserved)).hasMessageStartingWith("reserved: actual 0x1");
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
        assertThatThrownBy(() -> AbiRequestFile.parse(truncated)).hasMessage("memorySize: actual 0x1 != expected 0x0");
        byte[] wraps = good.clone();
        ByteBuffer.wrap(wraps).order(ByteOrder.LITTLE_ENDIAN).putLong(24, -1L);
        assertThatThrownBy(() -> AbiRequestFile.parse(wraps)).hasMessageStartingWith("memoryBase: ");
    }
}
