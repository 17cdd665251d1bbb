/*
 * main-loop.c: the main loop on GLib's default GMainContext, fd watches,
 * bottom halves and the big lock (BQL). See docs/main-loop.md.
 *
 * main_loop_wait() drives the context by hand (prepare, query, poll, check,
 * dispatch) so that the BQL is dropped exactly around the poll, and so that
 * the poll timeout can include the nearest timer deadline with nanosecond
 * precision (ppoll). GSources that other code attaches to the default context
 * (character backends, g_timeout_add) are dispatched with the BQL held.
 *
 * Left out: QEMU's AioContext, iothreads, event notifiers and the Windows
 * port.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"

#include <poll.h>
#include <signal.h>
#include <glib-unix.h>

/* --- the big lock --------------------------------------------------------------- */

static GMutex bql;
static __thread bool bql_held;

void bql_lock(void)
{
    if (bql_held) {
        g_error("bql_lock: this thread already holds the BQL (recursive use)");
    }
    g_mutex_lock(&bql);
    bql_held = true;
}

void bql_unlock(void)
{
    if (!bql_held) {
        g_error("bql_unlock: this thread does not hold the BQL");
    }
    bql_held = false;
    g_mutex_unlock(&bql);
}

bool bql_locked(void)
{
    return bql_held;
}

void qemu_cond_wait_bql(GCond *cond)
{
    g_assert(bql_held);
    bql_held = false;
    g_cond_wait(cond, &bql);
    bql_held = true;
}

bool qemu_cond_timedwait_bql(GCond *cond, int64_t end_time)
{
    bool signalled;

    g_assert(bql_held);
    bql_held = false;
    signalled = g_cond_wait_until(cond, &bql, end_time);
    bql_held = true;
    return signalled;
}

/* --- bottom halves ---------------------------------------------------------------- */

struct QEMUBH {
    QEMUBHFunc *cb;
    void *opaque;
    int scheduled; /* atomic: set by any thread, cleared by the loop before cb runs */
    bool deleted;  /* deleted while the loop was walking the list; freed after the walk */
    QEMUBH *next;
};

/* New BHs go to the head; a walk in progress sees only those present when it began. */
static QEMUBH *bh_list;
static GMutex bh_list_lock;
static int bh_walking; /* main loop only */

QEMUBH *qemu_bh_new(QEMUBHFunc *cb, void *opaque)
{
    QEMUBH *bh = g_new0(QEMUBH, 1);

    bh->cb = cb;
    bh->opaque = opaque;
    g_mutex_lock(&bh_list_lock);
    bh->next = bh_list;
    bh_list = bh;
    g_mutex_unlock(&bh_list_lock);
    return bh;
}

void qemu_bh_schedule(QEMUBH *bh)
{
    if (__atomic_exchange_n(&bh->scheduled, 1, __ATOMIC_SEQ_CST) == 0) {
        qemu_notify_event();
    }
}

void qemu_bh_cancel(QEMUBH *bh)
{
    __atomic_store_n(&bh->scheduled, 0, __ATOMIC_SEQ_CST);
}

static void bh_unlink_free(QEMUBH *bh)
{
    QEMUBH **p;

    g_mutex_lock(&bh_list_lock);
    for (p = &bh_list; *p; p = &(*p)->next) {
        if (*p == bh) {
            *p = bh->next;
            break;
        }
    }
    g_mutex_unlock(&bh_list_lock);
    g_free(bh);
}

void qemu_bh_delete(QEMUBH *bh)
{
    if (!bh) {
        return;
    }
    qemu_bh_cancel(bh);
    if (bh_walking) {
        bh->deleted = true;
    } else {
        bh_unlink_free(bh);
    }
}

static QEMUBH *bh_head(void)
{
    QEMUBH *bh;

    g_mutex_lock(&bh_list_lock);
    bh = bh_list;
    g_mutex_unlock(&bh_list_lock);
    return bh;
}

/* Frees the BHs deleted during a walk. */
static void bh_sweep(void)
{
    QEMUBH **p, *bh;

    g_mutex_lock(&bh_list_lock);
    for (p = &bh_list; (bh = *p);) {
        if (bh->deleted) {
            *p = bh->next;
            g_free(bh);
        } else {
            p = &bh->next;
        }
    }
    g_mutex_unlock(&bh_list_lock);
}

