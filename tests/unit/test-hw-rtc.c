/*
 * test-hw-rtc.c: the MC146818 RTC/CMOS through ports 0x70/0x71 and IRQ 8,
 * on the manual virtual clock: BCD and binary, 12/24 h, SET, UIP, periodic
 * rates, update-ended and alarm interrupts, CMOS storage, bad programming.
 */
#include "hw-test.h"
#include "hw/rtc/mc146818rtc.h"

#define IDX 0x70
#define DAT 0x71

#define SEC       0x00
#define SEC_ALARM 0x01
#define MINUTE    0x02
#define MIN_ALARM 0x03
#define HOUR      0x04
#define HR_ALARM  0x05
#define WDAY      0x06
#define MDAY      0x07
#define MONTH     0x08
#define YEAR      0x09
#define REG_A     0x0a
#define REG_B     0x0b
#define REG_C     0x0c
#define REG_D     0x0d
#define CENTURY   0x32

#define B_SET  0x80
#define B_PIE  0x40
#define B_AIE  0x20
#define B_UIE  0x10
#define B_DM   0x04
#define B_24H  0x02
#define C_IRQF 0x80
#define C_PF   0x40
#define C_AF   0x20
#define C_UF   0x10
#define A_UIP  0x80

#define SEC_NS NANOSECONDS_PER_SECOND
#define MS_NS  SCALE_MS

static RTCState *rtc;

static uint8_t cmos_read(uint8_t idx)
{
    outb(IDX, idx);
    return inb(DAT);
}

static void cmos_write(uint8_t idx, uint8_t v)
{
    outb(IDX, idx);
    outb(DAT, v);
}

/* 2026-03-14 15:09:26 UTC, a Saturday. */
static void setup_at(const char *base)
{
    const char *props[] = {"base", base, NULL};

    rtc = (RTCState *)hwt_create(TYPE_MC146818_RTC, props);
    hwt_irq_clear_counts();
}

static void setup(void)
{
    setup_at("2026-03-14T15:09:26");
}

static void teardown(void)
{
    qdev_unref((DeviceState *)rtc);
    rtc = NULL;
}

static void test_bcd_time(void)
{
    setup();
    g_assert_cmphex(cmos_read(SEC), ==, 0x26);
    g_assert_cmphex(cmos_read(MINUTE), ==, 0x09);
    g_assert_cmphex(cmos_read(HOUR), ==, 0x15);
    g_assert_cmphex(cmos_read(WDAY), ==, 0x07);
    g_assert_cmphex(cmos_read(MDAY), ==, 0x14);
    g_assert_cmphex(cmos_read(MONTH), ==, 0x03);
    g_assert_cmphex(cmos_read(YEAR), ==, 0x26);
    g_assert_cmphex(cmos_read(CENTURY), ==, 0x20);
    g_assert_cmphex(cmos_read(REG_A), ==, 0x26);
    g_assert_cmphex(cmos_read(REG_B), ==, 0x02);
    g_assert_cmphex(cmos_read(REG_D), ==, 0x80);
    hwt_step(SEC_NS);
    g_assert_cmphex(cmos_read(SEC), ==, 0x27);
    hwt_step(34 * SEC_NS);
    g_assert_cmphex(cmos_read(SEC), ==, 0x01);
    g_assert_cmphex(cmos_read(MINUTE), ==, 0x10);
    /* Nothing was enabled: flags only (PF runs at the default 1024 Hz), no interrupt. */
    g_assert_cmphex(cmos_read(REG_C), ==, C_UF | C_PF);
    g_assert_cmpint(hwt_irq_raises[8], ==, 0);
    teardown();
}

static void test_rollover(void)
{
    setup_at("2099-12-31T23:59:59");
    g_assert_cmphex(cmos_read(WDAY), ==, 0x05);
    hwt_step(SEC_NS);
    g_assert_cmphex(cmos_read(SEC), ==, 0x00);
    g_assert_cmphex(cmos_read(HOUR), ==, 0x00);
    g_assert_cmphex(cmos_read(MDAY), ==, 0x01);
    g_assert_cmphex(cmos_read(MONTH), ==, 0x01);
    g_assert_cmphex(cmos_read(YEAR), ==, 0x00);
    g_assert_cmphex(cmos_read(CENTURY), ==, 0x21);
    g_assert_cmphex(cmos_read(WDAY), ==, 0x06);
    teardown();
}

