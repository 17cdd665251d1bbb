/*
 * char-mux.c: "mon:" muxing: up to MAX_MUX front ends (a UART, the monitor) share one
 * backend, with QEMU's Ctrl-A escapes (qemu-doc "Keys in the character backend
 * multiplexer").
 *
 * Every front end writes to the backend; input goes to the front end with the focus.
 * Each front end has a buffer, so escapes are seen even while the focused front end
 * cannot read; bytes wait there until its can_read allows. Ctrl-A x must always work,
 * even with a guest that never reads: once that buffer is full the mux keeps reading,
 * acting on escapes and dropping data (as an overrun UART would). Keys after
 * Ctrl-A: h or ? help, x quit, c switch focus, b break, a (or Ctrl-A again) a literal Ctrl-A;
 * anything else is swallowed. Left out: Ctrl-A s (flush disks), Ctrl-A t (timestamps).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "char-internal.h"

#define MUX_BUFFER_SIZE   4096 /* per front end; a power of two */
#define MUX_OVERRUN_CHUNK 256  /* bytes read at a time while the focused buffer is full */

typedef struct MuxChardev {
    Chardev parent;
    Chardev *base;       /* the backend we multiplex */
    CharBackend base_be; /* our front end on it */
    CharBackend *fes[MAX_MUX];
    int focus; /* index into fes, -1 with none */
    bool got_escape;
    uint8_t buf[MAX_MUX][MUX_BUFFER_SIZE];
    unsigned prod[MAX_MUX], cons[MAX_MUX]; /* free-running ring indexes */
    QEMUBH *flush_bh;      /* delivers buffered input from the main loop, never from the caller */
    bool overrun[MAX_MUX]; /* dropping input for this front end (logged once) */
} MuxChardev;

static const char mux_help[] = "\r\n"
                               "C-a h    print this help\r\n"
                               "C-a x    exit tern\r\n"
                               "C-a c    switch between console and monitor\r\n"
                               "C-a b    send break (magic sysrq)\r\n"
                               "C-a a    send C-a\r\n"
                               "\r\n";

static MuxChardev *to_mux(Chardev *chr)
{
    return container_of(chr, MuxChardev, parent);
}

static void mux_send_event(MuxChardev *m, int i, QEMUChrEvent ev)
{
    CharBackend *be = i >= 0 ? m->fes[i] : NULL;

    if (be && be->chr_event) {
        be->chr_event(be->opaque, ev);
    }
}

/* Passes buffered bytes to front end i as far as its can_read allows. */
static void mux_flush(MuxChardev *m, int i)
{
    CharBackend *be = m->fes[i];

    while (be && be->chr_read && m->prod[i] != m->cons[i]) {
        unsigned at = m->cons[i] % MUX_BUFFER_SIZE;
        unsigned n = MIN(m->prod[i] - m->cons[i], MUX_BUFFER_SIZE - at);
        int room = be->chr_can_read ? be->chr_can_read(be->opaque) : (int)n;

        if (room <= 0) {
            return;
        }
        n = MIN(n, (unsigned)room);
        m->cons[i] += n;
        m->overrun[i] = false;
        be->chr_read(be->opaque, &m->buf[i][at], n);
    }
}

static void mux_set_focus(MuxChardev *m, int focus)
{
    if (focus == m->focus) {
        return;
    }
    mux_send_event(m, m->focus, CHR_EVENT_MUX_OUT);
    m->focus = focus;
    mux_send_event(m, focus, CHR_EVENT_MUX_IN);
    qemu_bh_schedule(m->flush_bh);
}

static int mux_next(MuxChardev *m, int from)
{
    for (int k = 1; k <= MAX_MUX; k++) {
        int i = (from + k + MAX_MUX) % MAX_MUX;
        if (m->fes[i]) {
            return i;
        }
    }
    return -1;
}

static void mux_print(MuxChardev *m, const char *s)
{
    qemu_chr_write(m->base, (const uint8_t *)s, strlen(s), true);
}

static void mux_enqueue(MuxChardev *m, uint8_t ch)
{
    int i = m->focus;

    if (i < 0) {
        return; /* nobody to take it */
    }
    if (m->prod[i] - m->cons[i] >= MUX_BUFFER_SIZE) {
        if (!m->overrun[i]) {
            m->overrun[i] = true;
            qemu_log_mask(LOG_GUEST_ERROR,
                          "chardev '%s': front end %d not reading, input dropped\n",
                          m->parent.label, i);
        }
        return;
    }
    m->buf[i][m->prod[i]++ % MUX_BUFFER_SIZE] = ch;
}

static void mux_escape(MuxChardev *m, uint8_t ch)
{
    switch (ch) {
    case 'h':
    case '?':
        mux_print(m, mux_help);
        break;
    case 'x':
        mux_print(m, "tern: terminating on C-a x\r\n");
        qemu_chr_restore_terminals();
        qemu_system_shutdown_request(0);
        break;
    case 'c':
        mux_set_focus(m, mux_next(m, m->focus < 0 ? -1 : m->focus));
        break;
    case 'b':
        mux_send_event(m, m->focus, CHR_EVENT_BREAK);
        break;
    case 'a':
    case MUX_ESCAPE_CHAR:
        mux_enqueue(m, MUX_ESCAPE_CHAR);
        break;
    default:
        break; /* unknown keys are swallowed, as in QEMU */
    }
}

