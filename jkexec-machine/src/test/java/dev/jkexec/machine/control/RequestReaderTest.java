package dev.jkexec.machine.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.core.Errno;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.plan.EntryMode;
import dev.jkexec.machine.Initrd;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.crash.DumpFormat;
import dev.jkexec.platform.testing.Pure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The one JSON reader of requests: typed fields, every refusal naming its field by path, EINVAL. */
@Pure
class RequestReaderTest {
    private static KernelSpec load(String json) {
        return RequestReader.kernel(RequestReader.object(json.getBytes(StandardCharsets.UTF_8), "load"), ImageType.CRASH,
                RequestReader.absolutePaths(), Set.of());
    }

    @Test
    void readsEveryKernelField() {
        KernelSpec s = load("""
                {"kernel":"/k","initrd":"/i","append":"console=ttyS0 ü","entry":32,"decompress":true,
                 "modules":["/m a=b","busybox-initrd"],"modulesDir":"/d"}""");
        assertThat(s).isEqualTo(new KernelSpec(Path.of("/k"), new Initrd.File(Path.of("/i")), "console=ttyS0 ü", EntryMode.BIT32,
                ImageType.CRASH, true, java.util.List.of("/m a=b", "busybox-initrd"), Path.of("/d")));
        assertThat(load("{\"kernel\":\"/k\"}").initrd()).as("the busybox guest without an initrd").isEqualTo(Initrd.BUSYBOX);
        assertThat(load("{\"kernel\":\"/k\",\"busybox\":false}").initrd()).isEqualTo(Initrd.NONE);
        assertThat(load("{\"kernel\":\"/k\"}").entry()).isEqualTo(EntryMode.BIT64);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"kernel\":\"/k\",\"entry\":\"abc\"}|load.entry: \"abc\" is not an integer",
        "{\"kernel\":\"/k\",\"entry\":64.0}|load.entry: 64.0 is not an integer",
        "{\"kernel\":\"/k\",\"entry\":8}|load.entry: 8 is none of 64 (long mode), 32 (protected mode), 16 (real mode)",
        "{\"kernel\":\"/k\",\"busybox\":1}|load.busybox: 1 is not true or false",
        "{\"kernel\":\"/k\",\"busybox\":\"true\"}|load.busybox: \"true\" is not true or false",
        "{\"kernel\":7}|load.kernel: 7 is not a string",
        "{}|load.kernel: required",
        "{\"kernel\":\"k\"}|load.kernel: \"k\" is not an absolute path",
        "{\"kernel\":\"/k\",\"kernl\":\"/k\"}|load.kernl: unknown field",
        "{\"kernel\":\"/k\",\"kernel\":\"/j\"}|load: not JSON: Duplicate field 'kernel'",
        "{\"kernel\":\"/k\"} {}|load: not JSON",
        "[]|load: an object is required, not []",
        "{\"kernel\":\"/k\",\"modules\":\"/m\"}|load.modules: \"/m\" is not an array of strings",
        "{\"kernel\":\"/k\",\"modules\":[1]}|load.modules[0]: 1 is not a string",
        "{\"kernel\":\"/k\",\"initrd\":\"/i\",\"busybox\":true}|load.busybox: true with an initrd file",
    })
    void refusesByFieldWithEinval(String json, String message) {
        assertThatThrownBy(() -> load(json)).isInstanceOfSatisfying(RequestException.class, e -> {
            assertThat(e.text()).startsWith(message);
            assertThat(e.errno()).isEqualTo(Errno.EINVAL);
        });
    }

    @Test
    void decodesUtf8WholeAndRefusesMalformedUtf8() {
        byte[] good = "{\"kernel\":\"/k\",\"append\":\"€ü\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(RequestReader.kernel(RequestReader.object(good, "load"), ImageType.DEFAULT, RequestReader.absolutePaths(),
                Set.of()).append()).isEqualTo("€ü");
        byte[] bad = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'};
        assertThatThrownBy(() -> RequestReader.object(bad, "load")).isInstanceOf(RequestException.class)
                .hasMessageContaining("load: not JSON").hasMessageContaining("UTF-8");
    }

    @Test
    void boundsNesting() {
        String deep = "{\"a\":".repeat(100) + "1" + "}".repeat(100);
        assertThatThrownBy(() -> RequestReader.object(deep, "action")).isInstanceOf(RequestException.class)
                .hasMessageContaining("action: not JSON");
    }

    @Test
    void readsDumps() {
        MachineRequest.Dump d = RequestReader.dump(RequestReader.object("{\"file\":\"/c\",\"format\":\"kdump-zstd\",\"level\":1,\"force\":true}",
                "dump"), RequestReader.absolutePaths(), Set.of());
        assertThat(d).isEqualTo(new MachineRequest.Dump(Path.of("/c"), DumpFormat.KDUMP_ZSTD, 1, true));
        assertThatThrownBy(() -> RequestReader.dump(RequestReader.object("{\"file\":\"/c\",\"level\":32}", "dump"),
                RequestReader.absolutePaths(), Set.of())).hasMessageContaining("dump.level: 32 outside 0..31");
        assertThatThrownBy(() -> RequestReader.dump(RequestReader.object("{\"file\":\"/c\",\"format\":\"tar\"}", "dump"),
                RequestReader.absolutePaths(), Set.of())).hasMessageContaining("dump.format: \"tar\" is not elf, kdump-zlib or kdump-zstd");
    }
}
