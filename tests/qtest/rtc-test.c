/*
 * rtc-test.c: the MC146818A RTC/CMOS at 0x70/0x71 (hw/rtc/mc146818rtc.c, the
 * MC146818A datasheet): BCD and binary, 24/12-hour, the update cycle and its
 * interrupt, periodic interrupt rates on the manual virtual clock, the alarm
 * with don't-care fields, CMOS RAM and the NMI mask bit of the index port.
 */
#include "libqtest.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71
#define RTC_IRQ    8
#define NMI_MASK   0x80

#define RTC_SECONDS       0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES       0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS         0x04
#define RTC_HOURS_ALARM   0x05
#define RTC_DAY_OF_MONTH  0x07
#define RTC_MONTH         0x08
#define RTC_YEAR          0x09
#define RTC_REG_A         0x0a
#define RTC_REG_B         0x0b
#define RTC_REG_C         0x0c
#define RTC_REG_D         0x0d
#define CMOS_SCRATCH      0x50

#define REG_A_DV_32K 0x20
#define REG_B_SET    0x80
#define REG_B_PIE    0x40
#define REG_B_AIE    0x20
#define REG_B_UIE    0x10
#define REG_B_DM     0x04
#define REG_B_24H    0x02
#define REG_C_IRQF   0x80
#define REG_C_PF     0x40
#define REG_C_AF     0x20
#define REG_C_UF     0x10
#define REG_D_VRT    0x80
#define DONT_CARE    0xc0
#define HOUR_PM      0x80

#define NS_PER_SEC 1000000000LL
#define TICK_HZ    32768
#define STEP_SLACK 1000 /* ns past a deadline */

static uint8_t cmos_read(QTestState *s, uint8_t idx)
{
    qtest_outb(s, CMOS_INDEX, idx);
    return qtest_inb(s, CMOS_DATA);
}

static void cmos_write(QTestState *s, uint8_t idx, uint8_t val)
{
    qtest_outb(s, CMOS_INDEX, idx);
    qtest_outb(s, CMOS_DATA, val);
}

static QTestState *rtc_start(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "ioapic");
    return s;
}

/* Sets the time with SET held (fields in the given mode, b without SET); the clock then
 * runs with its next update one second after SET is cleared. */
static void set_time(QTestState *s, uint8_t b, uint8_t year, uint8_t month, uint8_t day,
                     uint8_t hour, uint8_t min, uint8_t sec)
{
    cmos_write(s, RTC_REG_A, REG_A_DV_32K);
    cmos_write(s, RTC_REG_B, b | REG_B_SET);
    cmos_write(s, RTC_YEAR, year);
    cmos_write(s, RTC_MONTH, month);
    cmos_write(s, RTC_DAY_OF_MONTH, day);
    cmos_write(s, RTC_HOURS, hour);
    cmos_write(s, RTC_MINUTES, min);
    cmos_write(s, RTC_SECONDS, sec);
    cmos_write(s, RTC_REG_B, b);
}

