#!/usr/bin/env bash
# Measures Debian's kexec-tools in a jkexec guest through jkexec's hypercall against the same
# kexec-tools through the guest kernel's kexec_load, and writes docs/hypercall-performance.md.
#
#   ./jkexec-bench/hypercall.sh            5 runs of each (about 10 minutes under TCG)
#   ./jkexec-bench/hypercall.sh --runs 3
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/env.sh"
jkexec_find_jdk || exit 1
jkexec_ensure_qemu || exit 1
echo "bench: building (mvn package, tests skipped) ..." >&2
(cd "$ROOT" && mvn -B -q -DskipTests package)
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx3g \
  -Djkexec.root="$ROOT" -cp "$ROOT/jkexec-bench/target/jkexec-bench.jar" dev.jkexec.bench.e2e.HypercallBench --root "$ROOT" "$@"
