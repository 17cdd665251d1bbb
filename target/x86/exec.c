/*
 * exec.c: the interpreter's fetch-decode-execute loop and operand access.
 *
 * Follows the Intel SDM Vol. 3A, 6.5-6.6 (faults restart the instruction,
 * traps and interrupts are taken between instructions, the STI/MOV SS
 * interrupt shadow) and Vol. 2, chapter 2 (operand and address sizes).
 * Decoding is target/x86/decode.c; the handlers are in ops-*.c. Left out:
 * single-step (TF) and debug-register breakpoints; a decoded-instruction
 * cache (the next issue).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "helper.h"

#define DR6_BS (1u << 14) /* single step */

/* Which file handles each operation (GNU range designators over the X86Op enum). */
static const X86OpHandler op_handlers[OP__COUNT] = {
    [OP_INVALID] = x86_exec_system,          [OP_ADD... OP_CWD] = x86_exec_arith,
    [OP_PUSH... OP_JCXZ] = x86_exec_control, [OP_SETCC... OP_CMOVCC] = x86_exec_arith,
    [OP_MOVS... OP_XLAT] = x86_exec_string,  [OP_NOP... OP_WAIT] = x86_exec_system,
    [OP_DAA... OP_BOUND] = x86_exec_arith,   [OP_ARPL... OP_EMMS] = x86_exec_system,
};

/*
 * TERN_EXEC_STATS=1 in the environment: at exit, each vCPU's instruction
 * count, decode-cache and TLB counters go to stderr (bench/boot.sh, docs).
 * Read racily from the exiting thread: they are only statistics.
 */
#define STATS_MAX_CPUS 16
static X86CPU *stats_cpus[STATS_MAX_CPUS];
static int stats_ncpus;

static void print_cpu_stats(int i)
{
    const X86CPU *cpu = stats_cpus[i];
    uint64_t lookups = cpu->dcache_hits + cpu->dcache_misses;
    CPUTLBCounters c;
    uint64_t tlb_all;

    if (!cpu->dcache) {
        return;
    }
    tlb_get_stats(&cpu->tlb, &c);
    tlb_all = c.hits + c.victim_hits + c.misses;
    fprintf(stderr,
            "tern exec stats: vcpu %d: %" PRIu64 " instructions, decode cache %.3f%% hits"
            " (%" PRIu64 " misses), TLB %.3f%% hits (%" PRIu64 " hits, %" PRIu64
            " victim hits, %" PRIu64 " misses, %" PRIu64 " flushes)\n",
            i, cpu->insn_count, lookups ? 100.0 * cpu->dcache_hits / lookups : 0.0,
            cpu->dcache_misses, tlb_all ? 100.0 * (c.hits + c.victim_hits) / tlb_all : 0.0, c.hits,
            c.victim_hits, c.misses, c.flushes);
}

static void print_exec_stats(void)
{
    for (int i = 0; i < stats_ncpus; i++) {
        print_cpu_stats(i);
    }
}

static void register_exec_stats(X86CPU *cpu)
{
    static bool registered;
    const char *v = getenv("TERN_EXEC_STATS");

    if (!v || !*v || *v == '0' || stats_ncpus == STATS_MAX_CPUS) {
        return;
    }
    stats_cpus[stats_ncpus++] = cpu;
    if (!registered) {
        registered = true;
        atexit(print_exec_stats);
    }
}

void x86_tcg_cpu_init(X86CPU *cpu, CPUX86State *env, AddressSpace *as, AddressSpace *io)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->env = env;
    cpu->as = as;
    cpu->io = io;
    cpu->exception_index = -1;
    tlb_init(&cpu->tlb, as);
    cpu->dcache = g_new(X86DecodeCacheEntry, X86_DECODE_CACHE_WAYS << X86_DECODE_CACHE_BITS);
    for (unsigned i = 0; i < X86_DECODE_CACHE_WAYS << X86_DECODE_CACHE_BITS; i++) {
        cpu->dcache[i].la = UINT64_MAX;
    }
    register_exec_stats(cpu);
}

