/*
 * pci-testdev-test.c: QEMU's pci-testdev (hw/misc/pci-testdev.c): IDs and class,
 * BAR sizes, and the test protocol kvm-unit-tests runs over both BARs: select a
 * test, read its header, write the data to its offset, read the count back.
 */
#include "libqtest.h"

#include <string.h>

#define REDHAT_VENDOR     0x1b36
#define TESTDEV_DEVICE    0x0005
#define PCI_CLASS_DEVICE  0x0a
#define PCI_REVISION_ID   0x08
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_CLASS_OTHERS  0xff00

#define MMIO_BASE 0xe0000000ULL /* inside the 32-bit PCI window */
#define PIO_BASE  0xc000

#define HDR_TEST     0
#define HDR_WIDTH    1
#define HDR_OFFSET   4
#define HDR_DATA     8
#define HDR_COUNT    12
#define HDR_NAME     16
#define NR_TESTS     3
#define NR_WRITES    16
#define NAME_MAX_LEN 32

typedef struct Bar {
    bool io;
    uint64_t base;
} Bar;

static uint8_t bar_readb(QTestState *s, const Bar *b, uint32_t off)
{
    return b->io ? qtest_inb(s, b->base + off) : qtest_readb(s, b->base + off);
}

static uint32_t bar_readl(QTestState *s, const Bar *b, uint32_t off)
{
    return b->io ? qtest_inl(s, b->base + off) : qtest_readl(s, b->base + off);
}

static void bar_writeb(QTestState *s, const Bar *b, uint32_t off, uint8_t v)
{
    if (b->io) {
        qtest_outb(s, b->base + off, v);
    } else {
        qtest_writeb(s, b->base + off, v);
    }
}

static void bar_writew(QTestState *s, const Bar *b, uint32_t off, uint16_t v)
{
    if (b->io) {
        qtest_outw(s, b->base + off, v);
    } else {
        qtest_writew(s, b->base + off, v);
    }
}

static QTestState *start(const char *args, int *devfn)
{
    QTestState *s = qtest_init(args);

    *devfn = qpci_find_device(s, REDHAT_VENDOR, TESTDEV_DEVICE);
    g_assert_cmpint(*devfn, >=, 0);
    return s;
}

