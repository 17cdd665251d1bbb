/*
 * cpus.c: the vCPU list, vCPU threads' pause/resume handshake, run_on_cpu,
 * and starting/stopping the VM.
 *
 * Locking: cpus_lock protects every CPUState's stop/stopped/unplug flags, its
 * work queue and vm_running. vCPU threads never hold cpus_lock while taking
 * the BQL; the main thread drops the BQL while it waits for vCPUs (a vCPU may
 * need the BQL to finish the exit it is handling before it can stop).
 * Left out: CPU hotplug, record/replay, icount.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "sysemu/accel.h"
#include "sysemu/cpus.h"
#include "hw/core/cpu.h"
#include "target/x86/cpu.h"

CPUState *first_cpu;
int64_t vcpu_first_entry_ns;

static GMutex cpus_lock;
static GCond cpus_wake_cond;  /* vCPU threads: something to look at */
static GCond cpus_state_cond; /* waiters: a vCPU stopped, started or finished work */
static bool vm_running;
static bool reset_handler_registered;
static __thread CPUState *current_cpu_tls;

typedef struct CPUWorkItem {
    run_on_cpu_func fn;
    void *data;
    bool done;
    bool free; /* async_run_on_cpu: nobody waits; the vCPU frees it */
} CPUWorkItem;

CPUState *qemu_get_cpu(int index)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        if (cpu->cpu_index == index) {
            return cpu;
        }
    }
    return NULL;
}

CPUState *current_cpu_get(void)
{
    return current_cpu_tls;
}

unsigned cpu_count(void)
{
    unsigned n = 0;
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        n++;
    }
    return n;
}

bool qemu_cpu_is_self(CPUState *cpu)
{
    return current_cpu_tls == cpu;
}

CPUState *cpu_create(int index)
{
    CPUState *cpu = g_new0(CPUState, 1);
    CPUState **tail = &first_cpu;

    cpu->cpu_index = index;
    cpu->apic_id = index;
    cpu->env = g_new0(CPUX86State, 1);
    cpu->env->apic_id = index;
    cpu->work = g_queue_new();
    x86_cpu_reset(cpu->env, index == 0);
    cpu->vcpu_dirty = true;
    while (*tail) {
        tail = &(*tail)->next_cpu;
    }
    *tail = cpu;
    return cpu;
}

void cpu_reset(CPUState *cpu)
{
    x86_cpu_reset(cpu->env, cpu->cpu_index == 0);
    cpu->halted = false;
    cpu->vcpu_dirty = true;
}

/* --- handshake ------------------------------------------------------------ */

/* Drops the BQL (if this thread holds it) around a wait on cpus_state_cond. */
static void wait_cpus_state(bool (*done)(void *), void *opaque)
{
    bool had_bql = bql_locked();

    if (had_bql) {
        bql_unlock();
    }
    g_mutex_lock(&cpus_lock);
    while (!done(opaque)) {
        g_cond_wait(&cpus_state_cond, &cpus_lock);
    }
    g_mutex_unlock(&cpus_lock);
    if (had_bql) {
        bql_lock();
    }
}

static void process_work_locked(CPUState *cpu)
{
    CPUWorkItem *wi;

    while ((wi = g_queue_pop_head(cpu->work))) {
        g_mutex_unlock(&cpus_lock);
        wi->fn(cpu, wi->data);
        g_mutex_lock(&cpus_lock);
        if (wi->free) {
            g_free(wi);
            continue;
        }
        wi->done = true;
        g_cond_broadcast(&cpus_state_cond);
    }
}

bool qemu_wait_io_event(CPUState *cpu)
{
    bool alive;

    g_mutex_lock(&cpus_lock);
    process_work_locked(cpu);
    while (!cpu->unplug && (!vm_running || cpu->stop || cpu->halted)) {
        if (!cpu->stopped) {
            cpu->stopped = true;
            g_cond_broadcast(&cpus_state_cond);
        }
        g_cond_wait(&cpus_wake_cond, &cpus_lock);
        process_work_locked(cpu);
    }
    cpu->stopped = false;
    alive = !cpu->unplug;
    g_mutex_unlock(&cpus_lock);
    return alive;
}

