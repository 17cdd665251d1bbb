/*
 * hw/intc trace points: X(name, (prototype), (arguments), "format").
 * Defined and registered once in util/trace-events.c; see docs/tracing.md.
 */
#ifndef HW_INTC_TRACE_EVENTS_H
#define HW_INTC_TRACE_EVENTS_H

#include "qemu/trace.h"

#define HW_INTC_TRACE_EVENTS(X)                                                                    \
    X(pic_ioport_write, (int slave, unsigned addr, unsigned val),                                  \
      (slave ? "slave" : "master", addr, val), "%s port %u val 0x%02x")                            \
    X(pic_ioport_read, (int slave, unsigned addr, unsigned val),                                   \
      (slave ? "slave" : "master", addr, val), "%s port %u val 0x%02x")                            \
    X(pic_elcr_write, (int slave, unsigned val), (slave, val), "elcr%d 0x%02x")                    \
    X(pic_set_irq, (int irq, int level), (irq, level), "irq %d level %d")                          \
    X(pic_intr, (int level), (level), "INTR %d")                                                   \
    X(pic_read_irq, (int vector), (vector), "INTA vector 0x%02x")                                  \
    X(ioapic_reg_read, (unsigned index, uint32_t val), (index, val), "reg 0x%02x val 0x%08x")      \
    X(ioapic_reg_write, (unsigned index, uint32_t val), (index, val), "reg 0x%02x val 0x%08x")     \
    X(ioapic_set_irq, (int pin, int level), (pin, level), "pin %d level %d")                       \
    X(ioapic_send, (int pin, uint64_t rte), (pin, rte), "pin %d entry 0x%016" PRIx64)              \
    X(ioapic_eoi, (unsigned vector), (vector), "vector 0x%02x")                                    \
    X(apic_reg_read, (uint32_t id, unsigned off, uint64_t val), (id, off, val),                    \
      "apic %u reg 0x%03x val 0x%" PRIx64)                                                         \
    X(apic_reg_write, (uint32_t id, unsigned off, uint64_t val), (id, off, val),                   \
      "apic %u reg 0x%03x val 0x%" PRIx64)                                                         \
    X(apic_deliver_irq, (uint32_t dest, int dest_mode, int dm, unsigned vector, int trigger),      \
      (dest, dest_mode, dm, vector, trigger),                                                      \
      "dest 0x%x logical %d delivery mode %d vector 0x%02x level %d")                              \
    X(apic_ipi, (uint32_t id, uint32_t icr, uint32_t dest), (id, icr, dest),                       \
      "apic %u icr 0x%08x dest 0x%x")                                                              \
    X(apic_set_irq, (uint32_t id, unsigned vector, int trigger), (id, vector, trigger),            \
      "apic %u vector 0x%02x level %d")                                                            \
    X(apic_get_interrupt, (uint32_t id, int vector), (id, vector), "apic %u vector %d")            \
    X(apic_eoi, (uint32_t id, int vector, bool level), (id, vector, level),                        \
      "apic %u vector 0x%02x level-triggered %d")                                                  \
    X(apic_init_sipi, (uint32_t id, int dm, unsigned vector),                                      \
      (id, dm == 5 ? "INIT" : "SIPI", vector), "apic %u %s vector 0x%02x")                         \
    X(apic_timer_fire, (uint32_t id, int mode), (id, mode), "apic %u mode %d")                     \
    X(apic_set_base, (uint32_t id, uint64_t val), (id, val), "apic %u 0x%" PRIx64)

HW_INTC_TRACE_EVENTS(TRACE_DECLARE_EVENT)

#endif
