/*
 * decode.c: the table-driven x86 decoder.
 *
 * Follows the Intel SDM Vol. 2: chapter 2 (prefixes, REX, ModRM/SIB, 16- and
 * 32/64-bit addressing, RIP-relative addressing, the 15-byte limit) and
 * appendix A (the one-byte, two-byte and three-byte opcode maps, the groups
 * of table A-6, and the operand letters Eb, Gv, Iz, ... of A.2). Left out:
 * VEX/EVEX/XOP (#UD, as no AVX is advertised), 3DNow!, SSE4a's EXTRQ/INSERTQ;
 * SSE, three-byte-map and x87 opcodes decode to OP_SSE/OP_FPU (length and
 * ModRM only).
 */
#include "qemu/osdep.h"
#include "target/x86/cpu.h"
#include "target/x86/decode.h"

/* Addressing methods (SDM Vol. 2, A.2.1), plus fixed operands. */
enum {
    AM_NONE,
    AM_E,   /* ModRM r/m: register or memory */
    AM_G,   /* ModRM reg: general register */
    AM_I,   /* immediate */
    AM_I2,  /* second immediate (ENTER) */
    AM_J,   /* relative branch offset */
    AM_M,   /* ModRM r/m, memory only */
    AM_R,   /* ModRM r/m, register only (whatever mod says, for MOV CR/DR) */
    AM_O,   /* moffs: address-sized offset, no ModRM */
    AM_S,   /* ModRM reg: segment register */
    AM_C,   /* ModRM reg: control register */
    AM_D,   /* ModRM reg: debug register */
    AM_X,   /* DS:rSI string source */
    AM_Y,   /* ES:rDI string destination */
    AM_Z,   /* low three opcode bits (+REX.B): general register */
    AM_A,   /* direct far address ptr16:16/32 */
    AM_REG, /* fixed general register (reg field of the spec) */
    AM_SEG, /* fixed segment register */
    AM_ONE, /* the constant 1 (shift by one) */
    AM_V,   /* ModRM reg: XMM/MMX register */
    AM_W,   /* ModRM r/m: XMM/MMX register or memory */
};

/* Operand types (SDM Vol. 2, A.2.2). */
enum {
    OT_NONE,
    OT_b, /* byte */
    OT_w, /* word */
    OT_d, /* doubleword */
    OT_q, /* quadword */
    OT_v, /* word, doubleword or quadword: the operand size */
    OT_z, /* word for 16-bit operand size, else doubleword */
    OT_y, /* doubleword, or quadword with 64-bit operand size */
    OT_p, /* far pointer: 16-bit selector + operand-size offset */
    OT_a, /* two operand-size words (BOUND) */
    OT_s, /* 6- or 10-byte pseudo-descriptor */
    OT_x, /* 16-byte XMM */
};

#define OPND(am, ot, reg) ((uint16_t)((am) << 8 | (ot) << 4 | (reg)))
#define OPND_AM(o)        ((o) >> 8)
#define OPND_OT(o)        (((o) >> 4) & 15)
#define OPND_REG(o)       ((o)&15)

/* The SDM's operand letters. */
#define Eb  OPND(AM_E, OT_b, 0)
#define Ew  OPND(AM_E, OT_w, 0)
#define Ed  OPND(AM_E, OT_d, 0)
#define Ev  OPND(AM_E, OT_v, 0)
#define Ey  OPND(AM_E, OT_y, 0)
#define Gb  OPND(AM_G, OT_b, 0)
#define Gw  OPND(AM_G, OT_w, 0)
#define Gv  OPND(AM_G, OT_v, 0)
#define Gy  OPND(AM_G, OT_y, 0)
#define Gz  OPND(AM_G, OT_z, 0)
#define Ib  OPND(AM_I, OT_b, 0)
#define Iw  OPND(AM_I, OT_w, 0)
#define Iz  OPND(AM_I, OT_z, 0)
#define Iv  OPND(AM_I, OT_v, 0)
#define Ib2 OPND(AM_I2, OT_b, 0)
#define Jb  OPND(AM_J, OT_b, 0)
#define Jz  OPND(AM_J, OT_z, 0)
#define M   OPND(AM_M, OT_v, 0)
#define Mb  OPND(AM_M, OT_b, 0)
#define Mw  OPND(AM_M, OT_w, 0)
#define Mq  OPND(AM_M, OT_q, 0)
#define Mp  OPND(AM_M, OT_p, 0)
#define Ma  OPND(AM_M, OT_a, 0)
#define Ms  OPND(AM_M, OT_s, 0)
#define Mv  OPND(AM_M, OT_v, 0)
#define My  OPND(AM_M, OT_y, 0)
#define Rd  OPND(AM_R, OT_y, 0) /* CR/DR moves: 32 or 64 bits by mode */
#define Rv  OPND(AM_R, OT_v, 0)
#define Ob  OPND(AM_O, OT_b, 0)
#define Ov  OPND(AM_O, OT_v, 0)
#define Sw  OPND(AM_S, OT_w, 0)
#define Cd  OPND(AM_C, OT_y, 0)
#define Dd  OPND(AM_D, OT_y, 0)
#define Xb  OPND(AM_X, OT_b, 0)
#define Xv  OPND(AM_X, OT_v, 0)
#define Xz  OPND(AM_X, OT_z, 0)
#define Yb  OPND(AM_Y, OT_b, 0)
#define Yv  OPND(AM_Y, OT_v, 0)
#define Yz  OPND(AM_Y, OT_z, 0)
#define Zb  OPND(AM_Z, OT_b, 0)
#define Zv  OPND(AM_Z, OT_v, 0)
#define Ap  OPND(AM_A, OT_p, 0)
#define Vx  OPND(AM_V, OT_x, 0)
#define Wx  OPND(AM_W, OT_x, 0)
#define AL  OPND(AM_REG, OT_b, R_EAX)
#define CL  OPND(AM_REG, OT_b, R_ECX)
#define DX  OPND(AM_REG, OT_w, R_EDX)
#define rAX OPND(AM_REG, OT_v, R_EAX)
#define eAX OPND(AM_REG, OT_z, R_EAX)
#define ONE OPND(AM_ONE, OT_b, 0)
#define sES OPND(AM_SEG, OT_w, R_ES)
#define sCS OPND(AM_SEG, OT_w, R_CS)
#define sSS OPND(AM_SEG, OT_w, R_SS)
#define sDS OPND(AM_SEG, OT_w, R_DS)
#define sFS OPND(AM_SEG, OT_w, R_FS)
#define sGS OPND(AM_SEG, OT_w, R_GS)

/* Entry flags. */
#define D_MODRM (1u << 0) /* has a ModRM byte */
#define D_GRP   (1u << 1) /* op is a group number; the ModRM reg field picks the entry */
#define D_D64   (1u << 2) /* 64-bit mode: operand size defaults to 64 (66 gives 16) */
#define D_F64   (1u << 3) /* 64-bit mode: operand size is 64 (66 ignored, as Intel does) */
#define D_I64   (1u << 4) /* invalid in 64-bit mode */
#define D_LOCK  (1u << 5) /* LOCK allowed when the destination is memory */
#define D_UD    (1u << 6) /* decodes (for the length) but is #UD */
#define D_O64   (1u << 7) /* valid in 64-bit mode only */

typedef struct X86OpcodeEntry {
    uint16_t op; /* X86Op, or group number with D_GRP */
    uint16_t flags;
    uint16_t opnd[3];
} X86OpcodeEntry;

