/*
 * libqtest.c: the qtest protocol client (docs/qtest.md; the protocol is QEMU's
 * qtest protocol). The test listens on a unix socket in a fresh temporary
 * directory and starts tern with "-qtest unix:PATH"; tern connects as a client,
 * so there is no race on who creates the socket.
 *
 * Reaping: every live child is in a small table; qtest_quit/qtest_wait_exit reap
 * one, an atexit hook and a SIGABRT hook (a failed g_assert aborts) kill and
 * reap the rest, and the child gets PR_SET_PDEATHSIG so it dies with the test.
 */
#include "libqtest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define QTEST_DEFAULT_BINARY    "build/tern"
#define QTEST_CONNECT_TIMEOUT_S 60 /* a sanitizer build starts slowly on a busy host */
#define QTEST_IO_TIMEOUT_S      60
#define QTEST_QUIT_TIMEOUT_S    10
#define QTEST_POLL_MS           50
#define QTEST_MAX_CHILDREN      16
#define QTEST_READ_CHUNK        65536
#define QTEST_BASE_ARGS         "-M pc -accel qtest -display none"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_CONFIG_ENABLE  0x80000000u
#define PCI_VENDOR_ID      0x00
#define PCI_COMMAND        0x04
#define PCI_COMMAND_IO     0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_BAR0           0x10
#define PCI_BAR_IO         0x1
#define PCI_BAR_MEM_64     0x4
#define PCI_BAR_MEM_TYPE   0x6

struct QTestState {
    pid_t pid;
    int fd;
    GString *rx; /* received bytes not yet consumed as lines */
    bool gone;   /* tern closed the connection */
    bool irq_level[QTEST_MAX_IRQ];
};

/* Children to kill from the abort and exit hooks (async-signal-safe: a plain array). */
static volatile pid_t live_pids[QTEST_MAX_CHILDREN];

static void kill_live_children(void)
{
    for (int i = 0; i < QTEST_MAX_CHILDREN; i++) {
        pid_t pid = live_pids[i];

        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            live_pids[i] = 0;
        }
    }
}

static void abort_handler(int sig)
{
    (void)sig;
    kill_live_children();
}

static void install_hooks(void)
{
    static bool done;
    struct sigaction sa = {.sa_handler = abort_handler, .sa_flags = SA_RESETHAND};

    if (done) {
        return;
    }
    done = true;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGABRT, &sa, NULL);
    atexit(kill_live_children);
    signal(SIGPIPE, SIG_IGN); /* a dead tern must fail a test, not kill it silently */
}

static void track_child(pid_t pid, bool live)
{
    for (int i = 0; i < QTEST_MAX_CHILDREN; i++) {
        if (live && live_pids[i] == 0) {
            live_pids[i] = pid;
            return;
        }
        if (!live && live_pids[i] == pid) {
            live_pids[i] = 0;
            return;
        }
    }
    g_assert(!live); /* more than QTEST_MAX_CHILDREN at once is a test bug */
}

const char *qtest_binary(void)
{
    const char *bin = getenv("TERN_BINARY");

    return bin && *bin ? bin : QTEST_DEFAULT_BINARY;
}

static int decode_status(int status)
{
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return WIFSIGNALED(status) ? -WTERMSIG(status) : -1;
}

/* --- sockets ------------------------------------------------------------------------- */

int qtest_unix_listen(char **path)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("tern-qtest-XXXXXX", &err);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd;

    g_assert_no_error(err);
    *path = g_build_filename(dir, "sock", NULL);
    g_free(dir);
    g_assert_cmpuint(strlen(*path), <, sizeof(sun.sun_path));
    strcpy(sun.sun_path, *path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    return fd;
}

void qtest_unix_cleanup(int listen_fd, char *path)
{
    g_autofree char *dir = NULL;

    if (listen_fd >= 0) {
        close(listen_fd);
    }
    if (!path) {
        return;
    }
    dir = g_path_get_dirname(path);
    unlink(path);
    rmdir(dir);
    g_free(path);
}

