/*
 * test-timer.c: clocks and timers (util/qemu-timer.c).
 *
 * Virtual-clock tests run in manual mode, so they are exact: each timer sees
 * the clock equal to its own expiry time. Real-time clocks are only checked
 * for order and monotonicity, never for durations.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"

#define LOG_MAX 64

/* What fired, in order, and the clock each one read. */
typedef struct FireLog {
    int n;
    int id[LOG_MAX];
    int64_t when[LOG_MAX];
} FireLog;

typedef struct TestTimer {
    QEMUTimer *timer;
    QEMUClockType type;
    int id;
    FireLog *log;
    /* optional actions from the callback */
    int64_t period; /* re-arm by this much while rearms > 0 */
    int rearms;
    QEMUTimer *del; /* timer_del this one */
    bool free_self;
} TestTimer;

static void test_timer_cb(void *opaque)
{
    TestTimer *tt = opaque;
    FireLog *log = tt->log;

    g_assert_cmpint(log->n, <, LOG_MAX);
    log->id[log->n] = tt->id;
    log->when[log->n] = qemu_clock_get_ns(tt->type);
    log->n++;
    if (tt->del) {
        timer_del(tt->del);
    }
    if (tt->rearms > 0) {
        tt->rearms--;
        g_assert_false(timer_pending(tt->timer));
        timer_mod(tt->timer, log->when[log->n - 1] + tt->period);
    }
    if (tt->free_self) {
        timer_free(tt->timer);
        tt->timer = NULL;
    }
}

static void tt_init(TestTimer *tt, QEMUClockType type, int id, FireLog *log)
{
    memset(tt, 0, sizeof(*tt));
    tt->type = type;
    tt->id = id;
    tt->log = log;
    tt->timer = timer_new_ns(type, test_timer_cb, tt);
}

static void tt_free(TestTimer *tt, int n)
{
    for (int i = 0; i < n; i++) {
        timer_free(tt[i].timer);
        tt[i].timer = NULL;
    }
}

/* Manual virtual clock: timers fire in expiry order, each at its own time. */
static void test_virtual_order(void)
{
    static const int64_t offsets[] = {50, 10, 40, 20, 30};
    TestTimer tt[ARRAY_SIZE(offsets)];
    FireLog log = {0};
    int64_t start;

    qemu_clock_set_manual(true);
    start = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
        tt_init(&tt[i], QEMU_CLOCK_VIRTUAL, (int)i, &log);
        timer_mod(tt[i].timer, start + offsets[i]);
    }
    g_assert_cmpint(qemu_clock_next_virtual_deadline(), ==, start + 10);
    g_assert_cmpint(qemu_clock_step(25), ==, start + 25);
    g_assert_cmpint(log.n, ==, 2);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, start + 25);
    g_assert_cmpint(qemu_clock_step(100), ==, start + 125);

    static const int want[] = {1, 3, 4, 2, 0};
    g_assert_cmpint(log.n, ==, 5);
    for (int i = 0; i < 5; i++) {
        g_assert_cmpint(log.id[i], ==, want[i]);
        g_assert_cmpint(log.when[i], ==, start + offsets[want[i]]);
    }
    g_assert_cmpint(qemu_clock_next_virtual_deadline(), ==, -1);
    tt_free(tt, ARRAY_SIZE(tt));
}

/* Equal expiry times fire in timer_mod order; re-modding moves a timer to the back. */
static void test_virtual_ties(void)
{
    TestTimer tt[4];
    FireLog log = {0};
    int64_t t;

    qemu_clock_set_manual(true);
    t = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + 100;
    for (int i = 0; i < 4; i++) {
        tt_init(&tt[i], QEMU_CLOCK_VIRTUAL, i, &log);
        timer_mod(tt[i].timer, t);
    }
    timer_mod(tt[1].timer, t); /* now last */
    qemu_clock_set(t);
    g_assert_cmpint(log.n, ==, 4);
    g_assert_cmpint(log.id[0], ==, 0);
    g_assert_cmpint(log.id[1], ==, 2);
    g_assert_cmpint(log.id[2], ==, 3);
    g_assert_cmpint(log.id[3], ==, 1);
    tt_free(tt, 4);
}

