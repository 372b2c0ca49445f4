package dev.jkexec.cli;

import static dev.jkexec.cli.Report.hex;

import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.image.bzimage.LoadFlag;
import dev.jkexec.image.bzimage.SetupHeader;
import dev.jkexec.image.bzimage.SetupHeaderField;
import dev.jkexec.image.bzimage.XLoadFlag;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ElfNote;
import dev.jkexec.image.elf.ProgramHeader;
import dev.jkexec.image.multiboot.MultibootHeader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The report trees {@code inspect} prints, one builder per format. */
final class ImageReports {
    private ImageReports() {
    }

    /** Everything the setup header, payload and kernel_info say; the vmlinux is added by the caller. */
    static Map<String, Object> bzImage(BzImage img) {
        SetupHeader h = img.header();
        Map<String, Object> r = Report.map();
        r.put("protocol", SetupHeaderField.versionString(h.rawVersion()) + (h.rawVersion() == 0x20E ? " (burnt, read as 2.13)" : ""));
        r.put("header_end", hex(h.end()));
        r.put("kernel_version", img.kernelVersion());
        r.put("loadflags", Report.flags(h.loadFlags(), LoadFlag.decode(h.loadFlags())));
        if (h.has(SetupHeaderField.XLOADFLAGS)) {
            r.put("xloadflags", Report.flags(h.xloadFlags(), XLoadFlag.decode(h.xloadFlags())));
        }
        r.put("relocatable", h.relocatable());
        r.put("setup_sects", h.setupSects());
        r.put("protected_mode_offset", hex(h.protectedModeOffset()));
        r.put("protected_mode_size", hex(img.protectedModeCode().byteSize()));
        List<Map<String, Object>> fields = new ArrayList<>();
        for (SetupHeader.Field f : h.fields()) {
            Map<String, Object> row = Report.map();
            row.put("offset", hex(f.field().offset()));
            row.put("field", f.field().fieldName());
            row.put("size", f.field().sizeIn(h.version()));
            row.put("value", hex(f.value()));
            row.put("since", SetupHeaderField.versionString(Math.max(f.field().since(), 0x200)));
            fields.add(row);
        }
        r.put("setup_header", fields);
        if (img.compression() != null) {
            Map<String, Object> p = Report.map();
            p.put("offset", hex(img.payloadOffset()));
            p.put("length", hex(img.payloadLength()));
            p.put("compression", img.compression().label());
            p.put("claimed_size", hex(img.claimedSize()));
            r.put("payload", p);
        }
        if (img.kernelInfo() != null) {
            Map<String, Object> k = Report.map();
            k.put("offset", hex(img.kernelInfo().fileOffset()));
            k.put("size", hex(img.kernelInfo().size()));
            k.put("size_total", hex(img.kernelInfo().sizeTotal()));
            k.put("setup_type_max", hex(img.kernelInfo().setupTypeMax()));
            r.put("kernel_info", k);
        }
        return r;
    }

    static Map<String, Object> elf(ElfFile elf) {
        Map<String, Object> r = Report.map();
        r.put("class", elf.className());
        r.put("type", elf.typeName());
        r.put("machine", elf.machineName());
        r.put("entry", hex(elf.entry()));
        r.put("build_id", elf.buildId().orElse(null));
        r.put("pvh_entry", elf.pvhEntry().isPresent() ? hex(elf.pvhEntry().getAsLong()) : null);
        List<Map<String, Object>> phdrs = new ArrayList<>();
        for (ProgramHeader ph : elf.programHeaders()) {
            Map<String, Object> row = Report.map();
            row.put("index", ph.index());
            row.put("type", ph.typeName());
            row.put("offset", hex(ph.offset()));
            row.put("vaddr", hex(ph.vaddr()));
            row.put("paddr", hex(ph.paddr()));
            row.put("filesz", hex(ph.filesz()));
            row.put("memsz", hex(ph.memsz()));
            row.put("flags", ph.flagString());
            row.put("align", hex(ph.align()));
            phdrs.add(row);
        }
        r.put("program_headers", phdrs);
        List<Map<String, Object>> notes = new ArrayList<>();
        for (ElfNote n : elf.notes()) {
            Map<String, Object> row = Report.map();
            row.put("owner", n.name());
            row.put("type", n.typeName());
            row.put("desc", n.describeDesc());
            notes.add(row);
        }
        r.put("notes", notes);
        return r;
    }

    static Map<String, Object> multiboot(MultibootHeader h) {
        Map<String, Object> r = Report.map();
        r.put("offset", hex(h.fileOffset()));
        r.put("flags", Report.flags(h.flags(), h.flagNames()));
        r.put("checksum", hex(h.checksum()));
        if (h.hasAddresses()) {
            r.put("header_addr", hex(h.headerAddr()));
            r.put("load_addr", hex(h.loadAddr()));
            r.put("load_end_addr", hex(h.loadEndAddr()));
            r.put("bss_end_addr", hex(h.bssEndAddr()));
            r.put("entry_addr", hex(h.entryAddr()));
        }
        if ((h.flags() & MultibootHeader.FLAG_VIDEO_MODE) != 0) {
            r.put("video", h.modeType() + " " + h.width() + "x" + h.height() + "x" + h.depth());
        }
        return r;
    }
}
