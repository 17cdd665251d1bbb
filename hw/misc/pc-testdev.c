/*
 * pc-testdev.c: "pc-testdev", QEMU's ISA test device (no hardware spec; the
 * layout is QEMU's, which kvm-unit-tests' x86 tests use):
 *     I/O 0xe0, 4 bytes   a 32-bit scratch register; byte, word or dword accesses
 *                         at any offset read and write the matching bytes
 *     I/O 0xe4, 4 bytes   flush page: a dword write of a guest physical address
 *                         makes the host drop and restore access to that RAM page
 *                         (mprotect), so the accelerator's mappings of it go away
 *     I/O 0xe8, 4 bytes   the same scratch register, but the device takes only
 *                         byte accesses: wider ones reach it split into bytes
 *     I/O 0x2000, 24      a byte write of v to 0x2000 + n sets interrupt line n
 *                         to !!v (the PC machine's GSI n; ISA IRQ n without it)
 *     MMIO 0xff000000     64 KiB of memory-like storage reached through MMIO
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/memory.h"
#include "hw/isa.h"
#include "hw/qdev.h"
#include "hw/i386/pc.h"
#include <sys/mman.h>

#define TYPE_PC_TESTDEV "pc-testdev"

#define PC_TESTDEV_IOPORT      0xe0
#define PC_TESTDEV_FLUSH       0xe4
#define PC_TESTDEV_IOPORT_BYTE 0xe8
#define PC_TESTDEV_REG_SIZE    4
#define PC_TESTDEV_IRQ_BASE    0x2000
#define PC_TESTDEV_NR_IRQS     24
#define PC_TESTDEV_IOMEM_BASE  0xff000000ULL
#define PC_TESTDEV_IOMEM_SIZE  0x10000
#define PC_TESTDEV_PAGE_SIZE   4096

typedef struct PCTestdevState {
    DeviceState parent;
    MemoryRegion ioport, ioport_byte, flush, irq, iomem;
    uint32_t ioport_data;
    uint8_t iomem_buf[PC_TESTDEV_IOMEM_SIZE];
} PCTestdevState;

/* --- scratch register ------------------------------------------------------------- */

static uint32_t lane_mask(hwaddr addr, unsigned size)
{
    uint32_t bits = size >= 4 ? UINT32_MAX : (1u << (size * 8)) - 1;

    return bits << ((addr & 3) * 8);
}

static uint64_t testdev_ioport_read(void *opaque, hwaddr addr, unsigned size)
{
    PCTestdevState *s = opaque;

    return (s->ioport_data & lane_mask(addr, size)) >> ((addr & 3) * 8);
}

static void testdev_ioport_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCTestdevState *s = opaque;
    uint32_t mask = lane_mask(addr, size);

    s->ioport_data = (s->ioport_data & ~mask) | (((uint32_t)val << ((addr & 3) * 8)) & mask);
}

static const MemoryRegionOps testdev_ioport_ops = {
    .read = testdev_ioport_read,
    .write = testdev_ioport_write,
    .valid = {.min_access_size = 1, .max_access_size = 4, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 4, .unaligned = true},
};

/* Same register; the memory core splits wider accesses into bytes (string I/O tests). */
static const MemoryRegionOps testdev_ioport_byte_ops = {
    .read = testdev_ioport_read,
    .write = testdev_ioport_write,
    .valid = {.min_access_size = 1, .max_access_size = 4, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

/* --- flush page --------------------------------------------------------------------- */

static void testdev_flush_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    hwaddr gpa = val & ~(hwaddr)(PC_TESTDEV_PAGE_SIZE - 1), xlat, len = PC_TESTDEV_PAGE_SIZE;
    MemoryRegion *mr = address_space_translate(address_space_memory(), gpa, &xlat, &len, true,
                                               MEMTXATTRS_UNSPECIFIED);
    long host_page = sysconf(_SC_PAGESIZE);
    uintptr_t host;

    (void)opaque;
    (void)addr;
    (void)size;
    if (!mr || !memory_region_is_ram(mr) || mr->readonly || len < PC_TESTDEV_PAGE_SIZE) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: flush of 0x%" HWADDR_PRIx ": not a RAM page\n",
                      TYPE_PC_TESTDEV, gpa);
        return;
    }
    host = (uintptr_t)memory_region_get_ram_ptr(mr) + xlat;
    host = QEMU_ALIGN_DOWN(host, (uintptr_t)host_page);
    /* Taking access away makes the kernel invalidate every mapping of the page (KVM's too). */
    if (mprotect((void *)host, host_page, PROT_NONE) ||
        mprotect((void *)host, host_page, PROT_READ | PROT_WRITE)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: mprotect: %s\n", TYPE_PC_TESTDEV, g_strerror(errno));
    }
}

