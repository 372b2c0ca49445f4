/**
 * The toolstack: kernel images in (bzImage, ELF vmlinux, multiboot), kexec images out. This package
 * holds what the toolstack hands the core ({@link dev.jkexec.image.KexecImage},
 * {@link dev.jkexec.image.KexecSegment}, {@link dev.jkexec.image.ImageType},
 * {@link dev.jkexec.image.Arch}) and the forward-only reader every parser uses
 * ({@link dev.jkexec.image.ByteView}, failing with {@link dev.jkexec.image.ImageFormatException}).
 */
package dev.jkexec.image;
