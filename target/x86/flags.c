/*
 * flags.c: the arithmetic flags and condition codes.
 *
 * Follows the Intel SDM Vol. 1, 3.4.3.1 (status flags) and appendix B
 * (condition codes), and Vol. 2's "Flags Affected" of ADD/ADC/SUB/SBB/CMP
 * and the logical instructions. Flags are computed eagerly at each
 * instruction, by the inline flags_add/flags_sub/flags_logic of helper.h. Where the SDM leaves a
 * flag undefined (AF after logic ops) it is cleared, as Intel processors do.
 */
#include "qemu/osdep.h"
#include "helper.h"

void x86_flags_compute(X86CPU *cpu)
{
    CPUX86State *env = cpu->env;

    switch (cpu->cc_op) {
    case X86_CC_ADD:
        flags_add(env, cpu->cc_size, cpu->cc_a, cpu->cc_b, 0, cpu->cc_res);
        break;
    case X86_CC_SUB:
        flags_sub(env, cpu->cc_size, cpu->cc_a, cpu->cc_b, 0, cpu->cc_res);
        break;
    case X86_CC_LOGIC:
        flags_logic(env, cpu->cc_size, cpu->cc_res);
        break;
    }
    cpu->cc_op = X86_CC_NONE;
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
