/**
 * The handover contract, checked rule by rule on a CPU state and the memory it sees:
 * {@link dev.jkexec.core.contract.HandoverContract} says what must hold at a boundary,
 * {@link dev.jkexec.core.contract.ContractChecker} checks it on {@link dev.jkexec.platform.x86.Registers}.
 */
package dev.jkexec.core.contract;
