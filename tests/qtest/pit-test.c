/*
 * pit-test.c: the 8254 PIT at 0x40-0x43 and port 0x61 (hw/timer/i8254.c, the
 * Intel 8254 datasheet): mode 0 (interrupt on terminal count), mode 2 (rate
 * generator), mode 3 (square wave), the counter latch command, the read-back
 * command (status and count), channel 2's GATE and OUT through port 0x61, and
 * channel 0's OUT on GSI 0, all on the manual virtual clock.
 */
#include "libqtest.h"

#define PIT_CH0  0x40
#define PIT_CH2  0x42
#define PIT_CTRL 0x43
#define PORT61   0x61
#define PIT_GSI  0

#define CW_CH0       0x00
#define CW_CH2       0x80
#define CW_LATCH     0x00
#define CW_LSB       0x10
#define CW_LSBMSB    0x30
#define CW_MODE(m)   ((m) << 1)
#define CW_BCD       0x01
#define CW_READBACK  0xc0
#define RB_NO_COUNT  0x20
#define RB_NO_STATUS 0x10
#define RB_CH(n)     (2 << (n))

#define ST_OUT  0x80
#define ST_NULL 0x40

#define P61_GATE2   0x01
#define P61_REFRESH 0x10
#define P61_OUT2    0x20

#define PIT_HZ 1193182LL
/* ns for n ticks, rounded down / up. */
#define TICKS_NS(n)    ((int64_t)(n)*1000000000LL / PIT_HZ)
#define TICKS_NS_UP(n) (((int64_t)(n)*1000000000LL + PIT_HZ - 1) / PIT_HZ)
#define TICK_NS        839

static QTestState *pit_start(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "ioapic");
    return s;
}

static void pit_load(QTestState *s, int port, uint8_t cw, uint16_t count)
{
    qtest_outb(s, PIT_CTRL, cw);
    qtest_outb(s, port, count & 0xff);
    qtest_outb(s, port, count >> 8);
}

/* Two reads, LSB first (in sequence: the operands of | are unordered). */
static uint16_t pit_read16(QTestState *s, int port)
{
    uint16_t lo = qtest_inb(s, port);

    return lo | qtest_inb(s, port) << 8;
}

static uint16_t pit_latch_read(QTestState *s, int ch)
{
    uint16_t lo, hi;

    qtest_outb(s, PIT_CTRL, (ch << 6) | CW_LATCH);
    lo = qtest_inb(s, PIT_CH0 + ch);
    hi = qtest_inb(s, PIT_CH0 + ch);
    return lo | hi << 8;
}

/* Mode 0: OUT low after the count is written, high at terminal count, and it stays. */
static void test_mode0(void)
{
    QTestState *s = pit_start();
    int64_t t0 = qtest_clock_step(s, 0);
    uint16_t c;

    pit_load(s, PIT_CH0, CW_CH0 | CW_LSBMSB | CW_MODE(0), 1000);
    g_assert_false(qtest_get_irq(s, PIT_GSI));
    qtest_clock_set(s, t0 + TICKS_NS(500));
    c = pit_latch_read(s, 0);
    g_assert_cmpint(c, >=, 499);
    g_assert_cmpint(c, <=, 501);
    g_assert_false(qtest_get_irq(s, PIT_GSI));
    qtest_clock_set(s, t0 + TICKS_NS(1000) - TICK_NS);
    g_assert_false(qtest_get_irq(s, PIT_GSI));
    qtest_clock_set(s, t0 + TICKS_NS_UP(1000) + 1);
    g_assert_true(qtest_get_irq(s, PIT_GSI));
    qtest_clock_step(s, 10000000);
    g_assert_true(qtest_get_irq(s, PIT_GSI));
    /* A new control word drops OUT at once in mode 0. */
    qtest_outb(s, PIT_CTRL, CW_CH0 | CW_LSBMSB | CW_MODE(0));
    g_assert_false(qtest_get_irq(s, PIT_GSI));
    qtest_quit(s);
}

