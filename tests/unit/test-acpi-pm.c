/*
 * test-acpi-pm.c: the PIIX4 PM function as the guest's ACPI driver uses it:
 * the PM I/O block placed by PMBA/PMIOSE, the PM timer on the manual virtual
 * clock with TMR_STS and its SCI, the power button, SCI_EN, SLP_EN into S5
 * (shutdown with status 0), unsupported sleep types, and 0xCF9 resets.
 */
#include "hw-test.h"
#include "hw/pci/pci.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/piix.h"
#include "hw/acpi/piix4.h"

#define PM  0x600
#define SCI PIIX4_PM_SCI_IRQ

static MemoryRegion pci_mem;
static PCIBus *bus;
static PIIX4PMState *pm;

static void setup(void)
{
    hwt_init();
    memory_region_init(&pci_mem, "pci-memory", 4 * GiB);
    memory_region_add_subregion_overlap(get_system_memory(), 0, &pci_mem, -1);
    bus = i440fx_init(&pci_mem, get_system_io());
    piix3_create(bus);
    pm = piix4_pm_create(bus, isa_get_irq(SCI));
    piix4_pm_firmware_init(pm, PM);
    qemu_register_powerdown_handler(piix4_pm_powerdown_handler, pm);
}

static uint32_t cfg_readl(unsigned reg)
{
    outl(PCI_HOST_CONFIG_ADDR, PCI_CONFIG_ADDR_ENABLE | (PIIX4_PM_DEVFN << 8) | reg);
    return inl(PCI_HOST_CONFIG_DATA);
}

static void cfg_writel(unsigned reg, uint32_t v)
{
    outl(PCI_HOST_CONFIG_ADDR, PCI_CONFIG_ADDR_ENABLE | (PIIX4_PM_DEVFN << 8) | reg);
    outl(PCI_HOST_CONFIG_DATA, v);
}

/* Back to the state firmware left, and no request pending. */
static void reset_all(void)
{
    int status;

    qdev_reset_all();
    (void)main_loop_should_exit(&status);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 0);
}

/* Expected PM timer value at virtual time ns. */
static uint32_t ticks_at(int64_t ns)
{
    return (uint32_t)(((unsigned __int128)ns * PM_TIMER_FREQUENCY) / NANOSECONDS_PER_SECOND) &
           PM_TIMER_MASK;
}

static uint64_t full_ticks(int64_t ns)
{
    return ((unsigned __int128)ns * PM_TIMER_FREQUENCY) / NANOSECONDS_PER_SECOND;
}

/* The first virtual time at which the count reaches t. */
static int64_t ns_for_ticks(uint64_t t)
{
    return ((unsigned __int128)t * NANOSECONDS_PER_SECOND + PM_TIMER_FREQUENCY - 1) /
           PM_TIMER_FREQUENCY;
}

static void test_pm_base(void)
{
    /* Firmware init: PMBA 0x600 (bit 0 reads 1: I/O space), PMIOSE on, ACPI mode on. */
    g_assert_cmphex(cfg_readl(PIIX4_PMBA), ==, PM | 1);
    g_assert_cmphex(cfg_readl(PIIX4_PMREGMISC) & PIIX4_PMREGMISC_PMIOSE, ==, 1);
    g_assert_cmphex(inw(PM + ACPI_PM1_CNT), ==, ACPI_PM1_CNT_SCI_EN);

    /* Moving the block: only bits 15:6 of PMBA are writable. */
    cfg_writel(PIIX4_PMBA, 0xb03f);
    g_assert_cmphex(cfg_readl(PIIX4_PMBA), ==, 0xb001);
    g_assert_cmphex(inw(PM + ACPI_PM1_CNT), ==, 0xffff);
    g_assert_cmphex(inw(0xb000 + ACPI_PM1_CNT), ==, ACPI_PM1_CNT_SCI_EN);

    /* PMIOSE off: the block is gone. */
    cfg_writel(PIIX4_PMREGMISC, 0);
    g_assert_cmphex(inw(0xb000 + ACPI_PM1_CNT), ==, 0xffff);
    cfg_writel(PIIX4_PMREGMISC, PIIX4_PMREGMISC_PMIOSE);
    g_assert_cmphex(inw(0xb000 + ACPI_PM1_CNT), ==, ACPI_PM1_CNT_SCI_EN);

    /* A reset returns to what firmware set up. */
    reset_all();
    g_assert_cmphex(cfg_readl(PIIX4_PMBA), ==, PM | 1);
    g_assert_cmphex(inw(PM + ACPI_PM1_CNT), ==, ACPI_PM1_CNT_SCI_EN);
    g_assert_cmphex(inw(0xb000 + ACPI_PM1_CNT), ==, 0xffff);
}

