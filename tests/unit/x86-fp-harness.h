/*
 * x86-fp-harness.h: runs one instruction with a full x87/SSE state in the
 * interpreter and natively on the host CPU, for test-x86-fpu and test-x86-sse.
 *
 * The state is an FXSAVE64 image (Intel SDM Vol. 1, 10.5) plus RAX-RDX,
 * RFLAGS and a 64-byte memory operand that RSI points at. The host runs
 * "FXRSTOR64; the instruction; FXSAVE64" in a stub on an executable page;
 * the interpreter runs the same bytes in 64-bit mode over RAM. Results are
 * compared byte for byte except FIP/FDP (host and guest addresses differ).
 */
#ifndef TESTS_UNIT_X86_FP_HARNESS_H
#define TESTS_UNIT_X86_FP_HARNESS_H

#include "qemu/osdep.h"
#include "exec/memory.h"
#include "target/x86/tcg-cpu.h"
#include <sys/mman.h>

#define FPH_RAM_SIZE   (1 * MiB)
#define FPH_CODE_ADDR  0x1000
#define FPH_FX_ADDR    0x20000
#define FPH_MEM_ADDR   0x21000
#define FPH_STACK_TOP  0x80000
#define FPH_PML4_ADDR  0x10000
#define FPH_PDPT_ADDR  0x11000
#define FPH_PD_ADDR    0x12000
#define FPH_PT_ADDR    0x13000
#define FPH_GDT_ADDR   0x800
#define FPH_SEL_CODE64 0x08
#define FPH_SEL_DATA   0x10
#define FPH_PTE        0x7 /* present, writable, user */

#define FPH_FX_FIP   8 /* FIP and FDP: 16 bytes that hold addresses */
#define FPH_FX_PTRS  16
#define FPH_FX_MXCSR 24
#define FPH_FX_ST    32
#define FPH_FX_XMM   160
#define FPH_FX_CMP   416 /* bytes compared: everything FXSAVE64 writes */
#define FPH_MEM_SIZE 512
#define FPH_ARITH    (CC_O | CC_S | CC_Z | CC_A | CC_P | CC_C)

/* Layout known to the host stub below (offsets in the asm). */
typedef struct FpState {
    uint8_t fx[512];      /* 0 */
    uint8_t host_fx[512]; /* 512 */
    uint64_t gpr[4];      /* 1024: rax, rbx, rcx, rdx */
    uint64_t rflags;      /* 1056 */
    uint64_t pad;
    uint8_t mem[FPH_MEM_SIZE]; /* 1072 */
} __attribute__((aligned(64))) FpState;

/* What a run ended with. */
typedef struct FpResult {
    FpState s;
    int exception; /* -1: none (interpreter only) */
} FpResult;

__asm__(".pushsection .text\n"
        "fph_head:\n"
        "  push %rbx\n"
        "  push %r12\n"
        "  mov %rdi, %r12\n"
        "  fxsave64 512(%r12)\n"
        "  fxrstor64 (%r12)\n"
        "  mov 1024(%r12), %rax\n"
        "  mov 1032(%r12), %rbx\n"
        "  mov 1040(%r12), %rcx\n"
        "  mov 1048(%r12), %rdx\n"
        "  lea 1072(%r12), %rsi\n"
        "  pushq 1056(%r12)\n"
        "  popfq\n"
        "fph_head_end:\n"
        "fph_tail:\n"
        "  pushfq\n"
        "  popq 1056(%r12)\n"
        "  mov %rax, 1024(%r12)\n"
        "  mov %rbx, 1032(%r12)\n"
        "  mov %rcx, 1040(%r12)\n"
        "  mov %rdx, 1048(%r12)\n"
        "  fxsave64 (%r12)\n"
        "  fxrstor64 512(%r12)\n"
        "  pop %r12\n"
        "  pop %rbx\n"
        "  ret\n"
        "fph_tail_end:\n"
        "fph_guest_head:\n"
        "  fxrstor64 (%r12)\n"
        "fph_guest_head_end:\n"
        "fph_guest_tail:\n"
        "  fxsave64 (%r12)\n"
        "  hlt\n"
        "fph_guest_tail_end:\n"
        ".popsection\n");

extern const uint8_t fph_head[], fph_head_end[], fph_tail[], fph_tail_end[];
extern const uint8_t fph_guest_head[], fph_guest_head_end[], fph_guest_tail[], fph_guest_tail_end[];

static MemoryRegion fph_ram;
static uint8_t *fph_ram_ptr;
static CPUX86State fph_env;
static X86CPU fph_cpu;
static uint8_t *fph_host_page;

