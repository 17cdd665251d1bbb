/*
 * cpu-exec.c: the interpreter as an accelerator ("tcg").
 *
 * Each vCPU has a thread that runs the x86 interpreter (target/x86/exec.c) in
 * slices. Slices of all vCPUs are serialized by one lock, so vCPUs take turns
 * and every instruction, LOCKed ones included, is atomic with respect to the
 * others (SDM Vol. 3A, 9.1.2) without host atomics. The interrupt controller
 * calls tcg_cpu_interrupt() when its output rises; the vCPU then asks the
 * source (tcg_x86_set_intr_source) between instructions. HLT sleeps until
 * then, an NMI or a kick. The
 * interpreter works on CPUX86State directly, so synchronizing is only a TLB
 * flush when someone else wrote the state. The userspace PIC/IOAPIC/LAPIC
 * plug in from accel/tcg/tcg-apic.c; INIT/SIPI reach a vCPU as queued work
 * (hw/i386/pc-irq.c). Guest time counts the instructions the slices execute
 * (util/qemu-timer.c, icount): a slice ends at the next virtual timer
 * deadline and the vCPU runs the due timers; with every vCPU halted, guest
 * time follows the host's (docs/main-loop.md).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "sysemu/accel.h"
#include "sysemu/cpus.h"
#include "hw/core/cpu.h"
#include "target/x86/tcg-cpu.h"

/* Instructions per slice: long enough to amortize the lock, short enough to share fairly. */
#define TCG_SLICE_INSNS 20000
/* A halted vCPU re-checks its wake conditions this often even without a signal (ms). */
#define TCG_HALT_POLL_MS 10
/*
 * Guest time: 1 << TCG_ICOUNT_SHIFT ns per instruction (util/qemu-timer.c),
 * a 1 GHz, one-instruction-per-cycle CPU, which is what the 1 GHz TSC and APIC
 * timer say. The guest's interrupt-disabled stretches then last as long in
 * its time as on hardware, so its periodic ticks are not coalesced (lost),
 * whatever the interpreter's speed or the host's load; see docs/main-loop.md.
 */
#define TCG_ICOUNT_SHIFT 0
/* A slice that ends at a timer deadline still runs this many instructions: progress. */
#define TCG_MIN_SLICE_INSNS 64
/*
 * PAUSE ends the slice (X86CPU.pause_exits) and lasts this long in guest time,
 * about what it takes on Intel CPUs since Skylake (some 140 cycles): a vCPU
 * spinning on a lock another vCPU holds gives it the exec lock at once instead
 * of after its whole slice, and a spin-wait for a time (udelay) costs the host
 * a hundred times fewer interpreted instructions.
 */
#define TCG_PAUSE_NS 100

struct AccelCPUState {
    X86CPU cpu;
    GMutex halt_lock;
    GCond halt_cond;
    bool woken; /* under halt_lock */
};

/*
 * The exec lock hands slices out in the order the vCPUs asked for them (a
 * ticket lock), not as a host mutex does: guest time advances with whichever
 * vCPU executes, so a vCPU that a mutex let the other one re-acquire again
 * and again would see guest time jump between two of its own instructions
 * (an AP's calibrate_delay_direct() failed so while the BSP spun on PAUSE).
 */
static struct {
    GMutex lock;
    GCond turn;
    uint64_t next;    /* the next ticket handed out */
    uint64_t serving; /* the ticket that may execute */
} tcg_exec;
static X86IntrPendingFn intr_source;
static void *intr_source_opaque;

void tcg_x86_set_intr_source(X86IntrPendingFn fn, void *opaque)
{
    intr_source = fn;
    intr_source_opaque = opaque;
}

static bool tcg_available(char **why)
{
    return true;
}

/* The interpreter's CPU model is fixed; QEMU's names for it are accepted. */
static bool tcg_init_machine(MachineState *ms, GError **errp)
{
    static const char *const models[] = {"qemu64", "max", "tern", "host"};
    const char *m = ms ? ms->cpu_model : NULL;

    for (size_t i = 0; m && i < ARRAY_SIZE(models); i++) {
        if (strcmp(m, models[i]) == 0) {
            m = NULL;
        }
    }
    if (!m) {
        qemu_icount_enable(TCG_ICOUNT_SHIFT);
        return true;
    }
    g_set_error(errp, TERN_ERROR, 0,
                "-cpu %s: unknown CPU model under tcg (known: qemu64, max, tern)", m);
    return false;
}

