package dev.jkexec.core.crash;

import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.image.crash.VmcoreInfo;
import dev.jkexec.image.crash.VmcoreInfoNote;
import dev.jkexec.platform.PhysicalMemory;

/**
 * jkexec's VMCOREINFO page (the core's {@code KexecConfig.vmcoreinfo()}: what {@code get_range
 * VMCOREINFO} answers and what every ELF core header's VMCOREINFO PT_NOTE points at, the ones a
 * guest's own kexec-tools builds included). At crash time the machine copies the guest kernel's
 * note here, with {@code CRASHTIME=} appended, followed by the empty note that ends a note buffer;
 * with no usable note the page is all zero, which readers see as an empty note buffer.
 */
public final class VmcoreInfoPage {
    private VmcoreInfoPage() {
    }

    /** The largest text that fits {@code page} with its closing note. */
    public static int maxText(PhysicalRange page) {
        return (int) Math.min(Integer.MAX_VALUE, page.size()) - VmcoreInfoNote.DESC_OFFSET - VmcoreInfoNote.HEADER;
    }

    /**
     * Writes {@code info} (or zeros, for {@code null}) into {@code page}; returns whether the note
     * was written. A text too long for the page is refused and the page left zero.
     */
    public static boolean write(PhysicalMemory memory, PhysicalRange page, VmcoreInfo info) {
        memory.zero(page.start(), page.size());
        if (info == null || info.bytes().length > maxText(page)) {
            return false;
        }
        memory.write(page.start(), VmcoreInfoNote.encode(info));
        return true;
    }
}
