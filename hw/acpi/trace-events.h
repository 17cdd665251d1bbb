/*
 * hw/acpi trace points: X(name, (prototype), (arguments), "format").
 * Defined and registered once in util/trace-events.c; see docs/tracing.md.
 */
#ifndef HW_ACPI_TRACE_EVENTS_H
#define HW_ACPI_TRACE_EVENTS_H

#include "qemu/trace.h"

#define HW_ACPI_TRACE_EVENTS(X)                                                                    \
    X(piix4_pm_read, (unsigned addr, unsigned size, uint64_t val), (addr, size, val),              \
      "addr 0x%02x size %u -> 0x%" PRIx64)                                                         \
    X(piix4_pm_write, (unsigned addr, unsigned size, uint64_t val), (addr, size, val),             \
      "addr 0x%02x size %u <- 0x%" PRIx64)                                                         \
    X(piix4_pm_sci, (int level, unsigned pm1_sts, unsigned gpe0_sts), (level, pm1_sts, gpe0_sts),  \
      "SCI level %d PM1_STS 0x%04x GPE0_STS 0x%04x")                                               \
    X(piix4_pm_sleep, (unsigned slp_typ), (slp_typ), "SLP_EN with SLP_TYP %u")                     \
    X(piix4_pm_io_map, (unsigned old_base, unsigned base), (old_base, base),                       \
      "PM I/O block 0x%x -> 0x%x (0: unmapped)")                                                   \
    X(piix4_pm_power_button, (void), (), "power button pressed")

HW_ACPI_TRACE_EVENTS(TRACE_DECLARE_EVENT)

#endif
