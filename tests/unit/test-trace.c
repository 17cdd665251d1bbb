/*
 * test-trace.c: trace points: declaration macros, glob patterns, -trace parsing
 * and errors, events files, the output line, and the shared -D sink.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/trace.h"

/* The test's own events, declared and defined as a directory's would be. */
#define TEST_TRACE_EVENTS(X)                                                                       \
    X(ttest_alpha, (int x, const char *s), (x, s), "x %d s %s")                                    \
    X(ttest_beta, (uint64_t addr), (addr), "addr 0x%" PRIx64)                                      \
    X(ttest_gamma_1, (void), (), "no arguments")                                                   \
    X(ttest_gamma_22, (unsigned v), (v), "v %u")

TEST_TRACE_EVENTS(TRACE_DECLARE_EVENT)
TEST_TRACE_EVENTS(TRACE_DEFINE_EVENT)
static TraceEvent *const test_events[] = {TEST_TRACE_EVENTS(TRACE_TABLE_ENTRY)};

static char *tmpdir;

static void reset_trace(void)
{
    trace_enable_events("*", false);
    g_assert_true(trace_init_file(NULL, NULL));
    g_assert_true(qemu_set_log_filename(NULL, NULL));
}

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

static bool enabled(const char *name)
{
    TraceEvent *ev = trace_event_find(name);

    g_assert_nonnull(ev);
    return trace_event_get_state_dynamic(ev);
}

static void test_patterns(void)
{
    reset_trace();
    g_assert_cmpuint(trace_enable_events("ttest_a*", true), ==, 1);
    g_assert_true(enabled("ttest_alpha"));
    g_assert_false(enabled("ttest_beta"));
    g_assert_true(trace_event_get_state(ttest_alpha));
    g_assert_false(trace_event_get_state(ttest_beta));

    /* ? is exactly one character: gamma_1 but not gamma_22 */
    g_assert_cmpuint(trace_enable_events("ttest_gamma_?", true), ==, 1);
    g_assert_true(enabled("ttest_gamma_1"));
    g_assert_false(enabled("ttest_gamma_22"));
    g_assert_cmpuint(trace_enable_events("ttest_*", true), ==, 4);
    g_assert_cmpuint(trace_enable_events("ttest", true), ==, 0);
    g_assert_cmpuint(trace_enable_events("*_beta", false), ==, 1);
    g_assert_false(enabled("ttest_beta"));
    g_assert_true(enabled("ttest_alpha"));

    /* "-GLOB" disables */
    g_assert_true(trace_apply_pattern("-ttest_*", NULL));
    g_assert_false(enabled("ttest_alpha"));
    g_assert_null(trace_event_find("ttest_"));
    reset_trace();
}

static void test_opt_parse(void)
{
    GError *err = NULL;

    reset_trace();
    g_assert_true(trace_opt_parse("ttest_alpha", &err));
    g_assert_no_error(err);
    g_assert_true(trace_opt_parse("enable=ttest_b*,ttest_gamma_22", &err));
    g_assert_no_error(err);
    g_assert_true(enabled("ttest_alpha"));
    g_assert_true(enabled("ttest_beta"));
    g_assert_true(enabled("ttest_gamma_22"));
    g_assert_false(enabled("ttest_gamma_1"));
    g_assert_true(trace_opt_parse("-ttest_alpha", &err));
    g_assert_false(enabled("ttest_alpha"));
    reset_trace();
}

/* Every bad option fails with one message naming what was wrong. */
static void test_bad_options(void)
{
    static const struct {
        const char *arg, *expect;
    } cases[] = {
        {"", "empty argument"},
        {"foo=bar", "unknown option 'foo'"},
        {"ttest_nosuch", "no trace event is named 'ttest_nosuch'"},
        {"zz*", "no trace event matches 'zz*'"},
        {"enable=", "empty event pattern"},
        {"-", "empty event pattern"},
        {"ttest_alpha,,", "empty event pattern"},
        {"events=/nonexistent/tern-events", "-trace events=/nonexistent/tern-events:"},
        {"file=/nonexistent/dir/trace.log", "-trace file=/nonexistent/dir/trace.log:"},
    };

    reset_trace();
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        GError *err = NULL;
        g_assert_false(trace_opt_parse(cases[i].arg, &err));
        g_assert_nonnull(err);
        if (!strstr(err->message, cases[i].expect)) {
            g_error("-trace '%s': got '%s', expected '%s'", cases[i].arg, err->message,
                    cases[i].expect);
        }
        g_error_free(err);
    }
    reset_trace();
}

