/*
 * test-x86-exec.c: the x86 interpreter's integer core, checked against the
 * host CPU.
 *
 * Each arithmetic instruction runs twice from the same registers and flags:
 * in the interpreter (64-bit mode over RAM from the memory API) and natively
 * on the host, inside a small stub written to an executable page. Results and
 * the flags the SDM defines for that instruction must match (Intel SDM Vol. 2,
 * "Flags Affected"); undefined flags are masked. Division faults (#DE) are
 * checked against the arithmetic instead of being run on the host.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "target/x86/tcg-cpu.h"
#include <sys/mman.h>

#define RAM_SIZE   (1 * MiB)
#define CODE_ADDR  0x1000
#define STACK_TOP  0x80000
#define PML4_ADDR  0x10000
#define PDPT_ADDR  0x11000
#define PD_ADDR    0x12000
#define PT_ADDR    0x13000
#define GDT_ADDR   0x800
#define SEL_CODE64 0x08
#define SEL_DATA   0x10

#define ARITH_FLAGS (CC_O | CC_S | CC_Z | CC_A | CC_P | CC_C)
#define PTE_P       0x1
#define PTE_RW      0x2
#define PTE_US      0x4
#define PTE_PS      0x80

static MemoryRegion ram;
static uint8_t *ram_ptr;
static CPUX86State env;
static X86CPU cpu;

/* --- the machine ------------------------------------------------------------------------- */

static void put64(uint64_t addr, uint64_t v)
{
    memcpy(ram_ptr + addr, &v, 8);
}

static uint64_t get64(uint64_t addr)
{
    uint64_t v;

    memcpy(&v, ram_ptr + addr, 8);
    return v;
}

/* 64-bit mode, CPL 0, identity-mapped first 2 MiB in 4 KiB pages, flat segments. */
static void setup_long_mode(void)
{
    x86_cpu_reset(&env, true);
    memset(ram_ptr + PML4_ADDR, 0, 0x4000);
    put64(PML4_ADDR, PDPT_ADDR | PTE_P | PTE_RW | PTE_US);
    put64(PDPT_ADDR, PD_ADDR | PTE_P | PTE_RW | PTE_US);
    put64(PD_ADDR, PT_ADDR | PTE_P | PTE_RW | PTE_US);
    for (int i = 0; i < 512; i++) {
        put64(PT_ADDR + i * 8, (uint64_t)i * 0x1000 | PTE_P | PTE_RW | PTE_US);
    }
    /* GDT: null, 64-bit code, data */
    put64(GDT_ADDR, 0);
    put64(GDT_ADDR + 8, 0x00af9b000000ffffULL);
    put64(GDT_ADDR + 16, 0x00cf93000000ffffULL);
    env.gdt.base = GDT_ADDR;
    env.gdt.limit = 3 * 8 - 1;
    env.cr[0] = CR0_PE_MASK | CR0_PG_MASK | CR0_ET_MASK | CR0_WP_MASK;
    env.cr[4] = CR4_PAE_MASK;
    env.cr[3] = PML4_ADDR;
    env.efer = MSR_EFER_LME | MSR_EFER_LMA;
    x86_seg_set_flat(&env.segs[R_CS], SEL_CODE64,
                     DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK |
                         DESC_L_MASK);
    for (int s = 0; s < CPU_NB_SEGS; s++) {
        if (s != R_CS) {
            x86_seg_set_flat(&env.segs[s], SEL_DATA,
                             DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_B_MASK);
        }
    }
    env.regs[R_ESP] = STACK_TOP;
    env.rflags = RFLAGS_FIXED;
    x86_cpu_state_changed(&cpu);
    cpu.stop_on_exception = true;
}

/* Copies code (plus a HLT) to CODE_ADDR and runs it; returns why it stopped. */
static X86ExitReason run_code(const uint8_t *code, size_t len)
{
    memcpy(ram_ptr + CODE_ADDR, code, len);
    ram_ptr[CODE_ADDR + len] = 0xf4;
    env.rip = CODE_ADDR;
    env.halted = false;
    cpu.exception_index = -1;
    return x86_cpu_exec(&cpu, 100000);
}

