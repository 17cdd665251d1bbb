/*
 * char.c: the character backend core: the registry of chardevs by label, the front-end
 * API (qemu_chr_fe_*), and the fd plumbing every fd-based backend shares.
 *
 * Follows QEMU's chardev model (include/chardev/char-fe.h semantics) without QOM.
 * Flow control: the input fd is watched only while the front end's can_read is > 0;
 * when it drops to 0 the watch is removed on the next readiness callback, and
 * qemu_chr_fe_accept_input() puts it back. Output to a non-blocking fd (socket, FIFO)
 * goes into a buffer of at most CHR_OUT_BUF_MAX bytes when the peer does not read;
 * beyond that it is dropped, so a stuck peer never blocks the VM.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "char-internal.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

/* Read chunk per readiness callback. */
#define CHR_READ_BUF_SIZE 4096
/* write_all gives up on a peer that made no progress for this long. */
#define CHR_WRITE_ALL_STALL_MS 1000

static GPtrArray *chardevs; /* registered chardevs, creation order */

static const ChardevClass *const chardev_classes[] = {
    &char_null_class,   &char_file_class,   &char_pipe_class, &char_stdio_class,
    &char_socket_class, &char_socket_class, &char_pty_class,
};
static const char *const chardev_class_names[] = {
    "null", "file", "pipe", "stdio", "unix", "tcp", "pty",
};

static void chr_fd_read_ready(void *opaque);
static void chr_fd_write_ready(void *opaque);
static void chr_kick(void *opaque);

void qemu_chr_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl >= 0) {
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    }
}

Chardev *qemu_chr_find(const char *label)
{
    for (guint i = 0; chardevs && i < chardevs->len; i++) {
        Chardev *chr = g_ptr_array_index(chardevs, i);
        if (!strcmp(chr->label, label)) {
            return chr;
        }
    }
    return NULL;
}

Chardev *qemu_chr_alloc(const ChardevClass *cls, const char *label, GError **errp)
{
    Chardev *chr;

    if (!label || !*label) {
        g_set_error(errp, TERN_ERROR, 0, "chardev: empty label");
        return NULL;
    }
    if (qemu_chr_find(label)) {
        g_set_error(errp, TERN_ERROR, 0, "chardev '%s' already exists", label);
        return NULL;
    }
    g_assert(cls->instance_size >= sizeof(Chardev));
    chr = g_malloc0(cls->instance_size);
    chr->cls = cls;
    chr->label = g_strdup(label);
    chr->in_fd = -1;
    chr->out_fd = -1;
    chr->outbuf = g_byte_array_new();
    g_mutex_init(&chr->write_lock);
    chr->kick_bh = qemu_bh_new(chr_kick, chr);
    return chr;
}

static void chr_free(Chardev *chr)
{
    if (chr->cls->close) {
        chr->cls->close(chr);
    }
    qemu_chr_detach_fds(chr);
    qemu_bh_delete(chr->kick_bh);
    g_byte_array_unref(chr->outbuf);
    g_mutex_clear(&chr->write_lock);
    g_free(chr->label);
    g_free(chr);
}

static const ChardevClass *class_for(const char *backend)
{
    for (size_t i = 0; i < ARRAY_SIZE(chardev_classes); i++) {
        if (!strcmp(chardev_class_names[i], backend)) {
            return chardev_classes[i];
        }
    }
    return NULL;
}

Chardev *qemu_chr_new_internal(const char *label, const ChardevSpec *spec, bool registered,
                               GError **errp)
{
    const ChardevClass *cls = spec->mux ? &char_mux_class : class_for(spec->backend);
    Chardev *chr;

    if (!cls) {
        g_set_error(errp, TERN_ERROR, 0, "chardev '%s': unknown backend '%s'", label,
                    spec->backend);
        return NULL;
    }
    chr = qemu_chr_alloc(cls, label, errp);
    if (!chr) {
        return NULL;
    }
    if (!cls->open(chr, spec, errp)) {
        chr_free(chr);
        return NULL;
    }
    if (registered) {
        if (!chardevs) {
            chardevs = g_ptr_array_new();
        }
        g_ptr_array_add(chardevs, chr);
    }
    return chr;
}

