/*
 * jkhc: raw hypercalls through jkexec's channel, for tests and for poking at jkexec by hand.
 * It uses the shim's channel directly (no libxenctrl), so a test can send any bytes Xen's ABI
 * allows, and many it does not.
 *
 *   jkhc [-b HEX]... call OP [ARG]...   one hypercall; prints "ret=N" and "bI=HEX" per buffer
 *   jkhc flood N OP [ARG]...            N calls one after the other; prints "flood N ret=R"
 *   jkhc garbage N                      N bytes that are no frame, then xen_version(0)
 *   jkhc badframe                       a frame of an unknown version; prints jkexec's answer
 *   jkhc race PAGES                     a default-image load whose buffer another thread keeps
 *                                       rewriting during the call; prints "ret=N"
 *   jkhc window                         prints the window's guest-physical base and size
 *
 * -b HEX defines buffer I (0, 1, ... in order), allocated in the window. HEX may hold {bJ} (the
 * 8-byte virtual address of buffer J) and {pJ} (its guest-physical address); ":SIZE" after HEX
 * makes the buffer SIZE bytes (zero filled past HEX). An ARG is a number (decimal or 0x...), bJ or
 * pJ, or w (the virtual address of the window's last page; {w} in HEX).
 */
#define _GNU_SOURCE
#include "channel.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_BUFFERS 16

struct buffer {
    const char *spec;
    uint8_t *va;
    size_t size;
};

static struct jk_channel ch;
static struct buffer buffers[MAX_BUFFERS];
static int nbuffers;

static void die(const char *what, int err)
{
    fprintf(stderr, "jkhc: %s: %s\n", what, strerror(err));
    exit(2);
}

static uint64_t gpa(const uint8_t *va)
{
    return ch.window_gpa + (uint64_t)(va - ch.window);
}

static uint64_t number(const char *s)
{
    if (strcmp(s, "w") == 0) /* the window's last page */
        return (uint64_t)(uintptr_t)(ch.window + ch.window_size - JK_PAGE);
    if ((s[0] == 'b' || s[0] == 'p') && s[1] >= '0' && s[1] <= '9') {
        int i = atoi(s + 1);
        if (i >= nbuffers)
            die(s, EINVAL);
        return s[0] == 'b' ? (uint64_t)(uintptr_t)buffers[i].va : gpa(buffers[i].va);
    }
    return strtoull(s, NULL, 0);
}

static size_t hex_length(const char *spec)
{
    size_t n = 0;
    for (const char *p = spec; *p && *p != ':'; ) {
        if (*p == '{') {
            n += 8;
            p = strchr(p, '}');
            if (!p)
                die(spec, EINVAL);
            p++;
        } else {
            n++;
            p += 2;
        }
    }
    return n;
}

static void fill(struct buffer *b)
{
    uint8_t *out = b->va;
    for (const char *p = b->spec; *p && *p != ':'; ) {
        if (*p == '{') {
            char tok[16] = { 0 };
            const char *end = strchr(p, '}');
            memcpy(tok, p + 1, (size_t)(end - p - 1) < sizeof(tok) - 1 ? (size_t)(end - p - 1) : sizeof(tok) - 1);
            uint64_t v = number(tok);
            memcpy(out, &v, 8);
            out += 8;
            p = end + 1;
        } else {
            unsigned int byte;
            if (sscanf(p, "%2x", &byte) != 1)
                die(b->spec, EINVAL);
            *out++ = (uint8_t)byte;
            p += 2;
        }
    }
}

static void define_buffers(void)
{
    for (int i = 0; i < nbuffers; i++) {
        struct buffer *b = &buffers[i];
        const char *colon = strchr(b->spec, ':');
        size_t need = hex_length(b->spec);
        b->size = colon ? strtoull(colon + 1, NULL, 0) : need;
        if (b->size < need)
            b->size = need;
        b->va = jk_alloc_pages(&ch, b->size / JK_PAGE + 1);
        if (!b->va)
            die("buffer", errno);
    }
    for (int i = 0; i < nbuffers; i++)
        fill(&buffers[i]);
}

static void print_buffers(void)
{
    for (int i = 0; i < nbuffers; i++) {
        printf("b%d=", i);
        for (size_t j = 0; j < buffers[i].size; j++)
            printf("%02x", buffers[i].va[j]);
        printf("\n");
    }
}

static void args_from(char **argv, int argc, uint64_t *op, uint64_t args[5])
{
    if (argc < 1)
        die("OP", EINVAL);
    *op = number(argv[0]);
    for (int i = 0; i < 5; i++)
        args[i] = i + 1 < argc ? number(argv[i + 1]) : 0;
}

static volatile int racing = 1;

static void *rewrite(void *p)
{
    struct buffer *b = p;
    uint64_t n = 0;
    while (racing) {
        for (size_t i = 0; i < b->size; i += 64)
            b->va[i] = (uint8_t)n;
        n++;
    }
    return NULL;
}

