/*
 * ops-arith.c: the general-purpose data and arithmetic instructions.
 *
 * Follows the Intel SDM Vol. 2 entries of ADD/ADC/SUB/SBB/CMP/AND/OR/XOR/TEST,
 * INC/DEC/NEG/NOT, MUL/IMUL/DIV/IDIV (#DE), the shifts and rotates (SAL/SAR/
 * SHL/SHR, ROL/ROR/RCL/RCR, SHLD/SHRD), MOV/MOVZX/MOVSX/MOVSXD/LEA, XCHG,
 * CMPXCHG/CMPXCHG8B/CMPXCHG16B, XADD, BT/BTS/BTR/BTC, BSF/BSR, LZCNT/POPCNT,
 * BSWAP, CBW/CWD and their wider forms, SETcc/CMOVcc and the BCD adjustments.
 * Flags the SDM leaves undefined get what Intel processors produce where that
 * is known (AF cleared by logic ops); tests mask the rest. The destination is
 * written before the flags so that a faulting write leaves RFLAGS untouched.
 * XXX: LOCK needs no host atomics while one thread runs every vCPU.
 */
#include "qemu/osdep.h"
#include "helper.h"

static unsigned bits_of(int size)
{
    return 8 * size;
}

static inline uint64_t rd(X86CPU *cpu, const DecodedInsn *d, int i)
{
    return x86_read_opnd(cpu, d, i) & size_mask(d->opnd[i].size);
}

/*
 * The ALU ops; op is a constant in each handler below, so each gets its own
 * code. ADD, SUB, CMP and the logic ops leave their flags lazy (exec.c
 * computes them before an instruction that reads them); ADC and SBB read CF,
 * so they run with exact flags and compute theirs.
 */
static inline __attribute__((always_inline)) void alu_op(X86CPU *cpu, const DecodedInsn *d, int op)
{
    CPUX86State *env = cpu->env;
    int size = d->opnd[0].size;
    uint64_t a = rd(cpu, d, 0), b = x86_read_opnd(cpu, d, 1) & size_mask(size);
    uint64_t c, res;

    switch (op) {
    case OP_ADD:
        res = (a + b) & size_mask(size);
        x86_write_opnd(cpu, d, 0, res);
        flags_lazy(cpu, X86_CC_ADD, size, a, b, res);
        return;
    case OP_ADC:
        c = env->rflags & CC_C;
        res = (a + b + c) & size_mask(size);
        x86_write_opnd(cpu, d, 0, res);
        flags_add(env, size, a, b, c, res);
        return;
    case OP_SUB:
    case OP_CMP:
        res = (a - b) & size_mask(size);
        if (op != OP_CMP) {
            x86_write_opnd(cpu, d, 0, res);
        }
        flags_lazy(cpu, X86_CC_SUB, size, a, b, res);
        return;
    case OP_SBB:
        c = env->rflags & CC_C;
        res = (a - b - c) & size_mask(size);
        x86_write_opnd(cpu, d, 0, res);
        flags_sub(env, size, a, b, c, res);
        return;
    case OP_AND:
        res = a & b;
        break;
    case OP_OR:
        res = a | b;
        break;
    case OP_XOR:
        res = a ^ b;
        break;
    default: /* TEST */
        flags_lazy(cpu, X86_CC_LOGIC, size, 0, 0, a & b);
        return;
    }
    x86_write_opnd(cpu, d, 0, res);
    flags_lazy(cpu, X86_CC_LOGIC, size, 0, 0, res);
}

#define ALU_HANDLER(name, opc)                                                                     \
    static void exec_##name(X86CPU *cpu, const DecodedInsn *d)                                     \
    {                                                                                              \
        alu_op(cpu, d, opc);                                                                       \
    }