/* Groups (SDM Vol. 2, table A-6). */
enum {
    GRP1 = 1,
    GRP1A,
    GRP2,
    GRP3B, /* F6 */
    GRP3V, /* F7 */
    GRP4,
    GRP5,
    GRP6,
    GRP7,
    GRP8,
    GRP9,
    GRP11,
    GRP15,
    GRP16,
    GRP_COUNT
};

#define MR D_MODRM
#define ALU(op)                                                                                    \
    {op, MR | D_LOCK, {Eb, Gb}}, {op, MR | D_LOCK, {Ev, Gv}}, {op, MR, {Gb, Eb}},                  \
        {op, MR, {Gv, Ev}}, {op, 0, {AL, Ib}},                                                     \
    {                                                                                              \
        op, 0,                                                                                     \
        {                                                                                          \
            rAX, Iz                                                                                \
        }                                                                                          \
    }
#define SSE                                                                                        \
    {                                                                                              \
        OP_SSE, MR,                                                                                \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }
#define SSE_IB                                                                                     \
    {                                                                                              \
        OP_SSE, MR,                                                                                \
        {                                                                                          \
            Ib                                                                                     \
        }                                                                                          \
    }
#define UNDEF                                                                                      \
    {                                                                                              \
        OP_INVALID, D_UD,                                                                          \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }
#define JCC(t)                                                                                     \
    {                                                                                              \
        OP_JCC, D_F64,                                                                             \
        {                                                                                          \
            t                                                                                      \
        }                                                                                          \
    }

