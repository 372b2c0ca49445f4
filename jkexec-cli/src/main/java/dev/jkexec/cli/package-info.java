/**
 * The {@code jkexec} command: one class per subcommand, listed in {@link dev.jkexec.cli.Main}'s table,
 * and the control socket a running machine answers on ({@link dev.jkexec.cli.ApiServer}, a REST API on a Unix socket).
 * Every front end builds {@link dev.jkexec.machine.MachineOptions} and calls the verbs of
 * {@link dev.jkexec.machine.Machine}.
 */
package dev.jkexec.cli;