ALU_HANDLER(add, OP_ADD)
ALU_HANDLER(or, OP_OR)
ALU_HANDLER(adc, OP_ADC)
ALU_HANDLER(sbb, OP_SBB)
ALU_HANDLER(and, OP_AND)
ALU_HANDLER(sub, OP_SUB)
ALU_HANDLER(xor, OP_XOR)
ALU_HANDLER(cmp, OP_CMP)
ALU_HANDLER(test, OP_TEST)

static void exec_alu(X86CPU *cpu, const DecodedInsn *d)
{
    alu_op(cpu, d, d->op);
}

static void exec_unary(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int size = d->opnd[0].size;
    uint64_t a = rd(cpu, d, 0), res, cf = env->rflags & CC_C;

    switch (d->op) {
    case OP_INC:
        res = (a + 1) & size_mask(size);
        x86_write_opnd(cpu, d, 0, res);
        flags_add(env, size, a, 1, 0, res);
        flags_set(env, CC_C, cf); /* INC/DEC keep CF */
        break;
    case OP_DEC:
        res = (a - 1) & size_mask(size);
        x86_write_opnd(cpu, d, 0, res);
        flags_sub(env, size, a, 1, 0, res);
        flags_set(env, CC_C, cf);
        break;
    case OP_NEG:
        res = (0 - a) & size_mask(size);
        x86_write_opnd(cpu, d, 0, res);
        flags_sub(env, size, 0, a, 0, res);
        break;
    default: /* NOT */
        x86_write_opnd(cpu, d, 0, ~a & size_mask(size));
        break;
    }
}

/* MUL/IMUL with one operand: rDX:rAX (AX for bytes) = rAX * src. */
static void exec_mul1(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int size = d->opnd[0].size;
    uint64_t src = rd(cpu, d, 0), a = env->regs[R_EAX] & size_mask(size), lo, hi;
    bool overflow;

    if (d->op == OP_MUL) {
        unsigned __int128 p = (unsigned __int128)a * src;

        lo = (uint64_t)p & size_mask(size);
        hi = size == 8 ? (uint64_t)(p >> 64) : (uint64_t)(p >> bits_of(size)) & size_mask(size);
        overflow = hi != 0;
    } else {
        __int128 p = (__int128)sext(a, size) * sext(src, size);

        lo = (uint64_t)p & size_mask(size);
        hi = size == 8 ? (uint64_t)(p >> 64) : (uint64_t)(p >> bits_of(size)) & size_mask(size);
        overflow = p != (__int128)sext(lo, size);
    }
    if (size == 1) {
        x86_set_reg(env, R_EAX, 2, false, (hi << 8) | lo);
    } else {
        x86_set_reg(env, R_EAX, size, false, lo);
        x86_set_reg(env, R_EDX, size, false, hi);
    }
    flags_szp(env, size, lo);
    flags_set(env, CC_C | CC_O | CC_A, overflow ? (CC_C | CC_O) : 0);
}

/* IMUL with two or three operands: the product truncated to the destination. */
static void exec_imul(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int size = d->opnd[0].size;
    int64_t a = sext(rd(cpu, d, d->nopnd == 3 ? 1 : 0), size);
    int64_t b = sext(x86_read_opnd(cpu, d, d->nopnd == 3 ? 2 : 1) & size_mask(size), size);
    __int128 p = (__int128)a * b;
    uint64_t lo = (uint64_t)p & size_mask(size);

    x86_write_opnd(cpu, d, 0, lo);
    flags_szp(env, size, lo);
    flags_set(env, CC_C | CC_O | CC_A, p != (__int128)sext(lo, size) ? (CC_C | CC_O) : 0);
}

