/*
 * jkexec's hypercall channel, guest side: the window and the doorbell.
 *
 * jkexec (the hypervisor) publishes a descriptor in the mailbox page (guest-physical
 * JK_DESCRIPTOR): the guest-physical base and size of the hypercall buffer window, and which
 * serial port is the doorbell. A process maps the window through /dev/mem (the e820 marks it
 * reserved, so STRICT_DEVMEM lets root map it) and allocates hypercall buffers from it; the
 * doorbell carries one call (op, five arguments, where the window is mapped in this process)
 * and its return value. jkexec reads and writes the buffers in place, in shared RAM.
 *
 * Frame layouts (little endian) are jkexec's HypercallFrame; the two must agree.
 */
#ifndef JK_CHANNEL_H
#define JK_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#define JK_DESCRIPTOR 0x9FF00UL          /* MachineLayout.HYPERCALL_DESCRIPTOR; ChannelHeaderTest holds these to Java */
#define JK_DESCRIPTOR_MAGIC "JKXHCALL"
#define JK_REQUEST_MAGIC 0x43484B4Au     /* "JKHC" */
#define JK_RESPONSE_MAGIC 0x52484B4Au    /* "JKHR" */
#define JK_VERSION 1
#define JK_FLAG_COMPAT 1                 /* the caller is a 32-bit process */
#define JK_REQUEST_SIZE 80
#define JK_RESPONSE_SIZE 24
#define JK_PAGE 4096UL

struct jk_alloc;

struct jk_channel {
    int memfd;             /* /dev/mem: the window's mapping, and the allocator's lock */
    int ttyfd;             /* the doorbell serial port */
    uint8_t *window;       /* where the window is mapped in this process */
    uint64_t window_gpa;
    uint64_t window_size;
    struct jk_alloc *allocations; /* this channel's live buffers, freed by jk_close */
};

/* Opens the channel: reads the descriptor, maps the window, opens the doorbell. 0 or -errno. */
int jk_open(struct jk_channel *c);
void jk_close(struct jk_channel *c);

/* One hypercall, synchronous: returns what jkexec returned (>= 0, or -errno). */
long jk_call(struct jk_channel *c, uint64_t op, const uint64_t args[5]);

/* Page-granular buffers inside the window; NULL (errno ENOMEM) when the window is full. */
void *jk_alloc_pages(struct jk_channel *c, size_t pages);
void jk_free_pages(struct jk_channel *c, void *p, size_t pages);

/* Writes raw bytes to the doorbell (the test client's garbage); returns bytes written or -errno. */
long jk_doorbell_write(struct jk_channel *c, const void *bytes, size_t n);

#endif
