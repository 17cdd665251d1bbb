/*
 * ops-fpu.c: the x87 FPU (D8-DF), FWAIT, FXSAVE/FXRSTOR and LDMXCSR/STMXCSR.
 *
 * Follows the Intel SDM Vol. 1, chapter 8 (the register stack, TOP, tag,
 * status and control words, the last-instruction pointers, the 14/28/94/108
 * byte environment and state images of 8.1.10 and tables 8-9..8-12, and
 * exception synchronization: #MF at the next waiting instruction, 8.6),
 * 10.5 (the FXSAVE area, legacy and 64-bit layouts) and Vol. 2 for each
 * instruction. Every computing x87 instruction (arithmetic, compares, loads
 * and stores with conversions, FBLD/FBSTP, transcendentals, FXCH, FCMOVcc,
 * FFREE, FINCSTP...) runs on the host's own x87 unit: the guest's control
 * word, status (exception flags cleared), tags and registers are loaded with
 * FRSTOR, the identical instruction executes, FNSAVE reads everything back.
 * The environment and state instructions, the pointers and #MF are emulated.
 * The undocumented register-form aliases (FSTP1, FCOM2, FXCH4, ...) run as
 * on hardware; the 287-era FNENI/FNDISI/FNSETPM are non-waiting no-ops, as
 * on later processors. Left out: FERR#/IGNNE# (CR0.NE = 0 raises #MF like
 * NE = 1, XXX).
 */
#include "qemu/osdep.h"
#include "fpu-helper.h"

/* --- host stubs --------------------------------------------------------------------------- */

/*
 * One 16-byte stub per x87 form: 8 memory forms (ModRM reg, r/m = [rsi]) and
 * 64 register forms for each of D8..DF. Called as
 * rflags = stub(image /rdi/, memory operand /rsi/, rflags /rdx/): FRSTOR the
 * 108-byte image, the instruction with the guest's arithmetic flags (FCMOVcc),
 * then the flags (FCOMI) and FNSAVE, which also leaves the host FPU initialized.
 */
#define X87_STUB_SIZE    16
#define X87_STUBS_PER_OP 72
// clang-format off
__asm__(".pushsection .text\n"
        ".macro tern_x87_stub op, modrm\n"
        "  .balign 16\n"
        "  endbr64\n"
        "  frstor (%rdi)\n"
        "  push %rdx\n"
        "  popfq\n"
        "  .byte \\op, \\modrm\n"
        "  pushfq\n"
        "  pop %rax\n"
        "  fnsave (%rdi)\n"
        "  ret\n"
        ".endm\n"
        ".balign 16\n"
        ".globl tern_x87_stubs\n"
        ".hidden tern_x87_stubs\n"
        "tern_x87_stubs:\n"
        ".irp op, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf\n"
        "  .irp m, 0x06, 0x0e, 0x16, 0x1e, 0x26, 0x2e, 0x36, 0x3e\n"
        "    tern_x87_stub \\op, \\m\n"
        "  .endr\n"
        "  .set tern_x87_modrm, 0xc0\n"
        "  .rept 64\n"
        "    tern_x87_stub \\op, tern_x87_modrm\n"
        "    .set tern_x87_modrm, tern_x87_modrm + 1\n"
        "  .endr\n"
        ".endr\n"
        ".purgem tern_x87_stub\n"
        ".popsection\n");
// clang-format on

extern const char tern_x87_stubs[] __attribute__((visibility("hidden")));

typedef uint64_t (*X87Stub)(void *image, void *mem, uint64_t rflags);

static X87Stub x87_stub(uint8_t opcode, uint8_t modrm)
{
    int i = (opcode - 0xd8) * X87_STUBS_PER_OP +
            (modrm >= 0xc0 ? 8 + (modrm - 0xc0) : (modrm >> 3) & 7);

    return (X87Stub)(uintptr_t)(tern_x87_stubs + i * X87_STUB_SIZE);
}

