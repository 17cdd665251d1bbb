/*
 * test-x86-difftest-fp.c: the interpreter's x87, MMX and SSE against the host CPU through KVM.
 *
 * Every x87/MMX/SSE/SSE2/SSE3/SSSE3 form that tern's CPUID model advertises (cpuid-tcg.c,
 * x86_fpu_cpuid_features()), in its register and memory variants, runs from the same random
 * state in the interpreter and in a raw KVM vCPU (x86-difftest.h): x87 registers with normal,
 * denormal, zero, infinite, NaN and unsupported values, random TOP and tags, control words with
 * every precision and rounding and some unmasked exceptions, pending exceptions; XMM and MMX
 * registers with float, double and integer patterns; MXCSR with every rounding, DAZ, FTZ and some
 * unmasked exceptions; general registers; the memory operand (aligned or not, sometimes across
 * into a not-present page); random segment, address-size and redundant prefixes; CR0.TS,
 * CR0.EM, a clear CR4.OSFXSR or CR4.OSXMMEXCPT where KVM honours them (probe_kvm); and
 * sometimes a FWAIT before or after the instruction, which takes a pending #MF.
 *
 * The case runs at CPL 3 in 64-bit mode and ends with UD2: KVM on our hosts is PVM, which runs
 * guest user code natively but supervisor code and anything outside 64-bit mode in KVM's
 * instruction emulator (no x87/SSE there). The FP state goes into KVM with KVM_SET_XSAVE and
 * comes back with KVM_GET_XSAVE; the interpreter's is read from CPUX86State. Compared: the
 * FXSAVE image (FCW, FSW, abridged FTW, FOP, FIP, FDP, MXCSR, ST0-7, XMM0-15; fx_equal says what
 * is left out and why), general registers, RIP, RFLAGS, the data page and the stack (with the
 * exception frame), the vector taken and CR2.
 *
 * Forms are run round robin (every variant of every form in every pass); the operands are random
 * with a fixed seed (DIFFTEST_SEED, DIFFTEST_COUNT for longer runs, DIFFTEST_SHOW for more
 * mismatch reports, DIFFTEST_DEBUG for why KVM did not get to the end of a case). A list of every
 * opcode of the advertised extensions, from the SDM's opcode maps, is checked against the forms so
 * that a missing one fails; every variant must have been compared. Skips when /dev/kvm does not
 * open. docs/fpu.md has the exclusions.
 */
#include "x86-difftest.h"
#include <cpuid.h>

/* Pages of the FP difftest beyond the common layout: 4 KiB page tables. */
#define PT_ADDR     0xb000
#define ALIAS_PAGE  0xe000 /* maps the data page: operands near its end run into ... */
#define ABSENT_PAGE 0xf000 /* ... a not-present page (#PF) */
#define PAGES       16
#define END_CODE    (CODE_ADDR + 0x800) /* compatibility mode jumps here to end in 64-bit code */
#define END_VECTOR  EXCP06_ILLOP        /* UD2 ends a case (PVM's emulator cannot run INT n) */

#if defined(__SANITIZE_ADDRESS__)
#define COUNT_64     8000 /* the interpreter is slower under the sanitizers */
#define COUNT_COMPAT 2000
#else
#define COUNT_64     32000
#define COUNT_COMPAT 8000
#endif

#define ARITH (CC_O | CC_S | CC_Z | CC_A | CC_P | CC_C)

/* FNSTENV/FNSAVE after an x87 form, at rBX + ENV_DISP: the pointers as stored in memory. */
enum { ENV_NONE, ENV_FNSTENV, ENV_FNSTENV16, ENV_FNSAVE };
#define ENV_DISP 0x800

/* FXSAVE image offsets: FXSAVE_* of target/x86/cpu.h. */
#define FSW_ES_BIT 0x0080

static CPUX86State env;
static X86CPU cpu;

/* --- extensions and forms ------------------------------------------------------------------- */

enum { EXT_X87, EXT_MMX, EXT_SSE, EXT_SSE2, EXT_SSE3, EXT_SSSE3, EXT_COUNT };
static const char *const ext_names[EXT_COUNT] = {"x87", "MMX", "SSE", "SSE2", "SSE3", "SSSE3"};

/* How ModRM is bound. */
enum {
    O_NONE,  /* no ModRM: the bytes are the whole instruction */
    O_FIXED, /* the bytes end with the ModRM (x87 D9 E0, fences) */
    O_STI,   /* x87 register form: ModRM C0 | digit << 3 | i */
    O_X87M,  /* x87 memory form /digit */
    O_VV,    /* vector reg, vector reg or memory */
    O_GV,    /* general reg, vector reg or memory */
    O_VG,    /* vector reg, general reg or memory */
    O_GM,    /* general reg, memory (MOVNTI) */
    O_DV,    /* /digit, vector reg (shift by immediate) */
    O_DM,    /* /digit, memory */
};

/* Value kinds of the memory operand and of registers. */
enum { VK_I, VK_F32, VK_F64, VK_F80, VK_BCD, VK_CW, VK_ENV16, VK_ENV32, VK_FX, VK_MXCSR };

/* Form flags. */
#define F_REG   0x01 /* register variant */
#define F_MEM   0x02 /* memory variant */
#define F_BOTH  (F_REG | F_MEM)
#define F_MMREG 0x04 /* ModRM reg names an mm register */
#define F_MMRM  0x08 /* ModRM r/m (register variant) names an mm register */
#define F_MM    (F_MMREG | F_MMRM)
#define F_ALIGN 0x10 /* 16-byte memory operand: must be aligned (#GP) */
#define F_X87   0x20 /* an x87 instruction: FWAIT may follow */
#define F_IMM1  0x40 /* one immediate byte */
#define F_RDI   0x80 /* stores to DS:rDI (MASKMOVQ/MASKMOVDQU) */
#define F_OSFXSR                                                                                   \
    0x100 /* keep CR4.OSFXSR (FXSAVE's XMM part is implementation-specific without it) */

typedef struct FpForm {
    const char *name;
    uint8_t ext;
    const char *hex; /* mandatory prefix, escapes, opcode (and ModRM for O_FIXED) */
    int8_t digit;    /* ModRM reg for O_STI, O_X87M, O_DV, O_DM */
    uint8_t ops;     /* O_* */
    uint8_t vk;      /* VK_* of the memory operand */
    uint16_t msize;  /* memory operand bytes */
    uint16_t flags;
} FpForm;

/* clang-format off */
#define X87M(n, op, d, vk, sz)   {n, EXT_X87, op, d, O_X87M, vk, sz, F_MEM | F_X87}
#define X87R(n, op, d)           {n, EXT_X87, op, d, O_STI, VK_F80, 0, F_REG | F_X87}
#define X87F(n, hex)             {n, EXT_X87, hex, -1, O_FIXED, VK_F80, 0, F_REG | F_X87}
#define VV(n, e, hex, vk, sz, f) {n, e, hex, -1, O_VV, vk, sz, F_BOTH | (f)}
#define VVA(n, e, hex, vk, f)    {n, e, hex, -1, O_VV, vk, 16, F_BOTH | F_ALIGN | (f)}
#define MMX2(n, e, op)           VV(n " mm", e, "0f" op, VK_I, 8, F_MM)
#define SSE2I(n, op)             VVA(n " xmm", EXT_SSE2, "660f" op, VK_I, 0)
#define INT2(n, op)              MMX2(n, EXT_MMX, op), SSE2I(n, op)
#define FP4(n, op)                                                                                 \
    VVA(n "ps", EXT_SSE, "0f" op, VK_F32, 0), VVA(n "pd", EXT_SSE2, "660f" op, VK_F64, 0),         \
    VV(n "ss", EXT_SSE, "f30f" op, VK_F32, 4, 0), VV(n "sd", EXT_SSE2, "f20f" op, VK_F64, 8, 0)
#define SSSE3(n, op)                                                                               \
    VV(n " mm", EXT_SSSE3, "0f38" op, VK_I, 8, F_MM), VVA(n " xmm", EXT_SSSE3, "660f38" op, VK_I, 0)

