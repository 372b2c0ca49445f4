package dev.jkexec.core.crash;

import dev.jkexec.core.MachineLayout;
import dev.jkexec.core.PhysicalMemory;
import dev.jkexec.image.crash.VmcoreInfo;
import dev.jkexec.image.crash.VmcoreInfoNote;

/**
 * jkexec's VMCOREINFO page ({@link MachineLayout#vmcoreinfo()}, what {@code get_range
 * VMCOREINFO} answers and what every ELF core header's VMCOREINFO PT_NOTE points at). At crash
 * time the machine copies the guest kernel's note here, with {@code CRASHTIME=} appended, followed
 * by the empty note that ends a note buffer; with no usable note the page is all zero, which
 * readers see as an empty note buffer.
 */
public final class VmcoreInfoPage {
    private VmcoreInfoPage() {
    }

    /** The largest text that fits the page with its closing note. */
    public static int maxText() {
        return (int) MachineLayout.VMCOREINFO_SIZE - VmcoreInfoNote.DESC_OFFSET - VmcoreInfoNote.HEADER;
    }

    /**
     * Writes {@code info} (or zeros, for {@code null}); returns whether the note was written. A text
     * too long for the page is refused and the page left zero.
     */
    public static boolean write(PhysicalMemory memory, MachineLayout layout, VmcoreInfo info) {
        memory.zero(layout.vmcoreinfo(), MachineLayout.VMCOREINFO_SIZE);
        if (info == null || info.bytes().length > maxText()) {
            return false;
        }
        memory.write(layout.vmcoreinfo(), VmcoreInfoNote.encode(info));
        return true;
    }
}