/* One-byte opcode map (SDM Vol. 2, table A-2). Prefix bytes are handled before the lookup. */
static const X86OpcodeEntry one_byte_map[256] = {
    [0x00] = ALU(OP_ADD),
    [0x06] = {OP_PUSH, D_I64, {sES}},
    [0x07] = {OP_POP, D_I64, {sES}},
    [0x08] = ALU(OP_OR),
    [0x0e] = {OP_PUSH, D_I64, {sCS}},
    [0x0f] = UNDEF, /* two-byte escape */
    [0x10] = ALU(OP_ADC),
    [0x16] = {OP_PUSH, D_I64, {sSS}},
    [0x17] = {OP_POP, D_I64, {sSS}},
    [0x18] = ALU(OP_SBB),
    [0x1e] = {OP_PUSH, D_I64, {sDS}},
    [0x1f] = {OP_POP, D_I64, {sDS}},
    [0x20] = ALU(OP_AND),
    [0x26] = UNDEF, /* ES prefix */
    [0x27] = {OP_DAA, D_I64, {0}},
    [0x28] = ALU(OP_SUB),
    [0x2e] = UNDEF, /* CS prefix */
    [0x2f] = {OP_DAS, D_I64, {0}},
    [0x30] = ALU(OP_XOR),
    [0x36] = UNDEF, /* SS prefix */
    [0x37] = {OP_AAA, D_I64, {0}},
    [0x38] = ALU(OP_CMP),
    [0x3e] = UNDEF, /* DS prefix */
    [0x3f] = {OP_AAS, D_I64, {0}},
    [0x40] = {OP_INC, D_I64, {Zv}},
    {OP_INC, D_I64, {Zv}},
    {OP_INC, D_I64, {Zv}},
    {OP_INC, D_I64, {Zv}},
    {OP_INC, D_I64, {Zv}},
    {OP_INC, D_I64, {Zv}},
    {OP_INC, D_I64, {Zv}},
    {OP_INC, D_I64, {Zv}},
    [0x48] = {OP_DEC, D_I64, {Zv}},
    {OP_DEC, D_I64, {Zv}},
    {OP_DEC, D_I64, {Zv}},
    {OP_DEC, D_I64, {Zv}},
    {OP_DEC, D_I64, {Zv}},
    {OP_DEC, D_I64, {Zv}},
    {OP_DEC, D_I64, {Zv}},
    {OP_DEC, D_I64, {Zv}},
    [0x50] = {OP_PUSH, D_D64, {Zv}},
    {OP_PUSH, D_D64, {Zv}},
    {OP_PUSH, D_D64, {Zv}},
    {OP_PUSH, D_D64, {Zv}},
    {OP_PUSH, D_D64, {Zv}},
    {OP_PUSH, D_D64, {Zv}},
    {OP_PUSH, D_D64, {Zv}},
    {OP_PUSH, D_D64, {Zv}},
    [0x58] = {OP_POP, D_D64, {Zv}},
    {OP_POP, D_D64, {Zv}},
    {OP_POP, D_D64, {Zv}},
    {OP_POP, D_D64, {Zv}},
    {OP_POP, D_D64, {Zv}},
    {OP_POP, D_D64, {Zv}},
    {OP_POP, D_D64, {Zv}},
    {OP_POP, D_D64, {Zv}},
    [0x60] = {OP_PUSHA, D_I64, {0}},
    [0x61] = {OP_POPA, D_I64, {0}},
    [0x62] = {OP_BOUND, MR | D_I64, {Gv, Ma}},
    [0x63] = {OP_ARPL, MR, {Ew, Gw}}, /* MOVSXD Gv, Ed in 64-bit mode */
    [0x64] = UNDEF,
    UNDEF,
    UNDEF,
    UNDEF, /* FS, GS, operand- and address-size prefixes */
    [0x68] = {OP_PUSH, D_D64, {Iz}},
    [0x69] = {OP_IMUL, MR, {Gv, Ev, Iz}},
    [0x6a] = {OP_PUSH, D_D64, {Ib}},
    [0x6b] = {OP_IMUL, MR, {Gv, Ev, Ib}},
    [0x6c] = {OP_INS, 0, {Yb, DX}},
    [0x6d] = {OP_INS, 0, {Yz, DX}},
    [0x6e] = {OP_OUTS, 0, {DX, Xb}},
    [0x6f] = {OP_OUTS, 0, {DX, Xz}},
    [0x70] = JCC(Jb),
    JCC(Jb),
    JCC(Jb),
    JCC(Jb),
    JCC(Jb),
    JCC(Jb),
    JCC(Jb),
    JCC(Jb),
    [0x78] = JCC(Jb),
    JCC(Jb),
    JCC(Jb),
    JCC(Jb),
    JCC(Jb),
    JCC(Jb),
    JCC(Jb),
    JCC(Jb),
    [0x80] = {GRP1, MR | D_GRP, {Eb, Ib}},
    [0x81] = {GRP1, MR | D_GRP, {Ev, Iz}},
    [0x82] = {GRP1, MR | D_GRP | D_I64, {Eb, Ib}},
    [0x83] = {GRP1, MR | D_GRP, {Ev, Ib}},
    [0x84] = {OP_TEST, MR, {Eb, Gb}},
    [0x85] = {OP_TEST, MR, {Ev, Gv}},
    [0x86] = {OP_XCHG, MR | D_LOCK, {Eb, Gb}},
    [0x87] = {OP_XCHG, MR | D_LOCK, {Ev, Gv}},
    [0x88] = {OP_MOV, MR, {Eb, Gb}},
    [0x89] = {OP_MOV, MR, {Ev, Gv}},
    [0x8a] = {OP_MOV, MR, {Gb, Eb}},
    [0x8b] = {OP_MOV, MR, {Gv, Ev}},
    [0x8c] = {OP_MOV, MR, {Ev, Sw}}, /* a memory destination is always 16 bits */
    [0x8d] = {OP_LEA, MR, {Gv, M}},
    [0x8e] = {OP_MOV, MR, {Sw, Ew}},
    [0x8f] = {GRP1A, MR | D_GRP | D_D64, {Ev}},
    [0x90] = {OP_XCHG, 0, {Zv, rAX}}, /* NOP / PAUSE unless REX.B */
    [0x91] = {OP_XCHG, 0, {Zv, rAX}},
    {OP_XCHG, 0, {Zv, rAX}},
    {OP_XCHG, 0, {Zv, rAX}},
    {OP_XCHG, 0, {Zv, rAX}},
    {OP_XCHG, 0, {Zv, rAX}},
    {OP_XCHG, 0, {Zv, rAX}},
    {OP_XCHG, 0, {Zv, rAX}},
    [0x98] = {OP_CBW, 0, {0}},
    [0x99] = {OP_CWD, 0, {0}},
    [0x9a] = {OP_CALLF, D_I64, {Ap}},
    [0x9b] = {OP_WAIT, 0, {0}},
    [0x9c] = {OP_PUSHF, D_D64, {0}},
    [0x9d] = {OP_POPF, D_D64, {0}},
    [0x9e] = {OP_SAHF, 0, {0}},
    [0x9f] = {OP_LAHF, 0, {0}},
    [0xa0] = {OP_MOV, 0, {AL, Ob}},
    [0xa1] = {OP_MOV, 0, {rAX, Ov}},
    [0xa2] = {OP_MOV, 0, {Ob, AL}},
    [0xa3] = {OP_MOV, 0, {Ov, rAX}},
    [0xa4] = {OP_MOVS, 0, {Yb, Xb}},
    [0xa5] = {OP_MOVS, 0, {Yv, Xv}},
    [0xa6] = {OP_CMPS, 0, {Xb, Yb}},
    [0xa7] = {OP_CMPS, 0, {Xv, Yv}},
    [0xa8] = {OP_TEST, 0, {AL, Ib}},
    [0xa9] = {OP_TEST, 0, {rAX, Iz}},
    [0xaa] = {OP_STOS, 0, {Yb, AL}},
    [0xab] = {OP_STOS, 0, {Yv, rAX}},
    [0xac] = {OP_LODS, 0, {AL, Xb}},
    [0xad] = {OP_LODS, 0, {rAX, Xv}},
    [0xae] = {OP_SCAS, 0, {AL, Yb}},
    [0xaf] = {OP_SCAS, 0, {rAX, Yv}},
    [0xb0] = {OP_MOV, 0, {Zb, Ib}},
    {OP_MOV, 0, {Zb, Ib}},
    {OP_MOV, 0, {Zb, Ib}},
    {OP_MOV, 0, {Zb, Ib}},
    {OP_MOV, 0, {Zb, Ib}},
    {OP_MOV, 0, {Zb, Ib}},
    {OP_MOV, 0, {Zb, Ib}},
    {OP_MOV, 0, {Zb, Ib}},
    [0xb8] = {OP_MOV, 0, {Zv, Iv}},
    {OP_MOV, 0, {Zv, Iv}},
    {OP_MOV, 0, {Zv, Iv}},
    {OP_MOV, 0, {Zv, Iv}},
    {OP_MOV, 0, {Zv, Iv}},
    {OP_MOV, 0, {Zv, Iv}},
    {OP_MOV, 0, {Zv, Iv}},
    {OP_MOV, 0, {Zv, Iv}},
    [0xc0] = {GRP2, MR | D_GRP, {Eb, Ib}},
    [0xc1] = {GRP2, MR | D_GRP, {Ev, Ib}},
    [0xc2] = {OP_RET, D_F64, {Iw}},
    [0xc3] = {OP_RET, D_F64, {0}},
    [0xc4] = {OP_LES, MR | D_I64, {Gz, Mp}}, /* VEX3 in 64-bit mode or with mod = 3 */
    [0xc5] = {OP_LDS, MR | D_I64, {Gz, Mp}}, /* VEX2 likewise */
    [0xc6] = {GRP11, MR | D_GRP, {Eb, Ib}},
    [0xc7] = {GRP11, MR | D_GRP, {Ev, Iz}},
    [0xc8] = {OP_ENTER, D_D64, {Iw, Ib2}},
    [0xc9] = {OP_LEAVE, D_D64, {0}},
    [0xca] = {OP_RETF, 0, {Iw}},
    [0xcb] = {OP_RETF, 0, {0}},
    [0xcc] = {OP_INT3, 0, {0}},
    [0xcd] = {OP_INT, 0, {Ib}},
    [0xce] = {OP_INTO, D_I64, {0}},
    [0xcf] = {OP_IRET, 0, {0}},
    [0xd0] = {GRP2, MR | D_GRP, {Eb, ONE}},
    [0xd1] = {GRP2, MR | D_GRP, {Ev, ONE}},
    [0xd2] = {GRP2, MR | D_GRP, {Eb, CL}},
    [0xd3] = {GRP2, MR | D_GRP, {Ev, CL}},
    [0xd4] = {OP_AAM, D_I64, {Ib}},
    [0xd5] = {OP_AAD, D_I64, {Ib}},
    [0xd6] = {OP_SALC, D_I64, {0}},
    [0xd7] = {OP_XLAT, 0, {0}},
    [0xd8] = {OP_FPU, MR, {0}},
    {OP_FPU, MR, {0}},
    {OP_FPU, MR, {0}},
    {OP_FPU, MR, {0}},
    {OP_FPU, MR, {0}},
    {OP_FPU, MR, {0}},
    {OP_FPU, MR, {0}},
    {OP_FPU, MR, {0}},
    [0xe0] = {OP_LOOPNE, D_F64, {Jb}},
    [0xe1] = {OP_LOOPE, D_F64, {Jb}},
    [0xe2] = {OP_LOOP, D_F64, {Jb}},
    [0xe3] = {OP_JCXZ, D_F64, {Jb}},
    [0xe4] = {OP_IN, 0, {AL, Ib}},
    [0xe5] = {OP_IN, 0, {eAX, Ib}},
    [0xe6] = {OP_OUT, 0, {Ib, AL}},
    [0xe7] = {OP_OUT, 0, {Ib, eAX}},
    [0xe8] = {OP_CALL, D_F64, {Jz}},
    [0xe9] = {OP_JMP, D_F64, {Jz}},
    [0xea] = {OP_JMPF, D_I64, {Ap}},
    [0xeb] = {OP_JMP, D_F64, {Jb}},
    [0xec] = {OP_IN, 0, {AL, DX}},
    [0xed] = {OP_IN, 0, {eAX, DX}},
    [0xee] = {OP_OUT, 0, {DX, AL}},
    [0xef] = {OP_OUT, 0, {DX, eAX}},
    [0xf0] = UNDEF, /* LOCK prefix */
    [0xf1] = {OP_INT1, 0, {0}},
    [0xf2] = UNDEF,
    UNDEF, /* REPNE, REP prefixes */
    [0xf4] = {OP_HLT, 0, {0}},
    [0xf5] = {OP_CMC, 0, {0}},
    [0xf6] = {GRP3B, MR | D_GRP, {Eb}},
    [0xf7] = {GRP3V, MR | D_GRP, {Ev}},
    [0xf8] = {OP_CLC, 0, {0}},
    [0xf9] = {OP_STC, 0, {0}},
    [0xfa] = {OP_CLI, 0, {0}},
    [0xfb] = {OP_STI, 0, {0}},
    [0xfc] = {OP_CLD, 0, {0}},
    [0xfd] = {OP_STD, 0, {0}},
    [0xfe] = {GRP4, MR | D_GRP, {Eb}},
    [0xff] = {GRP5, MR | D_GRP, {Ev}},
};