Chardev *qemu_chr_new_from_spec(const char *label, const ChardevSpec *spec, GError **errp)
{
    return qemu_chr_new_internal(label, spec, true, errp);
}

Chardev *qemu_chr_new(const char *label, const char *spec, GError **errp)
{
    ChardevSpec s;
    Chardev *chr;

    if (!qemu_chr_parse_spec(spec, &s, errp)) {
        return NULL;
    }
    chr = qemu_chr_new_from_spec(label, &s, errp);
    qemu_chr_spec_free(&s);
    return chr;
}

Chardev *qemu_chr_new_from_opts(const char *opts, GError **errp)
{
    ChardevSpec s;
    Chardev *chr;

    if (!qemu_chr_parse_opts(opts, &s, errp)) {
        return NULL;
    }
    chr = qemu_chr_new_from_spec(s.id, &s, errp);
    qemu_chr_spec_free(&s);
    return chr;
}

Chardev *qemu_chr_new_stdio_fds(const char *label, int in_fd, int out_fd, bool signal,
                                GError **errp)
{
    Chardev *chr = qemu_chr_alloc(&char_stdio_class, label, errp);

    if (!chr) {
        return NULL;
    }
    if (!qemu_chr_stdio_open_fds(chr, in_fd, out_fd, signal, errp)) {
        chr_free(chr);
        return NULL;
    }
    if (!chardevs) {
        chardevs = g_ptr_array_new();
    }
    g_ptr_array_add(chardevs, chr);
    return chr;
}

void qemu_chr_delete(Chardev *chr)
{
    if (!chr) {
        return;
    }
    if (chr->be) {
        /* Still attached: the front end is cut loose, as qemu_chr_fe_deinit would. */
        qemu_chr_fe_deinit(chr->be);
    }
    if (chardevs) {
        g_ptr_array_remove(chardevs, chr);
    }
    chr_free(chr);
}

void qemu_chr_cleanup(void)
{
    while (chardevs && chardevs->len) {
        qemu_chr_delete(g_ptr_array_index(chardevs, chardevs->len - 1));
    }
    qemu_chr_restore_terminals();
}

const char *qemu_chr_label(Chardev *chr)
{
    return chr->label;
}

char *qemu_chr_describe(Chardev *chr)
{
    return chr->cls->describe ? chr->cls->describe(chr) : g_strdup(chr->cls->name);
}

void qemu_chr_foreach(void (*fn)(Chardev *chr, void *opaque), void *opaque)
{
    for (guint i = 0; chardevs && i < chardevs->len; i++) {
        fn(g_ptr_array_index(chardevs, i), opaque);
    }
}

char *qemu_chr_info(void)
{
    GString *out = g_string_new("");

    for (guint i = 0; chardevs && i < chardevs->len; i++) {
        Chardev *chr = g_ptr_array_index(chardevs, i);
        g_autofree char *desc = qemu_chr_describe(chr);

        g_string_append_printf(out, "%s: filename=%s\n", chr->label, desc);
    }
    return g_string_free(out, FALSE);
}

bool qemu_chr_is_mux(Chardev *chr)
{
    return chr && chr->cls == &char_mux_class;
}

/* --- backend side ----------------------------------------------------------- */

int qemu_chr_be_can_write(Chardev *chr)
{
    CharBackend *be = chr->be;

    if (!be || !be->chr_read) {
        return 0;
    }
    /* A front end without can_read takes whatever comes. */
    return be->chr_can_read ? be->chr_can_read(be->opaque) : CHR_READ_BUF_SIZE;
}

