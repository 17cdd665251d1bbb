/*
 * port92.c: System Control Port A at 0x92 ("port92").
 *
 * Follows the IBM PS/2 Technical Reference, "System Control Port A": bit 0
 * (alternate hot reset: a 0 to 1 transition resets the processor) and bit 1
 * (alternate gate A20, kept for the machine). The other bits (CMOS lock,
 * watchdog status, disk lights) are stored and read back, with no effect.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "exec/memory.h"
#include "hw/isa.h"
#include "hw/misc/port92.h"
#include "trace-events.h"

#define PORT92_IOBASE     0x92
#define PORT92_FAST_RESET 0x01
#define PORT92_A20        0x02

struct Port92State {
    DeviceState parent;
    MemoryRegion io;
    uint8_t value;
};

static uint64_t port92_read(void *opaque, hwaddr addr, unsigned size)
{
    Port92State *s = opaque;

    trace_port92_read(s->value);
    return s->value;
}

static void port92_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Port92State *s = opaque;
    uint8_t old = s->value;

    trace_port92_write(val);
    s->value = val;
    if ((val & PORT92_FAST_RESET) && !(old & PORT92_FAST_RESET)) {
        qemu_system_reset_request();
    }
}

static const MemoryRegionOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

bool port92_a20_enabled(Port92State *s)
{
    return s->value & PORT92_A20;
}

static void port92_reset(DeviceState *dev)
{
    ((Port92State *)dev)->value = 0;
}

static bool port92_realize(DeviceState *dev, GError **errp)
{
    Port92State *s = (Port92State *)dev;

    memory_region_init_io(&s->io, &port92_ops, s, "port92", 1);
    return isa_register_ioport(&s->io, PORT92_IOBASE, TYPE_PORT92, errp);
}

static void port92_unrealize(DeviceState *dev)
{
    isa_unregister_ioport(&((Port92State *)dev)->io);
}

static const DeviceInfo port92_info = {
    .name = TYPE_PORT92,
    .desc = "System Control Port A (fast reset, A20)",
    .spec = "IBM PS/2 Technical Reference, System Control Port A",
    .instance_size = sizeof(Port92State),
    .realize = port92_realize,
    .reset = port92_reset,
    .unrealize = port92_unrealize,
};
device_init(port92_info)
