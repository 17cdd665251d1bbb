/*
 * tcg-tlb.c: the monitor's read-only view of the interpreter's software TLB
 * (include/exec/cputlb.h): whether a page is cached and what its entry says
 * (xlate), and every valid entry (info softmmu). The TLB belongs to the vCPU
 * thread, so the reads run there through run_on_cpu (or directly while the
 * vCPU is stopped); nothing is changed, unlike tlb_lookup, which swaps victim
 * entries and counts hits.
 */
#include "qemu/osdep.h"
#include "hw/core/cpu.h"
#include "sysemu/cpus.h"
#include "target/x86/tcg-cpu.h"
#include "monitor/xlate.h"

static const char *const mode_names[NB_MMU_MODES] = {"kernel", "user"};

static bool tag_matches(uint64_t tag, uint64_t page)
{
    return !(tag & TLB_INVALID_MASK) && (tag & TARGET_PAGE_MASK) == page;
}

static bool entry_matches(const CPUTLBEntry *e, uint64_t page)
{
    return tag_matches(e->addr_read, page) || tag_matches(e->addr_write, page) ||
           tag_matches(e->addr_code, page);
}

static void probe_mode(const CPUTLBDesc *d, uint64_t va, SoftTLBModeProbe *m)
{
    uint64_t page = va & TARGET_PAGE_MASK;
    unsigned i = tlb_index(d, va);

    memset(m, 0, sizeof(*m));
    if (entry_matches(&d->table[i], page)) {
        *m = (SoftTLBModeProbe){.hit = true, .index = i, .entry = d->table[i], .full = d->full[i]};
        return;
    }
    for (unsigned v = 0; v < CPU_VTLB_SIZE; v++) {
        if (entry_matches(&d->vtable[v], page)) {
            *m = (SoftTLBModeProbe){.hit = true,
                                    .victim = true,
                                    .index = v,
                                    .entry = d->vtable[v],
                                    .full = d->vfull[v]};
            return;
        }
    }
}

typedef struct ProbeWork {
    uint64_t va;
    SoftTLBProbe *p;
} ProbeWork;

static void do_probe(CPUState *cpu, void *data)
{
    ProbeWork *w = data;
    X86CPU *x = tcg_x86_cpu(cpu);

    for (int mode = 0; mode < NB_MMU_MODES; mode++) {
        probe_mode(&x->tlb.d[mode], w->va, &w->p->mode[mode]);
    }
}

bool soft_tlb_probe(CPUState *cpu, uint64_t va, SoftTLBProbe *p)
{
    ProbeWork w = {.va = va, .p = p};

    memset(p, 0, sizeof(*p));
    if (!tcg_x86_cpu(cpu)) {
        return false;
    }
    p->available = true;
    run_on_cpu(cpu, do_probe, &w);
    return true;
}

static void tag_str(GString *out, char what, uint64_t tag)
{
    if (tag & TLB_INVALID_MASK) {
        g_string_append_printf(out, " %c:-", what);
        return;
    }
    g_string_append_printf(out, " %c%s", what, (tag & TLB_MMIO) ? "(slow)" : "");
}

static void dump_entry(GString *out, const char *where, unsigned i, const CPUTLBEntry *e,
                       const CPUTLBEntryFull *f)
{
    uint64_t tag = !(e->addr_read & TLB_INVALID_MASK)    ? e->addr_read
                   : !(e->addr_write & TLB_INVALID_MASK) ? e->addr_write
                                                         : e->addr_code;
    uint64_t page = tag & TARGET_PAGE_MASK;

    g_string_append_printf(out, "  %s[%u] %016" PRIx64 " -> GPA %016" HWADDR_PRIx, where, i, page,
                           f->phys_page);
    if (!(tag & TLB_MMIO)) {
        g_string_append_printf(out, " HVA 0x%" PRIxPTR, (uintptr_t)(page + e->addend));
    }
    tag_str(out, 'r', e->addr_read);
    tag_str(out, 'w', e->addr_write);
    tag_str(out, 'x', e->addr_code);
    g_string_append_printf(out, "%s%s\n", f->global ? " global" : "",
                           f->lp_mask != TARGET_PAGE_MASK ? " large" : "");
}

static bool entry_valid(const CPUTLBEntry *e)
{
    return !(e->addr_read & TLB_INVALID_MASK) || !(e->addr_write & TLB_INVALID_MASK) ||
           !(e->addr_code & TLB_INVALID_MASK);
}

static void do_dump(CPUState *cpu, void *data)
{
    GString *out = data;
    X86CPU *x = tcg_x86_cpu(cpu);
    CPUTLBCounters c;

    for (int mode = 0; mode < NB_MMU_MODES; mode++) {
        const CPUTLBDesc *d = &x->tlb.d[mode];

        g_string_append_printf(out, "%s mode: %u entries\n", mode_names[mode], 1u << d->bits);
        for (unsigned i = 0; i < (1u << d->bits); i++) {
            if (entry_valid(&d->table[i])) {
                dump_entry(out, "table", i, &d->table[i], &d->full[i]);
            }
        }
        for (unsigned v = 0; v < CPU_VTLB_SIZE; v++) {
            if (entry_valid(&d->vtable[v])) {
                dump_entry(out, "victim", v, &d->vtable[v], &d->vfull[v]);
            }
        }
    }
    tlb_get_stats(&x->tlb, &c);
    g_string_append_printf(
        out, "hits %" PRIu64 ", victim hits %" PRIu64 ", misses %" PRIu64 ", flushes %" PRIu64 "\n",
        c.hits, c.victim_hits, c.misses, c.flushes);
}

bool soft_tlb_dump(CPUState *cpu, GString *out)
{
    if (!tcg_x86_cpu(cpu)) {
        return false;
    }
    run_on_cpu(cpu, do_dump, out);
    return true;
}
