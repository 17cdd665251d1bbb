/*
 * hw/misc trace points: X(name, (prototype), (arguments), "format").
 * Defined and registered once in util/trace-events.c; see docs/tracing.md.
 */
#ifndef HW_MISC_TRACE_EVENTS_H
#define HW_MISC_TRACE_EVENTS_H

#include "qemu/trace.h"

#define HW_MISC_TRACE_EVENTS(X)                                                                    \
    X(port92_read, (unsigned val), (val), "val 0x%02x")                                            \
    X(port92_write, (unsigned val), (val), "val 0x%02x")                                           \
    X(ioport80_write, (unsigned val), (val), "POST code 0x%02x")                                   \
    X(ioport80_read, (unsigned val), (val), "val 0x%02x")                                          \
    X(debug_exit_write, (uint64_t val, unsigned size, int status), (val, size, status),            \
      "val 0x%" PRIx64 " size %u: exit status %d")

HW_MISC_TRACE_EVENTS(TRACE_DECLARE_EVENT)

#endif
