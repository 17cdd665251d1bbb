/*
 * kvm.c: x86 state between KVM and CPUX86State, CPUID and MSRs.
 *
 * Follows the KVM API (KVM_GET/SET_REGS, SREGS, XSAVE or FPU, XCRS, MSRS,
 * VCPU_EVENTS, DEBUGREGS, MP_STATE, KVM_SET_CPUID2) and the FXSAVE/XSAVE
 * layouts of the Intel SDM Vol. 1, 10.5.1 and 13.4. CPUID is what the host's
 * KVM supports (-cpu host) plus KVM's paravirtual leaves (0x40000000
 * "KVMKVMKVM", 0x40000001 features), so a Linux guest uses kvmclock.
 * Left out: nested state, AMX/AVX-512 components (kept opaque in the XSAVE
 * area, not in CPUX86State), SMM, MCE banks, Hyper-V enlightenments.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/memory.h"
#include "sysemu/kvm.h"
#include "target/x86/cpu.h"
#include "../../accel/kvm/kvm-int.h"
#include <asm/kvm_para.h>
#include "target/x86/decode.h"
#include <capstone.h>
#include <cpuid.h>
#include <sys/ioctl.h>

#define CPUID_MAX_ENTRIES           256
#define CPUID_1_ECX_HYPERVISOR      (1u << 31)
#define CPUID_1_EBX_APIC_ID_SHIFT   24
#define CPUID_1_EBX_CLFLUSH_MASK    0x0000ff00u /* keep the CLFLUSH line size */
#define CPUID_1_EBX_LOGICAL_SHIFT   16
#define CPUID_1_EDX_HTT             (1u << 28)
#define CPUID_1_ECX_X2APIC          (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE    (1u << 24)
#define CPUID_1_EDX_MTRR            (1u << 12)
#define CPUID_LEAF_CACHE            4
#define CPUID_4_TYPE_MASK           0x1fu /* 0: no more caches */
#define CPUID_4_LEVEL_SHIFT         5
#define CPUID_4_KEEP_MASK           0x00003fffu /* type, level, self-init, fully associative */
#define CPUID_4_SHARING_SHIFT       14          /* logical processors sharing the cache - 1 */
#define CPUID_4_CORES_SHIFT         26          /* cores per package - 1 */
#define CPUID_LEAF_TOPOLOGY         0xb
#define CPUID_LEAF_TOPOLOGY_V2      0x1f
#define CPUID_TOPO_LEVEL_TYPE_SHIFT 8
#define CPUID_TOPO_LEVEL_SMT        1
#define CPUID_TOPO_SUBLEAVES        3
#define CPUID_TOPO_LEVEL_CORE       2
/* Paravirtual features tern's machine cannot honour. */
#define KVM_PV_FEATURES_UNSUPPORTED (1u << KVM_FEATURE_MSI_EXT_DEST_ID)
/* What needs KVM's own LAPIC: without it (kernel-irqchip=off) the userspace one has none of it. */
#define KVM_PV_FEATURES_NEED_LAPIC                                                                 \
    ((1u << KVM_FEATURE_PV_EOI) | (1u << KVM_FEATURE_PV_UNHALT) | (1u << KVM_FEATURE_PV_SEND_IPI))
#define CPUID_1_ECX_NEED_LAPIC (CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE)
#define KVM_PV_FEATURES_DEFAULT                                                                    \
    ((1u << KVM_FEATURE_CLOCKSOURCE) | (1u << KVM_FEATURE_NOP_IO_DELAY) |                          \
     (1u << KVM_FEATURE_CLOCKSOURCE2) | (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT))

/* XSAVE area offsets (SDM Vol. 1, 13.4); the FXSAVE part is in target/x86/cpu.h. */
#define XSAVE_HEADER_BV  512
#define XSAVE_LEGACY     512 /* the FXSAVE-format region, components 0 and 1 */
#define XSAVE_HEADER_SZ  64
#define XSAVE_ALIGN      64
#define XSAVE_FIRST_EXT  2 /* components from 2 up live at CPUID.(0xD, i):EBX */
#define XSAVE_MAX_COMP   19
#define XCOMP_BV_COMPACT (1ULL << 63)
#define XSAVE_YMMH       576
#define XSAVE_AREA_SIZE  4096

#define X86_MAX_INSN_LEN 15

typedef struct KVMX86State {
    uint8_t xsave[XSAVE_AREA_SIZE]; /* last area read from KVM: unknown components round-trip */
    bool has_xsave, has_xcrs, has_events, has_debugregs;
    bool has_lapic;
    bool has_mtrr; /* CPUID.1:EDX.MTRR as the vCPU sees it: the MTRR MSRs go too */
    struct kvm_lapic_state lapic_reset; /* the in-kernel LAPIC at creation: restored on reset */
} KVMX86State;

static struct kvm_msr_list *kvm_msr_index_list;

/* --- MSRs -------------------------------------------------------------------- */

/* MSR -> field; reset_only ones are written after reset only (TSC, kvmclock). */
static const struct {
    uint32_t index;
    size_t offset;
    bool reset_only;
} msr_table[] = {
    {MSR_IA32_SYSENTER_CS, offsetof(CPUX86State, sysenter_cs)},
    {MSR_IA32_SYSENTER_ESP, offsetof(CPUX86State, sysenter_esp)},
    {MSR_IA32_SYSENTER_EIP, offsetof(CPUX86State, sysenter_eip)},
    {MSR_PAT, offsetof(CPUX86State, pat)},
    {MSR_STAR, offsetof(CPUX86State, star)},
    {MSR_LSTAR, offsetof(CPUX86State, lstar)},
    {MSR_CSTAR, offsetof(CPUX86State, cstar)},
    {MSR_FMASK, offsetof(CPUX86State, fmask)},
    {MSR_KERNELGSBASE, offsetof(CPUX86State, kernel_gs_base)},
    {MSR_TSC_AUX, offsetof(CPUX86State, tsc_aux)},
    {MSR_IA32_MISC_ENABLE, offsetof(CPUX86State, misc_enable)},
    {MSR_IA32_SPEC_CTRL, offsetof(CPUX86State, spec_ctrl)},
    {MSR_MCG_STATUS, offsetof(CPUX86State, mcg_status)},
    {MSR_MTRRdefType, offsetof(CPUX86State, mtrr_deftype)},
    {MSR_MTRRfix64K_00000, offsetof(CPUX86State, mtrr_fixed[0])},
    {MSR_MTRRfix16K_80000, offsetof(CPUX86State, mtrr_fixed[1])},
    {MSR_MTRRfix16K_A0000, offsetof(CPUX86State, mtrr_fixed[2])},
    {MSR_MTRRfix4K_C0000 + 0, offsetof(CPUX86State, mtrr_fixed[3])},
    {MSR_MTRRfix4K_C0000 + 1, offsetof(CPUX86State, mtrr_fixed[4])},
    {MSR_MTRRfix4K_C0000 + 2, offsetof(CPUX86State, mtrr_fixed[5])},
    {MSR_MTRRfix4K_C0000 + 3, offsetof(CPUX86State, mtrr_fixed[6])},
    {MSR_MTRRfix4K_C0000 + 4, offsetof(CPUX86State, mtrr_fixed[7])},
    {MSR_MTRRfix4K_C0000 + 5, offsetof(CPUX86State, mtrr_fixed[8])},
    {MSR_MTRRfix4K_C0000 + 6, offsetof(CPUX86State, mtrr_fixed[9])},
    {MSR_MTRRfix4K_C0000 + 7, offsetof(CPUX86State, mtrr_fixed[10])},
#define MTRR_VAR(n)                                                                                \
    {MSR_MTRRphysBase(n), offsetof(CPUX86State, mtrr_var[n].base)},                                \
    {                                                                                              \
        MSR_MTRRphysMask(n), offsetof(CPUX86State, mtrr_var[n].mask)                               \
    }
    MTRR_VAR(0),
    MTRR_VAR(1),
    MTRR_VAR(2),
    MTRR_VAR(3),
    MTRR_VAR(4),
    MTRR_VAR(5),
    MTRR_VAR(6),
    MTRR_VAR(7),
#undef MTRR_VAR
    {MSR_IA32_TSC, offsetof(CPUX86State, tsc), true},
    {MSR_IA32_TSC_ADJUST, offsetof(CPUX86State, tsc_adjust), true},
    {MSR_KVM_SYSTEM_TIME_NEW, offsetof(CPUX86State, system_time_msr), true},
    {MSR_KVM_WALL_CLOCK_NEW, offsetof(CPUX86State, wall_clock_msr), true},
    {MSR_KVM_ASYNC_PF_EN, offsetof(CPUX86State, async_pf_en_msr), true},
    {MSR_KVM_STEAL_TIME, offsetof(CPUX86State, steal_time_msr), true},
    {MSR_KVM_PV_EOI_EN, offsetof(CPUX86State, pv_eoi_en_msr), true},
};