static void test_pm_timer(void)
{
    int64_t t0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    uint32_t v0 = inl(PM + ACPI_PM_TMR), v1;

    g_assert_cmphex(v0, ==, ticks_at(t0));
    hwt_step(NANOSECONDS_PER_SECOND);
    v1 = inl(PM + ACPI_PM_TMR);
    g_assert_cmphex(v1, ==, ticks_at(t0 + NANOSECONDS_PER_SECOND));
    /* One second is 3579545 ticks (give or take the rounding of the start). */
    g_assert_cmpint((v1 - v0) & PM_TIMER_MASK, >=, PM_TIMER_FREQUENCY - 1);
    g_assert_cmpint((v1 - v0) & PM_TIMER_MASK, <=, PM_TIMER_FREQUENCY + 1);
    g_assert_cmphex(v1 >> 24, ==, 0); /* 24 bits */
    /* Narrow reads see the same counter; it does not move without the clock. */
    g_assert_cmphex(inw(PM + ACPI_PM_TMR), ==, v1 & 0xffff);
    g_assert_cmphex(inb(PM + ACPI_PM_TMR + 2), ==, (v1 >> 16) & 0xff);
    /* It is read-only. */
    outl(PM + ACPI_PM_TMR, 0);
    g_assert_cmphex(inl(PM + ACPI_PM_TMR), ==, v1);
}

static void test_timer_overflow_sci(void)
{
    int64_t now, next;
    uint32_t ticks;

    reset_all();
    outw(PM + ACPI_PM1_STS, 0xffff);
    g_assert_cmphex(inw(PM + ACPI_PM1_STS), ==, 0);

    /* Just before bit 23 changes: nothing; past it: TMR_STS. */
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    ticks = ticks_at(now);
    next = ns_for_ticks((full_ticks(now) | 0x7fffff) + 1);
    hwt_step(next - now - 1000);
    g_assert_cmphex(inw(PM + ACPI_PM1_STS) & ACPI_PM1_TMR_STS, ==, 0);

    /* With TMR_EN the timer raises the SCI when the bit changes. */
    outw(PM + ACPI_PM1_EN, ACPI_PM1_TMR_EN);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 0);
    hwt_step(2000);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 1);
    g_assert_cmphex(inw(PM + ACPI_PM1_STS), ==, ACPI_PM1_TMR_STS);
    g_assert_cmphex((inl(PM + ACPI_PM_TMR) ^ ticks) & 0x800000, !=, 0);

    /* Writing 1 clears it and lowers the SCI; writing 0 does not. */
    outw(PM + ACPI_PM1_STS, 0);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 1);
    outw(PM + ACPI_PM1_STS, ACPI_PM1_TMR_STS);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 0);

    /* The next change comes 2^23 ticks (~2.34 s) later. */
    hwt_step(2 * NANOSECONDS_PER_SECOND);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 0);
    hwt_step(NANOSECONDS_PER_SECOND);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 1);

    /* Disabling the event lowers the SCI; the status stays. */
    outw(PM + ACPI_PM1_EN, 0);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 0);
    g_assert_cmphex(inw(PM + ACPI_PM1_STS), ==, ACPI_PM1_TMR_STS);

    /* Without TMR_EN no timer runs, yet the status is still kept up to date. */
    outw(PM + ACPI_PM1_STS, ACPI_PM1_TMR_STS);
    hwt_step(5 * NANOSECONDS_PER_SECOND);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 0);
    g_assert_cmphex(inw(PM + ACPI_PM1_STS), ==, ACPI_PM1_TMR_STS);
    reset_all();
}

