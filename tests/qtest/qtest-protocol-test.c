/*
 * qtest-protocol-test.c: the qtest protocol itself (docs/qtest.md, QEMU's qtest
 * protocol): every command's reply format, FAIL with a reason for malformed
 * commands while the session goes on, and tern's exit when the test disconnects.
 */
#include "libqtest.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define RAM_TEST_ADDR   0x100000 /* 1 MiB: plain RAM in the PC layout */
#define UNASSIGNED_PORT 0x2f0    /* no device decodes it */
#define CMOS_INDEX      0x70
#define CMOS_DATA       0x71
#define CMOS_SCRATCH    0x40 /* a CMOS RAM byte with no meaning to the RTC */

static void assert_reply(QTestState *s, const char *cmd, const char *expect)
{
    g_autofree char *reply = qtest_raw_command(s, cmd);

    g_assert_nonnull(reply);
    g_assert_cmpstr(reply, ==, expect);
}

static void assert_reply_prefix(QTestState *s, const char *cmd, const char *prefix)
{
    g_autofree char *reply = qtest_raw_command(s, cmd);

    g_assert_nonnull(reply);
    if (!g_str_has_prefix(reply, prefix)) {
        g_error("'%s' got '%s', expected '%s...'", cmd, reply, prefix);
    }
}

/* The session still answers after whatever came before. */
static void assert_alive(QTestState *s)
{
    assert_reply(s, "endianness", "OK little");
}