static bool msr_is_mtrr(uint32_t index)
{
    return index == MSR_MTRRdefType || index == MSR_MTRRfix64K_00000 ||
           index == MSR_MTRRfix16K_80000 || index == MSR_MTRRfix16K_A0000 ||
           (index >= MSR_MTRRfix4K_C0000 && index <= MSR_MTRRfix4K_C0000 + 7) ||
           (index >= MSR_MTRRphysBase(0) && index <= MSR_MTRRphysMask(MSR_MTRRcap_VCNT - 1));
}

static bool kvm_msr_supported(uint32_t index)
{
    if (!kvm_msr_index_list) {
        return false;
    }
    for (uint32_t i = 0; i < kvm_msr_index_list->nmsrs; i++) {
        if (kvm_msr_index_list->indices[i] == index) {
            return true;
        }
    }
    return false;
}

static bool kvm_load_msr_list(GError **errp)
{
    struct kvm_msr_list probe = {.nmsrs = 0};
    int ret;

    if (kvm_msr_index_list) {
        return true;
    }
    ioctl(kvm_state->fd, KVM_GET_MSR_INDEX_LIST, &probe); /* E2BIG, with the count */
    kvm_msr_index_list = g_malloc0(sizeof(probe) + probe.nmsrs * sizeof(uint32_t));
    kvm_msr_index_list->nmsrs = probe.nmsrs;
    ret = ioctl(kvm_state->fd, KVM_GET_MSR_INDEX_LIST, kvm_msr_index_list);
    if (ret < 0) {
        g_set_error(errp, TERN_ERROR, 0, "KVM_GET_MSR_INDEX_LIST: %s", g_strerror(errno));
        g_clear_pointer(&kvm_msr_index_list, g_free);
        return false;
    }
    return true;
}

/*
 * The MSRs to move: those KVM_GET_MSR_INDEX_LIST lists and, when CPUID
 * advertises MTRRs, the MTRRs, which KVM emulates (KVM_GET/SET_MSRS accept
 * them) but leaves out of that list. Without them the guest finds
 * MTRRdefType.E clear: Linux says "MTRRs disabled" and turns PAT off.
 * msrs_transfer skips any MSR KVM refuses after all.
 */
static struct kvm_msrs *msrs_build(CPUX86State *env, bool reset_level, bool mtrr)
{
    struct kvm_msrs *m =
        g_malloc0(sizeof(*m) + ARRAY_SIZE(msr_table) * sizeof(struct kvm_msr_entry));

    for (size_t i = 0; i < ARRAY_SIZE(msr_table); i++) {
        uint32_t index = msr_table[i].index;

        if ((msr_table[i].reset_only && !reset_level) ||
            !(kvm_msr_supported(index) || (mtrr && msr_is_mtrr(index)))) {
            continue;
        }
        m->entries[m->nmsrs].index = index;
        m->entries[m->nmsrs].data = *(uint64_t *)((uint8_t *)env + msr_table[i].offset);
        m->nmsrs++;
    }
    return m;
}

static void msrs_store(CPUX86State *env, const struct kvm_msrs *m, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        for (size_t j = 0; j < ARRAY_SIZE(msr_table); j++) {
            if (msr_table[j].index == m->entries[i].index) {
                *(uint64_t *)((uint8_t *)env + msr_table[j].offset) = m->entries[i].data;
            }
        }
    }
}

/*
 * KVM_GET/SET_MSRS stop at the first MSR KVM refuses and return how many they
 * did: skip the refused one (logged under -d unimp) and go on with the rest.
 * A refused read leaves the MSR's value in m unchanged.
 */
static void msrs_transfer(CPUState *cpu, struct kvm_msrs *m, unsigned long ioctl_nr,
                          const char *what)
{
    g_autofree struct kvm_msrs *part =
        g_malloc0(sizeof(*part) + m->nmsrs * sizeof(struct kvm_msr_entry));
    uint32_t done = 0;

    while (done < m->nmsrs) {
        int ret;

        part->nmsrs = m->nmsrs - done;
        memcpy(part->entries, &m->entries[done], part->nmsrs * sizeof(struct kvm_msr_entry));
        ret = kvm_vcpu_ioctl(cpu, ioctl_nr, part);
        if (ret < 0) {
            qemu_log_mask(LOG_UNIMP, "kvm: vCPU %d: cannot %s MSRs: %s\n", cpu->cpu_index, what,
                          g_strerror(-ret));
            return;
        }
        memcpy(&m->entries[done], part->entries, ret * sizeof(struct kvm_msr_entry));
        done += ret;
        if (done < m->nmsrs) {
            qemu_log_mask(LOG_UNIMP, "kvm: vCPU %d: KVM refused to %s MSR %#x\n", cpu->cpu_index,
                          what, m->entries[done].index);
            done++;
        }
    }
}

/* --- segments ------------------------------------------------------------------ */

void kvm_seg_to_kvm(struct kvm_segment *k, const SegmentCache *s)
{
    k->base = s->base;
    k->limit = s->limit;
    k->selector = s->selector;
    k->type = (s->flags & DESC_TYPE_MASK) >> DESC_TYPE_SHIFT;
    k->present = !!(s->flags & DESC_P_MASK);
    k->dpl = (s->flags & DESC_DPL_MASK) >> DESC_DPL_SHIFT;
    k->db = !!(s->flags & DESC_B_MASK);
    k->s = !!(s->flags & DESC_S_MASK);
    k->l = !!(s->flags & DESC_L_MASK);
    k->g = !!(s->flags & DESC_G_MASK);
    k->avl = !!(s->flags & DESC_AVL_MASK);
    k->unusable = !k->present;
}

