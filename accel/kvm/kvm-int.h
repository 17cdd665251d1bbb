/*
 * kvm-int.h: state shared by the files of the KVM accelerator (accel/kvm/).
 */
#ifndef ACCEL_KVM_INT_H
#define ACCEL_KVM_INT_H

#include "qemu/osdep.h"
#include "hw/boards.h"
#include "sysemu/kvm.h"
#include <linux/kvm.h>

typedef struct KVMState {
    int fd;   /* /dev/kvm */
    int vmfd; /* KVM_CREATE_VM */
    int vcpu_mmap_size;
    int nr_slots;  /* KVM_CAP_NR_MEMSLOTS */
    int max_vcpus; /* KVM_CAP_MAX_VCPUS */
    bool irqchip;  /* in-kernel PIC/IOAPIC/LAPIC and PIT */
    bool readonly_mem;
    MachineState *ms;
} KVMState;

extern KVMState *kvm_state;

typedef struct KVMFallback KVMFallback;

/* Per-vCPU state of the KVM accelerator. */
struct AccelCPUState {
    int fd;
    struct kvm_run *run;
    int put_level; /* level of the next put when vcpu_dirty (KVM_PUT_*) */
    void *arch;    /* target/x86/kvm.c's data (XSAVE area, CPUID) */
    /* Userspace irqchip (kvm-apic.c), under the BQL. */
    bool hlt_wait;         /* stopped by HLT: cpu->halted until an interrupt it can take */
    bool hlt_if;           /* RFLAGS.IF at that HLT */
    int nmi_pending;       /* atomic: inject an NMI at the next entry */
    KVMFallback *fallback; /* the interpreter, once KVM failed to emulate something */
};

/* Memslots (kvm-memslots.c): registers the listener on the system address space. */
bool kvm_memslots_init(KVMState *s, GError **errp);
void kvm_memslots_destroy(KVMState *s);

/* vCPUs (kvm-cpu.c). */
bool kvm_init_vcpu_thread(CPUState *cpu, GError **errp);
void kvm_cpu_kick(CPUState *cpu);
void kvm_cpu_synchronize_state(CPUState *cpu);
void kvm_cpu_synchronize_post_reset(CPUState *cpu);
void kvm_cpu_destroy(CPUState *cpu);
/* Installs the kick signal's handler (once). */
void kvm_init_cpu_signals(void);

/*
 * The userspace irqchip (kernel-irqchip=off, kvm-apic.c): before each
 * KVM_RUN, inject an NMI or the APIC's vector (KVM_INTERRUPT) when the guest
 * can take it, else ask for an interrupt-window exit; at a HLT exit, true if
 * the vCPU must wait outside KVM for an interrupt. Without the BQL.
 */
void kvm_apic_pre_run(CPUState *cpu, struct kvm_run *run);
bool kvm_apic_handle_hlt(CPUState *cpu, struct kvm_run *run);

/*
 * Emulation failures (kvm-fallback.c): on the vCPU thread, without the BQL,
 * after KVM_EXIT_INTERNAL_ERROR with KVM_INTERNAL_ERROR_EMULATION. Runs the
 * instruction at RIP in the interpreter and writes the state back
 * (KVM_FALLBACK_DONE); a triple fault there is KVM_FALLBACK_SHUTDOWN; else
 * appends to why the reason it cannot and returns KVM_FALLBACK_FAILED.
 */
typedef enum KVMFallbackResult {
    KVM_FALLBACK_DONE,
    KVM_FALLBACK_SHUTDOWN,
    KVM_FALLBACK_FAILED,
} KVMFallbackResult;
KVMFallbackResult kvm_fallback_exec(CPUState *cpu, GString *why);
void kvm_fallback_destroy(CPUState *cpu);

#endif
