/*
 * badprog-test.c: bad programming must neither crash nor hang tern (DESIGN.md,
 * "Errors": the guest doing something wrong is logged and survived). Every
 * device's ports get reserved bits, every access size and unaligned accesses;
 * unassigned ports and MMIO, ROM writes and the top of the address space get
 * the same; then thousands of seeded random accesses with time passing. After
 * each part the VM must still answer and keep a CMOS byte.
 */
#include "libqtest.h"

#define CMOS_INDEX      0x70
#define CMOS_DATA       0x71
#define CMOS_SCRATCH    0x5f
#define PM_BASE         0x600
#define PM1_CNT_HI      (PM_BASE + 0x05) /* SLP_EN is bit 5 of this byte */
#define SLP_EN_HI       0x20
#define RANDOM_SEED     0x7e57
#define RANDOM_ACCESSES 4000
#define CLOCK_EVERY     64
#define CLOCK_STEP_NS   250000

#define EXTRA_DEVICES "-device pc-testdev -device pci-testdev,addr=0x6"

/* Port ranges of the machine's devices (and the test devices above). */
static const struct {
    uint16_t base, len;
} port_ranges[] = {
    {0x60, 1},     {0x64, 1},    /* i8042 */
    {0x70, 2},                   /* RTC/CMOS */
    {0x80, 1},     {0x92, 1},    /* POST, port 92 */
    {0xe0, 12},    {0x2000, 24}, /* pc-testdev */
    {0x2f8, 8},    {0x3f8, 8},   /* COM2, COM1 */
    {0x600, 0x40},               /* PIIX4 PM */
    {0xcf8, 8},                  /* PCI configuration, 0xCF9 reset control */
    {0x1f0, 8},    {0x3f0, 8},   /* nothing: unassigned */
    {0xfff8, 8},                 /* the top of the I/O space */
};

static const uint64_t mmio_addrs[] = {
    0xa0000,               /* VGA hole */
    0xc0000,               /* option ROM area */
    0xfffe0000,            /* BIOS ROM */
    0xe0000000,            /* PCI window, nothing mapped */
    0xfebffffc,            /* end of the PCI window */
    0xfec00000,            /* IOAPIC page */
    0xfee00000,            /* local APIC page */
    0xff000000,            /* pc-testdev MMIO */
    0xff00fffd,            /* its last bytes, unaligned */
    0x100000000ULL,        /* above 4 GiB, no RAM there with 128 MiB */
    0xfffffffffffffff8ULL, /* the top of the address space */
    0xffffffffffffffffULL,
};

static const uint32_t patterns[] = {0, 0xffffffff, 0xa5a5a5a5, 0x5a5a5a5a, 0x80000001};

/* Never let a write power the machine off: the test would lose its VM. */
static uint32_t tame(uint16_t port, unsigned size, uint32_t val)
{
    for (unsigned i = 0; i < size; i++) {
        if ((uint16_t)(port + i) == PM1_CNT_HI) {
            val &= ~((uint32_t)SLP_EN_HI << (8 * i));
        }
    }
    return val;
}

static void port_access(QTestState *s, uint16_t port, unsigned size, bool write, uint32_t val)
{
    if (write) {
        val = tame(port, size, val);
    }
    switch (size) {
    case 1:
        write ? qtest_outb(s, port, val) : (void)qtest_inb(s, port);
        break;
    case 2:
        write ? qtest_outw(s, port, val) : (void)qtest_inw(s, port);
        break;
    default:
        write ? qtest_outl(s, port, val) : (void)qtest_inl(s, port);
        break;
    }
}

static void mem_access(QTestState *s, uint64_t addr, unsigned size, bool write, uint64_t val)
{
    switch (size) {
    case 1:
        write ? qtest_writeb(s, addr, val) : (void)qtest_readb(s, addr);
        break;
    case 2:
        write ? qtest_writew(s, addr, val) : (void)qtest_readw(s, addr);
        break;
    case 4:
        write ? qtest_writel(s, addr, val) : (void)qtest_readl(s, addr);
        break;
    default:
        write ? qtest_writeq(s, addr, val) : (void)qtest_readq(s, addr);
        break;
    }
}

