/*
 * fpu-helper.h: what the x87, MMX and SSE files of the interpreter share (private).
 *
 * Follows the Intel SDM Vol. 1: chapter 8 (x87 state: TOP, tags, status and
 * control words, exceptions and #MF), 9.5-9.6 (MMX aliasing of the x87
 * registers), 10.2.3 (MXCSR) and 11.5 (SIMD floating-point exceptions, #XM),
 * and Vol. 3A 2.5 (CR0.EM/TS/NE, CR4.OSFXSR/OSXMMEXCPT).
 *
 * Execution strategy (XXX: ties the interpreter to x86-64 hosts, as KVM is):
 * the floating-point and packed-integer arithmetic runs the very same
 * instruction on the host CPU, loaded with the guest's x87 state (FRSTOR) or
 * with the guest's MXCSR (all exceptions masked, unmasked ones decided here),
 * so results, flags, precision control, rounding, denormals and the
 * implementation-specific approximations (RCPPS, FSIN) are those of real
 * hardware bit for bit. tern's code does the decoding, operand binding,
 * memory accesses (faults, TLB), alignment checks, #NM/#UD/#MF/#XM, the x87
 * pointer registers, MMX aliasing and every data movement and shuffle.
 */
#ifndef TARGET_X86_FPU_HELPER_H
#define TARGET_X86_FPU_HELPER_H

#include "helper.h"

/* x87 status word (SDM Vol. 1, 8.1.3). */
#define FSW_IE        0x0001
#define FSW_DE        0x0002
#define FSW_ZE        0x0004
#define FSW_OE        0x0008
#define FSW_UE        0x0010
#define FSW_PE        0x0020
#define FSW_SF        0x0040
#define FSW_ES        0x0080
#define FSW_C0        0x0100
#define FSW_C1        0x0200
#define FSW_C2        0x0400
#define FSW_TOP_SHIFT 11
#define FSW_TOP_MASK  (7u << FSW_TOP_SHIFT)
#define FSW_C3        0x4000
#define FSW_B         0x8000
#define FSW_EXC_MASK  0x003f /* IE..PE, also the mask bits of FCW */

/* Tag values (SDM Vol. 1, 8.1.7). */
#define FTAG_VALID   0
#define FTAG_ZERO    1
#define FTAG_SPECIAL 2
#define FTAG_EMPTY   3

/* MXCSR (SDM Vol. 1, 10.2.3). */
#define MXCSR_FLAGS      0x003f
#define MXCSR_DAZ        0x0040
#define MXCSR_MASKS      0x1f80
#define MXCSR_MASK_SHIFT 7
#define MXCSR_MASK_BITS  0x0000ffffu /* MXCSR_MASK that FXSAVE reports: DAZ supported */

static inline int fpu_top(const CPUX86State *env)
{
    return (env->fpu.fsw & FSW_TOP_MASK) >> FSW_TOP_SHIFT;
}

/* The tag a register's contents call for (FXRSTOR and the MMX writes recompute it). */
int fpu_classify(const X86FPReg *r);

/* Sets the tag of physical register i. */
static inline void fpu_set_tag(CPUX86State *env, int i, int tag)
{
    env->fpu.ftw = (env->fpu.ftw & ~(3u << (2 * i))) | (unsigned)tag << (2 * i);
}

/* --- memory operands (ops-fpu.c) ---------------------------------------------------------- */
/* Reads/writes n bytes at seg:off (whole-access checks first: a fault leaves nothing written). */
void fpu_ld_bytes(X86CPU *cpu, int seg, uint64_t off, void *buf, int n);
void fpu_st_bytes(X86CPU *cpu, int seg, uint64_t off, const void *buf, int n);

/* --- checks shared by x87, MMX and SSE ------------------------------------------------------ */
/* x87 and MMX: #NM when CR0.EM or CR0.TS (EM gives #UD for MMX, mmx=true). */
void fpu_check_nm(X86CPU *cpu, bool mmx);
/* A waiting x87 or MMX instruction: #MF if an unmasked exception is pending (FSW.ES). */
void fpu_check_pending(X86CPU *cpu);
/* SSE: #UD when CR0.EM or !CR4.OSFXSR, #NM when CR0.TS. */
void sse_check_enabled(X86CPU *cpu);
/* The MMX state transition (SDM Vol. 1, 9.5.1): TOP = 0, every tag valid. */
void fpu_enter_mmx(CPUX86State *env);

/* --- entry points ---------------------------------------------------------------------------- */
/* ops-fpu.c: D8-DF, FWAIT, FXSAVE/FXRSTOR, LDMXCSR/STMXCSR. */
void x86_exec_fpu(X86CPU *cpu, const DecodedInsn *d);
/* FWAIT/WAIT after the CR0.MP/TS check: #MF if an unmasked x87 exception is pending. */
void x86_fpu_wait(X86CPU *cpu);
/* ops-sse.c: the OP_SSE encodings (0F, 0F38, 0F3A maps, MMX and SSE) and EMMS. */
void x86_exec_sse(X86CPU *cpu, const DecodedInsn *d);

/* CPUID.1 bits (SDM Vol. 2, CPUID, tables 3-10 and 3-11). */
#define CPUID_FPU_BIT   (1u << 0)  /* EDX */
#define CPUID_MMX_BIT   (1u << 23) /* EDX */
#define CPUID_FXSR_BIT  (1u << 24) /* EDX */
#define CPUID_SSE_BIT   (1u << 25) /* EDX */
#define CPUID_SSE2_BIT  (1u << 26) /* EDX */
#define CPUID_SSE3_BIT  (1u << 0)  /* ECX */
#define CPUID_SSSE3_BIT (1u << 9)  /* ECX */

/*
 * The CPUID.1 EDX and ECX bits that ops-fpu.c, ops-mmx.c and ops-sse.c
 * implement on this host: x87, MMX, FXSR, SSE, SSE2 always; SSE3 and SSSE3
 * when the host has them (their forms run on the host's units).
 */
void x86_fpu_cpuid_features(uint32_t *edx, uint32_t *ecx);
bool x86_fpu_host_has_sse3(void);

/* --- MMX register file (ops-mmx.c) ----------------------------------------------------------- */
uint64_t mmx_get(const CPUX86State *env, int i);
/* Writes MMX register i: mantissa and exponent bits 79-64 all ones (SDM Vol. 1, 9.5.2). */
void mmx_set(CPUX86State *env, int i, uint64_t v);

#endif
