/*
 * pc-irq.c: the PC's userspace irqchip and timer wired to the machine and the
 * vCPUs, for accelerators without an in-kernel irqchip (tcg, qtest, kvm with
 * -machine kernel-irqchip=off). The routing follows docs/interrupts.md: GSI n
 * to 8259 input n and IOAPIC pin n, ISA IRQ 0 to pin 2 (the MADT override),
 * the 8259's INTR to LINT0 of every local APIC. INIT and SIPI follow the SDM
 * Vol. 3A, 8.4 (MP initialization) and 9.1 (the state after INIT).
 *
 * A vCPU's state changes only on its own thread: an INIT or SIPI from another
 * vCPU's ICR write is queued with async_run_on_cpu, because the sender holds
 * the BQL (and under tcg the interpreter's lock) that the target needs to
 * reach its queue. Left out: INIT keeping the x87/MTRR state (it resets as at
 * power-up), the INIT level de-assert (ignored by P6 and later anyway).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "hw/i386/pc.h"
#include "hw/i386/pc-irq.h"
#include "hw/core/cpu.h"
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/timer/i8254.h"
#include "hw/qdev.h"
#include "sysemu/accel.h"
#include "sysemu/cpus.h"
#include "target/x86/cpu.h"

#define PC_IRQ_MAX_ACCELS 4
/* KVM's in-kernel IOAPIC reports version 0x11; the guests see the same chip under both. */
#define PC_IOAPIC_VERSION 0x11

static const PCIrqAccelOps *accels[PC_IRQ_MAX_ACCELS];
static const PCIrqAccelOps *cur_ops;
static qemu_irq *userspace_gsi; /* pc_irqchip_create's 24 lines */
static APICState **cpu_apics;   /* by cpu_index; published once before the vCPUs run */
static unsigned n_cpu_apics;
static bool reset_registered;

void pc_irq_register_accel(const PCIrqAccelOps *ops)
{
    for (int i = 0; i < PC_IRQ_MAX_ACCELS; i++) {
        if (!accels[i]) {
            accels[i] = ops;
            return;
        }
    }
    g_error("pc-irq: too many accelerators register interrupt hooks");
}

static const PCIrqAccelOps *pc_irq_find_accel(void)
{
    for (int i = 0; current_accel && i < PC_IRQ_MAX_ACCELS && accels[i]; i++) {
        if (!strcmp(accels[i]->accel, current_accel->name)) {
            return accels[i];
        }
    }
    return NULL;
}

bool pc_irq_userspace(void)
{
    return !(current_accel && current_accel->set_irq && current_machine &&
             current_machine->kernel_irqchip);
}

/* --- the chips ----------------------------------------------------------------------------- */

void pc_irq_init(void)
{
    DeviceState *pit = qdev_new(TYPE_I8254);
    GError *err = NULL;

    userspace_gsi = pc_irqchip_create(PC_IOAPIC_VERSION, NULL, NULL);
    if (!pit || !qdev_realize(pit, &err)) {
        g_error("pc-irq: cannot create the %s: %s", TYPE_I8254, err ? err->message : "not built");
    }
}

void pc_irq_gsi_set(int n, int level)
{
    if (userspace_gsi && n >= 0 && n < IOAPIC_NUM_PINS) {
        qemu_set_irq(userspace_gsi[n], level);
    }
}

/* --- the CPU side -------------------------------------------------------------------------- */

APICState *pc_cpu_apic(CPUState *cs)
{
    APICState **apics = __atomic_load_n(&cpu_apics, __ATOMIC_ACQUIRE);

    if (!apics || !cs || cs->cpu_index < 0 || (unsigned)cs->cpu_index >= n_cpu_apics) {
        return NULL;
    }
    return apics[cs->cpu_index];
}

/* The xAPIC page belongs to whoever accesses it: the vCPU on this thread. */
static APICState *pc_current_apic(void)
{
    return pc_cpu_apic(current_cpu_get());
}

static void pc_apic_interrupt(void *opaque)
{
    if (cur_ops && cur_ops->interrupt) {
        cur_ops->interrupt(opaque);
    }
}

static void pc_apic_nmi(void *opaque)
{
    if (cur_ops && cur_ops->nmi) {
        cur_ops->nmi(opaque);
    }
}

