package dev.jkexec.image.initramfs;

import java.nio.file.Path;
import java.util.List;

/**
 * A small guest userland: a static busybox as {@code /bin/busybox}, a symlink per applet a test
 * guest needs, the console device nodes, the usual mount points, an {@code /init} script and any
 * extra files (kernel modules under {@code /lib/modules}, for example).
 *
 * <pre>{@code
 * byte[] initrd = BusyboxInitramfs.builder(GuestAssets.busybox())
 *         .init("mount -t proc proc /proc\necho hello\npoweroff -f\n")
 *         .module(pvpanicKo)
 *         .build(true);
 * }</pre>
 */
public final class BusyboxInitramfs {
    /** The applets linked into /bin. */
    public static final List<String> APPLETS = List.of("sh", "ash", "mount", "umount", "insmod", "rmmod", "lsmod",
            "modprobe", "cat", "echo", "printf", "poweroff", "reboot", "halt", "sleep", "stat", "dd", "ls", "mkdir",
            "mknod", "ln", "cp", "mv", "rm", "dmesg", "sync", "uname", "grep", "sed", "head", "tail", "wc", "hexdump",
            "od", "md5sum", "sha256sum", "true", "false", "test", "[", "tr", "cut", "date", "free", "ps", "kill", "setsid",
            "cttyhack");
    /** Directories every guest gets. */
    public static final List<String> DIRECTORIES = List.of("/bin", "/sbin", "/dev", "/proc", "/sys", "/tmp", "/etc",
            "/root", "/lib/modules", "/run");

    private BusyboxInitramfs() {
    }

    public static Builder builder(Path busybox) {
        return new Builder(busybox);
    }

    public static final class Builder {
        private final Initramfs fs = Initramfs.create();
        private String init = "exec sh\n";

        private Builder(Path busybox) {
            for (String d : DIRECTORIES) {
                fs.dir(d);
            }
            fs.file("/bin/busybox", 0755, busybox);
            for (String applet : APPLETS) {
                fs.symlink("/bin/" + applet, "busybox");
            }
            fs.consoleDevices();
        }

        /** The /init script; {@code #!/bin/sh} is prepended when it has no interpreter line. */
        public Builder init(String script) {
            init = script;
            return this;
        }

        public Builder file(String path, int mode, byte[] content) {
            fs.file(path, mode, content);
            return this;
        }

        public Builder file(String path, int mode, Path source) {
            fs.file(path, mode, source);
            return this;
        }

        /** A kernel module as {@code /lib/modules/<file name>}. */
        public Builder module(Path ko) {
            fs.file("/lib/modules/" + ko.getFileName(), 0644, ko);
            return this;
        }

        /** The archive as built so far plus /init. */
        public Initramfs initramfs() {
            String script = init.startsWith("#!") ? init : "#!/bin/sh\n" + init;
            return fs.copy().file("/init", 0755, script);
        }

        public byte[] build(boolean gzip) {
            return initramfs().build(gzip);
        }
    }
}
