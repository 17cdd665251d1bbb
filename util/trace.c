/*
 * trace.c: the trace event table, -trace parsing and the output of enabled events.
 *
 * The table is a list of pointers to the TraceEvents that the directories'
 * trace-events.h lists define (util/trace-events.c registers them at start-up).
 * Enabling an event stores its bool; the trace_NAME() inlines read it with a
 * relaxed atomic load, so vCPU threads need no lock to test it.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/trace.h"

#define TRACE_NAME_MAX 80 /* keeps the line prefix within trace_event_emit()'s buffer */

static GPtrArray *events; /* TraceEvent *, sorted by name when events_sorted */
static bool events_sorted;
static FILE *trace_file; /* -trace file=, under the log lock */

static int compare_events(gconstpointer a, gconstpointer b)
{
    const TraceEvent *ea = *(TraceEvent *const *)a;
    const TraceEvent *eb = *(TraceEvent *const *)b;

    return strcmp(ea->name, eb->name);
}

static GPtrArray *event_table(void)
{
    if (!events) {
        events = g_ptr_array_new();
    }
    return events;
}

/* The table in name order, for listings; sorted once after the last registration. */
static GPtrArray *sorted_event_table(void)
{
    if (!events_sorted) {
        g_ptr_array_sort(event_table(), compare_events);
        events_sorted = true;
    }
    return events;
}

void trace_event_register_group(TraceEvent *const *group, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (trace_event_find(group[i]->name)) {
            g_error("trace event '%s' is declared twice", group[i]->name);
        }
        if (strlen(group[i]->name) > TRACE_NAME_MAX) {
            g_error("trace event name '%s' is longer than %d characters", group[i]->name,
                    TRACE_NAME_MAX);
        }
        g_ptr_array_add(event_table(), group[i]);
        events_sorted = false;
    }
}

TraceEvent *trace_event_find(const char *name)
{
    GPtrArray *t = event_table();

    for (guint i = 0; i < t->len; i++) {
        TraceEvent *ev = g_ptr_array_index(t, i);
        if (!strcmp(ev->name, name)) {
            return ev;
        }
    }
    return NULL;
}

bool trace_event_get_state_dynamic(const TraceEvent *ev)
{
    return __atomic_load_n(ev->dstate, __ATOMIC_RELAXED);
}

void trace_event_set_state_dynamic(TraceEvent *ev, bool enable)
{
    __atomic_store_n(ev->dstate, enable, __ATOMIC_RELAXED);
}

void trace_event_foreach(void (*fn)(TraceEvent *ev, void *opaque), void *opaque)
{
    GPtrArray *t = sorted_event_table();

    for (guint i = 0; i < t->len; i++) {
        fn(g_ptr_array_index(t, i), opaque);
    }
}

unsigned trace_enable_events(const char *pattern, bool enable)
{
    g_autoptr(GPatternSpec) spec = g_pattern_spec_new(pattern);
    GPtrArray *t = event_table();
    unsigned matched = 0;

    for (guint i = 0; i < t->len; i++) {
        TraceEvent *ev = g_ptr_array_index(t, i);
        if (g_pattern_spec_match_string(spec, ev->name)) {
            trace_event_set_state_dynamic(ev, enable);
            matched++;
        }
    }
    return matched;
}

bool trace_apply_pattern(const char *pattern, GError **errp)
{
    bool enable = pattern[0] != '-';
    const char *glob = enable ? pattern : pattern + 1;

    if (!*glob) {
        g_set_error(errp, TERN_ERROR, 0, "empty event pattern");
        return false;
    }
    if (!trace_enable_events(glob, enable)) {
        g_set_error(errp, TERN_ERROR, 0, "no trace event %s '%s' (try -trace help)",
                    strpbrk(glob, "*?") ? "matches" : "is named", glob);
        return false;
    }
    return true;
}

bool trace_init_events(const char *path, GError **errp)
{
    FILE *f = fopen(path, "r");
    g_autofree char *buf = NULL;
    size_t size = 0;
    bool ok = true;

    if (!f) {
        g_set_error(errp, TERN_ERROR, 0, "-trace events=%s: %s", path, g_strerror(errno));
        return false;
    }
    for (int lineno = 1; ok && getline(&buf, &size, f) >= 0; lineno++) {
        char *line = g_strstrip(buf);
        if (*line && *line != '#' && !trace_apply_pattern(line, errp)) {
            g_prefix_error(errp, "-trace events=%s:%d: ", path, lineno);
            ok = false;
        }
    }
    fclose(f);
    return ok;
}