/* Mode 2: OUT high, low for one tick at count 1, period N ticks; the next timer is the edge. */
static void test_mode2(void)
{
    QTestState *s = pit_start();
    const int n = 200;
    int64_t t0 = qtest_clock_step(s, 0), rise[4];

    pit_load(s, PIT_CH0, CW_CH0 | CW_LSBMSB | CW_MODE(2), n);
    g_assert_true(qtest_get_irq(s, PIT_GSI));
    for (int i = 0; i < 4; i++) {
        int64_t fall = qtest_clock_step_next(s);
        g_assert_false(qtest_get_irq(s, PIT_GSI));
        rise[i] = qtest_clock_step_next(s);
        g_assert_true(qtest_get_irq(s, PIT_GSI));
        g_assert_cmpint(rise[i] - fall, <=, TICK_NS + 1);
        g_assert_cmpint(rise[i] - fall, >=, TICK_NS - 2);
    }
    g_assert_cmpint(rise[0] - t0, >=, TICKS_NS(n) - 1);
    g_assert_cmpint(rise[0] - t0, <=, TICKS_NS_UP(n) + 1);
    for (int i = 1; i < 4; i++) {
        g_assert_cmpint(rise[i] - rise[i - 1], >=, TICKS_NS(n) - 1);
        g_assert_cmpint(rise[i] - rise[i - 1], <=, TICKS_NS_UP(n) + 1);
    }
    /* The count reloads: it is always within 1..n. */
    for (int i = 0; i < 5; i++) {
        uint16_t c;
        qtest_clock_step(s, 37000);
        c = pit_latch_read(s, 0);
        g_assert_cmpint(c, >=, 1);
        g_assert_cmpint(c, <=, n);
    }
    qtest_quit(s);
}

/* Mode 3: a square wave, high for N/2 ticks and low for N/2 (even N). */
static void test_mode3(void)
{
    QTestState *s = pit_start();
    const int n = 1000;
    int64_t t = qtest_clock_step(s, 0), prev;

    pit_load(s, PIT_CH0, CW_CH0 | CW_LSBMSB | CW_MODE(3), n);
    g_assert_true(qtest_get_irq(s, PIT_GSI));
    prev = t;
    for (int i = 0; i < 6; i++) {
        t = qtest_clock_step_next(s);
        g_assert_cmpint(qtest_get_irq(s, PIT_GSI), ==, i % 2 == 1);
        g_assert_cmpint(t - prev, >=, TICKS_NS(n / 2) - 1);
        g_assert_cmpint(t - prev, <=, TICKS_NS_UP(n / 2) + 1);
        prev = t;
    }
    qtest_quit(s);
}

/* Mode 3 with an odd count: high for (N+1)/2 ticks, low for (N-1)/2. */
static void test_mode3_odd(void)
{
    QTestState *s = pit_start();
    const int n = 5;
    int64_t t = qtest_clock_step(s, 0), prev = t;

    pit_load(s, PIT_CH0, CW_CH0 | CW_LSBMSB | CW_MODE(3), n);
    for (int i = 0; i < 6; i++) {
        int len = i % 2 ? (n - 1) / 2 : (n + 1) / 2;
        t = qtest_clock_step_next(s);
        g_assert_cmpint(qtest_get_irq(s, PIT_GSI), ==, i % 2 == 1);
        g_assert_cmpint(t - prev, >=, TICKS_NS(len) - 1);
        g_assert_cmpint(t - prev, <=, TICKS_NS_UP(len) + 1);
        prev = t;
    }
    qtest_quit(s);
}

