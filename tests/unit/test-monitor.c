/*
 * test-monitor.c: the human monitor without a guest: command parsing and
 * argument errors, expressions, the line editor, x/xp formats and x/i through
 * a hand-built 4-level page table (4 KiB, 2 MiB and 1 GiB pages, a
 * not-present entry, a reserved bit, NX), the side-effect-free walk, xlate's
 * fields, info tlb ranges, the memlog after region changes and the DMA
 * counters. The vCPU is a CPUState with no accelerator, so its registers are
 * whatever the test puts in them.
 */
#include "qemu/osdep.h"
#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include "qemu/main-loop.h"
#include "exec/memory.h"
#include "chardev/char.h"
#include "hw/core/cpu.h"
#include "hw/intc/apic.h"
#include "hw/intc/ioapic.h"
#include "monitor/monitor.h"
#include "monitor/xlate.h"
#include "monitor/memlog.h"
#include "monitor/dma-stats.h"

#define RAM_SIZE                    (16 * MiB)
#define PML4_GPA                    0x1000
#define PDPT_GPA                    0x2000
#define PD_GPA                      0x3000
#define PT_GPA                      0x4000
#define DATA_GPA                    0x800000 /* VA 0x10000 (4 KiB page, PT[0x10]) */
#define RO_GPA                      0x801000 /* VA 0x12000: supervisor read-only */
#define VA_4K                       0x10000ULL
#define VA_HOLE                     0x11000ULL /* PT[0x11] not present */
#define VA_RO                       0x12000ULL
#define VA_2M_NX                    0x200000ULL   /* PD[1]: 2 MiB, NX */
#define VA_PD_HOLE                  0x400000ULL   /* PD[2] not present */
#define VA_RSVD                     0x600000ULL   /* PD[3]: 2 MiB with bit 13 set */
#define VA_1G                       0x40000000ULL /* PDPT[1]: 1 GiB page at GPA 0 */
#define PTE_P                       PG_PRESENT_MASK
#define PTE_W                       PG_RW_MASK
#define PTE_U                       PG_USER_MASK
#define PTE_PS                      PG_PSE_MASK
#define RSVD_BIT13                  (1ULL << 13)
#define READLINE_HISTORY_TEST_LINES 100 /* more than the 64 kept */

static MemoryRegion ram;
static CPUState *cpu;
static Monitor *mon;

static void stq(hwaddr a, uint64_t v)
{
    address_space_stq_le(address_space_memory(), a, v, MEMTXATTRS_UNSPECIFIED, NULL);
}

static void build_page_tables(void)
{
    stq(PML4_GPA, PDPT_GPA | PTE_P | PTE_W | PTE_U);
    stq(PDPT_GPA, PD_GPA | PTE_P | PTE_W | PTE_U);
    stq(PDPT_GPA + 8, 0 | PTE_P | PTE_W | PTE_PS); /* 1 GiB */
    stq(PD_GPA, PT_GPA | PTE_P | PTE_W | PTE_U);
    stq(PD_GPA + 8, 0x200000 | PTE_P | PTE_W | PTE_PS | PG_NX_MASK); /* 2 MiB NX */
    stq(PD_GPA + 24, 0x600000 | PTE_P | PTE_PS | RSVD_BIT13);        /* reserved bit */
    stq(PT_GPA + 0x10 * 8, DATA_GPA | PTE_P | PTE_W | PTE_U);
    stq(PT_GPA + 0x12 * 8, RO_GPA | PTE_P);
}

static void long_mode(CPUX86State *env)
{
    env->cr[0] = CR0_PE_MASK | CR0_PG_MASK;
    env->cr[3] = PML4_GPA;
    env->cr[4] = CR4_PAE_MASK;
    env->efer = MSR_EFER_LME | MSR_EFER_LMA | MSR_EFER_NXE;
    x86_seg_set_flat(&env->segs[R_CS], 0x8, DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_L_MASK);
    env->rip = VA_4K + 0x100;
}

/* Runs a command; returns its output (valid until the next call). */
static const char *run(const char *cmd)
{
    GString *out = monitor_buffer(mon);

    g_string_truncate(out, 0);
    hmp_handle_command(mon, cmd);
    return out->str;
}

#define assert_out_has(cmd, needle)                                                                \
    do {                                                                                           \
        const char *o_ = run(cmd);                                                                 \
        if (!strstr(o_, needle)) {                                                                 \
            g_error("'%s' printed:\n%s\nwithout '%s'", cmd, o_, needle);                           \
        }                                                                                          \
    } while (0)

static unsigned count_lines(const char *s)
{
    unsigned n = 0;

    for (; *s; s++) {
        n += *s == '\n';
    }
    return n;
}

/* --- parsing ---------------------------------------------------------------------------- */