#define CMOV                                                                                       \
    {                                                                                              \
        OP_CMOVCC, MR,                                                                             \
        {                                                                                          \
            Gv, Ev                                                                                 \
        }                                                                                          \
    }
#define SETCC                                                                                      \
    {                                                                                              \
        OP_SETCC, MR,                                                                              \
        {                                                                                          \
            Eb                                                                                     \
        }                                                                                          \
    }
#define BSWAP                                                                                      \
    {                                                                                              \
        OP_BSWAP, 0,                                                                               \
        {                                                                                          \
            Zv                                                                                     \
        }                                                                                          \
    }
#define HINTNOP                                                                                    \
    {                                                                                              \
        OP_NOP, MR,                                                                                \
        {                                                                                          \
            Ev                                                                                     \
        }                                                                                          \
    }

/* Two-byte opcode map, 0F xx (SDM Vol. 2, table A-3). */
static const X86OpcodeEntry two_byte_map[256] = {
    [0x00] = {GRP6, MR | D_GRP, {0}},
    [0x01] = {GRP7, MR | D_GRP, {0}},
    [0x02] = {OP_LAR, MR, {Gv, Ew}},
    [0x03] = {OP_LSL, MR, {Gv, Ew}},
    [0x04] = UNDEF,
    [0x05] = {OP_SYSCALL, 0, {0}},
    [0x06] = {OP_CLTS, 0, {0}},
    [0x07] = {OP_SYSRET, 0, {0}},
    [0x08] = {OP_INVD, 0, {0}},
    [0x09] = {OP_WBINVD, 0, {0}},
    [0x0a] = UNDEF,
    [0x0b] = {OP_UD, D_UD, {0}}, /* UD2 */
    [0x0c] = UNDEF,
    [0x0d] = {OP_PREFETCH, MR, {Mb}}, /* PREFETCHW */
    [0x0e] = UNDEF,
    UNDEF, /* 3DNow! */
    [0x10] = SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    [0x18] = {GRP16, MR | D_GRP, {0}},
    [0x19] = HINTNOP,
    HINTNOP,
    HINTNOP,
    HINTNOP,
    HINTNOP,
    HINTNOP,
    HINTNOP,
    [0x20] = {OP_MOV_CR, MR | D_F64, {Rd, Cd}},
    [0x21] = {OP_MOV_DR, MR | D_F64, {Rd, Dd}},
    [0x22] = {OP_MOV_CR, MR | D_F64, {Cd, Rd}},
    [0x23] = {OP_MOV_DR, MR | D_F64, {Dd, Rd}},
    [0x24] = UNDEF,
    UNDEF,
    UNDEF,
    UNDEF,
    [0x28] = SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    [0x30] = {OP_WRMSR, 0, {0}},
    [0x31] = {OP_RDTSC, 0, {0}},
    [0x32] = {OP_RDMSR, 0, {0}},
    [0x33] = {OP_RDPMC, 0, {0}},
    [0x34] = {OP_SYSENTER, 0, {0}},
    [0x35] = {OP_SYSEXIT, 0, {0}},
    [0x36] = UNDEF,
    UNDEF,          /* 0x37: GETSEC */
    [0x38] = UNDEF, /* three-byte escape */
    [0x39] = UNDEF,
    [0x3a] = UNDEF, /* three-byte escape */
    [0x3b] = UNDEF,
    UNDEF,
    UNDEF,
    UNDEF,
    UNDEF,
    [0x40] = CMOV,
    CMOV,
    CMOV,
    CMOV,
    CMOV,
    CMOV,
    CMOV,
    CMOV,
    [0x48] = CMOV,
    CMOV,
    CMOV,
    CMOV,
    CMOV,
    CMOV,
    CMOV,
    CMOV,
    [0x50] = SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    [0x58] = SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    [0x60] = SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    [0x68] = SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    [0x70] = SSE_IB,
    SSE_IB,
    SSE_IB,
    SSE_IB, /* 0x71-0x73: groups 12-14 */
    [0x74] = SSE,
    SSE,
    SSE,
    [0x77] = {OP_EMMS, 0, {0}},
    [0x78] = UNDEF,
    UNDEF,
    UNDEF,
    UNDEF, /* VMREAD, VMWRITE */
    [0x7c] = SSE,
    SSE,
    SSE,
    SSE,
    [0x80] = JCC(Jz),
    JCC(Jz),
    JCC(Jz),
    JCC(Jz),
    JCC(Jz),
    JCC(Jz),
    JCC(Jz),
    JCC(Jz),
    [0x88] = JCC(Jz),
    JCC(Jz),
    JCC(Jz),
    JCC(Jz),
    JCC(Jz),
    JCC(Jz),
    JCC(Jz),
    JCC(Jz),
    [0x90] = SETCC,
    SETCC,
    SETCC,
    SETCC,
    SETCC,
    SETCC,
    SETCC,
    SETCC,
    [0x98] = SETCC,
    SETCC,
    SETCC,
    SETCC,
    SETCC,
    SETCC,
    SETCC,
    SETCC,
    [0xa0] = {OP_PUSH, D_D64, {sFS}},
    [0xa1] = {OP_POP, D_D64, {sFS}},
    [0xa2] = {OP_CPUID, 0, {0}},
    [0xa3] = {OP_BT, MR, {Ev, Gv}},
    [0xa4] = {OP_SHLD, MR, {Ev, Gv, Ib}},
    [0xa5] = {OP_SHLD, MR, {Ev, Gv, CL}},
    [0xa6] = UNDEF,
    UNDEF,
    [0xa8] = {OP_PUSH, D_D64, {sGS}},
    [0xa9] = {OP_POP, D_D64, {sGS}},
    [0xaa] = {OP_RSM, 0, {0}},
    [0xab] = {OP_BTS, MR | D_LOCK, {Ev, Gv}},
    [0xac] = {OP_SHRD, MR, {Ev, Gv, Ib}},
    [0xad] = {OP_SHRD, MR, {Ev, Gv, CL}},
    [0xae] = {GRP15, MR | D_GRP, {0}},
    [0xaf] = {OP_IMUL, MR, {Gv, Ev}},
    [0xb0] = {OP_CMPXCHG, MR | D_LOCK, {Eb, Gb}},
    [0xb1] = {OP_CMPXCHG, MR | D_LOCK, {Ev, Gv}},
    [0xb2] = {OP_LSS, MR, {Gv, Mp}},
    [0xb3] = {OP_BTR, MR | D_LOCK, {Ev, Gv}},
    [0xb4] = {OP_LFS, MR, {Gv, Mp}},
    [0xb5] = {OP_LGS, MR, {Gv, Mp}},
    [0xb6] = {OP_MOVZX, MR, {Gv, Eb}},
    [0xb7] = {OP_MOVZX, MR, {Gv, Ew}},
    [0xb8] = {OP_POPCNT, MR, {Gv, Ev}},    /* with F3; JMPE (#UD) without */
    [0xb9] = {OP_UD, MR | D_UD, {Gv, Ev}}, /* UD1 */
    [0xba] = {GRP8, MR | D_GRP, {Ev, Ib}},
    [0xbb] = {OP_BTC, MR | D_LOCK, {Ev, Gv}},
    [0xbc] = {OP_BSF, MR, {Gv, Ev}}, /* TZCNT with F3 */
    [0xbd] = {OP_BSR, MR, {Gv, Ev}}, /* LZCNT with F3 */
    [0xbe] = {OP_MOVSX, MR, {Gv, Eb}},
    [0xbf] = {OP_MOVSX, MR, {Gv, Ew}},
    [0xc0] = {OP_XADD, MR | D_LOCK, {Eb, Gb}},
    [0xc1] = {OP_XADD, MR | D_LOCK, {Ev, Gv}},
    [0xc2] = SSE_IB,
    [0xc3] = {OP_SSE, MR, {My, Gy}}, /* MOVNTI */
    [0xc4] = SSE_IB,
    SSE_IB,
    SSE_IB,
    [0xc7] = {GRP9, MR | D_GRP, {0}},
    [0xc8] = BSWAP,
    BSWAP,
    BSWAP,
    BSWAP,
    BSWAP,
    BSWAP,
    BSWAP,
    BSWAP,
    [0xd0] = SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    [0xd8] = SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    [0xe0] = SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    [0xe8] = SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    [0xf0] = SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    [0xf8] = SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    SSE,
    [0xff] = {OP_UD, MR | D_UD, {Gv, Ev}}, /* UD0 */
};

