package dev.jkexec.platform;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The files {@link InputFile#map} mapped, found again from any slice of their mapping: whoever
 * copies a buffer that may be a file's mapping (the first boot's write into guest RAM, a load, the
 * held image's copy of its own) can name the file when the copy faults, and check that the file
 * is still the one that was checked and planned.
 *
 * <p>The identity recorded when a file is mapped is its size, its last-modified time and its
 * {@code fileKey} (device and inode); {@link #changed} compares them with the file's now. What
 * this does not catch: a rewrite in place that keeps the size within the file system's timestamp
 * granularity of the mapping (the mtime then reads the same), a write through a writable mapping
 * of the file whose mtime the kernel updates only later (at writeback or {@code msync}), or a
 * writer that sets the mtime back ({@code touch -d}). A file replaced by rename is caught (another
 * {@code fileKey}), though the mapping still holds the old bytes then.
 */
public final class MappedFiles {
    /** One mapping: weakly held, so the registry never keeps a mapping (and its file) alive. */
    private record Entry(WeakReference<MemorySegment> mapping, long address, long size, InputFile file, Identity identity) {
        boolean holds(MemorySegment s) {
            return mapping.get() != null && s.address() >= address && s.address() + s.byteSize() <= address + size;
        }
    }

    /**
     * What identifies a file's contents as far as a stat tells. {@code equals} and {@code hashCode}
     * are written out: a record's own bootstrap ({@code ObjectMethods}, method handles spun at every
     * JVM start) ran at the first boot's check, between the image's write and {@code cont}
     * (docs/boot-profile.md, branch cliwindow).
     */
    record Identity(long size, FileTime modified, Object fileKey) {
        static Identity of(InputFile f) throws IOException {
            BasicFileAttributes a = Files.readAttributes(f.path(), BasicFileAttributes.class);
            return new Identity(a.size(), a.lastModifiedTime(), a.fileKey());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Identity i && size == i.size && Objects.equals(modified, i.modified)
                    && Objects.equals(fileKey, i.fileKey);
        }

        @Override
        public int hashCode() {
            return (Long.hashCode(size) * 31 + Objects.hashCode(modified)) * 31 + Objects.hashCode(fileKey);
        }
    }

    private static final List<Entry> ENTRIES = new ArrayList<>();

    private MappedFiles() {
    }

    /** Records {@code mapping} as the whole of {@code file}, with its identity as {@code identity}. */
    static void register(MemorySegment mapping, InputFile file, Identity identity) {
        synchronized (ENTRIES) {
            ENTRIES.removeIf(e -> e.mapping().get() == null);
            ENTRIES.add(new Entry(new WeakReference<>(mapping), mapping.address(), mapping.byteSize(), file, identity));
        }
    }

    private static Optional<Entry> entryOf(MemorySegment s) {
        if (s == null || !s.isMapped()) {
            return Optional.empty();
        }
        synchronized (ENTRIES) {
            return ENTRIES.stream().filter(e -> e.holds(s)).findFirst();
        }
    }

    /** Whether the file of this entry is no longer what was mapped (gone, or another size, mtime or fileKey). */
    private static boolean differs(Entry e) {
        try {
            return !Identity.of(e.file()).equals(e.identity());
        } catch (IOException | RuntimeException gone) {
            return true;
        }
    }

    /**
     * The error for the first of {@code buffers} that is a slice of a mapped file which changed
     * since it was mapped ({@code <field>: <path>: the file changed while jkexec used it (...)},
     * {@link InputFileException.Problem#CHANGED}); empty if none did (or none is a mapping).
     */
    public static Optional<InputFileException> changed(MemorySegment... buffers) {
        for (MemorySegment b : buffers) {
            Optional<Entry> e = entryOf(b);
            if (e.isPresent() && differs(e.get())) {
                return Optional.of(new InputFileException(InputFileException.Problem.CHANGED, e.get().file().field(),
                        e.get().file().path().toString(), "the file changed while jkexec used it (its size, modification time "
                        + "or identity is not what it was when it was checked)", null));
            }
        }
        return Optional.empty();
    }

    /**
     * The error for a copy from {@code buffers} that failed with {@code fault} (the JVM's
     * {@link InternalError} for a page gone under a mapping, or the failed write's own error):
     * {@link InputFile#changedUnder} of the first mapped file among them that changed since it was
     * mapped; empty when none did (the fault is then not the file's doing).
     */
    public static Optional<InputFileException> faulted(Throwable fault, MemorySegment... buffers) {
        Objects.requireNonNull(fault, "fault");
        for (MemorySegment b : buffers) {
            Optional<Entry> e = entryOf(b);
            if (e.isPresent() && differs(e.get())) {
                return Optional.of(e.get().file().changedUnder(fault));
            }
        }
        return Optional.empty();
    }
}
