package dev.jkexec.core.abi;

import java.util.List;

/**
 * A {@code kexec_op} call with its argument read from guest memory ({@link KexecRequests#decode}).
 * Pointers inside the argument (segment buffers, the v1 list) are not followed yet.
 */
public sealed interface KexecRequest {
    KexecCommand command();

    /** The argument structure as read. */
    AbiStruct argument();

    record Exec(XenKexecExec argument) implements KexecRequest {
        @Override
        public KexecCommand command() {
            return KexecCommand.EXEC;
        }
    }

    record LoadV1(XenKexecLoadV1 argument) implements KexecRequest {
        @Override
        public KexecCommand command() {
            return KexecCommand.LOAD_V1;
        }
    }

    record UnloadV1(XenKexecLoadV1 argument) implements KexecRequest {
        @Override
        public KexecCommand command() {
            return KexecCommand.UNLOAD_V1;
        }
    }

    record GetRange(XenKexecRange argument) implements KexecRequest {
        @Override
        public KexecCommand command() {
            return KexecCommand.GET_RANGE;
        }
    }

    /** A load with its segment array read (at most 15 entries: the count was checked first). */
    record Load(XenKexecLoad argument, List<XenKexecSegment> segments) implements KexecRequest {
        public Load {
            segments = List.copyOf(segments);
        }

        @Override
        public KexecCommand command() {
            return KexecCommand.LOAD;
        }
    }

    record Unload(XenKexecUnload argument) implements KexecRequest {
        @Override
        public KexecCommand command() {
            return KexecCommand.UNLOAD;
        }
    }

    record Status(XenKexecStatus argument) implements KexecRequest {
        @Override
        public KexecCommand command() {
            return KexecCommand.STATUS;
        }
    }
}
