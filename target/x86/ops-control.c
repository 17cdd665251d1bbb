/*
 * ops-control.c: stack and control-transfer instructions.
 *
 * Follows the Intel SDM Vol. 2 entries of PUSH/POP (all forms), PUSHA/POPA,
 * PUSHF/POPF, ENTER/LEAVE, CALL/RET/JMP (near; far ones go to seg.c), Jcc,
 * LOOP/LOOPE/LOOPNE and JCXZ/JECXZ/JRCXZ, and Vol. 1, 6.2-6.3 (stack and
 * procedure calls). Left out: shadow stacks (CET).
 */
#include "qemu/osdep.h"
#include "helper.h"

/* PUSH of a segment register with a 32/64-bit operand writes 16 bits (recent Intel cores). */
static void push_sreg(X86CPU *cpu, int size, uint16_t sel)
{
    CPUX86State *env = cpu->env;
    int ss = x86_stack_size(env);
    uint64_t sp = (env->regs[R_ESP] - size) & size_mask(ss);

    x86_st_seg(cpu, R_SS, sp, sel, 2);
    x86_set_reg(env, R_ESP, ss, false, sp);
}

static void exec_push(X86CPU *cpu, const DecodedInsn *d)
{
    const X86Operand *o = &d->opnd[0];

    if (o->kind == X86_OPK_SREG) {
        push_sreg(cpu, d->opsize, cpu->env->segs[o->reg].selector);
        return;
    }
    x86_push(cpu, x86_read_opnd(cpu, d, 0) & size_mask(d->opsize), d->opsize);
}

static void exec_pop(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int ss = x86_stack_size(env), size = d->opsize;
    uint64_t val = x86_stack_peek(cpu, 0, size);
    uint64_t new_sp = (env->regs[R_ESP] + size) & size_mask(ss);

    if (d->opnd[0].kind == X86_OPK_SREG) {
        x86_load_seg(cpu, d->opnd[0].reg, val & 0xffff);
        x86_set_reg(env, R_ESP, ss, false, new_sp);
        if (d->opnd[0].reg == R_SS) {
            cpu->intr_shadow = true;
        }
        return;
    }
    /* The address of a memory destination is computed with the incremented rSP. */
    x86_set_reg(env, R_ESP, ss, false, new_sp);
    if (d->opnd[0].kind == X86_OPK_MEM) {
        cpu->ea = x86_mem_offset(cpu, d);
    }
    x86_write_opnd(cpu, d, 0, val);
}

static void exec_pusha(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    uint64_t sp = env->regs[R_ESP];

    for (int r = R_EAX; r <= R_EDI; r++) {
        x86_push(cpu, r == R_ESP ? sp : env->regs[r], d->opsize);
    }
}

static void exec_popa(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    uint64_t vals[8];

    for (int r = R_EDI; r >= R_EAX; r--) {
        vals[r] = x86_pop(cpu, d->opsize);
    }
    for (int r = R_EAX; r <= R_EDI; r++) {
        if (r != R_ESP) {
            x86_set_reg(env, r, d->opsize, false, vals[r]);
        }
    }
}

/* In virtual-8086 mode PUSHF/POPF need IOPL 3 (no VME). */
static void check_vm86_iopl(X86CPU *cpu)
{
    CPUX86State *env = cpu->env;

    if (x86_vm86(env) && ((env->rflags & IOPL_MASK) >> 12) != 3) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
}

static void exec_pushf(X86CPU *cpu, const DecodedInsn *d)
{
    check_vm86_iopl(cpu);
    x86_push(cpu, cpu->env->rflags & ~(uint64_t)(VM_MASK | RF_MASK) & size_mask(d->opsize),
             d->opsize);
}

/* POPF: which flags may change depends on CPL and IOPL (SDM Vol. 2, POPF). */
static void exec_popf(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    uint64_t mask = CC_C | CC_P | CC_A | CC_Z | CC_S | TF_MASK | DF_MASK | CC_O | NT_MASK |
                    AC_MASK | ID_MASK | RF_MASK;
    int cpl = x86_cpl(env), iopl = (env->rflags & IOPL_MASK) >> 12;
    uint64_t val;

    check_vm86_iopl(cpu);
    val = x86_pop(cpu, d->opsize);
    if (!x86_protected(env) || cpl == 0) {
        mask |= IOPL_MASK | IF_MASK;
    } else if (cpl <= iopl || x86_vm86(env)) {
        mask |= IF_MASK;
    }
    if (d->opsize == 2) {
        mask &= 0xffff;
    }
    x86_write_eflags(cpu, val & ~(uint64_t)RF_MASK, mask);
}