/* The 108-byte FNSAVE image of 32-bit protected mode (SDM Vol. 1, figures 8-9 and 8-11). */
#define SAVE_FCW    0
#define SAVE_FSW    4
#define SAVE_FTW    8
#define SAVE_FIP    12
#define SAVE_FCS    16 /* selector; FOP in bits 16-26 */
#define SAVE_FDP    20
#define SAVE_FDS    24
#define SAVE_ST     28
#define SAVE_SIZE32 108
#define SAVE_SIZE16 94
#define ENV_SIZE32  28
#define ENV_SIZE16  14
#define FP_REG_SIZE 10

/* Arithmetic flags an instruction may read (FCMOVcc) or write (FCOMI). */
#define X87_RFLAGS (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)

#define FCW_KEPT 0x1f3f
#define FCW_ONE  0x0040

/* Exceptions after which a store to memory is not performed when unmasked (SDM Vol. 1, 8.5). */
#define FSW_NOSTORE (FSW_IE | FSW_DE | FSW_ZE | FSW_OE | FSW_UE)

/* --- tags and status ------------------------------------------------------------------------ */

int fpu_classify(const X86FPReg *r)
{
    unsigned e = r->exp & 0x7fff;

    if (e == 0) {
        return r->mant == 0 ? FTAG_ZERO : FTAG_SPECIAL; /* denormal */
    }
    if (e == 0x7fff || !(r->mant >> 63)) {
        return FTAG_SPECIAL; /* NaN, infinity, unnormal */
    }
    return FTAG_VALID;
}

/* Recomputes the tags of the non-empty registers from their contents. */
static void fpu_sync_tags(CPUX86State *env)
{
    for (int i = 0; i < 8; i++) {
        if (((env->fpu.ftw >> (2 * i)) & 3) != FTAG_EMPTY) {
            fpu_set_tag(env, i, fpu_classify(&env->fpu.st[i]));
        }
    }
}

/* ES and B follow the exception flags that are unmasked (SDM Vol. 1, 8.1.3.5). */
static void fpu_update_es(CPUX86State *env)
{
    X86FPUState *f = &env->fpu;

    if (f->fsw & ~f->fcw & FSW_EXC_MASK) {
        f->fsw |= FSW_ES | FSW_B;
    } else {
        f->fsw &= ~(FSW_ES | FSW_B);
    }
}

/* FCW as the processor keeps it: bit 6 reads as one, bits 13-15 as zero. */
static uint16_t fcw_value(uint16_t v)
{
    return (v & FCW_KEPT) | FCW_ONE;
}

