/*
 * test-hw-ioapic.c: the I/O APIC at 0xFEC00000 with two local APICs behind
 * it: IOREGSEL/IOWIN registers, redirection entries, edge and level pins,
 * masking, Remote IRR and the LAPIC's EOI broadcast (and the EOI register),
 * destinations and delivery modes, and the PC wiring of 24 GSIs to the 8259
 * pair and the IOAPIC (pc_irqchip_create), plus bad programming.
 */
#include "hw-test.h"
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/timer/i8254.h"
#include "qemu/trace.h"

#define IOREGSEL        0x00
#define IOWIN           0x10
#define IOEOI           0x40
#define REG_ID          0x00
#define REG_VER         0x01
#define REG_ARB         0x02
#define REDTBL(pin, hi) (0x10 + (pin)*2 + (hi))

#define RTE_LOGICAL    (1u << 11)
#define RTE_REMOTE_IRR (1u << 14)
#define RTE_LEVEL      (1u << 15)
#define RTE_MASKED     (1u << 16)
#define DM(x)          ((x) << 8)

#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_LDR 0x0d0
#define LAPIC_TPR 0x080

static IOAPICState *ioapic;
static qemu_irq *pin;
static APICState *apic[2];
static APICState *cur;
static int nmis[2];

static void cpu_nmi(void *opaque)
{
    nmis[(intptr_t)opaque]++;
}

static const APICCPUOps cpu_ops = {
    .nmi = cpu_nmi,
};

static APICState *current_apic(void)
{
    return cur;
}

static void mmio_writel(hwaddr addr, uint32_t v)
{
    address_space_stl_le(address_space_memory(), addr, v, MEMTXATTRS_UNSPECIFIED, NULL);
}

static uint32_t mmio_readl(hwaddr addr)
{
    return address_space_ldl_le(address_space_memory(), addr, MEMTXATTRS_UNSPECIFIED, NULL);
}

static uint32_t io_read(uint32_t reg)
{
    mmio_writel(IOAPIC_DEFAULT_BASE + IOREGSEL, reg);
    return mmio_readl(IOAPIC_DEFAULT_BASE + IOWIN);
}

static void io_write(uint32_t reg, uint32_t v)
{
    mmio_writel(IOAPIC_DEFAULT_BASE + IOREGSEL, reg);
    mmio_writel(IOAPIC_DEFAULT_BASE + IOWIN, v);
}

static void set_rte(int p, uint32_t lo, uint8_t dest)
{
    io_write(REDTBL(p, 1), (uint32_t)dest << 24);
    io_write(REDTBL(p, 0), lo);
}

static void lapic_write(int n, uint32_t off, uint32_t v)
{
    cur = apic[n];
    mmio_writel(APIC_DEFAULT_BASE + off, v);
}

static void eoi(int n)
{
    lapic_write(n, LAPIC_EOI, 0);
}

static bool irr_has(int n, int v)
{
    APICRegs r;

    apic_get_regs(apic[n], &r);
    return r.irr[v >> 5] & (1u << (v & 31));
}

static void take(int n, int vector)
{
    g_assert_true(apic_has_interrupt(apic[n]));
    g_assert_cmpint(apic_get_interrupt(apic[n]), ==, vector);
}

static void setup_apics(void)
{
    memset(nmis, 0, sizeof(nmis));
    for (int i = 0; i < 2; i++) {
        apic[i] = apic_create(i, i == 0);
        apic_set_cpu_ops(apic[i], &cpu_ops, (void *)(intptr_t)i);
        lapic_write(i, LAPIC_SVR, 0x1ff);
    }
    apic_set_current_fn(current_apic);
}

static void setup(void)
{
    setup_apics();
    ioapic = (IOAPICState *)hwt_create(TYPE_IOAPIC, NULL);
    pin = ioapic_get_irqs(ioapic);
}

static void teardown_apics(void)
{
    for (int i = 0; i < 2; i++) {
        qdev_unref((DeviceState *)apic[i]);
    }
    cur = NULL;
}

static void teardown(void)
{
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        qemu_set_irq(pin[i], 0);
    }
    qdev_unref((DeviceState *)ioapic);
    teardown_apics();
}

