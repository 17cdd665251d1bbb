/*
 * test-x86-fpu.c: the interpreter's x87 FPU and FXSAVE/FXRSTOR, against the host CPU.
 *
 * Every x87 form (Intel SDM Vol. 2, D8-DF; Vol. 1, chapter 8) runs from the
 * same FXSAVE64 image in the interpreter and natively (x86-fp-harness.h),
 * over a table of operands (zeros of both signs, denormals, infinities,
 * quiet and signalling NaNs, the indefinite, unnormals, integer overflow),
 * control words (precision and rounding control, unmasked exceptions) and
 * stack depths (empty: underflow; full: overflow). Registers, tags, status
 * and control words, FOP, MXCSR, memory and RFLAGS must match bit for bit.
 * The transcendentals too: tern runs them on the host's x87, so there is no
 * last-bit tolerance to allow. #MF, #NM and the environment formats are
 * checked against the SDM's rules.
 */
#include "x86-fp-harness.h"

/* 80-bit values: significand, sign and exponent. */
typedef struct F80 {
    uint64_t mant;
    uint16_t exp;
} F80;

static const F80 values[] = {
    {0, 0},                          /* +0 */
    {0, 0x8000},                     /* -0 */
    {0x8000000000000000ULL, 0x3fff}, /* 1 */
    {0x8000000000000000ULL, 0xbfff}, /* -1 */
    {0xc000000000000000ULL, 0x4000}, /* 3 */
    {0xc90fdaa22168c235ULL, 0x4000}, /* pi */
    {0xaaaaaaaaaaaaaaabULL, 0x3ffd}, /* 1/3, rounds differently per precision */
    {0x8000000000000401ULL, 0x403e}, /* 2^63 + a bit: integer overflow */
    {0xfffffffffffffbffULL, 0x401d}, /* about 2^31: 32-bit overflow edge */
    {0xc000000000000000ULL, 0x3ffe}, /* 0.75, rounds per RC */
    {0xa000000000000000ULL, 0xbfff}, /* -1.25 */
    {0xffffffffffffffffULL, 0x7ffe}, /* largest finite */
    {0x8000000000000000ULL, 0x0001}, /* smallest normal */
    {0x0000000000000001ULL, 0x0000}, /* denormal */
    {0x8000000000000000ULL, 0x0000}, /* pseudo-denormal */
    {0x4000000000000000ULL, 0x3fff}, /* unnormal */
    {0x8000000000000000ULL, 0x7fff}, /* +inf */
    {0x8000000000000000ULL, 0xffff}, /* -inf */
    {0xc000000000000001ULL, 0x7fff}, /* QNaN */
    {0xa000000000000000ULL, 0xffff}, /* SNaN */
    {0xc000000000000000ULL, 0xffff}, /* indefinite */
    {0x9a3b5c7d1e2f4061ULL, 0x4012}, /* 631k-ish with fraction */
};

static const F80 values2[] = {
    {0, 0},
    {0x8000000000000000ULL, 0x3fff},
    {0xc000000000000000ULL, 0xc000},
    {0xaaaaaaaaaaaaaaabULL, 0x3ffd},
    {0x0000000000000001ULL, 0x0000},
    {0x8000000000000000ULL, 0x7fff},
    {0xa000000000000000ULL, 0x7fff},
    {0x8000000000000000ULL, 0x403f},
};

#define FSW_EXC_MASK_ALL 0x3f

/* Precision and rounding control, and a word with unmasked exceptions (IE..UE). */
static const uint16_t control_words[] = {0x037f, 0x027f, 0x007f, 0x0f7f, 0x077f, 0x0b7f, 0x0360};

/* A state with depth registers on the stack starting at TOP = top (ST(i) = v[i]). */
static void x87_state(FpState *s, uint16_t fcw, int top, int depth, const F80 *v)
{
    memset(s, 0, sizeof(*s));
    memcpy(s->fx, &fcw, 2);
    s->fx[2] = 0;
    s->fx[3] = top << 3;
    for (int i = 0; i < depth; i++) {
        s->fx[4] |= 1u << ((top + i) & 7);
        memcpy(s->fx + FPH_FX_ST + 16 * i, &v[i].mant, 8);
        memcpy(s->fx + FPH_FX_ST + 16 * i + 8, &v[i].exp, 2);
    }
    s->fx[FPH_FX_MXCSR] = 0x80;
    s->fx[FPH_FX_MXCSR + 1] = 0x1f;
    for (int i = 0; i < FPH_MEM_SIZE; i++) {
        s->mem[i] = 0xa5 ^ i;
    }
    s->gpr[0] = 0x1111222233334444ULL;
    s->rflags = 0x2;
}

