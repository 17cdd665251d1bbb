/*
 * test-pci.c: PCI bus 0 with the i440FX host bridge, PIIX3, PIIX4 PM and a
 * test device with every kind of BAR, driven through configuration mechanism
 * #1 on the port I/O space: IDs and header fields, absent functions, byte and
 * word cycles, BAR sizing and mapping, INTx routing through PIRQRC, 0xCF9.
 */
#include "hw-test.h"
#include "hw/pci/pci.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/piix.h"
#include "hw/acpi/piix4.h"

#define TESTDEV_DEVFN  PCI_DEVFN(3, 0)
#define TESTDEV_VENDOR 0x1234
#define TESTDEV_DEVICE 0x5678

/* --- a test device: BAR0 mem32 4K, BAR1 I/O 32, BAR2-3 mem64 prefetch 1M, BAR4 I/O 4 */

typedef struct TestPCIState {
    PCIDevice parent_obj;
    MemoryRegion bar[4];
} TestPCIState;

static uint64_t testdev_read(void *opaque, hwaddr addr, unsigned size)
{
    MemoryRegion *mr = opaque;

    (void)size;
    /* Which BAR answered, and the offset: 0xB<bar>00 + offset. */
    return 0xb000 + (memory_region_name(mr)[8] - '0') * 0x100 + addr;
}

static void testdev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)val;
    (void)size;
}

static const MemoryRegionOps testdev_ops = {
    .read = testdev_read,
    .write = testdev_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
};

static bool testdev_realize(DeviceState *dev, GError **errp)
{
    TestPCIState *s = (TestPCIState *)dev;
    PCIDevice *d = &s->parent_obj;
    static const uint64_t sizes[4] = {4096, 32, 1 * MiB, 4};

    if (!pci_device_attach(d, errp)) {
        return false;
    }
    pci_config_set_ids(d, TESTDEV_VENDOR, TESTDEV_DEVICE, 1, PCI_CLASS_OTHERS, 0);
    d->config[PCI_INTERRUPT_PIN] = 1;
    for (int i = 0; i < 4; i++) {
        g_autofree char *name = g_strdup_printf("test-bar%d", i);
        memory_region_init_io(&s->bar[i], &testdev_ops, &s->bar[i], name, sizes[i]);
    }
    pci_register_bar(d, 0, PCI_BASE_ADDRESS_MEM_TYPE_32, &s->bar[0]);
    pci_register_bar(d, 1, PCI_BASE_ADDRESS_SPACE_IO, &s->bar[1]);
    pci_register_bar(d, 2, PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH,
                     &s->bar[2]);
    pci_register_bar(d, 4, PCI_BASE_ADDRESS_SPACE_IO, &s->bar[3]);
    pci_device_attach_done(d);
    return true;
}

static void testdev_reset(DeviceState *dev)
{
    pci_device_reset((PCIDevice *)dev);
}

static void testdev_unrealize(DeviceState *dev)
{
    TestPCIState *s = (TestPCIState *)dev;

    pci_device_detach(&s->parent_obj);
    for (int i = 0; i < 4; i++) {
        memory_region_destroy(&s->bar[i]);
    }
}

static const Property testdev_props[] = {
    DEFINE_PROP_PCI_ADDR(TestPCIState),
    DEFINE_PROP_END,
};

static const DeviceInfo testdev_info = {
    .name = "test-pci-bars",
    .desc = "test device with one BAR of each kind",
    .instance_size = sizeof(TestPCIState),
    .props = testdev_props,
    .user_creatable = true,
    .realize = testdev_realize,
    .reset = testdev_reset,
    .unrealize = testdev_unrealize,
    .info = pci_device_info,
};
device_init(testdev_info)

    /* --- fixture ------------------------------------------------------------------------- */

    static MemoryRegion pci_mem,
    ram, bios;
static PCIBus *bus;
static PCIDevice *testdev;

static void setup(void)
{
    hwt_init();
    /* As the PC machine does: PCI memory under RAM priority, here over all of memory. */
    memory_region_init(&pci_mem, "pci-memory", UINT64_MAX);
    memory_region_add_subregion_overlap(get_system_memory(), 0, &pci_mem, -1);
    bus = i440fx_init(&pci_mem, get_system_io());
    piix3_create(bus);
    piix4_pm_create(bus, isa_get_irq(PIIX4_PM_SCI_IRQ));
    testdev = pci_create_simple(bus, TESTDEV_DEVFN, "test-pci-bars");

    /* Low RAM filled with 0x55 and a BIOS ROM of 0xAA over 0xE0000-0xFFFFF, as on a PC. */
    memory_region_init_ram(&ram, "ram", 2 * MiB);
    memset(memory_region_get_ram_ptr(&ram), 0x55, 2 * MiB);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    memory_region_init_rom(&bios, "isa-bios", 128 * KiB);
    memset(memory_region_get_ram_ptr(&bios), 0xaa, 128 * KiB);
    memory_region_add_subregion_overlap(get_system_memory(), 0xe0000, &bios, 1);
    g_assert_true(i440fx_pam_init(bus, get_system_memory(), &ram, NULL));
}

static void cfg_select(unsigned devfn, unsigned reg)
{
    outl(PCI_HOST_CONFIG_ADDR, PCI_CONFIG_ADDR_ENABLE | (devfn << 8) | (reg & 0xfc));
}

