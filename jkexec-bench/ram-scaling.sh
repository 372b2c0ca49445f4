#!/usr/bin/env bash
# How boot, exec, crash and dump times grow with guest RAM (issue 11 item 5): one jkexec scenario
# per size (boot the cloud kernel, host dumps in ELF and kdump-zlib, exec the generic kernel, panic
# into a crash kernel), each step timed by `jkexec scenario`; prints a Markdown table and writes
# docs/ram-scaling.svg. The RAM files are sparse on /dev/shm: a 16 GiB guest needs 16 GiB free
# there, of which it uses what it touches. About 1 minute per size under TCG.
#
#   ./jkexec-bench/ram-scaling.sh              1G 4G 16G
#   ./jkexec-bench/ram-scaling.sh 2G 8G
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/env.sh"
jkexec_find_jdk || exit 1
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1G 4G 16G)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/jkexec-ram-scaling.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
CLOUD="testdata:linux-6.1-cloud/vmlinuz-6.1.0-56-cloud-amd64"
GENERIC="testdata:linux-6.1-generic/vmlinuz-6.1.0-56-amd64"
ARGS=()
for R in "${SIZES[@]}"; do
  cat > "$WORK/ram-$R.json" <<JSON
{
  "name": "ram-$R",
  "description": "boot, host dumps, exec and a crash of a $R guest",
  "machine": {"ram": "$R", "crashSize": "256M", "staging": "256M"},
  "steps": [
    {"title": "boot", "boot": {"kernel": "$CLOUD", "append": "console=ttyS0,115200 jkexec.gen=1", "decompress": true}},
    {"title": "boot: init ready", "expect": {"line": "^jkexec-guest: init ready gen=1 ", "timeout": 240}},
    {"title": "RAM the guest sees", "guest": "grep MemTotal /proc/meminfo"},
    {"title": "dump elf", "dump": {"file": "$WORK/ram-$R.elf", "format": "elf"}},
    {"title": "dump kdump-zlib", "dump": {"file": "$WORK/ram-$R.kdump", "format": "kdump-zlib", "level": 31}},
    {"title": "load next kernel", "load": {"type": "default", "kernel": "$GENERIC", "append": "console=ttyS0,115200 jkexec.gen=2", "decompress": true}},
    {"title": "exec", "exec": {}},
    {"title": "exec: init ready", "expect": {"line": "^jkexec-guest: init ready gen=2 ", "timeout": 240}},
    {"title": "load crash kernel", "load": {"type": "crash", "kernel": "$CLOUD", "append": "console=ttyS0,115200 jkexec.gen=crash", "decompress": true}},
    {"title": "panic", "panic": {}},
    {"title": "crash", "expect-crash": {"outcome": "crash-kernel", "timeout": 240}},
    {"title": "crash kernel: init ready", "expect": {"line": "^jkexec-guest: init ready gen=crash ", "timeout": 240}}
  ]
}
JSON
  echo "bench: $R ..." >&2
  "$ROOT/jkexec" scenario "$WORK/ram-$R.json" > "$WORK/out-$R.txt" 2>&1 || { tail -20 "$WORK/out-$R.txt" >&2; exit 1; }
  du -k --apparent-size "$WORK/ram-$R.elf" | awk -v r="$R" '{printf "bench: %s ELF core %d MiB logical, ", r, $1/1024}' >&2
  du -k "$WORK/ram-$R.elf" | awk '{printf "%d MiB on disk\n", $1/1024}' >&2
  rm -f "$WORK/ram-$R.elf" "$WORK/ram-$R.kdump"
  ARGS+=("$R=$WORK/out-$R.txt")
done
(cd "$ROOT" && mvn -B -q -o -DskipTests package -pl jkexec-bench -am >/dev/null 2>&1 || mvn -B -q -DskipTests package -pl jkexec-bench -am)
"$JAVA_HOME/bin/java" -cp "$ROOT/jkexec-bench/target/jkexec-bench.jar" dev.jkexec.bench.ram.RamScaling \
  --svg "$ROOT/docs/ram-scaling.svg" "${ARGS[@]}"
