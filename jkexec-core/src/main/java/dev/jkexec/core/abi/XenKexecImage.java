package dev.jkexec.core.abi;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code xen_kexec_image_t}, the v1 image description (spec §2.3). Native layout, 152 bytes:
 * <pre>
 *   0  u64 page_list[17]     ignored since Xen 4.4 (and by jkexec)
 * 136  u64 indirection_page  maddr of the guest's first indirection list page
 * 144  u64 start_address     entry maddr
 * </pre>
 * Compat layout, 76 bytes: page_list 17 × u32 @0, indirection_page @68, start_address @72 (u32 each).
 */
public record XenKexecImage(List<Long> pageList, long indirectionPage, long startAddress) implements AbiStruct {
    /** {@code KEXEC_XEN_NO_PAGES}. */
    public static final int NO_PAGES = 17;
    public static final long SIZE = 152;
    public static final long PAGE_LIST = 0;
    public static final long INDIRECTION_PAGE = 136;
    public static final long START_ADDRESS = 144;
    public static final long COMPAT_SIZE = 76;
    public static final long COMPAT_INDIRECTION_PAGE = 68;
    public static final long COMPAT_START_ADDRESS = 72;

    public XenKexecImage {
        pageList = List.copyOf(pageList);
        if (pageList.size() != NO_PAGES) {
            throw new IllegalArgumentException("page_list has " + NO_PAGES + " entries, not " + pageList.size());
        }
    }

    /** An image description with an all-zero page_list. */
    public static XenKexecImage of(long indirectionPage, long startAddress) {
        return new XenKexecImage(java.util.Collections.nCopies(NO_PAGES, 0L), indirectionPage, startAddress);
    }

    public static XenKexecImage read(MemorySegment from) {
        List<Long> pages = new ArrayList<>(NO_PAGES);
        for (int i = 0; i < NO_PAGES; i++) {
            pages.add(Le.u64(from, PAGE_LIST + 8L * i));
        }
        return new XenKexecImage(pages, Le.u64(from, INDIRECTION_PAGE), Le.u64(from, START_ADDRESS));
    }

    @Override
    public void write(MemorySegment to) {
        for (int i = 0; i < NO_PAGES; i++) {
            Le.u64(to, PAGE_LIST + 8L * i, pageList.get(i));
        }
        Le.u64(to, INDIRECTION_PAGE, indirectionPage);
        Le.u64(to, START_ADDRESS, startAddress);
    }

    @Override
    public String cName() {
        return "xen_kexec_image";
    }

    @Override
    public long size() {
        return SIZE;
    }
}
