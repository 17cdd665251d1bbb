/*
 * osdep.h: the first include of every tern source file.
 * Standard headers, GLib, and the few helper macros used everywhere.
 */
#ifndef QEMU_OSDEP_H
#define QEMU_OSDEP_H

#include "config-host.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <assert.h>
#include <glib.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define QEMU_ALIGN_DOWN(n, m) ((n) / (m) * (m))
#define QEMU_ALIGN_UP(n, m)   QEMU_ALIGN_DOWN((n) + (m)-1, (m))
#define QEMU_IS_ALIGNED(n, m) (((n) % (m)) == 0)

#define container_of(ptr, type, member)                                                            \
    ((type *)((char *)(ptr)-offsetof(type, member)))

#define QEMU_NORETURN   __attribute__((noreturn))
#define QEMU_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define likely(x)       __builtin_expect(!!(x), 1)
#define unlikely(x)     __builtin_expect(!!(x), 0)

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

#endif
