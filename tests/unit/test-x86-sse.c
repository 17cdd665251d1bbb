/*
 * test-x86-sse.c: the interpreter's MMX, SSE, SSE2, SSE3 and SSSE3, against the host CPU.
 *
 * Each form (Intel SDM Vol. 2) runs from the same FXSAVE64 image, RAX and
 * memory operand in the interpreter and natively (x86-fp-harness.h), in its
 * register form and its [rsi] memory form, over vectors of floats and
 * doubles (zeros of both signs, denormals, infinities, quiet and signalling
 * NaNs, values that round per MXCSR.RC, integer overflow for conversions)
 * and integer patterns, under MXCSR rounding modes with DAZ and FTZ. XMM
 * registers, MMX registers with the x87 tag/TOP transitions, MXCSR flags,
 * RFLAGS (COMISS), general registers and memory must match bit for bit.
 * Alignment faults, unmasked exceptions (#XM and #UD) and MASKMOVDQU run in
 * the interpreter only and are checked against the SDM's rules.
 */
#include "x86-fp-harness.h"

enum {
    T_FP = 1,       /* MXCSR matters: run under every MXCSR variant */
    T_REGONLY = 2,  /* no memory form */
    T_MEMONLY = 4,  /* no register form */
    T_IMM = 8,      /* an imm8 follows: run with each of imms */
    T_SHIFTIMM = 16 /* imm8 shift counts */
};

typedef struct SseCase {
    const char *name;
    const char *hex; /* with ModRM C1 (or another register form) last */
    unsigned flags;
} SseCase;

#define FP4(n, op)                                                                                 \
    {n "ps", "0f" op "c1", T_FP}, {n "pd", "660f" op "c1", T_FP}, {n "ss", "f30f" op "c1", T_FP},  \
    {                                                                                              \
        n "sd", "f20f" op "c1", T_FP                                                               \
    }
#define INT2(n, op)                                                                                \
    {n " mm", "0f" op "c1", 0},                                                                    \
    {                                                                                              \
        n " xmm", "660f" op "c1", 0                                                                \
    }

