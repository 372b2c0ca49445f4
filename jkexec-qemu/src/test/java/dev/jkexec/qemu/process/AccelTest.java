package dev.jkexec.qemu.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The accelerator decision against invented hosts, plus one check of this host's real answer. */
@Pure
class AccelTest {
    /** A host with the given paths present and the given paths openable read-write. */
    record FakeHost(Set<Path> present, Set<Path> openable) implements HostView {
        @Override
        public boolean exists(Path path) {
            return present.contains(path);
        }

        @Override
        public boolean canOpenReadWrite(Path path) {
            return openable.contains(path);
        }
    }

    static final FakeHost INTEL = new FakeHost(Set.of(Accel.DEV_KVM, Accel.KVM_INTEL), Set.of(Accel.DEV_KVM));
    static final FakeHost AMD = new FakeHost(Set.of(Accel.DEV_KVM, Accel.KVM_AMD), Set.of(Accel.DEV_KVM));
    static final FakeHost PVM = new FakeHost(Set.of(Accel.DEV_KVM, Accel.KVM_PVM), Set.of(Accel.DEV_KVM));
    static final FakeHost NO_KVM = new FakeHost(Set.of(), Set.of());
    static final FakeHost LOCKED = new FakeHost(Set.of(Accel.DEV_KVM, Accel.KVM_INTEL), Set.of());

    @Test
    void hardwareKvmIsUsed() {
        assertThat(Accel.choose(Optional.empty(), INTEL))
                .isEqualTo(new AccelChoice(Accel.KVM, "KVM: /dev/kvm is usable and kvm_intel is loaded"));
        assertThat(Accel.choose(Optional.empty(), AMD).accel()).isEqualTo(Accel.KVM);
    }

    @Test
    void softwareKvmFallsBackToTcg() {
        AccelChoice c = Accel.choose(Optional.empty(), PVM);

        assertThat(c.accel()).isEqualTo(Accel.TCG);
        assertThat(c.reason()).isEqualTo("TCG: /dev/kvm is usable but neither kvm_intel nor kvm_amd is loaded"
                + " (kvm_pvm: software virtualization, too slow for stock kernels); --accel kvm forces it");
    }

    @Test
    void noOrLockedDevKvmMeansTcg() {
        assertThat(Accel.choose(Optional.empty(), NO_KVM)).isEqualTo(new AccelChoice(Accel.TCG, "TCG: there is no /dev/kvm"));
        assertThat(Accel.choose(Optional.empty(), LOCKED))
                .isEqualTo(new AccelChoice(Accel.TCG, "TCG: /dev/kvm cannot be opened read-write by this user"));
    }

    @Test
    void forcedTcgWinsOverHardware() {
        assertThat(Accel.choose(Optional.of(Accel.TCG), INTEL)).isEqualTo(new AccelChoice(Accel.TCG, "TCG: forced by --accel tcg"));
    }

    @Test
    void forcedKvmWinsOverTheModuleRule() {
        AccelChoice c = Accel.choose(Optional.of(Accel.KVM), PVM);

        assertThat(c.accel()).isEqualTo(Accel.KVM);
        assertThat(c.reason()).contains("forced by --accel kvm").contains("not hardware virtualization");
    }

    @Test
    void forcedKvmWithoutDevKvmIsAClearError() {
        assertThatThrownBy(() -> Accel.choose(Optional.of(Accel.KVM), NO_KVM))
                .isInstanceOf(AccelUnavailableException.class)
                .hasMessage("--accel kvm: there is no /dev/kvm");
        assertThatThrownBy(() -> Accel.choose(Optional.of(Accel.KVM), LOCKED))
                .isInstanceOf(AccelUnavailableException.class)
                .hasMessage("--accel kvm: /dev/kvm cannot be opened read-write by this user");
    }

    @Test
    void parsesTheOptionValue() {
        assertThat(Accel.parse("KVM")).isEqualTo(Accel.KVM);
        assertThat(Accel.parse("tcg")).isEqualTo(Accel.TCG);
        assertThatThrownBy(() -> Accel.parse("hvf")).hasMessage("unknown accelerator 'hvf' (expected tcg or kvm)");
    }

    /** This project's hosts have a software /dev/kvm (kvm_pvm) or none: the real detection must pick TCG. */
    @Test
    void thisHostRunsTcg() {
        AccelChoice c = Accel.choose(Optional.empty());

        assertThat(c.accel()).as(c.reason()).isEqualTo(Accel.TCG);
        assertThat(c.reason()).startsWith("TCG: ");
    }
}
