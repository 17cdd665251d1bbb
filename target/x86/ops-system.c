/*
 * ops-system.c: flag, I/O, processor-identification and system instructions.
 *
 * Follows the Intel SDM Vol. 2 entries of CLC/STC/CMC/CLD/STD/CLI/STI,
 * LAHF/SAHF, IN/OUT (with Vol. 1, 19.5: IOPL and the TSS I/O bitmap), CPUID,
 * RDTSC/RDTSCP, HLT, INT n/INT3/INTO/INT1, MOV to/from control and debug
 * registers (Vol. 3A, 2.5), RDMSR/WRMSR (Vol. 4), SYSCALL/SYSRET and
 * SYSENTER/SYSEXIT (Vol. 3A, 5.8.7-5.8.8), SWAPGS, INVLPG, CLTS, LMSW/SMSW.
 * Left out: x87/MMX/SSE (the next issue: #NM/#UD here), MONITOR/MWAIT,
 * XSAVE, performance counters (RDPMC is #GP), and debug-register breakpoints
 * (DR0-7 are stored only).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "helper.h"
#include "fpu-helper.h"
#include "target/x86/apic-hooks.h"

#define CR0_RESERVED_HI 0xffffffff00000000ULL
#define CR4_SUPPORTED                                                                              \
    (CR4_VME_MASK | CR4_PVI_MASK | CR4_TSD_MASK | CR4_DE_MASK | CR4_PSE_MASK | CR4_PAE_MASK |      \
     CR4_MCE_MASK | CR4_PGE_MASK | CR4_PCE_MASK | CR4_OSFXSR_MASK | CR4_OSXMMEXCPT_MASK)
#define EFER_WRITABLE          (MSR_EFER_SCE | MSR_EFER_LME | MSR_EFER_NXE)
#define TSS_IOMAP_BASE_OFF     0x66 /* 32/64-bit TSS: offset of the I/O map base */
#define TSS_MIN_LIMIT          0x67
#define MTRRCAP_VALUE          (MSR_MTRRcap_VCNT | (1u << 8) | (1u << 10)) /* fixed, WC */
#define MSR_MTRRcap            0xfe
#define MSR_MCG_CAP            0x179
#define MSR_BIOS_SIGN_ID       0x8b
#define MSR_PLATFORM_ID        0x17
#define FEATURE_CONTROL_LOCKED 1

static void require_cpl0(X86CPU *cpu)
{
    if (x86_cpl(cpu->env) != 0) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
}

static int iopl(const CPUX86State *env)
{
    return (env->rflags & IOPL_MASK) >> 12;
}

/* --- port I/O ------------------------------------------------------------------------------- */

void x86_check_io(X86CPU *cpu, uint16_t port, int size)
{
    CPUX86State *env = cpu->env;
    const SegmentCache *tr = &env->tr;
    unsigned type = (tr->flags & DESC_TYPE_MASK) >> DESC_TYPE_SHIFT;
    uint32_t base, bits;

    if (!x86_protected(env) || (!x86_vm86(env) && x86_cpl(env) <= iopl(env))) {
        return;
    }
    /* Only a 32/64-bit TSS has an I/O bitmap: type 9, or 11 once busy (as after LTR). */
    if (!(tr->flags & DESC_P_MASK) || (type & 0xd) != 9 || tr->limit < TSS_MIN_LIMIT) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    base = x86_ld_idx(cpu, tr->base + TSS_IOMAP_BASE_OFF, 2, MMU_KERNEL_IDX);
    if (base + port / 8 + 1 > tr->limit) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    bits = x86_ld_idx(cpu, tr->base + base + port / 8, 2, MMU_KERNEL_IDX);
    if ((bits >> (port & 7)) & ((1u << size) - 1)) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
}

static void io_rw(X86CPU *cpu, uint16_t port, void *buf, int size, bool is_write)
{
    bool locked = bql_locked();

    if (!locked) {
        bql_lock();
    }
    address_space_rw(cpu->io, port, MEMTXATTRS_UNSPECIFIED, buf, size, is_write);
    if (!locked) {
        bql_unlock();
    }
}