static void test_help_lists_every_command(void)
{
    static const char *const names[] = {
        "help|?",           "info",         "stop",         "cont|c",      "system_reset",
        "system_powerdown", "quit|q",       "cpu",          "x /fmt addr", "xp /fmt addr",
        "gva2gpa addr",     "gpa2hva addr", "gpa2hpa addr", "xlate addr"};
    static const char *const infos[] = {
        "status", "cpus", "registers [-a]", "mtree [-f]", "pci", "qtree",   "chardev",
        "pic",    "tlb",  "memslots",       "memlog",     "dma", "version", "history"};
    g_autofree char *help = g_strdup(run("help"));
    g_autofree char *info = g_strdup(run("info"));

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        g_assert_nonnull(strstr(help, names[i]));
    }
    for (size_t i = 0; i < ARRAY_SIZE(infos); i++) {
        g_autofree char *want = g_strdup_printf("info %s", infos[i]);

        g_assert_nonnull(strstr(info, want));
    }
    g_assert_cmpstr(run("help info"), ==, info);
    assert_out_has("help xlate", "xlate addr -- ");
    assert_out_has("help stop", "stop -- stop emulation");
}

static void test_errors_are_one_line(void)
{
    static const struct {
        const char *cmd, *needle;
    } cases[] = {
        {"bogus", "unknown command: 'bogus'"},
        {"info bogus", "Error: info: unknown subcommand 'bogus'"},
        {"info registers -z", "Error: info registers: invalid option -z"},
        {"info status now", "Error: info status: too many arguments ('now')"},
        {"stop please", "Error: stop: too many arguments"},
        {"x", "Error: x: missing argument"},
        {"x/4q 0", "Error: x: invalid format letter 'q'"},
        {"x/0x 0", "Error: x: count 0 out of range"},
        {"xlate 0x10000 +", "Error: expression expected"},
        {"x/x $bogus", "Error: unknown register '$bogus'"},
        {"x/x 12abc", "Error: invalid number"},
        {"x/x 1/0", "Error: division by zero"},
        {"stop/x", "Error: stop: takes no /format"},
        {"cpu 7", "Error: cpu: no vCPU 7"},
        {"help nothing", "Error: help: unknown command 'nothing'"},
    };

    g_assert_false(hmp_handle_command(mon, "bogus"));
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const char *o = run(cases[i].cmd);

        if (!strstr(o, cases[i].needle)) {
            g_error("'%s' printed '%s', not '%s'", cases[i].cmd, o, cases[i].needle);
        }
        g_assert_cmpuint(count_lines(o), ==, 1);
    }
    g_assert_cmpstr(run(""), ==, "");
    g_assert_cmpstr(run("   "), ==, "");
    /* the monitor goes on */
    assert_out_has("info status", "VM status: paused");
}

static void test_expressions(void)
{
    assert_out_has("xp/xg (0x4000 + 0x10*8)", "0000000000004080: 0x0000000000800007");
    assert_out_has("xp/xg 0x4080 & ~7 | 0", "0000000000004080:");
    assert_out_has("xp/xg $cr3", "0000000000001000: 0x0000000000002007");
    assert_out_has("x/xb $pc - 0x100", "0000000000010000: 0x41");
    assert_out_has("x/xb $rip-0x100", "0000000000010000: 0x41");
    assert_out_has("xp/xb 0x800000 + -1 + 1", "0000000000800000: 0x41");
}

static void test_cpu_and_registers(void)
{
    assert_out_has("info registers", "CR3=0000000000001000");
    assert_out_has("info registers", "EFER=0000000000000d00");
    assert_out_has("info registers -a", "CPU#0");
    assert_out_has("info cpus", "* CPU #0: pc=0x0000000000010100");
    assert_out_has("info cpus", "64-bit");
    g_assert_cmpstr(run("cpu 0"), ==, "");
}

static void test_interrupt_controllers(void)
{
    assert_out_has("info pic", "no PIC model in tern");
    assert_out_has("info lapic", "no local APIC model in tern for this vCPU");
    apic_create(0, true);
    assert_out_has("info lapic", "dumping local APIC state for CPU 0 (APIC ID 0)");
    assert_out_has("info lapic", "IRR\t(none)");
}

static void test_pic_and_ioapic(void)
{
    I8259State *pic;
    IOAPICState *ioapic;

    qemu_free_irqs(pc_irqchip_create(0, &pic, &ioapic), IOAPIC_NUM_PINS);
    assert_out_has("info pic", "pic0: irr=00 imr=");
    assert_out_has("info pic", "pic1: irr=00");
    assert_out_has("info pic", "ioapic:\n  pin  0 0x0000000000010000 vec=  0 fixed  dest=physical "
                               "0x00 edge masked\n");
    assert_out_has("info pic", "  pin 23 ");
}

/* --- x / xp ----------------------------------------------------------------------------- */