/* Waits for fd to be readable until deadline (monotonic us); false on timeout. */
static bool wait_readable(int fd, int64_t deadline)
{
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int64_t left_ms = (deadline - g_get_monotonic_time()) / 1000;
        int r;

        if (left_ms < 0) {
            return false;
        }
        r = poll(&pfd, 1, (int)MIN(left_ms, QTEST_POLL_MS));
        if (r > 0) {
            return true;
        }
        g_assert(r == 0 || errno == EINTR);
    }
}

int qtest_unix_accept(int listen_fd)
{
    int64_t deadline = g_get_monotonic_time() + QTEST_IO_TIMEOUT_S * G_USEC_PER_SEC;
    int fd;

    if (!wait_readable(listen_fd, deadline)) {
        g_error("no connection within %d s", QTEST_IO_TIMEOUT_S);
    }
    fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    return fd;
}

void qtest_read_exact(int fd, void *buf, size_t len)
{
    int64_t deadline = g_get_monotonic_time() + QTEST_IO_TIMEOUT_S * G_USEC_PER_SEC;
    uint8_t *p = buf;

    while (len) {
        ssize_t n;

        if (!wait_readable(fd, deadline)) {
            g_error("%zu bytes missing after %d s", len, QTEST_IO_TIMEOUT_S);
        }
        n = read(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            g_error("end of stream with %zu bytes missing", len);
        }
        p += n;
        len -= (size_t)n;
    }
}

void qtest_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        g_assert_cmpint(n, >, 0);
        p += n;
        len -= (size_t)n;
    }
}

/* --- starting and stopping tern ------------------------------------------------------ */

/* Only async-signal-safe calls between fork and exec: the test may have threads. */
static pid_t spawn(char **argv)
{
    pid_t parent = getpid();
    pid_t pid = fork();

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        static const char msg[] = "libqtest: exec of tern failed\n";

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(127); /* the test died before prctl */
        }
        dup2(STDERR_FILENO, STDOUT_FILENO); /* keep the test's TAP output clean */
        execv(argv[0], argv);
        (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
        _exit(127);
    }
    return pid;
}

static char **build_argv(const char *sock_path, const char *extra_args)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *cmd = NULL;
    char **argv = NULL;
    const char *log = getenv("QTEST_LOG");

    cmd = g_strdup_printf("%s %s -qtest unix:%s %s %s", qtest_binary(), QTEST_BASE_ARGS, sock_path,
                          log && *log ? "-qtest-log /dev/fd/2" : "", extra_args ? extra_args : "");
    if (!g_shell_parse_argv(cmd, NULL, &argv, &err)) {
        g_error("bad qtest_init arguments '%s': %s", extra_args, err->message);
    }
    return argv;
}

static int reap(QTestState *s, int timeout_s);

/* Waits for tern's connection, or for tern to exit first (*status set, -1 returned). */
static int accept_or_exit(int listen_fd, pid_t pid, int *status)
{
    int64_t deadline = g_get_monotonic_time() + QTEST_CONNECT_TIMEOUT_S * G_USEC_PER_SEC;

    for (;;) {
        int wstatus;

        if (wait_readable(listen_fd, g_get_monotonic_time() + QTEST_POLL_MS * 1000)) {
            int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

            g_assert_cmpint(fd, >=, 0);
            return fd;
        }
        if (waitpid(pid, &wstatus, WNOHANG) == pid) {
            *status = decode_status(wstatus);
            return -1;
        }
        if (g_get_monotonic_time() > deadline) {
            g_error("tern did not connect within %d s", QTEST_CONNECT_TIMEOUT_S);
        }
    }
}

/*
 * tern connects before it creates the devices: a first round trip shows that the
 * machine is complete. NULL (s freed, *exit_status set) if tern exited instead.
 */
