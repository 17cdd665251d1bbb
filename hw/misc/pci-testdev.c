/*
 * pci-testdev.c: "pci-testdev", QEMU's PCI test device (no hardware spec; the
 * layout is QEMU's, which kvm-unit-tests' lib/pci-testdev.c drives), Red Hat
 * vendor 0x1b36, device 0x0005, class 0xff00.
 *
 * BAR0 is 4 KiB of MMIO and BAR1 256 bytes of I/O. Each holds, at offset 0, the
 * header of the selected test:
 *     0  u8  test    write: select test n (of this BAR's kind); 3 or more: none
 *     1  u8  width   access width the test uses (1)
 *     4  u32 offset  where the test writes (in the BAR's upper half)
 *     8  u8  data    the value to write (0xFA for data-matching tests, else 0xCE)
 *     12 u32 count   matching writes seen since the test was selected
 *     16 ... name    "mmio-no-eventfd", "portio-datamatch-eventfd", ...
 * Tests 0..2 are "no-eventfd", "wildcard-eventfd" (any value counts) and
 * "datamatch-eventfd" (only a write of width bytes equal to data counts). QEMU
 * backs the latter two with ioeventfds; tern has none yet, so the device counts
 * those writes itself, which a guest cannot tell apart. With no test selected,
 * reads return 0. Optional BAR2 ("membar=SIZE"): a 64-bit prefetchable window
 * with nothing behind it, for BAR sizing tests.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/memory.h"
#include "hw/pci/pci.h"

#define TYPE_PCI_TESTDEV          "pci-testdev"
#define PCI_DEVICE_ID_REDHAT_TEST 0x0005
#define PCI_TESTDEV_REVISION      0x00

#define IOTEST_MEMSIZE   2048 /* BAR0 is twice this; tests write in the upper half */
#define IOTEST_IOSIZE    128  /* BAR1 is twice this */
#define IOTEST_WIDTH     1
#define IOTEST_DATAMATCH 0xfa
#define IOTEST_NOMATCH   0xce

/* Header layout (little-endian fields). */
#define HDR_TEST   0
#define HDR_WIDTH  1
#define HDR_OFFSET 4
#define HDR_DATA   8
#define HDR_COUNT  12
#define HDR_NAME   16

enum { IOTEST_MMIO, IOTEST_PORTIO, IOTEST_NR_TYPES };
enum { IOTEST_NO_EVENTFD, IOTEST_WILDCARD, IOTEST_DATAMATCH_TEST, IOTEST_NR_TESTS };
#define IOTEST_MAX (IOTEST_NR_TYPES * IOTEST_NR_TESTS)

static const char *const iotest_type_names[IOTEST_NR_TYPES] = {"mmio", "portio"};
static const char *const iotest_test_names[IOTEST_NR_TESTS] = {"no-eventfd", "wildcard-eventfd",
                                                               "datamatch-eventfd"};

typedef struct IOTest {
    uint8_t *hdr; /* header followed by the name */
    unsigned bufsize;
    bool match_data;
} IOTest;

typedef struct PCITestDevState {
    PCIDevice parent_obj;
    MemoryRegion mmio, portio, membar;
    uint64_t membar_size;
    IOTest tests[IOTEST_MAX];
    int current; /* index into tests, -1 when none is selected */
} PCITestDevState;

static uint32_t hdr_get_count(IOTest *t)
{
    return pci_get_long(t->hdr + HDR_COUNT);
}

static void pci_testdev_select(PCITestDevState *d, int type, uint64_t val)
{
    d->current = -1;
    if (val >= IOTEST_NR_TESTS) {
        return; /* past the last test: the guest's loop ends on an empty name */
    }
    d->current = type * IOTEST_NR_TESTS + (int)val;
    pci_set_long(d->tests[d->current].hdr + HDR_COUNT, 0);
}

static void pci_testdev_write(PCITestDevState *d, int type, hwaddr addr, uint64_t val,
                              unsigned size)
{
    IOTest *t;

    if (addr == HDR_TEST) {
        pci_testdev_select(d, type, val);
        return;
    }
    if (d->current < 0) {
        return;
    }
    t = &d->tests[d->current];
    if (addr != pci_get_long(t->hdr + HDR_OFFSET)) {
        return;
    }
    if (t->match_data && (size != IOTEST_WIDTH || val != t->hdr[HDR_DATA])) {
        return;
    }
    pci_set_long(t->hdr + HDR_COUNT, hdr_get_count(t) + 1);
}

static uint64_t pci_testdev_read(void *opaque, hwaddr addr, unsigned size)
{
    PCITestDevState *d = opaque;
    IOTest *t;
    uint64_t val = 0;

    if (d->current < 0) {
        return 0;
    }
    t = &d->tests[d->current];
    if (addr + size >= t->bufsize) {
        return 0;
    }
    for (unsigned i = 0; i < size; i++) {
        val |= (uint64_t)t->hdr[addr + i] << (8 * i);
    }
    return val;
}

