/*
 * test-hw-apic.c: two local APICs (IDs 0 and 1) through the xAPIC page at
 * 0xFEE00000 (the "current CPU" chosen by the test) and the x2APIC MSRs, on
 * the manual virtual clock: registers, acceptance and priority (TPR/PPR,
 * spurious), EOI, the timer in one-shot, periodic and TSC-deadline modes with
 * the divider, IPIs (physical, logical flat/cluster, shorthands, lowest
 * priority, NMI, INIT and SIPI), the error register, software disable, ExtINT
 * from the 8259 through LINT0, and bad programming.
 */
#include "hw-test.h"
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "qemu/trace.h"

#define ID     0x020
#define LVR    0x030
#define TPR    0x080
#define PPR    0x0a0
#define EOI    0x0b0
#define LDR    0x0d0
#define DFR    0x0e0
#define SVR    0x0f0
#define ISR    0x100
#define TMR    0x180
#define IRR    0x200
#define ESR    0x280
#define ICR    0x300
#define ICR2   0x310
#define LVTT   0x320
#define LVT0   0x350
#define LVT1   0x360
#define LVTERR 0x370
#define TMICT  0x380
#define TMCCT  0x390
#define TDCR   0x3e0

#define SVR_ON         0x100
#define LVT_MASKED     0x10000
#define TIMER_PERIODIC (1u << 17)
#define TIMER_TSCDL    (2u << 17)
#define ICR_LOGICAL    (1u << 11)
#define ICR_ASSERT     (1u << 14)
#define ICR_LEVEL      (1u << 15)
#define ICR_SELF       (1u << 18)
#define ICR_ALL        (2u << 18)
#define ICR_OTHERS     (3u << 18)
#define DM(x)          ((x) << 8)

typedef struct FakeCPU {
    int kicks, nmis, inits, sipis;
    int sipi_vector;
} FakeCPU;

static APICState *apic[2];
static FakeCPU cpu[2];
static APICState *cur;

static void cpu_interrupt(void *opaque)
{
    ((FakeCPU *)opaque)->kicks++;
}

static void cpu_nmi(void *opaque)
{
    ((FakeCPU *)opaque)->nmis++;
}

static void cpu_init(void *opaque)
{
    ((FakeCPU *)opaque)->inits++;
}

static void cpu_sipi(void *opaque, uint8_t vector)
{
    FakeCPU *c = opaque;
    c->sipis++;
    c->sipi_vector = vector;
}

static const APICCPUOps cpu_ops = {
    .interrupt = cpu_interrupt,
    .nmi = cpu_nmi,
    .init = cpu_init,
    .sipi = cpu_sipi,
};

static APICState *current_apic(void)
{
    return cur;
}

static uint32_t rd(int n, uint32_t off)
{
    cur = apic[n];
    return address_space_ldl_le(address_space_memory(), APIC_DEFAULT_BASE + off,
                                MEMTXATTRS_UNSPECIFIED, NULL);
}

static void wr(int n, uint32_t off, uint32_t val)
{
    cur = apic[n];
    address_space_stl_le(address_space_memory(), APIC_DEFAULT_BASE + off, val,
                         MEMTXATTRS_UNSPECIFIED, NULL);
}

static int64_t now(void)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static bool irr_has(int n, int v)
{
    return rd(n, IRR + (v >> 5) * 0x10) & (1u << (v & 31));
}

static bool isr_has(int n, int v)
{
    return rd(n, ISR + (v >> 5) * 0x10) & (1u << (v & 31));
}

/* Two APICs, software-enabled with spurious vector 0xff unless asked otherwise. */
static void setup_opt(bool enable)
{
    memset(cpu, 0, sizeof(cpu));
    for (int i = 0; i < 2; i++) {
        apic[i] = apic_create(i, i == 0);
        apic_set_cpu_ops(apic[i], &cpu_ops, &cpu[i]);
        if (enable) {
            wr(i, SVR, SVR_ON | 0xff);
        }
    }
    apic_set_current_fn(current_apic);
}

static void setup(void)
{
    setup_opt(true);
}

static void teardown(void)
{
    for (int i = 0; i < 2; i++) {
        qdev_unref((DeviceState *)apic[i]);
        apic[i] = NULL;
    }
    g_assert_null(apic_find(0));
    cur = NULL;
}