static void tcg_wake(AccelCPUState *a)
{
    g_mutex_lock(&a->halt_lock);
    a->woken = true;
    g_cond_signal(&a->halt_cond);
    g_mutex_unlock(&a->halt_lock);
}

static void tcg_kick(CPUState *cs)
{
    AccelCPUState *a = cs->accel;

    if (a) {
        __atomic_store_n(&a->cpu.exit_request, 1, __ATOMIC_RELEASE);
        tcg_wake(a);
    }
}

X86CPU *tcg_x86_cpu(CPUState *cs)
{
    return current_accel && !strcmp(current_accel->name, "tcg") && cs->accel ? &cs->accel->cpu
                                                                             : NULL;
}

void tcg_cpu_interrupt(CPUState *cs)
{
    AccelCPUState *a = cs->accel;

    if (a) {
        x86_cpu_interrupt_request(&a->cpu);
        tcg_wake(a);
    }
}

void tcg_cpu_nmi(CPUState *cs)
{
    AccelCPUState *a = cs->accel;

    if (a) {
        __atomic_store_n(&a->cpu.nmi_pending, true, __ATOMIC_RELEASE);
        tcg_wake(a);
    }
}

static bool intr_pending_hook(X86CPU *cpu, void *opaque, int *vector)
{
    return intr_source && intr_source(cpu, intr_source_opaque, vector);
}

/* HLT: sleep until an interrupt may be taken (tcg_cpu_interrupt), an NMI or a kick. */
static void tcg_halt_wait(CPUState *cs)
{
    AccelCPUState *a = cs->accel;
    CPUX86State *env = cs->env;

    qemu_icount_cpu_active(false); /* the last vCPU to halt lets guest time follow the host's */
    g_mutex_lock(&a->halt_lock);
    while (!a->woken && !__atomic_load_n(&a->cpu.exit_request, __ATOMIC_ACQUIRE)) {
        if (__atomic_load_n(&a->cpu.nmi_pending, __ATOMIC_ACQUIRE)) {
            break;
        }
        if ((env->rflags & IF_MASK) &&
            __atomic_load_n(&a->cpu.interrupt_request, __ATOMIC_ACQUIRE)) {
            break;
        }
        /* The timeout only re-checks; wakers signal halt_cond. */
        g_cond_wait_until(&a->halt_cond, &a->halt_lock,
                          g_get_monotonic_time() + TCG_HALT_POLL_MS * 1000);
    }
    a->woken = false;
    g_mutex_unlock(&a->halt_lock);
    qemu_icount_cpu_active(true);
}

static void tcg_exec_acquire(void)
{
    uint64_t ticket;

    g_mutex_lock(&tcg_exec.lock);
    ticket = tcg_exec.next++;
    while (ticket != tcg_exec.serving) {
        g_cond_wait(&tcg_exec.turn, &tcg_exec.lock);
    }
    g_mutex_unlock(&tcg_exec.lock);
}

static void tcg_exec_release(void)
{
    g_mutex_lock(&tcg_exec.lock);
    tcg_exec.serving++;
    g_cond_broadcast(&tcg_exec.turn);
    g_mutex_unlock(&tcg_exec.lock);
}

/*
 * Under icount the vCPUs, not the main loop, run the virtual timers while
 * they execute: the clock only moves with their instructions, so a slice ends
 * at the next deadline and the timers due then run before the next slice.
 */
static uint64_t tcg_slice_budget(void)
{
    uint64_t budget;

    if (!qemu_icount_enabled()) {
        return TCG_SLICE_INSNS;
    }
    if (qemu_icount_timers_due()) {
        bql_lock();
        qemu_icount_run_timers();
        bql_unlock();
    }
    budget = qemu_icount_budget(TCG_SLICE_INSNS);
    return budget < TCG_MIN_SLICE_INSNS ? TCG_MIN_SLICE_INSNS : budget;
}

