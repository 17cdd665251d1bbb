/*
 * cputlb.c: the interpreter's software TLB (GVA -> HVA).
 *
 * The x86 TLB rules it models are those of the Intel SDM Vol. 3A, 4.10.4
 * (what MOV to CR3, INVLPG and CR0/CR4 changes invalidate; global pages
 * survive a CR3 write). Entries hold the GVA page tags and an addend to the
 * host page; the flat view supplies GPA -> HVA and a memory listener flushes
 * on every change to it. Left out: PCIDs (every CR3 write flushes all
 * non-global entries) and flushing the other vCPUs (no shootdown: the guest's
 * own IPIs do that, as on hardware).
 */
#include "qemu/osdep.h"
#include "exec/cputlb.h"

/* Grow when, in a window of one table's worth of capacity misses, over 1/16 of accesses missed. */
#define TLB_GROW_MISS_SHIFT 4
/* Shrink at a flush when fewer than 1/8 of the entries were filled since the last one. */
#define TLB_SHRINK_USE_SHIFT 3

static void tlb_entry_invalidate(CPUTLBEntry *e)
{
    memset(e, 0xff, sizeof(*e));
}

static void tlb_desc_clear(CPUTLBDesc *desc)
{
    size_t n = (size_t)1 << desc->bits;

    memset(desc->table, 0xff, n * sizeof(CPUTLBEntry));
    memset(desc->full, 0, n * sizeof(CPUTLBEntryFull));
    for (unsigned i = 0; i < CPU_VTLB_SIZE; i++) {
        tlb_entry_invalidate(&desc->vtable[i]);
    }
    desc->large_page_addr = -1;
    desc->large_page_mask = -1;
    desc->window_hits = desc->stats.hits;
    desc->window_misses = 0;
    desc->fills_since_flush = 0;
}

static void tlb_desc_alloc(CPUTLBDesc *desc, unsigned bits)
{
    size_t n = (size_t)1 << bits;

    g_free(desc->table);
    g_free(desc->full);
    desc->bits = bits;
    desc->mask = (uint64_t)(n - 1) << TARGET_PAGE_BITS;
    desc->table = g_new(CPUTLBEntry, n);
    desc->full = g_new(CPUTLBEntryFull, n);
    tlb_desc_clear(desc);
}

/* Any flat-view change or dirty-logging change: the addends and slow-path flags may be stale. */
static void tlb_listener_changed(MemoryListener *l)
{
    CPUTLB *tlb = container_of(l, CPUTLB, listener);

    __atomic_store_n(&tlb->flush_pending, 1, __ATOMIC_RELEASE);
}

static void tlb_listener_log(MemoryListener *l, MemoryRegionSection *s, int old_mask, int new_mask)
{
    tlb_listener_changed(l);
}

void tlb_init(CPUTLB *tlb, AddressSpace *as)
{
    memset(tlb, 0, sizeof(*tlb));
    tlb_forget_code_page(tlb);
    for (int i = 0; i < NB_MMU_MODES; i++) {
        tlb_desc_alloc(&tlb->d[i], CPU_TLB_BITS_MIN);
    }
    tlb->as = as;
    if (as) {
        tlb->listener.commit = tlb_listener_changed;
        tlb->listener.log_start = tlb_listener_log;
        tlb->listener.log_stop = tlb_listener_log;
        tlb->listener.name = "tcg-tlb";
        memory_listener_register(&tlb->listener, as);
        tlb->listener_registered = true;
    }
}

void tlb_destroy(CPUTLB *tlb)
{
    if (tlb->listener_registered) {
        memory_listener_unregister(&tlb->listener);
        tlb->listener_registered = false;
    }
    for (int i = 0; i < NB_MMU_MODES; i++) {
        g_free(tlb->d[i].table);
        g_free(tlb->d[i].full);
        tlb->d[i].table = NULL;
        tlb->d[i].full = NULL;
    }
}

/* A flush is also when the table shrinks back if it was mostly unused. */
static void tlb_desc_flush(CPUTLBDesc *desc)
{
    uint64_t fills = desc->fills_since_flush;

    desc->stats.flushes++;
    if (desc->bits > CPU_TLB_BITS_MIN && fills < ((1ULL << desc->bits) >> TLB_SHRINK_USE_SHIFT)) {
        tlb_desc_alloc(desc, desc->bits - 1);
        return;
    }
    tlb_desc_clear(desc);
}