static uint32_t cfg_readl(unsigned devfn, unsigned reg)
{
    cfg_select(devfn, reg);
    return inl(PCI_HOST_CONFIG_DATA);
}

static uint16_t cfg_readw(unsigned devfn, unsigned reg)
{
    cfg_select(devfn, reg);
    return inw(PCI_HOST_CONFIG_DATA + (reg & 2));
}

static uint8_t cfg_readb(unsigned devfn, unsigned reg)
{
    cfg_select(devfn, reg);
    return inb(PCI_HOST_CONFIG_DATA + (reg & 3));
}

static void cfg_writel(unsigned devfn, unsigned reg, uint32_t v)
{
    cfg_select(devfn, reg);
    outl(PCI_HOST_CONFIG_DATA, v);
}

static void cfg_writew(unsigned devfn, unsigned reg, uint16_t v)
{
    cfg_select(devfn, reg);
    outw(PCI_HOST_CONFIG_DATA + (reg & 2), v);
}

static void cfg_writeb(unsigned devfn, unsigned reg, uint8_t v)
{
    cfg_select(devfn, reg);
    outb(PCI_HOST_CONFIG_DATA + (reg & 3), v);
}

static uint32_t mem_readl(hwaddr addr)
{
    return address_space_ldl_le(address_space_memory(), addr, MEMTXATTRS_UNSPECIFIED, NULL);
}

/* --- tests ---------------------------------------------------------------------------- */

static void test_ids(void)
{
    static const struct {
        unsigned devfn;
        uint16_t vendor, device, class_id;
        uint8_t header;
    } expect[] = {
        {PCI_DEVFN(0, 0), 0x8086, 0x1237, 0x0600, 0x00},
        {PCI_DEVFN(1, 0), 0x8086, 0x7000, 0x0601, 0x80},
        {PCI_DEVFN(1, 3), 0x8086, 0x7113, 0x0680, 0x00},
        {TESTDEV_DEVFN, TESTDEV_VENDOR, TESTDEV_DEVICE, 0xff00, 0x00},
    };

    for (unsigned i = 0; i < ARRAY_SIZE(expect); i++) {
        uint32_t id = cfg_readl(expect[i].devfn, PCI_VENDOR_ID);
        uint32_t class_rev = cfg_readl(expect[i].devfn, PCI_REVISION_ID);

        g_assert_cmphex(id, ==, expect[i].vendor | ((uint32_t)expect[i].device << 16));
        g_assert_cmphex(class_rev >> 16, ==, expect[i].class_id);
        g_assert_cmphex(cfg_readb(expect[i].devfn, PCI_HEADER_TYPE), ==, expect[i].header);
    }
    g_assert_cmphex(cfg_readb(PCI_DEVFN(0, 0), PCI_REVISION_ID), ==, 0x02);
    g_assert_cmphex(cfg_readb(PCI_DEVFN(1, 3), PCI_INTERRUPT_PIN), ==, 1);
    g_assert_true(pci_find_device(bus, 0x8086, 0x7113) == pci_find_devfn(bus, PCI_DEVFN(1, 3)));
    g_assert_null(pci_find_device(bus, 0x8086, 0xffff));
}

static void count_dev(PCIBus *b, PCIDevice *d, void *opaque)
{
    (void)b;
    (void)d;
    (*(int *)opaque)++;
}