static int race(size_t pages)
{
    /* One segment: PAGES pages at 16 MiB, entry at its start, arch EM_X86_64, type default. */
    struct buffer *data = &buffers[0], *seg = &buffers[1], *load = &buffers[2];
    pthread_t t;
    long ret;
    nbuffers = 3;
    data->size = pages * JK_PAGE;
    seg->size = 32;
    load->size = 24;
    for (int i = 0; i < 3; i++) {
        buffers[i].va = jk_alloc_pages(&ch, buffers[i].size / JK_PAGE + 1);
        if (!buffers[i].va)
            die("buffer", errno);
    }
    uint64_t s[4] = { (uint64_t)(uintptr_t)data->va, data->size, 0x1000000, data->size };
    memcpy(seg->va, s, sizeof(s));
    load->va[0] = 0;
    load->va[2] = 62;
    uint32_t nr = 1;
    memcpy(load->va + 4, &nr, 4);
    uint64_t segs = (uint64_t)(uintptr_t)seg->va, entry = 0x1000000;
    memcpy(load->va + 8, &segs, 8);
    memcpy(load->va + 16, &entry, 8);
    pthread_create(&t, NULL, rewrite, data);
    uint64_t args[5] = { 4, (uint64_t)(uintptr_t)load->va, 0, 0, 0 };
    ret = jk_call(&ch, 37, args);
    racing = 0;
    pthread_join(t, NULL);
    printf("ret=%ld\n", ret);
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1, rc;
    while (i + 1 < argc && strcmp(argv[i], "-b") == 0) {
        if (nbuffers == MAX_BUFFERS)
            die("-b", E2BIG);
        buffers[nbuffers++].spec = argv[i + 1];
        i += 2;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: jkhc [-b HEX]... call|flood|garbage|badframe|race|window ...\n");
        return 2;
    }
    rc = jk_open(&ch);
    if (rc < 0)
        die("channel", -rc);
    const char *cmd = argv[i++];
    if (strcmp(cmd, "window") == 0) {
        printf("window=0x%llx size=0x%llx\n", (unsigned long long)ch.window_gpa, (unsigned long long)ch.window_size);
    } else if (strcmp(cmd, "call") == 0) {
        uint64_t op, args[5];
        define_buffers();
        args_from(argv + i, argc - i, &op, args);
        printf("ret=%ld\n", jk_call(&ch, op, args));
        print_buffers();
    } else if (strcmp(cmd, "flood") == 0) {
        uint64_t op, args[5];
        long n = i < argc ? atol(argv[i++]) : 0, ret = 0;
        define_buffers();
        args_from(argv + i, argc - i, &op, args);
        for (long k = 0; k < n; k++)
            ret = jk_call(&ch, op, args);
        printf("flood %ld ret=%ld\n", n, ret);
    } else if (strcmp(cmd, "garbage") == 0) {
        long n = i < argc ? atol(argv[i]) : 0;
        uint8_t junk[256];
        uint32_t x = 12345;
        uint64_t args[5] = { 0 };
        for (long k = 0; k < n; k += (long)sizeof(junk)) {
            size_t len = (size_t)(n - k) < sizeof(junk) ? (size_t)(n - k) : sizeof(junk);
            for (size_t j = 0; j < len; j++) {
                x = x * 1103515245u + 12345u;
                junk[j] = (uint8_t)(x >> 16);
                if (junk[j] == 'J')
                    junk[j] = 0; /* never start a frame by chance */
            }
            jk_doorbell_write(&ch, junk, len);
        }
        printf("garbage %ld then ret=%ld\n", n, jk_call(&ch, 17, args));
    } else if (strcmp(cmd, "badframe") == 0) {
        uint8_t req[JK_REQUEST_SIZE] = { 0 }, resp[JK_RESPONSE_SIZE];
        uint32_t magic = JK_REQUEST_MAGIC, version = 99;
        uint64_t seq = 7;
        memcpy(req, &magic, 4);
        memcpy(req + 4, &version, 4);
        memcpy(req + 8, &seq, 8);
        jk_doorbell_write(&ch, req, sizeof(req));
        size_t got = 0;
        while (got < sizeof(resp)) {
            ssize_t r = read(ch.ttyfd, resp + got, sizeof(resp) - got);
            if (r <= 0)
                die("read", errno);
            got += (size_t)r;
        }
        int64_t ret;
        memcpy(&ret, resp + 16, 8);
        printf("badframe ret=%lld\n", (long long)ret);
    } else if (strcmp(cmd, "race") == 0) {
        race(i < argc ? strtoul(argv[i], NULL, 0) : 256);
    } else {
        fprintf(stderr, "jkhc: unknown command %s\n", cmd);
        return 2;
    }
    jk_close(&ch);
    return 0;
}