typedef struct X87Insn {
    const char *name;
    uint8_t bytes[2];
} X87Insn;

/* Register forms on ST(0) and ST(1) (or ST(0) alone). */
static const X87Insn reg_insns[] = {
    {"fadd st0,st1", {0xd8, 0xc1}},  {"fmul st0,st1", {0xd8, 0xc9}},
    {"fcom st1", {0xd8, 0xd1}},      {"fcomp st1", {0xd8, 0xd9}},
    {"fsub st0,st1", {0xd8, 0xe1}},  {"fsubr st0,st1", {0xd8, 0xe9}},
    {"fdiv st0,st1", {0xd8, 0xf1}},  {"fdivr st0,st1", {0xd8, 0xf9}},
    {"fadd st1,st0", {0xdc, 0xc1}},  {"fmul st1,st0", {0xdc, 0xc9}},
    {"fsubr st1,st0", {0xdc, 0xe1}}, {"fsub st1,st0", {0xdc, 0xe9}},
    {"fdivr st1,st0", {0xdc, 0xf1}}, {"fdiv st1,st0", {0xdc, 0xf9}},
    {"faddp", {0xde, 0xc1}},         {"fmulp", {0xde, 0xc9}},
    {"fcompp", {0xde, 0xd9}},        {"fsubrp", {0xde, 0xe1}},
    {"fsubp", {0xde, 0xe9}},         {"fdivrp", {0xde, 0xf1}},
    {"fdivp", {0xde, 0xf9}},         {"fld st1", {0xd9, 0xc1}},
    {"fxch st1", {0xd9, 0xc9}},      {"fnop", {0xd9, 0xd0}},
    {"fchs", {0xd9, 0xe0}},          {"fabs", {0xd9, 0xe1}},
    {"ftst", {0xd9, 0xe4}},          {"fxam", {0xd9, 0xe5}},
    {"fld1", {0xd9, 0xe8}},          {"fldl2t", {0xd9, 0xe9}},
    {"fldl2e", {0xd9, 0xea}},        {"fldpi", {0xd9, 0xeb}},
    {"fldlg2", {0xd9, 0xec}},        {"fldln2", {0xd9, 0xed}},
    {"fldz", {0xd9, 0xee}},          {"f2xm1", {0xd9, 0xf0}},
    {"fyl2x", {0xd9, 0xf1}},         {"fptan", {0xd9, 0xf2}},
    {"fpatan", {0xd9, 0xf3}},        {"fxtract", {0xd9, 0xf4}},
    {"fprem1", {0xd9, 0xf5}},        {"fdecstp", {0xd9, 0xf6}},
    {"fincstp", {0xd9, 0xf7}},       {"fprem", {0xd9, 0xf8}},
    {"fyl2xp1", {0xd9, 0xf9}},       {"fsqrt", {0xd9, 0xfa}},
    {"fsincos", {0xd9, 0xfb}},       {"frndint", {0xd9, 0xfc}},
    {"fscale", {0xd9, 0xfd}},        {"fsin", {0xd9, 0xfe}},
    {"fcos", {0xd9, 0xff}},          {"fcmovb", {0xda, 0xc1}},
    {"fcmove", {0xda, 0xc9}},        {"fcmovbe", {0xda, 0xd1}},
    {"fcmovu", {0xda, 0xd9}},        {"fucompp", {0xda, 0xe9}},
    {"fcmovnb", {0xdb, 0xc1}},       {"fcmovne", {0xdb, 0xc9}},
    {"fcmovnbe", {0xdb, 0xd1}},      {"fcmovnu", {0xdb, 0xd9}},
    {"fnclex", {0xdb, 0xe2}},        {"fninit", {0xdb, 0xe3}},
    {"fucomi", {0xdb, 0xe9}},        {"fcomi", {0xdb, 0xf1}},
    {"ffree st1", {0xdd, 0xc1}},     {"fst st1", {0xdd, 0xd1}},
    {"fstp st1", {0xdd, 0xd9}},      {"fucom st1", {0xdd, 0xe1}},
    {"fucomp st1", {0xdd, 0xe9}},    {"fnstsw ax", {0xdf, 0xe0}},
    {"fucomip", {0xdf, 0xe9}},       {"fcomip", {0xdf, 0xf1}},
    {"ffreep st1", {0xdf, 0xc1}},    {"fxch st3", {0xd9, 0xcb}},
    {"fadd st0,st5", {0xd8, 0xc5}},  {"fstp st7", {0xdd, 0xdf}},
};

