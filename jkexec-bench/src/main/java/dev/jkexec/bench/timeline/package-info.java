/** Stamped output lines and the queries scenarios ask of them: pure, QEMU-free, unit tested. */
package dev.jkexec.bench.timeline;
