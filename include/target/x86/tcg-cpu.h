/*
 * tcg-cpu.h: the x86 interpreter's per-vCPU state and its entry points.
 *
 * X86CPU wraps the architectural state (CPUX86State, shared with KVM) with
 * what only the interpreter needs: the software TLB, the exception being
 * raised, and the hooks to the machine (port I/O, pending interrupts).
 * x86_cpu_exec() fetches, decodes (target/x86/decode.c) and executes
 * instructions until a budget, HLT, a request or a shutdown stops it.
 * Instruction semantics follow the Intel SDM Vol. 2; system behaviour Vol. 3A.
 */
#ifndef TARGET_X86_TCG_CPU_H
#define TARGET_X86_TCG_CPU_H

#include "qemu/osdep.h"
#include "exec/cputlb.h"
#include "target/x86/cpu.h"
#include "target/x86/decode.h"
#include <setjmp.h>

typedef struct CPUState CPUState;

/* Exception vectors (SDM Vol. 3A, table 6-1). */
enum {
    EXCP00_DIVZ = 0,
    EXCP01_DB = 1,
    EXCP02_NMI = 2,
    EXCP03_INT3 = 3,
    EXCP04_INTO = 4,
    EXCP05_BOUND = 5,
    EXCP06_ILLOP = 6,
    EXCP07_PREX = 7,
    EXCP08_DBLE = 8,
    EXCP0A_TSS = 10,
    EXCP0B_NOSEG = 11,
    EXCP0C_STACK = 12,
    EXCP0D_GPF = 13,
    EXCP0E_PAGE = 14,
    EXCP10_COPR = 16,
    EXCP11_ALGN = 17,
    EXCP12_MCHK = 18,
    EXCP13_XF = 19,
};

/* Page-fault error code bits (SDM Vol. 3A, 4.7). */
#define PG_ERROR_P_MASK    0x01
#define PG_ERROR_W_MASK    0x02
#define PG_ERROR_U_MASK    0x04
#define PG_ERROR_RSVD_MASK 0x08
#define PG_ERROR_I_D_MASK  0x10

/* Why x86_cpu_exec returned. */
typedef enum X86ExitReason {
    X86_EXIT_BUDGET,    /* ran max_insns instructions */
    X86_EXIT_HLT,       /* HLT with nothing pending: sleep until an interrupt */
    X86_EXIT_REQUEST,   /* exit_request was set (kick, pause) */
    X86_EXIT_SHUTDOWN,  /* triple fault: the machine should reset */
    X86_EXIT_EXCEPTION, /* stop_on_exception: an exception was raised (tests) */
    X86_EXIT_PAUSE,     /* pause_exits: PAUSE completed (a spin-wait: let others run) */
} X86ExitReason;

typedef struct X86CPU X86CPU;

/*
 * A decoded instruction remembered by its linear address. It is reused only
 * when the bytes fetched now are the same, so code that changes is decoded
 * again without any invalidation.
 */
typedef struct X86DecodeCacheEntry {
    uint64_t la; /* UINT64_MAX: empty */
    uint8_t bits;
    uint8_t bytes[16]; /* the instruction, zero-padded */
    bool has_mem;      /* an operand is in memory: compute the effective address */
    bool rmw;          /* operand 0 is memory read and written */
    bool is_pause;     /* PAUSE (F3 90) */
    bool lazy_ok;      /* its handler neither reads nor eagerly writes the arithmetic flags */
    void *handler;     /* its X86OpHandler (target/x86/helper.h) */
    DecodedInsn insn;
} X86DecodeCacheEntry;

#define X86_DECODE_CACHE_BITS 14 /* sets */
#define X86_DECODE_CACHE_WAYS 2

/* The future PIC/APIC: true with *vector when an external interrupt is pending (IF is checked). */
typedef bool (*X86IntrPendingFn)(X86CPU *cpu, void *opaque, int *vector);

struct X86CPU {
    CPUX86State *env;
    CPUState *cs;     /* NULL in unit tests */
    AddressSpace *as; /* system memory */
    AddressSpace *io; /* port I/O */
    CPUTLB tlb;
    jmp_buf jmp_env;