/* Runs each scheduled BH once; true if any ran. */
static bool bh_poll(void)
{
    bool progress = false;

    bh_walking++;
    for (QEMUBH *bh = bh_head(); bh; bh = bh->next) {
        if (!bh->deleted && __atomic_exchange_n(&bh->scheduled, 0, __ATOMIC_SEQ_CST)) {
            bh->cb(bh->opaque);
            progress = true;
        }
    }
    if (--bh_walking == 0) {
        bh_sweep();
    }
    return progress;
}

static bool bh_any_scheduled(void)
{
    for (QEMUBH *bh = bh_head(); bh; bh = bh->next) {
        if (__atomic_load_n(&bh->scheduled, __ATOMIC_SEQ_CST) && !bh->deleted) {
            return true;
        }
    }
    return false;
}

/* --- fd handlers -------------------------------------------------------------------- */

/* One GSource per watched fd; GLib keeps it alive while it dispatches. */
typedef struct IOHandlerSource {
    GSource source;
    int fd;
    gpointer tag;
    IOHandler *fd_read;
    IOHandler *fd_write;
    void *opaque;
} IOHandlerSource;

static GHashTable *io_handlers; /* fd -> IOHandlerSource (a reference) */

static GIOCondition io_handler_events(IOHandlerSource *s)
{
    GIOCondition cond = 0;

    if (s->fd_read) {
        cond |= G_IO_IN | G_IO_HUP | G_IO_ERR;
    }
    if (s->fd_write) {
        cond |= G_IO_OUT | G_IO_ERR;
    }
    return cond;
}

static void io_handler_remove(int fd)
{
    IOHandlerSource *s = g_hash_table_lookup(io_handlers, GINT_TO_POINTER(fd));

    if (s) {
        g_source_destroy(&s->source);
        g_hash_table_remove(io_handlers, GINT_TO_POINTER(fd)); /* drops our reference */
    }
}

static gboolean io_handler_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
    IOHandlerSource *s = (IOHandlerSource *)source;
    GIOCondition rev = g_source_query_unix_fd(source, s->tag);

    (void)cb;
    (void)data;
    if (rev & G_IO_NVAL) {
        warn_report("fd %d was closed while watched; its handlers are removed", s->fd);
        io_handler_remove(s->fd);
        return G_SOURCE_REMOVE;
    }
    if (s->fd_read && (rev & (G_IO_IN | G_IO_HUP | G_IO_ERR))) {
        s->fd_read(s->opaque);
    }
    /* The read handler may have removed or changed this watch. */
    if (g_source_is_destroyed(source) || !s->fd_write) {
        return G_SOURCE_CONTINUE;
    }
    /* A hang-up with nobody reading goes to the writer (EPIPE), or the watch would spin. */
    if ((rev & (G_IO_OUT | G_IO_ERR)) || (!s->fd_read && (rev & G_IO_HUP))) {
        s->fd_write(s->opaque);
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs io_handler_funcs = {
    .dispatch = io_handler_dispatch,
};

void qemu_set_fd_handler(int fd, IOHandler *fd_read, IOHandler *fd_write, void *opaque)
{
    IOHandlerSource *s;

    g_assert(fd >= 0);
    qemu_init_main_loop();
    if (!fd_read && !fd_write) {
        io_handler_remove(fd);
        return;
    }
    s = g_hash_table_lookup(io_handlers, GINT_TO_POINTER(fd));
    if (!s) {
        s = (IOHandlerSource *)g_source_new(&io_handler_funcs, sizeof(IOHandlerSource));
        g_source_set_name(&s->source, "tern-fd-handler");
        s->fd = fd;
        s->tag = g_source_add_unix_fd(&s->source, fd, 0);
        g_source_attach(&s->source, NULL);
        g_hash_table_insert(io_handlers, GINT_TO_POINTER(fd), s);
    }
    s->fd_read = fd_read;
    s->fd_write = fd_write;
    s->opaque = opaque;
    g_source_modify_unix_fd(&s->source, s->tag, io_handler_events(s));
    qemu_notify_event();
}

/* --- the loop ------------------------------------------------------------------------- */

static bool main_loop_ready;
static GPollFD *poll_fds;
static int poll_fds_size;
static __thread bool in_main_loop_wait; /* catches re-entry from a handler */
static __thread bool dispatching;       /* this thread is running the loop's handlers */

/* GLib promises GPollFD matches struct pollfd on Unix; ppoll relies on it. */
G_STATIC_ASSERT(sizeof(GPollFD) == sizeof(struct pollfd));

static void io_handler_unref(gpointer p)
{
    g_source_unref(p);
}

void qemu_init_main_loop(void)
{
    if (main_loop_ready) {
        return;
    }
    main_loop_ready = true;
    /* A peer closing a pipe or socket must be an EPIPE for its handler, not the end of tern. */
    signal(SIGPIPE, SIG_IGN);
    io_handlers = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, io_handler_unref);
    qemu_clock_enable_virtual(true);
}

