package dev.jkexec.core.contract;

/**
 * The outcome of one named rule of a handover contract.
 *
 * @param rule   the rule's stable name ({@code mode.long}, {@code rsi.zero-page}, ...)
 * @param pass   whether the state satisfied it
 * @param detail what was found (the values behind the verdict)
 */
public record RuleResult(String rule, boolean pass, String detail) {
    @Override
    public String toString() {
        return String.format("%-4s %-24s %s", pass ? "PASS" : "FAIL", rule, detail);
    }
}