void x86_tcg_cpu_destroy(X86CPU *cpu)
{
    for (int i = 0; i < stats_ncpus; i++) {
        if (stats_cpus[i] == cpu) {
            print_cpu_stats(i);
            stats_cpus[i] = stats_cpus[--stats_ncpus];
            break;
        }
    }
    tlb_destroy(&cpu->tlb);
    g_free(cpu->dcache);
    cpu->dcache = NULL;
    if (cpu->logged_pcs) {
        g_hash_table_destroy(cpu->logged_pcs);
        cpu->logged_pcs = NULL;
    }
}

void x86_cpu_state_changed(X86CPU *cpu)
{
    tlb_flush(&cpu->tlb);
    cpu->cc_op = X86_CC_NONE; /* env->rflags was written: it is exact */
    cpu->exception_index = -1;
    cpu->delivering = 0;
    cpu->shutdown = false;
}

uint64_t x86_read_opnd_other(X86CPU *cpu, const DecodedInsn *d, int i)
{
    const X86Operand *o = &d->opnd[i];

    switch (o->kind) {
    case X86_OPK_IMM:
        return o->imm2 ? d->imm2 : d->imm;
    case X86_OPK_SREG:
        return cpu->env->segs[o->reg].selector;
    default:
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
}

void x86_write_opnd_other(X86CPU *cpu, const DecodedInsn *d, int i, uint64_t val)
{
    const X86Operand *o = &d->opnd[i];

    if (o->kind != X86_OPK_SREG) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
    if (o->reg == R_CS) {
        x86_raise_exception(cpu, EXCP06_ILLOP); /* MOV CS is #UD */
    }
    x86_load_seg(cpu, o->reg, val & 0xffff);
    if (o->reg == R_SS) {
        cpu->intr_shadow = true; /* no interrupt before the next instruction (SS:SP pairs) */
    }
}

void x86_jump(X86CPU *cpu, uint64_t target, int opsize)
{
    CPUX86State *env = cpu->env;

    if (opsize < 8) {
        target &= size_mask(opsize);
        if (target > env->segs[R_CS].limit) {
            x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
        }
    } else if (sext(target, 6) != (int64_t)target) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0); /* non-canonical target */
    }
    env->rip = target;
}

/* Instructions whose memory destination is read and written (the read faults as a write). */
static bool is_rmw(const DecodedInsn *d)
{
    if (d->nopnd == 0 || d->opnd[0].kind != X86_OPK_MEM) {
        return false;
    }
    switch (d->op) {
    case OP_ADD ... OP_XOR:
    case OP_ROL ... OP_SAR:
    case OP_INC ... OP_NOT:
    case OP_SHLD:
    case OP_SHRD:
    case OP_XCHG:
    case OP_CMPXCHG:
    case OP_XADD:
    case OP_BTS ... OP_BTC:
        return true;
    default:
        return false;
    }
}

/* The handler of op, and whether it may run with lazy flags. */
static X86OpHandler pick_handler(int op, bool *lazy_ok)
{
    X86OpHandler h = op_handlers[op];

    if (h == x86_exec_arith) {
        return x86_arith_handler(op, lazy_ok);
    }
    if (h == x86_exec_control) {
        return x86_control_handler(op, lazy_ok);
    }
    *lazy_ok = false;
    return h;
}

/* PAUSE (F3 90, not XCHG with r8): a spin-wait hint that may end the slice. */
static bool is_pause(const DecodedInsn *d)
{
    return d->map == X86_MAP_ONE && d->opcode == 0x90 && (d->prefixes & PREFIX_REPZ) &&
           !(d->rex & REX_B);
}

static bool has_mem_operand(const DecodedInsn *d)
{
    for (int i = 0; i < d->nopnd; i++) {
        if (d->opnd[i].kind == X86_OPK_MEM) {
            return true;
        }
    }
    return false;
}

/* Decodes buf, fetching the rest from the next page only if the instruction needs it. */
static void decode_bytes(X86CPU *cpu, uint8_t *buf, size_t n, int bits, uint64_t ip_mask,
                         DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    X86DecodeStatus st = x86_decode(buf, n, bits, d);

    while (st == X86_DECODE_SHORT && n < X86_MAX_INSN_LEN) {
        size_t more = x86_fetch_code(cpu, (env->rip + n) & ip_mask, buf + n, X86_MAX_INSN_LEN - n);

        if (more == 0) {
            x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
        }
        n += more;
        st = x86_decode(buf, n, bits, d);
    }
    if (st == X86_DECODE_GP || st == X86_DECODE_SHORT) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    if (st == X86_DECODE_UD) {
        x86_raise_exception(cpu, EXCP06_ILLOP);
    }
}