static void seg_from_kvm(SegmentCache *s, const struct kvm_segment *k)
{
    s->base = k->base;
    s->limit = k->limit;
    s->selector = k->selector;
    s->flags = (k->type << DESC_TYPE_SHIFT) | ((k->present && !k->unusable) ? DESC_P_MASK : 0) |
               (k->dpl << DESC_DPL_SHIFT) | (k->db ? DESC_B_MASK : 0) | (k->s ? DESC_S_MASK : 0) |
               (k->l ? DESC_L_MASK : 0) | (k->g ? DESC_G_MASK : 0) | (k->avl ? DESC_AVL_MASK : 0);
}

static void sregs_to_kvm(struct kvm_sregs *sr, const CPUX86State *env)
{
    struct kvm_segment *segs[CPU_NB_SEGS] = {&sr->es, &sr->cs, &sr->ss, &sr->ds, &sr->fs, &sr->gs};

    memset(sr, 0, sizeof(*sr));
    for (int i = 0; i < CPU_NB_SEGS; i++) {
        kvm_seg_to_kvm(segs[i], &env->segs[i]);
    }
    kvm_seg_to_kvm(&sr->ldt, &env->ldt);
    kvm_seg_to_kvm(&sr->tr, &env->tr);
    sr->gdt.base = env->gdt.base;
    sr->gdt.limit = env->gdt.limit;
    sr->idt.base = env->idt.base;
    sr->idt.limit = env->idt.limit;
    sr->cr0 = env->cr[0];
    sr->cr2 = env->cr[2];
    sr->cr3 = env->cr[3];
    sr->cr4 = env->cr[4];
    sr->cr8 = env->cr8;
    sr->efer = env->efer;
    sr->apic_base = env->apic_base;
}

static void sregs_from_kvm(CPUX86State *env, const struct kvm_sregs *sr)
{
    const struct kvm_segment *segs[CPU_NB_SEGS] = {&sr->es, &sr->cs, &sr->ss,
                                                   &sr->ds, &sr->fs, &sr->gs};

    for (int i = 0; i < CPU_NB_SEGS; i++) {
        seg_from_kvm(&env->segs[i], segs[i]);
    }
    seg_from_kvm(&env->ldt, &sr->ldt);
    seg_from_kvm(&env->tr, &sr->tr);
    env->gdt.base = sr->gdt.base;
    env->gdt.limit = sr->gdt.limit;
    env->idt.base = sr->idt.base;
    env->idt.limit = sr->idt.limit;
    env->cr[0] = sr->cr0;
    env->cr[2] = sr->cr2;
    env->cr[3] = sr->cr3;
    env->cr[4] = sr->cr4;
    env->cr8 = sr->cr8;
    env->efer = sr->efer;
    env->apic_base = sr->apic_base;
}

/* --- general registers ------------------------------------------------------------ */

static void regs_to_kvm(struct kvm_regs *r, const CPUX86State *env)
{
    const uint64_t *g = env->regs;

    *r = (struct kvm_regs){
        .rax = g[R_EAX],
        .rbx = g[R_EBX],
        .rcx = g[R_ECX],
        .rdx = g[R_EDX],
        .rsi = g[R_ESI],
        .rdi = g[R_EDI],
        .rsp = g[R_ESP],
        .rbp = g[R_EBP],
        .r8 = g[8],
        .r9 = g[9],
        .r10 = g[10],
        .r11 = g[11],
        .r12 = g[12],
        .r13 = g[13],
        .r14 = g[14],
        .r15 = g[15],
        .rip = env->rip,
        .rflags = env->rflags,
    };
}

static void regs_from_kvm(CPUX86State *env, const struct kvm_regs *r)
{
    uint64_t *g = env->regs;

    g[R_EAX] = r->rax, g[R_EBX] = r->rbx, g[R_ECX] = r->rcx, g[R_EDX] = r->rdx;
    g[R_ESI] = r->rsi, g[R_EDI] = r->rdi, g[R_ESP] = r->rsp, g[R_EBP] = r->rbp;
    g[8] = r->r8, g[9] = r->r9, g[10] = r->r10, g[11] = r->r11;
    g[12] = r->r12, g[13] = r->r13, g[14] = r->r14, g[15] = r->r15;
    env->rip = r->rip;
    env->rflags = r->rflags;
}

/* --- x87/SSE/AVX --------------------------------------------------------------------- */

static int kvm_get_fpu_state(CPUState *cpu, KVMX86State *x)
{
    CPUX86State *env = cpu->env;

    if (x->has_xsave) {
        int ret = kvm_vcpu_ioctl(cpu, KVM_GET_XSAVE, x->xsave);

        if (ret < 0) {
            return ret;
        }
        x86_fxsave_to_fpu(&env->fpu, x->xsave);
        memcpy(env->fpu.ymmh, x->xsave + XSAVE_YMMH, sizeof(env->fpu.ymmh));
        return 0;
    }
    struct kvm_fpu fpu;
    int ret = kvm_vcpu_ioctl(cpu, KVM_GET_FPU, &fpu);

    if (ret < 0) {
        return ret;
    }
    memcpy(x->xsave + FXSAVE_FCW, &fpu.fcw, 2);
    memcpy(x->xsave + FXSAVE_FSW, &fpu.fsw, 2);
    x->xsave[FXSAVE_FTW] = fpu.ftwx;
    memcpy(x->xsave + FXSAVE_FOP, &fpu.last_opcode, 2);
    memcpy(x->xsave + FXSAVE_FIP, &fpu.last_ip, 8);
    memcpy(x->xsave + FXSAVE_FDP, &fpu.last_dp, 8);
    memcpy(x->xsave + FXSAVE_MXCSR, &fpu.mxcsr, 4);
    memcpy(x->xsave + FXSAVE_ST, fpu.fpr, sizeof(fpu.fpr));
    memcpy(x->xsave + FXSAVE_XMM, fpu.xmm, sizeof(fpu.xmm));
    x86_fxsave_to_fpu(&env->fpu, x->xsave);
    return 0;
}

static int kvm_put_fpu_state(CPUState *cpu, KVMX86State *x)
{
    CPUX86State *env = cpu->env;
    uint64_t bv;

    x86_fpu_to_fxsave(x->xsave, &env->fpu);
    if (x->has_xsave) {
        memcpy(x->xsave + XSAVE_YMMH, env->fpu.ymmh, sizeof(env->fpu.ymmh));
        memcpy(&bv, x->xsave + XSAVE_HEADER_BV, 8);
        bv |= XSTATE_FP_MASK | XSTATE_SSE_MASK | (env->xcr0 & XSTATE_YMM_MASK);
        memcpy(x->xsave + XSAVE_HEADER_BV, &bv, 8);
        return kvm_vcpu_ioctl(cpu, KVM_SET_XSAVE, x->xsave);
    }
    struct kvm_fpu fpu = {.fcw = env->fpu.fcw, .fsw = env->fpu.fsw};

    fpu.ftwx = x->xsave[FXSAVE_FTW];
    fpu.last_opcode = env->fpu.fop;
    fpu.last_ip = env->fpu.fip;
    fpu.last_dp = env->fpu.fdp;
    fpu.mxcsr = env->fpu.mxcsr;
    memcpy(fpu.fpr, x->xsave + FXSAVE_ST, sizeof(fpu.fpr));
    memcpy(fpu.xmm, env->fpu.xmm, sizeof(fpu.xmm));
    return kvm_vcpu_ioctl(cpu, KVM_SET_FPU, &fpu);
}

