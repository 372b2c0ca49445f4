/**
 * The handover contract proven on the (emulated) CPU: gdbstub breakpoints at both boundaries, the
 * state read back and checked by the core's {@link dev.jkexec.core.contract.ContractChecker}.
 */
package dev.jkexec.machine.verify;
