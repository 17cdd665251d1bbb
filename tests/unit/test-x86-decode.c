/*
 * test-x86-decode.c: the x86 decoder against chosen encodings and against
 * Capstone, which serves as the oracle for instruction lengths and memory
 * operands over many byte sequences in 16-, 32- and 64-bit modes (SDM Vol. 2,
 * chapter 2 and appendix A). Capstone is used here only as a test oracle.
 */
#include "qemu/osdep.h"
#include "target/x86/cpu.h"
#include "target/x86/decode.h"
#include <capstone.h>

#define TAILS_PER_OPCODE 4
#define TAIL_LEN         X86_MAX_INSN_LEN
#define BUF_LEN          (2 * X86_MAX_INSN_LEN)
#define NO_REG           (-1)
#define RIP_REG          (-2)

static X86DecodeStatus dec(const char *hex, int bits, DecodedInsn *d)
{
    uint8_t buf[BUF_LEN];
    size_t n = 0;

    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        g_assert(n < sizeof(buf));
        buf[n++] = (g_ascii_xdigit_value(p[0]) << 4) | g_ascii_xdigit_value(p[1]);
        p += 2;
    }
    return x86_decode(buf, n, bits, d);
}

static void test_fixed_forms(void)
{
    DecodedInsn d;

    /* mov rax, [rsp + 8] */
    g_assert_cmpint(dec("48 8b 44 24 08", 64, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.len, ==, 5);
    g_assert_cmpint(d.op, ==, OP_MOV);
    g_assert_cmpint(d.opsize, ==, 8);
    g_assert_cmpint(d.opnd[0].kind, ==, X86_OPK_REG);
    g_assert_cmpint(d.opnd[0].reg, ==, R_EAX);
    g_assert_cmpint(d.opnd[1].kind, ==, X86_OPK_MEM);
    g_assert_cmpint(d.mem.base, ==, R_ESP);
    g_assert_cmpint(d.mem.index, ==, NO_REG);
    g_assert_cmpint(d.mem.seg, ==, R_SS);
    g_assert_cmpint(d.mem.disp, ==, 8);

    /* mov eax, [rip - 16] */
    g_assert_cmpint(dec("8b 05 f0 ff ff ff", 64, &d), ==, X86_DECODE_OK);
    g_assert_true(d.mem.rip_rel);
    g_assert_cmpint(d.mem.disp, ==, -16);
    g_assert_cmpint(d.opsize, ==, 4);

    /* 16-bit: mov ax, [bp - 2] defaults to SS; with a DS override to DS */
    g_assert_cmpint(dec("8b 46 fe", 16, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.len, ==, 3);
    g_assert_cmpint(d.mem.base, ==, R_EBP);
    g_assert_cmpint(d.mem.seg, ==, R_SS);
    g_assert_cmpint(d.mem.disp, ==, -2);
    g_assert_cmpint(dec("3e 8b 46 fe", 16, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.mem.seg, ==, R_DS);

    /* 32-bit code, 16-bit operand with 66, [eax + ecx*4 + 0x12345678] */
    g_assert_cmpint(dec("66 8b 94 88 78 56 34 12", 32, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.len, ==, 8);
    g_assert_cmpint(d.opsize, ==, 2);
    g_assert_cmpint(d.mem.index, ==, R_ECX);
    g_assert_cmpint(d.mem.scale, ==, 4);
    g_assert_cmpint(d.mem.disp, ==, 0x12345678);

    /* REX.B/X/R reach r8-r15; byte registers 4-7 are SPL..DIL with REX, AH..BH without */
    g_assert_cmpint(dec("47 8a 04 c8", 64, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.opnd[0].reg, ==, R_R8);
    g_assert_cmpint(d.mem.base, ==, R_R8);
    g_assert_cmpint(d.mem.index, ==, R_R9);
    g_assert_cmpint(dec("88 e0", 32, &d), ==, X86_DECODE_OK); /* mov al, ah */
    g_assert_true(d.opnd[1].high8);
    g_assert_cmpint(d.opnd[1].reg, ==, R_EAX);
    g_assert_cmpint(dec("40 88 e0", 64, &d), ==, X86_DECODE_OK); /* mov al, spl */
    g_assert_false(d.opnd[1].high8);
    g_assert_cmpint(d.opnd[1].reg, ==, R_ESP);

    /* mov r64, imm64; push defaults to 64 bits; 66 push is 16 bits */
    g_assert_cmpint(dec("48 b8 88 77 66 55 44 33 22 11", 64, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.len, ==, 10);
    g_assert_cmphex(d.imm, ==, 0x1122334455667788ULL);
    g_assert_cmpint(dec("50", 64, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.opsize, ==, 8);
    g_assert_cmpint(dec("66 50", 64, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.opsize, ==, 2);

    /* sign-extended immediates: add ebx, -1 (83 /0 ib) */
    g_assert_cmpint(dec("83 c3 ff", 32, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.op, ==, OP_ADD);
    g_assert_cmphex(d.imm, ==, UINT64_MAX);

    /* 0x40 is INC outside 64-bit mode, a REX prefix inside */
    g_assert_cmpint(dec("40", 32, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.op, ==, OP_INC);
    g_assert_cmpint(dec("40", 64, &d), ==, X86_DECODE_SHORT);

    /* F3 0F B8 is POPCNT, F3 0F BC TZCNT, F3 90 PAUSE; 0F B8 alone is #UD */
    g_assert_cmpint(dec("f3 0f b8 c1", 32, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.op, ==, OP_POPCNT);
    g_assert_cmpint(dec("f3 0f bc c1", 32, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.op, ==, OP_TZCNT);
    g_assert_cmpint(dec("f3 90", 32, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.op, ==, OP_PAUSE);
    g_assert_cmpint(dec("0f b8 c1", 32, &d), ==, X86_DECODE_UD);

    /* far jump ptr16:32; invalid in 64-bit mode */
    g_assert_cmpint(dec("ea 78 56 34 12 08 00", 32, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.op, ==, OP_JMPF);
    g_assert_cmphex(d.imm, ==, 0x12345678);
    g_assert_cmphex(d.imm2, ==, 8);
    g_assert_cmpint(dec("ea 78 56 34 12 08 00", 64, &d), ==, X86_DECODE_UD);

    /* moffs are address-sized and unsigned */
    g_assert_cmpint(dec("a1 fe ff", 16, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.len, ==, 3);
    g_assert_cmpint(d.mem.disp, ==, 0xfffe);

    /* mov cr0, eax ignores mod */
    g_assert_cmpint(dec("0f 22 00", 32, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.op, ==, OP_MOV_CR);
    g_assert_cmpint(d.opnd[0].kind, ==, X86_OPK_CREG);
    g_assert_cmpint(d.opnd[1].kind, ==, X86_OPK_REG);
    g_assert_cmpint(d.len, ==, 3);

    /* group 7 register forms */
    g_assert_cmpint(dec("0f 01 f8", 64, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.op, ==, OP_SWAPGS);
    g_assert_cmpint(dec("0f 01 f8", 32, &d), ==, X86_DECODE_UD);
    g_assert_cmpint(dec("0f 01 f9", 32, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.op, ==, OP_RDTSCP);
}

static void test_lock_and_limits(void)
{
    DecodedInsn d;

    /* LOCK is valid only on a lockable instruction with a memory destination */
    g_assert_cmpint(dec("f0 01 03", 32, &d), ==, X86_DECODE_OK);
    g_assert_true(d.prefixes & PREFIX_LOCK);
    g_assert_cmpint(dec("f0 01 c3", 32, &d), ==, X86_DECODE_UD);
    g_assert_cmpint(dec("f0 8b 03", 32, &d), ==, X86_DECODE_UD);
    g_assert_cmpint(dec("f0 0f c7 0e", 32, &d), ==, X86_DECODE_OK); /* lock cmpxchg8b */

    /* 14 prefixes + NOP is 15 bytes; one more prefix makes it #GP */
    g_assert_cmpint(dec("66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", 32, &d), ==, X86_DECODE_OK);
    g_assert_cmpint(d.len, ==, 15);
    g_assert_cmpint(dec("66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", 32, &d), ==,
                    X86_DECODE_GP);
    /* a 15-byte limit hit inside the immediate */
    g_assert_cmpint(dec("66 66 66 66 66 66 66 66 66 66 67 81 84 00 00 00 00 00", 32, &d), ==,
                    X86_DECODE_GP);

    /* truncated input asks for more bytes */
    g_assert_cmpint(dec("8b 84 24 00", 32, &d), ==, X86_DECODE_SHORT);
    g_assert_cmpint(dec("0f", 32, &d), ==, X86_DECODE_SHORT);
    g_assert_cmpint(dec("", 32, &d), ==, X86_DECODE_SHORT);

    /* LEA with a register source, MOV to segment register 7, VEX in 64-bit mode: #UD */
    g_assert_cmpint(dec("8d c0", 32, &d), ==, X86_DECODE_UD);
    g_assert_cmpint(dec("8e f8", 32, &d), ==, X86_DECODE_UD);
    g_assert_cmpint(dec("c5 f8 77", 64, &d), ==, X86_DECODE_UD);
}

/* --- Capstone as the oracle ------------------------------------------------------------ */

static const char *const gpr_names[16][3] = {
    {"rax", "eax", "ax"},    {"rcx", "ecx", "cx"},    {"rdx", "edx", "dx"},
    {"rbx", "ebx", "bx"},    {"rsp", "esp", "sp"},    {"rbp", "ebp", "bp"},
    {"rsi", "esi", "si"},    {"rdi", "edi", "di"},    {"r8", "r8d", "r8w"},
    {"r9", "r9d", "r9w"},    {"r10", "r10d", "r10w"}, {"r11", "r11d", "r11w"},
    {"r12", "r12d", "r12w"}, {"r13", "r13d", "r13w"}, {"r14", "r14d", "r14w"},
    {"r15", "r15d", "r15w"},
};

static int cs_gpr(csh h, x86_reg reg)
{
    const char *name;

    if (reg == X86_REG_INVALID) {
        return NO_REG;
    }
    if (reg == X86_REG_RIP || reg == X86_REG_EIP) {
        return RIP_REG;
    }
    name = cs_reg_name(h, reg);
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 3; j++) {
            if (strcmp(name, gpr_names[i][j]) == 0) {
                return i;
            }
        }
    }
    return 100 + reg; /* not a general register: never equal */
}

typedef struct SweepStats {
    unsigned compared, mem_compared, len_mismatch, mem_mismatch, cs_only, ours_only, amd_branch;
} SweepStats;

static bool is_string_op(uint16_t op)
{
    return (op >= OP_MOVS && op <= OP_XLAT);
}

static void report(const char *what, int bits, const uint8_t *buf, int ours, int theirs,
                   const cs_insn *insn)
{
    g_autoptr(GString) hex = g_string_new(NULL);

    for (int i = 0; i < 15; i++) {
        g_string_append_printf(hex, "%02x ", buf[i]);
    }
    g_test_message("%s (%d-bit): %s: ours %d, capstone %d (%s %s)", what, bits, hex->str, ours,
                   theirs, insn->mnemonic, insn->op_str);
}

static void compare_mem(csh h, int bits, const uint8_t *buf, const DecodedInsn *d,
                        const cs_insn *insn, SweepStats *st)
{
    const cs_x86 *x = &insn->detail->x86;
    uint64_t amask = d->addrsize == 8 ? UINT64_MAX : (1ULL << (8 * d->addrsize)) - 1;

    for (int i = 0; i < x->op_count; i++) {
        const x86_op_mem *m = &x->operands[i].mem;
        int base, index;
        bool bad;

        if (x->operands[i].type != X86_OP_MEM) {
            continue;
        }
        base = cs_gpr(h, m->base);
        index = cs_gpr(h, m->index);
        bad = ((uint64_t)m->disp & amask) != ((uint64_t)d->mem.disp & amask);
        bad |= (base == RIP_REG) != d->mem.rip_rel;
        bad |= base != RIP_REG && base != d->mem.base;
        bad |= index != d->mem.index;
        bad |= index != NO_REG && m->scale != d->mem.scale;
        st->mem_compared++;
        if (bad) {
            st->mem_mismatch++;
            if (st->mem_mismatch <= 10) {
                report("memory operand differs", bits, buf, d->mem.base, base, insn);
            }
        }
        return;
    }
}

static void sweep_one(csh h, int bits, const uint8_t *buf, SweepStats *st)
{
    DecodedInsn d;
    X86DecodeStatus s = x86_decode(buf, BUF_LEN, bits, &d);
    cs_insn *insn;
    size_t n = cs_disasm(h, buf, BUF_LEN, 0, 1, &insn);

    if (n == 0) {
        st->ours_only += s == X86_DECODE_OK;
        return;
    }
    if (s != X86_DECODE_OK) {
        st->cs_only++;
        cs_free(insn, n);
        return;
    }
    if (bits == 64 && (d.prefixes & PREFIX_DATA) && d.opnd[0].kind == X86_OPK_REL) {
        /* 66 on a near branch in 64-bit mode: Intel ignores it, Capstone follows AMD (rel16) */
        st->amd_branch++;
        cs_free(insn, n);
        return;
    }
    if (d.op == OP_RET && (d.rex & REX_W) && d.nopnd) {
        /* Capstone 4 reads RET imm16 with REX.W as four bytes: its bug, skipped */
        st->amd_branch++;
        cs_free(insn, n);
        return;
    }
    st->compared++;
    if (insn->size != d.len) {
        st->len_mismatch++;
        if (st->len_mismatch <= 10) {
            report("length differs", bits, buf, d.len, insn->size, insn);
        }
    } else if (d.has_modrm && !is_string_op(d.op) && d.op != OP_FPU && d.op != OP_SSE &&
               d.op != OP_NOP && d.op != OP_PREFETCH) {
        compare_mem(h, bits, buf, &d, insn, st);
    }
    cs_free(insn, n);
}

/* Prefix sets tried in front of every opcode. */
static const char *const sweep_prefixes[] = {
    "", "66", "67", "f3", "f2", "66 67", "2e", "64", "48", "41", "4c", "43", "66 48", "67 41",
};

static size_t parse_hex(const char *hex, uint8_t *out)
{
    size_t n = 0;

    for (const char *p = hex; *p; p += (*p == ' ') ? 1 : 2) {
        if (*p != ' ') {
            out[n++] = (g_ascii_xdigit_value(p[0]) << 4) | g_ascii_xdigit_value(p[1]);
        }
    }
    return n;
}

static void sweep_mode(int bits, cs_mode mode)
{
    static const uint8_t escapes[][2] = {{0}, {0x0f}, {0x0f, 0x38}, {0x0f, 0x3a}};
    static const size_t escape_len[] = {0, 1, 2, 2};
    SweepStats st = {0};
    GRand *rand = g_rand_new_with_seed(0x7e55 + bits);
    csh h;

    g_assert_cmpint(cs_open(CS_ARCH_X86, mode, &h), ==, CS_ERR_OK);
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    for (size_t p = 0; p < ARRAY_SIZE(sweep_prefixes); p++) {
        uint8_t pre[4];
        size_t npre = parse_hex(sweep_prefixes[p], pre);

        if (bits != 64 && (pre[0] & 0xf0) == 0x40 && npre) {
            continue; /* REX exists only in 64-bit mode */
        }
        for (size_t m = 0; m < ARRAY_SIZE(escapes); m++) {
            for (int op = 0; op < 256; op++) {
                for (int t = 0; t < TAILS_PER_OPCODE; t++) {
                    uint8_t buf[BUF_LEN] = {0};
                    size_t n = 0;

                    memcpy(buf, pre, npre);
                    n = npre;
                    memcpy(buf + n, escapes[m], escape_len[m]);
                    n += escape_len[m];
                    buf[n++] = op;
                    for (size_t i = n; i < BUF_LEN; i++) {
                        buf[i] = g_rand_int(rand);
                    }
                    /* the second tail uses a register ModRM, the third no displacement */
                    if (t == 1) {
                        buf[n] |= 0xc0;
                    } else if (t == 2) {
                        buf[n] &= 0x3f;
                    }
                    sweep_one(h, bits, buf, &st);
                }
            }
        }
    }
    g_test_message("%d-bit: %u compared (%u memory operands), %u length and %u memory "
                   "mismatches; %u only capstone decodes, %u only tern decodes",
                   bits, st.compared, st.mem_compared, st.len_mismatch, st.mem_mismatch, st.cs_only,
                   st.ours_only);
    g_assert_cmpuint(st.compared, >, 10000);
    g_assert_cmpuint(st.len_mismatch, ==, 0);
    g_assert_cmpuint(st.mem_mismatch, ==, 0);
    cs_close(&h);
    g_rand_free(rand);
}

static void test_capstone_16(void)
{
    sweep_mode(16, CS_MODE_16);
}

static void test_capstone_32(void)
{
    sweep_mode(32, CS_MODE_32);
}

static void test_capstone_64(void)
{
    sweep_mode(64, CS_MODE_64);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/x86/decode/fixed-forms", test_fixed_forms);
    g_test_add_func("/x86/decode/lock-and-limits", test_lock_and_limits);
    g_test_add_func("/x86/decode/capstone-16", test_capstone_16);
    g_test_add_func("/x86/decode/capstone-32", test_capstone_32);
    g_test_add_func("/x86/decode/capstone-64", test_capstone_64);
    return g_test_run();
}