static const FpForm forms[] = {
    /* x87 memory forms (SDM Vol. 2, table A-8) */
    X87M("fadd m32", "d8", 0, VK_F32, 4), X87M("fmul m32", "d8", 1, VK_F32, 4),
    X87M("fcom m32", "d8", 2, VK_F32, 4), X87M("fcomp m32", "d8", 3, VK_F32, 4),
    X87M("fsub m32", "d8", 4, VK_F32, 4), X87M("fsubr m32", "d8", 5, VK_F32, 4),
    X87M("fdiv m32", "d8", 6, VK_F32, 4), X87M("fdivr m32", "d8", 7, VK_F32, 4),
    X87M("fld m32", "d9", 0, VK_F32, 4), X87M("fst m32", "d9", 2, VK_F32, 4),
    X87M("fstp m32", "d9", 3, VK_F32, 4), X87M("fldenv", "d9", 4, VK_ENV32, 28),
    X87M("fldcw", "d9", 5, VK_CW, 2), X87M("fnstenv", "d9", 6, VK_I, 28),
    X87M("fnstcw", "d9", 7, VK_I, 2),
    X87M("fldenv16", "66d9", 4, VK_ENV16, 14), X87M("fnstenv16", "66d9", 6, VK_I, 14),
    X87M("fiadd m32", "da", 0, VK_I, 4), X87M("fimul m32", "da", 1, VK_I, 4),
    X87M("ficom m32", "da", 2, VK_I, 4), X87M("ficomp m32", "da", 3, VK_I, 4),
    X87M("fisub m32", "da", 4, VK_I, 4), X87M("fisubr m32", "da", 5, VK_I, 4),
    X87M("fidiv m32", "da", 6, VK_I, 4), X87M("fidivr m32", "da", 7, VK_I, 4),
    X87M("fild m32", "db", 0, VK_I, 4), X87M("fist m32", "db", 2, VK_I, 4),
    X87M("fistp m32", "db", 3, VK_I, 4), X87M("fld m80", "db", 5, VK_F80, 10),
    X87M("fstp m80", "db", 7, VK_F80, 10),
    X87M("fadd m64", "dc", 0, VK_F64, 8), X87M("fmul m64", "dc", 1, VK_F64, 8),
    X87M("fcom m64", "dc", 2, VK_F64, 8), X87M("fcomp m64", "dc", 3, VK_F64, 8),
    X87M("fsub m64", "dc", 4, VK_F64, 8), X87M("fsubr m64", "dc", 5, VK_F64, 8),
    X87M("fdiv m64", "dc", 6, VK_F64, 8), X87M("fdivr m64", "dc", 7, VK_F64, 8),
    X87M("fld m64", "dd", 0, VK_F64, 8), X87M("fst m64", "dd", 2, VK_F64, 8),
    X87M("fstp m64", "dd", 3, VK_F64, 8), X87M("frstor", "dd", 4, VK_ENV32, 108),
    X87M("fnsave", "dd", 6, VK_I, 108), X87M("fnstsw m16", "dd", 7, VK_I, 2),
    X87M("frstor16", "66dd", 4, VK_ENV16, 94), X87M("fnsave16", "66dd", 6, VK_I, 94),
    X87M("fiadd m16", "de", 0, VK_I, 2), X87M("fimul m16", "de", 1, VK_I, 2),
    X87M("ficom m16", "de", 2, VK_I, 2), X87M("ficomp m16", "de", 3, VK_I, 2),
    X87M("fisub m16", "de", 4, VK_I, 2), X87M("fisubr m16", "de", 5, VK_I, 2),
    X87M("fidiv m16", "de", 6, VK_I, 2), X87M("fidivr m16", "de", 7, VK_I, 2),
    X87M("fild m16", "df", 0, VK_I, 2), X87M("fist m16", "df", 2, VK_I, 2),
    X87M("fistp m16", "df", 3, VK_I, 2), X87M("fbld", "df", 4, VK_BCD, 10),
    X87M("fild m64", "df", 5, VK_I, 8), X87M("fbstp", "df", 6, VK_BCD, 10),
    X87M("fistp m64", "df", 7, VK_I, 8),
    /* x87 register forms (tables A-9..A-22, ST(i) random) */
    X87R("fadd st,sti", "d8", 0), X87R("fmul st,sti", "d8", 1), X87R("fcom sti", "d8", 2),
    X87R("fcomp sti", "d8", 3), X87R("fsub st,sti", "d8", 4), X87R("fsubr st,sti", "d8", 5),
    X87R("fdiv st,sti", "d8", 6), X87R("fdivr st,sti", "d8", 7),
    X87R("fld sti", "d9", 0), X87R("fxch sti", "d9", 1), X87F("fnop", "d9d0"),
    X87F("fchs", "d9e0"), X87F("fabs", "d9e1"), X87F("ftst", "d9e4"), X87F("fxam", "d9e5"),
    X87F("fld1", "d9e8"), X87F("fldl2t", "d9e9"), X87F("fldl2e", "d9ea"), X87F("fldpi", "d9eb"),
    X87F("fldlg2", "d9ec"), X87F("fldln2", "d9ed"), X87F("fldz", "d9ee"),
    X87F("f2xm1", "d9f0"), X87F("fyl2x", "d9f1"), X87F("fptan", "d9f2"), X87F("fpatan", "d9f3"),
    X87F("fxtract", "d9f4"), X87F("fprem1", "d9f5"), X87F("fdecstp", "d9f6"),
    X87F("fincstp", "d9f7"), X87F("fprem", "d9f8"), X87F("fyl2xp1", "d9f9"),
    X87F("fsqrt", "d9fa"), X87F("fsincos", "d9fb"), X87F("frndint", "d9fc"),
    X87F("fscale", "d9fd"), X87F("fsin", "d9fe"), X87F("fcos", "d9ff"),
    X87R("fcmovb", "da", 0), X87R("fcmove", "da", 1), X87R("fcmovbe", "da", 2),
    X87R("fcmovu", "da", 3), X87F("fucompp", "dae9"),
    X87R("fcmovnb", "db", 0), X87R("fcmovne", "db", 1), X87R("fcmovnbe", "db", 2),
    X87R("fcmovnu", "db", 3), X87F("fnclex", "dbe2"), X87F("fninit", "dbe3"),
    X87R("fucomi", "db", 5), X87R("fcomi", "db", 6),
    X87R("fadd sti,st", "dc", 0), X87R("fmul sti,st", "dc", 1), X87R("fsubr sti,st", "dc", 4),
    X87R("fsub sti,st", "dc", 5), X87R("fdivr sti,st", "dc", 6), X87R("fdiv sti,st", "dc", 7),
    X87R("ffree", "dd", 0), X87R("fst sti", "dd", 2), X87R("fstp sti", "dd", 3),
    X87R("fucom", "dd", 4), X87R("fucomp", "dd", 5),
    X87R("faddp", "de", 0), X87R("fmulp", "de", 1), X87F("fcompp", "ded9"),
    X87R("fsubrp", "de", 4), X87R("fsubp", "de", 5), X87R("fdivrp", "de", 6),
    X87R("fdivp", "de", 7),
    X87F("fnstsw ax", "dfe0"), X87R("fucomip", "df", 5), X87R("fcomip", "df", 6),
    {"fwait", EXT_X87, "9b", -1, O_NONE, VK_I, 0, F_REG | F_X87},
    /* not in the SDM's maps, but every x87 since the 8087 runs them (aliases and 287 no-ops) */
    X87R("fxch4", "dd", 1), X87R("fxch7", "df", 1), X87R("fstp1", "d9", 3),
    X87R("fstp8", "df", 2), X87R("fstp9", "df", 3), X87R("fcom2", "dc", 2),
    X87R("fcomp3", "dc", 3), X87R("fcomp5", "de", 2), X87R("ffreep", "df", 0),
    X87F("fneni", "dbe0"), X87F("fndisi", "dbe1"), X87F("fnsetpm", "dbe4"),
    /* reserved encodings: #UD */
    X87F("reserved d9d1", "d9d1"), X87F("reserved d9e2", "d9e2"), X87F("reserved d9e7", "d9e7"),
    X87F("reserved d9ef", "d9ef"), X87F("reserved dae0", "dae0"), X87F("reserved daf8", "daf8"),
    X87F("reserved dbe5", "dbe5"), X87F("reserved dbf8", "dbf8"), X87F("reserved ddf0", "ddf0"),
    X87F("reserved ded8", "ded8"), X87F("reserved dedf", "dedf"), X87F("reserved dfe1", "dfe1"),
    X87F("reserved dff8", "dff8"),
    {"reserved d9 /1", EXT_X87, "d9", 1, O_X87M, VK_I, 4, F_MEM | F_X87},
    {"reserved db /4", EXT_X87, "db", 4, O_X87M, VK_I, 4, F_MEM | F_X87},
    {"reserved db /6", EXT_X87, "db", 6, O_X87M, VK_I, 4, F_MEM | F_X87},
    {"reserved dd /5", EXT_X87, "dd", 5, O_X87M, VK_I, 4, F_MEM | F_X87},
    /* FXSR */
    {"fxsave", EXT_SSE, "0fae", 0, O_DM, VK_I, 512, F_MEM | F_ALIGN | F_OSFXSR},
    {"fxrstor", EXT_SSE, "0fae", 1, O_DM, VK_FX, 512, F_MEM | F_ALIGN | F_OSFXSR},
    /* MMX (SDM Vol. 2, table A-3, no prefix) */
    INT2("punpcklbw", "60"), INT2("punpcklwd", "61"), INT2("punpckldq", "62"),
    INT2("packsswb", "63"), INT2("pcmpgtb", "64"), INT2("pcmpgtw", "65"), INT2("pcmpgtd", "66"),
    INT2("packuswb", "67"), INT2("punpckhbw", "68"), INT2("punpckhwd", "69"),
    INT2("punpckhdq", "6a"), INT2("packssdw", "6b"),
    {"movd mm,r/m", EXT_MMX, "0f6e", -1, O_VG, VK_I, 4, F_BOTH | F_MMREG},
    VV("movq mm,mm/m64", EXT_MMX, "0f6f", VK_I, 8, F_MM),
    INT2("pcmpeqb", "74"), INT2("pcmpeqw", "75"), INT2("pcmpeqd", "76"),
    {"emms", EXT_MMX, "0f77", -1, O_NONE, VK_I, 0, F_REG},
    {"movd r/m,mm", EXT_MMX, "0f7e", -1, O_VG, VK_I, 4, F_BOTH | F_MMREG},
    VV("movq mm/m64,mm", EXT_MMX, "0f7f", VK_I, 8, F_MM),
    INT2("psrlw", "d1"), INT2("psrld", "d2"), INT2("psrlq", "d3"), INT2("pmullw", "d5"),
    INT2("psubusb", "d8"), INT2("psubusw", "d9"), INT2("pand", "db"), INT2("paddusb", "dc"),
    INT2("paddusw", "dd"), INT2("pandn", "df"), INT2("psraw", "e1"), INT2("psrad", "e2"),
    INT2("pmulhw", "e5"), INT2("psubsb", "e8"), INT2("psubsw", "e9"), INT2("por", "eb"),
    INT2("paddsb", "ec"), INT2("paddsw", "ed"), INT2("pxor", "ef"), INT2("psllw", "f1"),
    INT2("pslld", "f2"), INT2("psllq", "f3"), INT2("pmaddwd", "f5"), INT2("psubb", "f8"),
    INT2("psubw", "f9"), INT2("psubd", "fa"), INT2("paddb", "fc"), INT2("paddw", "fd"),
    INT2("paddd", "fe"),
    {"psrlw mm,imm", EXT_MMX, "0f71", 2, O_DV, VK_I, 0, F_REG | F_MMRM | F_IMM1},
    {"psraw mm,imm", EXT_MMX, "0f71", 4, O_DV, VK_I, 0, F_REG | F_MMRM | F_IMM1},
    {"psllw mm,imm", EXT_MMX, "0f71", 6, O_DV, VK_I, 0, F_REG | F_MMRM | F_IMM1},
    {"psrld mm,imm", EXT_MMX, "0f72", 2, O_DV, VK_I, 0, F_REG | F_MMRM | F_IMM1},
    {"psrad mm,imm", EXT_MMX, "0f72", 4, O_DV, VK_I, 0, F_REG | F_MMRM | F_IMM1},
    {"pslld mm,imm", EXT_MMX, "0f72", 6, O_DV, VK_I, 0, F_REG | F_MMRM | F_IMM1},
    {"psrlq mm,imm", EXT_MMX, "0f73", 2, O_DV, VK_I, 0, F_REG | F_MMRM | F_IMM1},
    {"psllq mm,imm", EXT_MMX, "0f73", 6, O_DV, VK_I, 0, F_REG | F_MMRM | F_IMM1},
    /* SSE (no prefix and F3; the integer MMX additions) */
    VV("movups", EXT_SSE, "0f10", VK_F32, 16, 0), VV("movups st", EXT_SSE, "0f11", VK_F32, 16, 0),
    VV("movss", EXT_SSE, "f30f10", VK_F32, 4, 0), VV("movss st", EXT_SSE, "f30f11", VK_F32, 4, 0),
    VV("movlps/movhlps", EXT_SSE, "0f12", VK_F32, 8, 0),
    {"movlps st", EXT_SSE, "0f13", -1, O_VV, VK_F32, 8, F_MEM},
    VVA("unpcklps", EXT_SSE, "0f14", VK_F32, 0), VVA("unpckhps", EXT_SSE, "0f15", VK_F32, 0),
    VV("movhps/movlhps", EXT_SSE, "0f16", VK_F32, 8, 0),
    {"movhps st", EXT_SSE, "0f17", -1, O_VV, VK_F32, 8, F_MEM},
    {"prefetchnta", EXT_SSE, "0f18", 0, O_DM, VK_I, 1, F_MEM},
    {"prefetcht0", EXT_SSE, "0f18", 1, O_DM, VK_I, 1, F_MEM},
    {"prefetcht1", EXT_SSE, "0f18", 2, O_DM, VK_I, 1, F_MEM},
    {"prefetcht2", EXT_SSE, "0f18", 3, O_DM, VK_I, 1, F_MEM},
    VVA("movaps", EXT_SSE, "0f28", VK_F32, 0), VVA("movaps st", EXT_SSE, "0f29", VK_F32, 0),
    VV("cvtpi2ps", EXT_SSE, "0f2a", VK_I, 8, F_MMRM),
    {"cvtsi2ss", EXT_SSE, "f30f2a", -1, O_VG, VK_I, 4, F_BOTH},
    {"movntps", EXT_SSE, "0f2b", -1, O_VV, VK_F32, 16, F_MEM | F_ALIGN},
    VV("cvttps2pi", EXT_SSE, "0f2c", VK_F32, 8, F_MMREG),
    {"cvttss2si", EXT_SSE, "f30f2c", -1, O_GV, VK_F32, 4, F_BOTH},
    VV("cvtps2pi", EXT_SSE, "0f2d", VK_F32, 8, F_MMREG),
    {"cvtss2si", EXT_SSE, "f30f2d", -1, O_GV, VK_F32, 4, F_BOTH},
    VV("ucomiss", EXT_SSE, "0f2e", VK_F32, 4, 0), VV("comiss", EXT_SSE, "0f2f", VK_F32, 4, 0),
    {"movmskps", EXT_SSE, "0f50", -1, O_GV, VK_F32, 0, F_REG},
    VVA("sqrtps", EXT_SSE, "0f51", VK_F32, 0), VV("sqrtss", EXT_SSE, "f30f51", VK_F32, 4, 0),
    VVA("rsqrtps", EXT_SSE, "0f52", VK_F32, 0), VV("rsqrtss", EXT_SSE, "f30f52", VK_F32, 4, 0),
    VVA("rcpps", EXT_SSE, "0f53", VK_F32, 0), VV("rcpss", EXT_SSE, "f30f53", VK_F32, 4, 0),
    VVA("andps", EXT_SSE, "0f54", VK_F32, 0), VVA("andnps", EXT_SSE, "0f55", VK_F32, 0),
    VVA("orps", EXT_SSE, "0f56", VK_F32, 0), VVA("xorps", EXT_SSE, "0f57", VK_F32, 0),
    FP4("add", "58"), FP4("mul", "59"), FP4("sub", "5c"), FP4("min", "5d"), FP4("div", "5e"),
    FP4("max", "5f"),
    VV("pshufw", EXT_SSE, "0f70", VK_I, 8, F_MM | F_IMM1),
    {"ldmxcsr", EXT_SSE, "0fae", 2, O_DM, VK_MXCSR, 4, F_MEM},
    {"stmxcsr", EXT_SSE, "0fae", 3, O_DM, VK_I, 4, F_MEM},
    {"sfence", EXT_SSE, "0faef8", -1, O_FIXED, VK_I, 0, F_REG},
    VVA("cmpps", EXT_SSE, "0fc2", VK_F32, F_IMM1),
    VV("cmpss", EXT_SSE, "f30fc2", VK_F32, 4, F_IMM1),
    {"pinsrw mm", EXT_SSE, "0fc4", -1, O_VG, VK_I, 2, F_BOTH | F_MMREG | F_IMM1},
    {"pextrw mm", EXT_SSE, "0fc5", -1, O_GV, VK_I, 0, F_REG | F_MMRM | F_IMM1},
    VVA("shufps", EXT_SSE, "0fc6", VK_F32, F_IMM1),
    {"pmovmskb mm", EXT_SSE, "0fd7", -1, O_GV, VK_I, 0, F_REG | F_MMRM},
    MMX2("pminub", EXT_SSE, "da"), MMX2("pmaxub", EXT_SSE, "de"), MMX2("pavgb", EXT_SSE, "e0"),
    MMX2("pavgw", EXT_SSE, "e3"), MMX2("pmulhuw", EXT_SSE, "e4"),
    {"movntq", EXT_SSE, "0fe7", -1, O_VV, VK_I, 8, F_MEM | F_MMREG},
    MMX2("pminsw", EXT_SSE, "ea"), MMX2("pmaxsw", EXT_SSE, "ee"), MMX2("psadbw", EXT_SSE, "f6"),
    {"maskmovq", EXT_SSE, "0ff7", -1, O_VV, VK_I, 0, F_REG | F_MM | F_RDI},
    /* SSE2 (66 and F2; the new MMX forms) */
    VV("movupd", EXT_SSE2, "660f10", VK_F64, 16, 0),
    VV("movupd st", EXT_SSE2, "660f11", VK_F64, 16, 0),
    VV("movsd", EXT_SSE2, "f20f10", VK_F64, 8, 0), VV("movsd st", EXT_SSE2, "f20f11", VK_F64, 8, 0),
    {"movlpd", EXT_SSE2, "660f12", -1, O_VV, VK_F64, 8, F_MEM},
    {"movlpd st", EXT_SSE2, "660f13", -1, O_VV, VK_F64, 8, F_MEM},
    VVA("unpcklpd", EXT_SSE2, "660f14", VK_F64, 0), VVA("unpckhpd", EXT_SSE2, "660f15", VK_F64, 0),
    {"movhpd", EXT_SSE2, "660f16", -1, O_VV, VK_F64, 8, F_MEM},
    {"movhpd st", EXT_SSE2, "660f17", -1, O_VV, VK_F64, 8, F_MEM},
    VVA("movapd", EXT_SSE2, "660f28", VK_F64, 0), VVA("movapd st", EXT_SSE2, "660f29", VK_F64, 0),
    VV("cvtpi2pd", EXT_SSE2, "660f2a", VK_I, 8, F_MMRM),
    {"cvtsi2sd", EXT_SSE2, "f20f2a", -1, O_VG, VK_I, 4, F_BOTH},
    {"movntpd", EXT_SSE2, "660f2b", -1, O_VV, VK_F64, 16, F_MEM | F_ALIGN},
    VVA("cvttpd2pi", EXT_SSE2, "660f2c", VK_F64, F_MMREG),
    {"cvttsd2si", EXT_SSE2, "f20f2c", -1, O_GV, VK_F64, 8, F_BOTH},
    VVA("cvtpd2pi", EXT_SSE2, "660f2d", VK_F64, F_MMREG),
    {"cvtsd2si", EXT_SSE2, "f20f2d", -1, O_GV, VK_F64, 8, F_BOTH},
    VV("ucomisd", EXT_SSE2, "660f2e", VK_F64, 8, 0), VV("comisd", EXT_SSE2, "660f2f", VK_F64, 8, 0),
    {"movmskpd", EXT_SSE2, "660f50", -1, O_GV, VK_F64, 0, F_REG},
    VVA("sqrtpd", EXT_SSE2, "660f51", VK_F64, 0), VV("sqrtsd", EXT_SSE2, "f20f51", VK_F64, 8, 0),
    VVA("andpd", EXT_SSE2, "660f54", VK_F64, 0), VVA("andnpd", EXT_SSE2, "660f55", VK_F64, 0),
    VVA("orpd", EXT_SSE2, "660f56", VK_F64, 0), VVA("xorpd", EXT_SSE2, "660f57", VK_F64, 0),
    VV("cvtps2pd", EXT_SSE2, "0f5a", VK_F32, 8, 0), VVA("cvtpd2ps", EXT_SSE2, "660f5a", VK_F64, 0),
    VV("cvtss2sd", EXT_SSE2, "f30f5a", VK_F32, 4, 0),
    VV("cvtsd2ss", EXT_SSE2, "f20f5a", VK_F64, 8, 0),
    VVA("cvtdq2ps", EXT_SSE2, "0f5b", VK_I, 0), VVA("cvtps2dq", EXT_SSE2, "660f5b", VK_F32, 0),
    VVA("cvttps2dq", EXT_SSE2, "f30f5b", VK_F32, 0),
    SSE2I("punpcklqdq", "6c"), SSE2I("punpckhqdq", "6d"),
    {"movd xmm,r/m", EXT_SSE2, "660f6e", -1, O_VG, VK_I, 4, F_BOTH},
    VVA("movdqa", EXT_SSE2, "660f6f", VK_I, 0), VV("movdqu", EXT_SSE2, "f30f6f", VK_I, 16, 0),
    VVA("pshufd", EXT_SSE2, "660f70", VK_I, F_IMM1),
    VVA("pshufhw", EXT_SSE2, "f30f70", VK_I, F_IMM1),
    VVA("pshuflw", EXT_SSE2, "f20f70", VK_I, F_IMM1),
    {"psrlw xmm,imm", EXT_SSE2, "660f71", 2, O_DV, VK_I, 0, F_REG | F_IMM1},
    {"psraw xmm,imm", EXT_SSE2, "660f71", 4, O_DV, VK_I, 0, F_REG | F_IMM1},
    {"psllw xmm,imm", EXT_SSE2, "660f71", 6, O_DV, VK_I, 0, F_REG | F_IMM1},
    {"psrld xmm,imm", EXT_SSE2, "660f72", 2, O_DV, VK_I, 0, F_REG | F_IMM1},
    {"psrad xmm,imm", EXT_SSE2, "660f72", 4, O_DV, VK_I, 0, F_REG | F_IMM1},
    {"pslld xmm,imm", EXT_SSE2, "660f72", 6, O_DV, VK_I, 0, F_REG | F_IMM1},
    {"psrlq xmm,imm", EXT_SSE2, "660f73", 2, O_DV, VK_I, 0, F_REG | F_IMM1},
    {"psrldq", EXT_SSE2, "660f73", 3, O_DV, VK_I, 0, F_REG | F_IMM1},
    {"psllq xmm,imm", EXT_SSE2, "660f73", 6, O_DV, VK_I, 0, F_REG | F_IMM1},
    {"pslldq", EXT_SSE2, "660f73", 7, O_DV, VK_I, 0, F_REG | F_IMM1},
    {"movd r/m,xmm", EXT_SSE2, "660f7e", -1, O_VG, VK_I, 4, F_BOTH},
    VV("movq xmm,xmm/m64", EXT_SSE2, "f30f7e", VK_I, 8, 0),
    VVA("movdqa st", EXT_SSE2, "660f7f", VK_I, 0), VV("movdqu st", EXT_SSE2, "f30f7f", VK_I, 16, 0),
    VVA("cmppd", EXT_SSE2, "660fc2", VK_F64, F_IMM1),
    VV("cmpsd", EXT_SSE2, "f20fc2", VK_F64, 8, F_IMM1),
    {"movnti", EXT_SSE2, "0fc3", -1, O_GM, VK_I, 4, F_MEM},
    {"pinsrw xmm", EXT_SSE2, "660fc4", -1, O_VG, VK_I, 2, F_BOTH | F_IMM1},
    {"pextrw xmm", EXT_SSE2, "660fc5", -1, O_GV, VK_I, 0, F_REG | F_IMM1},
    VVA("shufpd", EXT_SSE2, "660fc6", VK_F64, F_IMM1),
    MMX2("paddq", EXT_SSE2, "d4"), SSE2I("paddq", "d4"),
    {"movq xmm/m64,xmm", EXT_SSE2, "660fd6", -1, O_VV, VK_I, 8, F_BOTH},
    {"movq2dq", EXT_SSE2, "f30fd6", -1, O_VV, VK_I, 0, F_REG | F_MMRM},
    {"movdq2q", EXT_SSE2, "f20fd6", -1, O_VV, VK_I, 0, F_REG | F_MMREG},
    {"pmovmskb xmm", EXT_SSE2, "660fd7", -1, O_GV, VK_I, 0, F_REG},
    SSE2I("pminub", "da"), SSE2I("pmaxub", "de"), SSE2I("pavgb", "e0"), SSE2I("pavgw", "e3"),
    SSE2I("pmulhuw", "e4"),
    VVA("cvttpd2dq", EXT_SSE2, "660fe6", VK_F64, 0), VV("cvtdq2pd", EXT_SSE2, "f30fe6", VK_I, 8, 0),
    VVA("cvtpd2dq", EXT_SSE2, "f20fe6", VK_F64, 0),
    {"movntdq", EXT_SSE2, "660fe7", -1, O_VV, VK_I, 16, F_MEM | F_ALIGN},
    SSE2I("pminsw", "ea"), SSE2I("pmaxsw", "ee"),
    MMX2("pmuludq", EXT_SSE2, "f4"), SSE2I("pmuludq", "f4"), SSE2I("psadbw", "f6"),
    {"maskmovdqu", EXT_SSE2, "660ff7", -1, O_VV, VK_I, 0, F_REG | F_RDI},
    MMX2("psubq", EXT_SSE2, "fb"), SSE2I("psubq", "fb"),
    {"clflush", EXT_SSE2, "0fae", 7, O_DM, VK_I, 1, F_MEM},
    {"lfence", EXT_SSE2, "0faee8", -1, O_FIXED, VK_I, 0, F_REG},
    {"mfence", EXT_SSE2, "0faef0", -1, O_FIXED, VK_I, 0, F_REG},
    {"pause", EXT_SSE2, "f390", -1, O_NONE, VK_I, 0, F_REG},
    /* SSE3 */
    VV("movsldup", EXT_SSE3, "f30f12", VK_F32, 16, F_ALIGN),
    VV("movddup", EXT_SSE3, "f20f12", VK_F64, 8, 0),
    VV("movshdup", EXT_SSE3, "f30f16", VK_F32, 16, F_ALIGN),
    VVA("haddpd", EXT_SSE3, "660f7c", VK_F64, 0), VVA("haddps", EXT_SSE3, "f20f7c", VK_F32, 0),
    VVA("hsubpd", EXT_SSE3, "660f7d", VK_F64, 0), VVA("hsubps", EXT_SSE3, "f20f7d", VK_F32, 0),
    VVA("addsubpd", EXT_SSE3, "660fd0", VK_F64, 0), VVA("addsubps", EXT_SSE3, "f20fd0", VK_F32, 0),
    {"lddqu", EXT_SSE3, "f20ff0", -1, O_VV, VK_I, 16, F_MEM},
    {"fisttp m32", EXT_SSE3, "db", 1, O_X87M, VK_I, 4, F_MEM | F_X87},
    {"fisttp m64", EXT_SSE3, "dd", 1, O_X87M, VK_I, 8, F_MEM | F_X87},
    {"fisttp m16", EXT_SSE3, "df", 1, O_X87M, VK_I, 2, F_MEM | F_X87},
    /* SSSE3 */
    SSSE3("pshufb", "00"), SSSE3("phaddw", "01"), SSSE3("phaddd", "02"), SSSE3("phaddsw", "03"),
    SSSE3("pmaddubsw", "04"), SSSE3("phsubw", "05"), SSSE3("phsubd", "06"),
    SSSE3("phsubsw", "07"), SSSE3("psignb", "08"), SSSE3("psignw", "09"), SSSE3("psignd", "0a"),
    SSSE3("pmulhrsw", "0b"), SSSE3("pabsb", "1c"), SSSE3("pabsw", "1d"), SSSE3("pabsd", "1e"),
    VV("palignr mm", EXT_SSSE3, "0f3a0f", VK_I, 8, F_MM | F_IMM1),
    VVA("palignr xmm", EXT_SSSE3, "660f3a0f", VK_I, F_IMM1),
    /* reserved variants: the register form of a memory-only instruction and the reverse (#UD) */
    {"movlps st reg (#UD)", EXT_SSE, "0f13", -1, O_VV, VK_I, 0, F_REG},
    {"movhps st reg (#UD)", EXT_SSE, "0f17", -1, O_VV, VK_I, 0, F_REG},
    {"movntps reg (#UD)", EXT_SSE, "0f2b", -1, O_VV, VK_I, 0, F_REG},
    {"movntq reg (#UD)", EXT_SSE, "0fe7", -1, O_VV, VK_I, 0, F_REG | F_MM},
    {"movlpd reg (#UD)", EXT_SSE2, "660f12", -1, O_VV, VK_I, 0, F_REG},
    {"movhpd reg (#UD)", EXT_SSE2, "660f16", -1, O_VV, VK_I, 0, F_REG},
    {"movntpd reg (#UD)", EXT_SSE2, "660f2b", -1, O_VV, VK_I, 0, F_REG},
    /* not MOVNTDQ's register form: the SDM defines none, this host's CPU runs it */
    {"movnti reg (#UD)", EXT_SSE2, "0fc3", -1, O_GV, VK_I, 0, F_REG},
    {"lddqu reg (#UD)", EXT_SSE3, "f20ff0", -1, O_VV, VK_I, 0, F_REG},
    {"movmskps mem (#UD)", EXT_SSE, "0f50", -1, O_GV, VK_I, 16, F_MEM},
    {"movmskpd mem (#UD)", EXT_SSE2, "660f50", -1, O_GV, VK_I, 16, F_MEM},
    {"pmovmskb mm mem (#UD)", EXT_SSE, "0fd7", -1, O_GV, VK_I, 8, F_MEM},
    {"pmovmskb xmm mem (#UD)", EXT_SSE2, "660fd7", -1, O_GV, VK_I, 16, F_MEM},
    {"pextrw mm mem (#UD)", EXT_SSE, "0fc5", -1, O_GV, VK_I, 2, F_MEM | F_IMM1},
    {"pextrw xmm mem (#UD)", EXT_SSE2, "660fc5", -1, O_GV, VK_I, 2, F_MEM | F_IMM1},
    {"movq2dq mem (#UD)", EXT_SSE2, "f30fd6", -1, O_VV, VK_I, 8, F_MEM},
    {"movdq2q mem (#UD)", EXT_SSE2, "f20fd6", -1, O_VV, VK_I, 8, F_MEM},
    {"maskmovq mem (#UD)", EXT_SSE, "0ff7", -1, O_VV, VK_I, 8, F_MEM | F_MM},
    {"maskmovdqu mem (#UD)", EXT_SSE2, "660ff7", -1, O_VV, VK_I, 16, F_MEM},
    {"psrlw mm,imm mem (#UD)", EXT_MMX, "0f71", 2, O_DM, VK_I, 8, F_MEM | F_IMM1},
    {"pslldq mem (#UD)", EXT_SSE2, "660f73", 7, O_DM, VK_I, 16, F_MEM | F_IMM1},
    {"0f71 /0 (#UD)", EXT_MMX, "0f71", 0, O_DV, VK_I, 0, F_REG | F_MMRM | F_IMM1},
    {"660f72 /3 (#UD)", EXT_SSE2, "660f72", 3, O_DV, VK_I, 0, F_REG | F_IMM1},
    {"0f73 /3 (#UD)", EXT_MMX, "0f73", 3, O_DV, VK_I, 0, F_REG | F_MMRM | F_IMM1},
    {"0f73 /7 (#UD)", EXT_MMX, "0f73", 7, O_DV, VK_I, 0, F_REG | F_MMRM | F_IMM1},
    {"f30fd7 (#UD)", EXT_SSE2, "f30fd7", -1, O_GV, VK_I, 0, F_REG},
};