static void test_bcd_and_binary(void)
{
    QTestState *s = rtc_start();

    set_time(s, REG_B_24H, 0x24, 0x02, 0x29, 0x12, 0x34, 0x56);
    g_assert_cmphex(cmos_read(s, RTC_SECONDS), ==, 0x56);
    g_assert_cmphex(cmos_read(s, RTC_HOURS), ==, 0x12);
    g_assert_cmphex(cmos_read(s, RTC_DAY_OF_MONTH), ==, 0x29);
    /* Switching to binary re-encodes the running clock. */
    cmos_write(s, RTC_REG_B, REG_B_24H | REG_B_DM);
    g_assert_cmpuint(cmos_read(s, RTC_SECONDS), ==, 56);
    g_assert_cmpuint(cmos_read(s, RTC_MINUTES), ==, 34);
    g_assert_cmpuint(cmos_read(s, RTC_YEAR), ==, 24);
    /* 12-hour mode: 12:34 is 12 PM. */
    cmos_write(s, RTC_REG_B, REG_B_DM);
    g_assert_cmphex(cmos_read(s, RTC_HOURS), ==, HOUR_PM | 12);
    /* Binary time set directly. */
    set_time(s, REG_B_24H | REG_B_DM, 99, 12, 31, 23, 59, 59);
    g_assert_cmpuint(cmos_read(s, RTC_HOURS), ==, 23);
    g_assert_cmphex(cmos_read(s, RTC_REG_D), ==, REG_D_VRT);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* One update per second of virtual time, carrying into the next day, month, year. */
static void test_update_rollover(void)
{
    QTestState *s = rtc_start();

    set_time(s, REG_B_24H, 0x23, 0x12, 0x31, 0x23, 0x59, 0x58);
    qtest_clock_step(s, NS_PER_SEC - STEP_SLACK);
    g_assert_cmphex(cmos_read(s, RTC_SECONDS), ==, 0x58);
    qtest_clock_step(s, 2 * STEP_SLACK);
    g_assert_cmphex(cmos_read(s, RTC_SECONDS), ==, 0x59);
    qtest_clock_step(s, NS_PER_SEC);
    g_assert_cmphex(cmos_read(s, RTC_SECONDS), ==, 0x00);
    g_assert_cmphex(cmos_read(s, RTC_MINUTES), ==, 0x00);
    g_assert_cmphex(cmos_read(s, RTC_HOURS), ==, 0x00);
    g_assert_cmphex(cmos_read(s, RTC_DAY_OF_MONTH), ==, 0x01);
    g_assert_cmphex(cmos_read(s, RTC_MONTH), ==, 0x01);
    g_assert_cmphex(cmos_read(s, RTC_YEAR), ==, 0x24);
    /* SET holds the clock. */
    cmos_write(s, RTC_REG_B, REG_B_24H | REG_B_SET);
    qtest_clock_step(s, 5 * NS_PER_SEC);
    g_assert_cmphex(cmos_read(s, RTC_SECONDS), ==, 0x00);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static void test_update_interrupt(void)
{
    QTestState *s = rtc_start();

    set_time(s, REG_B_24H | REG_B_UIE, 0x24, 0x01, 0x01, 0x00, 0x00, 0x00);
    cmos_read(s, RTC_REG_C);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, NS_PER_SEC / 2);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, NS_PER_SEC / 2 + STEP_SLACK);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, REG_C_IRQF | REG_C_UF);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, 0);
    /* Without UIE, UF is still set but no interrupt. */
    cmos_write(s, RTC_REG_B, REG_B_24H);
    qtest_clock_step(s, NS_PER_SEC);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C), ==, REG_C_UF);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* Period in 32.768 kHz ticks for rate select rs (1 and 2 alias 8 and 9). */
static int64_t period_ticks(unsigned rs)
{
    return rs <= 2 ? 1 << (rs + 6) : 1 << (rs - 1);
}

