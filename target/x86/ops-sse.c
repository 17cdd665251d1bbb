/*
 * ops-sse.c: SSE, SSE2, SSE3 and SSSE3, and the packed-integer MMX forms.
 *
 * Follows the Intel SDM Vol. 1, chapters 9-12 (MMX, SSE, SSE2, SSE3,
 * SSSE3: data types, MXCSR, SIMD floating-point exceptions and #XM, the
 * x87/MMX state transitions) and Vol. 2 for each instruction, with the
 * mandatory-prefix rules of Vol. 2, 2.1.2 (F2/F3 take precedence over 66).
 *
 * The computing instructions (floating-point arithmetic, compares,
 * conversions, the packed-integer set, SSSE3) run as the same instruction on
 * the host (see fpu-helper.h): one stub per form with the destination in
 * xmm0/mm0 (or rax) and the source in xmm1/mm1 (or rax), the guest's MXCSR
 * with every exception masked; unmasked exceptions are decided here (#XM, or
 * #UD when CR4.OSXMMEXCPT is clear) before the destination is written. Data
 * movement, shuffles with immediates, inserts and extracts are written out
 * here. Left out: SSE4.1/4.2, AES, PCLMULQDQ and MOVBE/CRC32 in 0F38 (#UD:
 * not advertised). SSE3 and SSSE3 forms need the host's: without them they
 * are #UD and x86_fpu_cpuid_features() leaves their CPUID bits clear.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "fpu-helper.h"
#include <signal.h>
#include <ucontext.h>

/* Mandatory prefixes, the table's second index. */
enum { P_NP, P_66, P_F3, P_F2, P_COUNT };
/* Maps, the table's first index. */
enum { M0F, M38, M3A, M_COUNT };

/* How the stub's operands are bound. */
enum {
    K_XX, /* xmm/mm reg = op(reg, r/m) */
    K_GX, /* general reg (ModRM reg) = op(xmm/mm r/m) */
    K_XG, /* xmm reg = op(xmm reg, general r/m) */
};

/* Entry flags. */
#define F_FP      0x01  /* MXCSR controls it: exception flags, #XM */
#define F_RFLAGS  0x02  /* COMIS/UCOMIS: ZF, PF, CF from the host, OF/SF/AF cleared */
#define F_NODST   0x04  /* writes no register */
#define F_MMX     0x08  /* an MMX instruction: mm registers, the MMX checks */
#define F_SRC_MM  0x10  /* register source is an mm register (CVTPI2PS/PD) */
#define F_DST_MM  0x20  /* destination is an mm register (CVT(T)PS2PI, CVT(T)PD2PI) */
#define F_LOW64   0x40  /* only the low 64 bits of the result land (CVTPI2PS), or of the source */
#define F_IMM8    0x80  /* eight stubs, picked by imm8[2:0] (CMPccPS/PD/SS/SD) */
#define F_REGONLY 0x100 /* the memory form is #UD (MOVMSKPS, PMOVMSKB) */

#define STUB_STRIDE 64

#define MXCSR_UE 0x0010 /* the underflow flag; UM is MXCSR_UE << MXCSR_MASK_SHIFT */

/* The frame a stub works on (offsets are used by the asm below). */
typedef struct SseFrame {
    X86XMMReg dst;       /* 0: xmm0 / mm0 in and out */
    X86XMMReg src;       /* 16: xmm1 / mm1 */
    uint32_t mxcsr_in;   /* 32 */
    uint32_t mxcsr_out;  /* 36 */
    uint32_t mxcsr_host; /* 40 */
    uint32_t pad;
    uint64_t gpr_out;    /* 48: rax after */
    uint64_t rflags_out; /* 56 */
} __attribute__((aligned(16))) SseFrame;

typedef uint64_t (*SseStub)(SseFrame *f, uint64_t gpr_in);

/*
 * The forms that run on the host: name, map, prefix, opcode, kind, memory
 * operand size, flags, and the host instruction's bytes with xmm0/mm0/rax as
 * ModRM reg and xmm1/mm1/rax as r/m (ModRM C1 or C0). S is an SSE stub, M an
 * MMX stub, S8 eight SSE stubs with imm8 0-7 appended.
 */