/*
 * Every opcode of the advertised extensions, from the SDM's opcode maps (Vol. 2, appendix A:
 * tables with their mandatory prefixes, A-6 group 9/12/13/14/15/16, A-8..A-22 for
 * the x87 escapes): prefix, escape, opcode[, /digit]; x87 "m" memory, "r" register forms. The
 * test fails if a form for one of them is missing from forms[].
 */
static const char *const sdm_opcodes[EXT_COUNT] = {
    [EXT_X87] = "d8/0m d8/1m d8/2m d8/3m d8/4m d8/5m d8/6m d8/7m d9/0m d9/2m d9/3m d9/4m d9/5m "
                "d9/6m d9/7m da/0m da/1m da/2m da/3m da/4m da/5m da/6m da/7m db/0m db/2m db/3m "
                "db/5m db/7m dc/0m dc/1m dc/2m dc/3m dc/4m dc/5m dc/6m dc/7m dd/0m dd/2m dd/3m "
                "dd/4m dd/6m dd/7m de/0m de/1m de/2m de/3m de/4m de/5m de/6m de/7m df/0m df/2m "
                "df/3m df/4m df/5m df/6m df/7m 66d9/4m 66d9/6m 66dd/4m 66dd/6m "
                "d8/0r d8/1r d8/2r d8/3r d8/4r d8/5r d8/6r d8/7r d9/0r d9/1r d9d0 d9e0 d9e1 d9e4 "
                "d9e5 d9e8 d9e9 d9ea d9eb d9ec d9ed d9ee d9f0 d9f1 d9f2 d9f3 d9f4 d9f5 d9f6 d9f7 "
                "d9f8 d9f9 d9fa d9fb d9fc d9fd d9fe d9ff da/0r da/1r da/2r da/3r dae9 db/0r db/1r "
                "db/2r db/3r dbe2 dbe3 db/5r db/6r dc/0r dc/1r dc/4r dc/5r dc/6r dc/7r dd/0r "
                "dd/2r dd/3r dd/4r dd/5r de/0r de/1r ded9 de/4r de/5r de/6r de/7r dfe0 df/5r "
                "df/6r 9b",
    [EXT_MMX] = "0f60 0f61 0f62 0f63 0f64 0f65 0f66 0f67 0f68 0f69 0f6a 0f6b 0f6e 0f6f 0f71/2 "
                "0f71/4 0f71/6 0f72/2 0f72/4 0f72/6 0f73/2 0f73/6 0f74 0f75 0f76 0f77 0f7e 0f7f "
                "0fd1 0fd2 0fd3 0fd5 0fd8 0fd9 0fdb 0fdc 0fdd 0fdf 0fe1 0fe2 0fe5 0fe8 0fe9 0feb "
                "0fec 0fed 0fef 0ff1 0ff2 0ff3 0ff5 0ff8 0ff9 0ffa 0ffc 0ffd 0ffe",
    [EXT_SSE] = "0f10 f30f10 0f11 f30f11 0f12 0f13 0f14 0f15 0f16 0f17 0f18/0 0f18/1 0f18/2 "
                "0f18/3 0f28 0f29 0f2a f30f2a 0f2b 0f2c f30f2c 0f2d f30f2d 0f2e 0f2f 0f50 0f51 "
                "f30f51 0f52 f30f52 0f53 f30f53 0f54 0f55 0f56 0f57 0f58 f30f58 0f59 f30f59 0f5c "
                "f30f5c 0f5d f30f5d 0f5e f30f5e 0f5f f30f5f 0f70 0fae/0 0fae/1 0fae/2 0fae/3 "
                "0faef8 0fc2 f30fc2 0fc4 0fc5 0fc6 0fd7 0fda 0fde 0fe0 0fe3 0fe4 0fe7 0fea 0fee "
                "0ff6 0ff7",
    [EXT_SSE2] = "660f10 f20f10 660f11 f20f11 660f12 660f13 660f14 660f15 660f16 660f17 660f28 "
                 "660f29 660f2a f20f2a 660f2b 660f2c f20f2c 660f2d f20f2d 660f2e 660f2f 660f50 "
                 "660f51 f20f51 660f54 660f55 660f56 660f57 660f58 f20f58 660f59 f20f59 0f5a "
                 "660f5a f30f5a f20f5a 0f5b 660f5b f30f5b 660f5c f20f5c 660f5d f20f5d 660f5e "
                 "f20f5e 660f5f f20f5f 660f60 660f61 660f62 660f63 660f64 660f65 660f66 660f67 "
                 "660f68 660f69 660f6a 660f6b 660f6c 660f6d 660f6e 660f6f f30f6f 660f70 f30f70 "
                 "f20f70 660f71/2 660f71/4 660f71/6 660f72/2 660f72/4 660f72/6 660f73/2 660f73/3 "
                 "660f73/6 660f73/7 660f74 660f75 660f76 660f7e f30f7e 660f7f f30f7f 660fc2 "
                 "f20fc2 0fc3 660fc4 660fc5 660fc6 660fd1 660fd2 660fd3 0fd4 660fd4 660fd5 660fd6 "
                 "f30fd6 f20fd6 660fd7 660fd8 660fd9 660fda 660fdb 660fdc 660fdd 660fde 660fdf "
                 "660fe0 660fe1 660fe2 660fe3 660fe4 660fe5 660fe6 f30fe6 f20fe6 660fe7 660fe8 "
                 "660fe9 660fea 660feb 660fec 660fed 660fee 660fef 660ff1 660ff2 660ff3 0ff4 "
                 "660ff4 660ff5 660ff6 660ff7 660ff8 660ff9 660ffa 0ffb 660ffb 660ffc 660ffd "
                 "660ffe 0fae/7 0faee8 0faef0 f390",
    [EXT_SSE3] = "f20f12 f30f12 f30f16 660f7c f20f7c 660f7d f20f7d 660fd0 f20fd0 f20ff0 db/1m "
                 "dd/1m df/1m",
    [EXT_SSSE3] = "0f3800 660f3800 0f3801 660f3801 0f3802 660f3802 0f3803 660f3803 0f3804 "
                  "660f3804 0f3805 660f3805 0f3806 660f3806 0f3807 660f3807 0f3808 660f3808 "
                  "0f3809 660f3809 0f380a 660f380a 0f380b 660f380b 0f381c 660f381c 0f381d "
                  "660f381d 0f381e 660f381e 0f3a0f 660f3a0f",
};
/* clang-format on */

