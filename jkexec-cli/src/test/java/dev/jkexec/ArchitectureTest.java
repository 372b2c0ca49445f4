package dev.jkexec;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.jkexec.platform.testing.Pure;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seams of jkexec, checked on the compiled classes of every module (docs/architecture.md):
 * the layers only depend downwards, and no two packages depend on each other. Maven enforces the
 * direction between modules; this also covers the packages inside each module.
 *
 * <pre>
 *   cli → machine → { qemu, core } ;  core → image ;  everything → platform
 * </pre>
 */
@Pure
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        // Test classes and the test-jars (fixtures, tiers) are not part of the architecture.
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("dev.jkexec");
    }

    @Test
    void everyModuleIsThere() {
        for (String p : new String[] {"platform", "image", "core", "qemu", "machine", "cli"}) {
            assertThat(classes.containPackage("dev.jkexec." + p)).as(p).isTrue();
        }
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.jkexec.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void layersDependOnlyDownwards() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("dev.jkexec.cli..")
                .layer("machine").definedBy("dev.jkexec.machine..")
                .layer("qemu").definedBy("dev.jkexec.qemu..")
                .layer("core").definedBy("dev.jkexec.core..")
                .layer("image").definedBy("dev.jkexec.image..")
                .layer("platform").definedBy("dev.jkexec.platform..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("machine").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("qemu").mayOnlyBeAccessedByLayers("machine", "cli")
                .whereLayer("core").mayOnlyBeAccessedByLayers("machine", "cli")
                .whereLayer("image").mayOnlyBeAccessedByLayers("core", "machine", "cli")
                .check(classes);
    }

    @Test
    void theHardwareKnowsNothingOfKexec() {
        noClasses().that().resideInAPackage("dev.jkexec.qemu..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.jkexec.core..", "dev.jkexec.image..",
                        "dev.jkexec.machine..")
                .check(classes);
    }

    @Test
    void theToolstackAndTheCoreStartNoProcessAndOpenNoSocket() {
        // DESIGN: image and core stay free of processes and I/O beyond files, so they test in milliseconds.
        noClasses().that().resideInAnyPackage("dev.jkexec.platform..", "dev.jkexec.image..", "dev.jkexec.core..")
                .should().dependOnClassesThat().resideInAnyPackage("java.net..")
                .orShould().dependOnClassesThat().belongToAnyOf(ProcessBuilder.class, Process.class, ProcessHandle.class,
                        java.nio.channels.SocketChannel.class, java.nio.channels.ServerSocketChannel.class)
                .check(classes);
    }

    @Test
    void machineIsANarrowFacadeOverQemu() {
        // Product code asks the Machine (gdbSocket, pause, cpuStates, lastCpuResetState, qemuStartNanos,
        // qemuDump, ...), never reaches through it to the QEMU process; Machine.qemu() is for its tests.
        noClasses().that().doNotHaveFullyQualifiedName("dev.jkexec.machine.Machine")
                .should().callMethod("dev.jkexec.machine.Machine", "qemu")
                .check(classes);
    }

    @Test
    void noProductCodeNeedsNativeAccess() {
        // The test JVMs of the modules with Jazzer fuzz tests allow native access (for Jazzer alone);
        // this keeps the product itself free of JNI and the foreign linker everywhere.
        noClasses().that().resideInAPackage("dev.jkexec..")
                .should().callMethod(System.class, "load", String.class)
                .orShould().callMethod(System.class, "loadLibrary", String.class)
                .orShould().callMethod(Runtime.class, "load", String.class)
                .orShould().callMethod(Runtime.class, "loadLibrary", String.class)
                .orShould().dependOnClassesThat().belongToAnyOf(java.lang.foreign.Linker.class, java.lang.foreign.SymbolLookup.class)
                .orShould().callMethodWhere(com.tngtech.archunit.base.DescribedPredicate.describe("MemorySegment.reinterpret",
                        (com.tngtech.archunit.core.domain.JavaMethodCall call) -> call.getTarget().getOwner().isEquivalentTo(java.lang.foreign.MemorySegment.class)
                                && call.getTarget().getName().equals("reinterpret")))
                .check(classes);
    }
}
