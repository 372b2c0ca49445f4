# Sourced by ./jkexec, ./run-tests and .ci/run: finds a JDK >= 25 and installs QEMU when missing.

# Sets JAVA_HOME to a JDK whose major version is >= 25: $JAVA_HOME, then `java` on PATH, then
# every JDK under /usr/lib/jvm. Prints what was tried and fails when none fits.
jkexec_find_jdk() {
  local c v tried=""
  for c in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")" /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$("$c/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    tried="$tried $c($v)"
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$c"
      return 0
    fi
  done
  echo "jkexec: no JDK >= 25 found (tried:${tried:- nothing}). Install one, e.g. Temurin 25 under /usr/lib/jvm, or set JAVA_HOME." >&2
  return 1
}

# True when the jar or the dom0 guest files are missing, or older than any source (Java, the dom0
# shim's C and scripts) or POM.
jkexec_needs_build() {
  local jar=$1
  [ -f "$jar" ] || return 0
  [ -f "$ROOT/jkexec-dom0/target/dom0/manifest" ] || return 0
  [ -n "$(find "$ROOT" -path "$ROOT/*/target" -prune -o \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' \
      -o -path "$ROOT/jkexec-dom0/*" \( -name '*.c' -o -name '*.h' -o -name '*.sh' \) \) -newer "$jar" -print -quit 2>/dev/null)" ]
}

# Installs Debian's qemu-system-x86 when qemu-system-x86_64 is missing.
jkexec_ensure_qemu() {
  command -v qemu-system-x86_64 >/dev/null 2>&1 && return 0
  echo "jkexec: installing QEMU (apt-get install qemu-system-x86) ..." >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! { $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq qemu-system-x86 >/dev/null; }; then
    echo "jkexec: could not install qemu-system-x86 with apt-get; install it and retry" >&2
    return 1
  fi
}

# Installs the Debian tools the dump tests hold jkexec's dumps against, when missing: makedumpfile,
# crash, gdb and binutils' readelf (vmcore-dmesg and the tools put into guests are fetched by the
# tests themselves with apt-get download). Waits for other apt-get runs instead of failing.
jkexec_ensure_dump_tools() {
  local missing="" t
  for t in makedumpfile:makedumpfile crash:crash gdb:gdb readelf:binutils; do
    command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
  done
  [ -z "$missing" ] && return 0
  echo "jkexec: installing$missing (apt-get install) ..." >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! { $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq \
      && DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null; }; then
    echo "jkexec: could not install$missing with apt-get; install them and retry" >&2
    return 1
  fi
}
