/*
 * trace-events.c: the tree's trace points. Each directory's trace-events.h
 * declares its list; this file defines every event's state and TraceEvent once
 * and registers them all. A new directory adds its header and its list here.
 */
#include "qemu/osdep.h"
#include "qemu/trace.h"
#include "../hw/acpi/trace-events.h"
#include "../hw/char/trace-events.h"
#include "../hw/core/trace-events.h"
#include "../hw/input/trace-events.h"
#include "../hw/intc/trace-events.h"
#include "../hw/misc/trace-events.h"
#include "../hw/pci/trace-events.h"
#include "../hw/rtc/trace-events.h"
#include "../hw/timer/trace-events.h"
#include "../softmmu/trace-events.h"

#define TREE_TRACE_EVENTS(X)                                                                       \
    HW_ACPI_TRACE_EVENTS(X)                                                                        \
    HW_CHAR_TRACE_EVENTS(X)                                                                        \
    HW_CORE_TRACE_EVENTS(X)                                                                        \
    HW_INPUT_TRACE_EVENTS(X)                                                                       \
    HW_INTC_TRACE_EVENTS(X)                                                                        \
    HW_MISC_TRACE_EVENTS(X)                                                                        \
    HW_PCI_TRACE_EVENTS(X)                                                                         \
    HW_RTC_TRACE_EVENTS(X)                                                                         \
    HW_TIMER_TRACE_EVENTS(X)                                                                       \
    SOFTMMU_TRACE_EVENTS(X)

TREE_TRACE_EVENTS(TRACE_DEFINE_EVENT)

static TraceEvent *const tree_events[] = {TREE_TRACE_EVENTS(TRACE_TABLE_ENTRY)};

static void __attribute__((constructor)) trace_events_init(void)
{
    trace_event_register_group(tree_events, ARRAY_SIZE(tree_events));
}