static QTestState *handshake(QTestState *s, int *exit_status)
{
    g_autofree char *reply = qtest_raw_command(s, "endianness");
    int status;

    if (reply) {
        g_assert_cmpstr(reply, ==, "OK little");
        return s;
    }
    status = reap(s, QTEST_IO_TIMEOUT_S);
    if (exit_status) {
        *exit_status = status;
    }
    return NULL;
}

QTestState *qtest_try_init(const char *extra_args, int *exit_status)
{
    char *sock_path = NULL;
    int listen_fd, fd, status = -1;
    g_auto(GStrv) argv = NULL;
    pid_t pid;
    QTestState *s;

    install_hooks();
    listen_fd = qtest_unix_listen(&sock_path);
    argv = build_argv(sock_path, extra_args);
    pid = spawn(argv);
    track_child(pid, true);
    fd = accept_or_exit(listen_fd, pid, &status);
    qtest_unix_cleanup(listen_fd, sock_path);
    if (fd < 0) {
        track_child(pid, false);
        if (exit_status) {
            *exit_status = status;
        }
        return NULL;
    }
    s = g_new0(QTestState, 1);
    s->pid = pid;
    s->fd = fd;
    s->rx = g_string_new(NULL);
    return handshake(s, exit_status);
}

QTestState *qtest_init(const char *extra_args)
{
    int status = 0;
    QTestState *s = qtest_try_init(extra_args, &status);

    if (!s) {
        g_error("tern %s exited with status %d before connecting", extra_args ? extra_args : "",
                status);
    }
    return s;
}

int qtest_pid(QTestState *s)
{
    return s->pid;
}

/* Waits up to timeout_s for the child, then kills it; frees s. */
static int reap(QTestState *s, int timeout_s)
{
    int64_t deadline = g_get_monotonic_time() + (int64_t)timeout_s * G_USEC_PER_SEC;
    int wstatus = 0;

    while (waitpid(s->pid, &wstatus, WNOHANG) != s->pid) {
        if (g_get_monotonic_time() > deadline) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &wstatus, 0);
            break;
        }
        g_usleep(QTEST_POLL_MS * 100); /* 5 ms */
    }
    track_child(s->pid, false);
    if (s->fd >= 0) {
        close(s->fd);
    }
    g_string_free(s->rx, TRUE);
    g_free(s);
    return decode_status(wstatus);
}

int qtest_quit(QTestState *s)
{
    shutdown(s->fd, SHUT_RDWR); /* tern sees the end of the connection and exits */
    return reap(s, QTEST_QUIT_TIMEOUT_S);
}

int qtest_wait_exit(QTestState *s)
{
    return reap(s, QTEST_IO_TIMEOUT_S);
}

/* --- the protocol ---------------------------------------------------------------------- */

void qtest_raw_send(QTestState *s, const char *bytes)
{
    size_t len = strlen(bytes);

    while (len) {
        ssize_t n = send(s->fd, bytes, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            s->gone = true;
            return;
        }
        bytes += n;
        len -= (size_t)n;
    }
}

/* The next line from tern (without its newline), NULL at the end of the connection. */
static char *read_line(QTestState *s)
{
    int64_t deadline = g_get_monotonic_time() + QTEST_IO_TIMEOUT_S * G_USEC_PER_SEC;

    for (;;) {
        char *nl = memchr(s->rx->str, '\n', s->rx->len);
        char buf[QTEST_READ_CHUNK];
        ssize_t n;

        if (nl) {
            char *line = g_strndup(s->rx->str, nl - s->rx->str);

            g_string_erase(s->rx, 0, nl - s->rx->str + 1);
            return line;
        }
        if (s->gone) {
            return NULL;
        }
        if (!wait_readable(s->fd, deadline)) {
            g_error("tern (pid %d) did not reply within %d s", s->pid, QTEST_IO_TIMEOUT_S);
        }
        n = read(s->fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            s->gone = true;
            continue;
        }
        g_string_append_len(s->rx, buf, n);
    }
}