static void test_x_formats(void)
{
    assert_out_has("x/4xb 0x10000", "0000000000010000: 0x41 0x42 0x43 0x44\n");
    assert_out_has("x/2xh 0x10000", "0000000000010000: 0x4241 0x4443\n");
    assert_out_has("x/2xw 0x10000", "0000000000010000: 0x44434241 0x48474645\n");
    assert_out_has("x/xg 0x10000", "0000000000010000: 0x4847464544434241\n");
    assert_out_has("x/3c 0x10000", "0000000000010000: 'A' 'B' 'C'\n");
    assert_out_has("x/2db 0x10010", "0000000000010010:   -1 ");
    assert_out_has("x/2ub 0x10010", "0000000000010010: 255 ");
    assert_out_has("x/2dw 0x10010", "-1            -2\n");
    assert_out_has("x/ob 0x10000", "0101");
    /* 16 bytes a line: 5 words take two lines */
    g_assert_cmpuint(count_lines(run("x/5xw 0x10000")), ==, 2);
    /* format and size are remembered, as in QEMU */
    run("x/xh 0x10000");
    assert_out_has("x/2 0x10000", "0000000000010000: 0x4241 0x4443\n");
    /* xp sees the same bytes at their GPA */
    assert_out_has("xp/4xb 0x800000", "0000000000800000: 0x41 0x42 0x43 0x44\n");
    assert_out_has("xp/xg 0x20000000", "Cannot access memory at 0x20000000");
}

static void test_x_faults(void)
{
    assert_out_has("x/xb 0x11000", "Cannot access memory at 0x11000: #PF at PT[17] (level 1): "
                                   "not present (P=0)");
    /* a dump crossing into the hole stops there, after the bytes it could read */
    assert_out_has("x/8xw 0x10ff0", "0000000000010ff0:");
    assert_out_has("x/8xw 0x10ff0", "Cannot access memory at 0x11000");
    assert_out_has("x/xb 0x400000", "#PF at PD[2] (level 2): not present");
    assert_out_has("x/xb 0x600000", "#PF at PD[3] (level 2): reserved bits 0x2000 set (RSVD)");
    assert_out_has("x/xb 0x800000000000", "#GP(0): 0x800000000000 is not canonical");
}

static void test_x_insns(void)
{
    assert_out_has("x/3i 0x10100", "0x0000000000010100:  nop");
    assert_out_has("x/3i 0x10100", "0x0000000000010101:  mov eax, 1");
    assert_out_has("x/3i $pc", "0x0000000000010106:  ret");
    g_assert_cmpuint(count_lines(run("x/3i $pc")), ==, 3);
    /* 64-bit: REX.W decodes as such */
    assert_out_has("x/i 0x10107", "mov rax, qword ptr [rbx]");
}

/* --- walk and xlate --------------------------------------------------------------------- */

static void test_walk_levels(void)
{
    CPUX86State *env = cpu->env;
    AddressSpace *as = address_space_memory();
    X86PageWalk w;

    g_assert_true(x86_page_walk(env, as, VA_4K + 0x123, &w));
    g_assert_cmpint(w.mode, ==, X86_PAGING_4LEVEL);
    g_assert_cmpint(w.nr_levels, ==, 4);
    g_assert_cmpstr(w.levels[0].name, ==, "PML4");
    g_assert_cmphex(w.levels[0].table, ==, PML4_GPA);
    g_assert_cmphex(w.levels[3].table, ==, PT_GPA);
    g_assert_cmpuint(w.levels[3].index, ==, 0x10);
    g_assert_cmphex(w.levels[3].entry_gpa, ==, PT_GPA + 0x80);
    g_assert_true(w.levels[3].leaf);
    g_assert_cmphex(w.gpa, ==, DATA_GPA + 0x123);
    g_assert_cmpuint(w.page_size, ==, 4 * KiB);
    g_assert_true(w.user && w.writable && w.executable);

    g_assert_true(x86_page_walk(env, as, VA_RO, &w));
    g_assert_false(w.user || w.writable);

    g_assert_true(x86_page_walk(env, as, VA_2M_NX + 0x12345, &w));
    g_assert_cmpint(w.nr_levels, ==, 3);
    g_assert_cmpuint(w.page_size, ==, 2 * MiB);
    g_assert_cmphex(w.gpa, ==, 0x212345);
    g_assert_false(w.executable);

    g_assert_true(x86_page_walk(env, as, VA_1G + 0xabcdef, &w));
    g_assert_cmpint(w.nr_levels, ==, 2);
    g_assert_cmpuint(w.page_size, ==, 1 * GiB);
    g_assert_cmphex(w.gpa, ==, 0xabcdef);

    g_assert_false(x86_page_walk(env, as, VA_PD_HOLE, &w));
    g_assert_cmpint(w.status, ==, X86_WALK_NOT_PRESENT);
    g_assert_cmpint(w.fault_level, ==, 2);
    g_assert_cmpuint(w.error_code, ==, 0);

    g_assert_false(x86_page_walk(env, as, VA_RSVD, &w));
    g_assert_cmpint(w.status, ==, X86_WALK_RESERVED);
    g_assert_cmphex(w.fault_bits, ==, RSVD_BIT13);
    g_assert_cmphex(w.error_code, ==, 0x9);
}

