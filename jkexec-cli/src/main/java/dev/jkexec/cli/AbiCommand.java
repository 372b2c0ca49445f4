package dev.jkexec.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jkexec abi}: the kexec_op binary ABI, as request files ({@code decode}, {@code encode}). */
@Command(name = "abi",
        mixinStandardHelpOptions = true,
        description = "The kexec_op binary ABI (Xen's xen_kexec_* structures): decode and build request files.",
        subcommands = {AbiDecodeCommand.class, AbiEncodeCommand.class})
final class AbiCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
