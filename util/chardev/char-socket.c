/*
 * char-socket.c: unix:PATH and tcp:HOST:PORT backends, as server or client (QEMU's
 * chardev "socket" backend; socket(7), unix(7), tcp(7)).
 *
 * A server serves one client at a time: it stops accepting while a client is
 * connected and accepts the next one after that client goes away. With wait=on it
 * blocks at creation until the first client connects. Output while no client is
 * connected is dropped, and a client that does not read gets at most CHR_OUT_BUF_MAX
 * buffered bytes: the VM never blocks on a peer. A client connects at creation; with
 * reconnect= (or reconnect-ms=) a failed or lost connection is retried from a timer,
 * with a non-blocking connect, instead of being an error or final. Left out: telnet
 * negotiation, TLS, websockets, fd passing.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "char-internal.h"
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

/* How often the wait for a first client looks at signals (they also interrupt poll). */
#define WAIT_POLL_MS 200

typedef struct SocketChardev {
    Chardev parent;
    bool is_unix;
    bool server;
    bool nodelay;
    char *path; /* unix */
    char *host; /* tcp, as given */
    int port;   /* tcp: as given, then as bound */
    int listen_fd;
    bool listening; /* listen_fd is watched for a new client */
    bool created_path;
    int64_t reconnect_ms;       /* client: retry delay, 0 for none */
    QEMUTimer *reconnect_timer; /* client with reconnect_ms */
    int connecting_fd;          /* a non-blocking connect in progress, -1 if none */
    struct addrinfo *ai_list;   /* the addresses of the attempt in progress */
    struct addrinfo *ai_next;   /* the next one to try */
} SocketChardev;

static SocketChardev *to_socket(Chardev *chr)
{
    return container_of(chr, SocketChardev, parent);
}

static void socket_accept_ready(void *opaque);

static void socket_listen_watch(SocketChardev *s, bool on)
{
    if (s->listen_fd >= 0 && s->listening != on) {
        qemu_set_fd_handler(s->listen_fd, on ? socket_accept_ready : NULL, NULL, s);
        s->listening = on;
    }
}

static void socket_attach_client(SocketChardev *s, int fd)
{
    Chardev *chr = &s->parent;
    int one = 1;

    qemu_chr_set_nonblock(fd);
    if (!s->is_unix && s->nodelay) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    chr->in_fd = chr->out_fd = fd;
    chr->in_eof = false;
    chr->own_fds = true;
    chr->out_socket = true;
    chr->out_nonblock = true;
    socket_listen_watch(s, false);
    qemu_chr_be_event(chr, CHR_EVENT_OPENED);
    qemu_chr_update_watches(chr);
}

static void socket_reconnect_later(SocketChardev *s)
{
    if (s->reconnect_timer) {
        timer_mod(s->reconnect_timer,
                  qemu_clock_get_ns(QEMU_CLOCK_REALTIME) + s->reconnect_ms * SCALE_MS);
    }
}

/* The client went away (end of input or a failed send). */
static void socket_disconnect(Chardev *chr)
{
    SocketChardev *s = to_socket(chr);

    if (chr->in_fd < 0) {
        return;
    }
    qemu_chr_detach_fds(chr);
    qemu_chr_be_event(chr, CHR_EVENT_CLOSED);
    if (s->server) {
        socket_listen_watch(s, true);
    } else {
        socket_reconnect_later(s);
    }
}

static void socket_accept_ready(void *opaque)
{
    SocketChardev *s = opaque;
    int fd;

    do {
        fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return; /* the client gave up before we got to it */
    }
    if (s->parent.in_fd >= 0) {
        close(fd); /* cannot happen while the watch is off; be safe */
        return;
    }
    socket_attach_client(s, fd);
}

static bool unix_addr(Chardev *chr, const char *path, struct sockaddr_un *sun, GError **errp)
{
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sun->sun_path)) {
        g_set_error(errp, TERN_ERROR, 0, "chardev '%s': unix socket path too long (%zu > %zu): %s",
                    chr->label, strlen(path), sizeof(sun->sun_path) - 1, path);
        return false;
    }
    strcpy(sun->sun_path, path);
    return true;
}

