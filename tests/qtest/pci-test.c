/*
 * pci-test.c: PCI enumeration on the PC machine through configuration mechanism
 * #1 (PCI Local Bus 2.3 3.2.2.3.2; hw/pci/): the i440FX host bridge, the PIIX3
 * ISA bridge and the PIIX4 PM function with their IDs and class codes, absent
 * devices and unimplemented functions reading all ones, read-only ID registers,
 * BAR sizing (pci-testdev), and a BAR decoded only while the command register
 * enables it.
 */
#include "libqtest.h"

#define PCI_VENDOR_ID    0x00
#define PCI_DEVICE_ID    0x02
#define PCI_COMMAND      0x04
#define PCI_CLASS_PROG   0x09
#define PCI_CLASS_DEVICE 0x0a
#define PCI_BAR0         0x10
#define PCI_COMMAND_IO   0x1
#define PCI_COMMAND_MEM  0x2

#define INTEL              0x8086
#define I440FX             0x1237
#define PIIX3_ISA          0x7000
#define PIIX4_PM           0x7113
#define REDHAT             0x1b36
#define TESTDEV            0x0005
#define CLASS_HOST         0x0600
#define CLASS_ISA          0x0601
#define CLASS_OTHER_BRIDGE 0x0680
#define PIIX4_PMBA         0x40
#define PM_BASE            0x600

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA    0xcfc
#define BAR_ADDR       0xe0001000ULL

