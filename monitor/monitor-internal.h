/*
 * monitor-internal.h: what the monitor's files share: the Monitor struct, the
 * command table types, argument helpers.
 */
#ifndef MONITOR_INTERNAL_H
#define MONITOR_INTERNAL_H

#include "qemu/osdep.h"
#include "monitor/monitor.h"
#include "monitor/readline.h"
#include "target/x86/cpu.h"

struct Monitor {
    CharBackend be;
    bool has_chr;
    bool banner_shown;
    GString *outbuf; /* buffer monitors */
    ReadLineState rs;
    int cpu_index;
    /* x/xp remember their last format and size, as QEMU's do */
    char last_format;
    int last_size;
};

#define HMP_MAX_FLAGS 4

/* A parsed command line: NAME[/FMT] [-flags] [ARG...]. */
typedef struct HMPArgs {
    const char *fmt; /* after '/', or NULL */
    char flags[HMP_MAX_FLAGS + 1];
    char **argv; /* positional words */
    int argc;
    const char *rest; /* everything after the flags (expressions may hold spaces) */
} HMPArgs;

typedef enum HMPArgKind {
    HMP_ARGS_NONE,     /* no argument */
    HMP_ARGS_EXPR,     /* one expression: the rest of the line */
    HMP_ARGS_OPT_WORD, /* an optional word (help, info) */
    HMP_ARGS_INT,      /* one integer */
    HMP_ARGS_REST,     /* anything: the command parses it (info SUBCOMMAND ...) */
} HMPArgKind;

typedef struct HMPCommand {
    const char *name;   /* "|"-separated aliases: "quit|q" */
    const char *params; /* for help: "[-a]", "/fmt addr" */
    const char *help;
    const char *flags; /* accepted -x flags, "" for none */
    HMPArgKind args;
    bool takes_fmt; /* NAME/FMT */
    void (*cmd)(Monitor *mon, const HMPArgs *args);
} HMPCommand;

/* The tables (hmp-cmds.c). */
extern const HMPCommand hmp_cmds[];
extern const HMPCommand hmp_info_cmds[];
extern const size_t hmp_cmds_count, hmp_info_cmds_count;

/* Finds a command by name or alias in a table. */
const HMPCommand *hmp_find_cmd(const HMPCommand *table, size_t n, const char *name);
/* Runs a command from a table with the words after its name. */
void hmp_dispatch(Monitor *mon, const HMPCommand *cmd, const char *fmt, const char *rest,
                  const char *what);
bool hmp_has_flag(const HMPArgs *a, char flag);

/* Prints "Error: ..." as one line. */
void monitor_error(Monitor *mon, const char *fmt, ...) QEMU_PRINTF(2, 3);
/* Evaluates an expression (numbers, $registers, + - * / & | ( )); false after printing why. */
bool hmp_eval(Monitor *mon, const char *expr, uint64_t *val);
/* The current vCPU's registers, synchronized from the accelerator; NULL after an error. */
CPUX86State *monitor_sync_env(Monitor *mon);

/* Memory commands (hmp-mem.c). */
void hmp_x(Monitor *mon, const HMPArgs *a);
void hmp_xp(Monitor *mon, const HMPArgs *a);
void hmp_gva2gpa(Monitor *mon, const HMPArgs *a);
void hmp_gpa2hva(Monitor *mon, const HMPArgs *a);
void hmp_gpa2hpa(Monitor *mon, const HMPArgs *a);
void hmp_xlate(Monitor *mon, const HMPArgs *a);
void hmp_info_tlb(Monitor *mon, const HMPArgs *a);
void hmp_info_softmmu(Monitor *mon, const HMPArgs *a);
void hmp_info_memslots(Monitor *mon, const HMPArgs *a);
void hmp_info_memlog(Monitor *mon, const HMPArgs *a);
void hmp_info_dma(Monitor *mon, const HMPArgs *a);

#endif