/* Memory forms on [rsi]: the ModRM is reg << 3 | 6. */
typedef struct X87MemInsn {
    const char *name;
    uint8_t opcode, reg;
    uint8_t fmt; /* the memory operand's format, for the loads */
} X87MemInsn;

enum { FMT_NONE, FMT_F32, FMT_F64, FMT_F80, FMT_I16, FMT_I32, FMT_I64, FMT_BCD };

static const X87MemInsn mem_insns[] = {
    {"fadd m32", 0xd8, 0, FMT_F32},    {"fmul m32", 0xd8, 1, FMT_F32},
    {"fcom m32", 0xd8, 2, FMT_F32},    {"fcomp m32", 0xd8, 3, FMT_F32},
    {"fsub m32", 0xd8, 4, FMT_F32},    {"fsubr m32", 0xd8, 5, FMT_F32},
    {"fdiv m32", 0xd8, 6, FMT_F32},    {"fdivr m32", 0xd8, 7, FMT_F32},
    {"fld m32", 0xd9, 0, FMT_F32},     {"fst m32", 0xd9, 2, FMT_NONE},
    {"fstp m32", 0xd9, 3, FMT_NONE},   {"fnstcw", 0xd9, 7, FMT_NONE},
    {"fiadd m32", 0xda, 0, FMT_I32},   {"fimul m32", 0xda, 1, FMT_I32},
    {"ficom m32", 0xda, 2, FMT_I32},   {"ficomp m32", 0xda, 3, FMT_I32},
    {"fisub m32", 0xda, 4, FMT_I32},   {"fisubr m32", 0xda, 5, FMT_I32},
    {"fidiv m32", 0xda, 6, FMT_I32},   {"fidivr m32", 0xda, 7, FMT_I32},
    {"fild m32", 0xdb, 0, FMT_I32},    {"fisttp m32", 0xdb, 1, FMT_NONE},
    {"fist m32", 0xdb, 2, FMT_NONE},   {"fistp m32", 0xdb, 3, FMT_NONE},
    {"fld m80", 0xdb, 5, FMT_F80},     {"fstp m80", 0xdb, 7, FMT_NONE},
    {"fadd m64", 0xdc, 0, FMT_F64},    {"fmul m64", 0xdc, 1, FMT_F64},
    {"fcom m64", 0xdc, 2, FMT_F64},    {"fcomp m64", 0xdc, 3, FMT_F64},
    {"fsub m64", 0xdc, 4, FMT_F64},    {"fsubr m64", 0xdc, 5, FMT_F64},
    {"fdiv m64", 0xdc, 6, FMT_F64},    {"fdivr m64", 0xdc, 7, FMT_F64},
    {"fld m64", 0xdd, 0, FMT_F64},     {"fisttp m64", 0xdd, 1, FMT_NONE},
    {"fst m64", 0xdd, 2, FMT_NONE},    {"fstp m64", 0xdd, 3, FMT_NONE},
    {"fnstsw m16", 0xdd, 7, FMT_NONE}, {"fiadd m16", 0xde, 0, FMT_I16},
    {"fimul m16", 0xde, 1, FMT_I16},   {"ficom m16", 0xde, 2, FMT_I16},
    {"ficomp m16", 0xde, 3, FMT_I16},  {"fisub m16", 0xde, 4, FMT_I16},
    {"fisubr m16", 0xde, 5, FMT_I16},  {"fidiv m16", 0xde, 6, FMT_I16},
    {"fidivr m16", 0xde, 7, FMT_I16},  {"fild m16", 0xdf, 0, FMT_I16},
    {"fisttp m16", 0xdf, 1, FMT_NONE}, {"fist m16", 0xdf, 2, FMT_NONE},
    {"fistp m16", 0xdf, 3, FMT_NONE},  {"fbld", 0xdf, 4, FMT_BCD},
    {"fild m64", 0xdf, 5, FMT_I64},    {"fbstp", 0xdf, 6, FMT_NONE},
    {"fistp m64", 0xdf, 7, FMT_NONE},  {"fldcw", 0xd9, 5, FMT_I16},
};

