package dev.jkexec.core.contract;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.contract.HandoverContract.NamedRange;
import java.util.ArrayList;
import java.util.List;

/**
 * The zero page rules of the Linux boundaries: what the kernel reads from boot_params before it
 * trusts anything (x86-boot-and-kexec.md §1, §2, §7.1).
 */
final class ZeroPageRules {
    private final PhysicalMemory m;
    private final HandoverContract c;
    private final List<RuleResult> out;

    ZeroPageRules(PhysicalMemory m, HandoverContract c, List<RuleResult> out) {
        this.m = m;
        this.c = c;
        this.out = out;
    }

    void check() {
        long zp = c.zeroPage();
        if (!m.contains(zp, 4096)) {
            out.add(new RuleResult("zero-page.header", false, String.format("zero page 0x%x outside memory", zp)));
            return;
        }
        int bootFlag = Short.toUnsignedInt((short) (m.readInt(zp + 0x1FE) & 0xFFFF));
        int magic = m.readInt(zp + 0x202);
        int sentinel = m.read(zp + 0x1EF, 1)[0] & 0xFF;
        int version = m.readInt(zp + 0x206) & 0xFFFF;
        boolean header = bootFlag == 0xAA55 && magic == 0x53726448 && sentinel == 0;
        out.add(new RuleResult("zero-page.header", header, String.format(
                "boot_flag 0x%x, header 0x%x (HdrS), sentinel 0x%x, protocol %d.%02d", bootFlag, magic, sentinel,
                version >> 8, version & 0xFF)));
        int loader = m.read(zp + 0x210, 1)[0] & 0xFF;
        out.add(new RuleResult("zero-page.loader", loader != 0 && loader != 0xFF,
                String.format("type_of_loader 0x%x", loader)));
        long cmd = Integer.toUnsignedLong(m.readInt(zp + 0x228)) | Integer.toUnsignedLong(m.readInt(zp + 0xC8)) << 32;
        long cmdlineSize = version >= 0x206 ? Integer.toUnsignedLong(m.readInt(zp + 0x238)) : 255;
        long length = -1;
        if (cmd != 0 && m.contains(cmd, 1)) {
            long max = Math.min(cmdlineSize + 1, m.size() - cmd);
            byte[] text = m.read(cmd, (int) Math.min(max, 1 << 16));
            for (int i = 0; i < text.length; i++) {
                if (text[i] == 0) {
                    length = i;
                    break;
                }
            }
        }
        out.add(new RuleResult("zero-page.cmdline", length >= 0 && length <= cmdlineSize, length < 0
                ? String.format("cmd_line_ptr 0x%x: no NUL within cmdline_size %d", cmd, cmdlineSize)
                : String.format("cmd_line_ptr 0x%x, %d bytes <= cmdline_size %d", cmd, length, cmdlineSize)));
        int entries = m.read(zp + 0x1E8, 1)[0] & 0xFF;
        List<String> bad = new ArrayList<>();
        if (entries == 0 || entries > 128) {
            bad.add(entries + " entries");
        }
        for (int i = 0; i < Math.min(entries, 128); i++) {
            long at = zp + 0x2D0 + 20L * i;
            long start = m.readLong(at);
            long size = m.readLong(at + 8);
            int type = m.readInt(at + 16);
            if (type == 1 && !c.ram().isEmpty() && !insideRam(start, size)) {
                bad.add(String.format("RAM [0x%x, 0x%x) outside the machine's RAM", start, start + size));
            }
        }
        out.add(new RuleResult("zero-page.e820", bad.isEmpty(), bad.isEmpty()
                ? entries + " entries, RAM entries inside the machine's RAM" : String.join("; ", bad)));
    }

    private boolean insideRam(long start, long size) {
        for (NamedRange r : c.ram()) {
            if (start >= r.start() && start + size <= r.start() + r.length()) {
                return true;
            }
        }
        return false;
    }
}