static void test_enumeration(void)
{
    int found = 0, n = 0;

    /* What an OS does: every slot's function 0, then functions 1-7 if multifunction. */
    for (unsigned slot = 0; slot < 32; slot++) {
        if (cfg_readw(PCI_DEVFN(slot, 0), PCI_VENDOR_ID) == 0xffff) {
            continue;
        }
        found++;
        if (cfg_readb(PCI_DEVFN(slot, 0), PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MULTI_FUNCTION) {
            for (unsigned fn = 1; fn < 8; fn++) {
                found += cfg_readw(PCI_DEVFN(slot, fn), PCI_VENDOR_ID) != 0xffff;
            }
        }
    }
    g_assert_cmpint(found, ==, 4);
    pci_for_each_device(bus, count_dev, &n);
    g_assert_cmpint(n, ==, 4);
}

static void test_absent(void)
{
    /* An empty slot, an absent function of a present device, another bus. */
    g_assert_cmphex(cfg_readl(PCI_DEVFN(2, 0), 0), ==, 0xffffffff);
    g_assert_cmphex(cfg_readl(PCI_DEVFN(1, 1), 0), ==, 0xffffffff);
    g_assert_cmphex(cfg_readw(PCI_DEVFN(1, 1), 2), ==, 0xffff);
    g_assert_cmphex(cfg_readb(PCI_DEVFN(31, 7), 0x3f), ==, 0xff);
    outl(PCI_HOST_CONFIG_ADDR, PCI_CONFIG_ADDR_ENABLE | (1 << 16));
    g_assert_cmphex(inl(PCI_HOST_CONFIG_DATA), ==, 0xffffffff);
    cfg_writel(PCI_DEVFN(2, 0), PCI_COMMAND, 0xffff); /* goes nowhere */
    g_assert_cmphex(cfg_readl(PCI_DEVFN(2, 0), PCI_COMMAND), ==, 0xffffffff);
}

static void test_config_address(void)
{
    outl(PCI_HOST_CONFIG_ADDR, 0xffffffff);
    g_assert_cmphex(inl(PCI_HOST_CONFIG_ADDR), ==, 0x80fffffc); /* reserved bits read 0 */
    outl(PCI_HOST_CONFIG_ADDR, 0);

    /* Without the enable bit CONFIG_DATA reads all ones and writes go nowhere. */
    outl(PCI_HOST_CONFIG_ADDR, PCI_DEVFN(1, 0) << 8 | PIIX_PIRQRC);
    g_assert_cmphex(inl(PCI_HOST_CONFIG_DATA), ==, 0xffffffff);
    outl(PCI_HOST_CONFIG_DATA, 0x0b0b0b0b);
    g_assert_cmphex(cfg_readl(PCI_DEVFN(1, 0), PIIX_PIRQRC), ==, 0x80808080);

    /* Byte and word cycles at 0xCF8 are not CONFIG_ADDRESS. */
    cfg_select(0, 0);
    outb(PCI_HOST_CONFIG_ADDR + 3, 0x01); /* Linux's type 1 probe */
    outw(PCI_HOST_CONFIG_ADDR, 0);
    g_assert_cmphex(inl(PCI_HOST_CONFIG_ADDR), ==, PCI_CONFIG_ADDR_ENABLE);
    g_assert_cmphex(inb(PCI_HOST_CONFIG_ADDR), ==, 0xff);
}

static void test_byte_word(void)
{
    unsigned host = PCI_DEVFN(0, 0);

    cfg_select(host, 0);
    g_assert_cmphex(inb(PCI_HOST_CONFIG_DATA + 0), ==, 0x86);
    g_assert_cmphex(inb(PCI_HOST_CONFIG_DATA + 1), ==, 0x80);
    g_assert_cmphex(inb(PCI_HOST_CONFIG_DATA + 2), ==, 0x37);
    g_assert_cmphex(inb(PCI_HOST_CONFIG_DATA + 3), ==, 0x12);
    g_assert_cmphex(inw(PCI_HOST_CONFIG_DATA + 2), ==, 0x1237);
    /* Unaligned word inside the dword. */
    g_assert_cmphex(inw(PCI_HOST_CONFIG_DATA + 1), ==, 0x3780);

    /* Byte writes touch one byte: latency timer (0x0d) next to cache line size. */
    cfg_writel(TESTDEV_DEVFN, PCI_CACHE_LINE_SIZE, 0x00000010);
    cfg_writeb(TESTDEV_DEVFN, PCI_LATENCY_TIMER, 0x40);
    g_assert_cmphex(cfg_readl(TESTDEV_DEVFN, PCI_CACHE_LINE_SIZE) & 0xffff, ==, 0x4010);
    cfg_writew(TESTDEV_DEVFN, PCI_INTERRUPT_LINE, 0xff0b); /* pin is read-only */
    g_assert_cmphex(cfg_readw(TESTDEV_DEVFN, PCI_INTERRUPT_LINE), ==, 0x010b);

    /* A word at 0xCFF crosses the dword: the part inside is a byte cycle. */
    cfg_select(TESTDEV_DEVFN, 0);
    (void)inw(PCI_HOST_CONFIG_DATA + 3);
}

static void test_readonly_fields(void)
{
    unsigned d = TESTDEV_DEVFN;

    cfg_writel(d, PCI_VENDOR_ID, 0);
    cfg_writel(d, PCI_REVISION_ID, 0);
    cfg_writeb(d, PCI_HEADER_TYPE, 0x80);
    g_assert_cmphex(cfg_readl(d, PCI_VENDOR_ID), ==, 0x56781234);
    g_assert_cmphex(cfg_readl(d, PCI_REVISION_ID), ==, 0xff000001);
    g_assert_cmphex(cfg_readb(d, PCI_HEADER_TYPE), ==, 0);

    /* Status error bits are write-1-to-clear; other status bits are read-only. */
    pci_set_word(testdev->config + PCI_STATUS,
                 PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR);
    cfg_writew(d, PCI_STATUS, 0);
    g_assert_cmphex(cfg_readw(d, PCI_STATUS), ==,
                    PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR);
    cfg_writew(d, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_CAP_LIST);
    g_assert_cmphex(cfg_readw(d, PCI_STATUS), ==, PCI_STATUS_SIG_SYSTEM_ERROR);
    cfg_writew(d, PCI_STATUS, 0xffff);
    g_assert_cmphex(cfg_readw(d, PCI_STATUS), ==, 0);
}

static uint32_t bar_size_probe(unsigned devfn, int n)
{
    unsigned reg = PCI_BASE_ADDRESS_0 + 4 * n;
    uint32_t old = cfg_readl(devfn, reg), mask;

    cfg_writel(devfn, reg, 0xffffffff);
    mask = cfg_readl(devfn, reg);
    cfg_writel(devfn, reg, old);
    return mask;
}

static void test_bar_sizing(void)
{
    unsigned d = TESTDEV_DEVFN;

    g_assert_cmphex(bar_size_probe(d, 0), ==, 0xfffff000); /* 4 KiB, mem32 */
    g_assert_cmphex(bar_size_probe(d, 1), ==, 0xffffffe1); /* 32 bytes, I/O */
    g_assert_cmphex(bar_size_probe(d, 2), ==, 0xfff0000c); /* 1 MiB, mem64, prefetchable */
    g_assert_cmphex(bar_size_probe(d, 3), ==, 0xffffffff); /* its upper half */
    g_assert_cmphex(bar_size_probe(d, 4), ==, 0xfffffffd); /* 4 bytes, I/O */
    g_assert_cmphex(bar_size_probe(d, 5), ==, 0);          /* no BAR */
    /* Size = ~(mask & ~flags) + 1 */
    g_assert_cmphex(~(bar_size_probe(d, 0) & ~0xfu) + 1, ==, 4096);
    g_assert_cmphex(~(bar_size_probe(d, 1) & ~0x3u) + 1, ==, 32);
    /* Chipset functions have no BARs. */
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        g_assert_cmphex(bar_size_probe(PCI_DEVFN(0, 0), n), ==, 0);
        g_assert_cmphex(bar_size_probe(PCI_DEVFN(1, 0), n), ==, 0);
    }
}

