package dev.jkexec.image.testing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds synthetic bzImages in code: real-mode setup sectors with a setup header of any protocol
 * version, then the protected-mode code holding a payload. Defaults describe a modern relocatable
 * 64-bit kernel (protocol 2.15). Fields a version does not have are left zero.
 */
public final class BzImageBuilder {
    public int version = 0x20F;
    public int setupSects = 4;
    public int loadflags = 0x01;
    public int xloadflags = 0x03;
    public long initSize = 0x800000;
    public long prefAddress = 0x1000000;
    public long kernelAlignment = 0x200000;
    public int relocatable = 1;
    public int minAlignment = 21;
    public long cmdlineSize = 2047;
    public long initrdAddrMax = 0x7FFFFFFF;
    public String kernelVersion = "6.1.0-test (jkexec@test) #1";
    /** Bytes of protected-mode code before the payload. */
    public int pmPrefix = 0x200;
    /** Bytes after the payload (as the real kernel's tail and CRC). */
    public int pmSuffix = 0x60;
    public byte[] payload = Payloads.gzip(new byte[64]);

    public static BzImageBuilder modern() {
        return new BzImageBuilder();
    }

    /** Header end for a version: 0x26C for 2.15, shorter for older ones (as real kernels). */
    public int headerEnd() {
        if (version >= 0x20F) {
            return 0x26C;
        } else if (version >= 0x20B) {
            return 0x268;
        } else if (version >= 0x20A) {
            return 0x264;
        } else if (version >= 0x209) {
            return 0x258;
        } else if (version >= 0x208) {
            return 0x250;
        } else if (version >= 0x207) {
            return 0x248;
        } else if (version >= 0x206) {
            return 0x23C;
        } else if (version >= 0x205) {
            return 0x236;
        } else if (version >= 0x203) {
            return 0x230;
        } else if (version >= 0x202) {
            return 0x22C;
        }
        return 0x228;
    }

    public byte[] build() {
        int sects = setupSects == 0 ? 4 : setupSects;
        int pm = (sects + 1) * 512;
        byte[] b = new byte[pm + pmPrefix + payload.length + pmSuffix];
        Le.u8(b, 0x1F1, setupSects);
        Le.u16(b, 0x1FE, 0xAA55);
        Le.u8(b, 0x200, 0xEB);
        Le.u8(b, 0x201, headerEnd() - 0x202);
        Le.u32(b, 0x202, 0x53726448L);
        Le.u16(b, 0x206, version);
        Le.u16(b, 0x1FA, 0xFFFF);
        Le.u8(b, 0x211, loadflags);
        Le.u32(b, 0x214, 0x100000);
        if (kernelVersion != null) {
            int at = 0x300;
            byte[] s = kernelVersion.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(s, 0, b, at, s.length);
            Le.u16(b, 0x20E, at - 0x200);
        }
        if (version >= 0x203) {
            Le.u32(b, 0x22C, initrdAddrMax);
        }
        if (version >= 0x205) {
            Le.u32(b, 0x230, kernelAlignment);
            Le.u8(b, 0x234, relocatable);
        }
        if (version >= 0x206) {
            Le.u32(b, 0x238, cmdlineSize);
        }
        if (version >= 0x208) {
            Le.u32(b, 0x248, pmPrefix);
            Le.u32(b, 0x24C, payload.length);
        }
        if (version >= 0x20A) {
            Le.u8(b, 0x235, minAlignment);
            Le.u64(b, 0x258, prefAddress);
            Le.u32(b, 0x260, initSize);
        }
        if (version >= 0x20C) {
            Le.u16(b, 0x236, xloadflags);
        }
        Arrays.fill(b, pm, pm + pmPrefix, (byte) 0x90);
        System.arraycopy(payload, 0, b, pm + pmPrefix, payload.length);
        return b;
    }
}
