/*
 * hmp-cmds.c: the monitor's command tables, and the control and state
 * commands (stop, cont, system_reset, quit, info status/cpus/registers/...).
 *
 * Names, arguments and output follow QEMU's HMP where QEMU has the command;
 * xlate, info memlog and info dma are tern's own. Each command's logic is in a
 * function that fills a struct (query.h, xlate.h, memlog.h); what is here
 * prints it. The memory commands are in hmp-mem.c.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "chardev/char.h"
#include "exec/memory.h"
#include "hw/core/cpu.h"
#include "hw/qdev.h"
#include "hw/pci/pci.h"
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "sysemu/accel.h"
#include "sysemu/cpus.h"
#include "sysemu/kvm.h"
#include "monitor/query.h"
#include "monitor-internal.h"

#define TERN_MONITOR_VERSION "0.1"
#define PIC_CHIPS            2
#define APIC_VEC_WORDS       8 /* 256 vector bits in 32-bit words */
/* IOAPIC redirection entry fields (82093AA datasheet, 3.2.4). */
#define RTE_VECTOR_MASK   0xffu
#define RTE_DELMODE_SHIFT 8
#define RTE_DELMODE_MASK  7u
#define RTE_DESTMODE_LOG  (1ull << 11)
#define RTE_REMOTE_IRR    (1ull << 14)
#define RTE_TRIGGER_LEVEL (1ull << 15)
#define RTE_MASKED        (1ull << 16)
#define RTE_DEST_SHIFT    56

/* --- logic ----------------------------------------------------------------------- */

void query_status(StatusInfo *info)
{
    int status;

    info->running = runstate_is_running();
    info->status = qemu_shutdown_requested(&status) ? "shutdown"
                   : info->running                  ? "running"
                                                    : "paused";
}

GArray *query_cpus(int current_index)
{
    GArray *cpus = g_array_new(false, true, sizeof(CpuInfo));
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        CpuInfo ci = {.index = cpu->cpu_index, .apic_id = cpu->apic_id};

        cpu_synchronize_state(cpu);
        ci.pc = cpu->env->segs[R_CS].base + cpu->env->rip;
        ci.bits = x86_cpu_code_bits(cpu->env);
        ci.halted = cpu->halted || cpu->env->halted;
        ci.current = cpu->cpu_index == current_index;
        g_array_append_val(cpus, ci);
    }
    return cpus;
}

/* --- control ---------------------------------------------------------------------- */

static void hmp_stop(Monitor *mon, const HMPArgs *a)
{
    (void)mon;
    (void)a;
    vm_stop();
}

static void hmp_cont(Monitor *mon, const HMPArgs *a)
{
    (void)mon;
    (void)a;
    vm_start();
}

static void hmp_system_reset(Monitor *mon, const HMPArgs *a)
{
    (void)mon;
    (void)a;
    qemu_system_reset_request();
}

static void hmp_system_powerdown(Monitor *mon, const HMPArgs *a)
{
    (void)mon;
    (void)a;
    qemu_system_powerdown_request();
}

static void hmp_quit(Monitor *mon, const HMPArgs *a)
{
    (void)mon;
    (void)a;
    qemu_system_shutdown_request(0);
}

static void hmp_cpu(Monitor *mon, const HMPArgs *a)
{
    uint64_t index;

    if (!hmp_eval(mon, a->argv[0], &index)) {
        return;
    }
    if (index > INT_MAX || !monitor_set_cpu(mon, (int)index)) {
        monitor_error(mon, "cpu: no vCPU %s (there are %u)", a->argv[0], cpu_count());
    }
}

/* --- help --------------------------------------------------------------------------- */

static void help_table(Monitor *mon, const HMPCommand *t, size_t n, const char *prefix)
{
    for (size_t i = 0; i < n; i++) {
        monitor_printf(mon, "%s%s%s%s -- %s\n", prefix, t[i].name, t[i].params[0] ? " " : "",
                       t[i].params, t[i].help);
    }
}