/* DIV/IDIV: #DE on a zero divisor or a quotient that does not fit. */
static void exec_div(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int size = d->opnd[0].size;
    uint64_t src = rd(cpu, d, 0), q, r;
    unsigned __int128 n;

    if (size == 1) {
        n = env->regs[R_EAX] & 0xffff;
    } else {
        n = ((unsigned __int128)(env->regs[R_EDX] & size_mask(size)) << bits_of(size)) |
            (env->regs[R_EAX] & size_mask(size));
    }
    if (src == 0) {
        x86_raise_exception(cpu, EXCP00_DIVZ);
    }
    if (d->op == OP_DIV) {
        unsigned __int128 uq = n / src;

        if (uq > size_mask(size)) {
            x86_raise_exception(cpu, EXCP00_DIVZ);
        }
        q = (uint64_t)uq;
        r = (uint64_t)(n % src);
    } else {
        /* sign-extend the double-width dividend */
        int shift = 128 - 2 * bits_of(size);
        __int128 sn = (__int128)(n << shift) >> shift;
        __int128 sd = sext(src, size), sq;

        if (sd == -1 && (unsigned __int128)sn == (unsigned __int128)1 << 127) {
            x86_raise_exception(cpu, EXCP00_DIVZ);
        }
        sq = sn / sd;
        if (sq > (__int128)(size_mask(size) >> 1) || sq < -(__int128)size_sign(size)) {
            x86_raise_exception(cpu, EXCP00_DIVZ);
        }
        q = (uint64_t)sq & size_mask(size);
        r = (uint64_t)(sn % sd) & size_mask(size);
    }
    if (size == 1) {
        x86_set_reg(env, R_EAX, 2, false, (r << 8) | q);
    } else {
        x86_set_reg(env, R_EAX, size, false, q);
        x86_set_reg(env, R_EDX, size, false, r);
    }
}

/* A shift by zero changes nothing, but a 32-bit register destination is still zero-extended. */
static void zero_count_write(X86CPU *cpu, const DecodedInsn *d, uint64_t a)
{
    if (d->opnd[0].kind == X86_OPK_REG && d->opnd[0].size == 4) {
        x86_write_opnd(cpu, d, 0, a);
    }
}

/* Shifts and rotates (group 2). OF is computed as for a count of one whatever the count. */
static void exec_shift(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int size = d->opnd[0].size;
    unsigned bits = bits_of(size);
    unsigned count = x86_read_opnd(cpu, d, 1) & (size == 8 ? 0x3f : 0x1f);
    uint64_t a = rd(cpu, d, 0), m = size_mask(size), sign = size_sign(size), res, cf, of;

    if (count == 0) {
        zero_count_write(cpu, d, a);
        return;
    }
    switch (d->op) {
    case OP_ROL:
        count %= bits;
        res = count ? ((a << count) | (a >> (bits - count))) & m : a;
        cf = res & 1;
        of = !!(res & sign) ^ cf;
        break;
    case OP_ROR:
        count %= bits;
        res = count ? ((a >> count) | (a << (bits - count))) & m : a;
        cf = !!(res & sign);
        of = cf ^ !!(res & (sign >> 1));
        break;
    case OP_RCL:
    case OP_RCR: {
        unsigned __int128 w = ((unsigned __int128)(env->rflags & CC_C) << bits) | a;
        unsigned n = count % (bits + 1);
        unsigned __int128 wm = ((unsigned __int128)1 << (bits + 1)) - 1;

        if (n) {
            w = d->op == OP_RCL ? ((w << n) | (w >> (bits + 1 - n))) & wm
                                : ((w >> n) | (w << (bits + 1 - n))) & wm;
        }
        res = (uint64_t)w & m;
        cf = (uint64_t)(w >> bits) & 1;
        of = d->op == OP_RCL ? (!!(res & sign) ^ cf) : (!!(res & sign) ^ !!(res & (sign >> 1)));
        break;
    }
    case OP_SHL:
    case OP_SAL:
        res = count < 64 ? (a << count) & m : 0;
        cf = count <= bits ? (a >> (bits - count)) & 1 : 0;
        of = !!(res & sign) ^ cf;
        break;
    case OP_SHR:
        res = count < 64 ? a >> count : 0;
        cf = count <= bits ? (a >> (count - 1)) & 1 : 0;
        of = !!(a & sign);
        break;
    default: /* SAR */
        res = (uint64_t)(sext(a, size) >> MIN(count, 63u)) & m;
        cf = (uint64_t)(sext(a, size) >> MIN(count - 1, 63u)) & 1;
        of = 0;
        break;
    }
    x86_write_opnd(cpu, d, 0, res);
    if (d->op >= OP_SHL) {
        flags_szp(env, size, res);
        flags_set(env, CC_A, 0);
    }
    flags_set(env, CC_C | CC_O, (cf ? CC_C : 0) | (of ? CC_O : 0));
}