static const MemoryRegionOps testdev_flush_ops = {
    .write = testdev_flush_write,
    .valid = {.min_access_size = 4, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

/* --- interrupt lines ------------------------------------------------------------------- */

static void testdev_irq_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCMachineState *pcms = pc_machine_get();

    (void)opaque;
    (void)size;
    if (pcms && pcms->gsi) {
        qemu_set_irq(pcms->gsi[addr], val != 0);
    } else if (addr < ISA_NUM_IRQS) {
        qemu_set_irq(isa_get_irq(addr), val != 0);
    }
}

static const MemoryRegionOps testdev_irq_ops = {
    .write = testdev_irq_write,
    .valid = {.min_access_size = 1, .max_access_size = 1},
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

/* --- MMIO memory ------------------------------------------------------------------------ */

static uint64_t testdev_iomem_read(void *opaque, hwaddr addr, unsigned size)
{
    PCTestdevState *s = opaque;
    uint64_t val = 0;

    for (unsigned i = 0; i < size; i++) {
        val |= (uint64_t)s->iomem_buf[addr + i] << (8 * i);
    }
    return val;
}

static void testdev_iomem_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCTestdevState *s = opaque;

    for (unsigned i = 0; i < size; i++) {
        s->iomem_buf[addr + i] = (uint8_t)(val >> (8 * i));
    }
}

static const MemoryRegionOps testdev_iomem_ops = {
    .read = testdev_iomem_read,
    .write = testdev_iomem_write,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 8},
};

/* --- device ------------------------------------------------------------------------------- */

static bool pc_testdev_realize(DeviceState *dev, GError **errp)
{
    PCTestdevState *s = (PCTestdevState *)dev;

    memory_region_init_io(&s->ioport, &testdev_ioport_ops, s, "pc-testdev-ioport",
                          PC_TESTDEV_REG_SIZE);
    memory_region_init_io(&s->flush, &testdev_flush_ops, s, "pc-testdev-flush-page",
                          PC_TESTDEV_REG_SIZE);
    memory_region_init_io(&s->ioport_byte, &testdev_ioport_byte_ops, s, "pc-testdev-ioport-byte",
                          PC_TESTDEV_REG_SIZE);
    memory_region_init_io(&s->irq, &testdev_irq_ops, s, "pc-testdev-irq-line", PC_TESTDEV_NR_IRQS);
    memory_region_init_io(&s->iomem, &testdev_iomem_ops, s, "pc-testdev-iomem",
                          PC_TESTDEV_IOMEM_SIZE);
    if (!isa_register_ioport(&s->ioport, PC_TESTDEV_IOPORT, TYPE_PC_TESTDEV, errp) ||
        !isa_register_ioport(&s->flush, PC_TESTDEV_FLUSH, TYPE_PC_TESTDEV, errp) ||
        !isa_register_ioport(&s->ioport_byte, PC_TESTDEV_IOPORT_BYTE, TYPE_PC_TESTDEV, errp) ||
        !isa_register_ioport(&s->irq, PC_TESTDEV_IRQ_BASE, TYPE_PC_TESTDEV, errp)) {
        return false; /* XXX: the regions already placed stay until exit; setup then fails */
    }
    memory_region_add_subregion(get_system_memory(), PC_TESTDEV_IOMEM_BASE, &s->iomem);
    return true;
}

static void pc_testdev_reset(DeviceState *dev)
{
    PCTestdevState *s = (PCTestdevState *)dev;

    s->ioport_data = 0;
}

static void pc_testdev_unrealize(DeviceState *dev)
{
    PCTestdevState *s = (PCTestdevState *)dev;

    isa_unregister_ioport(&s->ioport);
    isa_unregister_ioport(&s->flush);
    isa_unregister_ioport(&s->ioport_byte);
    isa_unregister_ioport(&s->irq);
    memory_region_del_subregion(get_system_memory(), &s->iomem);
    memory_region_destroy(&s->iomem);
}

static const DeviceInfo pc_testdev_info = {
    .name = TYPE_PC_TESTDEV,
    .desc = "QEMU's PC test device (scratch port, flush page, IRQ lines, MMIO memory)",
    .spec = "QEMU's pc-testdev register layout (no hardware counterpart)",
    .instance_size = sizeof(PCTestdevState),
    .user_creatable = true,
    .realize = pc_testdev_realize,
    .reset = pc_testdev_reset,
    .unrealize = pc_testdev_unrealize,
};
device_init(pc_testdev_info)