uint64_t x86_io_read(X86CPU *cpu, uint16_t port, int size)
{
    uint8_t buf[8] = {0xff, 0xff, 0xff, 0xff};

    if (cpu->io) {
        io_rw(cpu, port, buf, size, false);
    }
    return ldn_le(buf, size);
}

void x86_io_write(X86CPU *cpu, uint16_t port, uint64_t val, int size)
{
    uint8_t buf[8];

    stn_le(buf, size, val);
    if (cpu->io) {
        io_rw(cpu, port, buf, size, true);
    }
}

static void exec_in_out(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    bool in = d->op == OP_IN;
    const X86Operand *port_op = &d->opnd[in ? 1 : 0];
    int size = d->opnd[in ? 0 : 1].size;
    uint16_t port = port_op->kind == X86_OPK_IMM ? (d->imm & 0xff) : (env->regs[R_EDX] & 0xffff);

    x86_check_io(cpu, port, size);
    if (in) {
        x86_set_reg(env, R_EAX, size, false, x86_io_read(cpu, port, size));
    } else {
        x86_io_write(cpu, port, env->regs[R_EAX], size);
    }
}

/* --- time ----------------------------------------------------------------------------------- */

/*
 * A 1 GHz TSC on the virtual clock, the one the PIT, HPET, PM timer, RTC and
 * APIC timer count on: invariant, the same on every vCPU at the same moment
 * (only a WRMSR to IA32_TSC gives a vCPU its own offset), and consistent with
 * those timers whatever the host's speed, so Linux's calibrations against them
 * and its clocksource watchdog agree. Under tcg the virtual clock counts
 * instructions (util/qemu-timer.c, icount); it stands still while the VM is
 * stopped.
 */
uint64_t x86_read_tsc(X86CPU *cpu)
{
    return (uint64_t)qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + cpu->tsc_offset;
}

static void exec_rdtsc(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    uint64_t tsc;

    if ((env->cr[4] & CR4_TSD_MASK) && x86_cpl(env) != 0 && x86_protected(env)) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    tsc = x86_read_tsc(cpu);
    x86_set_reg(env, R_EAX, 4, false, tsc);
    x86_set_reg(env, R_EDX, 4, false, tsc >> 32);
    if (d->op == OP_RDTSCP) {
        x86_set_reg(env, R_ECX, 4, false, env->tsc_aux);
    }
}

static void exec_cpuid(X86CPU *cpu)
{
    CPUX86State *env = cpu->env;
    uint32_t a, b, c, dd;

    x86_cpuid_tcg(env->regs[R_EAX], env->regs[R_ECX], env, &a, &b, &c, &dd);
    x86_set_reg(env, R_EAX, 4, false, a);
    x86_set_reg(env, R_EBX, 4, false, b);
    x86_set_reg(env, R_ECX, 4, false, c);
    x86_set_reg(env, R_EDX, 4, false, dd);
}

/* --- control registers ------------------------------------------------------------------------ */

static uint64_t paging_bits(const CPUX86State *env)
{
    return (env->cr[0] & (CR0_PG_MASK | CR0_WP_MASK | CR0_PE_MASK)) ^
           ((env->cr[4] & (CR4_PAE_MASK | CR4_PSE_MASK | CR4_PGE_MASK)) << 32) ^
           ((env->efer & (MSR_EFER_LMA | MSR_EFER_NXE)) << 40);
}

void x86_write_cr0(X86CPU *cpu, uint64_t val)
{
    CPUX86State *env = cpu->env;
    uint64_t before = paging_bits(env);

    if ((val & CR0_RESERVED_HI) || ((val & CR0_PG_MASK) && !(val & CR0_PE_MASK)) ||
        ((val & CR0_NW_MASK) && !(val & CR0_CD_MASK))) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    if ((val & CR0_PG_MASK) && !(env->cr[0] & CR0_PG_MASK) && (env->efer & MSR_EFER_LME)) {
        if (!(env->cr[4] & CR4_PAE_MASK)) {
            x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
        }
        env->efer |= MSR_EFER_LMA; /* entering IA-32e mode (SDM Vol. 3A, 10.8.5) */
    }
    if (!(val & CR0_PG_MASK) && (env->cr[0] & CR0_PG_MASK) && (env->efer & MSR_EFER_LMA)) {
        if (x86_code64(env)) {
            x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
        }
        env->efer &= ~(uint64_t)MSR_EFER_LMA;
    }
    env->cr[0] = val | CR0_ET_MASK;
    if (paging_bits(env) != before) {
        tlb_flush(&cpu->tlb);
    }
}

