/*
 * test-char.c: character backends: spec parsing, null/file/pipe/unix/tcp/stdio backends,
 * flow control, the mux and its Ctrl-A keys, stdin end of input, terminal restore.
 * Sockets are loopback only; every wait is bounded.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "chardev/char.h"
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <termios.h>

#define WAIT_MS 5000 /* upper bound for anything the loop must deliver */

/* A front end recording what it gets. */
typedef struct Fe {
    CharBackend be;
    GString *got;
    int can_read; /* what can_read answers; -1: unlimited */
    int events[CHR_EVENT_MUX_OUT + 1];
    GArray *event_log;
} Fe;

static int fe_can_read(void *opaque)
{
    Fe *fe = opaque;

    return fe->can_read < 0 ? 4096 : fe->can_read;
}

static void fe_read(void *opaque, const uint8_t *buf, int size)
{
    Fe *fe = opaque;

    g_assert_cmpint(size, >, 0);
    g_assert_true(fe->can_read < 0 || size <= fe->can_read);
    g_string_append_len(fe->got, (const char *)buf, size);
    if (fe->can_read >= 0) {
        fe->can_read -= size;
    }
}

static void fe_event(void *opaque, QEMUChrEvent ev)
{
    Fe *fe = opaque;
    int e = ev;

    fe->events[ev]++;
    g_array_append_val(fe->event_log, e);
}

static void fe_attach(Fe *fe, Chardev *chr)
{
    GError *err = NULL;

    memset(fe, 0, sizeof(*fe));
    fe->got = g_string_new("");
    fe->event_log = g_array_new(FALSE, FALSE, sizeof(int));
    fe->can_read = -1;
    g_assert_true(qemu_chr_fe_init(&fe->be, chr, &err));
    g_assert_no_error(err);
    qemu_chr_fe_set_handlers(&fe->be, fe_can_read, fe_read, fe_event, fe);
}

static void fe_detach(Fe *fe)
{
    qemu_chr_fe_deinit(&fe->be);
    g_string_free(fe->got, TRUE);
    g_array_free(fe->event_log, TRUE);
}

static void fe_puts(Fe *fe, const char *s)
{
    g_assert_cmpint(qemu_chr_fe_write_all(&fe->be, (const uint8_t *)s, strlen(s)), ==, strlen(s));
}

/* Runs the loop until cond holds or WAIT_MS passes; returns cond. */
static bool pump_until(bool (*cond)(void *), void *opaque)
{
    int64_t end = g_get_monotonic_time() + WAIT_MS * 1000;

    while (!cond(opaque)) {
        if (g_get_monotonic_time() > end) {
            return false;
        }
        if (!main_loop_wait(true)) {
            g_usleep(1000);
        }
    }
    return true;
}

/* Runs the loop for a few idle rounds (to show something does NOT arrive). */
static void pump_idle(void)
{
    for (int i = 0; i < 50; i++) {
        main_loop_wait(true);
        g_usleep(200);
    }
}

typedef struct GotLen {
    Fe *fe;
    size_t len;
} GotLen;

static bool got_len(void *opaque)
{
    GotLen *g = opaque;

    return g->fe->got->len >= g->len;
}

static void expect_input(Fe *fe, const char *want)
{
    GotLen g = {fe, strlen(want)};

    g_assert_true(pump_until(got_len, &g));
    g_assert_cmpstr(fe->got->str, ==, want);
    g_string_truncate(fe->got, 0);
}

typedef struct EvWait {
    Fe *fe;
    QEMUChrEvent ev;
    int count;
} EvWait;

static bool got_event(void *opaque)
{
    EvWait *w = opaque;

    return w->fe->events[w->ev] >= w->count;
}

static void expect_event(Fe *fe, QEMUChrEvent ev, int count)
{
    EvWait w = {fe, ev, count};

    g_assert_true(pump_until(got_event, &w));
}

static void peer_send(int fd, const char *s)
{
    g_assert_cmpint(write(fd, s, strlen(s)), ==, strlen(s));
}

/* Reads from a peer fd until want bytes came (bounded); returns them. */
static char *peer_recv(int fd, size_t want)
{
    GString *s = g_string_new("");
    int64_t end = g_get_monotonic_time() + WAIT_MS * 1000;

    while (s->len < want && g_get_monotonic_time() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        char buf[256];
        ssize_t n;

        main_loop_wait(true);
        if (poll(&p, 1, 10) <= 0) {
            continue;
        }
        n = read(fd, buf, MIN(sizeof(buf), want - s->len));
        if (n <= 0) {
            break;
        }
        g_string_append_len(s, buf, n);
    }
    return g_string_free(s, FALSE);
}

/* Reads from a peer fd until the text ends with tail (bounded); returns it. */
static char *peer_recv_until(int fd, const char *tail)
{
    GString *s = g_string_new("");
    int64_t end = g_get_monotonic_time() + WAIT_MS * 1000;

    while (!g_str_has_suffix(s->str, tail) && g_get_monotonic_time() < end) {
        g_autofree char *more = peer_recv(fd, 1);
        g_string_append(s, more);
    }
    return g_string_free(s, FALSE);
}

static void expect_output(int fd, const char *want)
{
    g_autofree char *got = peer_recv(fd, strlen(want));

    g_assert_cmpstr(got, ==, want);
}

static char *tmp_dir;

static char *tmp_path(const char *name)
{
    return g_build_filename(tmp_dir, name, NULL);
}

/* --- parsing ------------------------------------------------------------------ */

static void test_parse_serial(void)
{
    ChardevSpec s;
    GError *err = NULL;

    g_assert_true(qemu_chr_parse_spec("stdio", &s, &err));
    g_assert_cmpstr(s.backend, ==, "stdio");
    g_assert_true(s.signal);
    g_assert_false(s.mux);
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_spec("null", &s, &err));
    g_assert_cmpstr(s.backend, ==, "null");
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_spec("file:/tmp/a,b.log", &s, &err));
    g_assert_cmpstr(s.backend, ==, "file");
    g_assert_cmpstr(s.path, ==, "/tmp/a,b.log"); /* the whole rest is the path */
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_spec("pipe:/tmp/p", &s, &err));
    g_assert_cmpstr(s.backend, ==, "pipe");
    g_assert_cmpstr(s.path, ==, "/tmp/p");
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_spec("unix:/tmp/s,server=on,wait=off", &s, &err));
    g_assert_cmpstr(s.backend, ==, "unix");
    g_assert_cmpstr(s.path, ==, "/tmp/s");
    g_assert_true(s.server);
    g_assert_false(s.wait);
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_spec("unix:/tmp/s,server,nowait", &s, &err));
    g_assert_true(s.server);
    g_assert_false(s.wait);
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_spec("unix:/tmp/s,server", &s, &err));
    g_assert_true(s.server);
    g_assert_true(s.wait); /* QEMU's default for a server */
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_spec("unix:/tmp/s", &s, &err));
    g_assert_false(s.server);
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_spec("tcp:127.0.0.1:4444,server=on,wait=off,nodelay", &s, &err));
    g_assert_cmpstr(s.backend, ==, "tcp");
    g_assert_cmpstr(s.host, ==, "127.0.0.1");
    g_assert_cmpint(s.port, ==, 4444);
    g_assert_true(s.server);
    g_assert_false(s.wait);
    g_assert_true(s.nodelay);
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_spec("tcp::5555,server=yes,wait=no", &s, &err));
    g_assert_cmpstr(s.host, ==, "");
    g_assert_cmpint(s.port, ==, 5555);
    g_assert_true(s.server);
    g_assert_false(s.wait);
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_spec("tcp:[::1]:23", &s, &err));
    g_assert_cmpstr(s.host, ==, "::1");
    g_assert_cmpint(s.port, ==, 23);
    g_assert_false(s.server);
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_spec("tcp:localhost:4,reconnect=2", &s, &err));
    g_assert_cmpint(s.reconnect_ms, ==, 2000);
    qemu_chr_spec_free(&s);
    g_assert_true(qemu_chr_parse_spec("unix:/tmp/s,reconnect-ms=15", &s, &err));
    g_assert_cmpint(s.reconnect_ms, ==, 15);
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_spec("mon:stdio", &s, &err));
    g_assert_cmpstr(s.backend, ==, "stdio");
    g_assert_true(s.mux);
    g_assert_false(s.signal); /* Ctrl-C goes to the guest under mon: */
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_spec("mon:tcp:localhost:4,server,nowait", &s, &err));
    g_assert_true(s.mux);
    g_assert_cmpstr(s.backend, ==, "tcp");
    g_assert_cmpstr(s.host, ==, "localhost");
    g_assert_true(s.server);
    qemu_chr_spec_free(&s);
    g_assert_no_error(err);
}