/* --- the host oracle ------------------------------------------------------------------------ */

typedef struct HostRegs {
    uint64_t rax, rbx, rcx, rdx, pad, flags;
} HostRegs;

static uint8_t *host_page;

static const uint8_t stub_head[] = {
    0x53,                   /* push rbx */
    0x48, 0x8b, 0x47, 0x28, /* mov rax, [rdi + 40] */
    0x50, 0x9d,             /* push rax; popfq */
    0x48, 0x8b, 0x07,       /* mov rax, [rdi] */
    0x48, 0x8b, 0x5f, 0x08, /* mov rbx, [rdi + 8] */
    0x48, 0x8b, 0x4f, 0x10, /* mov rcx, [rdi + 16] */
    0x48, 0x8b, 0x57, 0x18, /* mov rdx, [rdi + 24] */
};
static const uint8_t stub_tail[] = {
    0x9c, 0x8f, 0x47, 0x28, /* pushfq; pop qword [rdi + 40] */
    0x48, 0x89, 0x07,       /* mov [rdi], rax */
    0x48, 0x89, 0x5f, 0x08, /* mov [rdi + 8], rbx */
    0x48, 0x89, 0x4f, 0x10, /* mov [rdi + 16], rcx */
    0x48, 0x89, 0x57, 0x18, /* mov [rdi + 24], rdx */
    0x5b, 0xc3,             /* pop rbx; ret */
};

static void host_run(const uint8_t *insn, size_t len, HostRegs *r)
{
    size_t n = 0;
    void (*fn)(HostRegs *);

    memcpy(host_page + n, stub_head, sizeof(stub_head));
    n += sizeof(stub_head);
    memcpy(host_page + n, insn, len);
    n += len;
    memcpy(host_page + n, stub_tail, sizeof(stub_tail));
    __builtin___clear_cache((char *)host_page, (char *)host_page + 256);
    fn = (void (*)(HostRegs *))(uintptr_t)host_page;
    fn(r);
}

/* --- arithmetic against the host ------------------------------------------------------------- */

static const uint64_t values[] = {
    0,
    1,
    2,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0x8000,
    0xffff,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x7fffffffffffffffULL,
    0x8000000000000000ULL,
    0xffffffffffffffffULL,
    0x123456789abcdef0ULL,
    0xfedcba9876543210ULL,
    0x5555aaaa3333ccccULL,
};

typedef struct ArithCase {
    const char *name;
    uint8_t bytes[8]; /* the instruction with 32-bit operands */
    uint8_t len;
    bool byte_form; /* bytes[opcode_at] - 1 is the 8-bit form */
    uint8_t opcode_at;
    uint64_t defined; /* flags the SDM defines */
    bool shift;       /* count in CL: OF undefined unless 1, nothing when 0 */
    bool div;
    bool f3; /* mandatory F3 prefix */
} ArithCase;

