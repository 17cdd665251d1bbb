/*
 * test-hw-hpet.c: the HPET at 0xFED00000 on the manual virtual clock, its
 * timers driving 24 recording GSI lines: capabilities, the main counter (run,
 * halt, write), one-shot and periodic comparators (Linux's VAL_SET sequence),
 * edge and level interrupts with the status register, legacy replacement
 * routing, 32-bit mode wrap-around, and bad programming.
 */
#include "hw-test.h"
#include "hw/timer/hpet.h"
#include "qemu/trace.h"

#define ID        0x000
#define CFG       0x010
#define STATUS    0x020
#define COUNTER   0x0f0
#define TN_CFG(n) (0x100 + 0x20 * (n))
#define TN_CMP(n) (0x108 + 0x20 * (n))

#define CFG_ENABLE  0x1
#define CFG_LEGACY  0x2
#define TN_LEVEL    (1u << 1)
#define TN_ENABLE   (1u << 2)
#define TN_PERIODIC (1u << 3)
#define TN_SETVAL   (1u << 6)
#define TN_32BIT    (1u << 8)
#define TN_ROUTE(p) ((p) << 9)

#define NGSI 24

static HPETState *hpet;
static qemu_irq *gsi;
static int level[NGSI], raises[NGSI];
static int legacy_calls;
static bool legacy_on;

static void gsi_handler(void *opaque, int n, int l)
{
    if (l && !level[n]) {
        raises[n]++;
    }
    level[n] = l;
}

static void legacy_hook(void *opaque, bool on)
{
    legacy_calls++;
    legacy_on = on;
}

static uint64_t rd64(hwaddr off)
{
    return address_space_ldq_le(address_space_memory(), HPET_BASE + off, MEMTXATTRS_UNSPECIFIED,
                                NULL);
}

static uint32_t rd32(hwaddr off)
{
    return address_space_ldl_le(address_space_memory(), HPET_BASE + off, MEMTXATTRS_UNSPECIFIED,
                                NULL);
}

static void wr64(hwaddr off, uint64_t v)
{
    address_space_stq_le(address_space_memory(), HPET_BASE + off, v, MEMTXATTRS_UNSPECIFIED, NULL);
}

static void wr32(hwaddr off, uint32_t v)
{
    address_space_stl_le(address_space_memory(), HPET_BASE + off, v, MEMTXATTRS_UNSPECIFIED, NULL);
}

static void setup(void)
{
    hpet = (HPETState *)hwt_create(TYPE_HPET, NULL);
    gsi = qemu_allocate_irqs(gsi_handler, NULL, NGSI);
    hpet_set_gsi(hpet, gsi);
    hpet_set_legacy_hook(hpet, legacy_hook, NULL);
    memset(level, 0, sizeof(level));
    memset(raises, 0, sizeof(raises));
    legacy_calls = 0;
}

static void teardown(void)
{
    qdev_unref((DeviceState *)hpet);
    qemu_free_irqs(gsi, NGSI);
}

static void test_registers_and_counter(void)
{
    setup();
    g_assert_cmphex(rd32(ID), ==, 0x8086a201);
    g_assert_cmphex(rd32(ID + 4), ==, 10000000);                 /* 10 ns in femtoseconds */
    g_assert_cmphex(rd64(TN_CFG(0)), ==, 0x00f0000000000030ull); /* periodic, 64-bit */
    g_assert_cmphex(rd64(TN_CFG(1)), ==, 0x00f0000000000020ull);
    g_assert_cmphex(rd64(TN_CMP(2)), ==, UINT64_MAX);
    /* Halted: the counter holds. */
    hwt_step(1000);
    g_assert_cmpuint(rd64(COUNTER), ==, 0);
    wr64(CFG, CFG_ENABLE);
    hwt_step(1000);
    g_assert_cmpuint(rd64(COUNTER), ==, 100);
    wr64(CFG, 0);
    hwt_step(1000);
    g_assert_cmpuint(rd64(COUNTER), ==, 100);
    wr64(COUNTER, 0x123456789ull);
    g_assert_cmphex(rd32(COUNTER), ==, 0x23456789);
    g_assert_cmphex(rd32(COUNTER + 4), ==, 0x1);
    wr32(COUNTER + 4, 0);
    g_assert_cmphex(rd64(COUNTER), ==, 0x23456789);
    wr64(CFG, CFG_ENABLE);
    hwt_step(50);
    g_assert_cmphex(rd64(COUNTER), ==, 0x23456789 + 5);
    /* Read-only ID. */
    wr64(ID, 0);
    g_assert_cmphex(rd32(ID), ==, 0x8086a201);
    qdev_reset_all();
    g_assert_cmpuint(rd64(COUNTER), ==, 0);
    g_assert_cmpuint(rd64(CFG), ==, 0);
    teardown();
}

