package dev.jkexec.image.plan;

import dev.jkexec.image.ImageType;
import dev.jkexec.image.crash.CrashEnvironment;
import dev.jkexec.platform.MemoryMap;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything the planner needs to build an image.
 *
 * @param kernel      the kernel file: a bzImage or an ELF vmlinux (detected by magic)
 * @param initrd      the initrd, or {@code null}
 * @param commandLine the kernel command line (crash images get {@code elfcorehdr=} added)
 * @param memoryMap   the memory map of the machine the image will run on (the guest's e820)
 * @param type        default or crash
 * @param entryMode   64-bit or 32-bit entry
 * @param acpiRsdp    physical address of the ACPI RSDP for {@code acpi_rsdp_addr}, or {@code null}
 * @param crash       crash images only: the crash region, notes and old RAM; {@code null} otherwise
 * @param decompress  for a bzImage: decompress its payload on the host now and load the vmlinux,
 *                    entered at startup_64 (see {@code DecompressedKernel}); ignored for an ELF file
 * @param modules     Multiboot kernels only: the boot modules (the Xen hypervisor's dom0 kernel, its
 *                    initrd), in order; empty for Linux kernels
 * @param kaslr       for a bzImage decompressed on the host: the random source of its KASLR (physical
 *                    and virtual address, as its own decompressor would choose them), unless the
 *                    command line says {@code nokaslr}; {@code null}: no randomisation
 */
public record PlanRequest(MemorySegment kernel, MemorySegment initrd, String commandLine, MemoryMap memoryMap,
                          ImageType type, EntryMode entryMode, Long acpiRsdp, CrashEnvironment crash, boolean decompress,
                          List<BootModule> modules, java.util.random.RandomGenerator kaslr) {
    /** A Multiboot boot module: its bytes and its string (the file's name, then its arguments). */
    public record BootModule(MemorySegment data, String string) {
        public BootModule {
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(string, "string");
        }
    }

    /** A request without boot modules. */
    public PlanRequest(MemorySegment kernel, MemorySegment initrd, String commandLine, MemoryMap memoryMap,
                       ImageType type, EntryMode entryMode, Long acpiRsdp, CrashEnvironment crash, boolean decompress) {
        this(kernel, initrd, commandLine, memoryMap, type, entryMode, acpiRsdp, crash, decompress, List.of(), null);
    }

    /** A request without KASLR. */
    public PlanRequest(MemorySegment kernel, MemorySegment initrd, String commandLine, MemoryMap memoryMap,
                       ImageType type, EntryMode entryMode, Long acpiRsdp, CrashEnvironment crash, boolean decompress,
                       List<BootModule> modules) {
        this(kernel, initrd, commandLine, memoryMap, type, entryMode, acpiRsdp, crash, decompress, modules, null);
    }

    /** Whether KASLR applies: a random source is given and the command line has no {@code nokaslr} word. */
    public boolean randomizes() {
        return kaslr != null && java.util.Arrays.asList(commandLine.split("\\s+")).stream().noneMatch("nokaslr"::equals);
    }

    public PlanRequest {
        modules = List.copyOf(modules);
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(memoryMap, "memoryMap");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(entryMode, "entryMode");
        commandLine = commandLine == null ? "" : commandLine;
        if ((type == ImageType.CRASH) != (crash != null)) {
            throw new IllegalArgumentException("a crash environment is given exactly for crash images (type " + type.label() + ")");
        }
    }

    public static Builder builder(MemorySegment kernel, MemoryMap memoryMap) {
        return new Builder(kernel, memoryMap);
    }

    public static Builder builder(byte[] kernel, MemoryMap memoryMap) {
        return new Builder(MemorySegment.ofArray(kernel), memoryMap);
    }

    /** Builds a request; defaults: no initrd, empty command line, default type, 64-bit entry. */
    public static final class Builder {
        private final MemorySegment kernel;
        private final MemoryMap memoryMap;
        private MemorySegment initrd;
        private String commandLine = "";
        private ImageType type = ImageType.DEFAULT;
        private EntryMode entryMode = EntryMode.BIT64;
        private Long acpiRsdp;
        private CrashEnvironment crash;
        private boolean decompress;
        private java.util.random.RandomGenerator kaslr;
        private final List<BootModule> modules = new ArrayList<>();

        private Builder(MemorySegment kernel, MemoryMap memoryMap) {
            this.kernel = kernel;
            this.memoryMap = memoryMap;
        }

        public Builder initrd(MemorySegment value) {
            initrd = value;
            return this;
        }

        public Builder initrd(byte[] value) {
            initrd = value == null ? null : MemorySegment.ofArray(value);
            return this;
        }

        public Builder commandLine(String value) {
            commandLine = value;
            return this;
        }

        public Builder entry(EntryMode value) {
            entryMode = value;
            return this;
        }

        public Builder acpiRsdp(long address) {
            acpiRsdp = address;
            return this;
        }

        /** Makes this a crash image for {@code env}. */
        public Builder crash(CrashEnvironment env) {
            crash = env;
            type = ImageType.CRASH;
            return this;
        }

        /** Decompress a bzImage on the host and load its vmlinux (64-bit entry only). */
        public Builder decompress(boolean value) {
            decompress = value;
            return this;
        }

        /** KASLR for a bzImage decompressed on the host, from {@code random} ({@code null}: none). */
        public Builder kaslr(java.util.random.RandomGenerator random) {
            kaslr = random;
            return this;
        }

        /** Adds a Multiboot boot module. */
        public Builder module(MemorySegment data, String string) {
            modules.add(new BootModule(data, string));
            return this;
        }

        public PlanRequest build() {
            return new PlanRequest(kernel, initrd, commandLine, memoryMap, type, entryMode, acpiRsdp, crash, decompress, modules, kaslr);
        }
    }
}