void qemu_chr_be_write(Chardev *chr, const uint8_t *buf, int len)
{
    CharBackend *be = chr->be;

    if (be && be->chr_read && len > 0) {
        be->chr_read(be->opaque, buf, len);
    }
}

void qemu_chr_be_event(Chardev *chr, QEMUChrEvent event)
{
    CharBackend *be = chr->be;

    if (event == CHR_EVENT_OPENED) {
        chr->be_open = true;
    } else if (event == CHR_EVENT_CLOSED) {
        chr->be_open = false;
    }
    if (be && be->chr_event) {
        be->chr_event(be->opaque, event);
    }
}

void qemu_chr_update_watches(Chardev *chr)
{
    bool want_read = chr->in_fd >= 0 && !chr->in_eof && qemu_chr_be_can_write(chr) > 0;
    bool want_write;

    g_mutex_lock(&chr->write_lock);
    want_write = chr->out_fd >= 0 && chr->outbuf->len > 0;
    g_mutex_unlock(&chr->write_lock);

    if (chr->in_fd >= 0 && chr->in_fd == chr->out_fd) {
        if (want_read == chr->in_watched && want_write == chr->out_watched) {
            return;
        }
        qemu_set_fd_handler(chr->in_fd, want_read ? chr_fd_read_ready : NULL,
                            want_write ? chr_fd_write_ready : NULL, chr);
    } else {
        if (chr->in_fd >= 0 && want_read != chr->in_watched) {
            qemu_set_fd_handler(chr->in_fd, want_read ? chr_fd_read_ready : NULL, NULL, chr);
        }
        if (chr->out_fd >= 0 && want_write != chr->out_watched) {
            qemu_set_fd_handler(chr->out_fd, NULL, want_write ? chr_fd_write_ready : NULL, chr);
        }
    }
    chr->in_watched = want_read;
    chr->out_watched = want_write;
}

void qemu_chr_detach_fds(Chardev *chr)
{
    if (chr->in_fd >= 0) {
        qemu_set_fd_handler(chr->in_fd, NULL, NULL, NULL);
    }
    if (chr->out_fd >= 0 && chr->out_fd != chr->in_fd) {
        qemu_set_fd_handler(chr->out_fd, NULL, NULL, NULL);
    }
    g_mutex_lock(&chr->write_lock);
    if (chr->own_fds) {
        if (chr->in_fd >= 0) {
            close(chr->in_fd);
        }
        if (chr->out_fd >= 0 && chr->out_fd != chr->in_fd) {
            close(chr->out_fd);
        }
    }
    chr->in_fd = chr->out_fd = -1;
    chr->in_watched = chr->out_watched = false;
    g_byte_array_set_size(chr->outbuf, 0);
    g_mutex_unlock(&chr->write_lock);
}

static void chr_input_ended(Chardev *chr)
{
    if (chr->cls->input_eof) {
        chr->cls->input_eof(chr);
    } else {
        chr->in_eof = true; /* e.g. stdin from a script: stop reading, keep writing */
        qemu_chr_update_watches(chr);
    }
}

static void chr_fd_read_ready(void *opaque)
{
    Chardev *chr = opaque;
    uint8_t buf[CHR_READ_BUF_SIZE];
    int room = qemu_chr_be_can_write(chr);
    ssize_t n;

    if (room <= 0 || chr->in_fd < 0) {
        qemu_chr_update_watches(chr); /* held until accept_input */
        return;
    }
    n = read(chr->in_fd, buf, MIN((size_t)room, sizeof(buf)));
    if (n > 0) {
        qemu_chr_be_write(chr, buf, n);
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        chr_input_ended(chr);
    }
}

/* --- output ------------------------------------------------------------------ */

static ssize_t chr_raw_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    ssize_t n;

    do {
        n = chr->out_socket ? send(chr->out_fd, buf, len, MSG_NOSIGNAL)
                            : write(chr->out_fd, buf, len);
    } while (n < 0 && errno == EINTR);
    return n;
}

