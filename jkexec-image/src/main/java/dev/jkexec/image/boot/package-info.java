/**
 * Encoders of what the kernel reads at entry: the zero page ({@link dev.jkexec.image.boot.ZeroPageBuilder},
 * decoded by {@link dev.jkexec.image.boot.ZeroPage}), the e820 table, setup_data nodes and the command line.
 * Each is pure and tested by decoding what it wrote.
 */
package dev.jkexec.image.boot;