static void test_bar_mapping(void)
{
    unsigned d = TESTDEV_DEVFN;

    cfg_writew(d, PCI_COMMAND, 0);
    cfg_writel(d, PCI_BASE_ADDRESS_0, 0xe0000000);
    cfg_writel(d, PCI_BASE_ADDRESS_0 + 4, 0xc000);
    /* Decoding off: nothing there yet. */
    g_assert_cmphex(mem_readl(0xe0000000), ==, 0xffffffff);
    g_assert_cmphex(inl(0xc000), ==, 0xffffffff);
    g_assert_true(pci_get_bar_addr(testdev, 0) == PCI_BAR_UNMAPPED);

    cfg_writew(d, PCI_COMMAND, PCI_COMMAND_MEMORY);
    g_assert_cmphex(mem_readl(0xe0000010), ==, 0xb010);
    g_assert_cmphex(inl(0xc000), ==, 0xffffffff); /* I/O still off */
    g_assert_cmphex(pci_get_bar_addr(testdev, 0), ==, 0xe0000000);

    cfg_writew(d, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    g_assert_cmphex(inb(0xc004), ==, (0xb104) & 0xff);
    g_assert_cmphex(inw(0xc01e), ==, 0xb11e);

    /* Moving a BAR while decoding: the old address goes, the new one comes. */
    cfg_writel(d, PCI_BASE_ADDRESS_0, 0xe0100000);
    g_assert_cmphex(mem_readl(0xe0000010), ==, 0xffffffff);
    g_assert_cmphex(mem_readl(0xe0100ffc), ==, 0xbffc);

    /* 64-bit BAR above 4 GiB. */
    g_assert_true(pci_get_bar_addr(testdev, 2) == PCI_BAR_UNMAPPED); /* address 0 */
    cfg_writel(d, PCI_BASE_ADDRESS_0 + 12, 0x1);
    g_assert_cmphex(pci_get_bar_addr(testdev, 2), ==, 0x100000000ULL);
    cfg_writel(d, PCI_BASE_ADDRESS_0 + 8, 0x00100000);
    g_assert_cmphex(pci_get_bar_addr(testdev, 2), ==, 0x100100000ULL);
    g_assert_cmphex(mem_readl(0x100100000ULL + 0x40), ==, 0xb240);

    /* Sizing with decoding on unmaps (all ones is not an address), restoring remaps. */
    g_assert_cmphex(bar_size_probe(d, 0), ==, 0xfffff000);
    g_assert_cmphex(mem_readl(0xe0100000), ==, 0xb000);

    /* Disable: everything goes away. */
    cfg_writew(d, PCI_COMMAND, 0);
    g_assert_cmphex(mem_readl(0xe0100000), ==, 0xffffffff);
    g_assert_cmphex(mem_readl(0x100100000ULL), ==, 0xffffffff);
    g_assert_cmphex(inl(0xc000), ==, 0xffffffff);
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        g_assert_true(pci_get_bar_addr(testdev, n) == PCI_BAR_UNMAPPED);
    }

    /* An I/O BAR beyond 64 KiB of ports is not decoded. */
    cfg_writel(d, PCI_BASE_ADDRESS_0 + 4, 0x10000);
    cfg_writew(d, PCI_COMMAND, PCI_COMMAND_IO);
    g_assert_true(pci_get_bar_addr(testdev, 1) == PCI_BAR_UNMAPPED);

    /* Reset puts BARs and the command register back to 0. */
    cfg_writel(d, PCI_BASE_ADDRESS_0 + 4, 0xc100);
    g_assert_cmphex(pci_get_bar_addr(testdev, 1), ==, 0xc100);
    qdev_reset_all();
    g_assert_cmphex(cfg_readl(d, PCI_BASE_ADDRESS_0 + 4), ==, PCI_BASE_ADDRESS_SPACE_IO);
    g_assert_cmphex(cfg_readw(d, PCI_COMMAND), ==, 0);
    g_assert_true(pci_get_bar_addr(testdev, 1) == PCI_BAR_UNMAPPED);
    g_assert_cmphex(inl(0xc100), ==, 0xffffffff);
}