/* Sends what the buffer holds; false if the peer failed. Called with write_lock held. */
static bool chr_flush_locked(Chardev *chr)
{
    while (chr->outbuf->len) {
        ssize_t n = chr_raw_write(chr, chr->outbuf->data, chr->outbuf->len);
        if (n < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK;
        }
        g_byte_array_remove_range(chr->outbuf, 0, n);
    }
    chr->out_dropping = false;
    return true;
}

/* Blocking fds (files, terminals): write everything, waiting if the fd says EAGAIN. */
static int chr_write_blocking(Chardev *chr, const uint8_t *buf, int len)
{
    int done = 0;

    while (done < len) {
        ssize_t n = chr_raw_write(chr, buf + done, len - done);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {.fd = chr->out_fd, .events = POLLOUT};
            poll(&p, 1, CHR_WRITE_ALL_STALL_MS);
            continue;
        }
        if (n < 0) {
            return done ? done : -errno;
        }
        done += n;
    }
    return done;
}

/*
 * Waits (bounded) for a slow peer to drain the buffer. A peer that made no progress for
 * CHR_WRITE_ALL_STALL_MS is given up on until it reads again: later calls do not wait,
 * so a UART writing byte by byte to a stuck peer costs the VM one stall, not one per
 * byte. Called with write_lock held; false if the peer failed.
 */
static bool chr_drain_locked(Chardev *chr)
{
    while (chr->outbuf->len && !chr->out_dropping) {
        struct pollfd p = {.fd = chr->out_fd, .events = POLLOUT};
        if (poll(&p, 1, CHR_WRITE_ALL_STALL_MS) <= 0) {
            chr->out_dropping = true;
            qemu_log_mask(LOG_UNIMP, "chardev '%s': peer not reading, dropping output\n",
                          chr->label);
            return true;
        }
        if (!chr_flush_locked(chr)) {
            return false;
        }
    }
    return true;
}

/*
 * Non-blocking fds: queue behind buffered bytes, send what the peer takes, buffer the rest
 * up to CHR_OUT_BUF_MAX, drop beyond (logged once per stall). Returns len: what a stuck
 * peer loses counts as written, so no caller loops on it. *failed if the peer is gone.
 */
static int chr_write_nonblocking(Chardev *chr, const uint8_t *buf, int len, bool all, bool *failed)
{
    size_t sent = 0, room, keep;

    if (!chr->outbuf->len) {
        ssize_t n = chr_raw_write(chr, buf, len);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            *failed = true;
            return len;
        }
        sent = n < 0 ? 0 : n;
    }
    room = CHR_OUT_BUF_MAX - MIN(chr->outbuf->len, CHR_OUT_BUF_MAX);
    keep = MIN(len - sent, room);
    g_byte_array_append(chr->outbuf, buf + sent, keep);
    if (keep < len - sent && !chr->out_dropping) {
        chr->out_dropping = true;
        qemu_log_mask(LOG_UNIMP, "chardev '%s': peer not reading, dropping output\n", chr->label);
    }
    if (all && !chr_drain_locked(chr)) {
        *failed = true;
    }
    return len;
}

int qemu_chr_write(Chardev *chr, const uint8_t *buf, int len, bool all)
{
    bool failed = false;
    bool pending;
    int ret;

    if (chr->cls->write) {
        return chr->cls->write(chr, buf, len, all);
    }
    if (len <= 0) {
        return 0;
    }
    g_mutex_lock(&chr->write_lock);
    if (chr->out_fd < 0) {
        ret = len; /* null, file-less, or no peer connected: dropped */
    } else if (chr->out_nonblock) {
        ret = chr_write_nonblocking(chr, buf, len, all, &failed);
    } else {
        ret = chr_write_blocking(chr, buf, len);
    }
    chr->out_failed |= failed;
    pending = chr->outbuf->len > 0;
    g_mutex_unlock(&chr->write_lock);

    /* Writers may be vCPU threads: fd watches and events change in the main loop. */
    if (failed || (pending && !chr->out_watched)) {
        qemu_bh_schedule(chr->kick_bh);
    }
    return ret;
}