static const SseCase cases[] = {
    FP4("sqrt", "51"),
    {"rsqrtps", "0f52c1", T_FP},
    {"rsqrtss", "f30f52c1", T_FP},
    {"rcpps", "0f53c1", T_FP},
    {"rcpss", "f30f53c1", T_FP},
    FP4("add", "58"),
    FP4("mul", "59"),
    FP4("sub", "5c"),
    FP4("min", "5d"),
    FP4("div", "5e"),
    FP4("max", "5f"),
    {"cvtps2pd", "0f5ac1", T_FP},
    {"cvtpd2ps", "660f5ac1", T_FP},
    {"cvtss2sd", "f30f5ac1", T_FP},
    {"cvtsd2ss", "f20f5ac1", T_FP},
    {"cvtdq2ps", "0f5bc1", T_FP},
    {"cvtps2dq", "660f5bc1", T_FP},
    {"cvttps2dq", "f30f5bc1", T_FP},
    {"cvttpd2dq", "660fe6c1", T_FP},
    {"cvtdq2pd", "f30fe6c1", T_FP},
    {"cvtpd2dq", "f20fe6c1", T_FP},
    {"ucomiss", "0f2ec1", T_FP},
    {"ucomisd", "660f2ec1", T_FP},
    {"comiss", "0f2fc1", T_FP},
    {"comisd", "660f2fc1", T_FP},
    {"haddpd", "660f7cc1", T_FP},
    {"haddps", "f20f7cc1", T_FP},
    {"hsubpd", "660f7dc1", T_FP},
    {"hsubps", "f20f7dc1", T_FP},
    {"addsubpd", "660fd0c1", T_FP},
    {"addsubps", "f20fd0c1", T_FP},
    {"cmpps", "0fc2c1", T_FP | T_IMM},
    {"cmppd", "660fc2c1", T_FP | T_IMM},
    {"cmpss", "f30fc2c1", T_FP | T_IMM},
    {"cmpsd", "f20fc2c1", T_FP | T_IMM},
    {"cvtsi2ss", "f30f2ac0", T_FP},
    {"cvtsi2ss64", "f3480f2ac0", T_FP},
    {"cvtsi2sd", "f20f2ac0", T_FP},
    {"cvtsi2sd64", "f2480f2ac0", T_FP},
    {"cvttss2si", "f30f2cc1", T_FP},
    {"cvttss2si64", "f3480f2cc1", T_FP},
    {"cvttsd2si", "f20f2cc1", T_FP},
    {"cvttsd2si64", "f2480f2cc1", T_FP},
    {"cvtss2si", "f30f2dc1", T_FP},
    {"cvtss2si64", "f3480f2dc1", T_FP},
    {"cvtsd2si", "f20f2dc1", T_FP},
    {"cvtsd2si64", "f2480f2dc1", T_FP},
    {"cvtpi2ps", "0f2ac1", T_FP},
    {"cvtpi2pd", "660f2ac1", T_FP},
    {"cvttps2pi", "0f2cc1", T_FP},
    {"cvttpd2pi", "660f2cc1", T_FP},
    {"cvtps2pi", "0f2dc1", T_FP},
    {"cvtpd2pi", "660f2dc1", T_FP},
    {"andps", "0f54c1", 0},
    {"andpd", "660f54c1", 0},
    {"andnps", "0f55c1", 0},
    {"andnpd", "660f55c1", 0},
    {"orps", "0f56c1", 0},
    {"orpd", "660f56c1", 0},
    {"xorps", "0f57c1", 0},
    {"xorpd", "660f57c1", 0},
    {"unpcklps", "0f14c1", 0},
    {"unpcklpd", "660f14c1", 0},
    {"unpckhps", "0f15c1", 0},
    {"unpckhpd", "660f15c1", 0},
    {"shufps", "0fc6c1", T_IMM},
    {"shufpd", "660fc6c1", T_IMM},
    {"movmskps", "0f50c1", T_REGONLY},
    {"movmskpd", "660f50c1", T_REGONLY},
    {"pmovmskb xmm", "660fd7c1", T_REGONLY},
    {"pmovmskb mm", "0fd7c1", T_REGONLY},
    {"movsldup", "f30f12c1", 0},
    {"movshdup", "f30f16c1", 0},
    {"movddup", "f20f12c1", 0},
    {"movups", "0f10c1", 0},
    {"movupd", "660f10c1", 0},
    {"movss", "f30f10c1", 0},
    {"movsd", "f20f10c1", 0},
    {"movups st", "0f11c1", 0},
    {"movss st", "f30f11c1", 0},
    {"movsd st", "f20f11c1", 0},
    {"movhlps/movlps", "0f12c1", 0},
    {"movlhps/movhps", "0f16c1", 0},
    {"movlpd", "660f12c1", T_MEMONLY},
    {"movhpd", "660f16c1", T_MEMONLY},
    {"movlps st", "0f13c1", T_MEMONLY},
    {"movhps st", "0f17c1", T_MEMONLY},
    {"movlpd st", "660f13c1", T_MEMONLY},
    {"movhpd st", "660f17c1", T_MEMONLY},
    {"movaps", "0f28c1", 0},
    {"movaps st", "0f29c1", 0},
    {"movapd", "660f28c1", 0},
    {"movapd st", "660f29c1", 0},
    {"movntps", "0f2bc1", T_MEMONLY},
    {"movntpd", "660f2bc1", T_MEMONLY},
    {"movdqa", "660f6fc1", 0},
    {"movdqu", "f30f6fc1", 0},
    {"movdqa st", "660f7fc1", 0},
    {"movdqu st", "f30f7fc1", 0},
    {"movq xmm", "f30f7ec1", 0},
    {"movq xmm st", "660fd6c1", 0},
    {"movntdq", "660fe7c1", T_MEMONLY},
    {"lddqu", "f20ff0c1", T_MEMONLY},
    {"movd xmm,r32", "660f6ec0", 0},
    {"movq xmm,r64", "66480f6ec0", 0},
    {"movd r32,xmm", "660f7ec8", 0},
    {"movq r64,xmm", "66480f7ec8", 0},
    {"movd mm,r32", "0f6ec0", 0},
    {"movq mm,r64", "480f6ec0", 0},
    {"movd r32,mm", "0f7ec8", 0},
    {"movq mm", "0f6fc1", 0},
    {"movq mm st", "0f7fc1", 0},
    {"movntq", "0fe7c1", T_MEMONLY},
    {"movq2dq", "f30fd6c1", T_REGONLY},
    {"movdq2q", "f20fd6c1", T_REGONLY},
    {"movnti", "0fc3c1", T_MEMONLY},
    {"movnti64", "480fc3c1", T_MEMONLY},
    INT2("punpcklbw", "60"),
    INT2("punpcklwd", "61"),
    INT2("punpckldq", "62"),
    INT2("packsswb", "63"),
    INT2("pcmpgtb", "64"),
    INT2("pcmpgtw", "65"),
    INT2("pcmpgtd", "66"),
    INT2("packuswb", "67"),
    INT2("punpckhbw", "68"),
    INT2("punpckhwd", "69"),
    INT2("punpckhdq", "6a"),
    INT2("packssdw", "6b"),
    {"punpcklqdq", "660f6cc1", 0},
    {"punpckhqdq", "660f6dc1", 0},
    INT2("pcmpeqb", "74"),
    INT2("pcmpeqw", "75"),
    INT2("pcmpeqd", "76"),
    INT2("psrlw", "d1"),
    INT2("psrld", "d2"),
    INT2("psrlq", "d3"),
    INT2("paddq", "d4"),
    INT2("pmullw", "d5"),
    INT2("psubusb", "d8"),
    INT2("psubusw", "d9"),
    INT2("pminub", "da"),
    INT2("pand", "db"),
    INT2("paddusb", "dc"),
    INT2("paddusw", "dd"),
    INT2("pmaxub", "de"),
    INT2("pandn", "df"),
    INT2("pavgb", "e0"),
    INT2("psraw", "e1"),
    INT2("psrad", "e2"),
    INT2("pavgw", "e3"),
    INT2("pmulhuw", "e4"),
    INT2("pmulhw", "e5"),
    INT2("psubsb", "e8"),
    INT2("psubsw", "e9"),
    INT2("pminsw", "ea"),
    INT2("por", "eb"),
    INT2("paddsb", "ec"),
    INT2("paddsw", "ed"),
    INT2("pmaxsw", "ee"),
    INT2("pxor", "ef"),
    INT2("psllw", "f1"),
    INT2("pslld", "f2"),
    INT2("psllq", "f3"),
    INT2("pmuludq", "f4"),
    INT2("pmaddwd", "f5"),
    INT2("psadbw", "f6"),
    INT2("psubb", "f8"),
    INT2("psubw", "f9"),
    INT2("psubd", "fa"),
    INT2("psubq", "fb"),
    INT2("paddb", "fc"),
    INT2("paddw", "fd"),
    INT2("paddd", "fe"),
    INT2("pshufb", "3800"),
    INT2("phaddw", "3801"),
    INT2("phaddd", "3802"),
    INT2("phaddsw", "3803"),
    INT2("pmaddubsw", "3804"),
    INT2("phsubw", "3805"),
    INT2("phsubd", "3806"),
    INT2("phsubsw", "3807"),
    INT2("psignb", "3808"),
    INT2("psignw", "3809"),
    INT2("psignd", "380a"),
    INT2("pmulhrsw", "380b"),
    INT2("pabsb", "381c"),
    INT2("pabsw", "381d"),
    INT2("pabsd", "381e"),
    {"pshufw", "0f70c1", T_IMM},
    {"pshufd", "660f70c1", T_IMM},
    {"pshufhw", "f30f70c1", T_IMM},
    {"pshuflw", "f20f70c1", T_IMM},
    {"pinsrw mm", "0fc4c0", T_IMM},
    {"pinsrw xmm", "660fc4c0", T_IMM},
    {"pextrw mm", "0fc5c1", T_IMM | T_REGONLY},
    {"pextrw xmm", "660fc5c1", T_IMM | T_REGONLY},
    {"palignr mm", "0f3a0fc1", T_IMM | T_SHIFTIMM},
    {"palignr xmm", "660f3a0fc1", T_IMM | T_SHIFTIMM},
    {"psrlw mm,imm", "0f71d1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psraw mm,imm", "0f71e1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psllw mm,imm", "0f71f1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psrld mm,imm", "0f72d1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psrad mm,imm", "0f72e1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"pslld mm,imm", "0f72f1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psrlq mm,imm", "0f73d1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psllq mm,imm", "0f73f1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psrlw xmm,imm", "660f71d1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psraw xmm,imm", "660f71e1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psllw xmm,imm", "660f71f1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psrld xmm,imm", "660f72d1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psrad xmm,imm", "660f72e1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"pslld xmm,imm", "660f72f1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psrlq xmm,imm", "660f73d1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psllq xmm,imm", "660f73f1", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"psrldq", "660f73d9", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"pslldq", "660f73f9", T_REGONLY | T_IMM | T_SHIFTIMM},
    {"emms", "0f77", T_REGONLY},
};

