/*
 * test-main-loop.c: the main loop, bottom halves, fd handlers, the BQL and
 * run-state requests (softmmu/main-loop.c, softmmu/runstate.c).
 *
 * Cross-thread tests never sleep to "let the other side run": they block in
 * main_loop_wait(false), so a lost wakeup shows as a hang. A real-time
 * watchdog timer turns such a hang into a failure.
 */
#include "qemu/osdep.h"

#include <signal.h>
#include <sys/socket.h>

#include "qemu/main-loop.h"
#include "qemu/timer.h"

#define WATCHDOG_NS (30 * NANOSECONDS_PER_SECOND)

static void watchdog_cb(void *opaque)
{
    g_error("watchdog: the main loop did not wake up (%s)", (const char *)opaque);
}

/* Runs main_loop_wait(false) until *flag is set, failing after WATCHDOG_NS. */
static void wait_for_flag(int *flag, const char *what)
{
    QEMUTimer *wd = timer_new_ns(QEMU_CLOCK_REALTIME, watchdog_cb, (void *)what);

    timer_mod(wd, qemu_clock_get_ns(QEMU_CLOCK_REALTIME) + WATCHDOG_NS);
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
        main_loop_wait(false);
    }
    timer_free(wd);
}

/* Drains whatever is immediately ready. */
static void drain(void)
{
    for (int i = 0; i < 10 && main_loop_wait(true); i++) {
    }
}

/* --- bottom halves --------------------------------------------------------------- */

typedef struct BHState {
    QEMUBH *bh;
    int runs;
    int reschedule; /* schedule itself this many more times */
    bool delete_self;
    bool saw_bql;
} BHState;

static void bh_cb(void *opaque)
{
    BHState *s = opaque;

    s->runs++;
    s->saw_bql = bql_locked();
    if (s->reschedule > 0) {
        s->reschedule--;
        qemu_bh_schedule(s->bh);
    }
    if (s->delete_self) {
        qemu_bh_delete(s->bh);
        s->bh = NULL;
    }
}

static void test_bh_once(void)
{
    BHState s = {0};

    s.bh = qemu_bh_new(bh_cb, &s);
    qemu_bh_schedule(s.bh);
    qemu_bh_schedule(s.bh);
    g_assert_true(main_loop_wait(false));
    g_assert_cmpint(s.runs, ==, 1);
    g_assert_true(s.saw_bql);
    g_assert_false(main_loop_wait(true));
    g_assert_cmpint(s.runs, ==, 1);

    /* Cancelled before the loop runs: does not run. */
    qemu_bh_schedule(s.bh);
    qemu_bh_cancel(s.bh);
    main_loop_wait(true);
    g_assert_cmpint(s.runs, ==, 1);

    /* Deleted while scheduled: does not run. */
    qemu_bh_schedule(s.bh);
    qemu_bh_delete(s.bh);
    main_loop_wait(true);
    g_assert_cmpint(s.runs, ==, 1);
    qemu_bh_delete(NULL);
}

static void test_bh_reschedule_self(void)
{
    BHState s = {.reschedule = 5};

    s.bh = qemu_bh_new(bh_cb, &s);
    qemu_bh_schedule(s.bh);
    /* One run per iteration, and the loop never blocks while it is scheduled. */
    for (int i = 1; i <= 6; i++) {
        main_loop_wait(false);
        g_assert_cmpint(s.runs, ==, i);
    }
    g_assert_false(main_loop_wait(true));
    qemu_bh_delete(s.bh);
}

static void test_bh_delete_self(void)
{
    BHState a = {.delete_self = true}, b = {0};

    a.bh = qemu_bh_new(bh_cb, &a);
    b.bh = qemu_bh_new(bh_cb, &b);
    qemu_bh_schedule(a.bh);
    qemu_bh_schedule(b.bh);
    main_loop_wait(false);
    g_assert_cmpint(a.runs, ==, 1);
    g_assert_null(a.bh);
    g_assert_cmpint(b.runs, ==, 1);
    qemu_bh_delete(b.bh);
}

/* A BH that creates and schedules another: it runs on a later iteration. */
static BHState child;

static void parent_cb(void *opaque)
{
    (void)opaque;
    child.bh = qemu_bh_new(bh_cb, &child);
    qemu_bh_schedule(child.bh);
}

