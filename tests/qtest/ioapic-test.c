/*
 * ioapic-test.c: the I/O APIC at 0xFEC00000 (hw/intc/ioapic.c, the Intel
 * 82093AA datasheet): the IOREGSEL/IOWIN window, IOAPICID, IOAPICVER (0x11
 * with 24 pins on the PC machine, as KVM's in-kernel chip), IOAPICARB, the
 * redirection table's writable and read-only bits, and delivery to the local
 * APIC, which the test reads back as the vector's IRR bit (under qtest the
 * APIC page is the bootstrap processor's): edge pins (one message per rising
 * edge, lost while masked), level pins (Remote IRR holds further messages),
 * and the PIT on pin 2 (the ISA IRQ 0 override).
 */
#include "libqtest.h"

#define IOAPIC_BASE 0xfec00000ull
#define IOREGSEL    (IOAPIC_BASE + 0x00)
#define IOWIN       (IOAPIC_BASE + 0x10)
#define IOAPIC_EOI  (IOAPIC_BASE + 0x40)

#define REG_ID     0x00
#define REG_VER    0x01
#define REG_ARB    0x02
#define REG_RTE(n) (0x10 + 2 * (n))

#define RTE_DELIV_STATUS (1u << 12)
#define RTE_POLARITY_LOW (1u << 13)
#define RTE_REMOTE_IRR   (1u << 14)
#define RTE_LEVEL        (1u << 15)
#define RTE_MASKED       (1u << 16)
#define RTE_LOGICAL      (1u << 11)

#define APIC_BASE 0xfee00000ull
#define APIC_SVR  (APIC_BASE + 0x0f0)
#define APIC_EOI  (APIC_BASE + 0x0b0)
#define APIC_TMR  (APIC_BASE + 0x180)
#define APIC_ESR  (APIC_BASE + 0x280)
#define APIC_IRR  (APIC_BASE + 0x200)

static uint32_t ioapic_read(QTestState *s, uint8_t reg)
{
    qtest_writel(s, IOREGSEL, reg);
    return qtest_readl(s, IOWIN);
}

static void ioapic_write(QTestState *s, uint8_t reg, uint32_t val)
{
    qtest_writel(s, IOREGSEL, reg);
    qtest_writel(s, IOWIN, val);
}

static void set_rte(QTestState *s, int pin, uint32_t lo, uint8_t dest)
{
    ioapic_write(s, REG_RTE(pin) + 1, (uint32_t)dest << 24);
    ioapic_write(s, REG_RTE(pin), lo);
}

static void set_gsi(QTestState *s, int n, int level)
{
    char *line = g_strdup_printf("set_irq_in ioapic irq %d %d", n, level);
    char *reply = qtest_raw_command(s, line);

    g_assert_nonnull(reply);
    g_assert_cmpstr(reply, ==, "OK");
    g_free(reply);
    g_free(line);
}

static bool apic_bit(QTestState *s, uint64_t base, uint8_t vector)
{
    return qtest_readl(s, base + (vector / 32) * 0x10) & (1u << (vector % 32));
}

/* A software-enabled local APIC, so that it accepts the messages. */
static QTestState *ioapic_start(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_writel(s, APIC_SVR, 0x1ff);
    return s;
}

static void test_id_version(void)
{
    QTestState *s = ioapic_start();

    g_assert_cmphex(ioapic_read(s, REG_VER), ==, 0x00170011);
    g_assert_cmphex(ioapic_read(s, REG_ID), ==, 0);
    /* The ID is bits 24-27. */
    ioapic_write(s, REG_ID, 0xff000000);
    g_assert_cmphex(ioapic_read(s, REG_ID), ==, 0x0f000000);
    g_assert_cmphex(ioapic_read(s, REG_ARB), ==, 0x0f000000);
    ioapic_write(s, REG_ID, 0x02000000);
    g_assert_cmphex(ioapic_read(s, REG_ID), ==, 0x02000000);
    /* The version is read-only. */
    ioapic_write(s, REG_VER, 0);
    g_assert_cmphex(ioapic_read(s, REG_VER), ==, 0x00170011);
    /* IOREGSEL reads back its 8 bits. */
    qtest_writel(s, IOREGSEL, 0x1234);
    g_assert_cmphex(qtest_readl(s, IOREGSEL), ==, 0x34);
    qtest_quit(s);
}

