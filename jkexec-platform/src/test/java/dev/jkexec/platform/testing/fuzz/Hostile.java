package dev.jkexec.platform.testing.fuzz;

import java.util.Arrays;
import java.util.List;

/**
 * The rules every fuzz target of jkexec follows, in one place, so that a target is one small class:
 * a {@code @FuzzTest} method that hands its bytes to {@link #parse} with the parser's typed
 * exception and a body that parses and checks its invariants.
 *
 * <pre>{@code
 * @Pure
 * @Timeout(Hostile.TIMEOUT_SECONDS)
 * class MultibootHeaderFuzzTest {
 *     @FuzzTest
 *     void multibootHeader(byte[] input) {
 *         Hostile.parse(input, 16 << 10, ImageFormatException.class, bytes -> {
 *             MultibootHeader.find(MemorySegment.ofArray(bytes)).ifPresent(h -> ...invariants...);
 *         });
 *     }
 * }
 * }</pre>
 *
 * <p>What counts as a finding (Jazzer reports every {@link Throwable} that escapes the method):
 * <ul>
 *   <li>any exception that is not the parser's typed one — a {@code RuntimeException}
 *       of the JDK or of a library, an {@code Error} (an {@code OutOfMemoryError}, a
 *       {@code StackOverflowError});</li>
 *   <li>a typed rejection whose message is empty or runs over several lines (the CLI prints it as
 *       one line {@code jkexec: <message>});</li>
 *   <li>a broken invariant ({@link #check});</li>
 *   <li>an input that runs longer than {@link #TIMEOUT_SECONDS} (a hang; Jazzer turns the class's
 *       {@code @Timeout} into libFuzzer's {@code -timeout}, and in regression mode JUnit enforces it).</li>
 * </ul>
 * Inputs longer than the target's bound are skipped, so no finding is ever "the input was large";
 * the parsers' own size limits are what is under test, and the bound keeps each execution cheap.
 *
 * <p>Corpora: regression inputs live in {@code src/test/resources/<package>/<Class>Inputs/<method>/}
 * (Jazzer's layout), seeds and every finding that was fixed. {@code mvn test} replays them (regression
 * mode); {@code jkexec-bench/fuzz.sh} fuzzes (see docs/fuzzing.md).
 */
public final class Hostile {
    /** Longest any single input may run, in seconds, in both modes. */
    public static final long TIMEOUT_SECONDS = 10;
    /** Longest accepted rejection message: one line a user can read. */
    public static final int MAX_MESSAGE = 4096;

    private Hostile() {
    }

    /** The body of a target: parses the bytes and checks what must hold of the result. */
    @FunctionalInterface
    public interface Target {
        void accept(byte[] input) throws Exception;
    }

    /** {@link #parse(byte[], int, List, Target)} for one typed exception. */
    public static void parse(byte[] input, int maxBytes, Class<? extends Exception> typed, Target target) throws Exception {
        parse(input, maxBytes, List.of(typed), target);
    }

    /**
     * Runs {@code target} on {@code input} unless it is longer than {@code maxBytes}. An exception
     * of one of the {@code typed} classes is a rejection (its message is checked); anything else
     * escapes and is a finding.
     */
    public static void parse(byte[] input, int maxBytes, List<Class<? extends Exception>> typed, Target target) throws Exception {
        if (input.length > maxBytes) {
            return;
        }
        try {
            target.accept(input);
        } catch (Exception e) {
            if (typed.stream().noneMatch(t -> t.isInstance(e))) {
                throw e;
            }
            rejected(e);
        }
    }

    /** Checks a typed rejection: a message, one line, of readable length. */
    public static void rejected(Throwable e) {
        String m = e.getMessage();
        check(m != null && !m.isBlank(), "rejection without a message", e);
        check(m.indexOf('\n') < 0 && m.indexOf('\r') < 0, "rejection message over several lines", e);
        check(m.length() <= MAX_MESSAGE, "rejection message of " + m.length() + " characters", e);
    }

    /** An invariant: a finding ({@link InvariantViolation}) unless {@code holds}. */
    public static void check(boolean holds, String what) {
        if (!holds) {
            throw new InvariantViolation(what, null);
        }
    }

    /** An invariant about a result or a rejection, with the rejection as the cause. */
    public static void check(boolean holds, String what, Throwable cause) {
        if (!holds) {
            throw new InvariantViolation(what, cause);
        }
    }

    /** Two byte ranges are equal: the first difference is in the message. */
    public static void sameBytes(byte[] expected, byte[] actual, String what) {
        int at = Arrays.mismatch(expected, actual);
        if (at >= 0) {
            throw new InvariantViolation(what + ": first difference at byte " + at + " of " + expected.length
                    + " / " + actual.length, null);
        }
    }

    /** A broken invariant: always a finding, never a typed rejection. */
    public static final class InvariantViolation extends AssertionError {
        InvariantViolation(String what, Throwable cause) {
            super("invariant broken: " + what, cause);
        }
    }
}