static void test_binary_and_12h(void)
{
    setup();
    cmos_write(REG_B, B_24H | B_DM);
    g_assert_cmpuint(cmos_read(SEC), ==, 26);
    g_assert_cmpuint(cmos_read(HOUR), ==, 15);
    g_assert_cmpuint(cmos_read(YEAR), ==, 26);
    g_assert_cmpuint(cmos_read(CENTURY), ==, 20);
    cmos_write(REG_B, B_DM); /* binary, 12 h */
    g_assert_cmphex(cmos_read(HOUR), ==, 0x80 | 3);
    cmos_write(REG_B, 0); /* BCD, 12 h */
    g_assert_cmphex(cmos_read(HOUR), ==, 0x83);
    /* Midnight and noon in 12 h: 12 AM and 12 PM. */
    rtc_set_time(rtc, 1767225600); /* 2026-01-01 00:00:00 */
    g_assert_cmphex(cmos_read(HOUR), ==, 0x12);
    rtc_set_time(rtc, 1767225600 + 12 * 3600);
    g_assert_cmphex(cmos_read(HOUR), ==, 0x92);
    /* The guest sets 11 PM in 12 h BCD; in 24 h it reads 23. */
    cmos_write(REG_B, B_SET);
    cmos_write(HOUR, 0x91);
    cmos_write(REG_B, 0);
    g_assert_cmpint(rtc_get_time(rtc) % 86400, ==, 23 * 3600);
    cmos_write(REG_B, B_24H);
    g_assert_cmphex(cmos_read(HOUR), ==, 0x23);
    teardown();
}

static void test_set_freezes(void)
{
    setup();
    cmos_write(REG_B, B_24H | B_SET | B_UIE);
    g_assert_cmphex(cmos_read(REG_B), ==, B_24H | B_SET); /* SET clears UIE */
    hwt_step(5 * SEC_NS);
    g_assert_cmphex(cmos_read(SEC), ==, 0x26);
    g_assert_cmphex(cmos_read(REG_A) & A_UIP, ==, 0);
    cmos_write(SEC, 0x58);
    cmos_write(MINUTE, 0x59);
    cmos_write(HOUR, 0x23);
    cmos_write(MDAY, 0x28);
    cmos_write(MONTH, 0x02);
    cmos_write(YEAR, 0x24); /* 2024: a leap year */
    hwt_step(3 * SEC_NS);
    g_assert_cmphex(cmos_read(SEC), ==, 0x58);
    cmos_write(REG_B, B_24H);
    hwt_step(SEC_NS);
    g_assert_cmphex(cmos_read(SEC), ==, 0x59);
    hwt_step(SEC_NS);
    g_assert_cmphex(cmos_read(MDAY), ==, 0x29);
    g_assert_cmphex(cmos_read(MONTH), ==, 0x02);
    g_assert_cmphex(cmos_read(HOUR), ==, 0x00);
    teardown();
}

static void test_uip(void)
{
    setup(); /* the next update is exactly 1 s from now */
    g_assert_cmphex(cmos_read(REG_A) & A_UIP, ==, 0);
    hwt_step(SEC_NS - 300 * SCALE_US);
    g_assert_cmphex(cmos_read(REG_A) & A_UIP, ==, 0);
    hwt_step(100 * SCALE_US);
    g_assert_cmphex(cmos_read(REG_A), ==, A_UIP | 0x26);
    g_assert_cmphex(cmos_read(SEC), ==, 0x26);
    hwt_step(200 * SCALE_US);
    g_assert_cmphex(cmos_read(REG_A) & A_UIP, ==, 0);
    g_assert_cmphex(cmos_read(SEC), ==, 0x27);
    cmos_write(REG_A, 0xa6); /* UIP is read-only */
    g_assert_cmphex(cmos_read(REG_A), ==, 0x26);
    teardown();
}

