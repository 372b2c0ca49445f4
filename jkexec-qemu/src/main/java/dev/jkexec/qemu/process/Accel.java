package dev.jkexec.qemu.process;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * QEMU's accelerator, and the rule that picks one.
 *
 * <p>KVM only when it is real hardware virtualization: {@code /dev/kvm} opens read-write <em>and</em>
 * the {@code kvm_intel} or {@code kvm_amd} module is loaded. Some hosts (this project's included)
 * have a {@code /dev/kvm} backed by a software implementation ({@code kvm_pvm}) that cannot run stock
 * kernels at a usable speed; there TCG is the right choice. An explicit choice always wins; forcing
 * KVM where {@code /dev/kvm} cannot be opened fails with {@link AccelUnavailableException} instead of
 * letting QEMU fail later with a vaguer message.
 */
public enum Accel {
    TCG, KVM;

    static final Path DEV_KVM = Path.of("/dev/kvm");
    static final Path KVM_INTEL = Path.of("/sys/module/kvm_intel");
    static final Path KVM_AMD = Path.of("/sys/module/kvm_amd");
    static final Path KVM_PVM = Path.of("/sys/module/kvm_pvm");

    /** The name QEMU's {@code -accel} takes. */
    public String qemuName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code tcg} or {@code kvm} (any case), as given to {@code --accel}. */
    public static Accel parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tcg" -> TCG;
            case "kvm" -> KVM;
            default -> throw new IllegalArgumentException("unknown accelerator '" + name + "' (expected tcg or kvm)");
        };
    }

    /** Decides for this host. */
    public static AccelChoice choose(Optional<Accel> override) {
        return choose(override, HostView.real());
    }

    /** Decides for {@code host}. */
    public static AccelChoice choose(Optional<Accel> override, HostView host) {
        String hardware = host.exists(KVM_INTEL) ? "kvm_intel" : host.exists(KVM_AMD) ? "kvm_amd" : null;
        boolean devKvmUsable = host.canOpenReadWrite(DEV_KVM);
        if (override.isPresent() && override.get() == TCG) {
            return new AccelChoice(TCG, "TCG: forced by --accel tcg");
        }
        if (override.isPresent()) {
            if (!devKvmUsable) {
                throw new AccelUnavailableException("--accel kvm: " + (host.exists(DEV_KVM)
                        ? DEV_KVM + " cannot be opened read-write by this user"
                        : "there is no " + DEV_KVM));
            }
            return new AccelChoice(KVM, "KVM: forced by --accel kvm"
                    + (hardware == null ? " (no kvm_intel or kvm_amd module: not hardware virtualization)" : " (" + hardware + ")"));
        }
        if (!host.exists(DEV_KVM)) {
            return new AccelChoice(TCG, "TCG: there is no " + DEV_KVM);
        }
        if (!devKvmUsable) {
            return new AccelChoice(TCG, "TCG: " + DEV_KVM + " cannot be opened read-write by this user");
        }
        if (hardware == null) {
            return new AccelChoice(TCG, "TCG: " + DEV_KVM + " is usable but neither kvm_intel nor kvm_amd is loaded"
                    + (host.exists(KVM_PVM) ? " (kvm_pvm: software virtualization, too slow for stock kernels)" : "")
                    + "; --accel kvm forces it");
        }
        return new AccelChoice(KVM, "KVM: " + DEV_KVM + " is usable and " + hardware + " is loaded");
    }
}
