/**
 * Little-endian ELF32/ELF64 files: header, program headers and notes (GNU build id, Xen notes including the
 * PVH entry), parsed by {@link dev.jkexec.image.elf.ElfParser} with every offset and size checked against the file.
 */
package dev.jkexec.image.elf;
