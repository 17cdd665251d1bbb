/*
 * test-hw-pit.c: the 8254 through ports 0x40-0x43 and port 0x61 on the manual
 * virtual clock: modes 0-5 with OUT edges and counts at exact ticks, IRQ 0 on
 * a recording line, the latch and read-back commands, access modes, BCD,
 * channel 2's gate and output through port 0x61, and bad programming.
 */
#include "hw-test.h"
#include "hw/timer/i8254.h"
#include "qemu/trace.h"

#define CH0  0x40
#define CH2  0x42
#define CTRL 0x43
#define P61  0x61

/* Control words. */
#define CW(sc, rw, mode) ((sc) << 6 | (rw) << 4 | (mode) << 1)
#define RW_LATCH         0
#define RW_LSB           1
#define RW_MSB           2
#define RW_WORD          3
#define READBACK         0xc0

static PITState *pit;
static int64_t t0; /* virtual time of the last count write */

static void setup(void)
{
    pit = (PITState *)hwt_create(TYPE_I8254, NULL);
    hwt_irq_clear_counts();
}

static void teardown(void)
{
    qdev_unref((DeviceState *)pit);
    pit = NULL;
}

/* The virtual time of tick d after t0 (the first ns at which d ticks have passed). */
static int64_t tick_time(uint64_t d)
{
    return t0 + (int64_t)((d * (unsigned __int128)NANOSECONDS_PER_SECOND + PIT_FREQ_HZ - 1) /
                          PIT_FREQ_HZ);
}

/* Moves the clock to just before / at tick d. */
static void at_tick(uint64_t d)
{
    qemu_clock_set(tick_time(d));
}

static void before_tick(uint64_t d)
{
    qemu_clock_set(tick_time(d) - 1);
}

static void write_count(uint16_t port, uint16_t count)
{
    outb(port, count & 0xff);
    t0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    outb(port, count >> 8);
}

/* LSB then MSB (two statements: the order of the reads matters). */
static uint16_t read16(uint16_t port)
{
    uint16_t lo = inb(port);
    return lo | inb(port) << 8;
}

static uint16_t latch_read(int ch)
{
    uint16_t v;

    outb(CTRL, CW(ch, RW_LATCH, 0));
    v = inb(CH0 + ch);
    return v | inb(CH0 + ch) << 8;
}

static void test_mode0(void)
{
    setup();
    outb(CTRL, CW(0, RW_WORD, 0));
    g_assert_cmpint(hwt_irq_level[0], ==, 0);
    write_count(CH0, 1000);
    g_assert_cmpuint(latch_read(0), ==, 1000);
    at_tick(400);
    g_assert_cmpuint(latch_read(0), ==, 600);
    before_tick(1000);
    g_assert_cmpint(hwt_irq_level[0], ==, 0);
    g_assert_cmpuint(latch_read(0), ==, 1);
    at_tick(1000);
    g_assert_cmpint(hwt_irq_level[0], ==, 1);
    g_assert_cmpint(hwt_irq_raises[0], ==, 1);
    g_assert_cmpuint(latch_read(0), ==, 0);
    at_tick(1001);
    g_assert_cmpuint(latch_read(0), ==, 0xffff); /* it keeps counting, OUT stays high */
    hwt_step(SCALE_MS * 200);
    g_assert_cmpint(hwt_irq_level[0], ==, 1);
    g_assert_cmpint(hwt_irq_raises[0], ==, 1);
    /* A new count: OUT low at the first byte, counting again after the second. */
    outb(CH0, 0x10);
    g_assert_cmpint(hwt_irq_level[0], ==, 0);
    t0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    outb(CH0, 0x00);
    at_tick(16);
    g_assert_cmpint(hwt_irq_raises[0], ==, 2);
    /* Mid-count, the first byte disables counting: the counting element holds its value. */
    write_count(CH0, 1000);
    at_tick(100);
    outb(CH0, 0x20);
    g_assert_cmpint(hwt_irq_level[0], ==, 0);
    g_assert_cmpuint(latch_read(0), ==, 900);
    hwt_step(SCALE_MS);
    g_assert_cmpuint(latch_read(0), ==, 900);
    t0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    outb(CH0, 0x00); /* 0x0020 */
    g_assert_cmpuint(latch_read(0), ==, 0x20);
    at_tick(0x20);
    g_assert_cmpint(hwt_irq_raises[0], ==, 3);
    /* A control word leaves no count to hold. */
    outb(CTRL, CW(0, RW_WORD, 0));
    g_assert_cmpuint(latch_read(0), ==, 0);
    teardown();
}

