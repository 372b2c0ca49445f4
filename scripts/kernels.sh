#!/usr/bin/env bash
# Fetches the kernels beyond ../shared/testdata from Debian 12's archive with `apt-get download`
# into a cache, unpacks them with `dpkg-deb -x`, and lays them out for the tests and the
# compatibility matrix:
#
#   $JKEXEC_KERNELS/linux-6.12-generic/   boot/vmlinuz-R, boot/config-R, lib/modules/R/... (.ko.xz)
#   $JKEXEC_KERNELS/linux-6.12-cloud/     the same for the cloud kernel
#   $JKEXEC_KERNELS/linux-6.1-686/        the 32-bit (EM_386) kernel, from the i386 package
#   $JKEXEC_KERNELS/busybox-i386/         bin/busybox: a static i386 busybox for the 686 guest
#   $JKEXEC_KERNELS/xen-4.17/             boot/xen-4.17-amd64.gz (multiboot v1, gzip)
#
# Each directory is exactly what `dpkg-deb -x` of the package gives (as a user would unpack it),
# so jkexec finds a kernel's modules the way it does on a user's machine: lib/modules/R beside
# boot/.
# JKEXEC_KERNELS defaults to ~/.cache/jkexec/kernels; the .deb files stay in ~/.cache/jkexec/debs
# (JKEXEC_DEB_CACHE). Each package name is resolved to the newest version the archive lists; a
# package already in the cache is not downloaded again, and with no archive reachable the newest
# cached one is used. Usage:
#
#   scripts/kernels.sh [--quiet] [all|linux-6.12-generic|linux-6.12-cloud|linux-6.1-686|busybox-i386|xen-4.17 ...]
#
# Prints one line per kernel: `<name> <dir>` or `<name> missing: <why>`. Exit status 0 when every
# requested kernel is there.
set -uo pipefail

JKEXEC_DEB_CACHE="${JKEXEC_DEB_CACHE:-$HOME/.cache/jkexec/debs}"
JKEXEC_KERNELS="${JKEXEC_KERNELS:-$HOME/.cache/jkexec/kernels}"
APT_OPTS=(-o DPkg::Lock::Timeout=600 -q)
QUIET=0
ALL="linux-6.12-generic linux-6.12-cloud linux-6.1-686 busybox-i386 xen-4.17"

say() { [ "$QUIET" = 1 ] || echo "kernels: $*" >&2; }

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The i386 package lists are needed for the 686 kernel: add the architecture once, then update.
ensure_i386() {
  if ! dpkg --print-foreign-architectures | grep -qx i386; then
    say "adding the i386 architecture (dpkg --add-architecture i386; apt-get update)"
    sudo_if_needed dpkg --add-architecture i386 || return 1
    sudo_if_needed apt-get "${APT_OPTS[@]}" update -qq >/dev/null || return 1
  fi
}

# newest <regex> [arch]: the newest package name matching ^regex$ in the archive's lists.
newest() {
  local re=$1 arch=${2:-}
  apt-cache search --names-only "^${re}\$" 2>/dev/null | awk '{print $1}' | sort -V | tail -n 1
}

# fetch <regex> <arch>: prints the path of a cached .deb for the newest matching package.
fetch() {
  local re=$1 arch=$2 name deb
  mkdir -p "$JKEXEC_DEB_CACHE"
  name=$(newest "$re" "$arch")
  if [ -n "$name" ]; then
    deb=$(ls -1 "$JKEXEC_DEB_CACHE/${name}_"*"_${arch}.deb" 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$deb" ]; then
      say "apt-get download $name:$arch"
      (cd "$JKEXEC_DEB_CACHE" && apt-get "${APT_OPTS[@]}" download "$name:$arch" >/dev/null 2>"$JKEXEC_DEB_CACHE/.download.log") \
        || { say "apt-get download $name:$arch failed: $(tail -n 1 "$JKEXEC_DEB_CACHE/.download.log")"; }
      deb=$(ls -1 "$JKEXEC_DEB_CACHE/${name}_"*"_${arch}.deb" 2>/dev/null | sort -V | tail -n 1)
    fi
  fi
  if [ -z "${deb:-}" ]; then
    # No archive (offline) or a failed download: the newest package of that kind already cached.
    deb=$(ls -1 "$JKEXEC_DEB_CACHE/"*"_${arch}.deb" 2>/dev/null | while read -r f; do
            b=$(basename "$f"); [[ "${b%%_*}" =~ ^${re}$ ]] && echo "$f"; done | sort -V | tail -n 1)
  fi
  [ -n "${deb:-}" ] && echo "$deb"
}

# unpack <deb> <dir>: dpkg-deb -x once per .deb (a stamp names the unpacked file).
unpack() {
  local deb=$1 dir=$2
  if [ -f "$dir/.from" ] && [ "$(cat "$dir/.from")" = "$(basename "$deb")" ]; then
    return 0
  fi
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" && dpkg-deb -x "$deb" "$dir.tmp" || return 1
  # Documentation and the package's own scripts are of no use here.
  rm -rf "$dir.tmp/usr/share/doc" "$dir.tmp/usr/share/lintian" "$dir.tmp/etc"
  basename "$deb" >"$dir.tmp/.from"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

one() {
  local kernel=$1 re arch
  case "$kernel" in
    linux-6.12-generic) re='linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned'; arch=amd64 ;;
    linux-6.12-cloud) re='linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned'; arch=amd64 ;;
    linux-6.1-686) ensure_i386 || say "cannot add the i386 architecture"; re='linux-image-6\.1\.0-[0-9]+-686-unsigned'; arch=i386 ;;
    busybox-i386) ensure_i386 || say "cannot add the i386 architecture"; re='busybox-static'; arch=i386 ;;
    xen-4.17) re='xen-hypervisor-4\.17-amd64'; arch=amd64 ;;
    *) echo "$kernel missing: unknown kernel (known: $ALL)"; return 1 ;;
  esac
  local deb
  deb=$(fetch "$re" "$arch")
  if [ -z "$deb" ]; then
    echo "$kernel missing: no package matching $re ($arch) in the archive or in $JKEXEC_DEB_CACHE"
    return 1
  fi
  if ! unpack "$deb" "$JKEXEC_KERNELS/$kernel"; then
    echo "$kernel missing: dpkg-deb -x $deb failed"
    return 1
  fi
  echo "$kernel $JKEXEC_KERNELS/$kernel"
}

main() {
  local want=() status=0
  for a in "$@"; do
    case "$a" in
      --quiet) QUIET=1 ;;
      all) want+=($ALL) ;;
      *) want+=("$a") ;;
    esac
  done
  [ ${#want[@]} -gt 0 ] || want=($ALL)
  mkdir -p "$JKEXEC_KERNELS"
  for k in "${want[@]}"; do
    one "$k" || status=1
  done
  return $status
}

main "$@"