static const uint8_t imms[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
                               0x06, 0x07, 0x1b, 0x4e, 0xe4, 0xff};
static const uint8_t shift_imms[] = {0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 63, 64, 200};

/* MXCSR: default, FTZ, DAZ, each rounding mode, FTZ+DAZ+RZ with sticky flags set. */
static const uint32_t mxcsrs[] = {0x1f80, 0x9f80, 0x1fc0, 0x3f80, 0x5f80, 0x7f80, 0xffc0 | 0x21};

static const uint32_t f32s[] = {0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x00000001,
                                0x807fffff, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00001,
                                0x7f800001, 0x3eaaaaab, 0x4f000000, 0xcf000001, 0x5f000000,
                                0x3f000000, 0x40400000, 0x0d800000};
static const uint64_t f64s[] = {0,
                                0x8000000000000000ULL,
                                0x3ff0000000000000ULL,
                                0xbff8000000000000ULL,
                                0x0000000000000001ULL,
                                0x800fffffffffffffULL,
                                0x7fefffffffffffffULL,
                                0x7ff0000000000000ULL,
                                0xfff0000000000000ULL,
                                0x7ff8000000000001ULL,
                                0x7ff0000000000001ULL,
                                0x3fd5555555555555ULL,
                                0x41e0000000000000ULL,
                                0xc1e0000000200000ULL,
                                0x43e0000000000000ULL,
                                0x3fe0000000000000ULL,
                                0x36a0000000000000ULL,
                                0x47efffffe0000000ULL};