/* A periodic timer re-arms itself from its callback; each period fires at its exact time. */
static void test_virtual_rearm(void)
{
    TestTimer tt;
    FireLog log = {0};
    int64_t start;

    qemu_clock_set_manual(true);
    start = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    tt_init(&tt, QEMU_CLOCK_VIRTUAL, 7, &log);
    tt.period = 1000;
    tt.rearms = 9;
    timer_mod(tt.timer, start + 1000);
    qemu_clock_step(1000000);
    g_assert_cmpint(log.n, ==, 10);
    for (int i = 0; i < 10; i++) {
        g_assert_cmpint(log.when[i], ==, start + 1000 * (i + 1));
    }
    g_assert_false(timer_pending(tt.timer));
    tt_free(&tt, 1);
}

/* A callback deletes a later timer (it never fires) and another frees itself. */
static void test_virtual_delete_from_cb(void)
{
    TestTimer tt[3];
    FireLog log = {0};
    int64_t start;

    qemu_clock_set_manual(true);
    start = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    for (int i = 0; i < 3; i++) {
        tt_init(&tt[i], QEMU_CLOCK_VIRTUAL, i, &log);
    }
    tt[0].del = tt[1].timer;
    tt[2].free_self = true;
    timer_mod(tt[0].timer, start + 10);
    timer_mod(tt[1].timer, start + 20);
    timer_mod(tt[2].timer, start + 30);
    qemu_clock_step(100);
    g_assert_cmpint(log.n, ==, 2);
    g_assert_cmpint(log.id[0], ==, 0);
    g_assert_cmpint(log.id[1], ==, 2);
    g_assert_null(tt[2].timer);
    g_assert_false(timer_pending(tt[1].timer));
    tt_free(tt, 3);
}

/* pending/expire_time, timer_del, and a timer in the past fires at once without moving time. */
static void test_pending(void)
{
    TestTimer tt;
    FireLog log = {0};
    int64_t now;

    qemu_clock_set_manual(true);
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    tt_init(&tt, QEMU_CLOCK_VIRTUAL, 1, &log);
    g_assert_false(timer_pending(tt.timer));
    g_assert_cmpint(timer_expire_time_ns(tt.timer), ==, -1);
    timer_mod(tt.timer, now + 5);
    g_assert_true(timer_pending(tt.timer));
    g_assert_cmpint(timer_expire_time_ns(tt.timer), ==, now + 5);
    timer_del(tt.timer);
    timer_del(tt.timer); /* twice is harmless */
    g_assert_false(timer_pending(tt.timer));
    qemu_clock_step(10);
    g_assert_cmpint(log.n, ==, 0);

    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    timer_mod(tt.timer, now - 1000);
    g_assert_true(qemu_clock_run_all_timers());
    g_assert_cmpint(log.n, ==, 1);
    g_assert_cmpint(log.when[0], ==, now);
    g_assert_false(qemu_clock_run_all_timers());
    tt_free(&tt, 1);
}

/* qemu_clock_set never goes backwards; a huge step saturates. */
static void test_virtual_set(void)
{
    int64_t now;

    qemu_clock_set_manual(true);
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmpint(qemu_clock_set(now + 1234), ==, now + 1234);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, now + 1234);
    g_assert_cmpint(qemu_clock_set(now), ==, now + 1234);
    g_assert_cmpint(qemu_clock_step(0), ==, now + 1234);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, now + 1234);
}

/* A disabled (stopped-VM) clock stands still; enabled, it follows real time. */
static void test_virtual_disabled(void)
{
    TestTimer tt;
    FireLog log = {0};
    int64_t v0, r0;

    qemu_clock_set_manual(false);
    qemu_clock_enable_virtual(false);
    g_assert_false(qemu_clock_virtual_enabled());
    v0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_usleep(2000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, v0);

    /* A stopped clock adds no deadline to the poll timeout. */
    tt_init(&tt, QEMU_CLOCK_VIRTUAL, 1, &log);
    timer_mod(tt.timer, v0 + 1);
    g_assert_cmpint(qemu_clock_deadline_ns_all(), ==, -1);
    g_assert_false(qemu_clock_run_all_timers());

    r0 = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    qemu_clock_enable_virtual(true);
    g_usleep(2000);
    /* It resumes where it stopped: it advanced by at most the real time that passed. */
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), >, v0);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - v0, <=,
                    qemu_clock_get_ns(QEMU_CLOCK_REALTIME) - r0);
    g_assert_cmpint(qemu_clock_deadline_ns_all(), ==, 0);
    g_assert_true(qemu_clock_run_all_timers());
    g_assert_cmpint(log.n, ==, 1);
    g_assert_cmpint(log.when[0], >=, v0 + 1);
    tt_free(&tt, 1);

    /* Manual mode freezes a running clock too. */
    qemu_clock_set_manual(true);
    v0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_usleep(1000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, v0);
}