/* Records "IRQ raise N" / "IRQ lower N"; false for any other line. */
static bool handle_irq_line(QTestState *s, const char *line)
{
    int n;
    char what[8];

    if (!g_str_has_prefix(line, "IRQ ") || sscanf(line, "IRQ %7s %d", what, &n) != 2) {
        return false;
    }
    g_assert_cmpint(n, >=, 0);
    g_assert_cmpint(n, <, QTEST_MAX_IRQ);
    s->irq_level[n] = !strcmp(what, "raise");
    return true;
}

char *qtest_raw_reply(QTestState *s)
{
    for (;;) {
        char *line = read_line(s);

        if (!line || !handle_irq_line(s, line)) {
            return line;
        }
        g_free(line);
    }
}

char *qtest_raw_command(QTestState *s, const char *line)
{
    g_autofree char *msg = g_strconcat(line, "\n", NULL);

    qtest_raw_send(s, msg);
    return qtest_raw_reply(s);
}

/* Sends a command and returns what follows "OK" (g_free it); a FAIL or EOF fails the test. */
static char *G_GNUC_PRINTF(2, 3) qtest_query(QTestState *s, const char *fmt, ...)
{
    g_autofree char *cmd = NULL;
    g_autofree char *reply = NULL;
    va_list ap;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    reply = qtest_raw_command(s, cmd);
    if (!reply) {
        g_error("tern (pid %d) went away during '%s'", s->pid, cmd);
    }
    if (strcmp(reply, "OK") && !g_str_has_prefix(reply, "OK ")) {
        g_error("'%s' got '%s'", cmd, reply);
    }
    return g_strdup(reply[2] ? reply + 3 : "");
}

static uint64_t reply_u64(char *rest)
{
    char *end = NULL;
    uint64_t v = g_ascii_strtoull(rest, &end, 0);

    g_assert(end != rest && *end == '\0');
    g_free(rest);
    return v;
}

/* --- port I/O and memory --------------------------------------------------------------- */

void qtest_outb(QTestState *s, uint16_t port, uint8_t val)
{
    g_free(qtest_query(s, "outb 0x%x 0x%x", port, val));
}

void qtest_outw(QTestState *s, uint16_t port, uint16_t val)
{
    g_free(qtest_query(s, "outw 0x%x 0x%x", port, val));
}

void qtest_outl(QTestState *s, uint16_t port, uint32_t val)
{
    g_free(qtest_query(s, "outl 0x%x 0x%x", port, val));
}

uint8_t qtest_inb(QTestState *s, uint16_t port)
{
    return (uint8_t)reply_u64(qtest_query(s, "inb 0x%x", port));
}

uint16_t qtest_inw(QTestState *s, uint16_t port)
{
    return (uint16_t)reply_u64(qtest_query(s, "inw 0x%x", port));
}

uint32_t qtest_inl(QTestState *s, uint16_t port)
{
    return (uint32_t)reply_u64(qtest_query(s, "inl 0x%x", port));
}

void qtest_writeb(QTestState *s, uint64_t addr, uint8_t val)
{
    g_free(qtest_query(s, "writeb 0x%" G_GINT64_MODIFIER "x 0x%x", addr, val));
}

void qtest_writew(QTestState *s, uint64_t addr, uint16_t val)
{
    g_free(qtest_query(s, "writew 0x%" G_GINT64_MODIFIER "x 0x%x", addr, val));
}

void qtest_writel(QTestState *s, uint64_t addr, uint32_t val)
{
    g_free(qtest_query(s, "writel 0x%" G_GINT64_MODIFIER "x 0x%x", addr, val));
}

void qtest_writeq(QTestState *s, uint64_t addr, uint64_t val)
{
    g_free(qtest_query(s, "writeq 0x%" G_GINT64_MODIFIER "x 0x%" G_GINT64_MODIFIER "x", addr, val));
}

uint8_t qtest_readb(QTestState *s, uint64_t addr)
{
    return (uint8_t)reply_u64(qtest_query(s, "readb 0x%" G_GINT64_MODIFIER "x", addr));
}

uint16_t qtest_readw(QTestState *s, uint64_t addr)
{
    return (uint16_t)reply_u64(qtest_query(s, "readw 0x%" G_GINT64_MODIFIER "x", addr));
}