/* Counts IRQ 8 raises over a second with periodic interrupts at rate rs. */
static int periodic_count(unsigned rs)
{
    int n = 0;

    cmos_write(REG_A, 0x20 | rs);
    cmos_write(REG_B, B_24H | B_PIE);
    cmos_read(REG_C);
    hwt_irq_clear_counts();
    for (int ms = 0; ms < 1000; ms++) {
        hwt_step(MS_NS);
        if (hwt_irq_level[8]) {
            g_assert_cmphex(cmos_read(REG_C) & (C_IRQF | C_PF), ==, C_IRQF | C_PF);
            g_assert_cmpint(hwt_irq_level[8], ==, 0);
            n++;
        }
    }
    cmos_write(REG_B, B_24H);
    return n;
}

static void test_periodic_rates(void)
{
    setup();
    g_assert_cmpint(periodic_count(15), ==, 2);  /* 2 Hz */
    g_assert_cmpint(periodic_count(12), ==, 16); /* 16 Hz */
    g_assert_cmpint(periodic_count(9), ==, 128);
    g_assert_cmpint(periodic_count(2), ==, 128); /* rates 1 and 2 alias 8 and 9 */
    g_assert_cmpint(periodic_count(8), ==, 256);
    g_assert_cmpint(periodic_count(1), ==, 256);
    g_assert_cmpint(periodic_count(0), ==, 0);
    /* Faster than the 1 ms polling: one read per ms still sees every period as PF. */
    cmos_write(REG_A, 0x23); /* 8192 Hz */
    cmos_write(REG_B, B_24H | B_PIE);
    cmos_read(REG_C);
    hwt_irq_clear_counts();
    hwt_step(SEC_NS);
    g_assert_cmpint(hwt_irq_raises[8], ==, 1); /* the level stays up until C is read */
    g_assert_cmphex(cmos_read(REG_C) & C_PF, ==, C_PF);
    teardown();
}

static void test_periodic_irq_count(void)
{
    setup();
    cmos_write(REG_A, 0x26); /* 1024 Hz */
    cmos_write(REG_B, B_24H | B_PIE);
    cmos_read(REG_C);
    hwt_irq_clear_counts();
    /* Jump from deadline to deadline, reading C whenever the line is up: 1024 per second. */
    int64_t end = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + 4 * SEC_NS;
    for (;;) {
        int64_t next = qemu_clock_next_virtual_deadline();
        g_assert_cmpint(next, >, 0);
        if (next > end) {
            break;
        }
        qemu_clock_set(next);
        if (hwt_irq_level[8]) {
            cmos_read(REG_C);
        }
    }
    g_assert_cmpint(hwt_irq_raises[8], ==, 1024 * 4);
    teardown();
}

static void test_pf_without_pie(void)
{
    setup();
    cmos_write(REG_A, 0x2f); /* 2 Hz */
    cmos_read(REG_C);
    hwt_step(600 * MS_NS);
    g_assert_cmphex(cmos_read(REG_C) & C_PF, ==, C_PF);
    g_assert_cmphex(cmos_read(REG_C) & C_PF, ==, 0);
    g_assert_cmpint(hwt_irq_raises[8], ==, 0);
    /* PIE on with PF pending: IRQ at once. */
    hwt_step(600 * MS_NS);
    cmos_write(REG_B, B_24H | B_PIE);
    g_assert_cmpint(hwt_irq_level[8], ==, 1);
    teardown();
}