static void test_mode2(void)
{
    setup();
    outb(CTRL, CW(0, RW_WORD, 2));
    g_assert_cmpint(hwt_irq_level[0], ==, 1);
    hwt_irq_clear_counts();
    write_count(CH0, 100);
    before_tick(99);
    g_assert_cmpint(hwt_irq_level[0], ==, 1);
    g_assert_cmpuint(latch_read(0), ==, 2);
    at_tick(99);
    g_assert_cmpint(hwt_irq_level[0], ==, 0); /* low for one tick at count 1 */
    g_assert_cmpuint(latch_read(0), ==, 1);
    before_tick(100);
    g_assert_cmpint(hwt_irq_level[0], ==, 0);
    at_tick(100);
    g_assert_cmpint(hwt_irq_level[0], ==, 1);
    g_assert_cmpint(hwt_irq_raises[0], ==, 1);
    g_assert_cmpuint(latch_read(0), ==, 100);
    at_tick(1000);
    g_assert_cmpint(hwt_irq_raises[0], ==, 10);
    /* A new count takes over at the end of the current period. */
    at_tick(1050);
    int64_t period_end = tick_time(1100);
    write_count(CH0, 50);
    t0 = period_end;
    at_tick(0);
    g_assert_cmpint(hwt_irq_raises[0], ==, 11);
    at_tick(50);
    g_assert_cmpint(hwt_irq_raises[0], ==, 12);
    teardown();
}

static void test_mode3(void)
{
    setup();
    outb(CTRL, CW(0, RW_WORD, 3));
    write_count(CH0, 1000);
    hwt_irq_clear_counts();
    g_assert_cmpint(hwt_irq_level[0], ==, 1);
    before_tick(500);
    g_assert_cmpint(hwt_irq_level[0], ==, 1);
    g_assert_cmpuint(latch_read(0), ==, 2);
    at_tick(500);
    g_assert_cmpint(hwt_irq_level[0], ==, 0);
    g_assert_cmpuint(latch_read(0), ==, 1000);
    before_tick(1000);
    g_assert_cmpint(hwt_irq_level[0], ==, 0);
    at_tick(1000);
    g_assert_cmpint(hwt_irq_level[0], ==, 1);
    g_assert_cmpint(hwt_irq_raises[0], ==, 1);
    teardown();
}

static void test_mode3_odd_and_rate(void)
{
    setup();
    outb(CTRL, CW(0, RW_LSB, 3));
    outb(CH0, 5);
    t0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    before_tick(3);
    g_assert_cmpint(hwt_irq_level[0], ==, 1);
    at_tick(3);
    g_assert_cmpint(hwt_irq_level[0], ==, 0);
    at_tick(5);
    g_assert_cmpint(hwt_irq_level[0], ==, 1);
    /* The PC's 18.2 Hz: count 0 (65536) gives 18 or 19 IRQs in a second. */
    outb(CTRL, CW(0, RW_WORD, 3));
    write_count(CH0, 0);
    hwt_irq_clear_counts();
    hwt_step(NANOSECONDS_PER_SECOND);
    g_assert_cmpint(hwt_irq_raises[0], ==, 18);
    /* 100 Hz (count 11932) over 10 s: exactly 1000 periods minus a fraction. */
    outb(CTRL, CW(0, RW_WORD, 2));
    write_count(CH0, 11932);
    hwt_irq_clear_counts();
    at_tick(11932ull * 1000);
    g_assert_cmpint(hwt_irq_raises[0], ==, 1000);
    /* Disconnected from IRQ 0 (an HPET in legacy mode): the line stays low. */
    pit_set_irq_enabled(pit, false);
    g_assert_cmpint(hwt_irq_level[0], ==, 0);
    at_tick(11932ull * 1010);
    g_assert_cmpint(hwt_irq_raises[0], ==, 1000);
    pit_set_irq_enabled(pit, true); /* OUT is high: the line rises at once */
    g_assert_cmpint(hwt_irq_raises[0], ==, 1001);
    at_tick(11932ull * 1020);
    g_assert_cmpint(hwt_irq_raises[0], ==, 1011);
    teardown();
}

