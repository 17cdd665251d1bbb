/*
 * decode.h: the x86 instruction decoder's output.
 *
 * Follows the Intel SDM Vol. 2, chapter 2 (instruction format: legacy prefixes,
 * REX, opcode, ModRM, SIB, displacement, immediate) and appendix A (opcode maps
 * and their operand letters). Decoding is separate from execution so that a
 * later step can cache DecodedInsn. Left out: VEX/EVEX/XOP encodings (#UD: no
 * AVX is advertised); SSE and x87 opcodes are decoded for their length and
 * operands only, executing them is the next issue's work.
 */
#ifndef TARGET_X86_DECODE_H
#define TARGET_X86_DECODE_H

#include "qemu/osdep.h"

#define X86_MAX_INSN_LEN 15 /* SDM Vol. 2, 2.3.11: longer is #GP(0) */

/* Operations; the executor dispatches on these. OP_ADD..OP_CMP follow group 1's /r order. */
typedef enum X86Op {
    OP_INVALID, /* zero, so that an empty table slot is #UD */
    OP_ADD,
    OP_OR,
    OP_ADC,
    OP_SBB,
    OP_AND,
    OP_SUB,
    OP_XOR,
    OP_CMP,
    /* shifts in group 2's /r order */
    OP_ROL,
    OP_ROR,
    OP_RCL,
    OP_RCR,
    OP_SHL,
    OP_SHR,
    OP_SAL,
    OP_SAR,
    OP_TEST,
    OP_INC,
    OP_DEC,
    OP_NEG,
    OP_NOT,
    OP_MUL,
    OP_IMUL1,
    OP_IMUL,
    OP_DIV,
    OP_IDIV,
    OP_SHLD,
    OP_SHRD,
    OP_MOV,
    OP_MOVZX,
    OP_MOVSX,
    OP_MOVSXD,
    OP_LEA,
    OP_XCHG,
    OP_CMPXCHG,
    OP_XADD,
    OP_CMPXCHG8B, /* CMPXCHG16B with REX.W */
    OP_BT,
    OP_BTS,
    OP_BTR,
    OP_BTC,
    OP_BSF,
    OP_BSR,
    OP_TZCNT,
    OP_LZCNT,
    OP_POPCNT,
    OP_BSWAP,
    OP_CBW, /* CBW/CWDE/CDQE */
    OP_CWD, /* CWD/CDQ/CQO */
    OP_PUSH,
    OP_POP,
    OP_PUSHA,
    OP_POPA,
    OP_PUSHF,
    OP_POPF,
    OP_ENTER,
    OP_LEAVE,
    OP_CALL,
    OP_CALLF,
    OP_RET,
    OP_RETF,
    OP_JMP,
    OP_JMPF,
    OP_JCC,
    OP_LOOP,
    OP_LOOPE,
    OP_LOOPNE,
    OP_JCXZ,
    OP_SETCC,
    OP_CMOVCC,
    OP_MOVS,
    OP_STOS,
    OP_LODS,
    OP_CMPS,
    OP_SCAS,
    OP_INS,
    OP_OUTS,
    OP_XLAT,
    OP_NOP,
    OP_PAUSE,
    OP_CPUID,
    OP_RDTSC,
    OP_RDTSCP,
    OP_RDPMC,
    OP_IN,
    OP_OUT,
    OP_HLT,
    OP_CLI,
    OP_STI,
    OP_LAHF,
    OP_SAHF,
    OP_CLC,
    OP_STC,
    OP_CMC,
    OP_CLD,
    OP_STD,
    OP_INT,
    OP_INT3,
    OP_INTO,
    OP_INT1,
    OP_IRET,
    OP_UD,
    OP_WAIT,
    OP_DAA,
    OP_DAS,
    OP_AAA,
    OP_AAS,
    OP_AAM,
    OP_AAD,
    OP_SALC,
    OP_BOUND,
    OP_ARPL,
    OP_LES,
    OP_LDS,
    OP_LSS,
    OP_LFS,
    OP_LGS,
    OP_MOV_CR,
    OP_MOV_DR, /* direction from the operands */
    OP_SGDT,
    OP_SIDT,
    OP_LGDT,
    OP_LIDT,
    OP_SMSW,
    OP_LMSW,
    OP_INVLPG,
    OP_SLDT,
    OP_STR,
    OP_LLDT,
    OP_LTR,
    OP_VERR,
    OP_VERW,
    OP_LAR,
    OP_LSL,
    OP_CLTS,
    OP_INVD,
    OP_WBINVD,
    OP_RDMSR,
    OP_WRMSR,
    OP_SYSCALL,
    OP_SYSRET,
    OP_SYSENTER,
    OP_SYSEXIT,
    OP_SWAPGS,
    OP_MONITOR,
    OP_MWAIT,
    OP_XGETBV,
    OP_XSETBV,
    OP_RSM,
    OP_CLFLUSH,
    OP_FENCE,
    OP_PREFETCH,
    OP_FXSAVE,
    OP_FXRSTOR,
    OP_LDMXCSR,
    OP_STMXCSR,
    OP_XSAVE,
    OP_XRSTOR,
    OP_MOVBE,
    OP_RDRAND,
    OP_CRC32,
    OP_FPU, /* D8-DF: x87, decoded for length only */
    OP_SSE, /* MMX/SSE/three-byte maps: decoded for length only */
    OP_EMMS,
    OP__COUNT
} X86Op;