/* A form's key in sdm_opcodes. */
static char *form_key(const FpForm *f)
{
    if (f->ops == O_X87M || f->ops == O_STI) {
        return g_strdup_printf("%s/%d%c", f->hex, f->digit, f->ops == O_X87M ? 'm' : 'r');
    }
    if (f->digit >= 0) {
        return g_strdup_printf("%s/%d", f->hex, f->digit);
    }
    return g_strdup(f->hex);
}

/* --- per-form statistics ----------------------------------------------------------------- */

typedef struct FormStats {
    unsigned runs[2]; /* compared runs: register, memory variant */
    unsigned mismatches, skipped, unstable, exceptions, pvm_gp;
} FormStats;

static FormStats form_stats[ARRAY_SIZE(forms)];

/* --- random values ------------------------------------------------------------------------- */

typedef struct F80 {
    uint64_t mant;
    uint16_t exp;
} F80;

static const F80 f80_specials[] = {
    {0, 0},
    {0, 0x8000},
    {0x8000000000000000ULL, 0x3fff},
    {0x8000000000000000ULL, 0xbfff},
    {0xc90fdaa22168c235ULL, 0x4000},
    {0xaaaaaaaaaaaaaaabULL, 0x3ffd},
    {0x8000000000000401ULL, 0x403e}, /* 2^63 + a bit: integer overflow */
    {0xfffffffffffffbffULL, 0x401d}, /* about 2^31 */
    {0xc000000000000000ULL, 0x3ffe},
    {0xffffffffffffffffULL, 0x7ffe}, /* largest finite */
    {0x8000000000000000ULL, 0x0001}, /* smallest normal */
    {0x0000000000000001ULL, 0x0000}, /* denormal */
    {0x8000000000000000ULL, 0x0000}, /* pseudo-denormal */
    {0x4000000000000000ULL, 0x3fff}, /* unnormal */
    {0x8000000000000000ULL, 0x7fff}, /* +inf */
    {0x8000000000000000ULL, 0xffff}, /* -inf */
    {0x0000000000000000ULL, 0x7fff}, /* pseudo-infinity */
    {0x4000000000000001ULL, 0x7fff}, /* pseudo-NaN */
    {0xc000000000000001ULL, 0x7fff}, /* QNaN */
    {0xa000000000000000ULL, 0xffff}, /* SNaN */
    {0xc000000000000000ULL, 0xffff}, /* indefinite */
    {0x8000000000000000ULL, 0x3fbf}, /* 2^-64: underflows in single and double */
    {0x8000000000000000ULL, 0x43ff}, /* 2^1024: overflows in double */
};