static void test_walk_modes(void)
{
    CPUX86State env = *cpu->env;
    AddressSpace *as = address_space_memory();
    X86PageWalk w;
    uint8_t before[8], after[8];

    /* no A/D bits written */
    address_space_read(as, PT_GPA + 0x80, MEMTXATTRS_UNSPECIFIED, before, sizeof(before));
    x86_page_walk(&env, as, VA_4K, &w);
    address_space_read(as, PT_GPA + 0x80, MEMTXATTRS_UNSPECIFIED, after, sizeof(after));
    g_assert_cmpmem(before, sizeof(before), after, sizeof(after));

    /* NX is reserved without EFER.NXE */
    env.efer &= ~MSR_EFER_NXE;
    g_assert_false(x86_page_walk(&env, as, VA_2M_NX, &w));
    g_assert_cmpint(w.status, ==, X86_WALK_RESERVED);
    g_assert_cmphex(w.fault_bits, ==, PG_NX_MASK);

    /* paging off: GVA is GPA, truncated to 32 bits */
    env.cr[0] = CR0_PE_MASK;
    env.efer = 0;
    g_assert_true(x86_page_walk(&env, as, 0x100001234ULL, &w));
    g_assert_cmpint(w.mode, ==, X86_PAGING_NONE);
    g_assert_cmphex(w.gpa, ==, 0x1234);
}

static void test_walk_32bit_and_pae(void)
{
    CPUX86State env = *cpu->env;
    AddressSpace *as = address_space_memory();
    X86PageWalk w;
    const hwaddr pd32 = 0x5000, pt32 = 0x6000, pdpt = 0x7000, pd = 0x8000;

    address_space_stl_le(as, pd32, pt32 | 3, MEMTXATTRS_UNSPECIFIED, NULL);
    address_space_stl_le(as, pd32 + 4, 0x400000 | 0x83, MEMTXATTRS_UNSPECIFIED, NULL); /* 4M */
    address_space_stl_le(as, pt32 + 4, 0x9000 | 1, MEMTXATTRS_UNSPECIFIED, NULL);
    env.cr[0] = CR0_PE_MASK | CR0_PG_MASK;
    env.cr[3] = pd32;
    env.cr[4] = CR4_PSE_MASK;
    env.efer = 0;
    g_assert_true(x86_page_walk(&env, as, 0x1010, &w));
    g_assert_cmpint(w.mode, ==, X86_PAGING_32);
    g_assert_cmpint(w.nr_levels, ==, 2);
    g_assert_cmphex(w.gpa, ==, 0x9010);
    g_assert_true(x86_page_walk(&env, as, 0x456789, &w));
    g_assert_cmpuint(w.page_size, ==, 4 * MiB);
    g_assert_cmphex(w.gpa, ==, 0x456789);

    stq(pdpt, pd | 1);
    stq(pd, 0xa00000 | PTE_P | PTE_PS);
    env.cr[3] = pdpt;
    env.cr[4] = CR4_PAE_MASK;
    g_assert_true(x86_page_walk(&env, as, 0x1234, &w));
    g_assert_cmpint(w.mode, ==, X86_PAGING_PAE);
    g_assert_cmpstr(w.levels[0].name, ==, "PDPT");
    g_assert_cmphex(w.gpa, ==, 0xa01234);
    g_assert_false(x86_page_walk(&env, as, 0x40000000, &w)); /* PDPTE 1 not present */
    g_assert_cmpint(w.status, ==, X86_WALK_NOT_PRESENT);
}

static void test_xlate_output(void)
{
    const char *o = run("xlate 0x10123");

    g_assert_nonnull(strstr(o, "GVA      0x0000000000010123 (vCPU 0, 4-level paging, CR3 0x1000)"));
    g_assert_nonnull(strstr(o, "PML4 table 0x000001000 [  0] entry@0x000001000 = "
                               "0x0000000000002007  P W U"));
    g_assert_nonnull(strstr(o, "PT   table 0x000004000 [ 16] entry@0x000004080"));
    g_assert_nonnull(strstr(o, "-> 4 KiB page"));
    g_assert_nonnull(strstr(o, "rights: user, writable, executable"));
    g_assert_nonnull(strstr(o, "GPA      0x0000000000800123\n"));
    g_assert_nonnull(strstr(o, "section  0x0000000000000000-0x0000000000ffffff ram"));
    g_assert_nonnull(strstr(o, "region   'test-ram' offset 0x800123"));
    g_assert_nonnull(strstr(o, "path     system > test-ram\n"));
    g_assert_nonnull(strstr(o, "HVA      0x"));
    g_assert_nonnull(strstr(o, "HPA      "));
    g_assert_nonnull(strstr(o, "TLB      none"));

    o = run("xlate 0x200000");
    g_assert_nonnull(strstr(o, "P W PS NX  -> 2 MiB page"));
    g_assert_nonnull(strstr(o, "no-execute"));
    assert_out_has("xlate 0x40000000", "-> 1 GiB page");
    o = run("xlate 0x11000");
    g_assert_nonnull(strstr(o, "fault    #PF at PT[17] (level 1): not present (P=0)"));
    g_assert_null(strstr(o, "GPA "));
}