/* Each bad spec fails with a message containing every listed fragment. */
static void expect_spec_error(bool opts, const char *spec, const char *frag1, const char *frag2)
{
    ChardevSpec s;
    GError *err = NULL;
    bool ok = opts ? qemu_chr_parse_opts(spec, &s, &err) : qemu_chr_parse_spec(spec, &s, &err);

    g_assert_false(ok);
    g_assert_nonnull(err);
    if (g_test_verbose()) {
        g_test_message("%s -> %s", spec, err->message);
    }
    g_assert_nonnull(strstr(err->message, frag1));
    if (frag2) {
        g_assert_nonnull(strstr(err->message, frag2));
    }
    g_error_free(err);
}

static void test_parse_errors(void)
{
    expect_spec_error(false, "", "empty", "stdio");
    expect_spec_error(false, "bogus", "unknown character backend", "tcp:HOST:PORT");
    expect_spec_error(false, "udp:1.2.3.4:5", "unknown", "unix:PATH");
    expect_spec_error(false, "tcp:localhost", "missing port", NULL);
    expect_spec_error(false, "tcp:", "missing port", NULL);
    expect_spec_error(false, "unix:", "missing path", NULL);
    expect_spec_error(false, "tcp:localhost:", "missing port", NULL);
    expect_spec_error(false, "tcp:localhost:99999", "bad port", "99999");
    expect_spec_error(false, "tcp:localhost:12x", "bad port", NULL);
    expect_spec_error(false, "tcp:[::1", "missing port", NULL);
    expect_spec_error(false, "unix:/tmp/s,server,frob=1", "unknown option 'frob'",
                      "known: server, wait");
    expect_spec_error(false, "tcp:h:1,path=/x", "unknown option 'path'", "nodelay");
    expect_spec_error(false, "unix:/tmp/s,server=maybe", "'maybe'", "server");
    expect_spec_error(false, "unix:/tmp/s,wait=off", "only applies with server", NULL);
    expect_spec_error(false, "unix:/tmp/s,,server", "empty option", NULL);
    expect_spec_error(false, "unix:,server", "missing path", NULL);
    expect_spec_error(false, "file:", "missing path", NULL);
    expect_spec_error(false, "pipe:", "missing path", NULL);
    expect_spec_error(false, "mon:mon:stdio", "nested", NULL);
    expect_spec_error(false, "tcp::4,server,reconnect=1", "only applies to a client", NULL);
    expect_spec_error(false, "tcp::4,reconnect=-1", "bad reconnect", NULL);
    expect_spec_error(false, "tcp::4,reconnect-ms=x", "bad reconnect-ms", NULL);
    expect_spec_error(false, "tcp::4,reconnect", "needs a value", NULL);
    expect_spec_error(false, "mon:", "unknown", NULL);
}

static void test_parse_opts(void)
{
    ChardevSpec s;
    GError *err = NULL;

    g_assert_true(qemu_chr_parse_opts("socket,id=s0,path=/tmp/x,server=on,wait=off", &s, &err));
    g_assert_cmpstr(s.id, ==, "s0");
    g_assert_cmpstr(s.backend, ==, "unix");
    g_assert_cmpstr(s.path, ==, "/tmp/x");
    g_assert_true(s.server);
    g_assert_false(s.wait);
    qemu_chr_spec_free(&s);

    g_assert_true(
        qemu_chr_parse_opts("socket,id=t,host=127.0.0.1,port=4444,server,nowait", &s, &err));
    g_assert_cmpstr(s.backend, ==, "tcp");
    g_assert_cmpstr(s.host, ==, "127.0.0.1");
    g_assert_cmpint(s.port, ==, 4444);
    g_assert_true(s.server);
    g_assert_false(s.wait);
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_opts("stdio,id=c,mux=on,signal=off", &s, &err));
    g_assert_cmpstr(s.backend, ==, "stdio");
    g_assert_true(s.mux);
    g_assert_false(s.signal);
    qemu_chr_spec_free(&s);

    g_assert_true(qemu_chr_parse_opts("file,id=f,path=/tmp/l,append=on", &s, &err));
    g_assert_true(s.append);
    qemu_chr_spec_free(&s);
    g_assert_no_error(err);

    expect_spec_error(true, "stdio", "missing id", NULL);
    expect_spec_error(true, "udp,id=u", "unknown backend 'udp'",
                      "stdio, null, file, pipe, socket, pty");
    expect_spec_error(true, "", "unknown backend", "socket");
    expect_spec_error(true, "socket,id=s", "needs path=", NULL);
    expect_spec_error(true, "socket,id=s,path=/x,port=3", "either path=", NULL);
    expect_spec_error(true, "socket,id=s,port=70000", "bad port", NULL);
    expect_spec_error(true, "null,id=n,path=/x", "unknown option 'path'", "known: id, mux");
    expect_spec_error(true, "file,id=f", "missing path", NULL);
    expect_spec_error(true, "file,id=f,path", "needs a value", NULL);
}

/* Random specs built from meaningful pieces: parsing never crashes, always decides. */
static void test_parse_fuzz(void)
{
    static const char *const pieces[] = {
        "mon:",    "tcp:",  "unix:", "file:", "pipe:",  "stdio", "null",      "socket", ",",
        ",,",      ":",     "::",    "[",     "]",      "=",     "server",    "wait",   "nowait",
        "nodelay", "on",    "off",   "maybe", "id=",    "path=", "port=",     "host=",  "mux=on",
        "1",       "65535", "65536", "-1",    "/tmp/x", "",      "localhost", "::1",    "0",
    };
    GRand *r = g_rand_new_with_seed(42);

    for (int i = 0; i < 20000; i++) {
        GString *spec = g_string_new("");
        int n = g_rand_int_range(r, 0, 8);
        ChardevSpec s;
        GError *err = NULL;
        bool ok;

        for (int k = 0; k < n; k++) {
            g_string_append(spec, pieces[g_rand_int_range(r, 0, ARRAY_SIZE(pieces))]);
        }
        ok = (i & 1) ? qemu_chr_parse_opts(spec->str, &s, &err)
                     : qemu_chr_parse_spec(spec->str, &s, &err);
        if (ok) {
            g_assert_no_error(err);
            g_assert_nonnull(s.backend);
            g_assert_cmpint(s.port, >=, 0);
            g_assert_cmpint(s.port, <=, 65535);
            qemu_chr_spec_free(&s);
        } else {
            g_assert_nonnull(err);
            g_assert_cmpuint(strlen(err->message), >, 0);
            g_error_free(err);
        }
        g_string_free(spec, TRUE);
    }
    g_rand_free(r);
}

/* --- null and file ------------------------------------------------------------- */

static void test_null(void)
{
    GError *err = NULL;
    Chardev *chr = qemu_chr_new("null0", "null", &err);
    Fe fe;

    g_assert_no_error(err);
    g_assert_true(qemu_chr_find("null0") == chr);
    fe_attach(&fe, chr);
    g_assert_cmpint(fe.events[CHR_EVENT_OPENED], ==, 1);
    g_assert_true(qemu_chr_fe_backend_connected(&fe.be));
    g_assert_cmpint(qemu_chr_fe_write(&fe.be, (const uint8_t *)"abc", 3), ==, 3);
    fe_puts(&fe, "xyz");
    pump_idle();
    g_assert_cmpuint(fe.got->len, ==, 0);

    /* One front end only, unless muxed. */
    CharBackend be2;
    g_assert_false(qemu_chr_fe_init(&be2, chr, &err));
    g_assert_nonnull(strstr(err->message, "already in use"));
    g_clear_error(&err);

    /* A label is unique. */
    g_assert_null(qemu_chr_new("null0", "null", &err));
    g_assert_nonnull(strstr(err->message, "already exists"));
    g_clear_error(&err);

    fe_detach(&fe);
    qemu_chr_delete(chr);
    g_assert_null(qemu_chr_find("null0"));
}

