/*
 * isa.h: the ISA bus of the PC: port I/O space and 16 interrupt lines that the
 * machine connects (to the 8259 pair/IOAPIC, or KVM's irqchip).
 */
#ifndef HW_ISA_H
#define HW_ISA_H

#include "hw/irq.h"
#include "exec/memory.h"

#define ISA_NUM_IRQS 16

/* The machine hands the bus its 16 lines once; devices look theirs up in realize. */
void isa_bus_set_irqs(qemu_irq *irqs);
/* Line n (0..15); NULL before the machine set them (a device test may set its own). */
qemu_irq isa_get_irq(unsigned n);
/* Checks an irq property (0..15); false with *errp naming the device. */
bool isa_check_irq(const char *devname, uint32_t irq, GError **errp);
/*
 * Places a device's port region at iobase in the I/O space (get_system_io()).
 * False with *errp naming the device if it does not fit in the 64 KiB space.
 */
bool isa_register_ioport(MemoryRegion *mr, uint32_t iobase, const char *devname, GError **errp);
/* Takes the region out of the I/O space and destroys it (a device's unrealize). */
void isa_unregister_ioport(MemoryRegion *mr);

#endif