static void test_xlate_struct(void)
{
    XlateResult r;
    uint8_t *hva;

    xlate_address(cpu->env, address_space_memory(), VA_4K + 8, &r);
    g_assert_true(r.virtual && r.have_gpa && r.gpa.backed && r.gpa.ram);
    g_assert_cmphex(r.gpa.gpa, ==, DATA_GPA + 8);
    g_assert_cmpstr(r.gpa.region_name, ==, "test-ram");
    hva = memory_region_get_ram_ptr(&ram);
    g_assert_true(r.gpa.hva == hva + DATA_GPA + 8);
    g_assert_false(r.gpa.have_slot);
    g_assert_true(r.have_host);
    /* the page was written: pagemap answers, or says why it cannot */
    g_assert_true(r.host.err || r.host.present);

    xlate_address(NULL, address_space_memory(), 0x30000000, &r);
    g_assert_true(r.have_gpa);
    g_assert_false(r.gpa.backed);
}

static void test_translation_cmds(void)
{
    assert_out_has("gva2gpa 0x10004", "gpa: 0x800004\n");
    assert_out_has("gva2gpa 0x11000", "Unmapped: #PF at PT[17]");
    assert_out_has("gpa2hva 0x800000", "Host virtual address for 0x800000 (test-ram) is 0x");
    assert_out_has("gpa2hva 0x30000000", "No memory is mapped at address 0x30000000");
    /* either an HPA or a reason; never silence */
    g_assert_cmpuint(strlen(run("gpa2hpa 0x800000")), >, 0);
    assert_out_has("gpa2hpa 0x30000000", "No memory is mapped");
}

static void test_info_tlb(void)
{
    const char *o = run("info tlb");

    g_assert_nonnull(strstr(o, "0000000000010000-0000000000010fff -> 0000000000800000 rwxu 4 KiB"));
    g_assert_nonnull(strstr(o, "0000000000012000-0000000000012fff -> 0000000000801000 r-xs 4 KiB"));
    g_assert_nonnull(strstr(o, "0000000000200000-00000000003fffff -> 0000000000200000 rw-s 2 MiB"));
    g_assert_nonnull(strstr(o, "0000000040000000-000000007fffffff -> 0000000000000000 rwxs 1 GiB"));
    g_assert_null(strstr(o, "0000000000600000")); /* reserved entries map nothing */
}

/* --- line editor ------------------------------------------------------------------------ */

static void feed(const char *s)
{
    g_string_truncate(monitor_buffer(mon), 0);
    monitor_feed_input(mon, (const uint8_t *)s, (int)strlen(s));
}

static void test_line_editing(void)
{
    feed("info statuz\x7fs\r");
    g_assert_nonnull(strstr(monitor_buffer(mon)->str, "VM status"));
    feed("nfo status\033[Hi\r\n"); /* Home, insert; CR LF is one line */
    g_assert_nonnull(strstr(monitor_buffer(mon)->str, "VM status"));
    g_assert_cmpuint(count_lines(monitor_buffer(mon)->str), ==, 1);
    feed("info version\r");
    feed("\033[A\033[A\r"); /* two up: info status again */
    g_assert_nonnull(strstr(monitor_buffer(mon)->str, "VM status"));
    feed("garbage\025info status\r"); /* Ctrl-U kills the garbage */
    g_assert_nonnull(strstr(monitor_buffer(mon)->str, "VM status"));
    feed("info sta\033[Dx\033[C\033[3~\r"); /* left, insert x, right, delete: "info stxa" */
    g_assert_nonnull(strstr(monitor_buffer(mon)->str, "unknown subcommand 'stxa'"));
    feed("\033OHhelp \005version\r"); /* SS3 Home, Ctrl-E */
    g_assert_nonnull(strstr(monitor_buffer(mon)->str, "help: unknown command 'version'"));
    assert_out_has("info history", "'info version'");
}

static void test_history_bounds(void)
{
    Monitor *m = monitor_new_buffer();
    GString *out = monitor_buffer(m);

    for (int i = 0; i < READLINE_HISTORY_TEST_LINES; i++) {
        g_autofree char *line = g_strdup_printf("info version %d\r", i);

        monitor_feed_input(m, (const uint8_t *)line, (int)strlen(line));
    }
    monitor_feed_input(m, (const uint8_t *)"\r\r", 2); /* blank lines are not kept */
    monitor_feed_input(m, (const uint8_t *)"info cpus\rinfo cpus\r", 20); /* nor repeats */
    g_string_truncate(out, 0);
    hmp_handle_command(m, "info history");
    /* the oldest went: 64 kept, the last being the one 'info cpus' */
    g_assert_null(strstr(out->str, "'info version 0'"));
    g_assert_nonnull(strstr(out->str, "63: 'info cpus'\n"));
    g_assert_null(strstr(out->str, "64: "));
    g_assert_nonnull(strstr(out->str, "62: 'info version 99'"));
    monitor_destroy(m);
}

/* --- memlog ------------------------------------------------------------------------------ */

static bool find_entry(MemLogKind kind, const char *region, MemLogEntry *out)
{
    MemLogEntry e;

    for (unsigned i = 0; memlog_get(i, &e); i++) {
        if (e.kind == kind && !strcmp(e.region, region)) {
            *out = e;
            return true;
        }
    }
    return false;
}