static void test_file(void)
{
    g_autofree char *path = tmp_path("out.txt");
    g_autofree char *spec = g_strdup_printf("file:%s", path);
    g_autofree char *desc = NULL;
    g_autofree char *contents = NULL;
    GError *err = NULL;
    Chardev *chr;
    Fe fe;

    g_assert_true(g_file_set_contents(path, "old contents", -1, NULL));
    chr = qemu_chr_new("file0", spec, &err);
    g_assert_no_error(err);
    desc = qemu_chr_describe(chr);
    g_assert_cmpstr(desc, ==, spec);
    fe_attach(&fe, chr);
    fe_puts(&fe, "hello ");
    g_assert_cmpint(qemu_chr_fe_write(&fe.be, (const uint8_t *)"world\n", 6), ==, 6);
    fe_detach(&fe);
    qemu_chr_delete(chr);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "hello world\n"); /* truncated, then written */
    g_clear_pointer(&contents, g_free);

    /* -chardev file,append=on keeps what is there. */
    g_autofree char *opts = g_strdup_printf("file,id=file1,path=%s,append=on", path);
    chr = qemu_chr_new_from_opts(opts, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(qemu_chr_label(chr), ==, "file1");
    fe_attach(&fe, chr);
    fe_puts(&fe, "more\n");
    fe_detach(&fe);
    qemu_chr_delete(chr);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "hello world\nmore\n");

    /* A file that cannot be created names itself. */
    g_assert_null(qemu_chr_new("file2", "file:/nonexistent-dir/x", &err));
    g_assert_nonnull(strstr(err->message, "/nonexistent-dir/x"));
    g_clear_error(&err);
    g_assert_null(qemu_chr_find("file2"));
}

/* --- pipe ------------------------------------------------------------------------ */

static void test_pipe(void)
{
    g_autofree char *base = tmp_path("fifo");
    g_autofree char *in = g_strdup_printf("%s.in", base);
    g_autofree char *out = g_strdup_printf("%s.out", base);
    g_autofree char *spec = g_strdup_printf("pipe:%s", base);
    GError *err = NULL;
    Chardev *chr;
    int in_fd, out_fd;
    Fe fe;

    g_assert_null(qemu_chr_new("pipe0", spec, &err)); /* no FIFO yet */
    g_assert_nonnull(strstr(err->message, base));
    g_clear_error(&err);

    g_assert_cmpint(mkfifo(in, 0600), ==, 0);
    g_assert_null(qemu_chr_new("pipe0", spec, &err)); /* .in without .out */
    g_assert_nonnull(strstr(err->message, out));
    g_clear_error(&err);
    g_assert_cmpint(mkfifo(out, 0600), ==, 0);
    chr = qemu_chr_new("pipe0", spec, &err);
    g_assert_no_error(err);
    in_fd = open(in, O_WRONLY);
    out_fd = open(out, O_RDONLY | O_NONBLOCK);
    g_assert_cmpint(in_fd, >=, 0);
    g_assert_cmpint(out_fd, >=, 0);
    fe_attach(&fe, chr);

    peer_send(in_fd, "to guest");
    expect_input(&fe, "to guest");
    fe_puts(&fe, "from guest");
    expect_output(out_fd, "from guest");

    /* The writer going away is not an end of input: a new writer is heard. */
    close(in_fd);
    pump_idle();
    in_fd = open(in, O_WRONLY);
    peer_send(in_fd, "again");
    expect_input(&fe, "again");

    close(in_fd);
    close(out_fd);
    fe_detach(&fe);
    qemu_chr_delete(chr);
    unlink(in);
    unlink(out);
}

static void test_pipe_single(void)
{
    g_autofree char *path = tmp_path("fifo1");
    g_autofree char *spec = g_strdup_printf("pipe:%s", path);
    GError *err = NULL;
    Chardev *chr;
    Fe fe;
    int fd;

    g_assert_cmpint(mkfifo(path, 0600), ==, 0);
    chr = qemu_chr_new("pipe1", spec, &err);
    g_assert_no_error(err);
    fd = open(path, O_WRONLY);
    fe_attach(&fe, chr);
    peer_send(fd, "both ways");
    expect_input(&fe, "both ways");
    close(fd);
    fe_detach(&fe);
    qemu_chr_delete(chr);
    unlink(path);
}

/* --- pty --------------------------------------------------------------------------- */

static void test_pty(void)
{
    GError *err = NULL;
    Chardev *chr = qemu_chr_new("pty0", "pty", &err);
    g_autofree char *desc = NULL;
    struct termios t;
    int fd;
    Fe fe;

    g_assert_no_error(err);
    desc = qemu_chr_describe(chr);
    g_assert_true(g_str_has_prefix(desc, "pty:/dev/pts/"));
    fd = open(desc + 4, O_RDWR | O_NOCTTY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(tcgetattr(fd, &t), ==, 0);
    g_assert_false(t.c_lflag & (ICANON | ECHO)); /* raw: bytes pass unchanged */
    fe_attach(&fe, chr);
    g_assert_cmpint(fe.events[CHR_EVENT_OPENED], ==, 1);
    peer_send(fd, "typed\r");
    expect_input(&fe, "typed\r");
    fe_puts(&fe, "shown\n");
    expect_output(fd, "shown\n");
    close(fd);
    fe_puts(&fe, "nobody reads this"); /* buffered or dropped, never blocking */
    fe_detach(&fe);
    qemu_chr_delete(chr);

    ChardevSpec ps;
    g_assert_true(qemu_chr_parse_opts("pty,id=p1,mux=on", &ps, &err));
    g_assert_cmpstr(ps.backend, ==, "pty");
    g_assert_true(ps.mux);
    qemu_chr_spec_free(&ps);
}

/* --- sockets ---------------------------------------------------------------------- */

static int unix_connect_to(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
        close(fd);
        return -1;
    }
    return fd;
}

static int tcp_connect_to(int port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A client connects, talks both ways, leaves; the next one is served. */
static void check_server_sessions(Chardev *chr, int (*connect_fn)(const void *), const void *arg)
{
    Fe fe;
    int fd;

    fe_attach(&fe, chr);
    g_assert_cmpint(fe.events[CHR_EVENT_OPENED], ==, 0);
    /* No client: output is dropped at once, never blocking. */
    fe_puts(&fe, "nobody hears this");

    for (int round = 1; round <= 2; round++) {
        fd = connect_fn(arg);
        g_assert_cmpint(fd, >=, 0);
        expect_event(&fe, CHR_EVENT_OPENED, round);
        peer_send(fd, "ping");
        expect_input(&fe, "ping");
        fe_puts(&fe, "pong");
        expect_output(fd, "pong");
        close(fd);
        expect_event(&fe, CHR_EVENT_CLOSED, round);
        fe_puts(&fe, "dropped");
    }
    fe_detach(&fe);
}

static int connect_unix_cb(const void *arg)
{
    return unix_connect_to(arg);
}

static int connect_tcp_cb(const void *arg)
{
    return tcp_connect_to(*(const int *)arg);
}

static void test_unix_server(void)
{
    g_autofree char *path = tmp_path("sock");
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    g_autofree char *desc = NULL;
    GError *err = NULL;
    Chardev *chr = qemu_chr_new("unix0", spec, &err);

    g_assert_no_error(err);
    desc = qemu_chr_describe(chr);
    g_assert_true(g_str_has_prefix(desc, "disconnected:unix:"));
    check_server_sessions(chr, connect_unix_cb, path);
    qemu_chr_delete(chr);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS)); /* the socket is cleaned up */
}

static void test_unix_server_old_syntax(void)
{
    g_autofree char *path = tmp_path("sock-old");
    g_autofree char *spec = g_strdup_printf("unix:%s,server,nowait", path);
    GError *err = NULL;
    Chardev *chr;

    /* A stale socket from an earlier run is replaced; a regular file is not. */
    g_assert_true(g_file_set_contents(path, "x", -1, NULL));
    g_assert_null(qemu_chr_new("unix1", spec, &err));
    g_assert_nonnull(strstr(err->message, "not a socket"));
    g_clear_error(&err);
    unlink(path);

    chr = qemu_chr_new("unix1", spec, &err);
    g_assert_no_error(err);
    qemu_chr_delete(chr);
    chr = qemu_chr_new("unix1", spec, &err);
    g_assert_no_error(err);
    check_server_sessions(chr, connect_unix_cb, path);
    qemu_chr_delete(chr);
}

typedef struct Connector {
    const char *path;
    int fd;
} Connector;

static gpointer connector_thread(gpointer opaque)
{
    Connector *c = opaque;

    for (int i = 0; i < WAIT_MS / 5 && c->fd < 0; i++) {
        c->fd = unix_connect_to(c->path);
        if (c->fd < 0) {
            g_usleep(5000);
        }
    }
    return NULL;
}

static void test_unix_server_wait(void)
{
    g_autofree char *path = tmp_path("sock-wait");
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on", path);
    Connector c = {path, -1};
    GError *err = NULL;
    GThread *t = g_thread_new("connector", connector_thread, &c);
    Chardev *chr = qemu_chr_new("unixw", spec, &err); /* blocks until c connects */
    Fe fe;

    g_thread_join(t);
    g_assert_no_error(err);
    g_assert_cmpint(c.fd, >=, 0);
    fe_attach(&fe, chr);
    g_assert_cmpint(fe.events[CHR_EVENT_OPENED], ==, 1); /* connected before we attached */
    fe_puts(&fe, "hi");
    expect_output(c.fd, "hi");
    close(c.fd);
    expect_event(&fe, CHR_EVENT_CLOSED, 1);
    fe_detach(&fe);
    qemu_chr_delete(chr);
}