static void hmp_help(Monitor *mon, const HMPArgs *a)
{
    const HMPCommand *c;

    if (!a->argc) {
        help_table(mon, hmp_cmds, hmp_cmds_count, "");
        return;
    }
    if (!strcmp(a->argv[0], "info")) {
        help_table(mon, hmp_info_cmds, hmp_info_cmds_count, "info ");
        return;
    }
    c = hmp_find_cmd(hmp_cmds, hmp_cmds_count, a->argv[0]);
    if (!c) {
        monitor_error(mon, "help: unknown command '%s'", a->argv[0]);
        return;
    }
    help_table(mon, c, 1, "");
}

static void hmp_info(Monitor *mon, const HMPArgs *a)
{
    const char *sub;
    const char *rest;
    const HMPCommand *c;
    g_autofree char *name = NULL;

    if (!a->argc) {
        help_table(mon, hmp_info_cmds, hmp_info_cmds_count, "info ");
        return;
    }
    sub = a->argv[0];
    rest = a->rest + strlen(sub); /* a->rest starts with the subcommand */
    c = hmp_find_cmd(hmp_info_cmds, hmp_info_cmds_count, sub);
    if (!c) {
        monitor_error(mon, "info: unknown subcommand '%s' (try 'info')", sub);
        return;
    }
    name = g_strdup_printf("info %s", sub);
    hmp_dispatch(mon, c, NULL, rest, name);
}

/* --- info ----------------------------------------------------------------------------- */

static void print_gstring(Monitor *mon, void (*fn)(GString *out))
{
    g_autoptr(GString) s = g_string_new(NULL);

    fn(s);
    monitor_puts(mon, s->str);
}

static void hmp_info_version(Monitor *mon, const HMPArgs *a)
{
    (void)a;
    monitor_printf(mon, "%s\n", TERN_MONITOR_VERSION);
}

static void hmp_info_status(Monitor *mon, const HMPArgs *a)
{
    StatusInfo st;

    (void)a;
    query_status(&st);
    monitor_printf(mon, "VM status: %s\n", st.status);
}

static void hmp_info_cpus(Monitor *mon, const HMPArgs *a)
{
    g_autoptr(GArray) cpus =
        query_cpus(monitor_get_cpu(mon) ? monitor_get_cpu(mon)->cpu_index : -1);

    (void)a;
    for (guint i = 0; i < cpus->len; i++) {
        const CpuInfo *c = &g_array_index(cpus, CpuInfo, i);

        monitor_printf(mon, "%c CPU #%d: pc=0x%016" PRIx64 " apic_id=%u %d-bit%s",
                       c->current ? '*' : ' ', c->index, c->pc, c->apic_id, c->bits,
                       c->halted ? " (halted)" : "");
        if (kvm_enabled()) { /* instructions KVM could not emulate, run by the interpreter */
            monitor_printf(mon, " kvm-fallbacks=%" PRIu64,
                           kvm_fallback_count(qemu_get_cpu(c->index)));
        }
        monitor_printf(mon, "\n");
    }
}

static void print_registers(Monitor *mon, CPUState *cpu)
{
    g_autoptr(GString) s = g_string_new(NULL);

    cpu_synchronize_state(cpu);
    x86_cpu_dump_state(cpu->env, s);
    monitor_puts(mon, s->str);
}

static void hmp_info_registers(Monitor *mon, const HMPArgs *a)
{
    CPUState *cpu;

    if (!hmp_has_flag(a, 'a')) {
        cpu = monitor_get_cpu(mon);
        if (!cpu) {
            monitor_error(mon, "no vCPU (this machine has no CPU, e.g. under -accel qtest)");
            return;
        }
        print_registers(mon, cpu);
        return;
    }
    CPU_FOREACH(cpu) {
        monitor_printf(mon, "\nCPU#%d\n", cpu->cpu_index);
        print_registers(mon, cpu);
    }
}

static void hmp_info_mtree(Monitor *mon, const HMPArgs *a)
{
    g_autoptr(GString) s = g_string_new(NULL);

    mtree_info(s, hmp_has_flag(a, 'f'));
    monitor_puts(mon, s->str);
}

static void hmp_info_pci(Monitor *mon, const HMPArgs *a)
{
    (void)a;
    print_gstring(mon, info_pci);
}

static void hmp_info_qtree(Monitor *mon, const HMPArgs *a)
{
    (void)a;
    print_gstring(mon, qdev_info_tree);
}