static void test_events_file(void)
{
    g_autofree char *path = tmp_path("events");
    g_autofree char *opt = g_strdup_printf("events=%s", path);
    GError *err = NULL;

    reset_trace();
    g_assert_true(g_file_set_contents(path,
                                      "# comment\n"
                                      "\n"
                                      "  ttest_*  \n"
                                      "-ttest_beta\n",
                                      -1, NULL));
    g_assert_true(trace_opt_parse(opt, &err));
    g_assert_no_error(err);
    g_assert_true(enabled("ttest_alpha"));
    g_assert_false(enabled("ttest_beta"));
    g_assert_true(enabled("ttest_gamma_22"));

    /* a bad line names the file and the line */
    g_assert_true(g_file_set_contents(path, "ttest_alpha\n# ok\nttest_nope\n", -1, NULL));
    g_assert_false(trace_init_events(path, &err));
    g_assert_nonnull(strstr(err->message, ":3: "));
    g_assert_nonnull(strstr(err->message, "ttest_nope"));
    g_clear_error(&err);
    reset_trace();
}

static void test_output_format(void)
{
    g_autofree char *path = tmp_path("trace.log");
    g_autofree char *opt = g_strdup_printf("file=%s,ttest_*", path);
    g_autofree char *long_arg = g_strnfill(1000, 'x');
    g_autofree char *text = NULL;
    g_autofree char *expect = NULL;
    g_auto(GStrv) lines = NULL;

    reset_trace();
    g_assert_true(trace_opt_parse(opt, NULL));
    trace_ttest_alpha(-7, "hello");
    trace_ttest_beta(0xfee00000ull);
    trace_ttest_gamma_1();
    trace_ttest_alpha(1, long_arg);             /* longer than the stack buffer */
    g_assert_true(trace_init_file(NULL, NULL)); /* closes it */
    text = slurp(path);
    lines = g_strsplit(text, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 5);
    g_assert_cmpstr(lines[4], ==, "");
    g_assert_true(g_str_has_suffix(lines[3], long_arg));
    g_assert_nonnull(strstr(lines[3], ":ttest_alpha x 1 s xxx"));

    /* PID@SECONDS.MICROS:name args */
    expect = g_strdup_printf("^%d@[0-9]+\\.[0-9]{6}:ttest_alpha x -7 s hello$", (int)getpid());
    g_assert_true(g_regex_match_simple(expect, lines[0], 0, 0));
    g_assert_true(g_regex_match_simple(":ttest_beta addr 0xfee00000$", lines[1], 0, 0));
    g_assert_true(g_regex_match_simple(":ttest_gamma_1 no arguments$", lines[2], 0, 0));
    reset_trace();
}

static int evaluated;

static int count_evaluation(void)
{
    return ++evaluated;
}

/* A disabled event writes nothing; a guarded argument is not even computed. */
static void test_disabled_is_silent(void)
{
    g_autofree char *path = tmp_path("silent.log");
    g_autofree char *text = NULL;

    reset_trace();
    g_assert_true(trace_init_file(path, NULL));
    trace_enable_events("ttest_*", true);
    trace_enable_events("ttest_alpha", false);
    for (int i = 0; i < 1000; i++) {
        trace_ttest_alpha(i, "never");
    }
    if (trace_event_get_state(ttest_alpha)) {
        trace_ttest_alpha(count_evaluation(), "guarded");
    }
    trace_ttest_gamma_22(7);
    g_assert_true(trace_init_file(NULL, NULL));
    text = slurp(path);
    g_assert_cmpint(evaluated, ==, 0);
    g_assert_null(strstr(text, "ttest_alpha"));
    g_assert_true(g_regex_match_simple("^[0-9]+@[0-9.]+:ttest_gamma_22 v 7\n$", text, 0, 0));
    reset_trace();
}

/* Without -trace file=, trace lines and -d output share the -D file. */
static void test_shared_log_sink(void)
{
    g_autofree char *path = tmp_path("d.log");
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    reset_trace();
    g_assert_true(qemu_set_log_filename(path, NULL));
    trace_enable_events("ttest_beta", true);
    qemu_log("first from -d\n");
    trace_ttest_beta(1);
    qemu_log("last from -d\n");
    g_assert_true(qemu_set_log_filename(NULL, NULL));
    text = slurp(path);
    lines = g_strsplit(text, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 4);
    g_assert_cmpstr(lines[0], ==, "first from -d");
    g_assert_true(g_regex_match_simple(":ttest_beta addr 0x1$", lines[1], 0, 0));
    g_assert_cmpstr(lines[2], ==, "last from -d");
    reset_trace();
}

/* -d trace:PATTERN is QEMU's other spelling of -trace PATTERN. */
static void test_log_trace_item(void)
{
    GError *err = NULL;

    reset_trace();
    g_assert_true(qemu_set_log_str("guest_errors,trace:ttest_b*", &err));
    g_assert_no_error(err);
    g_assert_true(qemu_loglevel_mask(LOG_GUEST_ERROR));
    g_assert_true(enabled("ttest_beta"));
    g_assert_false(enabled("ttest_alpha"));
    g_assert_false(qemu_set_log_str("trace:ttest_nosuch", &err));
    g_assert_nonnull(strstr(err->message, "ttest_nosuch"));
    g_clear_error(&err);
    g_assert_true(qemu_set_log_str("", NULL));
    reset_trace();
}

