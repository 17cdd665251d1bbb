/*
 * ioport80.c: the POST code port 0x80 ("ioport80").
 *
 * On a PC nothing decodes port 0x80 but a POST card; guests write progress
 * codes there (and old code uses it as an I/O delay). tern accepts the writes,
 * keeps the last value (read back, as a POST display latch would show it) and
 * tells the machine, which uses the guest's write as a boot-time milestone.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "hw/isa.h"
#include "hw/misc/ioport80.h"
#include "trace-events.h"

#define IOPORT80_IOBASE 0x80

struct IOPort80State {
    DeviceState parent;
    MemoryRegion io;
    uint8_t last;
    void (*hook)(void *opaque, uint8_t value);
    void *hook_opaque;
};

static uint64_t ioport80_read(void *opaque, hwaddr addr, unsigned size)
{
    IOPort80State *s = opaque;

    trace_ioport80_read(s->last);
    return s->last;
}

static void ioport80_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    IOPort80State *s = opaque;

    trace_ioport80_write(val);
    s->last = val;
    if (s->hook) {
        s->hook(s->hook_opaque, val);
    }
}

static const MemoryRegionOps ioport80_ops = {
    .read = ioport80_read,
    .write = ioport80_write,
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

void ioport80_set_hook(IOPort80State *s, void (*fn)(void *opaque, uint8_t value), void *opaque)
{
    s->hook = fn;
    s->hook_opaque = opaque;
}

uint8_t ioport80_last_value(IOPort80State *s)
{
    return s->last;
}

static void ioport80_reset(DeviceState *dev)
{
    ((IOPort80State *)dev)->last = 0;
}

static bool ioport80_realize(DeviceState *dev, GError **errp)
{
    IOPort80State *s = (IOPort80State *)dev;

    memory_region_init_io(&s->io, &ioport80_ops, s, "ioport80", 1);
    return isa_register_ioport(&s->io, IOPORT80_IOBASE, TYPE_IOPORT80, errp);
}

static void ioport80_unrealize(DeviceState *dev)
{
    isa_unregister_ioport(&((IOPort80State *)dev)->io);
}

static const DeviceInfo ioport80_info = {
    .name = TYPE_IOPORT80,
    .desc = "POST code port 0x80",
    .spec = "PC convention: POST diagnostic port 0x80",
    .instance_size = sizeof(IOPort80State),
    .realize = ioport80_realize,
    .reset = ioport80_reset,
    .unrealize = ioport80_unrealize,
};
device_init(ioport80_info)