static void fpu_init(CPUX86State *env)
{
    X86FPUState *f = &env->fpu;

    f->fcw = FCW_RESET;
    f->fsw = 0;
    f->ftw = FTW_ALL_EMPTY;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

/* --- checks --------------------------------------------------------------------------------- */

void fpu_check_nm(X86CPU *cpu, bool mmx)
{
    uint64_t cr0 = cpu->env->cr[0];

    if (mmx && (cr0 & CR0_EM_MASK)) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    if (cr0 & (CR0_EM_MASK | CR0_TS_MASK)) {
        x86_raise_exception(cpu, EXCP07_PREX);
    }
}

void fpu_check_pending(X86CPU *cpu)
{
    if (cpu->env->fpu.fsw & FSW_ES) {
        /* XXX: with CR0.NE = 0 a PC signals FERR# on IRQ 13; tern raises #MF either way. */
        x86_raise_exception(cpu, EXCP10_COPR);
    }
}

void sse_check_enabled(X86CPU *cpu)
{
    const CPUX86State *env = cpu->env;

    if ((env->cr[0] & CR0_EM_MASK) || !(env->cr[4] & CR4_OSFXSR_MASK)) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    if (env->cr[0] & CR0_TS_MASK) {
        x86_raise_exception(cpu, EXCP07_PREX);
    }
}

void fpu_enter_mmx(CPUX86State *env)
{
    env->fpu.fsw &= ~FSW_TOP_MASK;
    env->fpu.ftw = 0;
}

void x86_fpu_wait(X86CPU *cpu)
{
    fpu_check_pending(cpu);
}

/* --- memory ----------------------------------------------------------------------------------- */

/* Linear addresses wrap at 4 GiB outside 64-bit mode. */
static vaddr la_add(X86CPU *cpu, vaddr la, int n)
{
    return x86_code64(cpu->env) ? la + n : (uint32_t)(la + n);
}

void fpu_ld_bytes(X86CPU *cpu, int seg, uint64_t off, void *buf, int n)
{
    vaddr la = x86_seg_linear(cpu, seg, off, n, MMU_DATA_LOAD);
    uint8_t *p = buf;

    for (int i = 0; i < n;) {
        int chunk = n - i >= 8 ? 8 : n - i >= 4 ? 4 : n - i >= 2 ? 2 : 1;

        stn_le(p + i, chunk, x86_ld(cpu, la_add(cpu, la, i), chunk));
        i += chunk;
    }
}

void fpu_st_bytes(X86CPU *cpu, int seg, uint64_t off, const void *buf, int n)
{
    vaddr la = x86_seg_linear(cpu, seg, off, n, MMU_DATA_STORE);
    const uint8_t *p = buf;

    x86_probe_write(cpu, la, n, x86_mmu_index(cpu->env));
    for (int i = 0; i < n;) {
        int chunk = n - i >= 8 ? 8 : n - i >= 4 ? 4 : n - i >= 2 ? 2 : 1;

        x86_st(cpu, la_add(cpu, la, i), ldn_le(p + i, chunk), chunk);
        i += chunk;
    }
}

static uint64_t fpu_ea(X86CPU *cpu, const DecodedInsn *d)
{
    return x86_mem_offset(cpu, d);
}

/* --- the forms -------------------------------------------------------------------------------- */

enum { MF_INVALID, MF_LOAD, MF_STORE, MF_GUEST };

typedef struct X87MemForm {
    uint8_t kind; /* MF_* */
    uint8_t size; /* bytes of the memory operand */
} X87MemForm;

/* ModRM reg of FISTTP, the store with reg 1 (DB, DD, DF). */
#define FISTTP_REG 1

// clang-format off
#define LD(n)  {MF_LOAD, n}
#define ST(n)  {MF_STORE, n}
#define GUEST  {MF_GUEST, 0}
#define NOFORM {MF_INVALID, 0}
// clang-format on

/* Memory forms by opcode and ModRM reg (SDM Vol. 2, table A-8 and the instruction pages). */
static const X87MemForm mem_forms[8][8] = {
    /* D8: FADD..FDIVR m32fp */
    [0] = {LD(4), LD(4), LD(4), LD(4), LD(4), LD(4), LD(4), LD(4)},
    /* D9: FLD, -, FST, FSTP m32fp, FLDENV, FLDCW, FNSTENV, FNSTCW */
    [1] = {LD(4), NOFORM, ST(4), ST(4), GUEST, GUEST, GUEST, GUEST},
    /* DA: FIADD..FIDIVR m32int */
    [2] = {LD(4), LD(4), LD(4), LD(4), LD(4), LD(4), LD(4), LD(4)},
    /* DB: FILD, FISTTP, FIST, FISTP m32int, -, FLD m80, -, FSTP m80 */
    [3] = {LD(4), ST(4), ST(4), ST(4), NOFORM, LD(10), NOFORM, ST(10)},
    /* DC: FADD..FDIVR m64fp */
    [4] = {LD(8), LD(8), LD(8), LD(8), LD(8), LD(8), LD(8), LD(8)},
    /* DD: FLD, FISTTP m64int, FST, FSTP m64fp, FRSTOR, -, FNSAVE, FNSTSW */
    [5] = {LD(8), ST(8), ST(8), ST(8), GUEST, NOFORM, GUEST, GUEST},
    /* DE: FIADD..FIDIVR m16int */
    [6] = {LD(2), LD(2), LD(2), LD(2), LD(2), LD(2), LD(2), LD(2)},
    /* DF: FILD, FISTTP, FIST, FISTP m16int, FBLD, FILD m64int, FBSTP, FISTP m64int */
    [7] = {LD(2), ST(2), ST(2), ST(2), LD(10), LD(8), ST(10), ST(8)},
};

/*
 * Register forms, one bit per ModRM - C0H: those the SDM documents (table A-10) and the
 * aliases every x87 runs though the SDM leaves them out (FSTP1 D9 D8+i, FCOM2 DC D0+i, FCOMP3
 * DC D8+i, FXCH4 DD C8+i, FCOMP5 DE D0+i, FXCH7 DF C8+i, FSTP8/FSTP9 DF D0+i/D8+i), which the
 * host stubs run as themselves. DB E0-E4 and DF E0 are handled before this table.
 */
static const uint64_t reg_forms[8] = {
    /* D8: FADD, FMUL, FCOM, FCOMP, FSUB, FSUBR, FDIV, FDIVR */
    [0] = UINT64_MAX,
    /* D9: FLD, FXCH, FNOP, FSTP1, FCHS, FABS, FTST, FXAM, constants, F2XM1..FCOS */
    [1] = 0xffffull | 1ull << 0x10 | 0xffull << 0x18 | 3ull << 0x20 | 3ull << 0x24 |
          0x7full << 0x28 | 0xffffull << 0x30,
    /* DA: FCMOVB/E/BE/U, FUCOMPP */
    [2] = 0xffffffffull | 1ull << 0x29,
    /* DB: FCMOVNB/NE/NBE/NU, FUCOMI, FCOMI */
    [3] = 0xffffffffull | 0xffffull << 0x28,
    /* DC: FADD, FMUL ST(i),ST(0), FCOM2, FCOMP3, FSUBR, FSUB, FDIVR, FDIV */
    [4] = UINT64_MAX,
    /* DD: FFREE, FXCH4, FST, FSTP, FUCOM, FUCOMP */
    [5] = 0xffffull | 0xffffffffull << 0x10,
    /* DE: FADDP, FMULP, FCOMP5, FCOMPP, FSUBRP, FSUBP, FDIVRP, FDIVP */
    [6] = 0xffffull | 0xffull << 0x10 | 1ull << 0x19 | 0xffffffffull << 0x20,
    /* DF: FFREEP, FXCH7, FSTP8, FSTP9, FUCOMIP, FCOMIP */
    [7] = 0xffffffffull | 0xffffull << 0x28,
};

/* --- running a form on the host -------------------------------------------------------------- */

static void put16(uint8_t *b, int off, uint16_t v)
{
    memcpy(b + off, &v, 2);
}

static uint16_t get16(const uint8_t *b, int off)
{
    uint16_t v;

    memcpy(&v, b + off, 2);
    return v;
}

static void put32(uint8_t *b, int off, uint32_t v)
{
    memcpy(b + off, &v, 4);
}

static uint32_t get32(const uint8_t *b, int off)
{
    uint32_t v;

    memcpy(&v, b + off, 4);
    return v;
}

/* The registers in stack order, ST(0) first, as FNSAVE/FXSAVE store them. */
static void st_to_bytes(const CPUX86State *env, uint8_t *b, int stride)
{
    int top = fpu_top(env);

    for (int i = 0; i < 8; i++) {
        const X86FPReg *r = &env->fpu.st[(top + i) & 7];

        memcpy(b + i * stride, &r->mant, 8);
        put16(b + i * stride, 8, r->exp);
    }
}

static void st_from_bytes(CPUX86State *env, const uint8_t *b, int stride)
{
    int top = fpu_top(env);

    for (int i = 0; i < 8; i++) {
        X86FPReg *r = &env->fpu.st[(top + i) & 7];

        memcpy(&r->mant, b + i * stride, 8);
        r->exp = get16(b + i * stride, 8);
    }
}

/*
 * Runs the form on the host: mem is the memory operand (loaded before, stored
 * after by the caller). Returns the exceptions it raised.
 */
static uint16_t x87_run_host(X86CPU *cpu, const DecodedInsn *d, void *mem)
{
    CPUX86State *env = cpu->env;
    X86FPUState *f = &env->fpu;
    uint8_t image[SAVE_SIZE32] __attribute__((aligned(16))) = {0};
    uint16_t keep = FSW_EXC_MASK | FSW_SF;
    uint16_t fsw;
    uint64_t rflags;

    put16(image, SAVE_FCW, f->fcw);
    /* Pending flags stay out of the host so that the instruction cannot trap there. */
    put16(image, SAVE_FSW, f->fsw & ~(keep | FSW_ES | FSW_B));
    put16(image, SAVE_FTW, f->ftw);
    st_to_bytes(env, image + SAVE_ST, FP_REG_SIZE);
    rflags = x87_stub(d->opcode, d->modrm)(image, mem, RFLAGS_FIXED | (env->rflags & X87_RFLAGS));
    fsw = get16(image, SAVE_FSW);
    f->fsw = (fsw & ~(keep | FSW_ES | FSW_B)) | ((f->fsw | fsw) & keep);
    f->ftw = get16(image, SAVE_FTW);
    st_from_bytes(env, image + SAVE_ST, FP_REG_SIZE);
    fpu_update_es(env);
    /* FCOMI/FUCOMI(P) write ZF, PF, CF and clear OF, SF, AF; nothing else touches RFLAGS. */
    if ((d->opcode == 0xdb || d->opcode == 0xdf) && d->modrm >= 0xe8 && d->modrm < 0xf8) {
        flags_set(env, X87_RFLAGS, rflags);
    }
    return fsw & (FSW_EXC_MASK | FSW_SF);
}

/*
 * The last-instruction pointers (SDM Vol. 1, 8.1.8-8.1.9). FOP follows the
 * processors since the Pentium 4 with FOP compatibility mode off: it records
 * only an instruction that left an unmasked exception pending.
 */
static void x87_update_pointers(X86CPU *cpu, const DecodedInsn *d, bool mem, uint64_t ea)
{
    X86FPUState *f = &cpu->env->fpu;

    if (f->fsw & FSW_ES) {
        f->fop = ((d->opcode & 7) << 8) | d->modrm;
    }
    f->fip = cpu->insn_rip;
    f->fcs = cpu->env->segs[R_CS].selector;
    if (mem) {
        f->fdp = ea;
        f->fds = cpu->env->segs[d->mem.seg].selector;
    }
}

/* Whether d is an x87 form that exists (checked before a pending #MF: #UD comes first). */
static bool x87_form_valid(const DecodedInsn *d)
{
    X87MemForm form;

    if (d->modrm >= 0xc0) {
        return reg_forms[d->opcode & 7] >> (d->modrm - 0xc0) & 1;
    }
    form = mem_forms[d->opcode & 7][(d->modrm >> 3) & 7];
    if (form.kind == MF_STORE && ((d->modrm >> 3) & 7) == FISTTP_REG) {
        return x86_fpu_host_has_sse3(); /* FISTTP is SSE3 */
    }
    return form.kind != MF_INVALID;
}

static void x87_exec_host(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    uint8_t mem[16] __attribute__((aligned(16))) = {0};
    X87MemForm form = {MF_INVALID, 0};
    uint64_t ea = 0;
    X86FPUState saved;
    uint16_t exc;

    if (d->modrm < 0xc0) {
        form = mem_forms[d->opcode & 7][(d->modrm >> 3) & 7];
        ea = fpu_ea(cpu, d);
        if (form.kind == MF_LOAD) {
            fpu_ld_bytes(cpu, d->mem.seg, ea, mem, form.size);
        }
    }
    saved = env->fpu;
    exc = x87_run_host(cpu, d, mem);
    if (form.kind == MF_STORE && !(exc & ~saved.fcw & FSW_NOSTORE)) {
        uint64_t rflags = env->rflags;
        X86FPUState result = env->fpu;

        /* A faulting store leaves the x87 state as it was. */
        env->fpu = saved;
        fpu_st_bytes(cpu, d->mem.seg, ea, mem, form.size);
        env->fpu = result;
        env->rflags = rflags;
    }
    x87_update_pointers(cpu, d, d->modrm < 0xc0, ea);
}

/* --- environment and state images ------------------------------------------------------------- */

static bool real_format(const CPUX86State *env)
{
    return !x86_protected(env) || x86_vm86(env);
}

/* FNSTENV/FNSAVE's environment (SDM Vol. 1, figures 8-9 to 8-12). */
static void env_to_bytes(X86CPU *cpu, uint8_t *b, bool op32)
{
    CPUX86State *env = cpu->env;
    X86FPUState *f = &env->fpu;
    uint32_t ip = f->fip, dp = f->fdp;

    fpu_sync_tags(env);
    if (op32) {
        memset(b, 0, ENV_SIZE32);
        put32(b, 0, 0xffff0000u | f->fcw);
        put32(b, 4, 0xffff0000u | f->fsw);
        put32(b, 8, 0xffff0000u | f->ftw);
        if (real_format(env)) {
            ip += f->fcs << 4;
            dp += f->fds << 4;
            put32(b, 12, 0xffff0000u | (ip & 0xffff));
            put32(b, 16, ((ip >> 16) << 12) | (f->fop & 0x7ff));
            put32(b, 20, 0xffff0000u | (dp & 0xffff));
            put32(b, 24, (dp >> 16) << 12);
        } else {
            put32(b, SAVE_FIP, ip);
            put32(b, SAVE_FCS, f->fcs | (uint32_t)(f->fop & 0x7ff) << 16);
            put32(b, SAVE_FDP, dp);
            put32(b, SAVE_FDS, 0xffff0000u | f->fds);
        }
        return;
    }
    put16(b, 0, f->fcw);
    put16(b, 2, f->fsw);
    put16(b, 4, f->ftw);
    if (real_format(env)) {
        ip += f->fcs << 4;
        dp += f->fds << 4;
        put16(b, 6, ip);
        put16(b, 8, ((ip >> 16) << 12) | (f->fop & 0x7ff));
        put16(b, 10, dp);
        put16(b, 12, (dp >> 16) << 12);
    } else {
        put16(b, 6, ip);
        put16(b, 8, f->fcs);
        put16(b, 10, dp);
        put16(b, 12, f->fds);
    }
}

static void env_from_bytes(X86CPU *cpu, const uint8_t *b, bool op32)
{
    CPUX86State *env = cpu->env;
    X86FPUState *f = &env->fpu;
    int w = op32 ? 4 : 2;

    f->fcw = fcw_value(get16(b, 0));
    f->fsw = get16(b, w);
    f->ftw = get16(b, 2 * w);
    if (real_format(env)) {
        uint32_t hi_ip = op32 ? get32(b, 16) : get16(b, 8);
        uint32_t hi_dp = op32 ? get32(b, 24) : get16(b, 12);

        f->fip = get16(b, 3 * w) | (hi_ip >> 12) << 16;
        f->fop = hi_ip & 0x7ff;
        f->fdp = get16(b, 5 * w) | (hi_dp >> 12) << 16;
        f->fcs = f->fds = 0;
    } else if (op32) {
        f->fip = get32(b, SAVE_FIP);
        f->fcs = get16(b, SAVE_FCS);
        f->fop = get16(b, SAVE_FCS + 2) & 0x7ff;
        f->fdp = get32(b, SAVE_FDP);
        f->fds = get16(b, SAVE_FDS);
    } else {
        f->fip = get16(b, 6);
        f->fcs = get16(b, 8);
        f->fdp = get16(b, 10);
        f->fds = get16(b, 12);
        f->fop = 0; /* the 16-bit protected-mode image has no FOP: hardware clears it */
    }
    /* Only empty/non-empty is kept, as FXSAVE's abridged tag: classes come from contents. */
    fpu_sync_tags(env);
    fpu_update_es(env);
}

/* FLDENV, FNSTENV, FRSTOR, FNSAVE: 16-bit formats with a 66 prefix (SDM Vol. 1, 8.1.10). */
static void x87_env_insn(X86CPU *cpu, const DecodedInsn *d, int reg)
{
    CPUX86State *env = cpu->env;
    bool op32 = d->opsize != 2;
    int env_size = op32 ? ENV_SIZE32 : ENV_SIZE16;
    int size = env_size + ((d->opcode == 0xdd) ? 8 * FP_REG_SIZE : 0);
    uint64_t ea = fpu_ea(cpu, d);
    uint8_t b[SAVE_SIZE32];

    if (reg == 4) { /* FLDENV, FRSTOR */
        fpu_ld_bytes(cpu, d->mem.seg, ea, b, size);
        env_from_bytes(cpu, b, op32); /* sets TOP first: the registers follow in stack order */
        if (d->opcode == 0xdd) {
            st_from_bytes(env, b + env_size, FP_REG_SIZE);
            fpu_sync_tags(env);
        }
        return;
    }
    env_to_bytes(cpu, b, op32); /* FNSTENV, FNSAVE */
    if (d->opcode == 0xdd) {
        st_to_bytes(env, b + env_size, FP_REG_SIZE);
    }
    fpu_st_bytes(cpu, d->mem.seg, ea, b, size);
    if (d->opcode == 0xdd) {
        fpu_init(env);
    } else {
        env->fpu.fcw |= FSW_EXC_MASK; /* FNSTENV masks every exception */
        fpu_update_es(env);
    }
}

/* The control instructions, which run here: true if d was one. */
static bool x87_exec_control(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    int reg = (d->modrm >> 3) & 7;
    uint16_t v;

    if (d->modrm >= 0xc0) {
        if (d->opcode == 0xdb && d->modrm >= 0xe0 && d->modrm <= 0xe4) {
            if (d->modrm == 0xe2) {
                env->fpu.fsw &= ~(FSW_EXC_MASK | FSW_SF | FSW_ES | FSW_B); /* FNCLEX */
            } else if (d->modrm == 0xe3) {
                fpu_init(env); /* FNINIT */
            }
            /* FNENI, FNDISI, FNSETPM: no-ops since the 387, non-waiting (no #MF) */
            return true;
        }
        if (d->opcode == 0xdf && d->modrm == 0xe0) {
            x86_set_reg(env, R_EAX, 2, false, env->fpu.fsw); /* FNSTSW AX */
            return true;
        }
        return false;
    }
    switch ((d->opcode & 7) << 3 | reg) {
    case 1 << 3 | 4: /* FLDENV */
    case 5 << 3 | 4: /* FRSTOR */
        fpu_check_pending(cpu);
        x87_env_insn(cpu, d, 4);
        return true;
    case 1 << 3 | 6: /* FNSTENV */
    case 5 << 3 | 6: /* FNSAVE */
        x87_env_insn(cpu, d, 6);
        return true;
    case 1 << 3 | 5: /* FLDCW */
        fpu_check_pending(cpu);
        fpu_ld_bytes(cpu, d->mem.seg, fpu_ea(cpu, d), &v, 2);
        env->fpu.fcw = fcw_value(v);
        fpu_update_es(env);
        return true;
    case 1 << 3 | 7: /* FNSTCW */
        v = env->fpu.fcw;
        fpu_st_bytes(cpu, d->mem.seg, fpu_ea(cpu, d), &v, 2);
        return true;
    case 5 << 3 | 7: /* FNSTSW m16 */
        v = env->fpu.fsw;
        fpu_st_bytes(cpu, d->mem.seg, fpu_ea(cpu, d), &v, 2);
        return true;
    }
    return false;
}

/* --- FXSAVE / FXRSTOR / LDMXCSR / STMXCSR ----------------------------------------------------- */

/* The FXSAVE area (SDM Vol. 1, tables 10-2 and 10-3). */
#define FX_FCW        0
#define FX_FSW        2
#define FX_FTW        4
#define FX_FOP        6
#define FX_FIP        8
#define FX_FCS        12
#define FX_FDP        16
#define FX_FDS        20
#define FX_MXCSR      24
#define FX_MXCSR_MASK 28
#define FX_ST         32
#define FX_XMM        160
#define FX_REG_STRIDE 16
#define FX_SIZE       512
#define FX_ALIGN      16

static int fx_xmm_count(const CPUX86State *env)
{
    return x86_code64(env) ? 16 : 8;
}

static void fx_to_bytes(X86CPU *cpu, uint8_t *b, bool rex_w)
{
    CPUX86State *env = cpu->env;
    X86FPUState *f = &env->fpu;
    uint8_t abridged = 0;

    for (int i = 0; i < 8; i++) {
        if (((f->ftw >> (2 * i)) & 3) != FTAG_EMPTY) {
            abridged |= 1u << i;
        }
    }
    memset(b, 0, FX_XMM);
    put16(b, FX_FCW, f->fcw);
    put16(b, FX_FSW, f->fsw);
    b[FX_FTW] = abridged;
    put16(b, FX_FOP, f->fop);
    if (rex_w) {
        memcpy(b + FX_FIP, &f->fip, 8);
        memcpy(b + FX_FDP, &f->fdp, 8);
    } else {
        put32(b, FX_FIP, f->fip);
        put16(b, FX_FCS, f->fcs);
        put32(b, FX_FDP, f->fdp);
        put16(b, FX_FDS, f->fds);
    }
    put32(b, FX_MXCSR, f->mxcsr);
    put32(b, FX_MXCSR_MASK, MXCSR_MASK_BITS);
    st_to_bytes(env, b + FX_ST, FX_REG_STRIDE);
    memcpy(b + FX_XMM, f->xmm, fx_xmm_count(env) * sizeof(X86XMMReg));
}

static void fx_from_bytes(X86CPU *cpu, const uint8_t *b, bool rex_w)
{
    CPUX86State *env = cpu->env;
    X86FPUState *f = &env->fpu;
    uint8_t abridged = b[FX_FTW];

    f->fcw = fcw_value(get16(b, FX_FCW));
    f->fsw = get16(b, FX_FSW);
    f->fop = get16(b, FX_FOP) & 0x7ff;
    if (rex_w) {
        memcpy(&f->fip, b + FX_FIP, 8);
        memcpy(&f->fdp, b + FX_FDP, 8);
    } else {
        f->fip = get32(b, FX_FIP);
        f->fcs = get16(b, FX_FCS);
        f->fdp = get32(b, FX_FDP);
        f->fds = get16(b, FX_FDS);
    }
    f->mxcsr = get32(b, FX_MXCSR);
    st_from_bytes(env, b + FX_ST, FX_REG_STRIDE);
    f->ftw = 0;
    for (int i = 0; i < 8; i++) {
        fpu_set_tag(env, i, (abridged >> i & 1) ? fpu_classify(&f->st[i]) : FTAG_EMPTY);
    }
    memcpy(f->xmm, b + FX_XMM, fx_xmm_count(env) * sizeof(X86XMMReg));
    fpu_update_es(env);
}

static void exec_fxsave_fxrstor(X86CPU *cpu, const DecodedInsn *d)
{
    uint64_t ea = fpu_ea(cpu, d);
    bool rex_w = x86_code64(cpu->env) && (d->rex & REX_W);
    uint8_t b[FX_SIZE];

    fpu_check_nm(cpu, false);
    if (ea & (FX_ALIGN - 1)) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    if (d->op == OP_FXSAVE) {
        /* Bytes past the XMM registers are reserved or for software: left as they are. */
        fx_to_bytes(cpu, b, rex_w);
        fpu_st_bytes(cpu, d->mem.seg, ea, b, FX_XMM + fx_xmm_count(cpu->env) * FX_REG_STRIDE);
        return;
    }
    fpu_ld_bytes(cpu, d->mem.seg, ea, b, FX_SIZE);
    if (get32(b, FX_MXCSR) & ~MXCSR_MASK_BITS) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    fx_from_bytes(cpu, b, rex_w);
}

static void exec_ldmxcsr_stmxcsr(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    uint64_t ea = fpu_ea(cpu, d);
    uint32_t v;

    sse_check_enabled(cpu);
    if (d->op == OP_STMXCSR) {
        v = env->fpu.mxcsr;
        fpu_st_bytes(cpu, d->mem.seg, ea, &v, 4);
        return;
    }
    fpu_ld_bytes(cpu, d->mem.seg, ea, &v, 4);
    if (v & ~MXCSR_MASK_BITS) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    env->fpu.mxcsr = v;
}

/* --- entry ------------------------------------------------------------------------------------ */

void x86_exec_fpu(X86CPU *cpu, const DecodedInsn *d)
{
    switch (d->op) {
    case OP_FXSAVE:
    case OP_FXRSTOR:
        exec_fxsave_fxrstor(cpu, d);
        return;
    case OP_LDMXCSR:
    case OP_STMXCSR:
        exec_ldmxcsr_stmxcsr(cpu, d);
        return;
    case OP_FPU:
        break;
    default:
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    fpu_check_nm(cpu, false);
    if (x87_exec_control(cpu, d)) {
        return;
    }
    if (!x87_form_valid(d)) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    fpu_check_pending(cpu);
    x87_exec_host(cpu, d);
}