/* A signal ends the wait for a first client with an error (the loop cannot run yet). */
static void test_unix_server_wait_signal(void)
{
    g_autofree char *path = tmp_path("sock-sig");
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=on", path);
    GString *said = g_string_new("");
    int logpipe[2], status;
    pid_t pid;

    g_assert_cmpint(pipe(logpipe), ==, 0);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (!pid) {
        GError *err = NULL;

        dup2(logpipe[1], STDERR_FILENO);
        if (qemu_chr_new("unixsig", spec, &err)) {
            _exit(1);
        }
        _exit(strstr(err->message, "interrupted by signal 15") ? 0 : 2);
    }
    close(logpipe[1]);
    while (!strstr(said->str, "waiting for a connection")) {
        struct pollfd p = {.fd = logpipe[0], .events = POLLIN};
        char buf[256];
        ssize_t n;

        g_assert_cmpint(poll(&p, 1, WAIT_MS), ==, 1);
        n = read(logpipe[0], buf, sizeof(buf));
        g_assert_cmpint(n, >, 0);
        g_string_append_len(said, buf, n);
    }
    kill(pid, SIGTERM);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    close(logpipe[0]);
    g_string_free(said, TRUE);
    unlink(path);
}

static void test_unix_client(void)
{
    g_autofree char *path = tmp_path("sock-srv");
    g_autofree char *spec = g_strdup_printf("unix:%s", path);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    GError *err = NULL;
    int lfd, fd;
    Chardev *chr;
    Fe fe;

    g_assert_null(qemu_chr_new("unixc", spec, &err));
    g_assert_nonnull(strstr(err->message, path));
    g_clear_error(&err);

    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    g_assert_cmpint(listen(lfd, 1), ==, 0);
    chr = qemu_chr_new("unixc", spec, &err);
    g_assert_no_error(err);
    fd = accept(lfd, NULL, NULL);
    fe_attach(&fe, chr);
    g_assert_cmpint(fe.events[CHR_EVENT_OPENED], ==, 1);
    peer_send(fd, "abc");
    expect_input(&fe, "abc");
    fe_puts(&fe, "def");
    expect_output(fd, "def");
    close(fd);
    expect_event(&fe, CHR_EVENT_CLOSED, 1);
    fe_puts(&fe, "gone"); /* dropped, no SIGPIPE */
    fe_detach(&fe);
    qemu_chr_delete(chr);
    close(lfd);
    unlink(path);
}

static void test_unix_path_too_long(void)
{
    g_autofree char *longname = g_strnfill(200, 'x');
    g_autofree char *spec = g_strdup_printf("unix:/tmp/%s,server,nowait", longname);
    GError *err = NULL;

    g_assert_null(qemu_chr_new("unixl", spec, &err));
    g_assert_nonnull(strstr(err->message, "too long"));
    g_clear_error(&err);
}

static void test_tcp_server(void)
{
    GError *err = NULL;
    Chardev *chr = qemu_chr_new("tcp0", "tcp:127.0.0.1:0,server=on,wait=off", &err);
    g_autofree char *desc = NULL;
    int port;

    g_assert_no_error(err);
    port = qemu_chr_socket_port(chr);
    g_assert_cmpint(port, >, 0);
    desc = qemu_chr_describe(chr);
    g_autofree char *want = g_strdup_printf("disconnected:tcp:127.0.0.1:%d,server=on", port);
    g_assert_cmpstr(desc, ==, want);
    check_server_sessions(chr, connect_tcp_cb, &port);
    qemu_chr_delete(chr);

    /* The port is free again; the old syntax binds it. */
    g_autofree char *spec = g_strdup_printf("tcp:127.0.0.1:%d,server,nowait,nodelay", port);
    chr = qemu_chr_new("tcp0", spec, &err);
    g_assert_no_error(err);
    g_assert_cmpint(qemu_chr_socket_port(chr), ==, port);
    check_server_sessions(chr, connect_tcp_cb, &port);

    /* IPv6 loopback, where the host has it: the description keeps the brackets. */
    Chardev *v6 = qemu_chr_new("tcp6", "tcp:[::1]:0,server=on,wait=off", &err);
    if (v6) {
        g_autofree char *d6 = qemu_chr_describe(v6);
        g_autofree char *w6 =
            g_strdup_printf("disconnected:tcp:[::1]:%d,server=on", qemu_chr_socket_port(v6));
        g_assert_cmpstr(d6, ==, w6);
        qemu_chr_delete(v6);
    } else {
        g_test_message("no IPv6 loopback: %s", err->message);
        g_clear_error(&err);
    }

    /* A second server on the same port fails, naming it. */
    g_assert_null(qemu_chr_new("tcp1", spec, &err));
    g_assert_nonnull(strstr(err->message, "listen on"));
    g_clear_error(&err);
    qemu_chr_delete(chr);
}

/* Listens on 127.0.0.1:*port (0: any free port, stored back). */
static int tcp_listener(int *port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(*port)};
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;

    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
    *port = ntohs(sin.sin_port);
    return fd;
}

static void test_tcp_client(void)
{
    GError *err = NULL;
    int port = 0, lfd = tcp_listener(&port), fd;
    g_autofree char *spec = g_strdup_printf("tcp:127.0.0.1:%d", port);
    Chardev *chr = qemu_chr_new("tcpc", spec, &err);
    Fe fe;

    g_assert_no_error(err);
    fd = accept(lfd, NULL, NULL);
    g_assert_cmpint(fd, >=, 0);
    fe_attach(&fe, chr);
    g_assert_cmpint(fe.events[CHR_EVENT_OPENED], ==, 1);
    peer_send(fd, "login: ");
    expect_input(&fe, "login: ");
    fe_puts(&fe, "root\n");
    expect_output(fd, "root\n");
    close(fd);
    expect_event(&fe, CHR_EVENT_CLOSED, 1);
    fe_detach(&fe);
    qemu_chr_delete(chr);

    /* Nobody listening: a clear error. */
    close(lfd);
    g_assert_null(qemu_chr_new("tcpc", spec, &err));
    g_assert_nonnull(strstr(err->message, "connect to"));
    g_clear_error(&err);
}

/* reconnect-ms: a client that found nobody, or lost its server, tries again. */
static void test_tcp_client_reconnect(void)
{
    GError *err = NULL;
    int port = 0, lfd = tcp_listener(&port), fd;
    g_autofree char *spec = g_strdup_printf("tcp:127.0.0.1:%d,reconnect-ms=10", port);
    g_autofree char *desc = NULL;
    Chardev *chr;
    Fe fe;

    close(lfd); /* nobody listens: not an error with reconnect */
    chr = qemu_chr_new("tcpr", spec, &err);
    g_assert_no_error(err);
    desc = qemu_chr_describe(chr);
    g_assert_true(g_str_has_prefix(desc, "disconnected:tcp:127.0.0.1:"));
    fe_attach(&fe, chr);
    fe_puts(&fe, "dropped while disconnected");
    pump_idle();
    g_assert_cmpint(fe.events[CHR_EVENT_OPENED], ==, 0);

    for (int round = 1; round <= 2; round++) {
        if (round == 1) {
            lfd = tcp_listener(&port); /* the server comes up */
        }
        expect_event(&fe, CHR_EVENT_OPENED, round);
        fd = accept(lfd, NULL, NULL);
        g_assert_cmpint(fd, >=, 0);
        peer_send(fd, "hello");
        expect_input(&fe, "hello");
        fe_puts(&fe, "back");
        expect_output(fd, "back");
        close(fd); /* the server drops us: we come back */
        expect_event(&fe, CHR_EVENT_CLOSED, round);
    }
    close(lfd);
    fe_detach(&fe);
    qemu_chr_delete(chr); /* with a retry pending */
}

static void test_unix_client_reconnect(void)
{
    g_autofree char *path = tmp_path("sock-later");
    g_autofree char *spec = g_strdup_printf("unix:%s,reconnect=1", path);
    g_autofree char *srv = g_strdup_printf("unix:%s,server=on,wait=off", path);
    GError *err = NULL;
    Chardev *chr = qemu_chr_new("unixr", spec, &err), *server;
    Fe fe, sfe;

    g_assert_no_error(err);
    fe_attach(&fe, chr);
    server = qemu_chr_new("unixr-srv", srv, &err); /* tern talking to itself */
    g_assert_no_error(err);
    fe_attach(&sfe, server);
    expect_event(&fe, CHR_EVENT_OPENED, 1); /* within the 1 s retry */
    expect_event(&sfe, CHR_EVENT_OPENED, 1);
    fe_puts(&fe, "client to server");
    expect_input(&sfe, "client to server");
    fe_puts(&sfe, "and back");
    expect_input(&fe, "and back");
    fe_detach(&sfe);
    fe_detach(&fe);
    qemu_chr_delete(chr);
    qemu_chr_delete(server);
}