/* Instructions with ebx as r/m and eax (or ecx) as reg. */
static const ArithCase arith_cases[] = {
    {"add", {0x01, 0xc3}, 2, true, 0, ARITH_FLAGS},
    {"or", {0x09, 0xc3}, 2, true, 0, ARITH_FLAGS & ~CC_A},
    {"adc", {0x11, 0xc3}, 2, true, 0, ARITH_FLAGS},
    {"sbb", {0x19, 0xc3}, 2, true, 0, ARITH_FLAGS},
    {"and", {0x21, 0xc3}, 2, true, 0, ARITH_FLAGS & ~CC_A},
    {"sub", {0x29, 0xc3}, 2, true, 0, ARITH_FLAGS},
    {"xor", {0x31, 0xc3}, 2, true, 0, ARITH_FLAGS & ~CC_A},
    {"cmp", {0x39, 0xc3}, 2, true, 0, ARITH_FLAGS},
    {"test", {0x85, 0xc3}, 2, true, 0, ARITH_FLAGS & ~CC_A},
    {"add-imm8", {0x83, 0xc3, 0x80}, 3, false, 0, ARITH_FLAGS},
    {"sbb-imm8", {0x83, 0xdb, 0x7f}, 3, false, 0, ARITH_FLAGS},
    {"cmp-imm", {0x81, 0xfb, 0x00, 0x00, 0x00, 0x80}, 6, false, 0, ARITH_FLAGS},
    {"inc", {0xff, 0xc3}, 2, true, 0, ARITH_FLAGS},
    {"dec", {0xff, 0xcb}, 2, true, 0, ARITH_FLAGS},
    {"not", {0xf7, 0xd3}, 2, true, 0, ARITH_FLAGS},
    {"neg", {0xf7, 0xdb}, 2, true, 0, ARITH_FLAGS},
    {"mul", {0xf7, 0xe3}, 2, true, 0, CC_C | CC_O},
    {"imul1", {0xf7, 0xeb}, 2, true, 0, CC_C | CC_O},
    {"div", {0xf7, 0xf3}, 2, true, 0, 0, false, true},
    {"idiv", {0xf7, 0xfb}, 2, true, 0, 0, false, true},
    {"imul2", {0x0f, 0xaf, 0xc3}, 3, false, 0, CC_C | CC_O},
    {"imul3", {0x6b, 0xc3, 0x85}, 3, false, 0, CC_C | CC_O},
    {"rol", {0xd3, 0xc3}, 2, true, 0, CC_C | CC_O, true},
    {"ror", {0xd3, 0xcb}, 2, true, 0, CC_C | CC_O, true},
    {"rcl", {0xd3, 0xd3}, 2, true, 0, CC_C | CC_O, true},
    {"rcr", {0xd3, 0xdb}, 2, true, 0, CC_C | CC_O, true},
    {"shl", {0xd3, 0xe3}, 2, true, 0, ARITH_FLAGS & ~CC_A, true},
    {"shr", {0xd3, 0xeb}, 2, true, 0, ARITH_FLAGS & ~CC_A, true},
    {"sar", {0xd3, 0xfb}, 2, true, 0, ARITH_FLAGS & ~CC_A, true},
    {"shl1", {0xd1, 0xe3}, 2, true, 0, ARITH_FLAGS & ~CC_A},
    {"sar-imm", {0xc1, 0xfb, 0x03}, 3, true, 0, ARITH_FLAGS & ~CC_A & ~CC_O},
    {"shld", {0x0f, 0xa5, 0xc3}, 3, false, 0, ARITH_FLAGS & ~CC_A, true},
    {"shrd", {0x0f, 0xad, 0xc3}, 3, false, 0, ARITH_FLAGS & ~CC_A, true},
    {"bt", {0x0f, 0xa3, 0xc3}, 3, false, 0, CC_C},
    {"bts", {0x0f, 0xab, 0xc3}, 3, false, 0, CC_C},
    {"btr", {0x0f, 0xb3, 0xc3}, 3, false, 0, CC_C},
    {"btc", {0x0f, 0xbb, 0xc3}, 3, false, 0, CC_C},
    {"bt-imm", {0x0f, 0xba, 0xe3, 0x05}, 4, false, 0, CC_C},
    {"bsf", {0x0f, 0xbc, 0xc3}, 3, false, 0, CC_Z},
    {"bsr", {0x0f, 0xbd, 0xc3}, 3, false, 0, CC_Z},
    {"popcnt", {0x0f, 0xb8, 0xc3}, 3, false, 0, ARITH_FLAGS, false, false, true},
    {"lzcnt", {0x0f, 0xbd, 0xc3}, 3, false, 0, CC_Z | CC_C, false, false, true},
    {"xadd", {0x0f, 0xc1, 0xc3}, 3, true, 1, ARITH_FLAGS},
    {"cmpxchg", {0x0f, 0xb1, 0xcb}, 3, true, 1, ARITH_FLAGS},
    {"xchg", {0x87, 0xc3}, 2, true, 0, ARITH_FLAGS},
    {"movzx8", {0x0f, 0xb6, 0xc3}, 3, false, 0, ARITH_FLAGS},
    {"movsx16", {0x0f, 0xbf, 0xc3}, 3, false, 0, ARITH_FLAGS},
    {"cbw", {0x98}, 1, false, 0, ARITH_FLAGS},
    {"cwd", {0x99}, 1, false, 0, ARITH_FLAGS},
    {"bswap", {0x0f, 0xcb}, 2, false, 0, ARITH_FLAGS},
    {"lea", {0x8d, 0x44, 0x58, 0x7f}, 4, false, 0, ARITH_FLAGS},
};