static void test_intx_routing(void)
{
    unsigned piix = PIIX3_DEVFN;
    /* Slot 3 INTA is PIRQC on this board (slot 1 INTA = PIRQA). */
    unsigned pirqc = PIIX_PIRQRC + 2;

    hwt_irq_clear_counts();
    pci_set_irq(testdev, 1); /* routing disabled at reset: nothing */
    g_assert_cmpint(hwt_irq_raises[11], ==, 0);
    g_assert_cmphex(cfg_readw(TESTDEV_DEVFN, PCI_STATUS) & PCI_STATUS_INTERRUPT, !=, 0);

    cfg_writeb(piix, pirqc, 11);
    g_assert_cmpint(hwt_irq_level[11], ==, 1);
    pci_set_irq(testdev, 0);
    g_assert_cmpint(hwt_irq_level[11], ==, 0);
    g_assert_cmphex(cfg_readw(TESTDEV_DEVFN, PCI_STATUS) & PCI_STATUS_INTERRUPT, ==, 0);

    /* Rerouting while asserted moves the level. */
    pci_set_irq(testdev, 1);
    cfg_writeb(piix, pirqc, 10);
    g_assert_cmpint(hwt_irq_level[11], ==, 0);
    g_assert_cmpint(hwt_irq_level[10], ==, 1);

    /* INTx disable in the command register masks the pin. */
    cfg_writew(TESTDEV_DEVFN, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE);
    g_assert_cmpint(hwt_irq_level[10], ==, 0);
    cfg_writew(TESTDEV_DEVFN, PCI_COMMAND, 0);
    g_assert_cmpint(hwt_irq_level[10], ==, 1);

    /* Disabling the route, and reserved IRQs, drive nothing. */
    cfg_writeb(piix, pirqc, PIIX_PIRQRC_IRQROUTEN_DISABLE | 10);
    g_assert_cmpint(hwt_irq_level[10], ==, 0);
    cfg_writeb(piix, pirqc, 2);
    cfg_writeb(piix, pirqc, 13);
    g_assert_cmpint(hwt_irq_level[2], ==, 0);
    g_assert_cmpint(hwt_irq_level[13], ==, 0);
    g_assert_cmphex(cfg_readb(piix, pirqc), ==, 13);
    /* Reserved bits 6:4 of PIRQRC read 0. */
    cfg_writeb(piix, pirqc, 0x7b);
    g_assert_cmphex(cfg_readb(piix, pirqc), ==, 0x0b);
    g_assert_cmpint(hwt_irq_level[11], ==, 1);

    pci_set_irq(testdev, 0);
    g_assert_cmpint(hwt_irq_level[11], ==, 0);
    qdev_reset_all();
    g_assert_cmphex(cfg_readl(piix, PIIX_PIRQRC), ==, 0x80808080);
}

static void test_firmware_routing(void)
{
    PIIX3State *piix3 = (PIIX3State *)pci_find_devfn(bus, PIIX3_DEVFN);

    /* As SeaBIOS leaves it, and as the DSDT's link devices say: A, B -> 10; C, D -> 11. */
    g_assert_cmphex(cfg_readb(TESTDEV_DEVFN, PCI_INTERRUPT_LINE), ==, 0);
    piix3_firmware_init(piix3);
    g_assert_cmphex(cfg_readl(PIIX3_DEVFN, PIIX_PIRQRC), ==, 0x0b0b0a0a);
    /* Interrupt line registers follow, for OSes that do not read ACPI's _PRT. */
    g_assert_cmphex(cfg_readb(TESTDEV_DEVFN, PCI_INTERRUPT_LINE), ==, 11);
    g_assert_cmphex(cfg_readb(PCI_DEVFN(1, 3), PCI_INTERRUPT_LINE), ==, 10); /* slot 1 INTA */
    cfg_writeb(TESTDEV_DEVFN, PCI_INTERRUPT_LINE, 5);
    pci_set_irq(testdev, 1); /* slot 3 INTA = PIRQC */
    g_assert_cmpint(hwt_irq_level[11], ==, 1);
    pci_set_irq(testdev, 0);
    g_assert_cmpint(hwt_irq_level[11], ==, 0);
    cfg_writel(PIIX3_DEVFN, PIIX_PIRQRC, 0x80808080);
    qdev_reset_all(); /* firmware's routing comes back with a reset */
    g_assert_cmphex(cfg_readl(PIIX3_DEVFN, PIIX_PIRQRC), ==, 0x0b0b0a0a);
    g_assert_cmphex(cfg_readb(TESTDEV_DEVFN, PCI_INTERRUPT_LINE), ==, 11);
    piix3->fw_routing = false;
    pci_bus_set_fw_irq_line(bus, NULL, NULL);
    qdev_reset_all();
    g_assert_cmphex(cfg_readl(PIIX3_DEVFN, PIIX_PIRQRC), ==, 0x80808080);
    g_assert_cmphex(cfg_readb(TESTDEV_DEVFN, PCI_INTERRUPT_LINE), ==, 0);
}

