package dev.jkexec.core.kexec;

import dev.jkexec.platform.x86.Paging;
import java.util.List;
import java.util.Objects;

/**
 * Where a {@link Kexec} finds things in physical memory: the crash region, the staging range,
 * the crash note slots and the VMCOREINFO buffer, plus the default-image size limit.
 *
 * <p>A machine makes one from its layout ({@code MachineLayout.kexecConfig()}). Tests may move the
 * staging range anywhere page aligned with {@link #withStaging}, including over destinations of the images they load: the
 * page list builder must then still produce a correct list (spec §4.4).
 *
 * @param crashRegion          the crash region ({@link PhysicalRange#NONE} when the machine has none)
 * @param staging              where default images' source pages and page lists are written at exec
 * @param crashNotes           one crash note slot per vCPU, index = vCPU number
 * @param vmcoreinfo           the VMCOREINFO buffer
 * @param maxDefaultImageBytes most destination bytes the buffered segments of one default image may
 *                             cover (every such byte is held, hashed and listed); larger → -ENOMEM
 * @param loadable             where a default image's buffered segments may go: the guest's RAM.
 *                             jkexec's own regions (crash region, hidden pages, staging) and QEMU's
 *                             0xA0000–0xFFFFF window are outside it (-EADDRNOTAVAIL)
 */
public record KexecConfig(PhysicalRange crashRegion, PhysicalRange staging, List<PhysicalRange> crashNotes,
                          PhysicalRange vmcoreinfo, long maxDefaultImageBytes, List<PhysicalRange> loadable) {
    static final long PAGE_SIZE = Paging.PAGE_SIZE;
    /** No restriction: every address a destination may name (Xen's behaviour for default images). */
    public static final List<PhysicalRange> ANYWHERE = List.of(new PhysicalRange(0, ImageRules.PHYSICAL_ADDRESS_LIMIT));

    /** A configuration whose default images may go anywhere (as in Xen). */
    public KexecConfig(PhysicalRange crashRegion, PhysicalRange staging, List<PhysicalRange> crashNotes,
                       PhysicalRange vmcoreinfo, long maxDefaultImageBytes) {
        this(crashRegion, staging, crashNotes, vmcoreinfo, maxDefaultImageBytes, ANYWHERE);
    }

    public KexecConfig {
        loadable = List.copyOf(loadable);
        Objects.requireNonNull(crashRegion, "crashRegion");
        Objects.requireNonNull(staging, "staging");
        Objects.requireNonNull(vmcoreinfo, "vmcoreinfo");
        crashNotes = List.copyOf(crashNotes);
        requirePageAligned("crash region", crashRegion);
        requirePageAligned("staging", staging);
        if (staging.size() < 2 * PAGE_SIZE) {
            throw new IllegalArgumentException("staging " + staging + " is smaller than two pages");
        }
        if (crashNotes.isEmpty()) {
            throw new IllegalArgumentException("no crash note slots: a machine has at least one vCPU");
        }
        if (maxDefaultImageBytes < 0) {
            throw new IllegalArgumentException("maxDefaultImageBytes " + maxDefaultImageBytes + " < 0");
        }
    }

    /** The same configuration with another staging range (the default-image limit is kept). */
    public KexecConfig withStaging(long start, long size) {
        return new KexecConfig(crashRegion, new PhysicalRange(start, size), crashNotes, vmcoreinfo, maxDefaultImageBytes, loadable);
    }

    /** The same configuration with another crash region ({@code size} 0: none). */
    public KexecConfig withCrashRegion(long start, long size) {
        return new KexecConfig(size == 0 ? PhysicalRange.NONE : new PhysicalRange(start, size), staging,
                crashNotes, vmcoreinfo, maxDefaultImageBytes, loadable);
    }

    /** The same configuration with another default-image limit. */
    public KexecConfig withMaxDefaultImageBytes(long bytes) {
        return new KexecConfig(crashRegion, staging, crashNotes, vmcoreinfo, bytes, loadable);
    }

    /** Number of vCPUs (crash note slots). */
    public int cpus() {
        return crashNotes.size();
    }

    private static void requirePageAligned(String what, PhysicalRange r) {
        if (r.start() % PAGE_SIZE != 0 || r.size() % PAGE_SIZE != 0) {
            throw new IllegalArgumentException(what + " " + r + " is not page aligned");
        }
    }
}
