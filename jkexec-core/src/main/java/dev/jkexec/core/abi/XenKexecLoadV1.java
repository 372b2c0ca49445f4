package dev.jkexec.core.abi;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * {@code xen_kexec_load_v1_t}, argument of load_v1 and unload_v1 (spec §2.3). Native layout,
 * 160 bytes: {@code i32 type} @0, 4 bytes padding, {@link XenKexecImage} @8. Compat layout,
 * 80 bytes: type @0, image @4.
 */
public record XenKexecLoadV1(int type, XenKexecImage image) implements AbiStruct {
    public static final long SIZE = 160;
    public static final long TYPE = 0;
    public static final long IMAGE = 8;
    public static final long COMPAT_SIZE = 80;
    public static final long COMPAT_IMAGE = 4;

    public XenKexecLoadV1 {
        Objects.requireNonNull(image, "image");
    }

    public static XenKexecLoadV1 read(MemorySegment from) {
        return new XenKexecLoadV1(Le.i32(from, TYPE), XenKexecImage.read(from.asSlice(IMAGE, XenKexecImage.SIZE)));
    }

    @Override
    public void write(MemorySegment to) {
        Le.u32(to, TYPE, type);
        Le.u32(to, TYPE + 4, 0);
        image.write(to.asSlice(IMAGE, XenKexecImage.SIZE));
    }

    @Override
    public String cName() {
        return "xen_kexec_load_v1";
    }

    @Override
    public long size() {
        return SIZE;
    }
}