/* A peer that never reads: writes return at once, bounded, and the VM goes on. */
static void test_socket_stuck_peer(void)
{
    GError *err = NULL;
    Chardev *chr = qemu_chr_new("tcps", "tcp:127.0.0.1:0,server=on,wait=off", &err);
    int port = qemu_chr_socket_port(chr);
    const int chunks = 4096; /* 16 MiB, far beyond socket buffer plus CHR_OUT_BUF_MAX */
    uint8_t chunk[4096];
    int64_t got = 0, t0, idle_since;
    int fd;
    Fe fe;

    g_assert_no_error(err);
    fe_attach(&fe, chr);
    fd = tcp_connect_to(port);
    expect_event(&fe, CHR_EVENT_OPENED, 1);
    t0 = g_get_monotonic_time();
    for (int i = 0; i < chunks; i++) {
        for (size_t j = 0; j < sizeof(chunk); j++) {
            chunk[j] = (i * sizeof(chunk) + j) % 251;
        }
        g_assert_cmpint(qemu_chr_fe_write(&fe.be, chunk, sizeof(chunk)), ==, sizeof(chunk));
    }
    g_assert_cmpint(g_get_monotonic_time() - t0, <, WAIT_MS * 1000);
    pump_idle(); /* the write watch waits quietly for the peer */

    /* The reader catches up: it gets a prefix of the stream, in order; the rest was dropped. */
    idle_since = g_get_monotonic_time();
    while (g_get_monotonic_time() - idle_since < 200 * 1000) {
        uint8_t buf[65536];
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

        if (n > 0) {
            for (ssize_t k = 0; k < n; k++) {
                g_assert_cmpint(buf[k], ==, (got + k) % 251);
            }
            got += n;
            idle_since = g_get_monotonic_time();
        } else {
            main_loop_wait(true);
            g_usleep(100);
        }
    }
    g_assert_cmpint(got, >=, CHR_OUT_BUF_MAX);
    g_assert_cmpint(got, <, (int64_t)chunks * sizeof(chunk));

    /* Once drained, output flows again. */
    fe_puts(&fe, "END");
    expect_output(fd, "END");
    close(fd);
    expect_event(&fe, CHR_EVENT_CLOSED, 1);

    /* write_all (what a UART may use per byte) waits for a stuck peer once, not per call. */
    fd = tcp_connect_to(port);
    expect_event(&fe, CHR_EVENT_OPENED, 2);
    memset(chunk, 'w', sizeof(chunk));
    t0 = g_get_monotonic_time();
    for (int i = 0; i < chunks; i++) {
        g_assert_cmpint(qemu_chr_fe_write_all(&fe.be, chunk, sizeof(chunk)), ==, sizeof(chunk));
    }
    g_assert_cmpint(g_get_monotonic_time() - t0, <, WAIT_MS * 1000);
    close(fd);
    expect_event(&fe, CHR_EVENT_CLOSED, 2);
    fe_detach(&fe);
    qemu_chr_delete(chr);
}

/* A peer gone while the front end is not reading: the failed write notices it. */
static void test_socket_write_to_gone_peer(void)
{
    GError *err = NULL;
    Chardev *chr = qemu_chr_new("gone", "tcp:127.0.0.1:0,server=on,wait=off", &err);
    int64_t end = g_get_monotonic_time() + WAIT_MS * 1000;
    int fd;
    Fe fe;

    g_assert_no_error(err);
    fe_attach(&fe, chr);
    fd = tcp_connect_to(qemu_chr_socket_port(chr));
    expect_event(&fe, CHR_EVENT_OPENED, 1);
    fe.can_read = 0; /* no reads, so no end of file seen */
    close(fd);
    pump_idle();
    g_assert_cmpint(fe.events[CHR_EVENT_CLOSED], ==, 0);
    while (!fe.events[CHR_EVENT_CLOSED] && g_get_monotonic_time() < end) {
        fe_puts(&fe, "anyone?"); /* RST, then EPIPE: no SIGPIPE, no error to the caller */
        main_loop_wait(true);
    }
    g_assert_cmpint(fe.events[CHR_EVENT_CLOSED], ==, 1);

    /* and the server takes the next client */
    fe.can_read = -1;
    fd = tcp_connect_to(qemu_chr_socket_port(chr));
    expect_event(&fe, CHR_EVENT_OPENED, 2);
    close(fd);
    fe_detach(&fe);
    qemu_chr_delete(chr);
}

typedef struct VcpuWriter {
    CharBackend *be;
    int chunks;
} VcpuWriter;

/* Plays a vCPU thread: takes the BQL for each "UART" write, as an exit would. */
static gpointer vcpu_writer(gpointer opaque)
{
    VcpuWriter *w = opaque;
    uint8_t chunk[64];

    for (int i = 0; i < w->chunks; i++) {
        for (size_t j = 0; j < sizeof(chunk); j++) {
            chunk[j] = (i * sizeof(chunk) + j) % 253;
        }
        bql_lock();
        g_assert_cmpint(qemu_chr_fe_write(w->be, chunk, sizeof(chunk)), ==, sizeof(chunk));
        bql_unlock();
    }
    return NULL;
}

static QEMUTimer *tick_timer;

static void tick(void *opaque)
{
    timer_mod(tick_timer, qemu_clock_get_ns(QEMU_CLOCK_REALTIME) + 5 * SCALE_MS);
}

/* Writes from another thread (with the BQL) while the loop runs: all arrive, in order. */
static void test_write_from_vcpu_thread(void)
{
    GError *err = NULL;
    Chardev *chr = qemu_chr_new("vcpu", "tcp:127.0.0.1:0,server=on,wait=off", &err);
    VcpuWriter w = {NULL, 4096}; /* 256 KiB: within what loopback buffers, nothing dropped */
    int64_t got = 0, end = g_get_monotonic_time() + WAIT_MS * 1000;
    GThread *th;
    int fd;
    Fe fe;

    g_assert_no_error(err);
    fe_attach(&fe, chr);
    fd = tcp_connect_to(qemu_chr_socket_port(chr));
    expect_event(&fe, CHR_EVENT_OPENED, 1);
    w.be = &fe.be;
    tick_timer = timer_new_ns(QEMU_CLOCK_REALTIME, tick, NULL);
    tick(NULL); /* keeps main_loop_wait(false) from sleeping for long */
    th = g_thread_new("vcpu", vcpu_writer, &w);
    while (got < (int64_t)w.chunks * 64 && g_get_monotonic_time() < end) {
        uint8_t buf[65536];
        ssize_t n;

        main_loop_wait(false); /* drops the BQL while it waits: the writer gets in */
        while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
            for (ssize_t k = 0; k < n; k++) {
                g_assert_cmpint(buf[k], ==, (got + k) % 253);
            }
            got += n;
        }
    }
    bql_unlock();
    g_thread_join(th);
    bql_lock();
    g_assert_cmpint(got, ==, (int64_t)w.chunks * 64);
    timer_free(tick_timer);
    close(fd);
    fe_detach(&fe);
    qemu_chr_delete(chr);
}

/* --- flow control ---------------------------------------------------------------- */

static void test_flow_control(void)
{
    GError *err = NULL;
    Chardev *chr = qemu_chr_new("flow", "tcp:127.0.0.1:0,server=on,wait=off", &err);
    int fd;
    Fe fe;

    g_assert_no_error(err);
    fe_attach(&fe, chr);
    fd = tcp_connect_to(qemu_chr_socket_port(chr));
    expect_event(&fe, CHR_EVENT_OPENED, 1);

    fe.can_read = 0;
    peer_send(fd, "0123456789abcdef");
    pump_idle();
    g_assert_cmpuint(fe.got->len, ==, 0); /* held while can_read is 0 */

    fe.can_read = 4;
    qemu_chr_fe_accept_input(&fe.be);
    g_assert_cmpuint(fe.got->len, ==, 0); /* delivered from the main loop, not from here */
    expect_input(&fe, "0123");
    pump_idle();
    g_assert_cmpuint(fe.got->len, ==, 0); /* exactly what was allowed */

    fe.can_read = 100;
    qemu_chr_fe_accept_input(&fe.be);
    expect_input(&fe, "456789abcdef");

    close(fd);
    expect_event(&fe, CHR_EVENT_CLOSED, 1);
    fe_detach(&fe);
    qemu_chr_delete(chr);
}