static void test_reset_control(void)
{
    g_assert_cmpint(hwt_take_resets(), ==, 0);
    outb(PIIX_RCR_IOPORT, PIIX_RCR_SRST);
    g_assert_cmphex(inb(PIIX_RCR_IOPORT), ==, PIIX_RCR_SRST);
    g_assert_cmpint(hwt_take_resets(), ==, 0);
    outb(PIIX_RCR_IOPORT, PIIX_RCR_SRST | PIIX_RCR_RCPU);
    g_assert_cmpint(hwt_take_resets(), ==, 1);
    g_assert_cmphex(inb(PIIX_RCR_IOPORT), ==, PIIX_RCR_SRST); /* RCPU self-clears */
    /* CONFIG_ADDRESS is untouched by the byte cycle next to it, and vice versa. */
    cfg_select(PCI_DEVFN(1, 0), 0);
    g_assert_cmphex(inl(PCI_HOST_CONFIG_DATA), ==, 0x70008086);
    g_assert_cmpint(hwt_take_resets(), ==, 0);
    qdev_reset_all();
    g_assert_cmphex(inb(PIIX_RCR_IOPORT), ==, 0);
}

static void mem_writel(hwaddr addr, uint32_t v)
{
    address_space_stl_le(address_space_memory(), addr, v, MEMTXATTRS_UNSPECIFIED, NULL);
}

static void test_pam(void)
{
    unsigned host = PCI_DEVFN(0, 0);
    uint32_t *shadow = (uint32_t *)((uint8_t *)memory_region_get_ram_ptr(&ram) + 0xf0000);
    MemoryRegion small;
    GError *err = NULL;

    /* At reset every segment goes to PCI: the ROM answers, writes are dropped. */
    g_assert_cmphex(mem_readl(0xf0000), ==, 0xaaaaaaaa);
    g_assert_cmphex(mem_readl(0xe4000), ==, 0xaaaaaaaa);
    mem_writel(0xf0000, 0);
    g_assert_cmphex(mem_readl(0xf0000), ==, 0xaaaaaaaa);
    g_assert_cmphex(*shadow, ==, 0x55555555);

    /* PAM0 bits 5:4 = RE|WE: 0xF0000-0xFFFFF is RAM, as SeaBIOS sets it to copy itself. */
    cfg_writeb(host, I440FX_PAM0, (PAM_RE | PAM_WE) << 4);
    g_assert_cmphex(mem_readl(0xf0000), ==, 0x55555555);
    g_assert_cmphex(mem_readl(0xffffc), ==, 0x55555555);
    mem_writel(0xf0000, 0x12345678);
    g_assert_cmphex(*shadow, ==, 0x12345678);
    g_assert_cmphex(mem_readl(0xe0000), ==, 0xaaaaaaaa); /* other segments untouched */

    /* RE only: read-only shadow. */
    cfg_writeb(host, I440FX_PAM0, PAM_RE << 4);
    mem_writel(0xf0000, 0);
    g_assert_cmphex(mem_readl(0xf0000), ==, 0x12345678);
    /* WE only, or off: the ROM again. */
    cfg_writeb(host, I440FX_PAM0, PAM_WE << 4);
    g_assert_cmphex(mem_readl(0xf0000), ==, 0xaaaaaaaa);
    cfg_writeb(host, I440FX_PAM0, 0);
    g_assert_cmphex(mem_readl(0xf0000), ==, 0xaaaaaaaa);

    /* 16 KiB segments: PAM5 (0x5E) high nibble is 0xE4000-0xE7FFF. */
    cfg_writeb(host, I440FX_PAM0 + 5, (PAM_RE | PAM_WE) << 4);
    g_assert_cmphex(mem_readl(0xe3ffc), ==, 0xaaaaaaaa);
    g_assert_cmphex(mem_readl(0xe4000), ==, 0x55555555);
    g_assert_cmphex(mem_readl(0xe7ffc), ==, 0x55555555);
    g_assert_cmphex(mem_readl(0xe8000), ==, 0xaaaaaaaa);
    /* PAM1 low nibble is 0xC0000 (RAM below, nothing over it here). */
    cfg_writeb(host, I440FX_PAM0 + 1, PAM_RE);
    mem_writel(0xc0000, 0);
    g_assert_cmphex(mem_readl(0xc0000), ==, 0x55555555);

    qdev_reset_all();
    g_assert_cmphex(mem_readl(0xe4000), ==, 0xaaaaaaaa);
    g_assert_cmphex(mem_readl(0xf0000), ==, 0xaaaaaaaa);
    mem_writel(0xc0000, 0x11111111); /* nothing over 0xC0000: plain RAM */
    g_assert_cmphex(mem_readl(0xc0000), ==, 0x11111111);

    memory_region_init_ram(&small, "small-ram", 64 * KiB);
    g_assert_false(i440fx_pam_init(bus, get_system_memory(), &small, &err));
    g_assert_nonnull(strstr(err->message, "smaller than 1 MiB"));
    g_clear_error(&err);
    memory_region_destroy(&small);
}

