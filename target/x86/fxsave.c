/*
 * fxsave.c: the legacy region of an FXSAVE/XSAVE image (Intel SDM Vol. 1,
 * 10.5.1, tables 10-2 and 10-3: 64-bit layout, FIP/FDP as 8 bytes) to and
 * from X86FPUState. Pure conversions over host memory, for KVM's XSAVE area
 * (target/x86/kvm.c) and the tests; the interpreter's own FXSAVE/FXRSTOR
 * (ops-fpu.c) work through guest memory with the mode's layout.
 */
#include "qemu/osdep.h"
#include "target/x86/cpu.h"

/* Full 2-bit tag of a non-empty register: 0 valid, 1 zero, 2 special (SDM Vol. 1, 8.1.7). */
static unsigned fp_tag(const X86FPReg *r)
{
    unsigned exp = r->exp & 0x7fff;

    if (exp == 0 && r->mant == 0) {
        return 1;
    }
    if (exp == 0x7fff || exp == 0 || !(r->mant >> 63)) {
        return 2;
    }
    return 0;
}

void x86_fxsave_to_fpu(X86FPUState *f, const uint8_t *a)
{
    unsigned top;
    uint8_t abridged = a[FXSAVE_FTW];

    memcpy(&f->fcw, a + FXSAVE_FCW, 2);
    memcpy(&f->fsw, a + FXSAVE_FSW, 2);
    memcpy(&f->fop, a + FXSAVE_FOP, 2);
    memcpy(&f->fip, a + FXSAVE_FIP, 8);
    memcpy(&f->fdp, a + FXSAVE_FDP, 8);
    memcpy(&f->mxcsr, a + FXSAVE_MXCSR, 4);
    top = (f->fsw >> 11) & 7;
    for (int i = 0; i < 8; i++) {
        X86FPReg *r = &f->st[(top + i) & 7];

        memcpy(&r->mant, a + FXSAVE_ST + 16 * i, 8);
        memcpy(&r->exp, a + FXSAVE_ST + 16 * i + 8, 2);
    }
    f->ftw = 0;
    for (int p = 0; p < 8; p++) {
        f->ftw |= ((abridged >> p) & 1 ? fp_tag(&f->st[p]) : 3) << (2 * p);
    }
    memcpy(f->xmm, a + FXSAVE_XMM, sizeof(f->xmm));
}

void x86_fpu_to_fxsave(uint8_t *a, const X86FPUState *f)
{
    unsigned top = (f->fsw >> 11) & 7;
    uint8_t abridged = 0;

    memset(a, 0, FXSAVE_XMM);
    memcpy(a + FXSAVE_FCW, &f->fcw, 2);
    memcpy(a + FXSAVE_FSW, &f->fsw, 2);
    for (int p = 0; p < 8; p++) {
        abridged |= (((f->ftw >> (2 * p)) & 3) != 3) << p;
    }
    a[FXSAVE_FTW] = abridged;
    memcpy(a + FXSAVE_FOP, &f->fop, 2);
    memcpy(a + FXSAVE_FIP, &f->fip, 8);
    memcpy(a + FXSAVE_FDP, &f->fdp, 8);
    memcpy(a + FXSAVE_MXCSR, &f->mxcsr, 4);
    for (int i = 0; i < 8; i++) {
        const X86FPReg *r = &f->st[(top + i) & 7];

        memcpy(a + FXSAVE_ST + 16 * i, &r->mant, 8);
        memcpy(a + FXSAVE_ST + 16 * i + 8, &r->exp, 2);
    }
    memcpy(a + FXSAVE_XMM, f->xmm, sizeof(f->xmm));
}
