package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsTestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@NeedsTestData
class PlanCommandTest {
    static final String GENERIC = GuestAssets.genericKernel().toString();

    @Test
    void defaultImageOnA1GiBMachine() {
        Cli r = Cli.run("plan", "--kernel", GENERIC, "--ram", "1G", "--append", "console=ttyS0,115200");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("Loaded 64bit kernel at 0x3c000000, entry 0x3c000200",
                "Command line: console=ttyS0,115200",
                "segment[0].what  = kernel", "segment[0].bufsz = 0x7d87c0", "segment[0].mem   = 0x3c000000",
                "segment[0].memsz = 0x3f98000", "segment[1].what  = purgatory", "segment[1].mem   = 0x3fffc000",
                "kexec_load: entry = 0x3fffc000 arch = EM_X86_64 type = default",
                "0000000000100000-000000003fffffff (1)", "cmd_line_ptr       bp+0x228 = 0x3ffff000",
                "type_of_loader     bp+0x210 = 0xd0");
    }

    /**
     * {@code plan --type crash} asks the same get_range questions as {@code run}'s toolstack asks
     * its core, so its ELF core header is the one {@code run} loads: one note per vCPU, jkexec's
     * VMCOREINFO page (filled at crash time), the guest's RAM with the mailbox page.
     */
    @Test
    void crashPlanShowsTheEnvironmentRunLoads() {
        MachineLayout layout = new MachineLayout(64L << 20, 32L << 20, 2L << 20, 2);
        dev.jkexec.core.kexec.Kexec core = new dev.jkexec.core.kexec.Kexec(layout.kexecConfig(),
                dev.jkexec.platform.PhysicalMemory.ofHeap(layout.totalRam()));
        assertThat(dev.jkexec.machine.Toolstack.machineFree(layout).crashEnvironment())
                .isEqualTo(dev.jkexec.machine.Toolstack.crashEnvironment(core::getRange, dev.jkexec.machine.Toolstack.oldRam(layout)));
        Cli r = Cli.run("plan", "--kernel", GuestAssets.cloudKernel().toString(), "--ram", "512M", "--type", "crash");
        assertThat(r.status()).as(r.err()).isZero();
        MachineLayout big = MachineLayout.defaults().withGuestRam(512L << 20);
        assertThat(r.out()).contains(String.format("Elf header: p_type = 4, p_offset = 0x%x p_paddr = 0x%x p_vaddr = 0x0 p_filesz = 0x1000",
                big.vmcoreinfo(), big.vmcoreinfo()));
        assertThat(r.out()).contains("rewritten by the machine at crash time");
    }

    @Test
    void crashImageUsesTheMachinesCrashRegion(@TempDir Path dir) throws IOException {
        Path initrd = dir.resolve("initrd");
        Files.write(initrd, new byte[123_456]);
        Cli r = Cli.run("plan", "--kernel", GuestAssets.cloudKernel().toString(), "--initrd", initrd.toString(), "--ram", "512M",
                "--type", "crash", "--cpus", "2", "--json");
        assertThat(r.status()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        MachineLayout layout = MachineLayout.defaults().withGuestRam(512L << 20).withCpus(2);
        long base = layout.crashBase();
        long end = base + layout.crashSize();
        assertThat(j.get("type").asText()).isEqualTo("crash");
        assertThat(j.get("entry").asLong()).isBetween(base, end - 1);
        for (JsonNode s : j.get("segments")) {
            assertThat(s.get("mem").asLong()).isBetween(base, end - 1);
            assertThat(s.get("mem").asLong() + s.get("memsz").asLong()).isLessThanOrEqualTo(end);
        }
        assertThat(j.get("command_line").asText()).startsWith("elfcorehdr=0x" + Long.toHexString(j.get("elfcorehdr").asLong()));
        assertThat(j.at("/purgatory/backup_size").asLong()).isEqualTo(0xA0000);
        assertThat(j.at("/purgatory/backup_destination").asLong()).isEqualTo(j.get("backup").asLong());
        assertThat(j.get("initrd_size").asLong()).isEqualTo(123_456);
        // the crash e820: old guest RAM reserved, the crash region RAM
        boolean crashRam = false;
        for (JsonNode e : j.get("e820")) {
            if (e.get("start").asLong() == base) {
                crashRam = e.get("type").asInt() == 1;
            }
            if (e.get("start").asLong() <= 0x100000 && e.get("end").asLong() >= 0x100000) {
                assertThat(e.get("type").asInt()).isEqualTo(2);
            }
        }
        assertThat(crashRam).isTrue();
    }

    @Test
    void thirtyTwoBitEntry() {
        Cli r = Cli.run("plan", "--kernel", GENERIC, "--entry", "32", "--ram", "0x40000000");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("arch = EM_386", "Loaded 32bit kernel at 0x1000000, entry 0x1000000", "loadflags          bp+0x211 = 0x1");
    }

    @Test
    void usageErrors() {
        Cli badSize = Cli.run("plan", "--kernel", GENERIC, "--ram", "1X");
        assertThat(badSize.status()).isEqualTo(2);
        assertThat(badSize.err()).contains("'1X' is not a size");
        Cli unaligned = Cli.run("plan", "--kernel", GENERIC, "--ram", "1001M");
        assertThat(unaligned.status()).isEqualTo(2);
        assertThat(unaligned.err()).isEqualTo("jkexec: Invalid value for option '--ram': '1001M' (1049624576 bytes) is not a multiple of"
                + " 2 MiB, the layout's unit (see 'jkexec plan --help')\n");
        Cli badType = Cli.run("plan", "--kernel", GENERIC, "--type", "warm");
        assertThat(badType.status()).isEqualTo(2);
        assertThat(badType.err()).contains("--type: 'warm' is neither default nor crash");
        assertThat(Cli.run("plan", "--kernel", GENERIC, "--entry", "8").err()).contains("--entry: 8 is none of 64 (long mode), 32 (protected mode), 16 (real mode)");
        assertThat(Cli.run("plan").status()).isEqualTo(2);
    }

    @Test
    void tooLongCommandLine() {
        Cli r = Cli.run("plan", "--kernel", GENERIC, "--append", "x".repeat(2048));
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("jkexec: setup_header.cmdline_size: command line of 2048 bytes exceeds the kernel's "
                + "cmdline_size of 2047 bytes (NUL excluded)\n");
    }

    @Test
    void tooLittleRam() {
        Cli r = Cli.run("plan", "--kernel", GENERIC, "--ram", "64M");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).startsWith("jkexec: kernel: no room for 0x3f98000 bytes");
    }
}