static void note_first_entry(void)
{
    int64_t expected = 0;

    if (!__atomic_load_n(&vcpu_first_entry_ns, __ATOMIC_RELAXED)) {
        __atomic_compare_exchange_n(&vcpu_first_entry_ns, &expected, g_get_monotonic_time() * 1000,
                                    false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
}

/* Runs slices until something needs the thread outside the interpreter. */
static void tcg_cpu_exec(CPUState *cs)
{
    AccelCPUState *a = cs->accel;
    X86CPU *cpu = &a->cpu;

    if (cs->vcpu_dirty) {
        x86_cpu_state_changed(cpu); /* a loader or reset wrote env */
        cs->vcpu_dirty = false;
    }
    note_first_entry();
    qemu_icount_cpu_active(true);
    for (;;) {
        X86ExitReason r;
        uint64_t budget;

        if (__atomic_exchange_n(&cs->exit_request, 0, __ATOMIC_SEQ_CST)) {
            __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_SEQ_CST);
            break;
        }
        tcg_exec_acquire();
        /* After the lock: the other vCPU's slice may have moved guest time on meanwhile. */
        budget = tcg_slice_budget();
        cpu->log_in_asm = qemu_loglevel_mask(CPU_LOG_IN_ASM);
        qemu_icount_slice_begin(&cpu->insn_count);
        r = x86_cpu_exec(cpu, budget);
        qemu_icount_slice_end();
        if (r == X86_EXIT_PAUSE) {
            qemu_icount_advance(TCG_PAUSE_NS - (1 << TCG_ICOUNT_SHIFT)); /* it counted as one */
        }
        tcg_exec_release();
        if (r == X86_EXIT_REQUEST) {
            __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_SEQ_CST);
            __atomic_store_n(&cs->exit_request, 0, __ATOMIC_SEQ_CST);
            break;
        }
        if (r == X86_EXIT_SHUTDOWN) {
            qemu_log_mask(LOG_GUEST_ERROR, "tcg: vCPU %d triple fault: machine reset\n",
                          cs->cpu_index);
            cpu->shutdown = false;
            cpu_stop_request(cs);
            qemu_system_reset_request();
            break;
        }
        if (r == X86_EXIT_HLT) {
            tcg_halt_wait(cs);
        }
    }
    qemu_icount_cpu_active(false);
}

static gpointer tcg_vcpu_thread_fn(gpointer opaque)
{
    CPUState *cs = opaque;

    qemu_vcpu_thread_started(cs);
    while (qemu_wait_io_event(cs)) {
        tcg_cpu_exec(cs);
    }
    return NULL;
}

static bool tcg_create_vcpu_thread(CPUState *cs, GError **errp)
{
    g_autofree char *name = g_strdup_printf("CPU %d/TCG", cs->cpu_index);
    AccelCPUState *a = g_new0(AccelCPUState, 1);
    GError *err = NULL;

    g_mutex_init(&a->halt_lock);
    g_cond_init(&a->halt_cond);
    x86_tcg_cpu_init(&a->cpu, cs->env, address_space_memory(), address_space_io());
    a->cpu.cs = cs;
    a->cpu.intr_pending = intr_pending_hook;
    a->cpu.pause_exits = true;
    x86_cpu_interrupt_request(&a->cpu); /* ask once at start: a line may already be high */
    cs->accel = a;
    cs->vcpu_dirty = false;
    cs->thread = g_thread_try_new(name, tcg_vcpu_thread_fn, cs, &err);
    if (!cs->thread) {
        g_propagate_prefixed_error(errp, err, "vCPU %d thread: ", cs->cpu_index);
        return false;
    }
    while (!__atomic_load_n(&cs->created, __ATOMIC_SEQ_CST)) {
        g_usleep(100);
    }
    return true;
}

static void tcg_synchronize_state(CPUState *cs)
{
    /* The interpreter runs on CPUX86State: nothing to copy. */
}

static void tcg_synchronize_post_reset(CPUState *cs)
{
    cs->vcpu_dirty = true; /* the vCPU thread flushes its TLB before running again */
}

static void tcg_destroy_vcpu(CPUState *cs)
{
    AccelCPUState *a = cs->accel;

    if (!a) {
        return;
    }
    x86_tcg_cpu_destroy(&a->cpu);
    g_mutex_clear(&a->halt_lock);
    g_cond_clear(&a->halt_cond);
    g_free(a);
    cs->accel = NULL;
}

static const AccelOps tcg_accel_ops = {
    .name = "tcg",
    .available = tcg_available,
    .init_machine = tcg_init_machine,
    .create_vcpu_thread = tcg_create_vcpu_thread,
    .kick = tcg_kick,
    .synchronize_state = tcg_synchronize_state,
    .synchronize_post_reset = tcg_synchronize_post_reset,
    .set_irq = NULL, /* no in-accelerator irqchip: the userspace PIC/IOAPIC/LAPIC serve */
    .destroy_vcpu = tcg_destroy_vcpu,
};

static void __attribute__((constructor)) tcg_accel_register(void)
{
    accel_register(&tcg_accel_ops);
}
