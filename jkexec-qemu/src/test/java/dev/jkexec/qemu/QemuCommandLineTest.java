package dev.jkexec.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import dev.jkexec.qemu.process.Accel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@Pure
class QemuCommandLineTest {
    static final byte[] ROM = new byte[64 << 10];
    static final QemuConfig CONFIG = QemuConfig.builder().qemuBinary(Path.of("qemu-system-x86_64")).build(68L << 20, 2, ROM);
    static final QemuCommandLine BASE = new QemuCommandLine(CONFIG, Accel.TCG,
            Path.of("/dev/shm/d/ram"), Path.of("/dev/shm/d/firmware.rom"), Path.of("/dev/shm/d/qmp.sock"),
            Path.of("/dev/shm/d/serial.sock"), Optional.empty(), Optional.empty());

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
        QemuConfig config = QemuConfig.builder().pvpanic(true).extraArgs(List.of("-d", "int")).build(68L << 20, 2, ROM);
        List<String> a = new QemuCommandLine(config, Accel.TCG, BASE.ramFile(), BASE.rom(), BASE.qmpSocket(),
                BASE.serialSocket(), Optional.of(Path.of("/x/gdb.sock")), Optional.empty()).arguments();

        assertThat(a).containsSequence("-device", "pvpanic-pci", "-action", "panic=pause")
                .containsSequence("-chardev", "socket,id=gdb,path=/x/gdb.sock,server=on,wait=off", "-gdb", "chardev:gdb")
                .endsWith("-d", "int");
    }

    @Test
    void escapesCommasInPaths() {
        QemuCommandLine c = new QemuCommandLine(QemuConfig.builder().qemuBinary(Path.of("q")).doorbell(true).build(64L << 20, 1, ROM),
                Accel.KVM, Path.of("/a,b/ram"), Path.of("/a,b/rom"), Path.of("/a,b/q"), Path.of("/a,b/s"), Optional.empty(),
                Optional.of(Path.of("/a,b/d")));

        assertThat(c.arguments()).contains("memory-backend-file,id=ram,size=64M,mem-path=/a,,b/ram,share=on",
                "socket,id=qmp,path=/a,,b/q,server=on,wait=off", "socket,id=ser1,path=/a,,b/d,server=on,wait=off", "kvm");
    }

    @Test
    void theDoorbellIsTheSecondSerialPort() {
        QemuConfig config = QemuConfig.builder().doorbell(true).pvpanic(true).build(68L << 20, 2, ROM);
        List<String> a = new QemuCommandLine(config, Accel.TCG, BASE.ramFile(), BASE.rom(), BASE.qmpSocket(),
                BASE.serialSocket(), Optional.empty(), Optional.of(Path.of("/dev/shm/d/doorbell.sock"))).arguments();

        // QEMU numbers -serial devices in order: the doorbell's is the one right after the console's.
        assertThat(a.stream().filter(x -> x.equals("-serial")).count()).isEqualTo(QemuCommandLine.DOORBELL_SERIAL_INDEX + 1);
        assertThat(a).containsSequence(
                "-chardev", "socket,id=ser0,path=/dev/shm/d/serial.sock,server=on,wait=off", "-serial", "chardev:ser0",
                "-chardev", "socket,id=ser1,path=/dev/shm/d/doorbell.sock,server=on,wait=off", "-serial", "chardev:ser1");
    }

    @Test
    void rejectsMemoryThatIsNotWholeMebibytes() {
        // The config is what QEMU's -m is rendered from; it refuses the value before any command line exists.
        assertThatThrownBy(() -> QemuConfig.builder().build((64L << 20) + 4096, 1, ROM))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSplitMachineNamesItsRamBelow4GibAndMapsTheOneFile() {
        QemuConfig config = QemuConfig.builder().build(16998L << 20, 3L << 30, 1, ROM);
        List<String> a = new QemuCommandLine(config, Accel.TCG, Path.of("/dev/shm/d/ram"), Path.of("/dev/shm/d/firmware.rom"),
                Path.of("/dev/shm/d/qmp.sock"), Path.of("/dev/shm/d/serial.sock"), java.util.Optional.empty(),
                java.util.Optional.empty()).arguments();
        assertThat(a).containsSequence("-machine", "pc,memory-backend=ram,max-ram-below-4g=3072M")
                .containsSequence("-m", "16998M")
                .contains("memory-backend-file,id=ram,size=16998M,mem-path=/dev/shm/d/ram,share=on");
        assertThatThrownBy(() -> QemuConfig.builder().build(2L << 30, 3L << 30, 1, ROM)).hasMessageContaining("max-ram-below-4g");
        assertThatThrownBy(() -> QemuConfig.builder().build(8L << 30, 0xF000_0000L, 1, ROM)).hasMessageContaining("max-ram-below-4g");
    }
}