/* Takes the next interrupt as the CPU would and checks its vector. */
static void take(int n, int vector)
{
    g_assert_true(apic_has_interrupt(apic[n]));
    g_assert_cmpint(apic_get_interrupt(apic[n]), ==, vector);
}

static void test_registers(void)
{
    setup_opt(false);
    g_assert_true(apic_find(1) == apic[1]);
    g_assert_cmphex(rd(0, ID), ==, 0x00000000);
    g_assert_cmphex(rd(1, ID), ==, 0x01000000);
    g_assert_cmphex(rd(0, LVR), ==, 0x00050014);
    g_assert_cmphex(rd(1, SVR), ==, 0xff);
    g_assert_cmphex(rd(1, DFR), ==, 0xffffffff);
    g_assert_cmphex(rd(1, LVTT), ==, LVT_MASKED);
    g_assert_cmphex(rd(1, LVT0), ==, LVT_MASKED);
    g_assert_cmphex(rd(0, LVT0), ==, 0x700); /* the BSP's virtual wire */
    g_assert_cmphex(apic_get_base(apic[0]), ==, 0xfee00900);
    g_assert_cmphex(apic_get_base(apic[1]), ==, 0xfee00800);
    /* Software-disabled: LVT writes stay masked. */
    wr(1, LVTT, 0x30);
    g_assert_cmphex(rd(1, LVTT), ==, LVT_MASKED | 0x30);
    wr(1, SVR, SVR_ON | 0x3ff);
    g_assert_cmphex(rd(1, SVR), ==, 0x3ff);
    wr(1, LVTT, 0x30);
    g_assert_cmphex(rd(1, LVTT), ==, 0x30);
    wr(1, TPR, 0x35);
    g_assert_cmphex(rd(1, TPR), ==, 0x35);
    g_assert_cmphex(rd(1, PPR), ==, 0x35);
    g_assert_cmphex(apic_get_tpr(apic[1]), ==, 0x35);
    wr(1, LDR, 0x12345678);
    g_assert_cmphex(rd(1, LDR), ==, 0x12000000);
    wr(1, DFR, 0x0);
    g_assert_cmphex(rd(1, DFR), ==, 0x0fffffff);
    wr(1, ID, 0x05000000);
    g_assert_cmphex(rd(1, ID), ==, 0x05000000);
    g_assert_true(apic_find(5) == apic[1]);
    /* Version is read-only (a write is ignored, as Linux's verify_local_APIC expects, and is
     * no error); offset 0x040 is reserved: illegal register address. */
    wr(1, LVR, 0);
    g_assert_cmphex(rd(1, LVR), ==, 0x00050014);
    wr(1, ESR, 0);
    g_assert_cmphex(rd(1, ESR), ==, 0);
    g_assert_cmphex(rd(1, 0x040), ==, 0);
    g_assert_cmphex(rd(1, ESR), ==, 0);
    wr(1, ESR, 0);
    g_assert_cmphex(rd(1, ESR), ==, 0x80);
    wr(1, ESR, 0);
    g_assert_cmphex(rd(1, ESR), ==, 0);
    /* Reset restores the power-up state. */
    qdev_reset_all();
    g_assert_cmphex(rd(1, ID), ==, 0x01000000);
    g_assert_cmphex(rd(1, SVR), ==, 0xff);
    teardown();
}