static void test_mode4_and_1_5(void)
{
    setup();
    outb(CTRL, CW(0, RW_WORD, 4));
    write_count(CH0, 10);
    hwt_irq_clear_counts();
    g_assert_cmpint(hwt_irq_level[0], ==, 1);
    at_tick(10);
    g_assert_cmpint(hwt_irq_level[0], ==, 0);
    at_tick(11);
    g_assert_cmpint(hwt_irq_level[0], ==, 1);
    g_assert_cmpint(hwt_irq_raises[0], ==, 1);
    hwt_step(SCALE_MS);
    g_assert_cmpint(hwt_irq_raises[0], ==, 1);
    /* Modes 1 and 5 on channel 2 wait for a gate edge through port 0x61. */
    outb(P61, 0);
    outb(CTRL, CW(2, RW_LSB, 1));
    outb(CH2, 20);
    hwt_step(SCALE_MS);
    g_assert_cmphex(inb(P61) & 0x20, ==, 0x20);
    g_assert_cmpuint(pit_get_count(pit, 2), ==, 20);
    outb(P61, 1);
    t0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmphex(inb(P61) & 0x20, ==, 0); /* one-shot: low until terminal count */
    at_tick(19);
    g_assert_cmpuint(pit_get_count(pit, 2), ==, 1);
    /* Retrigger: starts again. */
    outb(P61, 0);
    outb(P61, 1);
    t0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    at_tick(19);
    g_assert_cmpint(pit_get_out(pit, 2), ==, 0);
    at_tick(20);
    g_assert_cmpint(pit_get_out(pit, 2), ==, 1);
    outb(CTRL, CW(2, RW_LSB, 5));
    outb(CH2, 4);
    outb(P61, 0);
    outb(P61, 1);
    t0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    at_tick(4);
    g_assert_cmpint(pit_get_out(pit, 2), ==, 0);
    at_tick(5);
    g_assert_cmpint(pit_get_out(pit, 2), ==, 1);
    teardown();
}

static void test_latch_and_access_modes(void)
{
    setup();
    outb(CTRL, CW(0, RW_WORD, 2));
    write_count(CH0, 0x1234);
    at_tick(0x34);
    outb(CTRL, CW(0, RW_LATCH, 0));
    at_tick(0x100);
    outb(CTRL, CW(0, RW_LATCH, 0)); /* a second latch before reading is ignored */
    g_assert_cmphex(inb(CH0), ==, 0x00);
    at_tick(0x200);
    g_assert_cmphex(inb(CH0), ==, 0x12);
    /* Unlatched word reads: LSB then MSB of the live counter. */
    at_tick(0x234);
    g_assert_cmphex(inb(CH0), ==, 0x00);
    g_assert_cmphex(inb(CH0), ==, 0x10);
    /* LSB-only and MSB-only access. */
    outb(CTRL, CW(0, RW_MSB, 2));
    outb(CH0, 0x20);
    t0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    at_tick(0x100);
    g_assert_cmphex(inb(CH0), ==, 0x1f);
    outb(CTRL, CW(0, RW_LSB, 0));
    outb(CH0, 0x80);
    g_assert_cmphex(inb(CH0), ==, 0x80);
    /* BCD: 1000 as digits. */
    outb(CTRL, CW(0, RW_WORD, 0) | 1);
    write_count(CH0, 0x1000);
    at_tick(1);
    g_assert_cmphex(latch_read(0), ==, 0x0999);
    at_tick(1000);
    g_assert_cmpint(hwt_irq_level[0], ==, 1);
    at_tick(1001);
    g_assert_cmphex(latch_read(0), ==, 0x9999);
    teardown();
}

static void test_read_back(void)
{
    setup();
    outb(CTRL, CW(0, RW_WORD, 2));
    /* Status after the control word: OUT high, null count. */
    outb(CTRL, READBACK | 0x20 | 0x02);
    g_assert_cmphex(inb(CH0), ==, 0x80 | 0x40 | 0x34);
    write_count(CH0, 300);
    at_tick(100);
    /* Status and count latched together: status first. */
    outb(CTRL, READBACK | 0x02);
    at_tick(150);
    g_assert_cmphex(inb(CH0), ==, 0x80 | 0x34);
    g_assert_cmpuint(read16(CH0), ==, 200);
    /* Count only, channels 0 and 2; channel 2 in mode 0 with its gate low holds. */
    outb(CTRL, CW(2, RW_LSB, 0));
    outb(CH2, 50);
    at_tick(170);
    outb(CTRL, READBACK | 0x10 | 0x08 | 0x02);
    g_assert_cmpuint(read16(CH0), ==, 130);
    g_assert_cmpuint(inb(CH2), ==, 50);
    outb(CTRL, READBACK | 0x20 | 0x08);
    g_assert_cmphex(inb(CH2), ==, 0x10); /* OUT low, counting element loaded, LSB, mode 0 */
    teardown();
}