static bool find_entry_at(MemLogKind kind, hwaddr start, MemLogEntry *out)
{
    MemLogEntry e;

    for (unsigned i = 0; memlog_get(i, &e); i++) {
        if (e.kind == kind && e.start == start) {
            *out = e;
            return true;
        }
    }
    return false;
}

static void test_memlog(void)
{
    MemoryRegion *bar = g_new0(MemoryRegion, 1);
    MemoryRegion *alias = g_new0(MemoryRegion, 1);
    MemLogEntry e;

    memlog_reset();
    memlog_init();
    g_assert_true(find_entry(MEMLOG_ADDED, "test-ram", &e)); /* the replay at start */
    g_assert_cmphex(e.size, ==, RAM_SIZE);

    memory_region_init_ram(bar, "bar0", 0x1000);
    memory_region_add_subregion(get_system_memory(), 0x2000000, bar);
    g_assert_true(find_entry(MEMLOG_ADDED, "bar0", &e));
    g_assert_cmphex(e.start, ==, 0x2000000);
    g_assert_cmpstr(e.as_name, ==, address_space_memory()->name);

    memory_region_set_address(bar, 0x3000000);
    g_assert_true(find_entry(MEMLOG_MOVED, "bar0", &e));
    g_assert_cmphex(e.old_start, ==, 0x2000000);
    g_assert_cmphex(e.start, ==, 0x3000000);
    g_assert_false(find_entry(MEMLOG_REMOVED, "bar0", &e)); /* a move is one entry */

    memory_region_del_subregion(get_system_memory(), bar);
    g_assert_true(find_entry(MEMLOG_REMOVED, "bar0", &e));
    g_assert_cmphex(e.start, ==, 0x3000000);

    /* over the top of RAM: RAM's section shrinks (resized), bar appears */
    memory_region_add_subregion_overlap(get_system_memory(), RAM_SIZE - 0x1000, bar, 1);
    g_assert_true(find_entry(MEMLOG_RESIZED, "test-ram", &e));
    g_assert_cmphex(e.old_size, ==, RAM_SIZE);
    g_assert_cmphex(e.size, ==, RAM_SIZE - 0x1000);
    memory_region_del_subregion(get_system_memory(), bar);

    /* an alias: the entry says which alias placed the RAM there */
    memory_region_init_alias(alias, "ram-window", &ram, 0x100000, 0x1000);
    memory_region_add_subregion(get_system_memory(), 0x5000000, alias);
    g_assert_true(find_entry(MEMLOG_ADDED, "test-ram", &e));
    g_assert_true(find_entry_at(MEMLOG_ADDED, 0x5000000, &e));
    g_assert_cmpstr(e.path, ==, "system > ram-window (alias of 'test-ram' +0x100000) > test-ram");
    g_assert_cmphex(e.offset_in_region, ==, 0x100000);
    assert_out_has("xlate 0x40000000 + 0x5000010",
                   "path     system > ram-window (alias of 'test-ram' +0x100000) > test-ram");
    memory_region_del_subregion(get_system_memory(), alias);
    memory_region_destroy(alias);

    assert_out_has("info memlog", "moved   memory 0x2000000+0x1000 -> 0x3000000+0x1000 'bar0'");
    assert_out_has("info memlog", "removed");

    /* bounded: the oldest go, the count of dropped ones says so */
    for (unsigned i = 0; i < MEMLOG_MAX_ENTRIES; i++) {
        memory_region_add_subregion(get_system_memory(), 0x2000000, bar);
        memory_region_del_subregion(get_system_memory(), bar);
    }
    g_assert_cmpuint(memlog_count(), ==, MEMLOG_MAX_ENTRIES);
    g_assert_cmpuint(memlog_dropped(), >, 0);
    g_assert_true(memlog_get(0, &e));
    g_assert_cmpuint(e.seq, ==, memlog_dropped() + 1);
    assert_out_has("info memlog", "older ones dropped");
    memlog_reset();
    memory_region_destroy(bar);
    g_free(bar); /* no flat view refers to them: the transactions above completed */
    g_free(alias);
}

/* --- dma counters ------------------------------------------------------------------------ */

static const DmaStats *find_stats(GArray *s, uint16_t id)
{
    for (guint i = 0; i < s->len; i++) {
        if (g_array_index(s, DmaStats, i).requester_id == id) {
            return &g_array_index(s, DmaStats, i);
        }
    }
    return NULL;
}