/* The first len bytes of two 16-byte buffers are equal (two word compares, no memcmp call). */
static inline bool same_insn_bytes(const uint8_t *a, const uint8_t *b, unsigned len)
{
    uint64_t a0, a1, b0, b1;
    uint64_t m0 = len >= 8 ? UINT64_MAX : (1ULL << (8 * len)) - 1;
    uint64_t m1 = len <= 8 ? 0 : (1ULL << (8 * (len - 8))) - 1;

    memcpy(&a0, a, 8);
    memcpy(&a1, a + 8, 8);
    memcpy(&b0, b, 8);
    memcpy(&b1, b + 8, 8);
    return (((a0 ^ b0) & m0) | ((a1 ^ b1) & m1)) == 0;
}

/* x86_cpu_code_bits() without the call: 64, 32 or 16 from EFER.LMA, CS.L/D, CR0.PE, VM. */
static inline int code_bits(const CPUX86State *env)
{
    uint32_t cs = env->segs[R_CS].flags;

    if ((env->efer & MSR_EFER_LMA) && (cs & DESC_L_MASK)) {
        return 64;
    }
    if (!(env->cr[0] & CR0_PE_MASK) || (env->rflags & VM_MASK)) {
        return 16;
    }
    return (cs & DESC_B_MASK) ? 32 : 16;
}

/*
 * The decode cache set of linear address la: X86_DECODE_CACHE_WAYS entries,
 * the most recently decoded first. Two ways because the kernel's code does
 * not fit one direct-mapped table: a boot to the shell had 1% conflict misses.
 */
static inline X86DecodeCacheEntry *dcache_set(X86CPU *cpu, uint64_t la)
{
    unsigned set = (la ^ (la >> X86_DECODE_CACHE_BITS)) & ((1u << X86_DECODE_CACHE_BITS) - 1);

    return &cpu->dcache[set * X86_DECODE_CACHE_WAYS];
}

static inline bool dcache_match(const X86DecodeCacheEntry *e, uint64_t la, int bits,
                                const uint8_t *bytes)
{
    return e->la == la && e->bits == bits && same_insn_bytes(e->bytes, bytes, e->insn.len);
}

/*
 * The common case without any copy: the 16 bytes at RIP lie in one page that
 * the code TLB maps to RAM and inside CS, and the decode cache holds the same
 * bytes there. Returns NULL otherwise (fetch_decode_slow() then copies,
 * faults or decodes).
 */
static inline X86DecodeCacheEntry *fetch_decode_fast(X86CPU *cpu, int bits)
{
    CPUX86State *env = cpu->env;
    const SegmentCache *cs = &env->segs[R_CS];
    uint64_t la = env->rip;
    CPUTLBDesc *desc;
    const CPUTLBEntry *te;
    X86DecodeCacheEntry *e;
    const uint8_t *host;
    uintptr_t addend;
    int mmu_idx;

    if (bits != 64) {
        if (cs->limit < X86_MAX_INSN_LEN || la > cs->limit - X86_MAX_INSN_LEN) {
            return NULL;
        }
        la = (uint32_t)(cs->base + la);
    }
    /* 16 bytes in one page: then a canonical start means a canonical end */
    if ((la & ~TARGET_PAGE_MASK) > TARGET_PAGE_SIZE - 16 ||
        (bits == 64 && sext(la, 6) != (int64_t)la)) {
        return NULL;
    }
    mmu_idx = x86_mmu_index(env);
    if (likely(cpu->tlb.code_tag == ((la & TARGET_PAGE_MASK) | mmu_idx))) {
        addend = cpu->tlb.code_addend; /* the page of the previous instruction */
    } else {
        desc = &cpu->tlb.d[mmu_idx];
        te = &desc->table[tlb_index(desc, la)];
        if (unlikely(te->addr_code != (la & TARGET_PAGE_MASK))) {
            return NULL;
        }
        desc->stats.hits++;
        addend = te->addend;
        cpu->tlb.code_tag = (la & TARGET_PAGE_MASK) | mmu_idx;
        cpu->tlb.code_addend = addend;
    }
    e = dcache_set(cpu, la);
    host = (const uint8_t *)(uintptr_t)(la + addend);
    if (unlikely(!dcache_match(e, la, bits, host))) {
        e++;
        if (!dcache_match(e, la, bits, host)) {
            return NULL;
        }
    }
    cpu->fetch_la = la;
    if (unlikely(cpu->log_in_asm)) {
        x86_log_in_asm(cpu, host, e->insn.len, bits);
    }
    return e;
}

