/*
 * kvm-fallback.c: instructions KVM cannot emulate, finished by tern's interpreter.
 *
 * KVM runs the guest on the CPU, but emulates in software the instructions
 * that touch MMIO (and, on a PVM host, many more: see docs/kvm.md). Its
 * instruction emulator lacks much of the SDM Vol. 2 (SSE arithmetic, most of
 * x87, CMPXCHG16B on PVM...); then KVM_RUN stops with KVM_EXIT_INTERNAL_ERROR,
 * suberror KVM_INTERNAL_ERROR_EMULATION, RIP still at the instruction. Here
 * the vCPU's state is read into its CPUX86State, target/x86's interpreter
 * executes that one instruction on it (memory through the address spaces:
 * guest RAM is the host memory KVM maps, MMIO reaches the device models), and
 * the state is written back before KVM_RUN resumes.
 *
 * A fault the interpreter raises (SDM Vol. 3A, 6.5: RIP still at the
 * instruction, nothing written) is handed to KVM as an injected exception
 * (KVM_SET_VCPU_EVENTS), which delivers it through the guest's IDT at the
 * next entry as it would one of its own emulator's. INT n/INT3/INTO the
 * interpreter delivers itself. A #UD (but from UD0/UD1/UD2) means the
 * interpreter lacks the instruction: the few that KVM's CPUID offers and
 * target/x86/kvm.c does by hand (XSAVE family, CLAC/STAC) are done there;
 * for the others tern gives up with the usual failure report, as it does
 * when the same fault repeats at the same place without progress.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/trace.h"
#include "exec/memory.h"
#include "target/x86/tcg-cpu.h"
#include "kvm-int.h"

/* Instructions the interpreter runs per fallback: the one KVM failed on. */
#define KVM_FALLBACK_INSNS 1
/* The same fault at the same RIP and CR3 this many times in a row: no progress, give up. */
#define KVM_FALLBACK_MAX_REPEATS 64

#define KVM_FALLBACK_TRACE_EVENTS(X)                                                               \
    X(kvm_fallback,                                                                                \
      (int cpu, uint64_t rip, const char *insn, const char *by, int vector, int64_t us),           \
      (cpu, rip, insn, by, vector, us),                                                            \
      "vCPU %d rip 0x%" PRIx64 " %s by %s vector %d (%" PRId64 " us)")                             \
    X(kvm_fallback_give_up, (int cpu, uint64_t rip, const char *why), (cpu, rip, why),             \
      "vCPU %d rip 0x%" PRIx64 ": %s")

KVM_FALLBACK_TRACE_EVENTS(TRACE_DECLARE_EVENT)
KVM_FALLBACK_TRACE_EVENTS(TRACE_DEFINE_EVENT)

static TraceEvent *const kvm_fallback_trace_events[] = {
    KVM_FALLBACK_TRACE_EVENTS(TRACE_TABLE_ENTRY)};

static void __attribute__((constructor)) kvm_fallback_trace_init(void)
{
    trace_event_register_group(kvm_fallback_trace_events, ARRAY_SIZE(kvm_fallback_trace_events));
}

/* -accel kvm,fallback=on|off */
static bool fallback_enabled = true;

bool kvm_accel_set_props(const char *props, GError **errp)
{
    g_auto(GStrv) items = g_strsplit(props, ",", -1);

    for (char **p = items; *p; p++) {
        if (!strcmp(*p, "fallback=on") || !strcmp(*p, "fallback")) {
            fallback_enabled = true;
        } else if (!strcmp(*p, "fallback=off")) {
            fallback_enabled = false;
        } else {
            g_set_error(errp, TERN_ERROR, 0,
                        "-accel kvm: unknown property '%s' (known: fallback=on|off)", *p);
            return false;
        }
    }
    return true;
}

struct KVMFallback {
    X86CPU cpu;         /* the interpreter around the vCPU's CPUX86State */
    uint64_t count;     /* instructions finished (atomic: the monitor reads it) */
    uint64_t faults;    /* of which ended in an exception handed to the guest */
    uint64_t fault_rip; /* the last fault: where, in which address space, which vector */
    uint64_t fault_cr3;
    int fault_vector;
    unsigned repeats; /* that same fault in a row */
    const char *by;   /* who ran the last one (the trace point) */
};

