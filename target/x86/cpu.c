/*
 * cpu.c: the x86 power-up state and register dumps.
 *
 * Reset values follow the Intel SDM Vol. 3A, 9.1.1 and table 9-1 ("IA-32
 * Processor States Following Power-up, Reset, or INIT"). Left out: INIT (which
 * keeps caches, MTRRs and x87 state; the in-kernel APIC handles INIT under KVM)
 * and the SMM state save area.
 */
#include "qemu/osdep.h"
#include "target/x86/cpu.h"

/* Real-mode data segment: present, writable, accessed, 64 KiB (table 9-1). */
#define SEG_REAL_DATA_FLAGS (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK)
/* Real-mode code segment: present, readable, accessed. */
#define SEG_REAL_CODE_FLAGS (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK)

#define RESET_CS_SELECTOR 0xf000
#define RESET_CS_BASE     0xffff0000u
#define RESET_RIP         0xfff0
#define RESET_CR0         (CR0_CD_MASK | CR0_NW_MASK | CR0_ET_MASK)
#define RESET_DR6         0xffff0ff0u
#define RESET_DR7         0x400u

static void seg_set(SegmentCache *seg, uint32_t selector, uint64_t base, uint32_t limit,
                    uint32_t flags)
{
    seg->selector = selector;
    seg->base = base;
    seg->limit = limit;
    seg->flags = flags;
}

void x86_seg_set_flat(SegmentCache *seg, uint32_t selector, uint32_t flags)
{
    seg_set(seg, selector, 0, 0xffffffff, flags | DESC_G_MASK);
}

void x86_cpu_reset(CPUX86State *env, bool bsp)
{
    uint32_t version = env->cpuid_version ? env->cpuid_version : X86_CPUID_VERSION_DEFAULT;
    uint32_t apic_id = env->apic_id;

    memset(env, 0, sizeof(*env));
    env->cpuid_version = version;
    env->apic_id = apic_id;

    env->regs[R_EDX] = version; /* the processor signature, as CPUID.1:EAX */
    env->rip = RESET_RIP;
    env->rflags = RFLAGS_FIXED;
    env->cr[0] = RESET_CR0;

    seg_set(&env->segs[R_CS], RESET_CS_SELECTOR, RESET_CS_BASE, 0xffff, SEG_REAL_CODE_FLAGS);
    for (int i = 0; i < CPU_NB_SEGS; i++) {
        if (i != R_CS) {
            seg_set(&env->segs[i], 0, 0, 0xffff, SEG_REAL_DATA_FLAGS);
        }
    }
    seg_set(&env->ldt, 0, 0, 0xffff, DESC_P_MASK | (DESC_TYPE_LDT << DESC_TYPE_SHIFT));
    seg_set(&env->tr, 0, 0, 0xffff, DESC_P_MASK | (DESC_TYPE_TSS16_BUSY << DESC_TYPE_SHIFT));
    env->gdt.limit = 0xffff;
    env->idt.limit = 0xffff;

    env->dr[6] = RESET_DR6;
    env->dr[7] = RESET_DR7;
    env->xcr0 = XSTATE_FP_MASK;

    env->pat = MSR_PAT_RESET;
    env->apic_base = APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE;
    if (bsp) {
        env->apic_base |= MSR_IA32_APICBASE_BSP;
    }

    env->fpu.fcw = FCW_RESET;
    env->fpu.ftw = FTW_ALL_EMPTY;
    env->fpu.mxcsr = MXCSR_RESET;
    env->misc_enable = MSR_IA32_MISC_ENABLE_FAST_STRING;
}

int x86_cpu_code_bits(const CPUX86State *env)
{
    const SegmentCache *cs = &env->segs[R_CS];

    if ((env->efer & MSR_EFER_LMA) && (cs->flags & DESC_L_MASK)) {
        return 64;
    }
    if (!(env->cr[0] & CR0_PE_MASK) || (env->rflags & VM_MASK)) {
        return 16;
    }
    return (cs->flags & DESC_B_MASK) ? 32 : 16;
}

static const char *const reg_names[CPU_NB_REGS] = {
    "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
    "R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15",
};
static const char *const seg_names[CPU_NB_SEGS] = {"ES", "CS", "SS", "DS", "FS", "GS"};

static void dump_seg(GString *out, const char *name, const SegmentCache *s)
{
    g_string_append_printf(out, "%-3s=%04x %016" PRIx64 " %08x %08x DPL=%u %s\n", name, s->selector,
                           s->base, s->limit, s->flags,
                           (s->flags & DESC_DPL_MASK) >> DESC_DPL_SHIFT,
                           !(s->flags & DESC_P_MASK)   ? "not present"
                           : !(s->flags & DESC_S_MASK) ? "system"
                           : (s->flags & DESC_CS_MASK) ? ((s->flags & DESC_L_MASK)   ? "code64"
                                                          : (s->flags & DESC_B_MASK) ? "code32"
                                                                                     : "code16")
                                                       : "data");
}

void x86_cpu_dump_state(const CPUX86State *env, GString *out)
{
    for (int i = 0; i < CPU_NB_REGS; i++) {
        g_string_append_printf(out, "%s=%016" PRIx64 "%s", reg_names[i], env->regs[i],
                               (i % 4 == 3) ? "\n" : " ");
    }
    g_string_append_printf(out, "RIP=%016" PRIx64 " RFL=%08" PRIx64 " [%c%c%c%c%c%c%c] %d-bit\n",
                           env->rip, env->rflags, (env->rflags & DF_MASK) ? 'D' : '-',
                           (env->rflags & CC_O) ? 'O' : '-', (env->rflags & CC_S) ? 'S' : '-',
                           (env->rflags & CC_Z) ? 'Z' : '-', (env->rflags & CC_A) ? 'A' : '-',
                           (env->rflags & CC_P) ? 'P' : '-', (env->rflags & CC_C) ? 'C' : '-',
                           x86_cpu_code_bits(env));
    for (int i = 0; i < CPU_NB_SEGS; i++) {
        dump_seg(out, seg_names[i], &env->segs[i]);
    }
    dump_seg(out, "LDT", &env->ldt);
    dump_seg(out, "TR", &env->tr);
    g_string_append_printf(out, "GDT=     %016" PRIx64 " %08x\n", env->gdt.base, env->gdt.limit);
    g_string_append_printf(out, "IDT=     %016" PRIx64 " %08x\n", env->idt.base, env->idt.limit);
    g_string_append_printf(
        out, "CR0=%08" PRIx64 " CR2=%016" PRIx64 " CR3=%016" PRIx64 " CR4=%08" PRIx64 "\n",
        env->cr[0], env->cr[2], env->cr[3], env->cr[4]);
    g_string_append_printf(out, "EFER=%016" PRIx64 " CR8=%" PRIx64 " APIC_BASE=%" PRIx64 "\n",
                           env->efer, env->cr8, env->apic_base);
}