static int unix_listen(SocketChardev *s, GError **errp)
{
    Chardev *chr = &s->parent;
    struct sockaddr_un sun;
    struct stat st;
    int fd;

    if (!unix_addr(chr, s->path, &sun, errp)) {
        return -1;
    }
    if (lstat(s->path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            g_set_error(errp, TERN_ERROR, 0, "chardev '%s': %s exists and is not a socket",
                        chr->label, s->path);
            return -1;
        }
        unlink(s->path); /* a stale socket from an earlier run */
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 1)) {
        g_set_error(errp, TERN_ERROR, 0, "chardev '%s': unix socket %s: %s", chr->label, s->path,
                    g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    s->created_path = true;
    return fd;
}

static int unix_connect(SocketChardev *s, GError **errp)
{
    Chardev *chr = &s->parent;
    struct sockaddr_un sun;
    int fd;

    if (!unix_addr(chr, s->path, &sun, errp)) {
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
        g_set_error(errp, TERN_ERROR, 0, "chardev '%s': connect to unix:%s: %s", chr->label,
                    s->path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

/* Tries each address getaddrinfo gives; listen or connect. */
static int tcp_open(SocketChardev *s, GError **errp)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    g_autofree char *port = g_strdup_printf("%d", s->port);
    const char *host = *s->host ? s->host : (s->server ? NULL : "localhost");
    int fd = -1, err = 0, one = 1;
    int rc;

    hints.ai_flags |= s->server ? AI_PASSIVE : 0;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc) {
        g_set_error(errp, TERN_ERROR, 0, "chardev '%s': tcp:%s:%d: %s", s->parent.label, s->host,
                    s->port, gai_strerror(rc));
        return -1;
    }
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (s->server) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            rc = bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1);
        } else {
            rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        }
        if (rc) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        g_set_error(errp, TERN_ERROR, 0, "chardev '%s': %s tcp:%s:%d: %s", s->parent.label,
                    s->server ? "listen on" : "connect to", s->host, s->port, g_strerror(err));
    }
    return fd;
}

static int socket_bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len)) {
        return -1;
    }
    if (ss.ss_family == AF_INET) {
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    if (ss.ss_family == AF_INET6) {
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return -1;
}

static char *socket_describe(Chardev *chr)
{
    SocketChardev *s = to_socket(chr);
    const char *state = chr->in_fd >= 0 ? "" : "disconnected:";

    if (s->is_unix) {
        return g_strdup_printf("%sunix:%s%s", state, s->path, s->server ? ",server=on" : "");
    }
    /* An IPv6 host keeps its brackets, so the result parses back. */
    bool v6 = strchr(s->host, ':') != NULL;
    return g_strdup_printf("%stcp:%s%s%s:%d%s", state, v6 ? "[" : "", s->host, v6 ? "]" : "",
                           s->port, s->server ? ",server=on" : "");
}

/* Set by a signal that would end tern while a server waits for its first client. */
static volatile sig_atomic_t wait_interrupted;

static void wait_signal_handler(int sig)
{
    wait_interrupted = sig;
}

/*
 * wait=on: block here until the first client connects. The main loop does not run yet, so
 * its signal handling cannot; SIGINT/SIGTERM/SIGHUP end the wait with an error instead.
 */
static bool socket_wait_first(SocketChardev *s, GError **errp)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa = {.sa_handler = wait_signal_handler}, old[ARRAY_SIZE(sigs)];
    g_autofree char *desc = socket_describe(&s->parent);
    int fd = -1, err = 0;

    wait_interrupted = 0;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
        sigaction(sigs[i], &sa, &old[i]);
    }
    /* Said once the handlers are in place: a script may signal us as soon as it reads it. */
    info_report("chardev '%s': waiting for a connection on %s", s->parent.label, desc);
    while (fd < 0 && !err && !wait_interrupted) {
        struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
        if (poll(&p, 1, WAIT_POLL_MS) > 0) {
            fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            err = fd < 0 && errno != EINTR && errno != EAGAIN ? errno : 0;
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
        sigaction(sigs[i], &old[i], NULL);
    }
    if (fd < 0) {
        if (wait_interrupted) {
            g_set_error(errp, TERN_ERROR, 0,
                        "chardev '%s': interrupted by signal %d while "
                        "waiting for a connection",
                        s->parent.label, (int)wait_interrupted);
        } else {
            g_set_error(errp, TERN_ERROR, 0, "chardev '%s': accept: %s", s->parent.label,
                        g_strerror(err));
        }
        return false;
    }
    socket_attach_client(s, fd);
    return true;
}

/* --- reconnecting clients ------------------------------------------------------- */

static void socket_connect_try_next(SocketChardev *s);

static void socket_attempt_end(SocketChardev *s)
{
    if (s->ai_list) {
        freeaddrinfo(s->ai_list);
    }
    s->ai_list = s->ai_next = NULL;
}

/* The non-blocking connect finished, one way or the other. */
static void socket_connect_done(void *opaque)
{
    SocketChardev *s = opaque;
    int fd = s->connecting_fd, err = 0;
    socklen_t len = sizeof(err);

    qemu_set_fd_handler(fd, NULL, NULL, NULL);
    s->connecting_fd = -1;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
        close(fd);
        socket_connect_try_next(s);
        return;
    }
    socket_attempt_end(s);
    socket_attach_client(s, fd);
}