/* The VM answers and its CMOS RAM still holds a byte. */
static void assert_alive(QTestState *s, uint8_t v)
{
    qtest_outb(s, CMOS_INDEX, CMOS_SCRATCH);
    qtest_outb(s, CMOS_DATA, v);
    qtest_outb(s, CMOS_INDEX, CMOS_SCRATCH);
    g_assert_cmphex(qtest_inb(s, CMOS_DATA), ==, v);
}

static void test_every_port(void)
{
    QTestState *s = qtest_init(EXTRA_DEVICES);

    for (size_t r = 0; r < G_N_ELEMENTS(port_ranges); r++) {
        for (unsigned off = 0; off < port_ranges[r].len; off++) {
            uint16_t port = port_ranges[r].base + off;

            for (unsigned size = 1; size <= 4; size *= 2) {
                port_access(s, port, size, false, 0);
                for (size_t p = 0; p < G_N_ELEMENTS(patterns); p++) {
                    port_access(s, port, size, true, patterns[p]);
                    port_access(s, port, size, false, 0);
                }
            }
        }
        assert_alive(s, (uint8_t)r);
    }
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static void test_mmio_and_rom(void)
{
    QTestState *s = qtest_init(EXTRA_DEVICES);
    uint32_t rom = qtest_readl(s, 0xfffffff0);

    for (size_t a = 0; a < G_N_ELEMENTS(mmio_addrs); a++) {
        for (unsigned size = 1; size <= 8; size *= 2) {
            mem_access(s, mmio_addrs[a], size, false, 0);
            mem_access(s, mmio_addrs[a], size, true, 0xdeadbeefcafef00dULL);
            mem_access(s, mmio_addrs[a] + 1, size, true, 0x0123456789abcdefULL);
            mem_access(s, mmio_addrs[a] + 1, size, false, 0);
        }
    }
    /* Unassigned reads float high; the reset vector's ROM ignores writes. */
    g_assert_cmphex(qtest_readl(s, 0xe0000000), ==, 0xffffffff);
    qtest_writel(s, 0xfffffff0, ~rom);
    g_assert_cmphex(qtest_readl(s, 0xfffffff0), ==, rom);
    assert_alive(s, 0x3c);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* Seeded random port and MMIO traffic over every device, with virtual time passing. */
static void test_random(void)
{
    QTestState *s = qtest_init(EXTRA_DEVICES);
    GRand *rand = g_rand_new_with_seed(RANDOM_SEED);

    for (int i = 0; i < RANDOM_ACCESSES; i++) {
        unsigned size = 1u << g_rand_int_range(rand, 0, 3);
        bool write = g_rand_boolean(rand);
        uint32_t val = g_rand_int(rand);

        if (g_rand_int_range(rand, 0, 8)) {
            size_t r = g_rand_int_range(rand, 0, G_N_ELEMENTS(port_ranges));
            uint16_t port = port_ranges[r].base + g_rand_int_range(rand, 0, port_ranges[r].len);

            port_access(s, port, size, write, val);
        } else {
            size_t a = g_rand_int_range(rand, 0, G_N_ELEMENTS(mmio_addrs));

            mem_access(s, mmio_addrs[a] + g_rand_int_range(rand, 0, 4), size * 2, write, val);
        }
        if (i % CLOCK_EVERY == 0) {
            qtest_clock_step(s, CLOCK_STEP_NS);
        }
    }
    g_rand_free(rand);
    assert_alive(s, 0xc3);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/badprog/every-port", test_every_port);
    g_test_add_func("/badprog/mmio-and-rom", test_mmio_and_rom);
    g_test_add_func("/badprog/random", test_random);
    return g_test_run();
}
