/*
 * lapic-test.c: the local APIC's xAPIC page at 0xFEE00000 (hw/intc/apic.c,
 * hw/intc/apic-timer.c, Intel SDM vol. 3 chapter 11). Under qtest there is no
 * current vCPU, so the page is the first APIC's, the bootstrap processor's
 * (APIC ID 0), also with -smp 2. Tested: ID, version, TPR/PPR, SVR and the
 * software disable, the LVT reset values and writable bits, LDR/DFR, the
 * error register, self IPIs into IRR, and the timer: current count against
 * the manual virtual clock at several divide values, one-shot expiry into
 * IRR, periodic reload, masking, a divider change mid-count, and TSC-deadline
 * mode ignoring the initial count. Nothing acknowledges an interrupt, so ISR
 * and EOI are not exercised here.
 */
#include "libqtest.h"

#define APIC_BASE  0xfee00000ull
#define APIC_ID    0x020
#define APIC_LVR   0x030
#define APIC_TPR   0x080
#define APIC_PPR   0x0a0
#define APIC_LDR   0x0d0
#define APIC_DFR   0x0e0
#define APIC_SVR   0x0f0
#define APIC_ISR   0x100
#define APIC_TMR   0x180
#define APIC_IRR   0x200
#define APIC_ESR   0x280
#define APIC_ICR   0x300
#define APIC_ICR2  0x310
#define APIC_LVTT  0x320
#define APIC_LVT0  0x350
#define APIC_LVT1  0x360
#define APIC_LVTE  0x370
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390
#define APIC_TDCR  0x3e0

#define LVT_MASKED              0x10000
#define LVT_PERIODIC            0x20000
#define LVT_TSCDL               0x40000
#define SVR_ENABLE              0x100
#define ICR_SELF                (1u << 18)
#define ESR_SEND_ILLEGAL_VECTOR 0x20
#define ESR_ILLEGAL_REGISTER    0x80

#define TDCR_DIV1   0xb
#define TDCR_DIV2   0x0
#define TDCR_DIV16  0x3
#define TDCR_DIV128 0xa

static uint32_t rd(QTestState *s, uint32_t off)
{
    return qtest_readl(s, APIC_BASE + off);
}

static void wr(QTestState *s, uint32_t off, uint32_t val)
{
    qtest_writel(s, APIC_BASE + off, val);
}

static bool vec_bit(QTestState *s, uint32_t base, uint8_t vector)
{
    return rd(s, base + (vector / 32) * 0x10) & (1u << (vector % 32));
}

static QTestState *lapic_start(const char *args)
{
    QTestState *s = qtest_init(args);

    wr(s, APIC_SVR, SVR_ENABLE | 0xff);
    return s;
}

static void test_id_version(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(rd(s, APIC_ID), ==, 0);
    g_assert_cmphex(rd(s, APIC_LVR), ==, 0x00050014);
    wr(s, APIC_LVR, 0);
    g_assert_cmphex(rd(s, APIC_LVR), ==, 0x00050014);
    /* Read-only registers ignore writes without an error. */
    wr(s, APIC_ESR, 0);
    g_assert_cmphex(rd(s, APIC_ESR), ==, 0);
    /* The xAPIC ID is bits 24-31 and writable. */
    wr(s, APIC_ID, 0x05ffffff);
    g_assert_cmphex(rd(s, APIC_ID), ==, 0x05000000);
    wr(s, APIC_ID, 0);
    qtest_quit(s);
}

/* With two CPUs the page is still the BSP's. */
static void test_smp_bsp(void)
{
    QTestState *s = qtest_init("-smp 2");

    g_assert_cmphex(rd(s, APIC_ID), ==, 0);
    g_assert_cmphex(rd(s, APIC_LVT0), ==, 0x700); /* the BSP's LINT0 is ExtINT */
    qtest_quit(s);
}

static void test_reset_values(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(rd(s, APIC_SVR), ==, 0xff);
    g_assert_cmphex(rd(s, APIC_TPR), ==, 0);
    g_assert_cmphex(rd(s, APIC_PPR), ==, 0);
    g_assert_cmphex(rd(s, APIC_LDR), ==, 0);
    g_assert_cmphex(rd(s, APIC_DFR), ==, 0xffffffff);
    g_assert_cmphex(rd(s, APIC_LVTT), ==, LVT_MASKED);
    g_assert_cmphex(rd(s, APIC_LVT0), ==, 0x700);
    g_assert_cmphex(rd(s, APIC_LVT1), ==, LVT_MASKED);
    g_assert_cmphex(rd(s, APIC_LVTE), ==, LVT_MASKED);
    g_assert_cmphex(rd(s, APIC_TMICT), ==, 0);
    g_assert_cmphex(rd(s, APIC_TMCCT), ==, 0);
    g_assert_cmphex(rd(s, APIC_TDCR), ==, 0);
    for (int i = 0; i < 8; i++) {
        g_assert_cmphex(rd(s, APIC_ISR + i * 0x10), ==, 0);
        g_assert_cmphex(rd(s, APIC_TMR + i * 0x10), ==, 0);
        g_assert_cmphex(rd(s, APIC_IRR + i * 0x10), ==, 0);
    }
    qtest_quit(s);
}

