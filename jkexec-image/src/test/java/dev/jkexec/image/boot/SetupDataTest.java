package dev.jkexec.image.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import org.junit.jupiter.api.Test;

@Pure
class SetupDataTest {
    @Test
    void nodeRoundTrip() {
        SetupData node = new SetupData(SetupData.SETUP_E820_EXT, new byte[] {1, 2, 3, 4, 5});
        byte[] page = new byte[64];
        node.writeTo(page, 8, 0xDEAD_B000L);
        assertThat(SetupData.nextOf(page, 8)).isEqualTo(0xDEAD_B000L);
        SetupData back = SetupData.readFrom(page, 8);
        assertThat(back.type()).isEqualTo(1);
        assertThat(back.data()).containsExactly(1, 2, 3, 4, 5);
        assertThat(node.size()).isEqualTo(21);
        assertThat(page[8 + 12]).isEqualTo((byte) 5); // len
    }
}
