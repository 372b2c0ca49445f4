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

    static int checksum(byte[] b, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += b[i] & 0xFF;
        }
        return sum & 0xFF;
    }
}
