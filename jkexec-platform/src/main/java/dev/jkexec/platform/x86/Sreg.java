package dev.jkexec.platform.x86;

/** Segment registers, in their encoding order. */
public enum Sreg {
    ES(0, 0x26), CS(1, 0x2E), SS(2, 0x36), DS(3, 0x3E), FS(4, 0x64), GS(5, 0x65);

    final int number;
    final int overridePrefix;

    Sreg(int number, int overridePrefix) {
        this.number = number;
        this.overridePrefix = overridePrefix;
    }
}