#define NVEC 24

static uint8_t vecs[NVEC][16];

/* Floats, doubles, mixed lanes, and pseudo-random integer patterns with edge bytes. */
static void make_vectors(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL;

    for (int v = 0; v < NVEC; v++) {
        for (int i = 0; i < 16; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            vecs[v][i] = x >> 56;
        }
        if (v < 8) {
            for (int l = 0; l < 4; l++) {
                memcpy(vecs[v] + 4 * l, &f32s[(v * 3 + l * 5) % G_N_ELEMENTS(f32s)], 4);
            }
        } else if (v < 16) {
            for (int l = 0; l < 2; l++) {
                memcpy(vecs[v] + 8 * l, &f64s[(v * 3 + l * 7) % G_N_ELEMENTS(f64s)], 8);
            }
        } else if (v < 20) {
            static const uint8_t edges[] = {0x00, 0x7f, 0x80, 0xff, 0x01, 0xfe};

            for (int i = 0; i < 16; i += 3) {
                vecs[v][i] = edges[(v + i) % G_N_ELEMENTS(edges)];
            }
        }
    }
}

static const int64_t gprs[] = {
    0, 1, -1, 0x7fffffff, INT32_MIN, INT64_MIN, 0x123456789abcdefLL, 16777217};

static size_t parse_hex(const char *hex, uint8_t *out)
{
    size_t n = 0;

    for (; hex[0] && hex[1]; hex += 2) {
        char b[3] = {hex[0], hex[1], 0};

        out[n++] = strtoul(b, NULL, 16);
    }
    return n;
}