/* Builds the instruction for an operand size: 66 for 16, REX.W for 64, opcode - 1 for 8. */
static size_t encode(const ArithCase *c, int size, uint8_t *out)
{
    size_t n = 0, op;

    if (size == 2) {
        out[n++] = 0x66;
    }
    if (c->f3) {
        out[n++] = 0xf3;
    }
    if (size == 8) {
        out[n++] = 0x48; /* REX.W, right before the opcode */
    }
    op = n;
    memcpy(out + n, c->bytes, c->len);
    n += c->len;
    if (size == 1) {
        out[op + c->opcode_at] -= 1;
    }
    return n;
}

/* Would the host fault (#DE)? Then only the interpreter runs, and must raise it. */
static bool div_faults(const ArithCase *c, int size, uint64_t a, uint64_t b, uint64_t d)
{
    uint64_t m = size == 8 ? UINT64_MAX : (1ULL << (8 * size)) - 1;
    unsigned bits = 8 * size;
    unsigned __int128 n;

    b &= m;
    if (b == 0) {
        return true;
    }
    n = size == 1 ? (a & 0xffff) : (((unsigned __int128)(d & m) << bits) | (a & m));
    if (strcmp(c->name, "div") == 0) {
        return n / b > m;
    }
    int shift = 128 - 2 * bits;
    __int128 sn = (__int128)(n << shift) >> shift;
    __int128 sb = (__int128)((int64_t)(b << (64 - bits)) >> (64 - bits));
    if (sb == -1 && (unsigned __int128)sn == (unsigned __int128)1 << 127) {
        return true;
    }
    __int128 q = sn / sb;
    return q > (__int128)(m >> 1) || q < -(__int128)(m >> 1) - 1;
}

typedef struct ArithStats {
    unsigned runs, mismatches, undefined_diffs;
} ArithStats;

