/*
 * test-pc-irq.c: the PC machine's userspace irqchip wiring (hw/i386/pc-irq.c)
 * without vCPU threads: the machine's GSI lines (pc_gsi_init) reach 8259
 * input n and IOAPIC pin n (ISA IRQ 0 on pin 2, GSI 2 nowhere), the PIT that
 * pc_irq_init creates delivers IRQ 0 at the programmed vector on the manual
 * virtual clock (through the IOAPIC and through ExtINT), the xAPIC page
 * answers with the calling vCPU's APIC, APIC wake-ups reach the
 * accelerator's hooks, and INIT/SIPI change an AP on its own thread.
 */
#include "hw-test.h"
#include "hw/core/cpu.h"
#include "hw/i386/pc.h"
#include "hw/i386/pc-irq.h"
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/timer/i8254.h"
#include "sysemu/accel.h"
#include "sysemu/cpus.h"
#include "target/x86/cpu.h"

#define NCPUS        2
#define LAPIC_ID     0x020
#define LAPIC_EOI    0x0b0
#define LAPIC_SVR    0x0f0
#define IOREGSEL     0x00
#define IOWIN        0x10
#define RTE_MASKED   (1u << 16)
#define PIC_BASE     0x20
#define PIT_VECTOR   0x31
#define GSI_VEC_BASE 0x40

static qemu_irq *gsi;
static APICState *apic[NCPUS];
static int kicks[NCPUS];

/* A stand-in accelerator whose interrupt hook counts wake-ups per vCPU. */
static const AccelOps fake_accel = {.name = "fake-irq"};

static void fake_interrupt(CPUState *cs)
{
    kicks[cs->cpu_index]++;
}

static const PCIrqAccelOps fake_irq_ops = {.accel = "fake-irq", .interrupt = fake_interrupt};

static uint32_t lapic_read(hwaddr off)
{
    return address_space_ldl_le(address_space_memory(), APIC_DEFAULT_BASE + off,
                                MEMTXATTRS_UNSPECIFIED, NULL);
}

static void lapic_write(hwaddr off, uint32_t v)
{
    address_space_stl_le(address_space_memory(), APIC_DEFAULT_BASE + off, v, MEMTXATTRS_UNSPECIFIED,
                         NULL);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    address_space_stl_le(address_space_memory(), IOAPIC_DEFAULT_BASE + IOREGSEL, reg,
                         MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stl_le(address_space_memory(), IOAPIC_DEFAULT_BASE + IOWIN, v,
                         MEMTXATTRS_UNSPECIFIED, NULL);
}

static void set_rte(int pin, uint32_t lo, uint8_t dest)
{
    ioapic_write(0x11 + 2 * pin, (uint32_t)dest << 24);
    ioapic_write(0x10 + 2 * pin, lo);
}

/* 8259 pair at 0x20/0x28, unmasked inputs as given. */
static void pic_init(uint16_t unmasked)
{
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, PIC_BASE);
    outb(0xa1, PIC_BASE + 8);
    outb(0x21, 0x04);
    outb(0xa1, 0x02);
    outb(0x21, 0x01);
    outb(0xa1, 0x01);
    outb(0x21, ~unmasked & 0xff);
    outb(0xa1, ~unmasked >> 8);
}

static bool pic_irr_has(int irq)
{
    PICRegs r;

    if (irq >= 16) {
        return false; /* GSIs 16-23 have no 8259 input */
    }
    i8259_get_regs(i8259_get(), irq / 8, &r);
    return r.irr & (1u << (irq % 8));
}

static bool apic_irr_has(int cpu, int vector)
{
    APICRegs r;

    apic_get_regs(apic[cpu], &r);
    return r.irr[vector / 32] & (1u << (vector % 32));
}

/* The BSP takes everything pending; returns how many times it took vector. */
static int take_all(int vector)
{
    int n = 0;

    while (apic_has_interrupt(apic[0])) {
        int v = apic_get_interrupt(apic[0]);

        n += v == vector;
        if (v >= PIC_BASE && v < PIC_BASE + 16) {
            if (v >= PIC_BASE + 8) {
                outb(0xa0, 0x20);
            }
            outb(0x20, 0x20);
        } else {
            lapic_write(LAPIC_EOI, 0);
        }
    }
    return n;
}