static inline void fph_put64(uint64_t addr, uint64_t v)
{
    memcpy(fph_ram_ptr + addr, &v, 8);
}

/* 64-bit mode, CPL 0, identity-mapped first 2 MiB, OSFXSR/OSXMMEXCPT, CR0.NE/MP. */
static inline void fph_setup_long_mode(void)
{
    CPUX86State *env = &fph_env;

    x86_cpu_reset(env, true);
    memset(fph_ram_ptr + FPH_PML4_ADDR, 0, 0x4000);
    fph_put64(FPH_PML4_ADDR, FPH_PDPT_ADDR | FPH_PTE);
    fph_put64(FPH_PDPT_ADDR, FPH_PD_ADDR | FPH_PTE);
    fph_put64(FPH_PD_ADDR, FPH_PT_ADDR | FPH_PTE);
    for (int i = 0; i < 512; i++) {
        fph_put64(FPH_PT_ADDR + i * 8, (uint64_t)i * 0x1000 | FPH_PTE);
    }
    fph_put64(FPH_GDT_ADDR, 0);
    fph_put64(FPH_GDT_ADDR + 8, 0x00af9b000000ffffULL);
    fph_put64(FPH_GDT_ADDR + 16, 0x00cf93000000ffffULL);
    env->gdt.base = FPH_GDT_ADDR;
    env->gdt.limit = 3 * 8 - 1;
    env->cr[0] = CR0_PE_MASK | CR0_PG_MASK | CR0_ET_MASK | CR0_WP_MASK | CR0_NE_MASK | CR0_MP_MASK;
    env->cr[4] = CR4_PAE_MASK | CR4_OSFXSR_MASK | CR4_OSXMMEXCPT_MASK;
    env->cr[3] = FPH_PML4_ADDR;
    env->efer = MSR_EFER_LME | MSR_EFER_LMA;
    x86_seg_set_flat(&env->segs[R_CS], FPH_SEL_CODE64,
                     DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK |
                         DESC_L_MASK);
    for (int s = 0; s < CPU_NB_SEGS; s++) {
        if (s != R_CS) {
            x86_seg_set_flat(&env->segs[s], FPH_SEL_DATA,
                             DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_B_MASK);
        }
    }
    env->regs[R_ESP] = FPH_STACK_TOP;
    env->rflags = RFLAGS_FIXED;
    x86_cpu_state_changed(&fph_cpu);
    fph_cpu.stop_on_exception = true;
}

static inline void fph_init(void)
{
    memory_init(UINT64_MAX);
    memory_region_init_ram(&fph_ram, "ram", FPH_RAM_SIZE);
    memory_region_add_subregion(get_system_memory(), 0, &fph_ram);
    fph_ram_ptr = memory_region_get_ram_ptr(&fph_ram);
    x86_tcg_cpu_init(&fph_cpu, &fph_env, address_space_memory(), address_space_io());
    fph_host_page =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert(fph_host_page != MAP_FAILED);
    fph_setup_long_mode();
}

/* Runs insn natively from in; out gets the state after. */
static inline void fph_run_host(const uint8_t *insn, size_t len, const FpState *in, FpState *out)
{
    size_t head = fph_head_end - fph_head, tail = fph_tail_end - fph_tail;
    void (*fn)(FpState *);

    memcpy(fph_host_page, fph_head, head);
    memcpy(fph_host_page + head, insn, len);
    memcpy(fph_host_page + head + len, fph_tail, tail);
    __builtin___clear_cache((char *)fph_host_page, (char *)fph_host_page + 4096);
    *out = *in;
    fn = (void (*)(FpState *))(uintptr_t)fph_host_page;
    fn(out);
}

/* Runs insn in the interpreter from in; out gets the state after, and the exception if any. */
static inline void fph_run_guest(const uint8_t *insn, size_t len, const FpState *in, FpResult *out)
{
    CPUX86State *env = &fph_env;
    size_t head = fph_guest_head_end - fph_guest_head;
    size_t tail = fph_guest_tail_end - fph_guest_tail;
    uint8_t *code = fph_ram_ptr + FPH_CODE_ADDR;
    X86ExitReason r;

    memcpy(code, fph_guest_head, head);
    if (len) {
        memcpy(code + head, insn, len);
    }
    memcpy(code + head + len, fph_guest_tail, tail);
    memcpy(fph_ram_ptr + FPH_FX_ADDR, in->fx, sizeof(in->fx));
    memcpy(fph_ram_ptr + FPH_MEM_ADDR, in->mem, FPH_MEM_SIZE);
    for (int i = 0; i < 4; i++) {
        env->regs[i] = in->gpr[i];
    }
    env->regs[R_ESI] = FPH_MEM_ADDR;
    env->regs[R_R12] = FPH_FX_ADDR;
    env->rflags = in->rflags | RFLAGS_FIXED;
    env->rip = FPH_CODE_ADDR;
    env->halted = false;
    fph_cpu.exception_index = -1;
    r = x86_cpu_exec(&fph_cpu, 16);
    out->exception = r == X86_EXIT_EXCEPTION ? fph_cpu.exception_index : -1;
    if (out->exception < 0) {
        g_assert_cmpint(env->rip, ==, FPH_CODE_ADDR + head + len + tail);
    }
    out->s = *in;
    memcpy(out->s.fx, fph_ram_ptr + FPH_FX_ADDR, sizeof(out->s.fx));
    memcpy(out->s.mem, fph_ram_ptr + FPH_MEM_ADDR, FPH_MEM_SIZE);
    for (int i = 0; i < 4; i++) {
        out->s.gpr[i] = env->regs[i];
    }
    out->s.rflags = env->rflags;
}