/* Expired timers on every clock run; a manual virtual timer adds no deadline. */
static void test_several_clocks(void)
{
    TestTimer tt[6];
    FireLog log = {0};
    int64_t d;

    qemu_clock_set_manual(true);
    for (int i = 0; i < 6; i++) {
        tt_init(&tt[i], i % 3, i, &log);
    }
    /* Two expired timers per clock, given in reverse order. */
    for (int c = 0; c < 3; c++) {
        int64_t base = qemu_clock_get_ns(c) - 1000;

        timer_mod(tt[c + 3].timer, base + 1);
        timer_mod(tt[c].timer, base);
    }
    g_assert_true(qemu_clock_run_all_timers());
    g_assert_cmpint(log.n, ==, 6);
    /* Per clock, the earlier one first. */
    for (int c = 0; c < 3; c++) {
        int first = -1, second = -1;

        for (int k = 0; k < 6; k++) {
            if (log.id[k] == c) {
                first = k;
            } else if (log.id[k] == c + 3) {
                second = k;
            }
        }
        g_assert_cmpint(first, <, second);
    }

    /* Deadlines: virtual (manual) none; real time ~1 s away; host ~2 s away. */
    g_assert_cmpint(qemu_clock_deadline_ns_all(), ==, -1);
    timer_mod(tt[1].timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + 1);
    g_assert_cmpint(qemu_clock_deadline_ns_all(), ==, -1);
    timer_mod(tt[0].timer, qemu_clock_get_ns(QEMU_CLOCK_REALTIME) + NANOSECONDS_PER_SECOND);
    timer_mod(tt[2].timer, qemu_clock_get_ns(QEMU_CLOCK_HOST) + 2 * NANOSECONDS_PER_SECOND);
    d = qemu_clock_deadline_ns_all();
    g_assert_cmpint(d, >, 0);
    g_assert_cmpint(d, <=, NANOSECONDS_PER_SECOND);
    timer_del(tt[0].timer);
    d = qemu_clock_deadline_ns_all();
    g_assert_cmpint(d, >, NANOSECONDS_PER_SECOND);
    g_assert_cmpint(d, <=, 2 * NANOSECONDS_PER_SECOND);
    tt_free(tt, 6);
    g_assert_cmpint(qemu_clock_deadline_ns_all(), ==, -1);
}

/* A timer re-armed for "now" from its callback runs once per pass, never in a loop. */
static int zero_runs;
static QEMUTimer *zero_timer;