/* Memory operands by format (little-endian bytes of each). */
static const uint32_t f32_values[] = {0,          0x80000000, 0x3f800000, 0xbfc00000,
                                      0x00000001, 0x007fffff, 0x7f7fffff, 0x7f800000,
                                      0xff800000, 0x7fc00001, 0x7f800001, 0x3eaaaaab};
static const uint64_t f64_values[] = {0,
                                      0x8000000000000000ULL,
                                      0x3ff0000000000000ULL,
                                      0x0000000000000001ULL,
                                      0x7fefffffffffffffULL,
                                      0x7ff0000000000000ULL,
                                      0xfff8000000000000ULL,
                                      0x7ff0000000000001ULL,
                                      0x3fd5555555555555ULL,
                                      0xc1e0000000000000ULL};
static const int64_t int_values[] = {
    0, 1, -1, 2, 12345, -32768, 32767, INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX, 0x123456789aLL};
/* FBLD operands: packed BCD, 9 bytes of digit pairs and a sign byte (one invalid digit). */
static const uint8_t bcd_values[][10] = {
    {0},
    {0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x80},
    {0x89, 0x67, 0x45, 0x23, 0x01, 0x99, 0, 0, 0x42, 0},
    {0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x80},
    {0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0},
};

/* Fills mem with the k-th operand of fmt; false past the end of the list. */
static bool mem_operand(uint8_t *mem, int fmt, size_t k)
{
    switch (fmt) {
    case FMT_F32:
        if (k >= G_N_ELEMENTS(f32_values)) {
            return false;
        }
        memcpy(mem, &f32_values[k], 4);
        return true;
    case FMT_F64:
        if (k >= G_N_ELEMENTS(f64_values)) {
            return false;
        }
        memcpy(mem, &f64_values[k], 8);
        return true;
    case FMT_F80:
        if (k >= G_N_ELEMENTS(values)) {
            return false;
        }
        memcpy(mem, &values[k].mant, 8);
        memcpy(mem + 8, &values[k].exp, 2);
        return true;
    case FMT_I16:
    case FMT_I32:
    case FMT_I64:
        if (k >= G_N_ELEMENTS(int_values)) {
            return false;
        }
        memcpy(mem, &int_values[k], fmt == FMT_I16 ? 2 : fmt == FMT_I32 ? 4 : 8);
        return true;
    case FMT_BCD:
        if (k >= G_N_ELEMENTS(bcd_values)) {
            return false;
        }
        memcpy(mem, bcd_values[k], 10);
        return true;
    default:
        return k == 0;
    }
}

static void test_reg_forms(void)
{
    static const uint64_t flag_sets[] = {0, CC_C, CC_Z, CC_P, CC_C | CC_Z | CC_P};
    unsigned runs = 0, bad = 0;

    for (size_t n = 0; n < G_N_ELEMENTS(reg_insns); n++) {
        const X87Insn *in = &reg_insns[n];

        for (size_t c = 0; c < G_N_ELEMENTS(control_words); c++) {
            for (size_t a = 0; a < G_N_ELEMENTS(values); a++) {
                for (size_t b = 0; b < G_N_ELEMENTS(values2); b++) {
                    F80 v[8] = {values[a], values2[b], values[(a + 3) % G_N_ELEMENTS(values)]};
                    FpState s;

                    for (int i = 3; i < 8; i++) {
                        v[i] = values2[(b + i) % G_N_ELEMENTS(values2)];
                    }
                    /* depth 3, full (overflow on a push), one (ST(1) empty), none. */
                    for (int depth = 0; depth < 4; depth++) {
                        static const int depths[] = {3, 8, 1, 0};

                        x87_state(&s, control_words[c], (a + b) & 7, depths[depth], v);
                        s.rflags = 0x2 | flag_sets[(a + b + depth) % G_N_ELEMENTS(flag_sets)];
                        runs++;
                        if (!fph_check(in->name, in->bytes, 2, &s) && ++bad > 5) {
                            g_assert_cmpuint(bad, ==, 0);
                        }
                    }
                }
            }
        }
    }
    g_test_message("%u register-form runs", runs);
    g_assert_cmpuint(bad, ==, 0);
}

