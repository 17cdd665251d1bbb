/*
 * debugexit.c: "isa-debug-exit", QEMU's test device (no hardware spec): a write
 * of value v to its ports ends tern with exit status (v << 1) | 1, so a test
 * kernel can report pass/fail through the process status. The value is the
 * whole access (byte, word or dword) as written; reads return 0.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "exec/memory.h"
#include "hw/isa.h"
#include "hw/misc/debugexit.h"
#include "trace-events.h"

#define DEBUG_EXIT_MAX_IOSIZE 0x100

typedef struct ISADebugExitState {
    DeviceState parent;
    uint32_t iobase, iosize;
    MemoryRegion io;
} ISADebugExitState;

static uint64_t debug_exit_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void debug_exit_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    int status = (int)((val << 1) | 1);

    trace_debug_exit_write(val, size, status);
    qemu_system_shutdown_request(status);
}

static const MemoryRegionOps debug_exit_ops = {
    .read = debug_exit_read,
    .write = debug_exit_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

static bool debug_exit_realize(DeviceState *dev, GError **errp)
{
    ISADebugExitState *s = (ISADebugExitState *)dev;

    if (s->iosize == 0 || s->iosize > DEBUG_EXIT_MAX_IOSIZE) {
        g_set_error(errp, TERN_ERROR, 0, "%s: iosize 0x%x must be 1..0x%x", TYPE_ISA_DEBUG_EXIT,
                    s->iosize, DEBUG_EXIT_MAX_IOSIZE);
        return false;
    }
    memory_region_init_io(&s->io, &debug_exit_ops, s, "isa-debug-exit", s->iosize);
    if (!isa_register_ioport(&s->io, s->iobase, TYPE_ISA_DEBUG_EXIT, errp)) {
        memory_region_destroy(&s->io);
        return false;
    }
    return true;
}

static void debug_exit_unrealize(DeviceState *dev)
{
    isa_unregister_ioport(&((ISADebugExitState *)dev)->io);
}

static const Property debug_exit_props[] = {
    DEFINE_PROP_UINT32("iobase", ISADebugExitState, iobase, 0x501),
    DEFINE_PROP_UINT32("iosize", ISADebugExitState, iosize, 0x02),
    DEFINE_PROP_END,
};

static const DeviceInfo debug_exit_info = {
    .name = TYPE_ISA_DEBUG_EXIT,
    .desc = "exit tern with status (value << 1) | 1 when written",
    .spec = "QEMU's isa-debug-exit device (no hardware counterpart)",
    .instance_size = sizeof(ISADebugExitState),
    .props = debug_exit_props,
    .user_creatable = true,
    .realize = debug_exit_realize,
    .unrealize = debug_exit_unrealize,
};
device_init(debug_exit_info)