static void test_bh_new_from_bh(void)
{
    QEMUBH *parent = qemu_bh_new(parent_cb, NULL);

    memset(&child, 0, sizeof(child));
    qemu_bh_schedule(parent);
    for (int i = 0; i < 3 && child.runs == 0; i++) {
        main_loop_wait(false);
    }
    g_assert_cmpint(child.runs, ==, 1);
    qemu_bh_delete(child.bh);
    qemu_bh_delete(parent);
}

/* Many threads, each with its own BH, schedule and wait for it to run, many times. */
#define BH_THREADS 8
#define BH_ROUNDS  500

typedef struct ThreadBH {
    QEMUBH *bh;
    int done; /* atomic: rounds the BH has run */
} ThreadBH;

static ThreadBH thread_bhs[BH_THREADS];
static int threads_finished;

static void thread_bh_cb(void *opaque)
{
    ThreadBH *t = opaque;

    g_assert_true(bql_locked());
    __atomic_fetch_add(&t->done, 1, __ATOMIC_RELEASE);
}

static gpointer bh_thread(gpointer opaque)
{
    ThreadBH *t = opaque;

    for (int round = 1; round <= BH_ROUNDS; round++) {
        qemu_bh_schedule(t->bh);
        while (__atomic_load_n(&t->done, __ATOMIC_ACQUIRE) < round) {
            g_thread_yield();
        }
    }
    __atomic_fetch_add(&threads_finished, 1, __ATOMIC_RELEASE);
    qemu_notify_event();
    return NULL;
}

static void test_bh_threads(void)
{
    GThread *threads[BH_THREADS];
    QEMUTimer *wd = timer_new_ns(QEMU_CLOCK_REALTIME, watchdog_cb, "bh threads");

    threads_finished = 0;
    for (int i = 0; i < BH_THREADS; i++) {
        thread_bhs[i].done = 0;
        thread_bhs[i].bh = qemu_bh_new(thread_bh_cb, &thread_bhs[i]);
        threads[i] = g_thread_new("bh", bh_thread, &thread_bhs[i]);
    }
    timer_mod(wd, qemu_clock_get_ns(QEMU_CLOCK_REALTIME) + WATCHDOG_NS);
    while (__atomic_load_n(&threads_finished, __ATOMIC_ACQUIRE) < BH_THREADS) {
        main_loop_wait(false);
    }
    timer_free(wd);
    for (int i = 0; i < BH_THREADS; i++) {
        g_thread_join(threads[i]);
        g_assert_cmpint(thread_bhs[i].done, ==, BH_ROUNDS);
        qemu_bh_delete(thread_bhs[i].bh);
    }
}

/* Many threads hammer one BH: it runs at least once after the last schedule, never concurrently. */
static int shared_running, shared_runs;

static void shared_cb(void *opaque)
{
    (void)opaque;
    g_assert_cmpint(__atomic_fetch_add(&shared_running, 1, __ATOMIC_SEQ_CST), ==, 0);
    shared_runs++;
    __atomic_fetch_sub(&shared_running, 1, __ATOMIC_SEQ_CST);
}

static gpointer hammer_thread(gpointer opaque)
{
    for (int i = 0; i < 20000; i++) {
        qemu_bh_schedule(opaque);
    }
    return NULL;
}

static void test_bh_hammer(void)
{
    QEMUBH *bh = qemu_bh_new(shared_cb, NULL);
    GThread *threads[4];

    shared_runs = 0;
    for (int i = 0; i < 4; i++) {
        threads[i] = g_thread_new("hammer", hammer_thread, bh);
    }
    for (int i = 0; i < 4; i++) {
        /* Keep the loop turning while they schedule. */
        main_loop_wait(true);
        g_thread_join(threads[i]);
    }
    drain();
    g_assert_cmpint(shared_runs, >=, 1);
    g_assert_cmpint(shared_runs, <=, 4 * 20000);
    g_assert_false(main_loop_wait(true));
    qemu_bh_delete(bh);
}

/* --- fd handlers --------------------------------------------------------------------- */

typedef struct PipeState {
    int fds[2];
    int reads, writes;
    char last;
    bool remove_in_read; /* remove the watch from inside the read handler */
    bool switch_to_read; /* the write handler turns itself into a read watch */
} PipeState;

