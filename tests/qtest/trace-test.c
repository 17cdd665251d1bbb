/*
 * trace-test.c: -trace on tern's command line (util/trace.c, vl.c): events
 * chosen by glob reach -trace file= with tern's pid, -D captures them when no
 * trace file is given, events=FILE works, and bad options end tern with status 1
 * before the machine starts.
 */
#include "libqtest.h"
#include <sys/stat.h>

static char *tmpdir;

static char *tmp_path(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static char *slurp(const char *path)
{
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

/* Writes to COM1's scratch register and reads the RTC's register B. */
static void poke_devices(QTestState *s)
{
    qtest_outb(s, 0x3ff, 0x5a);
    qtest_outb(s, 0x70, 0x0b);
    qtest_inb(s, 0x71);
}

static void test_trace_file(void)
{
    g_autofree char *path = tmp_path("trace.log");
    g_autofree char *args =
        g_strdup_printf("-trace file=%s,serial_write -trace 'rtc_cmos_*'", path);
    g_autofree char *text = NULL;
    g_autofree char *expect = NULL;
    QTestState *s = qtest_init(args);
    int pid = qtest_pid(s);

    poke_devices(s);
    g_assert_cmpint(qtest_quit(s), ==, 0);
    text = slurp(path);
    expect =
        g_strdup_printf("(^|\n)%d@[0-9]+\\.[0-9]{6}:serial_write base 0x3f8 reg 7 val 0x5a\n", pid);
    g_assert_true(g_regex_match_simple(expect, text, 0, 0));
    g_assert_true(
        g_regex_match_simple(":rtc_cmos_read index 0x0b val 0x[0-9a-f]{2}\n", text, 0, 0));
    /* only what was asked for */
    g_assert_null(strstr(text, ":serial_read "));
    g_assert_null(strstr(text, ":rtc_index_write "));
    g_assert_null(strstr(text, ":qdev_realize "));
}

/* Without file=, trace lines go to the -D log beside the -d output. */
static void test_trace_to_log(void)
{
    g_autofree char *path = tmp_path("d.log");
    g_autofree char *args = g_strdup_printf("-D %s -d guest_errors,trace:ioport80_write", path);
    g_autofree char *text = NULL;
    QTestState *s = qtest_init(args);

    qtest_outb(s, 0x80, 0x42);
    g_assert_cmpint(qtest_quit(s), ==, 0);
    text = slurp(path);
    g_assert_nonnull(strstr(text, ":ioport80_write POST code 0x42\n"));
}

static void test_events_file(void)
{
    g_autofree char *events = tmp_path("events");
    g_autofree char *path = tmp_path("events.log");
    g_autofree char *args = g_strdup_printf("-trace events=%s,file=%s", events, path);
    g_autofree char *text = NULL;
    QTestState *s;

    g_assert_true(g_file_set_contents(events, "# COM1 only\nserial_*\n-serial_read\n", -1, NULL));
    s = qtest_init(args);
    poke_devices(s);
    qtest_inb(s, 0x3ff);
    g_assert_cmpint(qtest_quit(s), ==, 0);
    text = slurp(path);
    g_assert_nonnull(strstr(text, ":serial_write base 0x3f8 reg 7 val 0x5a\n"));
    g_assert_null(strstr(text, ":serial_read "));
    g_assert_null(strstr(text, ":rtc_"));
}

static void test_bad_options(void)
{
    static const char *const bad[] = {
        "-trace no_such_event",
        "-trace 'no_such_*'",
        "-trace bogus=1",
        "-trace events=/nonexistent/events",
        "-trace file=/nonexistent/dir/trace.log",
        "-d trace:no_such_event",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        int status = 0;
        QTestState *s = qtest_try_init(bad[i], &status);

        if (s) {
            qtest_quit(s);
            g_error("'%s' started tern", bad[i]);
        }
        g_assert_cmpint(status, ==, 1);
    }
}

int main(int argc, char **argv)
{
    g_autofree char *cmd = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("trace-test-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    g_test_add_func("/trace/file", test_trace_file);
    g_test_add_func("/trace/to-log", test_trace_to_log);
    g_test_add_func("/trace/events-file", test_events_file);
    g_test_add_func("/trace/bad-options", test_bad_options);
    ret = g_test_run();
    cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    g_assert_true(system(cmd) == 0);
    return ret;
}
