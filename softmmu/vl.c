/*
 * vl.c: main(). The QEMU-style command line, machine creation, run.
 *
 * Options follow qemu-system-x86_64's spelling and defaults (-m 128M, one
 * vCPU, -serial on stdio under -nographic). An option tern does not know is
 * an error naming it; every setup error is one line "tern: ..." and exit 1,
 * with the terminal restored. Left out: -chardev, -drive/-hda,
 * -net, -S, -s/-gdb, -snapshot, -loadvm: they come with their subsystems.
 */
#include "qemu/osdep.h"
#include <math.h>
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/trace.h"
#include "chardev/char.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "hw/qdev.h"
#include "hw/i386/pc.h"
#include "monitor/memlog.h"
#include "monitor/monitor.h"
#include "sysemu/accel.h"
#include "sysemu/cpus.h"
#include "sysemu/kvm.h"
#include "sysemu/qtest.h"

#define TERN_VERSION     "0.1"
#define DEFAULT_RAM_SIZE (128 * MiB) /* as QEMU */
#define MAX_SMP_CPUS     255         /* xAPIC IDs; the accelerator may allow fewer */

/* What the command line asked for beyond MachineState. */
typedef struct Options {
    MachineState ms;
    const char *serial_specs[MAX_SERIAL_PORTS];
    unsigned nb_serial;
    bool nographic;
    const char *monitor_spec; /* -monitor */
    bool display_none;
} Options;

static QEMU_NORETURN void fatal(const char *fmt, ...) QEMU_PRINTF(1, 2);

static void fatal(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qemu_chr_restore_terminals();
    error_report("%s", msg);
    exit(1);
}

static QEMU_NORETURN void fatal_err(GError *err)
{
    fatal("%s", err->message);
}

static void help(void)
{
    printf("usage: tern [options]\n"
           "tern %s, an x86-64 PC emulator (QEMU-style command line)\n"
           "\n"
           "Standard options:\n"
           "-h or -help          display this help and exit\n"
           "-version             display version information and exit\n"
           "-machine pc[,kernel-irqchip=on|off]  (-M) the machine; only 'pc'\n"
           "                     serial-timing=on: COM ports transmit at the baud rate\n"
           "                     (default off: instantly, as QEMU)\n"
           "-accel kvm|tcg|qtest choose the accelerator (default: kvm if hardware-backed)\n"
           "-accel kvm,fallback=off  end on a KVM emulation failure instead of running the\n"
           "                     instruction in the interpreter (default on)\n"
           "-enable-kvm          same as -accel kvm\n"
           "-m SIZE              guest RAM: 512 (MiB), 512M, 4G (default 128M)\n"
           "-smp N               number of vCPUs (default 1)\n"
           "-cpu MODEL           the CPU model: host (kvm), qemu64/max/tern (tcg); '-cpu help'\n"
           "-name NAME           name of the guest\n"
           "-device NAME[,prop=value...]  add a device ('-device help' lists them)\n"
           "\n"
           "Boot options:\n"
           "-kernel FILE         a Linux bzImage (or multiboot kernel) to boot directly\n"
           "-initrd FILE         initial ram disk for -kernel\n"
           "-append STRING       kernel command line\n"
           "-bios FILE           BIOS image (default: a small built-in ROM)\n"
           "-no-reboot           exit instead of rebooting\n"
           "\n"
           "Display and character devices:\n"
           "-nographic           no display; serial port and monitor on stdio\n"
           "                     (Ctrl-A x quits, Ctrl-A h for help)\n"
           "-display none        no display\n"
           "-vga none            no VGA card\n"
           "-serial SPEC         next serial port (COM1, then COM2...): stdio, mon:stdio,\n"
           "                     null, none, file:PATH, pipe:PATH, unix:PATH[,server=on],\n"
           "                     tcp:HOST:PORT[,server=on][,wait=off]\n"
           "-monitor SPEC        the human monitor on a character device (same SPECs, or none);\n"
           "                     under -nographic it shares stdio (Ctrl-A c switches)\n"
           "\n"
           "Debug options:\n"
           "-d item1,...         enable logging of specified items (use '-d help' for a list)\n"
           "-qtest SPEC          drive the devices over the qtest protocol (unix:PATH, stdio);\n"
           "                     implies -accel qtest\n"
           "-qtest-log FILE      log qtest commands and replies\n"
           "-D logfile           output log to logfile (default stderr)\n"
           "-trace [[enable=]PATTERN][,events=FILE][,file=PATH]\n"
           "                     trace events matching PATTERN (* and ?), those listed in\n"
           "                     FILE, to PATH (default: the -D log); '-trace help' lists them\n",
           TERN_VERSION);
}

