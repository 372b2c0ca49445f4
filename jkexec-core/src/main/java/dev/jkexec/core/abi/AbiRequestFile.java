package dev.jkexec.core.abi;

import dev.jkexec.platform.InputFile;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.image.ImageFormatException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A {@code kexec_op} request saved to a file: the call and the guest memory it points into, so it
 * can be decoded, replayed or fuzzed without a machine. All fields little endian:
 *
 * <pre>
 *  off size
 *    0   8  magic "JKXABI01"
 *    8   4  u32 cmd          kexec_op sub-command (any value; 0..6 are defined)
 *   12   4  u32 reserved     0
 *   16   8  u64 argAddress   guest-physical address of the argument structure
 *   24   8  u64 memoryBase   guest-physical address of the first memory byte below
 *   32   8  u64 memorySize   number of memory bytes that follow
 *   40   …  memory           guest memory [memoryBase, memoryBase + memorySize)
 * </pre>
 *
 * Every pointer in the request (argument, segment array, buffers, v1 list and source pages) is a
 * guest-physical address; what falls outside {@code [memoryBase, memoryBase + memorySize)} reads
 * as -EFAULT, exactly as an address outside guest RAM does.
 */
public record AbiRequestFile(long cmd, long argAddress, long memoryBase, byte[] memory) {
    public static final byte[] MAGIC = "JKXABI01".getBytes(StandardCharsets.US_ASCII);
    public static final int HEADER_SIZE = 40;
    public static final int CMD = 8;
    public static final int RESERVED = 12;
    public static final int ARG_ADDRESS = 16;
    public static final int MEMORY_BASE = 24;
    public static final int MEMORY_SIZE = 32;

    public AbiRequestFile {
        Objects.requireNonNull(memory, "memory");
        if (cmd < 0 || cmd > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("cmd " + cmd + " is not a u32");
        }
        if (memoryBase < 0 || memoryBase + memory.length < memoryBase) {
            throw new IllegalArgumentException("memory window 0x" + Long.toHexString(memoryBase) + " does not fit 64 bits");
        }
    }

    /** The memory as a window of physical memory at {@link #memoryBase}. */
    public PhysicalMemory guestMemory() {
        return PhysicalMemory.window(memoryBase, MemorySegment.ofArray(memory));
    }

    /** The file bytes. */
    public byte[] toBytes() {
        byte[] out = new byte[HEADER_SIZE + memory.length];
        MemorySegment s = MemorySegment.ofArray(out);
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        Le.u32(s, CMD, cmd);
        Le.u32(s, RESERVED, 0);
        Le.u64(s, ARG_ADDRESS, argAddress);
        Le.u64(s, MEMORY_BASE, memoryBase);
        Le.u64(s, MEMORY_SIZE, memory.length);
        System.arraycopy(memory, 0, out, HEADER_SIZE, memory.length);
        return out;
    }

    public void write(Path file) throws IOException {
        Files.write(file, toBytes());
    }

    /**
     * Parses a request file.
     *
     * @throws ImageFormatException naming the header field that is wrong
     */
    public static AbiRequestFile parse(byte[] bytes) {
        if (bytes.length < HEADER_SIZE) {
            throw new ImageFormatException("header", Integer.toString(bytes.length),
                    bytes.length + " bytes, shorter than the " + HEADER_SIZE + "-byte header");
        }
        if (!Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new ImageFormatException("magic", new String(bytes, 0, MAGIC.length, StandardCharsets.ISO_8859_1),
                    "not \"JKXABI01\": not a jkexec ABI request file");
        }
        MemorySegment s = MemorySegment.ofArray(bytes);
        long reserved = Le.u32(s, RESERVED);
        if (reserved != 0) {
            throw ImageFormatException.mismatch("reserved", reserved, 0);
        }
        long size = Le.u64(s, MEMORY_SIZE);
        long actual = bytes.length - HEADER_SIZE;
        if (size != actual) {
            throw ImageFormatException.mismatch("memorySize", size, actual);
        }
        long base = Le.u64(s, MEMORY_BASE);
        if (base < 0 || base + size < base) {
            throw new ImageFormatException("memoryBase", ImageFormatException.hex(base), "window does not fit 64 bits");
        }
        return new AbiRequestFile(Le.u32(s, CMD), Le.u64(s, ARG_ADDRESS), base, Arrays.copyOfRange(bytes, HEADER_SIZE, bytes.length));
    }

    /** Largest request file jkexec reads: room for a kernel and a big initrd, never the heap. */
    public static final long MAX_FILE = 512L << 20;

    /** The request file {@code file} names, read through {@link InputFile} ({@code field}: the option or JSON key). */
    public static AbiRequestFile read(String field, Path file) {
        return parse(new InputFile(field, file).read(MAX_FILE, "the largest request file"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AbiRequestFile f && cmd == f.cmd && argAddress == f.argAddress && memoryBase == f.memoryBase
                && Arrays.equals(memory, f.memory);
    }

    @Override
    public int hashCode() {
        return Objects.hash(cmd, argAddress, memoryBase, Arrays.hashCode(memory));
    }

    @Override
    public String toString() {
        return String.format("AbiRequestFile[cmd=%d, argAddress=0x%x, memory=0x%x+0x%x]", cmd, argAddress, memoryBase, memory.length);
    }
}
