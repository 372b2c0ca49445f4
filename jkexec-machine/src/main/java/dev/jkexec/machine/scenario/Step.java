package dev.jkexec.machine.scenario;

import dev.jkexec.image.ImageType;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One step of a {@link Scenario}. Every step may carry a {@code title} and narration ({@code say});
 * {@link #kind()} is the JSON key that names it.
 */
public sealed interface Step {
    String title();

    String say();

    String kind();

    /**
     * A kernel as steps name it: file, initrd or the busybox guest, command line, entry mode;
     * {@code dom0}: the busybox guest with Debian's kexec-tools and jkexec's dom0 shim, the kernel
     * itself as {@code /boot/vmlinuz} and its guest as {@code /boot/initrd}
     * ({@link dev.jkexec.machine.guest.Dom0Guest}); for a Multiboot kernel its boot modules
     * ({@code "FILE ARGS"}, files resolved like kernels); where the kernel's modules are.
     */
    record Kernel(Path kernel, Path initrd, boolean busybox, String append, int entry, boolean decompress, boolean dom0,
                  java.util.List<String> modules, Path modulesDir) {
        public Kernel(Path kernel, Path initrd, boolean busybox, String append, int entry, boolean decompress, boolean dom0) {
            this(kernel, initrd, busybox, append, entry, decompress, dom0, java.util.List.of(), null);
        }

        public Kernel {
            modules = modules == null ? java.util.List.of() : java.util.List.copyOf(modules);
        }
    }

    /** {@code boot}: load a default image and execute it (the machine's first boot, or any later one). */
    record Boot(String title, String say, Kernel kernel) implements Step {
        public String kind() {
            return "boot";
        }
    }

    /** {@code load}: load an image into the default or crash slot. */
    record Load(String title, String say, ImageType type, Kernel kernel) implements Step {
        public String kind() {
            return "load";
        }
    }

    /** {@code unload}: empty a slot. */
    record Unload(String title, String say, ImageType type) implements Step {
        public String kind() {
            return "unload";
        }
    }

    /** {@code exec}: execute the loaded image of {@code type} (crash: the crash path). */
    record Exec(String title, String say, ImageType type) implements Step {
        public String kind() {
            return "exec";
        }
    }

    /** {@code crash}: an operator's crash request. */
    record Crash(String title, String say) implements Step {
        public String kind() {
            return "crash";
        }
    }

    /** {@code panic}: make the guest panic itself ({@code echo c > /proc/sysrq-trigger} on its console). */
    record Panic(String title, String say) implements Step {
        public String kind() {
            return "panic";
        }
    }

    /**
     * {@code guest}: runs {@code command} in the guest's shell and waits for it to end with exit
     * status {@code status} within {@code timeout} (for example Debian's {@code kexec -l}, which
     * loads the next kernel through jkexec's hypercall).
     */
    record Guest(String title, String say, String command, int status, Duration timeout) implements Step {
        public String kind() {
            return "guest";
        }
    }

    /** {@code type}: type text into the serial console. */
    record Type(String title, String say, String text) implements Step {
        public String kind() {
            return "type";
        }
    }

    /**
     * {@code expect}: a console line matching the regex {@code line} (after variable substitution),
     * since the last action, within {@code timeout}.
     */
    record Expect(String title, String say, String line, Duration timeout) implements Step {
        public String kind() {
            return "expect";
        }
    }

    /** {@code expect-crash}: the crash path ended as {@code outcome} ({@code crash-kernel} or {@code dumped}). */
    record ExpectCrash(String title, String say, String outcome, Duration timeout) implements Step {
        public String kind() {
            return "expect-crash";
        }
    }

    /** {@code dump}: write a host-side core of the guest to {@code file}. */
    record Dump(String title, String say, Path file, String format, int level) implements Step {
        public String kind() {
            return "dump";
        }
    }
}