static void test_tpr_svr_lvt(void)
{
    QTestState *s = qtest_init(NULL);

    /* Software disabled: LVT writes stay masked. */
    wr(s, APIC_LVTT, 0x40);
    g_assert_cmphex(rd(s, APIC_LVTT), ==, LVT_MASKED | 0x40);
    wr(s, APIC_SVR, 0xffffffff);
    g_assert_cmphex(rd(s, APIC_SVR), ==, 0x3ff);
    /* Enabled: the writable bits of each LVT entry. */
    wr(s, APIC_LVTT, 0xffffffff);
    g_assert_cmphex(rd(s, APIC_LVTT), ==, 0x000300ff); /* reserved mode 3 reads as periodic */
    wr(s, APIC_LVTT, 0x20041);
    g_assert_cmphex(rd(s, APIC_LVTT), ==, 0x20041);
    wr(s, APIC_LVT1, 0xffffffff);
    g_assert_cmphex(rd(s, APIC_LVT1), ==, 0x0001a7ff);
    wr(s, APIC_LVTE, 0xffffffff);
    g_assert_cmphex(rd(s, APIC_LVTE), ==, 0x000100ff);
    wr(s, APIC_LVTE, 0x33);
    g_assert_cmphex(rd(s, APIC_LVTE), ==, 0x33);
    /* Clearing SVR's enable masks every LVT entry. */
    wr(s, APIC_SVR, 0xff);
    g_assert_cmphex(rd(s, APIC_LVTT), ==, LVT_MASKED | 0x20041);
    g_assert_cmphex(rd(s, APIC_LVTE), ==, LVT_MASKED | 0x33);
    g_assert_cmphex(rd(s, APIC_LVT0), ==, LVT_MASKED | 0x700);

    /* TPR: 8 bits; with nothing in service PPR follows it. */
    wr(s, APIC_TPR, 0xffffff5a);
    g_assert_cmphex(rd(s, APIC_TPR), ==, 0x5a);
    g_assert_cmphex(rd(s, APIC_PPR), ==, 0x5a);
    wr(s, APIC_TPR, 0);
    g_assert_cmphex(rd(s, APIC_PPR), ==, 0);

    /* LDR bits 24-31; DFR's model is bits 28-31, the rest reads as ones. */
    wr(s, APIC_LDR, 0x12345678);
    g_assert_cmphex(rd(s, APIC_LDR), ==, 0x12000000);
    wr(s, APIC_DFR, 0);
    g_assert_cmphex(rd(s, APIC_DFR), ==, 0x0fffffff);
    wr(s, APIC_DFR, 0xffffffff);
    g_assert_cmphex(rd(s, APIC_DFR), ==, 0xffffffff);
    qtest_quit(s);
}

/* ESR: errors latch on the next ESR write; the error LVT delivers a vector. */
static void test_esr(void)
{
    QTestState *s = lapic_start(NULL);

    rd(s, 0x040); /* reserved */
    g_assert_cmphex(rd(s, APIC_ESR), ==, 0);
    wr(s, APIC_ESR, 0);
    g_assert_cmphex(rd(s, APIC_ESR), ==, ESR_ILLEGAL_REGISTER);
    wr(s, APIC_ESR, 0);
    g_assert_cmphex(rd(s, APIC_ESR), ==, 0);
    /* A self IPI with vector < 16 is a send error, delivered through the error LVT. */
    wr(s, APIC_LVTE, 0xee);
    wr(s, APIC_ICR, ICR_SELF | 0x05);
    g_assert_false(vec_bit(s, APIC_IRR, 0x05));
    g_assert_true(vec_bit(s, APIC_IRR, 0xee));
    wr(s, APIC_ESR, 0);
    g_assert_cmphex(rd(s, APIC_ESR), ==, ESR_SEND_ILLEGAL_VECTOR);
    qtest_quit(s);
}

/* Fixed IPIs to self (shorthand) and to APIC 0 by destination land in IRR; TMR follows the trigger.
 */
static void test_ipi(void)
{
    QTestState *s = lapic_start(NULL);

    wr(s, APIC_ICR, ICR_SELF | 0x61);
    g_assert_true(vec_bit(s, APIC_IRR, 0x61));
    g_assert_false(vec_bit(s, APIC_TMR, 0x61));
    g_assert_cmphex(rd(s, APIC_ICR) & 0xfff, ==, 0x61);
    wr(s, APIC_ICR2, 0x00ffffff);
    g_assert_cmphex(rd(s, APIC_ICR2), ==, 0);
    wr(s, APIC_ICR, 0xc062); /* physical dest 0, level assert, level trigger */
    g_assert_true(vec_bit(s, APIC_IRR, 0x62));
    g_assert_true(vec_bit(s, APIC_TMR, 0x62));
    wr(s, APIC_ICR2, 0x07000000); /* nobody */
    wr(s, APIC_ICR, 0x63);
    g_assert_false(vec_bit(s, APIC_IRR, 0x63));
    qtest_quit(s);
}