static const uint32_t f32_specials[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x3eaaaaab, 0x00000001,
    0x807fffff, 0x00400000, 0x00800000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000,
    0xffc00000, 0x7fc12345, 0x7f800001, 0xffa00000, 0x4f000000, 0xcf000000, 0x4effffff,
    0x3f000000, 0x40400000, 0x5f000000, 0x0d800000, 0x72800000,
};

static const uint64_t f64_specials[] = {
    0,
    0x8000000000000000ULL,
    0x3ff0000000000000ULL,
    0xbff0000000000000ULL,
    0x3ff8000000000000ULL,
    0x3fd5555555555555ULL,
    0x0000000000000001ULL,
    0x800fffffffffffffULL,
    0x0010000000000000ULL,
    0x7fefffffffffffffULL,
    0x7ff0000000000000ULL,
    0xfff0000000000000ULL,
    0x7ff8000000000000ULL,
    0xfff8000000000000ULL,
    0x7ff8000000012345ULL,
    0x7ff0000000000001ULL,
    0xfff4000000000000ULL,
    0x41e0000000000000ULL, /* 2^31 */
    0xc1e0000000000000ULL,
    0x43e0000000000000ULL, /* 2^63 */
    0x41dfffffffc00000ULL,
    0x3fe0000000000000ULL,
    0x47efffffe0000000ULL, /* rounds to FLT_MAX or infinity */
    0x36a0000000000000ULL, /* underflows in single */
};

static const uint64_t int_edges[] = {
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0x8000,
    0xffff,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x8000000000000000ULL,
    UINT64_MAX,
    0x7fffffffffffffffULL,
    0x00ff00ff00ff00ffULL,
    0x8080808080808080ULL,
    0x7f7f7f7f7f7f7f7fULL,
    0x0001000100010001ULL,
};

static uint64_t rand64(GRand *r)
{
    return ((uint64_t)g_rand_int(r) << 32) | g_rand_int(r);
}

static int rand_below(GRand *r, int n)
{
    return g_rand_int_range(r, 0, n);
}

static F80 rand_f80(GRand *r)
{
    F80 v;

    if (rand_below(r, 5) < 3) {
        v = f80_specials[rand_below(r, ARRAY_SIZE(f80_specials))];
        if (g_rand_boolean(r)) {
            v.exp ^= 0x8000;
        }
        return v;
    }
    v.mant = rand64(r) | (rand_below(r, 16) ? 1ull << 63 : 0); /* some unnormals */
    v.exp = (0x3fff + rand_below(r, 140) - 70) | (g_rand_boolean(r) ? 0x8000 : 0);
    return v;
}

static uint32_t rand_f32(GRand *r)
{
    if (rand_below(r, 2)) {
        return f32_specials[rand_below(r, ARRAY_SIZE(f32_specials))] ^
               (g_rand_boolean(r) ? 0x80000000u : 0);
    }
    return (g_rand_int(r) & 0x807fffffu) | (uint32_t)(0x7f + rand_below(r, 60) - 30) << 23;
}

static uint64_t rand_f64(GRand *r)
{
    if (rand_below(r, 2)) {
        return f64_specials[rand_below(r, ARRAY_SIZE(f64_specials))] ^
               (g_rand_boolean(r) ? 0x8000000000000000ULL : 0);
    }
    return (rand64(r) & 0x800fffffffffffffULL) | (uint64_t)(0x3ff + rand_below(r, 120) - 60) << 52;
}

static uint64_t rand_int(GRand *r)
{
    if (rand_below(r, 3) == 0) {
        return int_edges[rand_below(r, ARRAY_SIZE(int_edges))];
    }
    return rand64(r);
}

/* Fills n bytes with values of kind vk (lanes of floats, doubles or integers). */
static void rand_bytes(GRand *r, int vk, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint64_t v = vk == VK_F32 ? rand_f32(r) : vk == VK_F64 ? rand_f64(r) : rand_int(r);
        size_t w = vk == VK_F32 ? 4 : 8;

        if (vk == VK_F32 && i + 8 <= n && rand_below(r, 2)) {
            v |= (uint64_t)rand_f32(r) << 32;
            w = 8;
        }
        memcpy(p + i, &v, MIN(w, n - i));
        i += w;
    }
}

static uint16_t rand_fcw(GRand *r)
{
    uint16_t masks = rand_below(r, 4) ? 0x3f : (g_rand_int(r) & 0x3f);

    /* precision and rounding control; bit 6 reads as one */
    return masks | 0x40 | (g_rand_int(r) & 0x0f00);
}

/* FSW with exception flags consistent with ES (an FSW with ES set by itself is not reachable). */
static uint16_t rand_fsw(GRand *r, uint16_t fcw, int top)
{
    uint16_t fsw = (g_rand_int(r) & 0x4700) | (top << 11); /* C0-C3 */

    if (rand_below(r, 4) == 0) {
        fsw |= g_rand_int(r) & 0x7f; /* flags and SF */
    }
    if (fsw & ~fcw & 0x3f) {
        fsw |= 0x8080;
    }
    return fsw;
}

static uint32_t rand_mxcsr(GRand *r)
{
    uint32_t masks = rand_below(r, 3) ? 0x1f80 : (g_rand_int(r) & 0x1f80);
    uint32_t v = masks | (g_rand_int(r) & 0x6000); /* RC */

    v |= rand_below(r, 4) == 0 ? 0x8000 : 0; /* FTZ */
    v |= rand_below(r, 4) == 0 ? 0x0040 : 0; /* DAZ */
    v |= rand_below(r, 4) == 0 ? (g_rand_int(r) & 0x3f) : 0;
    return v;
}

static void put_f80(uint8_t *p, F80 v)
{
    memcpy(p, &v.mant, 8);
    memcpy(p + 8, &v.exp, 2);
}

/* A random FXSAVE image (64-bit layout). */
static void rand_fx(GRand *r, uint8_t *fx)
{
    uint16_t fcw = rand_fcw(r);
    int top = rand_below(r, 8), depth = rand_below(r, 9);
    uint16_t fsw = rand_fsw(r, fcw, top);
    uint16_t fop = g_rand_int(r) & 0x7ff;
    uint32_t mxcsr = rand_mxcsr(r);
    uint64_t fip = 0x1000 + rand_below(r, 0x1000), fdp = 0x2000 + rand_below(r, 0x1000);
    uint8_t ftw = 0;

    memset(fx, 0, DT_FX_SIZE);
    for (int i = 0; i < depth; i++) {
        ftw |= 1u << ((top + i) & 7);
    }
    if (rand_below(r, 8) == 0) {
        ftw = g_rand_int(r);
    }
    memcpy(fx + FXSAVE_FCW, &fcw, 2);
    memcpy(fx + FXSAVE_FSW, &fsw, 2);
    fx[FXSAVE_FTW] = ftw;
    memcpy(fx + FXSAVE_FOP, &fop, 2);
    memcpy(fx + FXSAVE_FIP, &fip, 8);
    memcpy(fx + FXSAVE_FDP, &fdp, 8);
    memcpy(fx + FXSAVE_MXCSR, &mxcsr, 4);
    for (int i = 0; i < 8; i++) {
        put_f80(fx + FXSAVE_ST + 16 * i, rand_f80(r));
    }
    for (int i = 0; i < 16; i++) {
        int vk = rand_below(r, 3) == 0 ? VK_I : rand_below(r, 2) ? VK_F32 : VK_F64;

        rand_bytes(r, vk, fx + FXSAVE_XMM + 16 * i, 16);
    }
}

/* Packed BCD: 18 digits (now and then an invalid one) and a sign byte. */
static void rand_bcd(GRand *r, uint8_t *p)
{
    for (int i = 0; i < 9; i++) {
        p[i] = rand_below(r, 10) | rand_below(r, 10) << 4;
    }
    if (rand_below(r, 8) == 0) {
        p[rand_below(r, 9)] |= 0xa0;
    }
    p[9] = g_rand_boolean(r) ? 0x80 : 0;
}

/* An FLDENV/FRSTOR image (SDM Vol. 1, figures 8-9 to 8-12) with plausible words. */
static void rand_env(GRand *r, uint8_t *p, bool op32, bool save)
{
    int w = op32 ? 4 : 2, env = op32 ? 28 : 14;
    uint16_t fcw = rand_fcw(r), fsw = rand_fsw(r, fcw, rand_below(r, 8));
    uint16_t ftw = g_rand_int(r);

    memcpy(p, &fcw, 2);
    memcpy(p + w, &fsw, 2);
    memcpy(p + 2 * w, &ftw, 2);
    if (save) {
        for (int i = 0; i < 8; i++) {
            put_f80(p + env + 10 * i, rand_f80(r));
        }
    }
}

/* --- the interpreter's FP state as an FXSAVE image ----------------------------------------- */

/* The image's FOP has 11 bits; the 64-bit image has no FCS/FDS (KVM's XRSTOR64 leaves them zero).
 */
static void fx_to_env(CPUX86State *e, const uint8_t *fx)
{
    x86_fxsave_to_fpu(&e->fpu, fx);
    e->fpu.fop &= 0x7ff;
    e->fpu.fcs = e->fpu.fds = 0;
}

static void env_to_fx(const CPUX86State *e, uint8_t *fx)
{
    memset(fx, 0, DT_FX_SIZE);
    x86_fpu_to_fxsave(fx, &e->fpu);
}

/* --- host properties the comparison depends on --------------------------------------------- */

/* What KVM here honours of the guest's FP control bits (probe_kvm). */
static bool kvm_honours_ts, kvm_honours_em, kvm_honours_osfxsr, kvm_honours_osxmmexcpt;

static bool host_fdp_excptn_only; /* CPUID.(7,0):EBX[6]: FDP updated only on x87 exceptions */
static bool host_fpcsds;          /* CPUID.(7,0):EBX[13]: FCS and FDS stored as zero */

static void probe_host(void)
{
    unsigned a, b, c, d;

    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        host_fdp_excptn_only = b & (1u << 6);
        host_fpcsds = b & (1u << 13);
    }
}

/* --- building a case ----------------------------------------------------------------------- */

typedef struct Case {
    const FpForm *form;
    int mode;
    bool mem;
    uint8_t insn[64]; /* up to two instructions, FWAITs, an FNSTENV and the end */
    size_t len;
    uint64_t ea;          /* of the memory operand */
    int env_store;        /* ENV_*: an FNSTENV/FNSAVE after the instruction, at rBX + ENV_DISP */
    const FpForm *second; /* a second form after the first, or NULL */
    CPUX86State start;
    uint8_t fx[DT_FX_SIZE];
} Case;

/* 4 KiB pages for the first 64 KiB: identity, but ALIAS_PAGE shows the data page and
 * ABSENT_PAGE is not present. */