/* SHLD/SHRD: shift the destination, filling from the source register. */
static void exec_shiftd(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int size = d->opnd[0].size;
    unsigned bits = bits_of(size);
    unsigned count = x86_read_opnd(cpu, d, 2) & (size == 8 ? 0x3f : 0x1f);
    uint64_t a = rd(cpu, d, 0), b = rd(cpu, d, 1), m = size_mask(size), res, cf;
    unsigned __int128 w;

    if (count == 0) {
        zero_count_write(cpu, d, a);
        return;
    }
    /* Work on a:b (or b:a) as one double-width value; counts above the width are undefined. */
    if (d->op == OP_SHLD) {
        w = ((unsigned __int128)a << bits) | b;
        w <<= count;
        res = (uint64_t)(w >> bits) & m;
        cf = count <= bits ? (a >> (bits - count)) & 1 : 0;
    } else {
        w = ((unsigned __int128)b << bits) | a;
        cf = (uint64_t)(w >> (count - 1)) & 1;
        res = (uint64_t)(w >> count) & m;
    }
    x86_write_opnd(cpu, d, 0, res);
    flags_szp(env, size, res);
    flags_set(env, CC_C | CC_O | CC_A,
              (cf ? CC_C : 0) | (((a ^ res) & size_sign(size)) ? CC_O : 0));
}

/* BT/BTS/BTR/BTC: a register bit offset may address memory beyond the operand. */
static void exec_bt(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int size = d->opnd[0].size;
    unsigned bits = bits_of(size);
    uint64_t off = x86_read_opnd(cpu, d, 1), a, bit, res;

    if (d->opnd[1].kind == X86_OPK_REG && d->opnd[0].kind == X86_OPK_MEM) {
        int64_t soff = sext(off & size_mask(d->opnd[1].size), d->opnd[1].size);

        cpu->ea = (cpu->ea + (soff >> (3 + __builtin_ctz(size))) * size) & size_mask(d->addrsize);
    }
    off &= bits - 1;
    a = rd(cpu, d, 0);
    bit = (a >> off) & 1;
    switch (d->op) {
    case OP_BTS:
        res = a | (1ULL << off);
        break;
    case OP_BTR:
        res = a & ~(1ULL << off);
        break;
    case OP_BTC:
        res = a ^ (1ULL << off);
        break;
    default:
        res = a;
        break;
    }
    if (d->op != OP_BT) {
        x86_write_opnd(cpu, d, 0, res);
    }
    flags_set(env, CC_C, bit ? CC_C : 0);
}

/* BSF/BSR (destination kept on a zero source), LZCNT, POPCNT; TZCNT runs as BSF (no BMI1). */
static void exec_bitscan(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int size = d->opnd[0].size;
    uint64_t src = rd(cpu, d, 1), res;

    switch (d->op) {
    case OP_POPCNT:
        res = __builtin_popcountll(src);
        x86_write_opnd(cpu, d, 0, res);
        flags_set(env, CC_O | CC_S | CC_Z | CC_A | CC_P | CC_C, src ? 0 : CC_Z);
        return;
    case OP_LZCNT:
        res = src ? (uint64_t)(__builtin_clzll(src) - (64 - bits_of(size))) : bits_of(size);
        x86_write_opnd(cpu, d, 0, res);
        flags_set(env, CC_Z | CC_C, (res == 0 ? CC_Z : 0) | (src ? 0 : CC_C));
        return;
    default:
        break;
    }
    if (src == 0) {
        flags_set(env, CC_Z, CC_Z);
        return;
    }
    res = (d->op == OP_BSR) ? 63 - __builtin_clzll(src) : __builtin_ctzll(src);
    x86_write_opnd(cpu, d, 0, res);
    flags_set(env, CC_Z, 0);
}