static void test_oneshot_edge(void)
{
    setup();
    wr64(TN_CFG(1), TN_ENABLE | TN_ROUTE(21));
    wr64(TN_CMP(1), 500);
    wr64(CFG, CFG_ENABLE);
    hwt_step(4999);
    g_assert_cmpint(raises[21], ==, 0);
    hwt_step(1);
    g_assert_cmpint(raises[21], ==, 1);
    g_assert_cmpint(level[21], ==, 0); /* an edge: a pulse */
    hwt_step(1000000);
    g_assert_cmpint(raises[21], ==, 1); /* 64-bit one-shot: once */
    g_assert_cmphex(rd64(STATUS), ==, 0);
    /* Disabled interrupt: nothing. */
    wr64(TN_CFG(1), TN_ROUTE(21));
    wr64(TN_CMP(1), rd64(COUNTER) + 10);
    hwt_step(1000);
    g_assert_cmpint(raises[21], ==, 1);
    /* A route the timer cannot take is logged and drives nothing. */
    wr64(TN_CFG(1), TN_ENABLE | TN_ROUTE(5));
    wr64(TN_CMP(1), rd64(COUNTER) + 10);
    hwt_step(1000);
    g_assert_cmpint(raises[5], ==, 0);
    teardown();
}

static void test_periodic(void)
{
    uint64_t now;

    setup();
    wr64(CFG, CFG_ENABLE);
    hwt_step(12340);
    /* Linux's hpet_set_periodic: SETVAL, comparator = now + delta, then the period. */
    wr64(TN_CFG(0), TN_ENABLE | TN_PERIODIC | TN_SETVAL | TN_32BIT | TN_ROUTE(20));
    now = rd64(COUNTER);
    wr32(TN_CMP(0), now + 1000);
    wr32(TN_CMP(0), 1000); /* 10 us */
    g_assert_cmphex(rd64(TN_CFG(0)) & TN_SETVAL, ==, 0);
    for (int i = 1; i <= 50; i++) {
        hwt_step(10000 - 1);
        g_assert_cmpint(raises[20], ==, i - 1);
        hwt_step(1);
        g_assert_cmpint(raises[20], ==, i);
    }
    g_assert_cmpuint(rd32(TN_CMP(0)), ==, now + 51 * 1000);
    /* Halting stops it; resuming goes on from the counter. */
    wr64(CFG, 0);
    hwt_step(100000);
    g_assert_cmpint(raises[20], ==, 50);
    wr64(CFG, CFG_ENABLE);
    hwt_step(10000);
    g_assert_cmpint(raises[20], ==, 51);
    /* Timer 1 cannot be periodic. */
    wr64(TN_CFG(1), TN_PERIODIC);
    g_assert_cmphex(rd64(TN_CFG(1)) & TN_PERIODIC, ==, 0);
    teardown();
}

static void test_level_and_status(void)
{
    setup();
    wr64(TN_CFG(2), TN_ENABLE | TN_LEVEL | TN_ROUTE(23));
    wr64(TN_CMP(2), 100);
    wr64(CFG, CFG_ENABLE);
    hwt_step(1000);
    g_assert_cmpint(level[23], ==, 1);
    g_assert_cmphex(rd64(STATUS), ==, 0x4);
    wr32(STATUS, 0x3); /* other bits: nothing */
    g_assert_cmpint(level[23], ==, 1);
    wr32(STATUS + 4, 0xffffffff); /* the upper half clears nothing either */
    g_assert_cmphex(rd64(STATUS), ==, 0x4);
    wr32(STATUS, 0x4);
    g_assert_cmpint(level[23], ==, 0);
    g_assert_cmphex(rd64(STATUS), ==, 0);
    /* Re-routing while asserted releases the old line. */
    wr64(TN_CMP(2), rd64(COUNTER) + 10);
    hwt_step(100);
    g_assert_cmpint(level[23], ==, 1);
    wr64(TN_CFG(2), TN_ENABLE | TN_LEVEL | TN_ROUTE(22));
    g_assert_cmpint(level[23], ==, 0);
    g_assert_cmpint(level[22], ==, 1);
    wr64(STATUS, 0x4);
    g_assert_cmpint(level[22], ==, 0);
    teardown();
}

