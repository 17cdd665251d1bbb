/*
 * apic-hooks.h: how the interpreter reaches a local APIC for what the CPU
 * itself does with it (SDM Vol. 3A, 11.4.4, 11.5.4.1, 11.8.6, 11.12): RDMSR and
 * WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC range, and MOV
 * to/from CR8 (the TPR). NULL (unit tests, no APIC): the MSRs #GP except
 * IA32_APIC_BASE, which is kept in CPUX86State, and CR8 is a plain register.
 */
#ifndef TARGET_X86_APIC_HOOKS_H
#define TARGET_X86_APIC_HOOKS_H

#include "qemu/osdep.h"

typedef struct X86CPU X86CPU;

typedef struct X86APICHooks {
    /* false: #GP */
    bool (*msr_read)(X86CPU *cpu, uint32_t msr, uint64_t *val);
    bool (*msr_write)(X86CPU *cpu, uint32_t msr, uint64_t val);
    /* CR8 = TPR >> 4 */
    uint8_t (*get_cr8)(X86CPU *cpu);
    void (*set_cr8)(X86CPU *cpu, uint8_t cr8);
} X86APICHooks;

/* Set once by the machine before the vCPUs run (accel/tcg/tcg-apic.c). */
extern const X86APICHooks *x86_apic_hooks;

/* The interpreter's TSC now (target/x86/ops-system.c), which TSC deadlines are compared with. */
uint64_t x86_read_tsc(X86CPU *cpu);

/* The MSRs the hooks answer. */
static inline bool x86_is_apic_msr(uint32_t msr)
{
    return msr == 0x1b || msr == 0x6e0 || (msr >= 0x800 && msr <= 0x8ff);
}

#endif