static void test_smram_lock(void)
{
    unsigned host = PCI_DEVFN(0, 0);

    g_assert_cmphex(cfg_readb(host, I440FX_SMRAM), ==, SMRAM_DEFAULT);
    cfg_writeb(host, I440FX_SMRAM, SMRAM_D_OPEN | SMRAM_G_SMRAME | 0x7);
    g_assert_cmphex(cfg_readb(host, I440FX_SMRAM), ==, SMRAM_D_OPEN | SMRAM_G_SMRAME | 0x2);
    cfg_writeb(host, I440FX_SMRAM, SMRAM_D_OPEN | SMRAM_D_LCK | SMRAM_G_SMRAME);
    g_assert_cmphex(cfg_readb(host, I440FX_SMRAM), ==, SMRAM_D_LCK | SMRAM_G_SMRAME | 0x2);
    cfg_writeb(host, I440FX_SMRAM, SMRAM_D_OPEN);
    g_assert_cmphex(cfg_readb(host, I440FX_SMRAM), ==, SMRAM_D_LCK | SMRAM_G_SMRAME | 0x2);
    /* PAM registers are storage with their reserved bits read-only. */
    cfg_writeb(host, I440FX_PAM0 + 1, 0xff);
    g_assert_cmphex(cfg_readb(host, I440FX_PAM0 + 1), ==, 0x33);
    qdev_reset_all();
    g_assert_cmphex(cfg_readb(host, I440FX_SMRAM), ==, SMRAM_DEFAULT);
    g_assert_cmphex(cfg_readb(host, I440FX_PAM0 + 1), ==, 0);
    cfg_writeb(host, I440FX_SMRAM, SMRAM_D_OPEN);
    g_assert_cmphex(cfg_readb(host, I440FX_SMRAM), ==, SMRAM_D_OPEN | 0x2);
    qdev_reset_all();
}

static void expect_add_error(const char *opts, const char *what)
{
    GError *err = NULL;

    g_assert_null(qdev_device_add(opts, &err));
    g_assert_nonnull(err);
    if (!strstr(err->message, what)) {
        g_error("'%s': got '%s', expected '%s'", opts, err->message, what);
    }
    g_clear_error(&err);
}

