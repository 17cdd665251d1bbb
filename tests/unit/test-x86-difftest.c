/*
 * test-x86-difftest.c: the interpreter against the host CPU through KVM.
 *
 * The same instruction, from the same registers, flags and memory, runs in
 * the interpreter and in a KVM vCPU, in 16-bit real mode, 32-bit protected
 * mode, 64-bit long mode and compatibility mode (32-bit code under long mode); the general
 * registers, RIP, the flags the SDM defines for that instruction, a data page, the stack and the
 * exception taken (through an IDT whose handlers record the vector) must be the same. Instructions
 * come from a table of opcode templates with register and memory forms and prefixes; operands are
 * random (fixed seed; DIFFTEST_SEED and DIFFTEST_COUNT in the environment run a longer set). Skips
 * when /dev/kvm does not open. KVM is used through its raw API here (no accelerator).
 *
 * On a PVM host (our /dev/kvm), KVM runs guest supervisor code and everything outside 64-bit
 * mode in its instruction emulator (an instruction it lacks, such as POPCNT, ends the run: the
 * case is skipped), so those four runs compare against KVM's emulator. The fifth, 64-bit code at
 * CPL 3 ending with UD2 (x86-difftest.h: setup_user), runs natively there: that one compares
 * against the CPU.
 */
#include "x86-difftest.h"

#define DEFAULT_COUNT 3000

#define ARITH (CC_O | CC_S | CC_Z | CC_A | CC_P | CC_C)

static CPUX86State env;
static X86CPU cpu;

/* --- instruction templates ----------------------------------------------------------------------
 */

/* Operand form of a template: which ModRM to generate. */
enum { F_NONE, F_REG, F_MEM, F_BOTH };

typedef struct Template {
    const char *name;
    uint8_t op[12];
    uint8_t oplen;
    uint8_t form;      /* F_*: ModRM with a register (mod 3) or [rBX + disp8] */
    uint8_t reg_field; /* ModRM.reg for group opcodes, 0xff: random register */
    uint8_t imm;       /* immediate bytes after ModRM */
    uint64_t defined;  /* flags compared */
    uint8_t modes;     /* 16 | 32 | 64 bits where it exists: bit 0: 16, 1: 32, 2: 64 */
    bool cl_count;     /* shift count in CL: OF only for 1, no flags for 0 */
} Template;

#define M_ALL        7
#define M_LEGACY     3
#define M_NO_COMPAT  8  /* with bit 1: 32-bit protected mode only */
#define M_NO_USER    16 /* with bit 2: not in the CPL 3 64-bit run */
#define M_USER_ONLY  32 /* with bit 2: only in the CPL 3 64-bit run */
#define MODE_USER64  65 /* 64-bit code at CPL 3, which PVM runs natively (x86-difftest.h) */
#define FRAME_RFLAGS (STACK_TOP - 24) /* in the 64-bit exception frame on RSP0 = STACK_TOP */
#define RR           0xff
#define ALU2(n, o, d)                                                                              \
    {n, {o}, 1, F_BOTH, RR, 0, d, M_ALL}, {n, {o + 1}, 1, F_BOTH, RR, 0, d, M_ALL},                \
        {n, {o + 2}, 1, F_BOTH, RR, 0, d, M_ALL}, {n, {o + 3}, 1, F_BOTH, RR, 0, d, M_ALL},        \
        {n, {o + 4}, 1, F_NONE, 0, 1, d, M_ALL},                                                   \
    {                                                                                              \
        n, {o + 5}, 1, F_NONE, 0, 4, d, M_ALL                                                      \
    }