/* The state: xmm0 = a, xmm1 = b, other xmm patterns, mm registers (x87 slots) from vectors. */
static void sse_state(FpState *s, int a, int b, uint32_t mxcsr, int top, int64_t rax)
{
    memset(s, 0, sizeof(*s));
    s->fx[0] = 0x7f;
    s->fx[1] = 0x03;
    s->fx[3] = top << 3;
    s->fx[4] = top ? 0x0f : 0x00; /* some tags valid, some empty */
    memcpy(s->fx + FPH_FX_MXCSR, &mxcsr, 4);
    for (int i = 0; i < 8; i++) {
        int phys = (top + i) & 7; /* slot i holds ST(i) = physical register TOP + i */
        const uint8_t *v = vecs[phys == 0 ? a : phys == 1 ? b : (a + b + phys) % NVEC];

        memcpy(s->fx + FPH_FX_ST + 16 * i, v, 8);
        s->fx[FPH_FX_ST + 16 * i + 8] = v[8];
        s->fx[FPH_FX_ST + 16 * i + 9] = v[9];
    }
    memcpy(s->fx + FPH_FX_XMM, vecs[a], 16);
    memcpy(s->fx + FPH_FX_XMM + 16, vecs[b], 16);
    for (int i = 2; i < 16; i++) {
        memcpy(s->fx + FPH_FX_XMM + 16 * i, vecs[(a * 7 + i) % NVEC], 16);
    }
    memcpy(s->mem, vecs[b], 16);
    memcpy(s->mem + 16, vecs[(b + 1) % NVEC], 16);
    s->gpr[0] = rax;
    s->gpr[1] = 0x0123456789abcdefULL;
    s->rflags = 0x2 | CC_O | CC_S | CC_A;
}

/* SSE3 and SSSE3 forms run only where the host has them (tern makes them #UD otherwise). */
static bool host_runs(const SseCase *c)
{
    static const char *const sse3[] = {"movsldup", "movshdup", "movddup", "hadd",
                                       "hsub",     "addsub",   "lddqu"};

    if (strstr(c->hex, "0f38") && !__builtin_cpu_supports("ssse3")) {
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(sse3); i++) {
        if (g_str_has_prefix(c->name, sse3[i]) && !__builtin_cpu_supports("sse3")) {
            return false;
        }
    }
    return true;
}

static void run_case(const SseCase *c, unsigned *runs, unsigned *bad)
{
    uint8_t insn[16];
    size_t len = parse_hex(c->hex, insn);
    size_t modrm_at = len - 1;
    size_t nimm = (c->flags & T_SHIFTIMM) ? G_N_ELEMENTS(shift_imms)
                  : (c->flags & T_IMM)    ? G_N_ELEMENTS(imms)
                                          : 1;
    size_t nmx = (c->flags & T_FP) ? G_N_ELEMENTS(mxcsrs) : 1;

    for (int form = 0; form < 2; form++) {
        uint8_t bytes[16];
        size_t blen = len;

        if ((form == 0 && (c->flags & T_MEMONLY)) || (form == 1 && (c->flags & T_REGONLY))) {
            continue;
        }
        memcpy(bytes, insn, len);
        if (form == 1) {
            bytes[modrm_at] = (bytes[modrm_at] & 0x38) | 0x06; /* [rsi] */
        }
        if (c->flags & T_IMM) {
            blen++;
        }
        for (size_t k = 0; k < nimm; k++) {
            if (c->flags & T_IMM) {
                bytes[len] = (c->flags & T_SHIFTIMM) ? shift_imms[k] : imms[k];
            }
            for (size_t m = 0; m < nmx; m++) {
                for (int a = 0; a < NVEC; a++) {
                    for (int b = 0; b < NVEC; b++) {
                        FpState s;

                        if (!(c->flags & T_FP) && (a + b) % 3 && b != a) {
                            continue; /* integer forms: a third of the pairs */
                        }
                        sse_state(&s, a, b, mxcsrs[m], (a + b) % 3,
                                  gprs[(a + b) % G_N_ELEMENTS(gprs)]);
                        (*runs)++;
                        if (!fph_check(c->name, bytes, blen, &s) && ++*bad > 5) {
                            g_assert_cmpuint(*bad, ==, 0);
                        }
                    }
                }
            }
        }
    }
}

