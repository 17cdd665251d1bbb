/*
 * irq.c: qemu_irq lines. A line is a handler, its opaque and the line number
 * the handler is told; setting a level calls the handler at once (no queue).
 * Lines do not remember their level: the receiving controller does.
 */
#include "qemu/osdep.h"
#include "hw/irq.h"
#include "trace-events.h"

struct IRQState {
    qemu_irq_handler handler;
    void *opaque;
    int n;
};

qemu_irq qemu_allocate_irq(qemu_irq_handler handler, void *opaque, int n)
{
    qemu_irq irq = g_new0(struct IRQState, 1);

    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
    return irq;
}

qemu_irq *qemu_allocate_irqs(qemu_irq_handler handler, void *opaque, int n)
{
    qemu_irq *irqs = g_new0(qemu_irq, n > 0 ? n : 1);

    for (int i = 0; i < n; i++) {
        irqs[i] = qemu_allocate_irq(handler, opaque, i);
    }
    return irqs;
}

void qemu_free_irq(qemu_irq irq)
{
    g_free(irq);
}

void qemu_free_irqs(qemu_irq *irqs, int n)
{
    if (!irqs) {
        return;
    }
    for (int i = 0; i < n; i++) {
        qemu_free_irq(irqs[i]);
    }
    g_free(irqs);
}

void qemu_set_irq(qemu_irq irq, int level)
{
    if (!irq || !irq->handler) {
        return;
    }
    trace_qemu_set_irq(irq, irq->opaque, irq->n, level);
    irq->handler(irq->opaque, irq->n, level);
}

qemu_irq qemu_irq_intercept(qemu_irq irq, qemu_irq_handler handler, void *opaque)
{
    qemu_irq old;

    g_assert(irq);
    old = qemu_allocate_irq(irq->handler, irq->opaque, irq->n);
    irq->handler = handler;
    irq->opaque = opaque;
    return old;
}
