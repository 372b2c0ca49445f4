package dev.jkexec.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import dev.jkexec.qemu.common.ExitReaper;
import dev.jkexec.qemu.common.MachineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Pure
class WorkDirectoryTest {
    @TempDir
    Path root;

    @Test
    void isPrivateNamedAfterThisJvmAndDeletedWithItsContents() throws Exception {
        WorkDirectory d = WorkDirectory.create(root);
        Path p = d.path();
        Files.writeString(d.resolve("file"), "x");
        Files.createDirectory(d.resolve("sub"));

        assertThat(p.getFileName().toString()).startsWith("jkexec-" + ProcessHandle.current().pid() + "-");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rwx------");
        assertThat(ExitReaper.isRegistered(p)).isTrue();

        d.close();
        d.close();

        assertThat(p).doesNotExist();
        assertThat(ExitReaper.isRegistered(p)).isFalse();
    }

    @Test
    void sweepsDirectoriesOfDeadJvmsOnly() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = Files.createDirectory(root.resolve("jkexec-" + gone.pid() + "-abc"));
        Files.writeString(stale.resolve("ram"), "leftover");
        Path live = Files.createDirectory(root.resolve("jkexec-" + ProcessHandle.current().pid() + "-def"));
        Path unrelated = Files.createDirectory(root.resolve("jkexec-notapid"));

        try (WorkDirectory d = WorkDirectory.create(root)) {
            assertThat(d.path()).exists();
        }

        assertThat(stale).doesNotExist();
        assertThat(live).exists();
        assertThat(unrelated).exists();
    }

    @Test
    void missingRootIsAnError() {
        assertThatThrownBy(() -> WorkDirectory.create(root.resolve("nope")))
                .isInstanceOf(MachineException.class)
                .hasMessage("temporary directory root " + root.resolve("nope") + " does not exist or is not a directory");
    }
}