/* clang-format off */
static const Template templates[] = {
    ALU2("add", 0x00, ARITH),
    ALU2("or", 0x08, ARITH & ~CC_A),
    ALU2("adc", 0x10, ARITH),
    ALU2("sbb", 0x18, ARITH),
    ALU2("and", 0x20, ARITH & ~CC_A),
    ALU2("sub", 0x28, ARITH),
    ALU2("xor", 0x30, ARITH & ~CC_A),
    ALU2("cmp", 0x38, ARITH),
    {"grp1-80", {0x80}, 1, F_BOTH, RR, 1, ARITH & ~CC_A, M_ALL},
    {"grp1-add81", {0x81}, 1, F_BOTH, 0, 4, ARITH, M_ALL},
    {"grp1-sub83", {0x83}, 1, F_BOTH, 5, 1, ARITH, M_ALL},
    {"test", {0x85}, 1, F_BOTH, RR, 0, ARITH & ~CC_A, M_ALL},
    {"xchg", {0x87}, 1, F_BOTH, RR, 0, ARITH, M_ALL},
    {"mov", {0x89}, 1, F_BOTH, RR, 0, ARITH, M_ALL},
    {"mov-load", {0x8b}, 1, F_BOTH, RR, 0, ARITH, M_ALL},
    {"mov8", {0x88}, 1, F_BOTH, RR, 0, ARITH, M_ALL},
    {"lea", {0x8d}, 1, F_MEM, RR, 0, ARITH, M_ALL},
    {"rol", {0xd3}, 1, F_BOTH, 0, 0, CC_C | CC_O, M_ALL, true},
    {"ror", {0xd3}, 1, F_BOTH, 1, 0, CC_C | CC_O, M_ALL, true},
    {"rcl", {0xd3}, 1, F_BOTH, 2, 0, CC_C | CC_O, M_ALL, true},
    {"rcr", {0xd3}, 1, F_BOTH, 3, 0, CC_C | CC_O, M_ALL, true},
    {"shl", {0xd3}, 1, F_BOTH, 4, 0, ARITH & ~CC_A, M_ALL, true},
    {"shr", {0xd3}, 1, F_BOTH, 5, 0, ARITH & ~CC_A, M_ALL, true},
    {"sar", {0xd3}, 1, F_BOTH, 7, 0, ARITH & ~CC_A, M_ALL, true},
    {"shl8", {0xd2}, 1, F_BOTH, 4, 0, ARITH & ~CC_A & ~CC_C, M_ALL, true},
    {"shl1", {0xd1}, 1, F_BOTH, 4, 0, ARITH & ~CC_A, M_ALL},
    {"sar-imm", {0xc1}, 1, F_BOTH, 7, 1, ARITH & ~CC_A & ~CC_O, M_ALL},
    {"not", {0xf7}, 1, F_BOTH, 2, 0, ARITH, M_ALL},
    {"neg", {0xf7}, 1, F_BOTH, 3, 0, ARITH, M_ALL},
    {"mul", {0xf7}, 1, F_BOTH, 4, 0, CC_C | CC_O, M_ALL},
    {"imul1", {0xf7}, 1, F_BOTH, 5, 0, CC_C | CC_O, M_ALL},
    {"div", {0xf7}, 1, F_BOTH, 6, 0, 0, M_ALL},
    {"idiv", {0xf7}, 1, F_BOTH, 7, 0, 0, M_ALL},
    {"div8", {0xf6}, 1, F_BOTH, 6, 0, 0, M_ALL},
    {"inc", {0xff}, 1, F_BOTH, 0, 0, ARITH, M_ALL},
    {"dec8", {0xfe}, 1, F_BOTH, 1, 0, ARITH, M_ALL},
    {"imul2", {0x0f, 0xaf}, 2, F_BOTH, RR, 0, CC_C | CC_O, M_ALL},
    {"imul3", {0x6b}, 1, F_BOTH, RR, 1, CC_C | CC_O, M_ALL},
    {"bt", {0x0f, 0xa3}, 2, F_BOTH, RR, 0, CC_C, M_ALL},
    {"bts", {0x0f, 0xab}, 2, F_BOTH, RR, 0, CC_C, M_ALL},
    {"btc-imm", {0x0f, 0xba}, 2, F_BOTH, 7, 1, CC_C, M_ALL},
    {"bsf", {0x0f, 0xbc}, 2, F_BOTH, RR, 0, CC_Z, M_ALL},
    {"bsr", {0x0f, 0xbd}, 2, F_BOTH, RR, 0, CC_Z, M_ALL},
    {"shld", {0x0f, 0xa5}, 2, F_REG, RR, 0, CC_C | CC_Z | CC_S | CC_P, M_ALL, true},
    /* register form: KVM's emulator (PVM) writes the destination back; hardware does not */
    {"cmpxchg", {0x0f, 0xb1}, 2, F_MEM, RR, 0, ARITH, M_ALL},
    {"xadd", {0x0f, 0xc1}, 2, F_BOTH, RR, 0, ARITH, M_ALL},
    {"movzx", {0x0f, 0xb6}, 2, F_BOTH, RR, 0, ARITH, M_ALL},
    {"movsx", {0x0f, 0xbf}, 2, F_BOTH, RR, 0, ARITH, M_ALL},
    {"cmovl", {0x0f, 0x4c}, 2, F_BOTH, RR, 0, ARITH, M_ALL},
    {"cmovbe", {0x0f, 0x46}, 2, F_BOTH, RR, 0, ARITH, M_ALL},
    {"setg", {0x0f, 0x9f}, 2, F_BOTH, 0, 0, ARITH, M_ALL},
    {"setp", {0x0f, 0x9a}, 2, F_BOTH, 0, 0, ARITH, M_ALL},
    {"bswap", {0x0f, 0xc9}, 2, F_NONE, 0, 0, ARITH, M_ALL},
    {"cbw", {0x98}, 1, F_NONE, 0, 0, ARITH, M_ALL},
    {"cwd", {0x99}, 1, F_NONE, 0, 0, ARITH, M_ALL},
    {"lahf", {0x9f}, 1, F_NONE, 0, 0, ARITH, M_ALL},
    {"sahf", {0x9e}, 1, F_NONE, 0, 0, ARITH, M_ALL},
    {"cmc", {0xf5}, 1, F_NONE, 0, 0, ARITH, M_ALL},
    {"push-pop", {0x51, 0x5a}, 2, F_NONE, 0, 0, ARITH, M_ALL},
    {"pushf-pop", {0x9c, 0x58}, 2, F_NONE, 0, 0, ARITH, M_ALL},
    {"enter-leave", {0xc8, 0x10, 0x00}, 3, F_NONE, 0, 1, ARITH, M_ALL},
    {"rep-movsb", {0xf3, 0xa4}, 2, F_NONE, 0, 0, ARITH, M_ALL},
    {"rep-stosd", {0xf3, 0xab}, 2, F_NONE, 0, 0, ARITH, M_ALL},
    {"repe-cmpsb", {0xf3, 0xa6}, 2, F_NONE, 0, 0, ARITH, M_ALL},
    {"repne-scasb", {0xf2, 0xae}, 2, F_NONE, 0, 0, ARITH, M_ALL},
    {"lodsw", {0x66, 0xad}, 2, F_NONE, 0, 0, ARITH, M_ALL},
    {"xlat", {0xd7}, 1, F_NONE, 0, 0, ARITH, M_ALL},
    {"daa", {0x27}, 1, F_NONE, 0, 0, ARITH & ~CC_O, M_LEGACY},
    {"das", {0x2f}, 1, F_NONE, 0, 0, ARITH & ~CC_O, M_LEGACY},
    {"aaa", {0x37}, 1, F_NONE, 0, 0, CC_A | CC_C, M_LEGACY},
    {"aas", {0x3f}, 1, F_NONE, 0, 0, CC_A | CC_C, M_LEGACY},
    /*
     * Flags not compared: KVM here gives SF=1 ZF=0 for AAM 1 with AL = 0, which is not what
     * the SDM says (SF, ZF, PF from AL); tern follows the SDM.
     */
    {"aam", {0xd4}, 1, F_NONE, 0, 1, 0, M_LEGACY},
    {"aad", {0xd5}, 1, F_NONE, 0, 1, 0, M_LEGACY},
    {"pusha-popa", {0x60, 0x61}, 2, F_NONE, 0, 0, ARITH, M_LEGACY},
    {"movsxd", {0x63}, 1, F_BOTH, RR, 0, ARITH, 4},
    {"ud2", {0x0f, 0x0b}, 2, F_NONE, 0, 0, ARITH, M_ALL},
    {"jz-skip", {0x74, 0x01, 0x90}, 3, F_NONE, 0, 0, ARITH, M_ALL},
    {"jl-skip", {0x7c, 0x01, 0x90}, 3, F_NONE, 0, 0, ARITH, M_ALL},
    {"jbe-skip", {0x76, 0x01, 0x90}, 3, F_NONE, 0, 0, ARITH, M_ALL},
    {"jp-skip", {0x7a, 0x01, 0x90}, 3, F_NONE, 0, 0, ARITH, M_ALL},
    {"jg-near", {0x0f, 0x8f, 0x01, 0x00, 0x00, 0x00, 0x90}, 7, F_NONE, 0, 0, ARITH, 6},
    {"loop", {0xe2, 0x01, 0x90}, 3, F_NONE, 0, 0, ARITH, M_ALL},
    {"loopne", {0xe0, 0x01, 0x90}, 3, F_NONE, 0, 0, ARITH, M_ALL},
    {"jrcxz", {0xe3, 0x01, 0x90}, 3, F_NONE, 0, 0, ARITH, M_ALL},
    {"call-pop", {0xe8, 0, 0, 0, 0, 0x58}, 6, F_NONE, 0, 0, ARITH, 6},
    {"call-pop16", {0xe8, 0, 0, 0x58}, 4, F_NONE, 0, 0, ARITH, 1},
    {"call-ret", {0xe8, 0x01, 0, 0, 0, 0xf4, 0xc3}, 7, F_NONE, 0, 0, ARITH, 6},
    /* not at CPL 3: PUSH FS there pushes 0 under PVM, whose user code runs with the host's FS */
    {"push-pop-fs", {0x0f, 0xa0, 0x0f, 0xa1}, 4, F_NONE, 0, 0, ARITH, M_ALL | M_NO_USER},
    {"push-ds-pop-es", {0x1e, 0x07}, 2, F_NONE, 0, 0, ARITH, M_LEGACY},
    {"push-imm-pop", {0x6a, 0x80, 0x58}, 3, F_NONE, 0, 0, ARITH, M_ALL},
    {"lock-add", {0xf0, 0x01}, 2, F_MEM, RR, 0, ARITH, M_ALL},
    {"lock-btr", {0xf0, 0x0f, 0xb3}, 3, F_MEM, RR, 0, CC_C, M_ALL},
    {"cmpxchg8b", {0x0f, 0xc7}, 2, F_MEM, 1, 0, CC_Z, M_ALL},
    {"movs-a32", {0x67, 0xf3, 0xa4}, 3, F_NONE, 0, 0, ARITH, 6},
    {"lea-a16", {0x67, 0x8d}, 2, F_MEM, RR, 0, ARITH, M_LEGACY},
    {"imul-imm", {0x69}, 1, F_BOTH, RR, 4, CC_C | CC_O, M_ALL},
    {"test-imm", {0xf7}, 1, F_BOTH, 0, 4, ARITH & ~CC_A, M_ALL},
    {"neg8", {0xf6}, 1, F_BOTH, 3, 0, ARITH, M_ALL},
    {"rcr-imm", {0xc1}, 1, F_BOTH, 3, 1, CC_C, M_ALL},
    {"shrd", {0x0f, 0xad}, 2, F_REG, RR, 0, CC_C | CC_Z | CC_S | CC_P, M_ALL, true},
    /* LZCNT only at CPL 3: KVM's emulator (PVM, the other runs) runs it as BSR */
    {"lzcnt", {0xf3, 0x0f, 0xbd}, 3, F_BOTH, RR, 0, CC_C | CC_Z, 4 | M_USER_ONLY},
    {"popcnt", {0xf3, 0x0f, 0xb8}, 3, F_BOTH, RR, 0, ARITH, 6},
    /* the second REX (W) is the one that counts; misaligned: #GP, not comparable at CPL 3 */
    {"cmpxchg16b", {0x48, 0x0f, 0xc7}, 3, F_MEM, 1, 0, CC_Z, 4 | M_USER_ONLY},
    /* not at CPL 3: KVM here (PVM) emulates INT n/INT3 from user code and fails (#UD) */
    {"int5", {0xcd, 0x05}, 2, F_NONE, 0, 0, ARITH, M_ALL | M_NO_USER},
    {"into", {0xce}, 1, F_NONE, 0, 0, ARITH, M_LEGACY},
    {"bound", {0x62}, 1, F_MEM, RR, 0, ARITH, M_LEGACY},
    {"cli-sti", {0xfa, 0xfb}, 2, F_NONE, 0, 0, ARITH, M_ALL},
    {"std-lodsb", {0xfd, 0xac}, 2, F_NONE, 0, 0, ARITH, M_ALL},
    /* far transfers to selector 8 at absolute addresses in the code (CODE_ADDR = 0x3000) */
    {"call-far", {0x9a, 0x08, 0x30, 0x00, 0x00, 0x08, 0x00, 0xf4, 0x58, 0x5a}, 10, F_NONE, 0, 0, ARITH, 2},
    {"call-far16", {0x9a, 0x06, 0x30, 0x00, 0x00, 0xf4, 0x58, 0x5a}, 8, F_NONE, 0, 0, ARITH, 1},
    {"retf", {0x6a, 0x08, 0x68, 0x0a, 0x30, 0x00, 0x00, 0xcb, 0xf4, 0x90}, 10, F_NONE, 0, 0, ARITH, 2},
    /* not in compatibility mode: KVM here (PVM) raises #GP for it there; PVM emulates IRET */
    {"iret", {0x9c, 0x6a, 0x08, 0x68, 0x0b, 0x30, 0x00, 0x00, 0xcf, 0xf4, 0x90}, 11, F_NONE, 0, 0, ARITH, 2 | M_NO_COMPAT},
    {"jmp-far", {0xea, 0x08, 0x30, 0x00, 0x00, 0x08, 0x00, 0xf4}, 8, F_NONE, 0, 0, ARITH, 2},
    /* pushf; or dword [rsp], TF; popf; nop; nop: #DB after the first NOP */
    {"single-step", {0x9c, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d, 0x90, 0x90}, 11, F_NONE, 0, 0, ARITH, 6},
    {"int3", {0xcc}, 1, F_NONE, 0, 0, ARITH, M_ALL | M_NO_USER},
};
/* clang-format on */