static void test_mem_forms(void)
{
    unsigned runs = 0, bad = 0;

    for (size_t n = 0; n < G_N_ELEMENTS(mem_insns); n++) {
        const X87MemInsn *in = &mem_insns[n];
        uint8_t bytes[2] = {in->opcode, (uint8_t)(in->reg << 3 | 6)};

        if (g_str_has_prefix(in->name, "fisttp") && !__builtin_cpu_supports("sse3")) {
            continue; /* SSE3: #UD in tern without the host's */
        }

        for (size_t c = 0; c < G_N_ELEMENTS(control_words); c++) {
            for (size_t a = 0; a < G_N_ELEMENTS(values); a++) {
                for (size_t k = 0;; k++) {
                    F80 v[8] = {values[a], values2[k % G_N_ELEMENTS(values2)]};
                    FpState s;

                    for (int depth = 0; depth < 3; depth++) {
                        static const int depths[] = {2, 8, 0};

                        x87_state(&s, control_words[c], (a + k) & 7, depths[depth], v);
                        if (!mem_operand(s.mem, in->fmt, k)) {
                            goto next_value;
                        }
                        runs++;
                        if (!fph_check(in->name, bytes, 2, &s) && ++bad > 5) {
                            g_assert_cmpuint(bad, ==, 0);
                        }
                    }
                }
            next_value:;
            }
        }
    }
    g_test_message("%u memory-form runs", runs);
    g_assert_cmpuint(bad, ==, 0);
}

/* FNSTENV/FLDENV/FNSAVE/FRSTOR (32- and 16-bit formats): compared except the pointer fields. */
static void test_env_forms(void)
{
    static const struct {
        const char *name;
        uint8_t bytes[3];
        uint8_t len;
        uint8_t ptr_lo, ptr_hi; /* bytes holding FIP/FCS/FDP/FDS in memory */
    } env_insns[] = {
        {"fnstenv", {0xd9, 0x36}, 2, 12, 28},
        {"fnstenv16", {0x66, 0xd9, 0x36}, 3, 6, 14},
        {"fnsave", {0xdd, 0x36}, 2, 12, 28},
        {"fnsave16", {0x66, 0xdd, 0x36}, 3, 6, 14},
    };
    F80 v[8];

    for (int i = 0; i < 8; i++) {
        v[i] = values[(i * 5) % G_N_ELEMENTS(values)];
    }
    for (size_t n = 0; n < G_N_ELEMENTS(env_insns); n++) {
        for (int depth = 0; depth <= 8; depth += 4) {
            FpState s, host;
            FpResult guest;

            x87_state(&s, 0x0362, 3, depth, v);
            s.fx[0] = 0x62; /* some exceptions unmasked: FNSTENV masks them */
            s.fx[2] = 0x21; /* PE, IE flags */
            fph_run_host(env_insns[n].bytes, env_insns[n].len, &s, &host);
            fph_run_guest(env_insns[n].bytes, env_insns[n].len, &s, &guest);
            g_assert_cmpint(guest.exception, <, 0);
            memset(host.mem + env_insns[n].ptr_lo, 0, env_insns[n].ptr_hi - env_insns[n].ptr_lo);
            memset(guest.s.mem + env_insns[n].ptr_lo, 0, env_insns[n].ptr_hi - env_insns[n].ptr_lo);
            g_assert_true(fph_compare(env_insns[n].name, env_insns[n].bytes, env_insns[n].len, &s,
                                      &host, &guest.s));
            /* Loading it back (FLDENV / FRSTOR) restores the same state. */
            {
                uint8_t back[3];
                size_t len = env_insns[n].len;
                FpState s2 = host, host2;
                FpResult guest2;

                memcpy(back, env_insns[n].bytes, len);
                back[len - 1] = 0x26; /* ModRM reg 4: FLDENV / FRSTOR */
                x87_state(&s2, 0x037f, 0, 0, v);
                memcpy(s2.mem, host.mem, FPH_MEM_SIZE);
                fph_run_host(back, len, &s2, &host2);
                fph_run_guest(back, len, &s2, &guest2);
                g_assert_cmpint(guest2.exception, <, 0);
                g_assert_true(fph_compare("reload", back, len, &s2, &host2, &guest2.s));
            }
        }
    }
}

