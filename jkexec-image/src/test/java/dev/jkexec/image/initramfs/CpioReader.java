package dev.jkexec.image.initramfs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;

/** Reads an archive back with commons-compress, for tests. */
final class CpioReader {
    record Member(CpioArchiveEntry entry, byte[] data) {
    }

    static Map<String, Member> read(byte[] archive, boolean gzip) {
        try (InputStream raw = gzip ? new GZIPInputStream(new ByteArrayInputStream(archive)) : new ByteArrayInputStream(archive);
             CpioArchiveInputStream in = new CpioArchiveInputStream(raw)) {
            Map<String, Member> out = new LinkedHashMap<>();
            CpioArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                out.put(e.getName(), new Member(e, in.readAllBytes()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