/*
 * "512" is MiB (QEMU's default unit), else a K/M/G/T suffix (optionally
 * followed by B), or B for bytes; a fraction is allowed with a suffix ("3.5G").
 */
static bool parse_size_mib(const char *str, uint64_t *out)
{
    char *end = NULL;
    unsigned shift = 20;
    double val;

    if (!g_ascii_isdigit(*str)) {
        return false;
    }
    errno = 0;
    val = g_ascii_strtod(str, &end);
    if (errno || !(val >= 0)) {
        return false;
    }
    switch (g_ascii_toupper(*end)) {
    case 'K':
        shift = 10, end++;
        break;
    case 'M':
        shift = 20, end++;
        break;
    case 'G':
        shift = 30, end++;
        break;
    case 'T':
        shift = 40, end++;
        break;
    case 'B':
        shift = 0, end++;
        break;
    }
    if (shift && g_ascii_toupper(*end) == 'B') {
        end++;
    }
    val = ldexp(val, shift);
    if (*end || val >= 0x1p64 || val != (double)(uint64_t)val) {
        return false; /* trailing junk, too big, or a fraction of a byte */
    }
    *out = (uint64_t)val;
    return true;
}

static void parse_memory(Options *o, const char *arg)
{
    const char *size = g_str_has_prefix(arg, "size=") ? arg + 5 : arg;

    if (!parse_size_mib(size, &o->ms.ram_size) || o->ms.ram_size == 0) {
        fatal("-m %s: invalid RAM size (e.g. -m 512, -m 512M, -m 4G)", arg);
    }
}

static void parse_smp(Options *o, const char *arg)
{
    const char *n = g_str_has_prefix(arg, "cpus=") ? arg + 5 : arg;
    char *end = NULL;
    guint64 cpus = g_ascii_strtoull(n, &end, 10);

    if (!g_ascii_isdigit(*n) || *end || cpus < 1 || cpus > MAX_SMP_CPUS) {
        fatal("-smp %s: the number of vCPUs must be 1..%d", arg, MAX_SMP_CPUS);
    }
    o->ms.smp_cpus = cpus;
}

/* -machine pc[,kernel-irqchip=on|off][,serial-timing=on|off] (also type=pc). */
static void parse_machine(Options *o, const char *arg)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", -1);

    for (char **p = parts; *p; p++) {
        const char *val = strchr(*p, '=') ? strchr(*p, '=') + 1 : NULL;

        if (p == parts && !val) {
            if (!strcmp(*p, "help") || !strcmp(*p, "?")) {
                printf("Supported machines are:\n"
                       "pc                   Standard PC (i440FX + PIIX, 1996) (default)\n");
                exit(0);
            }
            if (strcmp(*p, "pc")) {
                fatal("-machine %s: unknown machine type (only 'pc'; see -machine help)", *p);
            }
        } else if (g_str_has_prefix(*p, "type=") && !strcmp(val, "pc")) {
            continue;
        } else if (g_str_has_prefix(*p, "kernel-irqchip=") &&
                   (!strcmp(val, "on") || !strcmp(val, "off"))) {
            o->ms.kernel_irqchip = !strcmp(val, "on");
        } else if (g_str_has_prefix(*p, "kernel-irqchip=")) {
            fatal("-machine %s: kernel-irqchip must be on or off", arg);
        } else if (g_str_has_prefix(*p, "serial-timing=") &&
                   (!strcmp(val, "on") || !strcmp(val, "off"))) {
            o->ms.serial_timing = !strcmp(val, "on");
        } else if (g_str_has_prefix(*p, "serial-timing=")) {
            fatal("-machine %s: serial-timing must be on or off", arg);
        } else {
            fatal("-machine %s: unknown property '%s'", arg, *p);
        }
    }
}

static void parse_accel(Options *o, const char *arg)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        g_autoptr(GString) out = g_string_new(NULL);
        accel_list(out);
        printf("Accelerators supported: %s\n", out->str);
        exit(0);
    }
    if (strchr(arg, ',')) {
        g_autofree char *name = g_strndup(arg, strchr(arg, ',') - arg);
        GError *err = NULL;

        if (strcmp(name, "kvm")) {
            fatal("-accel %s: accelerator properties are not supported", arg);
        }
        if (!kvm_accel_set_props(strchr(arg, ',') + 1, &err)) {
            fatal("%s", err->message);
        }
        arg = "kvm";
    }
    if (!accel_find(arg)) {
        fatal("-accel %s: unknown accelerator (see -accel help)", arg);
    }
    o->ms.accel = arg;
}

/*
 * The CPU models: under kvm, host (and max, as in QEMU: the same); under tcg the
 * interpreter's one fixed model, by QEMU's names qemu64 and max, or tern.
 * Which accelerator allows which is checked once it is chosen (check_cpu_model).
 */
