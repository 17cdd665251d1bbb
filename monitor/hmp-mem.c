/*
 * hmp-mem.c: the monitor's memory commands: x and xp (QEMU's formats and
 * counts, x/i through Capstone in the vCPU's mode), gva2gpa, gpa2hva,
 * gpa2hpa, xlate, info tlb and info memslots. The logic is in x86-walk.c and
 * xlate.c; this file prints it.
 */
#include "qemu/osdep.h"
#include <capstone.h>
#include "exec/memory.h"
#include "hw/core/cpu.h"
#include "sysemu/accel.h"
#include "sysemu/kvm.h"
#include "monitor/xlate.h"
#include "monitor-internal.h"

#define DUMP_LINE_BYTES 16            /* bytes per output line, as QEMU */
#define MAX_INSN_BYTES  16            /* longest x86 instruction */
#define MAX_DUMP_COUNT  (1024 * 1024) /* a typo should not print for an hour */

/* A parsed /FMT: count, format letter, unit size. */
typedef struct DumpFormat {
    unsigned count;
    char format; /* x d u o c i */
    int size;    /* 1 2 4 8 */
} DumpFormat;

static int size_of_letter(char c)
{
    return c == 'b' ? 1 : c == 'h' ? 2 : c == 'w' ? 4 : c == 'g' ? 8 : 0;
}

static bool parse_format(Monitor *mon, const char *fmt, DumpFormat *f, const char *what)
{
    char *end;

    *f = (DumpFormat){.count = 1, .format = mon->last_format, .size = 0};
    if (fmt && g_ascii_isdigit(*fmt)) {
        uint64_t n = g_ascii_strtoull(fmt, &end, 10);

        if (n == 0 || n > MAX_DUMP_COUNT) {
            monitor_error(mon, "%s: count %.*s out of range (1..%d)", what, (int)(end - fmt), fmt,
                          MAX_DUMP_COUNT);
            return false;
        }
        f->count = (unsigned)n;
        fmt = end;
    }
    for (; fmt && *fmt; fmt++) {
        if (strchr("xduoci", *fmt)) {
            f->format = *fmt;
        } else if (size_of_letter(*fmt)) {
            f->size = size_of_letter(*fmt);
        } else {
            monitor_error(mon,
                          "%s: invalid format letter '%c' (formats x d u o c i, sizes b h w g)",
                          what, *fmt);
            return false;
        }
    }
    if (!f->size) {
        f->size = f->format == 'c' ? 1 : mon->last_size;
    }
    mon->last_format = f->format;
    if (f->format != 'i') {
        mon->last_size = f->size;
    }
    return true;
}

/* Guest memory for a dump: virtual (env set) or physical. */
typedef struct DumpSource {
    const CPUX86State *env;
    AddressSpace *as;
} DumpSource;

/* Reads len bytes at addr; false with the failing walk in *w (virtual) or w->status OK (physical).
 */
static bool dump_read(const DumpSource *src, uint64_t addr, uint8_t *buf, size_t len,
                      X86PageWalk *w)
{
    memset(w, 0, sizeof(*w));
    while (len) {
        uint64_t gpa = addr;
        size_t chunk = len;

        if (src->env) {
            if (!x86_page_walk(src->env, src->as, addr, w)) {
                return false;
            }
            gpa = w->gpa;
            chunk = MIN(len, TARGET_PAGE_SIZE - (addr & ~TARGET_PAGE_MASK));
        }
        if (address_space_read(src->as, gpa, MEMTXATTRS_UNSPECIFIED, buf, chunk) != MEMTX_OK) {
            w->gpa = gpa;
            return false;
        }
        addr += chunk;
        buf += chunk;
        len -= chunk;
    }
    return true;
}

static void print_read_error(Monitor *mon, const DumpSource *src, uint64_t addr,
                             const X86PageWalk *w)
{
    g_autoptr(GString) s = g_string_new(NULL);

    if (src->env && w->status != X86_WALK_OK) {
        x86_walk_fault_str(w, s);
        monitor_printf(mon, "Cannot access memory at 0x%" PRIx64 ": %s\n", addr, s->str);
    } else {
        monitor_printf(
            mon, "Cannot access memory at 0x%" PRIx64 ": GPA 0x%" HWADDR_PRIx " is not backed\n",
            addr, w->gpa);
    }
}