void x86_write_cr3(X86CPU *cpu, uint64_t val)
{
    CPUX86State *env = cpu->env;

    env->cr[3] = val;
    if (env->cr[4] & CR4_PGE_MASK) {
        tlb_flush_nonglobal(&cpu->tlb);
    } else {
        tlb_flush(&cpu->tlb);
    }
}

void x86_write_cr4(X86CPU *cpu, uint64_t val)
{
    CPUX86State *env = cpu->env;

    if ((val & ~(uint64_t)CR4_SUPPORTED) || ((env->efer & MSR_EFER_LMA) && !(val & CR4_PAE_MASK))) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    if (val != env->cr[4]) {
        env->cr[4] = val;
        tlb_flush(&cpu->tlb);
    }
}

bool x86_write_efer(X86CPU *cpu, uint64_t val)
{
    CPUX86State *env = cpu->env;
    uint64_t lma = env->efer & MSR_EFER_LMA;

    if (val & ~(uint64_t)(EFER_WRITABLE | MSR_EFER_LMA)) {
        return false;
    }
    if ((env->cr[0] & CR0_PG_MASK) && ((val ^ env->efer) & MSR_EFER_LME)) {
        return false; /* LME changes only with paging off */
    }
    if ((val ^ env->efer) & (MSR_EFER_NXE | MSR_EFER_LME)) {
        tlb_flush(&cpu->tlb);
    }
    env->efer = (val & EFER_WRITABLE) | lma;
    return true;
}

static void exec_mov_cr(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    bool to_cr = d->opnd[0].kind == X86_OPK_CREG;
    int cr = d->opnd[to_cr ? 0 : 1].reg;
    const X86Operand *gpr = &d->opnd[to_cr ? 1 : 0];
    uint64_t val;

    if (cr != 0 && cr != 2 && cr != 3 && cr != 4 && cr != 8) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    require_cpl0(cpu);
    if (!to_cr) {
        if (cr == 8 && x86_apic_hooks) {
            env->cr8 = x86_apic_hooks->get_cr8(cpu);
        }
        val = cr == 8 ? env->cr8 : env->cr[cr];
        x86_set_reg(env, gpr->reg, gpr->size, false, val);
        return;
    }
    val = env->regs[gpr->reg] & size_mask(gpr->size);
    switch (cr) {
    case 0:
        x86_write_cr0(cpu, val);
        break;
    case 2:
        env->cr[2] = val;
        break;
    case 3:
        x86_write_cr3(cpu, val);
        break;
    case 4:
        x86_write_cr4(cpu, val);
        break;
    default:
        if (val & ~0xfULL) {
            x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
        }
        env->cr8 = val;
        if (x86_apic_hooks) {
            x86_apic_hooks->set_cr8(cpu, val);
        }
        break;
    }
}

static void exec_mov_dr(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    bool to_dr = d->opnd[0].kind == X86_OPK_DREG;
    int dr = d->opnd[to_dr ? 0 : 1].reg;
    const X86Operand *gpr = &d->opnd[to_dr ? 1 : 0];

    if (dr > 7 || ((dr == 4 || dr == 5) && (env->cr[4] & CR4_DE_MASK))) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    require_cpl0(cpu);
    if (dr == 4 || dr == 5) {
        dr += 2;
    }
    if (to_dr) {
        env->dr[dr] = env->regs[gpr->reg] & size_mask(gpr->size);
    } else {
        x86_set_reg(env, gpr->reg, gpr->size, false, env->dr[dr]);
    }
}

/* --- MSRs ---------------------------------------------------------------------------------------
 */

