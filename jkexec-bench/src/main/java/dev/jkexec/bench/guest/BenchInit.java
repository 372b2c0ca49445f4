package dev.jkexec.bench.guest;

/**
 * The {@code /init} of the benchmark initramfs, a port of peer-bench's {@code init.sh}: one script
 * for every system, the mode chosen by {@code pb.mode=} on the kernel command line. Markers go to
 * {@code /dev/kmsg} ({@code PB: ...}), so they carry the guest's printk timestamps and reach the
 * serial console like any kernel line.
 *
 * <ul>
 *   <li>{@code ready}: {@code PB: INIT-READY gen=N}, then {@code poweroff -f};</li>
 *   <li>{@code stay}: the marker, then the guest idles (jkexec exec and load happen beside it);</li>
 *   <li>{@code kexec}: {@code kexec -l} this kernel with {@code /pb/initrd.img} and the next
 *       generation's command line, then {@code PB: KEXEC-E} and {@code kexec -e};</li>
 *   <li>{@code crash}: prints the crash reservation, {@code kexec -p} the crash kernel, then
 *       {@code PB: PANIC} and {@code echo c > /proc/sysrq-trigger} (kdump);</li>
 *   <li>in both, {@code pb.kform=} picks the form kexec-tools loads: {@code bz} (default) the
 *       bzImage, {@code elf} the ELF vmlinux {@value #VMLINUX} ({@code --args-linux}, entered at its
 *       64-bit entry with a zero page), {@code elfi} the same with {@code -i} (no purgatory
 *       SHA-256 check), kexec-tools' fastest form;</li>
 *   <li>{@code jkcrash}: prints the crash reservation (0: nothing reserved), loads the pvpanic
 *       modules so QEMU sees the panic, leaves {@code /sys/kernel/vmcoreinfo} (its VMCOREINFO note's
 *       address and size) as jkexec's hint in the mailbox, as jkexec's own guest init does and as
 *       kexec-tools reads the same file for kdump's ELF header, then {@code PB: PANIC} and the same
 *       sysrq crash (jkexec); without the hint jkexec scans all of guest RAM for the note at the panic;</li>
 *   <li>{@code vmcore}: a crash kernel: {@code PB: VMCORE-SIZE <bytes>} of /proc/vmcore;</li>
 *   <li>{@code load}: writes a 64 MiB random initrd, then twice {@code kexec -l} of this kernel with
 *       it between {@code PB: LOAD-START i} and {@code PB: LOAD-END i} markers, unloading after each.</li>
 * </ul>
 * Console options on the command line are handed on to the next kernel, as {@code init.sh} does.
 */
public final class BenchInit {
    /** The marker of a ready init; followed by {@code gen=N}. */
    public static final String READY = "PB: INIT-READY";
    /** The marker written just before {@code kexec -e}. */
    public static final String KEXEC_E = "PB: KEXEC-E";
    public static final String PANIC = "PB: PANIC";
    public static final String VMCORE_SIZE = "PB: VMCORE-SIZE";
    public static final String LOAD_START = "PB: LOAD-START";
    public static final String LOAD_END = "PB: LOAD-END";
    /** The line the crash modes print with /sys/kernel/kexec_crash_size. */
    public static final String CRASH_SIZE = "PB-CRASH-SIZE";
    /** Where the initrd of the next kernel is, inside the "A+B" initramfs. */
    public static final String NEXT_INITRD = "/pb/initrd.img";
    public static final String KERNEL = "/boot/vmlinuz";
    /** The same kernel as an ELF vmlinux, in the "A+B+ELF" initramfs only. */
    public static final String VMLINUX = "/boot/vmlinux";
    /** Loads per boot in {@code load} mode. */
    public static final int LOADS = 2;

    private BenchInit() {
    }