static const uint64_t edge_values[] = {
    0,          1,      0x7f,       0x80,       0xff,       0x7fff,
    0x8000,     0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x8000000000000000ULL,
    UINT64_MAX,
};

static uint64_t rand_value(GRand *r)
{
    if (g_rand_int_range(r, 0, 3) == 0) {
        return edge_values[g_rand_int_range(r, 0, ARRAY_SIZE(edge_values))];
    }
    return ((uint64_t)g_rand_int(r) << 32) | g_rand_int(r);
}

/* A random general register other than rSP/rBX (the stack and the memory base). */
static int rand_reg(GRand *r, int mode)
{
    int reg;

    do {
        reg = g_rand_int_range(r, 0, mode == 64 ? 16 : 8);
    } while (reg == R_ESP || reg == R_EBX || reg == 12);
    return reg;
}

/* Builds prefixes + opcode + ModRM + immediates + HLT at CODE_ADDR; returns its length. */
static size_t build_insn(GRand *r, const Template *t, int mode, uint8_t *buf)
{
    size_t n = 0, imm;
    bool data16 = false;
    int form = t->form == F_BOTH ? (g_rand_boolean(r) ? F_REG : F_MEM) : t->form;
    int reg = t->reg_field == RR ? rand_reg(r, mode) : t->reg_field;
    int rm = rand_reg(r, mode);
    uint8_t rex = 0;

    /*
     * No 66 on INT3/INT n/INTO in real mode (KVM's real-mode emulator then pushes a 32-bit
     * frame; hardware 16 bits), on ENTER (KVM here pushes rBP at the stack size, the SDM says
     * the operand size) or on a near Jcc (KVM's emulator lands elsewhere in 32-bit code).
     */
    bool jcc_near = t->op[0] == 0x0f && t->op[1] == 0x8f;
    bool real_int = mode == 16 && (t->op[0] == 0xcc || t->op[0] == 0xcd || t->op[0] == 0xce);

    if (g_rand_int_range(r, 0, 4) == 0 && t->op[0] != 0x66 && t->op[0] != 0xc8 && !jcc_near &&
        !real_int) {
        buf[n++] = 0x66;
        data16 = true;
    }
    if (mode == 64) {
        rex = g_rand_boolean(r) ? 0x48 : 0x40;
        if (form != F_NONE) {
            rex |= (reg & 8) ? 4 : 0;
            rex |= (form == F_REG && (rm & 8)) ? 1 : 0;
        }
        if (t->op[0] == 0xf3 || t->op[0] == 0xf2 || t->op[0] == 0x66) {
            buf[n++] = t->op[0]; /* a mandatory/REP prefix goes before REX */
            buf[n++] = rex;
            memcpy(buf + n, t->op + 1, t->oplen - 1);
            n += t->oplen - 1;
        } else {
            buf[n++] = rex;
            memcpy(buf + n, t->op, t->oplen);
            n += t->oplen;
        }
    } else {
        memcpy(buf + n, t->op, t->oplen);
        n += t->oplen;
    }
    if (form == F_REG) {
        buf[n++] = 0xc0 | ((reg & 7) << 3) | (rm & 7);
    } else if (form == F_MEM) {
        if (mode == 16) {
            buf[n++] = 0x47 | ((reg & 7) << 3); /* [bx + disp8] */
        } else {
            buf[n++] = 0x43 | ((reg & 7) << 3); /* [rbx + disp8] */
        }
        buf[n++] = g_rand_int_range(r, 0, 0x80) & ~7;
    }
    /* imm 4 means Iz: two bytes with a 16-bit operand size */
    imm = t->imm == 4 && ((mode == 16) != data16) && !(rex & 8) ? 2 : t->imm;
    for (size_t i = 0; i < imm; i++) {
        buf[n++] = g_rand_int(r);
    }
    buf[n++] = 0xf4;
    return n;
}