static void test_fixed_and_eoi(void)
{
    setup();
    g_assert_false(apic_has_interrupt(apic[1]));
    g_assert_false(apic_interrupt_hint(apic[1]));
    g_assert_cmpint(apic_get_interrupt(apic[1]), ==, -1);
    apic_deliver_irq(1, APIC_DEST_PHYSICAL, APIC_DM_FIXED, 0x41, APIC_TRIGGER_EDGE);
    g_assert_true(apic_interrupt_hint(apic[1]));
    g_assert_false(apic_interrupt_hint(apic[0]));
    g_assert_cmpint(cpu[1].kicks, ==, 1);
    g_assert_cmpint(cpu[0].kicks, ==, 0);
    g_assert_true(irr_has(1, 0x41));
    g_assert_false(apic_has_interrupt(apic[0]));
    take(1, 0x41);
    g_assert_false(irr_has(1, 0x41));
    g_assert_true(isr_has(1, 0x41));
    g_assert_cmphex(rd(1, PPR), ==, 0x40);
    /* Same class waits; a higher class preempts. */
    apic_deliver_irq(1, APIC_DEST_PHYSICAL, APIC_DM_FIXED, 0x45, APIC_TRIGGER_EDGE);
    g_assert_false(apic_has_interrupt(apic[1]));
    apic_deliver_irq(1, APIC_DEST_PHYSICAL, APIC_DM_FIXED, 0x80, APIC_TRIGGER_EDGE);
    take(1, 0x80);
    g_assert_cmphex(rd(1, PPR), ==, 0x80);
    wr(1, EOI, 0);
    g_assert_false(isr_has(1, 0x80));
    g_assert_false(apic_has_interrupt(apic[1]));
    g_assert_false(apic_interrupt_hint(apic[1])); /* 0x45 is blocked by 0x41 in service */
    wr(1, EOI, 0);
    take(1, 0x45);
    wr(1, EOI, 0);
    g_assert_cmphex(rd(1, PPR), ==, 0);
    /* An EOI with nothing in service is harmless. */
    wr(1, EOI, 0);
    /* Level-triggered vectors set TMR. */
    apic_deliver_irq(1, APIC_DEST_PHYSICAL, APIC_DM_FIXED, 0x51, APIC_TRIGGER_LEVEL);
    g_assert_cmphex(rd(1, TMR + 0x20), ==, 1u << 17);
    take(1, 0x51);
    wr(1, EOI, 0);
    /* Broadcast 0xff reaches both. */
    apic_deliver_irq(0xff, APIC_DEST_PHYSICAL, APIC_DM_FIXED, 0x61, APIC_TRIGGER_EDGE);
    take(0, 0x61);
    take(1, 0x61);
    teardown();
}

static void test_tpr_and_spurious(void)
{
    setup();
    apic_deliver_irq(0, APIC_DEST_PHYSICAL, APIC_DM_FIXED, 0x45, APIC_TRIGGER_EDGE);
    apic_deliver_irq(0, APIC_DEST_PHYSICAL, APIC_DM_FIXED, 0x62, APIC_TRIGGER_EDGE);
    wr(0, TPR, 0x70);
    g_assert_false(apic_has_interrupt(apic[0]));
    g_assert_cmphex(rd(0, PPR), ==, 0x70);
    cpu[0].kicks = 0;
    wr(0, TPR, 0x50);
    g_assert_cmpint(cpu[0].kicks, ==, 1); /* lowering TPR kicks */
    take(0, 0x62);
    g_assert_false(apic_has_interrupt(apic[0]));
    wr(0, EOI, 0);
    g_assert_false(apic_has_interrupt(apic[0])); /* 0x45 is below TPR 0x50 */
    apic_set_tpr(apic[0], 0x00);
    g_assert_true(apic_has_interrupt(apic[0]));
    /* TPR raised between INTR and INTA: the spurious vector, IRR kept. */
    apic_set_tpr(apic[0], 0xf0);
    g_assert_cmpint(apic_get_interrupt(apic[0]), ==, 0xff);
    g_assert_true(irr_has(0, 0x45));
    g_assert_false(isr_has(0, 0xff));
    apic_set_tpr(apic[0], 0);
    take(0, 0x45);
    teardown();
}

static void test_timer_oneshot(void)
{
    int64_t t0;

    setup();
    wr(0, LVTT, 0x40);
    wr(0, TDCR, 0x3); /* divide by 16 */
    t0 = now();
    wr(0, TMICT, 1000);
    g_assert_cmpuint(rd(0, TMICT), ==, 1000);
    g_assert_cmpuint(rd(0, TMCCT), ==, 1000);
    qemu_clock_set(t0 + 8000);
    g_assert_cmpuint(rd(0, TMCCT), ==, 500);
    qemu_clock_set(t0 + 15999);
    g_assert_false(irr_has(0, 0x40));
    qemu_clock_set(t0 + 16000);
    g_assert_true(irr_has(0, 0x40));
    g_assert_cmpuint(rd(0, TMCCT), ==, 0);
    take(0, 0x40);
    wr(0, EOI, 0);
    hwt_step(SCALE_MS);
    g_assert_false(irr_has(0, 0x40));
    /* Divide by 1 (0xb), and a divider change mid-count keeps the count. */
    wr(0, TDCR, 0xb);
    t0 = now();
    wr(0, TMICT, 1000);
    qemu_clock_set(t0 + 400);
    g_assert_cmpuint(rd(0, TMCCT), ==, 600);
    wr(0, TDCR, 0x0); /* divide by 2: 600 left take 1200 ns */
    g_assert_cmpuint(rd(0, TMCCT), ==, 600);
    qemu_clock_set(t0 + 400 + 1199);
    g_assert_false(irr_has(0, 0x40));
    qemu_clock_set(t0 + 400 + 1200);
    g_assert_true(irr_has(0, 0x40));
    take(0, 0x40);
    wr(0, EOI, 0);
    /* Masked: counts, no interrupt. Writing 0 stops. */
    wr(0, LVTT, 0x40 | LVT_MASKED);
    wr(0, TMICT, 10);
    hwt_step(100);
    g_assert_false(irr_has(0, 0x40));
    wr(0, TMICT, 0);
    g_assert_cmpuint(rd(0, TMCCT), ==, 0);
    teardown();
}