static void test_gsi_routing(void)
{
    lapic_write(LAPIC_SVR, 0x1ff);
    pic_init(0xffff);
    for (int n = 0; n < IOAPIC_NUM_PINS; n++) {
        int pin = n == 0 ? 2 : n;
        bool on_pic = n < 16 && n != PIC_CASCADE_IRQ;

        if (n == 2) {
            continue; /* below */
        }
        set_rte(pin, GSI_VEC_BASE + n, 0);
        qemu_irq_raise(gsi[n]);
        g_assert_true(apic_irr_has(0, GSI_VEC_BASE + n));
        g_assert_false(apic_irr_has(1, GSI_VEC_BASE + n));
        g_assert_cmpint(pic_irr_has(n), ==, on_pic);
        qemu_irq_lower(gsi[n]);
        set_rte(pin, RTE_MASKED, 0);
        take_all(-1);
        g_assert_false(pic_irr_has(n));
    }
    /* GSI 2 reaches neither chip (IR2 is the cascade; the MADT moves IRQ 0 to pin 2). */
    set_rte(2, GSI_VEC_BASE + 2, 0);
    qemu_irq_raise(gsi[2]);
    g_assert_false(apic_irr_has(0, GSI_VEC_BASE + 2));
    g_assert_false(pic_irr_has(2));
    qemu_irq_lower(gsi[2]);
    set_rte(2, RTE_MASKED, 0);
    g_assert_cmpint(kicks[0], >, 0); /* the BSP's accelerator hook was told every time */
    g_assert_cmpint(kicks[1], ==, 0);
}

/* The PIT that pc_irq_init created, at 1 kHz, on the manual clock. */
static void test_pit_vectors(void)
{
    int got = 0;

    lapic_write(LAPIC_SVR, 0x1ff);
    pic_init(0);
    set_rte(2, PIT_VECTOR, 0);
    outb(0x43, 0x34);
    outb(0x40, (PIT_FREQ_HZ / 1000) & 0xff);
    outb(0x40, (PIT_FREQ_HZ / 1000) >> 8);
    take_all(-1); /* OUT's first rise at the mode write */
    for (int ms = 0; ms < 10; ms++) {
        hwt_step(SCALE_MS);
        got += take_all(PIT_VECTOR);
    }
    g_assert_cmpint(got, ==, 10);

    /* Through the 8259 and LINT0 (ExtINT at reset on the BSP) instead. */
    set_rte(2, RTE_MASKED, 0);
    pic_init(1u << 0);
    got = 0;
    for (int ms = 0; ms < 10; ms++) {
        hwt_step(SCALE_MS);
        got += take_all(PIC_BASE);
    }
    g_assert_cmpint(got, ==, 10);
    outb(0x43, 0x30); /* mode 0, no count: OUT stays low */
    pic_init(0);
}

static gpointer vcpu1_reads_id(gpointer opaque)
{
    uint32_t *id = opaque;

    qemu_vcpu_thread_started(qemu_get_cpu(1)); /* this thread is vCPU 1 now */
    bql_lock();
    *id = lapic_read(LAPIC_ID) >> 24;
    bql_unlock();
    return NULL;
}

/* The xAPIC page is per vCPU: the caller's APIC answers. */
static void test_mmio_selects_caller(void)
{
    uint32_t id = UINT32_MAX;
    GThread *t;

    g_assert_cmphex(lapic_read(LAPIC_ID) >> 24, ==, 0); /* no vCPU: the first APIC */
    bql_unlock();
    t = g_thread_new("vcpu1", vcpu1_reads_id, &id);
    g_thread_join(t);
    bql_lock();
    g_assert_cmphex(id, ==, 1);
    g_assert_true(pc_cpu_apic(qemu_get_cpu(1)) == apic[1]);
    g_assert_null(pc_cpu_apic(NULL));
}

