/*
 * libxendevicemodel.so.1 for a jkexec guest: open and close succeed (libxenctrl's
 * xc_interface_open opens it); there is no device model to talk to. Every other export is a
 * generated stub that fails with ENOSYS.
 */
#include <stdlib.h>

struct xentoollog_logger;
typedef struct xendevicemodel_handle { int unused; } xendevicemodel_handle;

xendevicemodel_handle *xendevicemodel_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void)logger;
    (void)open_flags;
    return calloc(1, sizeof(xendevicemodel_handle));
}

int xendevicemodel_close(xendevicemodel_handle *h)
{
    free(h);
    return 0;
}