/* Runs the clock from deadline to deadline, counting PF, until n interrupts came. */
static void test_periodic_rate(gconstpointer data)
{
    unsigned rs = GPOINTER_TO_UINT(data);
    const int n = 16;
    int64_t span_ns = (n - 1) * period_ticks(rs) * NS_PER_SEC / TICK_HZ, first = -1, last = -1;
    QTestState *s = rtc_start();

    cmos_write(s, RTC_REG_A, REG_A_DV_32K | rs);
    cmos_write(s, RTC_REG_B, REG_B_24H | REG_B_PIE);
    cmos_read(s, RTC_REG_C);
    for (int got = 0; got < n;) {
        int64_t now = qtest_clock_step_next(s);
        uint8_t c;

        if (!qtest_get_irq(s, RTC_IRQ)) {
            continue; /* another timer (the update cycle) */
        }
        c = cmos_read(s, RTC_REG_C);
        g_assert_cmphex(c & REG_C_IRQF, ==, REG_C_IRQF);
        if (c & REG_C_PF) {
            first = first < 0 ? now : first;
            last = now;
            got++;
        }
        g_assert_false(qtest_get_irq(s, RTC_IRQ));
    }
    /* Deadlines fall on 32.768 kHz ticks, rounded up to whole nanoseconds. */
    g_assert_cmpint(last - first, >=, span_ns - 1);
    g_assert_cmpint(last - first, <=, span_ns + 1);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* RS = 0: no periodic interrupt, and PIE alone never raises the line. */
static void test_periodic_off(void)
{
    QTestState *s = rtc_start();

    cmos_write(s, RTC_REG_A, REG_A_DV_32K);
    cmos_write(s, RTC_REG_B, REG_B_24H | REG_B_PIE);
    cmos_read(s, RTC_REG_C);
    qtest_clock_step(s, 3 * NS_PER_SEC);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C) & REG_C_PF, ==, 0);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static void test_alarm(void)
{
    QTestState *s = rtc_start();

    cmos_write(s, RTC_SECONDS_ALARM, 0x03);
    cmos_write(s, RTC_MINUTES_ALARM, 0x00);
    cmos_write(s, RTC_HOURS_ALARM, 0x10);
    set_time(s, REG_B_24H | REG_B_AIE, 0x24, 0x06, 0x01, 0x10, 0x00, 0x00);
    cmos_read(s, RTC_REG_C);
    qtest_clock_step(s, 2 * NS_PER_SEC + STEP_SLACK);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, NS_PER_SEC);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_REG_C) & (REG_C_IRQF | REG_C_AF), ==, REG_C_IRQF | REG_C_AF);
    g_assert_cmphex(cmos_read(s, RTC_SECONDS), ==, 0x03);
    /* Don't-care hours and minutes: every minute at second 05. */
    cmos_write(s, RTC_HOURS_ALARM, DONT_CARE);
    cmos_write(s, RTC_MINUTES_ALARM, DONT_CARE);
    cmos_write(s, RTC_SECONDS_ALARM, 0x05);
    cmos_read(s, RTC_REG_C);
    qtest_clock_step(s, NS_PER_SEC);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, NS_PER_SEC);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    cmos_read(s, RTC_REG_C);
    qtest_clock_step(s, 59 * NS_PER_SEC);
    g_assert_false(qtest_get_irq(s, RTC_IRQ));
    qtest_clock_step(s, NS_PER_SEC);
    g_assert_true(qtest_get_irq(s, RTC_IRQ));
    g_assert_cmphex(cmos_read(s, RTC_MINUTES), ==, 0x01);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* CMOS RAM keeps bytes; the index port's bit 7 (NMI mask) does not change the register. */
static void test_cmos_ram(void)
{
    QTestState *s = rtc_start();

    for (unsigned i = 0; i < 16; i++) {
        cmos_write(s, CMOS_SCRATCH + i, 0xa0 + i);
    }
    for (unsigned i = 0; i < 16; i++) {
        g_assert_cmphex(cmos_read(s, (CMOS_SCRATCH + i) | NMI_MASK), ==, 0xa0 + i);
    }
    /* Register C and D are read-only. */
    cmos_write(s, RTC_REG_D, 0);
    g_assert_cmphex(cmos_read(s, RTC_REG_D), ==, REG_D_VRT);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

int main(int argc, char **argv)
{
    static const unsigned rates[] = {1, 2, 3, 6, 10, 15};

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rtc/bcd-and-binary", test_bcd_and_binary);
    g_test_add_func("/rtc/update-rollover", test_update_rollover);
    g_test_add_func("/rtc/update-interrupt", test_update_interrupt);
    g_test_add_func("/rtc/periodic-off", test_periodic_off);
    for (size_t i = 0; i < G_N_ELEMENTS(rates); i++) {
        g_autofree char *name = g_strdup_printf("/rtc/periodic/rs%u", rates[i]);

        g_test_add_data_func(name, GUINT_TO_POINTER(rates[i]), test_periodic_rate);
    }
    g_test_add_func("/rtc/alarm", test_alarm);
    g_test_add_func("/rtc/cmos-ram", test_cmos_ram);
    return g_test_run();
}