bool trace_init_file(const char *path, GError **errp)
{
    FILE *f = NULL, *sink;

    if (path) {
        f = fopen(path, "w");
        if (!f) {
            g_set_error(errp, TERN_ERROR, 0, "-trace file=%s: %s", path, g_strerror(errno));
            return false;
        }
        /* A line per event reaches the file at once, also if tern then crashes. */
        setvbuf(f, NULL, _IOLBF, 0);
    }
    sink = qemu_log_lock();
    if (trace_file) {
        fclose(trace_file);
    }
    trace_file = f;
    qemu_log_unlock(sink);
    return true;
}

static bool trace_opt_item(const char *item, GError **errp)
{
    const char *eq = strchr(item, '=');
    size_t klen = eq ? (size_t)(eq - item) : 0;

    if (!eq || (klen == 6 && !strncmp(item, "enable", klen))) {
        if (!trace_apply_pattern(eq ? eq + 1 : item, errp)) {
            g_prefix_error(errp, "-trace: ");
            return false;
        }
        return true;
    }
    if (klen == 6 && !strncmp(item, "events", klen)) {
        return trace_init_events(eq + 1, errp);
    }
    if (klen == 4 && !strncmp(item, "file", klen)) {
        return trace_init_file(eq + 1, errp);
    }
    g_set_error(errp, TERN_ERROR, 0,
                "-trace: unknown option '%.*s' (expected [enable=]PATTERN, events=FILE, "
                "file=PATH or help)",
                (int)klen, item);
    return false;
}

bool trace_opt_parse(const char *optarg, GError **errp)
{
    g_auto(GStrv) items = g_strsplit(optarg, ",", -1);

    if (!strcmp(optarg, "help")) {
        trace_list_events(stdout);
        exit(0);
    }
    if (!items[0]) {
        g_set_error(errp, TERN_ERROR, 0, "-trace: empty argument (try -trace help)");
        return false;
    }
    for (char **it = items; *it; it++) {
        if (!trace_opt_item(*it, errp)) {
            return false;
        }
    }
    return true;
}

static void list_one(TraceEvent *ev, void *opaque)
{
    fprintf(opaque, "%s%s \"%s\"\n", ev->name, ev->proto, ev->fmt);
}

void trace_list_events(FILE *f)
{
    fprintf(f,
            "Trace events (-trace PATTERN enables them; * matches any text, ? one character):\n");
    trace_event_foreach(list_one, f);
}

bool trace_info_events(GString *out, const char *pattern)
{
    g_autoptr(GPatternSpec) spec = g_pattern_spec_new(pattern ? pattern : "*");
    GPtrArray *t = sorted_event_table();
    bool matched = false;

    for (guint i = 0; i < t->len; i++) {
        TraceEvent *ev = g_ptr_array_index(t, i);
        if (g_pattern_spec_match_string(spec, ev->name)) {
            g_string_append_printf(out, "%s : state %d\n", ev->name,
                                   trace_event_get_state_dynamic(ev));
            matched = true;
        }
    }
    return matched;
}

void trace_event_emit(const TraceEvent *ev, const char *fmt, ...)
{
    int64_t now = g_get_real_time();
    g_autofree char *heap = NULL;
    char buf[256], *line = buf;
    size_t prefix, len;
    va_list ap;
    FILE *sink, *f;

    /* Names are short (TRACE_NAME_MAX), so the prefix always fits. */
    prefix = snprintf(buf, sizeof(buf), "%d@%" PRId64 ".%06" PRId64 ":%s ", (int)getpid(),
                      now / G_USEC_PER_SEC, now % G_USEC_PER_SEC, ev->name);
    va_start(ap, fmt);
    len = prefix + vsnprintf(buf + prefix, sizeof(buf) - prefix, fmt, ap);
    va_end(ap);
    if (len + 1 < sizeof(buf)) {
        buf[len++] = '\n';
    } else {
        /* A long line goes through the heap; most never do. */
        g_autofree char *args = NULL;

        va_start(ap, fmt);
        args = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        buf[prefix] = '\0';
        line = heap = g_strconcat(buf, args, "\n", NULL);
        len = strlen(line);
    }

    /* One write per event: whole lines even on unbuffered stderr. */
    sink = qemu_log_lock();
    f = trace_file ? trace_file : sink;
    fwrite(line, 1, len, f);
    qemu_log_unlock(sink);
}
