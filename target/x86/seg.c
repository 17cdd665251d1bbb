/*
 * seg.c: segmentation: loading segment registers, descriptor tables, far
 * control transfers.
 *
 * Follows the Intel SDM Vol. 3A: 3.4 (selectors, descriptors, the hidden
 * descriptor cache), 5.5-5.8 (privilege checks for data and stack segments,
 * far JMP/CALL/RET between code segments, returns to outer levels), 7.2.4
 * (LTR marks the TSS busy) and Vol. 2's LAR/LSL/VERR/VERW/ARPL/LGDT/SGDT.
 * Left out: call gates and task switches through far JMP/CALL (logged under
 * -d unimp and #GP), which neither Linux nor the test kernels use.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "helper.h"

#define SEL_RPL_MASK  3
#define SEL_TI_MASK   4
#define SEL_INDEX     0xfff8
#define DESC_HI_FLAGS 0x00f0ff00u /* type, S, DPL, P, AVL, L, D/B, G */
#define DESC_ACCESSED (1u << 8)

static bool sel_is_null(uint32_t sel)
{
    return (sel & ~SEL_RPL_MASK) == 0;
}

static int desc_dpl(uint32_t hi)
{
    return (hi >> DESC_DPL_SHIFT) & 3;
}

bool x86_read_descriptor(X86CPU *cpu, uint32_t selector, uint32_t *lo, uint32_t *hi)
{
    CPUX86State *env = cpu->env;
    uint64_t base;
    uint32_t limit, index = selector & SEL_INDEX;

    if (selector & SEL_TI_MASK) {
        if (!(env->ldt.flags & DESC_P_MASK)) {
            return false;
        }
        base = env->ldt.base;
        limit = env->ldt.limit;
    } else {
        base = env->gdt.base;
        limit = env->gdt.limit;
    }
    if (index + 7 > limit) {
        return false;
    }
    *lo = x86_ld_idx(cpu, base + index, 4, MMU_KERNEL_IDX);
    *hi = x86_ld_idx(cpu, base + index + 4, 4, MMU_KERNEL_IDX);
    return true;
}

/* Sets the accessed bit in the descriptor in memory, as a load does. */
static void mark_accessed(X86CPU *cpu, uint32_t selector, uint32_t hi)
{
    CPUX86State *env = cpu->env;
    uint64_t base = (selector & SEL_TI_MASK) ? env->ldt.base : env->gdt.base;

    if (!(hi & DESC_ACCESSED)) {
        x86_st_idx(cpu, base + (selector & SEL_INDEX) + 4, hi | DESC_ACCESSED, 4, MMU_KERNEL_IDX);
    }
}

void x86_seg_cache_from_desc(SegmentCache *sc, uint32_t selector, uint32_t lo, uint32_t hi)
{
    uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);

    sc->selector = selector;
    sc->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
    sc->limit = (hi & DESC_G_MASK) ? (limit << 12) | 0xfff : limit;
    sc->flags = hi & DESC_HI_FLAGS;
}

void x86_load_seg_real(CPUX86State *env, int seg, uint32_t selector)
{
    SegmentCache *sc = &env->segs[seg];

    sc->selector = selector & 0xffff;
    sc->base = (selector & 0xffff) << 4;
    if (x86_vm86(env)) {
        /* virtual-8086 segments: 64 KiB, writable, DPL 3 (SDM Vol. 3A, 20.1.1) */
        sc->limit = 0xffff;
        sc->flags = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | (3u << DESC_DPL_SHIFT) |
                    (seg == R_CS ? DESC_CS_MASK : 0);
    }
}

static QEMU_NORETURN void gp_sel(X86CPU *cpu, uint32_t selector)
{
    x86_raise_exception_err(cpu, EXCP0D_GPF, selector & 0xfffc);
}