uint32_t qtest_readl(QTestState *s, uint64_t addr)
{
    return (uint32_t)reply_u64(qtest_query(s, "readl 0x%" G_GINT64_MODIFIER "x", addr));
}

uint64_t qtest_readq(QTestState *s, uint64_t addr)
{
    return reply_u64(qtest_query(s, "readq 0x%" G_GINT64_MODIFIER "x", addr));
}

void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size)
{
    g_autofree char *hex = qtest_query(s, "read 0x%" G_GINT64_MODIFIER "x 0x%zx", addr, size);
    uint8_t *out = data;

    g_assert(g_str_has_prefix(hex, "0x"));
    g_assert_cmpuint(strlen(hex + 2), ==, 2 * size);
    for (size_t i = 0; i < size; i++) {
        out[i] = (uint8_t)(g_ascii_xdigit_value(hex[2 + 2 * i]) << 4 |
                           g_ascii_xdigit_value(hex[3 + 2 * i]));
    }
}

void qtest_memwrite(QTestState *s, uint64_t addr, const void *data, size_t size)
{
    g_autoptr(GString) hex = g_string_sized_new(2 * size + 3);
    const uint8_t *in = data;

    g_string_append(hex, "0x");
    for (size_t i = 0; i < size; i++) {
        g_string_append_printf(hex, "%02x", in[i]);
    }
    g_free(qtest_query(s, "write 0x%" G_GINT64_MODIFIER "x 0x%zx %s", addr, size, hex->str));
}

void qtest_memset(QTestState *s, uint64_t addr, uint8_t pattern, size_t size)
{
    g_free(qtest_query(s, "memset 0x%" G_GINT64_MODIFIER "x 0x%zx 0x%02x", addr, size, pattern));
}

/* --- clock and interrupts ----------------------------------------------------------------- */

int64_t qtest_clock_step(QTestState *s, int64_t step)
{
    return (int64_t)reply_u64(qtest_query(s, "clock_step %" G_GINT64_FORMAT, step));
}

int64_t qtest_clock_step_next(QTestState *s)
{
    return (int64_t)reply_u64(qtest_query(s, "clock_step"));
}

int64_t qtest_clock_set(QTestState *s, int64_t val)
{
    return (int64_t)reply_u64(qtest_query(s, "clock_set %" G_GINT64_FORMAT, val));
}

void qtest_irq_intercept_in(QTestState *s, const char *path)
{
    g_free(qtest_query(s, "irq_intercept_in %s", path));
}

void qtest_irq_intercept_out(QTestState *s, const char *path)
{
    g_free(qtest_query(s, "irq_intercept_out %s", path));
}

bool qtest_get_irq(QTestState *s, int n)
{
    g_assert_cmpint(n, >=, 0);
    g_assert_cmpint(n, <, QTEST_MAX_IRQ);
    /* A round trip: IRQ lines sent before its reply (chardev input, say) are in by then. */
    g_free(qtest_query(s, "endianness"));
    return s->irq_level[n];
}

void qtest_system_powerdown(QTestState *s)
{
    g_free(qtest_query(s, "system_powerdown"));
}

void qtest_system_reset(QTestState *s)
{
    g_free(qtest_query(s, "system_reset"));
}

/* --- PCI ------------------------------------------------------------------------------------ */

static void qpci_select(QTestState *s, int devfn, uint8_t offset)
{
    g_assert_cmpint(devfn, >=, 0);
    g_assert_cmpint(devfn, <, 256);
    qtest_outl(s, PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (uint32_t)devfn << 8 | (offset & 0xfc));
}

uint8_t qpci_config_readb(QTestState *s, int devfn, uint8_t offset)
{
    qpci_select(s, devfn, offset);
    return qtest_inb(s, PCI_CONFIG_DATA + (offset & 3));
}

