/*
 * acpi-pm-test.c: the PIIX4 PM function's ACPI fixed hardware at 0x600
 * (hw/acpi/piix4-pm.c; ACPI 1.0 4.7-4.8): the PM timer at 3.579545 MHz on the
 * virtual clock, its overflow and the power button raising the SCI (GSI 9)
 * through PM1_EN, write-1-to-clear status, SCI_EN gating, and SLP_EN with the
 * S5 type ending the VM with exit status 0.
 */
#include "libqtest.h"

#define PM_BASE 0x600
#define PM1_STS (PM_BASE + 0x00)
#define PM1_EN  (PM_BASE + 0x02)
#define PM1_CNT (PM_BASE + 0x04)
#define PM_TMR  (PM_BASE + 0x08)
#define SCI_IRQ 9

#define PM1_TMR_STS       0x0001
#define PM1_PWRBTN_STS    0x0100
#define PM1_TMR_EN        0x0001
#define PM1_PWRBTN_EN     0x0100
#define CNT_SCI_EN        0x0001
#define CNT_SLP_TYP_SHIFT 10
#define CNT_SLP_EN        0x2000
#define SLP_TYP_S5        0
#define SLP_TYP_S3        1

#define PM_TIMER_HZ      3579545
#define PM_TIMER_MASK    0xffffff
#define NS_PER_SEC       1000000000LL
#define TMR_HALF_WRAP_NS 2343484438LL /* 2^23 ticks of the PM timer, rounded up */

static QTestState *pm_start(const char *args)
{
    QTestState *s = qtest_init(args);

    qtest_irq_intercept_in(s, "ioapic");
    return s;
}

static void test_pm_timer(void)
{
    QTestState *s = pm_start(NULL);
    uint32_t t0 = qtest_inl(s, PM_TMR), t1, t2;

    g_assert_cmphex(t0 & ~PM_TIMER_MASK, ==, 0);
    /* Standing still with the virtual clock. */
    g_assert_cmphex(qtest_inl(s, PM_TMR), ==, t0);
    qtest_clock_step(s, NS_PER_SEC);
    t1 = qtest_inl(s, PM_TMR);
    g_assert_cmpint((t1 - t0) & PM_TIMER_MASK, >=, PM_TIMER_HZ - 1);
    g_assert_cmpint((t1 - t0) & PM_TIMER_MASK, <=, PM_TIMER_HZ + 1);
    /* Word reads of the two halves agree with the dword. */
    t2 = qtest_inw(s, PM_TMR) | (uint32_t)qtest_inw(s, PM_TMR + 2) << 16;
    g_assert_cmphex(t2, ==, t1);
    /* Writes are ignored. */
    qtest_outl(s, PM_TMR, 0);
    g_assert_cmphex(qtest_inl(s, PM_TMR), ==, t1);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static void test_power_button(void)
{
    QTestState *s = pm_start(NULL);

    /* Firmware left ACPI mode on. */
    g_assert_cmphex(qtest_inw(s, PM1_CNT) & CNT_SCI_EN, ==, CNT_SCI_EN);
    qtest_outw(s, PM1_EN, PM1_PWRBTN_EN);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    qtest_system_powerdown(s);
    g_assert_true(qtest_get_irq(s, SCI_IRQ));
    g_assert_cmphex(qtest_inw(s, PM1_STS) & PM1_PWRBTN_STS, ==, PM1_PWRBTN_STS);
    /* Writing 0 changes nothing; writing 1 clears (a byte write to the high half). */
    qtest_outw(s, PM1_STS, 0);
    g_assert_true(qtest_get_irq(s, SCI_IRQ));
    qtest_outb(s, PM1_STS + 1, PM1_PWRBTN_STS >> 8);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    g_assert_cmphex(qtest_inw(s, PM1_STS) & PM1_PWRBTN_STS, ==, 0);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* Status without its enable bit, or without SCI_EN, raises nothing until enabled. */
static void test_sci_gating(void)
{
    QTestState *s = pm_start(NULL);

    qtest_system_powerdown(s);
    g_assert_cmphex(qtest_inw(s, PM1_STS) & PM1_PWRBTN_STS, ==, PM1_PWRBTN_STS);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    qtest_outw(s, PM1_CNT, 0);
    qtest_outw(s, PM1_EN, PM1_PWRBTN_EN);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    qtest_outw(s, PM1_CNT, CNT_SCI_EN);
    g_assert_true(qtest_get_irq(s, SCI_IRQ));
    qtest_outw(s, PM1_EN, 0);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* TMR_STS is set each time bit 23 of the timer changes; with TMR_EN it raises the SCI. */
static void test_timer_overflow(void)
{
    QTestState *s = pm_start(NULL);

    qtest_outw(s, PM1_STS, PM1_TMR_STS);
    qtest_outw(s, PM1_EN, PM1_TMR_EN);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    /* Bit 23 changes once every 2^23 ticks: a little more than that always sees one. */
    qtest_clock_step(s, TMR_HALF_WRAP_NS + NS_PER_SEC / 100);
    g_assert_true(qtest_get_irq(s, SCI_IRQ));
    g_assert_cmphex(qtest_inw(s, PM1_STS) & PM1_TMR_STS, ==, PM1_TMR_STS);
    qtest_outw(s, PM1_STS, PM1_TMR_STS);
    g_assert_false(qtest_get_irq(s, SCI_IRQ));
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* SLP_TYP=S5 with SLP_EN: the guest powers off, tern exits 0. */
static void test_s5_power_off(void)
{
    QTestState *s = pm_start(NULL);

    qtest_outw(s, PM1_CNT, CNT_SCI_EN | SLP_TYP_S5 << CNT_SLP_TYP_SHIFT | CNT_SLP_EN);
    g_assert_cmpint(qtest_wait_exit(s), ==, 0);
}

/* Even with a device that would give another status, S5 is status 0. */
static void test_s5_with_debug_exit(void)
{
    QTestState *s = pm_start("-device isa-debug-exit");

    qtest_outw(s, PM1_CNT, SLP_TYP_S5 << CNT_SLP_TYP_SHIFT | CNT_SLP_EN);
    g_assert_cmpint(qtest_wait_exit(s), ==, 0);
}

/* S3 is not supported: the VM goes on; SLP_TYP without SLP_EN does nothing. */
static void test_other_sleep_types(void)
{
    QTestState *s = pm_start(NULL);

    qtest_outw(s, PM1_CNT, CNT_SCI_EN | SLP_TYP_S3 << CNT_SLP_TYP_SHIFT | CNT_SLP_EN);
    qtest_outw(s, PM1_CNT, CNT_SCI_EN | SLP_TYP_S5 << CNT_SLP_TYP_SHIFT);
    /* SLP_EN reads back as 0; SLP_TYP keeps what was written. */
    g_assert_cmphex(qtest_inw(s, PM1_CNT), ==, CNT_SCI_EN | SLP_TYP_S5 << CNT_SLP_TYP_SHIFT);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi-pm/pm-timer", test_pm_timer);
    g_test_add_func("/acpi-pm/power-button", test_power_button);
    g_test_add_func("/acpi-pm/sci-gating", test_sci_gating);
    g_test_add_func("/acpi-pm/timer-overflow", test_timer_overflow);
    g_test_add_func("/acpi-pm/s5-power-off", test_s5_power_off);
    g_test_add_func("/acpi-pm/s5-with-debug-exit", test_s5_with_debug_exit);
    g_test_add_func("/acpi-pm/other-sleep-types", test_other_sleep_types);
    return g_test_run();
}