void x86_load_ss_for_cpl(X86CPU *cpu, uint32_t selector, int cpl, int vector_ts)
{
    CPUX86State *env = cpu->env;
    uint32_t lo, hi;

    if (sel_is_null(selector)) {
        if (x86_long_mode(env) && cpl != 3) {
            env->segs[R_SS].selector = selector;
            env->segs[R_SS].flags = (uint32_t)cpl << DESC_DPL_SHIFT; /* usable null SS */
            env->segs[R_SS].base = 0;
            env->segs[R_SS].limit = 0;
            return;
        }
        x86_raise_exception_err(cpu, vector_ts, 0);
    }
    if (!x86_read_descriptor(cpu, selector, &lo, &hi) || (int)(selector & SEL_RPL_MASK) != cpl ||
        desc_dpl(hi) != cpl ||
        (hi & (DESC_S_MASK | DESC_CS_MASK | DESC_W_MASK)) != (DESC_S_MASK | DESC_W_MASK)) {
        x86_raise_exception_err(cpu, vector_ts, selector & 0xfffc);
    }
    if (!(hi & DESC_P_MASK)) {
        x86_raise_exception_err(cpu, EXCP0C_STACK, selector & 0xfffc);
    }
    mark_accessed(cpu, selector, hi);
    x86_seg_cache_from_desc(&env->segs[R_SS], selector, lo, hi | DESC_ACCESSED);
}

void x86_load_seg(X86CPU *cpu, int seg, uint32_t selector)
{
    CPUX86State *env = cpu->env;
    int cpl = x86_cpl(env), rpl = selector & SEL_RPL_MASK;
    uint32_t lo, hi;

    if (!x86_protected(env) || x86_vm86(env)) {
        x86_load_seg_real(env, seg, selector);
        return;
    }
    if (seg == R_SS) {
        x86_load_ss_for_cpl(cpu, selector, cpl, EXCP0D_GPF);
        return;
    }
    if (sel_is_null(selector)) {
        /* A null selector loads an unusable segment; using it faults (mem.c). */
        env->segs[seg].selector = selector;
        env->segs[seg].flags = 0;
        if (!x86_code64(env)) {
            env->segs[seg].base = 0;
        }
        env->segs[seg].limit = 0;
        return;
    }
    if (!x86_read_descriptor(cpu, selector, &lo, &hi) || !(hi & DESC_S_MASK) ||
        ((hi & DESC_CS_MASK) && !(hi & DESC_R_MASK))) {
        gp_sel(cpu, selector);
    }
    /* Data and non-conforming code: DPL >= max(CPL, RPL). */
    if ((!(hi & DESC_CS_MASK) || !(hi & DESC_C_MASK)) && desc_dpl(hi) < MAX(cpl, rpl)) {
        gp_sel(cpu, selector);
    }
    if (!(hi & DESC_P_MASK)) {
        x86_raise_exception_err(cpu, EXCP0B_NOSEG, selector & 0xfffc);
    }
    mark_accessed(cpu, selector, hi);
    x86_seg_cache_from_desc(&env->segs[seg], selector, lo, hi | DESC_ACCESSED);
}

void x86_load_cs(X86CPU *cpu, uint32_t selector, uint32_t lo, uint32_t hi, int cpl)
{
    CPUX86State *env = cpu->env;

    mark_accessed(cpu, selector, hi);
    x86_seg_cache_from_desc(&env->segs[R_CS], (selector & ~SEL_RPL_MASK) | cpl, lo,
                            hi | DESC_ACCESSED);
    /* CPL is CS.DPL in this model: a conforming segment runs at the caller's level. */
    env->segs[R_CS].flags = (env->segs[R_CS].flags & ~DESC_DPL_MASK) | (cpl << DESC_DPL_SHIFT);
}

void x86_invalidate_data_segs(X86CPU *cpu)
{
    CPUX86State *env = cpu->env;
    static const int segs[] = {R_ES, R_DS, R_FS, R_GS};
    int cpl = x86_cpl(env);

    for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
        SegmentCache *sc = &env->segs[segs[i]];
        bool conforming_code = (sc->flags & DESC_CS_MASK) && (sc->flags & DESC_C_MASK);
        int dpl = (sc->flags & DESC_DPL_MASK) >> DESC_DPL_SHIFT;

        if (!conforming_code && dpl < cpl) {
            sc->selector = 0;
            sc->flags = 0;
        }
    }
}

