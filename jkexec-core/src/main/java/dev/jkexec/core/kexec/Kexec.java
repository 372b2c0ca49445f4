package dev.jkexec.core.kexec;

import static dev.jkexec.core.Errno.EBUSY;
import static dev.jkexec.core.Errno.EINVAL;
import static dev.jkexec.core.Errno.ENOENT;
import static dev.jkexec.core.Errno.ERANGE;

import dev.jkexec.core.KexecException;
import dev.jkexec.platform.MappedFiles;
import dev.jkexec.platform.PcPlatform;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The kexec core of one machine: Xen's {@code kexec_op} sub-operations over its physical memory
 * (spec §1, §3, §7) — {@link #getRange}, {@link #load}, {@link #unload}, {@link #status},
 * {@link #exec}, {@link #loadV1}, {@link #unloadV1}.
 *
 * <p><b>Slots.</b> One slot per {@link ImageType}. Xen keeps two per type and flips a position bit
 * so its lock-free crash path sees either image; here every operation holds one lock, so one slot
 * suffices and a load replaces the image in a single step. Linearizable: each operation takes
 * effect atomically while holding the lock, exec through the end of the handover callback.
 *
 * <p><b>Who owns which memory.</b>
 * <ul>
 *   <li>Default images: jkexec's own off-heap copy ({@link HeldImage}), never in guest memory;
 *       freed on unload or replacement. Staged into the staging range at load where staging is outside guest
 *       RAM ({@link StagedAhead}: re-checked against a host copy at exec, staged again if changed),
 *       else at exec. The first
 *       boot ({@link #bootFirst}) writes the image from the toolstack's buffers and keeps those
 *       read-only buffers instead of a copy (their digest taken in the background).</li>
 *   <li>The crash region: the loaded crash image's bytes, written at load
 *       ({@link CrashRegionImage}); a successful crash load replaces them.</li>
 *   <li>The staging range: source pages and page list of the loaded default image, from its
 *       load (or its exec) until it is replaced or unloaded; trusted at exec only once compared
 *       with jkexec's host copy.</li>
 *   <li>Crash notes and VMCOREINFO: only reported ({@link #getRange}); the machine writes them.</li>
 * </ul>
 *
 * <p><b>Where jkexec decides differently from Xen 4.17</b> (DESIGN, "Semantics decided"):
 * {@link #status} answers "loaded?" (not Xen's slot bit, §8.1); a refused load — crash loads
 * included — leaves the slot and the crash region as they were (§8.4, §8.5: arch is checked before
 * anything is written, and nothing is written before every buffer was fetched); no page-list entry
 * names page 0 by accident (§8.3); exec verifies the image's SHA-256 and holds the lock through
 * the handover (§8.11, §8.12); v1 lists are walked with bounds (§8.16) and v1 images go through the
 * same path as new ones, so a v1 crash image is written into, and confined to, the crash region.
 */
public final class Kexec implements AutoCloseable {
    /** The range a v1 image gets identity mapped besides its segments (Xen maps 0 – 1 MiB, spec §7). */
    public static final PhysicalRange V1_LOW_MAPPING = new PhysicalRange(0, PcPlatform.ONE_MIB);

    private final KexecConfig config;
    private final PhysicalMemory memory;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<ImageType, LoadedImage> slots = new EnumMap<>(ImageType.class);
    private boolean handingOver;
    /** Set by a crash handover: the crash kernel runs over the crash image, which is frozen (DESIGN). */
    private boolean crashKernelRunning;
    /** The default image's page list, staged at its load; {@code null}: nothing staged ahead. */
    private StagedAhead stagedAhead;
    /** Whether a guest instruction may have executed in the machine yet (see {@link CrashRegionImage#refreshRanges}). */
    private final java.util.function.BooleanSupplier vcpusMayHaveRun;

    /**
     * A kexec core over {@code memory}, which must contain the crash region and the staging range
     * of {@code config}. It assumes the vCPUs may have run at any time, so a crash image is always
     * refreshed by the firmware before its entry.
     */
    public Kexec(KexecConfig config, PhysicalMemory memory) {
        this(config, memory, () -> true);
    }

    /**
     * A kexec core whose owner says whether a guest instruction may have executed in the machine
     * yet: {@code vcpusMayHaveRun} must answer true from the moment anything may start the vCPUs
     * (before the command that does is sent), and never false again. A crash image written while it
     * answers false — checked after the write — needs no refresh ({@link CrashRegionImage#refreshRanges}).
     */
    public Kexec(KexecConfig config, PhysicalMemory memory, java.util.function.BooleanSupplier vcpusMayHaveRun) {
        this.config = Objects.requireNonNull(config, "config");
        this.memory = Objects.requireNonNull(memory, "memory");
        this.vcpusMayHaveRun = Objects.requireNonNull(vcpusMayHaveRun, "vcpusMayHaveRun");
        requireInside("crash region", config.crashRegion());
        requireInside("staging", config.staging());
    }

    public KexecConfig config() {
        return config;
    }

    /** The physical memory this core loads into. */
    public PhysicalMemory memory() {
        return memory;
    }

    /**
     * {@code KEXEC_CMD_kexec_get_range} (spec §1): CRASH → the crash region ({@link PhysicalRange#NONE}
     * without one); CPU → vCPU {@code nr}'s crash note slot ({@code nr} outside 0..cpus-1: -ERANGE);
     * VMCOREINFO → its 4 KiB buffer; any other range (XEN, XENHEAP, BOOT_PARAM, EFI_MEMMAP, …): -EINVAL.
     */
    public PhysicalRange getRange(int range, int nr) {
        return getRange(config, range, nr);
    }

    /** {@link #getRange} of a core with {@code config}, without one (what {@code jkexec plan} asks). */
    public static PhysicalRange getRange(KexecConfig config, int range, int nr) {
        return switch (range) {
            case RangeId.CRASH -> config.crashRegion();
            case RangeId.CPU -> {
                if (nr < 0 || nr >= config.cpus()) {
                    throw new KexecException(ERANGE, "nr", nr + " is not a vCPU (0.." + (config.cpus() - 1) + ")");
                }
                yield config.crashNotes().get(nr);
            }
            case RangeId.VMCOREINFO -> config.vmcoreinfo();
            default -> throw new KexecException(EINVAL, "range", range + " (" + RangeId.name(range) + ") is not provided");
        };
    }

    /** {@code KEXEC_CMD_kexec_load} of a toolstack image: checks every rule, then stores it. */
    public void load(KexecImage image) {
        load(ImageDescriptor.of(image), i -> image.segments().get(i).buffer());
    }

    /**
     * {@code KEXEC_CMD_kexec_load} (spec §3.1): runs {@link ImageRules#check} (at most 15 segments),
     * fetches every buffer, then stores the image — default: held copy; crash: written into the
     * crash region — and puts it in its type's slot, freeing the one it replaces. Any refusal
     * leaves everything as it was.
     */
    public void load(ImageDescriptor image, SegmentBuffers buffers) {
        lock.lock();
        try {
            notHandingOver();
            ValidImage valid = ImageRules.check(image, config, KexecImage.MAX_SEGMENTS);
            notFrozen(valid.type(), "load");
            commit(valid, buffers, List.of(), false);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code KEXEC_CMD_kexec_load_v1} (spec §7): reads the guest's indirection list at
     * {@code indirectionPage} in {@code guest}, turns it into segments (arch EM_X86_64, at most 16),
     * gathers their source pages and loads them through the same rules and storage as
     * {@link #load}. The image additionally gets the low 1 MiB identity mapped, as in Xen.
     *
     * @param type raw {@code type} (checked after the list walk, as Xen does)
     */
    public void loadV1(int type, long indirectionPage, long entry, PhysicalMemory guest) {
        lock.lock();
        try {
            notHandingOver();
            long maxPages = Math.max(config.crashRegion().size(), config.maxDefaultImageBytes()) / KexecConfig.PAGE_SIZE;
            V1IndirectionList list = V1IndirectionList.read(guest, indirectionPage, maxPages);
            ImageDescriptor d = new ImageDescriptor(type, Arch.X86_64.elfMachine(), entry, list.segments());
            ValidImage valid = ImageRules.check(d, config, KexecImage.MAX_SEGMENTS_V1);
            notFrozen(valid.type(), "load");
            try (Arena gathered = Arena.ofConfined()) {
                commit(valid, i -> list.buffer(i, guest, gathered), List.of(V1_LOW_MAPPING), true);
            }
        } finally {
            lock.unlock();
        }
    }

    private void commit(ValidImage image, SegmentBuffers buffers, List<PhysicalRange> extra, boolean v1) {
        LoadedImage loaded = image.type() == ImageType.DEFAULT
                ? HeldImage.copyOf(image, buffers, extra, v1)
                : CrashRegionImage.write(image, buffers, memory, config.crashRegion(), extra, v1, vcpusMayHaveRun);
        LoadedImage old = slots.put(image.type(), loaded);
        if (old != null) {
            old.close();
        }
        if (loaded instanceof HeldImage held) {
            stageAhead(held);
        }
    }

    /**
     * Stages {@code held}'s page list now, off the exec's critical path, replacing whatever was
     * staged for the image it replaces. Staging too small is not this load's refusal: the exec
     * then builds the list itself and answers -ENOMEM, as before. Only where staging lies outside
     * the guest's RAM ({@link KexecConfig#loadable}): the build writes nothing a running guest uses.
     */
    private void stageAhead(HeldImage held) {
        dropStagedAhead();
        if (config.loadable().stream().anyMatch(config.staging()::overlaps)) {
            return; // staging over guest RAM: written at exec only, the guest stopped
        }
        try {
            stagedAhead = StagedAhead.build(memory, config.staging(), held);
        } catch (KexecException | OutOfMemoryError e) {
            dev.jkexec.platform.BootProfile.mark("load: page list not staged ahead (" + e.getMessage() + ")");
            return;
        }
        dev.jkexec.platform.BootProfile.mark("load: page list and source pages staged");
    }

    private void dropStagedAhead() {
        if (stagedAhead != null) {
            stagedAhead.close();
            stagedAhead = null;
        }
    }

    /** {@code KEXEC_CMD_kexec_unload} (spec §3.2): empties the slot; 0 even if it was empty. The crash region is not scrubbed. */
    public void unload(ImageType type) {
        lock.lock();
        try {
            notHandingOver();
            notFrozen(Objects.requireNonNull(type, "type"), "unload");
            LoadedImage old = slots.remove(type);
            if (old != null) {
                old.close();
            }
            if (type == ImageType.DEFAULT) {
                dropStagedAhead();
            }
        } finally {
            lock.unlock();
        }
    }

    /** {@code KEXEC_CMD_kexec_unload_v1}: exactly {@link #unload}. */
    public void unloadV1(ImageType type) {
        unload(type);
    }

    /** {@code KEXEC_CMD_kexec_status}: whether an image of {@code type} is loaded (DESIGN; not Xen's slot bit, §8.1). */
    public boolean status(ImageType type) {
        lock.lock();
        try {
            return slots.containsKey(Objects.requireNonNull(type, "type"));
        } finally {
            lock.unlock();
        }
    }

    /** What is loaded in {@code type}'s slot, if anything. */
    public Optional<ImageInfo> image(ImageType type) {
        lock.lock();
        try {
            LoadedImage li = slots.get(type);
            return li == null ? Optional.empty() : Optional.of(new ImageInfo(type, li.image().arch(), li.image().entry(),
                    li.image().segments(), li.sha256(), li.v1()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code KEXEC_CMD_kexec} (spec §3.3): hands the machine over to the loaded image of
     * {@code type}, holding the lock throughout.
     *
     * <ol>
     *   <li>empty slot: -ENOENT;</li>
     *   <li>verify the SHA-256: default against the digest of its held bytes taken at load; crash by
     *       comparing its destination ranges in the crash region with the pristine copy kept at load
     *       (the region is hashed only when they differ, to name the damage). A mismatch calls
     *       {@link HandoverTarget#imageDamaged} and throws {@link ImageDamagedException};</li>
     *   <li>make the plan: default — stage source pages and the page list (-ENOMEM if staging is too
     *       small); crash — nothing to relocate. A crash image's digest may have been taken ahead
     *       ({@link #digestAhead}) while the guest was stopped: it is still checked here, before
     *       anything is handed over;</li>
     *   <li>{@link HandoverTarget#handOver}; loads and unloads from inside it get -EBUSY;</li>
     *   <li>on return: a crash slot is frozen — crash loads, unloads and execs get -EBUSY — while the
     *       crash kernel runs over those bytes, until a default image is executed (which also empties
     *       it); a default image stays loaded (its held copy is intact).</li>
     * </ol>
     *
     * @return the plan that was handed over
     */
    public HandoverPlan exec(ImageType type, HandoverTarget target) {
        return exec(type, target, DigestAhead.NONE, false);
    }

    /**
     * {@link #exec(ImageType, HandoverTarget)} with the image's digest taken ahead
     * ({@link #digestAhead}): used if it was taken of the image the slot holds now, else the image
     * is hashed again here. The check itself, and what a mismatch does, are the same.
     */
    public HandoverPlan exec(ImageType type, HandoverTarget target, DigestAhead ahead) {
        return exec(type, target, Objects.requireNonNull(ahead, "ahead"), false);
    }

    /**
     * Starts hashing the image of {@code type} now, on another thread, for an exec that has other
     * work to do first (the crash path: capture the vCPUs, find the guest's kernel). The caller
     * must keep the image's bytes still until that exec — for a crash image, in guest RAM, the
     * guest stopped. With the slot empty, nothing is hashed (the exec then answers -ENOENT).
     */
    public DigestAhead digestAhead(ImageType type) {
        Objects.requireNonNull(type, "type");
        lock.lock();
        try {
            LoadedImage li = slots.get(type);
            return li == null ? DigestAhead.NONE : DigestAhead.start(li);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs the crash image's compare with its pristine copy ({@link CrashRegionImage#intact}) on
     * this thread, {@code rounds} times, and throws the answers away: the first compares of a JVM
     * run interpreted and C1-compiled code (measured: 27–39 ms for 80 MB cold, 7 ms warm), which a
     * crash would otherwise pay between its panic and the crash kernel's entry. Under the lock, so
     * the image cannot be replaced or freed meanwhile; nothing is written. With no crash image, nothing.
     */
    public void warmCrashCompare(int rounds) {
        lock.lock();
        try {
            if (slots.get(ImageType.CRASH) instanceof CrashRegionImage crash) {
                for (int i = 0; i < rounds; i++) {
                    crash.intact();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The first exec of a machine whose vCPUs have never run, for its default image: as
     * {@link #exec}, except that the held image is written straight to its destinations (zero
     * tails included) instead of into staging with a page list. No code has run in the machine,
     * so no page can be stale and nothing the copy overwrites is in use: the firmware has nothing
     * to relocate ({@code pageListHead} 0) and nothing to refresh. Nor is the held block hashed
     * again: it is jkexec's own, read-only and out of the guest's reach, so the digest taken at
     * load stands. Exec after the machine ran must use {@link #exec}, where the page-list walk is
     * what makes the handover safe.
     */
    public HandoverPlan execFirst(HandoverTarget target) {
        return exec(ImageType.DEFAULT, target, DigestAhead.NONE, true);
    }

    /**
     * The first boot of a machine whose vCPUs have never run: {@link #load} of a toolstack's default
     * image and {@link #execFirst}, with only the writing of the image on the critical path.
     *
     * <ol>
     *   <li>check: every rule of {@link #load} ({@link ImageRules#check}) and every buffer fetched,
     *       before anything is written — a refusal leaves the slot and memory as they were;</li>
     *   <li>place: each buffer written from the image's own (host) memory straight to its
     *       destination, zero tail included — no relocation copy, no page list;</li>
     *   <li>keep: the slot gets the image at once, its bytes the toolstack's own read-only buffers
     *       ({@link HeldImage#borrowing}: host memory nobody modifies, out of the guest's reach, so
     *       nothing to copy). Nothing is hashed before the handover: these bytes came from the host
     *       and no guest code has run that could have changed them. Their SHA-256 is taken once,
     *       after the handover, on another thread, from those buffers — never from guest RAM, which
     *       the new kernel rewrites. Whatever needs it later (the image's digest, a re-exec) waits
     *       for it, and gets its failure (-EIO) if it failed; so does the plan's
     *       ({@link HandoverPlan#sha256});</li>
     *   <li>{@link HandoverTarget#handOver}, as {@link #exec}.</li>
     * </ol>
     *
     * Exec after the machine ran must use {@link #exec}.
     *
     * @throws IllegalArgumentException for a crash image
     */
    public HandoverPlan bootFirst(KexecImage image, HandoverTarget target) {
        Objects.requireNonNull(target, "target");
        ImageDescriptor descriptor = ImageDescriptor.of(image);
        lock.lock();
        try {
            notHandingOver();
            if (crashKernelRunning) {
                throw new IllegalStateException("a crash kernel ran on this machine: the next kernel needs exec, not the first boot");
            }
            ValidImage valid = ImageRules.check(descriptor, config, KexecImage.MAX_SEGMENTS);
            if (valid.type() != ImageType.DEFAULT) {
                throw new IllegalArgumentException("the first boot takes a default image, not a " + valid.type().label() + " image");
            }
            MemorySegment[] from = Buffers.fetch(valid, i -> image.segments().get(i).buffer());
            dev.jkexec.platform.BootProfile.mark("first boot: image checked");
            try {
                writeAtDestinations(valid, i -> from[i]);
            } catch (RuntimeException | InternalError fault) {
                // A buffer that is a file's mapping, the file truncated since: named, not a fault.
                java.util.Optional<dev.jkexec.platform.InputFileException> named = MappedFiles.faulted(fault, from);
                if (named.isPresent()) {
                    throw named.get();
                }
                throw fault;
            }
            // The bytes written are the ones checked and planned only if the files mapped did not
            // change since (MappedFiles says what this misses); nothing has run yet: refuse here.
            MappedFiles.changed(from).ifPresent(e -> {
                throw e;
            });
            dev.jkexec.platform.BootProfile.mark("first boot: image written at its destinations");
            HeldImage held = HeldImage.borrowing(valid, from, List.of(), false);
            HandoverPlan plan = inPlacePlan(held, held.digest());
            try {
                LoadedImage old = slots.put(ImageType.DEFAULT, held);
                if (old != null) {
                    old.close();
                }
                dropStagedAhead();
                handingOver = true;
                try {
                    target.handOver(plan);
                } finally {
                    handingOver = false;
                }
            } finally {
                held.startDigest(); // after the handover: the hash does not compete with it
                dev.jkexec.platform.BootProfile.mark("first boot: SHA-256 started in the background");
            }
            return plan;
        } finally {
            lock.unlock();
        }
    }

    private HandoverPlan exec(ImageType type, HandoverTarget target, DigestAhead ahead, boolean inPlace) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(target, "target");
        lock.lock();
        try {
            notHandingOver();
            notFrozen(type, "exec");
            LoadedImage li = slots.get(type);
            if (li == null) {
                throw new KexecException(ENOENT, "type", "no " + type.label() + " image loaded");
            }
            // A held image's block is jkexec's own, read-only and out of the guest's reach; before the
            // machine ever ran, nothing can have changed it since load: its digest stands (hash once).
            // Otherwise the digest taken ahead (the crash path, while the vCPUs are read) or one now.
            boolean firstPlacement = inPlace && li instanceof HeldImage;
            // The same holds after the machine ran for a block jkexec copied at load (HeldImage.ownsCopy):
            // the guest never reaches it, so hashing it again proves nothing the copy does not. What the
            // guest could reach — staging pages — is compared with the block (StagedAhead.intact) or
            // built from it now. Borrowed buffers (the first boot's file mapping) and crash images
            // (in guest RAM) are hashed again, as before.
            boolean ownCopy = li instanceof HeldImage h && h.ownsCopy();
            // A target that holds the entry back gets the handover first and the verdict after: the
            // digest is taken while the machine runs up to the image's entry (the firmware's walk and
            // refresh), and the image is entered only if it matches. Nothing of the image runs before
            // that, so the guarantee is the one of verifying first; only the wait moves off the path.
            boolean stands = firstPlacement || ownCopy;
            boolean held = !stands && target.holdsEntry();
            Sha256 now = stands ? li.sha256() : null;
            if (!stands && !held) {
                now = verified(type, li, ahead, target::imageDamaged);
                dev.jkexec.platform.BootProfile.mark("exec: digest verified");
            }
            // A held handover's plan carries the digest taken at load, which it is entered with only if it matches.
            Sha256 planned = held ? li.sha256() : now;
            HandoverPlan plan = firstPlacement && li instanceof HeldImage h ? placed(h, planned) : plan(li, planned);
            dev.jkexec.platform.BootProfile.mark("exec: page list and source pages staged");
            handingOver = true;
            try {
                if (held) {
                    target.handOverHeld(plan);
                    dev.jkexec.platform.BootProfile.mark("exec: handed over, entry held");
                    verified(type, li, ahead, target::refuse); // the entry stays held on a mismatch
                    dev.jkexec.platform.BootProfile.mark("exec: digest verified (entry held meanwhile)");
                    target.release();
                } else {
                    target.handOver(plan);
                }
            } finally {
                handingOver = false;
            }
            if (type == ImageType.CRASH) {
                crashKernelRunning = true; // the slot stays loaded and frozen: it is what runs now
            } else if (crashKernelRunning) {
                crashKernelRunning = false; // the crash kernel is gone with the machine it ran on
                LoadedImage ran = slots.remove(ImageType.CRASH);
                if (ran != null) {
                    ran.close();
                }
            }
            return plan;
        } finally {
            lock.unlock();
        }
    }

    /** The image's digest now (or the one taken ahead of this exec), checked against load's; a mismatch is given to {@code report}, then thrown. */
    private static Sha256 verified(ImageType type, LoadedImage li, DigestAhead ahead,
                                   java.util.function.Consumer<ImageDamagedException> report) {
        Sha256 now = ahead.of(li);
        if (now == null) {
            now = li.digestNow();
        }
        if (!now.equals(li.sha256())) {
            ImageDamagedException damage = new ImageDamagedException(type, li.sha256(), now);
            report.accept(damage);
            throw damage;
        }
        return now;
    }

    /** Writes a held image at its destinations, for a machine that never ran ({@link #execFirst}). */
    private HandoverPlan placed(HeldImage held, Sha256 verified) {
        writeAtDestinations(held.image(), held::buffer);
        return inPlacePlan(held, DeferredSha256.of(verified));
    }

    /**
     * Every buffered segment's bytes at its destination, then zeros to its end; into pages a
     * machine that never ran has not touched, so through the RAM file ({@link PhysicalMemory#writeFresh}).
     */
    private void writeAtDestinations(ValidImage img, java.util.function.IntFunction<MemorySegment> buffer) {
        List<SegmentDescriptor> segs = img.segments();
        for (int i = 0; i < segs.size(); i++) {
            SegmentDescriptor s = segs.get(i);
            if (s.buffered()) {
                memory.writeFresh(s.dest(), buffer.apply(i));
                memory.zero(s.dest() + s.bufSize(), s.destSize() - s.bufSize());
            }
        }
    }

    /** The plan of an image already at its destinations: nothing to relocate, nothing to refresh. */
    private static HandoverPlan inPlacePlan(HeldImage held, DeferredSha256 digest) {
        ValidImage img = held.image();
        List<PhysicalRange> mapped = new ArrayList<>(img.allDestinations());
        mapped.addAll(held.extraMappings());
        return new HandoverPlan(img.type(), img.arch(), img.entry(), 0, List.of(), mapped, img.segments(), digest, null);
    }

    private HandoverPlan plan(LoadedImage li, Sha256 verified) {
        ValidImage img = li.image();
        List<PhysicalRange> mapped = new ArrayList<>(img.allDestinations());
        mapped.addAll(li.extraMappings());
        return switch (li) {
            case HeldImage held -> {
                PageList list = stagedAhead != null && stagedAhead.isOf(held) && stagedAhead.intact(memory)
                        ? stagedAhead.list()
                        : PageListBuilder.build(memory, config.staging(), img.segments(), held::buffer);
                yield new HandoverPlan(img.type(), img.arch(), img.entry(), list.head(), List.of(), mapped,
                        img.segments(), DeferredSha256.of(verified), list);
            }
            case CrashRegionImage inRegion -> new HandoverPlan(img.type(), img.arch(), img.entry(), 0,
                    inRegion.refreshRanges(), mapped, img.segments(), DeferredSha256.of(verified), null);
        };
    }

    /** Frees every held image. The core must not be used afterwards. */
    @Override
    public void close() {
        lock.lock();
        try {
            slots.values().forEach(LoadedImage::close);
            slots.clear();
            dropStagedAhead();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a crash handover happened and no default image has been executed since. */
    public boolean crashKernelRunning() {
        lock.lock();
        try {
            return crashKernelRunning;
        } finally {
            lock.unlock();
        }
    }

    private void notFrozen(ImageType type, String op) {
        if (type == ImageType.CRASH && crashKernelRunning) {
            throw new KexecException(EBUSY, "type", "the crash kernel is running over the crash image: a crash " + op
                    + " would overwrite the kernel that is reading the old guest's memory (frozen until a default image is executed)");
        }
    }

    private void notHandingOver() {
        if (handingOver) {
            throw new KexecException(EBUSY, null, "a handover is in progress");
        }
    }

    private void requireInside(String what, PhysicalRange r) {
        if (!r.isEmpty() && !memory.contains(r.start(), r.size())) {
            throw new IllegalArgumentException(what + " " + r + " outside physical memory 0x"
                    + Long.toHexString(memory.base()) + "+0x" + Long.toHexString(memory.size()));
        }
    }
}
