/*
 * hw/char trace points: X(name, (prototype), (arguments), "format").
 * Defined and registered once in util/trace-events.c; see docs/tracing.md.
 */
#ifndef HW_CHAR_TRACE_EVENTS_H
#define HW_CHAR_TRACE_EVENTS_H

#include "qemu/trace.h"

#define HW_CHAR_TRACE_EVENTS(X)                                                                    \
    X(serial_read, (uint32_t base, unsigned reg, unsigned val), (base, reg, val),                  \
      "base 0x%x reg %u val 0x%02x")                                                               \
    X(serial_write, (uint32_t base, unsigned reg, unsigned val), (base, reg, val),                 \
      "base 0x%x reg %u val 0x%02x")                                                               \
    X(serial_irq, (uint32_t base, unsigned iir, int level), (base, iir, level),                    \
      "base 0x%x iir 0x%02x level %d")                                                             \
    X(serial_char_time, (uint32_t base, unsigned divisor, unsigned lcr, int64_t ns),               \
      (base, divisor, lcr, ns), "base 0x%x divisor %u lcr 0x%02x char %" PRId64 " ns")             \
    X(serial_receive, (uint32_t base, unsigned byte, bool brk), (base, byte, brk),                 \
      "base 0x%x byte 0x%02x break %d")                                                            \
    X(serial_overrun, (uint32_t base), (base), "base 0x%x")                                        \
    X(serial_reset, (uint32_t base), (base), "base 0x%x")

HW_CHAR_TRACE_EVENTS(TRACE_DECLARE_EVENT)

#endif