static void exec_xchg(X86CPU *cpu, const DecodedInsn *d)
{
    uint64_t a = rd(cpu, d, 0), b = rd(cpu, d, 1);

    x86_write_opnd(cpu, d, 0, b); /* memory first: it is the one that can fault */
    x86_write_opnd(cpu, d, 1, a);
}

static void exec_cmpxchg(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int size = d->opnd[0].size;
    uint64_t dst = rd(cpu, d, 0), src = rd(cpu, d, 1), acc = env->regs[R_EAX] & size_mask(size);
    uint64_t res = (acc - dst) & size_mask(size);

    if (acc == dst) {
        x86_write_opnd(cpu, d, 0, src);
    } else {
        /* Memory is always written back (a locked read-modify-write); a register is not. */
        if (d->opnd[0].kind == X86_OPK_MEM) {
            x86_write_opnd(cpu, d, 0, dst);
        }
        x86_set_reg(env, R_EAX, size, false, dst);
    }
    flags_sub(env, size, acc, dst, 0, res);
}

static void exec_xadd(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int size = d->opnd[0].size;
    uint64_t dst = rd(cpu, d, 0), src = rd(cpu, d, 1), res = (dst + src) & size_mask(size);

    x86_write_opnd(cpu, d, 0, res);
    if (!(d->opnd[0].kind == X86_OPK_REG && d->opnd[0].reg == d->opnd[1].reg)) {
        x86_write_opnd(cpu, d, 1, dst);
    }
    flags_add(env, size, dst, src, 0, res);
}

/* CMPXCHG8B m64 / CMPXCHG16B m128 (REX.W, 16-byte aligned or #GP). */
static void exec_cmpxchg8b(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int half = (d->rex & REX_W) ? 8 : 4;
    vaddr la = x86_seg_linear(cpu, d->mem.seg, cpu->ea, 2 * half, MMU_DATA_STORE);
    uint64_t lo, hi, m = size_mask(half);
    int idx = x86_mmu_index(env);

    if (half == 8 && (la & 15)) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    x86_probe_write(cpu, la, 2 * half, idx);
    lo = x86_ld_idx(cpu, la, half, idx);
    hi = x86_ld_idx(cpu, la + half, half, idx);
    if (lo == (env->regs[R_EAX] & m) && hi == (env->regs[R_EDX] & m)) {
        x86_st_idx(cpu, la, env->regs[R_EBX] & m, half, idx);
        x86_st_idx(cpu, la + half, env->regs[R_ECX] & m, half, idx);
        flags_set(env, CC_Z, CC_Z);
    } else {
        x86_st_idx(cpu, la, lo, half, idx);
        x86_st_idx(cpu, la + half, hi, half, idx);
        x86_set_reg(env, R_EAX, half, false, lo);
        x86_set_reg(env, R_EDX, half, false, hi);
        flags_set(env, CC_Z, 0);
    }
}