static void random_state(GRand *r, CPUX86State *e, int mode, const Template *t)
{
    for (int i = 0; i < (mode == 64 ? 16 : 8); i++) {
        e->regs[i] = rand_value(r);
        if (mode != 64) {
            e->regs[i] &= 0xffffffff;
        }
    }
    e->regs[R_ESP] = STACK_TOP;
    e->regs[R_EBX] = DATA_ADDR;
    /* string instructions: small counts, pointers inside the data page */
    e->regs[R_ESI] = DATA_ADDR + g_rand_int_range(r, 0, 0x400);
    e->regs[R_EDI] = DATA_ADDR + 0x800 + g_rand_int_range(r, 0, 0x400);
    if (t->op[0] == 0xf3 || t->op[0] == 0xf2 || t->op[0] == 0xd7 || t->op[0] == 0x66 ||
        t->op[0] == 0x67) {
        e->regs[R_ECX] = g_rand_int_range(r, 0, 64);
    }
    if (t->cl_count && t->op[0] == 0x0f) {
        e->regs[R_ECX] &= ~0x30ULL; /* SHLD: counts past 16 are undefined for 16-bit operands */
    }
    if (t->op[0] == 0xd7) {
        e->regs[R_EAX] = (e->regs[R_EAX] & ~0xffffULL) | (e->regs[R_EAX] & 0xff);
    }
    e->rflags = RFLAGS_FIXED | (rand_value(r) & ARITH);
    e->rip = CODE_ADDR;
}