/* One-shot: the current count runs down at the bus clock / divide; expiry sets IRR. */
static void test_timer_oneshot(void)
{
    QTestState *s = lapic_start(NULL);
    int64_t t0;

    wr(s, APIC_TDCR, TDCR_DIV1);
    g_assert_cmphex(rd(s, APIC_TDCR), ==, TDCR_DIV1);
    wr(s, APIC_LVTT, 0x40);
    t0 = qtest_clock_step(s, 0);
    wr(s, APIC_TMICT, 1000000);
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 1000000);
    qtest_clock_set(s, t0 + 400000);
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 600000);
    g_assert_false(vec_bit(s, APIC_IRR, 0x40));
    g_assert_cmpint(qtest_clock_step_next(s), ==, t0 + 1000000);
    g_assert_true(vec_bit(s, APIC_IRR, 0x40));
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 0);
    g_assert_cmpint(rd(s, APIC_TMICT), ==, 1000000);
    /* It stays at 0. */
    qtest_clock_step(s, 2000000);
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 0);

    /* Divide by 2 and by 128. */
    wr(s, APIC_TDCR, TDCR_DIV2);
    t0 = qtest_clock_step(s, 0);
    wr(s, APIC_TMICT, 1000);
    qtest_clock_set(s, t0 + 1000);
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 500);
    wr(s, APIC_TDCR, TDCR_DIV128);
    t0 = qtest_clock_step(s, 0);
    wr(s, APIC_TMICT, 1000);
    qtest_clock_set(s, t0 + 128 * 100);
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 900);
    qtest_clock_set(s, t0 + 128 * 100 + 127);
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 900);
    /* A divider change mid-count keeps the count, which goes on at the new rate. */
    wr(s, APIC_TDCR, TDCR_DIV16);
    t0 = qtest_clock_step(s, 0);
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 900);
    qtest_clock_set(s, t0 + 16 * 400);
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 500);
    /* Writing 0 stops the timer. */
    wr(s, APIC_TMICT, 0);
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 0);
    qtest_quit(s);
}

/* Periodic: the count reloads and the timer fires every initial-count ticks. */
static void test_timer_periodic(void)
{
    QTestState *s = lapic_start(NULL);
    int64_t t0;

    wr(s, APIC_TDCR, TDCR_DIV1);
    wr(s, APIC_LVTT, LVT_PERIODIC | 0x41);
    t0 = qtest_clock_step(s, 0);
    wr(s, APIC_TMICT, 10000);
    for (int i = 1; i <= 3; i++) {
        g_assert_cmpint(qtest_clock_step_next(s), ==, t0 + i * 10000);
        g_assert_true(vec_bit(s, APIC_IRR, 0x41));
        g_assert_cmpint(rd(s, APIC_TMCCT), ==, 10000);
    }
    qtest_clock_set(s, t0 + 32500);
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 7500);
    /* Masked: it keeps counting but delivers nothing (IRR of 0x41 is already set: use another). */
    wr(s, APIC_LVTT, LVT_MASKED | LVT_PERIODIC | 0x42);
    g_assert_cmpint(qtest_clock_step_next(s), ==, t0 + 40000);
    g_assert_false(vec_bit(s, APIC_IRR, 0x42));
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 10000);
    /* Periodic -> one-shot mid-count: the count in progress ends it. */
    qtest_clock_set(s, t0 + 45000);
    wr(s, APIC_LVTT, 0x43);
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 5000);
    g_assert_cmpint(qtest_clock_step_next(s), ==, t0 + 50000);
    g_assert_true(vec_bit(s, APIC_IRR, 0x43));
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 0);
    qtest_quit(s);
}

/* TSC-deadline mode: the initial count is ignored and the current count reads 0. */
static void test_timer_tscdeadline(void)
{
    QTestState *s = lapic_start(NULL);

    wr(s, APIC_TDCR, TDCR_DIV1);
    wr(s, APIC_LVTT, 0x44);
    wr(s, APIC_TMICT, 5000);
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 5000);
    /* Switching modes disarms the count. */
    wr(s, APIC_LVTT, LVT_TSCDL | 0x44);
    g_assert_cmpint(rd(s, APIC_TMICT), ==, 0);
    g_assert_cmpint(rd(s, APIC_TMCCT), ==, 0);
    wr(s, APIC_TMICT, 5000);
    g_assert_cmpint(rd(s, APIC_TMICT), ==, 0);
    qtest_clock_step(s, 100000);
    g_assert_false(vec_bit(s, APIC_IRR, 0x44));
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/lapic/id-version", test_id_version);
    g_test_add_func("/lapic/smp-bsp", test_smp_bsp);
    g_test_add_func("/lapic/reset-values", test_reset_values);
    g_test_add_func("/lapic/tpr-svr-lvt", test_tpr_svr_lvt);
    g_test_add_func("/lapic/esr", test_esr);
    g_test_add_func("/lapic/ipi", test_ipi);
    g_test_add_func("/lapic/timer-oneshot", test_timer_oneshot);
    g_test_add_func("/lapic/timer-periodic", test_timer_periodic);
    g_test_add_func("/lapic/timer-tscdeadline", test_timer_tscdeadline);
    return g_test_run();
}
