package dev.jkexec.qemu.gdb;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The GDB remote serial protocol's framing of the stub's replies: {@code $data#cs}, where cs is
 * the sum of the data bytes mod 256 in two hex digits; anything before the {@code $} (the stub's
 * {@code +} acks, noise) is skipped. The bytes are untrusted: a packet longer than
 * {@link GdbStub#MAX_PACKET} or with a checksum that is not two hex digits or does not match is a
 * {@link BadPacketException}, and memory is bounded by the limit. No socket of its own: the stub
 * passes its reader, the fuzz target a byte array.
 */
final class GdbPackets {
    /** Where the bytes come from; a closed connection or a deadline is the source's own {@link GdbException}. */
    @FunctionalInterface
    interface Source {
        /** The next byte, 0–255. */
        int next();
    }

    /** A reply that is not a well-formed packet: the stub answers {@code -} and the call fails. */
    static final class BadPacketException extends GdbException {
        BadPacketException(String message) {
            super(message);
        }
    }

    private GdbPackets() {
    }

    /** Reads one packet and returns its data (the checksum verified). */
    static String read(Source in, int maxPacket) {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        while (in.next() != '$') {
            // acks and noise before the packet
        }
        int c;
        while ((c = in.next()) != '#') {
            if (packet.size() >= maxPacket) {
                throw new BadPacketException("gdbstub: packet longer than " + maxPacket + " bytes");
            }
            packet.write(c);
        }
        int high = Character.digit(in.next(), 16);
        int low = Character.digit(in.next(), 16);
        byte[] data = packet.toByteArray();
        if (high < 0 || low < 0 || (high << 4 | low) != checksum(data, 0, data.length)) {
            throw new BadPacketException("gdbstub: bad packet checksum");
        }
        return new String(data, StandardCharsets.US_ASCII);
    }

    /**
     * Frames one request: {@code $data#cs}. The data must be printable ASCII without the protocol's
     * own {@code $}, {@code #}, {@code *} or closing brace (jkexec's requests are fixed letters and hex digits), else an
     * {@link IllegalArgumentException} naming the character.
     */
    static byte[] encode(String data) {
        for (int i = 0; i < data.length(); i++) {
            char c = data.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '$' || c == '#' || c == '}' || c == '*') {
                throw new IllegalArgumentException("gdb request character 0x" + Integer.toHexString(c) + " at " + i
                        + " needs escaping, which is not implemented");
            }
        }
        byte[] d = data.getBytes(StandardCharsets.US_ASCII);
        return String.format("$%s#%02x", data, checksum(d, 0, d.length)).getBytes(StandardCharsets.US_ASCII);
    }

    static int checksum(byte[] b, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += b[i] & 0xFF;
        }
        return sum & 0xFF;
    }
}