static void check_one(const ArithCase *c, int size, uint64_t a, uint64_t b, uint64_t cf,
                      ArithStats *st)
{
    uint8_t insn[16];
    size_t len = encode(c, size, insn);
    /* rDX: zero half the time so that divisions do not all overflow */
    uint64_t d = cf ? a ^ 0x0f0f0f0f0f0f0f0fULL : 0;
    uint64_t count = b;
    HostRegs h = {.rax = a, .rbx = b, .rcx = count, .rdx = d, .flags = RFLAGS_FIXED | cf};
    uint64_t defined = c->defined;
    X86ExitReason r;

    if (c->shift) {
        unsigned mc = count & (size == 8 ? 63 : 31);
        bool shld = strncmp(c->name, "shld", 4) == 0 || strncmp(c->name, "shrd", 4) == 0;

        if (mc == 0) {
            defined = ARITH_FLAGS; /* nothing changes */
        } else if (mc != 1) {
            defined &= ~(uint64_t)CC_O;
        }
        if (shld && mc > 8u * size) {
            return; /* result and flags undefined past the operand width */
        }
        if ((strcmp(c->name, "shl") == 0 || strcmp(c->name, "shr") == 0) && mc >= 8u * size) {
            defined &= ~(uint64_t)CC_C;
        }
    }
    env.regs[R_EAX] = a;
    env.regs[R_EBX] = b;
    env.regs[R_ECX] = count;
    env.regs[R_EDX] = d;
    env.rflags = RFLAGS_FIXED | cf;
    r = run_code(insn, len);
    st->runs++;
    if (c->div && div_faults(c, size, a, b, d)) {
        if (r != X86_EXIT_EXCEPTION || cpu.exception_index != EXCP00_DIVZ) {
            st->mismatches++;
            g_test_message("%s/%d a=%" PRIx64 " b=%" PRIx64 ": expected #DE", c->name, size, a, b);
        }
        return;
    }
    if (r != X86_EXIT_HLT) {
        st->mismatches++;
        g_test_message("%s/%d: stopped with %d (exception %d)", c->name, size, r,
                       cpu.exception_index);
        return;
    }
    host_run(insn, len, &h);
    if (h.rax != env.regs[R_EAX] || h.rbx != env.regs[R_EBX] || h.rcx != env.regs[R_ECX] ||
        h.rdx != env.regs[R_EDX] || ((h.flags ^ env.rflags) & defined)) {
        st->mismatches++;
        if (st->mismatches < 20) {
            g_test_message("%s/%d a=%" PRIx64 " b=%" PRIx64 " cf=%" PRIu64 ": host rax=%" PRIx64
                           " rbx=%" PRIx64 " rdx=%" PRIx64 " fl=%03" PRIx64 ", tern rax=%" PRIx64
                           " rbx=%" PRIx64 " rdx=%" PRIx64 " fl=%03" PRIx64,
                           c->name, size, a, b, cf, h.rax, h.rbx, h.rdx, h.flags & 0xfff,
                           env.regs[R_EAX], env.regs[R_EBX], env.regs[R_EDX], env.rflags & 0xfff);
        }
    } else if ((h.flags ^ env.rflags) & ARITH_FLAGS) {
        st->undefined_diffs++;
    }
}

static void test_arith_vs_host(void)
{
    static const int sizes[] = {1, 2, 4, 8};
    ArithStats st = {0};

    setup_long_mode();
    for (size_t i = 0; i < ARRAY_SIZE(arith_cases); i++) {
        const ArithCase *c = &arith_cases[i];

        for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
            if (sizes[s] == 1 && !c->byte_form) {
                continue;
            }
            if (sizes[s] == 2 &&
                (strcmp(c->name, "bswap") == 0 || strcmp(c->name, "cmp-imm") == 0)) {
                continue; /* BSWAP r16 is undefined; the 16-bit CMP takes an imm16 */
            }
            for (size_t x = 0; x < ARRAY_SIZE(values); x++) {
                for (size_t y = 0; y < ARRAY_SIZE(values); y++) {
                    check_one(c, sizes[s], values[x], values[y], 0, &st);
                    check_one(c, sizes[s], values[x], values[y] + 1, CC_C, &st);
                }
            }
        }
    }
    g_test_message("%u runs, %u mismatches, %u differences in undefined flags", st.runs,
                   st.mismatches, st.undefined_diffs);
    g_assert_cmpuint(st.mismatches, ==, 0);
}

/* SETcc and CMOVcc for all 16 conditions over all flag combinations. */
static void test_conditions_vs_host(void)
{
    unsigned mismatches = 0;

    setup_long_mode();
    for (int cc = 0; cc < 16; cc++) {
        for (uint64_t f = 0; f < 64; f++) {
            uint64_t flags = RFLAGS_FIXED | ((f & 1) ? CC_C : 0) | ((f & 2) ? CC_P : 0) |
                             ((f & 4) ? CC_Z : 0) | ((f & 8) ? CC_S : 0) | ((f & 16) ? CC_O : 0) |
                             ((f & 32) ? CC_A : 0);
            uint8_t cmov[] = {0x48, 0x0f, 0x40 + cc, 0xc3};
            uint8_t setcc[] = {0x0f, 0x90 + cc, 0xc1};
            const uint8_t *insns[] = {cmov, setcc};
            size_t lens[] = {sizeof(cmov), sizeof(setcc)};

            for (int k = 0; k < 2; k++) {
                HostRegs h = {.rax = 0x1111, .rbx = 0x2222, .rcx = 0x3333, .flags = flags};

                env.regs[R_EAX] = 0x1111;
                env.regs[R_EBX] = 0x2222;
                env.regs[R_ECX] = 0x3333;
                env.rflags = flags;
                g_assert_cmpint(run_code(insns[k], lens[k]), ==, X86_EXIT_HLT);
                host_run(insns[k], lens[k], &h);
                mismatches += h.rax != env.regs[R_EAX] || h.rcx != env.regs[R_ECX];
            }
        }
    }
    g_assert_cmpuint(mismatches, ==, 0);
}