static uint64_t load_le(const uint8_t *p, int size)
{
    uint64_t v = 0;

    for (int i = size - 1; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

static void format_value(GString *s, char format, int size, uint64_t v)
{
    int bits = size * 8;

    switch (format) {
    case 'x':
        g_string_append_printf(s, " 0x%0*" PRIx64, size * 2, v);
        break;
    case 'o':
        g_string_append_printf(s, " %#*" PRIo64, size * 3 + 1, v);
        break;
    case 'u':
        g_string_append_printf(s, " %*" PRIu64, size * 3, v);
        break;
    case 'd': {
        int64_t sv = bits == 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);

        g_string_append_printf(s, " %*" PRId64, size * 3 + 1, sv);
        break;
    }
    case 'c':
        if (v < 0x80 && g_ascii_isprint((gchar)v)) {
            g_string_append_printf(s, " '%c'", (char)v);
        } else {
            g_string_append_printf(s, " '\\x%02" PRIx64 "'", v & 0xff);
        }
        break;
    }
}

static void dump_data(Monitor *mon, const DumpSource *src, uint64_t addr, const DumpFormat *f)
{
    uint64_t total = (uint64_t)f->count * f->size;

    while (total) {
        uint8_t buf[DUMP_LINE_BYTES];
        size_t n = MIN(total, DUMP_LINE_BYTES);
        g_autoptr(GString) s = g_string_new(NULL);
        X86PageWalk w;

        if (!dump_read(src, addr, buf, n, &w)) {
            print_read_error(mon, src, addr, &w);
            return;
        }
        g_string_append_printf(s, "%016" PRIx64 ":", addr);
        for (size_t i = 0; i < n; i += f->size) {
            format_value(s, f->format, f->size, load_le(buf + i, f->size));
        }
        monitor_printf(mon, "%s\n", s->str);
        addr += n;
        total -= n;
    }
}

static cs_mode capstone_mode(int bits)
{
    return bits == 64 ? CS_MODE_64 : bits == 32 ? CS_MODE_32 : CS_MODE_16;
}

/* Reads as many instruction bytes as are accessible (at least one). */
static size_t read_insn_bytes(const DumpSource *src, uint64_t addr, uint8_t *buf, X86PageWalk *w)
{
    size_t n = MAX_INSN_BYTES;

    while (n && !dump_read(src, addr, buf, n, w)) {
        n--; /* the next page may be unmapped: the instruction may still fit */
    }
    return n;
}

static void dump_insns(Monitor *mon, const DumpSource *src, uint64_t addr, const DumpFormat *f,
                       int bits)
{
    csh h;
    cs_insn *insn;

    if (cs_open(CS_ARCH_X86, capstone_mode(bits), &h) != CS_ERR_OK) {
        monitor_error(mon, "cannot open the Capstone disassembler");
        return;
    }
    insn = cs_malloc(h);
    for (unsigned i = 0; i < f->count; i++) {
        uint8_t buf[MAX_INSN_BYTES];
        const uint8_t *code = buf;
        uint64_t pc = addr;
        X86PageWalk w;
        size_t n = read_insn_bytes(src, addr, buf, &w);

        if (!n) {
            print_read_error(mon, src, addr, &w);
            break;
        }
        if (!cs_disasm_iter(h, &code, &n, &pc, insn)) {
            monitor_printf(mon, "0x%016" PRIx64 ":  (bad) .byte 0x%02x\n", addr, buf[0]);
            addr++;
            continue;
        }
        monitor_printf(mon, "0x%016" PRIx64 ":  %s %s\n", addr, insn->mnemonic, insn->op_str);
        addr = pc;
    }
    cs_free(insn, 1);
    cs_close(&h);
}

static void memory_dump(Monitor *mon, const HMPArgs *a, bool is_virtual, const char *what)
{
    DumpFormat f;
    DumpSource src = {.as = address_space_memory()};
    uint64_t addr;
    CPUX86State *env = NULL;

    if (!parse_format(mon, a->fmt, &f, what) || !hmp_eval(mon, a->rest, &addr)) {
        return;
    }
    if (is_virtual || f.format == 'i') {
        env = monitor_sync_env(mon);
        if (!env) {
            return;
        }
    }
    src.env = is_virtual ? env : NULL;
    if (f.format == 'i') {
        dump_insns(mon, &src, addr, &f, x86_cpu_code_bits(env));
    } else {
        dump_data(mon, &src, addr, &f);
    }
}

void hmp_x(Monitor *mon, const HMPArgs *a)
{
    memory_dump(mon, a, true, "x");
}

void hmp_xp(Monitor *mon, const HMPArgs *a)
{
    memory_dump(mon, a, false, "xp");
}

/* --- translation ------------------------------------------------------------------------ */

/* The walk for a GVA on the current vCPU; false after printing why. */
static bool walk_gva(Monitor *mon, const HMPArgs *a, X86PageWalk *w)
{
    CPUX86State *env;
    uint64_t addr;

    if (!hmp_eval(mon, a->rest, &addr) || !(env = monitor_sync_env(mon))) {
        return false;
    }
    if (!x86_page_walk(env, address_space_memory(), addr, w)) {
        g_autoptr(GString) s = g_string_new(NULL);

        x86_walk_fault_str(w, s);
        monitor_printf(mon, "Unmapped: %s\n", s->str);
        return false;
    }
    return true;
}

void hmp_gva2gpa(Monitor *mon, const HMPArgs *a)
{
    X86PageWalk w;

    if (walk_gva(mon, a, &w)) {
        monitor_printf(mon, "gpa: 0x%" HWADDR_PRIx "\n", w.gpa);
    }
}

/* GPA -> RAM; false after printing why not. */
static bool gpa_to_ram(Monitor *mon, const HMPArgs *a, GPAInfo *info)
{
    uint64_t addr;

    if (!hmp_eval(mon, a->rest, &addr)) {
        return false;
    }
    gpa_info(address_space_memory(), addr, info);
    if (!info->backed) {
        monitor_printf(mon, "No memory is mapped at address 0x%" PRIx64 "\n", addr);
        return false;
    }
    if (!info->ram) {
        monitor_printf(mon, "Memory at address 0x%" PRIx64 " is not RAM (region '%s')\n", addr,
                       info->region_name);
        return false;
    }
    return true;
}

void hmp_gpa2hva(Monitor *mon, const HMPArgs *a)
{
    GPAInfo info;

    if (gpa_to_ram(mon, a, &info)) {
        monitor_printf(mon, "Host virtual address for 0x%" HWADDR_PRIx " (%s) is %p\n", info.gpa,
                       info.region_name, info.hva);
    }
}

void hmp_gpa2hpa(Monitor *mon, const HMPArgs *a)
{
    GPAInfo info;
    HostPageInfo host;
    g_autoptr(GString) s = g_string_new(NULL);

    if (!gpa_to_ram(mon, a, &info)) {
        return;
    }
    if (!host_page_info(info.hva, &host)) {
        host_page_info_str(&host, s);
        monitor_printf(mon, "Cannot find the host physical address for 0x%" HWADDR_PRIx ": %s\n",
                       info.gpa, s->str + strlen("no HPA: "));
        return;
    }
    monitor_printf(mon, "Host physical address for 0x%" HWADDR_PRIx " (%s) is 0x%" PRIx64 "\n",
                   info.gpa, info.region_name, host.hpa);
}

static const char *const paging_names[] = {
    [X86_PAGING_NONE] = "paging off",
    [X86_PAGING_32] = "32-bit paging",
    [X86_PAGING_PAE] = "PAE paging",
    [X86_PAGING_4LEVEL] = "4-level paging",
};

static void print_size(GString *s, uint64_t size)
{
    if (size >= GiB && !(size % GiB)) {
        g_string_append_printf(s, "%" PRIu64 " GiB", (uint64_t)(size / GiB));
    } else if (size >= MiB && !(size % MiB)) {
        g_string_append_printf(s, "%" PRIu64 " MiB", (uint64_t)(size / MiB));
    } else {
        g_string_append_printf(s, "%" PRIu64 " KiB", (uint64_t)(size / KiB));
    }
}

static void print_walk(Monitor *mon, const X86PageWalk *w)
{
    for (int i = 0; i < w->nr_levels; i++) {
        const X86PageLevel *l = &w->levels[i];
        g_autoptr(GString) s = g_string_new(NULL);

        g_string_append_printf(s,
                               "  %-4s table 0x%09" HWADDR_PRIx " [%3u] entry@0x%09" HWADDR_PRIx
                               " = 0x%016" PRIx64 "  ",
                               l->name, l->table, l->index, l->entry_gpa, l->entry);
        x86_pte_flags_str(l->entry, l->leaf, l->level, s);
        if (l->leaf) {
            g_string_append(s, "  -> ");
            print_size(s, l->page_size);
            g_string_append(s, " page");
        }
        monitor_printf(mon, "%s\n", s->str);
    }
    if (w->status == X86_WALK_OK) {
        monitor_printf(mon, "  rights: %s, %s, %s\n", w->user ? "user" : "supervisor only",
                       w->writable ? "writable" : "read-only",
                       w->executable ? "executable" : "no-execute");
    }
}

static void print_region_path(Monitor *mon, hwaddr gpa)
{
    g_autoptr(GString) s = g_string_new(NULL);

    if (memory_region_path(address_space_memory(), gpa, s)) {
        monitor_printf(mon, "path     %s\n", s->str);
    }
}

static void print_gpa_info(Monitor *mon, const GPAInfo *g)
{
    const MemoryRegionSection *sec = &g->section;

    monitor_printf(mon, "GPA      0x%016" HWADDR_PRIx "\n", g->gpa);
    if (!g->backed) {
        monitor_printf(mon, "section  none: nothing is mapped here (reads return all ones)\n");
        return;
    }
    monitor_printf(mon,
                   "section  0x%016" HWADDR_PRIx "-0x%016" HWADDR_PRIx " %s%s\n"
                   "region   '%s' offset 0x%" HWADDR_PRIx "\n",
                   sec->offset_within_address_space,
                   sec->offset_within_address_space + sec->size - 1,
                   memory_region_is_rom(sec->mr) ? "rom"
                   : g->ram                      ? "ram"
                                                 : "i/o",
                   sec->readonly ? " readonly" : "", g->region_name, g->offset_in_region);
    print_region_path(mon, g->gpa);
    if (g->have_slot) {
        monitor_printf(mon, "memslot  %d: GPA 0x%" HWADDR_PRIx " size 0x%" PRIx64 " HVA %p%s\n",
                       g->slot, g->slot_gpa, g->slot_size, g->slot_hva,
                       g->slot_readonly ? " readonly" : "");
    } else if (kvm_enabled()) {
        monitor_printf(mon, "memslot  none: accesses exit to tern (MMIO)\n");
    }
    if (g->ram) {
        monitor_printf(mon, "HVA      %p\n", g->hva);
    }
}

static void print_tlb_mode(Monitor *mon, const char *mode, const SoftTLBModeProbe *m, uint64_t va)
{
    const CPUTLBEntry *e = &m->entry;

    if (!m->hit) {
        monitor_printf(mon, "TLB      %s: not cached\n", mode);
        return;
    }
    monitor_printf(
        mon, "TLB      %s: %s[%u] GPA page 0x%" HWADDR_PRIx " read %s write %s exec %s%s\n", mode,
        m->victim ? "victim" : "table", m->index, m->full.phys_page,
        (e->addr_read & TLB_INVALID_MASK) ? "-" : "yes",
        (e->addr_write & TLB_INVALID_MASK) ? "-" : "yes",
        (e->addr_code & TLB_INVALID_MASK) ? "-" : "yes", m->full.global ? " global" : "");
    /* A denied access is an all-ones tag (TLB_INVALID_MASK): it says nothing of the path. */
    bool fast = false, slow = false;
    const uint64_t tags[] = {e->addr_read, e->addr_write, e->addr_code};
    for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
        if (!(tags[i] & TLB_INVALID_MASK)) {
            *((tags[i] & TLB_MMIO) ? &slow : &fast) = true;
        }
    }
    if (fast) {
        monitor_printf(mon, "         %s: addend 0x%" PRIxPTR " -> HVA 0x%" PRIxPTR "%s\n", mode,
                       e->addend, (uintptr_t)(va + e->addend),
                       slow ? " (some accesses take the slow path: ROM or dirty-logged)" : "");
    } else if (slow) {
        monitor_printf(mon, "         %s: slow path (MMIO, ROM or dirty-logged page)\n", mode);
    }
}