/* --- mux --------------------------------------------------------------------------- */

typedef struct MuxFixture {
    Chardev *chr;
    int peer;
    Fe a, b; /* a: the UART (first, focused), b: the monitor */
} MuxFixture;

static void mux_setup(MuxFixture *f, const char *label)
{
    GError *err = NULL;

    f->chr = qemu_chr_new(label, "mon:tcp:127.0.0.1:0,server=on,wait=off", &err);
    g_assert_no_error(err);
    g_assert_true(qemu_chr_is_mux(f->chr));
    fe_attach(&f->a, f->chr);
    fe_attach(&f->b, f->chr);
    g_assert_cmpint(qemu_chr_socket_port(f->chr), >, 0);
    f->peer = tcp_connect_to(qemu_chr_socket_port(f->chr));
    expect_event(&f->a, CHR_EVENT_OPENED, 1);
    expect_event(&f->b, CHR_EVENT_OPENED, 1);
}

static void mux_teardown(MuxFixture *f)
{
    close(f->peer);
    fe_detach(&f->b);
    fe_detach(&f->a);
    qemu_chr_delete(f->chr);
}

static void test_mux_switch(void)
{
    MuxFixture f;

    mux_setup(&f, "mux0");
    g_assert_cmpint(f.a.events[CHR_EVENT_MUX_IN], ==, 1); /* the first has the focus */
    g_assert_cmpint(f.b.events[CHR_EVENT_MUX_IN], ==, 0);

    peer_send(f.peer, "to uart");
    expect_input(&f.a, "to uart");

    peer_send(f.peer, "\x01"
                      "c"
                      "to monitor");
    expect_input(&f.b, "to monitor");
    g_assert_cmpuint(f.a.got->len, ==, 0);
    g_assert_cmpint(f.a.events[CHR_EVENT_MUX_OUT], ==, 1);
    g_assert_cmpint(f.b.events[CHR_EVENT_MUX_IN], ==, 1);

    peer_send(f.peer, "\x01"
                      "cback");
    expect_input(&f.a, "back");
    g_assert_cmpint(f.b.events[CHR_EVENT_MUX_OUT], ==, 1);
    g_assert_cmpint(f.a.events[CHR_EVENT_MUX_IN], ==, 2);

    /* Both front ends write to the one backend. */
    fe_puts(&f.a, "uart says ");
    fe_puts(&f.b, "monitor says");
    expect_output(f.peer, "uart says monitor says");

    /* The program can move the focus too. */
    qemu_chr_fe_take_focus(&f.b.be);
    peer_send(f.peer, "m");
    expect_input(&f.b, "m");
    mux_teardown(&f);
}

static void test_mux_keys(void)
{
    MuxFixture f;
    int status = -1;

    mux_setup(&f, "mux1");
    peer_send(f.peer, "\x01"
                      "a");
    expect_input(&f.a, "\x01");
    peer_send(f.peer, "\x01\x01");
    expect_input(&f.a, "\x01");

    peer_send(f.peer, "\x01"
                      "b");
    expect_event(&f.a, CHR_EVENT_BREAK, 1);
    g_assert_cmpint(f.b.events[CHR_EVENT_BREAK], ==, 0);

    /* Unknown keys are swallowed, and an escape split across reads still works. */
    peer_send(f.peer, "\x01"
                      "z"
                      "ok\x01");
    expect_input(&f.a, "ok");
    peer_send(f.peer, "a");
    expect_input(&f.a, "\x01");

    peer_send(f.peer, "\x01"
                      "h");
    g_autofree char *help = peer_recv_until(f.peer, "C-a\r\n\r\n");
    g_assert_nonnull(strstr(help, "C-a x"));
    g_assert_nonnull(strstr(help, "C-a c"));
    g_assert_nonnull(strstr(help, "C-a h"));
    g_assert_nonnull(strstr(help, "C-a b"));
    g_assert_nonnull(strstr(help, "C-a a"));

    g_assert_false(qemu_shutdown_requested(&status));
    peer_send(f.peer, "\x01"
                      "x");
    g_autofree char *bye = peer_recv(f.peer, 10);
    g_assert_true(g_str_has_prefix(bye, "tern: term"));
    g_assert_true(qemu_shutdown_requested(&status));
    g_assert_cmpint(status, ==, 0);
    g_assert_true(main_loop_should_exit(&status)); /* consume it */
    g_assert_false(qemu_shutdown_requested(&status));
    g_assert_cmpuint(f.a.got->len, ==, 0);
    mux_teardown(&f);
}

/* Escapes still work while the focused front end is not reading. */
static void test_mux_flow_control(void)
{
    MuxFixture f;

    mux_setup(&f, "mux2");
    f.a.can_read = 0;
    peer_send(f.peer, "held");
    pump_idle();
    g_assert_cmpuint(f.a.got->len, ==, 0);
    peer_send(f.peer, "\x01"
                      "cmon");
    expect_input(&f.b, "mon");
    peer_send(f.peer, "\x01"
                      "c");
    expect_event(&f.a, CHR_EVENT_MUX_IN, 2);
    f.a.can_read = 2;
    qemu_chr_fe_accept_input(&f.a.be);
    g_assert_cmpuint(f.a.got->len, ==, 0); /* delivered from the main loop, not from here */
    expect_input(&f.a, "he");
    f.a.can_read = -1;
    qemu_chr_fe_accept_input(&f.a.be);
    expect_input(&f.a, "ld");
    mux_teardown(&f);
}

/*
 * Random keys and data in random chunks while the front ends stall and resume: what each
 * receives matches a model of the escapes (nothing lost, nothing reordered).
 */
static void test_mux_random(void)
{
    static const char alphabet[] = {'\x01', 'c', 'b', 'a', 'h', 'x', 'z', 'A', '\x03'};
    GRand *r = g_rand_new_with_seed(7);
    GString *want[2] = {
        g_string_new(""),
        g_string_new(""),
    };
    int focus = 0, breaks[2] = {0, 0}, status;
    bool esc = false;
    MuxFixture f;

    mux_setup(&f, "muxr");
    for (int round = 0; round < 300; round++) {
        char chunk[8];
        int n = g_rand_int_range(r, 1, sizeof(chunk));

        for (int k = 0; k < n; k++) {
            char ch = alphabet[g_rand_int_range(r, 0, sizeof(alphabet))];

            chunk[k] = ch;
            if (esc) {
                esc = false;
                if (ch == 'c') {
                    focus ^= 1;
                } else if (ch == 'b') {
                    breaks[focus]++;
                } else if (ch == 'a' || ch == '\x01') {
                    g_string_append_c(want[focus], '\x01');
                }
            } else if (ch == '\x01') {
                esc = true;
            } else {
                g_string_append_c(want[focus], ch);
            }
        }
        g_assert_cmpint(write(f.peer, chunk, n), ==, n);
        f.a.can_read = g_rand_int_range(r, -1, 4);
        f.b.can_read = g_rand_int_range(r, -1, 4);
        qemu_chr_fe_accept_input(&f.a.be);
        qemu_chr_fe_accept_input(&f.b.be);
        for (int k = 0; k < 5; k++) {
            main_loop_wait(true);
        }
    }
    f.a.can_read = f.b.can_read = -1;
    qemu_chr_fe_accept_input(&f.a.be);
    qemu_chr_fe_accept_input(&f.b.be);
    GotLen ga = {&f.a, want[0]->len}, gb = {&f.b, want[1]->len};
    g_assert_true(pump_until(got_len, &ga));
    g_assert_true(pump_until(got_len, &gb));
    pump_idle();
    g_assert_cmpstr(f.a.got->str, ==, want[0]->str);
    g_assert_cmpstr(f.b.got->str, ==, want[1]->str);
    g_assert_cmpint(f.a.events[CHR_EVENT_BREAK], ==, breaks[0]);
    g_assert_cmpint(f.b.events[CHR_EVENT_BREAK], ==, breaks[1]);
    main_loop_should_exit(&status); /* the C-a x presses asked for a shutdown */
    mux_teardown(&f);
    g_string_free(want[0], TRUE);
    g_string_free(want[1], TRUE);
    g_rand_free(r);
}

