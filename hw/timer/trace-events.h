/*
 * hw/timer trace points: X(name, (prototype), (arguments), "format").
 * Defined and registered once in util/trace-events.c; see docs/tracing.md.
 */
#ifndef HW_TIMER_TRACE_EVENTS_H
#define HW_TIMER_TRACE_EVENTS_H

#include "qemu/trace.h"

#define HW_TIMER_TRACE_EVENTS(X)                                                                   \
    X(pit_ioport_write, (unsigned addr, unsigned val), (addr, val), "port %u val 0x%02x")          \
    X(pit_ioport_read, (unsigned addr, unsigned val), (addr, val), "port %u val 0x%02x")           \
    X(pit_irq, (int level), (level), "IRQ0 %d")                                                    \
    X(pit_load_count, (int channel, int mode, uint32_t count), (channel, mode, count),             \
      "channel %d mode %d count %u")                                                               \
    X(pit_gate, (int channel, int level), (channel, level), "channel %d gate %d")                  \
    X(port61_write, (unsigned val), (val), "val 0x%02x")                                           \
    X(hpet_reg_read, (unsigned off, uint64_t val), (off, val), "reg 0x%03x val 0x%" PRIx64)        \
    X(hpet_reg_write, (unsigned off, uint64_t val), (off, val), "reg 0x%03x val 0x%" PRIx64)       \
    X(hpet_fire, (int timer, int line, bool level), (timer, line, level),                          \
      "timer %d gsi %d level-triggered %d")

HW_TIMER_TRACE_EVENTS(TRACE_DECLARE_EVENT)

#endif