static void test_power_button(void)
{
    int status;

    reset_all();
    /* Pressed while disabled: the status is latched, no SCI. */
    piix4_pm_power_button(pm);
    g_assert_cmphex(inw(PM + ACPI_PM1_STS), ==, ACPI_PM1_PWRBTN_STS);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 0);
    /* Enabling it raises the SCI at once. */
    outw(PM + ACPI_PM1_EN, ACPI_PM1_PWRBTN_EN);
    g_assert_cmphex(inw(PM + ACPI_PM1_EN), ==, ACPI_PM1_PWRBTN_EN);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 1);
    /* The OS acknowledges with a 1 in the status bit, byte-wide here. */
    outb(PM + ACPI_PM1_STS + 1, ACPI_PM1_PWRBTN_STS >> 8);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 0);
    g_assert_cmphex(inw(PM + ACPI_PM1_STS), ==, 0);

    /* Through the run-state request, as the monitor's system_powerdown does. */
    hwt_irq_clear_counts();
    qemu_system_powerdown_request();
    g_assert_false(main_loop_should_exit(&status));
    g_assert_cmpint(hwt_irq_raises[SCI], ==, 1);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 1);

    /* SCI_EN clear (legacy mode): events latch but raise no SCI. */
    outw(PM + ACPI_PM1_CNT, 0);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 0);
    outw(PM + ACPI_PM1_CNT, ACPI_PM1_CNT_SCI_EN);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 1);
    reset_all();
    g_assert_cmphex(inw(PM + ACPI_PM1_STS), ==, 0);
    g_assert_cmphex(inw(PM + ACPI_PM1_EN), ==, 0);
}

static void test_gpe_block(void)
{
    reset_all();
    outw(PM + ACPI_GPE0_EN, 0x00ff);
    g_assert_cmphex(inw(PM + ACPI_GPE0_EN), ==, 0x00ff);
    g_assert_cmphex(inw(PM + ACPI_GPE0_STS), ==, 0);
    g_assert_cmpint(hwt_irq_level[SCI], ==, 0);
    /* Registers past the GPE block are not implemented: read 0, writes ignored. */
    outl(PM + 0x10, 0xffffffff);
    g_assert_cmphex(inl(PM + 0x10), ==, 0);
    reset_all();
}

static void test_s5_shutdown(void)
{
    int status = -1;

    reset_all();
    g_assert_false(qemu_shutdown_requested(NULL));
    /* Writing SLP_TYP without SLP_EN does nothing. */
    outw(PM + ACPI_PM1_CNT, ACPI_PM1_CNT_SCI_EN | (PIIX4_SLP_TYP_S5 << 10));
    g_assert_false(qemu_shutdown_requested(NULL));
    /* What Linux does for poweroff: SLP_TYP from \_S5, then SLP_EN. */
    outw(PM + ACPI_PM1_CNT, ACPI_PM1_CNT_SCI_EN | (PIIX4_SLP_TYP_S5 << 10) | ACPI_PM1_CNT_SLP_EN);
    g_assert_true(qemu_shutdown_requested(&status));
    g_assert_cmpint(status, ==, 0);
    g_assert_true(main_loop_should_exit(&status));
    g_assert_cmpint(status, ==, 0);
    /* SLP_EN reads back 0. */
    g_assert_cmphex(inw(PM + ACPI_PM1_CNT) & ACPI_PM1_CNT_SLP_EN, ==, 0);

    /* A byte write of the high half (SLP_EN | SLP_TYP 0) works too. */
    outb(PM + ACPI_PM1_CNT + 1, ACPI_PM1_CNT_SLP_EN >> 8);
    g_assert_true(main_loop_should_exit(&status));
    g_assert_cmpint(status, ==, 0);
    g_assert_cmphex(inw(PM + ACPI_PM1_CNT), ==, ACPI_PM1_CNT_SCI_EN); /* low byte kept */

    /* S3 (suspend to RAM) is not supported: logged, the VM goes on. */
    outw(PM + ACPI_PM1_CNT, (PIIX4_SLP_TYP_S3 << 10) | ACPI_PM1_CNT_SLP_EN);
    g_assert_false(qemu_shutdown_requested(NULL));
    reset_all();
}

