/*
 * log.c: -d categories, -D log file, and error_report() for the user.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/trace.h"

unsigned qemu_loglevel;
static FILE *logfile;
static GMutex log_lock;

typedef struct LogItem {
    unsigned mask;
    const char *name;
    const char *help;
} LogItem;

static const LogItem log_items[] = {
    { LOG_GUEST_ERROR, "guest_errors", "log when the guest programs a device or memory wrongly" },
    { LOG_UNIMP, "unimp", "log unimplemented functionality" },
    { CPU_LOG_IN_ASM, "in_asm", "show guest code as it is decoded" },
    { CPU_LOG_INT, "int", "show interrupts and exceptions" },
    { CPU_LOG_MMU, "mmu", "show page walks and TLB fills" },
    { CPU_LOG_EXEC, "exec", "show each executed block" },
    { LOG_BOOT, "boot", "print the boot-time breakdown" },
};

G_DEFINE_QUARK(tern-error-quark, tern_error)

FILE *qemu_log_lock(void)
{
    g_mutex_lock(&log_lock);
    return logfile ? logfile : stderr;
}

void qemu_log_unlock(FILE *f)
{
    (void)f;
    g_mutex_unlock(&log_lock);
}

void qemu_log(const char *fmt, ...)
{
    FILE *f = qemu_log_lock();
    va_list ap;

    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    qemu_log_unlock(f);
}

bool qemu_set_log_str(const char *str, GError **errp)
{
    g_auto(GStrv) names = g_strsplit(str, ",", -1);
    unsigned mask = 0;

    for (char **n = names; *n; n++) {
        size_t i;
        if (!**n) {
            continue;
        }
        /* QEMU's spelling of -trace PATTERN: "-d trace:serial_*". */
        if (g_str_has_prefix(*n, "trace:")) {
            if (!trace_apply_pattern(*n + 6, errp)) {
                g_prefix_error(errp, "-d %s: ", *n);
                return false;
            }
            continue;
        }
        for (i = 0; i < ARRAY_SIZE(log_items); i++) {
            if (!strcmp(*n, log_items[i].name)) {
                mask |= log_items[i].mask;
                break;
            }
        }
        if (i == ARRAY_SIZE(log_items)) {
            g_set_error(errp, TERN_ERROR, 0, "-d: unknown log item '%s' (try -d help)", *n);
            return false;
        }
    }
    qemu_loglevel = mask;
    return true;
}

void qemu_print_log_usage(void)
{
    printf("Log items (comma separated):\n");
    for (size_t i = 0; i < ARRAY_SIZE(log_items); i++) {
        printf("%-14s %s\n", log_items[i].name, log_items[i].help);
    }
    printf("%-14s %s\n", "trace:PATTERN", "enable trace events matching PATTERN (as -trace)");
}

bool qemu_set_log_filename(const char *filename, GError **errp)
{
    FILE *f = NULL;

    if (filename) {
        f = fopen(filename, "w");
        if (!f) {
            g_set_error(errp, TERN_ERROR, 0, "-D %s: %s", filename, g_strerror(errno));
            return false;
        }
        setvbuf(f, NULL, _IOLBF, 0);
    }
    g_mutex_lock(&log_lock);
    if (logfile) {
        fclose(logfile);
    }
    logfile = f;
    g_mutex_unlock(&log_lock);
    return true;
}

static void report(const char *prefix, const char *fmt, va_list ap)
{
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    fprintf(stderr, "tern: %s%s\n", prefix, msg);
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("", fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("warning: ", fmt, ap);
    va_end(ap);
}

void info_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("", fmt, ap);
    va_end(ap);
}

void error_report_fatal(GError *err)
{
    error_report("%s", err ? err->message : "unknown error");
    exit(1);
}