/* --- events, debug registers ------------------------------------------------------- */

static void events_from_kvm(X86EventState *e, const struct kvm_vcpu_events *k)
{
    e->exception_injected = k->exception.injected;
    e->exception_nr = k->exception.nr;
    e->has_error_code = k->exception.has_error_code;
    e->error_code = k->exception.error_code;
    e->interrupt_injected = k->interrupt.injected;
    e->interrupt_nr = k->interrupt.nr;
    e->interrupt_soft = k->interrupt.soft;
    e->interrupt_shadow = k->interrupt.shadow;
    e->nmi_injected = k->nmi.injected;
    e->nmi_pending = k->nmi.pending;
    e->nmi_masked = k->nmi.masked;
}

/*
 * nmi.pending is written only with reset-level puts: a runtime put (the
 * interpreter fallback's, once per instruction) would overwrite an NMI that
 * another vCPU or the host queued since the registers were read.
 */
static void events_to_kvm(struct kvm_vcpu_events *k, const X86EventState *e, int level)
{
    memset(k, 0, sizeof(*k));
    k->exception.injected = e->exception_injected;
    k->exception.nr = e->exception_nr;
    k->exception.has_error_code = e->has_error_code;
    k->exception.error_code = e->error_code;
    k->interrupt.injected = e->interrupt_injected;
    k->interrupt.nr = e->interrupt_nr;
    k->interrupt.soft = e->interrupt_soft;
    k->interrupt.shadow = e->interrupt_shadow;
    k->nmi.injected = e->nmi_injected;
    k->nmi.pending = e->nmi_pending;
    k->nmi.masked = e->nmi_masked;
    k->flags = KVM_VCPUEVENT_VALID_SHADOW;
    if (level >= KVM_PUT_RESET_STATE) {
        k->flags |= KVM_VCPUEVENT_VALID_NMI_PENDING;
    }
}

/* --- get / put ------------------------------------------------------------------------ */

int kvm_arch_get_registers(CPUState *cpu)
{
    CPUX86State *env = cpu->env;
    KVMX86State *x = cpu->accel->arch;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    int ret;

    if ((ret = kvm_vcpu_ioctl(cpu, KVM_GET_REGS, &regs)) < 0 ||
        (ret = kvm_vcpu_ioctl(cpu, KVM_GET_SREGS, &sregs)) < 0 ||
        (ret = kvm_get_fpu_state(cpu, x)) < 0) {
        error_report("vCPU %d: reading registers from KVM: %s", cpu->cpu_index, g_strerror(-ret));
        return ret;
    }
    regs_from_kvm(env, &regs);
    sregs_from_kvm(env, &sregs);
    if (x->has_xcrs) {
        struct kvm_xcrs xcrs = {0};

        if (kvm_vcpu_ioctl(cpu, KVM_GET_XCRS, &xcrs) >= 0) {
            for (uint32_t i = 0; i < xcrs.nr_xcrs; i++) {
                if (xcrs.xcrs[i].xcr == 0) {
                    env->xcr0 = xcrs.xcrs[i].value;
                }
            }
        }
    }
    if (x->has_events) {
        struct kvm_vcpu_events ev;

        if (kvm_vcpu_ioctl(cpu, KVM_GET_VCPU_EVENTS, &ev) >= 0) {
            events_from_kvm(&env->events, &ev);
        }
    }
    if (x->has_debugregs) {
        struct kvm_debugregs dr;

        if (kvm_vcpu_ioctl(cpu, KVM_GET_DEBUGREGS, &dr) >= 0) {
            memcpy(env->dr, dr.db, sizeof(dr.db));
            env->dr[6] = dr.dr6;
            env->dr[7] = dr.dr7;
        }
    }
    g_autofree struct kvm_msrs *m = msrs_build(env, true, x->has_mtrr);
    msrs_transfer(cpu, m, KVM_GET_MSRS, "read");
    msrs_store(env, m, m->nmsrs);
    return 0;
}

static int put_extras(CPUState *cpu, KVMX86State *x, int level)
{
    CPUX86State *env = cpu->env;

    if (x->has_xcrs) {
        struct kvm_xcrs xcrs = {.nr_xcrs = 1};

        xcrs.xcrs[0].xcr = 0;
        xcrs.xcrs[0].value = env->xcr0 ? env->xcr0 : XSTATE_FP_MASK;
        kvm_vcpu_ioctl(cpu, KVM_SET_XCRS, &xcrs);
    }
    if (x->has_events) {
        struct kvm_vcpu_events ev;

        events_to_kvm(&ev, &env->events, level);
        kvm_vcpu_ioctl(cpu, KVM_SET_VCPU_EVENTS, &ev);
    }
    if (x->has_debugregs) {
        struct kvm_debugregs dr = {.dr6 = env->dr[6], .dr7 = env->dr[7]};

        memcpy(dr.db, env->dr, sizeof(dr.db));
        kvm_vcpu_ioctl(cpu, KVM_SET_DEBUGREGS, &dr);
    }
    g_autofree struct kvm_msrs *m = msrs_build(env, level >= KVM_PUT_RESET_STATE, x->has_mtrr);
    msrs_transfer(cpu, m, KVM_SET_MSRS, "write");
    if (level >= KVM_PUT_RESET_STATE && x->has_lapic) {
        kvm_vcpu_ioctl(cpu, KVM_SET_LAPIC, &x->lapic_reset);
    }
    if (level >= KVM_PUT_RESET_STATE && kvm_irqchip_in_kernel()) {
        struct kvm_mp_state mp = {.mp_state = cpu->cpu_index == 0 ? KVM_MP_STATE_RUNNABLE
                                                                  : KVM_MP_STATE_UNINITIALIZED};
        kvm_vcpu_ioctl(cpu, KVM_SET_MP_STATE, &mp);
    }
    return 0;
}

int kvm_arch_put_registers(CPUState *cpu, int level)
{
    CPUX86State *env = cpu->env;
    KVMX86State *x = cpu->accel->arch;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    int ret;

    regs_to_kvm(&regs, env);
    sregs_to_kvm(&sregs, env);
    if ((ret = kvm_vcpu_ioctl(cpu, KVM_SET_SREGS, &sregs)) < 0 ||
        (ret = kvm_vcpu_ioctl(cpu, KVM_SET_REGS, &regs)) < 0 ||
        (ret = kvm_put_fpu_state(cpu, x)) < 0) {
        error_report("vCPU %d: writing registers to KVM: %s", cpu->cpu_index, g_strerror(-ret));
        return ret;
    }
    return put_extras(cpu, x, level);
}

/* --- CPUID ---------------------------------------------------------------------------- */

static struct kvm_cpuid2 *kvm_supported_cpuid(GError **errp)
{
    for (int n = CPUID_MAX_ENTRIES;; n *= 2) {
        struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));

        c->nent = n;
        if (ioctl(kvm_state->fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            return c;
        }
        g_free(c);
        if (errno != E2BIG || n > 4096) {
            g_set_error(errp, TERN_ERROR, 0, "KVM_GET_SUPPORTED_CPUID: %s", g_strerror(errno));
            return NULL;
        }
    }
}

static struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t fn, uint32_t index)
{
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];

        if (e->function == fn &&
            (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index)) {
            return e;
        }
    }
    return NULL;
}

/* Adds (or keeps) leaf fn; the caller has room for one more entry. */
static struct kvm_cpuid_entry2 *cpuid_get_or_add(struct kvm_cpuid2 *c, uint32_t fn)
{
    struct kvm_cpuid_entry2 *e = cpuid_find(c, fn, 0);

    if (!e) {
        e = &c->entries[c->nent++];
        memset(e, 0, sizeof(*e));
        e->function = fn;
    }
    return e;
}

static void cpuid_add_kvm_leaves(struct kvm_cpuid2 *c)
{
    static const char sig[12] = "KVMKVMKVM\0\0\0";
    struct kvm_cpuid_entry2 *e;
    bool had_features = cpuid_find(c, KVM_CPUID_FEATURES, 0) != NULL;

    e = cpuid_get_or_add(c, KVM_CPUID_SIGNATURE);
    if (e->eax < KVM_CPUID_FEATURES) {
        e->eax = KVM_CPUID_FEATURES;
    }
    memcpy(&e->ebx, sig, 4);
    memcpy(&e->ecx, sig + 4, 4);
    memcpy(&e->edx, sig + 8, 4);
    e = cpuid_get_or_add(c, KVM_CPUID_FEATURES);
    if (!had_features) {
        e->eax = KVM_PV_FEATURES_DEFAULT;
    }
    e->eax &= ~KVM_PV_FEATURES_UNSUPPORTED;
    if (!kvm_irqchip_in_kernel()) {
        e->eax &= ~KVM_PV_FEATURES_NEED_LAPIC;
    }
}

/* log2 of the smallest power of two >= n. */
static unsigned topo_bits(unsigned n)
{
    unsigned b = 0;

    while ((1u << b) < n) {
        b++;
    }
    return b;
}

/*
 * Leaf 0xB (x2APIC topology): KVM leaves it to userspace. Subleaf 0: SMT, one
 * thread per core; subleaf 1: core, every vCPU; subleaf 2: no more levels.
 * Leaf 0x1F, if the host has it, is dropped so that guests use 0xB.
 */
static void cpuid_set_topology_leaf(struct kvm_cpuid2 *c, unsigned ncpus, uint32_t apic_id)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < c->nent; i++) {
        if (c->entries[i].function != CPUID_LEAF_TOPOLOGY &&
            c->entries[i].function != CPUID_LEAF_TOPOLOGY_V2) {
            c->entries[n++] = c->entries[i];
        }
    }
    c->nent = n;
    for (uint32_t sub = 0; sub < CPUID_TOPO_SUBLEAVES; sub++) {
        struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];

        memset(e, 0, sizeof(*e));
        e->function = CPUID_LEAF_TOPOLOGY;
        e->index = sub;
        e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
        e->edx = apic_id; /* x2APIC ID */
        e->ecx = sub;
        if (sub == 0) {
            e->ebx = 1;
            e->ecx |= CPUID_TOPO_LEVEL_SMT << CPUID_TOPO_LEVEL_TYPE_SHIFT;
        } else if (sub == 1) {
            e->eax = topo_bits(ncpus);
            e->ebx = ncpus;
            e->ecx |= CPUID_TOPO_LEVEL_CORE << CPUID_TOPO_LEVEL_TYPE_SHIFT;
        }
    }
}

/*
 * The vCPU's identity and the topology tern presents: one package with
 * ncpus cores of one thread each (SDM Vol. 3A, 8.9), whatever the host is.
 * c must have room for CPUID_TOPO_SUBLEAVES more entries.
 */
static void cpuid_set_identity(struct kvm_cpuid2 *c, CPUState *cpu, unsigned ncpus)
{
    unsigned bits = topo_bits(ncpus);

    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];

        switch (e->function) {
        case 1:
            e->ebx = (e->ebx & CPUID_1_EBX_CLFLUSH_MASK) |
                     (cpu->apic_id << CPUID_1_EBX_APIC_ID_SHIFT) |
                     ((1u << bits) << CPUID_1_EBX_LOGICAL_SHIFT);
            e->ecx |= CPUID_1_ECX_HYPERVISOR;
            if (!kvm_irqchip_in_kernel()) {
                e->ecx &= ~CPUID_1_ECX_NEED_LAPIC; /* the userspace APIC's MSRs stay with KVM */
            }
            e->edx = ncpus > 1 ? (e->edx | CPUID_1_EDX_HTT) : (e->edx & ~CPUID_1_EDX_HTT);
            cpu->env->cpuid_version = e->eax;
            break;
        case CPUID_LEAF_CACHE:
            if (e->eax & CPUID_4_TYPE_MASK) {
                unsigned level = (e->eax >> CPUID_4_LEVEL_SHIFT) & 7;
                uint32_t sharing = level >= 3 ? (1u << bits) - 1 : 0;

                e->eax = (e->eax & CPUID_4_KEEP_MASK) |
                         (((1u << bits) - 1) << CPUID_4_CORES_SHIFT) |
                         (sharing << CPUID_4_SHARING_SHIFT);
            }
            break;
        }
    }
    cpuid_set_topology_leaf(c, ncpus, cpu->apic_id);
}

static bool kvm_setup_cpuid(CPUState *cpu, GError **errp)
{
    g_autofree struct kvm_cpuid2 *sup = kvm_supported_cpuid(errp);
    g_autofree struct kvm_cpuid2 *c = NULL;
    KVMX86State *x = cpu->accel->arch;
    struct kvm_cpuid_entry2 *leaf1;
    int ret;

    if (!sup) {
        return false;
    }
    /* room for KVM's leaves 0x40000000/1 and the topology subleaves */
    c = g_malloc0(sizeof(*c) +
                  (sup->nent + 2 + CPUID_TOPO_SUBLEAVES) * sizeof(struct kvm_cpuid_entry2));
    c->nent = sup->nent;
    memcpy(c->entries, sup->entries, sup->nent * sizeof(struct kvm_cpuid_entry2));
    cpuid_add_kvm_leaves(c);
    cpuid_set_identity(c, cpu, MAX(kvm_state->ms ? kvm_state->ms->smp_cpus : 1, 1u));
    ret = kvm_vcpu_ioctl(cpu, KVM_SET_CPUID2, c);
    if (ret < 0) {
        g_set_error(errp, TERN_ERROR, 0, "KVM_SET_CPUID2 on vCPU %d: %s", cpu->cpu_index,
                    g_strerror(-ret));
        return false;
    }
    leaf1 = cpuid_find(c, 1, 0);
    x->has_mtrr = leaf1 && (leaf1->edx & CPUID_1_EDX_MTRR);
    return true;
}