static uint64_t *msr_field(CPUX86State *env, uint32_t msr)
{
    switch (msr) {
    case MSR_STAR:
        return &env->star;
    case MSR_LSTAR:
        return &env->lstar;
    case MSR_CSTAR:
        return &env->cstar;
    case MSR_FMASK:
        return &env->fmask;
    case MSR_FSBASE:
        return &env->segs[R_FS].base;
    case MSR_GSBASE:
        return &env->segs[R_GS].base;
    case MSR_KERNELGSBASE:
        return &env->kernel_gs_base;
    case MSR_TSC_AUX:
        return &env->tsc_aux;
    case MSR_IA32_SYSENTER_CS:
        return &env->sysenter_cs;
    case MSR_IA32_SYSENTER_ESP:
        return &env->sysenter_esp;
    case MSR_IA32_SYSENTER_EIP:
        return &env->sysenter_eip;
    case MSR_PAT:
        return &env->pat;
    case MSR_IA32_MISC_ENABLE:
        return &env->misc_enable;
    case MSR_MCG_STATUS:
        return &env->mcg_status;
    case MSR_MTRRdefType:
        return &env->mtrr_deftype;
    case MSR_MTRRfix64K_00000:
        return &env->mtrr_fixed[0];
    case MSR_MTRRfix16K_80000:
        return &env->mtrr_fixed[1];
    case MSR_MTRRfix16K_A0000:
        return &env->mtrr_fixed[2];
    case MSR_MTRRfix4K_C0000 ... MSR_MTRRfix4K_C0000 + 7:
        return &env->mtrr_fixed[3 + msr - MSR_MTRRfix4K_C0000];
    case MSR_MTRRphysBase(0)... MSR_MTRRphysMask(MSR_MTRRcap_VCNT - 1):
        return (msr & 1) ? &env->mtrr_var[(msr - 0x200) / 2].mask
                         : &env->mtrr_var[(msr - 0x200) / 2].base;
    }
    return NULL;
}

static bool rdmsr(X86CPU *cpu, uint32_t msr, uint64_t *val)
{
    CPUX86State *env = cpu->env;
    uint64_t *f = msr_field(env, msr);

    if (f) {
        *val = *f;
        return true;
    }
    if (x86_apic_hooks && x86_is_apic_msr(msr)) {
        return x86_apic_hooks->msr_read(cpu, msr, val);
    }
    switch (msr) {
    case MSR_EFER:
        *val = env->efer;
        return true;
    case MSR_IA32_TSC:
        *val = x86_read_tsc(cpu);
        return true;
    case MSR_IA32_APICBASE:
        *val = env->apic_base;
        return true;
    case MSR_MTRRcap:
        *val = MTRRCAP_VALUE;
        return true;
    case MSR_IA32_FEATURE_CONTROL:
        *val = FEATURE_CONTROL_LOCKED; /* locked with VMX off */
        return true;
    case MSR_MCG_CAP: /* no banks, no IA32_MCG_CTL: CPUID's MCA with nothing to report */
    case MSR_BIOS_SIGN_ID:
    case MSR_PLATFORM_ID:
        *val = 0;
        return true;
    }
    return false;
}

static bool wrmsr(X86CPU *cpu, uint32_t msr, uint64_t val)
{
    CPUX86State *env = cpu->env;
    uint64_t *f = msr_field(env, msr);

    if (x86_apic_hooks && x86_is_apic_msr(msr)) {
        return x86_apic_hooks->msr_write(cpu, msr, val);
    }
    switch (msr) {
    case MSR_EFER:
        return x86_write_efer(cpu, val);
    case MSR_IA32_TSC:
        cpu->tsc_offset += val - x86_read_tsc(cpu);
        return true;
    case MSR_IA32_APICBASE:
        env->apic_base = (val & ~0x2ffULL) | (env->apic_base & MSR_IA32_APICBASE_BSP);
        return true;
    case MSR_FSBASE:
    case MSR_GSBASE:
    case MSR_KERNELGSBASE:
    case MSR_LSTAR:
    case MSR_CSTAR:
    case MSR_IA32_SYSENTER_ESP:
    case MSR_IA32_SYSENTER_EIP:
        if (sext(val, 6) != (int64_t)val) {
            return false; /* must be canonical */
        }
        break;
    case MSR_BIOS_SIGN_ID:
        return true;
    }
    if (!f) {
        return false;
    }
    *f = val;
    return true;
}