static void test_vs_host(void)
{
    unsigned runs = 0, bad = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (host_runs(&cases[i])) {
            run_case(&cases[i], &runs, &bad);
        }
    }
    g_test_message("%u runs of %zu forms", runs, G_N_ELEMENTS(cases));
    g_assert_cmpuint(bad, ==, 0);
}

/* Misaligned 16-byte operands (#GP), unmasked exceptions (#XM / #UD), MASKMOVDQU, #UD forms. */
static void test_faults(void)
{
    static const uint8_t movaps_odd[] = {0x0f, 0x28, 0x46, 0x08}; /* movaps xmm0, [rsi+8] */
    static const uint8_t addps_odd[] = {0x0f, 0x58, 0x46, 0x04};
    static const uint8_t movups_odd[] = {0x0f, 0x10, 0x46, 0x04};
    static const uint8_t paddb_mm_odd[] = {0x0f, 0xfc, 0x46, 0x04}; /* MMX: no alignment rule */
    static const uint8_t addps[] = {0x0f, 0x58, 0xc1};
    static const uint8_t maskmovdqu[] = {0x66, 0x0f, 0xf7, 0xc1};
    static const struct {
        uint8_t bytes[5];
        uint8_t len;
    } ud[] = {
        {{0x0f, 0x13, 0xc1}, 3},       {{0x66, 0x0f, 0x12, 0xc1}, 4},
        {{0x0f, 0x50, 0x06}, 3},       {{0x0f, 0x2b, 0xc1}, 3},
        {{0x0f, 0x71, 0xc1, 1}, 4},    {{0x0f, 0x73, 0xd9, 1}, 4},
        {{0x0f, 0x38, 0xf0, 0xc1}, 4}, {{0xf3, 0x0f, 0x38, 0x00, 0xc1}, 5},
    };
    uint32_t snan4[4] = {0x7f800001, 0x3f800000, 0x3f800000, 0x3f800000};
    uint32_t ones4[4] = {0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000};
    FpState s;
    FpResult guest;

    sse_state(&s, 0, 1, 0x1f80, 0, 0);
    fph_run_guest(movaps_odd, sizeof(movaps_odd), &s, &guest);
    g_assert_cmpint(guest.exception, ==, EXCP0D_GPF);
    fph_run_guest(addps_odd, sizeof(addps_odd), &s, &guest);
    g_assert_cmpint(guest.exception, ==, EXCP0D_GPF);
    fph_run_guest(movups_odd, sizeof(movups_odd), &s, &guest);
    g_assert_cmpint(guest.exception, <, 0);
    fph_run_guest(paddb_mm_odd, sizeof(paddb_mm_odd), &s, &guest);
    g_assert_cmpint(guest.exception, <, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(ud); i++) {
        fph_run_guest(ud[i].bytes, ud[i].len, &s, &guest);
        g_assert_cmpint(guest.exception, ==, EXCP06_ILLOP);
    }
    /* SNaN with IM clear: #XM, IE set, xmm0 unchanged; without OSXMMEXCPT: #UD. */
    sse_state(&s, 0, 1, 0x1f00, 0, 0);
    memcpy(s.fx + FPH_FX_XMM, ones4, 16);
    memcpy(s.fx + FPH_FX_XMM + 16, snan4, 16);
    fph_run_guest(addps, sizeof(addps), &s, &guest);
    g_assert_cmpint(guest.exception, ==, EXCP13_XF);
    g_assert_cmphex(fph_env.fpu.mxcsr, ==, 0x1f01);
    g_assert_cmpmem(&fph_env.fpu.xmm[0], 16, ones4, 16);
    fph_env.cr[4] &= ~(uint64_t)CR4_OSXMMEXCPT_MASK;
    fph_run_guest(addps, sizeof(addps), &s, &guest);
    g_assert_cmpint(guest.exception, ==, EXCP06_ILLOP);
    fph_env.cr[4] |= CR4_OSXMMEXCPT_MASK;
    /* Masked: the default QNaN and IE, no fault. */
    memcpy(s.fx + FPH_FX_MXCSR, &(uint32_t){0x1f80}, 4);
    g_assert_true(fph_check("addps snan", addps, sizeof(addps), &s));
    /* MASKMOVDQU writes the bytes whose mask byte has bit 7 set to DS:rDI. */
    sse_state(&s, 16, 17, 0x1f80, 0, 0);
    memset(fph_ram_ptr + FPH_MEM_ADDR, 0xee, 16);
    fph_env.regs[R_EDI] = FPH_MEM_ADDR;
    memcpy(&fph_env.fpu.xmm[0], vecs[16], 16);
    memcpy(&fph_env.fpu.xmm[1], vecs[17], 16);
    g_assert_cmpint(fph_run_raw(maskmovdqu, sizeof(maskmovdqu)), ==, -1);
    for (int i = 0; i < 16; i++) {
        uint8_t want = (vecs[17][i] & 0x80) ? vecs[16][i] : 0xee;

        g_assert_cmphex(fph_ram_ptr[FPH_MEM_ADDR + i], ==, want);
    }
}