#define INT2(S, M, name, map, opc, esc, msize_mm)                                                  \
    M(name##_mm, map, P_NP, opc, K_XX, msize_mm, F_MMX, esc #opc ",0xc1")                          \
    S(name##_xmm, map, P_66, opc, K_XX, 16, 0, "0x66," esc #opc ",0xc1")

#define ESC0F "0x0f,"
#define ESC38 "0x0f,0x38,"

#define FP4(S, name, opc)                                                                          \
    S(name##ps, M0F, P_NP, opc, K_XX, 16, F_FP, "0x0f," #opc ",0xc1")                              \
    S(name##pd, M0F, P_66, opc, K_XX, 16, F_FP, "0x66,0x0f," #opc ",0xc1")                         \
    S(name##ss, M0F, P_F3, opc, K_XX, 4, F_FP, "0xf3,0x0f," #opc ",0xc1")                          \
    S(name##sd, M0F, P_F2, opc, K_XX, 8, F_FP, "0xf2,0x0f," #opc ",0xc1")

#define LOGIC2(S, name, opc)                                                                       \
    S(name##ps, M0F, P_NP, opc, K_XX, 16, 0, "0x0f," #opc ",0xc1")                                 \
    S(name##pd, M0F, P_66, opc, K_XX, 16, 0, "0x66,0x0f," #opc ",0xc1")

#define SSE_FORMS(S, M, S8)                                                                        \
    FP4(S, sqrt, 0x51)                                                                             \
    S(rsqrtps, M0F, P_NP, 0x52, K_XX, 16, F_FP, "0x0f,0x52,0xc1")                                  \
    S(rsqrtss, M0F, P_F3, 0x52, K_XX, 4, F_FP, "0xf3,0x0f,0x52,0xc1")                              \
    S(rcpps, M0F, P_NP, 0x53, K_XX, 16, F_FP, "0x0f,0x53,0xc1")                                    \
    S(rcpss, M0F, P_F3, 0x53, K_XX, 4, F_FP, "0xf3,0x0f,0x53,0xc1")                                \
    LOGIC2(S, and, 0x54)                                                                           \
    LOGIC2(S, andn, 0x55)                                                                          \
    LOGIC2(S, or, 0x56)                                                                            \
    LOGIC2(S, xor, 0x57)                                                                           \
    LOGIC2(S, unpckl, 0x14)                                                                        \
    LOGIC2(S, unpckh, 0x15)                                                                        \
    FP4(S, add, 0x58)                                                                              \
    FP4(S, mul, 0x59)                                                                              \
    FP4(S, sub, 0x5c)                                                                              \
    FP4(S, min, 0x5d)                                                                              \
    FP4(S, div, 0x5e)                                                                              \
    FP4(S, max, 0x5f)                                                                              \
    S(cvtps2pd, M0F, P_NP, 0x5a, K_XX, 8, F_FP, "0x0f,0x5a,0xc1")                                  \
    S(cvtpd2ps, M0F, P_66, 0x5a, K_XX, 16, F_FP, "0x66,0x0f,0x5a,0xc1")                            \
    S(cvtss2sd, M0F, P_F3, 0x5a, K_XX, 4, F_FP, "0xf3,0x0f,0x5a,0xc1")                             \
    S(cvtsd2ss, M0F, P_F2, 0x5a, K_XX, 8, F_FP, "0xf2,0x0f,0x5a,0xc1")                             \
    S(cvtdq2ps, M0F, P_NP, 0x5b, K_XX, 16, F_FP, "0x0f,0x5b,0xc1")                                 \
    S(cvtps2dq, M0F, P_66, 0x5b, K_XX, 16, F_FP, "0x66,0x0f,0x5b,0xc1")                            \
    S(cvttps2dq, M0F, P_F3, 0x5b, K_XX, 16, F_FP, "0xf3,0x0f,0x5b,0xc1")                           \
    S(cvttpd2dq, M0F, P_66, 0xe6, K_XX, 16, F_FP, "0x66,0x0f,0xe6,0xc1")                           \
    S(cvtdq2pd, M0F, P_F3, 0xe6, K_XX, 8, F_FP, "0xf3,0x0f,0xe6,0xc1")                             \
    S(cvtpd2dq, M0F, P_F2, 0xe6, K_XX, 16, F_FP, "0xf2,0x0f,0xe6,0xc1")                            \
    S(cvtpi2ps, M0F, P_NP, 0x2a, K_XX, 8, F_FP | F_SRC_MM | F_LOW64, "0x0f,0x5b,0xc1")             \
    S(cvtpi2pd, M0F, P_66, 0x2a, K_XX, 8, F_FP | F_SRC_MM, "0xf3,0x0f,0xe6,0xc1")                  \
    S(cvtsi2ss, M0F, P_F3, 0x2a, K_XG, 4, F_FP, "0xf3,0x0f,0x2a,0xc0")                             \
    S(cvtsi2sd, M0F, P_F2, 0x2a, K_XG, 4, F_FP, "0xf2,0x0f,0x2a,0xc0")                             \
    S(cvttps2pi, M0F, P_NP, 0x2c, K_XX, 8, F_FP | F_DST_MM | F_LOW64, "0xf3,0x0f,0x5b,0xc1")       \
    S(cvttpd2pi, M0F, P_66, 0x2c, K_XX, 16, F_FP | F_DST_MM, "0x66,0x0f,0xe6,0xc1")                \
    S(cvttss2si, M0F, P_F3, 0x2c, K_GX, 4, F_FP, "0xf3,0x0f,0x2c,0xc1")                            \
    S(cvttsd2si, M0F, P_F2, 0x2c, K_GX, 8, F_FP, "0xf2,0x0f,0x2c,0xc1")                            \
    S(cvtps2pi, M0F, P_NP, 0x2d, K_XX, 8, F_FP | F_DST_MM | F_LOW64, "0x66,0x0f,0x5b,0xc1")        \
    S(cvtpd2pi, M0F, P_66, 0x2d, K_XX, 16, F_FP | F_DST_MM, "0xf2,0x0f,0xe6,0xc1")                 \
    S(cvtss2si, M0F, P_F3, 0x2d, K_GX, 4, F_FP, "0xf3,0x0f,0x2d,0xc1")                             \
    S(cvtsd2si, M0F, P_F2, 0x2d, K_GX, 8, F_FP, "0xf2,0x0f,0x2d,0xc1")                             \
    S(ucomiss, M0F, P_NP, 0x2e, K_XX, 4, F_FP | F_RFLAGS | F_NODST, "0x0f,0x2e,0xc1")              \
    S(ucomisd, M0F, P_66, 0x2e, K_XX, 8, F_FP | F_RFLAGS | F_NODST, "0x66,0x0f,0x2e,0xc1")         \
    S(comiss, M0F, P_NP, 0x2f, K_XX, 4, F_FP | F_RFLAGS | F_NODST, "0x0f,0x2f,0xc1")               \
    S(comisd, M0F, P_66, 0x2f, K_XX, 8, F_FP | F_RFLAGS | F_NODST, "0x66,0x0f,0x2f,0xc1")          \
    S(movmskps, M0F, P_NP, 0x50, K_GX, 16, F_REGONLY, "0x0f,0x50,0xc1")                            \
    S(movmskpd, M0F, P_66, 0x50, K_GX, 16, F_REGONLY, "0x66,0x0f,0x50,0xc1")                       \
    S(movsldup, M0F, P_F3, 0x12, K_XX, 16, 0, "0xf3,0x0f,0x12,0xc1")                               \
    S(movshdup, M0F, P_F3, 0x16, K_XX, 16, 0, "0xf3,0x0f,0x16,0xc1")                               \
    S(movddup, M0F, P_F2, 0x12, K_XX, 8, 0, "0xf2,0x0f,0x12,0xc1")                                 \
    S(haddpd, M0F, P_66, 0x7c, K_XX, 16, F_FP, "0x66,0x0f,0x7c,0xc1")                              \
    S(haddps, M0F, P_F2, 0x7c, K_XX, 16, F_FP, "0xf2,0x0f,0x7c,0xc1")                              \
    S(hsubpd, M0F, P_66, 0x7d, K_XX, 16, F_FP, "0x66,0x0f,0x7d,0xc1")                              \
    S(hsubps, M0F, P_F2, 0x7d, K_XX, 16, F_FP, "0xf2,0x0f,0x7d,0xc1")                              \
    S(addsubpd, M0F, P_66, 0xd0, K_XX, 16, F_FP, "0x66,0x0f,0xd0,0xc1")                            \
    S(addsubps, M0F, P_F2, 0xd0, K_XX, 16, F_FP, "0xf2,0x0f,0xd0,0xc1")                            \
    S8(cmpps, M0F, P_NP, 0xc2, K_XX, 16, F_FP | F_IMM8, "0x0f,0xc2,0xc1")                          \
    S8(cmppd, M0F, P_66, 0xc2, K_XX, 16, F_FP | F_IMM8, "0x66,0x0f,0xc2,0xc1")                     \
    S8(cmpss, M0F, P_F3, 0xc2, K_XX, 4, F_FP | F_IMM8, "0xf3,0x0f,0xc2,0xc1")                      \
    S8(cmpsd, M0F, P_F2, 0xc2, K_XX, 8, F_FP | F_IMM8, "0xf2,0x0f,0xc2,0xc1")                      \
    M(pmovmskb_mm, M0F, P_NP, 0xd7, K_GX, 8, F_MMX | F_REGONLY, "0x0f,0xd7,0xc1")                  \
    S(pmovmskb_xmm, M0F, P_66, 0xd7, K_GX, 16, F_REGONLY, "0x66,0x0f,0xd7,0xc1")                   \
    INT2(S, M, punpcklbw, M0F, 0x60, ESC0F, 4)                                                     \
    INT2(S, M, punpcklwd, M0F, 0x61, ESC0F, 4)                                                     \
    INT2(S, M, punpckldq, M0F, 0x62, ESC0F, 4)                                                     \
    INT2(S, M, packsswb, M0F, 0x63, ESC0F, 8)                                                      \
    INT2(S, M, pcmpgtb, M0F, 0x64, ESC0F, 8)                                                       \
    INT2(S, M, pcmpgtw, M0F, 0x65, ESC0F, 8)                                                       \
    INT2(S, M, pcmpgtd, M0F, 0x66, ESC0F, 8)                                                       \
    INT2(S, M, packuswb, M0F, 0x67, ESC0F, 8)                                                      \
    INT2(S, M, punpckhbw, M0F, 0x68, ESC0F, 8)                                                     \
    INT2(S, M, punpckhwd, M0F, 0x69, ESC0F, 8)                                                     \
    INT2(S, M, punpckhdq, M0F, 0x6a, ESC0F, 8)                                                     \
    INT2(S, M, packssdw, M0F, 0x6b, ESC0F, 8)                                                      \
    S(punpcklqdq, M0F, P_66, 0x6c, K_XX, 16, 0, "0x66,0x0f,0x6c,0xc1")                             \
    S(punpckhqdq, M0F, P_66, 0x6d, K_XX, 16, 0, "0x66,0x0f,0x6d,0xc1")                             \
    INT2(S, M, pcmpeqb, M0F, 0x74, ESC0F, 8)                                                       \
    INT2(S, M, pcmpeqw, M0F, 0x75, ESC0F, 8)                                                       \
    INT2(S, M, pcmpeqd, M0F, 0x76, ESC0F, 8)                                                       \
    INT2(S, M, psrlw, M0F, 0xd1, ESC0F, 8)                                                         \
    INT2(S, M, psrld, M0F, 0xd2, ESC0F, 8)                                                         \
    INT2(S, M, psrlq, M0F, 0xd3, ESC0F, 8)                                                         \
    INT2(S, M, paddq, M0F, 0xd4, ESC0F, 8)                                                         \
    INT2(S, M, pmullw, M0F, 0xd5, ESC0F, 8)                                                        \
    INT2(S, M, psubusb, M0F, 0xd8, ESC0F, 8)                                                       \
    INT2(S, M, psubusw, M0F, 0xd9, ESC0F, 8)                                                       \
    INT2(S, M, pminub, M0F, 0xda, ESC0F, 8)                                                        \
    INT2(S, M, pand, M0F, 0xdb, ESC0F, 8)                                                          \
    INT2(S, M, paddusb, M0F, 0xdc, ESC0F, 8)                                                       \
    INT2(S, M, paddusw, M0F, 0xdd, ESC0F, 8)                                                       \
    INT2(S, M, pmaxub, M0F, 0xde, ESC0F, 8)                                                        \
    INT2(S, M, pandn, M0F, 0xdf, ESC0F, 8)                                                         \
    INT2(S, M, pavgb, M0F, 0xe0, ESC0F, 8)                                                         \
    INT2(S, M, psraw, M0F, 0xe1, ESC0F, 8)                                                         \
    INT2(S, M, psrad, M0F, 0xe2, ESC0F, 8)                                                         \
    INT2(S, M, pavgw, M0F, 0xe3, ESC0F, 8)                                                         \
    INT2(S, M, pmulhuw, M0F, 0xe4, ESC0F, 8)                                                       \
    INT2(S, M, pmulhw, M0F, 0xe5, ESC0F, 8)                                                        \
    INT2(S, M, psubsb, M0F, 0xe8, ESC0F, 8)                                                        \
    INT2(S, M, psubsw, M0F, 0xe9, ESC0F, 8)                                                        \
    INT2(S, M, pminsw, M0F, 0xea, ESC0F, 8)                                                        \
    INT2(S, M, por, M0F, 0xeb, ESC0F, 8)                                                           \
    INT2(S, M, paddsb, M0F, 0xec, ESC0F, 8)                                                        \
    INT2(S, M, paddsw, M0F, 0xed, ESC0F, 8)                                                        \
    INT2(S, M, pmaxsw, M0F, 0xee, ESC0F, 8)                                                        \
    INT2(S, M, pxor, M0F, 0xef, ESC0F, 8)                                                          \
    INT2(S, M, psllw, M0F, 0xf1, ESC0F, 8)                                                         \
    INT2(S, M, pslld, M0F, 0xf2, ESC0F, 8)                                                         \
    INT2(S, M, psllq, M0F, 0xf3, ESC0F, 8)                                                         \
    INT2(S, M, pmuludq, M0F, 0xf4, ESC0F, 8)                                                       \
    INT2(S, M, pmaddwd, M0F, 0xf5, ESC0F, 8)                                                       \
    INT2(S, M, psadbw, M0F, 0xf6, ESC0F, 8)                                                        \
    INT2(S, M, psubb, M0F, 0xf8, ESC0F, 8)                                                         \
    INT2(S, M, psubw, M0F, 0xf9, ESC0F, 8)                                                         \
    INT2(S, M, psubd, M0F, 0xfa, ESC0F, 8)                                                         \
    INT2(S, M, psubq, M0F, 0xfb, ESC0F, 8)                                                         \
    INT2(S, M, paddb, M0F, 0xfc, ESC0F, 8)                                                         \
    INT2(S, M, paddw, M0F, 0xfd, ESC0F, 8)                                                         \
    INT2(S, M, paddd, M0F, 0xfe, ESC0F, 8)                                                         \
    INT2(S, M, pshufb, M38, 0x00, ESC38, 8)                                                        \
    INT2(S, M, phaddw, M38, 0x01, ESC38, 8)                                                        \
    INT2(S, M, phaddd, M38, 0x02, ESC38, 8)                                                        \
    INT2(S, M, phaddsw, M38, 0x03, ESC38, 8)                                                       \
    INT2(S, M, pmaddubsw, M38, 0x04, ESC38, 8)                                                     \
    INT2(S, M, phsubw, M38, 0x05, ESC38, 8)                                                        \
    INT2(S, M, phsubd, M38, 0x06, ESC38, 8)                                                        \
    INT2(S, M, phsubsw, M38, 0x07, ESC38, 8)                                                       \
    INT2(S, M, psignb, M38, 0x08, ESC38, 8)                                                        \
    INT2(S, M, psignw, M38, 0x09, ESC38, 8)                                                        \
    INT2(S, M, psignd, M38, 0x0a, ESC38, 8)                                                        \
    INT2(S, M, pmulhrsw, M38, 0x0b, ESC38, 8)                                                      \
    INT2(S, M, pabsb, M38, 0x1c, ESC38, 8)                                                         \
    INT2(S, M, pabsw, M38, 0x1d, ESC38, 8)                                                         \
    INT2(S, M, pabsd, M38, 0x1e, ESC38, 8)

/* The REX.W forms (64-bit general register) of the conversions with a general register. */
#define SSE_WFORMS(S, M, S8)                                                                       \
    S(cvtsi2ss_w, M0F, P_F3, 0x2a, K_XG, 8, F_FP, "0xf3,0x48,0x0f,0x2a,0xc0")                      \
    S(cvtsi2sd_w, M0F, P_F2, 0x2a, K_XG, 8, F_FP, "0xf2,0x48,0x0f,0x2a,0xc0")                      \
    S(cvttss2si_w, M0F, P_F3, 0x2c, K_GX, 4, F_FP, "0xf3,0x48,0x0f,0x2c,0xc1")                     \
    S(cvttsd2si_w, M0F, P_F2, 0x2c, K_GX, 8, F_FP, "0xf2,0x48,0x0f,0x2c,0xc1")                     \
    S(cvtss2si_w, M0F, P_F3, 0x2d, K_GX, 4, F_FP, "0xf3,0x48,0x0f,0x2d,0xc1")                      \
    S(cvtsd2si_w, M0F, P_F2, 0x2d, K_GX, 8, F_FP, "0xf2,0x48,0x0f,0x2d,0xc1")

#define ASM_S(name, map, pfx, opc, kind, msize, flags, bytes)                                      \
    "tern_sse_stub tern_sse_" #name ", " bytes "\n"
#define ASM_M(name, map, pfx, opc, kind, msize, flags, bytes)                                      \
    "tern_mmx_stub tern_sse_" #name ", " bytes "\n"
#define ASM_S8(name, map, pfx, opc, kind, msize, flags, bytes)                                     \
    ".balign 64\n"                                                                                 \
    ".globl tern_sse_" #name "\n"                                                                  \
    ".hidden tern_sse_" #name "\n"                                                                 \
    "tern_sse_" #name ":\n"                                                                        \
    ".irp imm, 0, 1, 2, 3, 4, 5, 6, 7\n"                                                           \
    "tern_sse_stub tern_sse_" #name "_\\imm, " bytes ", \\imm\n"                                   \
    ".endr\n"

/*
 * SSE stub: save the host MXCSR, load xmm0/xmm1/rax and the guest MXCSR, run,
 * store MXCSR, rax, RFLAGS and xmm0. MMX stub: mm0/mm1/rax, then EMMS so the
 * host's x87 is usable again. Each fits in STUB_STRIDE bytes.
 */
// clang-format off
__asm__(".pushsection .text\n"
        ".macro tern_sse_stub name, bytes:vararg\n"
        "  .balign 64\n"
        "  .globl \\name\n"
        "  .hidden \\name\n"
        "\\name:\n"
        "  endbr64\n"
        "  stmxcsr 40(%rdi)\n"
        "  movdqu (%rdi), %xmm0\n"
        "  movdqu 16(%rdi), %xmm1\n"
        "  mov %rsi, %rax\n"
        "  ldmxcsr 32(%rdi)\n"
        "  .byte \\bytes\n"
        "  stmxcsr 36(%rdi)\n"
        "  ldmxcsr 40(%rdi)\n"
        "  mov %rax, 48(%rdi)\n"
        "  pushfq\n"
        "  popq 56(%rdi)\n"
        "  movdqu %xmm0, (%rdi)\n"
        "  ret\n"
        ".endm\n"
        ".macro tern_mmx_stub name, bytes:vararg\n"
        "  .balign 64\n"
        "  .globl \\name\n"
        "  .hidden \\name\n"
        "\\name:\n"
        "  endbr64\n"
        "  movq (%rdi), %mm0\n"
        "  movq 16(%rdi), %mm1\n"
        "  mov %rsi, %rax\n"
        "  .byte \\bytes\n"
        "  mov %rax, 48(%rdi)\n"
        "  movq %mm0, (%rdi)\n"
        "  emms\n"
        "  ret\n"
        ".endm\n" SSE_FORMS(ASM_S, ASM_M, ASM_S8) SSE_WFORMS(ASM_S, ASM_M, ASM_S8)
        ".purgem tern_sse_stub\n"
        ".purgem tern_mmx_stub\n"
        ".popsection\n");
// clang-format on

#define DECL_S(name, map, pfx, opc, kind, msize, flags, bytes)                                     \
    extern const char tern_sse_##name[] __attribute__((visibility("hidden")));
SSE_FORMS(DECL_S, DECL_S, DECL_S)
SSE_WFORMS(DECL_S, DECL_S, DECL_S)

typedef struct SseForm {
    const char *stub; /* NULL: not a host form */
    uint8_t kind;     /* K_* */
    uint8_t msize;    /* memory operand bytes */
    uint16_t flags;   /* F_* */
} SseForm;

#define FORM_IDX(map, pfx, opc) (((map)*P_COUNT + (pfx)) * 256 + (opc))
#define ENTRY(name, map, pfx, opc, kind, msize, flags, bytes)                                      \
    [FORM_IDX(map, pfx, opc)] = {tern_sse_##name, kind, msize, flags},

/* Indexed by map, mandatory prefix and opcode. */
static const SseForm sse_forms[M_COUNT * P_COUNT * 256] = {SSE_FORMS(ENTRY, ENTRY, ENTRY)};

typedef struct SseWForm {
    uint16_t idx; /* FORM_IDX */
    SseForm form;
} SseWForm;

#define WENTRY(name, map, pfx, opc, kind, msize, flags, bytes)                                     \
    {FORM_IDX(map, pfx, opc), {tern_sse_##name, kind, msize, flags}},
static const SseWForm sse_wforms[] = {SSE_WFORMS(WENTRY, WENTRY, WENTRY)};

/* --- operands --------------------------------------------------------------------------------- */

static int modrm_reg(const DecodedInsn *d)
{
    return ((d->modrm >> 3) & 7) | ((d->rex & REX_R) ? 8 : 0);
}

static int modrm_rm(const DecodedInsn *d)
{
    return (d->modrm & 7) | ((d->rex & REX_B) ? 8 : 0);
}

static bool is_mem(const DecodedInsn *d)
{
    return d->modrm < 0xc0;
}

static int sse_prefix(const DecodedInsn *d)
{
    if (d->prefixes & PREFIX_REPZ) {
        return P_F3;
    }
    if (d->prefixes & PREFIX_REPNZ) {
        return P_F2;
    }
    return (d->prefixes & PREFIX_DATA) ? P_66 : P_NP;
}

static bool rex_w(const CPUX86State *env, const DecodedInsn *d)
{
    return x86_code64(env) && (d->rex & REX_W);
}

/* Reads the memory operand (size bytes, zero-extended); 16-byte ones must be aligned when align. */
static void sse_ld_mem(X86CPU *cpu, const DecodedInsn *d, void *v, int size, bool align)
{
    uint64_t ea = x86_mem_offset(cpu, d);

    if (align && size == 16 && (ea & 15)) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    memset(v, 0, sizeof(X86XMMReg));
    fpu_ld_bytes(cpu, d->mem.seg, ea, v, size);
}

static void sse_st_mem(X86CPU *cpu, const DecodedInsn *d, const void *v, int size, bool align)
{
    uint64_t ea = x86_mem_offset(cpu, d);

    if (align && size == 16 && (ea & 15)) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    fpu_st_bytes(cpu, d->mem.seg, ea, v, size);
}

/*
 * The MMX state transition (TOP = 0, tags valid) happens, as on Intel hardware, after the memory
 * source is read and before a SIMD exception is raised: a load that faults leaves the x87 state
 * as it was; a store that faults leaves TOP = 0 and the tags as they were. mmx_enter() arms it,
 * mmx_commit() performs it (x86_exec_sse() at the latest).
 */
static __thread bool mmx_transition;

static void mmx_commit(X86CPU *cpu)
{
    if (mmx_transition) {
        fpu_enter_mmx(cpu->env);
        mmx_transition = false;
    }
}

/* Before an MMX store: TOP = 0 already (tags only when it completes), as Intel hardware does. */
static void mmx_store_top(X86CPU *cpu)
{
    if (mmx_transition) {
        cpu->env->fpu.fsw &= ~FSW_TOP_MASK;
    }
}

/* MMX instructions: #UD with CR0.EM, #NM with TS, #MF with pending x87 exceptions; TOP = 0. */
static void mmx_enter(X86CPU *cpu)
{
    fpu_check_nm(cpu, true);
    fpu_check_pending(cpu);
    mmx_transition = true;
}

/* An SSE instruction that also reads or writes an mm register. */
static void sse_mmx_enter(X86CPU *cpu)
{
    sse_check_enabled(cpu);
    fpu_check_pending(cpu);
    mmx_transition = true;
}

/* --- host forms ------------------------------------------------------------------------------- */

/* Unmasked SIMD exceptions (SDM Vol. 1, 11.5.1): pre-computation ones win over the others. */
static void sse_exceptions(X86CPU *cpu, uint32_t exc)
{
    CPUX86State *env = cpu->env;
    uint32_t unmasked = exc & ~(env->fpu.mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    const uint32_t pre = 0x07; /* IE, DE, ZE */

    if (unmasked) {
        if (exc & unmasked & pre) {
            exc &= pre;
        }
        env->fpu.mxcsr |= exc;
        x86_raise_exception(cpu, (env->cr[4] & CR4_OSXMMEXCPT_MASK) ? EXCP13_XF : EXCP06_ILLOP);
    }
    env->fpu.mxcsr |= exc;
}

/*
 * Unmasked SIMD exceptions in full. The stubs run with every exception masked, and the masked
 * response's flags are not always the unmasked one's: with UM clear, hardware signals underflow
 * for exact tiny results too, and with UM or OM clear it sets PE only when the result with an
 * unbounded exponent is inexact (SDM Vol. 1, 11.5.2.3-4). So when the guest unmasks an
 * exception the masked run might not rule out, the form runs once more under the guest's
 * masks: a SIMD exception there arrives as SIGFPE, whose saved MXCSR holds the flags the
 * hardware set. The handler records them, masks every exception in the saved MXCSR and
 * returns: the kernel restores the whole FPU state (x87 control word included) and the signal
 * mask, the instruction runs again masked, and the stub ends normally, putting the host's
 * MXCSR back itself. No jump, no signal-mask syscall.
 *
 * The handler is process-wide, installed on first use (SA_SIGINFO | SA_NODEFER); a SIGFPE is
 * ours only if it is a fault (si_code > 0) at an instruction of the stub this thread is running
 * (sse_trap_stub). Any other goes to the action that was there before (ASan's, a test's, the
 * default).
 */
static __thread const char *volatile sse_trap_stub; /* the stub running unmasked, or NULL */
static __thread volatile bool sse_trapped;
static __thread volatile uint32_t sse_trap_flags;
static struct sigaction sse_prev_action;

static void sse_sigfpe(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    const char *stub = sse_trap_stub;
    uintptr_t rip = uc->uc_mcontext.gregs[REG_RIP];

    if (info->si_code > 0 && stub && rip - (uintptr_t)stub < STUB_STRIDE &&
        uc->uc_mcontext.fpregs) {
        sse_trap_flags = uc->uc_mcontext.fpregs->mxcsr & MXCSR_FLAGS;
        sse_trapped = true;
        uc->uc_mcontext.fpregs->mxcsr |= MXCSR_MASKS;
        return;
    }
    /* Not ours: the previous action. */
    if (sse_prev_action.sa_flags & SA_SIGINFO) {
        sse_prev_action.sa_sigaction(sig, info, ctx);
    } else if (sse_prev_action.sa_handler != SIG_DFL && sse_prev_action.sa_handler != SIG_IGN) {
        sse_prev_action.sa_handler(sig);
    } else {
        /*
         * SIG_DFL or SIG_IGN: put it back for good. A fault then happens again under it when the
         * instruction re-executes, a signal that was sent is raised again (SA_NODEFER: not
         * blocked here). tern's handler is gone, which is acceptable: a SIGFPE that is not a
         * guest's exception is a host bug or a request to end the process.
         */
        sigaction(SIGFPE, &sse_prev_action, NULL);
        if (info->si_code <= 0) {
            raise(SIGFPE);
        }
    }
}

static void sse_trap_init(void)
{
    struct sigaction sa = {.sa_sigaction = sse_sigfpe, .sa_flags = SA_SIGINFO | SA_NODEFER};

    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGFPE, &sa, &sse_prev_action)) {
        abort();
    }
}

/* Runs the stub from *in under the guest's MXCSR; true, with the flags, if it trapped. */
static bool sse_run_unmasked(const char *stub, const SseFrame *in, uint64_t gpr, uint32_t mxcsr,
                             uint32_t *flags)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    SseFrame fr = *in;

    pthread_once(&once, sse_trap_init);
    fr.mxcsr_in = mxcsr & ~MXCSR_FLAGS;
    sse_trapped = false;
    sse_trap_stub = stub;
    ((SseStub)(uintptr_t)stub)(&fr, gpr);
    sse_trap_stub = NULL;
    *flags = sse_trap_flags;
    return sse_trapped;
}

static void load_source(X86CPU *cpu, const DecodedInsn *d, const SseForm *f, SseFrame *fr,
                        uint64_t *gpr)
{
    CPUX86State *env = cpu->env;
    int rm = modrm_rm(d);

    if (is_mem(d)) {
        sse_ld_mem(cpu, d, &fr->src, f->msize, !(f->flags & F_MMX));
        *gpr = fr->src.q[0];
    } else if (f->kind == K_XG) {
        *gpr = env->regs[rm] & size_mask(f->msize);
    } else if (f->flags & (F_MMX | F_SRC_MM)) {
        fr->src.q[0] = mmx_get(env, rm & 7);
    } else {
        fr->src = env->fpu.xmm[rm];
        if ((f->flags & (F_DST_MM | F_LOW64)) == (F_DST_MM | F_LOW64)) {
            fr->src.q[1] = 0; /* CVT(T)PS2PI read two singles: the others must not raise flags */
        }
    }
}

static void exec_host_form(X86CPU *cpu, const DecodedInsn *d, const SseForm *f)
{
    CPUX86State *env = cpu->env;
    SseFrame fr = {0}, in;
    const char *stub = f->stub;
    int reg = modrm_reg(d);
    uint64_t gpr = 0;

    if (is_mem(d) && (f->flags & F_REGONLY)) {
        x86_raise_exception(cpu, EXCP06_ILLOP); /* a decode fault: before #NM/#MF */
    }
    if (f->flags & F_MMX) {
        mmx_enter(cpu);
    } else if (((f->flags & F_SRC_MM) && !is_mem(d)) || (f->flags & F_DST_MM)) {
        sse_mmx_enter(cpu);
    } else {
        sse_check_enabled(cpu);
    }
    if (f->flags & F_MMX) {
        fr.dst.q[0] = mmx_get(env, reg & 7);
    } else if (!(f->flags & F_DST_MM)) {
        fr.dst = env->fpu.xmm[reg];
    }
    load_source(cpu, d, f, &fr, &gpr);
    mmx_commit(cpu);
    if (f->flags & F_IMM8) {
        stub += (d->imm & 7) * STUB_STRIDE;
    }
    fr.mxcsr_in = (env->fpu.mxcsr | MXCSR_MASKS) & ~MXCSR_FLAGS;
    in = fr;
    ((SseStub)(uintptr_t)stub)(&fr, gpr);
    if (f->flags & F_FP) {
        uint32_t unmasked = ~(env->fpu.mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS, flags;

        /*
         * The unmasked run can trap only if the masked one raised an unmasked flag, or on an
         * exact tiny result with UM clear: the exceptions are detected alike (only underflow
         * depends on UM), and PE without OE/UE is the same rounding.
         */
        if (((fr.mxcsr_out & unmasked) || (unmasked & MXCSR_UE)) &&
            sse_run_unmasked(stub, &in, gpr, env->fpu.mxcsr, &flags)) {
            env->fpu.mxcsr |= flags;
            x86_raise_exception(cpu, (env->cr[4] & CR4_OSXMMEXCPT_MASK) ? EXCP13_XF : EXCP06_ILLOP);
        }
        sse_exceptions(cpu, fr.mxcsr_out & MXCSR_FLAGS);
    }
    if (f->flags & F_RFLAGS) {
        flags_set(env, CC_O | CC_S | CC_Z | CC_A | CC_P | CC_C, fr.rflags_out);
    } else if (f->kind == K_GX) {
        x86_set_reg(env, reg, rex_w(env, d) ? 8 : 4, false, fr.gpr_out);
    } else if ((f->flags & F_MMX) || (f->flags & F_DST_MM)) {
        mmx_set(env, reg & 7, fr.dst.q[0]);
    } else if (f->flags & F_LOW64) {
        env->fpu.xmm[reg].q[0] = fr.dst.q[0];
    } else if (!(f->flags & F_NODST)) {
        env->fpu.xmm[reg] = fr.dst;
    }
}

/* SSE3 forms of the table: MOVSLDUP/MOVSHDUP/MOVDDUP, HADD/HSUB, ADDSUB (SDM Vol. 1, 12.2). */
static bool is_sse3_form(int map, int pfx, uint8_t opcode)
{
    if (map != M0F) {
        return false;
    }
    switch (opcode) {
    case 0x12:
        return pfx == P_F3 || pfx == P_F2;
    case 0x16:
        return pfx == P_F3;
    case 0x7c:
    case 0x7d:
    case 0xd0:
        return true;
    }
    return false;
}

bool x86_fpu_host_has_sse3(void)
{
    return __builtin_cpu_supports("sse3");
}

static bool host_has_ssse3(void)
{
    return __builtin_cpu_supports("ssse3");
}

void x86_fpu_cpuid_features(uint32_t *edx, uint32_t *ecx)
{
    *edx = CPUID_FPU_BIT | CPUID_MMX_BIT | CPUID_FXSR_BIT | CPUID_SSE_BIT | CPUID_SSE2_BIT;
    *ecx =
        (x86_fpu_host_has_sse3() ? CPUID_SSE3_BIT : 0) | (host_has_ssse3() ? CPUID_SSSE3_BIT : 0);
}

static const SseForm *lookup_form(const CPUX86State *env, const DecodedInsn *d, int pfx)
{
    int map = d->map == X86_MAP_0F38 ? M38 : d->map == X86_MAP_0F3A ? M3A : M0F;
    unsigned idx = FORM_IDX(map, pfx, d->opcode);

    /* The stubs run the host's instruction: without the extension they are #UD, as CPUID says. */
    if ((map == M38 && !host_has_ssse3()) ||
        (is_sse3_form(map, pfx, d->opcode) && !x86_fpu_host_has_sse3())) {
        return NULL;
    }

    if (rex_w(env, d)) {
        for (size_t i = 0; i < ARRAY_SIZE(sse_wforms); i++) {
            if (sse_wforms[i].idx == idx) {
                return &sse_wforms[i].form;
            }
        }
    }
    return sse_forms[idx].stub ? &sse_forms[idx] : NULL;
}

/* --- moves ------------------------------------------------------------------------------------ */

/* 0F 10/11/28/29/2B/6F/7F/E7/F0 and F3 0F 7E, 66 0F D6: whole or partial register moves. */
typedef struct MoveForm {
    uint8_t size;  /* bytes moved */
    bool store;    /* xmm -> r/m */
    bool align;    /* 16-byte memory operand must be aligned */
    bool mem_only; /* register form is #UD */
    bool zero_mem; /* a load from memory zeroes the rest of the register (MOVSS/MOVSD) */
    bool zero_reg; /* a register source zeroes the rest too (MOVQ) */
} MoveForm;

static void exec_xmm_move(X86CPU *cpu, const DecodedInsn *d, const MoveForm *m)
{
    CPUX86State *env = cpu->env;
    X86XMMReg *r = &env->fpu.xmm[modrm_reg(d)];
    X86XMMReg v;

    sse_check_enabled(cpu);
    if (!is_mem(d)) {
        X86XMMReg *o = &env->fpu.xmm[modrm_rm(d)];
        X86XMMReg *dst = m->store ? o : r, *src = m->store ? r : o;

        if (m->mem_only) {
            x86_raise_exception(cpu, EXCP06_ILLOP);
        }
        v = m->zero_reg ? (X86XMMReg){{0}} : *dst;
        memcpy(&v, src, m->size);
        *dst = v;
        return;
    }
    if (m->store) {
        sse_st_mem(cpu, d, r, m->size, m->align);
        return;
    }
    v = *r;
    sse_ld_mem(cpu, d, &v, m->size, m->align);
    if (!m->zero_mem && m->size < 16) {
        memcpy(&v.b[m->size], &r->b[m->size], 16 - m->size);
    }
    *r = v;
}

static const MoveForm mv_ups = {16, false, false, false, false, false};
static const MoveForm mv_ups_st = {16, true, false, false, false, false};
static const MoveForm mv_aps = {16, false, true, false, false, false};
static const MoveForm mv_aps_st = {16, true, true, false, false, false};
static const MoveForm mv_nt_st = {16, true, true, true, false, false};
static const MoveForm mv_ss = {4, false, false, false, true, false};
static const MoveForm mv_ss_st = {4, true, false, false, false, false};
static const MoveForm mv_sd = {8, false, false, false, true, false};
static const MoveForm mv_sd_st = {8, true, false, false, false, false};
static const MoveForm mv_q = {8, false, false, false, true, true};
static const MoveForm mv_q_st = {8, true, false, false, false, true};
static const MoveForm mv_lddqu = {16, false, false, true, false, false};

/* MOVLPS/MOVHPS/MOVLPD/MOVHPD/MOVHLPS/MOVLHPS (0F 12, 13, 16, 17). */
static void exec_half_move(X86CPU *cpu, const DecodedInsn *d, int pfx)
{
    CPUX86State *env = cpu->env;
    X86XMMReg *r = &env->fpu.xmm[modrm_reg(d)];
    int half = (d->opcode & 4) ? 1 : 0; /* 16/17: high quadword */
    X86XMMReg v;

    sse_check_enabled(cpu);
    if (!is_mem(d)) {
        if (pfx != P_NP || (d->opcode & 1)) {
            x86_raise_exception(cpu, EXCP06_ILLOP);
        }
        /* MOVHLPS: low <- source high; MOVLHPS: high <- source low. */
        r->q[half] = env->fpu.xmm[modrm_rm(d)].q[!half];
        return;
    }
    if (d->opcode & 1) {
        sse_st_mem(cpu, d, &r->q[half], 8, false);
        return;
    }
    sse_ld_mem(cpu, d, &v, 8, false);
    r->q[half] = v.q[0];
}

/* MOVD/MOVQ between a general register or memory and mm/xmm (0F 6E, 0F 7E). */
static void exec_movd(X86CPU *cpu, const DecodedInsn *d, int pfx)
{
    CPUX86State *env = cpu->env;
    int size = rex_w(env, d) ? 8 : 4;
    bool to_gpr = d->opcode == 0x7e;
    int reg = modrm_reg(d);
    X86XMMReg buf;
    uint64_t v = 0;

    if (pfx == P_NP) {
        mmx_enter(cpu);
    } else {
        sse_check_enabled(cpu);
    }
    if (to_gpr) {
        v = pfx == P_NP ? mmx_get(env, reg & 7) : env->fpu.xmm[reg].q[0];
        v &= size_mask(size);
        mmx_store_top(cpu);
        if (is_mem(d)) {
            sse_st_mem(cpu, d, &v, size, false);
        } else {
            x86_set_reg(env, modrm_rm(d), size, false, v);
        }
        return;
    }
    if (is_mem(d)) {
        sse_ld_mem(cpu, d, &buf, size, false);
        v = buf.q[0];
    } else {
        v = env->regs[modrm_rm(d)] & size_mask(size);
    }
    if (pfx == P_NP) {
        mmx_set(env, reg & 7, v);
    } else {
        env->fpu.xmm[reg] = (X86XMMReg){.q = {v, 0}};
    }
}

/* MOVQ mm (0F 6F/7F), MOVNTQ (0F E7), MOVQ2DQ (F3 0F D6), MOVDQ2Q (F2 0F D6). */
static void exec_mmx_move(X86CPU *cpu, const DecodedInsn *d, int pfx)
{
    CPUX86State *env = cpu->env;
    int reg = modrm_reg(d), rm = modrm_rm(d);
    X86XMMReg v;

    if (pfx == P_F3 || pfx == P_F2) {
        if (is_mem(d)) {
            x86_raise_exception(cpu, EXCP06_ILLOP);
        }
        sse_mmx_enter(cpu);
        if (pfx == P_F3) {
            env->fpu.xmm[reg] = (X86XMMReg){.q = {mmx_get(env, rm & 7), 0}};
        } else {
            mmx_set(env, reg & 7, env->fpu.xmm[rm].q[0]);
        }
        return;
    }
    if (d->opcode == 0xe7 && !is_mem(d)) {
        x86_raise_exception(cpu, EXCP06_ILLOP); /* MOVNTQ needs memory: a decode fault */
    }
    mmx_enter(cpu);
    if (d->opcode == 0x6f) {
        if (is_mem(d)) {
            sse_ld_mem(cpu, d, &v, 8, false);
        } else {
            v.q[0] = mmx_get(env, rm & 7);
        }
        mmx_set(env, reg & 7, v.q[0]);
        return;
    }
    v.q[0] = mmx_get(env, reg & 7);
    mmx_store_top(cpu);
    if (is_mem(d)) {
        sse_st_mem(cpu, d, &v, 8, false);
    } else {
        mmx_set(env, rm & 7, v.q[0]); /* 0F 7F */
    }
}

/* MASKMOVQ / MASKMOVDQU: bytes whose mask byte has bit 7 set go to DS:rDI (SDM Vol. 2). */
static void exec_maskmov(X86CPU *cpu, const DecodedInsn *d, int pfx)
{
    CPUX86State *env = cpu->env;
    int n = pfx == P_NP ? 8 : 16;
    int seg = d->mem.seg >= 0 ? d->mem.seg : R_DS;
    uint64_t di = env->regs[R_EDI] & size_mask(d->addrsize);
    X86XMMReg data, mask;

    if (!is_mem(d) && pfx == P_NP) {
        mmx_enter(cpu);
        data.q[0] = mmx_get(env, modrm_reg(d) & 7);
        mask.q[0] = mmx_get(env, modrm_rm(d) & 7);
    } else if (!is_mem(d) && pfx == P_66) {
        sse_check_enabled(cpu);
        data = env->fpu.xmm[modrm_reg(d)];
        mask = env->fpu.xmm[modrm_rm(d)];
    } else {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    mmx_commit(cpu); /* MASKMOVQ reads two mm registers: the whole transition before a fault */
    /*
     * Intel processors check the whole 8/16-byte destination, selected bytes or not, before
     * writing any (the SDM leaves faults for a mask of zeros implementation-specific).
     */
    x86_probe_write(cpu, x86_seg_linear(cpu, seg, di, n, MMU_DATA_STORE), n, x86_mmu_index(env));
    for (int i = 0; i < n; i++) {
        if (mask.b[i] & 0x80) {
            x86_st_seg(cpu, seg, (di + i) & size_mask(d->addrsize), data.b[i], 1);
        }
    }
}

/* --- shuffles and immediates ----------------------------------------------------------------- */

/* The source of an mm/xmm instruction: r/m register or memory (16-byte ones aligned). */
static void read_rm(X86CPU *cpu, const DecodedInsn *d, bool mmx, X86XMMReg *v)
{
    if (is_mem(d)) {
        sse_ld_mem(cpu, d, v, mmx ? 8 : 16, true);
    } else if (mmx) {
        *v = (X86XMMReg){.q = {mmx_get(cpu->env, modrm_rm(d) & 7), 0}};
    } else {
        *v = cpu->env->fpu.xmm[modrm_rm(d)];
    }
}

static void read_reg(X86CPU *cpu, const DecodedInsn *d, bool mmx, X86XMMReg *v)
{
    if (mmx) {
        *v = (X86XMMReg){.q = {mmx_get(cpu->env, modrm_reg(d) & 7), 0}};
    } else {
        *v = cpu->env->fpu.xmm[modrm_reg(d)];
    }
}

static void write_reg(X86CPU *cpu, const DecodedInsn *d, bool mmx, const X86XMMReg *v)
{
    if (mmx) {
        mmx_set(cpu->env, modrm_reg(d) & 7, v->q[0]);
    } else {
        cpu->env->fpu.xmm[modrm_reg(d)] = *v;
    }
}

static void enter_for(X86CPU *cpu, bool mmx)
{
    if (mmx) {
        mmx_enter(cpu);
    } else {
        sse_check_enabled(cpu);
    }
}

/* PSHUFW, PSHUFD, PSHUFHW, PSHUFLW (0F 70). */
static void exec_pshuf(X86CPU *cpu, const DecodedInsn *d, int pfx)
{
    bool mmx = pfx == P_NP;
    uint8_t imm = d->imm;
    X86XMMReg s, r;
    uint16_t w[8];

    enter_for(cpu, mmx);
    read_rm(cpu, d, mmx, &s);
    r = s;
    memcpy(w, &s, sizeof(w));
    for (int i = 0; i < 4; i++) {
        int sel = (imm >> (2 * i)) & 3;

        if (pfx == P_66) {
            r.l[i] = s.l[sel];
        } else {
            int base = pfx == P_F3 ? 4 : 0; /* PSHUFHW shuffles the high words */
            uint16_t v = w[base + sel];

            memcpy(&r.b[2 * (base + i)], &v, 2);
        }
    }
    write_reg(cpu, d, mmx, &r);
}

/* SHUFPS / SHUFPD (0F C6). */
static void exec_shufp(X86CPU *cpu, const DecodedInsn *d, int pfx)
{
    uint8_t imm = d->imm;
    X86XMMReg a, b, r;

    sse_check_enabled(cpu);
    read_reg(cpu, d, false, &a);
    read_rm(cpu, d, false, &b);
    if (pfx == P_NP) {
        r.l[0] = a.l[imm & 3];
        r.l[1] = a.l[(imm >> 2) & 3];
        r.l[2] = b.l[(imm >> 4) & 3];
        r.l[3] = b.l[(imm >> 6) & 3];
    } else {
        r.q[0] = a.q[imm & 1];
        r.q[1] = b.q[(imm >> 1) & 1];
    }
    write_reg(cpu, d, false, &r);
}

/* PINSRW (0F C4) and PEXTRW (0F C5). */
static void exec_pinsrw_pextrw(X86CPU *cpu, const DecodedInsn *d, int pfx)
{
    CPUX86State *env = cpu->env;
    bool mmx = pfx == P_NP;
    int sel = d->imm & (mmx ? 3 : 7);
    X86XMMReg v;
    uint16_t w;

    if (d->opcode == 0xc5 && is_mem(d)) {
        x86_raise_exception(cpu, EXCP06_ILLOP); /* a decode fault: before #NM/#MF */
    }
    enter_for(cpu, mmx);
    if (d->opcode == 0xc5) {
        if (mmx) {
            v.q[0] = mmx_get(env, modrm_rm(d) & 7);
        } else {
            v = env->fpu.xmm[modrm_rm(d)];
        }
        memcpy(&w, &v.b[2 * sel], 2);
        x86_set_reg(env, modrm_reg(d), rex_w(env, d) ? 8 : 4, false, w);
        return;
    }
    if (is_mem(d)) {
        sse_ld_mem(cpu, d, &v, 2, false);
        memcpy(&w, &v, 2);
    } else {
        w = env->regs[modrm_rm(d)];
    }
    read_reg(cpu, d, mmx, &v);
    memcpy(&v.b[2 * sel], &w, 2);
    write_reg(cpu, d, mmx, &v);
}

/* PALIGNR (0F 3A 0F): the concatenation dst:src shifted right by imm8 bytes. */
static void exec_palignr(X86CPU *cpu, const DecodedInsn *d, int pfx)
{
    bool mmx = pfx == P_NP;
    int n = mmx ? 8 : 16;
    unsigned shift = (uint8_t)d->imm;
    uint8_t cat[32];
    X86XMMReg a, b, r = {{0}};

    if (pfx != P_NP && pfx != P_66) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    enter_for(cpu, mmx);
    read_reg(cpu, d, mmx, &a);
    read_rm(cpu, d, mmx, &b);
    memcpy(cat, b.b, n);
    memcpy(cat + n, a.b, n);
    for (int i = 0; i < n; i++) {
        r.b[i] = shift + i < 2u * n ? cat[shift + i] : 0;
    }
    write_reg(cpu, d, mmx, &r);
}

/* PSRLDQ / PSLLDQ (66 0F 73 /3, /7): byte shifts of the r/m register. */
static void exec_byte_shift(X86CPU *cpu, const DecodedInsn *d, bool right, unsigned count)
{
    X86XMMReg *x = &cpu->env->fpu.xmm[modrm_rm(d)], r = {{0}};

    sse_check_enabled(cpu);
    for (int i = 0; i < 16; i++) {
        int from = right ? i + (int)count : i - (int)count;

        r.b[i] = (count < 16 && from >= 0 && from < 16) ? x->b[from] : 0;
    }
    *x = r;
}

/* Groups 12-14 (0F 71-73): shifts of the r/m register by imm8, run as the by-register forms. */
static void exec_shift_imm(X86CPU *cpu, const DecodedInsn *d, int pfx)
{
    /* The by-register opcodes: [opcode - 0x71][ModRM reg]; 0 is #UD. */
    static const uint8_t by_reg[3][8] = {
        {0, 0, 0xd1, 0, 0xe1, 0, 0xf1, 0}, /* 71: PSRLW, PSRAW, PSLLW */
        {0, 0, 0xd2, 0, 0xe2, 0, 0xf2, 0}, /* 72: PSRLD, PSRAD, PSLLD */
        {0, 0, 0xd3, 0, 0, 0, 0xf3, 0},    /* 73: PSRLQ, PSLLQ (66: /3 PSRLDQ, /7 PSLLDQ) */
    };
    CPUX86State *env = cpu->env;
    int op = (d->modrm >> 3) & 7, rm = modrm_rm(d);
    bool mmx = pfx == P_NP;
    SseFrame fr = {0};
    const SseForm *f;

    if (is_mem(d) || (pfx != P_NP && pfx != P_66)) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    if (!mmx && d->opcode == 0x73 && (op == 3 || op == 7)) {
        exec_byte_shift(cpu, d, op == 3, (uint8_t)d->imm);
        return;
    }
    if (!by_reg[d->opcode - 0x71][op]) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    f = &sse_forms[FORM_IDX(M0F, mmx ? P_NP : P_66, by_reg[d->opcode - 0x71][op])];
    enter_for(cpu, mmx);
    if (mmx) {
        fr.dst.q[0] = mmx_get(env, rm & 7);
    } else {
        fr.dst = env->fpu.xmm[rm];
    }
    fr.src.q[0] = (uint8_t)d->imm; /* the count, as the by-register form reads it */
    fr.mxcsr_in = (env->fpu.mxcsr | MXCSR_MASKS) & ~MXCSR_FLAGS;
    ((SseStub)(uintptr_t)f->stub)(&fr, 0);
    if (mmx) {
        mmx_set(env, rm & 7, fr.dst.q[0]);
    } else {
        env->fpu.xmm[rm] = fr.dst;
    }
}

/* MOVNTI (0F C3): a general register to memory. */
static void exec_movnti(X86CPU *cpu, const DecodedInsn *d)
{
    if (!is_mem(d) || sse_prefix(d) != P_NP) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    x86_write_opnd(cpu, d, 0, x86_read_opnd(cpu, d, 1));
}

/* --- dispatch --------------------------------------------------------------------------------- */

static bool exec_moves(X86CPU *cpu, const DecodedInsn *d, int pfx)
{
    static const MoveForm *const load[P_COUNT] = {&mv_ups, &mv_ups, &mv_ss, &mv_sd};
    static const MoveForm *const store[P_COUNT] = {&mv_ups_st, &mv_ups_st, &mv_ss_st, &mv_sd_st};

    switch (d->opcode) {
    case 0x10:
        exec_xmm_move(cpu, d, load[pfx]);
        return true;
    case 0x11:
        exec_xmm_move(cpu, d, store[pfx]);
        return true;
    case 0x12:
    case 0x13:
    case 0x16:
    case 0x17:
        if (pfx == P_NP || pfx == P_66) {
            exec_half_move(cpu, d, pfx);
            return true;
        }
        return false;
    case 0x28:
    case 0x29:
    case 0x2b:
        if (pfx == P_NP || pfx == P_66) {
            exec_xmm_move(cpu, d,
                          d->opcode == 0x28   ? &mv_aps
                          : d->opcode == 0x29 ? &mv_aps_st
                                              : &mv_nt_st);
            return true;
        }
        return false;
    case 0x6e:
        if (pfx == P_NP || pfx == P_66) {
            exec_movd(cpu, d, pfx);
            return true;
        }
        return false;
    case 0x7e:
        if (pfx == P_F3) {
            exec_xmm_move(cpu, d, &mv_q);
        } else if (pfx != P_F2) {
            exec_movd(cpu, d, pfx);
        } else {
            return false;
        }
        return true;
    case 0x6f:
    case 0x7f:
        if (pfx == P_NP) {
            exec_mmx_move(cpu, d, pfx);
        } else if (pfx == P_66) {
            exec_xmm_move(cpu, d, d->opcode == 0x6f ? &mv_aps : &mv_aps_st);
        } else if (pfx == P_F3) {
            exec_xmm_move(cpu, d, d->opcode == 0x6f ? &mv_ups : &mv_ups_st);
        } else {
            return false;
        }
        return true;
    case 0xd6:
        if (pfx == P_66) {
            exec_xmm_move(cpu, d, &mv_q_st);
        } else if (pfx != P_NP) {
            exec_mmx_move(cpu, d, pfx);
        } else {
            return false;
        }
        return true;
    case 0xe7:
        if (pfx == P_NP) {
            exec_mmx_move(cpu, d, pfx);
        } else if (pfx == P_66) {
            exec_xmm_move(cpu, d, &mv_nt_st);
        } else {
            return false;
        }
        return true;
    case 0xf0:
        if (pfx == P_F2) {
            exec_xmm_move(cpu, d, &mv_lddqu);
            return true;
        }
        return false;
    }
    return false;
}

static bool exec_others(X86CPU *cpu, const DecodedInsn *d, int pfx)
{
    if (d->map == X86_MAP_0F3A) {
        if (d->opcode == 0x0f) {
            exec_palignr(cpu, d, pfx);
            return true;
        }
        return false;
    }
    if (d->map != X86_MAP_0F) {
        return false;
    }
    switch (d->opcode) {
    case 0x70:
        exec_pshuf(cpu, d, pfx);
        return true;
    case 0x71:
    case 0x72:
    case 0x73:
        exec_shift_imm(cpu, d, pfx);
        return true;
    case 0xc3:
        exec_movnti(cpu, d);
        return true;
    case 0xc4:
    case 0xc5:
        if (pfx == P_NP || pfx == P_66) {
            exec_pinsrw_pextrw(cpu, d, pfx);
            return true;
        }
        return false;
    case 0xc6:
        if (pfx == P_NP || pfx == P_66) {
            exec_shufp(cpu, d, pfx);
            return true;
        }
        return false;
    case 0xf7:
        exec_maskmov(cpu, d, pfx);
        return true;
    }
    return d->map == X86_MAP_0F && exec_moves(cpu, d, pfx);
}

void x86_exec_sse(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int pfx = sse_prefix(d);
    const SseForm *f;

    if (d->op == OP_EMMS) {
        fpu_check_nm(cpu, true);
        fpu_check_pending(cpu);
        /* The SDM names only the tags; Intel hardware also leaves TOP = 0, as the MMX ops do. */
        fpu_enter_mmx(env);
        env->fpu.ftw = FTW_ALL_EMPTY;
        return;
    }
    mmx_transition = false;
    f = lookup_form(env, d, pfx);
    if (f) {
        exec_host_form(cpu, d, f);
    } else if (!exec_others(cpu, d, pfx)) {
        qemu_log_mask(LOG_UNIMP, "x86: SSE opcode %02x map %d prefix %d not implemented: #UD\n",
                      d->opcode, d->map, pfx);
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    mmx_commit(cpu);
}
