/*
 * hw/pci trace points: X(name, (prototype), (arguments), "format").
 * Defined and registered once in util/trace-events.c; see docs/tracing.md.
 */
#ifndef HW_PCI_TRACE_EVENTS_H
#define HW_PCI_TRACE_EVENTS_H

#include "qemu/trace.h"

#define HW_PCI_TRACE_EVENTS(X)                                                                     \
    X(pci_cfg_read,                                                                                \
      (const char *dev, unsigned slot, unsigned func, unsigned reg, unsigned len, unsigned val),   \
      (dev, slot, func, reg, len, val), "%s %02x.%x reg 0x%02x len %u -> 0x%x")                    \
    X(pci_cfg_write,                                                                               \
      (const char *dev, unsigned slot, unsigned func, unsigned reg, unsigned len, unsigned val),   \
      (dev, slot, func, reg, len, val), "%s %02x.%x reg 0x%02x len %u <- 0x%x")                    \
    X(pci_cfg_no_device, (uint32_t addr, bool write), (addr, write),                               \
      "config address 0x%08x write %d: no device, master abort")                                   \
    X(pci_bar_map,                                                                                 \
      (const char *dev, unsigned slot, unsigned func, int bar, uint64_t addr, uint64_t size),      \
      (dev, slot, func, bar, addr, size), "%s %02x.%x BAR %d at 0x%" PRIx64 " size 0x%" PRIx64)    \
    X(pci_bar_unmap, (const char *dev, unsigned slot, unsigned func, int bar, uint64_t addr),      \
      (dev, slot, func, bar, addr), "%s %02x.%x BAR %d from 0x%" PRIx64)                           \
    X(pci_set_irq, (const char *dev, unsigned slot, unsigned func, int level),                     \
      (dev, slot, func, level), "%s %02x.%x INTx level %d")                                        \
    X(pci_host_config_addr, (uint32_t val), (val), "CONFIG_ADDRESS 0x%08x")                        \
    X(i440fx_pam_update, (unsigned seg, unsigned attr), (seg, attr), "segment %u attr 0x%x")       \
    X(piix3_set_pirq, (int pirq, int level), ('A' + pirq, level), "PIRQ%c level %d")               \
    X(piix3_isa_irq, (unsigned irq, int level), (irq, level), "ISA IRQ %u level %d")               \
    X(piix3_rcr_write, (unsigned val), (val), "reset control 0x%02x")

HW_PCI_TRACE_EVENTS(TRACE_DECLARE_EVENT)

#endif