static void test_ids_and_classes(void)
{
    static const struct {
        int devfn;
        uint16_t vendor, device, class_id;
    } expect[] = {
        {QPCI_DEVFN(0, 0), INTEL, I440FX, CLASS_HOST},
        {QPCI_DEVFN(1, 0), INTEL, PIIX3_ISA, CLASS_ISA},
        {QPCI_DEVFN(1, 3), INTEL, PIIX4_PM, CLASS_OTHER_BRIDGE},
    };
    QTestState *s = qtest_init(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(expect); i++) {
        int devfn = expect[i].devfn;

        g_assert_cmphex(qpci_config_readw(s, devfn, PCI_VENDOR_ID), ==, expect[i].vendor);
        g_assert_cmphex(qpci_config_readw(s, devfn, PCI_DEVICE_ID), ==, expect[i].device);
        g_assert_cmphex(qpci_config_readw(s, devfn, PCI_CLASS_DEVICE), ==, expect[i].class_id);
        g_assert_cmphex(qpci_config_readl(s, devfn, PCI_VENDOR_ID), ==,
                        (uint32_t)expect[i].device << 16 | expect[i].vendor);
        g_assert_cmpint(qpci_find_device(s, expect[i].vendor, expect[i].device), ==, devfn);
        /* Byte reads of the same dword agree. */
        g_assert_cmphex(qpci_config_readb(s, devfn, PCI_DEVICE_ID + 1), ==, expect[i].device >> 8);
    }
    g_assert_cmpint(qpci_find_device(s, REDHAT, TESTDEV), ==, -1);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* Empty slots, unimplemented functions of a present device, other buses: all ones. */
static void test_absent_all_ones(void)
{
    static const int absent[] = {QPCI_DEVFN(0, 1), QPCI_DEVFN(1, 1), QPCI_DEVFN(1, 2),
                                 QPCI_DEVFN(1, 7), QPCI_DEVFN(5, 0), QPCI_DEVFN(31, 7)};
    QTestState *s = qtest_init(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(absent); i++) {
        g_assert_cmphex(qpci_config_readl(s, absent[i], PCI_VENDOR_ID), ==, 0xffffffff);
        g_assert_cmphex(qpci_config_readw(s, absent[i], PCI_CLASS_DEVICE), ==, 0xffff);
        g_assert_cmphex(qpci_config_readb(s, absent[i], PCI_CLASS_PROG), ==, 0xff);
        /* Writes go nowhere. */
        qpci_config_writel(s, absent[i], PCI_BAR0, 0x12345678);
        g_assert_cmphex(qpci_config_readl(s, absent[i], PCI_BAR0), ==, 0xffffffff);
    }
    /* Bus 1 does not exist. */
    qtest_outl(s, CONFIG_ADDRESS, 0x80010000);
    g_assert_cmphex(qtest_inl(s, CONFIG_DATA), ==, 0xffffffff);
    /* With the enable bit clear, CONFIG_DATA is no configuration cycle. */
    qtest_outl(s, CONFIG_ADDRESS, 0x00000000);
    g_assert_cmphex(qtest_inl(s, CONFIG_DATA), ==, 0xffffffff);
    /* CONFIG_ADDRESS reads back. */
    qtest_outl(s, CONFIG_ADDRESS, 0x80000800);
    g_assert_cmphex(qtest_inl(s, CONFIG_ADDRESS), ==, 0x80000800);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static void test_read_only_ids(void)
{
    QTestState *s = qtest_init(NULL);

    qpci_config_writel(s, QPCI_DEVFN(0, 0), PCI_VENDOR_ID, 0);
    qpci_config_writew(s, QPCI_DEVFN(1, 0), PCI_CLASS_DEVICE, 0x1234);
    g_assert_cmphex(qpci_config_readw(s, QPCI_DEVFN(0, 0), PCI_VENDOR_ID), ==, INTEL);
    g_assert_cmphex(qpci_config_readw(s, QPCI_DEVFN(1, 0), PCI_CLASS_DEVICE), ==, CLASS_ISA);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* The PM function as firmware leaves it: PMBA at 0x600 (I/O indicator bit set). */
static void test_pm_base(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(qpci_config_readl(s, QPCI_DEVFN(1, 3), PIIX4_PMBA) & 0xffc1, ==, PM_BASE | 1);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* The chipset functions have no BARs. */
static void test_no_bars(void)
{
    QTestState *s = qtest_init(NULL);

    for (int bar = 0; bar < 6; bar++) {
        g_assert_cmphex(qpci_bar_size(s, QPCI_DEVFN(0, 0), bar, NULL), ==, 0);
        g_assert_cmphex(qpci_bar_size(s, QPCI_DEVFN(1, 0), bar, NULL), ==, 0);
    }
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static void test_bar_sizing_and_decode(void)
{
    QTestState *s = qtest_init("-device pci-testdev,addr=0x5");
    int devfn = QPCI_DEVFN(5, 0);
    bool io = true;

    g_assert_cmpint(qpci_find_device(s, REDHAT, TESTDEV), ==, devfn);
    g_assert_cmphex(qpci_bar_size(s, devfn, 0, &io), ==, 0x1000);
    g_assert_false(io);
    g_assert_cmphex(qpci_bar_size(s, devfn, 1, &io), ==, 0x100);
    g_assert_true(io);
    /* Sizing restored the BARs: still zero, decoding off. */
    g_assert_cmphex(qpci_config_readl(s, devfn, PCI_BAR0), ==, 0);
    g_assert_cmphex(qpci_config_readw(s, devfn, PCI_COMMAND) & 3, ==, 0);
    /* The low bits of a BAR are not writable: an unaligned address is rounded down. */
    qpci_config_writel(s, devfn, PCI_BAR0, (uint32_t)BAR_ADDR | 0x7f0);
    g_assert_cmphex(qpci_config_readl(s, devfn, PCI_BAR0), ==, (uint32_t)BAR_ADDR);
    /* Not decoded until the command register says so. */
    g_assert_cmphex(qtest_readl(s, BAR_ADDR + 4), ==, 0xffffffff);
    qpci_map_bar(s, devfn, 0, BAR_ADDR);
    qtest_writeb(s, BAR_ADDR, 0); /* select test 0: its header appears */
    g_assert_cmphex(qtest_readl(s, BAR_ADDR + 4), ==, 0x800);
    qpci_config_writew(s, devfn, PCI_COMMAND, 0);
    g_assert_cmphex(qtest_readl(s, BAR_ADDR + 4), ==, 0xffffffff);
    qpci_config_writew(s, devfn, PCI_COMMAND, PCI_COMMAND_MEM);
    g_assert_cmphex(qtest_readl(s, BAR_ADDR + 4), ==, 0x800);
    /* Moving the BAR moves the decode. */
    qpci_config_writel(s, devfn, PCI_BAR0, (uint32_t)BAR_ADDR + 0x10000);
    g_assert_cmphex(qtest_readl(s, BAR_ADDR + 4), ==, 0xffffffff);
    g_assert_cmphex(qtest_readl(s, BAR_ADDR + 0x10004), ==, 0x800);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* A machine reset puts BARs and the command register back. */
static void test_reset_restores(void)
{
    QTestState *s = qtest_init("-device pci-testdev,addr=0x5");
    int devfn = QPCI_DEVFN(5, 0);

    qpci_map_bar(s, devfn, 0, BAR_ADDR);
    qtest_system_reset(s);
    g_assert_cmphex(qpci_config_readl(s, devfn, PCI_BAR0), ==, 0);
    g_assert_cmphex(qpci_config_readw(s, devfn, PCI_COMMAND) & 3, ==, 0);
    g_assert_cmphex(qtest_readl(s, BAR_ADDR + 4), ==, 0xffffffff);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci/ids-and-classes", test_ids_and_classes);
    g_test_add_func("/pci/absent-all-ones", test_absent_all_ones);
    g_test_add_func("/pci/read-only-ids", test_read_only_ids);
    g_test_add_func("/pci/pm-base", test_pm_base);
    g_test_add_func("/pci/no-bars", test_no_bars);
    g_test_add_func("/pci/bar-sizing-and-decode", test_bar_sizing_and_decode);
    g_test_add_func("/pci/reset-restores", test_reset_restores);
    return g_test_run();
}