static void exec_mov(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int dsize = d->opnd[0].size, ssize = d->opnd[1].size;
    uint64_t v;

    switch (d->op) {
    case OP_MOVZX:
        v = rd(cpu, d, 1);
        break;
    case OP_MOVSX:
    case OP_MOVSXD:
        v = (uint64_t)sext(rd(cpu, d, 1), ssize);
        break;
    case OP_LEA:
        v = cpu->ea;
        break;
    case OP_CBW: /* AL -> AX, AX -> EAX, EAX -> RAX */
        x86_set_reg(env, R_EAX, d->opsize, false,
                    (uint64_t)sext(env->regs[R_EAX] & size_mask(d->opsize / 2), d->opsize / 2));
        return;
    case OP_CWD: /* the sign of rAX into rDX */
        x86_set_reg(env, R_EDX, d->opsize, false,
                    (env->regs[R_EAX] & size_sign(d->opsize)) ? UINT64_MAX : 0);
        return;
    case OP_BSWAP:
        v = rd(cpu, d, 0);
        v = dsize == 8 ? __builtin_bswap64(v) : dsize == 4 ? __builtin_bswap32(v) : 0;
        break;
    default: /* MOV */
        v = x86_read_opnd(cpu, d, 1);
        break;
    }
    x86_write_opnd(cpu, d, 0, v & size_mask(dsize));
}

static void exec_mov_plain(X86CPU *cpu, const DecodedInsn *d)
{
    x86_write_opnd(cpu, d, 0, x86_read_opnd(cpu, d, 1) & size_mask(d->opnd[0].size));
}

static void exec_lea(X86CPU *cpu, const DecodedInsn *d)
{
    x86_write_opnd(cpu, d, 0, cpu->ea & size_mask(d->opnd[0].size));
}

static void exec_setcc_cmov(X86CPU *cpu, const DecodedInsn *d)
{
    bool c = x86_cond(cpu->env, d->cond);

    if (d->op == OP_SETCC) {
        x86_write_opnd(cpu, d, 0, c);
        return;
    }
    /* CMOVcc reads its source even when false; a 32-bit destination is zero-extended. */
    uint64_t v = rd(cpu, d, 1);

    x86_write_opnd(cpu, d, 0, c ? v : rd(cpu, d, 0));
}

/* The BCD adjustments (legacy modes only; #UD in 64-bit mode is the decoder's). */
static void exec_bcd(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    uint64_t al = env->regs[R_EAX] & 0xff, ah = (env->regs[R_EAX] >> 8) & 0xff;
    bool cf = env->rflags & CC_C, af = env->rflags & CC_A;
    uint64_t imm = d->imm & 0xff;

    switch (d->op) {
    case OP_DAA:
    case OP_DAS: {
        uint64_t old = al;
        bool ncf = false, naf = false;
        int sign = d->op == OP_DAA ? 1 : -1;

        if ((al & 0xf) > 9 || af) {
            ncf = cf || (d->op == OP_DAA ? al > 0xf9 : al < 6);
            al = (al + sign * 6) & 0xff;
            naf = true;
        }
        if (old > 0x99 || cf) {
            al = (al + sign * 0x60) & 0xff;
            ncf = true;
        }
        x86_set_reg(env, R_EAX, 1, false, al);
        flags_szp(env, 1, al);
        flags_set(env, CC_C | CC_A, (ncf ? CC_C : 0) | (naf ? CC_A : 0));
        return;
    }
    case OP_AAA:
    case OP_AAS:
        if ((al & 0xf) > 9 || af) {
            uint64_t ax = (env->regs[R_EAX] & 0xffff) + (d->op == OP_AAA ? 0x106 : -0x106);

            x86_set_reg(env, R_EAX, 2, false, ax & 0xff0f);
            flags_set(env, CC_A | CC_C, CC_A | CC_C);
        } else {
            x86_set_reg(env, R_EAX, 1, false, al & 0x0f);
            flags_set(env, CC_A | CC_C, 0);
        }
        return;
    case OP_AAM:
        if (imm == 0) {
            x86_raise_exception(cpu, EXCP00_DIVZ);
        }
        x86_set_reg(env, R_EAX, 2, false, ((al / imm) << 8) | (al % imm));
        flags_logic(env, 1, al % imm);
        return;
    case OP_AAD:
        al = (al + ah * imm) & 0xff;
        x86_set_reg(env, R_EAX, 2, false, al);
        flags_logic(env, 1, al);
        return;
    default: /* SALC: AL = CF ? 0xff : 0 */
        x86_set_reg(env, R_EAX, 1, false, cf ? 0xff : 0);
        return;
    }
}