/* Operand kinds. */
enum {
    X86_OPK_NONE = 0,
    X86_OPK_REG,  /* general register (reg; high8 for AH..BH) */
    X86_OPK_MEM,  /* DecodedInsn.mem */
    X86_OPK_IMM,  /* DecodedInsn.imm (or imm2 for the second immediate) */
    X86_OPK_REL,  /* branch target: DecodedInsn.imm is the displacement from the next insn */
    X86_OPK_SREG, /* segment register reg */
    X86_OPK_CREG, /* control register reg */
    X86_OPK_DREG, /* debug register reg */
    X86_OPK_FAR,  /* ptr16:16/32 (imm offset, imm2 selector) */
    X86_OPK_XMM,  /* MMX/XMM register (not executed yet) */
};

typedef struct X86Operand {
    uint8_t kind; /* X86_OPK_* */
    uint8_t size; /* bytes */
    uint8_t reg;
    bool high8; /* AH, CH, DH, BH (reg 4..7 without REX) */
    bool imm2;  /* X86_OPK_IMM: the second immediate (ENTER's Ib) */
} X86Operand;

/* The one memory operand an instruction may have. base/index: register number or -1. */
typedef struct X86MemAddr {
    int8_t seg; /* R_ES..R_GS after defaults and overrides */
    int8_t base;
    int8_t index;
    uint8_t scale; /* 1, 2, 4, 8 */
    bool rip_rel;  /* disp is relative to the next instruction */
    int64_t disp;
} X86MemAddr;

/* Prefix bits in DecodedInsn.prefixes. */
#define PREFIX_LOCK  (1u << 0)
#define PREFIX_REPZ  (1u << 1) /* F3 */
#define PREFIX_REPNZ (1u << 2) /* F2 */
#define PREFIX_DATA  (1u << 3) /* 66 */
#define PREFIX_ADR   (1u << 4) /* 67 */
#define PREFIX_REX   (1u << 5)

/* REX bits (SDM Vol. 2, 2.2.1). */
#define REX_B 0x1
#define REX_X 0x2
#define REX_R 0x4
#define REX_W 0x8

/* Opcode maps. */
enum { X86_MAP_ONE, X86_MAP_0F, X86_MAP_0F38, X86_MAP_0F3A };

typedef struct DecodedInsn {
    uint16_t op;      /* X86Op */
    uint8_t len;      /* bytes, prefixes included */
    uint8_t map;      /* X86_MAP_* */
    uint8_t opcode;   /* the last opcode byte */
    uint8_t prefixes; /* PREFIX_* */
    uint8_t rex;
    uint8_t opsize;   /* operand size in bytes: 2, 4, 8 (1 for byte forms) */
    uint8_t addrsize; /* 2, 4, 8 */
    uint8_t cond;     /* Jcc/SETcc/CMOVcc condition (low opcode nibble) */
    bool has_modrm;
    uint8_t modrm;
    uint8_t nopnd;
    X86Operand opnd[3];
    X86MemAddr mem;
    uint64_t imm, imm2; /* sign-extended from their encoded size */
} DecodedInsn;

typedef enum X86DecodeStatus {
    X86_DECODE_OK,
    X86_DECODE_UD,    /* invalid opcode or prefix use: #UD */
    X86_DECODE_GP,    /* longer than 15 bytes: #GP(0) */
    X86_DECODE_SHORT, /* needs more bytes than were given (fetch the next page) */
} X86DecodeStatus;

/*
 * Decodes one instruction from bytes[0..avail) for a code segment of
 * code_bits (16, 32 or 64). On OK fills *d (d->len is its length).
 */
X86DecodeStatus x86_decode(const uint8_t *bytes, size_t avail, int code_bits, DecodedInsn *d);

/* A short lower-case name for op, for logs and tests. */
const char *x86_op_name(X86Op op);

#endif