/*
 * Group entries by ModRM reg (table A-6). An entry without operands takes the
 * opcode's; GRP_MOD3 lists the register forms where they differ.
 */
static const X86OpcodeEntry group_map[GRP_COUNT][8] = {
    [GRP1] = {{OP_ADD, D_LOCK},
              {OP_OR, D_LOCK},
              {OP_ADC, D_LOCK},
              {OP_SBB, D_LOCK},
              {OP_AND, D_LOCK},
              {OP_SUB, D_LOCK},
              {OP_XOR, D_LOCK},
              {OP_CMP, 0}},
    [GRP1A] = {{OP_POP, D_D64}, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF},
    [GRP2] = {{OP_ROL}, {OP_ROR}, {OP_RCL}, {OP_RCR}, {OP_SHL}, {OP_SHR}, {OP_SAL}, {OP_SAR}},
    [GRP3B] = {{OP_TEST, 0, {Eb, Ib}},
               {OP_TEST, 0, {Eb, Ib}},
               {OP_NOT, D_LOCK},
               {OP_NEG, D_LOCK},
               {OP_MUL},
               {OP_IMUL1},
               {OP_DIV},
               {OP_IDIV}},
    [GRP3V] = {{OP_TEST, 0, {Ev, Iz}},
               {OP_TEST, 0, {Ev, Iz}},
               {OP_NOT, D_LOCK},
               {OP_NEG, D_LOCK},
               {OP_MUL},
               {OP_IMUL1},
               {OP_DIV},
               {OP_IDIV}},
    [GRP4] = {{OP_INC, D_LOCK}, {OP_DEC, D_LOCK}, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF},
    [GRP5] = {{OP_INC, D_LOCK},
              {OP_DEC, D_LOCK},
              {OP_CALL, D_F64},
              {OP_CALLF, 0, {Mp}},
              {OP_JMP, D_F64},
              {OP_JMPF, 0, {Mp}},
              {OP_PUSH, D_D64},
              UNDEF},
    [GRP6] = {{OP_SLDT, 0, {Ew}},
              {OP_STR, 0, {Ew}},
              {OP_LLDT, 0, {Ew}},
              {OP_LTR, 0, {Ew}},
              {OP_VERR, 0, {Ew}},
              {OP_VERW, 0, {Ew}},
              UNDEF,
              UNDEF},
    [GRP7] = {{OP_SGDT, 0, {Ms}},
              {OP_SIDT, 0, {Ms}},
              {OP_LGDT, 0, {Ms}},
              {OP_LIDT, 0, {Ms}},
              {OP_SMSW, 0, {Ew}},
              UNDEF,
              {OP_LMSW, 0, {Ew}},
              {OP_INVLPG, 0, {Mb}}},
    [GRP8] =
        {UNDEF, UNDEF, UNDEF, UNDEF, {OP_BT}, {OP_BTS, D_LOCK}, {OP_BTR, D_LOCK}, {OP_BTC, D_LOCK}},
    [GRP9] = {UNDEF, {OP_CMPXCHG8B, D_LOCK, {Mq}}, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF},
    [GRP11] = {{OP_MOV}, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF},
    [GRP15] = {{OP_FXSAVE, 0, {M}},
               {OP_FXRSTOR, 0, {M}},
               {OP_LDMXCSR, 0, {Mv}},
               {OP_STMXCSR, 0, {Mv}},
               {OP_XSAVE, 0, {M}},
               {OP_XRSTOR, 0, {M}},
               {OP_XSAVE, 0, {M}},
               {OP_CLFLUSH, 0, {Mb}}},
    [GRP16] = {{OP_PREFETCH, 0, {Mb}},
               {OP_PREFETCH, 0, {Mb}},
               {OP_PREFETCH, 0, {Mb}},
               {OP_PREFETCH, 0, {Mb}},
               HINTNOP,
               HINTNOP,
               HINTNOP,
               HINTNOP},
};

/* Group 7 register forms (mod = 3), by reg * 8 + rm (table A-6); the rest are #UD. */
static const X86OpcodeEntry grp7_mod3[64] = {
    [1 * 8 + 0] = {OP_MONITOR},
    [1 * 8 + 1] = {OP_MWAIT},
    [2 * 8 + 0] = {OP_XGETBV},
    [2 * 8 + 1] = {OP_XSETBV},
    [4 * 8 + 0] = {OP_SMSW, 0, {Rv}},
    {OP_SMSW, 0, {Rv}},
    {OP_SMSW, 0, {Rv}},
    {OP_SMSW, 0, {Rv}},
    {OP_SMSW, 0, {Rv}},
    {OP_SMSW, 0, {Rv}},
    {OP_SMSW, 0, {Rv}},
    {OP_SMSW, 0, {Rv}},
    [6 * 8 + 0] = {OP_LMSW, 0, {Ew}},
    {OP_LMSW, 0, {Ew}},
    {OP_LMSW, 0, {Ew}},
    {OP_LMSW, 0, {Ew}},
    {OP_LMSW, 0, {Ew}},
    {OP_LMSW, 0, {Ew}},
    {OP_LMSW, 0, {Ew}},
    {OP_LMSW, 0, {Ew}},
    [7 * 8 + 0] = {OP_SWAPGS, D_O64},
    [7 * 8 + 1] = {OP_RDTSCP},
};

/* Group 9 and 15 register forms (mod = 3) by reg. */
static const X86OpcodeEntry grp9_mod3[8] = {
    [6] = {OP_RDRAND, 0, {Rv}}, [7] = {OP_RDRAND, 0, {Rv}}, /* RDSEED */
};
static const X86OpcodeEntry grp15_mod3[8] = {
    [5] = {OP_FENCE}, /* LFENCE */
    [6] = {OP_FENCE}, /* MFENCE */
    [7] = {OP_FENCE}, /* SFENCE */
};

/* Special entries outside the maps. */
static const X86OpcodeEntry ent_movsxd = {OP_MOVSXD, MR, {Gv, Ed}};
static const X86OpcodeEntry ent_nop = {OP_NOP, 0, {0}};
static const X86OpcodeEntry ent_pause = {OP_PAUSE, 0, {0}};
static const X86OpcodeEntry ent_tzcnt = {OP_TZCNT, MR, {Gv, Ev}};
static const X86OpcodeEntry ent_lzcnt = {OP_LZCNT, MR, {Gv, Ev}};
static const X86OpcodeEntry ent_undef = UNDEF;
static const X86OpcodeEntry ent_0f38 = {OP_SSE, MR, {0}};
static const X86OpcodeEntry ent_0f3a = {OP_SSE, MR, {Ib}};

/* 16-bit ModRM addressing by r/m (SDM Vol. 2, table 2-1). */
static const int8_t modrm16_base[8] = {R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX};
static const int8_t modrm16_index[8] = {R_ESI, R_EDI, R_ESI, R_EDI, -1, -1, -1, -1};