bool kvm_arch_init_vcpu(CPUState *cpu, GError **errp)
{
    KVMX86State *x = g_new0(KVMX86State, 1);

    cpu->accel->arch = x;
    x->has_xsave = kvm_check_extension(KVM_CAP_XSAVE) > 0;
    x->has_xcrs = kvm_check_extension(KVM_CAP_XCRS) > 0;
    x->has_events = kvm_check_extension(KVM_CAP_VCPU_EVENTS) > 0;
    x->has_debugregs = kvm_check_extension(KVM_CAP_DEBUGREGS) > 0;
    if (!kvm_load_msr_list(errp) || !kvm_setup_cpuid(cpu, errp)) {
        return false;
    }
    /* CPUID.1:EAX is now known: the reset EDX must carry it. */
    x86_cpu_reset(cpu->env, cpu->cpu_index == 0);
    x->has_lapic =
        kvm_irqchip_in_kernel() && kvm_vcpu_ioctl(cpu, KVM_GET_LAPIC, &x->lapic_reset) >= 0;
    if (x->has_xsave && kvm_vcpu_ioctl(cpu, KVM_GET_XSAVE, x->xsave) < 0) {
        x->has_xsave = false;
    }
    return true;
}

void kvm_arch_destroy_vcpu(CPUState *cpu)
{
    if (cpu->accel) {
        g_clear_pointer(&cpu->accel->arch, g_free);
    }
}

/* --- failure reports ------------------------------------------------------------------ */

bool kvm_arch_translate(CPUState *cpu, uint64_t gva, uint64_t *gpa)
{
    struct kvm_translation t = {.linear_address = gva};

    if (!(cpu->env->cr[0] & CR0_PG_MASK)) {
        *gpa = gva;
        return true;
    }
    if (kvm_vcpu_ioctl(cpu, KVM_TRANSLATE, &t) < 0 || !t.valid) {
        return false;
    }
    *gpa = t.physical_address;
    return true;
}

/* Only RAM/ROM is read for a dump: reading MMIO could change a device's state. */
static bool gpa_is_ram(uint64_t gpa)
{
    FlatView *fv = address_space_get_flatview(address_space_memory());
    MemoryRegionSection sec;
    bool ram = flatview_lookup(fv, gpa, &sec) && memory_region_is_ram(sec.mr);

    flatview_unref(fv);
    return ram;
}

/* Reads up to len code bytes at gva, page by page; returns how many were readable. */
static size_t read_code(CPUState *cpu, uint64_t gva, uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        uint64_t gpa;
        size_t chunk = MIN(len - done, TARGET_PAGE_SIZE - ((gva + done) & ~TARGET_PAGE_MASK));

        if (!kvm_arch_translate(cpu, gva + done, &gpa) || !gpa_is_ram(gpa) ||
            address_space_read(address_space_memory(), gpa, MEMTXATTRS_UNSPECIFIED, buf + done,
                               chunk) != MEMTX_OK) {
            break;
        }
        done += chunk;
    }
    return done;
}