/* Starts a non-blocking connect to the next address; none left: try again later. */
static void socket_connect_try_next(SocketChardev *s)
{
    while (s->ai_next) {
        struct addrinfo *ai = s->ai_next;
        int fd =
            socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);

        s->ai_next = ai->ai_next;
        if (fd < 0) {
            continue;
        }
        if (!connect(fd, ai->ai_addr, ai->ai_addrlen)) {
            socket_attempt_end(s);
            socket_attach_client(s, fd);
            return;
        }
        if (errno == EINPROGRESS) {
            s->connecting_fd = fd;
            qemu_set_fd_handler(fd, NULL, socket_connect_done, s);
            return;
        }
        close(fd);
    }
    socket_attempt_end(s);
    socket_reconnect_later(s);
}

/* XXX: the host name is resolved with a blocking getaddrinfo; use an address to avoid it. */
static void socket_reconnect_timer(void *opaque)
{
    SocketChardev *s = opaque;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
    g_autofree char *port = g_strdup_printf("%d", s->port);
    int fd;

    if (s->parent.in_fd >= 0 || s->connecting_fd >= 0) {
        return;
    }
    if (s->is_unix) {
        fd = unix_connect(s, NULL); /* local: it succeeds or fails at once */
        if (fd >= 0) {
            socket_attach_client(s, fd);
        } else {
            socket_reconnect_later(s);
        }
        return;
    }
    if (getaddrinfo(*s->host ? s->host : "localhost", port, &hints, &s->ai_list)) {
        s->ai_list = NULL;
        socket_reconnect_later(s);
        return;
    }
    s->ai_next = s->ai_list;
    socket_connect_try_next(s);
}

/* --- open and close --------------------------------------------------------------- */

static bool socket_open_client(SocketChardev *s, GError **errp)
{
    GError *err = NULL;
    int fd = s->is_unix ? unix_connect(s, &err) : tcp_open(s, &err);

    if (fd >= 0) {
        socket_attach_client(s, fd);
        return true;
    }
    if (!s->reconnect_timer) {
        g_propagate_error(errp, err);
        return false;
    }
    warn_report("%s; retrying every %" PRId64 " ms", err->message, s->reconnect_ms);
    g_error_free(err);
    socket_reconnect_later(s);
    return true;
}

static bool socket_open(Chardev *chr, const ChardevSpec *spec, GError **errp)
{
    SocketChardev *s = to_socket(chr);

    s->listen_fd = -1;
    s->connecting_fd = -1;
    s->is_unix = !strcmp(spec->backend, "unix");
    s->server = spec->server;
    s->nodelay = spec->nodelay;
    s->path = g_strdup(spec->path);
    s->host = g_strdup(spec->host ? spec->host : "");
    s->port = spec->port;
    s->reconnect_ms = spec->server ? 0 : spec->reconnect_ms;
    if (s->reconnect_ms) {
        s->reconnect_timer = timer_new_ns(QEMU_CLOCK_REALTIME, socket_reconnect_timer, s);
    }
    if (!s->server) {
        return socket_open_client(s, errp);
    }
    s->listen_fd = s->is_unix ? unix_listen(s, errp) : tcp_open(s, errp);
    if (s->listen_fd < 0) {
        return false;
    }
    if (!s->is_unix) {
        s->port = socket_bound_port(s->listen_fd);
    }
    if (spec->wait) {
        return socket_wait_first(s, errp);
    }
    qemu_chr_set_nonblock(s->listen_fd);
    socket_listen_watch(s, true);
    return true;
}

static void socket_close(Chardev *chr)
{
    SocketChardev *s = to_socket(chr);

    socket_listen_watch(s, false);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    if (s->reconnect_timer) {
        timer_free(s->reconnect_timer);
    }
    if (s->connecting_fd >= 0) {
        qemu_set_fd_handler(s->connecting_fd, NULL, NULL, NULL);
        close(s->connecting_fd);
    }
    socket_attempt_end(s);
    if (s->created_path) {
        unlink(s->path);
    }
    g_free(s->path);
    g_free(s->host);
}

int qemu_chr_socket_port(Chardev *chr)
{
    if (qemu_chr_is_mux(chr)) {
        chr = qemu_chr_mux_base(chr);
    }
    if (!chr || chr->cls != &char_socket_class || to_socket(chr)->is_unix) {
        return -1;
    }
    return to_socket(chr)->port;
}

const ChardevClass char_socket_class = {
    .name = "socket",
    .instance_size = sizeof(SocketChardev),
    .open = socket_open,
    .close = socket_close,
    .input_eof = socket_disconnect,
    .output_error = socket_disconnect,
    .describe = socket_describe,
};