static void hmp_info_chardev(Monitor *mon, const HMPArgs *a)
{
    g_autofree char *s = qemu_chr_info();

    (void)a;
    monitor_puts(mon, s);
}

static const char *const delivery_modes[] = {"fixed", "lowest", "smi",  "res3",
                                             "nmi",   "init",   "res6", "extint"};

static void ioapic_dump(DeviceState *dev, void *opaque)
{
    Monitor *mon = opaque;

    if (strcmp(dev->info->name, TYPE_IOAPIC) != 0) {
        return;
    }
    monitor_printf(mon, "ioapic%s%s:\n", dev->id ? " " : "", dev->id ? dev->id : "");
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t e = ioapic_get_redirection((IOAPICState *)dev, pin);

        monitor_printf(mon, "  pin %2d 0x%016" PRIx64 " vec=%3u %-6s dest=%s 0x%02x %s%s%s\n", pin,
                       e, (unsigned)(e & RTE_VECTOR_MASK),
                       delivery_modes[(e >> RTE_DELMODE_SHIFT) & RTE_DELMODE_MASK],
                       (e & RTE_DESTMODE_LOG) ? "logical" : "physical",
                       (unsigned)(e >> RTE_DEST_SHIFT), (e & RTE_TRIGGER_LEVEL) ? "level" : "edge",
                       (e & RTE_REMOTE_IRR) ? " remote-irr" : "",
                       (e & RTE_MASKED) ? " masked" : "");
    }
}

static void hmp_info_pic(Monitor *mon, const HMPArgs *a)
{
    I8259State *pic = i8259_get();

    (void)a;
    qdev_foreach(ioapic_dump, mon);
    if (!pic) {
        monitor_printf(mon, "no PIC model in tern%s\n",
                       current_accel && !strcmp(current_accel->name, "kvm")
                           ? " (the PIC is KVM's in-kernel irqchip)"
                           : "");
        return;
    }
    for (int chip = 0; chip < PIC_CHIPS; chip++) {
        PICRegs r;

        i8259_get_regs(pic, chip, &r);
        monitor_printf(mon, "pic%d: irr=%02x imr=%02x isr=%02x irq_base=%02x elcr=%02x\n", chip,
                       r.irr, r.imr, r.isr, r.irq_base, r.elcr);
    }
}

/* The vectors set in a 256-bit APIC register, as a list. */
static void vector_list(GString *s, const char *name, const uint32_t *words)
{
    bool any = false;

    g_string_append_printf(s, "%s\t", name);
    for (int v = 0; v < APIC_VEC_WORDS * 32; v++) {
        if (words[v / 32] & (1u << (v % 32))) {
            g_string_append_printf(s, "%s%d", any ? " " : "", v);
            any = true;
        }
    }
    g_string_append(s, any ? "\n" : "(none)\n");
}

static void hmp_info_lapic(Monitor *mon, const HMPArgs *a)
{
    CPUState *cpu = monitor_get_cpu(mon);
    APICState *apic = cpu ? apic_find(cpu->apic_id) : NULL;
    g_autoptr(GString) s = g_string_new(NULL);
    APICRegs r;

    (void)a;
    if (!apic) {
        monitor_printf(mon, "no local APIC model in tern for this vCPU%s\n",
                       current_accel && !strcmp(current_accel->name, "kvm")
                           ? " (the APIC is KVM's in-kernel irqchip)"
                           : "");
        return;
    }
    apic_get_regs(apic, &r);
    g_string_append_printf(s, "dumping local APIC state for CPU %d (APIC ID %u)\n", cpu->cpu_index,
                           apic_get_id(apic));
    g_string_append_printf(s, "TPR\t0x%02x PPR 0x%02x SVR 0x%08x ESR 0x%08x\n", r.tpr, r.ppr, r.svr,
                           r.esr);
    vector_list(s, "IRR", r.irr);
    vector_list(s, "ISR", r.isr);
    vector_list(s, "TMR", r.tmr);
    monitor_puts(mon, s->str);
}

static void hmp_info_history(Monitor *mon, const HMPArgs *a)
{
    const char *line;

    (void)a;
    for (int i = 0; (line = readline_get_history(&mon->rs, i)); i++) {
        monitor_printf(mon, "%d: '%s'\n", i, line);
    }
}

/* --- tables ------------------------------------------------------------------------------- */