/* FXSAVE/FXRSTOR (legacy layout too): the harness uses the 64-bit ones; this checks the rest. */
static void test_fxsave(void)
{
    static const uint8_t fxsave32[] = {0x0f, 0xae, 0x06};         /* fxsave [rsi] */
    static const uint8_t fxrstor32[] = {0x0f, 0xae, 0x0e};        /* fxrstor [rsi] */
    static const uint8_t fxsave_odd[] = {0x0f, 0xae, 0x46, 0x08}; /* fxsave [rsi+8] */
    static const uint8_t ldmxcsr_bad[] = {0x0f, 0xae, 0x16};      /* ldmxcsr [rsi] */
    static const uint8_t stmxcsr[] = {0x0f, 0xae, 0x1e};
    F80 v[8];
    FpState s, host;
    FpResult guest;
    uint32_t bad = 0x10000;

    for (int i = 0; i < 8; i++) {
        v[i] = values[(i * 3) % G_N_ELEMENTS(values)];
    }
    x87_state(&s, 0x027f, 5, 6, v);
    for (int i = 0; i < 64; i++) {
        s.fx[FPH_FX_XMM + i] = i * 7;
    }
    g_assert_true(fph_check("fxsave", fxsave32, sizeof(fxsave32), &s));
    memset(s.mem, 0, FPH_MEM_SIZE);
    g_assert_true(fph_check("stmxcsr", stmxcsr, sizeof(stmxcsr), &s));
    /* FXRSTOR of what FXSAVE wrote, with the low bytes of mem as the image. */
    fph_run_host(fxsave32, sizeof(fxsave32), &s, &host);
    {
        FpState s2;

        x87_state(&s2, 0x037f, 0, 0, v);
        memcpy(s2.mem, host.mem, FPH_MEM_SIZE);
        g_assert_true(fph_check("fxrstor", fxrstor32, sizeof(fxrstor32), &s2));
    }
    /* Misaligned: #GP(0). Reserved MXCSR bits: #GP(0). */
    fph_run_guest(fxsave_odd, sizeof(fxsave_odd), &s, &guest);
    g_assert_cmpint(guest.exception, ==, EXCP0D_GPF);
    memcpy(s.mem, &bad, 4);
    fph_run_guest(ldmxcsr_bad, sizeof(ldmxcsr_bad), &s, &guest);
    g_assert_cmpint(guest.exception, ==, EXCP0D_GPF);
}

