#!/usr/bin/env bash
# A fuzzing campaign: every Jazzer @FuzzTest of the project, MINUTES each (default 5), one after the
# other in its own JVM, then docs/fuzzing.md: executions, speed, corpus and findings per target.
#
#   ./jkexec-bench/fuzz.sh [MINUTES] [--only REGEX] [--no-report] [--append]
#   ./jkexec-bench/fuzz.sh --seeds        # rewrite the seed corpora from ../shared/testdata
#   ./jkexec-bench/fuzz.sh --report-only  # docs/fuzzing.md from target/fuzz-results.tsv
#
# --append keeps the rows of earlier runs in target/fuzz-results.tsv (a campaign run in parts).
#
# Findings (crash-*, timeout-*) land in the target's src/test/resources/.../<Class>Inputs/<method>/
# directory, where `./run-tests` replays them (Jazzer's regression mode) once they are fixed. The
# generated corpus accumulates in .fuzz-corpus/ (not committed) across campaigns.
# Logs: target/fuzz/<target>.log in each module.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/env.sh"
jkexec_find_jdk
cd "$ROOT"

MINUTES=5
ONLY='.'
REPORT=1
SEEDS=0
APPEND=0
REPORT_ONLY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --only) ONLY="$2"; shift 2 ;;
        --no-report) REPORT=0; shift ;;
        --seeds) SEEDS=1; shift ;;
        --append) APPEND=1; shift ;;
        --report-only) REPORT_ONLY=1; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) MINUTES="$1"; shift ;;
    esac
done
case "$MINUTES" in
    ''|*[!0-9.]*) echo "fuzz.sh: MINUTES must be a number, not '$MINUTES'" >&2; exit 2 ;;
esac
SECONDS_PER_TARGET=$(awk -v m="$MINUTES" 'BEGIN { printf "%d", m * 60 }')

# Targets: Class#method for each @FuzzTest method, with its module.
targets=()
while IFS= read -r file; do
    module="${file%%/src/test/java/*}"
    class="${file#*/src/test/java/}"; class="${class%.java}"; class="${class//\//.}"
    for method in $(awk '/@FuzzTest/ { want = 1; next } want && /void [a-zA-Z0-9_]+\(/ { sub(/.*void /, ""); sub(/\(.*/, ""); print; want = 0 }' "$file"); do
        if [[ "$class#$method" =~ $ONLY ]]; then
            targets+=("$module $class#$method")
        fi
    done
done < <(grep -l '@FuzzTest' jkexec-*/src/test/java -r --include='*FuzzTest.java' | sort)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz.sh: no @FuzzTest matches '$ONLY'" >&2; exit 2; }
modules=$(printf '%s\n' "${targets[@]}" | cut -d' ' -f1 | sort -u | paste -sd, -)

if [ "$REPORT_ONLY" = 0 ]; then
echo "fuzz.sh: building $modules and their test class paths"
mvn -q -B -ntp test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath \
    -Dmdep.includeScope=test -pl "$modules" -am
fi

JAVA="$JAVA_HOME/bin/java"
JVM_FLAGS=(--enable-native-access=ALL-UNNAMED -XX:+EnableDynamicAgentLoading --sun-misc-unsafe-memory-access=allow
           -Xmx2g -Xss4m "-Djkexec.root=$ROOT")

if [ "$SEEDS" = 1 ]; then
    jkexec_ensure_qemu
    python3 scripts/record-qemu-peers.py jkexec-qemu/target/recorded
    for m in jkexec-image:dev.jkexec.image.fuzz.ImageSeeds jkexec-core:dev.jkexec.core.abi.CoreSeeds \
             jkexec-qemu:dev.jkexec.qemu.fuzz.QemuSeeds jkexec-machine:dev.jkexec.machine.hypercall.Dom0Seeds; do
        mod="${m%%:*}"; main="${m#*:}"
        [ -f "$mod/target/test.classpath" ] || continue
        (cd "$mod" && "$JAVA" "${JVM_FLAGS[@]}" -cp "target/test-classes:target/classes:$(cat target/test.classpath)" "$main" .)
    done
    exit 0
fi