static void exec_enter(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int size = d->opsize, ss = x86_stack_size(env);
    uint64_t alloc = d->imm & 0xffff, level = d->imm2 & 31, frame, bp = env->regs[R_EBP];

    x86_push(cpu, bp, size);
    frame = env->regs[R_ESP] & size_mask(ss);
    for (uint64_t i = 1; i < level; i++) {
        bp = (bp - size) & size_mask(ss);
        x86_push(cpu, x86_ld_seg(cpu, R_SS, bp, size), size);
    }
    if (level > 0) {
        x86_push(cpu, frame, size);
    }
    /* The final stack must be writable (the SDM checks it before committing). */
    x86_seg_linear(cpu, R_SS, (frame - alloc) & size_mask(ss), 1, MMU_DATA_STORE);
    x86_set_reg(env, R_EBP, size, false, frame);
    x86_set_reg(env, R_ESP, ss, false, (env->regs[R_ESP] - alloc) & size_mask(ss));
}

static void exec_leave(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int ss = x86_stack_size(env);
    uint64_t bp = env->regs[R_EBP] & size_mask(ss);
    uint64_t val = x86_ld_seg(cpu, R_SS, bp, d->opsize);

    x86_set_reg(env, R_ESP, ss, false, (bp + d->opsize) & size_mask(ss));
    x86_set_reg(env, R_EBP, d->opsize, false, val);
}

static uint64_t rel_target(X86CPU *cpu, const DecodedInsn *d)
{
    return cpu->next_rip + d->imm;
}

static void exec_call_jmp(X86CPU *cpu, const DecodedInsn *d)
{
    uint64_t target;

    if (d->opnd[0].kind == X86_OPK_REL) {
        target = rel_target(cpu, d);
    } else {
        target = x86_read_opnd(cpu, d, 0);
    }
    if (d->op == OP_CALL) {
        x86_push(cpu, cpu->next_rip, d->opsize);
    }
    x86_jump(cpu, target, d->opsize);
}

static void exec_ret(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int ss = x86_stack_size(env);
    uint64_t target = x86_pop(cpu, d->opsize);

    if (d->nopnd) {
        x86_set_reg(env, R_ESP, ss, false, (env->regs[R_ESP] + (d->imm & 0xffff)) & size_mask(ss));
    }
    x86_jump(cpu, target, d->opsize);
}

/* Far pointer operands: Ap (immediate) or Mp (offset then selector in memory). */
static void far_operand(X86CPU *cpu, const DecodedInsn *d, uint32_t *sel, uint64_t *off)
{
    if (d->opnd[0].kind == X86_OPK_FAR) {
        *off = d->imm;
        *sel = d->imm2;
        return;
    }
    *off = x86_ld_seg(cpu, d->mem.seg, cpu->ea, d->opsize);
    *sel = x86_ld_seg(cpu, d->mem.seg, (cpu->ea + d->opsize) & size_mask(d->addrsize), 2);
}

static void exec_loop(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int as = d->addrsize;
    uint64_t cx = env->regs[R_ECX] & size_mask(as);
    bool taken;

    if (d->op == OP_JCXZ) {
        taken = cx == 0;
    } else {
        cx = (cx - 1) & size_mask(as);
        x86_set_reg(env, R_ECX, as, false, cx);
        taken = cx != 0;
        if (d->op == OP_LOOPE) {
            taken = taken && (env->rflags & CC_Z);
        } else if (d->op == OP_LOOPNE) {
            taken = taken && !(env->rflags & CC_Z);
        }
    }
    if (taken) {
        x86_jump(cpu, rel_target(cpu, d), d->opsize);
    }
}

