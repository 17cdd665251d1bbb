/*
 * tcg-apic.c: the interpreter's side of the userspace local APICs
 * (hw/i386/pc-irq.c builds them): the interrupt source it asks between
 * instructions, its wake-ups, and the MSR and CR8 hooks of apic-hooks.h.
 *
 * The interpreter runs a slice without the BQL; everything here that touches
 * an APIC takes it (unless the caller already holds it, as MMIO and port I/O
 * do). The interrupt source is asked only after tcg_cpu_interrupt() (the
 * APIC's "something may be deliverable"), and apic_interrupt_hint() keeps a
 * spurious ask from taking the lock.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "hw/core/cpu.h"
#include "hw/i386/pc-irq.h"
#include "hw/intc/apic.h"
#include "target/x86/apic-hooks.h"
#include "target/x86/tcg-cpu.h"

const X86APICHooks *x86_apic_hooks;

/* Runs with the BQL, taking it only if this thread does not hold it already. */
#define WITH_BQL(stmt)                                                                             \
    do {                                                                                           \
        bool locked_ = bql_locked();                                                               \
        if (!locked_) {                                                                            \
            bql_lock();                                                                            \
        }                                                                                          \
        stmt;                                                                                      \
        if (!locked_) {                                                                            \
            bql_unlock();                                                                          \
        }                                                                                          \
    } while (0)

static APICState *tcg_apic(X86CPU *cpu)
{
    return cpu->cs ? pc_cpu_apic(cpu->cs) : NULL;
}

/* IF=1 and no shadow (the interpreter checked): the LAPIC's vector, the 8259's through ExtINT. */
static bool tcg_apic_intr_source(X86CPU *cpu, void *opaque, int *vector)
{
    APICState *s = tcg_apic(cpu);
    int v = -1;

    (void)opaque;
    if (!s || !apic_interrupt_hint(s)) {
        return false;
    }
    WITH_BQL(if (apic_has_interrupt(s)) { v = apic_get_interrupt(s); });
    if (v < 0) {
        return false;
    }
    *vector = v;
    return true;
}

/*
 * The APIC counts TSC deadlines on the virtual clock; the interpreter's TSC is
 * the host's monotonic clock plus the guest's offset: tell the APIC the
 * difference now, so a deadline the guest computes from RDTSC fires when
 * RDTSC reaches it (to within the time the VM was stopped since).
 */
static void tcg_apic_sync_tsc(X86CPU *cpu, APICState *s)
{
    int64_t virt = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    apic_set_tsc_offset(s, (int64_t)(x86_read_tsc(cpu) - apic_tsc_from_ns(virt)));
}

static bool tcg_apic_msr_read(X86CPU *cpu, uint32_t msr, uint64_t *val)
{
    APICState *s = tcg_apic(cpu);
    bool ok = false;

    if (!s) {
        return false;
    }
    WITH_BQL(ok = apic_msr_read(s, msr, val));
    return ok;
}

static bool tcg_apic_msr_write(X86CPU *cpu, uint32_t msr, uint64_t val)
{
    APICState *s = tcg_apic(cpu);
    bool ok = false;

    if (!s) {
        return false;
    }
    WITH_BQL({
        if (msr == MSR_APIC_TSC_DEADLINE) {
            tcg_apic_sync_tsc(cpu, s);
        }
        ok = apic_msr_write(s, msr, val);
        if (ok && msr == MSR_APIC_BASE) {
            cpu->env->apic_base = apic_get_base(s); /* for register dumps and the monitor */
        }
    });
    return ok;
}

static uint8_t tcg_apic_get_cr8(X86CPU *cpu)
{
    APICState *s = tcg_apic(cpu);
    uint8_t tpr = 0;

    if (!s) {
        return cpu->env->cr8;
    }
    WITH_BQL(tpr = apic_get_tpr(s));
    return tpr >> 4;
}

static void tcg_apic_set_cr8(X86CPU *cpu, uint8_t cr8)
{
    APICState *s = tcg_apic(cpu);

    if (s) {
        WITH_BQL(apic_set_tpr(s, cr8 << 4));
    }
}

static const X86APICHooks tcg_apic_hooks = {
    .msr_read = tcg_apic_msr_read,
    .msr_write = tcg_apic_msr_write,
    .get_cr8 = tcg_apic_get_cr8,
    .set_cr8 = tcg_apic_set_cr8,
};

static void tcg_apic_nmi(CPUState *cs)
{
    tcg_cpu_nmi(cs);
}

static void tcg_apic_init(void)
{
    tcg_x86_set_intr_source(tcg_apic_intr_source, NULL);
    x86_apic_hooks = &tcg_apic_hooks;
}

static const PCIrqAccelOps tcg_irq_ops = {
    .accel = "tcg",
    .interrupt = tcg_cpu_interrupt,
    .nmi = tcg_apic_nmi,
    .init = tcg_apic_init,
};

static void __attribute__((constructor)) tcg_apic_register(void)
{
    pc_irq_register_accel(&tcg_irq_ops);
}