static void chr_kick(void *opaque)
{
    Chardev *chr = opaque;
    bool failed;

    g_mutex_lock(&chr->write_lock);
    failed = chr->out_failed;
    chr->out_failed = false;
    if (failed && !chr->cls->output_error) {
        g_byte_array_set_size(chr->outbuf, 0);
    }
    g_mutex_unlock(&chr->write_lock);
    if (failed && chr->cls->output_error) {
        chr->cls->output_error(chr);
    }
    qemu_chr_update_watches(chr);
}

static void chr_fd_write_ready(void *opaque)
{
    Chardev *chr = opaque;
    bool ok;

    g_mutex_lock(&chr->write_lock);
    ok = chr->out_fd < 0 || chr_flush_locked(chr);
    g_mutex_unlock(&chr->write_lock);
    if (!ok && chr->cls->output_error) {
        chr->cls->output_error(chr);
        return;
    }
    if (!ok) {
        g_mutex_lock(&chr->write_lock);
        g_byte_array_set_size(chr->outbuf, 0);
        g_mutex_unlock(&chr->write_lock);
    }
    qemu_chr_update_watches(chr);
}

/* --- front ends -------------------------------------------------------------- */

bool qemu_chr_fe_init(CharBackend *be, Chardev *chr, GError **errp)
{
    memset(be, 0, sizeof(*be));
    if (!chr) {
        return true; /* a front end without a backend: writes are dropped */
    }
    if (chr->cls->fe_attach) {
        if (!chr->cls->fe_attach(chr, be, errp)) {
            return false;
        }
    } else if (chr->be) {
        g_set_error(errp, TERN_ERROR, 0, "chardev '%s' is already in use (use mon: to share it)",
                    chr->label);
        return false;
    } else {
        chr->be = be;
    }
    be->chr = chr;
    return true;
}

void qemu_chr_fe_deinit(CharBackend *be)
{
    Chardev *chr = be->chr;

    if (!chr) {
        return;
    }
    if (chr->cls->fe_detach) {
        chr->cls->fe_detach(chr, be);
    } else if (chr->be == be) {
        chr->be = NULL;
        qemu_chr_update_watches(chr);
    }
    memset(be, 0, sizeof(*be));
}

void qemu_chr_fe_set_handlers(CharBackend *be, IOCanReadHandler *can_read, IOReadHandler *read,
                              IOEventHandler *event, void *opaque)
{
    Chardev *chr = be->chr;

    be->chr_can_read = can_read;
    be->chr_read = read;
    be->chr_event = event;
    be->opaque = opaque;
    if (!chr) {
        return;
    }
    if (chr->cls->fe_update) {
        chr->cls->fe_update(chr, be, true);
        return;
    }
    qemu_chr_update_watches(chr);
    if (event && chr->be_open) {
        event(opaque, CHR_EVENT_OPENED);
    }
}

int qemu_chr_fe_write(CharBackend *be, const uint8_t *buf, int len)
{
    return be->chr ? qemu_chr_write(be->chr, buf, len, false) : len;
}

int qemu_chr_fe_write_all(CharBackend *be, const uint8_t *buf, int len)
{
    return be->chr ? qemu_chr_write(be->chr, buf, len, true) : len;
}

void qemu_chr_fe_accept_input(CharBackend *be)
{
    Chardev *chr = be->chr;

    if (!chr) {
        return;
    }
    if (chr->cls->fe_update) {
        chr->cls->fe_update(chr, be, false);
    } else {
        qemu_bh_schedule(chr->kick_bh); /* often called from a vCPU's register access */
    }
}

bool qemu_chr_fe_backend_connected(CharBackend *be)
{
    return be->chr != NULL;
}