findings() { # the finding files of a target's Inputs directory, one a line
    local module="$1" class="$2" method="$3"
    local dir="$module/src/test/resources/$(echo "${class%.*}" | tr . /)/${class##*.}Inputs/$method"
    ls "$dir" 2>/dev/null | grep -E '^(crash|timeout|oom|slow-unit|leak)-' || true
}

RESULTS="$ROOT/target/fuzz-results.tsv"
mkdir -p "$ROOT/target"
[ "$APPEND" = 1 ] || [ "$REPORT_ONLY" = 1 ] || : > "$RESULTS"
started=$(date -u +%Y-%m-%dT%H:%MZ)
[ "$REPORT_ONLY" = 1 ] && targets_run=() || targets_run=("${targets[@]}")
for t in "${targets_run[@]}"; do
    module="${t%% *}"; target="${t#* }"; class="${target%#*}"; method="${target#*#}"
    name="${class##*.}.$method"
    log="$module/target/fuzz/$name.log"
    mkdir -p "$module/target/fuzz"
    before=$(findings "$module" "$class" "$method")
    # The generated corpus lives in .fuzz-corpus/ between campaigns and in the module's .cifuzz-corpus/
    # (where Jazzer wants it) only while its target runs: regression mode (./run-tests) also replays a
    # .cifuzz-corpus it finds, and must replay exactly what CI does, the committed inputs.
    home="$ROOT/.fuzz-corpus/$module/$class/$method"
    work="$module/.cifuzz-corpus/$class/$method"
    mkdir -p "$home" "$(dirname "$work")"
    rm -rf "$work"; mv "$home" "$work"
    echo "fuzz.sh: $name for $MINUTES min ($log)"
    set +e
    (cd "$module" && JAZZER_FUZZ=1 timeout -k 30 $((SECONDS_PER_TARGET + 300)) "$JAVA" "${JVM_FLAGS[@]}" \
        -cp "target/test-classes:target/classes:$(cat target/test.classpath)" \
        dev.jkexec.platform.testing.fuzz.FuzzCampaign "$target" "$SECONDS_PER_TARGET") > "$log" 2>&1
    status=$?
    corpus=$(ls "$work" 2>/dev/null | wc -l)
    mv "$work" "$home"; rmdir -p "$(dirname "$work")" 2>/dev/null || true
    after=$(findings "$module" "$class" "$method")
    new=$(comm -13 <(echo "$before" | sort) <(echo "$after" | sort) | grep . | paste -sd' ' - || true)
    stat() { grep -a "^stat::$1:" "$log" | tail -1 | awk '{ print $2 }'; }
    execs=$(stat number_of_executed_units); speed=$(stat average_exec_per_sec); rss=$(stat peak_rss_mb)
    slowest=$(stat slowest_unit_time_sec)
    exceptions=$(grep -a '^== Java Exception:' "$log" | sed 's/^== Java Exception: //' | cut -c1-160 | sort | uniq -c \
        | awk '{ n = $1; $1 = ""; printf "%s× %s; ", n, substr($0, 2) }')
    hangs=$(grep -ac 'ERROR: libFuzzer: timeout' "$log" || true)
    ooms=$(grep -aEc 'OutOfMemoryError|ERROR: libFuzzer: out-of-memory' "$log" || true)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$module" "${execs:-?}" "${speed:-?}" \
        "${corpus:-0}" "${rss:-?}" "${slowest:-?}" "$status" "${hangs:-0}" "${ooms:-0}" "${new:--}" "${exceptions:--}" \
        "$SECONDS_PER_TARGET" "$(date -u +%Y-%m-%dT%H:%MZ)" >> "$RESULTS"
    set -e
    echo "fuzz.sh: $name: ${execs:-?} executions, ${speed:-?}/s, exit $status, new findings: ${new:-none}"
done