static void exec_msr(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    uint32_t msr = env->regs[R_ECX];
    uint64_t val;

    require_cpl0(cpu);
    if (d->op == OP_RDMSR) {
        if (!rdmsr(cpu, msr, &val)) {
            qemu_log_mask(LOG_UNIMP, "rdmsr 0x%x: unknown MSR, #GP\n", msr);
            x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
        }
        x86_set_reg(env, R_EAX, 4, false, val);
        x86_set_reg(env, R_EDX, 4, false, val >> 32);
        return;
    }
    val = (env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX];
    if (!wrmsr(cpu, msr, val)) {
        qemu_log_mask(LOG_UNIMP, "wrmsr 0x%x <- 0x%" PRIx64 ": refused, #GP\n", msr, val);
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
}

/* --- fast system calls --------------------------------------------------------------------------
 */

#define FLAT_CODE (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK)
#define FLAT_DATA (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_B_MASK)

static void set_flat(CPUX86State *env, int seg, uint32_t sel, uint32_t flags, int dpl)
{
    x86_seg_set_flat(&env->segs[seg], sel, flags | ((uint32_t)dpl << DESC_DPL_SHIFT));
}

static void exec_syscall(X86CPU *cpu)
{
    CPUX86State *env = cpu->env;
    uint32_t sel = (env->star >> 32) & 0xfffc;

    if (!(env->efer & MSR_EFER_SCE)) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    if (x86_long_mode(env)) {
        bool from64 = x86_code64(env);

        env->regs[R_ECX] = cpu->next_rip;
        env->regs[R_R11] = env->rflags & ~(uint64_t)RF_MASK;
        env->rflags &= ~(env->fmask | RF_MASK);
        set_flat(env, R_CS, sel, FLAT_CODE | DESC_L_MASK, 0);
        set_flat(env, R_SS, sel + 8, FLAT_DATA, 0);
        env->rip = from64 ? env->lstar : env->cstar;
        return;
    }
    env->regs[R_ECX] = (uint32_t)cpu->next_rip;
    env->rflags &= ~(uint64_t)(IF_MASK | VM_MASK | RF_MASK);
    set_flat(env, R_CS, sel, FLAT_CODE | DESC_B_MASK, 0);
    set_flat(env, R_SS, sel + 8, FLAT_DATA, 0);
    env->rip = (uint32_t)env->star;
}

static void exec_sysret(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    uint32_t sel = (env->star >> 48) & 0xfffc;

    if (!(env->efer & MSR_EFER_SCE)) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    if (!x86_protected(env) || x86_cpl(env) != 0) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    if (x86_long_mode(env)) {
        bool to64 = d->rex & REX_W;

        if (to64 && sext(env->regs[R_ECX], 6) != (int64_t)env->regs[R_ECX]) {
            x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
        }
        x86_write_eflags(cpu, env->regs[R_R11] & ~(uint64_t)(RF_MASK | VM_MASK), UINT64_MAX);
        if (to64) {
            set_flat(env, R_CS, (sel + 16) | 3, FLAT_CODE | DESC_L_MASK, 3);
            env->rip = env->regs[R_ECX];
        } else {
            set_flat(env, R_CS, sel | 3, FLAT_CODE | DESC_B_MASK, 3);
            env->rip = (uint32_t)env->regs[R_ECX];
        }
    } else {
        env->rflags |= IF_MASK;
        set_flat(env, R_CS, sel | 3, FLAT_CODE | DESC_B_MASK, 3);
        env->rip = (uint32_t)env->regs[R_ECX];
    }
    env->segs[R_SS].selector = (sel + 8) | 3; /* SS keeps its cached attributes but DPL 3 */
    env->segs[R_SS].flags = FLAT_DATA | DESC_G_MASK | (3u << DESC_DPL_SHIFT);
    env->segs[R_SS].base = 0;
    env->segs[R_SS].limit = 0xffffffff;
}

static void exec_sysenter(X86CPU *cpu)
{
    CPUX86State *env = cpu->env;
    uint32_t sel = env->sysenter_cs & 0xfffc;

    if (!x86_protected(env) || sel == 0) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    env->rflags &= ~(uint64_t)(VM_MASK | IF_MASK | RF_MASK);
    set_flat(env, R_CS, sel, FLAT_CODE | (x86_long_mode(env) ? DESC_L_MASK : DESC_B_MASK), 0);
    set_flat(env, R_SS, sel + 8, FLAT_DATA, 0);
    env->regs[R_ESP] = x86_long_mode(env) ? env->sysenter_esp : (uint32_t)env->sysenter_esp;
    env->rip = x86_long_mode(env) ? env->sysenter_eip : (uint32_t)env->sysenter_eip;
}

static void exec_sysexit(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    uint32_t sel = env->sysenter_cs & 0xfffc;
    bool to64 = d->rex & REX_W;

    if (!x86_protected(env) || sel == 0 || x86_cpl(env) != 0) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    if (to64) {
        set_flat(env, R_CS, (sel + 32) | 3, FLAT_CODE | DESC_L_MASK, 3);
        set_flat(env, R_SS, (sel + 40) | 3, FLAT_DATA, 3);
        env->regs[R_ESP] = env->regs[R_ECX];
        env->rip = env->regs[R_EDX];
    } else {
        set_flat(env, R_CS, (sel + 16) | 3, FLAT_CODE | DESC_B_MASK, 3);
        set_flat(env, R_SS, (sel + 24) | 3, FLAT_DATA, 3);
        env->regs[R_ESP] = (uint32_t)env->regs[R_ECX];
        env->rip = (uint32_t)env->regs[R_EDX];
    }
}

/* --- flags and interrupts ------------------------------------------------------------------------
 */

static void exec_cli_sti(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;

    if (x86_protected(env) && x86_cpl(env) > iopl(env)) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0); /* also v8086 with IOPL < 3 (no VME) */
    }
    if (d->op == OP_CLI) {
        env->rflags &= ~(uint64_t)IF_MASK;
    } else {
        if (!(env->rflags & IF_MASK)) {
            cpu->intr_shadow = true; /* interrupts wait until after the next instruction */
        }
        env->rflags |= IF_MASK;
    }
}