static void print_tlb_state(Monitor *mon, const SoftTLBProbe *p, uint64_t va)
{
    if (!p->available) {
        monitor_printf(mon, "TLB      none: the %s accelerator has no software TLB\n",
                       current_accel ? current_accel->name : "none");
        return;
    }
    print_tlb_mode(mon, "kernel", &p->mode[MMU_KERNEL_IDX], va);
    print_tlb_mode(mon, "user", &p->mode[MMU_USER_IDX], va);
}

void hmp_xlate(Monitor *mon, const HMPArgs *a)
{
    CPUX86State *env;
    uint64_t addr;
    XlateResult r;
    g_autoptr(GString) s = g_string_new(NULL);

    SoftTLBProbe tlb = {0};

    if (!hmp_eval(mon, a->rest, &addr)) {
        return;
    }
    /*
     * The TLB first: under tcg, synchronizing the registers marks them dirty, and the
     * interpreter flushes its TLB when it next runs.
     */
    if (monitor_get_cpu(mon)) {
        soft_tlb_probe(monitor_get_cpu(mon), addr, &tlb);
    }
    if (!(env = monitor_sync_env(mon))) {
        return;
    }
    xlate_address(env, address_space_memory(), addr, &r);
    monitor_printf(mon, "GVA      0x%016" PRIx64 " (vCPU %d, %s, CR3 0x%" PRIx64 ")\n", r.walk.gva,
                   monitor_get_cpu(mon)->cpu_index, paging_names[r.walk.mode], env->cr[3]);
    print_walk(mon, &r.walk);
    if (r.walk.status != X86_WALK_OK) {
        x86_walk_fault_str(&r.walk, s);
        monitor_printf(mon, "fault    %s\n", s->str);
        return;
    }
    print_gpa_info(mon, &r.gpa);
    if (r.have_host) {
        host_page_info_str(&r.host, s);
        monitor_printf(mon, "HPA      %s\n", s->str);
    }
    print_tlb_state(mon, &tlb, r.walk.gva);
}