/*
 * Condition cc straight from the lazy flags of a CMP/SUB, logic op or ADD,
 * without computing RFLAGS (which stays lazy); false in *known when the
 * condition needs a flag this does not derive (OF, PF; OF after ADD).
 */
static bool lazy_cond(const X86CPU *cpu, int cc, bool *known)
{
    int size = cpu->cc_size;
    uint64_t a = cpu->cc_a, b = cpu->cc_b, res = cpu->cc_res;
    bool zf = res == 0, sf = res & size_sign(size), r;

    *known = true;
    switch (cc >> 1) {
    case 2: /* Z */
        r = zf;
        break;
    case 4: /* S */
        r = sf;
        break;
    case 1: /* B: CF */
        r = cpu->cc_op == X86_CC_SUB ? a < b : cpu->cc_op == X86_CC_ADD ? res < a : false;
        break;
    case 3: /* BE: CF or ZF */
        r = cpu->cc_op == X86_CC_SUB ? a <= b : cpu->cc_op == X86_CC_ADD ? res < a || zf : zf;
        break;
    case 6: /* L: SF != OF */
        if (cpu->cc_op == X86_CC_ADD) {
            *known = false;
            return false;
        }
        r = cpu->cc_op == X86_CC_SUB ? sext(a, size) < sext(b, size) : sf;
        break;
    case 7: /* LE: ZF or SF != OF */
        if (cpu->cc_op == X86_CC_ADD) {
            *known = false;
            return false;
        }
        r = cpu->cc_op == X86_CC_SUB ? sext(a, size) <= sext(b, size) : zf || sf;
        break;
    default: /* O, P */
        *known = false;
        return false;
    }
    return (cc & 1) ? !r : r;
}

static void exec_jcc(X86CPU *cpu, const DecodedInsn *d)
{
    bool known = false, taken = false;

    if (cpu->cc_op != X86_CC_NONE) {
        taken = lazy_cond(cpu, d->cond, &known);
    }
    if (!known) {
        x86_flags_sync(cpu);
        taken = x86_cond(cpu->env, d->cond);
    }
    if (taken) {
        x86_jump(cpu, rel_target(cpu, d), d->opsize);
    }
}

X86OpHandler x86_control_handler(int op, bool *lazy_ok)
{
    *lazy_ok = true; /* these do not touch RFLAGS, or compute it first (Jcc) */
    switch (op) {
    case OP_PUSH:
        return exec_push;
    case OP_POP:
        return exec_pop;
    case OP_CALL:
    case OP_JMP:
        return exec_call_jmp;
    case OP_RET:
        return exec_ret;
    case OP_JCC:
        return exec_jcc;
    default:
        *lazy_ok = false;
        return x86_exec_control;
    }
}

void x86_exec_control(X86CPU *cpu, const DecodedInsn *d)
{
    uint32_t sel;
    uint64_t off;

    switch (d->op) {
    case OP_PUSH:
        exec_push(cpu, d);
        break;
    case OP_POP:
        exec_pop(cpu, d);
        break;
    case OP_PUSHA:
        exec_pusha(cpu, d);
        break;
    case OP_POPA:
        exec_popa(cpu, d);
        break;
    case OP_PUSHF:
        exec_pushf(cpu, d);
        break;
    case OP_POPF:
        exec_popf(cpu, d);
        break;
    case OP_ENTER:
        exec_enter(cpu, d);
        break;
    case OP_LEAVE:
        exec_leave(cpu, d);
        break;
    case OP_CALL:
    case OP_JMP:
        exec_call_jmp(cpu, d);
        break;
    case OP_RET:
        exec_ret(cpu, d);
        break;
    case OP_CALLF:
        far_operand(cpu, d, &sel, &off);
        x86_far_call(cpu, sel, off, d->opsize);
        break;
    case OP_JMPF:
        far_operand(cpu, d, &sel, &off);
        x86_far_jump(cpu, sel, off, d->opsize);
        break;
    case OP_RETF:
        x86_far_ret(cpu, d->opsize, d->nopnd ? d->imm & 0xffff : 0);
        break;
    case OP_JCC:
        exec_jcc(cpu, d);
        break;
    default: /* LOOP, LOOPE, LOOPNE, JCXZ */
        exec_loop(cpu, d);
        break;
    }
}
