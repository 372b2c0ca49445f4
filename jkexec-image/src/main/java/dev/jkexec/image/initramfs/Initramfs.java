package dev.jkexec.image.initramfs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

/**
 * An initramfs: a "newc" cpio archive (commons-compress, {@code FORMAT_NEW}), optionally gzipped,
 * as the kernel's {@code init/initramfs.c} unpacks it.
 *
 * <p>Entries are written in insertion order, each missing parent directory first (the kernel
 * creates files with {@code O_CREAT} and needs their directory to exist). Every entry is owned by
 * root, has a fixed mtime (reproducible archives) and its own inode number; regular files have one
 * link, so the kernel never mistakes two of them for hard links. Paths are absolute
 * ({@code /bin/sh}) and are stored without the leading slash. Adding a path twice is a caller error.
 */
public final class Initramfs {
    /** One archive member. */
    public sealed interface Entry permits Directory, RegularFile, DeviceNode, Symlink {
        String path();
    }

    public record Directory(String path, int mode) implements Entry {
    }

    /** A regular file whose bytes come from {@code content}, or when it is {@code null}, from {@code source} at build time. */
    public record RegularFile(String path, int mode, byte[] content, Path source) implements Entry {
    }

    /** A character ({@code 'c'}) or block ({@code 'b'}) device node. */
    public record DeviceNode(String path, int mode, char kind, int major, int minor) implements Entry {
    }

    public record Symlink(String path, String target) implements Entry {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private long mtime;

    public static Initramfs create() {
        return new Initramfs();
    }

    public Initramfs dir(String path) {
        return dir(path, 0755);
    }

    public Initramfs dir(String path, int mode) {
        return add(new Directory(normalise(path), mode & 07777));
    }

    public Initramfs file(String path, int mode, byte[] content) {
        return add(new RegularFile(normalise(path), mode & 07777, content.clone(), null));
    }

    public Initramfs file(String path, int mode, String content) {
        return file(path, mode, content.getBytes(StandardCharsets.UTF_8));
    }

    /** A file whose bytes are read from {@code source} when the archive is built (streamed, not held). */
    public Initramfs file(String path, int mode, Path source) {
        if (!Files.isRegularFile(source)) {
            throw new IllegalArgumentException("not a regular file: " + source);
        }
        return add(new RegularFile(normalise(path), mode & 07777, null, source));
    }

    public Initramfs charDevice(String path, int mode, int major, int minor) {
        return add(new DeviceNode(normalise(path), mode & 07777, 'c', major, minor));
    }

    public Initramfs blockDevice(String path, int mode, int major, int minor) {
        return add(new DeviceNode(normalise(path), mode & 07777, 'b', major, minor));
    }

    public Initramfs symlink(String path, String target) {
        return add(new Symlink(normalise(path), Objects.requireNonNull(target, "target")));
    }

    /** {@code /dev/console} (c 5 1), {@code /dev/null} (c 1 3) and {@code /dev/ttyS0} (c 4 64): what an early /init writes to. */
    public Initramfs consoleDevices() {
        return charDevice("/dev/console", 0600, 5, 1).charDevice("/dev/null", 0666, 1, 3).charDevice("/dev/ttyS0", 0660, 4, 64);
    }

    /** An independent copy with the same entries and mtime. */
    public Initramfs copy() {
        Initramfs c = new Initramfs();
        c.entries.putAll(entries);
        c.mtime = mtime;
        return c;
    }

    /** Whether {@code path} is in the archive. */
    public boolean contains(String path) {
        return entries.containsKey(normalise(path));
    }

    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    /** The archive bytes, gzipped when {@code gzip}. */
    public byte[] build(boolean gzip) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeTo(out, gzip);
        return out.toByteArray();
    }

    /** Writes the archive to {@code out} (not closed). */
    public void writeTo(OutputStream out, boolean gzip) {
        try {
            OutputStream sink = new NonClosing(out);
            OutputStream target = gzip ? new FastGzip(sink) : sink;
            try (CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(target, CpioConstants.FORMAT_NEW)) {
                long inode = 1;
                for (Entry e : entries.values()) {
                    write(cpio, e, inode++);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the initramfs", e);
        }
    }

    private void write(CpioArchiveOutputStream cpio, Entry e, long inode) throws IOException {
        CpioArchiveEntry c = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, e.path().substring(1));
        c.setInode(inode);
        c.setTime(mtime);
        c.setUID(0);
        c.setGID(0);
        c.setNumberOfLinks(1);
        byte[] data = null;
        // instanceof, not a pattern switch: the switch's bootstrap spins a class at every JVM start (the
        // AOT cache does not keep it), on the plan's path when --busybox builds the guest's initrd
        // (docs/boot-profile.md, branch cliwindow). Entry is sealed: these four.
        if (e instanceof Directory d) {
            c.setMode(CpioConstants.C_ISDIR | d.mode());
            c.setNumberOfLinks(2);
        } else if (e instanceof RegularFile f) {
            c.setMode(CpioConstants.C_ISREG | f.mode());
            data = f.content();
            c.setSize(data != null ? data.length : Files.size(f.source()));
        } else if (e instanceof DeviceNode n) {
            c.setMode((n.kind() == 'c' ? CpioConstants.C_ISCHR : CpioConstants.C_ISBLK) | n.mode());
            c.setRemoteDeviceMaj(n.major());
            c.setRemoteDeviceMin(n.minor());
        } else {
            Symlink s = (Symlink) e;
            c.setMode(CpioConstants.C_ISLNK | 0777);
            data = s.target().getBytes(StandardCharsets.UTF_8);
            c.setSize(data.length);
        }
        cpio.putArchiveEntry(c);
        if (data != null) {
            cpio.write(data);
        } else if (e instanceof RegularFile f) {
            try (InputStream in = Files.newInputStream(f.source())) {
                long n = in.transferTo(cpio);
                if (n != c.getSize()) {
                    throw new IOException(f.source() + " changed size while being archived: " + n + " != " + c.getSize());
                }
            }
        }
        cpio.closeArchiveEntry();
    }

    private Initramfs add(Entry e) {
        if (entries.containsKey(e.path())) {
            throw new IllegalArgumentException("duplicate initramfs path " + e.path());
        }
        List<String> parents = new ArrayList<>();
        for (int i = e.path().indexOf('/', 1); i > 0; i = e.path().indexOf('/', i + 1)) {
            parents.add(e.path().substring(0, i));
        }
        for (String p : parents) {
            Entry existing = entries.get(p);
            if (existing == null) {
                entries.put(p, new Directory(p, 0755));
            } else if (!(existing instanceof Directory)) {
                throw new IllegalArgumentException(p + " is not a directory, cannot hold " + e.path());
            }
        }
        entries.put(e.path(), e);
        return this;
    }

    static String normalise(String path) {
        String p = path.startsWith("/") ? path : "/" + path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.equals("/") || p.contains("//") || p.contains("/../") || p.endsWith("/..") || p.contains("/./")) {
            throw new IllegalArgumentException("bad initramfs path: " + path);
        }
        return p;
    }

    /**
     * gzip at zlib's fastest level: the default (6) took ~140 ms of CPU for the busybox guest (2 MB),
     * on the critical path of every {@code run} that builds one (the crash kernel's initrd by default);
     * level 1 takes ~50 ms for an archive ~6% larger, which the kernel inflates as fast.
     */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 64 << 10);
            def.setLevel(java.util.zip.Deflater.BEST_SPEED);
        }
    }

    /** Lets the gzip and cpio streams be closed (to finish them) without closing the caller's stream. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