void qemu_notify_event(void)
{
    /*
     * A handler run by the loop (a BH re-scheduling itself, a timer re-arming)
     * needs no eventfd write: main_loop_wait() returns after the handlers, and
     * the next call looks at BHs, timers and sources again before sleeping.
     * Elsewhere on the loop's thread (reset handlers run by qemu_main_loop)
     * the write is needed, or a request made there would wait for the next event.
     */
    if (dispatching) {
        return;
    }
    g_main_context_wakeup(NULL);
}

static gboolean terminate_on_signal(gpointer opaque)
{
    info_report("terminating on signal %d", GPOINTER_TO_INT(opaque));
    qemu_system_shutdown_request(0);
    return G_SOURCE_CONTINUE;
}

void qemu_init_signal_handlers(void)
{
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP};

    qemu_init_main_loop();
    for (size_t i = 0; i < ARRAY_SIZE(signals); i++) {
        g_unix_signal_add(signals[i], terminate_on_signal, GINT_TO_POINTER(signals[i]));
    }
}

/* Polls with ns precision; timeout_ns < 0 waits forever. */
static int poll_ns(GPollFD *fds, int n, int64_t timeout_ns)
{
    struct timespec ts;

    if (timeout_ns < 0) {
        return ppoll((struct pollfd *)fds, n, NULL, NULL);
    }
    ts.tv_sec = timeout_ns / NANOSECONDS_PER_SECOND;
    ts.tv_nsec = timeout_ns % NANOSECONDS_PER_SECOND;
    return ppoll((struct pollfd *)fds, n, &ts, NULL);
}

/* Combines the timer deadline with GLib's own (ms) timeout; -1 is forever. */
static int64_t loop_timeout_ns(int glib_timeout_ms)
{
    int64_t timeout = qemu_clock_deadline_ns_all();

    if (glib_timeout_ms >= 0) {
        int64_t g = (int64_t)glib_timeout_ms * SCALE_MS;

        timeout = timeout < 0 ? g : MIN(timeout, g);
    }
    return timeout;
}

/* Collects the context's fds into poll_fds; returns how many. */
static int query_fds(GMainContext *ctx, int max_priority, int *glib_timeout)
{
    int n;

    while ((n = g_main_context_query(ctx, max_priority, glib_timeout, poll_fds, poll_fds_size)) >
           poll_fds_size) {
        poll_fds_size = n;
        poll_fds = g_renew(GPollFD, poll_fds, poll_fds_size);
    }
    return n;
}

bool main_loop_wait(bool nonblocking)
{
    GMainContext *ctx = g_main_context_default();
    int max_priority, glib_timeout, n;
    int64_t timeout;
    bool progress;

    if (!bql_held) {
        g_error("main_loop_wait: called without the BQL");
    }
    if (in_main_loop_wait) {
        g_error("main_loop_wait: called from inside a handler of the loop");
    }
    qemu_init_main_loop();
    if (!g_main_context_acquire(ctx)) {
        g_error("main_loop_wait: another thread owns the default GMainContext");
    }
    in_main_loop_wait = true;

    if (g_main_context_prepare(ctx, &max_priority)) {
        nonblocking = true; /* a source is ready already */
    }
    n = query_fds(ctx, max_priority, &glib_timeout);
    timeout = loop_timeout_ns(glib_timeout);
    if (nonblocking || bh_any_scheduled()) {
        timeout = 0;
    }

    /* Also around a non-blocking poll: a busy loop must not starve vCPUs waiting for the BQL. */
    bql_unlock();
    poll_ns(poll_fds, n, timeout);
    bql_lock();

    dispatching = true;
    progress = g_main_context_check(ctx, max_priority, poll_fds, n);
    g_main_context_dispatch(ctx);
    progress |= qemu_clock_run_all_timers();
    progress |= bh_poll();

    dispatching = false;
    in_main_loop_wait = false;
    g_main_context_release(ctx);
    return progress;
}

int qemu_main_loop(void)
{
    int status;

    while (!main_loop_should_exit(&status)) {
        main_loop_wait(false);
    }
    return status;
}