/* A SIGFPE the interpreter did not cause: counted by the handler main() installs first. */
static volatile int foreign_sigfpe;

static void count_sigfpe(int sig, siginfo_t *info, void *ctx)
{
    (void)sig, (void)ctx;
    if (info->si_code <= 0) {
        foreign_sigfpe++;
    }
}

/*
 * An unmasked exception's second run traps on the host: the host's x87 control word and MXCSR
 * come back as they were, and a SIGFPE that is not the interpreter's (raise(): si_code <= 0)
 * goes to the handler that was there before, which leaves tern's in place.
 */
static void test_sigfpe(void)
{
    static const uint8_t addps[] = {0x0f, 0x58, 0xc1};
    uint32_t snan4[4] = {0x7f800001, 0x3f800000, 0x3f800000, 0x3f800000};
    uint32_t ones4[4] = {0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000};
    uint16_t cw = 0x027f, cw_saved, cw_after;
    uint32_t mxcsr = 0x1fa0, mxcsr_saved = __builtin_ia32_stmxcsr(), mxcsr_after;
    FpState s;
    FpResult guest;

    sse_state(&s, 0, 1, 0x1f00, 0, 0);
    memcpy(s.fx + FPH_FX_XMM, ones4, 16);
    memcpy(s.fx + FPH_FX_XMM + 16, snan4, 16);
    __asm__ volatile("fnstcw %0" : "=m"(cw_saved));
    for (int i = 0; i < 2; i++) {
        __asm__ volatile("fldcw %0" : : "m"(cw));
        __builtin_ia32_ldmxcsr(mxcsr);
        fph_run_guest(addps, sizeof(addps), &s, &guest);
        __asm__ volatile("fnstcw %0" : "=m"(cw_after));
        mxcsr_after = __builtin_ia32_stmxcsr();
        __asm__ volatile("fldcw %0" : : "m"(cw_saved));
        __builtin_ia32_ldmxcsr(mxcsr_saved);
        g_assert_cmpint(guest.exception, ==, EXCP13_XF);
        g_assert_cmphex(fph_env.fpu.mxcsr, ==, 0x1f01);
        g_assert_cmphex(cw_after, ==, cw);
        g_assert_cmphex(mxcsr_after, ==, mxcsr);
        g_assert_cmpint(foreign_sigfpe, ==, i);
        raise(SIGFPE);
        g_assert_cmpint(foreign_sigfpe, ==, i + 1);
    }
}