/* The interpreter is set up on first use: most VMs never need it. */
static KVMFallback *fallback_get(CPUState *cs)
{
    AccelCPUState *a = cs->accel;

    if (!a->fallback) {
        KVMFallback *fb = g_new0(KVMFallback, 1);

        bql_lock(); /* tlb_init registers a memory listener */
        x86_tcg_cpu_init(&fb->cpu, cs->env, address_space_memory(), address_space_io());
        bql_unlock();
        fb->cpu.cs = cs;
        fb->cpu.stop_on_exception = true; /* faults go to KVM, not through the interpreter */
        fb->fault_vector = -1;
        a->fallback = fb;
    }
    return a->fallback;
}

void kvm_fallback_destroy(CPUState *cs)
{
    AccelCPUState *a = cs->accel;

    if (a && a->fallback) {
        x86_tcg_cpu_destroy(&a->fallback->cpu);
        g_clear_pointer(&a->fallback, g_free);
    }
}

uint64_t kvm_fallback_count(CPUState *cs)
{
    AccelCPUState *a = cs->accel;

    return a && a->fallback ? __atomic_load_n(&a->fallback->count, __ATOMIC_RELAXED) : 0;
}

static KVMFallbackResult give_up(CPUState *cs, GString *why, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static KVMFallbackResult give_up(CPUState *cs, GString *why, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(why, fmt, ap);
    va_end(ap);
    trace_kvm_fallback_give_up(cs->cpu_index, cs->env->rip, why->str);
    return KVM_FALLBACK_FAILED;
}

/*
 * The interpreter raised a fault: hand it to KVM to deliver. The same fault
 * at the same place many times in a row means the guest makes no progress
 * (its handler cannot fix what the interpreter objects to): give up.
 */
static bool inject_fault(KVMFallback *fb, CPUX86State *env)
{
    X86CPU *cpu = &fb->cpu;

    if (cpu->exception_index == fb->fault_vector && env->rip == fb->fault_rip &&
        env->cr[3] == fb->fault_cr3) {
        if (++fb->repeats >= KVM_FALLBACK_MAX_REPEATS) {
            return false;
        }
    } else {
        fb->fault_vector = cpu->exception_index;
        fb->fault_rip = env->rip;
        fb->fault_cr3 = env->cr[3];
        fb->repeats = 1;
    }
    env->events.exception_injected = 1;
    env->events.exception_nr = cpu->exception_index;
    /* Real mode pushes no error code (SDM Vol. 3A, 20.1.4). */
    env->events.has_error_code = cpu->has_error_code && (env->cr[0] & CR0_PE_MASK);
    env->events.error_code = cpu->error_code;
    fb->faults++;
    return true;
}

/* UD0/UD1/UD2 raise #UD on purpose (SDM Vol. 2B): that one the guest gets. */
static bool is_ud_insn(CPUState *cs)
{
    char insn[96];

    return kvm_arch_disas_insn(cs, insn, sizeof(insn)) && insn[0] == 'u' && insn[1] == 'd' &&
           g_ascii_isdigit(insn[2]);
}

/*
 * The interpreter raised *vector at the instruction. A #UD (but from
 * UD0/UD1/UD2) means it lacks the instruction: those that KVM's CPUID offers
 * and tern does by hand (XSAVE family, CLAC/STAC: kvm_arch_emulate_missing)
 * are done here (*vector becomes -1); for others tern gives up. Any other
 * fault goes to the guest. False: give up (why says so).
 */
static bool finish_fault(CPUState *cs, KVMFallback *fb, GString *why, int *vector)
{
    if (*vector == EXCP06_ILLOP && !is_ud_insn(cs)) {
        switch (kvm_arch_emulate_missing(cs, why)) {
        case 1:
            *vector = -1;
            fb->fault_vector = -1; /* progress */
            fb->by = "tern (kvm_arch_emulate_missing)";
            return true;
        case 2:
            break; /* the guest's #UD */
        case 0:
            give_up(cs, why, "tern's interpreter raised #UD: it lacks this instruction too");
            return false;
        default:
            give_up(cs, why, "%s", ""); /* why has the reason */
            return false;
        }
    }
    if (!inject_fault(fb, cs->env)) {
        give_up(cs, why, "the interpreter raised exception %d here %d times in a row: no progress",
                *vector, KVM_FALLBACK_MAX_REPEATS);
        return false;
    }
    return true;
}

static void trace_insn(CPUState *cs, uint64_t rip, int vector, int64_t start)
{
    if (trace_event_get_state(kvm_fallback)) {
        char insn[96];
        uint64_t saved = cs->env->rip;

        cs->env->rip = rip;
        if (!kvm_arch_disas_insn(cs, insn, sizeof(insn))) {
            g_strlcpy(insn, "(not readable)", sizeof(insn));
        }
        cs->env->rip = saved;
        trace_kvm_fallback(cs->cpu_index, rip, insn, cs->accel->fallback->by, vector,
                           g_get_monotonic_time() - start);
    }
}

/* Runs the instruction at RIP in the interpreter; *vector: the fault it raised, else -1. */
static KVMFallbackResult run_interpreter(CPUState *cs, KVMFallback *fb, GString *why, int *vector)
{
    X86ExitReason r;

    fb->by = "interpreter";
    /* The guest ran under KVM since the last time: its page tables and mode may differ. */
    x86_cpu_state_changed(&fb->cpu);
    cs->env->halted = false;
    fb->cpu.exit_request = 0;
    r = x86_cpu_exec(&fb->cpu, KVM_FALLBACK_INSNS);
    if (r == X86_EXIT_EXCEPTION) {
        *vector = fb->cpu.exception_index;
        return finish_fault(cs, fb, why, vector) ? KVM_FALLBACK_DONE : KVM_FALLBACK_FAILED;
    }
    if (r == X86_EXIT_SHUTDOWN) {
        *vector = EXCP08_DBLE;
        return KVM_FALLBACK_SHUTDOWN;
    }
    fb->fault_vector = -1; /* progress */
    return KVM_FALLBACK_DONE;
}

KVMFallbackResult kvm_fallback_exec(CPUState *cs, GString *why)
{
    CPUX86State *env = cs->env;
    X86EventState *ev = &env->events;
    KVMFallback *fb;
    KVMFallbackResult res = KVM_FALLBACK_DONE;
    uint64_t rip, if_before;
    int vector = -1;
    int64_t start = g_get_monotonic_time();

    if (kvm_arch_get_registers(cs) < 0) {
        return give_up(cs, why, "cannot read the vCPU's registers for the interpreter");
    }
    if (!fallback_enabled) {
        return give_up(cs, why, "the interpreter fallback is off (-accel kvm,fallback=off)");
    }
    if (ev->exception_injected || ev->interrupt_injected || ev->nmi_injected) {
        /* KVM would deliver that before the instruction: the order would change. */
        return give_up(cs, why, "KVM has an event to deliver first; not run by the interpreter");
    }
    fb = fallback_get(cs);
    rip = env->rip;
    if_before = env->rflags & IF_MASK;
    fb->cpu.intr_shadow = false;
    /* LOCK CMPXCHG16B on RAM must stay atomic against the other vCPUs: the host does it. */
    if (kvm_arch_emulate_atomic(cs)) {
        fb->by = "host atomic";
    } else {
        res = run_interpreter(cs, fb, why, &vector);
    }
    if (res != KVM_FALLBACK_DONE) {
        if (res == KVM_FALLBACK_SHUTDOWN) {
            trace_insn(cs, rip, vector, start);
        }
        return res;
    }
    /*
     * Only STI (which set IF) or MOV/POP SS, just executed, leave an interrupt
     * shadow behind them; MOV SS's also blocks NMI and #DB, STI's does not.
     */
    ev->interrupt_shadow = 0;
    if (fb->cpu.intr_shadow) {
        ev->interrupt_shadow = !if_before && (env->rflags & IF_MASK) ? KVM_X86_SHADOW_INT_STI
                                                                     : KVM_X86_SHADOW_INT_MOV_SS;
    }
    env->halted = false; /* a HLT here does not halt: KVM wakes on its own exits */
    if (kvm_arch_put_registers(cs, KVM_PUT_RUNTIME_STATE) < 0) {
        return give_up(cs, why, "cannot write the interpreter's result back to KVM");
    }
    __atomic_fetch_add(&fb->count, 1, __ATOMIC_RELAXED);
    trace_insn(cs, rip, vector, start);
    return KVM_FALLBACK_DONE;
}