static void test_ids_and_bars(void)
{
    int devfn;
    QTestState *s = start("-device pci-testdev", &devfn);
    bool io = false;

    g_assert_cmphex(qpci_config_readw(s, devfn, PCI_CLASS_DEVICE), ==, PCI_CLASS_OTHERS);
    g_assert_cmphex(qpci_config_readb(s, devfn, PCI_REVISION_ID), ==, 0);
    g_assert_cmphex(qpci_config_readb(s, devfn, PCI_INTERRUPT_PIN), ==, 0);
    g_assert_cmphex(qpci_bar_size(s, devfn, 0, &io), ==, 4096);
    g_assert_false(io);
    g_assert_cmphex(qpci_bar_size(s, devfn, 1, &io), ==, 256);
    g_assert_true(io);
    g_assert_cmphex(qpci_bar_size(s, devfn, 2, NULL), ==, 0);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* membar=SIZE: a 64-bit prefetchable BAR2 of that size. */
static void test_membar(void)
{
    int devfn;
    QTestState *s = start("-device pci-testdev,membar=0x200000", &devfn);
    bool io = true;

    g_assert_cmphex(qpci_bar_size(s, devfn, 2, &io), ==, 0x200000);
    g_assert_false(io);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static void test_membar_not_power_of_two(void)
{
    int status = 0;

    g_assert_null(qtest_try_init("-device pci-testdev,membar=0x3000", &status));
    g_assert_cmpint(status, ==, 1);
}

/* What kvm-unit-tests' pci_testdev_one() does, for every test of one BAR. */
static int run_tests(QTestState *s, const Bar *b, const char *kind)
{
    int passed = 0;

    for (int nr = 0;; nr++) {
        char name[NAME_MAX_LEN + 1] = "";
        uint32_t off, count;
        uint8_t width, data;

        bar_writeb(s, b, HDR_TEST, nr);
        for (int i = 0; i < NAME_MAX_LEN; i++) {
            name[i] = (char)bar_readb(s, b, HDR_NAME + i);
            if (!name[i]) {
                break;
            }
        }
        if (!name[0]) {
            g_assert_cmpint(nr, ==, NR_TESTS); /* past the last test: nothing selected */
            return passed;
        }
        g_assert_true(g_str_has_prefix(name, kind));
        g_assert_cmpuint(bar_readl(s, b, HDR_COUNT), ==, 0);
        width = bar_readb(s, b, HDR_WIDTH);
        g_assert_cmpuint(width, ==, 1);
        data = bar_readb(s, b, HDR_DATA);
        off = bar_readl(s, b, HDR_OFFSET);
        for (int i = 0; i < NR_WRITES; i++) {
            bar_writeb(s, b, off, data);
        }
        /*
         * A write of another value or width counts only for the wildcard test; but a
         * word write at an odd offset reaches the device as two byte writes (as in
         * QEMU), the first of which is the data.
         */
        bar_writeb(s, b, off, data ^ 0xff);
        bar_writew(s, b, off, data);
        count = bar_readl(s, b, HDR_COUNT);
        if (strstr(name, "wildcard")) {
            g_assert_cmpuint(count, ==, NR_WRITES + 2);
        } else {
            g_assert_cmphex(data, ==, 0xfa);
            g_assert_cmpuint(count, ==, NR_WRITES + (off & 1));
        }
        passed++;
    }
}

static void test_protocol(void)
{
    int devfn;
    QTestState *s = start("-device pci-testdev", &devfn);
    Bar mmio = {.io = false, .base = MMIO_BASE}, pio = {.io = true, .base = PIO_BASE};

    /* Before the BARs are decoded, nothing answers there. */
    g_assert_cmphex(qtest_readl(s, MMIO_BASE), ==, 0xffffffff);
    qpci_map_bar(s, devfn, 0, MMIO_BASE);
    qpci_map_bar(s, devfn, 1, PIO_BASE);
    /* No test selected: reads are 0. */
    g_assert_cmphex(bar_readl(s, &mmio, HDR_OFFSET), ==, 0);
    g_assert_cmpint(run_tests(s, &mmio, "mmio-"), ==, NR_TESTS);
    g_assert_cmpint(run_tests(s, &pio, "portio-"), ==, NR_TESTS);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* The names and offsets QEMU gives its six tests. */
static void test_names(void)
{
    static const struct {
        bool io;
        const char *name;
        uint32_t offset;
    } expect[] = {
        {false, "mmio-no-eventfd", 2048},        {false, "mmio-wildcard-eventfd", 2049},
        {false, "mmio-datamatch-eventfd", 2050}, {true, "portio-no-eventfd", 131},
        {true, "portio-wildcard-eventfd", 132},  {true, "portio-datamatch-eventfd", 133},
    };
    int devfn;
    QTestState *s = start("-device pci-testdev", &devfn);

    qpci_map_bar(s, devfn, 0, MMIO_BASE);
    qpci_map_bar(s, devfn, 1, PIO_BASE);
    for (size_t i = 0; i < G_N_ELEMENTS(expect); i++) {
        Bar b = {.io = expect[i].io, .base = expect[i].io ? PIO_BASE : MMIO_BASE};
        char name[NAME_MAX_LEN] = "";

        bar_writeb(s, &b, HDR_TEST, i % NR_TESTS);
        for (size_t j = 0; j + 1 < sizeof(name); j++) {
            name[j] = (char)bar_readb(s, &b, HDR_NAME + j);
            if (!name[j]) {
                break;
            }
        }
        g_assert_cmpstr(name, ==, expect[i].name);
        g_assert_cmpuint(bar_readl(s, &b, HDR_OFFSET), ==, expect[i].offset);
        g_assert_cmpuint(bar_readb(s, &b, HDR_TEST), ==, i);
    }
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pci-testdev/ids-and-bars", test_ids_and_bars);
    g_test_add_func("/pci-testdev/membar", test_membar);
    g_test_add_func("/pci-testdev/membar-not-power-of-two", test_membar_not_power_of_two);
    g_test_add_func("/pci-testdev/protocol", test_protocol);
    g_test_add_func("/pci-testdev/names", test_names);
    return g_test_run();
}