static void test_device_add(void)
{
    GError *err = NULL;
    DeviceState *dev;

    /* QEMU's addr syntax: SLOT[.FN] in hex. */
    expect_add_error("test-pci-bars,addr=01.0", "01.0 is taken by PIIX3");
    expect_add_error("test-pci-bars,addr=1", "01.0 is taken by PIIX3");
    expect_add_error("test-pci-bars,addr=20", "bad PCI address '20'");
    expect_add_error("test-pci-bars,addr=3.8", "bad PCI address");
    expect_add_error("test-pci-bars,addr=zz", "bad PCI address");
    expect_add_error("test-pci-bars,addr=-1", "bad PCI address");
    expect_add_error("test-pci-bars,addr=", "bad PCI address");

    dev = qdev_device_add("test-pci-bars,addr=1f.7", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(((PCIDevice *)dev)->devfn, ==, PCI_DEVFN(0x1f, 7));
    g_assert_cmphex(cfg_readl(PCI_DEVFN(0x1f, 7), 0), ==, 0x56781234);
    qdev_unref(dev);

    /* No address: the first free slot (2) on the default bus. */
    dev = qdev_device_add("test-pci-bars,id=t2", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(((PCIDevice *)dev)->devfn, ==, PCI_DEVFN(2, 0));
    g_assert_cmphex(cfg_readl(PCI_DEVFN(2, 0), 0), ==, 0x56781234);
    qdev_unref(dev);
    g_assert_cmphex(cfg_readl(PCI_DEVFN(2, 0), 0), ==, 0xffffffff);
}

/* Random configuration cycles everywhere: nothing crashes, IDs stay, reset restores. */
static void test_fuzz_config(void)
{
    static const unsigned devfns[] = {PCI_DEVFN(0, 0), PCI_DEVFN(1, 0), PCI_DEVFN(1, 3),
                                      TESTDEV_DEVFN, PCI_DEVFN(2, 0)};
    static const unsigned sizes[] = {1, 2, 4};
    GRand *rand = g_rand_new_with_seed(0x7e57);

    for (int i = 0; i < 20000; i++) {
        unsigned devfn = devfns[g_rand_int_range(rand, 0, ARRAY_SIZE(devfns))];
        unsigned size = sizes[g_rand_int_range(rand, 0, 3)];
        unsigned reg = g_rand_int_range(rand, 0, 256) & ~(size - 1);
        uint32_t val = g_rand_int(rand);

        if (g_rand_boolean(rand)) {
            val = g_rand_boolean(rand) ? 0xffffffff : val & 0xffff;
        }
        cfg_select(devfn, reg);
        if (size == 1) {
            outb(PCI_HOST_CONFIG_DATA + (reg & 3), val);
        } else if (size == 2) {
            outw(PCI_HOST_CONFIG_DATA + (reg & 2), val);
        } else {
            outl(PCI_HOST_CONFIG_DATA, val);
        }
        if (i % 64 == 0) {
            pci_set_irq(testdev, g_rand_boolean(rand));
        }
    }
    g_rand_free(rand);
    /* The config mechanism still answers (the host bridge decodes first). */
    g_assert_cmphex(cfg_readl(PCI_DEVFN(0, 0), 0), ==, 0x12378086);
    g_assert_cmphex(cfg_readl(PCI_DEVFN(1, 0), 0), ==, 0x70008086);
    g_assert_cmphex(cfg_readl(PCI_DEVFN(1, 3), 0), ==, 0x71138086);
    g_assert_cmphex(cfg_readl(TESTDEV_DEVFN, 0), ==, 0x56781234);
    g_assert_cmphex(cfg_readl(PCI_DEVFN(2, 0), 0), ==, 0xffffffff);
    pci_set_irq(testdev, 0);
    qdev_reset_all();
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        g_assert_true(pci_get_bar_addr(testdev, n) == PCI_BAR_UNMAPPED);
    }
    for (unsigned irq = 0; irq < ISA_NUM_IRQS; irq++) {
        g_assert_cmpint(hwt_irq_level[irq], ==, 0);
    }
    g_assert_cmphex(cfg_readl(PIIX3_DEVFN, PIIX_PIRQRC), ==, 0x80808080);
    g_assert_cmphex(cfg_readl(PCI_DEVFN(1, 3), PIIX4_PMBA), ==, 0x00000001);
}

/* A second chipset in containers of its own, taken apart again: nothing leaks or dangles. */
static void test_teardown(void)
{
    MemoryRegion mem2, io2, sys2, ram2;
    PCIBus *bus2;
    PIIX3State *piix3;
    PIIX4PMState *pm;
    PCIDevice *host, *dev;

    memory_region_init(&mem2, "pci-memory-2", 4 * GiB);
    memory_region_init(&io2, "io-2", 64 * KiB);
    memory_region_init(&sys2, "system-2", 4 * GiB);
    memory_region_init_ram(&ram2, "ram-2", 1 * MiB);
    memory_region_add_subregion(&sys2, 0, &ram2);
    bus2 = i440fx_init(&mem2, &io2);
    g_assert_true(pci_get_default_bus() == bus); /* the first bus stays the default */
    piix3 = piix3_create(bus2);
    piix3_firmware_init(piix3);
    pm = piix4_pm_create(bus2, NULL);
    piix4_pm_firmware_init(pm, 0x600);
    g_assert_true(i440fx_pam_init(bus2, &sys2, &ram2, NULL));
    dev = pci_create_simple(bus2, PCI_DEVFN(5, 0), "test-pci-bars");
    pci_data_write(bus2, PCI_DEVFN(5, 0) << 8 | PCI_BASE_ADDRESS_0, 0xe0000000, 4);
    pci_data_write(bus2, PCI_DEVFN(5, 0) << 8 | PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    pci_data_write(bus2, PCI_DEVFN(0, 0) << 8 | I440FX_PAM0, 0x30, 1);
    g_assert_cmphex(pci_get_bar_addr(dev, 0), ==, 0xe0000000);
    pci_set_irq(dev, 1);
    g_assert_cmphex(pci_data_read(bus2, PCI_DEVFN(1, 3) << 8 | PIIX4_PMBA, 4), ==, 0x601);

    host = pci_find_devfn(bus2, PCI_DEVFN(0, 0));
    qdev_unref(&dev->qdev); /* deasserts INTx and unmaps its BARs */
    qdev_unref(&pm->parent_obj.qdev);
    qdev_unref(&piix3->parent_obj.qdev);
    qdev_unref(&host->qdev);
    pci_bus_free(bus2);
    memory_region_del_subregion(&sys2, &ram2);
    memory_region_destroy(&ram2);
    memory_region_destroy(&sys2);
    memory_region_destroy(&io2);
    memory_region_destroy(&mem2);
    /* The machine's own bus still works. */
    g_assert_cmphex(cfg_readl(PCI_DEVFN(0, 0), 0), ==, 0x12378086);
}

static void test_info(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    cfg_writel(TESTDEV_DEVFN, PCI_BASE_ADDRESS_0, 0xe0000000);
    cfg_writew(TESTDEV_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY);
    info_pci(out);
    g_assert_nonnull(strstr(out->str, "Host bridge: PCI device 8086:1237"));
    g_assert_nonnull(strstr(out->str, "ISA bridge: PCI device 8086:7000"));
    g_assert_nonnull(strstr(out->str, "device   1, function 3"));
    g_assert_nonnull(strstr(out->str, "BAR0: 32 bit memory at 0xe0000000 [0xe0000fff]"));
    g_assert_nonnull(strstr(out->str, "BAR2: prefetchable 64 bit memory"));
    g_string_truncate(out, 0);
    pci_device_info(&testdev->qdev, out);
    g_assert_nonnull(strstr(out->str, "addr = 03.0, pci id = 1234:5678"));
    qdev_reset_all();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    setup();
    g_test_add_func("/pci/ids", test_ids);
    g_test_add_func("/pci/enumeration", test_enumeration);
    g_test_add_func("/pci/absent", test_absent);
    g_test_add_func("/pci/config-address", test_config_address);
    g_test_add_func("/pci/byte-word", test_byte_word);
    g_test_add_func("/pci/readonly-fields", test_readonly_fields);
    g_test_add_func("/pci/bar-sizing", test_bar_sizing);
    g_test_add_func("/pci/bar-mapping", test_bar_mapping);
    g_test_add_func("/pci/intx-routing", test_intx_routing);
    g_test_add_func("/pci/firmware-routing", test_firmware_routing);
    g_test_add_func("/pci/reset-control", test_reset_control);
    g_test_add_func("/pci/pam", test_pam);
    g_test_add_func("/pci/smram-lock", test_smram_lock);
    g_test_add_func("/pci/device-add", test_device_add);
    g_test_add_func("/pci/fuzz-config", test_fuzz_config);
    g_test_add_func("/pci/teardown", test_teardown);
    g_test_add_func("/pci/info", test_info);
    return g_test_run();
}