static void pipe_read(void *opaque)
{
    PipeState *p = opaque;

    g_assert_true(bql_locked());
    g_assert_cmpint(read(p->fds[0], &p->last, 1), ==, 1);
    p->reads++;
    if (p->remove_in_read) {
        qemu_set_fd_handler(p->fds[0], NULL, NULL, NULL);
    }
}

static void pipe_write(void *opaque)
{
    PipeState *p = opaque;

    p->writes++;
    if (p->switch_to_read) {
        /* Change the watch on another fd, and stop this one, from a handler. */
        qemu_set_fd_handler(p->fds[1], NULL, NULL, NULL);
        qemu_set_fd_handler(p->fds[0], pipe_read, NULL, p);
        g_assert_cmpint(write(p->fds[1], "w", 1), ==, 1);
    }
}

static void pipe_open(PipeState *p)
{
    memset(p, 0, sizeof(*p));
    g_assert_cmpint(pipe(p->fds), ==, 0);
}

static void pipe_close(PipeState *p)
{
    qemu_set_fd_handler(p->fds[0], NULL, NULL, NULL);
    qemu_set_fd_handler(p->fds[1], NULL, NULL, NULL);
    close(p->fds[0]);
    close(p->fds[1]);
}

static void test_fd_read(void)
{
    PipeState p;

    pipe_open(&p);
    qemu_set_fd_handler(p.fds[0], pipe_read, NULL, &p);
    g_assert_false(main_loop_wait(true));
    g_assert_cmpint(p.reads, ==, 0);

    g_assert_cmpint(write(p.fds[1], "a", 1), ==, 1);
    main_loop_wait(false);
    g_assert_cmpint(p.reads, ==, 1);
    g_assert_cmpint(p.last, ==, 'a');

    /* Removed from inside the handler: the next byte is left alone. */
    p.remove_in_read = true;
    g_assert_cmpint(write(p.fds[1], "bc", 2), ==, 2);
    main_loop_wait(false);
    g_assert_cmpint(p.reads, ==, 2);
    drain();
    g_assert_cmpint(p.reads, ==, 2);

    /* Set again: the waiting byte is read. */
    p.remove_in_read = false;
    qemu_set_fd_handler(p.fds[0], pipe_read, NULL, &p);
    main_loop_wait(false);
    g_assert_cmpint(p.reads, ==, 3);
    g_assert_cmpint(p.last, ==, 'c');
    pipe_close(&p);
}

static void test_fd_write_and_change(void)
{
    PipeState p;

    pipe_open(&p);
    p.switch_to_read = true;
    qemu_set_fd_handler(p.fds[1], NULL, pipe_write, &p);
    main_loop_wait(false);
    g_assert_cmpint(p.writes, ==, 1);
    if (p.reads == 0) {
        main_loop_wait(false);
    }
    g_assert_cmpint(p.reads, ==, 1);
    g_assert_cmpint(p.last, ==, 'w');
    drain();
    g_assert_cmpint(p.writes, ==, 1);
    pipe_close(&p);
}

/* A closed write end is a hang-up: the read handler hears about it (and sees EOF). */
static int hup_eof;

static void hup_read(void *opaque)
{
    char c;
    int fd = GPOINTER_TO_INT(opaque);

    if (read(fd, &c, 1) == 0) {
        hup_eof++;
        qemu_set_fd_handler(fd, NULL, NULL, NULL);
    }
}

static void test_fd_hup(void)
{
    int fds[2];

    g_assert_cmpint(pipe(fds), ==, 0);
    hup_eof = 0;
    qemu_set_fd_handler(fds[0], hup_read, NULL, GINT_TO_POINTER(fds[0]));
    close(fds[1]);
    main_loop_wait(false);
    g_assert_cmpint(hup_eof, ==, 1);
    close(fds[0]);
}

/* The peer of a write watch goes away: the writer is called and sees EPIPE, no spin. */
static int epipe_seen;

static void epipe_write(void *opaque)
{
    int fd = GPOINTER_TO_INT(opaque);

    if (write(fd, "x", 1) < 0 && errno == EPIPE) {
        epipe_seen++;
        qemu_set_fd_handler(fd, NULL, NULL, NULL);
    }
}