static void zero_period_cb(void *opaque)
{
    (void)opaque;
    zero_runs++;
    timer_mod(zero_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
}

static void test_zero_period(void)
{
    if (g_test_subprocess()) {
        qemu_clock_set_manual(true);
        zero_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, zero_period_cb, NULL);
        timer_mod(zero_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
        for (int i = 1; i <= 3; i++) {
            g_assert_true(qemu_clock_run_all_timers());
            g_assert_cmpint(zero_runs, ==, i);
        }
        /* Stepping gives up on the instant with a warning, and time still moves. */
        int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
        g_assert_cmpint(qemu_clock_step(10), ==, now + 10);
        g_assert_cmpint(zero_runs, >, 3);
        timer_free(zero_timer);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*keeps re-arming*");
}

/* Stepping needs a clock that stands still: a stopped VM's is fine, a running one is refused. */
static void test_step_needs_stopped_clock(void)
{
    int64_t now;

    if (g_test_subprocess()) {
        qemu_clock_set_manual(false);
        qemu_clock_enable_virtual(false);
        now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
        g_assert_cmpint(qemu_clock_step(500), ==, now + 500);
        g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, now + 500);

        qemu_clock_enable_virtual(true);
        now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
        g_assert_cmpint(qemu_clock_step(1000 * NANOSECONDS_PER_SECOND), <,
                        now + 1000 * NANOSECONDS_PER_SECOND);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*clock is running*");
}

/* --- vCPU threads read the virtual clock while the main thread moves it ---------- */

static int readers_stop;

static gpointer reader_thread(gpointer opaque)
{
    int64_t last = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    long reads = 0;

    (void)opaque;
    while (!__atomic_load_n(&readers_stop, __ATOMIC_ACQUIRE)) {
        int64_t v = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

        g_assert_cmpint(v, >=, last);
        last = v;
        reads++;
    }
    return GINT_TO_POINTER(reads > 0);
}

static void test_virtual_threads(void)
{
    GThread *threads[4];

    qemu_clock_set_manual(true);
    readers_stop = 0;
    for (int i = 0; i < 4; i++) {
        threads[i] = g_thread_new("reader", reader_thread, NULL);
    }
    /* Alternate stepping with stopping and restarting the clock. */
    for (int i = 0; i < 20000; i++) {
        if (i % 1000 == 0) {
            qemu_clock_set_manual(false);
            qemu_clock_set_manual(true);
        }
        qemu_clock_step(7);
    }
    __atomic_store_n(&readers_stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 4; i++) {
        g_thread_join(threads[i]);
    }
}

static void test_realtime_monotonic(void)
{
    int64_t a = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    int64_t b = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);

    g_assert_cmpint(b, >=, a);
    /* Host time is the wall clock: after 2020-01-01. */
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_HOST), >, 1577836800LL * NANOSECONDS_PER_SECOND);
    g_assert_cmpint(qemu_clock_get_ms(QEMU_CLOCK_REALTIME), ==,
                    qemu_clock_get_ns(QEMU_CLOCK_REALTIME) / SCALE_MS);
}

/* What another thread reads: the clock at the last slice boundary. */
static gpointer read_virtual_thread(gpointer opaque)
{
    int64_t *v = opaque;

    *v = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    return NULL;
}

static int64_t read_virtual_elsewhere(void)
{
    int64_t v;

    g_thread_join(g_thread_new("reader", read_virtual_thread, &v));
    return v;
}

/* One slice of n instructions on a fake vCPU whose counter is *counter. */
static void icount_run(uint64_t *counter, uint64_t n)
{
    qemu_icount_slice_begin(counter);
    *counter += n;
    qemu_icount_slice_end();
}

/*
 * Instruction counting (the interpreter's clock): guest time moves with the
 * instructions executed, 4 ns each here, and follows real time only while no
 * vCPU executes. It cannot be turned off again; the other tests do not mind
 * (no vCPU is active when they run, and manual mode ignores it).
 */
