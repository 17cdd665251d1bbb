/*
 * monitor.c: the human monitor's front end: a chardev front end with a line
 * editor, output, and the command-line parser that finds a command in the
 * tables of hmp-cmds.c and checks its flags and arguments.
 *
 * Follows QEMU's HMP conventions: "(tern) " prompt, NAME[/FMT] [-f] [ARGS],
 * a one-line error for a wrong command or argument, and on a mux the monitor
 * is one more front end (Ctrl-A c gives it the input). Runs in the main loop
 * under the BQL, like every chardev handler.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "hw/core/cpu.h"
#include "sysemu/cpus.h"
#include "monitor-internal.h"

#define MONITOR_BANNER     "tern monitor - type 'help' for more information\n"
#define MONITOR_CHR_LABEL  "compat_monitor0" /* QEMU's name for -monitor's chardev */
#define MONITOR_READ_CHUNK 256

static GPtrArray *monitors; /* Monitor *, for monitor_cleanup */

/* --- output ------------------------------------------------------------------ */

static void monitor_write(Monitor *mon, const char *s, size_t len)
{
    if (mon->outbuf) {
        g_string_append_len(mon->outbuf, s, len);
    } else if (mon->has_chr && len) {
        qemu_chr_fe_write_all(&mon->be, (const uint8_t *)s, (int)len);
    }
}

/* A terminal in raw mode needs CR LF; a buffer keeps plain LF. */
void monitor_puts(Monitor *mon, const char *s)
{
    const char *nl;

    if (mon->outbuf) {
        monitor_write(mon, s, strlen(s));
        return;
    }
    while ((nl = strchr(s, '\n'))) {
        monitor_write(mon, s, nl - s);
        monitor_write(mon, "\r\n", 2);
        s = nl + 1;
    }
    monitor_write(mon, s, strlen(s));
}

void monitor_printf(Monitor *mon, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *s = NULL;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    monitor_puts(mon, s);
}

void monitor_error(Monitor *mon, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *s = NULL;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    monitor_printf(mon, "Error: %s\n", s);
}

/* Line editor output is terminal control already: no newline conversion. */
static void readline_print(void *opaque, const char *s)
{
    Monitor *mon = opaque;

    if (!mon->outbuf) {
        monitor_write(mon, s, strlen(s));
    }
}

/* --- vCPU ---------------------------------------------------------------------- */

CPUState *monitor_get_cpu(Monitor *mon)
{
    CPUState *cpu = qemu_get_cpu(mon->cpu_index);

    return cpu ? cpu : first_cpu;
}

bool monitor_set_cpu(Monitor *mon, int index)
{
    if (!qemu_get_cpu(index)) {
        return false;
    }
    mon->cpu_index = index;
    return true;
}

CPUX86State *monitor_sync_env(Monitor *mon)
{
    CPUState *cpu = monitor_get_cpu(mon);

    if (!cpu) {
        monitor_error(mon, "no vCPU (this machine has no CPU, e.g. under -accel qtest)");
        return NULL;
    }
    cpu_synchronize_state(cpu);
    return cpu->env;
}

/* --- parsing ------------------------------------------------------------------- */

const HMPCommand *hmp_find_cmd(const HMPCommand *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        g_auto(GStrv) names = g_strsplit(table[i].name, "|", -1);

        for (char **p = names; *p; p++) {
            if (!strcmp(*p, name)) {
                return &table[i];
            }
        }
    }
    return NULL;
}

bool hmp_has_flag(const HMPArgs *a, char flag)
{
    return strchr(a->flags, flag) != NULL;
}

static const char *skip_spaces(const char *s)
{
    while (g_ascii_isspace(*s)) {
        s++;
    }
    return s;
}

/* Leading "-x" words; false after printing an error for a flag cmd does not take. */
static bool parse_flags(Monitor *mon, const HMPCommand *cmd, const char **rest, HMPArgs *a,
                        const char *what)
{
    const char *s = skip_spaces(*rest);
    size_t n = 0;

    while (s[0] == '-' && g_ascii_isalpha(s[1]) && (!s[2] || g_ascii_isspace(s[2]))) {
        if (!strchr(cmd->flags, s[1])) {
            monitor_error(mon, "%s: invalid option -%c", what, s[1]);
            return false;
        }
        if (n < HMP_MAX_FLAGS) {
            a->flags[n++] = s[1];
        }
        s = skip_spaces(s + 2);
    }
    *rest = s;
    return true;
}

static bool check_args(Monitor *mon, const HMPCommand *cmd, const HMPArgs *a, const char *what)
{
    switch (cmd->args) {
    case HMP_ARGS_NONE:
        if (a->argc) {
            monitor_error(mon, "%s: too many arguments ('%s'); usage: %s %s", what, a->argv[0],
                          what, cmd->params);
            return false;
        }
        return true;
    case HMP_ARGS_REST:
        return true;
    case HMP_ARGS_OPT_WORD:
        if (a->argc > 1) {
            monitor_error(mon, "%s: too many arguments ('%s')", what, a->argv[1]);
            return false;
        }
        return true;
    case HMP_ARGS_EXPR:
    case HMP_ARGS_INT:
        if (!a->argc) {
            monitor_error(mon, "%s: missing argument; usage: %s %s", what, what, cmd->params);
            return false;
        }
        if (cmd->args == HMP_ARGS_INT && a->argc > 1) {
            monitor_error(mon, "%s: too many arguments ('%s')", what, a->argv[1]);
            return false;
        }
        return true;
    }
    return false;
}

