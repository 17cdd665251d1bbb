/*
 * i8259.h: the PC's cascaded pair of 8259A programmable interrupt controllers
 * ("i8259": master at 0x20/0x21 with ELCR 0x4d0, slave at 0xa0/0xa1 with
 * ELCR 0x4d1, the slave's INT on the master's IR2).
 *
 * Inputs are 16 qemu_irq lines (ISA IRQ 0..15, active high, as the devices
 * drive them); the output is the master's INT pin (INTR), which the machine
 * wires to the CPU (through LINT0 of the local APICs, see apic.h). The CPU's
 * interrupt acknowledge cycle is pic_read_irq(). All functions run under the BQL.
 */
#ifndef HW_INTC_I8259_H
#define HW_INTC_I8259_H

#include "hw/qdev.h"
#include "hw/irq.h"

#define TYPE_I8259 "i8259"

#define PIC_MASTER_IOBASE 0x20
#define PIC_SLAVE_IOBASE  0xa0
#define PIC_ELCR_IOBASE   0x4d0
#define PIC_CASCADE_IRQ   2

typedef struct I8259State I8259State;

/* The 16 input lines (owned by the device; valid until it is unrealized). */
qemu_irq *i8259_get_irqs(I8259State *s);
/* Connects the INTR output (NULL disconnects); it is driven at once with the current level. */
void i8259_set_intr_out(I8259State *s, qemu_irq intr);
/* The current level of INTR: an unmasked request outranks everything in service. */
bool i8259_intr_pending(I8259State *s);
/*
 * The CPU's interrupt acknowledge: the vector of the highest-priority request,
 * moving it from IRR to ISR on the master (and the slave for IRQ 8..15). With
 * nothing to give, a spurious IRQ 7 (or 15 via the slave) vector, as the chips
 * answer an INTA nobody asked for.
 */
int pic_read_irq(I8259State *s);
/* The PIC pair most recently realized (the machine's), NULL if none. */
I8259State *i8259_get(void);

/* Register snapshots for tests and 'info pic': chip 0 is the master. */
typedef struct PICRegs {
    uint8_t irr, isr, imr, elcr, irq_base;
} PICRegs;
void i8259_get_regs(I8259State *s, int chip, PICRegs *regs);

#endif