typedef struct Stats {
    unsigned runs, mismatches, skipped, unstable, pvm_gp;
} Stats;

static bool compare(const Template *t, int mode, const uint8_t *insn, size_t len,
                    const CPUX86State *start, const CPUX86State *a, const uint8_t *amem,
                    const CPUX86State *k, const uint8_t *kmem, bool user, bool faulted, Stats *st)
{
    uint64_t defined = t->defined;
    bool ok = true;

    if (t->cl_count) {
        unsigned c = start->regs[R_ECX] & 63; /* 33 counts as 1 for 32 bits: OF not compared */

        if (c == 0) {
            defined = ARITH;
        } else if (c != 1) {
            defined &= ~(uint64_t)CC_O;
        }
        if (c >= 16) {
            defined &= ~(uint64_t)CC_C; /* 8/16-bit forms past their width */
        }
    }
    if (faulted) {
        defined = ARITH; /* a fault changes no flags */
    }
    for (int i = 0; i < 16; i++) {
        ok &= a->regs[i] == k->regs[i];
    }
    ok &= a->rip == k->rip;
    ok &= ((a->rflags ^ k->rflags) & (defined | DF_MASK | IF_MASK)) == 0;
    ok &= memcmp(amem + DATA_ADDR, kmem + DATA_ADDR, 0x1000) == 0;
    if (user && !faulted) {
        /* the flags after the instruction are in UD2's frame: only the defined ones count */
        uint64_t fa, fk;

        memcpy(&fa, amem + FRAME_RFLAGS, 8);
        memcpy(&fk, kmem + FRAME_RFLAGS, 8);
        ok &= ((fa ^ fk) & ~(ARITH & ~defined)) == 0;
        ok &= memcmp(amem + STACK_LO, kmem + STACK_LO, FRAME_RFLAGS - STACK_LO) == 0;
        ok &= memcmp(amem + FRAME_RFLAGS + 8, kmem + FRAME_RFLAGS + 8,
                     STACK_TOP - FRAME_RFLAGS - 8) == 0;
    } else {
        ok &= memcmp(amem + STACK_LO, kmem + STACK_LO, STACK_TOP - STACK_LO) == 0;
    }
    ok &= amem[EXC_ADDR] == kmem[EXC_ADDR];
    if (!ok) {
        g_autoptr(GString) hex = g_string_new(NULL);

        for (size_t i = 0; i < len; i++) {
            g_string_append_printf(hex, "%02x ", insn[i]);
        }
        st->mismatches++;
        if (st->mismatches <= 15) {
            g_test_message("%s (%d-bit) %s: exception tern %d kvm %d; rip %" PRIx64 "/%" PRIx64
                           " flags %" PRIx64 "/%" PRIx64 " (from %" PRIx64 ")",
                           t->name, mode, hex->str, amem[EXC_ADDR], kmem[EXC_ADDR], a->rip, k->rip,
                           a->rflags & 0xfff, k->rflags & 0xfff, start->rflags & 0xfff);
            for (int i = 0; i < 16; i++) {
                if (a->regs[i] != k->regs[i] || i == R_EAX || getenv("DIFFTEST_ALL_REGS")) {
                    g_test_message("  r%d: start %" PRIx64 " tern %" PRIx64 " kvm %" PRIx64, i,
                                   start->regs[i], a->regs[i], k->regs[i]);
                }
            }
            if (memcmp(amem + DATA_ADDR, kmem + DATA_ADDR, 0x1000)) {
                g_test_message("  data page differs");
            }
            if (memcmp(amem + STACK_LO, kmem + STACK_LO, STACK_TOP - STACK_LO)) {
                for (int off = 8; off <= (getenv("DIFFTEST_ALL_REGS") ? 256 : 48); off += 8) {
                    uint64_t x, y;

                    memcpy(&x, amem + STACK_TOP - off, 8);
                    memcpy(&y, kmem + STACK_TOP - off, 8);
                    g_test_message("  stack[-%d]: tern %" PRIx64 " kvm %" PRIx64, off, x, y);
                }
            }
        }
    }
    return ok;
}

