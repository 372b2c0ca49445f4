# Sourced by ./jkexec, ./run-tests and .ci/run: finds a JDK >= 25 and installs QEMU when missing.

# Sets REPLY to the value of KEY="..." ($2) in the `release` file of the JDK at $1 (every JDK since 9
# has one), read by bash itself: the launcher runs this on every command, and a sed (or a command
# substitution) per candidate JDK was a fork each.
jkexec_jdk_release() {
  local line
  REPLY=""
  [ -r "$1/release" ] || return 1
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line == "$2=\""* ]]; then line=${line#"$2=\""}; REPLY=${line%\"}; return 0; fi
  done <"$1/release"
  return 1
}

# Sets REPLY to the major version of the JDK at $1: from its `release` file, which costs no JVM
# start; only a JDK without one is asked (a whole JVM start, ~0.1-0.5 s per candidate).
jkexec_jdk_major() {
  if jkexec_jdk_release "$1" JAVA_VERSION && [[ $REPLY =~ ^[0-9]+ ]]; then REPLY=${BASH_REMATCH[0]}; return 0; fi
  REPLY=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p') || REPLY=""
}

# Sets REPLY to the first executable file named $1 in PATH's directories (what `command -v` finds
# for a name that is not a builtin or function), without the subshell that $(command -v) costs.
jkexec_on_path() {
  local d dirs
  IFS=: read -ra dirs <<<"$PATH"
  for d in "${dirs[@]}"; do
    d=${d:-.}
    if [ -f "$d/$1" ] && [ -x "$d/$1" ]; then REPLY=$d/$1; return 0; fi
  done
  REPLY=""
  return 1
}