/* REX.R/REX.B select xmm8-15 (and r8-r15): a few forms with each, against the host. */
static void test_rex(void)
{
    static const char *const rex_cases[] = {
        "66450f74c1",     /* pcmpeqb xmm8, xmm9 */
        "66440f74c1",     /* pcmpeqb xmm8, xmm1 */
        "66410f74c1",     /* pcmpeqb xmm0, xmm9 */
        "66410fd7c1",     /* pmovmskb eax, xmm9 */
        "66440fd7c1",     /* pmovmskb r8d, xmm1 (r8 not compared: no fault) */
        "66450fdac8",     /* pminub xmm9, xmm8 */
        "66440f6f06",     /* movdqa xmm8, [rsi] */
        "66440f7f06",     /* movdqa [rsi], xmm8 */
        "f3440f6f4e10",   /* movdqu xmm9, [rsi+16] */
        "66450f70c81b",   /* pshufd xmm9, xmm8, 0x1b */
        "66410f73d904",   /* psrldq xmm9, 4 */
        "66410f73f903",   /* pslldq xmm9, 3 */
        "664c0f6ec0",     /* movq xmm8, rax */
        "66440f6ec0",     /* movd xmm8, eax */
        "66490f7ec0",     /* movq r8, xmm0 */
        "66440f7ec0",     /* movd eax, xmm8 */
        "f2440f58c1",     /* addsd xmm8, xmm1 */
        "450f28d1",       /* movaps xmm10, xmm9 */
        "450f12d1",       /* movhlps xmm10, xmm9 */
        "66450f3a0fd105", /* palignr xmm10, xmm9, 5 */
        "66450f3800d1",   /* pshufb xmm10, xmm9 */
        "66440fc4d005",   /* pinsrw xmm10, eax, 5 */
        "66410fc5c102",   /* pextrw eax, xmm9, 2 */
        "450fc6d11b",     /* shufps xmm10, xmm9, 0x1b */
        "f2480f2cc1",     /* cvttsd2si rax, xmm1 */
        "f24c0f2ac0",     /* cvtsi2sd xmm8, rax */
    };
    unsigned bad = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(rex_cases); i++) {
        uint8_t insn[16];
        size_t len = parse_hex(rex_cases[i], insn);

        if ((strstr(rex_cases[i], "0f38") || strstr(rex_cases[i], "0f3a")) &&
            !__builtin_cpu_supports("ssse3")) {
            continue;
        }

        for (int a = 0; a < NVEC; a += 3) {
            FpState s;

            sse_state(&s, a, (a + 5) % NVEC, 0x1f80, 0, gprs[a % G_N_ELEMENTS(gprs)]);
            if (!fph_check(rex_cases[i], insn, len, &s)) {
                bad++;
            }
        }
    }
    g_assert_cmpuint(bad, ==, 0);
}

int main(int argc, char **argv)
{
    struct sigaction sa = {.sa_sigaction = count_sigfpe, .sa_flags = SA_SIGINFO | SA_NODEFER};

    g_test_init(&argc, &argv, NULL);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGFPE, &sa, NULL); /* before the interpreter installs its own */
    fph_init();
    make_vectors();
    g_test_add_func("/x86/sse/vs-host", test_vs_host);
    g_test_add_func("/x86/sse/faults", test_faults);
    g_test_add_func("/x86/sse/rex", test_rex);
    g_test_add_func("/x86/sse/sigfpe", test_sigfpe);
    return g_test_run();
}
