package dev.jkexec.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ImageType;
import dev.jkexec.platform.testing.Pure;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Pure
class ScenarioParserTest {
    private static final Path BASE = Path.of("/scenarios");

    /** Fuzzing finding (ScenarioParserFuzzTest, regression input sanitizer-regex-…): an invalid regex was quoted raw, newlines and all. */
    @Test
    void an_invalid_regex_is_quoted_on_one_line() {
        assertThatThrownBy(() -> ScenarioParser.parse("""
                {"steps": [{"expect": {"line": "a\\n(b"}}]}""", BASE))
                .isInstanceOf(ScenarioException.class)
                .hasMessageStartingWith("steps[0].expect.line: invalid regex 'a\\x0a(b': ")
                .hasMessageNotContaining("\n");
    }

    /** Fuzzing finding (ScenarioParserFuzzTest, inputs crash-*): missing test data escaped as a bare JkexecException. */
    @Test
    void missing_test_data_is_a_scenario_error_naming_the_field() {
        assertThatThrownBy(() -> ScenarioParser.parse("""
                {"steps": [{"boot": {"kernel": "testdata:no-such-kernel"}}]}""", BASE))
                .isInstanceOf(ScenarioException.class)
                .hasMessageStartingWith("steps[0].boot.kernel: test data missing: ");
    }

    /** Found beside it: a NUL in a path escaped as an untyped InvalidPathException. */
    @Test
    void a_nul_in_a_path_is_a_scenario_error_naming_the_field() {
        String nul = "{\"steps\": [{\"load\": {\"type\": \"crash\", \"kernel\": \"k\", \"initrd\": \"a\\" + "u0000b\"}}]}";
        assertThatThrownBy(() -> ScenarioParser.parse(nul, BASE))
                .isInstanceOf(ScenarioException.class)
                .hasMessage("steps[0].load.initrd: not a path (Nul character not allowed): 'a\\x00b'");
    }

    @Test
    void readsGuestCommandsAndTheDom0Guest() {
        Scenario s = ScenarioParser.parse("""
                {"name": "n", "steps": [
                  {"boot": {"kernel": "k.bin", "dom0": true}},
                  {"guest": "kexec -l /boot/vmlinuz --initrd=/boot/initrd"},
                  {"guest": {"run": "kexec -S -l", "status": 1, "timeout": 5}}
                 ]}""", BASE);
        assertThat(((Step.Boot) s.steps().get(0)).kernel().dom0()).isTrue();
        Step.Guest g = (Step.Guest) s.steps().get(1);
        assertThat(g.command()).isEqualTo("kexec -l /boot/vmlinuz --initrd=/boot/initrd");
        assertThat(g.status()).isZero();
        assertThat(g.timeout()).isEqualTo(Duration.ofSeconds(120));
        Step.Guest status = (Step.Guest) s.steps().get(2);
        assertThat(status.status()).isEqualTo(1);
        assertThat(status.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() -> ScenarioParser.parse("""
                {"name": "n", "steps": [{"guest": {"run": "a", "oops": 1}}]}""", BASE))
                .hasMessageContaining("steps[0].guest.oops");
        assertThatThrownBy(() -> ScenarioParser.parse("""
                {"name": "n", "steps": [{"guest": {"run": "%s"}}]}""".formatted("x".repeat(2000)), BASE))
                .hasMessageContaining("steps[0].guest.run: one line");
        assertThatThrownBy(() -> ScenarioParser.parse("""
                {"name": "n", "steps": [{"boot": {"kernel": "k", "dom0": true, "initrd": "i"}}]}""", BASE))
                .hasMessageContaining("steps[0].boot.dom0");
    }