#define CPU_MODELS_KNOWN "qemu64, max, tern (tcg); host, max (kvm)"

static void parse_cpu(Options *o, const char *arg)
{
    static const char *const models[] = {"host", "max", "qemu64", "tern"};

    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        printf("Available CPUs:\n"
               "  host    the host CPU as KVM reports it (-accel kvm)\n"
               "  max     -accel kvm: host; -accel tcg: the interpreter's model\n"
               "  qemu64  the interpreter's fixed model (-accel tcg)\n"
               "  tern    the same (-accel tcg)\n");
        exit(0);
    }
    for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
        if (!strcmp(arg, models[i])) {
            o->ms.cpu_model = models[i];
            return;
        }
    }
    fatal("-cpu %s: unknown CPU model (known: " CPU_MODELS_KNOWN ")", arg);
}

/* After accel_select: the -cpu model must be one the chosen accelerator runs. */
static void check_cpu_model(const MachineState *ms)
{
    const char *m = ms->cpu_model, *accel = current_accel->name;

    if (!m || !strcmp(m, "max") || !strcmp(accel, "qtest")) {
        return;
    }
    if (!strcmp(accel, "kvm") && strcmp(m, "host")) {
        fatal("-cpu %s: not available under -accel kvm (known: " CPU_MODELS_KNOWN ")", m);
    }
    if (!strcmp(accel, "tcg") && !strcmp(m, "host")) {
        fatal("-cpu host: needs -accel kvm (known: " CPU_MODELS_KNOWN ")");
    }
}

static void parse_serial(Options *o, const char *arg)
{
    if (o->nb_serial == MAX_SERIAL_PORTS) {
        fatal("-serial %s: too many serial ports (at most %d)", arg, MAX_SERIAL_PORTS);
    }
    o->serial_specs[o->nb_serial++] = arg;
}

static void parse_display(Options *o, const char *opt, const char *arg)
{
    if (strcmp(arg, "none")) {
        fatal("%s %s: tern has no display yet (only '%s none')", opt, arg, opt);
    }
    if (!strcmp(opt, "-display")) {
        o->display_none = true;
    }
}

static void parse_device(Options *o, const char *arg)
{
    g_autoptr(GString) out = g_string_new(NULL);

    if (qdev_device_help(arg, out)) {
        fputs(out->str, stdout);
        exit(0);
    }
    if (!o->ms.device_opts) {
        o->ms.device_opts = g_ptr_array_new();
    }
    g_ptr_array_add(o->ms.device_opts, (gpointer)arg);
}

static void parse_log(const char *opt, const char *arg)
{
    GError *err = NULL;

    if (!strcmp(opt, "-d") && !strcmp(arg, "help")) {
        qemu_print_log_usage();
        exit(0);
    }
    if (!(opt[1] == 'd' ? qemu_set_log_str(arg, &err) : qemu_set_log_filename(arg, &err))) {
        fatal_err(err);
    }
}

/* Options that take an argument; the rest are flags. */
static const char *const options_with_arg[] = {
    "-M",    "-machine", "-accel",   "-m",   "-smp",  "-cpu",    "-kernel", "-initrd", "-append",
    "-bios", "-serial",  "-display", "-vga", "-name", "-device", "-d",      "-D",
    "-qtest", "-qtest-log", "-monitor", "-trace",
};

static bool takes_arg(const char *opt)
{
    for (size_t i = 0; i < ARRAY_SIZE(options_with_arg); i++) {
        if (!strcmp(opt, options_with_arg[i])) {
            return true;
        }
    }
    return false;
}

static bool parse_flag(Options *o, const char *opt)
{
    if (!strcmp(opt, "-h") || !strcmp(opt, "-help")) {
        help();
        exit(0);
    } else if (!strcmp(opt, "-version")) {
        printf("tern version %s\n", TERN_VERSION);
        exit(0);
    } else if (!strcmp(opt, "-enable-kvm")) {
        o->ms.accel = "kvm";
    } else if (!strcmp(opt, "-nographic")) {
        o->nographic = true;
    } else if (!strcmp(opt, "-no-reboot")) {
        o->ms.no_reboot = true;
    } else {
        return false;
    }
    return true;
}