static void test_timer_periodic(void)
{
    int64_t t0;
    int n = 0;

    setup();
    wr(1, LVTT, 0x50 | TIMER_PERIODIC);
    wr(1, TDCR, 0x1); /* divide by 4 */
    t0 = now();
    wr(1, TMICT, 250); /* 1000 ns */
    for (int us = 1; us <= 100; us++) {
        qemu_clock_set(t0 + us * 1000 - 1);
        g_assert_false(irr_has(1, 0x50));
        qemu_clock_set(t0 + us * 1000);
        if (apic_has_interrupt(apic[1])) {
            take(1, 0x50);
            wr(1, EOI, 0);
            n++;
        }
    }
    g_assert_cmpint(n, ==, 100);
    qemu_clock_set(t0 + 100000 + 500);
    g_assert_cmpuint(rd(1, TMCCT), ==, 125);
    /* Switching to one-shot: the count ends at the next zero. */
    wr(1, LVTT, 0x50);
    hwt_step(10000);
    take(1, 0x50);
    wr(1, EOI, 0);
    g_assert_cmpuint(rd(1, TMCCT), ==, 0);
    teardown();
}

static void test_timer_tsc_deadline(void)
{
    uint64_t tsc, v;

    setup();
    /* Ignored outside TSC-deadline mode. */
    g_assert_true(apic_msr_write(apic[0], MSR_APIC_TSC_DEADLINE, 12345));
    g_assert_true(apic_msr_read(apic[0], MSR_APIC_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 0);
    wr(0, LVTT, 0x60 | TIMER_TSCDL);
    tsc = apic_tsc_from_ns(now());
    g_assert_true(apic_msr_write(apic[0], MSR_APIC_TSC_DEADLINE, tsc + 5000));
    g_assert_true(apic_msr_read(apic[0], MSR_APIC_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, tsc + 5000);
    wr(0, TMICT, 100); /* ignored in this mode */
    g_assert_cmpuint(rd(0, TMICT), ==, 0);
    hwt_step(4999);
    g_assert_false(irr_has(0, 0x60));
    hwt_step(1);
    g_assert_true(irr_has(0, 0x60));
    g_assert_true(apic_msr_read(apic[0], MSR_APIC_TSC_DEADLINE, &v));
    g_assert_cmpuint(v, ==, 0); /* disarmed after it fires */
    take(0, 0x60);
    wr(0, EOI, 0);
    /* A deadline in the past fires at once. */
    apic_set_tsc_deadline(apic[0], 1);
    take(0, 0x60);
    wr(0, EOI, 0);
    /* With the vCPU's TSC offset. */
    apic_set_tsc_offset(apic[0], 1000000);
    tsc = apic_tsc_from_ns(now()) + 1000000;
    apic_set_tsc_deadline(apic[0], tsc + 300);
    hwt_step(299);
    g_assert_false(irr_has(0, 0x60));
    hwt_step(1);
    g_assert_true(irr_has(0, 0x60));
    take(0, 0x60);
    wr(0, EOI, 0);
    /* Writing 0 disarms; leaving the mode disarms. */
    apic_set_tsc_deadline(apic[0], tsc + 1000000);
    apic_set_tsc_deadline(apic[0], 0);
    hwt_step(2000000);
    g_assert_false(irr_has(0, 0x60));
    apic_set_tsc_deadline(apic[0], tsc + 3000000);
    wr(0, LVTT, 0x60);
    hwt_step(2000000);
    g_assert_false(irr_has(0, 0x60));
    teardown();
}

static void test_ipi(void)
{
    setup();
    /* Physical: APIC 0 sends 0x70 to APIC 1. */
    wr(0, ICR2, 1u << 24);
    wr(0, ICR, 0x70);
    g_assert_cmphex(rd(0, ICR) & (1u << 12), ==, 0); /* delivery status idle */
    take(1, 0x70);
    wr(1, EOI, 0);
    g_assert_false(apic_has_interrupt(apic[0]));
    /* Shorthands. */
    wr(0, ICR, 0x71 | ICR_SELF);
    take(0, 0x71);
    g_assert_false(apic_has_interrupt(apic[1]));
    wr(0, ICR, 0x72 | ICR_OTHERS);
    g_assert_false(irr_has(0, 0x72));
    take(1, 0x72);
    wr(0, ICR, 0x73 | ICR_ALL);
    g_assert_true(irr_has(0, 0x73));
    g_assert_true(irr_has(1, 0x73));
    for (int i = 0; i < 2; i++) {
        wr(i, EOI, 0); /* 0x71 on APIC 0, 0x72 on APIC 1 */
        while (apic_has_interrupt(apic[i])) {
            apic_get_interrupt(apic[i]);
            wr(i, EOI, 0);
        }
        g_assert_cmphex(rd(i, IRR + 0x70), ==, 0);
        g_assert_cmphex(rd(i, ISR + 0x70), ==, 0);
    }
    /* Logical flat: LDR bits 1 and 2. */
    wr(0, LDR, 0x01000000);
    wr(1, LDR, 0x02000000);
    wr(0, ICR2, 0x02u << 24);
    wr(0, ICR, 0x74 | ICR_LOGICAL);
    g_assert_false(irr_has(0, 0x74));
    take(1, 0x74);
    wr(1, EOI, 0);
    wr(0, ICR2, 0x03u << 24);
    wr(0, ICR, 0x75 | ICR_LOGICAL);
    take(0, 0x75);
    take(1, 0x75);
    wr(0, EOI, 0);
    wr(1, EOI, 0);
    /* Logical cluster: cluster 1, member bits. */
    wr(0, DFR, 0x0fffffff);
    wr(1, DFR, 0x0fffffff);
    wr(0, LDR, 0x11000000);
    wr(1, LDR, 0x12000000);
    apic_deliver_irq(0x12, APIC_DEST_LOGICAL, APIC_DM_FIXED, 0x76, APIC_TRIGGER_EDGE);
    g_assert_false(irr_has(0, 0x76));
    take(1, 0x76);
    wr(1, EOI, 0);
    apic_deliver_irq(0x22, APIC_DEST_LOGICAL, APIC_DM_FIXED, 0x77, APIC_TRIGGER_EDGE);
    g_assert_false(irr_has(1, 0x77));
    /* Lowest priority: the APIC with the lower TPR gets it. */
    wr(0, TPR, 0x40);
    wr(1, TPR, 0x20);
    apic_deliver_irq(0x13, APIC_DEST_LOGICAL, APIC_DM_LOWEST, 0x78, APIC_TRIGGER_EDGE);
    g_assert_true(irr_has(1, 0x78));
    g_assert_false(irr_has(0, 0x78));
    wr(1, TPR, 0x60);
    wr(0, ICR2, 0x13u << 24);
    wr(0, ICR, 0x79 | ICR_LOGICAL | DM(APIC_DM_LOWEST));
    g_assert_true(irr_has(0, 0x79));
    g_assert_false(irr_has(1, 0x79));
    teardown();
}

static void test_nmi_init_sipi(void)
{
    setup();
    wr(0, ICR2, 1u << 24);
    wr(0, ICR, DM(APIC_DM_NMI));
    g_assert_cmpint(cpu[1].nmis, ==, 1);
    g_assert_cmpint(cpu[0].nmis, ==, 0);
    /* The AP waits for SIPI from reset; a SIPI starts it once. */
    apic_deliver_irq(1, APIC_DEST_PHYSICAL, APIC_DM_FIXED, 0x44, APIC_TRIGGER_EDGE);
    wr(0, ICR, DM(APIC_DM_INIT) | ICR_ASSERT | ICR_LEVEL);
    g_assert_cmpint(cpu[1].inits, ==, 1);
    g_assert_false(irr_has(1, 0x44)); /* INIT cleared the APIC */
    g_assert_cmphex(rd(1, SVR), ==, 0xff);
    g_assert_cmphex(rd(1, ID), ==, 0x01000000);
    /* INIT level de-assert does nothing. */
    wr(0, ICR, DM(APIC_DM_INIT) | ICR_LEVEL);
    g_assert_cmpint(cpu[1].inits, ==, 1);
    wr(0, ICR, DM(APIC_DM_STARTUP) | 0x9a);
    g_assert_cmpint(cpu[1].sipis, ==, 1);
    g_assert_cmpint(cpu[1].sipi_vector, ==, 0x9a);
    wr(0, ICR, DM(APIC_DM_STARTUP) | 0x9b); /* the second SIPI of the MP protocol */
    g_assert_cmpint(cpu[1].sipis, ==, 1);
    /* INIT-SIPI-SIPI to all others by shorthand. */
    wr(0, ICR, DM(APIC_DM_INIT) | ICR_ASSERT | ICR_LEVEL | ICR_OTHERS);
    wr(0, ICR, DM(APIC_DM_STARTUP) | 0x10 | ICR_OTHERS);
    g_assert_cmpint(cpu[1].inits, ==, 2);
    g_assert_cmpint(cpu[1].sipis, ==, 2);
    g_assert_cmpint(cpu[1].sipi_vector, ==, 0x10);
    g_assert_cmpint(cpu[0].inits + cpu[0].sipis, ==, 0);
    /* The BSP ignores SIPIs. */
    apic_deliver_irq(0, APIC_DEST_PHYSICAL, APIC_DM_STARTUP, 0x20, APIC_TRIGGER_EDGE);
    g_assert_cmpint(cpu[0].sipis, ==, 0);
    /* LINT1 as NMI. */
    wr(0, LVT1, DM(APIC_DM_NMI));
    apic_set_lint(apic[0], 1, 1);
    apic_set_lint(apic[0], 1, 0);
    g_assert_cmpint(cpu[0].nmis, ==, 1);
    apic_deliver_nmi(apic[0]);
    g_assert_cmpint(cpu[0].nmis, ==, 2);
    teardown();
}

static void test_errors_and_disable(void)
{
    setup();
    wr(0, LVTERR, 0xe0);
    /* Sending an illegal vector. */
    wr(0, ICR2, 1u << 24);
    wr(0, ICR, 0x05);
    g_assert_false(irr_has(1, 0x05));
    take(0, 0xe0);
    wr(0, EOI, 0);
    wr(0, ESR, 0);
    g_assert_cmphex(rd(0, ESR), ==, 0x20);
    /* Receiving one. */
    apic_deliver_irq(0, APIC_DEST_PHYSICAL, APIC_DM_FIXED, 0x0f, APIC_TRIGGER_EDGE);
    wr(0, ESR, 0);
    g_assert_cmphex(rd(0, ESR), ==, 0x40);
    /* Software disable: LVTs masked, fixed interrupts dropped, NMI still delivered. */
    wr(1, LVTT, 0x40);
    wr(1, SVR, 0xff);
    g_assert_cmphex(rd(1, LVTT), ==, 0x40 | LVT_MASKED);
    apic_deliver_irq(1, APIC_DEST_PHYSICAL, APIC_DM_FIXED, 0x41, APIC_TRIGGER_EDGE);
    g_assert_false(irr_has(1, 0x41));
    apic_deliver_irq(1, APIC_DEST_PHYSICAL, APIC_DM_NMI, 0, APIC_TRIGGER_EDGE);
    g_assert_cmpint(cpu[1].nmis, ==, 1);
    /* Bad accesses: unaligned, narrow, wide; logged, harmless. */
    cur = apic[0];
    (void)address_space_ldub(address_space_memory(), APIC_DEFAULT_BASE + 0x21,
                             MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stw_le(address_space_memory(), APIC_DEFAULT_BASE + 0x80, 0xffff,
                         MEMTXATTRS_UNSPECIFIED, NULL);
    (void)address_space_ldq_le(address_space_memory(), APIC_DEFAULT_BASE + 0x300,
                               MEMTXATTRS_UNSPECIFIED, NULL);
    g_assert_cmphex(rd(0, TPR), ==, 0);
    teardown();
}

static void test_x2apic(void)
{
    uint64_t v;

    setup();
    /* x2APIC MSRs #GP in xAPIC mode. */
    g_assert_false(apic_msr_read(apic[0], 0x802, &v));
    g_assert_false(apic_set_base(apic[0], 0xfee00000 | (1 << 10))); /* EXTD without EN */
    g_assert_false(apic_set_base(apic[0], 0xfee00c00 | 1));         /* reserved bit */
    for (int i = 0; i < 2; i++) {
        g_assert_true(apic_msr_write(apic[i], MSR_APIC_BASE, 0xfee00c00));
    }
    g_assert_cmphex(apic_get_base(apic[0]), ==, 0xfee00d00); /* BSP bit kept */
    g_assert_true(apic_msr_read(apic[1], 0x802, &v));
    g_assert_cmphex(v, ==, 1);
    g_assert_true(apic_msr_read(apic[1], 0x80d, &v));
    g_assert_cmphex(v, ==, 0x00000002);                /* cluster 0 (bits 31:16), bit 1 */
    g_assert_false(apic_msr_write(apic[1], 0x802, 5)); /* ID read-only */
    g_assert_false(apic_msr_read(apic[1], 0x80e, &v)); /* no DFR */
    g_assert_false(apic_msr_read(apic[1], 0x831, &v)); /* no ICR2 */
    /* ICR as one MSR with a 32-bit destination. */
    g_assert_true(apic_msr_write(apic[0], 0x830, (1ull << 32) | 0x80));
    take(1, 0x80);
    g_assert_false(apic_msr_write(apic[1], 0x80b, 1)); /* EOI must be 0 */
    g_assert_true(apic_msr_write(apic[1], 0x80b, 0));
    g_assert_true(apic_msr_read(apic[1], 0x800 + (ISR >> 4) + 4, &v));
    g_assert_cmphex(v, ==, 0);
    /* Self IPI. */
    g_assert_true(apic_msr_write(apic[1], 0x83f, 0x90));
    take(1, 0x90);
    g_assert_true(apic_msr_write(apic[1], 0x808, 0x20)); /* TPR */
    g_assert_true(apic_msr_read(apic[1], 0x80a, &v));
    g_assert_cmphex(v, ==, 0x90);                               /* PPR: 0x90 in service */
    g_assert_false(apic_msr_write(apic[1], 0x808, 1ull << 32)); /* upper half reserved */
    /* The xAPIC page is gone; x2APIC -> xAPIC directly is refused; via disabled it works. */
    g_assert_cmphex(rd(1, ID), ==, 0);
    g_assert_false(apic_set_base(apic[1], 0xfee00800));
    g_assert_true(apic_set_base(apic[1], 0xfee00000));
    g_assert_false(apic_has_interrupt(apic[1]));
    g_assert_true(apic_set_base(apic[1], 0xfee00800));
    g_assert_cmphex(rd(1, ID), ==, 0x01000000);
    g_assert_cmphex(rd(1, SVR), ==, 0xff); /* state was reset by the disable */
    /* Relocation is logged and ignored. */
    g_assert_true(apic_set_base(apic[1], 0xfed00800));
    g_assert_cmphex(rd(1, ID), ==, 0x01000000);
    teardown();
}

/* ExtINT: the 8259's INTR through LINT0 of the BSP; the INTA cycle comes from the PIC. */
static int pic_ack(void *opaque)
{
    return pic_read_irq(opaque);
}

static void test_extint(void)
{
    I8259State *pic;
    qemu_irq *pin;

    setup_opt(false);
    pic = (I8259State *)hwt_create(TYPE_I8259, NULL);
    pin = i8259_get_irqs(pic);
    i8259_set_intr_out(pic, apic_get_pic_intr_line());
    apic_set_extint_ack(pic_ack, pic);
    outb(0x20, 0x11);
    outb(0x21, 0x08);
    outb(0x21, 0x04);
    outb(0x21, 0x01);
    cpu[0].kicks = 0;
    qemu_irq_pulse(pin[1]);
    g_assert_cmpint(cpu[0].kicks, >=, 1);
    g_assert_true(apic_has_interrupt(apic[0]));
    g_assert_false(apic_has_interrupt(apic[1])); /* the AP's LINT0 is masked */
    take(0, 0x09);
    g_assert_false(apic_has_interrupt(apic[0]));
    outb(0x20, 0x20);
    /* Masking LINT0 cuts the wire (after the APIC is enabled). */
    wr(0, SVR, SVR_ON | 0xff);
    wr(0, LVT0, DM(APIC_DM_EXTINT) | LVT_MASKED);
    qemu_irq_pulse(pin[3]);
    g_assert_false(apic_has_interrupt(apic[0]));
    wr(0, LVT0, DM(APIC_DM_EXTINT));
    take(0, 0x0b);
    outb(0x20, 0x20);
    /* A globally disabled APIC passes INTR straight through. */
    g_assert_true(apic_set_base(apic[0], 0));
    qemu_irq_pulse(pin[4]);
    take(0, 0x0c);
    outb(0x20, 0x20);
    /* An ExtINT message (as the IOAPIC sends for pin 0 in "8259 through IOAPIC" mode). */
    g_assert_true(apic_set_base(apic[1], 0xfee00800));
    wr(1, SVR, SVR_ON | 0xff);
    qemu_irq_pulse(pin[5]);
    apic_deliver_irq(1, APIC_DEST_PHYSICAL, APIC_DM_EXTINT, 0, APIC_TRIGGER_EDGE);
    take(1, 0x0d);
    apic_set_extint_ack(NULL, NULL);
    i8259_set_intr_out(pic, NULL);
    qemu_set_irq(apic_get_pic_intr_line(), 0);
    qdev_unref((DeviceState *)pic);
    teardown();
}

static void test_random_programming(void)
{
    GRand *rnd = g_rand_new_with_seed(1111);

    setup();
    g_assert_cmpint(trace_enable_events("apic_*", true), ==, 10); /* to the log: /dev/null */
    for (int i = 0; i < 20000; i++) {
        int n = g_rand_int_range(rnd, 0, 2);
        uint32_t off = g_rand_int_range(rnd, 0, 0x400) & ~0xf;
        uint32_t val = g_rand_int(rnd);

        if (off == ICR && ((val >> 8) & 7) >= APIC_DM_INIT && g_rand_boolean(rnd)) {
            val &= ~0x700u; /* fewer INITs, so the APICs stay enabled and busy */
        }
        if (off == TMICT) {
            val = (val & 0xffff) | 0x100;
        }
        if (g_rand_boolean(rnd)) {
            wr(n, off, val);
        } else {
            (void)rd(n, off);
        }
        if (apic_has_interrupt(apic[n])) {
            apic_get_interrupt(apic[n]);
        }
        apic_msr_write(apic[n], g_rand_int_range(rnd, 0x800, 0x840), g_rand_int(rnd));
        if (g_rand_int_range(rnd, 0, 64) == 0) {
            apic_set_base(apic[n], 0xfee00000 | (g_rand_int(rnd) & 0xd00));
        }
        hwt_step(g_rand_int_range(rnd, 0, 2000));
        for (int k = 0; k < 2; k++) {
            /* The lock-free hint never misses a deliverable interrupt. */
            bool hint = apic_interrupt_hint(apic[k]);
            g_assert_true(!apic_has_interrupt(apic[k]) || hint);
        }
    }
    g_rand_free(rnd);
    trace_enable_events("apic_*", false);
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hwt_init();
    g_test_add_func("/apic/registers", test_registers);
    g_test_add_func("/apic/fixed-eoi", test_fixed_and_eoi);
    g_test_add_func("/apic/tpr-spurious", test_tpr_and_spurious);
    g_test_add_func("/apic/timer-oneshot", test_timer_oneshot);
    g_test_add_func("/apic/timer-periodic", test_timer_periodic);
    g_test_add_func("/apic/timer-tsc-deadline", test_timer_tsc_deadline);
    g_test_add_func("/apic/ipi", test_ipi);
    g_test_add_func("/apic/nmi-init-sipi", test_nmi_init_sipi);
    g_test_add_func("/apic/errors-disable", test_errors_and_disable);
    g_test_add_func("/apic/x2apic", test_x2apic);
    g_test_add_func("/apic/extint", test_extint);
    g_test_add_func("/apic/random-programming", test_random_programming);
    return g_test_run();
}