/* Fetches and decodes at RIP through a copy of the bytes, raising #UD/#GP/#PF as needed. */
static X86DecodeCacheEntry *fetch_decode_slow(X86CPU *cpu, int bits)
{
    CPUX86State *env = cpu->env;
    uint8_t buf[16];
    uint64_t ip_mask = bits == 64 ? UINT64_MAX : bits == 32 ? 0xffffffffu : 0xffff;
    size_t n = x86_fetch_code(cpu, env->rip, buf, X86_MAX_INSN_LEN);
    uint64_t la = cpu->fetch_la;
    X86DecodeCacheEntry *e = dcache_set(cpu, la);

    if (unlikely(n < X86_MAX_INSN_LEN)) {
        memset(buf + n, 0, sizeof(buf) - n); /* compared under a mask, but keep it defined */
    }
    if (e[0].la == la && e[0].insn.len <= n && dcache_match(&e[0], la, bits, buf)) {
        cpu->dcache_hits++;
    } else if (e[1].la == la && e[1].insn.len <= n && dcache_match(&e[1], la, bits, buf)) {
        cpu->dcache_hits++;
        e++;
    } else {
        cpu->dcache_misses++;
        e[1] = e[0];        /* the older way goes */
        e->la = UINT64_MAX; /* stays empty if decoding faults */
        decode_bytes(cpu, buf, n, bits, ip_mask, &e->insn);
        memset(e->bytes, 0, sizeof(e->bytes));
        memcpy(e->bytes, buf, e->insn.len);
        e->has_mem = has_mem_operand(&e->insn);
        e->rmw = is_rmw(&e->insn);
        e->is_pause = is_pause(&e->insn);
        e->handler = pick_handler(e->insn.op, &e->lazy_ok);
        e->bits = bits;
        e->la = la;
    }
    if (unlikely(cpu->log_in_asm)) {
        x86_log_in_asm(cpu, buf, e->insn.len, bits);
    }
    return e;
}

static inline const X86DecodeCacheEntry *fetch_decode(X86CPU *cpu)
{
    CPUX86State *env = cpu->env;
    int bits = code_bits(env);
    X86DecodeCacheEntry *e = fetch_decode_fast(cpu, bits);
    uint64_t ip_mask = bits == 64 ? UINT64_MAX : bits == 32 ? 0xffffffffu : 0xffff;

    if (likely(e)) {
        cpu->dcache_hits++;
    } else {
        e = fetch_decode_slow(cpu, bits);
    }
    cpu->next_rip = (env->rip + e->insn.len) & ip_mask;
    return e;
}

/* Executes one instruction; faults longjmp out with RIP and RSP restored by the caller. */
/* RFLAGS.TF was set when the instruction began: a #DB trap after it (SDM Vol. 3A, 18.3.1.4). */
static QEMU_NORETURN void single_step_trap(X86CPU *cpu)
{
    CPUX86State *env = cpu->env;

    env->dr[6] |= DR6_BS;
    /* The instruction is complete: the trap returns to where it left RIP and RSP. */
    cpu->insn_rip = cpu->next_rip = env->rip;
    cpu->insn_rsp = env->regs[R_ESP];
    x86_raise_interrupt(cpu, EXCP01_DB, false);
}