/* Mode 2 on channel 2: GATE low holds the count, a rising GATE reloads it. */
static void test_mode2_gate(void)
{
    QTestState *s = pit_start();
    int64_t t0;
    uint16_t c;

    pit_load(s, PIT_CH2, CW_CH2 | CW_LSBMSB | CW_MODE(2), 100);
    qtest_clock_step(s, TICKS_NS(500));
    g_assert_cmpint(pit_latch_read(s, 2), ==, 100);
    g_assert_cmphex(qtest_inb(s, PORT61) & P61_OUT2, ==, P61_OUT2);
    qtest_outb(s, PORT61, P61_GATE2);
    t0 = qtest_clock_step(s, 0);
    qtest_clock_set(s, t0 + TICKS_NS(50) + 10);
    c = pit_latch_read(s, 2);
    g_assert_cmpint(c, >=, 49);
    g_assert_cmpint(c, <=, 51);
    qtest_outb(s, PORT61, 0);
    qtest_clock_step(s, 1000);
    qtest_outb(s, PORT61, P61_GATE2);
    g_assert_cmpint(pit_latch_read(s, 2), ==, 100);
    qtest_quit(s);
}

/* The latch holds the count of the moment it was taken until it is read. */
static void test_latch(void)
{
    QTestState *s = pit_start();
    int64_t t0 = qtest_clock_step(s, 0);
    uint16_t lo, hi, later;

    pit_load(s, PIT_CH0, CW_CH0 | CW_LSBMSB | CW_MODE(2), 0); /* 0 = 65536 */
    qtest_clock_set(s, t0 + TICKS_NS(1000) + 10);
    qtest_outb(s, PIT_CTRL, CW_CH0 | CW_LATCH);
    qtest_clock_step(s, TICKS_NS(5000));
    lo = qtest_inb(s, PIT_CH0);
    qtest_clock_step(s, TICKS_NS(5000));
    hi = qtest_inb(s, PIT_CH0);
    g_assert_cmpint(lo | hi << 8, ==, 65536 - 1000);
    /* A second latch before the first is read is ignored. */
    qtest_outb(s, PIT_CTRL, CW_CH0 | CW_LATCH);
    qtest_clock_step(s, TICKS_NS(3000));
    qtest_outb(s, PIT_CTRL, CW_CH0 | CW_LATCH);
    later = pit_read16(s, PIT_CH0);
    g_assert_cmpint(later, >=, 65536 - 11001 - 1);
    g_assert_cmpint(later, <=, 65536 - 11000 + 1);
    /* LSB-only access mode reads the low byte, again and again. */
    qtest_outb(s, PIT_CTRL, CW_CH2 | CW_LSB | CW_MODE(0));
    qtest_outb(s, PIT_CH2, 0x5a);
    qtest_outb(s, PIT_CTRL, CW_CH2 | CW_LATCH);
    g_assert_cmphex(qtest_inb(s, PIT_CH2), ==, 0x5a); /* GATE2 is low: no counting */
    qtest_quit(s);
}

/* Read-back: the status byte (OUT, NULL COUNT, RW, mode, BCD), then the count. */
static void test_readback(void)
{
    QTestState *s = pit_start();
    int64_t t0;
    uint8_t st;
    uint16_t c;

    qtest_outb(s, PIT_CTRL, CW_CH0 | CW_LSBMSB | CW_MODE(2));
    qtest_outb(s, PIT_CTRL, CW_READBACK | RB_NO_COUNT | RB_CH(0));
    st = qtest_inb(s, PIT_CH0);
    g_assert_cmphex(st & ~ST_OUT, ==, ST_NULL | CW_LSBMSB | CW_MODE(2));
    qtest_outb(s, PIT_CH0, 0x00);
    qtest_outb(s, PIT_CH0, 0x10); /* 0x1000 */
    t0 = qtest_clock_step(s, 0);
    qtest_clock_set(s, t0 + TICKS_NS(100) + 10);
    qtest_outb(s, PIT_CTRL, CW_READBACK | RB_CH(0)); /* status and count */
    qtest_clock_step(s, TICKS_NS(300));
    st = qtest_inb(s, PIT_CH0);
    g_assert_cmphex(st, ==, ST_OUT | CW_LSBMSB | CW_MODE(2));
    c = pit_read16(s, PIT_CH0);
    g_assert_cmpint(c, ==, 0x1000 - 100);

    /* Channel 2 in BCD mode 0, read back as status only: OUT low, BCD set. */
    qtest_outb(s, PIT_CTRL, CW_CH2 | CW_LSBMSB | CW_MODE(0) | CW_BCD);
    qtest_outb(s, PIT_CH2, 0x99);
    qtest_outb(s, PIT_CH2, 0x99);
    qtest_outb(s, PIT_CTRL, CW_READBACK | RB_NO_COUNT | RB_CH(2));
    g_assert_cmphex(qtest_inb(s, PIT_CH2), ==, CW_LSBMSB | CW_MODE(0) | CW_BCD);
    qtest_outb(s, PIT_CTRL, CW_READBACK | RB_NO_STATUS | RB_CH(2));
    c = pit_read16(s, PIT_CH2);
    g_assert_cmphex(c, ==, 0x9999); /* GATE2 low: held */
    qtest_quit(s);
}

