package dev.jkexec.image.plan;

import dev.jkexec.image.boot.CommandLine;
import dev.jkexec.image.boot.E820Table;
import dev.jkexec.image.boot.SetupData;
import dev.jkexec.image.boot.ZeroPage;
import dev.jkexec.image.boot.ZeroPageBuilder;
import dev.jkexec.image.boot.ZeroPageField;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The "setup" segment: the zero page, the command line and the setup_data nodes, in one buffer,
 * as the kernel's own kexec_file loader lays them out:
 * <pre>
 *   +0x0000  boot_params (4096 bytes)
 *   +0x1000  command line, NUL terminated
 *   +align16 SETUP_E820_EXT node, when the e820 table has more than 128 entries
 * </pre>
 * The size is known before the address; the pointers inside (cmd_line_ptr, hdr.setup_data) are
 * written by {@link #build} once the segment is placed: lay out first, then patch.
 */
final class SetupSegment {
    private final byte[] commandLine;
    private final E820Table e820;
    private final SetupData e820Ext;
    private final int e820ExtOffset;
    private final int size;

    SetupSegment(String commandLine, long commandLineLimit, E820Table e820) {
        this.commandLine = CommandLine.encode(commandLine, commandLineLimit);
        this.e820 = e820;
        int end = ZeroPage.SIZE + this.commandLine.length;
        if (e820.overflow().isEmpty()) {
            this.e820Ext = null;
            this.e820ExtOffset = 0;
        } else {
            this.e820Ext = new SetupData(SetupData.SETUP_E820_EXT, E820Table.encode(e820.overflow()));
            this.e820ExtOffset = (end + 15) & -16;
            end = e820ExtOffset + e820Ext.size();
        }
        this.size = end;
    }

    /** Bytes of the segment's buffer. */
    int size() {
        return size;
    }

    /** The segment's bytes for base address {@code base}; the builder receives the pointer fields. */
    Built build(long base, ZeroPageBuilder zeroPage, Long initrd, long initrdSize, Long acpiRsdp) {
        zeroPage.commandLine(base + ZeroPage.SIZE);
        if (initrd != null) {
            zeroPage.ramdisk(initrd, initrdSize);
        }
        if (acpiRsdp != null) {
            zeroPage.acpiRsdp(acpiRsdp);
        }
        zeroPage.e820(e820);
        byte[] out = new byte[size];
        if (e820Ext != null) {
            zeroPage.setupData(base + e820ExtOffset);
            e820Ext.writeTo(out, e820ExtOffset, 0);
        }
        System.arraycopy(zeroPage.build(), 0, out, 0, ZeroPage.SIZE);
        System.arraycopy(commandLine, 0, out, ZeroPage.SIZE, commandLine.length);
        return new Built(MemorySegment.ofArray(out), base + ZeroPage.SIZE, zeroPage.written());
    }

    record Built(MemorySegment buffer, long commandLineAddress, List<ZeroPageField> fields) {
    }
}
