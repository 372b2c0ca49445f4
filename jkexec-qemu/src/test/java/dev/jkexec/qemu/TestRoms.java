package dev.jkexec.qemu;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * Tiny hand-encoded firmware images for machine tests, until the real firmware exists. Each is 64
 * KiB of {@code hlt} (0xF4) with a few bytes of 16-bit real-mode code at the reset vector (ROM
 * offset 0xFFF0, at most 16 bytes); DS base is 0 after reset.
 */
public final class TestRoms {
    /** ROM offset of the reset vector (CS base 0xFFFF0000, IP 0xFFF0). */
    public static final int RESET = 0xFFF0;

    /** {@code mov dx,0x3f8; mov al,'J'; out dx,al; mov al,10; out dx,al; hlt; jmp $-1}: prints "J". */
    public static final byte[] PRINT_J = at(RESET, "BAF803 B04A EE B00A EE F4 EBFD");

    /** {@code mov dx,0x3f8; mov al,[0x600]; out dx,al; mov al,10; out dx,al; hlt; jmp $-1}: echoes RAM byte 0x600. */
    public static final byte[] ECHO_600 = at(RESET, "BAF803 A00006 EE B00A EE F4 EBFD");

    /** {@code mov dx,0x2f8; mov al,'D'; out dx,al; hlt; jmp $-1}: writes "D" to COM2, the doorbell's port. */
    public static final byte[] RING_DOORBELL = at(RESET, "BAF802 B044 EE F4 EBFD");

    /** {@code mov byte [0x500],0x42; hlt; jmp $-1}. */
    public static final byte[] WRITE_500 = at(RESET, "C606000542 F4 EBFD");

    /** {@code lidt [0x700]; int3}: with a zero IDT limit the interrupt triple-faults, and the machine resets. */
    public static final byte[] TRIPLE_FAULT = at(RESET, "0F011E0007 CC");

    /**
     * Real mode → 32-bit protected mode, then, if RAM byte 0x600 is 64, → 64-bit long mode (page
     * tables at 0x10000); loads recognizable register values and halts. Source:
     * {@code src/test/resources/dev/jkexec/qemu/modes-rom.S}.
     */
    public static final byte[] MODES = modes();

    private TestRoms() {}

    /** A 64 KiB hlt-filled ROM with {@code hex} (spaces ignored) at {@code offset}. */
    public static byte[] at(int offset, String hex) {
        byte[] rom = new byte[64 << 10];
        Arrays.fill(rom, (byte) 0xF4);
        byte[] code = HexFormat.of().parseHex(hex.replace(" ", ""));
        System.arraycopy(code, 0, rom, offset, code.length);
        return rom;
    }

    private static byte[] modes() {
        byte[] rom = at(RESET, "E90D01"); // jmp 0x100
        byte[] body = HexFormat.of().parseHex(""
                + "fa2e660f011690020f20c06625ffffff9f6683c8010f22c066ea2001ffff080066b810008ed88ec08ed08ee08ee8bc00"
                + "700000803d00060000407426b811111111bb22222222b933333333ba44444444be55555555bf66666666bd77777777f4"
                + "ebfdbf0000010031c0b900100000f3abc7050000010003100100c7050010010003200100c7051810010003300100c705"
                + "0020010083000000c705f83f01008300e0ffb8000001000f22d80f20e083c8200f22e0b9800000c00f320d000100000f"
                + "300f20c00d000000800f22c0ead301ffff180048b8111111111111111148bbefcdab896745230148b933333333333333"
                + "3348ba444444444444444448be555555555555555548bf666666666666666648bd777777777777777749b88888888888"
                + "88888849b9999999999999999949baaaaaaaaaaaaaaaaa49bbbbbbbbbbbbbbbbbb49bccccccccccccccccc49bddddddd"
                + "dddddddddd49beeeeeeeeeeeeeeeee49bf1032547698badcfef4ebfd8db400000000000000000000ffff0000009acf00"
                + "ffff00000092cf00ffff0000009aaf001f007002ffff");
        System.arraycopy(body, 0, rom, 0x100, body.length);
        return rom;
    }
}