/* Port 0x61: bit 0 gates channel 2, bit 5 reads its OUT, bit 4 toggles with refresh. */
static void test_port61(void)
{
    QTestState *s = pit_start();
    int64_t t0;
    uint8_t r1, r2;
    uint16_t c;

    g_assert_cmphex(qtest_inb(s, PORT61) & (P61_GATE2 | P61_OUT2), ==, 0);
    pit_load(s, PIT_CH2, CW_CH2 | CW_LSBMSB | CW_MODE(0), 300);
    qtest_clock_step(s, TICKS_NS(1000));
    g_assert_cmpint(pit_latch_read(s, 2), ==, 300); /* gate low: mode 0 pauses */
    g_assert_cmphex(qtest_inb(s, PORT61) & P61_OUT2, ==, 0);
    qtest_outb(s, PORT61, P61_GATE2);
    t0 = qtest_clock_step(s, 0);
    g_assert_cmphex(qtest_inb(s, PORT61) & P61_GATE2, ==, P61_GATE2);
    qtest_clock_set(s, t0 + TICKS_NS(100) + 10);
    c = pit_latch_read(s, 2);
    g_assert_cmpint(c, >=, 199);
    g_assert_cmpint(c, <=, 201);
    qtest_outb(s, PORT61, 0); /* pause */
    qtest_clock_step(s, TICKS_NS(1000));
    g_assert_cmpint(pit_latch_read(s, 2), ==, c);
    g_assert_cmphex(qtest_inb(s, PORT61) & P61_OUT2, ==, 0);
    qtest_outb(s, PORT61, P61_GATE2);
    qtest_clock_step(s, TICKS_NS(c) + 2 * TICK_NS);
    g_assert_cmphex(qtest_inb(s, PORT61) & P61_OUT2, ==, P61_OUT2);
    /* Channel 2 does not reach IRQ 0. */
    g_assert_false(qtest_get_irq(s, PIT_GSI));

    /* Refresh: bit 4 toggles every 15.085 us. */
    r1 = qtest_inb(s, PORT61) & P61_REFRESH;
    qtest_clock_step(s, 15085);
    r2 = qtest_inb(s, PORT61) & P61_REFRESH;
    g_assert_cmphex(r1 ^ r2, ==, P61_REFRESH);
    qtest_clock_step(s, 2 * 15085);
    g_assert_cmphex(qtest_inb(s, PORT61) & P61_REFRESH, ==, r2);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pit/mode0", test_mode0);
    g_test_add_func("/pit/mode2", test_mode2);
    g_test_add_func("/pit/mode3", test_mode3);
    g_test_add_func("/pit/mode3-odd", test_mode3_odd);
    g_test_add_func("/pit/mode2-gate", test_mode2_gate);
    g_test_add_func("/pit/latch", test_latch);
    g_test_add_func("/pit/readback", test_readback);
    g_test_add_func("/pit/port61", test_port61);
    return g_test_run();
}