static void parse_option(Options *o, const char *opt, const char *arg)
{
    if (!strcmp(opt, "-M") || !strcmp(opt, "-machine")) {
        parse_machine(o, arg);
    } else if (!strcmp(opt, "-accel")) {
        parse_accel(o, arg);
    } else if (!strcmp(opt, "-m")) {
        parse_memory(o, arg);
    } else if (!strcmp(opt, "-smp")) {
        parse_smp(o, arg);
    } else if (!strcmp(opt, "-cpu")) {
        parse_cpu(o, arg);
    } else if (!strcmp(opt, "-kernel")) {
        o->ms.kernel_filename = arg;
    } else if (!strcmp(opt, "-initrd")) {
        o->ms.initrd_filename = arg;
    } else if (!strcmp(opt, "-append")) {
        o->ms.kernel_cmdline = arg;
    } else if (!strcmp(opt, "-bios")) {
        o->ms.firmware = arg;
    } else if (!strcmp(opt, "-serial")) {
        parse_serial(o, arg);
    } else if (!strcmp(opt, "-display") || !strcmp(opt, "-vga")) {
        parse_display(o, opt, arg);
    } else if (!strcmp(opt, "-name")) {
        o->ms.name = g_str_has_prefix(arg, "guest=") ? arg + 6 : arg;
    } else if (!strcmp(opt, "-device")) {
        parse_device(o, arg);
    } else if (!strcmp(opt, "-qtest")) {
        qtest_chrdev = arg; /* as in QEMU, -qtest implies -accel qtest unless one is given */
    } else if (!strcmp(opt, "-qtest-log")) {
        qtest_log = arg;
    } else if (!strcmp(opt, "-monitor")) {
        o->monitor_spec = arg;
    } else if (!strcmp(opt, "-trace")) {
        GError *err = NULL;
        if (!trace_opt_parse(arg, &err)) {
            fatal_err(err);
        }
    } else {
        parse_log(opt, arg);
    }
}

static void parse_args(Options *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];

        if (opt[0] != '-') {
            fatal("%s: not an option (a disk image needs -drive, which tern lacks yet)", opt);
        }
        if (opt[1] == '-') {
            opt++; /* --help and -help are the same, as in QEMU */
        }
        if (parse_flag(o, opt)) {
            continue;
        }
        if (!takes_arg(opt)) {
            fatal("%s: invalid option", argv[i]);
        }
        if (i + 1 >= argc) {
            fatal("%s: requires an argument", argv[i]);
        }
        parse_option(o, opt, argv[++i]);
    }
}

/* COM1, COM2... get chardevs serial0, serial1...; -nographic defaults to mon:stdio. */
static void open_serial_ports(Options *o)
{
    if (o->nb_serial == 0) {
        o->serial_specs[o->nb_serial++] = o->nographic || !o->display_none ? "mon:stdio" : "null";
    }
    for (unsigned i = 0; i < o->nb_serial; i++) {
        g_autofree char *label = g_strdup_printf("serial%u", i);
        GError *err = NULL;

        if (!strcmp(o->serial_specs[i], "none")) {
            continue;
        }
        if (!qemu_chr_new(label, o->serial_specs[i], &err)) {
            fatal("-serial %s: %s", o->serial_specs[i], err->message);
        }
        o->ms.serial_labels[i] = qemu_chr_label(qemu_chr_find(label));
    }
}

/* -monitor SPEC; else under -nographic the monitor joins COM1's mon:stdio mux (as QEMU). */
static void open_monitor(Options *o)
{
    Chardev *serial0 = qemu_chr_find("serial0");
    GError *err = NULL;

    if (o->monitor_spec) {
        if (!monitor_init_spec(o->monitor_spec, &err)) {
            fatal("-monitor %s: %s", o->monitor_spec, err->message);
        }
    } else if (o->nographic && serial0 && qemu_chr_is_mux(serial0) &&
               !monitor_init_hmp(serial0, &err)) {
        fatal("monitor on %s: %s", qemu_chr_label(serial0), err->message);
    }
}

static void __attribute__((constructor)) mark_process_start(void)
{
    boot_time_mark(BOOT_START);
}

static void teardown(void)
{
    qemu_destroy_vcpus();
    qemu_chr_restore_terminals();
}

int main(int argc, char **argv)
{
    static Options o = {.ms = {.ram_size = DEFAULT_RAM_SIZE,
                               .smp_cpus = 1,
                               .kernel_irqchip = true}};
    GError *err = NULL;
    int status;

    parse_args(&o, argc, argv);
    if (qtest_chrdev && !o.ms.accel) {
        o.ms.accel = "qtest";
    }
    no_reboot = o.ms.no_reboot;
    qemu_init_main_loop();
    qemu_init_signal_handlers();
    bql_lock();
    open_serial_ports(&o);
    memory_init(UINT64_MAX);
    memlog_init();
    if (!pc_machine_prepare(&o.ms, &err) || !accel_select(o.ms.accel, &err)) {
        fatal_err(err);
    }
    check_cpu_model(&o.ms);
    if (!pc_machine_init(&o.ms, &err)) {
        fatal_err(err);
    }
    open_monitor(&o); /* after the UART, which keeps the mux's focus */
    vm_start();
    status = qemu_main_loop();
    boot_time_report();
    teardown();
    return status;
}