[ "$REPORT" = 1 ] || exit 0
REPORT_FILE="$ROOT/docs/fuzzing.md"
[ -s "$RESULTS" ] || { echo "fuzz.sh: no results in $RESULTS" >&2; exit 1; }
{
    echo "# Fuzzing"
    echo
    echo "Every parser of untrusted bytes has a Jazzer \`@FuzzTest\` (\`*FuzzTest\` classes; what each feeds and which"
    echo "invariants it checks is in its class javadoc, the harness rules in \`Hostile\`, jkexec-platform's test fixtures)."
    echo
    echo "## How to run"
    echo
    echo "- **Regression mode** (CI): \`./run-tests\` (\`mvn verify\`) replays every input kept in"
    echo "  \`src/test/resources/<package>/<Class>Inputs/<method>/\` — the seeds and every fixed finding — through"
    echo "  the target, as a JUnit test. One target: \`mvn -o verify -pl jkexec-machine -am -Dtest=Dom0HypercallsFuzzTest -Dsurefire.failIfNoSpecifiedTests=false\`."
    echo "- **A campaign**: \`./jkexec-bench/fuzz.sh [MINUTES] [--only REGEX]\` fuzzes each target MINUTES (default 5) in"
    echo "  its own JVM, one after the other, and rewrites this file. Findings land as \`crash-*\`/\`timeout-*\` in the"
    echo "  target's Inputs directory; fix them, keep the input, add a row to docs/fuzzing-findings.md. The generated"
    echo "  corpus accumulates in \`.fuzz-corpus/\` (not committed). A campaign in parts: \`--append\`; \`--report-only\`"
    echo "  rewrites this file from \`target/fuzz-results.tsv\`. Seeds: \`./jkexec-bench/fuzz.sh --seeds\`."
    echo
    echo "## Last campaign"
    echo
    echo "Written by \`./jkexec-bench/fuzz.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores shared with other work, load"
    echo "average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $("$JAVA_HOME/bin/java" -version 2>&1 | head -1 | tr -d '"'), Jazzer"
    echo "$(sed -n 's:.*<jazzer.version>\(.*\)</jazzer.version>.*:\1:p' pom.xml)). Each target ran in fuzzing mode in its own JVM,"
    echo "one at a time, for the seconds given; a single input running longer than the class's \`@Timeout\`"
    echo "(Hostile.TIMEOUT_SECONDS) is a hang finding. \"to 10 M\" is the time this target would need for 10 million"
    echo "executions at the rate measured here."
    echo
    echo "| target | module | finished | s | executions | exec/s | to 10 M | corpus | peak RSS MiB | slowest input s | exit | hangs | OOM | new findings |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    awk -F'\t' '{ t = "?"; if ($4 ~ /^[0-9]+$/ && $4 > 0) { h = 1e7 / $4 / 3600; t = (h >= 1 ? sprintf("%.1f h", h) : sprintf("%.0f min", h * 60)) }
        printf "| `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, ($14 == "" ? "?" : $14), ($13 == "" ? "?" : $13), $3, $4, t, $5, $6, $7, $8, $9, $10, $11 }' "$RESULTS"
    echo
    total=$(awk -F'\t' '$3 ~ /^[0-9]+$/ { s += $3 } END { printf "%d", s }' "$RESULTS")
    below=$(awk -F'\t' '!($3 ~ /^[0-9]+$/) || $3 < 10000000 { printf "`%s` ", $1 }' "$RESULTS")
    echo "Total: $total executions over $(wc -l < "$RESULTS") targets."
    if [ -n "$below" ]; then
        echo "**The goal of 10 M executions per target was not reached** by: $below— this was a short campaign;"
        echo "the \"to 10 M\" column is what a full one needs on this machine."
    else
        echo "Every target reached 10 M executions."
    fi
    echo
    echo "## Findings of this campaign"
    echo
    if awk -F'\t' '$12 != "-" || $11 != "-" || $8 != 0 { found = 1 } END { exit !found }' "$RESULTS"; then
        awk -F'\t' '$12 != "-" || $11 != "-" || $8 != 0 { printf "- `%s` (exit %s): %s %s\n", $1, $8, ($12 == "-" ? "" : $12), ($11 == "-" ? "" : "inputs: " $11) }' "$RESULTS"
    else
        echo "None: no untyped exception, no broken invariant, no OOM, no hang."
    fi
    echo
    if [ -f docs/fuzzing-findings.md ]; then
        cat docs/fuzzing-findings.md
    fi
} > "$REPORT_FILE"
echo "fuzz.sh: wrote $REPORT_FILE"