    @Test
    void readsEveryStepKind() {
        Scenario s = ScenarioParser.parse("""
                {"name": "n", "machine": {"ram": "512M", "cpus": 2, "crashSize": 0},
                 "steps": [
                  {"title": "t", "say": "s", "boot": {"kernel": "k.bin", "append": "a", "entry": 32}},
                  {"load": {"type": "crash", "kernel": "k2", "initrd": "i.img"}},
                  {"unload": {"type": "default"}},
                  {"exec": {}},
                  {"crash": {}},
                  {"panic": {}},
                  {"type": {"text": "ls\\n"}},
                  {"expect": {"line": "ready ${guestRamBytes}", "timeout": 2.5}},
                  {"expect-crash": {"outcome": "dumped"}},
                  {"dump": {"file": "c.elf"}}
                 ]}""", BASE);
        assertThat(s.machine().ram()).isEqualTo(512L << 20);
        assertThat(s.machine().cpus()).isEqualTo(2);
        assertThat(s.machine().crashSize()).isZero();
        assertThat(s.steps()).extracting(Step::kind).containsExactly("boot", "load", "unload", "exec", "crash", "panic",
                "type", "expect", "expect-crash", "dump");
        Step.Boot boot = (Step.Boot) s.steps().get(0);
        assertThat(boot.title()).isEqualTo("t");
        assertThat(boot.kernel().spec().kernel()).isEqualTo(BASE.resolve("k.bin"));
        assertThat(boot.kernel().spec().initrd()).isEqualTo(dev.jkexec.machine.Initrd.BUSYBOX);
        assertThat(boot.kernel().spec().entry()).isEqualTo(dev.jkexec.image.plan.EntryMode.BIT32);
        Step.Load load = (Step.Load) s.steps().get(1);
        assertThat(load.type()).isEqualTo(ImageType.CRASH);
        assertThat(load.kernel().spec().initrd()).as("an initrd replaces the busybox guest").isInstanceOf(dev.jkexec.machine.Initrd.File.class);
        assertThat(load.kernel().spec().type()).isEqualTo(ImageType.CRASH);
        assertThat(((Step.Exec) s.steps().get(3)).type()).isEqualTo(ImageType.DEFAULT);
        assertThat(((Step.Expect) s.steps().get(7)).timeout()).isEqualTo(Duration.ofMillis(2500));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{|scenario: not JSON",
        "[]|scenario: an object is required, not []",
        "{\"steps\": [{\"crash\": {}}], \"steps\": []}|scenario: not JSON: Duplicate field 'steps'",
        "{\"steps\": [{\"boot\": {\"kernel\": \"k\", \"entry\": \"abc\"}}]}|steps[0].boot.entry: \"abc\" is not an integer",
        "{\"steps\": []}|scenario.steps: a non-empty array is required",
        "{\"steps\": [{\"boot\": {}}]}|steps[0].boot.kernel: required",
        "{\"steps\": [{\"bot\": {}}]}|steps[0].bot: unknown key",
        "{\"steps\": [{\"exec\": {}, \"crash\": {}}]}|steps[0]: exactly one action per step",
        "{\"steps\": [{\"load\": {\"type\": \"live\", \"kernel\": \"k\"}}]}|steps[0].load.type: 'live' is neither default nor crash",
        "{\"steps\": [{\"boot\": {\"kernel\": \"k\", \"entry\": 8}}]}|steps[0].boot.entry: 8 is none of 64 (long mode), 32 (protected mode), 16 (real mode)",
        "{\"steps\": [{\"expect\": {\"line\": \"(\"}}]}|steps[0].expect.line: invalid regex",
        "{\"steps\": [{\"expect\": {\"line\": \"x\", \"timeout\": -1}}]}|steps[0].expect.timeout: -1 is not a number of seconds",
        "{\"steps\": [{\"expect-crash\": {\"outcome\": \"maybe\"}}]}|steps[0].expect-crash.outcome: 'maybe'",
        "{\"machine\": {\"ram\": \"lots\"}, \"steps\": [{\"crash\": {}}]}|machine.ram: 'lots' is not a size",
        "{\"machine\": {\"disk\": 1}, \"steps\": [{\"crash\": {}}]}|machine.disk: unknown key",
        "{\"steps\": [{\"dump\": {\"file\": 7}}]}|steps[0].dump.file: 7 is not a string"})
    void namesTheStepAndFieldThatIsWrong(String json, String message) {
        assertThatThrownBy(() -> ScenarioParser.parse(json, BASE)).isInstanceOf(ScenarioException.class)
                .hasMessageContaining(message);
    }

    /** Issue 14: a non-object "machine" is refused with its JSON path, not ignored. */
    @org.junit.jupiter.api.Test
    void a_machine_that_is_not_an_object_is_refused() {
        for (String m : new String[] {"\"1G\"", "[]", "3", "true"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ScenarioParser.parse("{\"name\": \"x\", \"machine\": " + m
                    + ", \"steps\": []}", java.nio.file.Path.of("/tmp")))
                    .isInstanceOf(ScenarioException.class).hasMessageStartingWith("machine: an object");
        }
    }
}