static void test_reset_port(void)
{
    reset_all();
    g_assert_cmpint(hwt_take_resets(), ==, 0);
    outb(PIIX_RCR_IOPORT, 0x02); /* select hard reset only */
    g_assert_cmpint(hwt_take_resets(), ==, 0);
    outb(PIIX_RCR_IOPORT, 0x06); /* the FADT's RESET_VALUE */
    g_assert_cmpint(hwt_take_resets(), ==, 1);
    outb(PIIX_RCR_IOPORT, 0x04); /* soft reset: also a machine reset here */
    g_assert_cmpint(hwt_take_resets(), ==, 1);
    /* Word and dword cycles at 0xCF8..0xCFB do not touch 0xCF9. */
    outw(PIIX_RCR_IOPORT - 1, 0x0600);
    g_assert_cmpint(hwt_take_resets(), ==, 0);
    reset_all();
}

static void test_bad_accesses(void)
{
    reset_all();
    /* Odd sizes and offsets inside the block neither crash nor change state. */
    outl(PM + ACPI_PM1_STS + 1, 0xffffffff); /* unaligned: rejected or split */
    outw(PM + PIIX4_PM_IO_SIZE - 1, 0xffff);
    (void)inl(PM + PIIX4_PM_IO_SIZE - 2);
    (void)inb(PM + 0x3f);
    g_assert_false(qemu_shutdown_requested(NULL));
    g_assert_cmpint(hwt_irq_level[SCI], ==, 0);
    reset_all();
}

/* Random accesses all over the PM block and its config registers, with time passing. */
static void test_fuzz(void)
{
    static const unsigned sizes[] = {1, 2, 4};
    GRand *rand = g_rand_new_with_seed(0xac91);
    int status;

    reset_all();
    for (int i = 0; i < 20000; i++) {
        unsigned size = sizes[g_rand_int_range(rand, 0, 3)];
        uint16_t port = PM + g_rand_int_range(rand, 0, PIIX4_PM_IO_SIZE);
        uint32_t val = g_rand_int(rand);

        switch (g_rand_int_range(rand, 0, 8)) {
        case 0:
            hwt_step(g_rand_int_range(rand, 0, 100000000));
            break;
        case 1:
            (void)(size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port));
            break;
        case 2:
            piix4_pm_power_button(pm);
            break;
        default:
            if (size == 1) {
                outb(port, val);
            } else if (size == 2) {
                outw(port, val);
            } else {
                outl(port, val);
            }
        }
        (void)main_loop_should_exit(&status); /* S5 requests, taken and dropped */
    }
    g_rand_free(rand);
    reset_all();
    g_assert_cmphex(inw(PM + ACPI_PM1_STS), ==, 0);
    g_assert_cmphex(inw(PM + ACPI_PM1_EN), ==, 0);
    g_assert_cmphex(inw(PM + ACPI_PM1_CNT), ==, ACPI_PM1_CNT_SCI_EN);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    setup();
    g_test_add_func("/acpi-pm/pm-base", test_pm_base);
    g_test_add_func("/acpi-pm/pm-timer", test_pm_timer);
    g_test_add_func("/acpi-pm/timer-overflow-sci", test_timer_overflow_sci);
    g_test_add_func("/acpi-pm/power-button", test_power_button);
    g_test_add_func("/acpi-pm/gpe-block", test_gpe_block);
    g_test_add_func("/acpi-pm/s5-shutdown", test_s5_shutdown);
    g_test_add_func("/acpi-pm/reset-port", test_reset_port);
    g_test_add_func("/acpi-pm/bad-accesses", test_bad_accesses);
    g_test_add_func("/acpi-pm/fuzz", test_fuzz);
    return g_test_run();
}
