package dev.jkexec.qemu.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QemuCommandLineTest {
    static final QemuCommandLine BASE = QemuCommandLine.of(Path.of("qemu-system-x86_64"), Accel.TCG, 68L << 20, 2,
            Path.of("/dev/shm/d/ram"), Path.of("/dev/shm/d/firmware.rom"), Path.of("/dev/shm/d/qmp.sock"),
            Path.of("/dev/shm/d/serial.sock"));

    @Test
    void rendersTheMachine() {
        assertThat(BASE.arguments()).containsExactly(
                "-machine", "pc,memory-backend=ram",
                "-accel", "tcg",
                "-m", "68M",
                "-smp", "2",
                "-object", "memory-backend-file,id=ram,size=68M,mem-path=/dev/shm/d/ram,share=on",
                "-bios", "/dev/shm/d/firmware.rom",
                "-nodefaults", "-no-user-config", "-display", "none", "-S",
                "-chardev", "socket,id=qmp,path=/dev/shm/d/qmp.sock,server=on,wait=off", "-mon", "chardev=qmp,mode=control",
                "-chardev", "socket,id=ser0,path=/dev/shm/d/serial.sock,server=on,wait=off", "-serial", "chardev:ser0");
    }

    @Test
    void addsPvpanicGdbAndExtras() {
        List<String> a = BASE.withPvpanic(true).withGdbSocket(Optional.of(Path.of("/x/gdb.sock")))
                .withExtraArgs(List.of("-d", "int")).arguments();

        assertThat(a).containsSequence("-device", "pvpanic-pci", "-action", "panic=pause")
                .containsSequence("-chardev", "socket,id=gdb,path=/x/gdb.sock,server=on,wait=off", "-gdb", "chardev:gdb")
                .endsWith("-d", "int");
    }

    @Test
    void escapesCommasInPaths() {
        QemuCommandLine c = QemuCommandLine.of(Path.of("q"), Accel.KVM, 64L << 20, 1, Path.of("/a,b/ram"),
                Path.of("/a,b/rom"), Path.of("/a,b/q"), Path.of("/a,b/s"));

        assertThat(c.arguments()).contains("memory-backend-file,id=ram,size=64M,mem-path=/a,,b/ram,share=on",
                "socket,id=qmp,path=/a,,b/q,server=on,wait=off", "kvm");
    }

    @Test
    void rejectsMemoryThatIsNotWholeMebibytes() {
        assertThatThrownBy(() -> QemuCommandLine.of(Path.of("q"), Accel.TCG, (64L << 20) + 4096, 1, Path.of("r"),
                Path.of("b"), Path.of("q"), Path.of("s"))).isInstanceOf(IllegalArgumentException.class);
    }
}