void qemu_vcpu_thread_started(CPUState *cpu)
{
    current_cpu_tls = cpu;
    g_mutex_lock(&cpus_lock);
    cpu->thread_id = pthread_self();
    __atomic_store_n(&cpu->created, true, __ATOMIC_SEQ_CST); /* polled by the creator */
    cpu->stopped = true; /* until qemu_wait_io_event lets it run */
    g_cond_broadcast(&cpus_state_cond);
    g_mutex_unlock(&cpus_lock);
}

void cpu_stop_request(CPUState *cpu)
{
    g_mutex_lock(&cpus_lock);
    cpu->stop = true;
    g_mutex_unlock(&cpus_lock);
}

void qemu_vcpu_fatal(CPUState *cpu)
{
    cpu_stop_request(cpu);
    qemu_system_shutdown_request(1);
}

void qemu_cpu_kick(CPUState *cpu)
{
    __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_SEQ_CST);
    if (current_accel && current_accel->kick && cpu->created && !qemu_cpu_is_self(cpu)) {
        current_accel->kick(cpu);
    }
}

static bool all_stopped_locked(void *opaque)
{
    CPUState *cpu;

    (void)opaque;
    CPU_FOREACH(cpu) {
        if (cpu->created && !cpu->stopped && !qemu_cpu_is_self(cpu)) {
            return false;
        }
    }
    return true;
}

bool all_vcpus_paused(void)
{
    bool r;

    g_mutex_lock(&cpus_lock);
    r = all_stopped_locked(NULL);
    g_mutex_unlock(&cpus_lock);
    return r;
}

void pause_all_vcpus(void)
{
    CPUState *cpu;

    g_mutex_lock(&cpus_lock);
    CPU_FOREACH(cpu) {
        cpu->stop = true;
    }
    g_mutex_unlock(&cpus_lock);
    CPU_FOREACH(cpu) {
        qemu_cpu_kick(cpu);
    }
    wait_cpus_state(all_stopped_locked, NULL);
}

void resume_all_vcpus(void)
{
    CPUState *cpu;

    g_mutex_lock(&cpus_lock);
    CPU_FOREACH(cpu) {
        cpu->stop = false;
    }
    g_cond_broadcast(&cpus_wake_cond);
    g_mutex_unlock(&cpus_lock);
}

void vm_start(void)
{
    g_mutex_lock(&cpus_lock);
    vm_running = true;
    g_mutex_unlock(&cpus_lock);
    qemu_clock_enable_virtual(true);
    resume_all_vcpus();
}

void vm_stop(void)
{
    pause_all_vcpus();
    g_mutex_lock(&cpus_lock);
    vm_running = false;
    g_mutex_unlock(&cpus_lock);
    qemu_clock_enable_virtual(false);
}

bool runstate_is_running(void)
{
    bool r;

    g_mutex_lock(&cpus_lock);
    r = vm_running;
    g_mutex_unlock(&cpus_lock);
    return r;
}

/* --- run_on_cpu ------------------------------------------------------------ */

static bool work_done_locked(void *opaque)
{
    return ((CPUWorkItem *)opaque)->done;
}

void run_on_cpu(CPUState *cpu, run_on_cpu_func fn, void *data)
{
    CPUWorkItem wi = {.fn = fn, .data = data};

    if (qemu_cpu_is_self(cpu)) {
        fn(cpu, data);
        return;
    }
    g_mutex_lock(&cpus_lock);
    if (!cpu->created || cpu->stopped || cpu->unplug) {
        /* The thread cannot leave its wait without cpus_lock: the vCPU is ours. */
        fn(cpu, data);
        g_mutex_unlock(&cpus_lock);
        return;
    }
    g_queue_push_tail(cpu->work, &wi);
    g_cond_broadcast(&cpus_wake_cond);
    g_mutex_unlock(&cpus_lock);
    qemu_cpu_kick(cpu);
    wait_cpus_state(work_done_locked, &wi);
}

void async_run_on_cpu(CPUState *cpu, run_on_cpu_func fn, void *data)
{
    CPUWorkItem *wi = g_new0(CPUWorkItem, 1);

    wi->fn = fn;
    wi->data = data;
    wi->free = true;
    g_mutex_lock(&cpus_lock);
    g_queue_push_tail(cpu->work, wi);
    g_cond_broadcast(&cpus_wake_cond);
    g_mutex_unlock(&cpus_lock);
    qemu_cpu_kick(cpu);
}

