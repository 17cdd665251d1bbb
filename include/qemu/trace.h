/*
 * trace.h: trace points.
 *
 * Each source directory declares its trace points once, in its trace-events.h,
 * as an X-macro list of (name, prototype, arguments, format):
 *
 *     #define HW_CHAR_TRACE_EVENTS(X)                                          \
 *         X(serial_write, (uint32_t base, unsigned reg, unsigned val),         \
 *           (base, reg, val), "base 0x%x reg %u val 0x%02x")
 *     HW_CHAR_TRACE_EVENTS(TRACE_DECLARE_EVENT)
 *
 * which gives each point a static inline trace_serial_write(base, reg, val).
 * While the point is disabled it costs one load and one predictable branch on
 * its bool _TRACE_serial_write_DSTATE; the format is checked against the
 * argument types at compile time. util/trace-events.c defines the state and the
 * TraceEvent of every list once and puts them in the global table.
 *
 * An enabled point writes one line, as QEMU's log backend does:
 *     PID@SECONDS.MICROS:serial_write base 0x3f8 reg 0 val 0x41
 * to the -trace file= if one was given, else to the qemu_log sink (-D file or
 * stderr), under the log lock, so trace lines and -d output never interleave
 * mid-line. docs/tracing.md has the details.
 */
#ifndef QEMU_TRACE_H
#define QEMU_TRACE_H

#include "qemu/osdep.h"

typedef struct TraceEvent {
    const char *name;  /* "serial_write" */
    const char *proto; /* "(uint32_t base, unsigned reg, unsigned val)", for -trace help */
    const char *fmt;   /* printf format of the arguments */
    bool *dstate;      /* the flag the inline function tests */
} TraceEvent;

#define TRACE_DSTATE(name) _TRACE_##name##_DSTATE
#define TRACE_EVENT(name)  _TRACE_##name##_EVENT

/* True while the point is enabled: guards costly argument computation. */
#define trace_event_get_state(name) unlikely(__atomic_load_n(&TRACE_DSTATE(name), __ATOMIC_RELAXED))

/* Writes one line for an enabled event; called only by the trace_NAME() inlines. */
void trace_event_emit(const TraceEvent *ev, const char *fmt, ...) QEMU_PRINTF(2, 3)
    __attribute__((cold));

#define TRACE_UNPAREN(...) __VA_ARGS__
/* Two levels, so an empty argument list "()" leaves no trailing comma. */
#define TRACE_EMIT_(ev, fmt, ...) trace_event_emit(ev, fmt __VA_OPT__(, ) __VA_ARGS__)
#define TRACE_EMIT(...)           TRACE_EMIT_(__VA_ARGS__)

/* X-macro callbacks for a directory's list. */
#define TRACE_DECLARE_EVENT(name, proto, args, fmt)                                                \
    extern bool TRACE_DSTATE(name);                                                                \
    extern TraceEvent TRACE_EVENT(name);                                                           \
    static inline void trace_##name proto                                                          \
    {                                                                                              \
        if (trace_event_get_state(name)) {                                                         \
            TRACE_EMIT(&TRACE_EVENT(name), fmt, TRACE_UNPAREN args);                               \
        }                                                                                          \
    }

#define TRACE_DEFINE_EVENT(name, proto, args, fmt)                                                 \
    bool TRACE_DSTATE(name);                                                                       \
    TraceEvent TRACE_EVENT(name) = {#name, #proto, fmt, &TRACE_DSTATE(name)};

#define TRACE_TABLE_ENTRY(name, proto, args, fmt) &TRACE_EVENT(name),

/*
 * Adds events to the table (util/trace-events.c adds the tree's at start-up;
 * tests may add their own). Not thread-safe: call before any -trace parsing.
 */
void trace_event_register_group(TraceEvent *const *events, size_t n);

/* The event named exactly name, or NULL. */
TraceEvent *trace_event_find(const char *name);
bool trace_event_get_state_dynamic(const TraceEvent *ev);
void trace_event_set_state_dynamic(TraceEvent *ev, bool enable);
/* Calls fn for every event, sorted by name. */
void trace_event_foreach(void (*fn)(TraceEvent *ev, void *opaque), void *opaque);

/*
 * Enables (or disables) every event matching a glob (* and ?); returns how many
 * matched.
 */
unsigned trace_enable_events(const char *pattern, bool enable);

/*
 * Applies one -trace pattern: "NAME-GLOB" enables, "-NAME-GLOB" disables. False
 * with *errp when nothing matches (a typo would otherwise trace nothing, silently);
 * the message does not name the option, so the caller prefixes it ("-trace: ").
 */
bool trace_apply_pattern(const char *pattern, GError **errp);

/* Applies a file of patterns, one per line; '#' starts a comment. */
bool trace_init_events(const char *path, GError **errp);

/* Sends trace output to path (-trace file=); NULL returns it to the qemu_log sink. */
bool trace_init_file(const char *path, GError **errp);

/*
 * Parses one -trace argument: [enable=]PATTERN, events=FILE, file=PATH, comma
 * separated, or "help", which lists the events on stdout and exits 0.
 */
bool trace_opt_parse(const char *optarg, GError **errp);

/* Lists every event as "name(prototype) "format"", sorted by name. */
void trace_list_events(FILE *f);

/*
 * Appends "name : state 0|1" for every event matching pattern (NULL: all), as
 * QEMU's "info trace-events" prints it; false if nothing matches.
 */
bool trace_info_events(GString *out, const char *pattern);

#endif
