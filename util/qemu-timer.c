/*
 * qemu-timer.c: the clocks (REALTIME, VIRTUAL, HOST) and their timers.
 *
 * REALTIME is CLOCK_MONOTONIC, HOST is CLOCK_REALTIME (wall clock), both in ns.
 * VIRTUAL is guest time: 0 when the process starts, it follows REALTIME while
 * enabled, stands still while disabled (VM stopped), and in manual mode moves
 * only through qemu_clock_step()/qemu_clock_set().
 *
 * Timers are kept per clock in a list sorted by expiry (ties in timer_mod
 * order) and are used from the main loop only, with the BQL held. The virtual
 * clock's value, though, is read by vCPU threads, so its state sits behind a
 * seqlock: writers (BQL held) bump a counter to odd, change it, bump to even.
 *
 * Instruction counting (qemu_icount_enable, the interpreter): guest time then
 * advances with the instructions the vCPUs execute, 1 << shift ns each, and
 * follows REALTIME only while no vCPU is executing (all halted), like QEMU's
 * -icount with sleep=on. A guest then sees the same machine whatever the host's
 * load: its timer interrupts come after as many instructions as on a CPU of
 * that speed, never "lost" because the interpreter was slow or descheduled.
 *
 * Left out: QEMU's shift=auto and align, per-AioContext timer lists, timer
 * groups and attributes, migration of the clock state.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"

#include <time.h>

struct QEMUTimer {
    QEMUClockType type;
    QEMUTimerCB *cb;
    void *opaque;
    int64_t expire; /* valid while pending */
    uint64_t seq;   /* timer_mod_seq when last armed */
    bool pending;
    QEMUTimer *next;
};

/* Heads of the per-clock sorted lists. */
static QEMUTimer *active_timers[QEMU_CLOCK_MAX];

static void update_virtual_deadline(void);
/* Counts timer_mod calls: a pass runs only timers armed before it began. */
static uint64_t timer_mod_seq;

/* qemu_clock_set gives up on one instant after this many passes (a zero-period timer). */
#define MAX_PASSES_PER_INSTANT 100000

/*
 * Virtual clock state. value = running ? realtime + base : base.
 * enabled is the VM's wish (vm_start/vm_stop); manual forbids running; under
 * icount the clock runs only while no vCPU executes (active_cpus == 0), and
 * executing vCPUs add their instructions to base.
 */
static struct {
    unsigned seq; /* odd while a writer is changing base/running */
    bool running;
    int64_t base;
    bool enabled;
    bool manual;
    bool icount;       /* instruction counting (set once, before vCPUs run) */
    int icount_shift;  /* ns per instruction = 1 << icount_shift */
    int active_cpus;   /* under write_lock: vCPUs between cpu_active(true) and (false) */
    GMutex write_lock; /* writers are normally serialized by the BQL; be safe */
} vclock = {
    .enabled = false,
};

/* The earliest virtual timer's expiry, or INT64_MAX: read by vCPUs without the BQL. */
static int64_t virtual_deadline = INT64_MAX;

/*
 * The slice a vCPU thread is executing under icount: its instruction counter
 * and the count when the slice began, so this thread reads the clock to the
 * instruction (other threads see it at slice boundaries).
 */
static __thread struct {
    const uint64_t *counter;
    uint64_t start;
} icount_slice;

static int64_t get_clock(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

/* The value the fields give now; inside a read or write section. */
static int64_t vclock_value(bool running, int64_t base)
{
    return running ? get_clock(CLOCK_MONOTONIC) + base : base;
}

/* Under icount, the ns this thread's slice has executed so far (0 elsewhere). */
static int64_t icount_slice_ns(void)
{
    if (!icount_slice.counter) {
        return 0;
    }
    return (int64_t)((*icount_slice.counter - icount_slice.start) << vclock.icount_shift);
}

/*
 * The host clock is read inside the section: a reader that read it before a
 * writer froze the clock would otherwise return a value above the frozen one,
 * and guest time would step backwards.
 */
static int64_t vclock_read(void)
{
    unsigned s;
    int64_t value;

    for (;;) {
        s = __atomic_load_n(&vclock.seq, __ATOMIC_ACQUIRE);
        if (s & 1) {
            continue;
        }
        value = vclock_value(__atomic_load_n(&vclock.running, __ATOMIC_RELAXED),
                             __atomic_load_n(&vclock.base, __ATOMIC_RELAXED));
        value += icount_slice_ns();
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(&vclock.seq, __ATOMIC_RELAXED) == s) {
            return value;
        }
    }
}

