/*
 * apic.h: the local APIC of each vCPU ("apic"; properties: id, bsp), in xAPIC
 * mode through the MMIO page at 0xFEE00000 and in x2APIC mode through MSRs
 * 0x800-0x8FF, and the interrupt bus between local APICs and the IOAPIC.
 *
 * How the CPU (the interpreter, or KVM with kernel-irqchip=off) uses it:
 *   - at vCPU creation: s = apic_create(cpu->apic_id, index == 0), then
 *     apic_set_cpu_ops(s, &ops, cpu) so the APIC can kick it (an interrupt may
 *     be pending), raise an NMI, and deliver INIT and SIPI;
 *   - apic_set_current_fn() once: the xAPIC page is per CPU, so an MMIO access
 *     asks the accelerator which vCPU's APIC it hits;
 *   - before each instruction with IF=1: apic_has_interrupt(); to take it,
 *     apic_get_interrupt() (the vector, moved from IRR to ISR; PIC vectors come
 *     through LINT0 in ExtINT mode or with the APIC globally disabled);
 *   - RDMSR/WRMSR of IA32_APIC_BASE (0x1B), IA32_TSC_DEADLINE (0x6E0) and the
 *     x2APIC range: apic_msr_read/apic_msr_write (false: raise #GP);
 *   - MOV to/from CR8: apic_set_tpr/apic_get_tpr (CR8 = TPR >> 4);
 *   - RDTSC: apic_tsc_from_ns() of the virtual clock, plus the vCPU's offset,
 *     which it hands to apic_set_tsc_offset() so TSC deadlines agree.
 * Everything runs under the BQL.
 */
#ifndef HW_INTC_APIC_H
#define HW_INTC_APIC_H

#include "hw/qdev.h"
#include "hw/irq.h"

#define TYPE_APIC "apic"

#define APIC_DEFAULT_BASE 0xfee00000u
#define APIC_MMIO_SIZE    0x1000

/* The timer's input clock before the divider: one tick per virtual ns. */
#define APIC_TIMER_FREQ_HZ 1000000000ull
/* The TSC frequency tern gives guests: the virtual clock, scaled (1 GHz). */
#define APIC_TSC_FREQ_HZ 1000000000ull

/* Delivery modes (the ICR, LVT entries and IOAPIC redirection entries use the same codes). */
#define APIC_DM_FIXED      0
#define APIC_DM_LOWEST     1
#define APIC_DM_SMI        2
#define APIC_DM_NMI        4
#define APIC_DM_INIT       5
#define APIC_DM_STARTUP    6
#define APIC_DM_EXTINT     7
#define APIC_DEST_PHYSICAL 0
#define APIC_DEST_LOGICAL  1
#define APIC_TRIGGER_EDGE  0
#define APIC_TRIGGER_LEVEL 1

/* MSRs the APIC answers. */
#define MSR_APIC_BASE         0x1b
#define MSR_APIC_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST      0x800
#define MSR_X2APIC_LAST       0x8ff

typedef struct APICState APICState;

/* What the APIC asks of its CPU; any hook may be NULL. Called under the BQL. */
typedef struct APICCPUOps {
    /* apic_has_interrupt() may have become true: wake the vCPU / leave its loop. */
    void (*interrupt)(void *opaque);
    void (*nmi)(void *opaque);
    /* INIT: reset the CPU's state and wait for a SIPI (the APIC already reset itself). */
    void (*init)(void *opaque);
    /* SIPI after INIT: start in real mode at CS:IP = vector<<8 : 0 (address vector * 0x1000). */
    void (*sipi)(void *opaque, uint8_t vector);
} APICCPUOps;

/* Creates and realizes an APIC for a vCPU (aborts on failure: a programming error). */
APICState *apic_create(uint32_t apic_id, bool bsp);
void apic_set_cpu_ops(APICState *s, const APICCPUOps *ops, void *opaque);
uint32_t apic_get_id(APICState *s);
/* The APIC with this APIC ID, NULL if none. */
APICState *apic_find(uint32_t apic_id);

/* The accelerator's answer to "which APIC does this MMIO access hit"; NULL: the first APIC. */
typedef APICState *(*APICCurrentFn)(void);
void apic_set_current_fn(APICCurrentFn fn);

/* --- the CPU side --------------------------------------------------------------------- */
bool apic_has_interrupt(APICState *s);
/*
 * Without the BQL, from the vCPU's thread: false when apic_has_interrupt() is
 * certainly false (it clears the hint; every change that may make an interrupt
 * deliverable sets it before the interrupt hook runs), so the interpreter can
 * poll cheaply and take the BQL only when this says true.
 */
bool apic_interrupt_hint(APICState *s);
/* The vector to take, -1 if none (the spurious vector if TPR rose since has_interrupt). */
int apic_get_interrupt(APICState *s);
uint8_t apic_get_tpr(APICState *s);
void apic_set_tpr(APICState *s, uint8_t tpr);
uint64_t apic_get_base(APICState *s);
/* False for a value the CPU refuses with #GP (reserved bits, x2APIC to xAPIC, ...). */
bool apic_set_base(APICState *s, uint64_t val);
bool apic_msr_read(APICState *s, uint32_t msr, uint64_t *val);
bool apic_msr_write(APICState *s, uint32_t msr, uint64_t val);
/* IA32_TSC_DEADLINE (ignored unless the timer LVT is in TSC-deadline mode; 0 disarms). */
void apic_set_tsc_deadline(APICState *s, uint64_t deadline);
uint64_t apic_get_tsc_deadline(APICState *s);
/* The guest's TSC is apic_tsc_from_ns(virtual now) + offset (the vCPU's IA32_TSC writes). */
void apic_set_tsc_offset(APICState *s, int64_t offset);
uint64_t apic_tsc_from_ns(int64_t ns);

/* --- the interrupt bus ---------------------------------------------------------------- */
/*
 * An interrupt message (from the IOAPIC, or an IPI without shorthand): the
 * APICs dest names (physical: APIC ID, 0xFF broadcast; logical: LDR match in
 * the flat or cluster model) receive it; lowest priority picks one of them.
 */
void apic_deliver_irq(uint32_t dest, int dest_mode, int delivery_mode, uint8_t vector,
                      int trigger_mode);
/* An NMI to one APIC's CPU (the monitor's 'nmi'). */
void apic_deliver_nmi(APICState *s);
/* LINT0/LINT1 input levels of one APIC. */
void apic_set_lint(APICState *s, int n, int level);
/*
 * The 8259's INTR: a line to LINT0 of every APIC (the virtual wire), and the
 * INTA cycle the APIC runs when it takes an ExtINT (pic_read_irq).
 */
qemu_irq apic_get_pic_intr_line(void);
void apic_set_extint_ack(int (*ack)(void *opaque), void *opaque);

/* Register snapshot for tests and 'info lapic'. */
typedef struct APICRegs {
    uint32_t irr[8], isr[8], tmr[8];
    uint8_t tpr, ppr;
    uint32_t svr, esr;
} APICRegs;
void apic_get_regs(APICState *s, APICRegs *regs);

#endif