static int mux_can_read(void *opaque)
{
    MuxChardev *m = opaque;

    int room = m->focus < 0 ? 0 : MUX_BUFFER_SIZE - (m->prod[m->focus] - m->cons[m->focus]);

    /* Full, or nobody focused: keep reading for the escapes, dropping the data. */
    return room > 0 ? room : MUX_OVERRUN_CHUNK;
}

static void mux_read(void *opaque, const uint8_t *buf, int size)
{
    MuxChardev *m = opaque;

    for (int k = 0; k < size; k++) {
        if (m->got_escape) {
            m->got_escape = false;
            mux_escape(m, buf[k]);
        } else if (buf[k] == MUX_ESCAPE_CHAR) {
            m->got_escape = true;
        } else {
            mux_enqueue(m, buf[k]);
        }
    }
    if (m->focus >= 0) {
        mux_flush(m, m->focus);
    }
}

static void mux_event(void *opaque, QEMUChrEvent ev)
{
    MuxChardev *m = opaque;

    if (ev == CHR_EVENT_OPENED) {
        m->parent.be_open = true;
    } else if (ev == CHR_EVENT_CLOSED) {
        m->parent.be_open = false;
        m->got_escape = false;
    }
    for (int i = 0; i < MAX_MUX; i++) {
        mux_send_event(m, i, ev);
    }
}

static void mux_flush_bh(void *opaque)
{
    MuxChardev *m = opaque;

    for (int i = 0; i < MAX_MUX; i++) {
        mux_flush(m, i);
    }
    qemu_chr_fe_accept_input(&m->base_be);
}

static bool mux_open(Chardev *chr, const ChardevSpec *spec, GError **errp)
{
    MuxChardev *m = to_mux(chr);
    ChardevSpec base_spec = *spec;
    g_autofree char *base_label = g_strdup_printf("%s-base", chr->label);

    m->focus = -1;
    m->flush_bh = qemu_bh_new(mux_flush_bh, m);
    base_spec.mux = false;
    m->base = qemu_chr_new_internal(base_label, &base_spec, false, errp);
    if (!m->base) {
        return false;
    }
    qemu_chr_fe_init(&m->base_be, m->base, NULL);
    qemu_chr_fe_set_handlers(&m->base_be, mux_can_read, mux_read, mux_event, m);
    chr->be_open = m->base->be_open;
    return true;
}

static void mux_close(Chardev *chr)
{
    MuxChardev *m = to_mux(chr);

    /* Deleted with front ends still attached (qemu_chr_cleanup at exit): cut them loose
     * so that their own deinit later is harmless. */
    for (int i = 0; i < MAX_MUX; i++) {
        if (m->fes[i]) {
            m->fes[i]->chr = NULL;
            m->fes[i] = NULL;
        }
    }
    qemu_bh_delete(m->flush_bh);
    if (m->base) {
        qemu_chr_fe_deinit(&m->base_be);
        qemu_chr_delete(m->base);
    }
}

static int mux_write(Chardev *chr, const uint8_t *buf, int len, bool all)
{
    return qemu_chr_write(to_mux(chr)->base, buf, len, all);
}

static bool mux_fe_attach(Chardev *chr, CharBackend *be, GError **errp)
{
    MuxChardev *m = to_mux(chr);

    for (int i = 0; i < MAX_MUX; i++) {
        if (!m->fes[i]) {
            m->fes[i] = be;
            be->tag = i;
            m->prod[i] = m->cons[i] = 0;
            if (m->focus < 0) {
                m->focus = i; /* the first front end (the UART) starts with the focus */
            }
            return true;
        }
    }
    g_set_error(errp, TERN_ERROR, 0, "chardev '%s': mux already has %d front ends", chr->label,
                MAX_MUX);
    return false;
}

static void mux_fe_detach(Chardev *chr, CharBackend *be)
{
    MuxChardev *m = to_mux(chr);
    int i = be->tag;

    if (i < 0 || i >= MAX_MUX || m->fes[i] != be) {
        return;
    }
    m->fes[i] = NULL;
    if (m->focus == i) {
        m->focus = -1;
        mux_set_focus(m, mux_next(m, i));
    }
    qemu_chr_update_watches(m->base);
}

static void mux_fe_update(Chardev *chr, CharBackend *be, bool handlers)
{
    MuxChardev *m = to_mux(chr);

    if (handlers && be->chr_event) {
        if (chr->be_open) {
            be->chr_event(be->opaque, CHR_EVENT_OPENED);
        }
        if (m->focus == be->tag) {
            be->chr_event(be->opaque, CHR_EVENT_MUX_IN);
        }
    }
    /* accept_input may come from inside a device's register access: deliver later. */
    qemu_bh_schedule(m->flush_bh);
}

static char *mux_describe(Chardev *chr)
{
    g_autofree char *base = qemu_chr_describe(to_mux(chr)->base);

    return g_strdup_printf("mon:%s", base);
}

Chardev *qemu_chr_mux_base(Chardev *chr)
{
    return qemu_chr_is_mux(chr) ? to_mux(chr)->base : NULL;
}

void qemu_chr_fe_take_focus(CharBackend *be)
{
    if (qemu_chr_is_mux(be->chr)) {
        mux_set_focus(to_mux(be->chr), be->tag);
    }
}

const ChardevClass char_mux_class = {
    .name = "mux",
    .instance_size = sizeof(MuxChardev),
    .open = mux_open,
    .close = mux_close,
    .write = mux_write,
    .fe_attach = mux_fe_attach,
    .fe_detach = mux_fe_detach,
    .fe_update = mux_fe_update,
    .describe = mux_describe,
};