static void run_one(GRand *r, int mode, Stats *st)
{
    static uint8_t amem[0x10000], kmem[0x10000];
    const Template *t = &templates[g_rand_int_range(r, 0, ARRAY_SIZE(templates))];
    CPUX86State start, kout, k2;
    uint8_t insn[32];
    size_t len;
    int exit;

    bool user = mode == MODE_USER64, faulted;
    uint64_t frame_rip;

    if (!(t->modes & (mode == 16                          ? 1
                      : mode == 64 || mode == MODE_USER64 ? 4
                                                          : 2)) ||
        (mode == MODE_COMPAT && (t->modes & M_NO_COMPAT)) || (user && (t->modes & M_NO_USER)) ||
        (!user && (t->modes & M_USER_ONLY))) {
        st->skipped++;
        return;
    }
    if (user) {
        mode = 64;
    }
    setup_mode(&start, mode);
    len = build_insn(r, t, mode, insn);
    if (user) {
        setup_user(&start, 64);
        insn[len - 1] = 0x0f; /* UD2 for HLT, which is privileged */
        insn[len++] = 0x0b;
    }
    put(CODE_ADDR, insn, len);
    for (int i = 0; i < 0x1000; i++) {
        pristine[DATA_ADDR + i] = g_rand_int(r);
    }
    pristine[EXC_ADDR] = NO_EXCEPTION;
    random_state(r, &start, mode, t);
    if (user) {
        start.regs[R_ESP] = USER_STACK;
        start.rflags |= IF_MASK; /* PVM runs guest user code with IF = 1 whatever RFLAGS says */
    }

    /* the interpreter */
    memcpy(ram_ptr, pristine, 0x10000);
    env = start;
    x86_cpu_state_changed(&cpu);
    cpu.stop_on_exception = false;
    x86_cpu_exec(&cpu, 1000);
    memcpy(amem, ram_ptr, sizeof(amem));

    /* KVM */
    memcpy(ram_ptr, pristine, 0x10000);
    exit = kvm_exec(&start, &kout);
    if (exit != KVM_EXIT_HLT) {
        st->skipped++; /* KVM could not run it here (PVM emulation limits) */
        return;
    }
    /* PVM sometimes runs the same state differently: compare only when KVM agrees with itself */
    memcpy(kmem, ram_ptr, sizeof(kmem));
    memcpy(ram_ptr, pristine, 0x10000);
    if (kvm_exec(&start, &k2) != KVM_EXIT_HLT || memcmp(kmem, ram_ptr, sizeof(kmem)) ||
        memcmp(k2.regs, kout.regs, sizeof(k2.regs)) || k2.rip != kout.rip ||
        k2.rflags != kout.rflags) {
        st->unstable++;
        return;
    }
    /*
     * At CPL 3, PVM intercepts #GP (to emulate privileged instructions) and hands the instruction
     * to KVM's emulator: an interpreter #GP is not comparable there.
     */
    if (user && amem[EXC_ADDR] == EXCP0D_GPF && kmem[EXC_ADDR] != EXCP0D_GPF) {
        st->pvm_gp++;
        return;
    }
    /* at CPL 3 the UD2 at the end is the normal end */
    memcpy(&frame_rip, amem + STACK_TOP - 40, 8);
    faulted = amem[EXC_ADDR] != NO_EXCEPTION &&
              !(user && amem[EXC_ADDR] == EXCP06_ILLOP && frame_rip == CODE_ADDR + len - 2);
    st->runs++;
    if (getenv("DIFFTEST_TRACE") && strcmp(getenv("DIFFTEST_TRACE"), t->name) == 0) {
        g_test_message("%s (%d-bit): exception tern %d kvm %d, rip %" PRIx64 "/%" PRIx64, t->name,
                       mode, amem[EXC_ADDR], kmem[EXC_ADDR], env.rip, kout.rip);
    }
    compare(t, mode, insn, len, &start, &env, amem, &kout, kmem, user, faulted, st);
}