/* Disassembles the first instruction of code[0..n) at rip in the given mode into buf. */
static bool disas_one(const uint8_t *code, size_t n, uint64_t rip, int bits, char *buf, size_t len)
{
    csh handle;
    cs_insn *insn;
    bool ok = false;

    if (cs_open(CS_ARCH_X86,
                bits == 64   ? CS_MODE_64
                : bits == 32 ? CS_MODE_32
                             : CS_MODE_16,
                &handle) != CS_ERR_OK) {
        return false;
    }
    if (cs_disasm(handle, code, n, rip, 1, &insn) == 1) {
        snprintf(buf, len, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
        cs_free(insn, 1);
        ok = true;
    }
    cs_close(&handle);
    return ok;
}

static uint64_t code_linear(const CPUX86State *env, int bits)
{
    uint64_t gva = env->segs[R_CS].base + env->rip;

    return bits == 64 ? gva : gva & 0xffffffffu;
}

bool kvm_arch_disas_insn(CPUState *cpu, char *buf, size_t len)
{
    CPUX86State *env = cpu->env;
    int bits = x86_cpu_code_bits(env);
    uint8_t code[X86_MAX_INSN_LEN + 1];
    size_t n = read_code(cpu, code_linear(env, bits), code, X86_MAX_INSN_LEN);

    if (n == 0) {
        return false;
    }
    if (!disas_one(code, n, env->rip, bits, buf, len)) {
        snprintf(buf, len, "(not decodable: %02x %02x %02x)", code[0], n > 1 ? code[1] : 0,
                 n > 2 ? code[2] : 0);
    }
    return true;
}

void kvm_arch_dump_code(CPUState *cpu, GString *out)
{
    CPUX86State *env = cpu->env;
    int bits = x86_cpu_code_bits(env);
    uint64_t gva = code_linear(env, bits);
    uint8_t code[X86_MAX_INSN_LEN + 1];
    char text[128];
    size_t n;

    n = read_code(cpu, gva, code, X86_MAX_INSN_LEN);
    g_string_append_printf(out, "code at %04x:%016" PRIx64 " (linear %#" PRIx64 "):",
                           env->segs[R_CS].selector, env->rip, gva);
    if (n == 0) {
        g_string_append(out, " not readable (not mapped, or not RAM)\n");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(out, " %02x", code[i]);
    }
    g_string_append_c(out, '\n');
    if (disas_one(code, n, env->rip, bits, text, sizeof(text))) {
        g_string_append_printf(out, "instruction (%d-bit): %s\n", bits, text);
    } else {
        g_string_append_printf(out, "instruction (%d-bit): (not decodable)\n", bits);
    }
}

/* --- XSAVE/XRSTOR for the interpreter fallback ------------------------------------------ */

/*
 * Copies between guest-virtual memory (through the guest's page tables,
 * KVM_TRANSLATE; RAM only) and buf. False when a page is not mapped RAM.
 */
static bool guest_rw(CPUState *cpu, uint64_t gva, uint8_t *buf, size_t len, bool is_write)
{
    size_t done = 0;

    while (done < len) {
        uint64_t gpa;
        size_t chunk = MIN(len - done, TARGET_PAGE_SIZE - ((gva + done) & ~TARGET_PAGE_MASK));

        if (!kvm_arch_translate(cpu, gva + done, &gpa) || !gpa_is_ram(gpa) ||
            address_space_rw(address_space_memory(), gpa, MEMTXATTRS_UNSPECIFIED, buf + done, chunk,
                             is_write) != MEMTX_OK) {
            return false;
        }
        done += chunk;
    }
    return true;
}

/*
 * Where components 2 and up lie in a guest's area (SDM Vol. 1, 13.4.3): the
 * standard format at CPUID.(0xD, i):EBX, as in KVM's own area; the compacted
 * one packed in the order of XCOMP_BV from byte 576, each 64-byte aligned
 * when CPUID.(0xD, i):ECX[1] says so. len: the bytes the area spans.
 */
typedef struct XStateLayout {
    uint32_t kvm_off[XSAVE_MAX_COMP]; /* in KVM's area (standard); 0: no such component */
    uint32_t off[XSAVE_MAX_COMP];     /* in the guest's area */
    uint32_t size[XSAVE_MAX_COMP];
    uint32_t len;
} XStateLayout;

#define CPUID_D_ECX_ALIGN64 (1u << 1)

static void xstate_layout(XStateLayout *l, uint64_t comps, bool compacted)
{
    uint32_t next = XSAVE_LEGACY + XSAVE_HEADER_SZ;

    memset(l, 0, sizeof(*l));
    l->len = next;
    for (unsigned i = XSAVE_FIRST_EXT; i < XSAVE_MAX_COMP; i++) {
        unsigned a, b, c, d;

        if (!__get_cpuid_count(0xd, i, &a, &b, &c, &d) || !a || b + a > XSAVE_AREA_SIZE) {
            continue;
        }
        l->kvm_off[i] = b;
        l->size[i] = a;
        if (!compacted) {
            l->off[i] = b;
        } else if (comps & (1ULL << i)) {
            if (c & CPUID_D_ECX_ALIGN64) {
                next = QEMU_ALIGN_UP(next, XSAVE_ALIGN);
            }
            l->off[i] = next;
            next += a;
        }
        if ((comps & (1ULL << i)) && l->off[i] + a > l->len) {
            l->len = l->off[i] + a;
        }
    }
}

/* The x87 part of the legacy region: everything in it but MXCSR, MXCSR_MASK and the XMMs. */
static void legacy_copy_x87(uint8_t *dst, const uint8_t *src)
{
    memcpy(dst, src, FXSAVE_MXCSR);
    memcpy(dst + FXSAVE_ST, src + FXSAVE_ST, FXSAVE_XMM - FXSAVE_ST);
}

/*
 * XRSTOR (SDM Vol. 1, 13.8): for each component i of RFBM = XCR0 & EDX:EAX,
 * load it from the area when its XSTATE_BV bit is set, else put it in its
 * initial state; MXCSR is loaded when RFBM has SSE or AVX.
 */
static void xrstor_area(uint8_t *kvm, const uint8_t *mem, const XStateLayout *l, uint64_t rfbm)
{
    uint64_t bv, kvm_bv;

    memcpy(&bv, mem + XSAVE_HEADER_BV, 8);
    memcpy(&kvm_bv, kvm + XSAVE_HEADER_BV, 8);
    if (rfbm & XSTATE_FP_MASK) {
        static const uint8_t init_fcw[2] = {0x7f, 0x03};

        if (bv & XSTATE_FP_MASK) {
            legacy_copy_x87(kvm, mem);
        } else {
            uint8_t zero[XSAVE_LEGACY] = {0};

            legacy_copy_x87(kvm, zero);
            memcpy(kvm + FXSAVE_FCW, init_fcw, 2);
        }
    }
    if (rfbm & XSTATE_SSE_MASK) {
        if (bv & XSTATE_SSE_MASK) {
            memcpy(kvm + FXSAVE_XMM, mem + FXSAVE_XMM, 16 * 16);
        } else {
            memset(kvm + FXSAVE_XMM, 0, 16 * 16);
        }
    }
    if (rfbm & (XSTATE_SSE_MASK | XSTATE_YMM_MASK)) {
        memcpy(kvm + FXSAVE_MXCSR, mem + FXSAVE_MXCSR, 4);
    }
    for (unsigned i = XSAVE_FIRST_EXT; i < XSAVE_MAX_COMP; i++) {
        if (!(rfbm & (1ULL << i)) || !l->kvm_off[i]) {
            continue;
        }
        if ((bv & (1ULL << i)) && l->off[i]) {
            memcpy(kvm + l->kvm_off[i], mem + l->off[i], l->size[i]);
        } else {
            memset(kvm + l->kvm_off[i], 0, l->size[i]);
        }
    }
    kvm_bv = (kvm_bv & ~rfbm) | (bv & rfbm);
    memcpy(kvm + XSAVE_HEADER_BV, &kvm_bv, 8);
}

/*
 * XSAVE/XSAVEOPT (standard format) and XSAVEC (compacted: XCOMP_BV = RFBM
 * with bit 63): every component of RFBM, and XSTATE_BV's RFBM bits.
 */
static void xsave_area(uint8_t *mem, const uint8_t *kvm, const XStateLayout *l, uint64_t rfbm,
                       bool compacted)
{
    uint64_t bv, kvm_bv;

    memcpy(&bv, mem + XSAVE_HEADER_BV, 8);
    memcpy(&kvm_bv, kvm + XSAVE_HEADER_BV, 8);
    if (rfbm & XSTATE_FP_MASK) {
        legacy_copy_x87(mem, kvm);
    }
    if (rfbm & XSTATE_SSE_MASK) {
        memcpy(mem + FXSAVE_XMM, kvm + FXSAVE_XMM, 16 * 16);
    }
    if (rfbm & (XSTATE_SSE_MASK | XSTATE_YMM_MASK)) {
        memcpy(mem + FXSAVE_MXCSR, kvm + FXSAVE_MXCSR, 8); /* MXCSR, MXCSR_MASK */
    }
    for (unsigned i = XSAVE_FIRST_EXT; i < XSAVE_MAX_COMP; i++) {
        if ((rfbm & (1ULL << i)) && l->kvm_off[i] && l->off[i]) {
            memcpy(mem + l->off[i], kvm + l->kvm_off[i], l->size[i]);
        }
    }
    if (compacted) {
        uint64_t comp = rfbm | XCOMP_BV_COMPACT;

        bv = kvm_bv & rfbm;
        memcpy(mem + XSAVE_HEADER_BV + 8, &comp, 8);
    } else {
        bv = (bv & ~rfbm) | (kvm_bv & rfbm);
    }
    memcpy(mem + XSAVE_HEADER_BV, &bv, 8);
}

/* Linear address of d's memory operand at the current RIP (the instruction is d->len long). */
static uint64_t insn_linear(const CPUX86State *env, const DecodedInsn *d, int bits)
{
    const X86MemAddr *m = &d->mem;
    uint64_t ea = m->disp, mask = d->addrsize >= 8 ? UINT64_MAX : (1ULL << (8 * d->addrsize)) - 1;

    if (m->base >= 0) {
        ea += env->regs[m->base];
    }
    if (m->index >= 0) {
        ea += env->regs[m->index] * m->scale;
    }
    if (m->rip_rel) {
        ea += env->rip + d->len;
    }
    ea &= mask;
    if (bits == 64) {
        return ea + (m->seg == R_FS || m->seg == R_GS ? env->segs[m->seg].base : 0);
    }
    return (env->segs[m->seg].base + ea) & 0xffffffffu;
}

/*
 * Decodes XSAVE/XSAVEOPT/XRSTOR (0F AE /4 /6 /5) and XSAVEC (0F C7 /4, which
 * the interpreter's decoder does not know: decoded as XSAVE, whose ModRM
 * encodes the same memory operand). *op: OP_XSAVE or OP_XRSTOR.
 */
static bool decode_xstate(const uint8_t *code, size_t n, int bits, DecodedInsn *d, bool *xsavec)
{
    uint8_t buf[X86_MAX_INSN_LEN + 1];

    *xsavec = false;
    if (x86_decode(code, n, bits, d) == X86_DECODE_OK) {
        return d->op == OP_XSAVE || d->op == OP_XRSTOR;
    }
    memcpy(buf, code, n);
    for (size_t i = 0; i + 2 < n; i++) {
        /* prefixes and REX come first; the opcode is the first 0F C7 with ModRM.reg = 4 */
        if (buf[i] == 0x0f && buf[i + 1] == 0xc7 && ((buf[i + 2] >> 3) & 7) == 4 &&
            (buf[i + 2] >> 6) != 3) {
            buf[i + 1] = 0xae;
            *xsavec = x86_decode(buf, n, bits, d) == X86_DECODE_OK && d->op == OP_XSAVE;
            return *xsavec;
        }
    }
    return false;
}

static int emulate_xstate(CPUState *cpu, GString *why)
{
    CPUX86State *env = cpu->env;
    KVMX86State *x = cpu->accel->arch;
    int bits = x86_cpu_code_bits(env);
    uint8_t code[X86_MAX_INSN_LEN + 1];
    uint8_t area[XSAVE_AREA_SIZE] = {0};
    size_t n = read_code(cpu, code_linear(env, bits), code, X86_MAX_INSN_LEN);
    XStateLayout l;
    DecodedInsn d;
    uint64_t la, rfbm, comp = 0;
    bool xsavec;

    if (!n || !decode_xstate(code, n, bits, &d, &xsavec)) {
        return 0;
    }
    if (!x->has_xsave || !(env->cr[4] & CR4_OSXSAVE_MASK)) {
        g_string_append(why, "XSAVE/XRSTOR without KVM_GET_XSAVE or CR4.OSXSAVE");
        return -1;
    }
    la = insn_linear(env, &d, bits);
    if (la & (XSAVE_ALIGN - 1)) {
        g_string_append(why, "misaligned XSAVE area (#GP) is not raised by the fallback");
        return -1;
    }
    rfbm = (env->xcr0 ? env->xcr0 : XSTATE_FP_MASK) &
           (((uint64_t)(uint32_t)env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX]);
    /* The legacy region and the header first: they say how long the area is. */
    if (!guest_rw(cpu, la, area, XSAVE_LEGACY + XSAVE_HEADER_SZ, false)) {
        g_string_append_printf(why, "XSAVE area at %#" PRIx64 " is not mapped RAM", la);
        return -1;
    }
    if (d.op == OP_XRSTOR) {
        memcpy(&comp, area + XSAVE_HEADER_BV + 8, 8);
        xstate_layout(&l, comp & XCOMP_BV_COMPACT ? comp : rfbm, comp & XCOMP_BV_COMPACT);
    } else {
        xstate_layout(&l, rfbm, xsavec);
    }
    if (l.len > sizeof(area)) { /* the guest's XCOMP_BV chose the components */
        g_string_append_printf(why, "XSAVE area of %u bytes is larger than tern handles", l.len);
        return -1;
    }
    if (!guest_rw(cpu, la, area, l.len, false)) {
        g_string_append_printf(why, "XSAVE area at %#" PRIx64 " is not mapped RAM", la);
        return -1;
    }
    if (d.op == OP_XRSTOR) {
        xrstor_area(x->xsave, area, &l, rfbm);
        /* kvm_arch_put_registers writes env->fpu over the area: make them agree. */
        x86_fxsave_to_fpu(&env->fpu, x->xsave);
        memcpy(env->fpu.ymmh, x->xsave + XSAVE_YMMH, sizeof(env->fpu.ymmh));
    } else {
        xsave_area(area, x->xsave, &l, rfbm, xsavec);
        if (!guest_rw(cpu, la, area, l.len, true)) {
            g_string_append_printf(why, "XSAVE area at %#" PRIx64 " is not writable RAM", la);
            return -1;
        }
    }
    env->rip += d.len;
    return 1;
}

/*
 * CLAC/STAC (0F 01 CA/CB, SDM Vol. 2A): clear or set RFLAGS.AC; #UD unless
 * CPL 0 with CR4.SMAP. 1 done, 0 not one of them, 2 the guest gets a #UD.
 */
static int emulate_clac_stac(CPUState *cpu)
{
    CPUX86State *env = cpu->env;
    int bits = x86_cpu_code_bits(env);
    uint8_t code[3];

    if (read_code(cpu, code_linear(env, bits), code, sizeof(code)) != sizeof(code) ||
        code[0] != 0x0f || code[1] != 0x01 || (code[2] != 0xca && code[2] != 0xcb)) {
        return 0;
    }
    if (!(env->cr[4] & CR4_SMAP_MASK) || (env->segs[R_SS].flags & DESC_DPL_MASK)) {
        return 2;
    }
    env->rflags = code[2] == 0xcb ? env->rflags | AC_MASK : env->rflags & ~(uint64_t)AC_MASK;
    env->rip += sizeof(code);
    return 1;
}

int kvm_arch_emulate_missing(CPUState *cpu, GString *why)
{
    int r = emulate_clac_stac(cpu);

    return r ? r : emulate_xstate(cpu, why);
}

/* --- LOCK CMPXCHG16B on RAM, atomically ------------------------------------------------- */

/*
 * The host page behind guest-physical gpa for len bytes of writable RAM, or
 * NULL. The flat view is held only for the lookup: RAM regions outlive it.
 */
static uint8_t *gpa_to_host(uint64_t gpa, size_t len, MemoryRegion **mr, hwaddr *off)
{
    FlatView *fv = address_space_get_flatview(address_space_memory());
    MemoryRegionSection sec;
    uint8_t *host = NULL;

    if (flatview_lookup(fv, gpa, &sec) && memory_region_is_ram(sec.mr) && !sec.readonly &&
        !sec.mr->readonly && gpa + len <= sec.offset_within_address_space + sec.size) {
        *mr = sec.mr;
        *off = sec.offset_within_region + (gpa - sec.offset_within_address_space);
        host = (uint8_t *)memory_region_get_ram_ptr(sec.mr) + *off;
    }
    flatview_unref(fv);
    return host;
}

int kvm_arch_emulate_atomic(CPUState *cpu)
{
    CPUX86State *env = cpu->env;
    uint8_t code[X86_MAX_INSN_LEN + 1];
    struct kvm_translation t = {0};
    DecodedInsn d;
    MemoryRegion *mr;
    hwaddr off;
    uint64_t *host, lo, hi;
    uint8_t zf;
    size_t n;

    /* 64-bit kernel code only: its pages need no A/D bits set (Linux maps them with both). */
    if (x86_cpu_code_bits(env) != 64 || (env->segs[R_SS].flags & DESC_DPL_MASK)) {
        return 0;
    }
    n = read_code(cpu, code_linear(env, 64), code, X86_MAX_INSN_LEN);
    if (!n || x86_decode(code, n, 64, &d) != X86_DECODE_OK || d.op != OP_CMPXCHG8B ||
        !(d.rex & REX_W)) {
        return 0;
    }
    t.linear_address = insn_linear(env, &d, 64);
    if ((t.linear_address & 15) || kvm_vcpu_ioctl(cpu, KVM_TRANSLATE, &t) < 0 || !t.valid ||
        !t.writeable) {
        return 0; /* the interpreter raises the #GP or #PF */
    }
    host = (uint64_t *)gpa_to_host(t.physical_address, 16, &mr, &off);
    if (!host) {
        return 0; /* MMIO: the interpreter, through the device model */
    }
    lo = env->regs[R_EAX];
    hi = env->regs[R_EDX];
    __asm__ volatile("lock cmpxchg16b %1; setz %0"
                     : "=q"(zf), "+m"(*(volatile __int128 *)host), "+a"(lo), "+d"(hi)
                     : "b"(env->regs[R_EBX]), "c"(env->regs[R_ECX])
                     : "memory", "cc");
    if (zf) {
        memory_region_set_dirty(mr, off, 16);
        env->rflags |= CC_Z;
    } else {
        env->regs[R_EAX] = lo;
        env->regs[R_EDX] = hi;
        env->rflags &= ~(uint64_t)CC_Z;
    }
    env->rip += d.len;
    return 1;
}