static void test_fd_write_peer_gone(void)
{
    int sv[2];

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    epipe_seen = 0;
    close(sv[1]);
    qemu_set_fd_handler(sv[0], NULL, epipe_write, GINT_TO_POINTER(sv[0]));
    main_loop_wait(false);
    g_assert_cmpint(epipe_seen, ==, 1);
    g_assert_false(main_loop_wait(true));
    close(sv[0]);
}

/* An fd closed while watched is reported and dropped, not polled forever. */
static void never_called(void *opaque)
{
    (void)opaque;
    g_assert_not_reached();
}

static void test_fd_closed_while_watched(void)
{
    int fds[2];

    if (g_test_subprocess()) {
        g_assert_cmpint(pipe(fds), ==, 0);
        qemu_set_fd_handler(fds[0], never_called, NULL, NULL);
        close(fds[0]);
        main_loop_wait(false);
        g_assert_false(main_loop_wait(true));
        close(fds[1]);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*closed while watched*");
}

/* --- timers through the loop ---------------------------------------------------------- */

static int timer_fired;

static void flag_timer_cb(void *opaque)
{
    g_assert_true(bql_locked());
    __atomic_store_n((int *)opaque, 1, __ATOMIC_RELEASE);
}

/* The poll timeout comes from the nearest deadline, on the real-time and the virtual clock. */
static void test_loop_timers(void)
{
    static const QEMUClockType types[] = {QEMU_CLOCK_REALTIME, QEMU_CLOCK_VIRTUAL, QEMU_CLOCK_HOST};

    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        QEMUTimer *t = timer_new_ns(types[i], flag_timer_cb, &timer_fired);

        timer_fired = 0;
        timer_mod(t, qemu_clock_get_ns(types[i]) + SCALE_MS);
        wait_for_flag(&timer_fired, "timer deadline");
        timer_free(t);
    }
}

/* In manual mode a virtual timer never fires by waiting, only by stepping. */
static void test_loop_manual_clock(void)
{
    QEMUTimer *t = timer_new_ns(QEMU_CLOCK_VIRTUAL, flag_timer_cb, &timer_fired);

    timer_fired = 0;
    qemu_clock_set_manual(true);
    timer_mod(t, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + 1);
    g_assert_cmpint(qemu_clock_deadline_ns_all(), ==, -1);
    g_assert_false(main_loop_wait(true));
    g_assert_cmpint(timer_fired, ==, 0);
    qemu_clock_step(1);
    g_assert_cmpint(timer_fired, ==, 1);
    qemu_clock_set_manual(false);
    timer_free(t);
}

/* Another thread arms a timer (with the BQL) while the loop sleeps with no deadline. */
static QEMUTimer *remote_timer;

static gpointer arm_thread(gpointer opaque)
{
    (void)opaque;
    bql_lock();
    timer_mod(remote_timer, qemu_clock_get_ns(QEMU_CLOCK_REALTIME));
    bql_unlock();
    return NULL;
}

static void test_timer_from_thread(void)
{
    GThread *th;

    timer_fired = 0;
    remote_timer = timer_new_ns(QEMU_CLOCK_REALTIME, flag_timer_cb, &timer_fired);
    g_assert_cmpint(qemu_clock_deadline_ns_all(), ==, -1);
    th = g_thread_new("arm", arm_thread, NULL);
    wait_for_flag(&timer_fired, "timer armed from a thread");
    g_thread_join(th);
    timer_free(remote_timer);
}

/* --- the BQL ----------------------------------------------------------------------------- */

static int bql_taken_by_thread, bql_bh_ran;

static void bql_bh_cb(void *opaque)
{
    (void)opaque;
    g_assert_cmpint(__atomic_load_n(&bql_taken_by_thread, __ATOMIC_ACQUIRE), ==, 1);
    __atomic_store_n(&bql_bh_ran, 1, __ATOMIC_RELEASE);
}

static gpointer bql_thread(gpointer opaque)
{
    g_assert_false(bql_locked());
    bql_lock(); /* only possible while the loop waits with the BQL dropped */
    g_assert_true(bql_locked());
    __atomic_store_n(&bql_taken_by_thread, 1, __ATOMIC_RELEASE);
    qemu_bh_schedule(opaque);
    bql_unlock();
    return NULL;
}