void cpu_set_halted(CPUState *cpu, bool halted)
{
    g_mutex_lock(&cpus_lock);
    cpu->halted = halted;
    g_cond_broadcast(&cpus_wake_cond);
    g_mutex_unlock(&cpus_lock);
}

static void do_sync_state(CPUState *cpu, void *data)
{
    (void)data;
    if (!cpu->vcpu_dirty && current_accel && current_accel->synchronize_state) {
        current_accel->synchronize_state(cpu);
    }
    cpu->vcpu_dirty = true; /* the caller may change env: push it back before entry */
}

void cpu_synchronize_state(CPUState *cpu)
{
    run_on_cpu(cpu, do_sync_state, NULL);
}

static void do_sync_post_reset(CPUState *cpu, void *data)
{
    (void)data;
    if (current_accel && current_accel->synchronize_post_reset) {
        current_accel->synchronize_post_reset(cpu);
    } else {
        cpu->vcpu_dirty = true;
    }
}

void cpu_synchronize_post_reset(CPUState *cpu)
{
    run_on_cpu(cpu, do_sync_post_reset, NULL);
}

/* --- machine-level ------------------------------------------------------------ */

static void resume_after_reset(void *opaque)
{
    (void)opaque;
    resume_all_vcpus();
}

/*
 * The vCPUs resume from a bottom half, once every reset handler has run: a
 * handler registered after this one (a loader entering the kernel again)
 * still finds them paused, so no vCPU runs a half-reset machine.
 */
void cpus_reset(void *opaque)
{
    static QEMUBH *resume_bh;
    CPUState *cpu;

    (void)opaque;
    pause_all_vcpus();
    CPU_FOREACH(cpu) {
        cpu_reset(cpu);
        cpu_synchronize_post_reset(cpu);
    }
    if (!resume_bh) {
        resume_bh = qemu_bh_new(resume_after_reset, NULL);
    }
    qemu_bh_schedule(resume_bh);
}

bool qemu_init_vcpus(MachineState *ms, GError **errp)
{
    unsigned n = ms->smp_cpus ? ms->smp_cpus : 1;

    if (!current_accel || !current_accel->create_vcpu_thread) {
        g_set_error(errp, TERN_ERROR, 0, "no accelerator can run vCPUs");
        return false;
    }
    ms->cpus = g_new0(CPUState *, n);
    for (unsigned i = 0; i < n; i++) {
        ms->cpus[i] = cpu_create(i);
        if (!current_accel->create_vcpu_thread(ms->cpus[i], errp)) {
            return false;
        }
    }
    if (!reset_handler_registered) {
        qemu_register_reset_handler(cpus_reset, NULL);
        reset_handler_registered = true;
    }
    return true;
}

void qemu_destroy_vcpus(void)
{
    CPUState *cpu;
    bool had_bql = bql_locked();

    g_mutex_lock(&cpus_lock);
    CPU_FOREACH(cpu) {
        cpu->unplug = true;
    }
    g_cond_broadcast(&cpus_wake_cond);
    g_mutex_unlock(&cpus_lock);
    CPU_FOREACH(cpu) {
        qemu_cpu_kick(cpu);
    }
    if (had_bql) {
        bql_unlock();
    }
    while ((cpu = first_cpu)) {
        first_cpu = cpu->next_cpu;
        if (cpu->thread) {
            g_thread_join(cpu->thread);
        }
        if (current_accel && current_accel->destroy_vcpu) {
            current_accel->destroy_vcpu(cpu);
        }
        for (CPUWorkItem *wi; (wi = g_queue_pop_head(cpu->work));) {
            if (wi->free) {
                g_free(wi); /* async work the thread never got to */
            }
        }
        g_queue_free(cpu->work);
        g_free(cpu->env);
        g_free(cpu);
    }
    if (had_bql) {
        bql_lock();
    }
    if (reset_handler_registered) {
        qemu_unregister_reset_handler(cpus_reset, NULL);
        reset_handler_registered = false;
    }
}
