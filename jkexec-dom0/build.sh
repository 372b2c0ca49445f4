#!/usr/bin/env bash
# build.sh OUT_DIR
#
# Builds the dom0 shim for a jkexec guest and gathers what the guest needs to run Debian 12's own
# kexec-tools against jkexec's hypercall:
#
#   1. fetches Debian's kexec-tools and the Xen 4.17 libraries /sbin/kexec links against with
#      `apt-get download` into $JKEXEC_CACHE/debs (default ~/.cache/jkexec/debs) and unpacks them
#      with dpkg-deb -x into $JKEXEC_CACHE/dom0/amd64; nothing is installed on the host;
#   2. installs gcc/libc6-dev with apt-get when they are missing;
#   3. builds libxencall.so.1, libxenforeignmemory.so.1 and libxendevicemodel.so.1 with the real
#      libraries' version nodes (gen-stubs.sh) and checks that every real export exists in ours
#      with the same version; builds libjkexec-pv.so (the PV detection) and jkhc (raw calls);
#   4. writes OUT_DIR/manifest: "GUEST_PATH HOST_PATH MODE" for every file the guest needs --
#      /sbin/kexec, every library ldd resolves for it with the shim first on the path, the shim,
#      /etc/ld.so.preload and jkhc.
#
# Idempotent and quiet when nothing changed. No file of kexec-tools or libxenctrl is modified.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
cache=${JKEXEC_CACHE:-$HOME/.cache/jkexec}
debs=$cache/debs
root=$cache/dom0/amd64
packages=(kexec-tools libxenmisc4.17 libxencall1 libxenforeignmemory1 libxendevicemodel1 libxenevtchn1
          libxengnttab1 libxenhypfs1 libxenstore4 libxentoolcore1 libxentoollog1)
apt=(apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)

have_deb() { compgen -G "$debs/${1}_*_amd64.deb" >/dev/null; }

# 1. Debian's packages, cached.
mkdir -p "$debs"
missing=()
for p in "${packages[@]}"; do have_deb "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "jkexec-dom0: apt-get download ${missing[*]}" >&2
  if ! (cd "$debs" && "${apt[@]}" download "${missing[@]/%/:amd64}" >/dev/null 2>"$debs/.dom0-download.err"); then
    "${apt[@]}" update -qq >/dev/null 2>&1 || true
    (cd "$debs" && "${apt[@]}" download "${missing[@]/%/:amd64}" >/dev/null) \
      || { cat "$debs/.dom0-download.err" >&2; echo "jkexec-dom0: apt-get download failed" >&2; exit 1; }
  fi
fi
stamp=$root/.unpacked
if [ ! -f "$stamp" ] || [ -n "$(find "$debs" -maxdepth 1 -name '*.deb' -newer "$stamp" -print -quit)" ]; then
  rm -rf "$root" && mkdir -p "$root"
  for p in "${packages[@]}"; do
    deb=$(ls "$debs/${p}"_*_amd64.deb | sort -V | tail -1)
    dpkg-deb -x "$deb" "$root"
  done
  touch "$stamp"
fi
libdir=$root/usr/lib/x86_64-linux-gnu
[ -x "$root/sbin/kexec" ] || { echo "jkexec-dom0: no sbin/kexec in $root" >&2; exit 1; }

# 2. The compiler.
if ! command -v gcc >/dev/null || [ ! -e /usr/include/stdio.h ]; then
  echo "jkexec-dom0: apt-get install gcc libc6-dev" >&2
  "${apt[@]}" update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq gcc libc6-dev >/dev/null
fi

# 3. The shim.
lib=$out/x86_64
work=$out/build
mkdir -p "$lib" "$work"
cflags=(-O2 -g -Wall -Wextra -Werror -fPIC -fvisibility=default)
src=$here/src

shim() { # shim NAME HAND_C [EXTRA_C...]
  local name=$1 hand=$2; shift 2
  local real=$libdir/$name
  gcc "${cflags[@]}" -c -o "$work/$name.hand.o" "$src/$hand"
  "$here/gen-stubs.sh" "$real" "$work/$name.hand.o" "$work/$name"
  gcc "${cflags[@]}" -Wno-unused-function -c -o "$work/$name.stubs.o" "$work/$name-stubs.c"
  local extra=()
  for c in "$@"; do gcc "${cflags[@]}" -c -o "$work/$name.$(basename "$c" .c).o" "$src/$c"; extra+=("$work/$name.$(basename "$c" .c).o"); done
  gcc -shared -o "$lib/$name" -Wl,-soname,"$name" -Wl,--version-script="$work/$name.map" -Wl,-z,now \
    "$work/$name.hand.o" "${extra[@]}" "$work/$name.stubs.o"
  # Every export of the real library, with its version, must be in ours.
  local want have
  want=$(readelf --dyn-syms -W "$real" | awk '$5=="GLOBAL" && $7!="UND" && $8 ~ /@@/ {print $8}' | sort)
  have=$(readelf --dyn-syms -W "$lib/$name" | awk '$5=="GLOBAL" && $7!="UND" && $8 ~ /@@/ {print $8}' | sort)
  if ! diff <(echo "$want") <(echo "$have") >"$work/$name.diff"; then
    echo "jkexec-dom0: $name does not export what the real one does:" >&2
    cat "$work/$name.diff" >&2
    exit 1
  fi
}
shim libxencall.so.1 xencall.c channel.c
shim libxenforeignmemory.so.1 foreignmemory.c
shim libxendevicemodel.so.1 devicemodel.c
gcc "${cflags[@]}" -shared -o "$lib/libjkexec-pv.so" "$src/pv.c" -ldl
gcc "${cflags[@]}" -o "$lib/jkhc" "$src/jkhc.c" "$src/channel.c" -pthread
echo /lib/jkexec/libjkexec-pv.so > "$lib/ld.so.preload"

# 4. The manifest. ldd resolves with the shim first, then Debian's Xen libraries, then the host's libc.
guest_lib=/lib/x86_64-linux-gnu
manifest=$out/manifest.new
resolved=$(LD_LIBRARY_PATH="$lib:$libdir" ldd "$root/sbin/kexec" "$lib/jkhc" "$lib/libjkexec-pv.so")
if printf '%s\n' "$resolved" | grep -q "not found"; then
  echo "jkexec-dom0: a library of kexec is missing:" >&2; printf '%s\n' "$resolved" | grep "not found" >&2; exit 1
fi
{
  echo "/sbin/kexec $root/sbin/kexec 755"
  for f in "$root/sbin/vmcore-dmesg"; do [ -x "$f" ] && echo "/sbin/$(basename "$f") $f 755"; done
  printf '%s\n' "$resolved" | awk '
      /=> \// {print $3} /^[ \t]*\/lib64\// {print $1}' | sort -u | while read -r l; do
    case "$l" in
      /lib64/*) echo "$l $(readlink -f "$l") 755" ;;
      *) echo "$guest_lib/$(basename "$l") $(readlink -f "$l") 755" ;;
    esac
  done
  echo "/lib/jkexec/libjkexec-pv.so $lib/libjkexec-pv.so 755"
  echo "/etc/ld.so.preload $lib/ld.so.preload 644"
  echo "/bin/jkhc $lib/jkhc 755"
} | sort -u > "$manifest"
mv "$manifest" "$out/manifest"
