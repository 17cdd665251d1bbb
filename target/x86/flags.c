/*
 * flags.c: the arithmetic flags and condition codes.
 *
 * Follows the Intel SDM Vol. 1, 3.4.3.1 (status flags) and appendix B
 * (condition codes), and Vol. 2's "Flags Affected" of ADD/ADC/SUB/SBB/CMP
 * and the logical instructions. Flags are computed eagerly at each
 * instruction. XXX: lazy evaluation (keeping the operands and computing only
 * what a later Jcc reads) is the next speed step. Where the SDM leaves a flag
 * undefined (AF after logic ops) it is cleared, as Intel processors do.
 */
#include "qemu/osdep.h"
#include "helper.h"

#define ARITH_FLAGS (CC_O | CC_S | CC_Z | CC_A | CC_P | CC_C)

static uint64_t szp(int size, uint64_t res)
{
    uint64_t f = 0;

    res &= size_mask(size);
    if (res == 0) {
        f |= CC_Z;
    }
    if (res & size_sign(size)) {
        f |= CC_S;
    }
    if (!__builtin_parity(res & 0xff)) {
        f |= CC_P;
    }
    return f;
}

void flags_szp(CPUX86State *env, int size, uint64_t res)
{
    flags_set(env, CC_S | CC_Z | CC_P, szp(size, res));
}

void flags_add(CPUX86State *env, int size, uint64_t a, uint64_t b, uint64_t cin, uint64_t res)
{
    uint64_t m = size_mask(size), f;

    a &= m;
    b &= m;
    res &= m;
    f = szp(size, res);
    if (cin ? res <= a : res < a) {
        f |= CC_C;
    }
    if ((a ^ res) & (b ^ res) & size_sign(size)) {
        f |= CC_O;
    }
    f |= (a ^ b ^ res) & CC_A;
    flags_set(env, ARITH_FLAGS, f);
}

void flags_sub(CPUX86State *env, int size, uint64_t a, uint64_t b, uint64_t bin, uint64_t res)
{
    uint64_t m = size_mask(size), f;

    a &= m;
    b &= m;
    res &= m;
    f = szp(size, res);
    if (bin ? a <= b : a < b) {
        f |= CC_C;
    }
    if ((a ^ b) & (a ^ res) & size_sign(size)) {
        f |= CC_O;
    }
    f |= (a ^ b ^ res) & CC_A;
    flags_set(env, ARITH_FLAGS, f);
}

void flags_logic(CPUX86State *env, int size, uint64_t res)
{
    flags_set(env, ARITH_FLAGS, szp(size, res));
}

bool x86_cond(const CPUX86State *env, int cc)
{
    uint64_t f = env->rflags;
    bool r;

    switch (cc >> 1) {
    case 0: /* O */
        r = f & CC_O;
        break;
    case 1: /* B/C */
        r = f & CC_C;
        break;
    case 2: /* Z/E */
        r = f & CC_Z;
        break;
    case 3: /* BE */
        r = f & (CC_C | CC_Z);
        break;
    case 4: /* S */
        r = f & CC_S;
        break;
    case 5: /* P */
        r = f & CC_P;
        break;
    case 6: /* L: SF != OF */
        r = !(f & CC_S) != !(f & CC_O);
        break;
    default: /* LE: ZF or SF != OF */
        r = (f & CC_Z) || (!(f & CC_S) != !(f & CC_O));
        break;
    }
    return (cc & 1) ? !r : r;
}

void x86_write_eflags(X86CPU *cpu, uint64_t val, uint64_t mask)
{
    CPUX86State *env = cpu->env;

    env->rflags = ((env->rflags & ~mask) | (val & mask) | RFLAGS_FIXED) & 0x3f7fd7;
}