static void test_update_ended(void)
{
    setup();
    cmos_write(REG_A, 0x20); /* no periodic flag in the way */
    cmos_write(REG_B, B_24H | B_UIE);
    hwt_step(999 * MS_NS);
    g_assert_cmpint(hwt_irq_level[8], ==, 0);
    hwt_step(MS_NS);
    g_assert_cmpint(hwt_irq_level[8], ==, 1);
    g_assert_cmphex(cmos_read(REG_C), ==, C_IRQF | C_UF);
    g_assert_cmpint(hwt_irq_level[8], ==, 0);
    g_assert_cmphex(cmos_read(REG_C), ==, 0);
    for (int i = 0; i < 10; i++) {
        hwt_step(SEC_NS);
        g_assert_cmphex(cmos_read(REG_C), ==, C_IRQF | C_UF);
    }
    g_assert_cmpint(hwt_irq_raises[8], ==, 11);
    teardown();
}

static void test_alarm(void)
{
    setup(); /* 15:09:26 */
    cmos_write(REG_A, 0x20);
    cmos_write(SEC_ALARM, 0x29);
    cmos_write(MIN_ALARM, 0x09);
    cmos_write(HR_ALARM, 0x15);
    cmos_write(REG_B, B_24H | B_AIE);
    cmos_read(REG_C);
    hwt_step(2 * SEC_NS);
    g_assert_cmpint(hwt_irq_level[8], ==, 0);
    g_assert_cmphex(cmos_read(REG_C) & C_AF, ==, 0);
    hwt_step(SEC_NS);
    g_assert_cmpint(hwt_irq_level[8], ==, 1);
    g_assert_cmphex(cmos_read(REG_C), ==, C_IRQF | C_AF | C_UF);
    hwt_step(SEC_NS);
    g_assert_cmphex(cmos_read(REG_C) & C_AF, ==, 0);

    /* Don't care seconds and minutes: once a second during hour 15. */
    cmos_write(SEC_ALARM, 0xc0);
    cmos_write(MIN_ALARM, 0xff);
    hwt_irq_clear_counts();
    for (int i = 0; i < 5; i++) {
        hwt_step(SEC_NS);
        g_assert_cmphex(cmos_read(REG_C), ==, C_IRQF | C_AF | C_UF);
    }
    g_assert_cmpint(hwt_irq_raises[8], ==, 5);
    /* All don't care: every second, also in binary mode. */
    cmos_write(HR_ALARM, 0xc5);
    cmos_write(REG_B, B_24H | B_AIE | B_DM);
    hwt_step(SEC_NS);
    g_assert_cmphex(cmos_read(REG_C) & C_AF, ==, C_AF);
    /* A minute alarm in binary: 15:11:00. */
    cmos_write(SEC_ALARM, 0);
    cmos_write(MIN_ALARM, 11);
    cmos_write(HR_ALARM, 15);
    hwt_irq_clear_counts();
    hwt_step(120 * SEC_NS);
    g_assert_cmpint(hwt_irq_raises[8], ==, 1);
    teardown();
}

static void test_cmos_and_nmi(void)
{
    setup();
    cmos_write(0x40, 0x5a);
    g_assert_cmphex(cmos_read(0x40), ==, 0x5a);
    rtc_set_cmos(rtc, 0x34, 0x12);
    g_assert_cmphex(cmos_read(0x34), ==, 0x12);
    g_assert_cmphex(rtc_get_cmos(rtc, 0x40), ==, 0x5a);
    g_assert_false(rtc_nmi_masked(rtc));
    outb(IDX, 0x80 | 0x40);
    g_assert_true(rtc_nmi_masked(rtc));
    g_assert_cmphex(inb(DAT), ==, 0x5a); /* bit 7 is not part of the index */
    outb(IDX, 0x7f);
    g_assert_false(rtc_nmi_masked(rtc));
    outb(DAT, 0xee);
    g_assert_cmphex(rtc_get_cmos(rtc, 0x7f), ==, 0xee);
    g_assert_cmphex(inb(IDX), ==, 0xff); /* the index port is write-only */
    /* RAM and time survive a reset; interrupt enables do not. */
    cmos_write(REG_B, B_24H | B_PIE | B_UIE);
    hwt_step(SEC_NS);
    g_assert_cmpint(hwt_irq_level[8], ==, 1);
    qdev_reset_all();
    g_assert_cmpint(hwt_irq_level[8], ==, 0);
    g_assert_cmphex(cmos_read(REG_B), ==, B_24H);
    g_assert_cmphex(cmos_read(REG_C), ==, 0);
    g_assert_cmphex(cmos_read(0x40), ==, 0x5a);
    g_assert_cmphex(cmos_read(SEC), ==, 0x27);
    teardown();
}