static void exec_flag_op(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    const uint64_t sahf_mask = CC_S | CC_Z | CC_A | CC_P | CC_C;

    switch (d->op) {
    case OP_CLC:
        env->rflags &= ~(uint64_t)CC_C;
        break;
    case OP_STC:
        env->rflags |= CC_C;
        break;
    case OP_CMC:
        env->rflags ^= CC_C;
        break;
    case OP_CLD:
        env->rflags &= ~(uint64_t)DF_MASK;
        break;
    case OP_STD:
        env->rflags |= DF_MASK;
        break;
    case OP_LAHF:
        x86_set_reg(env, R_EAX, 1, true, (env->rflags & sahf_mask) | RFLAGS_FIXED);
        break;
    default: /* SAHF */
        flags_set(env, sahf_mask, (env->regs[R_EAX] >> 8) & sahf_mask);
        break;
    }
}

static void exec_int(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;

    switch (d->op) {
    case OP_INT:
        if (x86_vm86(env) && iopl(env) != 3) {
            x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
        }
        x86_raise_interrupt(cpu, d->imm & 0xff, true);
    case OP_INT3:
        x86_raise_interrupt(cpu, EXCP03_INT3, true);
    case OP_INTO:
        if (env->rflags & CC_O) {
            x86_raise_interrupt(cpu, EXCP04_INTO, true);
        }
        return;
    default: /* INT1 */
        x86_raise_interrupt(cpu, EXCP01_DB, false);
    }
}

/* x87/MMX/SSE are the next issue's: #NM when CR0.EM/TS say so, else #UD. */
static void exec_fpu_sse(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;

    if (d->op == OP_FPU && (env->cr[0] & (CR0_EM_MASK | CR0_TS_MASK))) {
        x86_raise_exception(cpu, EXCP07_PREX);
    }
    qemu_log_mask(LOG_UNIMP, "x86: %s (opcode %02x map %d) not implemented: #UD\n",
                  x86_op_name(d->op), d->opcode, d->map);
    x86_raise_exception(cpu, EXCP06_ILLOP);
}

