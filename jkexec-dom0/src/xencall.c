/*
 * libxencall.so.1 for a jkexec guest: Xen's hypercall library, with jkexec's channel instead of
 * /dev/xen/privcmd. Same API and symbol versions as Xen 4.17's (the version script is generated
 * from the real library at build time). Buffers come from the hypercall buffer window; a call
 * rings the doorbell and returns like the privcmd ioctl: the value, or -1 with errno set.
 */
#define _GNU_SOURCE
#include "channel.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct xentoollog_logger;

typedef struct xencall_handle {
    struct jk_channel channel;
} xencall_handle;


xencall_handle *xencall_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    xencall_handle *h = calloc(1, sizeof(*h));
    int rc;
    (void)logger;
    (void)open_flags;
    if (!h)
        return NULL;
    rc = jk_open(&h->channel);
    if (rc < 0) {
        free(h);
        errno = -rc;
        return NULL;
    }
    return h;
}

int xencall_close(xencall_handle *h)
{
    if (!h)
        return 0;
    jk_close(&h->channel);
    free(h);
    return 0;
}

int xencall_fd(xencall_handle *h)
{
    return h->channel.ttyfd;
}

static long call(xencall_handle *h, unsigned int op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
    uint64_t args[5] = { a0, a1, a2, a3, a4 };
    long ret = jk_call(&h->channel, op, args);
    if (ret < 0 && ret >= -4095) {
        errno = (int)-ret;
        return -1;
    }
    return ret;
}

int xencall0(xencall_handle *h, unsigned int op)
{
    return (int)call(h, op, 0, 0, 0, 0, 0);
}

int xencall1(xencall_handle *h, unsigned int op, uint64_t a1)
{
    return (int)call(h, op, a1, 0, 0, 0, 0);
}

int xencall2(xencall_handle *h, unsigned int op, uint64_t a1, uint64_t a2)
{
    return (int)call(h, op, a1, a2, 0, 0, 0);
}

long xencall2L(xencall_handle *h, unsigned int op, uint64_t a1, uint64_t a2)
{
    return call(h, op, a1, a2, 0, 0, 0);
}

int xencall3(xencall_handle *h, unsigned int op, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return (int)call(h, op, a1, a2, a3, 0, 0);
}

int xencall4(xencall_handle *h, unsigned int op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
    return (int)call(h, op, a1, a2, a3, a4, 0);
}

int xencall5(xencall_handle *h, unsigned int op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    return (int)call(h, op, a1, a2, a3, a4, a5);
}

void *xencall_alloc_buffer_pages(xencall_handle *h, size_t nr_pages)
{
    return jk_alloc_pages(&h->channel, nr_pages);
}

void xencall_free_buffer_pages(xencall_handle *h, void *p, size_t nr_pages)
{
    jk_free_pages(&h->channel, p, nr_pages);
}

void *xencall_alloc_buffer(xencall_handle *h, size_t size)
{
    return jk_alloc_pages(&h->channel, (size + JK_PAGE - 1) / JK_PAGE);
}

void xencall_free_buffer(xencall_handle *h, void *p)
{
    jk_free_pages(&h->channel, p, 0);
}

/* The window is shared RAM mapped for the process's lifetime: jkexec never faults on it. */
int xencall_buffers_never_fault(xencall_handle *h)
{
    (void)h;
    return 1;
}