static void test_rte_bits(void)
{
    QTestState *s = ioapic_start();

    /* Reset: every pin masked, everything else zero. */
    for (int pin = 0; pin < 24; pin++) {
        g_assert_cmphex(ioapic_read(s, REG_RTE(pin)), ==, RTE_MASKED);
        g_assert_cmphex(ioapic_read(s, REG_RTE(pin) + 1), ==, 0);
    }
    /* Delivery status and Remote IRR are read-only; the destination is bits 56-63. */
    ioapic_write(s, REG_RTE(7), 0xffffffff);
    g_assert_cmphex(ioapic_read(s, REG_RTE(7)), ==, 0x0001afff);
    ioapic_write(s, REG_RTE(7) + 1, 0xffffffff);
    g_assert_cmphex(ioapic_read(s, REG_RTE(7) + 1), ==, 0xff000000);
    ioapic_write(s, REG_RTE(7), RTE_MASKED | RTE_POLARITY_LOW | RTE_LOGICAL | 0x47);
    g_assert_cmphex(ioapic_read(s, REG_RTE(7)), ==,
                    RTE_MASKED | RTE_POLARITY_LOW | RTE_LOGICAL | 0x47);
    /* The other pins are untouched. */
    g_assert_cmphex(ioapic_read(s, REG_RTE(6)), ==, RTE_MASKED);
    g_assert_cmphex(ioapic_read(s, REG_RTE(8) + 1), ==, 0);
    /* A system reset restores the masks. */
    qtest_system_reset(s);
    g_assert_cmphex(ioapic_read(s, REG_RTE(7)), ==, RTE_MASKED);
    g_assert_cmphex(ioapic_read(s, REG_RTE(7) + 1), ==, 0);
    qtest_quit(s);
}

/* Edge: one message per rising edge to APIC 0; a masked pin loses its edges. */
static void test_edge(void)
{
    QTestState *s = ioapic_start();

    set_rte(s, 5, 0x35, 0);
    g_assert_false(apic_bit(s, APIC_IRR, 0x35));
    set_gsi(s, 5, 1);
    g_assert_true(apic_bit(s, APIC_IRR, 0x35));
    g_assert_false(apic_bit(s, APIC_TMR, 0x35));
    g_assert_cmphex(ioapic_read(s, REG_RTE(5)) & (RTE_REMOTE_IRR | RTE_DELIV_STATUS), ==, 0);
    set_gsi(s, 5, 0);
    g_assert_true(apic_bit(s, APIC_IRR, 0x35)); /* the APIC holds it until acknowledged */

    /* Masked: the edge is lost, and unmasking does not bring it back. */
    set_rte(s, 6, RTE_MASKED | 0x36, 0);
    set_gsi(s, 6, 1);
    set_gsi(s, 6, 0);
    set_rte(s, 6, 0x36, 0);
    g_assert_false(apic_bit(s, APIC_IRR, 0x36));
    set_gsi(s, 6, 1);
    g_assert_true(apic_bit(s, APIC_IRR, 0x36));
    set_gsi(s, 6, 0);

    /* A destination that is not APIC 0 does not reach it. */
    set_rte(s, 9, 0x39, 3);
    set_gsi(s, 9, 1);
    set_gsi(s, 9, 0);
    g_assert_false(apic_bit(s, APIC_IRR, 0x39));
    /* Physical broadcast (0xFF) does. */
    set_rte(s, 9, 0x39, 0xff);
    set_gsi(s, 9, 1);
    set_gsi(s, 9, 0);
    g_assert_true(apic_bit(s, APIC_IRR, 0x39));
    qtest_quit(s);
}