    /* The instruction being executed. */
    uint64_t insn_rip; /* RIP at its start, restored when it faults */
    uint64_t insn_rsp; /* RSP at its start, likewise */
    uint64_t fetch_la; /* linear address of the last code fetch */
    X86DecodeCacheEntry *dcache;
    uint64_t dcache_hits, dcache_misses;
    uint64_t next_rip;
    DecodedInsn insn;
    uint64_t ea; /* offset (effective address) of its memory operand */
    /*
     * Lazy arithmetic flags: after ADD, SUB, CMP and the logic ops the six
     * arithmetic flags of env->rflags are stale and computed from these only
     * when something reads them (x86_flags_sync in target/x86/helper.h).
     * x86_cpu_exec() returns with env->rflags exact (cc_op X86_CC_NONE).
     */
    uint8_t cc_op;
    uint8_t cc_size;
    uint64_t cc_a, cc_b, cc_res;
    bool rmw; /* operand 0 is memory that the instruction reads and writes */

    /* The exception being raised (x86_raise_exception). */
    int exception_index; /* -1: none */
    uint32_t error_code;
    bool has_error_code;
    int delivering;         /* vector + 1 of the event being delivered, 0 when none */
    bool shutdown;          /* triple fault */
    bool exception_is_trap; /* INT n/INT3/INTO: return to the next instruction */
    bool exception_is_soft; /* INT n: DPL checked against CPL */

    /* Interrupt delivery. */
    X86IntrPendingFn intr_pending;
    void *intr_opaque;
    int interrupt_request; /* atomic: the interrupt source may have something: ask it */
    bool nmi_pending;      /* atomic */
    bool intr_shadow;      /* STI/MOV SS: no interrupt before the next instruction ends */

    /* Set from any thread to make x86_cpu_exec return soon. */
    int exit_request;
    /* Tests: return X86_EXIT_EXCEPTION instead of delivering faults (INT n still goes through). */
    bool stop_on_exception;
    /*
     * PAUSE (F3 90) ends x86_cpu_exec() with X86_EXIT_PAUSE once it completed
     * (RIP after it), so that a spinning vCPU gives the others the exec lock.
     * Off by default; the accelerator sets it (one byte test per PAUSE only).
     */
    bool pause_exits;
    bool log_in_asm;        /* -d in_asm */
    GHashTable *logged_pcs; /* linear addresses already shown by -d in_asm */
    uint64_t insn_count;
    int64_t tsc_offset;
};

/* Sets up cpu around env (TLB listening to as; port I/O through io). */
void x86_tcg_cpu_init(X86CPU *cpu, CPUX86State *env, AddressSpace *as, AddressSpace *io);
void x86_tcg_cpu_destroy(X86CPU *cpu);

/* Runs up to max_insns instructions. */
X86ExitReason x86_cpu_exec(X86CPU *cpu, uint64_t max_insns);

/* After a reset or a loader wrote env: drops cached translations. */
void x86_cpu_state_changed(X86CPU *cpu);

/*
 * For the machine's interrupt controller under tcg (accel/tcg/cpu-exec.c):
 * fn is asked between instructions, when RFLAGS.IF allows, whether an external
 * interrupt is pending and which vector to take (acknowledging it).
 */
void tcg_x86_set_intr_source(X86IntrPendingFn fn, void *opaque);
/*
 * The interrupt controller's INTR output rose (any thread): the vCPU asks its
 * interrupt source before its next instruction, waking from HLT if needed.
 */
void tcg_cpu_interrupt(CPUState *cs);
/* Raises an NMI on the vCPU (any thread). */
void tcg_cpu_nmi(CPUState *cs);
/* Same as tcg_cpu_interrupt for an X86CPU without an accelerator around it (tests). */
static inline void x86_cpu_interrupt_request(X86CPU *cpu)
{
    __atomic_store_n(&cpu->interrupt_request, 1, __ATOMIC_RELEASE);
}
/*
 * The interpreter's state of a vCPU when tcg runs it, else NULL. Its TLB belongs
 * to the vCPU thread: read it there (run_on_cpu) or while the vCPU is stopped.
 */
X86CPU *tcg_x86_cpu(CPUState *cs);

/* -d in_asm: logs the instruction at cpu->insn_rip once per address (target/x86/disas.c). */
void x86_log_in_asm(X86CPU *cpu, const uint8_t *bytes, size_t len, int bits);

/* The fixed CPUID model (target/x86/cpuid-tcg.c): what tern implements, no more. */
void x86_cpuid_tcg(uint32_t leaf, uint32_t subleaf, const CPUX86State *env, uint32_t *eax,
                   uint32_t *ebx, uint32_t *ecx, uint32_t *edx);

#endif
