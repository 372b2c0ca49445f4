package dev.jkexec.qemu.qmp;

/**
 * The answer to {@code query-status}.
 *
 * @param state   the run state
 * @param running whether vCPUs are executing (QEMU's own flag; {@code state == RUNNING} in practice)
 */
public record QmpStatus(RunState state, boolean running) {}
