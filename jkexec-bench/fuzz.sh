#!/usr/bin/env bash
# A fuzzing campaign: every Jazzer @FuzzTest of the project, MINUTES each (default 5), one after the
# other in its own JVM, then docs/fuzzing.md: executions, speed, corpus and findings per target.
#
#   ./jkexec-bench/fuzz.sh [MINUTES] [--only REGEX] [--no-report]
#   ./jkexec-bench/fuzz.sh --seeds        # rewrite the seed corpora from ../shared/testdata
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
while [ $# -gt 0 ]; do
    case "$1" in
        --only) ONLY="$2"; shift 2 ;;
        --no-report) REPORT=0; shift ;;
        --seeds) SEEDS=1; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
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

echo "fuzz.sh: building $modules and their test class paths"
mvn -q -B -ntp test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath \
    -Dmdep.includeScope=test -pl "$modules" -am

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
: > "$RESULTS"
started=$(date -u +%Y-%m-%dT%H:%MZ)
for t in "${targets[@]}"; do
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
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$module" "${execs:-?}" "${speed:-?}" \
        "${corpus:-0}" "${rss:-?}" "${slowest:-?}" "$status" "${hangs:-0}" "${ooms:-0}" "${new:--}" "${exceptions:--}" >> "$RESULTS"
    set -e
    echo "fuzz.sh: $name: ${execs:-?} executions, ${speed:-?}/s, exit $status, new findings: ${new:-none}"
done

[ "$REPORT" = 1 ] || exit 0
REPORT_FILE="$ROOT/docs/fuzzing.md"
{
    echo "# Fuzzing report"
    echo
    echo "Written by \`./jkexec-bench/fuzz.sh $MINUTES\` (started $started, $(nproc) cores shared with other work, load"
    echo "average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $("$JAVA" -version 2>&1 | head -1 | tr -d '"'), Jazzer"
    echo "$(sed -n 's:.*<jazzer.version>\(.*\)</jazzer.version>.*:\1:p' pom.xml)). Each target ran $MINUTES min in fuzzing mode in its own JVM,"
    echo "with a ${SECONDS_PER_TARGET}-s budget; a single input running longer than the class's \`@Timeout\`"
    echo "(Hostile.TIMEOUT_SECONDS) is a hang finding. What each target feeds and which invariants it checks"
    echo "is in its class javadoc; the harness rules are in \`Hostile\` (jkexec-platform test fixtures)."
    echo
    echo "| target | module | executions | exec/s | corpus | peak RSS MiB | slowest input s | exit | hangs | OOM | new findings |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    awk -F'\t' '{ printf "| `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' "$RESULTS"
    echo
    total=$(awk -F'\t' '$3 ~ /^[0-9]+$/ { s += $3 } END { printf "%d", s }' "$RESULTS")
    below=$(awk -F'\t' '!($3 ~ /^[0-9]+$/) || $3 < 10000000 { printf "%s ", $1 }' "$RESULTS")
    echo "Total: $total executions over ${#targets[@]} targets."
    if [ -n "$below" ]; then
        echo "Below the 10 M-execution goal in this run: $below"
    else
        echo "Every target reached the 10 M-execution goal."
    fi
    echo
    echo "## Findings of this run"
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
