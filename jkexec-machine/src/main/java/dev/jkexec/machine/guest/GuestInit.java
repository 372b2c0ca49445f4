package dev.jkexec.machine.guest;

import dev.jkexec.machine.layout.MachineLayout;

/**
 * The {@code /init} of jkexec's busybox test guest, for the demo, the scenarios and the machine
 * tests. One script serves every role; the kernel command line picks what it does:
 *
 * <ul>
 *   <li>mounts proc, sysfs and devtmpfs; loads every module in {@code /lib/modules} in name order
 *       (the pvpanic modules are named so that {@code pvpanic.ko} comes first);</li>
 *   <li>{@code jkexec.marker=TEXT}: writes {@code JKEXEC-MARKER:TEXT} into the mailbox page
 *       ({@link MachineLayout#MAILBOX}) through {@code /dev/mem} — data at a known physical
 *       address that a crash kernel must find in {@code /proc/vmcore};</li>
 *   <li>unless {@code jkexec.nohint=1}: copies {@code /sys/kernel/vmcoreinfo} ("addr size" of its
 *       VMCOREINFO note) into the mailbox at {@link MachineLayout#VMCOREINFO_HINT}, a hint jkexec
 *       checks before it scans RAM;</li>
 *   <li>when {@code /proc/vmcore} exists (a crash kernel): prints its size, walks its ELF program
 *       headers with {@code od}, sums the RAM PT_LOAD sizes (the kernel-text and vCPU-context loads
 *       are aliases of RAM, counted apart), finds the PT_LOAD holding the mailbox and prints what is
 *       there — no scan of the whole dump, so it takes a second under TCG; when the initramfs has
 *       Debian's {@code vmcore-dmesg} and {@code makedumpfile} in /bin, runs them on /proc/vmcore
 *       and prints their exit status and the panic line they found;</li>
 *   <li>prints the init marker {@value #READY} with {@code jkexec.gen=} and the kernel release, then
 *       runs a shell on the console (scenarios type into it).</li>
 * </ul>
 *
 * Every line the script prints starts with {@value #PREFIX}, so tests match them exactly.
 */
public final class GuestInit {
    public static final String PREFIX = "jkexec-guest: ";
    /** The init marker line's start. */
    public static final String READY = PREFIX + "init ready";
    public static final String MARKER_PREFIX = "JKEXEC-MARKER:";

    private GuestInit() {
    }

    /** The script. */
    public static String script() {
        String mailbox = String.format("0x%X", MachineLayout.MAILBOX);
        return """
                #!/bin/sh
                export PATH=/bin:/sbin
                mount -t proc proc /proc
                mount -t sysfs sysfs /sys
                mount -t devtmpfs devtmpfs /dev 2>/dev/null
                arg() { for w in $(cat /proc/cmdline); do case "$w" in "$1="*) echo "${w#*=}"; return;; esac; done; }
                for m in /lib/modules/*.ko; do
                  [ -e "$m" ] && insmod "$m" && echo "jkexec-guest: loaded ${m##*/}"
                done
                marker=$(arg jkexec.marker)
                if [ -n "$marker" ]; then
                  printf 'JKEXEC-MARKER:%s\\n' "$marker" | dd of=/dev/mem bs=1 seek=$((MAILBOX)) conv=notrunc 2>/dev/null \\
                    && echo "jkexec-guest: marker written at MAILBOX"
                fi
                if [ -z "$(arg jkexec.nohint)" ] && [ -r /sys/kernel/vmcoreinfo ]; then
                  printf 'JKEXEC-VMCOREINFO:%s\\n' "$(cat /sys/kernel/vmcoreinfo)" | dd of=/dev/mem bs=1 seek=$((HINT)) conv=notrunc 2>/dev/null
                fi
                if [ -e /proc/vmcore ]; then
                  u() { od -A n -t u$2 -j $1 -N $2 /proc/vmcore | tr -d ' '; }
                  d() { od -A n -t d8 -j $1 -N 8 /proc/vmcore | tr -d ' '; }
                  echo "jkexec-guest: vmcore size $(stat -c %s /proc/vmcore)"
                  phoff=$(u 32 8); phnum=$(u 56 2); i=0; total=0; loads=0; at=""; aliases=0; ram=""
                  # RAM loads come last and share one direct-map offset (vaddr - paddr); the kernel text
                  # and the vCPU context before them are aliases of RAM
                  last=$((phoff + (phnum - 1) * 56)); rdelta=$(( $(d $((last + 16))) - $(u $((last + 24)) 8) ))
                  while [ $i -lt $phnum ]; do
                    h=$((phoff + i * 56))
                    if [ "$(u $h 4)" = 1 ]; then
                      off=$(u $((h + 8)) 8); vaddr=$(d $((h + 16))); paddr=$(u $((h + 24)) 8); size=$(u $((h + 32)) 8)
                      if [ "$vaddr" = 0 ] || [ $((vaddr - paddr)) = $rdelta ]; then
                        total=$((total + size)); loads=$((loads + 1))
                        if [ $paddr -le $((MAILBOX)) ] && [ $((MAILBOX)) -lt $((paddr + size)) ]; then at=$((off + MAILBOX - paddr)); fi
                      else
                        aliases=$((aliases + 1))
                      fi
                    fi
                    i=$((i + 1))
                  done
                  echo "jkexec-guest: vmcore PT_LOAD $loads ranges, $total bytes"
                  echo "jkexec-guest: vmcore aliases $aliases (kernel text, vCPU context)"
                  if [ -n "$at" ]; then
                    echo "jkexec-guest: vmcore mailbox $(dd if=/proc/vmcore bs=1 skip=$at count=96 2>/dev/null | head -n 1 | tr -cd 'A-Za-z0-9:_.-')"
                  fi
                  if [ -x /bin/vmcore-dmesg ]; then
                    vmcore-dmesg /proc/vmcore > /tmp/vmcore-dmesg.txt 2>&1; echo "jkexec-guest: vmcore-dmesg exit $?"
                    echo "jkexec-guest: vmcore-dmesg $(grep -m 1 -o 'Kernel panic - not syncing: .*' /tmp/vmcore-dmesg.txt)"
                  fi
                  if [ -x /bin/makedumpfile ]; then
                    makedumpfile --dump-dmesg /proc/vmcore /tmp/mdf-dmesg.txt > /tmp/mdf.log 2>&1; echo "jkexec-guest: makedumpfile --dump-dmesg exit $?"
                    echo "jkexec-guest: makedumpfile dmesg $(grep -m 1 -o 'Kernel panic - not syncing: .*' /tmp/mdf-dmesg.txt)"
                    makedumpfile -l -d 31 /proc/vmcore /tmp/dump > /tmp/mdf.log 2>&1; echo "jkexec-guest: makedumpfile -l -d 31 exit $? size $(stat -c %s /tmp/dump 2>/dev/null)"
                    rm -f /tmp/dump
                  fi
                fi
                echo "jkexec-guest: init ready gen=$(arg jkexec.gen) kernel=$(uname -r)"
                exec setsid cttyhack sh
                """.replace("HINT", String.format("0x%X", MachineLayout.VMCOREINFO_HINT)).replace("MAILBOX", mailbox);
    }
}