#define NR_THREADS 4
#define NR_LINES   2000

static gpointer emit_thread(gpointer opaque)
{
    for (unsigned i = 0; i < NR_LINES; i++) {
        trace_ttest_gamma_22(GPOINTER_TO_UINT(opaque) * 1000000 + i);
    }
    return NULL;
}

/* Threads tracing at once never split or mix a line. */
static void test_threads_whole_lines(void)
{
    g_autofree char *path = tmp_path("threads.log");
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GThread *threads[NR_THREADS];

    reset_trace();
    g_assert_true(trace_init_file(path, NULL));
    trace_enable_events("ttest_gamma_22", true);
    for (unsigned i = 0; i < NR_THREADS; i++) {
        threads[i] = g_thread_new("tracer", emit_thread, GUINT_TO_POINTER(i + 1));
    }
    for (unsigned i = 0; i < NR_THREADS; i++) {
        g_thread_join(threads[i]);
    }
    g_assert_true(trace_init_file(NULL, NULL));
    text = slurp(path);
    lines = g_strsplit(text, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, NR_THREADS * NR_LINES + 1);
    for (unsigned i = 0; i < NR_THREADS * NR_LINES; i++) {
        g_assert_true(g_regex_match_simple("^[0-9]+@[0-9]+\\.[0-9]{6}:ttest_gamma_22 v [0-9]+$",
                                           lines[i], 0, 0));
    }
    reset_trace();
}

static void test_list(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char *alpha, *beta;

    trace_list_events(f);
    fclose(f);
    alpha = strstr(buf, "\nttest_alpha(int x, const char *s) \"x %d s %s\"\n");
    beta = strstr(buf, "\nttest_beta(uint64_t addr) \"addr 0x%" PRIx64 "\"\n");
    g_assert_nonnull(alpha);
    g_assert_nonnull(beta);
    g_assert_true(alpha < beta); /* sorted by name */
    /* the tree's own points are there too */
    g_assert_nonnull(strstr(buf, "\nserial_write(uint32_t base, unsigned reg, unsigned val)"));
    free(buf);
}

/* What a monitor's "info trace-events [PATTERN]" prints. */
static void test_info_events(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    reset_trace();
    trace_enable_events("ttest_beta", true);
    g_assert_true(trace_info_events(out, "ttest_*"));
    g_assert_cmpstr(out->str, ==,
                    "ttest_alpha : state 0\n"
                    "ttest_beta : state 1\n"
                    "ttest_gamma_1 : state 0\n"
                    "ttest_gamma_22 : state 0\n");
    g_string_truncate(out, 0);
    g_assert_false(trace_info_events(out, "ttest_nosuch"));
    g_assert_cmpstr(out->str, ==, "");
    g_assert_true(trace_info_events(out, NULL));
    g_assert_nonnull(strstr(out->str, "\nserial_write : state 0\n"));
    reset_trace();
}

/* -trace help lists on stdout and exits 0, like -d help. */
static void test_help(void)
{
    if (g_test_subprocess()) {
        trace_opt_parse("help", NULL);
        g_assert_not_reached();
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout("*\nttest_gamma_1(void) \"no arguments\"\n*");
    g_test_trap_assert_stdout("*\nserial_read(*");
}

/* Two events with one name would share a pattern but not a flag. */
static void test_duplicate_name(void)
{
    static bool dstate;
    static TraceEvent dup = {"ttest_alpha", "(void)", "", &dstate};
    static TraceEvent *const group[] = {&dup};

    if (g_test_subprocess()) {
        trace_event_register_group(group, 1);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*'ttest_alpha' is declared twice*");
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    trace_event_register_group(test_events, ARRAY_SIZE(test_events));
    tmpdir = g_dir_make_tmp("test-trace-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);

    g_test_add_func("/trace/patterns", test_patterns);
    g_test_add_func("/trace/opt-parse", test_opt_parse);
    g_test_add_func("/trace/bad-options", test_bad_options);
    g_test_add_func("/trace/events-file", test_events_file);
    g_test_add_func("/trace/output-format", test_output_format);
    g_test_add_func("/trace/disabled-is-silent", test_disabled_is_silent);
    g_test_add_func("/trace/shared-log-sink", test_shared_log_sink);
    g_test_add_func("/trace/log-trace-item", test_log_trace_item);
    g_test_add_func("/trace/threads-whole-lines", test_threads_whole_lines);
    g_test_add_func("/trace/list", test_list);
    g_test_add_func("/trace/info-events", test_info_events);
    g_test_add_func("/trace/help", test_help);
    g_test_add_func("/trace/duplicate-name", test_duplicate_name);
    ret = g_test_run();

    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    g_assert_true(system(cmd) == 0);
    return ret;
}