/* A guest that never reads cannot lock the user in: C-a x works past a full buffer. */
static void test_mux_quit_when_stuck(void)
{
    char junk[6000];
    MuxFixture f;
    int status;

    mux_setup(&f, "muxq");
    f.a.can_read = 0;
    memset(junk, 'j', sizeof(junk));
    g_assert_cmpint(write(f.peer, junk, sizeof(junk)), ==, sizeof(junk));
    peer_send(f.peer, "\x01x");
    g_autofree char *bye = peer_recv_until(f.peer, "C-a x\r\n");
    g_assert_true(qemu_shutdown_requested(&status));
    g_assert_true(main_loop_should_exit(&status));

    /* What fit in the buffer is still there, in order; the overrun was dropped. */
    f.a.can_read = -1;
    qemu_chr_fe_accept_input(&f.a.be);
    pump_idle();
    g_assert_cmpuint(f.a.got->len, >, 0);
    g_assert_cmpuint(f.a.got->len, <, sizeof(junk));
    g_assert_cmpuint(strspn(f.a.got->str, "j"), ==, f.a.got->len);
    mux_teardown(&f);
}

static void test_mux_limits(void)
{
    GError *err = NULL;
    Chardev *chr = qemu_chr_new("mux3", "mon:null", &err);
    CharBackend be[MAX_MUX + 1];
    g_autofree char *desc = qemu_chr_describe(chr);

    g_assert_no_error(err);
    g_assert_cmpstr(desc, ==, "mon:null");
    g_autofree char *info = qemu_chr_info();
    g_assert_nonnull(strstr(info, "mux3: filename=mon:null\n"));
    for (int i = 0; i < MAX_MUX; i++) {
        g_assert_true(qemu_chr_fe_init(&be[i], chr, &err));
        g_assert_cmpint(be[i].tag, ==, i);
    }
    g_assert_false(qemu_chr_fe_init(&be[MAX_MUX], chr, &err));
    g_assert_nonnull(strstr(err->message, "mux3"));
    g_clear_error(&err);
    qemu_chr_fe_deinit(&be[0]);
    g_assert_null(be[0].chr);

    /* Deleted with front ends attached (exit): they are cut loose, not left dangling. */
    qemu_chr_delete(chr);
    for (int i = 1; i < MAX_MUX; i++) {
        g_assert_null(be[i].chr);
        g_assert_false(qemu_chr_fe_backend_connected(&be[i]));
        g_assert_cmpint(qemu_chr_fe_write(&be[i], (const uint8_t *)"x", 1), ==, 1);
        qemu_chr_fe_deinit(&be[i]);
    }
    chr = qemu_chr_new("null5", "null", &err);
    g_assert_true(qemu_chr_fe_init(&be[0], chr, &err));
    qemu_chr_delete(chr);
    g_assert_null(be[0].chr);
    qemu_chr_fe_deinit(&be[0]);

    /* A bad inner backend fails the mux, naming the problem. */
    g_assert_null(qemu_chr_new("mux4", "mon:tcp:localhost", &err));
    g_assert_nonnull(strstr(err->message, "missing port"));
    g_clear_error(&err);
}

static int count_fds(void)
{
    GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
    int n = 0;

    g_assert_nonnull(d);
    while (g_dir_read_name(d)) {
        n++;
    }
    g_dir_close(d);
    return n;
}

/* Creating and deleting every kind of backend, with sessions, leaves no fd behind. */
static void test_no_fd_leak(void)
{
    g_autofree char *file = tmp_path("leak.txt");
    g_autofree char *fifo = tmp_path("leak-fifo");
    g_autofree char *sock = tmp_path("leak-sock");
    char *specs[] = {
        g_strdup("null"),
        g_strdup("pty"),
        g_strdup_printf("file:%s", file),
        g_strdup_printf("pipe:%s", fifo),
        g_strdup_printf("unix:%s,server=on,wait=off", sock),
        g_strdup("tcp:127.0.0.1:0,server=on,wait=off"),
        g_strdup_printf("mon:unix:%s,server=on,wait=off", sock),
        g_strdup("mon:tcp:127.0.0.1:0,server=on,wait=off"),
    };
    int before;

    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    before = count_fds();
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
            GError *err = NULL;
            Chardev *chr = qemu_chr_new("leak", specs[i], &err);
            int port = chr ? qemu_chr_socket_port(chr) : -1;
            int fd = -1;
            Fe fe;

            g_assert_no_error(err);
            fe_attach(&fe, chr);
            if (port > 0) {
                fd = tcp_connect_to(port);
            } else if (strstr(specs[i], "unix:")) {
                fd = unix_connect_to(sock);
            }
            if (fd >= 0) {
                expect_event(&fe, CHR_EVENT_OPENED, 1);
                fe_puts(&fe, "x");
                expect_output(fd, "x");
                if (round == 1) { /* the peer leaves first, or tern does */
                    close(fd);
                    expect_event(&fe, CHR_EVENT_CLOSED, 1);
                    fd = -1;
                }
            }
            fe_detach(&fe);
            qemu_chr_delete(chr);
            if (fd >= 0) {
                close(fd);
            }
        }
    }
    g_assert_cmpint(count_fds(), ==, before);
    unlink(fifo);
    unlink(file);
    for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
        g_free(specs[i]);
    }
}

/* --- stdio: end of input, terminal -------------------------------------------------- */

static void test_stdio_eof(void)
{
    int in[2], out[2];
    GError *err = NULL;
    Chardev *chr;
    int status;
    Fe fe;

    g_assert_cmpint(pipe(in), ==, 0);
    g_assert_cmpint(pipe(out), ==, 0);
    chr = qemu_chr_new_stdio_fds("stdio-eof", in[0], out[1], true, &err);
    g_assert_no_error(err);
    fe_attach(&fe, chr);
    peer_send(in[1], "script line\n");
    expect_input(&fe, "script line\n");
    close(in[1]); /* end of input, as with </dev/null or a script */
    pump_idle();
    for (int i = 0; i < 10; i++) {
        g_assert_false(main_loop_wait(true)); /* nothing left watching stdin: no busy loop */
    }
    g_assert_false(qemu_shutdown_requested(&status));
    g_assert_cmpint(fe.events[CHR_EVENT_CLOSED], ==, 0);
    fe_puts(&fe, "still writing");
    expect_output(out[0], "still writing");
    fe_detach(&fe);
    qemu_chr_delete(chr);
    close(in[0]);
    close(out[0]);
    close(out[1]);
}

/* The real stdio backend with stdin at /dev/null (g_test's default for a subprocess). */
static void test_stdio_devnull(void)
{
    if (g_test_subprocess()) {
        GError *err = NULL;
        Chardev *chr = qemu_chr_new("stdio0", "stdio", &err);
        Fe fe;

        g_assert_no_error(err);
        g_assert_null(qemu_chr_new("stdio1", "mon:stdio", &err)); /* one owner of stdio */
        g_assert_nonnull(strstr(err->message, "already used"));
        g_clear_error(&err);
        fe_attach(&fe, chr);
        fe_puts(&fe, "guest output\n");
        pump_idle();
        for (int i = 0; i < 10; i++) {
            g_assert_false(main_loop_wait(true));
        }
        g_assert_false(qemu_shutdown_requested(NULL));
        fe_puts(&fe, "after eof\n");
        fe_detach(&fe);
        qemu_chr_delete(chr);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout("guest output\nafter eof\n");
}

/* Child side of test_stdio_mux_pty: exit codes say what went wrong. */
static void mux_pty_child(int slave, int sync_fd)
{
    struct termios t;
    GError *err = NULL;
    Chardev *chr;
    Fe a, b;

    setsid();
    ioctl(slave, TIOCSCTTY, 0);
    dup2(slave, STDIN_FILENO);
    dup2(slave, STDOUT_FILENO);
    chr = qemu_chr_new("ptymux", "mon:stdio", &err);
    if (!chr) {
        _exit(20);
    }
    tcgetattr(STDIN_FILENO, &t);
    if (t.c_lflag & (ICANON | ECHO | ISIG)) {
        _exit(21); /* raw, and Ctrl-C belongs to the guest under mon: */
    }
    fe_attach(&a, chr);
    fe_attach(&b, chr);
    if (write(sync_fd, "R", 1) != 1) {
        _exit(22);
    }
    for (int i = 0; i < WAIT_MS && !qemu_shutdown_requested(NULL); i++) {
        if (!main_loop_wait(true)) {
            g_usleep(1000);
        }
    }
    if (!qemu_shutdown_requested(NULL)) {
        _exit(23);
    }
    if (strcmp(a.got->str, "hi\x03") || b.got->len) {
        _exit(24);
    }
    tcgetattr(STDIN_FILENO, &t);
    _exit(t.c_lflag & ICANON ? 0 : 25); /* C-a x gave the terminal back */
}

/* mon:stdio on a terminal: raw without ISIG, input to the UART, C-a x restores and quits. */
static void test_stdio_mux_pty(void)
{
    int master, slave, sync[2], status;
    struct pollfd p;
    char c;
    pid_t pid;

    g_assert_cmpint(openpty(&master, &slave, NULL, NULL, NULL), ==, 0);
    g_assert_cmpint(pipe(sync), ==, 0);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (!pid) {
        close(master);
        close(sync[0]);
        mux_pty_child(slave, sync[1]);
    }
    close(sync[1]);
    p = (struct pollfd){.fd = sync[0], .events = POLLIN};
    g_assert_cmpint(poll(&p, 1, WAIT_MS), ==, 1);
    g_assert_cmpint(read(sync[0], &c, 1), ==, 1);
    peer_send(master, "hi\x03\x01x"); /* Ctrl-C is data here */
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    close(sync[0]);
    close(master);
    close(slave);
}

static bool termios_equal(const struct termios *a, const struct termios *b)
{
    return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_cflag == b->c_cflag &&
           a->c_lflag == b->c_lflag && !memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc));
}