static void pci_testdev_mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    pci_testdev_write(opaque, IOTEST_MMIO, addr, val, size);
}

static void pci_testdev_pio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    pci_testdev_write(opaque, IOTEST_PORTIO, addr, val, size);
}

static const MemoryRegionOps pci_testdev_mmio_ops = {
    .read = pci_testdev_read,
    .write = pci_testdev_mmio_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

static const MemoryRegionOps pci_testdev_pio_ops = {
    .read = pci_testdev_read,
    .write = pci_testdev_pio_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

/* Test i: its header, name "<type>-<test>" and the offset it writes to. */
static void pci_testdev_init_test(IOTest *t, int i)
{
    int type = i / IOTEST_NR_TESTS, test = i % IOTEST_NR_TESTS;
    g_autofree char *name =
        g_strdup_printf("%s-%s", iotest_type_names[type], iotest_test_names[test]);
    unsigned half = type == IOTEST_MMIO ? IOTEST_MEMSIZE : IOTEST_IOSIZE;

    t->bufsize = HDR_NAME + strlen(name) + 1;
    t->hdr = g_malloc0(t->bufsize);
    memcpy(t->hdr + HDR_NAME, name, strlen(name) + 1);
    t->match_data = test != IOTEST_WILDCARD;
    t->hdr[HDR_TEST] = (uint8_t)i;
    t->hdr[HDR_WIDTH] = IOTEST_WIDTH;
    pci_set_long(t->hdr + HDR_OFFSET, half + i * IOTEST_WIDTH);
    t->hdr[HDR_DATA] = t->match_data ? IOTEST_DATAMATCH : IOTEST_NOMATCH;
}

static bool pci_testdev_realize(DeviceState *dev, GError **errp)
{
    PCITestDevState *d = (PCITestDevState *)dev;
    PCIDevice *pd = &d->parent_obj;

    if (d->membar_size && (d->membar_size & (d->membar_size - 1))) {
        g_set_error(errp, TERN_ERROR, 0, "%s: membar 0x%" PRIx64 " is not a power of two",
                    TYPE_PCI_TESTDEV, d->membar_size);
        return false;
    }
    if (!pci_device_attach(pd, errp)) {
        return false;
    }
    pci_config_set_ids(pd, PCI_VENDOR_ID_REDHAT, PCI_DEVICE_ID_REDHAT_TEST, PCI_TESTDEV_REVISION,
                       PCI_CLASS_OTHERS, 0);
    pd->config[PCI_INTERRUPT_PIN] = 0; /* no interrupt */
    memory_region_init_io(&d->mmio, &pci_testdev_mmio_ops, d, "pci-testdev-mmio",
                          IOTEST_MEMSIZE * 2);
    memory_region_init_io(&d->portio, &pci_testdev_pio_ops, d, "pci-testdev-portio",
                          IOTEST_IOSIZE * 2);
    pci_register_bar(pd, 0, PCI_BASE_ADDRESS_MEM_TYPE_32, &d->mmio);
    pci_register_bar(pd, 1, PCI_BASE_ADDRESS_SPACE_IO, &d->portio);
    if (d->membar_size) {
        memory_region_init(&d->membar, "pci-testdev-membar", d->membar_size);
        pci_register_bar(pd, 2, PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH,
                         &d->membar);
    }
    for (int i = 0; i < IOTEST_MAX; i++) {
        pci_testdev_init_test(&d->tests[i], i);
    }
    d->current = -1;
    pci_device_attach_done(pd);
    return true;
}

static void pci_testdev_reset(DeviceState *dev)
{
    PCITestDevState *d = (PCITestDevState *)dev;

    pci_device_reset(&d->parent_obj);
    d->current = -1;
}

static void pci_testdev_unrealize(DeviceState *dev)
{
    PCITestDevState *d = (PCITestDevState *)dev;

    pci_device_detach(&d->parent_obj);
    memory_region_destroy(&d->mmio);
    memory_region_destroy(&d->portio);
    if (d->membar_size) {
        memory_region_destroy(&d->membar);
    }
    for (int i = 0; i < IOTEST_MAX; i++) {
        g_free(d->tests[i].hdr);
    }
}

static const Property pci_testdev_props[] = {
    DEFINE_PROP_PCI_ADDR(PCITestDevState),
    DEFINE_PROP_UINT64("membar", PCITestDevState, membar_size, 0),
    DEFINE_PROP_END,
};

static const DeviceInfo pci_testdev_info = {
    .name = TYPE_PCI_TESTDEV,
    .desc = "QEMU's PCI test device (MMIO and port I/O write counters)",
    .spec = "QEMU's pci-testdev register layout (no hardware counterpart)",
    .instance_size = sizeof(PCITestDevState),
    .props = pci_testdev_props,
    .user_creatable = true,
    .realize = pci_testdev_realize,
    .reset = pci_testdev_reset,
    .unrealize = pci_testdev_unrealize,
    .info = pci_device_info,
};
device_init(pci_testdev_info)