typedef struct DecodeState {
    const uint8_t *bytes;
    size_t avail;
    size_t pos;
    bool mode64;
    bool overrun;  /* ran past avail */
    bool too_long; /* ran past 15 bytes */
} DecodeState;

static uint8_t fetch_b(DecodeState *s)
{
    if (s->pos >= X86_MAX_INSN_LEN) {
        s->too_long = true;
        return 0;
    }
    if (s->pos >= s->avail) {
        s->overrun = true;
        s->pos++;
        return 0;
    }
    return s->bytes[s->pos++];
}

/* A little-endian immediate of size bytes, sign-extended to 64 bits. */
static uint64_t fetch_imm(DecodeState *s, int size)
{
    uint64_t v = 0;

    for (int i = 0; i < size; i++) {
        v |= (uint64_t)fetch_b(s) << (8 * i);
    }
    if (size < 8) {
        int shift = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << shift) >> shift);
    }
    return v;
}

static bool is_rex(const DecodeState *s, uint8_t b)
{
    return s->mode64 && (b & 0xf0) == 0x40;
}

/* Legacy prefixes and REX (SDM Vol. 2, 2.1.1 and 2.2.1); returns the first opcode byte. */
static uint8_t decode_prefixes(DecodeState *s, DecodedInsn *d)
{
    for (;;) {
        uint8_t b = fetch_b(s);

        switch (b) {
        case 0xf0:
            d->prefixes |= PREFIX_LOCK;
            break;
        case 0xf2:
            d->prefixes = (d->prefixes & ~PREFIX_REPZ) | PREFIX_REPNZ;
            break;
        case 0xf3:
            d->prefixes = (d->prefixes & ~PREFIX_REPNZ) | PREFIX_REPZ;
            break;
        case 0x66:
            d->prefixes |= PREFIX_DATA;
            break;
        case 0x67:
            d->prefixes |= PREFIX_ADR;
            break;
        case 0x26:
        case 0x2e:
        case 0x36:
        case 0x3e:
            /* ES, CS, SS, DS: ignored in 64-bit mode */
            if (!s->mode64) {
                d->mem.seg = (b >> 3) & 3;
            }
            break;
        case 0x64:
        case 0x65:
            d->mem.seg = R_FS + (b & 1);
            break;
        default:
            if (is_rex(s, b)) {
                d->rex = b; /* only the last REX before the opcode counts */
                d->prefixes |= PREFIX_REX;
                continue;
            }
            return b;
        }
        d->rex = 0; /* a REX followed by a legacy prefix is ignored */
        d->prefixes &= ~PREFIX_REX;
    }
}

/* The entry for the opcode, before group resolution; NULL for VEX/EVEX/XOP (#UD). */
static const X86OpcodeEntry *lookup_opcode(DecodeState *s, DecodedInsn *d, uint8_t b)
{
    if (b != 0x0f) {
        d->map = X86_MAP_ONE;
        d->opcode = b;
        if (b == 0x63 && s->mode64) {
            return &ent_movsxd;
        }
        if (b == 0x90 && !(d->rex & REX_B)) {
            return (d->prefixes & PREFIX_REPZ) ? &ent_pause : &ent_nop;
        }
        return &one_byte_map[b];
    }
    b = fetch_b(s);
    if (b == 0x38 || b == 0x3a) {
        d->map = b == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
        d->opcode = fetch_b(s);
        return b == 0x38 ? &ent_0f38 : &ent_0f3a;
    }
    d->map = X86_MAP_0F;
    d->opcode = b;
    if (d->prefixes & PREFIX_REPZ) {
        switch (b) {
        case 0xbc:
            return &ent_tzcnt;
        case 0xbd:
            return &ent_lzcnt;
        }
    } else if (b == 0xb8) {
        return &ent_undef; /* JMPE */
    }
    return &two_byte_map[b];
}

/* Group resolution (table A-6): the entry picked by ModRM. */
static const X86OpcodeEntry *lookup_group(const X86OpcodeEntry *e, uint8_t modrm)
{
    unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;

    if (mod == 3) {
        switch (e->op) {
        case GRP7:
            return &grp7_mod3[reg * 8 + rm];
        case GRP9:
            return &grp9_mod3[reg];
        case GRP15:
            return &grp15_mod3[reg];
        }
    }
    return &group_map[e->op][reg];
}

static void decode_sizes(const DecodeState *s, DecodedInsn *d, unsigned flags, bool code32)
{
    bool data = d->prefixes & PREFIX_DATA, adr = d->prefixes & PREFIX_ADR;

    if (s->mode64) {
        if ((flags & D_F64) || (d->rex & REX_W)) {
            d->opsize = 8;
        } else if (data) {
            d->opsize = 2;
        } else {
            d->opsize = (flags & D_D64) ? 8 : 4;
        }
        d->addrsize = adr ? 4 : 8;
    } else {
        d->opsize = (code32 ^ data) ? 4 : 2;
        d->addrsize = (code32 ^ adr) ? 4 : 2;
    }
}

static void decode_modrm16(DecodeState *s, DecodedInsn *d, unsigned mod, unsigned rm)
{
    X86MemAddr *m = &d->mem;

    m->base = modrm16_base[rm];
    m->index = modrm16_index[rm];
    if (mod == 0 && rm == 6) {
        m->base = -1;
        m->disp = (int16_t)fetch_imm(s, 2);
    } else if (mod == 1) {
        m->disp = (int8_t)fetch_imm(s, 1);
    } else if (mod == 2) {
        m->disp = (int16_t)fetch_imm(s, 2);
    }
    if (m->seg < 0) {
        m->seg = (m->base == R_EBP) ? R_SS : R_DS;
    }
}

/* 32/64-bit addressing with SIB and RIP-relative forms (SDM Vol. 2, tables 2-2, 2-3, 2.2.1.6). */
static void decode_modrm32(DecodeState *s, DecodedInsn *d, unsigned mod, unsigned rm)
{
    X86MemAddr *m = &d->mem;
    unsigned rex_b = (d->rex & REX_B) ? 8 : 0;

    m->index = -1;
    if (rm == 4) {
        uint8_t sib = fetch_b(s);
        unsigned index = ((sib >> 3) & 7) | ((d->rex & REX_X) ? 8 : 0);

        m->scale = 1u << (sib >> 6);
        m->index = (index == R_ESP) ? -1 : (int8_t)index;
        m->base = (sib & 7) | rex_b;
        if ((sib & 7) == 5 && mod == 0) {
            m->base = -1;
            m->disp = (int32_t)fetch_imm(s, 4);
        }
    } else if (rm == 5 && mod == 0) {
        m->base = -1;
        m->rip_rel = s->mode64;
        m->disp = (int32_t)fetch_imm(s, 4);
    } else {
        m->base = rm | rex_b;
    }
    if (mod == 1) {
        m->disp = (int8_t)fetch_imm(s, 1);
    } else if (mod == 2) {
        m->disp = (int32_t)fetch_imm(s, 4);
    }
    if (m->seg < 0) {
        m->seg = (m->base == R_ESP || m->base == R_EBP) ? R_SS : R_DS;
    }
}

static int operand_size(const DecodeState *s, const DecodedInsn *d, unsigned ot)
{
    switch (ot) {
    case OT_b:
        return 1;
    case OT_w:
        return 2;
    case OT_d:
        return 4;
    case OT_q:
        return 8;
    case OT_v:
        return d->opsize;
    case OT_z:
        return d->opsize == 2 ? 2 : 4;
    case OT_y:
        return d->opsize == 8 ? 8 : 4;
    case OT_p:
        return 2 + d->opsize;
    case OT_a:
        return 2 * d->opsize;
    case OT_s:
        return s->mode64 ? 10 : 6;
    case OT_x:
        return 16;
    }
    return 0;
}

