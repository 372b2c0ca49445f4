package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@link RunSpec}, run's model built without annotations, is held to the model picocli reads from
 * {@link RunCommand}'s annotations (and its mixins' and {@link Main}'s): the same options, the same
 * usage text, and each option fills the same field.
 */
@Pure
class RunSpecTest {
    @TempDir
    Path dir;

    private static CommandSpec annotated() {
        return new CommandLine(new RunCommand()).getCommandSpec();
    }

    private static CommandSpec programmatic() {
        return new CommandLine(RunSpec.run(new RunCommand())).getCommandSpec();
    }

    @Test
    void every_option_is_declared_as_the_annotations_declare_it() {
        Map<String, OptionSpec> expected = byName(annotated());
        Map<String, OptionSpec> actual = byName(programmatic());
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, OptionSpec> e : expected.entrySet()) {
            OptionSpec want = e.getValue();
            OptionSpec got = actual.get(e.getKey());
            String n = e.getKey();
            assertThat(got.names()).as(n).containsExactly(want.names());
            assertThat(got.type()).as(n).isEqualTo(want.type());
            assertThat(got.auxiliaryTypes()).as(n).containsExactly(want.auxiliaryTypes());
            assertThat(got.arity()).as(n).isEqualTo(want.arity());
            assertThat(got.paramLabel()).as(n).isEqualTo(want.paramLabel());
            assertThat(got.description()).as(n).containsExactly(want.description());
            assertThat(got.descriptionKey()).as(n).isEqualTo(want.descriptionKey());
            assertThat(got.defaultValue()).as(n).isEqualTo(want.defaultValue());
            assertThat(got.initialValue()).as(n).isEqualTo(want.initialValue());
            assertThat(got.hasInitialValue()).as(n).isEqualTo(want.hasInitialValue());
            assertThat(got.hidden()).as(n).isEqualTo(want.hidden());
            assertThat(got.negatable()).as(n).isEqualTo(want.negatable());
            assertThat(got.required()).as(n).isEqualTo(want.required());
            assertThat(got.usageHelp()).as(n).isEqualTo(want.usageHelp());
            assertThat(got.versionHelp()).as(n).isEqualTo(want.versionHelp());
            assertThat(got.showDefaultValue()).as(n).isEqualTo(want.showDefaultValue());
            assertThat(got.splitRegex()).as(n).isEqualTo(want.splitRegex());
            assertThat(Arrays.stream(got.converters()).map(Object::getClass).toList()).as(n)
                    .isEqualTo(Arrays.stream(want.converters()).map(Object::getClass).toList());
        }
        assertThat(programmatic().positionalParameters()).isEqualTo(annotated().positionalParameters()).isEmpty();
    }

    @Test
    void usage_and_version_are_the_annotated_ones() {
        CommandLine expected = new CommandLine(new Main());
        expected.addSubcommand("run", new RunCommand());
        CommandLine actual = RunSpec.commandLine();
        assertThat(actual.getUsageMessage(CommandLine.Help.Ansi.OFF)).isEqualTo(expected.getUsageMessage(CommandLine.Help.Ansi.OFF));
        assertThat(sub(actual).getUsageMessage(CommandLine.Help.Ansi.OFF))
                .isEqualTo(sub(expected).getUsageMessage(CommandLine.Help.Ansi.OFF))
                .contains("Usage: jkexec run [-hV]", "--kernel=K", "--on-panic=crash-kernel|dump|both|pause");
        assertThat(actual.getCommandSpec().version()).containsExactly(expected.getCommandSpec().version());
        assertThat(sub(actual).getCommandSpec().qualifiedName()).isEqualTo("jkexec run");
    }

    @Test
    void each_option_fills_the_field_its_annotation_is_on() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        String d = dir.toString();
        String[] args = {"--ram", "2G", "--cpus", "2", "--crash-size", "128M", "--staging", "64M", "--accel", "tcg",
            "--console-log", dir.resolve("log").toString(), "--dump-dir", d, "--gdb",
            "--kernel", file.toString(), "--initrd", "i", "--busybox", "--append", "quiet", "--entry", "32", "--no-decompress",
            "--module", "a b", "--module", "c", "--modules-dir", d,
            "--dom0", "--crash-kernel", "K", "--crash-initrd", "I", "--crash-append", "S", "--crash-entry", "32",
            "--on-panic", "dump", "--dump-format", "kdump-zlib", "--exit-on", "X", "--timeout", "5", "--quiet", "--api", "s"};
        Map<String, Object> given = fields(parse(false, args));
        assertThat(fields(parse(true, args))).isEqualTo(given);
        assertThat(given).doesNotContainValue(null); // every field was given a value: none is left unbound
        assertThat(fields(parse(true))).isEqualTo(fields(parse(false))); // defaults and initial values
        // A second parse into the same model starts again from the initial values, as annotated fields do.
        CommandLine twice = new CommandLine(RunSpec.run(new RunCommand()));
        twice.parseArgs("--module", "a");
        twice.parseArgs("--module", "b");
        assertThat(((RunCommand) twice.getCommand()).kernel.modules).containsExactly("b");
    }

    @Test
    void kernel_usage_errors_are_runs() {
        CommandSpec spec = RunSpec.run(new RunCommand());
        assertThat(((RunCommand) spec.userObject()).kernel.mixee).isSameAs(spec);
        assertThat(((RunCommand) spec.userObject()).spec).isSameAs(spec);
    }

    private static RunCommand parse(boolean programmatic, String... args) {
        CommandLine cl = programmatic ? new CommandLine(RunSpec.run(new RunCommand())) : new CommandLine(new RunCommand());
        cl.registerConverter(Path.class, Inputs::path);
        cl.parseArgs(args);
        return cl.getCommand();
    }

    /** Every option field of the command and its two mixins, by class and name. */
    private static Map<String, Object> fields(RunCommand r) throws IllegalAccessException {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Object holder : List.of(r, r.machine, r.kernel)) {
            for (Field f : holder.getClass().getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType() == CommandSpec.class
                        || f.getType() == MachineArgs.class || f.getType() == KernelOptions.class) {
                    continue;
                }
                f.setAccessible(true);
                m.put(holder.getClass().getSimpleName() + "." + f.getName(), f.get(holder));
            }
        }
        return m;
    }

    private static Map<String, OptionSpec> byName(CommandSpec spec) {
        Map<String, OptionSpec> m = new LinkedHashMap<>();
        for (OptionSpec o : spec.options()) {
            m.put(o.longestName(), o);
        }
        return m;
    }

    private static CommandLine sub(CommandLine top) {
        return top.getSubcommands().get("run");
    }
}