void hmp_dispatch(Monitor *mon, const HMPCommand *cmd, const char *fmt, const char *rest,
                  const char *what)
{
    HMPArgs a = {.fmt = fmt};
    g_auto(GStrv) argv = NULL;

    if (fmt && !cmd->takes_fmt) {
        monitor_error(mon, "%s: takes no /format", what);
        return;
    }
    if (!parse_flags(mon, cmd, &rest, &a, what)) {
        return;
    }
    a.rest = rest;
    argv = g_strsplit_set(rest, " \t", -1);
    /* drop empty words (runs of spaces) */
    a.argv = g_new0(char *, g_strv_length(argv) + 1);
    for (char **p = argv; *p; p++) {
        if (**p) {
            a.argv[a.argc++] = *p;
        }
    }
    if (check_args(mon, cmd, &a, what)) {
        cmd->cmd(mon, &a);
    }
    g_free(a.argv);
}

/* Splits "x/10i" into "x" and "10i". */
static char *split_name(const char *word, const char **fmt)
{
    const char *slash = strchr(word, '/');

    *fmt = slash ? slash + 1 : NULL;
    return slash ? g_strndup(word, slash - word) : g_strdup(word);
}

bool hmp_handle_command(Monitor *mon, const char *cmdline)
{
    const char *s = skip_spaces(cmdline);
    const char *end = s, *fmt;
    g_autofree char *word = NULL, *name = NULL;
    const HMPCommand *cmd;

    while (*end && !g_ascii_isspace(*end)) {
        end++;
    }
    if (end == s) {
        return true; /* empty line */
    }
    word = g_strndup(s, end - s);
    name = split_name(word, &fmt);
    cmd = hmp_find_cmd(hmp_cmds, hmp_cmds_count, name);
    if (!cmd) {
        monitor_printf(mon, "unknown command: '%s' (try 'help')\n", name);
        return false;
    }
    hmp_dispatch(mon, cmd, fmt, end, name);
    return true;
}

/* --- chardev front end ------------------------------------------------------------ */

static void monitor_line(void *opaque, const char *line)
{
    Monitor *mon = opaque;

    int status;

    hmp_handle_command(mon, line);
    if (!qemu_shutdown_requested(&status)) {
        readline_show_prompt(&mon->rs); /* after quit, none: tern is going */
    }
}

void monitor_feed_input(Monitor *mon, const uint8_t *buf, int size)
{
    for (int i = 0; i < size; i++) {
        readline_handle_byte(&mon->rs, buf[i]);
    }
}

static int monitor_can_read(void *opaque)
{
    (void)opaque;
    return MONITOR_READ_CHUNK;
}

static void monitor_read(void *opaque, const uint8_t *buf, int size)
{
    monitor_feed_input(opaque, buf, size);
}

static void monitor_greet(Monitor *mon)
{
    if (!mon->banner_shown) {
        monitor_puts(mon, MONITOR_BANNER);
        mon->banner_shown = true;
    }
    readline_show_prompt(&mon->rs);
}

static void monitor_event(void *opaque, QEMUChrEvent event)
{
    Monitor *mon = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        /* a socket peer: every connection gets the banner; a mux waits for the focus */
        if (!qemu_chr_is_mux(mon->be.chr)) {
            mon->banner_shown = false;
            monitor_greet(mon);
        }
        break;
    case CHR_EVENT_MUX_IN:
        monitor_greet(mon);
        break;
    case CHR_EVENT_CLOSED:
        mon->rs.len = mon->rs.pos = 0;
        break;
    default:
        break;
    }
}

static Monitor *monitor_alloc(void)
{
    Monitor *mon = g_new0(Monitor, 1);

    readline_init(&mon->rs, MONITOR_PROMPT, readline_print, monitor_line, mon);
    mon->last_format = 'x';
    mon->last_size = 4;
    if (!monitors) {
        monitors = g_ptr_array_new();
    }
    g_ptr_array_add(monitors, mon);
    return mon;
}

Monitor *monitor_init_hmp(Chardev *chr, GError **errp)
{
    Monitor *mon = monitor_alloc();

    if (!qemu_chr_fe_init(&mon->be, chr, errp)) {
        monitor_destroy(mon);
        return NULL;
    }
    mon->has_chr = true;
    qemu_chr_fe_set_handlers(&mon->be, monitor_can_read, monitor_read, monitor_event, mon);
    return mon;
}

bool monitor_init_spec(const char *spec, GError **errp)
{
    Chardev *chr;

    if (!strcmp(spec, "none")) {
        return true;
    }
    chr = qemu_chr_new(MONITOR_CHR_LABEL, spec, errp);
    return chr && monitor_init_hmp(chr, errp);
}

Monitor *monitor_new_buffer(void)
{
    Monitor *mon = monitor_alloc();

    mon->outbuf = g_string_new(NULL);
    return mon;
}

GString *monitor_buffer(Monitor *mon)
{
    return mon->outbuf;
}

void monitor_destroy(Monitor *mon)
{
    if (!mon) {
        return;
    }
    if (mon->has_chr) {
        qemu_chr_fe_deinit(&mon->be);
    }
    if (mon->outbuf) {
        g_string_free(mon->outbuf, true);
    }
    readline_destroy(&mon->rs);
    if (monitors) {
        g_ptr_array_remove(monitors, mon);
    }
    g_free(mon);
}

void monitor_cleanup(void)
{
    while (monitors && monitors->len) {
        monitor_destroy(g_ptr_array_index(monitors, monitors->len - 1));
    }
}
