package dev.jkexec.qemu.qmp;

import java.util.Arrays;

/** QEMU's run states as {@code query-status} names them (QAPI {@code RunState}, QEMU 7.2). */
public enum RunState {
    DEBUG("debug"),
    INMIGRATE("inmigrate"),
    INTERNAL_ERROR("internal-error"),
    IO_ERROR("io-error"),
    PAUSED("paused"),
    POSTMIGRATE("postmigrate"),
    /** Stopped before the first {@code cont}, or after {@code system_reset} while stopped. */
    PRELAUNCH("prelaunch"),
    FINISH_MIGRATE("finish-migrate"),
    RESTORE_VM("restore-vm"),
    RUNNING("running"),
    SAVE_VM("save-vm"),
    SHUTDOWN("shutdown"),
    SUSPENDED("suspended"),
    WATCHDOG("watchdog"),
    /** Stopped after a pvpanic report with {@code -action panic=pause}. */
    GUEST_PANICKED("guest-panicked"),
    COLO("colo");

    private final String qapiName;

    RunState(String qapiName) {
        this.qapiName = qapiName;
    }

    public String qapiName() {
        return qapiName;
    }

    /** The state QEMU calls {@code name}. */
    public static RunState ofQapiName(String name) {
        return Arrays.stream(values()).filter(s -> s.qapiName.equals(name)).findFirst()
                .orElseThrow(() -> new QmpProtocolException("unknown run state " + QmpJson.quote(name)));
    }
}