static void test_divider_reset(void)
{
    setup();
    cmos_write(REG_A, 0x76); /* divider held in reset */
    hwt_step(5 * SEC_NS);
    g_assert_cmphex(cmos_read(SEC), ==, 0x26);
    cmos_write(REG_A, 0x26); /* first update 500 ms later */
    hwt_step(499 * MS_NS);
    g_assert_cmphex(cmos_read(SEC), ==, 0x26);
    hwt_step(MS_NS);
    g_assert_cmphex(cmos_read(SEC), ==, 0x27);
    cmos_write(REG_A, 0x06); /* 4.19 MHz base: not modelled, stopped and logged */
    hwt_step(5 * SEC_NS);
    g_assert_cmphex(cmos_read(SEC), ==, 0x27);
    teardown();
}

static void test_bad_programming(void)
{
    GError *err = NULL;
    DeviceState *d = qdev_new(TYPE_MC146818_RTC);

    g_assert_true(qdev_prop_parse(d, "base", "yesterday", &err));
    g_assert_false(qdev_realize(d, &err));
    g_assert_nonnull(strstr(err->message, "mc146818rtc: base 'yesterday'"));
    g_clear_error(&err);
    qdev_unref(d);

    setup();
    /* Invalid BCD and out-of-range fields: logged, normalized, never a crash. */
    cmos_write(REG_B, B_24H | B_SET);
    cmos_write(SEC, 0xff);
    cmos_write(MINUTE, 0x99);
    cmos_write(HOUR, 0x3f);
    cmos_write(MDAY, 0x00);
    cmos_write(MONTH, 0x13);
    cmos_write(REG_B, B_24H);
    hwt_step(SEC_NS);
    for (int i = 0; i < 10; i++) {
        cmos_read(i);
    }
    cmos_write(REG_C, 0xff); /* read-only */
    cmos_write(REG_D, 0x00);
    g_assert_cmphex(cmos_read(REG_D), ==, 0x80);
    /* A huge jump of the clock catches up without looping for ages. */
    cmos_write(REG_B, B_24H | B_UIE | B_AIE | B_PIE);
    hwt_step(10LL * 365 * 86400 * SEC_NS);
    g_assert_cmphex(cmos_read(REG_C) & C_UF, ==, C_UF);
    /* Wide accesses split into bytes. */
    outw(IDX, 0x3300);
    inl(IDX);
    teardown();
}

static void test_host_time(void)
{
    time_t before = time(NULL), after;

    setup_at("utc");
    after = time(NULL);
    g_assert_cmpint(rtc_get_time(rtc), >=, before);
    g_assert_cmpint(rtc_get_time(rtc), <=, after);
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hwt_init();
    g_test_add_func("/rtc/bcd-time", test_bcd_time);
    g_test_add_func("/rtc/rollover", test_rollover);
    g_test_add_func("/rtc/binary-and-12h", test_binary_and_12h);
    g_test_add_func("/rtc/set-freezes", test_set_freezes);
    g_test_add_func("/rtc/uip", test_uip);
    g_test_add_func("/rtc/periodic-rates", test_periodic_rates);
    g_test_add_func("/rtc/periodic-irq-count", test_periodic_irq_count);
    g_test_add_func("/rtc/pf-without-pie", test_pf_without_pie);
    g_test_add_func("/rtc/update-ended", test_update_ended);
    g_test_add_func("/rtc/alarm", test_alarm);
    g_test_add_func("/rtc/cmos-and-nmi", test_cmos_and_nmi);
    g_test_add_func("/rtc/divider-reset", test_divider_reset);
    g_test_add_func("/rtc/bad-programming", test_bad_programming);
    g_test_add_func("/rtc/host-time", test_host_time);
    return g_test_run();
}
