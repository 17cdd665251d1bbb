/*
 * log.h: diagnostics.
 *
 * error_report() is for the user (bad options, bad images): one line on stderr,
 * prefixed "tern: ". qemu_log_mask() is for -d categories (guest errors,
 * unimplemented features, later in_asm/int/mmu), written to the log file set with -D
 * (stderr by default) only when the category is enabled.
 */
#ifndef QEMU_LOG_H
#define QEMU_LOG_H

#include "qemu/osdep.h"

#define LOG_GUEST_ERROR (1u << 0) /* the guest programmed something wrongly */
#define LOG_UNIMP       (1u << 1) /* a feature tern does not implement */
#define CPU_LOG_IN_ASM  (1u << 2) /* guest code as it is translated */
#define CPU_LOG_INT     (1u << 3) /* interrupts and exceptions */
#define CPU_LOG_MMU     (1u << 4) /* page walks */
#define CPU_LOG_EXEC    (1u << 5) /* every executed block */
#define LOG_BOOT        (1u << 6) /* boot-time breakdown */

extern unsigned qemu_loglevel;

static inline bool qemu_loglevel_mask(unsigned mask)
{
    return (qemu_loglevel & mask) != 0;
}

/* Writes to the log (stderr or -D file), whatever the mask. */
void qemu_log(const char *fmt, ...) QEMU_PRINTF(1, 2);

/*
 * Takes the log lock and returns the sink (the -D file, else stderr), so a caller
 * writes several pieces as one record; trace output (util/trace.c) shares the lock.
 * Release with qemu_log_unlock().
 */
FILE *qemu_log_lock(void);
void qemu_log_unlock(FILE *f);

#define qemu_log_mask(mask, ...)                                                                   \
    do {                                                                                           \
        if (unlikely(qemu_loglevel_mask(mask))) {                                                  \
            qemu_log(__VA_ARGS__);                                                                 \
        }                                                                                          \
    } while (0)

/* Parses a -d list ("guest_errors,unimp"); "help" lists them. False with *errp on a bad name. */
bool qemu_set_log_str(const char *str, GError **errp);
/* Sends the log to a file (-D); NULL returns it to stderr. */
bool qemu_set_log_filename(const char *filename, GError **errp);
/* Prints the -d categories to stdout. */
void qemu_print_log_usage(void);

/* One line for the user on stderr: "tern: <message>". */
void error_report(const char *fmt, ...) QEMU_PRINTF(1, 2);
void warn_report(const char *fmt, ...) QEMU_PRINTF(1, 2);
void info_report(const char *fmt, ...) QEMU_PRINTF(1, 2);

/* Reports a setup error (err->message) and exits 1. */
QEMU_NORETURN void error_report_fatal(GError *err);

/* Error domain for GErrors raised by tern itself. */
#define TERN_ERROR tern_error_quark()
GQuark tern_error_quark(void);

#endif