/* BOUND: #BR unless lower <= index <= upper (signed). */
static void exec_bound(X86CPU *cpu, const DecodedInsn *d)
{
    int size = d->opsize;
    int64_t idx = sext(rd(cpu, d, 0), size);
    int64_t lo = sext(x86_ld_seg(cpu, d->mem.seg, cpu->ea, size), size);
    int64_t hi =
        sext(x86_ld_seg(cpu, d->mem.seg, (cpu->ea + size) & size_mask(d->addrsize), size), size);

    if (idx < lo || idx > hi) {
        x86_raise_exception(cpu, EXCP05_BOUND);
    }
}

void x86_exec_arith(X86CPU *cpu, const DecodedInsn *d)
{
    switch (d->op) {
    case OP_ADD ... OP_CMP:
    case OP_TEST:
        exec_alu(cpu, d);
        break;
    case OP_ROL ... OP_SAR:
        exec_shift(cpu, d);
        break;
    case OP_INC:
    case OP_DEC:
    case OP_NEG:
    case OP_NOT:
        exec_unary(cpu, d);
        break;
    case OP_MUL:
    case OP_IMUL1:
        exec_mul1(cpu, d);
        break;
    case OP_IMUL:
        exec_imul(cpu, d);
        break;
    case OP_DIV:
    case OP_IDIV:
        exec_div(cpu, d);
        break;
    case OP_SHLD:
    case OP_SHRD:
        exec_shiftd(cpu, d);
        break;
    case OP_XCHG:
        exec_xchg(cpu, d);
        break;
    case OP_CMPXCHG:
        exec_cmpxchg(cpu, d);
        break;
    case OP_XADD:
        exec_xadd(cpu, d);
        break;
    case OP_CMPXCHG8B:
        exec_cmpxchg8b(cpu, d);
        break;
    case OP_BT ... OP_BTC:
        exec_bt(cpu, d);
        break;
    case OP_BSF ... OP_POPCNT:
        exec_bitscan(cpu, d);
        break;
    case OP_SETCC:
    case OP_CMOVCC:
        exec_setcc_cmov(cpu, d);
        break;
    case OP_DAA ... OP_SALC:
        exec_bcd(cpu, d);
        break;
    case OP_BOUND:
        exec_bound(cpu, d);
        break;
    default: /* MOV, MOVZX, MOVSX, MOVSXD, LEA, BSWAP, CBW, CWD */
        exec_mov(cpu, d);
        break;
    }
}

X86OpHandler x86_arith_handler(int op, bool *lazy_ok)
{
    static const X86OpHandler alu[] = {
        [OP_ADD] = exec_add, [OP_OR] = exec_or,   [OP_ADC] = exec_adc, [OP_SBB] = exec_sbb,
        [OP_AND] = exec_and, [OP_SUB] = exec_sub, [OP_XOR] = exec_xor, [OP_CMP] = exec_cmp,
    };

    *lazy_ok = true;
    switch (op) {
    case OP_ADD ... OP_CMP:
        *lazy_ok = op != OP_ADC && op != OP_SBB; /* they read CF */
        return alu[op];
    case OP_TEST:
        return exec_test;
    case OP_MOV:
        return exec_mov_plain;
    case OP_LEA:
        return exec_lea;
    case OP_MOVZX:
    case OP_MOVSX:
    case OP_MOVSXD:
        return exec_mov;
    }
    *lazy_ok = false;
    switch (op) {
    case OP_ROL ... OP_SAR:
        return exec_shift;
    case OP_INC:
    case OP_DEC:
    case OP_NEG:
    case OP_NOT:
        return exec_unary;
    case OP_SETCC:
    case OP_CMOVCC:
        return exec_setcc_cmov;
    default:
        return x86_exec_arith;
    }
}