static void test_dma_stats(void)
{
    MemTxAttrs dev = {.requester_id = 0x08}; /* 00:01.0 */
    g_autoptr(GArray) s = NULL;
    const DmaStats *d;
    static uint8_t a[100], b[16];

    dma_stats_reset();
    assert_out_has("info dma", "no DMA mappings since start");
    dma_stats_map(dev, 100, 100, DMA_MAP_DIRECT, a);
    dma_stats_map(dev, 100, 60, DMA_MAP_DIRECT, a + 40);
    dma_stats_map(dev, 16, 16, DMA_MAP_BOUNCED, b);
    dma_stats_map(dev, 16, 0, DMA_MAP_FAILED, NULL);
    dma_stats_unmap(a);
    s = dma_stats_query();
    g_assert_cmpuint(s->len, ==, 1);
    d = &g_array_index(s, DmaStats, 0);
    g_assert_cmpuint(d->requester_id, ==, 8);
    g_assert_cmpuint(d->maps, ==, 4);
    g_assert_cmpuint(d->unmaps, ==, 1);
    g_assert_cmpuint(d->bytes_direct, ==, 160);
    g_assert_cmpuint(d->bytes_bounced, ==, 16);
    g_assert_cmpuint(d->failed, ==, 1);
    g_assert_cmpuint(d->cut_short, ==, 1);
    assert_out_has("info dma", "00:01.0");
    dma_stats_set_name(0x08, "e1000");
    assert_out_has("info dma", "e1000");
    dma_stats_set_name(0x08, NULL);
    dma_stats_reset();
}

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    return 0;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)data;
    (void)size;
}

static const MemoryRegionOps mmio_ops = {.read = mmio_read, .write = mmio_write};

/* The counters address_space_map/unmap keep, per requester. */
static void test_dma_counters_from_map(void)
{
    AddressSpace *as = address_space_memory();
    MemTxAttrs dev = {.requester_id = 0x10}; /* 00:02.0 */
    MemoryRegion *mmio = g_new0(MemoryRegion, 1);
    g_autoptr(GArray) s = NULL;
    const DmaStats *d;
    hwaddr len;
    void *p, *q, *r;

    dma_stats_reset();
    memory_region_init_io(mmio, &mmio_ops, NULL, "dma-mmio", 0x1000);
    memory_region_add_subregion(get_system_memory(), 0x6000000, mmio);

    len = 0x2000;
    p = address_space_map(as, RAM_SIZE - 0x1000, &len, true, dev); /* cut at the end of RAM */
    g_assert_nonnull(p);
    g_assert_cmphex(len, ==, 0x1000);
    len = 0x100;
    q = address_space_map(as, 0x6000000, &len, false, dev); /* MMIO: bounced */
    g_assert_nonnull(q);
    len = 0x100;
    r = address_space_map(as, 0x7000000, &len, false, dev); /* nothing there */
    g_assert_null(r);
    len = 8;
    address_space_unmap(as, address_space_map(as, 0, &len, false, MEMTXATTRS_UNSPECIFIED), 8, false,
                        8);

    s = dma_stats_query();
    d = find_stats(s, 0x10);
    g_assert_nonnull(d);
    g_assert_cmpuint(d->maps, ==, 3);
    g_assert_cmpuint(d->unmaps, ==, 0);
    g_assert_cmpuint(d->bytes_direct, ==, 0x1000);
    g_assert_cmpuint(d->bytes_bounced, ==, 0x100);
    g_assert_cmpuint(d->failed, ==, 1);
    g_assert_cmpuint(d->cut_short, ==, 1);
    d = find_stats(s, 0);
    g_assert_nonnull(d);
    g_assert_cmpuint(d->maps, ==, 1);
    g_assert_cmpuint(d->unmaps, ==, 1);
    assert_out_has("info dma",
                   "00:02.0                  3       0     2           4096            256"
                   "       1          1");

    address_space_unmap(as, p, 0x1000, true, 0x1000);
    address_space_unmap(as, q, 0x100, false, 0);
    g_array_unref(s);
    s = dma_stats_query();
    g_assert_cmpuint(find_stats(s, 0x10)->unmaps, ==, 2); /* attributed to who mapped */
    g_assert_cmpuint(find_stats(s, 0)->unmaps, ==, 1);
    memory_region_del_subregion(get_system_memory(), mmio);
    memory_region_destroy(mmio);
    g_free(mmio);
    dma_stats_reset();
}

/* --- on a mux, as under -nographic ----------------------------------------------------- */

#define PUMP_MAX_ROUNDS 5000 /* a guard against a hang, not a timing check */

typedef struct MuxPeer {
    int fd;
    GString *got;   /* what the peer received */
    GString *uart;  /* what the UART front end received */
    CharBackend be; /* the UART */
} MuxPeer;

static int uart_can_read(void *opaque)
{
    (void)opaque;
    return 64;
}

static void uart_read(void *opaque, const uint8_t *buf, int size)
{
    MuxPeer *p = opaque;

    g_string_append_len(p->uart, (const char *)buf, size);
}

/* Runs the main loop until the peer has received needle (or UART input, uart set). */
static bool pump_until(MuxPeer *p, const char *needle, bool uart)
{
    for (int i = 0; i < PUMP_MAX_ROUNDS; i++) {
        char buf[512];
        ssize_t n;

        main_loop_wait(true);
        while ((n = read(p->fd, buf, sizeof(buf))) > 0) {
            g_string_append_len(p->got, buf, n);
        }
        if (strstr(uart ? p->uart->str : p->got->str, needle)) {
            return true;
        }
        g_usleep(1000);
    }
    return false;
}

static void peer_send(MuxPeer *p, const char *s)
{
    g_assert_cmpint(write(p->fd, s, strlen(s)), ==, (ssize_t)strlen(s));
}