/* --- stack, control flow, strings ------------------------------------------------------------ */

static void test_stack_and_calls(void)
{
    /* clang-format off */
    static const uint8_t code[] = {
        0x50,                         /* push rax */
        0x6a, 0x12,                   /* push 0x12 */
        0x59,                         /* pop rcx */
        0x5a,                         /* pop rdx */
        0xe8, 0x04, 0x00, 0x00, 0x00, /* call f */
        0x48, 0xff, 0xc3,             /* inc rbx (after the return) */
        0xf4,                         /* hlt */
        0xc8, 0x10, 0x00, 0x00,       /* f: enter 16, 0 */
        0x48, 0x83, 0xc3, 0x05,       /* add rbx, 5 */
        0xc9,                         /* leave */
        0xc3,                         /* ret */
    };
    /* clang-format on */

    setup_long_mode();
    env.regs[R_EAX] = 0xdeadbeefcafeULL;
    env.regs[R_EBX] = 0;
    env.regs[R_EBP] = 0x7777;
    g_assert_cmpint(run_code(code, sizeof(code)), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.regs[R_ECX], ==, 0x12);
    g_assert_cmphex(env.regs[R_EDX], ==, 0xdeadbeefcafeULL);
    g_assert_cmphex(env.regs[R_EBX], ==, 6);
    g_assert_cmphex(env.regs[R_ESP], ==, STACK_TOP);
    g_assert_cmphex(env.regs[R_EBP], ==, 0x7777);
}

static void test_strings(void)
{
    /* rep movsb 100 bytes; std; rep stosd backwards; cld; repne scasb for 0x42 */
    static const uint8_t code[] = {
        0xf3, 0xa4,                                     /* rep movsb */
        0xfd,                                           /* std */
        0x48, 0x89, 0xd7,                               /* mov rdi, rdx */
        0xb9, 0x04, 0,    0,    0,                      /* mov ecx, 4 */
        0xf3, 0xab,                                     /* rep stosd */
        0xfc,                                           /* cld */
        0x48, 0x8d, 0x3c, 0x25, 0x00, 0x40, 0x04, 0x00, /* lea rdi, [0x44000] */
        0xb9, 0x00, 0x01, 0,    0,                      /* mov ecx, 256 */
        0xb0, 0x42,                                     /* mov al, 0x42 */
        0xf2, 0xae,                                     /* repne scasb */
    };

    setup_long_mode();
    for (int i = 0; i < 100; i++) {
        ram_ptr[0x40000 + i] = i;
    }
    memset(ram_ptr + 0x44000, 0, 256);
    ram_ptr[0x44000 + 77] = 0x42;
    env.regs[R_ESI] = 0x40000;
    env.regs[R_EDI] = 0x41000;
    env.regs[R_ECX] = 100;
    env.regs[R_EDX] = 0x4200c;
    env.regs[R_EAX] = 0xa5a5a5a5;
    g_assert_cmpint(run_code(code, sizeof(code)), ==, X86_EXIT_HLT);
    g_assert_cmpmem(ram_ptr + 0x40000, 100, ram_ptr + 0x41000, 100);
    for (int i = 0; i < 4; i++) {
        g_assert_cmphex(*(uint32_t *)(ram_ptr + 0x4200c - 4 * i), ==, 0xa5a5a5a5);
    }
    g_assert_cmphex(env.regs[R_EDI], ==, 0x44000 + 78);
    g_assert_cmphex(env.regs[R_ECX], ==, 256 - 78);
    g_assert_true(env.rflags & CC_Z);
}

