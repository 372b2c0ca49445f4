/*
 * The guest side of jkexec's hypercall channel (see channel.h and docs/hypercall.md).
 *
 * Buffers: the window's first page is an allocation bitmap, one bit per window page (bit 0 is
 * the bitmap page itself). Every process that maps the window shares it; flock() on /dev/mem
 * serialises allocations between processes and is released if a process dies. jkexec zeroes the
 * bitmap at every handover: a new kernel has no processes holding buffers.
 *
 * Doorbell: one request frame written, one response frame read, under flock() on the serial
 * port, so calls of concurrent processes never interleave. The call blocks until jkexec answers,
 * as a hypercall does; an exec that succeeds never answers (the machine was handed over).
 */
#define _GNU_SOURCE
#include "channel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

struct jk_alloc {
    struct jk_alloc *next;
    size_t first;
    size_t pages;
};

struct descriptor {
    char magic[8];
    uint32_t version;
    uint32_t serial_index;
    uint64_t window_gpa;
    uint64_t window_size;
};

static uint64_t sequence;

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static int raw_tty(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) < 0)
        return -errno;
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, B115200);
    cfsetospeed(&t, B115200);
    if (tcsetattr(fd, TCSANOW, &t) < 0)
        return -errno;
    return 0;
}

int jk_open(struct jk_channel *c)
{
    struct descriptor d;
    char tty[32];
    int rc;

    memset(c, 0, sizeof(*c));
    c->memfd = c->ttyfd = -1;
    c->memfd = open("/dev/mem", O_RDWR | O_CLOEXEC);
    if (c->memfd < 0)
        return -errno;
    if (pread(c->memfd, &d, sizeof(d), JK_DESCRIPTOR) != (ssize_t)sizeof(d)) {
        rc = -EIO;
        goto fail;
    }
    if (memcmp(d.magic, JK_DESCRIPTOR_MAGIC, 8) != 0 || d.version != JK_VERSION
            || d.window_size < 2 * JK_PAGE || d.window_size > 8 * JK_PAGE * JK_PAGE
            || d.window_gpa % JK_PAGE != 0 || d.serial_index > 31) {
        rc = -ENODEV; /* not a jkexec machine, or a descriptor we do not understand */
        goto fail;
    }
    c->window_gpa = d.window_gpa;
    c->window_size = d.window_size;
    c->window = mmap(NULL, d.window_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->memfd, (off_t)d.window_gpa);
    if (c->window == MAP_FAILED) {
        c->window = NULL;
        rc = -errno;
        goto fail;
    }
    snprintf(tty, sizeof(tty), "/dev/ttyS%u", d.serial_index);
    c->ttyfd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (c->ttyfd < 0) {
        rc = -errno;
        goto fail;
    }
    rc = raw_tty(c->ttyfd);
    if (rc < 0)
        goto fail;
    return 0;
fail:
    jk_close(c);
    return rc;
}

void jk_close(struct jk_channel *c)
{
    while (c->allocations) {
        struct jk_alloc *a = c->allocations;
        jk_free_pages(c, c->window + a->first * JK_PAGE, a->pages);
    }
    if (c->window)
        munmap(c->window, c->window_size);
    if (c->ttyfd >= 0)
        close(c->ttyfd);
    if (c->memfd >= 0)
        close(c->memfd);
    c->window = NULL;
    c->ttyfd = c->memfd = -1;
}

static int bit(const uint64_t *map, size_t i) { return (map[i / 64] >> (i % 64)) & 1; }
static void set_bits(uint64_t *map, size_t first, size_t n, int on)
{
    for (size_t i = first; i < first + n; i++) {
        if (on)
            map[i / 64] |= 1ULL << (i % 64);
        else
            map[i / 64] &= ~(1ULL << (i % 64));
    }
}

void *jk_alloc_pages(struct jk_channel *c, size_t pages)
{
    uint64_t *map = (uint64_t *)c->window;
    size_t total = c->window_size / JK_PAGE, run = 0, first = 0;
    struct jk_alloc *a;

    if (pages == 0 || pages >= total) {
        errno = ENOMEM;
        return NULL;
    }
    a = malloc(sizeof(*a));
    if (!a)
        return NULL;
    flock(c->memfd, LOCK_EX);
    set_bits(map, 0, 1, 1); /* the bitmap page */
    for (size_t i = 1; i < total && run < pages; i++) {
        if (bit(map, i)) {
            run = 0;
        } else if (run++ == 0) {
            first = i;
        }
    }
    if (run < pages) {
        flock(c->memfd, LOCK_UN);
        free(a);
        errno = ENOMEM;
        return NULL;
    }
    set_bits(map, first, pages, 1);
    flock(c->memfd, LOCK_UN);
    memset(c->window + first * JK_PAGE, 0, pages * JK_PAGE);
    a->first = first;
    a->pages = pages;
    a->next = c->allocations;
    c->allocations = a;
    return c->window + first * JK_PAGE;
}

void jk_free_pages(struct jk_channel *c, void *p, size_t pages)
{
    struct jk_alloc **link = &c->allocations;
    (void)pages; /* the allocation knows its size */
    if (!p)
        return;
    for (; *link; link = &(*link)->next) {
        struct jk_alloc *a = *link;
        if (c->window + a->first * JK_PAGE == (uint8_t *)p) {
            flock(c->memfd, LOCK_EX);
            set_bits((uint64_t *)c->window, a->first, a->pages, 0);
            flock(c->memfd, LOCK_UN);
            *link = a->next;
            free(a);
            return;
        }
    }
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -EIO;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

long jk_call(struct jk_channel *c, uint64_t op, const uint64_t args[5])
{
    uint8_t req[JK_REQUEST_SIZE], resp[JK_RESPONSE_SIZE];
    uint64_t seq = __atomic_add_fetch(&sequence, 1, __ATOMIC_RELAXED) ^ ((uint64_t)getpid() << 32);
    long ret;

    memset(req, 0, sizeof(req));
    put32(req + 0, JK_REQUEST_MAGIC);
    put32(req + 4, JK_VERSION | ((sizeof(void *) == 4 ? JK_FLAG_COMPAT : 0) << 16));
    put64(req + 8, seq);
    put64(req + 16, op);
    for (int i = 0; i < 5; i++)
        put64(req + 24 + 8 * i, args[i]);
    put64(req + 64, (uint64_t)(uintptr_t)c->window);
    put32(req + 72, (uint32_t)getpid());

    flock(c->ttyfd, LOCK_EX);
    if (write_all(c->ttyfd, req, sizeof(req)) < 0) {
        flock(c->ttyfd, LOCK_UN);
        return -EIO;
    }
    for (;;) {
        if (read_all(c->ttyfd, resp, sizeof(resp)) < 0) {
            ret = -EIO;
            break;
        }
        if (get32(resp) == JK_RESPONSE_MAGIC && get64(resp + 8) == seq) {
            ret = (long)(int64_t)get64(resp + 16);
            break;
        }
        /* A stale answer (a caller killed mid-call): not ours, read on. */
    }
    flock(c->ttyfd, LOCK_UN);
    return ret;
}

long jk_doorbell_write(struct jk_channel *c, const void *bytes, size_t n)
{
    int rc;
    flock(c->ttyfd, LOCK_EX);
    rc = write_all(c->ttyfd, bytes, n);
    flock(c->ttyfd, LOCK_UN);
    return rc < 0 ? rc : (long)n;
}
