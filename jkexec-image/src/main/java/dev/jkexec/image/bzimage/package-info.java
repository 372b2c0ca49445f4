/**
 * bzImage kernels: the setup header of boot protocols 2.00 to 2.15 ({@link dev.jkexec.image.bzimage.SetupHeader},
 * one {@link dev.jkexec.image.bzimage.SetupHeaderField} per field with the versions that have it), the file
 * layout ({@link dev.jkexec.image.bzimage.BzImage}) and the bounded decompression of the payload
 * ({@link dev.jkexec.image.bzimage.PayloadDecompressor}). Parsers are forward only; every failure is an
 * {@link dev.jkexec.image.ImageFormatException} naming the field.
 */
package dev.jkexec.image.bzimage;
