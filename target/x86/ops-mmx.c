/*
 * ops-mmx.c: the MMX register file, aliased on the x87 registers.
 *
 * Follows the Intel SDM Vol. 1, 9.5 (MMX registers MM0-MM7 are the
 * significands of the physical x87 registers R0-R7; writing one sets bits
 * 79-64 to all ones; every MMX instruction but EMMS sets TOP to 0 and all
 * tags valid, EMMS empties them) and 9.6 (transitions). The MMX
 * instructions themselves are forms of the packed-integer table in
 * ops-sse.c (no prefix: MMX; 66: XMM), which calls these accessors. Left
 * out: nothing of MMX proper; 3DNow! is not an Intel extension.
 */
#include "qemu/osdep.h"
#include "fpu-helper.h"

#define MMX_EXP_ALL_ONES 0xffff

uint64_t mmx_get(const CPUX86State *env, int i)
{
    return env->fpu.st[i & 7].mant;
}

void mmx_set(CPUX86State *env, int i, uint64_t v)
{
    X86FPReg *r = &env->fpu.st[i & 7];

    r->mant = v;
    r->exp = MMX_EXP_ALL_ONES;
}