static void test_port61(void)
{
    int64_t now;
    uint8_t a, b;

    setup();
    g_assert_cmphex(inb(P61) & 0x0f, ==, 0);
    /* Linux's PIT calibration: gate on, speaker off, mode 0 on channel 2, poll bit 5. */
    outb(P61, (inb(P61) & ~0x02) | 0x01);
    outb(CTRL, CW(2, RW_WORD, 0));
    write_count(CH2, 11932);
    g_assert_cmphex(inb(P61) & 0x20, ==, 0);
    before_tick(11932);
    g_assert_cmphex(inb(P61) & 0x20, ==, 0);
    at_tick(11932);
    g_assert_cmphex(inb(P61) & 0x20, ==, 0x20);
    g_assert_cmphex(inb(P61) & 0x0f, ==, 0x01);
    outb(P61, 0xff);
    g_assert_cmphex(inb(P61) & 0x0f, ==, 0x0f);
    /* The refresh bit toggles every 15.085 us. */
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    qemu_clock_set((now / 15085 + 1) * 15085);
    a = inb(P61) & 0x10;
    hwt_step(15085);
    b = inb(P61) & 0x10;
    g_assert_cmphex(a ^ b, ==, 0x10);
    /* Gate low in mode 0 pauses channel 2; gate high resumes. */
    outb(CTRL, CW(2, RW_WORD, 0));
    write_count(CH2, 1000);
    at_tick(100);
    outb(P61, 0);
    hwt_step(SCALE_MS);
    g_assert_cmpuint(pit_get_count(pit, 2), ==, 900);
    outb(P61, 1);
    t0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    at_tick(50);
    g_assert_cmpuint(pit_get_count(pit, 2), ==, 850);
    /* Mode 3 with the gate low: OUT high. */
    outb(P61, 0);
    outb(CTRL, CW(2, RW_WORD, 3));
    write_count(CH2, 100);
    hwt_step(SCALE_MS);
    g_assert_cmphex(inb(P61) & 0x20, ==, 0x20);
    teardown();
}

static void test_reset_and_bad_programming(void)
{
    GRand *rnd = g_rand_new_with_seed(8254);

    setup();
    g_assert_cmpint(trace_enable_events("pit_*", true), ==, 5); /* to the log: /dev/null */
    trace_enable_events("port61_*", true);
    (void)inb(CTRL);
    outb(CTRL, CW(0, RW_LSB, 2));
    outb(CH0, 1); /* count 1 in mode 2: logged */
    hwt_step(SCALE_MS);
    outb(CTRL, CW(0, RW_WORD, 0) | 1);
    write_count(CH0, 0xabcd); /* bad BCD digits: logged */
    hwt_step(SCALE_MS);
    outw(CH0, 0x1234);
    (void)inl(CH0);
    for (int i = 0; i < 5000; i++) {
        int port = g_rand_int_range(rnd, 0, 5);
        if (g_rand_boolean(rnd)) {
            outb(port == 4 ? P61 : CH0 + port, g_rand_int_range(rnd, 0, 256));
        } else {
            (void)inb(port == 4 ? P61 : CH0 + port);
        }
        /* Keep channel 0's counts large enough that the clock moves in bounded work. */
        if (port == 3) {
            outb(CTRL, CW(0, RW_WORD, 2));
            write_count(CH0, 0x100 + g_rand_int_range(rnd, 0, 0xff00));
        }
        hwt_step(g_rand_int_range(rnd, 0, 100000));
    }
    g_rand_free(rnd);
    trace_enable_events("pit_*", false);
    trace_enable_events("port61_*", false);
    qdev_reset_all();
    g_assert_cmpint(hwt_irq_level[0], ==, 0);
    g_assert_cmphex(inb(P61) & 0x0f, ==, 0);
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hwt_init();
    g_test_add_func("/pit/mode0", test_mode0);
    g_test_add_func("/pit/mode2", test_mode2);
    g_test_add_func("/pit/mode3", test_mode3);
    g_test_add_func("/pit/mode3-odd-and-rate", test_mode3_odd_and_rate);
    g_test_add_func("/pit/mode4-1-5", test_mode4_and_1_5);
    g_test_add_func("/pit/latch-access-modes", test_latch_and_access_modes);
    g_test_add_func("/pit/read-back", test_read_back);
    g_test_add_func("/pit/port61", test_port61);
    g_test_add_func("/pit/reset-bad-programming", test_reset_and_bad_programming);
    return g_test_run();
}