static void setup_paging(CPUX86State *e, int mode)
{
    for (int i = 0; i < PAGES; i++) {
        uint64_t pa = (uint64_t)i << 12;
        uint64_t pte = pa == ALIAS_PAGE ? DATA_ADDR | 7 : pa == ABSENT_PAGE ? 0 : pa | 7;

        if (mode != 32) {
            put64(PT_ADDR + i * 8, pte);
        } else {
            uint32_t p32 = pte;

            put(PT_ADDR + i * 4, &p32, 4);
        }
    }
    if (mode != 32) {
        put64(PD_ADDR, PT_ADDR | 7);
    } else {
        uint32_t pde = PT_ADDR | 7;

        put(PML4_ADDR, &pde, 4); /* a 32-bit page directory */
        e->cr[3] = PML4_ADDR;
        e->cr[0] |= CR0_PG_MASK;
    }
}

static int rand_gpr_dst(GRand *r, int mode)
{
    int reg;

    do {
        reg = rand_below(r, mode == 64 ? 16 : 8);
    } while (reg == R_ESP || reg == R_EBX);
    return reg;
}

/* Appends prefixes (REX after the mandatory one), escapes, opcode and ModRM for f. */
static size_t encode(GRand *r, const FpForm *f, int mode, bool mem, uint8_t *buf, int *disp,
                     int *riprel)
{
    uint8_t bytes[8];
    size_t nb = strlen(f->hex) / 2, n = 0, i = 0;
    int reg = 0, rm = 0;
    uint8_t rex = 0;
    bool vec_reg = f->ops == O_VV || f->ops == O_VG;

    for (size_t k = 0; k < nb; k++) {
        sscanf(f->hex + 2 * k, "%2hhx", &bytes[k]);
    }
    if (f->ops == O_NONE || f->ops == O_FIXED) {
        memcpy(buf, bytes, nb);
        return nb;
    }
    /* ModRM reg and r/m */
    if (f->digit >= 0) {
        reg = f->digit;
    } else if (vec_reg) {
        reg = rand_below(r, mode == 64 ? 16 : 8);
    } else {
        reg = rand_gpr_dst(r, mode);
    }
    if (f->ops == O_STI) {
        rm = rand_below(r, 8);
    } else if (!mem) {
        rm = rand_below(r, mode == 64 ? 16 : 8);
        if (f->ops == O_VG && g_str_has_suffix(f->hex, "7e")) {
            /* MOVD r/m,mm/xmm (7E) writes the register: not rSP or rBX */
            rm = rand_gpr_dst(r, mode);
        }
        if (f->ops == O_GV && (f->flags & F_MMRM)) {
            rm &= 7;
        }
    }
    /*
     * Decoder coverage: now and then a segment override (bases are 0), an address-size prefix on
     * a memory operand, LOCK, a 66 before F2/F3 (which take precedence, SDM Vol. 2, 2.1.2).
     */
    if (rand_below(r, 16) == 0) {
        static const uint8_t segs[] = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65};

        buf[n++] = segs[rand_below(r, ARRAY_SIZE(segs))];
    }
    if (mem && rand_below(r, 16) == 0) {
        buf[n++] = 0x67;
    }
    /*
     * LOCK: #UD on every x87/MMX/SSE form. Not on FXSAVE/FXRSTOR: KVM here runs LOCK FXSAVE
     * (PVM seems to hand the #UD to KVM's emulator, which has FXSAVE); tern follows the SDM.
     */
    if (rand_below(r, 64) == 0 && !(f->flags & F_OSFXSR)) {
        buf[n++] = 0xf0;
    }
    if ((bytes[0] == 0xf2 || bytes[0] == 0xf3) && rand_below(r, 8) == 0) {
        buf[n++] = 0x66;
    }
    /* the mandatory prefix (or 66 of the 16-bit x87 environment forms), then REX */
    if (bytes[0] == 0x66 || bytes[0] == 0xf2 || bytes[0] == 0xf3) {
        buf[n++] = bytes[i++];
    }
    if (mode == 64 && f->ops != O_STI && f->ops != O_X87M) {
        if (g_rand_boolean(r) || (reg & 8) || (!mem && (rm & 8))) {
            rex =
                0x40 | (g_rand_boolean(r) ? 8 : 0) | (reg & 8 ? 4 : 0) | (!mem && (rm & 8) ? 1 : 0);
        }
    } else if (mode == 64 && f->ops == O_X87M && g_rand_int_range(r, 0, 4) == 0) {
        rex = 0x40 | (g_rand_boolean(r) ? 8 : 0); /* REX.W on FXSAVE-like forms, ignored on x87 */
    }
    if (f->ops == O_DM && bytes[i] == 0x0f && bytes[i + 1] == 0xae && f->digit <= 1 && mode == 64 &&
        g_rand_boolean(r)) {
        rex |= 0x48; /* FXSAVE64 / FXRSTOR64 */
    }
    if (rex) {
        buf[n++] = rex;
    }
    while (i < nb) {
        buf[n++] = bytes[i++];
    }
    if (mem) {
        int how = rand_below(r, 20);

        *disp = 16 * rand_below(r, 8);
        if (how < 10) {
            buf[n++] = 0x43 | (reg & 7) << 3; /* [rbx + disp8] */
            buf[n++] = *disp;
        } else if (how < 13) {
            buf[n++] = 0x83 | (reg & 7) << 3; /* [rbx + disp32] */
            memcpy(buf + n, disp, 4);         /* little-endian host */
            n += 4;
        } else if (how < 16) {
            buf[n++] = 0x44 | (reg & 7) << 3; /* SIB: [rbx + no index * scale + disp8] */
            buf[n++] = rand_below(r, 4) << 6 | 4 << 3 | R_EBX;
            buf[n++] = *disp;
        } else {
            buf[n++] = 0x05 | (reg & 7) << 3; /* [rip + disp32] ([disp32] outside 64-bit mode) */
            *riprel = n;
            n += 4; /* patched by build_case once the instruction's length is known */
        }
    } else {
        buf[n++] = 0xc0 | (reg & 7) << 3 | (rm & 7);
    }
    return n;
}

static void fill_operand(GRand *r, const FpForm *f, uint64_t ea)
{
    uint8_t v[512];
    uint64_t pa = ea >= ALIAS_PAGE ? ea - ALIAS_PAGE + DATA_ADDR : ea;
    size_t n = f->msize;

    if (rand_below(r, 8) == 0) {
        return; /* random bytes */
    }
    memset(v, 0, sizeof(v));
    switch (f->vk) {
    case VK_F80: {
        F80 x = rand_f80(r);

        put_f80(v, x);
        break;
    }
    case VK_BCD:
        rand_bcd(r, v);
        break;
    case VK_CW: {
        uint16_t cw = rand_below(r, 4) ? rand_fcw(r) : g_rand_int(r);

        memcpy(v, &cw, 2);
        break;
    }
    case VK_ENV16:
    case VK_ENV32:
        rand_env(r, v, f->vk == VK_ENV32, f->msize > 28);
        break;
    case VK_FX: {
        rand_fx(r, v);
        if (rand_below(r, 16) == 0) {
            v[FXSAVE_MXCSR + 2] = 1; /* reserved MXCSR bit: #GP */
        }
        break;
    }
    case VK_MXCSR: {
        uint32_t m = rand_mxcsr(r) | (rand_below(r, 16) == 0 ? 0x10000 : 0);

        memcpy(v, &m, 4);
        break;
    }
    default:
        rand_bytes(r, f->vk, v, n);
    }
    /* only inside RAM and not into the absent page */
    for (size_t i = 0; i < n && pa + i < DATA_ADDR + 0x1000; i++) {
        if (ea + i < ABSENT_PAGE) {
            pristine[pa + i] = v[i];
        }
    }
}

/* Fills a [rip + disp32] displacement (an absolute [disp32] outside 64-bit mode). */
static void patch_riprel(uint8_t *insn, int at, uint32_t target, uint32_t next, int mode)
{
    uint32_t d32 = mode == 64 ? target - next : target;

    if (at >= 0) {
        memcpy(insn + at, &d32, 4);
    }
}

static void build_case(GRand *r, Case *c, const FpForm *f, int mode, bool mem)
{
    CPUX86State *e = &c->start;
    bool align = f->flags & F_ALIGN;
    /* compatibility mode: exceptions there end the vCPU here (PVM), so few are provoked */
    bool quiet = mode == MODE_COMPAT;
    bool near_absent;
    uint64_t base;
    size_t n = 0, start;
    int disp = 0, riprel = -1;

    c->form = f;
    c->mode = mode;
    c->mem = mem;
    setup_mode(e, mode);
    setup_paging(e, mode);
    setup_user(e, mode);
    /* CR0.MP with NE: WAIT/FWAIT honours TS; #MF, not FERR# */
    e->cr[0] |= CR0_MP_MASK;
    e->cr[4] |= CR4_OSFXSR_MASK | CR4_OSXMMEXCPT_MASK;
    if (!quiet && kvm_honours_ts && rand_below(r, 24) == 0) {
        e->cr[0] |= CR0_TS_MASK;
    }
    if (!quiet && kvm_honours_em && rand_below(r, 32) == 0) {
        e->cr[0] |= CR0_EM_MASK;
    }
    if (!quiet && kvm_honours_osfxsr && rand_below(r, 24) == 0 && !(f->flags & F_OSFXSR)) {
        e->cr[4] &= ~CR4_OSFXSR_MASK;
    }
    if (!quiet && kvm_honours_osxmmexcpt && rand_below(r, 8) == 0) {
        e->cr[4] &= ~CR4_OSXMMEXCPT_MASK;
    }
    /* perhaps a FWAIT, the instruction, perhaps a FWAIT (which takes a pending #MF), the end */
    if (rand_below(r, 16) == 0 && (f->flags & F_X87)) {
        c->insn[n++] = 0x9b;
    }
    /* the memory operand: the data page, now and then its alias before the absent page */
    c->env_store = (f->flags & F_X87) && rand_below(r, 6) == 0 ? 1 + rand_below(r, 3) : ENV_NONE;
    near_absent = !quiet && !c->env_store && rand_below(r, 12) == 0;
    base = near_absent ? ALIAS_PAGE + 0xf80 + (rand_below(r, 8) << 4)
                       : DATA_ADDR + (rand_below(r, 0x60) << 4);
    if (!align || (!quiet && rand_below(r, 8) == 0)) {
        base += rand_below(r, 16);
    }
    start = n;
    n += encode(r, f, mode, mem, c->insn + n, &disp, &riprel);
    if (f->flags & F_IMM1) {
        c->insn[n++] = g_rand_int(r);
    }
    patch_riprel(c->insn + start, riprel, base + disp, CODE_ADDR + n, mode);
    c->second = NULL;
    if (!near_absent && rand_below(r, 8) == 0) {
        /* a second form, register variant: the state one leaves is what the next one sees */
        const FpForm *g;
        int disp2 = 0, riprel2 = -1;

        do {
            g = &forms[rand_below(r, ARRAY_SIZE(forms))];
        } while (!(g->flags & F_REG) || g->ops == O_NONE);
        c->second = g;
        start = n;
        n += encode(r, g, mode, false, c->insn + n, &disp2, &riprel2);
        if (g->flags & F_IMM1) {
            c->insn[n++] = g_rand_int(r);
        }
    }
    if (c->env_store) {
        /* FNSTENV/FNSAVE [rBX + disp32]: non-waiting, so they store a pending exception's FOP */
        uint8_t st[7] = {
            0x66, c->env_store == ENV_FNSAVE ? 0xdd : 0xd9, 0xb3, ENV_DISP & 0xff, ENV_DISP >> 8, 0,
            0};
        size_t from = c->env_store == ENV_FNSTENV16 ? 0 : 1;

        memcpy(c->insn + n, st + from, sizeof(st) - from);
        n += sizeof(st) - from;
    }
    if (rand_below(r, 4) == 0) {
        c->insn[n++] = 0x9b;
    }
    if (mode == MODE_COMPAT) {
        /* exceptions are not delivered from compatibility mode here (PVM): end in 64-bit code */
        uint8_t jmp[7] = {0xea, END_CODE & 0xff, END_CODE >> 8, 0, 0, SEL_UCODE64, 0};
        uint8_t end[2] = {0x0f, 0x0b};

        memcpy(c->insn + n, jmp, sizeof(jmp));
        n += sizeof(jmp);
        put(END_CODE, end, sizeof(end));
    } else {
        c->insn[n++] = 0x0f;
        c->insn[n++] = 0x0b;
    }
    c->len = n;
    put(CODE_ADDR, c->insn, n);
    /* registers */
    for (int i = 0; i < 16; i++) {
        e->regs[i] = rand_int(r);
        if (mode != 64) {
            e->regs[i] &= 0xffffffff;
        }
    }
    e->regs[R_ESP] = USER_STACK;
    e->rflags = RFLAGS_FIXED | IF_MASK | (rand64(r) & ARITH);
    e->rip = CODE_ADDR;
    e->regs[R_EBX] = base;
    e->regs[R_EDI] = rand_below(r, 12) || quiet ? DATA_ADDR + rand_below(r, 0xf00)
                                                : ABSENT_PAGE - rand_below(r, 16);
    for (int i = 0; i < 0x1000; i++) {
        pristine[DATA_ADDR + i] = g_rand_int(r);
    }
    c->ea = base + disp;
    if (mem) {
        fill_operand(r, f, c->ea);
    }
    pristine[EXC_ADDR] = NO_EXCEPTION;
    rand_fx(r, c->fx);
    if (quiet) {
        uint16_t fcw, fsw;
        uint32_t mxcsr;

        memcpy(&fcw, c->fx + FXSAVE_FCW, 2);
        memcpy(&fsw, c->fx + FXSAVE_FSW, 2);
        memcpy(&mxcsr, c->fx + FXSAVE_MXCSR, 4);
        fcw |= 0x3f;
        fsw &= ~0x80ff;
        mxcsr |= 0x1f80;
        memcpy(c->fx + FXSAVE_FCW, &fcw, 2);
        memcpy(c->fx + FXSAVE_FSW, &fsw, 2);
        memcpy(c->fx + FXSAVE_MXCSR, &mxcsr, 4);
    }
}