/*
 * Caller holds vclock.write_lock. Sets the clock to value (or, if value < 0,
 * to its current value), running or stopped.
 */
static void vclock_write(int64_t value, bool running)
{
    __atomic_store_n(&vclock.seq, vclock.seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (value < 0) {
        value = vclock_value(vclock.running, vclock.base);
    }
    __atomic_store_n(&vclock.running, running, __ATOMIC_RELAXED);
    __atomic_store_n(&vclock.base, running ? value - get_clock(CLOCK_MONOTONIC) : value,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&vclock.seq, vclock.seq + 1, __ATOMIC_RELEASE);
}

/* Recomputes whether the clock runs after a change to enabled/manual/active_cpus. */
static void vclock_update(void)
{
    vclock_write(-1,
                 vclock.enabled && !vclock.manual && !(vclock.icount && vclock.active_cpus > 0));
}

int64_t qemu_clock_get_ns(QEMUClockType type)
{
    switch (type) {
    case QEMU_CLOCK_REALTIME:
        return get_clock(CLOCK_MONOTONIC);
    case QEMU_CLOCK_VIRTUAL:
        return vclock_read();
    case QEMU_CLOCK_HOST:
        return get_clock(CLOCK_REALTIME);
    default:
        g_error("qemu_clock_get_ns: no clock %d", type);
    }
}

void qemu_clock_enable_virtual(bool enable)
{
    g_mutex_lock(&vclock.write_lock);
    vclock.enabled = enable;
    vclock_update();
    g_mutex_unlock(&vclock.write_lock);
    /* The poll timeout may change: a stopped clock has no deadline. */
    qemu_notify_event();
}

bool qemu_clock_virtual_enabled(void)
{
    return vclock.enabled;
}

void qemu_clock_set_manual(bool manual)
{
    g_mutex_lock(&vclock.write_lock);
    vclock.manual = manual;
    vclock_update();
    g_mutex_unlock(&vclock.write_lock);
    qemu_notify_event();
}

bool qemu_clock_is_manual(void)
{
    return vclock.manual;
}

/* --- instruction counting -------------------------------------------------------- */

void qemu_icount_enable(int shift)
{
    g_assert(shift >= 0 && shift <= QEMU_ICOUNT_MAX_SHIFT);
    g_mutex_lock(&vclock.write_lock);
    vclock.icount = true;
    vclock.icount_shift = shift;
    vclock_update();
    g_mutex_unlock(&vclock.write_lock);
}

bool qemu_icount_enabled(void)
{
    return vclock.icount;
}

int qemu_icount_shift(void)
{
    return vclock.icount_shift;
}

/*
 * The clock follows REALTIME only while no vCPU executes: the last vCPU to halt
 * lets it run (the main loop must then wait for its deadlines: wake it), the
 * first to wake freezes it where it is.
 */
void qemu_icount_cpu_active(bool active)
{
    bool now_idle;

    if (!vclock.icount) {
        return;
    }
    g_mutex_lock(&vclock.write_lock);
    vclock.active_cpus += active ? 1 : -1;
    g_assert(vclock.active_cpus >= 0);
    now_idle = vclock.active_cpus == 0;
    vclock_update();
    g_mutex_unlock(&vclock.write_lock);
    if (now_idle) {
        qemu_notify_event();
    }
}

void qemu_icount_slice_begin(const uint64_t *counter)
{
    g_assert(!icount_slice.counter);
    if (vclock.icount && !vclock.manual) {
        icount_slice.start = *counter;
        icount_slice.counter = counter;
    }
}

int64_t qemu_icount_slice_end(void)
{
    int64_t ns = icount_slice_ns();

    if (!icount_slice.counter) {
        return 0;
    }
    g_mutex_lock(&vclock.write_lock);
    icount_slice.counter = NULL;
    vclock_write(vclock_value(vclock.running, vclock.base) + ns, vclock.running);
    g_mutex_unlock(&vclock.write_lock);
    return ns;
}

void qemu_icount_advance(int64_t ns)
{
    g_assert(ns >= 0 && !icount_slice.counter);
    if (!vclock.icount || vclock.manual) {
        return;
    }
    g_mutex_lock(&vclock.write_lock);
    vclock_write(vclock_value(vclock.running, vclock.base) + ns, vclock.running);
    g_mutex_unlock(&vclock.write_lock);
}

uint64_t qemu_icount_budget(uint64_t max_insns)
{
    int64_t deadline = __atomic_load_n(&virtual_deadline, __ATOMIC_ACQUIRE);
    int64_t now = vclock_read();
    uint64_t insns;

    if (deadline == INT64_MAX) {
        return max_insns;
    }
    if (deadline <= now) {
        return 0;
    }
    /* Enough instructions to reach the deadline, rounded up. */
    insns = ((uint64_t)(deadline - now) + (1u << vclock.icount_shift) - 1) >> vclock.icount_shift;
    return insns < max_insns ? insns : max_insns;
}

bool qemu_icount_timers_due(void)
{
    return __atomic_load_n(&virtual_deadline, __ATOMIC_ACQUIRE) <= vclock_read();
}

/* --- timers ------------------------------------------------------------------ */

QEMUTimer *timer_new_ns(QEMUClockType type, QEMUTimerCB *cb, void *opaque)
{
    QEMUTimer *t;

    g_assert(type >= 0 && type < QEMU_CLOCK_MAX);
    t = g_new0(QEMUTimer, 1);
    t->type = type;
    t->cb = cb;
    t->opaque = opaque;
    return t;
}

void timer_free(QEMUTimer *t)
{
    if (t) {
        timer_del(t);
        g_free(t);
    }
}

void timer_del(QEMUTimer *t)
{
    QEMUTimer **p;

    if (!t->pending) {
        return;
    }
    for (p = &active_timers[t->type]; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->pending = false;
    t->next = NULL;
    if (t->type == QEMU_CLOCK_VIRTUAL) {
        update_virtual_deadline();
    }
}

void timer_mod(QEMUTimer *t, int64_t expire_ns)
{
    QEMUTimer **p;

    timer_del(t);
    /* After every timer expiring at or before expire_ns: ties keep timer_mod order. */
    for (p = &active_timers[t->type]; *p && (*p)->expire <= expire_ns; p = &(*p)->next) {
    }
    t->expire = expire_ns;
    t->seq = ++timer_mod_seq;
    t->pending = true;
    t->next = *p;
    *p = t;
    if (t->type == QEMU_CLOCK_VIRTUAL) {
        update_virtual_deadline();
    }
    if (p == &active_timers[t->type]) {
        /* A new earliest deadline: a loop sleeping in poll must recompute its timeout. */
        qemu_notify_event();
    }
}

bool timer_pending(QEMUTimer *t)
{
    return t->pending;
}

int64_t timer_expire_time_ns(QEMUTimer *t)
{
    return t->pending ? t->expire : -1;
}

/*
 * Pops and runs the timers of one clock that expire at or before now. A timer
 * armed during the pass for a time already past waits for the next pass (the
 * next loop iteration): a guest programming a zero period makes the loop busy,
 * never stuck.
 */
static bool run_timers(QEMUClockType type, int64_t now)
{
    uint64_t pass_seq = timer_mod_seq;
    bool progress = false;
    QEMUTimer *t;

    /* Re-read the head each time: a callback may add, re-arm or delete timers. */
    while ((t = active_timers[type]) && t->expire <= now && t->seq <= pass_seq) {
        active_timers[type] = t->next;
        t->next = NULL;
        t->pending = false;
        if (type == QEMU_CLOCK_VIRTUAL) {
            update_virtual_deadline();
        }
        t->cb(t->opaque);
        progress = true;
    }
    return progress;
}

/* Caller holds the BQL (the lists' lock); vCPUs read the result without it. */
static void update_virtual_deadline(void)
{
    QEMUTimer *t = active_timers[QEMU_CLOCK_VIRTUAL];

    __atomic_store_n(&virtual_deadline, t ? t->expire : INT64_MAX, __ATOMIC_RELEASE);
}

bool qemu_icount_run_timers(void)
{
    return run_timers(QEMU_CLOCK_VIRTUAL, vclock_read());
}

bool qemu_clock_run_all_timers(void)
{
    bool progress = false;

    for (int type = 0; type < QEMU_CLOCK_MAX; type++) {
        if (active_timers[type]) {
            progress |= run_timers(type, qemu_clock_get_ns(type));
        }
    }
    return progress;
}

int64_t qemu_clock_next_virtual_deadline(void)
{
    QEMUTimer *t = active_timers[QEMU_CLOCK_VIRTUAL];

    return t ? t->expire : -1;
}

static int64_t clock_deadline_ns(QEMUClockType type)
{
    QEMUTimer *t = active_timers[type];
    int64_t delta;

    if (!t) {
        return -1;
    }
    /* A clock that stands still (stopped VM, manual mode) never reaches a deadline by waiting. */
    if (type == QEMU_CLOCK_VIRTUAL && !__atomic_load_n(&vclock.running, __ATOMIC_RELAXED)) {
        return t->expire <= vclock_read() ? 0 : -1;
    }
    delta = t->expire - qemu_clock_get_ns(type);
    return delta < 0 ? 0 : delta;
}

int64_t qemu_clock_deadline_ns_all(void)
{
    int64_t deadline = -1;

    for (int type = 0; type < QEMU_CLOCK_MAX; type++) {
        int64_t d = clock_deadline_ns(type);

        if (d >= 0 && (deadline < 0 || d < deadline)) {
            deadline = d;
        }
    }
    return deadline;
}

/*
 * Moves the stopped virtual clock to target, firing the virtual timers due on
 * the way, each with the clock reading its own expiry time.
 */
int64_t qemu_clock_set(int64_t target)
{
    int64_t now = vclock_read();
    int passes = 0;
    QEMUTimer *t;

    if (__atomic_load_n(&vclock.running, __ATOMIC_RELAXED)) {
        warn_report("qemu_clock_set: the virtual clock is running; enable manual mode first");
        return now;
    }
    if (target < now) {
        /* Guest time never goes backwards. */
        target = now;
    }
    while ((t = active_timers[QEMU_CLOCK_VIRTUAL]) && t->expire <= target) {
        if (t->expire > now) {
            now = t->expire;
            passes = 0;
            g_mutex_lock(&vclock.write_lock);
            vclock_write(now, false);
            g_mutex_unlock(&vclock.write_lock);
        }
        if (++passes > MAX_PASSES_PER_INSTANT) {
            warn_report("qemu_clock_set: a virtual timer keeps re-arming itself at %" PRId64
                        " ns; moving on",
                        now);
            break;
        }
        run_timers(QEMU_CLOCK_VIRTUAL, now);
    }
    g_mutex_lock(&vclock.write_lock);
    vclock_write(target, false);
    g_mutex_unlock(&vclock.write_lock);
    return target;
}

int64_t qemu_clock_step(int64_t ns)
{
    int64_t now = vclock_read();

    g_assert(ns >= 0);
    return qemu_clock_set(ns > INT64_MAX - now ? INT64_MAX : now + ns);
}