static void test_terminal_restore(void)
{
    struct termios before, during, after;
    int master, slave;
    GError *err = NULL;
    Chardev *chr;
    Fe fe;

    g_assert_cmpint(openpty(&master, &slave, NULL, NULL, NULL), ==, 0);
    g_assert_cmpint(tcgetattr(slave, &before), ==, 0);
    g_assert_true(before.c_lflag & ICANON);

    chr = qemu_chr_new_stdio_fds("stdio-tty", slave, slave, false, &err);
    g_assert_no_error(err);
    g_assert_cmpint(tcgetattr(slave, &during), ==, 0);
    g_assert_false(during.c_lflag & (ICANON | ECHO | ISIG));
    g_assert_true(during.c_oflag & OPOST); /* tern's own "\n" still returns the carriage */
    fe_attach(&fe, chr);
    fe_puts(&fe, "on the tty");
    g_autofree char *got = peer_recv(master, 10);
    g_assert_cmpstr(got, ==, "on the tty");
    fe_detach(&fe);
    qemu_chr_delete(chr);
    g_assert_cmpint(tcgetattr(slave, &after), ==, 0);
    g_assert_true(termios_equal(&before, &after));

    /* The low-level path: raw (ISIG kept), then the exit-path restore. */
    g_assert_true(qemu_chr_term_set_raw(slave, true, &err));
    g_assert_no_error(err);
    g_assert_cmpint(tcgetattr(slave, &during), ==, 0);
    g_assert_false(during.c_lflag & (ICANON | ECHO));
    g_assert_true(during.c_lflag & ISIG);
    g_assert_false(qemu_chr_term_set_raw(slave, true, &err)); /* already ours */
    g_clear_error(&err);
    qemu_chr_restore_terminals();
    g_assert_cmpint(tcgetattr(slave, &after), ==, 0);
    g_assert_true(termios_equal(&before, &after));
    qemu_chr_term_restore(slave);

    g_assert_false(qemu_chr_term_set_raw(master + 1000, true, &err));
    g_assert_nonnull(strstr(err->message, "not a terminal"));
    g_clear_error(&err);
    close(master);
    close(slave);
}

/* In a child that owns the pty as its controlling terminal, make it raw, then 'how'. */
static pid_t fork_raw_child(int slave, const char *how)
{
    pid_t pid = fork();
    struct termios t;

    g_assert_cmpint(pid, >=, 0);
    if (pid) {
        return pid;
    }
    setsid();
    ioctl(slave, TIOCSCTTY, 0);
    if (!qemu_chr_term_set_raw(slave, false, NULL)) {
        _exit(10);
    }
    tcgetattr(slave, &t);
    if (t.c_lflag & ICANON) {
        _exit(11);
    }
    if (!strcmp(how, "exit")) {
        exit(0);
    } else if (!strcmp(how, "tstp")) {
        raise(SIGTSTP); /* stops; the parent checks, then continues us */
        tcgetattr(slave, &t);
        _exit(t.c_lflag & ICANON ? 12 : 0); /* raw again after SIGCONT */
    }
    raise(!strcmp(how, "int") ? SIGINT : SIGTERM);
    _exit(13); /* not reached: the signal kills us */
}

static void check_signal_restore(const char *how, int sig)
{
    struct termios before, after;
    int master, slave, status;
    pid_t pid;

    g_assert_cmpint(openpty(&master, &slave, NULL, NULL, NULL), ==, 0);
    g_assert_cmpint(tcgetattr(slave, &before), ==, 0);
    pid = fork_raw_child(slave, how);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    if (sig) {
        g_assert_true(WIFSIGNALED(status));
        g_assert_cmpint(WTERMSIG(status), ==, sig);
    } else {
        g_assert_true(WIFEXITED(status));
    }
    g_assert_cmpint(tcgetattr(slave, &after), ==, 0);
    g_assert_true(termios_equal(&before, &after));
    close(master);
    close(slave);
}

static void test_terminal_signals(void)
{
    check_signal_restore("term", SIGTERM);
    check_signal_restore("int", SIGINT);
    check_signal_restore("exit", 0);
}

static void test_terminal_tstp(void)
{
    struct termios before, stopped, after;
    int master, slave, status;
    pid_t pid;

    g_assert_cmpint(openpty(&master, &slave, NULL, NULL, NULL), ==, 0);
    g_assert_cmpint(tcgetattr(slave, &before), ==, 0);
    pid = fork_raw_child(slave, "tstp");
    g_assert_cmpint(waitpid(pid, &status, WUNTRACED), ==, pid);
    g_assert_true(WIFSTOPPED(status));
    g_assert_cmpint(tcgetattr(slave, &stopped), ==, 0);
    g_assert_true(termios_equal(&before, &stopped)); /* the shell gets a sane terminal */
    kill(pid, SIGCONT);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0); /* raw again when continued */
    g_assert_cmpint(tcgetattr(slave, &after), ==, 0);
    close(master);
    close(slave);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmp_dir = g_dir_make_tmp("test-char-XXXXXX", NULL);
    g_assert_nonnull(tmp_dir);
    qemu_init_main_loop();
    bql_lock();

    g_test_add_func("/char/parse/serial", test_parse_serial);
    g_test_add_func("/char/parse/errors", test_parse_errors);
    g_test_add_func("/char/parse/opts", test_parse_opts);
    g_test_add_func("/char/parse/fuzz", test_parse_fuzz);
    g_test_add_func("/char/null", test_null);
    g_test_add_func("/char/file", test_file);
    g_test_add_func("/char/pipe", test_pipe);
    g_test_add_func("/char/pipe-single", test_pipe_single);
    g_test_add_func("/char/pty", test_pty);
    g_test_add_func("/char/unix/server", test_unix_server);
    g_test_add_func("/char/unix/server-old-syntax", test_unix_server_old_syntax);
    g_test_add_func("/char/unix/server-wait", test_unix_server_wait);
    g_test_add_func("/char/unix/server-wait-signal", test_unix_server_wait_signal);
    g_test_add_func("/char/unix/client", test_unix_client);
    g_test_add_func("/char/unix/path-too-long", test_unix_path_too_long);
    g_test_add_func("/char/tcp/server", test_tcp_server);
    g_test_add_func("/char/tcp/client", test_tcp_client);
    g_test_add_func("/char/tcp/client-reconnect", test_tcp_client_reconnect);
    g_test_add_func("/char/unix/client-reconnect", test_unix_client_reconnect);
    g_test_add_func("/char/tcp/stuck-peer", test_socket_stuck_peer);
    g_test_add_func("/char/tcp/write-to-gone-peer", test_socket_write_to_gone_peer);
    g_test_add_func("/char/flow-control", test_flow_control);
    g_test_add_func("/char/tcp/write-from-vcpu-thread", test_write_from_vcpu_thread);
    g_test_add_func("/char/mux/switch", test_mux_switch);
    g_test_add_func("/char/mux/keys", test_mux_keys);
    g_test_add_func("/char/mux/flow-control", test_mux_flow_control);
    g_test_add_func("/char/mux/limits", test_mux_limits);
    g_test_add_func("/char/mux/quit-when-stuck", test_mux_quit_when_stuck);
    g_test_add_func("/char/mux/random", test_mux_random);
    g_test_add_func("/char/no-fd-leak", test_no_fd_leak);
    g_test_add_func("/char/stdio/eof", test_stdio_eof);
    g_test_add_func("/char/stdio/devnull", test_stdio_devnull);
    g_test_add_func("/char/stdio/mux-pty", test_stdio_mux_pty);
    g_test_add_func("/char/terminal/restore", test_terminal_restore);
    g_test_add_func("/char/terminal/signals", test_terminal_signals);
    g_test_add_func("/char/terminal/tstp", test_terminal_tstp);
    ret = g_test_run();

    bql_unlock();
    qemu_chr_cleanup();
    rmdir(tmp_dir);
    g_free(tmp_dir);
    return ret;
}
