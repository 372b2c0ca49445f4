package dev.jkexec.image.boot;

import static dev.jkexec.image.boot.ZeroPageBuilderTest.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.RealKernels;
import dev.jkexec.platform.testing.NeedsTestData;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The zero page builder on a real kernel's header (test data). */
@NeedsTestData
class ZeroPageBuilderRealKernelTest {
    @Test
    void copiesOnlyTheHeaderAndKeepsTheSentinelZero() {
        byte[] kernel = RealKernels.generic().clone();
        kernel[0x1EF] = (byte) 0xFF; // as in real images: the byte before the header is not zero
        byte[] page = ZeroPageBuilder.fromHeader(header(kernel)).build();
        assertThat(page).hasSize(4096);
        assertThat(ZeroPage.view(page).sentinel()).isZero();
        assertThat(Arrays.copyOfRange(page, 0x1F1, 0x26C)).isEqualTo(Arrays.copyOfRange(kernel, 0x1F1, 0x26C));
        assertThat(Arrays.copyOfRange(page, 0, 0x1F1)).containsOnly(0);
        assertThat(Arrays.copyOfRange(page, 0x26C, 4096)).containsOnly(0);
    }
}
