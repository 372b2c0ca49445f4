#!/usr/bin/env bash
# Host-side dumps of a panicked 1 GiB guest: jkexec (ELF, kdump-zlib, kdump-zstd) against QEMU's own
# dump-guest-memory (ELF, kdump-zlib); writes docs/dumps-bench.md. About 3 minutes per run under TCG.
#
#   ./jkexec-bench/dumps.sh              3 runs
#   ./jkexec-bench/dumps.sh --runs 5
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/env.sh"
jkexec_find_jdk || exit 1
jkexec_ensure_qemu || exit 1
echo "bench: building (mvn package, tests skipped) ..." >&2
(cd "$ROOT" && mvn -B -q -o -DskipTests package 2>/dev/null || mvn -B -q -DskipTests package)
cd "$ROOT"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx3g \
  -Djkexec.root="$ROOT" -cp "$ROOT/jkexec-bench/target/jkexec-bench.jar" dev.jkexec.bench.dumps.DumpBench --out docs/dumps-bench.md "$@"
