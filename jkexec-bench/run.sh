#!/usr/bin/env bash
# Regenerates docs/performance.md, docs/performance.svg, docs/boot-timeline.svg and the README's
# figures (between its bench markers): builds jkexec, runs the JMH micro benchmarks, then every
# end-to-end scenario against the strongest form of its peer (QEMU's PVH boot on pc and microvm and
# its SeaBIOS boot; kexec-tools and kdump inside the guest with the ELF vmlinux, -i, and the bzImage;
# QEMU's dump-guest-memory) on this machine, and writes the report. No process outlives it.
#
#   ./jkexec-bench/run.sh                 full: 5 runs per system, JMH 5 warmup + 10 iterations (about 40 min)
#   ./jkexec-bench/run.sh --quick         2 runs per system, 1 dump run, JMH's relocation pair only (15 min loaded)
#   ./jkexec-bench/run.sh --runs 7 --only boot,exec,dump --jmh skip     (see BenchOptions)
#   ./jkexec-bench/run.sh --report-only   rewrite the report from the last run's saved results
#
# Needs: a JDK >= 25 (found like ./jkexec finds it), QEMU (installed if missing), apt-get download
# and dpkg-deb (kexec-tools for the guest is unpacked under jkexec-bench/target/bench-work, never
# installed), ../shared/testdata (or JKEXEC_TESTDATA).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/env.sh"
jkexec_find_jdk || exit 1
jkexec_ensure_qemu || exit 1
case " $* " in
  *" --report-only "*) ;;
  *) echo "bench: building (mvn package, tests skipped) ..." >&2
     (cd "$ROOT" && mvn -B -q -DskipTests package) ;;
esac
exec "$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow -Xmx3g \
  -Djkexec.root="$ROOT" -cp "$ROOT/jkexec-bench/target/jkexec-bench.jar" dev.jkexec.bench.e2e.BenchMain --root "$ROOT" "$@"