/* An unmasked exception leaves ES set; the next waiting instruction raises #MF (CR0.NE = 1). */
static void test_mf_and_nm(void)
{
    static const uint8_t fdiv_fwait[] = {0xd8, 0xf1, 0x9b}; /* fdiv st0, st1; fwait */
    static const uint8_t fdiv_fnstsw[] = {0xd8, 0xf1, 0xdf, 0xe0, 0xdb, 0xe2, 0x9b};
    static const uint8_t fadd[] = {0xd8, 0xc1};
    static const uint8_t paddb[] = {0x0f, 0xfc, 0xc1};
    static const uint8_t addps[] = {0x0f, 0x58, 0xc1};
    F80 v[2] = {values[2], values[0]}; /* 1 / 0 */
    FpState s;
    FpResult guest;

    x87_state(&s, 0x037b, 0, 2, v); /* ZM clear */
    fph_run_guest(fdiv_fwait, sizeof(fdiv_fwait), &s, &guest);
    g_assert_cmpint(guest.exception, ==, EXCP10_COPR);
    g_assert_cmphex(fph_env.fpu.fsw & 0x80ff, ==, 0x8084); /* B, ES, ZE */
    g_assert_cmphex(fph_env.fpu.st[0].exp, ==, 0x3fff);    /* ST(0) unchanged */
    /* FNSTSW/FNCLEX do not wait: AX gets the status, FNCLEX clears it, FWAIT passes. */
    fph_run_guest(fdiv_fnstsw, sizeof(fdiv_fnstsw), &s, &guest);
    g_assert_cmpint(guest.exception, <, 0);
    g_assert_cmphex(guest.s.gpr[0] & 0x80ff, ==, 0x8084);
    /* CR0.TS: #NM for x87 and MMX; CR0.EM: #NM for x87, #UD for MMX and SSE. */
    fph_env.cr[0] |= CR0_TS_MASK;
    g_assert_cmpint(fph_run_raw(fadd, sizeof(fadd)), ==, EXCP07_PREX);
    g_assert_cmpint(fph_run_raw(paddb, sizeof(paddb)), ==, EXCP07_PREX);
    g_assert_cmpint(fph_run_raw(addps, sizeof(addps)), ==, EXCP07_PREX);
    fph_env.cr[0] = (fph_env.cr[0] & ~(uint64_t)CR0_TS_MASK) | CR0_EM_MASK;
    g_assert_cmpint(fph_run_raw(fadd, sizeof(fadd)), ==, EXCP07_PREX);
    g_assert_cmpint(fph_run_raw(paddb, sizeof(paddb)), ==, EXCP06_ILLOP);
    g_assert_cmpint(fph_run_raw(addps, sizeof(addps)), ==, EXCP06_ILLOP);
    fph_env.cr[0] &= ~(uint64_t)CR0_EM_MASK;
    /* Without CR4.OSFXSR, SSE is #UD; x87 and MMX still run. */
    fph_env.cr[4] &= ~(uint64_t)CR4_OSFXSR_MASK;
    g_assert_cmpint(fph_run_raw(addps, sizeof(addps)), ==, EXCP06_ILLOP);
    g_assert_cmpint(fph_run_raw(paddb, sizeof(paddb)), ==, -1);
    fph_env.cr[4] |= CR4_OSFXSR_MASK;
    /* MMX waits too: a pending x87 exception is #MF before PADDB. */
    fph_run_guest(fdiv_fwait, 2, &s, &guest);
    g_assert_cmpint(fph_run_raw(paddb, sizeof(paddb)), ==, EXCP10_COPR);
    fph_env.cr[0] &= ~(uint64_t)CR0_EM_MASK;
}

/*
 * Reserved encodings are #UD, never a host fault (the undocumented aliases such as FCOMP5, DE D0+i,
 * run as on hardware: test-x86-difftest-fp).
 */
static void test_invalid(void)
{
    static const uint8_t invalid[][2] = {
        {0xd9, 0x0e}, {0xd9, 0xd1}, {0xd9, 0xe2}, {0xd9, 0xef}, {0xdb, 0x26},
        {0xdb, 0x36}, {0xdd, 0x2e}, {0xda, 0xe0}, {0xde, 0xd8}, {0xdf, 0xf8},
    };
    FpState s;
    FpResult guest;

    x87_state(&s, 0x037f, 0, 0, values);
    for (size_t i = 0; i < G_N_ELEMENTS(invalid); i++) {
        fph_run_guest(invalid[i], 2, &s, &guest);
        g_assert_cmpint(guest.exception, ==, EXCP06_ILLOP);
    }
}

