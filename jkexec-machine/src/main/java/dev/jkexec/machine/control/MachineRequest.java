package dev.jkexec.machine.control;

import dev.jkexec.image.ImageType;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.crash.DumpFormat;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything a front end can ask of a running machine, after Firecracker's {@code VmmAction}: the
 * command line ({@code jkexec ctl}, {@code jkexec dump}), the REST API and scenarios build these,
 * and {@link MachineController#handle} is the one place that carries them out. Requests are
 * values, checked when built: a request that exists is well-formed.
 */
public sealed interface MachineRequest {
    /** {@code GET /machine}: both slots, the vCPUs' state, the firmware's last report. */
    record Status() implements MachineRequest {
    }

    /** {@code GET /kexec/images/{type}}: what one slot holds. */
    record GetImage(ImageType type) implements MachineRequest {
        public GetImage {
            Objects.requireNonNull(type, "type");
        }
    }

    /** {@code GET /kexec/ranges/{range}}: Xen's {@code get_range} (range id, vCPU number for {@code cpu}). */
    record GetRange(int range, int nr) implements MachineRequest {
    }

    /** {@code PUT /kexec/images/{type}}: plan a kernel with jkexec's toolstack and load it (Xen's {@code kexec_load}). */
    record Load(KernelSpec spec) implements MachineRequest {
        public Load {
            Objects.requireNonNull(spec, "spec");
        }
    }

    /** {@code DELETE /kexec/images/{type}}: Xen's {@code kexec_unload}. */
    record Unload(ImageType type) implements MachineRequest {
        public Unload {
            Objects.requireNonNull(type, "type");
        }
    }

    /** {@code exec}: Xen's {@code KEXEC_CMD_kexec} of a slot (crash: the crash path). */
    record Exec(ImageType type) implements MachineRequest {
        public Exec {
            Objects.requireNonNull(type, "type");
        }
    }

    /** {@code crash}: the crash path, as a panic would start it. */
    record Crash(String reason) implements MachineRequest {
        public Crash {
            reason = reason == null ? "operator request" : reason;
        }
    }

    /** {@code dump}: a host-side dump into {@code file} (never replaced unless {@code overwrite}). */
    record Dump(Path file, DumpFormat format, int level, boolean overwrite) implements MachineRequest {
        public Dump {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(format, "format");
            if (level < 0 || level > 31) {
                throw new IllegalArgumentException("dump level " + level + " outside 0..31");
            }
        }
    }

    /** {@code pause}: stop the vCPUs. */
    record Pause() implements MachineRequest {
    }

    /** {@code resume}: let the vCPUs run. */
    record Resume() implements MachineRequest {
    }

    /**
     * {@code POST /kexec/op}: a raw {@code kexec_op} in the binary ABI ({@code AbiRequestFile}: the
     * command, the argument's address and the memory it points into), through the same dispatcher
     * as the guest's hypercall.
     */
    record KexecOp(byte[] request) implements MachineRequest {
        public KexecOp {
            Objects.requireNonNull(request, "request");
        }
    }
}
