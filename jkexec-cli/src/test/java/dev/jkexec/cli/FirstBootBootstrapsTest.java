package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The methods a {@code jkexec run} of a vmlinux with an initrd file runs between QEMU's exec and the
 * kernel's banner hold no call site that the launcher's AOT cache cannot keep: a pattern
 * {@code switch} ({@code SwitchBootstraps}), a record's generated {@code equals}/{@code hashCode}
 * ({@code ObjectMethods}) and {@code Comparator.comparingLong} (a serializable lambda) each spun
 * classes at every JVM start, on the main thread's plan and write, on the QMP handshake and beside
 * the handover (docs/boot-profile.md, branch cliwindow). A new one here would bring that back.
 */
@Pure
class FirstBootBootstrapsTest {
    /** Bootstraps whose spun classes no AOT cache keeps (JDK 25 archives lambdas and string concatenations it saw only). */
    private static final List<String> UNCACHED = List.of("java/lang/runtime/SwitchBootstraps", "java/lang/runtime/ObjectMethods");

    @Test
    void the_first_boots_methods_bootstrap_nothing_the_aot_cache_cannot_keep() throws IOException {
        List<String> found = new ArrayList<>();
        check("dev.jkexec.machine.Toolstack", "prepare", found);
        check("dev.jkexec.machine.Toolstack", "<clinit>", found);
        check("dev.jkexec.qemu.qmp.QmpReply", "value", found);
        check("dev.jkexec.machine.Machine", "onQmpEvent", found);
        check("dev.jkexec.cli.RunCommand", "onEvent", found);
        check("dev.jkexec.platform.MappedFiles$Identity", "equals", found);
        check("dev.jkexec.platform.MappedFiles$Identity", "hashCode", found);
        check("dev.jkexec.platform.MemoryMap", "<init>", found);
        check("dev.jkexec.image.plan.Placer", null, found);
        check("dev.jkexec.image.plan.ElfKernel", null, found);
        check("dev.jkexec.image.plan.ImageLayout", null, found);
        check("dev.jkexec.image.plan.SegmentRules", null, found);
        check("dev.jkexec.image.initramfs.Initramfs", "write", found); // --busybox: the guest's initrd
        assertThat(found).isEmpty();
    }

    @Test
    void the_check_sees_a_pattern_switch_and_a_records_equals() throws IOException {
        List<String> found = new ArrayList<>();
        check(Sample.class.getName(), "kind", found);
        check(Sample.Point.class.getName(), "equals", found);
        assertThat(found).hasSize(2);
    }

    /**
     * Adds each uncacheable call site of class {@code type}'s methods named {@code method} to {@code found};
     * {@code null}: all its methods but a record's {@code equals}, {@code hashCode} and {@code toString},
     * which the first boot does not call.
     */
    private static void check(String type, String method, List<String> found) throws IOException {
        ClassModel model;
        try (InputStream in = FirstBootBootstrapsTest.class.getClassLoader().getResourceAsStream(type.replace('.', '/') + ".class")) {
            assertThat(in).as(type + "'s class file").isNotNull();
            model = ClassFile.of().parse(in.readAllBytes());
        }
        boolean seen = false;
        for (MethodModel m : model.methods()) {
            String name = m.methodName().stringValue();
            if (method != null ? !name.equals(method) : List.of("equals", "hashCode", "toString").contains(name)) {
                continue;
            }
            seen = true;
            m.code().ifPresent(code -> code.forEach(e -> {
                if (e instanceof InvokeDynamicInstruction indy) {
                    String owner = indy.bootstrapMethod().owner().descriptorString();
                    owner = owner.substring(1, owner.length() - 1);
                    if (UNCACHED.contains(owner)) {
                        found.add(type + "." + name + ": " + owner + "." + indy.bootstrapMethod().methodName());
                    }
                } else if (e instanceof InvokeInstruction call && call.owner().asInternalName().equals("java/util/Comparator")
                        && call.name().stringValue().startsWith("comparing")) {
                    found.add(type + "." + name + ": Comparator." + call.name().stringValue());
                }
            }));
        }
        assertThat(seen).as(type + " has " + (method == null ? "methods" : method)).isTrue();
    }

    /** What the check must catch. */
    static final class Sample {
        record Point(int x, int y) {}

        static String kind(Object o) {
            return switch (o) {
                case Integer i -> "int " + i;
                case String s -> "string " + s;
                default -> "other";
            };
        }
    }
}
