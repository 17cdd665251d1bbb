/*
 * ioapic.h: the 82093AA I/O APIC ("ioapic", MMIO at 0xFEC00000, 24 input
 * pins, version 0x20), which turns pin levels into interrupt messages to the
 * local APICs (apic_deliver_irq in apic.h), and the machine's wiring of the
 * 8259 pair and the IOAPIC behind the 24 GSIs when the accelerator has no
 * in-kernel irqchip. All functions run under the BQL.
 */
#ifndef HW_INTC_IOAPIC_H
#define HW_INTC_IOAPIC_H

#include "hw/qdev.h"
#include "hw/irq.h"

#define TYPE_IOAPIC         "ioapic"
#define IOAPIC_DEFAULT_BASE 0xfec00000u
#define IOAPIC_MMIO_SIZE    0x1000
#define IOAPIC_NUM_PINS     24

typedef struct IOAPICState IOAPICState;
typedef struct I8259State I8259State;

/* The 24 input pins (owned by the device). */
qemu_irq *ioapic_get_irqs(IOAPICState *s);
/* A redirection table entry (tests, 'info ioapic'). */
uint64_t ioapic_get_redirection(IOAPICState *s, int pin);
/*
 * A local APIC's EOI of a level-triggered vector: every IOAPIC clears Remote
 * IRR of the entries with that vector, and sends again those whose pin is
 * still asserted.
 */
void ioapic_eoi_broadcast(uint8_t vector);

/*
 * The PC's userspace irqchip: creates the "i8259" pair and the "ioapic" (of
 * ioapic_version 0x11 or 0x20; 0 for the default, 0x20),
 * connects the PIC's INTR to LINT0 of the local APICs (apic_get_pic_intr_line)
 * and its INTA to ExtINT acknowledges, and returns 24 GSI lines (freed by the
 * caller with qemu_free_irqs(gsi, IOAPIC_NUM_PINS)): GSI n drives PIC input n
 * (n < 16) and IOAPIC pin n, except GSI 0 (ISA IRQ 0, the PIT), which drives
 * IOAPIC pin 2, as the MADT interrupt source override says, and GSI 2, which
 * reaches nothing (the PIC's IR2 is the cascade), as with KVM's irqchip.
 * pic/ioapic may be NULL.
 */
qemu_irq *pc_irqchip_create(uint8_t ioapic_version, I8259State **pic, IOAPICState **ioapic);

#endif