/* A general register operand: byte registers 4..7 are AH..BH unless a REX prefix is present. */
static void set_gpr(X86Operand *o, const DecodedInsn *d, unsigned reg)
{
    o->kind = X86_OPK_REG;
    o->reg = reg;
    if (o->size == 1 && reg >= 4 && reg < 8 && !(d->prefixes & PREFIX_REX)) {
        o->reg = reg - 4;
        o->high8 = true;
    }
}

/* Fills one operand from its spec; false if the ModRM form is invalid for it (#UD). */
static bool decode_operand(DecodeState *s, DecodedInsn *d, X86Operand *o, uint16_t spec)
{
    unsigned mod = d->modrm >> 6;
    unsigned reg = ((d->modrm >> 3) & 7) | ((d->rex & REX_R) ? 8 : 0);
    unsigned rm = (d->modrm & 7) | ((d->rex & REX_B) ? 8 : 0);
    int size;

    o->size = size = operand_size(s, d, OPND_OT(spec));
    switch (OPND_AM(spec)) {
    case AM_E:
        if (mod == 3) {
            set_gpr(o, d, rm);
        } else {
            o->kind = X86_OPK_MEM;
        }
        return true;
    case AM_M:
        o->kind = X86_OPK_MEM;
        return mod != 3;
    case AM_R:
        set_gpr(o, d, rm);
        return true;
    case AM_G:
        set_gpr(o, d, reg);
        return true;
    case AM_S:
        o->kind = X86_OPK_SREG;
        o->reg = reg & 7;
        return (reg & 7) < CPU_NB_SEGS;
    case AM_C:
        o->kind = X86_OPK_CREG;
        o->reg = reg;
        return true;
    case AM_D:
        o->kind = X86_OPK_DREG;
        o->reg = reg;
        return true;
    case AM_V:
    case AM_W:
        o->kind = (OPND_AM(spec) == AM_W && mod != 3) ? X86_OPK_MEM : X86_OPK_XMM;
        return true;
    case AM_Z:
        set_gpr(o, d, (d->opcode & 7) | ((d->rex & REX_B) ? 8 : 0));
        return true;
    case AM_REG:
        set_gpr(o, d, OPND_REG(spec));
        return true;
    case AM_SEG:
        o->kind = X86_OPK_SREG;
        o->reg = OPND_REG(spec);
        return true;
    case AM_ONE:
        o->kind = X86_OPK_IMM;
        d->imm = 1;
        return true;
    case AM_I:
        o->kind = X86_OPK_IMM;
        d->imm = fetch_imm(s, size);
        return true;
    case AM_I2:
        o->kind = X86_OPK_IMM;
        o->imm2 = true;
        d->imm2 = fetch_imm(s, size);
        return true;
    case AM_J:
        o->kind = X86_OPK_REL;
        o->size = d->opsize;
        d->imm = fetch_imm(s, size == 1 ? 1 : (d->opsize == 2 ? 2 : 4));
        return true;
    case AM_O:
        o->kind = X86_OPK_MEM;
        d->mem.base = d->mem.index = -1;
        d->mem.disp = (int64_t)fetch_imm(s, d->addrsize);
        if (d->addrsize < 8) {
            d->mem.disp &= (1ULL << (8 * d->addrsize)) - 1; /* moffs are unsigned */
        }
        if (d->mem.seg < 0) {
            d->mem.seg = R_DS;
        }
        return true;
    case AM_X:
    case AM_Y:
        o->kind = X86_OPK_MEM; /* string operands: the executor uses rSI/rDI */
        return true;
    case AM_A:
        o->kind = X86_OPK_FAR;
        o->size = d->opsize == 2 ? 4 : 6;
        d->imm = (uint64_t)fetch_imm(s, d->opsize == 2 ? 2 : 4) & 0xffffffffu;
        if (d->opsize == 2) {
            d->imm &= 0xffff;
        }
        d->imm2 = (uint16_t)fetch_imm(s, 2);
        return true;
    }
    return false;
}

static bool decode_operands(DecodeState *s, DecodedInsn *d, const uint16_t *opnd)
{
    bool ok = true;

    for (int i = 0; i < 3 && opnd[i]; i++) {
        ok &= decode_operand(s, d, &d->opnd[i], opnd[i]);
        d->nopnd = i + 1;
    }
    /* MOV Ev, Sw stores 16 bits to memory whatever the operand size. */
    if (d->op == OP_MOV && d->opnd[1].kind == X86_OPK_SREG && d->opnd[0].kind == X86_OPK_MEM) {
        d->opnd[0].size = 2;
    }
    return ok;
}

static bool decode_modrm(DecodeState *s, DecodedInsn *d, const uint16_t *opnd)
{
    unsigned mod = d->modrm >> 6, rm = d->modrm & 7;

    for (int i = 0; i < 3; i++) {
        if (OPND_AM(opnd[i]) == AM_R) {
            return true; /* MOV CR/DR: the r/m field is a register whatever mod says */
        }
    }
    if (mod == 3) {
        return true;
    }
    if (d->addrsize == 2) {
        d->mem.scale = 1;
        decode_modrm16(s, d, mod, rm);
    } else {
        d->mem.scale = 1;
        decode_modrm32(s, d, mod, rm);
    }
    return true;
}

static bool lock_allowed(const DecodedInsn *d, unsigned flags)
{
    return (flags & D_LOCK) && d->nopnd > 0 && d->opnd[0].kind == X86_OPK_MEM;
}

static X86DecodeStatus decode_finish(const DecodeState *s, DecodedInsn *d, bool ok)
{
    if (s->too_long) {
        return X86_DECODE_GP;
    }
    if (s->overrun) {
        return X86_DECODE_SHORT;
    }
    d->len = s->pos;
    return ok ? X86_DECODE_OK : X86_DECODE_UD;
}

X86DecodeStatus x86_decode(const uint8_t *bytes, size_t avail, int code_bits, DecodedInsn *d)
{
    DecodeState s = {.bytes = bytes, .avail = avail, .mode64 = code_bits == 64};
    const X86OpcodeEntry *e;
    const uint16_t *opnd;
    unsigned flags;
    uint8_t b;
    bool ok;

    memset(d, 0, sizeof(*d));
    d->mem.seg = -1;
    d->mem.base = d->mem.index = -1;
    b = decode_prefixes(&s, d);
    if ((b == 0xc4 || b == 0xc5 || b == 0x62) && s.mode64) {
        return decode_finish(&s, d, false); /* VEX/EVEX: no AVX */
    }
    e = lookup_opcode(&s, d, b);
    flags = e->flags;
    opnd = e->opnd;
    d->op = e->op;
    if (flags & D_MODRM) {
        d->has_modrm = true;
        d->modrm = fetch_b(&s);
        if (flags & D_GRP) {
            const X86OpcodeEntry *g = lookup_group(e, d->modrm);

            d->op = g->op;
            flags = (flags & ~(D_GRP | D_LOCK)) | g->flags;
            opnd = g->opnd[0] ? g->opnd : e->opnd;
        }
    }
    d->cond = d->opcode & 15;
    if (d->op == OP_INVALID || (flags & D_UD) || (s.mode64 && (flags & D_I64)) ||
        (!s.mode64 && (flags & D_O64))) {
        ok = false;
        if (d->op == OP_INVALID || (s.mode64 && (flags & D_I64))) {
            return decode_finish(&s, d, false);
        }
    } else {
        ok = true;
    }
    decode_sizes(&s, d, flags, code_bits == 32);
    if (d->has_modrm) {
        ok &= decode_modrm(&s, d, opnd);
    }
    ok &= decode_operands(&s, d, opnd);
    if ((d->prefixes & PREFIX_LOCK) && !lock_allowed(d, flags)) {
        ok = false;
    }
    return decode_finish(&s, d, ok);
}

