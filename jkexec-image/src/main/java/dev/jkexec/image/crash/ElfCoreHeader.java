package dev.jkexec.image.crash;

import dev.jkexec.image.ByteView;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ProgramHeader;
import dev.jkexec.platform.PcPlatform;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The ELF core header a crash kernel finds through {@code elfcorehdr=} and turns into
 * {@code /proc/vmcore} (spec §5): an ELF64 ET_CORE EM_X86_64 header, then program headers only.
 *
 * <ul>
 *   <li>one PT_NOTE per vCPU note buffer ({@code p_offset = p_paddr} = its address, size = the buffer);
 *   <li>one PT_NOTE for VMCOREINFO when there is one (jkexec's page, filled at crash time);
 *   <li>the kernel-text PT_LOAD when the crashed kernel's address space is known;
 *   <li>one PT_LOAD per range of old RAM, {@code p_offset = p_paddr = start}, {@code p_vaddr} its
 *       direct-map address (0 when unknown),
 *       {@code p_filesz = p_memsz} = its size, flags RWX. The part below {@link #BACKUP_SIZE} was
 *       copied to the backup segment at crash time (the crash kernel reuses that memory), so its
 *       {@code p_offset} points into the backup segment while {@code p_paddr} keeps the original
 *       address: the PT_LOAD sizes still add up to the old RAM size.
 * </ul>
 *
 * <p>{@code p_offset} is an absolute physical address here: the crash kernel reads dump bytes
 * from physical memory, not from this header. The toolstack places it at load with room for
 * {@link #capacity}; the machine rewrites it at crash time, when the crashed kernel's
 * {@link KernelAddressSpace} is known (kernel KASLR changes it on every boot).
 */
public final class ElfCoreHeader {
    /** Low memory the purgatory backs up at crash time: 0 .. 640 KiB. */
    public static final long BACKUP_SIZE = PcPlatform.LOW_RAM_END;
    public static final int EHDR_SIZE = 64;
    public static final int PHDR_SIZE = 56;
    static final long PF_RWX = 7;

    private ElfCoreHeader() {
    }

    /** The program headers the header holds before the crashed kernel is known (at load): no vaddrs, no text load. */
    public static List<ProgramHeader> programHeaders(CrashEnvironment env, long backupAddress) {
        return programHeaders(env, backupAddress, null);
    }

    /**
     * The program headers, in order: one PT_NOTE per vCPU note, the VMCOREINFO PT_NOTE (when
     * {@code env} has one), then {@link CoreLoads}: the kernel-text PT_LOAD and the RAM PT_LOADs
     * with their direct-map {@code p_vaddr} when {@code space} is known.
     */
    public static List<ProgramHeader> programHeaders(CrashEnvironment env, long backupAddress, KernelAddressSpace space) {
        return programHeaders(env, backupAddress, space, List.of());
    }

    /** As {@link #programHeaders(CrashEnvironment, long, KernelAddressSpace)}, with the vCPUs' context loads. */
    public static List<ProgramHeader> programHeaders(CrashEnvironment env, long backupAddress, KernelAddressSpace space,
                                                     List<CoreLoads.Load> context) {
        List<ProgramHeader> out = new ArrayList<>();
        for (MemoryRange note : env.cpuNotes()) {
            out.add(new ProgramHeader(out.size(), ProgramHeader.PT_NOTE, 0, note.start(), 0, note.start(), note.size(), note.size(), 0));
        }
        if (env.vmcoreinfo() != null) {
            MemoryRange v = env.vmcoreinfo();
            out.add(new ProgramHeader(out.size(), ProgramHeader.PT_NOTE, 0, v.start(), 0, v.start(), v.size(), v.size(), 0));
        }
        for (CoreLoads.Load load : CoreLoads.of(env.oldRam(), space, context)) {
            long start = load.paddr();
            long end = load.paddr() + load.size();
            if (load.alias() && start < BACKUP_SIZE) {
                if (end <= BACKUP_SIZE) { // an alias of backed-up low memory: read it from the backup
                    out.add(new ProgramHeader(out.size(), ProgramHeader.PT_LOAD, PF_RWX, backupAddress + start, load.vaddr(), start,
                            load.size(), load.size(), 0));
                }
                continue;
            }
            if (!load.alias() && start < BACKUP_SIZE) {
                long cut = Math.min(end, BACKUP_SIZE);
                out.add(new ProgramHeader(out.size(), ProgramHeader.PT_LOAD, PF_RWX, backupAddress + start, vaddr(load, start), start,
                        cut - start, cut - start, 0));
                start = cut;
            }
            if (start < end) {
                out.add(new ProgramHeader(out.size(), ProgramHeader.PT_LOAD, PF_RWX, start, vaddr(load, start), start,
                        end - start, end - start, 0));
            }
        }
        return out;
    }

    private static long vaddr(CoreLoads.Load load, long paddr) {
        return load.vaddr() == 0 ? 0 : load.vaddr() + (paddr - load.paddr());
    }

    /**
     * Room the header segment needs so that jkexec can rewrite it at crash time with the VMCOREINFO
     * note and the kernel-text load added, whatever the crashed kernel turns out to be.
     */
    public static int capacity(CrashEnvironment env) {
        return size(env, 0) + PHDR_SIZE * ((env.vmcoreinfo() == null ? 2 : 1) + CoreLoads.CONTEXT_LOADS_PER_CPU * env.cpuNotes().size());
    }

    /** Bytes of the header for {@code env} as loaded. */
    public static int size(CrashEnvironment env, long backupAddress) {
        return EHDR_SIZE + PHDR_SIZE * programHeaders(env, backupAddress).size();
    }

    /** Encodes the header at crash time, with the crashed kernel's address space ({@code null}: unknown). */
    public static byte[] encode(CrashEnvironment env, long backupAddress, KernelAddressSpace space, List<CoreLoads.Load> context) {
        return encode(programHeaders(env, backupAddress, space, context));
    }

    /** Encodes the header; {@code backupAddress} is where the backup segment lies. */
    public static byte[] encode(CrashEnvironment env, long backupAddress) {
        return encode(programHeaders(env, backupAddress));
    }

    /**
     * An ELF64 ET_CORE EM_X86_64 header followed by {@code phdrs} (indexed in order). Also used for
     * core files written on the host, whose {@code p_offset}s are file offsets.
     */
    public static byte[] encode(List<ProgramHeader> phdrs) {
        if (phdrs.size() > 0xFFFF) {
            throw new IllegalArgumentException(phdrs.size() + " program headers");
        }
        byte[] out = new byte[EHDR_SIZE + PHDR_SIZE * phdrs.size()];
        MemorySegment s = MemorySegment.ofArray(out);
        out[0] = 0x7F;
        out[1] = 'E';
        out[2] = 'L';
        out[3] = 'F';
        out[4] = 2; // ELFCLASS64
        out[5] = 1; // ELFDATA2LSB
        out[6] = 1; // EV_CURRENT
        s.set(ByteView.U16, 16, (short) ElfFile.ET_CORE);
        s.set(ByteView.U16, 18, (short) ElfFile.EM_X86_64);
        s.set(ByteView.U32, 20, 1);
        s.set(ByteView.U64, 32, EHDR_SIZE); // e_phoff
        s.set(ByteView.U16, 52, (short) EHDR_SIZE);
        s.set(ByteView.U16, 54, (short) PHDR_SIZE);
        s.set(ByteView.U16, 56, (short) phdrs.size());
        for (ProgramHeader ph : phdrs) {
            long at = EHDR_SIZE + (long) PHDR_SIZE * ph.index();
            s.set(ByteView.U32, at, (int) ph.type());
            s.set(ByteView.U32, at + 4, (int) ph.flags());
            s.set(ByteView.U64, at + 8, ph.offset());
            s.set(ByteView.U64, at + 16, ph.vaddr());
            s.set(ByteView.U64, at + 24, ph.paddr());
            s.set(ByteView.U64, at + 32, ph.filesz());
            s.set(ByteView.U64, at + 40, ph.memsz());
            s.set(ByteView.U64, at + 48, ph.align());
        }
        return out;
    }
}