static void test_mux_focus(void)
{
    g_autofree char *dir = g_dir_make_tmp("tern-mon-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "mux.sock", NULL);
    g_autofree char *spec = g_strdup_printf("mon:unix:%s,server=on,wait=off", path);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    MuxPeer p = {.got = g_string_new(NULL), .uart = g_string_new(NULL)};
    GError *err = NULL;
    Chardev *chr = qemu_chr_new("mon-mux", spec, &err);
    Monitor *m;

    g_assert_no_error(err);
    g_assert_true(qemu_chr_fe_init(&p.be, chr, &err));
    qemu_chr_fe_set_handlers(&p.be, uart_can_read, uart_read, NULL, &p);
    m = monitor_init_hmp(chr, &err);
    g_assert_no_error(err);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    p.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(connect(p.fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    fcntl(p.fd, F_SETFL, O_NONBLOCK);

    /* the UART keeps the focus: input goes there, the monitor stays quiet */
    peer_send(&p, "to uart");
    g_assert_true(pump_until(&p, "to uart", true));
    g_assert_null(strstr(p.got->str, "tern monitor"));

    /* Ctrl-A c: the monitor greets and takes commands, with CR LF line ends */
    peer_send(&p, "\x01"
                  "c");
    g_assert_true(pump_until(&p, MONITOR_PROMPT, false));
    g_assert_nonnull(strstr(p.got->str, "tern monitor - type 'help' for more information\r\n"));
    peer_send(&p, "info status\r");
    g_assert_true(pump_until(&p, "VM status: paused\r\n", false));
    g_assert_nonnull(strstr(p.got->str, "info status\r\n")); /* echoed */

    /* and back */
    peer_send(&p, "\x01"
                  "cback");
    g_assert_true(pump_until(&p, "to uartback", true));

    close(p.fd);
    monitor_destroy(m);
    qemu_chr_fe_deinit(&p.be);
    qemu_chr_delete(chr);
    unlink(path);
    rmdir(dir);
    g_string_free(p.got, true);
    g_string_free(p.uart, true);
}

static void test_monitor_spec_errors(void)
{
    GError *err = NULL;

    g_assert_true(monitor_init_spec("none", &err));
    g_assert_false(monitor_init_spec("bogus:thing", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
}

static void fill_guest(void)
{
    static const uint8_t data[] = "ABCDEFGH";
    static const uint8_t neg[] = {0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff};
    static const uint8_t code[] = {0x90, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3, 0x48, 0x8b, 0x03};
    AddressSpace *as = address_space_memory();

    address_space_write(as, DATA_GPA, MEMTXATTRS_UNSPECIFIED, data, 8);
    address_space_write(as, DATA_GPA + 0x10, MEMTXATTRS_UNSPECIFIED, neg, sizeof(neg));
    address_space_write(as, DATA_GPA + 0x100, MEMTXATTRS_UNSPECIFIED, code, sizeof(code));
    address_space_write(as, DATA_GPA + 0xff0, MEMTXATTRS_UNSPECIFIED, data, 8);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop();
    bql_lock();
    memory_init(UINT64_MAX);
    memory_region_init_ram(&ram, "test-ram", RAM_SIZE);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    build_page_tables();
    fill_guest();
    cpu = cpu_create(0);
    long_mode(cpu->env);
    mon = monitor_new_buffer();

    g_test_add_func("/monitor/help", test_help_lists_every_command);
    g_test_add_func("/monitor/errors", test_errors_are_one_line);
    g_test_add_func("/monitor/expressions", test_expressions);
    g_test_add_func("/monitor/registers", test_cpu_and_registers);
    g_test_add_func("/monitor/intc", test_interrupt_controllers);
    g_test_add_func("/monitor/pic-ioapic", test_pic_and_ioapic);
    g_test_add_func("/monitor/x-formats", test_x_formats);
    g_test_add_func("/monitor/x-faults", test_x_faults);
    g_test_add_func("/monitor/x-insns", test_x_insns);
    g_test_add_func("/monitor/walk/levels", test_walk_levels);
    g_test_add_func("/monitor/walk/modes", test_walk_modes);
    g_test_add_func("/monitor/walk/32bit-pae", test_walk_32bit_and_pae);
    g_test_add_func("/monitor/xlate/output", test_xlate_output);
    g_test_add_func("/monitor/xlate/struct", test_xlate_struct);
    g_test_add_func("/monitor/translation-cmds", test_translation_cmds);
    g_test_add_func("/monitor/info-tlb", test_info_tlb);
    g_test_add_func("/monitor/line-editing", test_line_editing);
    g_test_add_func("/monitor/history-bounds", test_history_bounds);
    g_test_add_func("/monitor/mux-focus", test_mux_focus);
    g_test_add_func("/monitor/spec-errors", test_monitor_spec_errors);
    g_test_add_func("/monitor/memlog", test_memlog);
    g_test_add_func("/monitor/dma-stats", test_dma_stats);
    g_test_add_func("/monitor/dma-counters", test_dma_counters_from_map);
    return g_test_run();
}