/* On the target's thread: the power-up state, then wait for a SIPI outside the accelerator. */
static void pc_cpu_do_init(CPUState *cs, void *data)
{
    CPUX86State *env = cs->env;
    uint64_t mtrr_deftype = env->mtrr_deftype;
    uint64_t mtrr_fixed[ARRAY_SIZE(env->mtrr_fixed)];
    __typeof__(env->mtrr_var) mtrr_var;

    (void)data;
    /* INIT keeps the MTRRs (SDM Vol. 3A, table 9-1); cpu_reset gives the power-up state. */
    memcpy(mtrr_fixed, env->mtrr_fixed, sizeof(mtrr_fixed));
    memcpy(mtrr_var, env->mtrr_var, sizeof(mtrr_var));
    cpu_reset(cs);
    env->mtrr_deftype = mtrr_deftype;
    memcpy(env->mtrr_fixed, mtrr_fixed, sizeof(mtrr_fixed));
    memcpy(env->mtrr_var, mtrr_var, sizeof(mtrr_var));
    cpu_synchronize_post_reset(cs);
    if (cur_ops && cur_ops->cpu_reset) {
        cur_ops->cpu_reset(cs);
    }
    cpu_set_halted(cs, true);
}

/* On the target's thread: real mode at vector * 0x1000 (CS = vector << 8, IP = 0). */
static void pc_cpu_do_sipi(CPUState *cs, void *data)
{
    unsigned vector = GPOINTER_TO_UINT(data);
    CPUX86State *env = cs->env;

    env->segs[R_CS].selector = vector << 8;
    env->segs[R_CS].base = (uint64_t)vector << 12;
    env->segs[R_CS].limit = 0xffff;
    env->rip = 0;
    env->halted = false;
    cpu_synchronize_post_reset(cs);
    cpu_set_halted(cs, false);
}

static void pc_apic_init_ipi(void *opaque)
{
    async_run_on_cpu(opaque, pc_cpu_do_init, NULL);
}

static void pc_apic_sipi(void *opaque, uint8_t vector)
{
    async_run_on_cpu(opaque, pc_cpu_do_sipi, GUINT_TO_POINTER(vector));
}

static const APICCPUOps pc_apic_cpu_ops = {
    .interrupt = pc_apic_interrupt,
    .nmi = pc_apic_nmi,
    .init = pc_apic_init_ipi,
    .sipi = pc_apic_sipi,
};

/* After cpus_reset (registered before us): the APs wait for a SIPI, as their APICs do. */
static void pc_irq_cpus_reset(void *opaque)
{
    CPUState *cs;

    (void)opaque;
    CPU_FOREACH(cs) {
        if (cur_ops && cur_ops->cpu_reset) {
            cur_ops->cpu_reset(cs);
        }
        if (cs->cpu_index != 0) {
            cpu_set_halted(cs, true);
        }
    }
}

void pc_irq_cpus_init(MachineState *ms)
{
    unsigned n = ms->smp_cpus ? ms->smp_cpus : 1;
    APICState **apics = g_new0(APICState *, n);

    cur_ops = pc_irq_find_accel();
    for (unsigned i = 0; i < n; i++) {
        CPUState *cs = ms->cpus[i];

        apics[i] = apic_create(cs->apic_id, i == 0);
        apic_set_cpu_ops(apics[i], &pc_apic_cpu_ops, cs);
    }
    n_cpu_apics = n;
    __atomic_store_n(&cpu_apics, apics, __ATOMIC_RELEASE);
    apic_set_current_fn(pc_current_apic);
    if (cur_ops && cur_ops->init) {
        cur_ops->init();
    }
    pc_irq_cpus_reset(NULL);
    if (!reset_registered) {
        qemu_register_reset_handler(pc_irq_cpus_reset, NULL);
        reset_registered = true;
    }
}

void pc_irq_cleanup(void)
{
    APICState **apics = __atomic_exchange_n(&cpu_apics, NULL, __ATOMIC_ACQ_REL);

    g_free(apics);
    n_cpu_apics = 0;
    apic_set_current_fn(NULL);
    if (userspace_gsi) {
        qemu_free_irqs(userspace_gsi, IOAPIC_NUM_PINS);
        userspace_gsi = NULL;
    }
    if (reset_registered) {
        qemu_unregister_reset_handler(pc_irq_cpus_reset, NULL);
        reset_registered = false;
    }
    cur_ops = NULL;
}