static void test_legacy(void)
{
    setup();
    wr64(TN_CFG(0), TN_ENABLE | TN_ROUTE(20));
    wr64(TN_CFG(1), TN_ENABLE | TN_ROUTE(21));
    wr64(CFG, CFG_ENABLE | CFG_LEGACY);
    g_assert_cmpint(legacy_calls, ==, 1);
    g_assert_true(legacy_on);
    wr64(TN_CMP(0), 10);
    wr64(TN_CMP(1), 20);
    hwt_step(1000);
    g_assert_cmpint(raises[0], ==, 1);
    g_assert_cmpint(raises[8], ==, 1);
    g_assert_cmpint(raises[20] + raises[21], ==, 0);
    wr64(CFG, CFG_ENABLE);
    g_assert_cmpint(legacy_calls, ==, 2);
    g_assert_false(legacy_on);
    wr64(TN_CMP(0), rd64(COUNTER) + 10);
    hwt_step(1000);
    g_assert_cmpint(raises[20], ==, 1);
    teardown();
}

static void test_32bit_wrap(void)
{
    setup();
    wr64(COUNTER, 0xffffff00ull);
    wr64(TN_CFG(1), TN_ENABLE | TN_32BIT | TN_ROUTE(21));
    wr64(TN_CMP(1), 0x1000000010ull); /* truncated to 32 bits: 0x10 */
    g_assert_cmphex(rd64(TN_CMP(1)), ==, 0x10);
    wr64(CFG, CFG_ENABLE);
    hwt_step(0x110 * 10 - 1);
    g_assert_cmpint(raises[21], ==, 0);
    hwt_step(1);
    g_assert_cmpint(raises[21], ==, 1);
    /* One-shot in 32-bit mode matches again after a full wrap (2^32 ticks, ~43 s). */
    hwt_step((1ll << 32) * 10 - 1);
    g_assert_cmpint(raises[21], ==, 1);
    hwt_step(1);
    g_assert_cmpint(raises[21], ==, 2);
    teardown();
}

static void test_bad_programming(void)
{
    GRand *rnd = g_rand_new_with_seed(0x4e7);

    setup();
    g_assert_cmpint(trace_enable_events("hpet_*", true), ==, 3); /* to the log: /dev/null */
    (void)address_space_ldub(address_space_memory(), HPET_BASE + 3, MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stw_le(address_space_memory(), HPET_BASE + 0x10, 0xffff, MEMTXATTRS_UNSPECIFIED,
                         NULL);
    (void)rd32(0x3fc);
    wr32(0x200, 1);
    for (int i = 0; i < 20000; i++) {
        hwaddr off = g_rand_int_range(rnd, 0, 0x180) & ~3;
        uint64_t v = g_rand_int(rnd);

        if (off == TN_CMP(0) || off == TN_CMP(1) || off == TN_CMP(2)) {
            v |= 0x100; /* periods of at least 2.5 us keep the work bounded */
        }
        if (g_rand_boolean(rnd)) {
            wr32(off, v);
        } else {
            (void)rd32(off);
        }
        hwt_step(g_rand_int_range(rnd, 0, 5000));
    }
    g_rand_free(rnd);
    trace_enable_events("hpet_*", false);
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hwt_init();
    g_test_add_func("/hpet/registers-counter", test_registers_and_counter);
    g_test_add_func("/hpet/oneshot-edge", test_oneshot_edge);
    g_test_add_func("/hpet/periodic", test_periodic);
    g_test_add_func("/hpet/level-status", test_level_and_status);
    g_test_add_func("/hpet/legacy", test_legacy);
    g_test_add_func("/hpet/32bit-wrap", test_32bit_wrap);
    g_test_add_func("/hpet/bad-programming", test_bad_programming);
    return g_test_run();
}
