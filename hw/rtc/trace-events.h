/*
 * hw/rtc trace points: X(name, (prototype), (arguments), "format").
 * Defined and registered once in util/trace-events.c; see docs/tracing.md.
 */
#ifndef HW_RTC_TRACE_EVENTS_H
#define HW_RTC_TRACE_EVENTS_H

#include "qemu/trace.h"

#define HW_RTC_TRACE_EVENTS(X)                                                                     \
    X(rtc_cmos_read, (unsigned index, unsigned val), (index, val), "index 0x%02x val 0x%02x")      \
    X(rtc_cmos_write, (unsigned index, unsigned val), (index, val), "index 0x%02x val 0x%02x")     \
    X(rtc_index_write, (unsigned index, bool nmi_masked), (index, nmi_masked),                     \
      "index 0x%02x nmi_masked %d")                                                                \
    X(rtc_irq, (unsigned reg_c, int level), (reg_c, level), "reg_c 0x%02x level %d")               \
    X(rtc_reset, (void), (), "interrupt enables and flags cleared")

HW_RTC_TRACE_EVENTS(TRACE_DECLARE_EVENT)

#endif