const HMPCommand hmp_info_cmds[] = {
    {"version", "", "show the version of tern", "", HMP_ARGS_NONE, false, hmp_info_version},
    {"status", "", "show the current VM status (running|paused)", "", HMP_ARGS_NONE, false,
     hmp_info_status},
    {"cpus", "", "show infos for each CPU", "", HMP_ARGS_NONE, false, hmp_info_cpus},
    {"registers", "[-a]", "show the cpu registers (-a: all vCPUs)", "a", HMP_ARGS_NONE, false,
     hmp_info_registers},
    {"mtree", "[-f]", "show the memory tree (-f: the flat views)", "f", HMP_ARGS_NONE, false,
     hmp_info_mtree},
    {"pci", "", "show PCI info", "", HMP_ARGS_NONE, false, hmp_info_pci},
    {"qtree", "", "show the device tree", "", HMP_ARGS_NONE, false, hmp_info_qtree},
    {"chardev", "", "show the character devices", "", HMP_ARGS_NONE, false, hmp_info_chardev},
    {"pic", "", "show the i8259 (PIC) and IOAPIC state", "", HMP_ARGS_NONE, false, hmp_info_pic},
    {"lapic", "", "show the current vCPU's local APIC state", "", HMP_ARGS_NONE, false,
     hmp_info_lapic},
    {"tlb", "", "show the current vCPU's page-table mappings as ranges", "", HMP_ARGS_NONE, false,
     hmp_info_tlb},
    {"softmmu", "", "show the valid entries of the interpreter's software TLB (tcg)", "",
     HMP_ARGS_NONE, false, hmp_info_softmmu},
    {"memslots", "", "show the KVM memslots (GPA range, size, HVA, flags, region)", "",
     HMP_ARGS_NONE, false, hmp_info_memslots},
    {"memlog", "", "show the log of flat-view and memslot changes since start", "", HMP_ARGS_NONE,
     false, hmp_info_memlog},
    {"dma", "", "show per-device DMA map/unmap counters", "", HMP_ARGS_NONE, false, hmp_info_dma},
    {"history", "", "show the command line history", "", HMP_ARGS_NONE, false, hmp_info_history},
};
const size_t hmp_info_cmds_count = ARRAY_SIZE(hmp_info_cmds);

const HMPCommand hmp_cmds[] = {
    {"help|?", "[cmd]", "show the help", "", HMP_ARGS_OPT_WORD, false, hmp_help},
    {"info", "[subcommand]", "show various information about the system state", "", HMP_ARGS_REST,
     false, hmp_info},
    {"stop", "", "stop emulation", "", HMP_ARGS_NONE, false, hmp_stop},
    {"cont|c", "", "resume emulation", "", HMP_ARGS_NONE, false, hmp_cont},
    {"system_reset", "", "reset the system", "", HMP_ARGS_NONE, false, hmp_system_reset},
    {"system_powerdown", "", "send system power down event", "", HMP_ARGS_NONE, false,
     hmp_system_powerdown},
    {"quit|q", "", "quit the emulator", "", HMP_ARGS_NONE, false, hmp_quit},
    {"cpu", "index", "set the default CPU", "", HMP_ARGS_INT, false, hmp_cpu},
    {"x", "/fmt addr", "virtual memory dump starting at 'addr' (fmt: count, x d u o c i, b h w g)",
     "", HMP_ARGS_EXPR, true, hmp_x},
    {"xp", "/fmt addr", "physical memory dump starting at 'addr'", "", HMP_ARGS_EXPR, true, hmp_xp},
    {"gva2gpa", "addr", "print the guest physical address of a guest virtual address", "",
     HMP_ARGS_EXPR, false, hmp_gva2gpa},
    {"gpa2hva", "addr", "print the host virtual address of a guest physical address", "",
     HMP_ARGS_EXPR, false, hmp_gpa2hva},
    {"gpa2hpa", "addr", "print the host physical address of a guest physical address", "",
     HMP_ARGS_EXPR, false, hmp_gpa2hpa},
    {"xlate", "addr", "show every step from guest virtual to host physical address", "",
     HMP_ARGS_EXPR, false, hmp_xlate},
};
const size_t hmp_cmds_count = ARRAY_SIZE(hmp_cmds);