/* --- running and comparing ------------------------------------------------------------------- */

typedef struct Result {
    CPUX86State cpu;
    uint8_t fx[DT_FX_SIZE];
    uint8_t mem[RAM_SIZE];
} Result;

static void run_interpreter(const Case *c, Result *out)
{
    memcpy(ram_ptr, pristine, RAM_SIZE);
    env = c->start;
    fx_to_env(&env, c->fx);
    x86_cpu_state_changed(&cpu);
    cpu.stop_on_exception = false;
    x86_cpu_exec(&cpu, 100);
    out->cpu = env;
    env_to_fx(&env, out->fx);
    memcpy(out->mem, ram_ptr, RAM_SIZE);
}

/* Returns false when KVM could not run the case to HLT. */
static bool run_kvm(const Case *c, Result *out)
{
    memcpy(ram_ptr, pristine, RAM_SIZE);
    if (!kvm_put_fx(c->fx)) {
        return false;
    }
    {
        int ex = kvm_exec(&c->start, &out->cpu);

        if (ex != KVM_EXIT_HLT || !kvm_get_fx(out->fx)) {
            if (getenv("DIFFTEST_DEBUG")) {
                g_test_message("%s: exit %d rip %" PRIx64 " suberror %u data %llx %llx",
                               c->form->name, ex, out->cpu.rip, kvm_run->internal.suberror,
                               (unsigned long long)kvm_run->internal.data[0],
                               (unsigned long long)kvm_run->internal.data[1]);
            }
            return false;
        }
    }
    memcpy(out->mem, ram_ptr, RAM_SIZE);
    return true;
}

/* FDP_EXCPTN_ONLY hosts: FDP is the same unless an x87 memory form left no new exception. */
static bool fdp_may_differ(const Case *c, const uint8_t *tern_fx)
{
    uint16_t fsw_in, fsw_out;

    memcpy(&fsw_in, c->fx + FXSAVE_FSW, 2);
    memcpy(&fsw_out, tern_fx + FXSAVE_FSW, 2);
    /* with a second form, the new exception may be that one's */
    return host_fdp_excptn_only && c->form->ops == O_X87M &&
           (c->second || !(!(fsw_in & FSW_ES_BIT) && (fsw_out & FSW_ES_BIT)));
}

/*
 * The FXSAVE image bytes compared (64-bit layout). Left out: MXCSR_MASK (a property of the CPU,
 * not of the state), bytes 10-15 of each register slot and the reserved and available bytes
 * (not state), FCS/FDS (not in the 64-bit image KVM returns). On hosts where CPUID.(7,0):EBX[6]
 * (FDP_EXCPTN_ONLY) says the processor updates FDP only on unmasked x87 exceptions, FDP is not
 * compared after an x87 memory form that left no new one pending: tern's model does not
 * advertise that bit and updates FDP on every x87 memory access, as the SDM describes for
 * processors without it.
 */
static bool fx_equal(const Case *c, const uint8_t *a, const uint8_t *b, const char **what)
{
    bool fdp_differs_ok = fdp_may_differ(c, a);

    static const struct {
        int off, len;
        const char *name;
    } fields[] = {
        {FXSAVE_FCW, 2, "FCW"},     {FXSAVE_FSW, 2, "FSW"}, {FXSAVE_FTW, 1, "FTW"},
        {FXSAVE_FOP, 2, "FOP"},     {FXSAVE_FIP, 8, "FIP"}, {FXSAVE_FDP, 8, "FDP"},
        {FXSAVE_MXCSR, 4, "MXCSR"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        if (fields[i].off == FXSAVE_FDP && fdp_differs_ok) {
            continue;
        }
        if (memcmp(a + fields[i].off, b + fields[i].off, fields[i].len)) {
            *what = fields[i].name;
            return false;
        }
    }
    for (int i = 0; i < 8; i++) {
        if (memcmp(a + FXSAVE_ST + 16 * i, b + FXSAVE_ST + 16 * i, 10)) {
            *what = "ST";
            return false;
        }
    }
    if (memcmp(a + FXSAVE_XMM, b + FXSAVE_XMM, 256)) {
        *what = "XMM";
        return false;
    }
    return true;
}

/*
 * The data page. A store split in parts (an 80-bit FSTP/FBSTP as 8 + 2 bytes, FNSAVE, FXSAVE)
 * that crosses into the absent page may leave the parts before it written (this host's Intel CPU
 * does; the interpreter writes nothing): the SDM leaves that to the implementation, so those
 * bytes are not compared then.
 */
static bool data_page_equal(const Case *c, const Result *a, const Result *k, uint8_t exc)
{
    static uint8_t pa[0x1000], pk[0x1000];
    uint64_t end = c->ea + c->form->msize;
    bool split = c->mem && c->form->msize >= 10 && exc == EXCP0E_PAGE && c->ea < ABSENT_PAGE &&
                 end > ABSENT_PAGE && c->ea >= ALIAS_PAGE;
    uint64_t skip_from = split ? c->ea - ALIAS_PAGE : 0x1000;

    memcpy(pa, a->mem + DATA_ADDR, sizeof(pa));
    memcpy(pk, k->mem + DATA_ADDR, sizeof(pk));
    if (c->env_store) {
        /*
         * The host stores FCS and FDS as zero (CPUID.(7,0):EBX[13]); tern's model does not
         * advertise that and stores the selectors, as the SDM describes without it. FDP as in
         * fx_equal.
         */
        size_t env = c->start.regs[R_EBX] + ENV_DISP - DATA_ADDR;
        bool env16 = c->env_store == ENV_FNSTENV16;
        size_t fcs = env16 ? 8 : 16, fds = env16 ? 12 : 24, fdp = env16 ? 10 : 20;

        if (host_fpcsds) {
            memset(pa + env + fcs, 0, 2);
            memset(pk + env + fcs, 0, 2);
            memset(pa + env + fds, 0, 2);
            memset(pk + env + fds, 0, 2);
        }
        if (fdp_may_differ(c, a->fx)) {
            memset(pa + env + fdp, 0, env16 ? 2 : 4);
            memset(pk + env + fdp, 0, env16 ? 2 : 4);
        }
    }
    return !memcmp(pa, pk, skip_from);
}

static bool results_equal(const Case *c, const Result *a, const Result *k, const char **what)
{
    const uint64_t flags = ARITH | DF_MASK | IF_MASK | TF_MASK;
    uint8_t exc = a->mem[EXC_ADDR];

    if (exc != k->mem[EXC_ADDR]) {
        *what = "exception";
        return false;
    }
    if (memcmp(a->cpu.regs, k->cpu.regs, sizeof(a->cpu.regs)) || a->cpu.rip != k->cpu.rip) {
        *what = "registers";
        return false;
    }
    if ((a->cpu.rflags ^ k->cpu.rflags) & flags) {
        *what = "RFLAGS";
        return false;
    }
    /*
     * CR2: the faulting byte, but multi-access instructions (FNSTENV, FXSAVE, FNSAVE, MASKMOVQ...)
     * access their operand in an implementation-specific order: there only the page is compared.
     */
    if (exc == EXCP0E_PAGE && (c->form->msize > 10 || (c->form->flags & F_RDI) || c->second
                                   ? (a->cpu.cr[2] ^ k->cpu.cr[2]) >> 12
                                   : a->cpu.cr[2] != k->cpu.cr[2])) {
        *what = "CR2";
        return false;
    }
    if (!data_page_equal(c, a, k, exc)) {
        *what = "data page";
        return false;
    }
    if (memcmp(a->mem + STACK_LO, k->mem + STACK_LO, STACK_TOP - STACK_LO)) {
        *what = "stack";
        return false;
    }
    return fx_equal(c, a->fx, k->fx, what);
}

static void hex_line(GString *s, const char *what, const uint8_t *b, size_t n)
{
    g_string_append_printf(s, "  %s:", what);
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(s, "%s%02x", i % 16 ? "" : " ", b[i]);
    }
    g_string_append_c(s, '\n');
}

static void report(const Case *c, const Result *a, const Result *k, const char *what)
{
    g_autoptr(GString) s = g_string_new(NULL);
    const CPUX86State *st = &c->start;

    g_string_append_printf(s, "%s (%d-bit, %s): %s differs; exception tern %d kvm %d\n",
                           c->form->name, c->mode, c->mem ? "memory" : "register", what,
                           a->mem[EXC_ADDR], k->mem[EXC_ADDR]);
    hex_line(s, "insn", c->insn, c->len);
    {
        uint64_t fa[5], fk[5];

        memcpy(fa, a->mem + STACK_TOP - 40, 40);
        memcpy(fk, k->mem + STACK_TOP - 40, 40);
        g_string_append_printf(s, "  frame rip tern %" PRIx64 " kvm %" PRIx64 "\n", fa[0], fk[0]);
    }
    g_string_append_printf(
        s, "  cr0 %" PRIx64 " cr4 %" PRIx64 " rbx %" PRIx64 " rdi %" PRIx64 " rflags %" PRIx64 "\n",
        st->cr[0], st->cr[4], st->regs[R_EBX], st->regs[R_EDI], st->rflags);
    hex_line(s, "in   fx", c->fx, 160);
    hex_line(s, "in  xmm", c->fx + FXSAVE_XMM, 64);
    hex_line(s, "tern fx", a->fx, 160);
    hex_line(s, "kvm  fx", k->fx, 160);
    hex_line(s, "tern xmm", a->fx + FXSAVE_XMM, 64);
    hex_line(s, "kvm  xmm", k->fx + FXSAVE_XMM, 64);
    for (int i = 0; i < 16; i++) {
        if (a->cpu.regs[i] != k->cpu.regs[i]) {
            g_string_append_printf(s, "  r%d: start %" PRIx64 " tern %" PRIx64 " kvm %" PRIx64 "\n",
                                   i, st->regs[i], a->cpu.regs[i], k->cpu.regs[i]);
        }
    }
    g_string_append_printf(s,
                           "  rip %" PRIx64 "/%" PRIx64 " rflags %" PRIx64 "/%" PRIx64
                           " cr2 %" PRIx64 "/%" PRIx64 "\n",
                           a->cpu.rip, k->cpu.rip, a->cpu.rflags, k->cpu.rflags, a->cpu.cr[2],
                           k->cpu.cr[2]);
    for (int i = 0; i < 0x1000; i += 16) {
        if (memcmp(a->mem + DATA_ADDR + i, k->mem + DATA_ADDR + i, 16)) {
            g_autofree char *t = g_strdup_printf("tern %04x", DATA_ADDR + i);
            g_autofree char *kk = g_strdup_printf("kvm  %04x", DATA_ADDR + i);

            hex_line(s, t, a->mem + DATA_ADDR + i, 16);
            hex_line(s, kk, k->mem + DATA_ADDR + i, 16);
        }
    }
    g_test_message("%s", s->str);
}

