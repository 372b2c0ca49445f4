package dev.jkexec.machine;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.testing.Pure;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An image is loaded only on the machine whose memory map the toolstack planned it for. */
@Pure
class PlannedForTest {
    private static final MachineLayout LAYOUT = MachineLayout.defaults();

    private static KexecImage planned(MemoryMap map) {
        return new KexecImage(ImageType.DEFAULT, Arch.X86_64, 0x1000000, List.of(), map);
    }

    @Test
    void anImagePlannedForThisMachineOrForNoneIsAccepted() {
        assertThatCode(() -> Machine.checkPlannedFor(planned(LAYOUT.guestMemoryMap()), LAYOUT)).doesNotThrowAnyException();
        assertThatCode(() -> Machine.checkPlannedFor(planned(null), LAYOUT)).doesNotThrowAnyException();
    }

    @Test
    void anImagePlannedForAnotherMapIsRefusedByName() {
        MemoryMap smaller = LAYOUT.withGuestRam(512L << 20).guestMemoryMap();
        assertThatThrownBy(() -> Machine.checkPlannedFor(planned(smaller), LAYOUT))
                .isInstanceOfSatisfying(KexecException.class, e -> {
                    org.assertj.core.api.Assertions.assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    org.assertj.core.api.Assertions.assertThat(e.field()).isEqualTo("plannedFor");
                })
                .hasMessageContaining("511 MiB").hasMessageContaining("1023 MiB");
    }
}
