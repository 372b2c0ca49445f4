package dev.jkexec.machine.control;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jkexec.machine.Initrd;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: the strict JSON reader the REST API reads every request body with
 * ({@link RequestReader}; the scenario reader shares it and has its own target). The first byte
 * picks what the API would read the body as — a default or crash image ({@code PUT
 * /kexec/images/{type}}), a dump action, or just an object — and the rest is the body's bytes,
 * as raw UTF-8 (malformed UTF-8 must be a typed rejection). Beyond "only {@link RequestException}":
 * a kernel spec names absolute paths only (the API takes no relative path), its slot is the one
 * asked for, and a busybox guest never comes with an initrd file; a dump's level lies in 0..31.
 * Seeds: the request bodies of docs/api.md's curl session.
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class RequestReaderFuzzTest {
    static final int MAX_INPUT = 64 << 10; // the API's body limit

    @FuzzTest
    void request(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        byte[] body = Arrays.copyOfRange(input, 1, input.length);
        Hostile.parse(body, MAX_INPUT, RequestException.class, bytes -> {
            RequestReader.Fields f = RequestReader.object(bytes, "body");
            switch (Byte.toUnsignedInt(input[0]) % 3) {
                case 0, 1 -> {
                    var type = input[0] % 3 == 0 ? dev.jkexec.image.ImageType.DEFAULT : dev.jkexec.image.ImageType.CRASH;
                    KernelSpec k = RequestReader.kernel(f, type, RequestReader.absolutePaths(), Set.of());
                    check(k.kernel().isAbsolute(), "a relative kernel path: " + k.kernel());
                    check(k.type() == type, "the slot " + k.type() + " for a load into " + type);
                    if (k.initrd() instanceof Initrd.File file) {
                        check(file.path().isAbsolute(), "a relative initrd path: " + file.path());
                    }
                    check(k.modulesDir() == null || k.modulesDir().isAbsolute(), "a relative modulesDir");
                    for (String m : k.modules()) {
                        String word = m.split(" ", 2)[0];
                        check(word.equals(KernelSpec.BUSYBOX_MODULE) || Path.of(word).isAbsolute(), "a relative module: " + m);
                    }
                }
                default -> {
                    MachineRequest.Dump d = RequestReader.dump(f, RequestReader.absolutePaths(), Set.of("action"));
                    check(d.file().isAbsolute(), "a relative dump path: " + d.file());
                    check(d.level() >= 0 && d.level() <= 31, "a dump level of " + d.level());
                }
            }
        });
    }
}
