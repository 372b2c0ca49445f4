package dev.jkexec.machine.hypercall;

import static dev.jkexec.core.Errno.EACCES;
import static dev.jkexec.core.Errno.EADDRNOTAVAIL;
import static dev.jkexec.core.Errno.EFAULT;
import static dev.jkexec.core.Errno.EINVAL;
import static dev.jkexec.core.Errno.EIO;
import static dev.jkexec.core.Errno.ENOSYS;
import static dev.jkexec.core.Errno.ERANGE;

import dev.jkexec.core.KexecException;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.abi.KexecCommand;
import dev.jkexec.core.abi.KexecHypercall;
import dev.jkexec.core.abi.KexecRequest;
import dev.jkexec.core.abi.KexecRequests;
import dev.jkexec.core.abi.XenKexecLoadV1;
import dev.jkexec.core.abi.XenKexecRange;
import dev.jkexec.core.kexec.ImageRules;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.core.kexec.RangeId;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The hypercalls a dom0 toolstack makes to load and execute a kexec image (Debian's kexec-tools
 * 2.0.25 through libxenctrl 4.17), served the way Xen 4.17 serves them:
 *
 * <ul>
 *   <li>{@code kexec_op} (37): every {@code KEXEC_CMD_*} through {@link KexecVerbs}, the argument
 *       and segment array read by {@link KexecRequests} (so the same named checks and errno as
 *       {@link KexecHypercall}); {@code get_range} results written back only on success;</li>
 *   <li>{@code multicall} (13): each {@code multicall_entry_t} read once, dispatched, its result
 *       written back; re-entry -EINVAL, an array outside the window -EFAULT, as Xen. jkexec serves
 *       at most {@value #MAX_MULTICALL} entries per call (Xen preempts longer ones with
 *       continuations; jkexec refuses them, -EINVAL);</li>
 *   <li>{@code memory_op} (12) {@code XENMEM_machine_memory_map}: the machine's e820 (-EINVAL when
 *       the caller's buffer has fewer than entries + 1 slots, as Xen), in one of two views — see
 *       below;</li>
 *   <li>{@code sysctl} (35) {@code XEN_SYSCTL_physinfo}: vCPU count (kexec-tools' CPU count),
 *       pages; another interface version is -EACCES;</li>
 *   <li>{@code xen_version} (17) {@code XENVER_version} and {@code XENVER_capabilities}
 *       ({@value #CAPABILITIES}).</li>
 * </ul>
 *
 * Every other hypercall or sub-operation is -ENOSYS, and the operator is told its name once.
 *
 * <p><b>Two views of the machine's memory.</b> kexec-tools takes one memory map for two jobs: it
 * places its segments in the map's RAM, and it hands the same map to the next kernel as its e820.
 * Under Xen the next kernel owns the machine, so the host map (crash area as RAM) serves both. A
 * jkexec guest's next kernel is again a guest whose crash region must stay reserved, while a crash
 * image must be placed inside it. So a caller that asked {@code get_range(MA_CRASH)} — kexec-tools
 * does so first, and only, when it builds a crash image — is building a crash image: until its next
 * load or unload, its memory maps show the crash region as RAM ({@link Facts#crashMemoryMap}); every
 * other caller gets the map its next kernel must have ({@link Facts#memoryMap}). A default image
 * loaded by a caller that was shown the crash view is refused (-EADDRNOTAVAIL): its e820 would give
 * the next guest the crash region. Callers are told apart by their process id; the marks are
 * bounded ({@value #MAX_CRASH_CALLERS}) and forgotten at every handover ({@link #forgetCallers}).
 *
 * <p>Untrusted input: every handle resolves inside the {@link HypercallWindow} (else -EFAULT);
 * every structure is read once, into a value, before it is acted on, so a guest changing its
 * buffers during a call changes at most which bytes a load stores (loads copy and hash their own
 * copy). Nothing is allocated in proportion to a guest number before it was bounded. No exception
 * escapes {@link #call}: a machine failure is -EIO and is told to the operator.
 *
 * <p>32-bit callers ({@link DoorbellFrame#FLAG_COMPAT}) get Xen's compat layouts for
 * {@code multicall_entry_t}, {@code xen_memory_map} and {@code xen_kexec_range_t} (with compat's
 * -ERANGE for results at or above 4 GiB); the new kexec structures have one layout. A compat
 * v1 load is -ENOSYS (its 32-bit list is not walked).
 */
public final class Dom0Hypercalls {
    public static final int MAX_MULTICALL = 1024;
    public static final int MAX_CRASH_CALLERS = 64;
    /** What jkexec's Xen can run: 64-bit and 32-bit PAE PV guests, as a 64-bit Xen 4.17 says. */
    public static final String CAPABILITIES = "xen-3.0-x86_64 xen-3.0-x86_32p";
    static final int MULTICALL_ENTRY = 64;
    static final int MULTICALL_ENTRY_COMPAT = 32;
    static final int MEMORY_MAP = 16;
    static final int MEMORY_MAP_COMPAT = 8;
    static final int E820_ENTRY = 20;
    static final int SYSCTL_SIZE = 136;

    /** What a call produced: a value for the guest, or a handover (the guest is gone: no answer). */
    public sealed interface Outcome {
        record Returned(long value) implements Outcome {
        }

        record HandedOver() implements Outcome {
        }
    }

    /**
     * The machine facts the calls report.
     *
     * @param memoryMap      the e820 the guest is told, which a default image's next kernel gets
     * @param crashMemoryMap the same with the crash region as RAM: where a crash image is placed
     * @param cpus           vCPUs
     * @param totalPages     4 KiB pages of guest RAM
     * @param maxPage        highest page frame of the machine
     */
    public record Facts(MemoryMap memoryMap, MemoryMap crashMemoryMap, int cpus, long totalPages, long maxPage) {
        public Facts {
            Objects.requireNonNull(memoryMap, "memoryMap");
            Objects.requireNonNull(crashMemoryMap, "crashMemoryMap");
        }
    }

    private final KexecVerbs verbs;
    private final Facts facts;
    private final Consumer<String> operator;
    private final Set<String> told = ConcurrentHashMap.newKeySet();
    /** Callers building a crash image (they asked for the crash range), oldest first. */
    private final Set<Integer> crashCallers = java.util.Collections.synchronizedSet(new java.util.LinkedHashSet<>());

    public Dom0Hypercalls(KexecVerbs verbs, Facts facts, Consumer<String> operator) {
        this.verbs = Objects.requireNonNull(verbs, "verbs");
        this.facts = Objects.requireNonNull(facts, "facts");
        this.operator = Objects.requireNonNull(operator, "operator");
    }

    /** Serves one doorbell request against {@code window}. */
    public Outcome call(DoorbellFrame.Request request, HypercallWindow window) {
        if (!request.wellFormed()) {
            tellOnce("frame", "doorbell frame version " + request.version() + " flags 0x" + Integer.toHexString(request.flags())
                    + " is not served: -EINVAL");
            return new Outcome.Returned(EINVAL.negated());
        }
        Call c = new Call(window.handles(request.windowVa()), window.frames(), request.compat(), request.caller());
        return c.dispatch(request.op(), request.args(), false);
    }

    /** Forgets which callers build crash images: after a handover, process ids mean new processes. */
    public void forgetCallers() {
        crashCallers.clear();
    }

    private void markCrashCaller(int caller) {
        synchronized (crashCallers) {
            crashCallers.remove(caller);
            crashCallers.add(caller);
            if (crashCallers.size() > MAX_CRASH_CALLERS) {
                crashCallers.remove(crashCallers.iterator().next());
            }
        }
    }

    private void tellOnce(String key, String message) {
        if (told.add(key)) {
            operator.accept(message);
        }
    }

    private Outcome.Returned enosys(String what) {
        tellOnce(what, "hypercall " + what + " is not served: -ENOSYS");
        return new Outcome.Returned(ENOSYS.negated());
    }

    private static Outcome.Returned ret(long v) {
        return new Outcome.Returned(v);
    }

    /** One call's view of guest memory. */
    private final class Call {
        private final PhysicalMemory handles;
        private final PhysicalMemory frames;
        private final boolean compat;
        private final int caller;

        Call(PhysicalMemory handles, PhysicalMemory frames, boolean compat, int caller) {
            this.handles = handles;
            this.frames = frames;
            this.compat = compat;
            this.caller = caller;
        }

        Outcome dispatch(long op, long[] a, boolean inMulticall) {
            try {
                return switch ((int) op == op ? (int) op : -1) {
                    case XenHypercall.KEXEC_OP -> kexecOp(a[0], a[1]);
                    case XenHypercall.MULTICALL -> inMulticall ? ret(EINVAL.negated()) : multicall(a[0], a[1]);
                    case XenHypercall.MEMORY_OP -> memoryOp(a[0], a[1]);
                    case XenHypercall.SYSCTL -> sysctl(a[0]);
                    case XenHypercall.XEN_VERSION -> xenVersion(a[0], a[1]);
                    default -> enosys(XenHypercall.name(op) + " (" + Long.toUnsignedString(op) + ")");
                };
            } catch (KexecException e) {
                return ret(e.errno().negated());
            } catch (PhysicalMemory.OutOfRangeException e) {
                return ret(EFAULT.negated());
            } catch (RuntimeException e) {
                operator.accept("hypercall " + XenHypercall.name(op) + " failed in jkexec: " + e + ": -EIO");
                return ret(EIO.negated());
            }
        }

        private Outcome kexecOp(long cmd, long arg) {
            KexecCommand command = KexecCommand.ofCode(cmd);
            if (compat && command == KexecCommand.GET_RANGE) {
                return compatGetRange(arg);
            }
            if (compat && command == KexecCommand.LOAD_V1) {
                return enosys("kexec_op kexec_load_v1 from a 32-bit caller");
            }
            if (compat && command == KexecCommand.UNLOAD_V1) {
                require(arg, XenKexecLoadV1.COMPAT_SIZE);
                int type = handles.readInt(arg);
                crashCallers.remove(caller);
                verbs.unload(ImageRules.type(type));
                return ret(0);
            }
            // Read once: every check below looks at these values, never at guest memory again.
            KexecRequest request = KexecRequests.decode(cmd, arg, handles);
            boolean crashView = crashCallers.contains(caller);
            switch (request) {
                case KexecRequest.Exec e -> {
                    verbs.exec(ImageRules.type(e.argument().type()));
                    return new Outcome.HandedOver();
                }
                case KexecRequest.LoadV1 l -> {
                    crashCallers.remove(caller);
                    refuseDefaultFromCrashView(crashView, l.argument().type());
                    verbs.loadV1(l.argument().type(), l.argument().image().indirectionPage(), l.argument().image().startAddress(), frames);
                }
                case KexecRequest.UnloadV1 u -> {
                    crashCallers.remove(caller);
                    verbs.unload(ImageRules.type(u.argument().type()));
                }
                case KexecRequest.GetRange g -> {
                    PhysicalRange r = verbs.getRange(g.argument().range(), g.argument().nr());
                    handles.writeLong(arg + XenKexecRange.SIZE_FIELD, r.size());
                    handles.writeLong(arg + XenKexecRange.START, r.start());
                    if (g.argument().range() == RangeId.CRASH) {
                        markCrashCaller(caller);
                    }
                }
                case KexecRequest.Load l -> {
                    crashCallers.remove(caller);
                    refuseDefaultFromCrashView(crashView, l.argument().type());
                    verbs.load(KexecHypercall.descriptor(l.argument(), l.segments()), i -> KexecRequests.buffer(handles, l.segments(), i));
                }
                case KexecRequest.Unload u -> {
                    crashCallers.remove(caller);
                    verbs.unload(ImageRules.type(u.argument().type()));
                }
                case KexecRequest.Status s -> {
                    return ret(verbs.status(ImageRules.type(s.argument().type())) ? 1 : 0);
                }
            }
            return ret(0);
        }

        private void refuseDefaultFromCrashView(boolean crashView, int type) {
            if (crashView && type == 0) {
                throw new KexecException(EADDRNOTAVAIL, "type", "a default image built from the crash view of memory"
                        + " (this caller asked for the crash range): its next kernel's e820 would hold the crash region");
            }
        }

        /** The compat {@code xen_kexec_range_t}: 16 bytes, 32-bit results, -ERANGE at or above 4 GiB. */
        private Outcome compatGetRange(long arg) {
            require(arg, XenKexecRange.COMPAT_SIZE);
            int range = handles.readInt(arg + XenKexecRange.RANGE);
            int nr = handles.readInt(arg + XenKexecRange.NR);
            PhysicalRange r = verbs.getRange(range, nr);
            if (r.start() >>> 32 != 0 || r.size() >>> 32 != 0) {
                throw new KexecException(ERANGE, "range", range + ": " + r + " does not fit a 32-bit caller");
            }
            handles.writeInt(arg + XenKexecRange.COMPAT_SIZE_FIELD, (int) r.size());
            handles.writeInt(arg + XenKexecRange.COMPAT_START, (int) r.start());
            if (range == RangeId.CRASH) {
                markCrashCaller(caller);
            }
            return ret(0);
        }

        private Outcome multicall(long list, long count) {
            long n = count & 0xFFFF_FFFFL;
            int size = compat ? MULTICALL_ENTRY_COMPAT : MULTICALL_ENTRY;
            if (n > MAX_MULTICALL) {
                tellOnce("multicall-size", "multicall of " + n + " entries refused (jkexec serves up to " + MAX_MULTICALL + "): -EINVAL");
                return ret(EINVAL.negated());
            }
            require(list, n * size);
            for (long i = 0; i < n; i++) {
                long entry = list + i * size;
                long op;
                long[] args = new long[5];
                if (compat) {
                    op = Integer.toUnsignedLong(handles.readInt(entry));
                    for (int k = 0; k < 5; k++) {
                        args[k] = Integer.toUnsignedLong(handles.readInt(entry + 8 + 4L * k));
                    }
                } else {
                    op = handles.readLong(entry);
                    for (int k = 0; k < 5; k++) {
                        args[k] = handles.readLong(entry + 16 + 8L * k);
                    }
                }
                Outcome o = dispatch(op, args, true);
                if (o instanceof Outcome.HandedOver) {
                    return o;
                }
                long result = ((Outcome.Returned) o).value();
                if (compat) {
                    handles.writeInt(entry + 4, (int) result);
                } else {
                    handles.writeLong(entry + 8, result);
                }
            }
            return ret(0);
        }

        private Outcome memoryOp(long cmd, long arg) {
            if (cmd != XenHypercall.XENMEM_MACHINE_MEMORY_MAP) {
                return enosys("memory_op " + Long.toUnsignedString(cmd));
            }
            long structSize = compat ? MEMORY_MAP_COMPAT : MEMORY_MAP;
            require(arg, structSize);
            long capacity = Integer.toUnsignedLong(handles.readInt(arg));
            long buffer = compat ? Integer.toUnsignedLong(handles.readInt(arg + 4)) : handles.readLong(arg + 8);
            List<MemoryRange> map = (crashCallers.contains(caller) ? facts.crashMemoryMap() : facts.memoryMap()).ranges();
            if (buffer != 0) {
                if (capacity < map.size() + 1L) {
                    throw new KexecException(EINVAL, "nr_entries", capacity + " < " + (map.size() + 1) + " (entries + 1)");
                }
                require(buffer, capacity * E820_ENTRY);
                for (int i = 0; i < map.size(); i++) {
                    MemoryRange r = map.get(i);
                    long at = buffer + (long) i * E820_ENTRY;
                    handles.writeLong(at, r.start());
                    handles.writeLong(at + 8, r.size());
                    handles.writeInt(at + 16, r.type().code());
                }
            }
            handles.writeInt(arg, map.size());
            return ret(0);
        }

        private Outcome sysctl(long arg) {
            require(arg, SYSCTL_SIZE);
            int cmd = handles.readInt(arg);
            int version = handles.readInt(arg + 4);
            if (version != XenHypercall.XEN_SYSCTL_INTERFACE_VERSION) {
                throw new KexecException(EACCES, "interface_version",
                        "0x" + Integer.toHexString(version) + " != 0x" + Integer.toHexString(XenHypercall.XEN_SYSCTL_INTERFACE_VERSION));
            }
            if (cmd != XenHypercall.XEN_SYSCTL_PHYSINFO) {
                return enosys("sysctl " + Integer.toUnsignedString(cmd));
            }
            long p = arg + 8;
            handles.zero(p, SYSCTL_SIZE - 8);
            handles.writeInt(p, 1);                        // threads_per_core
            handles.writeInt(p + 4, facts.cpus());          // cores_per_socket
            handles.writeInt(p + 8, facts.cpus());          // nr_cpus
            handles.writeInt(p + 12, facts.cpus() - 1);     // max_cpu_id
            handles.writeInt(p + 16, 1);                    // nr_nodes
            handles.writeLong(p + 40, facts.totalPages());  // total_pages
            handles.writeLong(p + 72, facts.maxPage());     // max_mfn
            return ret(0);
        }

        private Outcome xenVersion(long cmd, long arg) {
            if (cmd == XenHypercall.XENVER_VERSION) {
                return ret((XenHypercall.XEN_MAJOR << 16) | XenHypercall.XEN_MINOR);
            }
            if (cmd != XenHypercall.XENVER_CAPABILITIES) {
                return enosys("xen_version " + Long.toUnsignedString(cmd));
            }
            require(arg, XenHypercall.XEN_CAPABILITIES_INFO_LEN);
            byte[] text = new byte[XenHypercall.XEN_CAPABILITIES_INFO_LEN];
            byte[] caps = CAPABILITIES.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(caps, 0, text, 0, caps.length);
            handles.write(arg, text);
            return ret(0);
        }

        private void require(long address, long length) {
            if (!handles.contains(address, length)) {
                throw new KexecException(EFAULT, "handle", String.format("0x%x+0x%x outside the hypercall window", address, length));
            }
        }
    }
}