/* A store that crosses into a not-present page faults (#PF) and changes nothing. */
static void test_page_crossing(void)
{
    static const uint8_t fstp_m80[] = {0xdb, 0xbe, 0xf8, 0x0f, 0, 0}; /* fstp [rsi+0xff8] */
    static const uint8_t movups_st[] = {0x0f, 0x11, 0x86, 0xf8, 0x0f, 0, 0};
    static const uint8_t fxsave[] = {0x0f, 0xae, 0x86, 0x00, 0x0f, 0, 0}; /* 512 bytes */
    static const uint8_t fld_m80[] = {0xdb, 0xae, 0xf8, 0x0f, 0, 0};      /* fld [rsi+0xff8] */
    uint64_t next_page = FPH_MEM_ADDR + 0x1000;
    uint64_t pte = FPH_PT_ADDR + (next_page >> 12) * 8;
    const uint8_t *insns[] = {fstp_m80, movups_st, fxsave, fld_m80};
    const size_t lens[] = {sizeof(fstp_m80), sizeof(movups_st), sizeof(fxsave), sizeof(fld_m80)};
    FpState s;
    FpResult guest;

    x87_state(&s, 0x037f, 2, 3, values);
    for (size_t i = 0; i < G_N_ELEMENTS(insns); i++) {
        X86FPUState before;

        fph_put64(pte, 0);
        x86_cpu_state_changed(&fph_cpu);
        memset(fph_ram_ptr + FPH_MEM_ADDR + 0xe00, 0x5a, 0x200);
        fph_run_guest(insns[i], lens[i], &s, &guest);
        g_assert_cmpint(guest.exception, ==, EXCP0E_PAGE);
        g_assert_cmphex(fph_env.cr[2], ==, next_page);
        for (int b = 0xe00; b < 0x1000; b++) {
            g_assert_cmphex(fph_ram_ptr[FPH_MEM_ADDR + b], ==, 0x5a);
        }
        /* The x87 state is what FXRSTOR loaded: run FXRSTOR alone and compare. */
        before = fph_env.fpu;
        fph_put64(pte, next_page | FPH_PTE);
        x86_cpu_state_changed(&fph_cpu);
        fph_run_guest(NULL, 0, &s, &guest);
        g_assert_cmpint(guest.exception, <, 0);
        g_assert_cmphex(before.fsw, ==, fph_env.fpu.fsw);
        g_assert_cmphex(before.ftw, ==, fph_env.fpu.ftw);
        g_assert_cmpmem(before.st, sizeof(before.st), fph_env.fpu.st, sizeof(before.st));
    }
}

/* Real mode: FNSTENV's 14-byte real-mode format (SDM Vol. 1, figure 8-10) and FNSAVE/FRSTOR. */
static void test_real_mode_env(void)
{
    /* fninit; fld1; fldpi; fdiv dword [0x2100]; fnstenv [0x2000]; hlt */
    static const uint8_t code[] = {0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xeb, 0xd8, 0x36,
                                   0x00, 0x21, 0xd9, 0x36, 0x00, 0x20, 0xf4};
    static const uint16_t want[7] = {0x037f, 0x3000, 0x2fff, 0x1006, 0x0000, 0x2100, 0x0000};
    uint16_t got[7];
    CPUX86State *env = &fph_env;

    x86_cpu_reset(env, true);
    env->segs[R_CS].selector = 0;
    env->segs[R_CS].base = 0;
    memset(fph_ram_ptr + 0x2100, 0, 4); /* divide by +0: ZE, masked */
    memcpy(fph_ram_ptr + FPH_CODE_ADDR, code, sizeof(code));
    env->rip = FPH_CODE_ADDR;
    x86_cpu_state_changed(&fph_cpu);
    fph_cpu.stop_on_exception = true;
    g_assert_cmpint(x86_cpu_exec(&fph_cpu, 16), ==, X86_EXIT_HLT);
    memcpy(got, fph_ram_ptr + 0x2000, sizeof(got));
    /* FSW: TOP = 6, ZE; FTW: ST(0) = +inf (special), ST(1) = 1 (valid); FIP 0x1006; FDP 0x2100. */
    g_assert_cmphex(got[0], ==, want[0] | FSW_EXC_MASK_ALL);
    g_assert_cmphex(got[1] & 0x3fff, ==, want[1] | 0x04);
    g_assert_cmphex(got[2], ==, want[2]);
    g_assert_cmphex(got[3], ==, want[3]);
    g_assert_cmphex(got[4], ==, want[4]);
    g_assert_cmphex(got[5], ==, want[5]);
    g_assert_cmphex(got[6], ==, want[6]);
    fph_setup_long_mode();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fph_init();
    g_test_add_func("/x86/fpu/reg-forms-vs-host", test_reg_forms);
    g_test_add_func("/x86/fpu/mem-forms-vs-host", test_mem_forms);
    g_test_add_func("/x86/fpu/env-vs-host", test_env_forms);
    g_test_add_func("/x86/fpu/fxsave", test_fxsave);
    g_test_add_func("/x86/fpu/mf-nm", test_mf_and_nm);
    g_test_add_func("/x86/fpu/invalid", test_invalid);
    g_test_add_func("/x86/fpu/page-crossing", test_page_crossing);
    g_test_add_func("/x86/fpu/real-mode-env", test_real_mode_env);
    return g_test_run();
}