/* Level: Remote IRR is set on delivery and holds the pin until an EOI for its vector. */
static void test_level(void)
{
    QTestState *s = ioapic_start();

    set_rte(s, 10, RTE_LEVEL | 0x4a, 0);
    set_gsi(s, 10, 1);
    g_assert_cmphex(ioapic_read(s, REG_RTE(10)) & RTE_REMOTE_IRR, ==, RTE_REMOTE_IRR);
    g_assert_true(apic_bit(s, APIC_IRR, 0x4a));
    g_assert_true(apic_bit(s, APIC_TMR, 0x4a));
    set_gsi(s, 10, 0);
    /* Remote IRR stays until an EOI; rewriting the entry keeps it. */
    g_assert_cmphex(ioapic_read(s, REG_RTE(10)) & RTE_REMOTE_IRR, ==, RTE_REMOTE_IRR);
    set_rte(s, 10, RTE_LEVEL | 0x4a, 0);
    g_assert_cmphex(ioapic_read(s, REG_RTE(10)) & RTE_REMOTE_IRR, ==, RTE_REMOTE_IRR);
    /* Version 0x11 has no EOI register: a write there does nothing. */
    qtest_writel(s, IOAPIC_EOI, 0x4a);
    g_assert_cmphex(ioapic_read(s, REG_RTE(10)) & RTE_REMOTE_IRR, ==, RTE_REMOTE_IRR);
    /* Switching the pin to edge clears Remote IRR. */
    set_rte(s, 10, 0x4a, 0);
    g_assert_cmphex(ioapic_read(s, REG_RTE(10)) & RTE_REMOTE_IRR, ==, 0);

    /* Unmasking a level pin that is asserted sends at once. */
    set_rte(s, 11, RTE_MASKED | RTE_LEVEL | 0x5b, 0);
    set_gsi(s, 11, 1);
    g_assert_false(apic_bit(s, APIC_IRR, 0x5b));
    g_assert_cmphex(ioapic_read(s, REG_RTE(11)) & RTE_REMOTE_IRR, ==, 0);
    set_rte(s, 11, RTE_LEVEL | 0x5b, 0);
    g_assert_true(apic_bit(s, APIC_IRR, 0x5b));
    g_assert_cmphex(ioapic_read(s, REG_RTE(11)) & RTE_REMOTE_IRR, ==, RTE_REMOTE_IRR);
    qtest_quit(s);
}

/* A vector below 16 is refused by the local APIC: a receive-illegal-vector error. */
static void test_illegal_vector(void)
{
    QTestState *s = ioapic_start();

    set_rte(s, 5, 0x05, 0);
    set_gsi(s, 5, 1);
    g_assert_false(apic_bit(s, APIC_IRR, 0x05));
    qtest_writel(s, APIC_ESR, 0);
    g_assert_cmphex(qtest_readl(s, APIC_ESR), ==, 0x40);
    qtest_quit(s);
}

/* The PIT's channel 0 reaches pin 2 (ISA IRQ 0 is GSI 2 on the IOAPIC). */
static void test_pit_pin2(void)
{
    QTestState *s = ioapic_start();

    set_rte(s, 2, 0x30, 0);
    set_rte(s, 0, 0x31, 0);
    qtest_outb(s, 0x43, 0x30); /* channel 0, LSB/MSB, mode 0 */
    qtest_outb(s, 0x40, 100);
    qtest_outb(s, 0x40, 0);
    g_assert_false(apic_bit(s, APIC_IRR, 0x30));
    qtest_clock_step(s, 200000);
    g_assert_true(apic_bit(s, APIC_IRR, 0x30));
    g_assert_false(apic_bit(s, APIC_IRR, 0x31));
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ioapic/id-version", test_id_version);
    g_test_add_func("/ioapic/rte-bits", test_rte_bits);
    g_test_add_func("/ioapic/edge", test_edge);
    g_test_add_func("/ioapic/level", test_level);
    g_test_add_func("/ioapic/illegal-vector", test_illegal_vector);
    g_test_add_func("/ioapic/pit-pin2", test_pit_pin2);
    return g_test_run();
}
