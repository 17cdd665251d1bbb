/*
 * isa.c: the PC's ISA bus as tern needs it: 16 interrupt lines handed over by
 * the machine, and port-I/O registration in the system I/O space. No DMA
 * channels and no ISA memory windows.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/isa.h"

static qemu_irq isa_irqs[ISA_NUM_IRQS];

void isa_bus_set_irqs(qemu_irq *irqs)
{
    for (unsigned i = 0; i < ISA_NUM_IRQS; i++) {
        isa_irqs[i] = irqs ? irqs[i] : NULL;
    }
}

qemu_irq isa_get_irq(unsigned n)
{
    return n < ISA_NUM_IRQS ? isa_irqs[n] : NULL;
}

bool isa_check_irq(const char *devname, uint32_t irq, GError **errp)
{
    if (irq >= ISA_NUM_IRQS) {
        g_set_error(errp, TERN_ERROR, 0, "%s: irq %u out of range (0..%u)", devname, irq,
                    ISA_NUM_IRQS - 1);
        return false;
    }
    return true;
}