static void test_registers(void)
{
    setup();
    g_assert_cmphex(io_read(REG_VER), ==, 0x00170020);
    g_assert_cmphex(io_read(REG_ID), ==, 0);
    io_write(REG_ID, 0x0a000000);
    g_assert_cmphex(io_read(REG_ID), ==, 0x0a000000);
    g_assert_cmphex(io_read(REG_ARB), ==, 0x0a000000);
    io_write(REG_VER, 0); /* read-only */
    g_assert_cmphex(io_read(REG_VER), ==, 0x00170020);
    g_assert_cmphex(mmio_readl(IOAPIC_DEFAULT_BASE + IOREGSEL), ==, REG_VER);
    for (int p = 0; p < IOAPIC_NUM_PINS; p++) {
        g_assert_cmphex(io_read(REDTBL(p, 0)), ==, RTE_MASKED);
        g_assert_cmphex(io_read(REDTBL(p, 1)), ==, 0);
    }
    /* Every writable bit, and the read-only ones (delivery status, remote IRR) stay 0. */
    io_write(REDTBL(23, 0), 0xffffffff);
    io_write(REDTBL(23, 1), 0xffffffff);
    g_assert_cmphex(io_read(REDTBL(23, 0)), ==, 0x1afff);
    g_assert_cmphex(io_read(REDTBL(23, 1)), ==, 0xff000000);
    g_assert_cmphex(ioapic_get_redirection(ioapic, 23), ==, 0xff0000000001afffull);
    /* Past the table: logged, reads 0. */
    g_assert_cmphex(io_read(REDTBL(24, 0)), ==, 0);
    g_assert_cmphex(io_read(0x03), ==, 0);
    qdev_reset_all();
    g_assert_cmphex(io_read(REDTBL(23, 0)), ==, RTE_MASKED);
    g_assert_cmphex(io_read(REG_ID), ==, 0);
    teardown();
}

