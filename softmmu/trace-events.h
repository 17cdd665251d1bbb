/*
 * softmmu (memory core) trace points: X(name, (prototype), (arguments), "format").
 * Defined and registered once in util/trace-events.c; see docs/tracing.md.
 */
#ifndef SOFTMMU_TRACE_EVENTS_H
#define SOFTMMU_TRACE_EVENTS_H

#include "qemu/trace.h"

#define SOFTMMU_TRACE_EVENTS(X)                                                                    \
    X(memory_region_ops_read,                                                                      \
      (const char *mr, uint64_t addr, uint64_t val, unsigned size, int res),                       \
      (mr, addr, size, val, res), "%s addr 0x%" PRIx64 " size %u -> 0x%" PRIx64 " result %d")      \
    X(memory_region_ops_write,                                                                     \
      (const char *mr, uint64_t addr, uint64_t val, unsigned size, int res),                       \
      (mr, addr, size, val, res), "%s addr 0x%" PRIx64 " size %u <- 0x%" PRIx64 " result %d")      \
    X(address_space_unassigned, (const char *as, uint64_t addr, uint64_t len, bool write),         \
      (as, addr, len, write), "%s addr 0x%" PRIx64 " len %" PRIu64 " write %d: nothing there")     \
    X(address_space_update_topology, (const char *as, unsigned nr_ranges), (as, nr_ranges),        \
      "%s: new flat view, %u ranges")                                                              \
    X(address_space_map,                                                                           \
      (const char *as, uint64_t addr, uint64_t asked, uint64_t got, bool write, bool bounce),      \
      (as, addr, asked, got, write, bounce),                                                       \
      "%s addr 0x%" PRIx64 " len %" PRIu64 " -> %" PRIu64 " write %d bounce %d")                   \
    X(address_space_unmap, (void *host, uint64_t len, bool write), (host, len, write),             \
      "host %p len %" PRIu64 " write %d")

SOFTMMU_TRACE_EVENTS(TRACE_DECLARE_EVENT)

#endif
