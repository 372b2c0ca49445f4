#!/usr/bin/env bash
# The compatibility matrix, measured: fetches every kernel jkexec can get from Debian 12's archive
# (scripts/kernels.sh, cached), then runs kernel x {boot 64, boot 32, boot 16, exec, crash, verify}
# on fresh jkexec machines and writes the table into README.md and docs/kernels.md.
#
#   scripts/matrix.sh                      # the full matrix (~6–10 min under TCG), written into the docs
#   scripts/matrix.sh --rows 1,2,7         # some rows (see: ./jkexec matrix --list); any jkexec matrix option
#   JKEXEC_MATRIX_WRITE=0 scripts/matrix.sh ...   # print only
#
# Exit status 0 when no cell fails (cells without data or without such a path do not fail).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/env.sh"
jkexec_find_jdk
jkexec_ensure_qemu
"$ROOT/scripts/kernels.sh" all >&2 || echo "matrix: some kernels could not be fetched; their rows say 'no data'" >&2
"$ROOT/jkexec" --version >/dev/null 2>&1 || true   # builds the launcher's jar when the sources changed
# Run from a copy of the jar, so that building while the matrix runs cannot pull it from under the JVM.
JAR=$(mktemp --suffix=.jar)
trap 'rm -f "$JAR"' EXIT
cp "$ROOT/jkexec-cli/target/jkexec.jar" "$JAR"
WRITE=()
if [ "${JKEXEC_MATRIX_WRITE:-1}" = 1 ]; then
  WRITE=(--write "$ROOT/README.md" --write "$ROOT/docs/kernels.md")
fi
"$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow -XX:+UseSerialGC \
  -Djkexec.root="$ROOT" -jar "$JAR" matrix "${WRITE[@]}" "$@"