    public static String script() {
        return """
                #!/bin/sh
                export PATH=/bin:/sbin
                export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
                mount -t proc proc /proc
                mount -t sysfs sys /sys
                mount -t devtmpfs dev /dev 2>/dev/null
                KV=/boot/vmlinuz
                RD=/pb/initrd.img
                mark() { echo "PB: $*" > /dev/kmsg; }
                say()  { echo "$*" > /dev/console; }
                KE=/boot/vmlinux
                mode=ready; gen=1; con=""; kform=bz
                for a in $(cat /proc/cmdline); do
                  case "$a" in
                    pb.mode=*) mode=${a#pb.mode=} ;;
                    pb.gen=*)  gen=${a#pb.gen=} ;;
                    pb.kform=*) kform=${a#pb.kform=} ;;
                    console=*|earlycon=*|earlyprintk=*|printk.*|loglevel=*|quiet|nokaslr) con="$con $a" ;;
                  esac
                done
                KAPPEND="$con pb.mode=ready pb.gen=$((gen+1))"
                CAPPEND="$con pb.mode=vmcore pb.gen=crash irqpoll nr_cpus=1 reset_devices"
                off() { sync; poweroff -f; sleep 5; }
                KF=$KV; KOPT=""
                case "$kform" in
                  elf)  KF=$KE; KOPT="--args-linux" ;;
                  elfi) KF=$KE; KOPT="-i --args-linux" ;;
                esac
                idle() { while :; do sleep 3600; done; }
                case "$mode" in
                  ready)
                    mark "INIT-READY gen=$gen"
                    off ;;
                  stay)
                    mark "INIT-READY gen=$gen"
                    idle ;;
                  kexec)
                    mark "INIT-READY gen=$gen"
                    mark "LOAD-START 1"
                    kexec -l $KF $KOPT --initrd=$RD --append="$KAPPEND" || say "PB-KEXEC-LOAD-FAILED"
                    mark "LOAD-END 1"
                    mark "KEXEC-E"
                    kexec -e
                    say "PB-KEXEC-E-FAILED"; off ;;
                  crash)
                    mark "INIT-READY gen=$gen"
                    say "PB-CRASH-SIZE $(cat /sys/kernel/kexec_crash_size)"
                    kexec -p $KF $KOPT --initrd=$RD --append="$CAPPEND" || say "PB-KEXEC-P-FAILED"
                    mark "LOADED crash=$(cat /sys/kernel/kexec_crash_loaded)"
                    mark "PANIC"
                    echo c > /proc/sysrq-trigger
                    say "PB-PANIC-FAILED"; off ;;
                  jkcrash)
                    for m in /lib/modules/*.ko; do insmod "$m"; done
                    printf 'JKEXEC-VMCOREINFO:%s\\n' "$(cat /sys/kernel/vmcoreinfo)" | dd of=/dev/mem bs=1 seek=$((@HINT@)) conv=notrunc 2>/dev/null
                    mark "INIT-READY gen=$gen"
                    say "PB-CRASH-SIZE $(cat /sys/kernel/kexec_crash_size)"
                    mark "PANIC"
                    echo c > /proc/sysrq-trigger
                    say "PB-PANIC-FAILED"; off ;;
                  vmcore)
                    mark "VMCORE-SIZE $(stat -c %s /proc/vmcore 2>&1)"
                    off ;;
                  load)
                    dd if=/dev/urandom of=/tmp/big.img bs=1M count=64 2>/dev/null
                    mark "INIT-READY gen=$gen"
                    i=1
                    while [ $i -le @LOADS@ ]; do
                      mark "LOAD-START $i"
                      kexec -l $KV --initrd=/tmp/big.img --append="$KAPPEND" || say "PB-KEXEC-LOAD-FAILED"
                      mark "LOAD-END $i"
                      kexec -u
                      i=$((i+1))
                    done
                    mark "LOADS-DONE"
                    off ;;
                  *)
                    say "unknown mode $mode"; off ;;
                esac
                """.replace("@LOADS@", Integer.toString(LOADS))
                .replace("@HINT@", String.format("0x%X", dev.jkexec.machine.layout.MachineLayout.VMCOREINFO_HINT));
    }
}