/* --- faults ------------------------------------------------------------------------------------
 */

static void test_faults(void)
{
    static const uint8_t ud2[] = {0x0f, 0x0b};
    static const uint8_t lock_reg[] = {0xf0, 0x01, 0xc3};
    static const uint8_t too_long[] = {0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                       0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90};
    static const uint8_t div0[] = {0x48, 0xf7, 0xf3};     /* div rbx */
    static const uint8_t noncanon[] = {0x48, 0x8b, 0x03}; /* mov rax, [rbx] */
    static const uint8_t store_unmapped[] = {0xc6, 0x04, 0x25, 0, 0, 0x20, 0, 0x01}; /* 2 MiB */

    setup_long_mode();
    g_assert_cmpint(run_code(ud2, sizeof(ud2)), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP06_ILLOP);
    g_assert_cmphex(env.rip, ==, CODE_ADDR);
    g_assert_cmpint(run_code(lock_reg, sizeof(lock_reg)), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP06_ILLOP);
    g_assert_cmpint(run_code(too_long, sizeof(too_long)), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP0D_GPF);
    env.regs[R_EBX] = 0;
    g_assert_cmpint(run_code(div0, sizeof(div0)), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP00_DIVZ);
    env.regs[R_EBX] = 0x0000800000000000ULL;
    g_assert_cmpint(run_code(noncanon, sizeof(noncanon)), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP0D_GPF);
    g_assert_cmpint(run_code(store_unmapped, sizeof(store_unmapped)), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP0E_PAGE);
    g_assert_cmphex(cpu.error_code, ==, PG_ERROR_W_MASK);
    g_assert_cmphex(env.cr[2], ==, 0x200000);
}

/* Code that rewrites an instruction it runs next: the decode cache must see the new bytes. */
static void test_self_modifying(void)
{
    /* clang-format off */
    static const uint8_t code[] = {
        0xb9, 0x02, 0x00, 0x00, 0x00,             /* mov ecx, 2 */
        0x48, 0x83, 0xc3, 0x01,                   /* loop: add rbx, 1 (imm patched below) */
        0xc6, 0x05, 0xf8, 0xff, 0xff, 0xff, 0x10, /* mov byte [rip - 8], 0x10: the imm8 */
        0xff, 0xc9,                               /* dec ecx */
        0x75, 0xf1,                               /* jnz loop */
    };
    /* clang-format on */

    setup_long_mode();
    env.regs[R_EBX] = 0;
    g_assert_cmpint(run_code(code, sizeof(code)), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.regs[R_EBX], ==, 1 + 0x10);
}

/* Accessed/dirty bits, a read-only page under CR0.WP, and a CR3 write flushing the TLB. */
static void test_paging(void)
{
    static const uint8_t write50[] = {0xc6, 0x04, 0x25, 0x00, 0x00, 0x05, 0x00, 0x01};
    static const uint8_t read51[] = {0x8a, 0x04, 0x25, 0x00, 0x10, 0x05, 0x00};
    static const uint8_t write52[] = {0xc6, 0x04, 0x25, 0x00, 0x20, 0x05, 0x00, 0x01};
    static const uint8_t reload_cr3_write52[] = {
        0x0f, 0x20, 0xd8,                               /* mov rax, cr3 */
        0x0f, 0x22, 0xd8,                               /* mov cr3, rax */
        0xc6, 0x04, 0x25, 0x00, 0x20, 0x05, 0x00, 0x01, /* mov byte [0x52000], 1 */
    };
    const uint64_t ad = 0x60; /* accessed | dirty */

    setup_long_mode();
    g_assert_cmpint(run_code(write50, sizeof(write50)), ==, X86_EXIT_HLT);
    g_assert_cmphex(get64(PT_ADDR + 0x50 * 8) & ad, ==, ad);
    g_assert_cmphex(get64(PD_ADDR) & 0x20, ==, 0x20);
    g_assert_cmpint(run_code(read51, sizeof(read51)), ==, X86_EXIT_HLT);
    g_assert_cmphex(get64(PT_ADDR + 0x51 * 8) & ad, ==, 0x20);

    /* Page 0x52 was used writable; making it read-only needs a flush to be seen. */
    g_assert_cmpint(run_code(write52, sizeof(write52)), ==, X86_EXIT_HLT);
    put64(PT_ADDR + 0x52 * 8, 0x52000 | PTE_P | PTE_US);
    g_assert_cmpint(run_code(write52, sizeof(write52)), ==, X86_EXIT_HLT); /* stale TLB entry */
    g_assert_cmpint(run_code(reload_cr3_write52, sizeof(reload_cr3_write52)), ==,
                    X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP0E_PAGE);
    g_assert_cmphex(cpu.error_code, ==, PG_ERROR_P_MASK | PG_ERROR_W_MASK);
    g_assert_cmphex(env.cr[2], ==, 0x52000);
    g_assert_cmphex(env.rip, ==, CODE_ADDR + 6);
}