/* --- what KVM here honours ------------------------------------------------------------------ */

/*
 * PVM runs guest user code under the host's CR0 and CR4: the guest's CR0.TS, CR0.EM,
 * CR4.OSFXSR and CR4.OSXMMEXCPT may have no effect there. Each is probed once; cases that need
 * one KVM ignores are not generated (test-x86-fpu and test-x86-sse check those rules).
 */

static bool kvm_faults_at_start(const uint8_t *code, size_t len, uint64_t cr0_set,
                                uint64_t cr4_clear, uint32_t mxcsr, int vector)
{
    static Case c;
    static Result k;
    CPUX86State *e = &c.start;
    const float one = 1.0f;
    uint64_t frame_rip;

    c.form = &forms[0];
    setup_mode(e, 64);
    setup_paging(e, 64);
    setup_user(e, 64);
    e->cr[0] |= CR0_MP_MASK | cr0_set;
    e->cr[4] = (e->cr[4] | CR4_OSFXSR_MASK | CR4_OSXMMEXCPT_MASK) & ~cr4_clear;
    memcpy(c.insn, code, len);
    c.insn[len] = 0x0f;
    c.insn[len + 1] = 0x0b;
    c.len = len + 2;
    put(CODE_ADDR, c.insn, c.len);
    e->regs[R_ESP] = USER_STACK;
    e->rflags = RFLAGS_FIXED | IF_MASK;
    e->rip = CODE_ADDR;
    pristine[EXC_ADDR] = NO_EXCEPTION;
    memset(c.fx, 0, sizeof(c.fx));
    c.fx[FXSAVE_FCW] = 0x7f;
    c.fx[FXSAVE_FCW + 1] = 0x03;
    memcpy(c.fx + FXSAVE_MXCSR, &mxcsr, 4);
    memcpy(c.fx + FXSAVE_XMM, &one, 4); /* xmm0 = 1, xmm1 = 0 */
    if (!run_kvm(&c, &k)) {
        return false;
    }
    memcpy(&frame_rip, k.mem + STACK_TOP - 40, 8);
    return k.mem[EXC_ADDR] == vector && frame_rip == CODE_ADDR;
}

static void probe_kvm(void)
{
    static const uint8_t fnop[] = {0xd9, 0xd0}, paddb[] = {0x0f, 0xfc, 0xc0};
    static const uint8_t xorps[] = {0x0f, 0x57, 0xc0}, divss[] = {0xf3, 0x0f, 0x5e, 0xc1};

    kvm_honours_ts = kvm_faults_at_start(fnop, sizeof(fnop), CR0_TS_MASK, 0, 0x1f80, EXCP07_PREX);
    kvm_honours_em =
        kvm_faults_at_start(paddb, sizeof(paddb), CR0_EM_MASK, 0, 0x1f80, EXCP06_ILLOP);
    kvm_honours_osfxsr =
        kvm_faults_at_start(xorps, sizeof(xorps), 0, CR4_OSFXSR_MASK, 0x1f80, EXCP06_ILLOP);
    /* 1 / 0 with ZE unmasked: #UD, not #XM, without OSXMMEXCPT */
    kvm_honours_osxmmexcpt =
        kvm_faults_at_start(divss, sizeof(divss), 0, CR4_OSXMMEXCPT_MASK, 0x1d80, EXCP06_ILLOP);
    g_test_message("host FPCSDS: %s", host_fpcsds ? "yes (stored FCS/FDS not compared)" : "no");
    g_test_message("host FDP_EXCPTN_ONLY: %s%s", host_fdp_excptn_only ? "yes" : "no",
                   host_fdp_excptn_only ? " (FDP not compared after x87 memory forms that raise "
                                          "no unmasked exception)"
                                        : "");
    g_test_message("KVM here honours CR0.TS: %s, CR0.EM: %s, CR4.OSFXSR: %s, CR4.OSXMMEXCPT: %s "
                   "(cases that need one it ignores are not generated)",
                   kvm_honours_ts ? "yes" : "no", kvm_honours_em ? "yes" : "no",
                   kvm_honours_osfxsr ? "yes" : "no", kvm_honours_osxmmexcpt ? "yes" : "no");
}

/* Whether KVM runs FNOP in compatibility mode (natively) and gets to the end of the case. */
static bool kvm_runs_compat_fp(GRand *r)
{
    static Case c;
    static Result k;
    uint64_t frame_rip;

    for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
        if (!strcmp(forms[i].name, "fnop")) {
            build_case(r, &c, &forms[i], MODE_COMPAT, false);
        }
    }
    if (!run_kvm(&c, &k)) {
        return false;
    }
    memcpy(&frame_rip, k.mem + STACK_TOP - 40, 8);
    return k.mem[EXC_ADDR] == END_VECTOR && frame_rip == END_CODE;
}

typedef struct Stats {
    unsigned runs, mismatches, skipped, unstable, pvm_gp;
} Stats;

static void run_case(const Case *c, FormStats *fs, Stats *st)
{
    static Result a, k, k2;
    const char *what = NULL, *what2;

    run_interpreter(c, &a);
    if (!run_kvm(c, &k)) {
        fs->skipped++;
        st->skipped++;
        return;
    }
    /*
     * PVM intercepts #GP from guest user code (to emulate privileged instructions) and hands the
     * instruction to KVM's emulator, which then raises #UD or runs it its own way: a #GP of the
     * interpreter's (misaligned operands, reserved MXCSR bits) is not comparable here.
     */
    if (a.mem[EXC_ADDR] == EXCP0D_GPF && k.mem[EXC_ADDR] != EXCP0D_GPF) {
        fs->pvm_gp++;
        st->pvm_gp++;
        return;
    }
    if (results_equal(c, &a, &k, &what)) {
        fs->runs[c->mem]++;
        st->runs++;
        fs->exceptions += a.mem[EXC_ADDR] != END_VECTOR;
        return;
    }
    /* PVM sometimes runs the same state differently: a mismatch counts when KVM repeats itself */
    if (!run_kvm(c, &k2) || !results_equal(c, &k, &k2, &what2)) {
        fs->unstable++;
        st->unstable++;
        return;
    }
    fs->mismatches++;
    st->mismatches++;
    fs->runs[c->mem]++;
    st->runs++;
    if (st->mismatches <=
        (getenv("DIFFTEST_SHOW") ? (unsigned)atoi(getenv("DIFFTEST_SHOW")) : 20u)) {
        report(c, &a, &k, what);
    }
}

static void difftest_mode(int mode, unsigned default_count)
{
    const char *seed_s = getenv("DIFFTEST_SEED"), *count_s = getenv("DIFFTEST_COUNT");
    unsigned count = count_s ? atoi(count_s) * default_count / COUNT_64 : default_count;
    GRand *r = g_rand_new_with_seed(seed_s ? atoi(seed_s) : 0xf9d1ff + mode);
    g_autofree char *why = NULL;
    Stats st = {0};
    static Case c;
    unsigned i = 0, slot = 0;

    if (vcpu_fd < 0) {
        if (!kvm_setup(&why) || !kvm_set_host_cpuid(&why)) {
            g_test_skip(why);
            g_rand_free(r);
            return;
        }
        probe_kvm();
    }
    if (mode == MODE_COMPAT && !kvm_runs_compat_fp(r)) {
        g_test_skip("KVM here (PVM) runs compatibility-mode code in its instruction emulator, "
                    "which has no x87/SSE (#UD): nothing to compare");
        g_rand_free(r);
        return;
    }
    /* round robin over every variant of every form */
    while (i < count) {
        const FpForm *f = &forms[slot % ARRAY_SIZE(forms)];
        bool mem = (slot / ARRAY_SIZE(forms)) & 1;

        slot++;
        if (!(f->flags & (mem ? F_MEM : F_REG))) {
            continue;
        }
        build_case(r, &c, f, mode, mem);
        run_case(&c, &form_stats[f - forms], &st);
        i++;
    }
    g_test_message("%s: %u cases compared, %u mismatches, %u skipped (KVM did not reach HLT), "
                   "%u where KVM disagreed with itself, %u #GP not comparable (PVM)",
                   mode == 64 ? "64-bit" : "compatibility mode", st.runs, st.mismatches, st.skipped,
                   st.unstable, st.pvm_gp);
    g_assert_cmpuint(st.mismatches, ==, 0);
    g_rand_free(r);
}

static void test_fp_64(void)
{
    difftest_mode(64, COUNT_64);
}

static void test_fp_compat(void)
{
    difftest_mode(MODE_COMPAT, COUNT_COMPAT);
}

/* Every SDM opcode has a form, and every variant of every form was compared at least once. */
static void test_fp_coverage(void)
{
    unsigned nforms[EXT_COUNT] = {0}, variants[EXT_COUNT] = {0}, runs[EXT_COUNT] = {0};
    unsigned exc[EXT_COUNT] = {0}, total_runs = 0;
    bool ran = false;

    for (int e = 0; e < EXT_COUNT; e++) {
        g_auto(GStrv) keys = g_strsplit(sdm_opcodes[e], " ", -1);

        for (int i = 0; keys[i]; i++) {
            bool found = false;

            for (size_t j = 0; j < ARRAY_SIZE(forms) && !found; j++) {
                g_autofree char *k = form_key(&forms[j]);

                found = forms[j].ext == e && !strcmp(k, keys[i]);
            }
            if (!found) {
                g_test_message("%s opcode %s has no form in the difftest", ext_names[e], keys[i]);
            }
            g_assert_true(found);
        }
    }
    for (size_t j = 0; j < ARRAY_SIZE(forms); j++) {
        const FpForm *f = &forms[j];
        const FormStats *fs = &form_stats[j];

        nforms[f->ext]++;
        runs[f->ext] += fs->runs[0] + fs->runs[1];
        total_runs += fs->runs[0] + fs->runs[1] + fs->pvm_gp + fs->skipped + fs->unstable;
        exc[f->ext] += fs->exceptions;
        ran |= fs->runs[0] + fs->runs[1] > 0;
        for (int m = 0; m < 2; m++) {
            if (f->flags & (m ? F_MEM : F_REG)) {
                variants[f->ext]++;
            }
        }
    }
    g_test_message("%-6s %6s %9s %8s %11s", "ext", "forms", "variants", "cases", "exceptions");
    for (int e = 0; e < EXT_COUNT; e++) {
        g_test_message("%-6s %6u %9u %8u %11u", ext_names[e], nforms[e], variants[e], runs[e],
                       exc[e]);
    }
    if (!ran) {
        g_test_skip("no case ran (no KVM)");
        return;
    }
    if (total_runs < 4 * ARRAY_SIZE(forms) * 2) {
        g_test_skip("too few cases for every variant (DIFFTEST_COUNT)");
        return;
    }
    for (size_t j = 0; j < ARRAY_SIZE(forms); j++) {
        const FpForm *f = &forms[j];

        for (int m = 0; m < 2; m++) {
            if ((f->flags & (m ? F_MEM : F_REG)) && !form_stats[j].runs[m]) {
                g_test_message("%s (%s variant) was never compared (%u skipped, %u unstable)",
                               f->name, m ? "memory" : "register", form_stats[j].skipped,
                               form_stats[j].unstable);
                g_test_fail();
            }
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    dt_ram_init();
    x86_tcg_cpu_init(&cpu, &env, address_space_memory(), address_space_io());
    probe_host();

    g_test_add_func("/x86/difftest-fp/64", test_fp_64);
    g_test_add_func("/x86/difftest-fp/compat", test_fp_compat);
    g_test_add_func("/x86/difftest-fp/coverage", test_fp_coverage);
    return g_test_run();
}
