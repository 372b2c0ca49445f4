package dev.jkexec.platform.x86;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A small x86 emitter with labels: the instructions jkexec's firmware and purgatory need, in
 * 16-, 32- and 64-bit code, encoded by hand from the Intel SDM (vol. 2).
 *
 * <p>Code is placed at {@code origin}; labels are absolute addresses. In 16-bit code the code
 * segment's base is {@code origin}, so near jumps reach anything in the 64 KiB from there (IP wraps). Forward references are
 * recorded as fixups and resolved by {@link #assemble()}, which fails on an unbound label or a
 * displacement that does not fit. The current mode ({@link #bits}) decides operand-size prefixes
 * and REX: 16-bit code takes {@code 0x66} for 32-bit operands, 64-bit code takes {@code REX.W}
 * for 64-bit operands. Memory operands are limited to the shapes of {@link Mem}.
 *
 * <p>Not a general assembler: every method emits exactly one documented encoding, so tests can
 * check bytes against the manual (and against binutils once, by hand).
 */
public final class Assembler {
    /** ALU operations in their {@code /digit} order. */
    public enum Alu { ADD, OR, ADC, SBB, AND, SUB, XOR, CMP }

    private enum Kind { REL8, REL16, REL32, ABS16, ABS32, ABS64, RIP32, SEG32 }

    private record Fixup(int position, Kind kind, Label label, long segmentBase, int[] end) {
    }

    private final long origin;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Fixup> fixups = new ArrayList<>();
    private final List<Fixup> open = new ArrayList<>();
    private int bits = 64;

    public Assembler(long origin) {
        this.origin = origin;
    }

    /** Switches the code size of what follows: 16, 32 or 64. */
    public Assembler bits(int bits) {
        if (bits != 16 && bits != 32 && bits != 64) {
            throw new IllegalArgumentException("bits " + bits);
        }
        this.bits = bits;
        return this;
    }

    public Label label(String name) {
        return new Label(name);
    }

    public Assembler bind(Label label) {
        label.bindTo(address());
        return this;
    }

    /** The address of the next byte. */
    public long address() {
        return origin + out.size();
    }

    public int size() {
        return out.size();
    }

    // ---- data ---------------------------------------------------------------------------

    public Assembler db(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    public Assembler dw(int v) {
        return le(v, 2);
    }

    public Assembler dd(long v) {
        return le(v, 4);
    }

    public Assembler dq(long v) {
        return le(v, 8);
    }

    /** A 16-bit offset of a label from {@code segmentBase} (a real-mode far pointer's offset word). */
    public Assembler dwSegmentOffset(Label l, long segmentBase) {
        fixup(Kind.ABS16, l, segmentBase);
        return le(0, 2);
    }

    /** A 32-bit absolute address of a label. */
    public Assembler dd(Label l) {
        fixup(Kind.ABS32, l, 0);
        return le(0, 4);
    }

    /** A 64-bit absolute address of a label. */
    public Assembler dq(Label l) {
        fixup(Kind.ABS64, l, 0);
        return le(0, 8);
    }

    /** Pads with {@code fill} up to the next multiple of {@code alignment}. */
    public Assembler align(int alignment, int fill) {
        long rest = address() % alignment;
        return rest == 0 ? this : pad(alignment - rest, fill);
    }

    /** Pads with {@code fill} up to {@code address}. */
    public Assembler fillTo(long address, int fill) {
        if (address < address()) {
            throw new IllegalStateException(String.format("code already at 0x%x, past 0x%x", address(), address));
        }
        return pad(address - address(), fill);
    }

    /**
     * {@code n} bytes of {@code fill}, written at once: the firmware's ROM is ~62 KiB of padding up to
     * its reset vector, and writing it a byte at a time (a synchronized {@code ByteArrayOutputStream.write}
     * each, interpreted in a cold JVM) was ~10 ms of every {@code jkexec run} before QEMU was spawned.
     */
    private Assembler pad(long n, int fill) {
        byte[] bytes = new byte[Math.toIntExact(n)];
        java.util.Arrays.fill(bytes, (byte) fill);
        out.write(bytes, 0, bytes.length);
        return this;
    }

    // ---- simple instructions ------------------------------------------------------------

    public Assembler cli() { return db(0xFA); }
    public Assembler sti() { return db(0xFB); }
    public Assembler cld() { return db(0xFC); }
    public Assembler hlt() { return db(0xF4); }
    public Assembler nop() { return db(0x90); }
    public Assembler ret() { return db(0xC3); }
    public Assembler rdmsr() { return db(0x0F, 0x32); }
    public Assembler wrmsr() { return db(0x0F, 0x30); }
    public Assembler pause() { return db(0xF3, 0x90); }
    public Assembler stc() { return db(0xF9); }
    public Assembler clc() { return db(0xF8); }
    /** {@code rep movsb}: copy CX/ECX/RCX bytes from [SI] to [DI] (the mode's address size). */
    public Assembler repMovsb() { return db(0xF3, 0xA4); }

    /** {@code retf imm16}: far return, then discard {@code bytes} of stack (a BIOS handler returning its own FLAGS). */
    public Assembler retFar(int bytes) {
        db(0xCA);
        return le(bytes, 2);
    }

    /** {@code push sreg} (ES, CS, SS, DS; FS and GS take 0F A0 / 0F A8). */
    public Assembler push(Sreg s) {
        return switch (s) {
            case ES -> db(0x06);
            case CS -> db(0x0E);
            case SS -> db(0x16);
            case DS -> db(0x1E);
            case FS -> db(0x0F, 0xA0);
            case GS -> db(0x0F, 0xA8);
        };
    }

    /** {@code pop sreg} (not CS). */
    public Assembler pop(Sreg s) {
        return switch (s) {
            case ES -> db(0x07);
            case SS -> db(0x17);
            case DS -> db(0x1F);
            case FS -> db(0x0F, 0xA1);
            case GS -> db(0x0F, 0xA9);
            case CS -> throw new IllegalArgumentException("pop cs");
        };
    }
    /** {@code pushf}: pushes RFLAGS (64-bit code) or EFLAGS. */
    public Assembler pushf() { return db(0x9C); }
    /** {@code popf}: pops RFLAGS (64-bit code) or EFLAGS. */
    public Assembler popf() { return db(0x9D); }

    /** Far return: {@code retf} (32-bit code) or {@code lretq} (64-bit code, pops RIP then CS). */
    public Assembler retFar() {
        return bits == 64 ? db(0x48, 0xCB) : db(0xCB);
    }

    /** {@code rep movsq}: copy RCX qwords from [RSI] to [RDI]. 64-bit code. */
    public Assembler repMovsq() { require64(); return db(0xF3, 0x48, 0xA5); }
    /** {@code rep stosq}: store RAX to RCX qwords at [RDI]. 64-bit code. */
    public Assembler repStosq() { require64(); return db(0xF3, 0x48, 0xAB); }
    /** {@code rep movsd}: copy ECX dwords from [ESI] to [EDI]. */
    public Assembler repMovsd() { return db(0xF3, 0xA5); }
    /** {@code rep stosd}: store EAX to ECX dwords at [EDI]. */
    public Assembler repStosd() { return db(0xF3, 0xAB); }

    /** {@code out imm8, al}. */
    public Assembler outAl(int port) { return db(0xE6, port & 0xFF); }
    /** {@code out dx, al}. */
    public Assembler outDxAl() { return db(0xEE); }
    /** {@code in al, imm8}. */
    public Assembler inAl(int port) { return db(0xE4, port & 0xFF); }
    /** {@code out dx, eax}: a 32-bit write to the port in DX (fw_cfg's DMA address halves are 32-bit). */
    public Assembler outDxEax() { return db(0xEF); }

    /** {@code bswap r32} or {@code bswap r64}: reverses the register's bytes (big-endian fields). */
    public Assembler bswap(Reg r) {
        if (r.bits() != 32 && r.bits() != 64) {
            throw new IllegalArgumentException("bswap " + r);
        }
        rex(r.bits() == 64, null, r, false);
        return db(0x0F, 0xC8 + r.low3());
    }

    // ---- moves ---------------------------------------------------------------------------

    /** {@code mov r, imm}: a 64-bit register takes the short zero-extending form when imm fits in 32 bits. */
    public Assembler movImm(Reg r, long imm) {
        switch (r.bits()) {
            case 8 -> { rex(false, null, r, false); db(0xB0 + r.low3(), (int) imm & 0xFF); }
            case 16 -> { opsize(16); rex(false, null, r, false); db(0xB8 + r.low3()); le(imm, 2); }
            case 32 -> { checkU32(imm); opsize(32); rex(false, null, r, false); db(0xB8 + r.low3()); le(imm, 4); }
            default -> {
                require64();
                if (imm >= 0 && imm <= 0xFFFF_FFFFL) {
                    rex(false, null, r, false);
                    db(0xB8 + r.low3());
                    le(imm, 4);
                } else {
                    rex(true, null, r, false);
                    db(0xB8 + r.low3());
                    le(imm, 8);
                }
            }
        }
        return this;
    }

    /** {@code mov r, label}: the label's absolute address (imm32 for 32-bit registers, imm64 for 64-bit). */
    public Assembler movImm(Reg r, Label l) {
        if (r.bits() == 64) {
            rex(true, null, r, false);
            db(0xB8 + r.low3());
            fixup(Kind.ABS64, l, 0);
            return le(0, 8);
        }
        if (r.bits() != 32) {
            throw new IllegalArgumentException("label into " + r);
        }
        opsize(32);
        rex(false, null, r, false);
        db(0xB8 + r.low3());
        fixup(Kind.ABS32, l, 0);
        return le(0, 4);
    }

    /** {@code mov dst, src} between registers of the same width. */
    public Assembler mov(Reg dst, Reg src) {
        sameWidth(dst, src);
        return rmReg(dst.bits() == 8 ? 0x88 : 0x89, src, dst);
    }

    /** {@code mov dst, [m]}. */
    public Assembler load(Reg dst, Mem m) {
        return rmMem(dst.bits() == 8 ? 0x8A : 0x8B, dst.bits(), dst.number(), m, 0, 0);
    }

    /** {@code mov [m], src}. */
    public Assembler store(Mem m, Reg src) {
        return rmMem(src.bits() == 8 ? 0x88 : 0x89, src.bits(), src.number(), m, 0, 0);
    }

    /** {@code mov width [m], imm} (64-bit stores sign-extend a 32-bit immediate). */
    public Assembler storeImm(Mem m, long imm, int width) {
        return switch (width) {
            case 8 -> rmMem(0xC6, 8, 0, m, imm, 1);
            case 16 -> rmMem(0xC7, 16, 0, m, imm, 2);
            case 32 -> rmMem(0xC7, 32, 0, m, imm, 4);
            case 64 -> { checkS32(imm); yield rmMem(0xC7, 64, 0, m, imm, 4); }
            default -> throw new IllegalArgumentException("width " + width);
        };
    }

    /** {@code lea dst, [m]}. */
    public Assembler lea(Reg dst, Mem m) {
        return rmMem(0x8D, dst.bits(), dst.number(), m, 0, 0);
    }

    /** {@code mov r16, sreg} (8C /r): a segment register's selector into a general register. */
    public Assembler movFromSreg(Reg r, Sreg s) {
        if (r.bits() != 16) {
            opsize(16);
        }
        rex(false, null, r, false);
        return db(0x8C, 0xC0 | (s.number << 3) | r.low3());
    }

    /** {@code mov sreg, r16}. */
    public Assembler movSreg(Sreg s, Reg r) {
        rex(false, null, r, false);
        return db(0x8E, 0xC0 | (s.number << 3) | r.low3());
    }

    /** {@code mov crN, r} (a 64-bit register in 64-bit code, else a 32-bit one). */
    public Assembler movToCr(int cr, Reg r) {
        checkCrReg(r);
        return db(0x0F, 0x22, 0xC0 | (cr << 3) | r.low3());
    }

    /** {@code mov r, crN}. */
    public Assembler movFromCr(Reg r, int cr) {
        checkCrReg(r);
        return db(0x0F, 0x20, 0xC0 | (cr << 3) | r.low3());
    }

    // ---- arithmetic ----------------------------------------------------------------------

    /** {@code op dst, src} between registers of the same width. */
    public Assembler alu(Alu op, Reg dst, Reg src) {
        sameWidth(dst, src);
        return rmReg(dst.bits() == 8 ? op.ordinal() * 8 : op.ordinal() * 8 + 1, src, dst);
    }

    /** {@code op r, imm} (imm8 form when it fits, else imm32 sign-extended for 64-bit registers). */
    public Assembler alu(Alu op, Reg r, long imm) {
        if (r.bits() == 8) {
            return rmRegDigit(0x80, op.ordinal(), r, imm, 1);
        }
        if (imm >= -128 && imm <= 127) {
            return rmRegDigit(0x83, op.ordinal(), r, imm, 1);
        }
        if (r.bits() == 64) {
            checkS32(imm);
        } else if (r.bits() == 32) {
            checkU32OrS32(imm);
        }
        return rmRegDigit(0x81, op.ordinal(), r, imm, r.bits() == 16 ? 2 : 4);
    }

    public Assembler add(Reg r, long imm) { return alu(Alu.ADD, r, imm); }
    public Assembler sub(Reg r, long imm) { return alu(Alu.SUB, r, imm); }
    public Assembler and(Reg r, long imm) { return alu(Alu.AND, r, imm); }
    public Assembler or(Reg r, long imm) { return alu(Alu.OR, r, imm); }
    public Assembler cmp(Reg r, long imm) { return alu(Alu.CMP, r, imm); }
    public Assembler xor(Reg dst, Reg src) { return alu(Alu.XOR, dst, src); }

    /** {@code test r, imm}. */
    public Assembler test(Reg r, long imm) {
        return r.bits() == 8 ? rmRegDigit(0xF6, 0, r, imm, 1) : rmRegDigit(0xF7, 0, r, imm, r.bits() == 16 ? 2 : 4);
    }

    /** {@code test a, b}. */
    public Assembler test(Reg a, Reg b) {
        sameWidth(a, b);
        return rmReg(a.bits() == 8 ? 0x84 : 0x85, b, a);
    }

    public Assembler shl(Reg r, int count) { return rmRegDigit(0xC1, 4, r, count, 1); }
    public Assembler rol(Reg r, int count) { return rmRegDigit(0xC1, 0, r, count, 1); }
    public Assembler shr(Reg r, int count) { return rmRegDigit(0xC1, 5, r, count, 1); }
    public Assembler inc(Reg r) { return rmRegDigit(0xFF, 0, r, 0, 0); }
    public Assembler dec(Reg r) { return rmRegDigit(0xFF, 1, r, 0, 0); }

    // ---- stack ---------------------------------------------------------------------------

    /** {@code push r} (64-bit registers in 64-bit code; 16- or 32-bit ones elsewhere, with 0x66 when not the mode's size). */
    public Assembler push(Reg r) {
        stackOpsize(r);
        rex(false, null, r, false);
        return db(0x50 + r.low3());
    }

    public Assembler pop(Reg r) {
        stackOpsize(r);
        rex(false, null, r, false);
        return db(0x58 + r.low3());
    }

    private void stackOpsize(Reg r) {
        if ((bits == 16 && r.bits() == 32) || (bits != 16 && r.bits() == 16)) {
            out.write(0x66);
        }
    }

    /** {@code push imm32} (sign-extended to 64 bits in 64-bit code); {@code push imm16} in 16-bit code. */
    public Assembler pushImm(long imm) {
        if (bits == 16) {
            checkU16(imm);
            db(0x68);
            return le(imm, 2);
        }
        checkS32OrU32For32(imm);
        db(0x68);
        return le(imm, 4);
    }

    /** {@code push [m]} (a qword in 64-bit code, a dword in 32-bit code). */
    public Assembler pushMem(Mem m) {
        return rmMem(0xFF, bits == 64 ? 32 : bits, 6, m, 0, 0);
    }

    // ---- control flow --------------------------------------------------------------------

    /** {@code jmp label} (rel16 in 16-bit code, rel32 otherwise). */
    public Assembler jmp(Label l) {
        begin();
        db(0xE9);
        return rel(l);
    }

    /** {@code jcc label}. */
    public Assembler j(Cond c, Label l) {
        begin();
        db(0x0F, 0x80 | c.code);
        return rel(l);
    }

    /** {@code call label}. */
    public Assembler call(Label l) {
        begin();
        db(0xE8);
        return rel(l);
    }

    /** {@code jmp r}. */
    public Assembler jmp(Reg r) {
        return rmRegDigitNoW(0xFF, 4, r);
    }

    /** {@code jmp [m]} near indirect. */
    public Assembler jmp(Mem m) {
        return rmMem(0xFF, bits == 64 ? 32 : bits, 4, m, 0, 0);
    }

    /** {@code jmp far selector:label} with a 32-bit offset (16- and 32-bit code only). */
    public Assembler jmpFar(int selector, Label l) {
        if (bits == 64) {
            throw new IllegalStateException("direct far jmp is invalid in 64-bit code; use jmpFar(Mem)");
        }
        opsize(32);
        db(0xEA);
        fixup(Kind.ABS32, l, 0);
        le(0, 4);
        return dw(selector);
    }

    /**
     * {@code jmp far selector:(label - segmentBase)} with a 32-bit offset, in 32-bit code: into a
     * segment whose base is not 0 (the purgatory's 16-bit code segment on its way to real mode).
     */
    public Assembler jmpFar(int selector, Label l, long segmentBase) {
        if (bits != 32) {
            throw new IllegalStateException("jmpFar with a segment base is 32-bit code");
        }
        db(0xEA);
        fixup(Kind.SEG32, l, segmentBase);
        le(0, 4);
        return dw(selector);
    }

    /** {@code jmp far segment:offset} with a 16-bit offset (real-mode code: {@code EA iw iw}). */
    public Assembler jmpFar16(int segment, int offset) {
        if (bits != 16) {
            throw new IllegalStateException("jmpFar16 is 16-bit code");
        }
        db(0xEA).dw(offset);
        return dw(segment);
    }

    /** {@code jmp far segment:(label - segment * 16)}, a real-mode far jump to a label. */
    public Assembler jmpFar16(int segment, Label l) {
        if (bits != 16) {
            throw new IllegalStateException("jmpFar16 is 16-bit code");
        }
        db(0xEA);
        fixup(Kind.ABS16, l, (long) segment << 4);
        le(0, 2);
        return dw(segment);
    }

    /** {@code int imm8}. */
    public Assembler intN(int vector) {
        return db(0xCD, vector & 0xFF);
    }

    /** {@code iret} (16-bit code: pops IP, CS, FLAGS). */
    public Assembler iret() {
        return db(0xCF);
    }

    /** {@code in al, dx}. */
    public Assembler inAlDx() {
        return db(0xEC);
    }

    /** {@code jmp far [m]} through an m16:32 pointer (offset dword, then selector word). */
    public Assembler jmpFar(Mem m) {
        return rmMem(0xFF, bits == 16 ? 32 : 32, 5, m, 0, 0);
    }

    /** {@code lgdt [m]} (in 16-bit code with the 0x66 prefix, so a full 32-bit base is loaded). */
    public Assembler lgdt(Mem m) {
        return descriptorTable(2, m);
    }

    /** {@code lidt [m]}. */
    public Assembler lidt(Mem m) {
        return descriptorTable(3, m);
    }

    private Assembler descriptorTable(int digit, Mem m) {
        if (bits == 16) {
            db(0x66);
        }
        return rmMemRaw(new int[] {0x0F, 0x01}, false, digit, m, 0, 0);
    }

    // ---- assembly ------------------------------------------------------------------------

    /** The assembled bytes with every fixup resolved. */
    public byte[] assemble() {
        byte[] code = out.toByteArray();
        for (Fixup f : fixups) {
            long target = f.label.address();
            long end = origin + f.end[0];
            long value = switch (f.kind) {
                case REL8, REL16, REL32, RIP32 -> target - end;
                case ABS16, SEG32 -> target - f.segmentBase;
                case ABS32, ABS64 -> target;
            };
            int width = width(f.kind);
            boolean fits = switch (f.kind) {
                case REL8 -> value >= -128 && value <= 127;
                // IP wraps within the code segment: any target in the same 64 KiB segment is reachable.
                case REL16 -> target - origin >= 0 && target - origin <= 0xFFFF && end - origin <= 0x10000;
                case ABS16 -> value >= 0 && value <= 0xFFFF;
                case REL32, RIP32 -> value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE;
                case ABS32, SEG32 -> value >= 0 && value <= 0xFFFF_FFFFL;
                case ABS64 -> true;
            };
            if (!fits) {
                throw new IllegalStateException(String.format("%s to %s does not fit: 0x%x", f.kind, f.label, value));
            }
            for (int i = 0; i < width; i++) {
                code[f.position + i] = (byte) (value >>> (8 * i));
            }
        }
        return code;
    }

    // ---- encoding helpers ----------------------------------------------------------------

    private Assembler rel(Label l) {
        Kind k = bits == 16 ? Kind.REL16 : Kind.REL32;
        fixup(k, l, 0);
        le(0, k == Kind.REL16 ? 2 : 4);
        end();
        return this;
    }

    private void begin() {
        open.clear();
    }

    private void end() {
        for (Fixup f : open) {
            f.end[0] = out.size();
        }
        open.clear();
    }

    private void fixup(Kind kind, Label l, long segmentBase) {
        Fixup f = new Fixup(out.size(), kind, l, segmentBase, new int[] {out.size() + width(kind)});
        fixups.add(f);
        open.add(f);
    }

    private static int width(Kind k) {
        return switch (k) {
            case REL8 -> 1;
            case REL16, ABS16 -> 2;
            case REL32, RIP32, ABS32, SEG32 -> 4;
            case ABS64 -> 8;
        };
    }

    private Assembler le(long v, int n) {
        for (int i = 0; i < n; i++) {
            out.write((int) (v >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    /** Operand-size prefix for an operand of {@code width} bits in the current mode. */
    private void opsize(int width) {
        if ((bits == 16 && width == 32) || (bits != 16 && width == 16)) {
            out.write(0x66);
        }
    }

    /** REX when needed: W for 64-bit operands, R for the reg field, B for rm/base/opcode register. */
    private void rex(boolean w, Reg regField, Reg rmField, boolean x) {
        boolean r = regField != null && regField.extended();
        boolean b = rmField != null && rmField.extended();
        if (w || r || b || x) {
            require64();
            out.write(0x40 | (w ? 8 : 0) | (r ? 4 : 0) | (x ? 2 : 0) | (b ? 1 : 0));
        }
    }

    /** {@code opcode /r} with {@code reg} in the reg field and {@code rm} as a register operand. */
    private Assembler rmReg(int opcode, Reg reg, Reg rm) {
        if (reg.bits() != 8) {
            opsize(reg.bits());
        }
        rex(reg.bits() == 64, reg, rm, false);
        return db(opcode, 0xC0 | (reg.low3() << 3) | rm.low3());
    }

    /** {@code opcode /digit} on a register operand, followed by an immediate of {@code immBytes}. */
    private Assembler rmRegDigit(int opcode, int digit, Reg rm, long imm, int immBytes) {
        if (rm.bits() != 8) {
            opsize(rm.bits());
        }
        rex(rm.bits() == 64, null, rm, false);
        db(opcode, 0xC0 | (digit << 3) | rm.low3());
        return le(imm, immBytes);
    }

    /** {@code opcode /digit} on a register operand whose size is the mode's default (jmp r, call r). */
    private Assembler rmRegDigitNoW(int opcode, int digit, Reg rm) {
        rex(false, null, rm, false);
        return db(opcode, 0xC0 | (digit << 3) | rm.low3());
    }

    private Assembler rmMem(int opcode, int width, int regNumber, Mem m, long imm, int immBytes) {
        if (width != 8) {
            opsize(width);
        }
        return rmMemRaw(new int[] {opcode}, width == 64, regNumber, m, imm, immBytes);
    }

    /** Encodes prefixes, opcode bytes, ModRM (+SIB, displacement) for a memory operand, then the immediate. */
    private Assembler rmMemRaw(int[] opcode, boolean w, int regNumber, Mem m, long imm, int immBytes) {
        begin();
        if (m.override() != null) {
            out.write(m.override().overridePrefix); // legacy prefixes may come in any order
        }
        int reg3 = regNumber & 7;
        boolean regExt = regNumber >= 8;
        if (bits == 16 && m.base() != null && m.base().bits() == 16) {
            // 16-bit addressing (SDM vol. 2 table 2-1): [si] 100, [di] 101, [bp+disp] 110, [bx] 111
            int rm = switch (m.base().number()) {
                case 6 -> 4;
                case 7 -> 5;
                case 5 -> 6;
                case 3 -> 7;
                default -> throw new IllegalArgumentException("16-bit base must be bx, si, di or bp, not " + m.base());
            };
            for (int b : opcode) {
                out.write(b);
            }
            long disp = m.disp();
            int mod = disp == 0 && rm != 6 ? 0 : (disp >= -128 && disp <= 127 ? 1 : 2);
            out.write((mod << 6) | (reg3 << 3) | rm);
            if (mod == 1) {
                le(disp, 1);
            } else if (mod == 2) {
                checkU16(disp & 0xFFFF);
                le(disp, 2);
            }
        } else if (bits == 16) {
            if (m.base() != null || m.ripRelative()) {
                throw new IllegalArgumentException("16-bit code supports only [disp16] and 16-bit base operands");
            }
            for (int b : opcode) {
                out.write(b);
            }
            out.write((reg3 << 3) | 6);
            if (m.label() != null) {
                fixup(Kind.ABS16, m.label(), m.segmentBase());
                le(0, 2);
            } else {
                checkU16(m.disp());
                le(m.disp(), 2);
            }
        } else if (m.ripRelative()) {
            require64();
            rexRaw(w, regExt, false, false);
            for (int b : opcode) {
                out.write(b);
            }
            out.write((reg3 << 3) | 5);
            fixup(Kind.RIP32, m.label(), 0);
            le(0, 4);
        } else if (m.base() == null) {
            rexRaw(w, regExt, false, false);
            for (int b : opcode) {
                out.write(b);
            }
            if (bits == 64) {
                // [disp32] without base needs a SIB in 64-bit code (mod=00 rm=101 would be RIP-relative).
                out.write((reg3 << 3) | 4);
                out.write(0x25);
            } else {
                out.write((reg3 << 3) | 5);
            }
            if (m.label() != null) {
                fixup(Kind.ABS32, m.label(), 0);
                le(0, 4);
            } else {
                if (bits == 64) {
                    checkS32(m.disp());
                } else {
                    checkU32(m.disp());
                }
                le(m.disp(), 4);
            }
        } else {
            Reg base = m.base();
            if (base.bits() != (bits == 64 ? 64 : 32)) {
                throw new IllegalArgumentException("base " + base + " in " + bits + "-bit code");
            }
            rexRaw(w, regExt, false, base.extended());
            for (int b : opcode) {
                out.write(b);
            }
            long disp = m.disp();
            int mod = disp == 0 && base.low3() != 5 ? 0 : (disp >= -128 && disp <= 127 ? 1 : 2);
            out.write((mod << 6) | (reg3 << 3) | base.low3());
            if (base.low3() == 4) {
                out.write(0x24); // SIB: no index, base = rsp/r12
            }
            if (mod == 1) {
                le(disp, 1);
            } else if (mod == 2) {
                checkS32(disp);
                le(disp, 4);
            }
        }
        le(imm, immBytes);
        end();
        return this;
    }

    private void rexRaw(boolean w, boolean r, boolean x, boolean b) {
        if (w || r || x || b) {
            require64();
            out.write(0x40 | (w ? 8 : 0) | (r ? 4 : 0) | (x ? 2 : 0) | (b ? 1 : 0));
        }
    }

    private void checkCrReg(Reg r) {
        if (r.bits() != (bits == 64 ? 64 : 32)) {
            throw new IllegalArgumentException("control register move with " + r + " in " + bits + "-bit code");
        }
        rex(false, null, r, false);
    }

    private void require64() {
        if (bits != 64) {
            throw new IllegalStateException("64-bit instruction in " + bits + "-bit code");
        }
    }

    private static void sameWidth(Reg a, Reg b) {
        if (a.bits() != b.bits()) {
            throw new IllegalArgumentException("operand widths differ: " + a + ", " + b);
        }
    }

    private static void checkU16(long v) {
        if (v < 0 || v > 0xFFFF) {
            throw new IllegalArgumentException("not a 16-bit offset: 0x" + Long.toHexString(v));
        }
    }

    private static void checkU32(long v) {
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("not a 32-bit value: 0x" + Long.toHexString(v));
        }
    }

    private static void checkS32(long v) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("does not sign-extend from 32 bits: 0x" + Long.toHexString(v));
        }
    }

    private static void checkU32OrS32(long v) {
        if (v < Integer.MIN_VALUE || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("not a 32-bit immediate: 0x" + Long.toHexString(v));
        }
    }

    private void checkS32OrU32For32(long v) {
        if (bits == 64) {
            checkS32(v);
        } else {
            checkU32OrS32(v);
        }
    }
}