static const char *mode_name(int mode)
{
    return mode == 16            ? "real mode"
           : mode == 32          ? "32-bit"
           : mode == 64          ? "64-bit"
           : mode == MODE_USER64 ? "64-bit CPL 3"
                                 : "compat";
}

static void difftest_mode(int mode)
{
    const char *seed_s = getenv("DIFFTEST_SEED"), *count_s = getenv("DIFFTEST_COUNT");
    unsigned count = count_s ? atoi(count_s) : DEFAULT_COUNT;
    GRand *r = g_rand_new_with_seed(seed_s ? atoi(seed_s) : 0x5eed + mode);
    g_autofree char *why = NULL;
    Stats st = {0};

    if (vcpu_fd < 0 && !kvm_setup(&why)) {
        g_test_skip(why);
        g_rand_free(r);
        return;
    }
    for (unsigned i = 0; i < count; i++) {
        run_one(r, mode, &st);
    }
    g_test_message("%s: %u compared, %u mismatches, %u skipped, %u where KVM disagreed with "
                   "itself, %u #GP not comparable (PVM) (%zu templates)",
                   mode_name(mode), st.runs, st.mismatches, st.skipped, st.unstable, st.pvm_gp,
                   ARRAY_SIZE(templates));
    g_assert_cmpuint(st.mismatches, ==, 0);
    g_rand_free(r);
}

static void test_difftest_16(void)
{
    difftest_mode(16);
}

static void test_difftest_32(void)
{
    difftest_mode(32);
}

static void test_difftest_64(void)
{
    difftest_mode(64);
}

static void test_difftest_compat(void)
{
    difftest_mode(MODE_COMPAT);
}

static void test_difftest_user64(void)
{
    difftest_mode(MODE_USER64);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    dt_ram_init();
    x86_tcg_cpu_init(&cpu, &env, address_space_memory(), address_space_io());

    g_test_add_func("/x86/difftest/16", test_difftest_16);
    g_test_add_func("/x86/difftest/32", test_difftest_32);
    g_test_add_func("/x86/difftest/64", test_difftest_64);
    g_test_add_func("/x86/difftest/compat", test_difftest_compat);
    g_test_add_func("/x86/difftest/64-user", test_difftest_user64);
    return g_test_run();
}
