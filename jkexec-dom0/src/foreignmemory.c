/*
 * libxenforeignmemory.so.1 for a jkexec guest: open and close succeed (libxenctrl's
 * xc_interface_open opens it); nothing maps foreign memory. Every other export is a generated
 * stub that fails with ENOSYS.
 */
#include <stdlib.h>

struct xentoollog_logger;
typedef struct xenforeignmemory_handle { int unused; } xenforeignmemory_handle;

xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void)logger;
    (void)open_flags;
    return calloc(1, sizeof(xenforeignmemory_handle));
}

int xenforeignmemory_close(xenforeignmemory_handle *h)
{
    free(h);
    return 0;
}