static void test_bql_dropped_in_poll(void)
{
    QEMUBH *bh = qemu_bh_new(bql_bh_cb, NULL);
    GThread *th;

    g_assert_true(bql_locked());
    bql_taken_by_thread = bql_bh_ran = 0;
    th = g_thread_new("bql", bql_thread, bh);
    wait_for_flag(&bql_bh_ran, "BQL taken by another thread");
    g_thread_join(th);
    g_assert_true(bql_locked());
    qemu_bh_delete(bh);
}

typedef struct CondState {
    GCond cond;
    int flag;
} CondState;

static gpointer cond_thread(gpointer opaque)
{
    CondState *c = opaque;

    bql_lock();
    c->flag = 1;
    g_cond_signal(&c->cond);
    bql_unlock();
    return NULL;
}

static void test_bql_cond(void)
{
    CondState c = {.flag = 0};
    GThread *th;
    int64_t end;

    g_cond_init(&c.cond);
    th = g_thread_new("cond", cond_thread, &c);
    while (!c.flag) {
        qemu_cond_wait_bql(&c.cond);
        g_assert_true(bql_locked());
    }
    g_thread_join(th);
    /* A timed wait that nobody signals times out, with the BQL held again. */
    end = g_get_monotonic_time() + 1000;
    while (qemu_cond_timedwait_bql(&c.cond, end)) {
        /* a spurious wakeup: wait again until the same end time */
    }
    g_assert_cmpint(g_get_monotonic_time(), >=, end);
    g_assert_true(bql_locked());
    g_cond_clear(&c.cond);
}