static void exec_misc_system(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;

    switch (d->op) {
    case OP_CLTS:
        require_cpl0(cpu);
        env->cr[0] &= ~(uint64_t)CR0_TS_MASK;
        break;
    case OP_INVD:
    case OP_WBINVD:
        require_cpl0(cpu);
        break;
    case OP_INVLPG:
        require_cpl0(cpu);
        tlb_flush_page(&cpu->tlb, x86_seg_linear(cpu, d->mem.seg, cpu->ea, 1, MMU_DATA_LOAD));
        break;
    case OP_SMSW:
        x86_write_opnd(cpu, d, 0, env->cr[0] & 0xffff);
        break;
    case OP_LMSW: {
        uint64_t v = x86_read_opnd(cpu, d, 0) & 0xf;

        require_cpl0(cpu);
        /* LMSW sets PE but never clears it. */
        v |= env->cr[0] & CR0_PE_MASK;
        x86_write_cr0(cpu, (env->cr[0] & ~0xfULL) | v);
        break;
    }
    case OP_SWAPGS: {
        uint64_t t = env->segs[R_GS].base;

        require_cpl0(cpu);
        env->segs[R_GS].base = env->kernel_gs_base;
        env->kernel_gs_base = t;
        break;
    }
    case OP_HLT:
        require_cpl0(cpu);
        env->halted = true;
        break;
    case OP_RDPMC:
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    case OP_CLFLUSH:
        /* checked as a byte load, page walk included: #PF on a not-present page, as on hardware */
        x86_tlb_fill(cpu, x86_seg_linear(cpu, d->mem.seg, cpu->ea, 1, MMU_DATA_LOAD), MMU_DATA_LOAD,
                     x86_mmu_index(env));
        break;
    case OP_WAIT:
        if ((env->cr[0] & (CR0_MP_MASK | CR0_TS_MASK)) == (CR0_MP_MASK | CR0_TS_MASK)) {
            x86_raise_exception(cpu, EXCP07_PREX);
        }
        x86_fpu_wait(cpu);
        break;
    case OP_UD:
    case OP_INVALID:
    default:
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
}

void x86_exec_system(X86CPU *cpu, const DecodedInsn *d)
{
    switch (d->op) {
    case OP_NOP:
    case OP_PAUSE:
    case OP_PREFETCH:
    case OP_FENCE:
        break;
    case OP_CPUID:
        exec_cpuid(cpu);
        break;
    case OP_RDTSC:
    case OP_RDTSCP:
        exec_rdtsc(cpu, d);
        break;
    case OP_IN:
    case OP_OUT:
        exec_in_out(cpu, d);
        break;
    case OP_CLI:
    case OP_STI:
        exec_cli_sti(cpu, d);
        break;
    case OP_LAHF:
    case OP_SAHF:
    case OP_CLC ... OP_STD:
        exec_flag_op(cpu, d);
        break;
    case OP_INT ... OP_INT1:
        exec_int(cpu, d);
        break;
    case OP_IRET:
        x86_iret(cpu, d->opsize);
        break;
    case OP_MOV_CR:
        exec_mov_cr(cpu, d);
        break;
    case OP_MOV_DR:
        exec_mov_dr(cpu, d);
        break;
    case OP_RDMSR:
    case OP_WRMSR:
        exec_msr(cpu, d);
        break;
    case OP_SYSCALL:
        exec_syscall(cpu);
        break;
    case OP_SYSRET:
        exec_sysret(cpu, d);
        break;
    case OP_SYSENTER:
        exec_sysenter(cpu);
        break;
    case OP_SYSEXIT:
        exec_sysexit(cpu, d);
        break;
    case OP_ARPL:
    case OP_LES ... OP_LGS:
    case OP_SGDT ... OP_LIDT:
    case OP_SLDT ... OP_LSL:
        x86_exec_seg(cpu, d);
        break;
    case OP_FPU:
    case OP_FXSAVE ... OP_STMXCSR:
        x86_exec_fpu(cpu, d);
        break;
    case OP_SSE:
    case OP_EMMS:
        x86_exec_sse(cpu, d);
        break;
    case OP_XSAVE ... OP_CRC32:
    case OP_MONITOR ... OP_RSM:
        exec_fpu_sse(cpu, d);
        break;
    default:
        exec_misc_system(cpu, d);
        break;
    }
}