/* An AP's thread as an accelerator runs it: waiting, running the work queued for it. */
static gpointer ap_thread(gpointer opaque)
{
    CPUState *cs = opaque;

    qemu_vcpu_thread_started(cs);
    while (qemu_wait_io_event(cs)) {
        g_usleep(1000); /* "running": the VM is never started here, so it waits again */
    }
    return NULL;
}

typedef struct APState {
    bool halted;
    uint32_t cs_sel;
    uint64_t cs_base, rip;
} APState;

static void ap_read(CPUState *cs, void *data)
{
    APState *st = data;

    st->halted = cs->halted;
    st->cs_sel = cs->env->segs[R_CS].selector;
    st->cs_base = cs->env->segs[R_CS].base;
    st->rip = cs->env->rip;
}

/* Polls (the work runs on the AP's thread) until the AP's halted state is as wanted. */
static void ap_wait(CPUState *ap, bool halted, APState *st)
{
    for (int i = 0; i < 5000; i++) {
        run_on_cpu(ap, ap_read, st); /* a stopped vCPU: read under the cpus lock */
        if (st->halted == halted) {
            return;
        }
        bql_unlock();
        g_usleep(1000);
        bql_lock();
    }
    g_assert_not_reached();
}

/* INIT then SIPI through the BSP's ICR reach the AP's own thread (SDM Vol. 3A, 8.4.4). */
static void test_init_sipi(void)
{
    CPUState *ap = qemu_get_cpu(1);
    APState st;

    ap->thread = g_thread_new("ap", ap_thread, ap);
    while (!__atomic_load_n(&ap->created, __ATOMIC_SEQ_CST)) {
        g_usleep(100);
    }
    lapic_write(LAPIC_SVR, 0x1ff);
    lapic_write(0x310, 1u << 24);      /* ICR high: APIC ID 1 */
    lapic_write(0x300, 0x4500);        /* INIT, assert */
    lapic_write(0x300, 0x4600 | 0x08); /* SIPI, vector 8: 0800:0000 */
    ap_wait(ap, false, &st);
    g_assert_cmphex(st.cs_sel, ==, 0x0800);
    g_assert_cmphex(st.cs_base, ==, 0x8000);
    g_assert_cmphex(st.rip, ==, 0);
    /* A second SIPI without INIT is ignored; INIT puts it back to waiting at the reset state. */
    lapic_write(0x300, 0x4600 | 0x09);
    bql_unlock();
    g_usleep(20000); /* time for the AP's thread to act on it, were it queued */
    bql_lock();
    ap_wait(ap, false, &st);
    g_assert_cmphex(st.cs_sel, ==, 0x0800);
    lapic_write(0x300, 0x4500);
    ap_wait(ap, true, &st);
    g_assert_cmphex(st.cs_sel, ==, 0xf000);
    qemu_destroy_vcpus(); /* ends the AP's thread; the last test */
    pc_irq_cleanup();
}

static void setup(void)
{
    static MachineState ms;

    hwt_init();
    current_accel = &fake_accel;
    pc_irq_register_accel(&fake_irq_ops);
    g_assert_true(pc_irq_userspace());
    gsi = pc_gsi_init();
    isa_bus_set_irqs(gsi);
    pc_irq_init();
    ms.smp_cpus = NCPUS;
    ms.cpus = g_new0(CPUState *, NCPUS);
    for (int i = 0; i < NCPUS; i++) {
        ms.cpus[i] = cpu_create(i);
    }
    pc_irq_cpus_init(&ms);
    for (int i = 0; i < NCPUS; i++) {
        apic[i] = pc_cpu_apic(ms.cpus[i]);
        g_assert_nonnull(apic[i]);
        g_assert_cmpuint(apic_get_id(apic[i]), ==, i);
    }
    g_assert_true(ms.cpus[1]->halted); /* the AP waits for a SIPI */
    g_assert_false(ms.cpus[0]->halted);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    setup();
    g_test_add_func("/pc-irq/gsi-routing", test_gsi_routing);
    g_test_add_func("/pc-irq/pit-vectors", test_pit_vectors);
    g_test_add_func("/pc-irq/mmio-selects-caller", test_mmio_selects_caller);
    g_test_add_func("/pc-irq/init-sipi", test_init_sipi);
    return g_test_run();
}
