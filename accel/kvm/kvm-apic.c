/*
 * kvm-apic.c: KVM vCPUs with the userspace irqchip (-machine
 * kernel-irqchip=off): hw/i386/pc-irq.c builds the 8259 pair, IOAPIC, PIT and
 * one local APIC per vCPU, and KVM only injects what they decide (KVM API,
 * KVM_INTERRUPT, KVM_NMI, struct kvm_run's request_interrupt_window,
 * ready_for_interrupt_injection and if_flag). The xAPIC page is not a
 * memslot, so its accesses exit as MMIO and reach the calling vCPU's APIC;
 * INIT and SIPI go through pc-irq.c, which rewrites the registers on the
 * target's thread.
 *
 * Left out (XXX): IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC MSRs stay
 * with KVM, which without its own LAPIC keeps the base and ignores the rest,
 * so x2APIC and the TSC-deadline timer are unusable here (the xAPIC page and
 * its timer work); CR8 is KVM's register and does not reach the APIC's TPR.
 * QEMU without an in-kernel irqchip behaves alike.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "hw/core/cpu.h"
#include "hw/i386/pc-irq.h"
#include "hw/intc/apic.h"
#include "sysemu/cpus.h"
#include "kvm-int.h"
#include <sys/ioctl.h>

static void kvm_apic_inject(CPUState *cpu, struct kvm_run *run, APICState *s)
{
    struct kvm_interrupt intr;
    int v;

    bql_lock();
    if (!apic_has_interrupt(s)) {
        run->request_interrupt_window = 0;
        bql_unlock();
        return;
    }
    if (!run->ready_for_interrupt_injection || !run->if_flag) {
        run->request_interrupt_window = 1; /* exit as soon as the guest can take it */
        bql_unlock();
        return;
    }
    v = apic_get_interrupt(s);
    bql_unlock();
    run->request_interrupt_window = 0;
    if (v < 0) {
        return;
    }
    intr.irq = v;
    if (ioctl(cpu->accel->fd, KVM_INTERRUPT, &intr) < 0) {
        error_report("vCPU %d: KVM_INTERRUPT vector 0x%x: %s", cpu->cpu_index, v,
                     g_strerror(errno));
    }
}

void kvm_apic_pre_run(CPUState *cpu, struct kvm_run *run)
{
    APICState *s = pc_cpu_apic(cpu);

    if (!s) {
        return;
    }
    if (__atomic_exchange_n(&cpu->accel->nmi_pending, 0, __ATOMIC_ACQ_REL) &&
        ioctl(cpu->accel->fd, KVM_NMI) < 0) {
        error_report("vCPU %d: KVM_NMI: %s", cpu->cpu_index, g_strerror(errno));
    }
    if (apic_interrupt_hint(s)) {
        kvm_apic_inject(cpu, run, s);
    } else {
        run->request_interrupt_window = 0;
    }
}

bool kvm_apic_handle_hlt(CPUState *cpu, struct kvm_run *run)
{
    APICState *s = pc_cpu_apic(cpu);
    bool wait;

    if (!s) {
        return true;
    }
    bql_lock();
    wait = !(run->if_flag && apic_has_interrupt(s)) &&
           !__atomic_load_n(&cpu->accel->nmi_pending, __ATOMIC_ACQUIRE);
    if (wait) {
        cpu->accel->hlt_if = run->if_flag;
        __atomic_store_n(&cpu->accel->hlt_wait, true, __ATOMIC_RELEASE);
        cpu_set_halted(cpu, true);
    }
    bql_unlock();
    return wait;
}

/* Ends a HLT wait (BQL held). */
static void kvm_apic_wake(CPUState *cpu)
{
    if (cpu->accel && __atomic_load_n(&cpu->accel->hlt_wait, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&cpu->accel->hlt_wait, false, __ATOMIC_RELEASE);
        cpu_set_halted(cpu, false);
    }
}

/* Reset or INIT: a HLT wait ends; whatever halts the vCPU now (wait for SIPI) is pc-irq.c's. */
static void kvm_apic_cpu_reset(CPUState *cpu)
{
    if (cpu->accel) {
        __atomic_store_n(&cpu->accel->hlt_wait, false, __ATOMIC_RELEASE);
    }
}

/* The APIC may have something: a halted vCPU that can take it wakes, a running one re-checks. */
static void kvm_apic_interrupt(CPUState *cpu)
{
    APICState *s = pc_cpu_apic(cpu);

    if (!cpu->accel) {
        return;
    }
    if (__atomic_load_n(&cpu->accel->hlt_wait, __ATOMIC_ACQUIRE)) {
        if (cpu->accel->hlt_if && s && apic_has_interrupt(s)) {
            kvm_apic_wake(cpu);
        }
        return;
    }
    qemu_cpu_kick(cpu);
}

static void kvm_apic_nmi(CPUState *cpu)
{
    if (!cpu->accel) {
        return;
    }
    __atomic_store_n(&cpu->accel->nmi_pending, 1, __ATOMIC_RELEASE);
    kvm_apic_wake(cpu);
    qemu_cpu_kick(cpu);
}

static const PCIrqAccelOps kvm_irq_ops = {
    .accel = "kvm",
    .interrupt = kvm_apic_interrupt,
    .nmi = kvm_apic_nmi,
    .cpu_reset = kvm_apic_cpu_reset,
};

static void __attribute__((constructor)) kvm_apic_register(void)
{
    pc_irq_register_accel(&kvm_irq_ops);
}
