/*
 * irq.h: interrupt lines between device models. A qemu_irq is one wire; the
 * machine wires device outputs to controller inputs (or to KVM's irqchip).
 */
#ifndef HW_IRQ_H
#define HW_IRQ_H

#include "qemu/osdep.h"

typedef struct IRQState *qemu_irq;
typedef void (*qemu_irq_handler)(void *opaque, int n, int level);

qemu_irq qemu_allocate_irq(qemu_irq_handler handler, void *opaque, int n);
/* n lines numbered 0..n-1 with one handler; free with qemu_free_irqs(). */
qemu_irq *qemu_allocate_irqs(qemu_irq_handler handler, void *opaque, int n);
void qemu_free_irq(qemu_irq irq);
void qemu_free_irqs(qemu_irq *irqs, int n);

/* Sets the line's level; a NULL line is a no-op (an unconnected output). */
void qemu_set_irq(qemu_irq irq, int level);

static inline void qemu_irq_raise(qemu_irq irq)
{
    qemu_set_irq(irq, 1);
}
static inline void qemu_irq_lower(qemu_irq irq)
{
    qemu_set_irq(irq, 0);
}
static inline void qemu_irq_pulse(qemu_irq irq)
{
    qemu_set_irq(irq, 1);
    qemu_set_irq(irq, 0);
}

/*
 * Redirects a line to another handler (qtest's irq_intercept). Returns a new line
 * carrying the old handler, so the interceptor may still forward levels; free it
 * with qemu_free_irq().
 */
qemu_irq qemu_irq_intercept(qemu_irq irq, qemu_irq_handler handler, void *opaque);

#endif