uint16_t qpci_config_readw(QTestState *s, int devfn, uint8_t offset)
{
    qpci_select(s, devfn, offset);
    return qtest_inw(s, PCI_CONFIG_DATA + (offset & 2));
}

uint32_t qpci_config_readl(QTestState *s, int devfn, uint8_t offset)
{
    qpci_select(s, devfn, offset);
    return qtest_inl(s, PCI_CONFIG_DATA);
}

void qpci_config_writeb(QTestState *s, int devfn, uint8_t offset, uint8_t val)
{
    qpci_select(s, devfn, offset);
    qtest_outb(s, PCI_CONFIG_DATA + (offset & 3), val);
}

void qpci_config_writew(QTestState *s, int devfn, uint8_t offset, uint16_t val)
{
    qpci_select(s, devfn, offset);
    qtest_outw(s, PCI_CONFIG_DATA + (offset & 2), val);
}

void qpci_config_writel(QTestState *s, int devfn, uint8_t offset, uint32_t val)
{
    qpci_select(s, devfn, offset);
    qtest_outl(s, PCI_CONFIG_DATA, val);
}

int qpci_find_device(QTestState *s, uint16_t vendor_id, uint16_t device_id)
{
    uint32_t want = (uint32_t)device_id << 16 | vendor_id;

    for (int devfn = 0; devfn < 256; devfn++) {
        if (qpci_config_readl(s, devfn, PCI_VENDOR_ID) == want) {
            return devfn;
        }
    }
    return -1;
}

/* Writes all ones to a BAR register and returns what reads back; restores it. */
static uint32_t qpci_probe_bar(QTestState *s, int devfn, uint8_t offset)
{
    uint32_t orig = qpci_config_readl(s, devfn, offset), probed;

    qpci_config_writel(s, devfn, offset, 0xffffffff);
    probed = qpci_config_readl(s, devfn, offset);
    qpci_config_writel(s, devfn, offset, orig);
    return probed;
}

uint64_t qpci_bar_size(QTestState *s, int devfn, int bar, bool *is_io)
{
    uint8_t offset = PCI_BAR0 + 4 * bar;
    uint16_t cmd = qpci_config_readw(s, devfn, PCI_COMMAND);
    uint32_t lo;
    uint64_t mask;

    g_assert_cmpint(bar, >=, 0);
    g_assert_cmpint(bar, <, 6);
    /* Decoding off while the BAR holds all ones, as firmware does. */
    qpci_config_writew(s, devfn, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    lo = qpci_probe_bar(s, devfn, offset);
    if (is_io) {
        *is_io = lo & PCI_BAR_IO;
    }
    if (lo & PCI_BAR_IO) {
        /* The upper 16 bits of an I/O BAR may be hardwired to zero. */
        mask = 0xffffffff00000000ULL | (lo & ~3u) | ((lo & 0xffff0000u) ? 0 : 0xffff0000u);
    } else if ((lo & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_64) {
        mask = (uint64_t)qpci_probe_bar(s, devfn, offset + 4) << 32 | (lo & ~0xfu);
    } else {
        mask = 0xffffffff00000000ULL | (lo & ~0xfu);
    }
    qpci_config_writew(s, devfn, PCI_COMMAND, cmd);
    /* No writable address bit: no BAR there. */
    return mask == 0 || mask == 0xffffffff00000000ULL ? 0 : ~mask + 1;
}

void qpci_map_bar(QTestState *s, int devfn, int bar, uint64_t addr)
{
    uint8_t offset = PCI_BAR0 + 4 * bar;
    uint32_t lo = qpci_config_readl(s, devfn, offset);
    uint16_t cmd = qpci_config_readw(s, devfn, PCI_COMMAND);

    qpci_config_writel(s, devfn, offset, (uint32_t)addr);
    if (!(lo & PCI_BAR_IO) && (lo & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_64) {
        qpci_config_writel(s, devfn, offset + 4, (uint32_t)(addr >> 32));
    }
    cmd |= lo & PCI_BAR_IO ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
    qpci_config_writew(s, devfn, PCI_COMMAND, cmd);
}
