/*
 * vl.c: main(). QEMU-style command line, machine creation, run.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"

#define TERN_VERSION "0.1"

static void help(void)
{
    printf("usage: tern [options]\n"
           "tern %s, an x86-64 machine emulator\n"
           "\n"
           "Standard options:\n"
           "-h or -help      display this help and exit\n"
           "-version         display version information and exit\n"
           "\n"
           "Debug options:\n"
           "-d item1,...     enable logging of specified items (use '-d help' for a list)\n"
           "-D logfile       output log to logfile (default stderr)\n",
           TERN_VERSION);
}

int main(int argc, char **argv)
{
    GError *err = NULL;

    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

        if (opt[0] == '-' && opt[1] == '-') {
            opt++; /* --help and -help are the same, as in QEMU */
        }
        if (!strcmp(opt, "-h") || !strcmp(opt, "-help")) {
            help();
            return 0;
        } else if (!strcmp(opt, "-version")) {
            printf("tern version %s\n", TERN_VERSION);
            return 0;
        } else if (!strcmp(opt, "-d") || !strcmp(opt, "-D")) {
            if (!arg) {
                error_report("%s: requires an argument", opt);
                return 1;
            }
            i++;
            if (!strcmp(opt, "-d") && !strcmp(arg, "help")) {
                qemu_print_log_usage();
                return 0;
            }
            if (!(opt[1] == 'd' ? qemu_set_log_str(arg, &err)
                                : qemu_set_log_filename(arg, &err))) {
                error_report_fatal(err);
            }
        } else {
            error_report("%s: invalid option", argv[i]);
            return 1;
        }
    }
    error_report("no machine to run yet: see tern -help");
    return 1;
}