static void test_reply_formats(void)
{
    QTestState *s = qtest_init(NULL);

    assert_reply(s, "endianness", "OK little");
    assert_reply(s, "outb 0x70 0x40", "OK");
    assert_reply(s, "outb 0x71 0x5a", "OK");
    assert_reply(s, "inb 0x71", "OK 0x005a");
    assert_reply(s, "outw 0x2f0 0x1234", "OK");
    assert_reply(s, "outl 0x2f0 0x12345678", "OK");
    assert_reply(s, "inw 0x2f0", "OK 0xffff");
    assert_reply(s, "inl 0x2f0", "OK 0xffffffff");
    assert_reply(s, "writeb 0x100000 0x11", "OK");
    assert_reply(s, "writew 0x100002 0x2233", "OK");
    assert_reply(s, "writel 0x100004 0x44556677", "OK");
    assert_reply(s, "writeq 0x100008 0x8899aabbccddeeff", "OK");
    assert_reply(s, "readb 0x100000", "OK 0x0000000000000011");
    assert_reply(s, "readw 0x100002", "OK 0x0000000000002233");
    assert_reply(s, "readl 0x100004", "OK 0x0000000044556677");
    assert_reply(s, "readq 0x100008", "OK 0x8899aabbccddeeff");
    assert_reply(s, "read 0x100000 4", "OK 0x11003322");
    assert_reply(s, "write 0x100010 3 0xa1b2c3", "OK");
    assert_reply(s, "read 0x100010 3", "OK 0xa1b2c3");
    assert_reply(s, "write 0x100010 3 0xff", "OK"); /* short data: zero padded, as QEMU */
    assert_reply(s, "read 0x100010 3", "OK 0xff0000");
    assert_reply(s, "memset 0x100020 4 0x7e", "OK");
    assert_reply(s, "read 0x100020 5", "OK 0x7e7e7e7e00");
    assert_reply(s, "b64write 0x100030 3 AQID", "OK");
    assert_reply(s, "b64read 0x100030 3", "OK AQID");
    assert_reply(s, "read 0x100000 0", "OK 0x");
    assert_reply(s, "irq_intercept_in ioapic", "OK");
    assert_reply(s, "irq_intercept_out ioapic", "OK");
    assert_reply_prefix(s, "clock_step 10", "OK ");
    assert_reply_prefix(s, "clock_set 0", "OK ");
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static void test_clock(void)
{
    QTestState *s = qtest_init(NULL);
    int64_t t0 = qtest_clock_step(s, 0);

    g_assert_cmpint(qtest_clock_step(s, 1000), ==, t0 + 1000);
    g_assert_cmpint(qtest_clock_set(s, t0 + 5000), ==, t0 + 5000);
    /* Never backwards. */
    g_assert_cmpint(qtest_clock_set(s, t0), ==, t0 + 5000);
    /* Without NS: to the next timer (the RTC's once-a-second update at least), forward. */
    g_assert_cmpint(qtest_clock_step_next(s), >, t0 + 5000);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static const char *const malformed[] = {
    "",
    "   ",
    "nosuchcommand",
    "inb",
    "inb 0x70 0x71",
    "inb 0x10000",
    "inb zz",
    "inb -1",
    "inb 0x70z",
    "outb 0x80",
    "outb 0x80 x",
    "readl",
    "readl 0xg",
    "writel 0x1000",
    "read 0x1000",
    "read 0x1000 0x7fffffffffffffff",
    "read 0xffffffffffffffff 2",
    "write 0x1000 2",
    "write 0x1000 2 1234",
    "write 0x1000 2 0x123",
    "write 0x1000 2 0x123456",
    "write 0x1000 2 0xzz00",
    "memset 0x1000 4",
    "memset 0x1000 4 0x100",
    "b64write 0x1000 1 AQID",
    "clock_step x",
    "clock_step 0xffffffffffffffff",
    "clock_set",
    "clock_set 0x8000000000000000",
    "irq_intercept_in",
    "irq_intercept_in no-such-device",
    "set_irq_in ioapic x 99 1",
    "endianness extra",
};

static void test_malformed(void)
{
    QTestState *s = qtest_init(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(malformed); i++) {
        g_autofree char *reply = qtest_raw_command(s, malformed[i]);

        g_assert_nonnull(reply);
        if (!g_str_has_prefix(reply, "FAIL ")) {
            g_error("'%s' got '%s', expected FAIL with a reason", malformed[i], reply);
        }
        assert_alive(s);
    }
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* Several commands in one write, a command split over writes, CRLF endings. */
static void test_framing(void)
{
    QTestState *s = qtest_init(NULL);
    g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL;

    qtest_raw_send(s, "outb 0x70 0x40\noutb 0x71 0x33\ninb 0x71\n");
    r1 = qtest_raw_reply(s);
    r2 = qtest_raw_reply(s);
    r3 = qtest_raw_reply(s);
    g_assert_cmpstr(r1, ==, "OK");
    g_assert_cmpstr(r2, ==, "OK");
    g_assert_cmpstr(r3, ==, "OK 0x0033");
    qtest_raw_send(s, "endi");
    qtest_raw_send(s, "anness");
    assert_reply(s, "", "OK little"); /* the newline ends the split command */
    assert_reply(s, "inb 0x71\r", "OK 0x0033");
    assert_reply(s, "  inb\t0x71  ", "OK 0x0033");
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* Values wider than the access are truncated (QEMU does the same). */
static void test_truncation(void)
{
    QTestState *s = qtest_init(NULL);

    assert_reply(s, "writeb 0x100000 0x1ff", "OK");
    assert_reply(s, "readb 0x100000", "OK 0x00000000000000ff");
    assert_reply(s, "outb 0x70 0x140", "OK");
    assert_reply(s, "outb 0x71 0x1a5", "OK");
    assert_reply(s, "inb 0x71", "OK 0x00a5");
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* A "line" too long to be a command gets one FAIL and the session goes on. */
static void test_overlong_line(void)
{
    QTestState *s = qtest_init(NULL);
    size_t len = 33 * 1024 * 1024 + 1024;
    char *junk = g_malloc(len + 1);

    memset(junk, 'a', len);
    junk[len] = '\0';
    qtest_raw_send(s, junk);
    g_free(junk);
    assert_reply_prefix(s, "", "FAIL ");
    assert_alive(s);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* tern exits with status 0 when the test disconnects. */
static void test_disconnect_exits(void)
{
    QTestState *s = qtest_init(NULL);

    assert_alive(s);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* Memory helpers round-trip arbitrary bytes. */
static void test_memread_memwrite(void)
{
    QTestState *s = qtest_init(NULL);
    uint8_t in[300], out[300];

    for (size_t i = 0; i < sizeof(in); i++) {
        in[i] = (uint8_t)(i * 7 + 3);
    }
    qtest_memwrite(s, RAM_TEST_ADDR, in, sizeof(in));
    qtest_memread(s, RAM_TEST_ADDR, out, sizeof(out));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    qtest_memset(s, RAM_TEST_ADDR, 0x5a, 16);
    g_assert_cmphex(qtest_readq(s, RAM_TEST_ADDR + 8), ==, 0x5a5a5a5a5a5a5a5aULL);
    g_assert_cmphex(qtest_readb(s, RAM_TEST_ADDR + 16), ==, in[16]);
    /* Nothing decodes this port: reads float high. */
    g_assert_cmphex(qtest_inb(s, UNASSIGNED_PORT), ==, 0xff);
    qtest_outb(s, CMOS_INDEX, CMOS_SCRATCH);
    qtest_outb(s, CMOS_DATA, 0x42);
    qtest_outb(s, CMOS_INDEX, CMOS_SCRATCH);
    g_assert_cmphex(qtest_inb(s, CMOS_DATA), ==, 0x42);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* Setup errors: -accel qtest without -qtest is refused with status 1. */
static void test_needs_qtest_option(void)
{
    g_autofree char *cmd = g_strdup_printf("%s -M pc -accel qtest -display none", qtest_binary());
    g_autofree char *err = NULL;
    int status = 0;

    g_assert_true(g_spawn_command_line_sync(cmd, NULL, &err, &status, NULL));
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err, "-qtest"));
}

/* -qtest stdio: commands on stdin, replies on stdout, end of input ends tern with 0. */
static void test_stdio(void)
{
    g_autofree char *cmd = g_strdup_printf(
        "sh -c \"printf 'endianness\\noutb 0x70 0x40\\noutb 0x71 0x99\\ninb 0x71\\nbad\\n' | "
        "%s -M pc -display none -qtest stdio\"",
        qtest_binary());
    g_autofree char *out = NULL;
    int status = -1;

    g_assert_true(g_spawn_command_line_sync(cmd, &out, NULL, &status, NULL));
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    g_assert_cmpstr(out, ==, "OK little\nOK\nOK\nOK 0x0099\nFAIL Unknown command 'bad'\n");
}

/* -qtest tcp:HOST:PORT: tern connects to a TCP listener (loopback) through the chardev layer. */
static void test_tcp(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t slen = sizeof(sin);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), fd, status = -1;
    g_autofree char *port = NULL;
    char reply[16] = "";
    GPid pid;

    g_assert_cmpint(lfd, >=, 0);
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    g_assert_cmpint(listen(lfd, 1), ==, 0);
    g_assert_cmpint(getsockname(lfd, (struct sockaddr *)&sin, &slen), ==, 0);
    port = g_strdup_printf("tcp:127.0.0.1:%u", ntohs(sin.sin_port));
    {
        const char *argv[] = {qtest_binary(), "-M", "pc", "-display", "none", "-qtest", port, NULL};

        g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                    NULL, &pid, NULL));
    }
    fd = qtest_unix_accept(lfd); /* any stream socket */
    qtest_write_all(fd, "endianness\n", 11);
    qtest_read_exact(fd, reply, 10);
    g_assert_cmpstr(reply, ==, "OK little\n");
    close(fd); /* the test went away: tern exits 0 */
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    close(lfd);
}

/* set_irq_in drives a GSI as a device would; intercepted lines report it. */
static void test_set_irq_in(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "ioapic");
    assert_reply(s, "set_irq_in ioapic unnamed-gpio-in 5 1", "OK");
    g_assert_true(qtest_get_irq(s, 5));
    g_assert_false(qtest_get_irq(s, 6));
    assert_reply(s, "set_irq_in isa-serial x 5 0", "OK");
    g_assert_false(qtest_get_irq(s, 5));
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* -qtest-log FILE records commands (R) and replies (S) with timestamps. */
static void test_log(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("tern-qtest-log-XXXXXX", &err);
    g_autofree char *path = g_build_filename(dir, "log", NULL);
    g_autofree char *args = g_strdup_printf("-qtest-log %s", path);
    g_autofree char *log = NULL;
    QTestState *s;

    g_assert_no_error(err);
    s = qtest_init(args);
    assert_reply(s, "outb 0x70 0x40", "OK");
    g_assert_cmpint(qtest_quit(s), ==, 0);
    g_assert_true(g_file_get_contents(path, &log, NULL, NULL));
    g_assert_nonnull(strstr(log, "] outb 0x70 0x40\n"));
    g_assert_nonnull(strstr(log, "[S +"));
    g_assert_nonnull(strstr(log, "] OK\n"));
    unlink(path);
    rmdir(dir);
}

/* Gone, or a zombie nobody reaped yet (PID 1 of a container may not): no longer running. */
static bool process_ended(int pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
    g_autofree char *stat = NULL;
    const char *paren;

    if (!g_file_get_contents(path, &stat, NULL, NULL)) {
        return true;
    }
    paren = strrchr(stat, ')');
    return paren && (paren[2] == 'Z' || paren[2] == 'X');
}

/* Where a child test leaves tern's pid: named after the parent test's pid. */
static char *pid_file(int parent)
{
    return g_strdup_printf("%s/tern-qtest-pid-%d", g_get_tmp_dir(), parent);
}

static void child_report_pid(QTestState *s)
{
    g_autofree char *path = pid_file(getppid());
    g_autofree char *text = g_strdup_printf("%d", qtest_pid(s));

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static int run_child_test(const char *path)
{
    g_autofree char *file = pid_file(getpid());
    g_autofree char *text = NULL;
    int pid;

    g_test_trap_subprocess(path, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_assert_true(g_file_get_contents(file, &text, NULL, NULL));
    unlink(file);
    pid = atoi(text);
    g_assert_cmpint(pid, >, 0);
    return pid;
}

/* A failed assertion aborts the test: libqtest's SIGABRT hook kills and reaps tern. */
static void test_reap_on_abort(void)
{
    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        child_report_pid(s);
        g_assert_cmpint(qtest_inb(s, 0x71), ==, 0x1234); /* fails */
        return;
    }
    g_assert_true(process_ended(run_child_test("/qtest/protocol/reap-on-abort")));
}

/* A test killed outright: tern gets SIGKILL too (PR_SET_PDEATHSIG). */
static void test_dies_with_parent(void)
{
    int pid;

    if (g_test_subprocess()) {
        QTestState *s = qtest_init(NULL);

        child_report_pid(s);
        raise(SIGKILL);
        return;
    }
    pid = run_child_test("/qtest/protocol/dies-with-parent");
    for (int i = 0; i < 1000 && !process_ended(pid); i++) {
        g_usleep(10000); /* the kernel delivers the death signal asynchronously */
    }
    g_assert_true(process_ended(pid));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qtest/protocol/reply-formats", test_reply_formats);
    g_test_add_func("/qtest/protocol/clock", test_clock);
    g_test_add_func("/qtest/protocol/malformed", test_malformed);
    g_test_add_func("/qtest/protocol/framing", test_framing);
    g_test_add_func("/qtest/protocol/truncation", test_truncation);
    g_test_add_func("/qtest/protocol/overlong-line", test_overlong_line);
    g_test_add_func("/qtest/protocol/disconnect-exits", test_disconnect_exits);
    g_test_add_func("/qtest/protocol/memread-memwrite", test_memread_memwrite);
    g_test_add_func("/qtest/protocol/needs-qtest-option", test_needs_qtest_option);
    g_test_add_func("/qtest/protocol/stdio", test_stdio);
    g_test_add_func("/qtest/protocol/tcp", test_tcp);
    g_test_add_func("/qtest/protocol/set-irq-in", test_set_irq_in);
    g_test_add_func("/qtest/protocol/log", test_log);
    g_test_add_func("/qtest/protocol/reap-on-abort", test_reap_on_abort);
    g_test_add_func("/qtest/protocol/dies-with-parent", test_dies_with_parent);
    return g_test_run();
}