void tlb_flush(CPUTLB *tlb)
{
    tlb_forget_code_page(tlb);
    for (int i = 0; i < NB_MMU_MODES; i++) {
        tlb_desc_flush(&tlb->d[i]);
    }
}

void tlb_flush_nonglobal(CPUTLB *tlb)
{
    tlb_forget_code_page(tlb);
    for (int i = 0; i < NB_MMU_MODES; i++) {
        CPUTLBDesc *desc = &tlb->d[i];
        size_t n = (size_t)1 << desc->bits;

        desc->stats.flushes++;
        for (size_t j = 0; j < n; j++) {
            if (!desc->full[j].global) {
                tlb_entry_invalidate(&desc->table[j]);
            }
        }
        for (unsigned j = 0; j < CPU_VTLB_SIZE; j++) {
            if (!desc->vfull[j].global) {
                tlb_entry_invalidate(&desc->vtable[j]);
            }
        }
        desc->window_hits = desc->stats.hits;
        desc->window_misses = 0;
    }
}

static bool tlb_entry_is_page(const CPUTLBEntry *e, vaddr page)
{
    return (e->addr_read & (TARGET_PAGE_MASK | TLB_INVALID_MASK)) == page ||
           (e->addr_write & (TARGET_PAGE_MASK | TLB_INVALID_MASK)) == page ||
           (e->addr_code & (TARGET_PAGE_MASK | TLB_INVALID_MASK)) == page;
}

void tlb_flush_page(CPUTLB *tlb, vaddr addr)
{
    vaddr page = addr & TARGET_PAGE_MASK;

    tlb_forget_code_page(tlb);
    for (int i = 0; i < NB_MMU_MODES; i++) {
        CPUTLBDesc *desc = &tlb->d[i];
        CPUTLBEntry *e;

        /* A large page is cached as many 4 KiB entries: drop the whole mode. */
        if ((page & desc->large_page_mask) == desc->large_page_addr) {
            tlb_desc_flush(desc);
            continue;
        }
        e = &desc->table[tlb_index(desc, page)];
        if (tlb_entry_is_page(e, page)) {
            tlb_entry_invalidate(e);
        }
        for (unsigned j = 0; j < CPU_VTLB_SIZE; j++) {
            if (tlb_entry_is_page(&desc->vtable[j], page)) {
                tlb_entry_invalidate(&desc->vtable[j]);
            }
        }
    }
}

/* Doubles the table when capacity misses dominate (a guest striding over many pages). */
static void tlb_maybe_grow(CPUTLBDesc *desc)
{
    uint64_t size = 1ULL << desc->bits;
    uint64_t hits = desc->stats.hits - desc->window_hits;
    uint64_t misses = desc->window_misses;

    if (misses < size) {
        return;
    }
    if (desc->bits < CPU_TLB_BITS_MAX && (misses << TLB_GROW_MISS_SHIFT) > hits + misses) {
        tlb_desc_alloc(desc, desc->bits + 1);
        return;
    }
    desc->window_hits = desc->stats.hits;
    desc->window_misses = 0;
}

static void tlb_note_large_page(CPUTLBDesc *desc, vaddr addr, uint64_t page_size)
{
    uint64_t mask = ~(page_size - 1);

    if (desc->large_page_addr == (uint64_t)-1) {
        desc->large_page_addr = addr & mask;
        desc->large_page_mask = mask;
        return;
    }
    /* Widen the remembered range until it covers both large pages. */
    mask &= desc->large_page_mask;
    while ((desc->large_page_addr & mask) != (addr & mask)) {
        mask <<= 1;
    }
    desc->large_page_addr &= mask;
    desc->large_page_mask = mask;
}

