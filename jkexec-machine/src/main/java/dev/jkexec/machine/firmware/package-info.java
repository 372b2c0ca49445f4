/**
 * jkexec's firmware, generated for one layout: the ROM that runs after every reset
 * ({@link dev.jkexec.machine.firmware.Firmware}), the one-shot handover block it reads
 * ({@link dev.jkexec.machine.firmware.HandoverBlock}), the ACPI tables that tell Linux its vCPUs,
 * and the deliberate contract breaks the checker is proven with ({@link dev.jkexec.machine.firmware.Fault}).
 */
package dev.jkexec.machine.firmware;