# Sets JAVA_HOME to a JDK whose major version is >= 25: $JAVA_HOME, then `java` on PATH, then
# every JDK under /usr/lib/jvm. Prints what was tried and fails when none fits. Each candidate is
# looked at only when the ones before it did not fit (the first fitting one costs no process).
jkexec_find_jdk() {
  local c v tried="" onpath REPLY
  for c in "${JAVA_HOME:-}" @path /usr/lib/jvm/*; do
    if [ "$c" = @path ]; then   # java on PATH, resolved to its JDK: .../bin/java -> ...
      jkexec_on_path java || continue
      onpath=$(readlink -f "$REPLY") || continue
      c=${onpath%/bin/java}
    fi
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    jkexec_jdk_major "$c"; v=$REPLY
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
# shim's C and scripts) or POM. The same find prints the jar's size and time first, which
# jkexec_aot_cache names the cache by (JKEXEC_JAR_KEY for JKEXEC_KEYED_JAR): one process for both,
# where a `stat` was another. It walks the checkout's top-level entries but not the hidden ones: a
# clone's .git holds no source and, with its loose objects, can outnumber the sources.
jkexec_needs_build() {
  local jar=$1 out
  JKEXEC_KEYED_JAR=""
  [ -f "$jar" ] || return 0
  out=$(find "$jar" "$ROOT"/* \( -path "$jar" -printf '%s-%T@\n' \) -o \( -path "$ROOT/*/target" -prune \) -o \
      \( \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' \
      -o -path "$ROOT/jkexec-dom0/*" \( -name '*.c' -o -name '*.h' -o -name '*.sh' \) \) -newer "$jar" -print -quit \) 2>/dev/null) || true
  JKEXEC_JAR_KEY=${out%%$'\n'*}
  [ -n "$JKEXEC_JAR_KEY" ] && JKEXEC_KEYED_JAR=$jar
  [ -f "$ROOT/jkexec-dom0/target/dom0/manifest" ] || return 0
  [[ $out == *$'\n'?* ]]   # a second line: a source newer than the jar
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
# crash, gdb and binutils' readelf, and curl, which the REST API's test calls over the Unix socket (vmcore-dmesg and the tools put into guests are fetched by the
# tests themselves with apt-get download). Waits for other apt-get runs instead of failing.
jkexec_ensure_dump_tools() {
  local missing="" t
  for t in makedumpfile:makedumpfile crash:crash gdb:gdb readelf:binutils curl:curl; do
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

# Sets REPLY to a 32-bit FNV-1a hash of the string $1, in bash (the launcher's every start paid a
# readlink|tr|cksum|cut pipeline for what it names).
jkexec_hash() {
  local s=$1 h=2166136261 i c
  for ((i = 0; i < ${#s}; i++)); do
    printf -v c '%d' "'${s:i:1}"
    h=$(( ((h ^ (c & 255)) * 16777619) & 0xffffffff ))
  done
  REPLY=$h
}

# Sets REPLY to the hash of the absolute path $1: names which checkout an AOT cache belongs to.
jkexec_path_hash() {
  local p=$1
  [[ $p == /* ]] || p=$PWD/$p
  jkexec_hash "$p"
}

# Sets AOT_OPTS to the JVM options that map this jar's AOT cache (JDK 25, JEP 483/514/515: the classes
# the CLI loads, linked, and its methods' profiles), training it first when there is none:
# AotTraining runs the common commands once (~10-20 s, once per build), with the JVM options the
# launcher runs the CLI with ($2...: the JVM maps a cache only under the options it was made with, and
# silently runs without it otherwise). The cache lives in ${JKEXEC_CACHE:-~/.cache/jkexec}/aot, named
# by the jar's path, size and mtime, those options and the JDK's version, so a rebuilt jar, other
# options or another JDK train a new one (and that checkout's old ones are removed). A JDK without
# -XX:AOTCacheOutput gets an AppCDS archive (-XX:ArchiveClassesAtExit); when neither works, a
# .failed marker stops retries and the CLI runs without. JKEXEC_AOT=0 turns it off. Another launcher
# training at the same moment is not waited for: this one runs without the cache.
jkexec_aot_cache() {
  local jar=$1; shift
  AOT_OPTS=()
  [ "${JKEXEC_AOT:-1}" != 0 ] || return 0
  local jdk dir key cache lock log where REPLY
  jkexec_jdk_release "$JAVA_HOME" JAVA_RUNTIME_VERSION; jdk=$REPLY
  dir=${JKEXEC_CACHE:-$HOME/.cache/jkexec}/aot
  if [ -n "${JKEXEC_KEYED_JAR:-}" ] && [ "$JKEXEC_KEYED_JAR" = "$jar" ]; then
    key=$JKEXEC_JAR_KEY   # read by jkexec_needs_build's find
  else
    key=$(find "$jar" -maxdepth 0 -printf '%s-%T@' 2>/dev/null) || return 0
  fi
  [ -n "$key" ] || return 0
  jkexec_path_hash "$jar"; where=$REPLY   # each checkout keeps its own
  jkexec_hash "$*"; key="$key-$REPLY"      # the JVM options: the JVM ignores a cache made under others
  cache="$dir/jkexec-$where-$key-${jdk:-unknown}"
  if [ -f "$cache.aot" ]; then AOT_OPTS=(-XX:AOTCache="$cache.aot"); return 0; fi
  if [ -f "$cache.jsa" ]; then AOT_OPTS=(-XX:SharedArchiveFile="$cache.jsa"); return 0; fi
  [ -f "$cache.failed" ] && return 0
  mkdir -p "$dir" 2>/dev/null || return 0
  lock="$cache.lock"
  find "$lock" -maxdepth 0 -mmin +15 -exec rm -rf {} + 2>/dev/null || true   # a training that was killed
  mkdir "$lock" 2>/dev/null || return 0
  log="$lock/training.log"
  echo "jkexec: training the JVM's AOT cache for this build (once; JKEXEC_AOT=0 skips it) ..." >&2
  local legacy   # the name this checkout's caches had before jkexec_path_hash: removed with the stale ones
  legacy=$(readlink -f "$jar" | tr -d "\n" | cksum | cut -d' ' -f1)
  rm -f "$dir/jkexec-$legacy"-*.aot "$dir/jkexec-$legacy"-*.jsa "$dir/jkexec-$legacy"-*.failed "$dir/jkexec-$legacy"-*.log 2>/dev/null || true
  if "$JAVA_HOME/bin/java" "$@" -XX:AOTCacheOutput="$lock/c.aot" -cp "$jar" dev.jkexec.cli.AotTraining \
        </dev/null >"$log" 2>&1 && [ -s "$lock/c.aot" ]; then
    rm -f "$dir/jkexec-$where"-*.aot "$dir/jkexec-$where"-*.jsa "$dir/jkexec-$where"-*.failed "$dir/jkexec-$where"-*.log
    mv "$lock/c.aot" "$cache.aot" && AOT_OPTS=(-XX:AOTCache="$cache.aot")
  elif "$JAVA_HOME/bin/java" "$@" -XX:ArchiveClassesAtExit="$lock/c.jsa" -cp "$jar" dev.jkexec.cli.AotTraining \
        </dev/null >>"$log" 2>&1 && [ -s "$lock/c.jsa" ]; then
    rm -f "$dir/jkexec-$where"-*.aot "$dir/jkexec-$where"-*.jsa "$dir/jkexec-$where"-*.failed "$dir/jkexec-$where"-*.log
    mv "$lock/c.jsa" "$cache.jsa" && AOT_OPTS=(-XX:SharedArchiveFile="$cache.jsa")
  else
    echo "jkexec: no AOT cache or AppCDS archive with this JDK; running without (log: $cache.failed)" >&2
    cp "$log" "$cache.failed" 2>/dev/null || touch "$cache.failed"
  fi
  mv "$log" "$cache.training.log" 2>/dev/null || true   # what the training ran, each command's status and time
  rm -rf "$lock"
}
