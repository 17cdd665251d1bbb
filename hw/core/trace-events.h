/*
 * hw/core trace points: X(name, (prototype), (arguments), "format").
 * Defined and registered once in util/trace-events.c; see docs/tracing.md.
 */
#ifndef HW_CORE_TRACE_EVENTS_H
#define HW_CORE_TRACE_EVENTS_H

#include "qemu/trace.h"

#define HW_CORE_TRACE_EVENTS(X)                                                                    \
    X(qdev_realize, (void *dev, const char *type, const char *id), (dev, type, id),                \
      "dev %p type %s id '%s'")                                                                    \
    X(qdev_realize_failed, (void *dev, const char *type, const char *why), (dev, type, why),       \
      "dev %p type %s: %s")                                                                        \
    X(qdev_unrealize, (void *dev, const char *type), (dev, type), "dev %p type %s")                \
    X(qdev_reset, (void *dev, const char *type), (dev, type), "dev %p type %s")                    \
    X(qemu_set_irq, (void *irq, void *opaque, int n, int level), (irq, opaque, n, level),          \
      "line %p handler opaque %p n %d level %d")                                                   \
    X(isa_register_ioport, (const char *dev, uint32_t first, uint64_t last), (dev, first, last),   \
      "%s ports 0x%x..0x%" PRIx64)

HW_CORE_TRACE_EVENTS(TRACE_DECLARE_EVENT)

#endif