/* A code-segment descriptor a far JMP/CALL may target from cpl; else #GP/#NP. */
static void check_code_target(X86CPU *cpu, uint32_t selector, uint32_t *lo, uint32_t *hi)
{
    CPUX86State *env = cpu->env;
    int cpl = x86_cpl(env);

    if (sel_is_null(selector)) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    if (!x86_read_descriptor(cpu, selector, lo, hi)) {
        gp_sel(cpu, selector);
    }
    if (!(*hi & DESC_S_MASK)) {
        qemu_log_mask(LOG_UNIMP, "far transfer through a gate or TSS (selector %#x): #GP\n",
                      selector);
        gp_sel(cpu, selector);
    }
    if (!(*hi & DESC_CS_MASK)) {
        gp_sel(cpu, selector);
    }
    if (*hi & DESC_C_MASK) {
        if (desc_dpl(*hi) > cpl) {
            gp_sel(cpu, selector);
        }
    } else if ((int)(selector & SEL_RPL_MASK) > cpl || desc_dpl(*hi) != cpl) {
        gp_sel(cpu, selector);
    }
    if (!(*hi & DESC_P_MASK)) {
        x86_raise_exception_err(cpu, EXCP0B_NOSEG, selector & 0xfffc);
    }
}

/* The new RIP after a far transfer: canonical for 64-bit code, within the limit otherwise. */
static void far_set_rip(X86CPU *cpu, uint64_t off, int opsize)
{
    CPUX86State *env = cpu->env;

    if (!x86_code64(env)) {
        off &= size_mask(MIN(opsize, 4));
        if (off > env->segs[R_CS].limit) {
            x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
        }
    } else if (sext(off, 6) != (int64_t)off) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    env->rip = off;
}

static bool real_or_vm86(const CPUX86State *env)
{
    return !x86_protected(env) || x86_vm86(env);
}