void tlb_set_page(CPUTLB *tlb, int mmu_idx, vaddr addr, hwaddr paddr, unsigned prot,
                  uint64_t page_size, bool global)
{
    CPUTLBDesc *desc = &tlb->d[mmu_idx];
    vaddr page = addr & TARGET_PAGE_MASK;
    unsigned idx;
    CPUTLBEntry *e;
    hwaddr xlat, plen = TARGET_PAGE_SIZE;
    MemoryRegion *mr;
    uint64_t slow = 0, write_slow = 0;

    tlb_forget_code_page(tlb);
    tlb_maybe_grow(desc);
    desc->fills_since_flush++;
    if (page_size > TARGET_PAGE_SIZE) {
        tlb_note_large_page(desc, addr, page_size);
    }
    idx = tlb_index(desc, page);
    e = &desc->table[idx];
    if (!(e->addr_read & e->addr_write & e->addr_code & TLB_INVALID_MASK) &&
        !tlb_entry_is_page(e, page)) {
        desc->window_misses++;           /* a conflict or capacity miss, not a compulsory one */
        desc->vtable[desc->vindex] = *e; /* the evicted entry goes to the victim TLB */
        desc->vfull[desc->vindex] = desc->full[idx];
        desc->vindex = (desc->vindex + 1) % CPU_VTLB_SIZE;
    }

    paddr &= TARGET_PAGE_MASK;
    mr = tlb->as
             ? address_space_translate(tlb->as, paddr, &xlat, &plen, false, MEMTXATTRS_UNSPECIFIED)
             : NULL;
    if (mr && mr->ram && plen == TARGET_PAGE_SIZE) {
        e->addend = (uintptr_t)((uint8_t *)memory_region_get_ram_ptr(mr) + xlat) - (uintptr_t)page;
        if (mr->readonly || mr->dirty_log_mask) {
            write_slow = TLB_MMIO; /* ROM drops writes; logged RAM must set dirty bits */
        }
    } else {
        slow = TLB_MMIO;
        e->addend = 0;
    }
    e->addr_read = (prot & PAGE_READ) ? (page | slow) : (uint64_t)-1;
    e->addr_write = (prot & PAGE_WRITE) ? (page | slow | write_slow) : (uint64_t)-1;
    e->addr_code = (prot & PAGE_EXEC) ? (page | slow) : (uint64_t)-1;
    desc->full[idx].phys_page = paddr;
    desc->full[idx].global = global;
    desc->full[idx].lp_mask = ~(page_size - 1);
}

CPUTLBEntry *tlb_lookup(CPUTLB *tlb, int mmu_idx, vaddr addr, MMUAccessType type,
                        CPUTLBEntryFull **full)
{
    CPUTLBDesc *desc = &tlb->d[mmu_idx];
    vaddr page = addr & TARGET_PAGE_MASK;
    unsigned idx = tlb_index(desc, page);
    CPUTLBEntry *e = &desc->table[idx];

    if ((tlb_addr_for(e, type) & (TARGET_PAGE_MASK | TLB_INVALID_MASK)) == page) {
        desc->stats.hits++; /* a hit that needed the slow path (MMIO, a page crossing, code) */
        *full = &desc->full[idx];
        return e;
    }
    for (unsigned i = 0; i < CPU_VTLB_SIZE; i++) {
        CPUTLBEntry *v = &desc->vtable[i];

        if ((tlb_addr_for(v, type) & (TARGET_PAGE_MASK | TLB_INVALID_MASK)) == page) {
            CPUTLBEntry tmp = *e;
            CPUTLBEntryFull tmpf = desc->full[idx];

            *e = *v; /* swap the victim back into the main table */
            desc->full[idx] = desc->vfull[i];
            *v = tmp;
            desc->vfull[i] = tmpf;
            desc->stats.victim_hits++;
            *full = &desc->full[idx];
            return e;
        }
    }
    desc->stats.misses++;
    return NULL;
}

void tlb_get_stats(const CPUTLB *tlb, CPUTLBCounters *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < NB_MMU_MODES; i++) {
        out->hits += tlb->d[i].stats.hits;
        out->victim_hits += tlb->d[i].stats.victim_hits;
        out->misses += tlb->d[i].stats.misses;
        out->flushes += tlb->d[i].stats.flushes;
    }
}

unsigned tlb_size(const CPUTLB *tlb, int mmu_idx)
{
    return 1u << tlb->d[mmu_idx].bits;
}
