package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The {@code jkexec} launcher installs QEMU for exactly the subcommands that start a machine. */
@Pure
class LauncherTest {
    @Test
    void theCommandsThatNeedQemuAreRealAndComplete() throws IOException {
        Path launcher = Path.of(System.getProperty("jkexec.root", "..")).resolve("jkexec");
        Matcher m = Pattern.compile("(?m)^\\s*([a-z|-]+)\\) jkexec_ensure_qemu").matcher(Files.readString(launcher));
        assertThat(m.find()).as("the launcher's case for jkexec_ensure_qemu").isTrue();
        List<String> listed = List.of(m.group(1).split("\\|"));

        Map<String, CommandLine> subcommands = Main.commandLine(null).getSubcommands();
        assertThat(subcommands.keySet()).as("every listed command exists").containsAll(listed);
        // Machines are started by the commands with the machine options, and by the scenario runners.
        List<String> needQemu = subcommands.entrySet().stream()
                .filter(e -> e.getValue().getCommandSpec().mixins().values().stream()
                        .anyMatch(mixin -> mixin.userObject() instanceof MachineArgs))
                .map(Map.Entry::getKey).toList();
        assertThat(listed).containsAll(needQemu).contains("demo", "scenario");
    }
}