void x86_far_jump(X86CPU *cpu, uint32_t selector, uint64_t offset, int opsize)
{
    CPUX86State *env = cpu->env;
    SegmentCache saved = env->segs[R_CS];
    uint32_t lo, hi;

    if (real_or_vm86(env)) {
        x86_load_seg_real(env, R_CS, selector);
        env->rip = offset & size_mask(opsize);
        return;
    }
    check_code_target(cpu, selector, &lo, &hi);
    x86_load_cs(cpu, selector, lo, hi, x86_cpl(env));
    /* A bad offset faults with the old CS still loaded. */
    if (!x86_code64(env) && (offset & size_mask(MIN(opsize, 4))) > env->segs[R_CS].limit) {
        env->segs[R_CS] = saved;
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    far_set_rip(cpu, offset, opsize);
}

void x86_far_call(X86CPU *cpu, uint32_t selector, uint64_t offset, int opsize)
{
    CPUX86State *env = cpu->env;
    uint64_t ret = cpu->next_rip;
    uint32_t old_cs = env->segs[R_CS].selector, lo, hi;

    if (real_or_vm86(env)) {
        x86_push(cpu, old_cs, opsize);
        x86_push(cpu, ret, opsize);
        x86_load_seg_real(env, R_CS, selector);
        env->rip = offset & size_mask(opsize);
        return;
    }
    check_code_target(cpu, selector, &lo, &hi);
    x86_push(cpu, old_cs, opsize);
    x86_push(cpu, ret, opsize);
    x86_load_cs(cpu, selector, lo, hi, x86_cpl(env));
    far_set_rip(cpu, offset, opsize);
}

void x86_far_ret(X86CPU *cpu, int opsize, uint16_t pop_bytes)
{
    CPUX86State *env = cpu->env;
    int ss = x86_stack_size(env), cpl = x86_cpl(env), rpl;
    uint64_t ip = x86_stack_peek(cpu, 0, opsize);
    uint32_t sel = x86_stack_peek(cpu, opsize, opsize) & 0xffff, lo, hi;

    if (real_or_vm86(env)) {
        x86_set_reg(env, R_ESP, ss, false,
                    (env->regs[R_ESP] + 2 * opsize + pop_bytes) & size_mask(ss));
        x86_load_seg_real(env, R_CS, sel);
        env->rip = ip & size_mask(opsize);
        return;
    }
    rpl = sel & SEL_RPL_MASK;
    if (sel_is_null(sel) || rpl < cpl || !x86_read_descriptor(cpu, sel, &lo, &hi) ||
        !(hi & DESC_S_MASK) || !(hi & DESC_CS_MASK) ||
        ((hi & DESC_C_MASK) ? desc_dpl(hi) > rpl : desc_dpl(hi) != rpl)) {
        gp_sel(cpu, sel);
    }
    if (!(hi & DESC_P_MASK)) {
        x86_raise_exception_err(cpu, EXCP0B_NOSEG, sel & 0xfffc);
    }
    if (rpl == cpl) {
        x86_load_cs(cpu, sel, lo, hi, cpl);
        far_set_rip(cpu, ip, opsize);
        x86_set_reg(env, R_ESP, ss, false,
                    (env->regs[R_ESP] + 2 * opsize + pop_bytes) & size_mask(ss));
        return;
    }
    /* Return to an outer level: the caller's SS:rSP follow the parameters. */
    uint64_t new_sp = x86_stack_peek(cpu, 2 * opsize + pop_bytes, opsize);
    uint32_t new_ss = x86_stack_peek(cpu, 3 * opsize + pop_bytes, opsize) & 0xffff;

    x86_load_cs(cpu, sel, lo, hi, rpl);
    x86_load_ss_for_cpl(cpu, new_ss, rpl, EXCP0D_GPF);
    far_set_rip(cpu, ip, opsize);
    ss = x86_stack_size(env);
    x86_set_reg(env, R_ESP, ss, false, (new_sp + pop_bytes) & size_mask(ss));
    x86_invalidate_data_segs(cpu);
}

/* --- descriptor-table instructions ---------------------------------------------------------- */

static void exec_lxs(X86CPU *cpu, const DecodedInsn *d)
{
    static const int seg_of[] = {[OP_LES - OP_LES] = R_ES,
                                 [OP_LDS - OP_LES] = R_DS,
                                 [OP_LSS - OP_LES] = R_SS,
                                 [OP_LFS - OP_LES] = R_FS,
                                 [OP_LGS - OP_LES] = R_GS};
    int size = d->opnd[0].size;
    uint64_t off = x86_ld_seg(cpu, d->mem.seg, cpu->ea, size);
    uint32_t sel = x86_ld_seg(cpu, d->mem.seg, (cpu->ea + size) & size_mask(d->addrsize), 2);

    x86_load_seg(cpu, seg_of[d->op - OP_LES], sel);
    x86_write_opnd(cpu, d, 0, off);
}

/* SGDT/SIDT/LGDT/LIDT: limit, then a 32-bit (24 with a 16-bit operand) or 64-bit base. */
static void exec_dtr(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    DescTable *t = (d->op == OP_SGDT || d->op == OP_LGDT) ? &env->gdt : &env->idt;
    int bsize = x86_code64(env) ? 8 : 4;
    uint64_t base_off = (cpu->ea + 2) & size_mask(d->addrsize);

    if (d->op == OP_SGDT || d->op == OP_SIDT) {
        x86_st_seg(cpu, d->mem.seg, cpu->ea, t->limit, 2);
        x86_st_seg(cpu, d->mem.seg, base_off, t->base, bsize);
        return;
    }
    if (x86_cpl(env) != 0) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    uint32_t limit = x86_ld_seg(cpu, d->mem.seg, cpu->ea, 2);
    uint64_t base = x86_ld_seg(cpu, d->mem.seg, base_off, bsize);

    if (bsize == 4 && d->opsize == 2) {
        base &= 0xffffff;
    }
    t->limit = limit;
    t->base = base;
}

/* LLDT/LTR: a system descriptor from the GDT (16 bytes in long mode). */
static void exec_lldt_ltr(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    bool ltr = d->op == OP_LTR;
    SegmentCache *sc = ltr ? &env->tr : &env->ldt;
    uint32_t sel = x86_read_opnd(cpu, d, 0) & 0xffff, lo, hi, type;

    if (!x86_protected(env) || x86_vm86(env)) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    if (x86_cpl(env) != 0) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    if (sel_is_null(sel)) {
        if (ltr) {
            x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
        }
        sc->selector = sel;
        sc->flags = 0;
        return;
    }
    if ((sel & SEL_TI_MASK) || !x86_read_descriptor(cpu, sel, &lo, &hi) || (hi & DESC_S_MASK)) {
        gp_sel(cpu, sel);
    }
    type = (hi & DESC_TYPE_MASK) >> DESC_TYPE_SHIFT;
    if (ltr ? (type != 1 && type != DESC_TYPE_TSS64_AVAIL) : type != DESC_TYPE_LDT) {
        gp_sel(cpu, sel);
    }
    if (!(hi & DESC_P_MASK)) {
        x86_raise_exception_err(cpu, EXCP0B_NOSEG, sel & 0xfffc);
    }
    x86_seg_cache_from_desc(sc, sel, lo, hi);
    if (x86_long_mode(env)) {
        uint64_t hi2 = x86_ld_idx(cpu, env->gdt.base + (sel & SEL_INDEX) + 8, 4, MMU_KERNEL_IDX);

        sc->base |= hi2 << 32;
    }
    if (ltr) {
        /* Mark the TSS busy (type bit 1) in the GDT and in the cache. */
        x86_st_idx(cpu, env->gdt.base + (sel & SEL_INDEX) + 4, hi | (2u << DESC_TYPE_SHIFT), 4,
                   MMU_KERNEL_IDX);
        sc->flags |= 2u << DESC_TYPE_SHIFT;
    }
}

/* LAR/LSL/VERR/VERW: ZF says whether the selector passes; LAR/LSL then load the value. */
static void exec_verify(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int src = (d->op == OP_LAR || d->op == OP_LSL) ? 1 : 0;
    uint32_t sel = x86_read_opnd(cpu, d, src) & 0xffff, lo, hi;
    int cpl = x86_cpl(env), rpl = sel & SEL_RPL_MASK;
    bool ok, conforming;

    if (!x86_protected(env) || x86_vm86(env)) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    ok = !sel_is_null(sel) && x86_read_descriptor(cpu, sel, &lo, &hi);
    if (ok) {
        conforming = (hi & DESC_S_MASK) && (hi & DESC_CS_MASK) && (hi & DESC_C_MASK);
        ok = conforming || desc_dpl(hi) >= MAX(cpl, rpl);
        if (d->op == OP_VERR) {
            ok = ok && (hi & DESC_S_MASK) && (!(hi & DESC_CS_MASK) || (hi & DESC_R_MASK));
        } else if (d->op == OP_VERW) {
            ok = ok && (hi & DESC_S_MASK) && !(hi & DESC_CS_MASK) && (hi & DESC_W_MASK);
        } else if (!(hi & DESC_S_MASK)) {
            unsigned type = (hi & DESC_TYPE_MASK) >> DESC_TYPE_SHIFT;

            /* system types LAR/LSL accept: LDT, available/busy TSS (and call gates for LAR) */
            ok = ok && (type == 1 || type == 2 || type == 3 || type == 9 || type == 11 ||
                        (d->op == OP_LAR && (type == 4 || type == 12)));
        }
    }
    flags_set(env, CC_Z, ok ? CC_Z : 0);
    if (!ok || src == 0) {
        return;
    }
    if (d->op == OP_LAR) {
        x86_write_opnd(cpu, d, 0, hi & 0x00f0ff00u);
    } else {
        SegmentCache sc;

        x86_seg_cache_from_desc(&sc, sel, lo, hi);
        x86_write_opnd(cpu, d, 0, sc.limit);
    }
}

void x86_exec_seg(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;

    switch (d->op) {
    case OP_LES ... OP_LGS:
        exec_lxs(cpu, d);
        break;
    case OP_SGDT ... OP_LIDT:
        exec_dtr(cpu, d);
        break;
    case OP_SLDT:
    case OP_STR:
        if (!x86_protected(env) || x86_vm86(env)) {
            x86_raise_exception(cpu, EXCP06_ILLOP);
        }
        x86_write_opnd(cpu, d, 0, d->op == OP_SLDT ? env->ldt.selector : env->tr.selector);
        break;
    case OP_LLDT:
    case OP_LTR:
        exec_lldt_ltr(cpu, d);
        break;
    case OP_ARPL: {
        uint64_t dst, src;

        if (!x86_protected(env) || x86_vm86(env)) {
            x86_raise_exception(cpu, EXCP06_ILLOP);
        }
        dst = x86_read_opnd(cpu, d, 0) & 0xffff;
        src = x86_read_opnd(cpu, d, 1) & 0xffff;
        if ((dst & 3) < (src & 3)) {
            x86_write_opnd(cpu, d, 0, (dst & ~3ULL) | (src & 3));
            flags_set(env, CC_Z, CC_Z);
        } else {
            flags_set(env, CC_Z, 0);
        }
        break;
    }
    default: /* VERR, VERW, LAR, LSL */
        exec_verify(cpu, d);
        break;
    }
}