/* Returns true when the slice should end after it (PAUSE with pause_exits). */
static bool exec_one(X86CPU *cpu)
{
    CPUX86State *env = cpu->env;
    bool tf = env->rflags & TF_MASK;
    const X86DecodeCacheEntry *e;
    const DecodedInsn *d;

    /* insn_rip/insn_rsp were saved by run_loop() just before */
    cpu->intr_shadow = false;
    tlb_check_pending_flush(&cpu->tlb);
    e = fetch_decode(cpu);
    d = &e->insn;
    if (e->has_mem) {
        cpu->ea = x86_mem_offset(cpu, d);
    }
    cpu->rmw = e->rmw;
    env->rip = cpu->next_rip;
    if (!e->lazy_ok) {
        x86_flags_sync(cpu);
    }
    ((X86OpHandler)e->handler)(cpu, d);
    cpu->insn_count++;
    if (unlikely(tf)) {
        single_step_trap(cpu);
    }
    return unlikely(e->is_pause) && cpu->pause_exits;
}

/*
 * An external interrupt or NMI is taken between instructions when allowed. The
 * interrupt source is asked only after tcg_cpu_interrupt() said it may have
 * something, so a running vCPU pays one load per instruction.
 */
static bool check_interrupts(X86CPU *cpu)
{
    CPUX86State *env = cpu->env;
    int vector;

    if (cpu->intr_shadow) {
        return false;
    }
    if (unlikely(__atomic_load_n(&cpu->nmi_pending, __ATOMIC_ACQUIRE)) && !env->events.nmi_masked) {
        __atomic_store_n(&cpu->nmi_pending, false, __ATOMIC_RELAXED);
        env->halted = false;
        x86_flags_sync(cpu);
        x86_deliver_interrupt(cpu, EXCP02_NMI, true);
        return true;
    }
    if (likely(!__atomic_load_n(&cpu->interrupt_request, __ATOMIC_ACQUIRE)) ||
        !(env->rflags & IF_MASK) || !cpu->intr_pending) {
        return false;
    }
    /* Cleared before asking, so an interrupt raised meanwhile sets it again. */
    __atomic_store_n(&cpu->interrupt_request, 0, __ATOMIC_SEQ_CST);
    if (!cpu->intr_pending(cpu, cpu->intr_opaque, &vector)) {
        return false;
    }
    x86_cpu_interrupt_request(cpu); /* others may be pending: ask again next time */
    env->halted = false;
    x86_flags_sync(cpu);
    x86_deliver_interrupt(cpu, vector, false);
    return true;
}

/* After a longjmp: restore the faulting instruction's RIP/RSP and deliver (or stop). */
static X86ExitReason handle_exception(X86CPU *cpu)
{
    CPUX86State *env = cpu->env;

    x86_flags_sync(cpu); /* the flags before the faulting instruction: it wrote none */
    env->rip = cpu->insn_rip;
    env->regs[R_ESP] = cpu->insn_rsp;
    if (cpu->stop_on_exception && !cpu->exception_is_soft) {
        return X86_EXIT_EXCEPTION;
    }
    x86_deliver_exception(cpu);
    return cpu->shutdown ? X86_EXIT_SHUTDOWN : X86_EXIT_BUDGET;
}

static X86ExitReason run_loop(X86CPU *cpu, uint64_t end)
{
    CPUX86State *env = cpu->env;

    while (cpu->insn_count < end) {
        if (__atomic_load_n(&cpu->exit_request, __ATOMIC_ACQUIRE)) {
            return X86_EXIT_REQUEST;
        }
        cpu->insn_rip = env->rip;
        cpu->insn_rsp = env->regs[R_ESP];
        if (check_interrupts(cpu)) {
            continue;
        }
        if (env->halted) {
            return X86_EXIT_HLT;
        }
        if (exec_one(cpu)) {
            return X86_EXIT_PAUSE;
        }
    }
    return X86_EXIT_BUDGET;
}

X86ExitReason x86_cpu_exec(X86CPU *cpu, uint64_t max_insns)
{
    uint64_t end =
        max_insns > UINT64_MAX - cpu->insn_count ? UINT64_MAX : cpu->insn_count + max_insns;

    for (;;) {
        X86ExitReason r;

        if (setjmp(cpu->jmp_env) == 0) {
            r = run_loop(cpu, end);
            x86_flags_sync(cpu); /* others read env->rflags */
            return r;
        }
        /* An instruction faulted: deliver it, then carry on from the handler. */
        r = handle_exception(cpu);
        if (r != X86_EXIT_BUDGET) {
            return r;
        }
    }
}