/* Runs code (then HLT) on the interpreter's current state; returns the exception or -1. */
static inline int fph_run_raw(const uint8_t *code, size_t len)
{
    memcpy(fph_ram_ptr + FPH_CODE_ADDR, code, len);
    fph_ram_ptr[FPH_CODE_ADDR + len] = 0xf4;
    fph_env.regs[R_ESI] = FPH_MEM_ADDR;
    fph_env.rip = FPH_CODE_ADDR;
    fph_env.halted = false;
    fph_cpu.exception_index = -1;
    if (x86_cpu_exec(&fph_cpu, 16) == X86_EXIT_EXCEPTION) {
        return fph_cpu.exception_index;
    }
    return -1;
}

static inline void fph_hex(GString *s, const char *what, const uint8_t *b, size_t n)
{
    g_string_append_printf(s, "%s:", what);
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(s, "%s%02x", i % 16 ? "" : " ", b[i]);
    }
    g_string_append_c(s, '\n');
}

/* Compares two states; on a difference prints both (and the input) and returns false. */
static inline bool fph_compare(const char *name, const uint8_t *insn, size_t len, const FpState *in,
                               const FpState *host, const FpState *guest)
{
    uint8_t a[FPH_FX_CMP], b[FPH_FX_CMP];
    bool same;

    memcpy(a, host->fx, sizeof(a));
    memcpy(b, guest->fx, sizeof(b));
    memset(a + FPH_FX_FIP, 0, FPH_FX_PTRS);
    memset(b + FPH_FX_FIP, 0, FPH_FX_PTRS);
    same = !memcmp(a, b, sizeof(a)) && !memcmp(host->gpr, guest->gpr, sizeof(host->gpr)) &&
           !memcmp(host->mem, guest->mem, FPH_MEM_SIZE) &&
           (host->rflags & FPH_ARITH) == (guest->rflags & FPH_ARITH);
    if (!same) {
        g_autoptr(GString) s = g_string_new(NULL);

        g_string_append_printf(s, "%s mismatch\n", name);
        fph_hex(s, "insn", insn, len);
        fph_hex(s, "in   fx", in->fx, 160);
        fph_hex(s, "in  xmm", in->fx + FPH_FX_XMM, 64);
        fph_hex(s, "in  mem", in->mem, 32);
        fph_hex(s, "host fx", a, 160);
        fph_hex(s, "tern fx", b, 160);
        fph_hex(s, "host xmm", a + FPH_FX_XMM, 64);
        fph_hex(s, "tern xmm", b + FPH_FX_XMM, 64);
        fph_hex(s, "host mem", host->mem, 32);
        fph_hex(s, "tern mem", guest->mem, 32);
        g_string_append_printf(
            s, "gpr host %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " fl %" PRIx64 "\n",
            host->gpr[0], host->gpr[1], host->gpr[2], host->gpr[3], host->rflags & FPH_ARITH);
        g_string_append_printf(
            s, "gpr tern %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " fl %" PRIx64 "\n",
            guest->gpr[0], guest->gpr[1], guest->gpr[2], guest->gpr[3], guest->rflags & FPH_ARITH);
        g_test_message("%s", s->str);
    }
    return same;
}

/* Runs insn both ways from in and compares; returns true when they agree. */
static inline bool fph_check(const char *name, const uint8_t *insn, size_t len, const FpState *in)
{
    FpState host;
    FpResult guest;

    fph_run_host(insn, len, in, &host);
    fph_run_guest(insn, len, in, &guest);
    if (guest.exception >= 0) {
        g_test_message("%s: the interpreter raised exception %d", name, guest.exception);
        return false;
    }
    return fph_compare(name, insn, len, in, &host, &guest.s);
}

#endif