/*
 * X86CPU.pause_exits (target/x86/exec.c): with it set, PAUSE (F3 90) ends
 * x86_cpu_exec() with X86_EXIT_PAUSE once it completed (RIP after it); off
 * (the default) it is a NOP that runs on. A plain NOP (90 without F3) never
 * ends the slice. Real mode: PAUSE decodes the same in every mode (in 64-bit
 * mode F3 41 90 is XCHG r8, rax and is_pause() leaves it out).
 */
static void setup_real_mode(void)
{
    x86_cpu_reset(&env, true);
    x86_cpu_state_changed(&cpu);
    env.segs[R_CS].selector = 0;
    env.segs[R_CS].base = 0;
    env.regs[R_ESP] = 0x8000;
}

static void test_pause_exits(void)
{
    static const uint8_t code[] = {
        0x90,       /* nop */
        0xf3, 0x90, /* pause */
        0x40,       /* inc ax */
        0xf3, 0x90, /* pause */
        0xf4,       /* hlt */
    };

    setup_real_mode();
    cpu.pause_exits = true;
    g_assert_cmpint(run_code(code, sizeof(code)), ==, X86_EXIT_PAUSE);
    g_assert_cmphex(env.rip, ==, CODE_ADDR + 3);
    g_assert_cmpint(x86_cpu_exec(&cpu, 1000), ==, X86_EXIT_PAUSE);
    g_assert_cmphex(env.rip, ==, CODE_ADDR + 6);
    g_assert_cmphex(env.regs[R_EAX] & 0xffff, ==, 1);
    g_assert_cmpint(x86_cpu_exec(&cpu, 1000), ==, X86_EXIT_HLT);

    /* Off: the same code runs to HLT. */
    setup_real_mode();
    cpu.pause_exits = false;
    g_assert_cmpint(run_code(code, sizeof(code)), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.rip, ==, CODE_ADDR + sizeof(code));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_init(UINT64_MAX);
    memory_region_init_ram(&ram, "ram", RAM_SIZE);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    ram_ptr = memory_region_get_ram_ptr(&ram);
    x86_tcg_cpu_init(&cpu, &env, address_space_memory(), address_space_io());
    host_page =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert(host_page != MAP_FAILED);

    g_test_add_func("/x86/exec/arith-vs-host", test_arith_vs_host);
    g_test_add_func("/x86/exec/conditions-vs-host", test_conditions_vs_host);
    g_test_add_func("/x86/exec/stack-and-calls", test_stack_and_calls);
    g_test_add_func("/x86/exec/strings", test_strings);
    g_test_add_func("/x86/exec/faults", test_faults);
    g_test_add_func("/x86/exec/paging", test_paging);
    g_test_add_func("/x86/exec/self-modifying", test_self_modifying);
    g_test_add_func("/x86/exec/pause-exits", test_pause_exits);
    return g_test_run();
}
