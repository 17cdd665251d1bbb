/*
 * kvm.h: the KVM accelerator's public face, and the interface between its
 * generic part (accel/kvm/) and the x86 part (target/x86/kvm.c).
 *
 * See docs/kvm.md for how memslots follow the flat view, the vCPU loop and the
 * exits.
 */
#ifndef SYSEMU_KVM_H
#define SYSEMU_KVM_H

#include "qemu/osdep.h"
#include "hw/core/cpu.h"
#include "exec/memory.h"

/*
 * Guest-physical pages KVM needs for its own use on Intel VMX (a real-mode
 * identity page table and a 3-page TSS for vm86 emulation of real mode), just
 * below the BIOS as QEMU places them. The machine's e820 must mark
 * [KVM_RESERVED_BASE, KVM_RESERVED_BASE + KVM_RESERVED_SIZE) reserved, and no
 * RAM or device may be mapped there.
 */
#define KVM_IDENTITY_MAP_ADDR 0xfeffc000u
#define KVM_TSS_ADDR          0xfeffd000u
#define KVM_RESERVED_BASE     KVM_IDENTITY_MAP_ADDR
#define KVM_RESERVED_SIZE     0x4000u

/*
 * GSIs of the in-kernel irqchip: GSI n drives PIC pin n (0-15) and IOAPIC pin
 * n, except GSI 0 (ISA IRQ 0), which drives IOAPIC pin 2 as the MADT's
 * interrupt source override says; GSI 2 reaches nothing (the PIC cascade).
 */
#define KVM_IRQCHIP_NUM_GSIS 24

/* True when the KVM accelerator runs the machine. */
bool kvm_enabled(void);
/* True when KVM emulates the PIC, IOAPIC, LAPICs and PIT in the kernel. */
bool kvm_irqchip_in_kernel(void);
/* Appends one line per memslot: number, GPA range, size, HVA, flags, region name. */
void kvm_memslots_info(GString *out);
/* One memslot as KVM knows it (for the monitor's xlate and memlog). */
typedef struct KVMSlotInfo {
    int slot;
    hwaddr gpa;
    uint64_t size;
    void *hva;
    bool readonly;
    bool log_dirty;
    const char *region; /* name of the region behind it */
} KVMSlotInfo;
/* The memslot covering gpa; false when none does (or KVM is not in use). */
bool kvm_memslot_lookup(hwaddr gpa, KVMSlotInfo *info);
/* Calls fn for every memslot in use, by slot number. */
void kvm_memslot_foreach(void (*fn)(const KVMSlotInfo *info, void *opaque), void *opaque);
/* Told of every memslot set (created or its flags changed) or deleted (the monitor's memlog). */
typedef void KVMSlotNotifier(const KVMSlotInfo *info, bool set);
void kvm_memslot_set_notifier(KVMSlotNotifier *fn);
/* Number of memslots in use (tests). */
unsigned kvm_memslots_count(void);
/*
 * -accel kvm,PROPS: "fallback=on|off" (default on: instructions KVM cannot
 * emulate run in tern's interpreter; off: such a failure ends tern, as before).
 */
bool kvm_accel_set_props(const char *props, GError **errp);
/* Instructions of cpu that KVM failed to emulate and the interpreter ran (info cpus). */
uint64_t kvm_fallback_count(CPUState *cpu);
/* Tears the VM down: vCPUs must be destroyed first (tests and exit). */
void kvm_destroy_vm(void);

/* --- between accel/kvm and target/x86/kvm.c ---------------------------------- */

/* A vCPU ioctl on the accelerator's fd of cpu; -errno on failure. */
int kvm_vcpu_ioctl(CPUState *cpu, unsigned long type, void *arg);
/* A VM ioctl; -errno on failure. */
int kvm_vm_ioctl(unsigned long type, void *arg);
/* KVM_CHECK_EXTENSION on /dev/kvm; 0 when absent. */
int kvm_check_extension(unsigned int extension);

/* Levels of state written back to KVM. */
enum {
    KVM_PUT_RUNTIME_STATE = 1, /* registers a running vCPU changes */
    KVM_PUT_RESET_STATE = 2,   /* plus MSRs, MP state: after reset or a loader */
};

/* Sets CPUID (KVM_GET_SUPPORTED_CPUID + paravirtual leaves) and the vCPU's identity. */
bool kvm_arch_init_vcpu(CPUState *cpu, GError **errp);
/* KVM -> CPUX86State: general, segment, control and FPU registers, MSRs, events. */
int kvm_arch_get_registers(CPUState *cpu);
/* CPUX86State -> KVM at the given level. */
int kvm_arch_put_registers(CPUState *cpu, int level);
/* Frees what kvm_arch_init_vcpu allocated. */
void kvm_arch_destroy_vcpu(CPUState *cpu);
/*
 * Appends the failing instruction: up to 16 bytes at CS:RIP read through the
 * guest's page tables, disassembled in the CPU's mode.
 */
void kvm_arch_dump_code(CPUState *cpu, GString *out);
/* The instruction at CS:RIP as "mnemonic operands"; false when its bytes are not readable RAM. */
bool kvm_arch_disas_insn(CPUState *cpu, char *buf, size_t len);
/*
 * An instruction at CS:RIP that the vCPU's CPUID offers but the interpreter's
 * model lacks, done on the state kvm_arch_get_registers read (written back by
 * kvm_arch_put_registers): XSAVE, XSAVEOPT, XSAVEC and XRSTOR (on KVM's XSAVE
 * area), CLAC and STAC. 1 done (RIP advanced), 2 it raises #UD, 0 not one of
 * those, -1 cannot (why says so).
 */
int kvm_arch_emulate_missing(CPUState *cpu, GString *why);
/*
 * CMPXCHG16B on writable RAM from 64-bit kernel code, done with the host's
 * LOCK CMPXCHG16B on the guest's page, atomic against vCPUs running in KVM
 * meanwhile (the interpreter's is not). 1 done (RIP advanced), 0 not this
 * case: the interpreter runs the instruction.
 */
int kvm_arch_emulate_atomic(CPUState *cpu);
/* Translates a guest-virtual address with the guest's page tables (KVM_TRANSLATE). */
bool kvm_arch_translate(CPUState *cpu, uint64_t gva, uint64_t *gpa);

struct kvm_segment;
struct SegmentCache;
/* A segment cache in KVM's form (also used by the difftest to load KVM from a CPUX86State). */
void kvm_seg_to_kvm(struct kvm_segment *k, const struct SegmentCache *s);

#endif
