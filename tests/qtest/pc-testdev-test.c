/*
 * pc-testdev-test.c: QEMU's pc-testdev (hw/misc/pc-testdev.c): the scratch
 * register at 0xe0 and its byte-only twin at 0xe8, the IRQ lines at 0x2000, the
 * MMIO memory at 0xff000000 and the flush-page port.
 */
#include "libqtest.h"

#define TESTDEV_IOPORT      0xe0
#define TESTDEV_FLUSH       0xe4
#define TESTDEV_IOPORT_BYTE 0xe8
#define TESTDEV_IRQ_BASE    0x2000
#define TESTDEV_NR_IRQS     24
#define TESTDEV_IOMEM       0xff000000ULL
#define TESTDEV_IOMEM_SIZE  0x10000
#define RAM_PAGE            0x200000ULL

static QTestState *start(void)
{
    return qtest_init("-device pc-testdev");
}

static void test_scratch(gconstpointer data)
{
    uint16_t port = GPOINTER_TO_UINT(data);
    QTestState *s = start();

    qtest_outl(s, port, 0x12345678);
    g_assert_cmphex(qtest_inl(s, port), ==, 0x12345678);
    g_assert_cmphex(qtest_inb(s, port), ==, 0x78);
    g_assert_cmphex(qtest_inb(s, port + 3), ==, 0x12);
    g_assert_cmphex(qtest_inw(s, port + 2), ==, 0x1234);
    qtest_outb(s, port + 1, 0xab);
    g_assert_cmphex(qtest_inl(s, port), ==, 0x1234ab78);
    qtest_outw(s, port + 2, 0xcdef);
    g_assert_cmphex(qtest_inl(s, port), ==, 0xcdefab78);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* Both ports are one register. */
static void test_shared_register(void)
{
    QTestState *s = start();

    qtest_outl(s, TESTDEV_IOPORT, 0xa1b2c3d4);
    g_assert_cmphex(qtest_inl(s, TESTDEV_IOPORT_BYTE), ==, 0xa1b2c3d4);
    qtest_outw(s, TESTDEV_IOPORT_BYTE, 0x0102);
    g_assert_cmphex(qtest_inl(s, TESTDEV_IOPORT), ==, 0xa1b20102);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static void test_irq_lines(void)
{
    QTestState *s = start();

    qtest_irq_intercept_in(s, "ioapic");
    for (int n = 0; n < TESTDEV_NR_IRQS; n++) {
        g_assert_false(qtest_get_irq(s, n));
        qtest_outb(s, TESTDEV_IRQ_BASE + n, 1);
        g_assert_true(qtest_get_irq(s, n));
        qtest_outb(s, TESTDEV_IRQ_BASE + n, 0);
        g_assert_false(qtest_get_irq(s, n));
    }
    /* Any non-zero value raises. */
    qtest_outb(s, TESTDEV_IRQ_BASE + 10, 0x80);
    g_assert_true(qtest_get_irq(s, 10));
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static void test_iomem(void)
{
    QTestState *s = start();
    uint8_t buf[64], back[64];

    qtest_writeq(s, TESTDEV_IOMEM, 0x0123456789abcdefULL);
    g_assert_cmphex(qtest_readq(s, TESTDEV_IOMEM), ==, 0x0123456789abcdefULL);
    g_assert_cmphex(qtest_readl(s, TESTDEV_IOMEM + 4), ==, 0x01234567);
    g_assert_cmphex(qtest_readb(s, TESTDEV_IOMEM + 1), ==, 0xcd);
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)(0x40 + i);
    }
    qtest_memwrite(s, TESTDEV_IOMEM + TESTDEV_IOMEM_SIZE - sizeof(buf), buf, sizeof(buf));
    qtest_memread(s, TESTDEV_IOMEM + TESTDEV_IOMEM_SIZE - sizeof(buf), back, sizeof(back));
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* Flushing a RAM page keeps its contents; a non-RAM address is refused quietly. */
static void test_flush_page(void)
{
    QTestState *s = start();

    qtest_writeq(s, RAM_PAGE + 8, 0x1122334455667788ULL);
    qtest_outl(s, TESTDEV_FLUSH, RAM_PAGE + 8);
    g_assert_cmphex(qtest_readq(s, RAM_PAGE + 8), ==, 0x1122334455667788ULL);
    qtest_writeq(s, RAM_PAGE + 16, 1);
    g_assert_cmphex(qtest_readq(s, RAM_PAGE + 16), ==, 1);
    qtest_outl(s, TESTDEV_FLUSH, 0xfec00000);
    qtest_outl(s, TESTDEV_FLUSH, (uint32_t)TESTDEV_IOMEM);
    /* Only dword writes reach it. */
    qtest_outb(s, TESTDEV_FLUSH, 0);
    g_assert_cmphex(qtest_readq(s, RAM_PAGE + 8), ==, 0x1122334455667788ULL);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* Without the device, its ports float and its MMIO window is empty. */
static void test_absent(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(qtest_inl(s, TESTDEV_IOPORT), ==, 0xffffffff);
    g_assert_cmphex(qtest_readl(s, TESTDEV_IOMEM), ==, 0xffffffff);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/pc-testdev/scratch/ioport", GUINT_TO_POINTER(TESTDEV_IOPORT),
                         test_scratch);
    g_test_add_data_func("/pc-testdev/scratch/ioport-byte", GUINT_TO_POINTER(TESTDEV_IOPORT_BYTE),
                         test_scratch);
    g_test_add_func("/pc-testdev/shared-register", test_shared_register);
    g_test_add_func("/pc-testdev/irq-lines", test_irq_lines);
    g_test_add_func("/pc-testdev/iomem", test_iomem);
    g_test_add_func("/pc-testdev/flush-page", test_flush_page);
    g_test_add_func("/pc-testdev/absent", test_absent);
    return g_test_run();
}
