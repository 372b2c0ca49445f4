package dev.jkexec.image.initramfs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.RealKernels;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsTestData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.compress.archivers.cpio.CpioConstants;
import org.junit.jupiter.api.Test;

/** A guest initramfs from the real static busybox and pvpanic modules. */
@NeedsTestData
class BusyboxInitramfsTest {
    @Test
    void guestWithInitAndModules() {
        Path[] modules = GuestAssets.pvpanicModules(GuestAssets.cloudKernel());
        byte[] archive = BusyboxInitramfs.builder(GuestAssets.busybox())
                .init("mount -t proc proc /proc\ninsmod /lib/modules/pvpanic.ko\necho ready\n")
                .module(modules[0]).module(modules[1])
                .file("/etc/hostname", 0644, "guest\n".getBytes(StandardCharsets.US_ASCII))
                .build(true);
        Map<String, CpioReader.Member> m = CpioReader.read(archive, true);
        CpioReader.Member busybox = m.get("bin/busybox");
        assertThat(busybox.data()).isEqualTo(RealKernels.read(GuestAssets.busybox()));
        assertThat(busybox.entry().getMode()).isEqualTo(CpioConstants.C_ISREG | 0755);
        assertThat(busybox.data()).startsWith(0x7F, 'E', 'L', 'F');
        for (String applet : new String[] {"sh", "mount", "insmod", "cat", "echo", "poweroff", "reboot", "sleep", "stat", "dd"}) {
            assertThat(m.get("bin/" + applet).entry().isSymbolicLink()).as(applet).isTrue();
            assertThat(new String(m.get("bin/" + applet).data(), StandardCharsets.US_ASCII)).isEqualTo("busybox");
        }
        CpioReader.Member init = m.get("init");
        assertThat(init.entry().getMode()).isEqualTo(CpioConstants.C_ISREG | 0755);
        assertThat(new String(init.data(), StandardCharsets.US_ASCII))
                .isEqualTo("#!/bin/sh\nmount -t proc proc /proc\ninsmod /lib/modules/pvpanic.ko\necho ready\n");
        assertThat(m.get("lib/modules/pvpanic.ko").data()).isEqualTo(RealKernels.read(modules[0]));
        assertThat(m.get("lib/modules/pvpanic-pci.ko").data()).isEqualTo(RealKernels.read(modules[1]));
        assertThat(m.get("dev/console").entry().getRemoteDeviceMaj()).isEqualTo(5);
        assertThat(m.keySet()).contains("proc", "sys", "tmp", "dev", "etc/hostname");
        assertThat(m.keySet()).doesNotHaveDuplicates();
        // directories come before their contents
        assertThat(m.keySet().stream().toList().indexOf("lib")).isLessThan(m.keySet().stream().toList().indexOf("lib/modules/pvpanic.ko"));
    }

    @Test
    void scriptWithItsOwnInterpreterIsKept() {
        byte[] archive = BusyboxInitramfs.builder(GuestAssets.busybox()).init("#!/bin/busybox sh\necho hi\n").build(false);
        assertThat(new String(CpioReader.read(archive, false).get("init").data(), StandardCharsets.US_ASCII))
                .isEqualTo("#!/bin/busybox sh\necho hi\n");
    }
}