static void test_bql_recursive(void)
{
    if (g_test_subprocess()) {
        bql_lock(); /* the main thread holds it already */
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*recursive*");
}

static void test_bql_unlock_unheld(void)
{
    if (g_test_subprocess()) {
        bql_unlock();
        bql_unlock();
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*does not hold*");
}

static void reenter_cb(void *opaque)
{
    (void)opaque;
    main_loop_wait(true);
}

static void test_reentry(void)
{
    if (g_test_subprocess()) {
        qemu_bh_schedule(qemu_bh_new(reenter_cb, NULL));
        main_loop_wait(false);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*inside a handler*");
}

/* --- run state ------------------------------------------------------------------------------ */

static gpointer shutdown_thread(gpointer opaque)
{
    qemu_system_shutdown_request(GPOINTER_TO_INT(opaque));
    return NULL;
}

static void test_shutdown_from_thread(void)
{
    GThread *th = g_thread_new("shutdown", shutdown_thread, GINT_TO_POINTER(42));
    int status = -1;

    g_assert_cmpint(qemu_main_loop(), ==, 42);
    g_thread_join(th);
    /* Consumed: nothing pending any more. */
    g_assert_false(qemu_shutdown_requested(&status));
    g_assert_cmpint(status, ==, -1);

    qemu_system_shutdown_request(3);
    qemu_system_shutdown_request(99); /* the first request's status wins */
    g_assert_true(qemu_shutdown_requested(&status));
    g_assert_cmpint(status, ==, 3);
    g_assert_cmpint(qemu_main_loop(), ==, 3);
}

/* SIGTERM becomes a shutdown request, handled in the loop (in a child: handlers stay). */
static void test_signal_shutdown(void)
{
    if (g_test_subprocess()) {
        qemu_init_signal_handlers();
        g_assert_cmpint(kill(getpid(), SIGTERM), ==, 0);
        g_assert_cmpint(qemu_main_loop(), ==, 0);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*terminating on signal 15*");
}

/* SIGPIPE is ignored: writing to a pipe nobody reads is an error, not death. */
static void test_sigpipe_ignored(void)
{
    int fds[2];

    g_assert_cmpint(pipe(fds), ==, 0);
    close(fds[0]);
    g_assert_cmpint(write(fds[1], "x", 1), ==, -1);
    g_assert_cmpint(errno, ==, EPIPE);
    close(fds[1]);
}

static GString *reset_log;

static void reset_a(void *opaque)
{
    g_assert_true(bql_locked());
    g_string_append_printf(reset_log, "a%d ", GPOINTER_TO_INT(opaque));
}

static void reset_b_then_quit(void *opaque)
{
    g_string_append_printf(reset_log, "b%d ", GPOINTER_TO_INT(opaque));
    qemu_system_shutdown_request(7);
}

static gpointer reset_thread(gpointer opaque)
{
    (void)opaque;
    qemu_system_reset_request();
    return NULL;
}

static void powerdown_cb(void *opaque)
{
    g_string_append(reset_log, "power ");
    qemu_system_shutdown_request(GPOINTER_TO_INT(opaque));
}

/* One test for all run-state handlers: they cannot be unregistered, except reset ones. */
static void test_reset_and_powerdown(void)
{
    GThread *th;

    reset_log = g_string_new("");
    qemu_register_reset_handler(reset_a, GINT_TO_POINTER(1));
    qemu_register_reset_handler(reset_a, GINT_TO_POINTER(2));
    qemu_register_reset_handler(reset_b_then_quit, GINT_TO_POINTER(3));

    th = g_thread_new("reset", reset_thread, NULL);
    g_assert_cmpint(qemu_main_loop(), ==, 7);
    g_thread_join(th);
    g_assert_cmpstr(reset_log->str, ==, "a1 a2 b3 ");

    /* Direct call, after unregistering one. */
    g_string_truncate(reset_log, 0);
    qemu_unregister_reset_handler(reset_a, GINT_TO_POINTER(2));
    qemu_unregister_reset_handler(reset_a, GINT_TO_POINTER(42)); /* unknown: ignored */
    qemu_devices_reset();
    g_assert_cmpstr(reset_log->str, ==, "a1 b3 ");
    g_assert_cmpint(qemu_main_loop(), ==, 7);

    /* -no-reboot: a reset request is a shutdown with status 0; no handler runs. */
    g_string_truncate(reset_log, 0);
    no_reboot = true;
    qemu_system_reset_request();
    g_assert_cmpint(qemu_main_loop(), ==, 0);
    g_assert_cmpstr(reset_log->str, ==, "");
    no_reboot = false;

    /* Powerdown goes to the machine's handler. */
    qemu_register_powerdown_handler(powerdown_cb, GINT_TO_POINTER(5));
    qemu_system_powerdown_request();
    g_assert_cmpint(qemu_main_loop(), ==, 5);
    g_assert_cmpstr(reset_log->str, ==, "power ");
    g_string_free(reset_log, true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop();
    bql_lock();
    g_test_add_func("/main-loop/bh/once", test_bh_once);
    g_test_add_func("/main-loop/bh/reschedule-self", test_bh_reschedule_self);
    g_test_add_func("/main-loop/bh/delete-self", test_bh_delete_self);
    g_test_add_func("/main-loop/bh/new-from-bh", test_bh_new_from_bh);
    g_test_add_func("/main-loop/bh/threads", test_bh_threads);
    g_test_add_func("/main-loop/bh/hammer", test_bh_hammer);
    g_test_add_func("/main-loop/fd/read", test_fd_read);
    g_test_add_func("/main-loop/fd/write-and-change", test_fd_write_and_change);
    g_test_add_func("/main-loop/fd/hup", test_fd_hup);
    g_test_add_func("/main-loop/fd/write-peer-gone", test_fd_write_peer_gone);
    g_test_add_func("/main-loop/fd/closed-while-watched", test_fd_closed_while_watched);
    g_test_add_func("/main-loop/timer/deadline", test_loop_timers);
    g_test_add_func("/main-loop/timer/from-thread", test_timer_from_thread);
    g_test_add_func("/main-loop/timer/manual-clock", test_loop_manual_clock);
    g_test_add_func("/main-loop/reentry", test_reentry);
    g_test_add_func("/main-loop/bql/dropped-in-poll", test_bql_dropped_in_poll);
    g_test_add_func("/main-loop/bql/cond", test_bql_cond);
    g_test_add_func("/main-loop/bql/recursive", test_bql_recursive);
    g_test_add_func("/main-loop/bql/unlock-unheld", test_bql_unlock_unheld);
    g_test_add_func("/main-loop/runstate/shutdown-from-thread", test_shutdown_from_thread);
    g_test_add_func("/main-loop/runstate/reset-and-powerdown", test_reset_and_powerdown);
    g_test_add_func("/main-loop/runstate/signal", test_signal_shutdown);
    g_test_add_func("/main-loop/runstate/sigpipe", test_sigpipe_ignored);
    return g_test_run();
}
