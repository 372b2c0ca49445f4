/*
 * libjkexec-pv.so: makes an unmodified toolstack believe it runs in a Xen PV dom0 (preloaded
 * through /etc/ld.so.preload or LD_PRELOAD). kexec-tools takes its Xen path only when
 * xen_present() holds (kexec/crashdump-xen.c): /proc/xen exists, and Xen's PV forced-emulation
 * CPUID -- the 7 bytes "ud2a; .ascii \"xen\"; cpuid" (0f 0b 78 65 6e 0f a2) -- answers
 * "XenVMMXenVMM". A PV guest kernel gets that sequence emulated by Xen; here the shim does it:
 *
 *  - access("/proc/xen", ...) succeeds;
 *  - a SIGILL handler, installed before main and kept installed, emulates the sequence from the
 *    signal's ucontext: Xen's leaves 0x40000000.. get Xen's answers, any other leaf the real
 *    CPUID, and the instruction pointer moves past the 7 bytes, as Xen's emulator does;
 *  - the program's own SIGILL handler (kexec installs one that longjmps) is recorded by an
 *    interposed sigaction()/signal() and gets every other SIGILL, as if it were installed.
 *
 * JKEXEC_XEN=0 in the environment turns it all off (the program sees the plain machine: kexec
 * takes its native kexec_load path), for comparisons in the same guest.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#define XEN_CPUID_FIRST 0x40000000u
#define XEN_CPUID_LAST 0x400000ffu
/* What Xen 4.17 reports: the signature leaf's max leaf (>= base + 2 is what kexec checks) and
 * version 4.17 in leaf 1. */
#define XEN_CPUID_MAX_LEAF 0x40000002u
#define XEN_VERSION ((4u << 16) | 17u)

static int disabled;

static const unsigned char FORCED_CPUID[7] = { 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2 };

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
static sigaction_fn real_sigaction;
static struct sigaction program_sigill; /* SIG_DFL until the program installs one */

static sigaction_fn resolve_sigaction(void)
{
    if (!real_sigaction)
        real_sigaction = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
    return real_sigaction;
}

static void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "0"(leaf), "2"(subleaf));
}

static void xen_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
    if (leaf < XEN_CPUID_FIRST || leaf > XEN_CPUID_LAST) {
        cpuid(leaf, subleaf, r);
        return;
    }
    memset(r, 0, 16);
    switch (leaf) {
    case XEN_CPUID_FIRST:
        r[0] = XEN_CPUID_MAX_LEAF;
        memcpy(&r[1], "XenV", 4);
        memcpy(&r[2], "MMXe", 4);
        memcpy(&r[3], "nVMM", 4);
        break;
    case XEN_CPUID_FIRST + 1:
        r[0] = XEN_VERSION;
        break;
    case XEN_CPUID_FIRST + 2:
        r[0] = 1;               /* hypercall transfer pages */
        r[1] = 0x40000000u;     /* their MSR */
        break;
    }
}

#if defined(__x86_64__)
#define IP REG_RIP
#define AX REG_RAX
#define BX REG_RBX
#define CX REG_RCX
#define DX REG_RDX
#else
#define IP REG_EIP
#define AX REG_EAX
#define BX REG_EBX
#define CX REG_ECX
#define DX REG_EDX
#endif

static void forward(int sig, siginfo_t *info, void *context)
{
    struct sigaction p = program_sigill;
    if (p.sa_flags & SA_RESETHAND)
        program_sigill.sa_handler = SIG_DFL;
    if (p.sa_flags & SA_SIGINFO) {
        p.sa_sigaction(sig, info, context);
    } else if (p.sa_handler != SIG_DFL && p.sa_handler != SIG_IGN) {
        p.sa_handler(sig);
    } else {
        /* Default action: uninstall ourselves; the instruction runs again and kills the process. */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        resolve_sigaction()(SIGILL, &dfl, NULL);
    }
}

static void on_sigill(int sig, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    greg_t *g = uc->uc_mcontext.gregs;
    const unsigned char *ip = (const unsigned char *)(uintptr_t)g[IP];

    if (memcmp(ip, FORCED_CPUID, sizeof(FORCED_CPUID)) == 0) {
        uint32_t r[4];
        xen_cpuid((uint32_t)g[AX], (uint32_t)g[CX], r);
        g[AX] = r[0];
        g[BX] = r[1];
        g[CX] = r[2];
        g[DX] = r[3];
        g[IP] += sizeof(FORCED_CPUID);
        return;
    }
    forward(sig, info, context);
}

__attribute__((constructor)) static void install(void)
{
    struct sigaction sa;
    const char *env = getenv("JKEXEC_XEN");
    if (env && strcmp(env, "0") == 0) {
        disabled = 1;
        return;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigill;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    program_sigill.sa_handler = SIG_DFL;
    resolve_sigaction()(SIGILL, &sa, NULL);
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (sig != SIGILL || disabled)
        return resolve_sigaction()(sig, act, old);
    if (old)
        *old = program_sigill;
    if (act)
        program_sigill = *act;
    return 0;
}

sighandler_t signal(int sig, sighandler_t handler)
{
    struct sigaction act, old;
    memset(&act, 0, sizeof(act));
    act.sa_handler = handler;
    sigemptyset(&act.sa_mask);
    act.sa_flags = SA_RESTART;
    if (sigaction(sig, &act, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

int access(const char *path, int mode)
{
    typedef int (*access_fn)(const char *, int);
    static access_fn real_access;
    if (!disabled && strcmp(path, "/proc/xen") == 0)
        return 0;
    if (!real_access)
        real_access = (access_fn)dlsym(RTLD_NEXT, "access");
    return real_access(path, mode);
}