/* version=0x11: the 82093AA as KVM's in-kernel IOAPIC reports it, without the EOI register. */
static void test_version_11(void)
{
    const char *props[] = {"version", "0x11", NULL};
    DeviceState *bad = qdev_new(TYPE_IOAPIC);
    GError *err = NULL;

    g_assert_true(qdev_prop_parse(bad, "version", "0x12", &err));
    g_assert_false(qdev_realize(bad, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    qdev_unref(bad);

    setup_apics();
    ioapic = (IOAPICState *)hwt_create(TYPE_IOAPIC, props);
    pin = ioapic_get_irqs(ioapic);
    g_assert_cmphex(io_read(REG_VER), ==, 0x00170011);
    set_rte(3, 0x43 | RTE_LEVEL, 0);
    qemu_irq_raise(pin[3]);
    take(0, 0x43);
    qemu_irq_lower(pin[3]);
    mmio_writel(IOAPIC_DEFAULT_BASE + IOEOI, 0x43); /* no such register: logged */
    g_assert_cmphex(io_read(REDTBL(3, 0)) & RTE_REMOTE_IRR, ==, RTE_REMOTE_IRR);
    eoi(0);
    g_assert_cmphex(io_read(REDTBL(3, 0)) & RTE_REMOTE_IRR, ==, 0);
    teardown();
}

static void test_edge(void)
{
    setup();
    set_rte(4, 0x34, 1);
    qemu_irq_raise(pin[4]);
    take(1, 0x34);
    g_assert_false(irr_has(0, 0x34));
    qemu_irq_raise(pin[4]); /* no new edge */
    g_assert_false(irr_has(1, 0x34));
    eoi(1);
    g_assert_false(apic_has_interrupt(apic[1]));
    qemu_irq_lower(pin[4]);
    qemu_irq_raise(pin[4]);
    take(1, 0x34);
    eoi(1);
    g_assert_cmphex(io_read(REDTBL(4, 0)) & RTE_REMOTE_IRR, ==, 0);
    /* An edge on a masked pin is lost. */
    qemu_irq_lower(pin[4]);
    set_rte(4, 0x34 | RTE_MASKED, 1);
    qemu_irq_pulse(pin[4]);
    set_rte(4, 0x34, 1);
    g_assert_false(apic_has_interrupt(apic[1]));
    teardown();
}

static void test_level_remote_irr(void)
{
    setup();
    set_rte(9, 0x59 | RTE_LEVEL, 0);
    qemu_irq_raise(pin[9]);
    g_assert_cmphex(io_read(REDTBL(9, 0)) & RTE_REMOTE_IRR, ==, RTE_REMOTE_IRR);
    take(0, 0x59);
    /* Still asserted: the EOI broadcast clears Remote IRR and the pin sends again. */
    eoi(0);
    g_assert_cmphex(io_read(REDTBL(9, 0)) & RTE_REMOTE_IRR, ==, RTE_REMOTE_IRR);
    take(0, 0x59);
    qemu_irq_lower(pin[9]);
    eoi(0);
    g_assert_cmphex(io_read(REDTBL(9, 0)) & RTE_REMOTE_IRR, ==, 0);
    g_assert_false(apic_has_interrupt(apic[0]));
    /* Remote IRR holds further messages: lower and raise before the EOI. */
    qemu_irq_raise(pin[9]);
    take(0, 0x59);
    qemu_irq_lower(pin[9]);
    qemu_irq_raise(pin[9]);
    g_assert_false(irr_has(0, 0x59));
    eoi(0);
    take(0, 0x59);
    /* The EOI register does what the broadcast does. */
    qemu_irq_lower(pin[9]);
    mmio_writel(IOAPIC_DEFAULT_BASE + IOEOI, 0x59);
    g_assert_cmphex(io_read(REDTBL(9, 0)) & RTE_REMOTE_IRR, ==, 0);
    eoi(0);
    /* A masked, asserted level pin sends when unmasked. */
    set_rte(10, 0x5a | RTE_LEVEL | RTE_MASKED, 0);
    qemu_irq_raise(pin[10]);
    g_assert_false(apic_has_interrupt(apic[0]));
    set_rte(10, 0x5a | RTE_LEVEL, 0);
    take(0, 0x5a);
    qemu_irq_lower(pin[10]);
    eoi(0);
    /* An EOI for another vector leaves Remote IRR alone. */
    qemu_irq_raise(pin[10]);
    mmio_writel(IOAPIC_DEFAULT_BASE + IOEOI, 0x42);
    g_assert_cmphex(io_read(REDTBL(10, 0)) & RTE_REMOTE_IRR, ==, RTE_REMOTE_IRR);
    /* Switching the entry to edge drops Remote IRR. */
    set_rte(10, 0x5a, 0);
    g_assert_cmphex(io_read(REDTBL(10, 0)) & RTE_REMOTE_IRR, ==, 0);
    teardown();
}

static void test_destinations_and_modes(void)
{
    setup();
    /* Logical flat: LDR bits. */
    lapic_write(0, LAPIC_LDR, 0x01000000);
    lapic_write(1, LAPIC_LDR, 0x02000000);
    set_rte(5, 0x65 | RTE_LOGICAL, 0x03);
    qemu_irq_pulse(pin[5]);
    take(0, 0x65);
    take(1, 0x65);
    eoi(0);
    eoi(1);
    /* Lowest priority: the lower TPR wins. */
    lapic_write(0, LAPIC_TPR, 0x30);
    set_rte(6, 0x66 | RTE_LOGICAL | DM(APIC_DM_LOWEST), 0x03);
    qemu_irq_pulse(pin[6]);
    g_assert_true(irr_has(1, 0x66));
    g_assert_false(irr_has(0, 0x66));
    /* Physical broadcast. */
    set_rte(7, 0x67, 0xff);
    qemu_irq_pulse(pin[7]);
    g_assert_true(irr_has(0, 0x67));
    g_assert_true(irr_has(1, 0x67));
    /* NMI. */
    set_rte(8, DM(APIC_DM_NMI), 1);
    qemu_irq_pulse(pin[8]);
    g_assert_cmpint(nmis[1], ==, 1);
    /* Level with NMI delivery: logged, sent once per edge. */
    set_rte(8, DM(APIC_DM_NMI) | RTE_LEVEL, 1);
    qemu_irq_raise(pin[8]);
    qemu_irq_raise(pin[8]);
    g_assert_cmpint(nmis[1], ==, 2);
    qemu_irq_lower(pin[8]);
    /* SMI is not emulated: logged and dropped. */
    set_rte(11, DM(APIC_DM_SMI), 0);
    qemu_irq_pulse(pin[11]);
    teardown();
}

static void test_pc_wiring(void)
{
    I8259State *pic;
    IOAPICState *io;
    qemu_irq *gsi;

    setup_apics();
    gsi = pc_irqchip_create(0, &pic, &io);
    ioapic = io;
    pin = ioapic_get_irqs(io);
    g_assert_true(i8259_get() == pic);
    /* PIC at 0x08/0x70 as a BIOS leaves it. */
    outb(0x20, 0x11);
    outb(0x21, 0x08);
    outb(0x21, 0x04);
    outb(0x21, 0x01);
    outb(0xa0, 0x11);
    outb(0xa1, 0x70);
    outb(0xa1, 0x02);
    outb(0xa1, 0x01);
    /* GSI 0 (the PIT) -> PIC IR0 (ExtINT through LINT0 of the BSP) and IOAPIC pin 2. */
    set_rte(2, 0x30, 1);
    qemu_irq_raise(gsi[0]);
    take(0, 0x08);
    take(1, 0x30);
    qemu_irq_lower(gsi[0]);
    outb(0x20, 0x20);
    eoi(1);
    /* GSI 2 reaches nothing. */
    set_rte(2, 0x30 | RTE_MASKED, 1);
    set_rte(0, 0x31, 1);
    qemu_irq_pulse(gsi[2]);
    g_assert_false(apic_has_interrupt(apic[0]));
    g_assert_false(apic_has_interrupt(apic[1]));
    /* GSI 9 (the SCI, level): PIC slave IR1 with ELCR, and IOAPIC pin 9. */
    outb(0x4d1, 0x02);
    set_rte(9, 0x39 | RTE_LEVEL, 1);
    qemu_irq_raise(gsi[9]);
    take(0, 0x71);
    take(1, 0x39);
    qemu_irq_lower(gsi[9]);
    eoi(1);
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
    /* GSI 16-23 (PCI) reach only the IOAPIC. */
    set_rte(17, 0x41 | RTE_LEVEL, 0);
    lapic_write(0, LAPIC_SVR, 0x1ff);
    qemu_irq_raise(gsi[17]);
    take(0, 0x41);
    qemu_irq_lower(gsi[17]);
    eoi(0);
    g_assert_false(apic_has_interrupt(apic[0]));
    qemu_free_irqs(gsi, IOAPIC_NUM_PINS);
    apic_set_extint_ack(NULL, NULL);
    i8259_set_intr_out(pic, NULL);
    qemu_set_irq(apic_get_pic_intr_line(), 0);
    qdev_unref((DeviceState *)pic);
    teardown();
}

/* The BSP takes every pending interrupt, EOIs it where it came from, and counts by vector. */
static void service(int *counts)
{
    while (apic_has_interrupt(apic[0])) {
        int v = apic_get_interrupt(apic[0]);
        g_assert_cmpint(v, >=, 0);
        counts[v & 0xff]++;
        if (v >= 0x20 && v < 0x30) {
            outb(0x20, 0x20); /* a PIC vector: EOI to the 8259 */
        } else {
            eoi(0);
        }
    }
}

static void pic_init_masked(uint16_t unmasked)
{
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 0x20);
    outb(0xa1, 0x28);
    outb(0x21, 0x04);
    outb(0xa1, 0x02);
    outb(0x21, 0x01);
    outb(0xa1, 0x01);
    outb(0x21, ~unmasked & 0xff);
    outb(0xa1, ~unmasked >> 8);
}

/*
 * What tests/guests/irq.c does, on the manual clock: the PIT at 1 kHz through the 8259
 * (ExtINT via LINT0), then through IOAPIC pin 2, then the LAPIC timer, 10 ticks each.
 */
static void test_guest_irq_flow(void)
{
    static int counts[256];
    I8259State *pic;
    IOAPICState *io;
    DeviceState *pit;
    qemu_irq *gsi;

    setup_apics();
    gsi = pc_irqchip_create(0x11, &pic, &io);
    ioapic = io;
    pin = ioapic_get_irqs(io);
    isa_bus_set_irqs(gsi);
    pit = hwt_create(TYPE_I8254, NULL);
    memset(counts, 0, sizeof(counts));
    lapic_write(0, 0x350, APIC_DM_EXTINT << 8); /* lapic_enable(): LINT0 ExtINT */

    g_assert_cmphex(io_read(REG_VER) & 0xff, ==, 0x11);
    pic_init_masked(1u << 0);
    outb(0x43, 0x34);
    outb(0x40, (PIT_FREQ_HZ / 1000) & 0xff);
    outb(0x40, (PIT_FREQ_HZ / 1000) >> 8);
    for (int ms = 0; ms < 10; ms++) {
        hwt_step(SCALE_MS);
        service(counts);
    }
    g_assert_cmpint(counts[0x20], ==, 10); /* periods of 1193 ticks: 10 end within 11931 */

    pic_init_masked(0);
    set_rte(2, 0x31, 0);
    for (int ms = 0; ms < 10; ms++) {
        hwt_step(SCALE_MS);
        service(counts);
    }
    g_assert_cmpint(counts[0x31], ==, 10);
    g_assert_cmpint(counts[0x20], ==, 10);
    set_rte(2, RTE_MASKED, 0);

    lapic_write(0, 0x3e0, 0xb);
    lapic_write(0, 0x320, 0x30 | (1u << 17));
    lapic_write(0, 0x380, 100000);
    for (int i = 0; i < 10; i++) {
        hwt_step(100000);
        service(counts);
    }
    g_assert_cmpint(counts[0x30], ==, 10);
    lapic_write(0, 0x320, RTE_MASKED);

    qdev_unref(pit);
    isa_bus_set_irqs(hwt_irqs);
    qemu_free_irqs(gsi, IOAPIC_NUM_PINS);
    apic_set_extint_ack(NULL, NULL);
    i8259_set_intr_out(pic, NULL);
    qemu_set_irq(apic_get_pic_intr_line(), 0);
    qdev_unref((DeviceState *)pic);
    teardown();
}

static void test_bad_programming(void)
{
    GRand *rnd = g_rand_new_with_seed(82093);

    setup();
    g_assert_cmpint(trace_enable_events("ioapic_*", true), ==, 5); /* to the log: /dev/null */
    /* Narrow and odd accesses. */
    address_space_stb(address_space_memory(), IOAPIC_DEFAULT_BASE + IOWIN, 0xff,
                      MEMTXATTRS_UNSPECIFIED, NULL);
    (void)address_space_lduw_le(address_space_memory(), IOAPIC_DEFAULT_BASE + IOWIN,
                                MEMTXATTRS_UNSPECIFIED, NULL);
    (void)address_space_ldq_le(address_space_memory(), IOAPIC_DEFAULT_BASE + 0x20,
                               MEMTXATTRS_UNSPECIFIED, NULL);
    mmio_writel(IOAPIC_DEFAULT_BASE + 0x80, 1);
    io_write(0x7f, 1);
    for (int i = 0; i < 20000; i++) {
        uint32_t reg = g_rand_int_range(rnd, 0, 0x40);
        int p = g_rand_int_range(rnd, 0, IOAPIC_NUM_PINS);

        if (g_rand_boolean(rnd)) {
            io_write(reg, g_rand_int(rnd));
        } else {
            (void)io_read(reg);
        }
        qemu_set_irq(pin[p], g_rand_boolean(rnd));
        for (int n = 0; n < 2; n++) {
            if (apic_has_interrupt(apic[n])) {
                apic_get_interrupt(apic[n]);
            }
            if (g_rand_boolean(rnd)) {
                eoi(n);
            }
        }
    }
    g_rand_free(rnd);
    trace_enable_events("ioapic_*", false);
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hwt_init();
    g_test_add_func("/ioapic/registers", test_registers);
    g_test_add_func("/ioapic/version-0x11", test_version_11);
    g_test_add_func("/ioapic/edge", test_edge);
    g_test_add_func("/ioapic/level-remote-irr", test_level_remote_irr);
    g_test_add_func("/ioapic/destinations-modes", test_destinations_and_modes);
    g_test_add_func("/ioapic/pc-wiring", test_pc_wiring);
    g_test_add_func("/ioapic/guest-irq-flow", test_guest_irq_flow);
    g_test_add_func("/ioapic/bad-programming", test_bad_programming);
    return g_test_run();
}