static const char *const op_names[OP__COUNT] = {
    [OP_ADD] = "add",
    [OP_OR] = "or",
    [OP_ADC] = "adc",
    [OP_SBB] = "sbb",
    [OP_AND] = "and",
    [OP_SUB] = "sub",
    [OP_XOR] = "xor",
    [OP_CMP] = "cmp",
    [OP_ROL] = "rol",
    [OP_ROR] = "ror",
    [OP_RCL] = "rcl",
    [OP_RCR] = "rcr",
    [OP_SHL] = "shl",
    [OP_SHR] = "shr",
    [OP_SAL] = "sal",
    [OP_SAR] = "sar",
    [OP_INVALID] = "invalid",
    [OP_TEST] = "test",
    [OP_INC] = "inc",
    [OP_DEC] = "dec",
    [OP_NEG] = "neg",
    [OP_NOT] = "not",
    [OP_MUL] = "mul",
    [OP_IMUL1] = "imul1",
    [OP_IMUL] = "imul",
    [OP_DIV] = "div",
    [OP_IDIV] = "idiv",
    [OP_SHLD] = "shld",
    [OP_SHRD] = "shrd",
    [OP_MOV] = "mov",
    [OP_MOVZX] = "movzx",
    [OP_MOVSX] = "movsx",
    [OP_MOVSXD] = "movsxd",
    [OP_LEA] = "lea",
    [OP_XCHG] = "xchg",
    [OP_CMPXCHG] = "cmpxchg",
    [OP_XADD] = "xadd",
    [OP_CMPXCHG8B] = "cmpxchg8b",
    [OP_BT] = "bt",
    [OP_BTS] = "bts",
    [OP_BTR] = "btr",
    [OP_BTC] = "btc",
    [OP_BSF] = "bsf",
    [OP_BSR] = "bsr",
    [OP_TZCNT] = "tzcnt",
    [OP_LZCNT] = "lzcnt",
    [OP_POPCNT] = "popcnt",
    [OP_BSWAP] = "bswap",
    [OP_CBW] = "cbw",
    [OP_CWD] = "cwd",
    [OP_PUSH] = "push",
    [OP_POP] = "pop",
    [OP_PUSHA] = "pusha",
    [OP_POPA] = "popa",
    [OP_PUSHF] = "pushf",
    [OP_POPF] = "popf",
    [OP_ENTER] = "enter",
    [OP_LEAVE] = "leave",
    [OP_CALL] = "call",
    [OP_CALLF] = "callf",
    [OP_RET] = "ret",
    [OP_RETF] = "retf",
    [OP_JMP] = "jmp",
    [OP_JMPF] = "jmpf",
    [OP_JCC] = "jcc",
    [OP_LOOP] = "loop",
    [OP_LOOPE] = "loope",
    [OP_LOOPNE] = "loopne",
    [OP_JCXZ] = "jcxz",
    [OP_SETCC] = "setcc",
    [OP_CMOVCC] = "cmovcc",
    [OP_MOVS] = "movs",
    [OP_STOS] = "stos",
    [OP_LODS] = "lods",
    [OP_CMPS] = "cmps",
    [OP_SCAS] = "scas",
    [OP_INS] = "ins",
    [OP_OUTS] = "outs",
    [OP_XLAT] = "xlat",
    [OP_NOP] = "nop",
    [OP_PAUSE] = "pause",
    [OP_CPUID] = "cpuid",
    [OP_RDTSC] = "rdtsc",
    [OP_RDTSCP] = "rdtscp",
    [OP_RDPMC] = "rdpmc",
    [OP_IN] = "in",
    [OP_OUT] = "out",
    [OP_HLT] = "hlt",
    [OP_CLI] = "cli",
    [OP_STI] = "sti",
    [OP_LAHF] = "lahf",
    [OP_SAHF] = "sahf",
    [OP_CLC] = "clc",
    [OP_STC] = "stc",
    [OP_CMC] = "cmc",
    [OP_CLD] = "cld",
    [OP_STD] = "std",
    [OP_INT] = "int",
    [OP_INT3] = "int3",
    [OP_INTO] = "into",
    [OP_INT1] = "int1",
    [OP_IRET] = "iret",
    [OP_UD] = "ud",
    [OP_WAIT] = "wait",
    [OP_DAA] = "daa",
    [OP_DAS] = "das",
    [OP_AAA] = "aaa",
    [OP_AAS] = "aas",
    [OP_AAM] = "aam",
    [OP_AAD] = "aad",
    [OP_SALC] = "salc",
    [OP_BOUND] = "bound",
    [OP_ARPL] = "arpl",
    [OP_LES] = "les",
    [OP_LDS] = "lds",
    [OP_LSS] = "lss",
    [OP_LFS] = "lfs",
    [OP_LGS] = "lgs",
    [OP_MOV_CR] = "mov_cr",
    [OP_MOV_DR] = "mov_dr",
    [OP_SGDT] = "sgdt",
    [OP_SIDT] = "sidt",
    [OP_LGDT] = "lgdt",
    [OP_LIDT] = "lidt",
    [OP_SMSW] = "smsw",
    [OP_LMSW] = "lmsw",
    [OP_INVLPG] = "invlpg",
    [OP_SLDT] = "sldt",
    [OP_STR] = "str",
    [OP_LLDT] = "lldt",
    [OP_LTR] = "ltr",
    [OP_VERR] = "verr",
    [OP_VERW] = "verw",
    [OP_LAR] = "lar",
    [OP_LSL] = "lsl",
    [OP_CLTS] = "clts",
    [OP_INVD] = "invd",
    [OP_WBINVD] = "wbinvd",
    [OP_RDMSR] = "rdmsr",
    [OP_WRMSR] = "wrmsr",
    [OP_SYSCALL] = "syscall",
    [OP_SYSRET] = "sysret",
    [OP_SYSENTER] = "sysenter",
    [OP_SYSEXIT] = "sysexit",
    [OP_SWAPGS] = "swapgs",
    [OP_MONITOR] = "monitor",
    [OP_MWAIT] = "mwait",
    [OP_XGETBV] = "xgetbv",
    [OP_XSETBV] = "xsetbv",
    [OP_RSM] = "rsm",
    [OP_CLFLUSH] = "clflush",
    [OP_FENCE] = "fence",
    [OP_PREFETCH] = "prefetch",
    [OP_FXSAVE] = "fxsave",
    [OP_FXRSTOR] = "fxrstor",
    [OP_LDMXCSR] = "ldmxcsr",
    [OP_STMXCSR] = "stmxcsr",
    [OP_XSAVE] = "xsave",
    [OP_XRSTOR] = "xrstor",
    [OP_MOVBE] = "movbe",
    [OP_RDRAND] = "rdrand",
    [OP_CRC32] = "crc32",
    [OP_FPU] = "fpu",
    [OP_SSE] = "sse",
    [OP_EMMS] = "emms",
};

const char *x86_op_name(X86Op op)
{
    return (unsigned)op < OP__COUNT && op_names[op] ? op_names[op] : "?";
}
