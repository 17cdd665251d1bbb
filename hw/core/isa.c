/*
 * isa.c: the PC's ISA bus as tern needs it: 16 interrupt lines handed over by
 * the machine, and port-I/O registration in the system I/O space. No DMA
 * channels and no ISA memory windows.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/isa.h"
#include "trace-events.h"

#define ISA_IO_SPACE_SIZE 0x10000

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

bool isa_register_ioport(MemoryRegion *mr, uint32_t iobase, const char *devname, GError **errp)
{
    uint64_t size = memory_region_size(mr);

    if (iobase >= ISA_IO_SPACE_SIZE || size > ISA_IO_SPACE_SIZE - iobase) {
        g_set_error(errp, TERN_ERROR, 0,
                    "%s: ports 0x%" PRIx32 "..0x%" PRIx64 " do not fit in the 64 KiB I/O space",
                    devname, iobase, iobase + size - 1);
        return false;
    }
    trace_isa_register_ioport(devname, iobase, iobase + size - 1);
    memory_region_add_subregion(get_system_io(), iobase, mr);
    return true;
}

void isa_unregister_ioport(MemoryRegion *mr)
{
    if (mr->container) {
        memory_region_del_subregion(mr->container, mr);
    }
    memory_region_destroy(mr);
}