/* --- info tlb, info memslots ----------------------------------------------------------------- */

static void print_mapping(const X86MappingRange *r, void *opaque)
{
    Monitor *mon = opaque;
    g_autoptr(GString) s = g_string_new(NULL);

    print_size(s, r->size);
    monitor_printf(mon, "%016" PRIx64 "-%016" PRIx64 " -> %016" PRIx64 " %c%c%c%c %s\n", r->va,
                   r->va + r->size - 1, r->pa, 'r', r->writable ? 'w' : '-',
                   r->executable ? 'x' : '-', r->user ? 'u' : 's', s->str);
}

void hmp_info_tlb(Monitor *mon, const HMPArgs *a)
{
    CPUX86State *env = monitor_sync_env(mon);

    (void)a;
    if (!env) {
        return;
    }
    if (!(env->cr[0] & CR0_PG_MASK)) {
        monitor_printf(mon, "PG disabled\n");
        return;
    }
    x86_foreach_mapping(env, address_space_memory(), print_mapping, mon);
}

void hmp_info_memslots(Monitor *mon, const HMPArgs *a)
{
    g_autoptr(GString) s = g_string_new(NULL);

    (void)a;
    if (!kvm_enabled()) {
        monitor_printf(mon, "no memslots: the accelerator is %s (memslots are KVM's)\n",
                       current_accel ? current_accel->name : "none");
        return;
    }
    kvm_memslots_info(s);
    monitor_puts(mon, s->str);
}

void hmp_info_softmmu(Monitor *mon, const HMPArgs *a)
{
    g_autoptr(GString) s = g_string_new(NULL);
    CPUState *cpu = monitor_get_cpu(mon);

    (void)a;
    if (!cpu || !soft_tlb_dump(cpu, s)) {
        monitor_printf(mon, "no software TLB: the accelerator is %s (only tcg has one)\n",
                       current_accel ? current_accel->name : "none");
        return;
    }
    monitor_puts(mon, s->str);
}