static void test_icount(void)
{
    TestTimer tt;
    FireLog log = {0};
    uint64_t counter = 1000; /* any start value: only differences count */
    int64_t v0, v1;

    qemu_clock_set_manual(false);
    qemu_clock_enable_virtual(true);
    qemu_icount_enable(2);
    g_assert_true(qemu_icount_enabled());
    g_assert_cmpint(qemu_icount_shift(), ==, 2);

    /* No vCPU active: guest time follows the host's, so an idle guest's sleep lasts. */
    v0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_usleep(2000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), >=, v0 + 2000000);

    /* A vCPU active: the host's time no longer counts, however long it takes. */
    qemu_icount_cpu_active(true);
    v0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_usleep(2000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, v0);
    g_assert_cmpint(qemu_clock_deadline_ns_all(), ==, -1);

    /* Within a slice, the vCPU's thread reads it to the instruction; others at the boundary. */
    qemu_icount_slice_begin(&counter);
    counter += 10;
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, v0 + 40);
    g_assert_cmpint(read_virtual_elsewhere(), ==, v0);
    counter += 15;
    g_assert_cmpint(qemu_icount_slice_end(), ==, 100);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, v0 + 100);
    g_assert_cmpint(read_virtual_elsewhere(), ==, v0 + 100);
    v0 += 100;

    /* A slice ends at the next deadline: 1001 ns away is 251 instructions, rounded up. */
    g_assert_cmpint(qemu_icount_budget(20000), ==, 20000);
    tt_init(&tt, QEMU_CLOCK_VIRTUAL, 1, &log);
    tt.period = 1000;
    tt.rearms = 1000;
    timer_mod(tt.timer, v0 + 1001);
    g_assert_cmpint(qemu_icount_budget(20000), ==, 251);
    g_assert_cmpint(qemu_icount_budget(100), ==, 100);
    g_assert_false(qemu_icount_timers_due());
    icount_run(&counter, 250);
    g_assert_false(qemu_icount_timers_due());
    g_assert_false(qemu_icount_run_timers());
    icount_run(&counter, 1);
    g_assert_true(qemu_icount_timers_due());
    g_assert_cmpint(qemu_icount_budget(20000), ==, 0);
    g_assert_true(qemu_icount_run_timers());
    g_assert_cmpint(log.n, ==, 1);
    g_assert_cmpint(log.when[0], ==, v0 + 1004);

    /*
     * A periodic tick: however slowly the host runs the slices, the guest gets
     * one tick per 250 instructions, each at its own time, none coalesced.
     */
    v1 = log.when[0];
    for (int i = 0; i < 10; i++) {
        uint64_t budget = qemu_icount_budget(20000);

        g_assert_cmpint(budget, ==, 250);
        icount_run(&counter, budget);
        if (i % 3 == 0) {
            g_usleep(1000); /* the host is busy elsewhere */
        }
        g_assert_true(qemu_icount_run_timers());
    }
    g_assert_cmpint(log.n, ==, 11);
    for (int i = 1; i < log.n; i++) {
        g_assert_cmpint(log.when[i], ==, v1 + i * 1000);
    }
    /* An instruction that lasts longer (PAUSE) adds its extra time between slices. */
    v1 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    qemu_icount_advance(96);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, v1 + 96);
    g_assert_cmpint(read_virtual_elsewhere(), ==, v1 + 96);
    g_assert_cmpint(qemu_icount_budget(20000), ==, (1000 - 96) / 4);
    timer_del(tt.timer);
    g_assert_cmpint(qemu_icount_budget(20000), ==, 20000);

    /* All vCPUs halted: it follows the host's time again, from where it stood. */
    v0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    qemu_icount_cpu_active(false);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), >=, v0);
    g_usleep(2000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), >=, v0 + 2000000);

    /* Two vCPUs: it stands until the last one halts. */
    qemu_icount_cpu_active(true);
    qemu_icount_cpu_active(true);
    qemu_icount_cpu_active(false);
    v0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_usleep(1000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, v0);
    qemu_icount_cpu_active(false);
    g_usleep(1000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), >, v0);

    /* A stopped VM freezes it in both states. */
    qemu_clock_enable_virtual(false);
    v0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_usleep(1000);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, v0);
    qemu_clock_enable_virtual(true);
    tt_free(&tt, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, 0); /* before init: stands at 0 */
    qemu_init_main_loop();
    bql_lock();
    g_test_add_func("/timer/virtual/order", test_virtual_order);
    g_test_add_func("/timer/virtual/ties", test_virtual_ties);
    g_test_add_func("/timer/virtual/rearm", test_virtual_rearm);
    g_test_add_func("/timer/virtual/delete-from-cb", test_virtual_delete_from_cb);
    g_test_add_func("/timer/virtual/set", test_virtual_set);
    g_test_add_func("/timer/virtual/disabled", test_virtual_disabled);
    g_test_add_func("/timer/virtual/threads", test_virtual_threads);
    g_test_add_func("/timer/pending", test_pending);
    g_test_add_func("/timer/zero-period", test_zero_period);
    g_test_add_func("/timer/step-needs-stopped-clock", test_step_needs_stopped_clock);
    g_test_add_func("/timer/several-clocks", test_several_clocks);
    g_test_add_func("/timer/realtime", test_realtime_monotonic);
    g_test_add_func("/timer/icount", test_icount);
    return g_test_run();
}
