/*
 * x86-walk.c: a side-effect-free page walk for the monitor (xlate, x, gva2gpa,
 * info tlb).
 *
 * Follows Intel SDM Vol. 3A, 4.3 (32-bit paging), 4.4 (PAE) and 4.5 (4-level),
 * recording every entry read. Unlike the interpreter's walk (target/x86/mmu.c)
 * it sets no accessed/dirty bits and raises nothing: a fault is reported as the
 * guest would see it (level, bit, #PF error code for a supervisor read).
 * Left out: 5-level paging, protection keys, MAXPHYADDR reserved bits.
 */
#include "qemu/osdep.h"
#include "monitor/xlate.h"

#define PTE32_ADDR_MASK    0xfffff000ULL
#define PTE32_INDEX_MASK   0x3ffu        /* 1024 4-byte entries a table */
#define PAE_PDPT_ADDR_MASK 0xffffffe0ULL /* CR3 bits 31:5: the 32-byte PDPT */
#define PSE32_ADDR_MASK    0xffc00000ULL /* 4 MiB page frame, bits 31:22 */
#define PAE_PDPTE_RSVD     0x1e6ULL      /* bits 2:1 and 8:5 of a PAE PDPTE */
#define LARGE_2M_RSVD      0x1fe000ULL   /* bits 20:13 of a 2 MiB PDE */
#define LARGE_1G_RSVD      0x3fffe000ULL /* bits 29:13 of a 1 GiB PDPTE */
#define PDE32_4M_RSVD      0x200000ULL   /* bit 21 of a 4 MiB PDE (PSE-36 leaves it zero) */
#define CANONICAL_BITS     48
#define ENTRIES_PER_TABLE  512
#define PG_ERR_P           0x1
#define PG_ERR_RSVD        0x8

static const char *const level_names[X86_MAX_PAGE_LEVELS + 1] = {
    [1] = "PT",
    [2] = "PD",
    [3] = "PDPT",
    [4] = "PML4",
};

/* Walk geometry of a paging mode. */
typedef struct WalkGeom {
    int top; /* first level */
    unsigned entry_size;
    uint64_t addr_mask;
} WalkGeom;

static X86PagingMode paging_mode(const CPUX86State *env)
{
    if (!(env->cr[0] & CR0_PG_MASK)) {
        return X86_PAGING_NONE;
    }
    if (env->efer & MSR_EFER_LMA) {
        return X86_PAGING_4LEVEL;
    }
    return (env->cr[4] & CR4_PAE_MASK) ? X86_PAGING_PAE : X86_PAGING_32;
}

static unsigned level_shift(X86PagingMode mode, int level)
{
    if (mode == X86_PAGING_32) {
        return level == 2 ? 22 : 12;
    }
    return 12 + 9 * (level - 1);
}

static unsigned level_index(X86PagingMode mode, int level, uint64_t va)
{
    unsigned shift = level_shift(mode, level);

    if (mode == X86_PAGING_32) {
        return (va >> shift) & PTE32_INDEX_MASK;
    }
    if (mode == X86_PAGING_PAE && level == 3) {
        return (va >> shift) & 3;
    }
    return (va >> shift) & (ENTRIES_PER_TABLE - 1);
}

static bool read_entry(AddressSpace *as, hwaddr a, unsigned size, uint64_t *val)
{
    MemTxResult res;

    *val = size == 8 ? address_space_ldq_le(as, a, MEMTXATTRS_UNSPECIFIED, &res)
                     : address_space_ldl_le(as, a, MEMTXATTRS_UNSPECIFIED, &res);
    return res == MEMTX_OK;
}

/* Reserved bits set in an entry (0 when none), for the mode and level. */
static uint64_t reserved_bits(const CPUX86State *env, X86PagingMode mode, int level, uint64_t e)
{
    uint64_t rsvd = 0;

    if (mode == X86_PAGING_32) {
        return (level == 2 && (e & PG_PSE_MASK) && (env->cr[4] & CR4_PSE_MASK)) ? e & PDE32_4M_RSVD
                                                                                : 0;
    }
    if (!(env->efer & MSR_EFER_NXE)) {
        rsvd |= PG_NX_MASK;
    }
    if (mode == X86_PAGING_PAE && level == 3) {
        rsvd |= PAE_PDPTE_RSVD | PG_NX_MASK;
    } else if (level == 4) {
        rsvd |= PG_PSE_MASK;
    } else if (level == 3 && (e & PG_PSE_MASK)) {
        rsvd |= LARGE_1G_RSVD;
    } else if (level == 2 && (e & PG_PSE_MASK)) {
        rsvd |= LARGE_2M_RSVD;
    }
    return e & rsvd;
}

static bool is_leaf(const CPUX86State *env, X86PagingMode mode, int level, uint64_t e)
{
    if (level == 1) {
        return true;
    }
    if (!(e & PG_PSE_MASK)) {
        return false;
    }
    if (mode == X86_PAGING_32) {
        return level == 2 && (env->cr[4] & CR4_PSE_MASK);
    }
    return level == 2 || (level == 3 && mode == X86_PAGING_4LEVEL);
}

static void init_walk(const CPUX86State *env, uint64_t gva, X86PageWalk *w, WalkGeom *g)
{
    memset(w, 0, sizeof(*w));
    w->mode = paging_mode(env);
    w->gva = w->mode == X86_PAGING_4LEVEL ? gva : (uint32_t)gva;
    w->writable = w->user = w->executable = true;
    g->top = w->mode;
    g->entry_size = w->mode == X86_PAGING_32 ? 4 : 8;
    g->addr_mask = w->mode == X86_PAGING_32 ? PTE32_ADDR_MASK : PG_ADDR_MASK;
}

static hwaddr first_table(const CPUX86State *env, X86PagingMode mode)
{
    if (mode == X86_PAGING_PAE) {
        return env->cr[3] & PAE_PDPT_ADDR_MASK;
    }
    return env->cr[3] & (mode == X86_PAGING_32 ? PTE32_ADDR_MASK : PG_ADDR_MASK);
}

static bool fail(X86PageWalk *w, X86WalkStatus status, uint64_t bits)
{
    w->status = status;
    w->fault_level = w->nr_levels - 1;
    w->fault_bits = bits;
    w->error_code = status == X86_WALK_RESERVED ? PG_ERR_P | PG_ERR_RSVD : 0;
    return false;
}

static void account_rights(X86PageWalk *w, X86PagingMode mode, int level, uint64_t e)
{
    if (mode == X86_PAGING_PAE && level == 3) {
        return; /* PAE PDPTEs carry no rights */
    }
    w->writable &= (e & PG_RW_MASK) != 0;
    w->user &= (e & PG_USER_MASK) != 0;
    w->executable &= !(e & PG_NX_MASK);
}

static hwaddr leaf_address(X86PagingMode mode, uint64_t e, uint64_t page_size, uint64_t mask)
{
    if (mode == X86_PAGING_32 && page_size > TARGET_PAGE_SIZE) {
        return e & PSE32_ADDR_MASK;
    }
    return e & mask & ~(page_size - 1);
}

bool x86_page_walk(const CPUX86State *env, AddressSpace *as, uint64_t gva, X86PageWalk *w)
{
    WalkGeom g;
    hwaddr table;

    init_walk(env, gva, w, &g);
    if (w->mode == X86_PAGING_NONE) {
        w->gpa = w->gva;
        w->page_size = TARGET_PAGE_SIZE;
        return true;
    }
    if (w->mode == X86_PAGING_4LEVEL &&
        (uint64_t)((int64_t)(gva << (64 - CANONICAL_BITS)) >> (64 - CANONICAL_BITS)) != gva) {
        return fail(w, X86_WALK_NONCANONICAL, 0);
    }
    table = first_table(env, w->mode);
    for (int level = g.top; level >= 1; level--) {
        X86PageLevel *l = &w->levels[w->nr_levels++];
        uint64_t rsvd;

        *l = (X86PageLevel){.level = level, .name = level_names[level], .table = table};
        l->index = level_index(w->mode, level, w->gva);
        l->entry_gpa = table + (hwaddr)l->index * g.entry_size;
        if (!read_entry(as, l->entry_gpa, g.entry_size, &l->entry)) {
            return fail(w, X86_WALK_TABLE_ERROR, 0);
        }
        if (!(l->entry & PG_PRESENT_MASK)) {
            return fail(w, X86_WALK_NOT_PRESENT, PG_PRESENT_MASK);
        }
        rsvd = reserved_bits(env, w->mode, level, l->entry);
        if (rsvd) {
            return fail(w, X86_WALK_RESERVED, rsvd);
        }
        account_rights(w, w->mode, level, l->entry);
        if (is_leaf(env, w->mode, level, l->entry)) {
            l->leaf = true;
            l->page_size = 1ULL << level_shift(w->mode, level);
            w->page_size = l->page_size;
            w->gpa = leaf_address(w->mode, l->entry, l->page_size, g.addr_mask) |
                     (w->gva & (l->page_size - 1));
            w->status = X86_WALK_OK;
            return true;
        }
        table = l->entry & g.addr_mask;
    }
    g_assert_not_reached();
}

/* Flag letters, most significant meaning first; PS is PAT on a PT entry. */
typedef struct PteFlagName {
    uint64_t mask;
    const char *set;
} PteFlagName;

static const PteFlagName pte_flag_names[] = {
    {PG_PRESENT_MASK, "P"}, {PG_RW_MASK, "W"},       {PG_USER_MASK, "U"},  {PG_PWT_MASK, "PWT"},
    {PG_PCD_MASK, "PCD"},   {PG_ACCESSED_MASK, "A"}, {PG_DIRTY_MASK, "D"}, {PG_PSE_MASK, "PS"},
    {PG_GLOBAL_MASK, "G"},  {PG_NX_MASK, "NX"},
};

void x86_pte_flags_str(uint64_t entry, bool leaf, int level, GString *out)
{
    bool first = true;

    for (size_t i = 0; i < ARRAY_SIZE(pte_flag_names); i++) {
        const PteFlagName *f = &pte_flag_names[i];
        const char *name = f->set;

        if (!(entry & f->mask)) {
            continue;
        }
        if (f->mask == PG_PSE_MASK && level == 1) {
            name = "PAT";
        } else if ((f->mask == PG_DIRTY_MASK || f->mask == PG_GLOBAL_MASK) && !leaf) {
            continue; /* ignored outside a page's entry */
        }
        g_string_append_printf(out, "%s%s", first ? "" : " ", name);
        first = false;
    }
    if (first) {
        g_string_append(out, "-");
    }
}

void x86_walk_fault_str(const X86PageWalk *w, GString *out)
{
    const X86PageLevel *l = w->nr_levels ? &w->levels[w->fault_level] : NULL;

    switch (w->status) {
    case X86_WALK_OK:
        g_string_append(out, "no fault");
        break;
    case X86_WALK_NONCANONICAL:
        g_string_append_printf(out, "#GP(0): 0x%" PRIx64 " is not canonical (bits 63:47 differ)",
                               w->gva);
        break;
    case X86_WALK_NOT_PRESENT:
        g_string_append_printf(out, "#PF at %s[%u] (level %d): not present (P=0), error code 0x%x",
                               l->name, l->index, l->level, w->error_code);
        break;
    case X86_WALK_RESERVED:
        g_string_append_printf(out,
                               "#PF at %s[%u] (level %d): reserved bits 0x%" PRIx64
                               " set (RSVD), error code 0x%x",
                               l->name, l->index, l->level, w->fault_bits, w->error_code);
        break;
    case X86_WALK_TABLE_ERROR:
        g_string_append_printf(out, "%s at GPA 0x%" HWADDR_PRIx " is not backed by memory", l->name,
                               l->table);
        break;
    }
}

/* --- info tlb: every mapping, merged into ranges ------------------------------- */

typedef struct MappingIter {
    const CPUX86State *env;
    AddressSpace *as;
    X86PagingMode mode;
    WalkGeom g;
    X86MappingRange cur; /* size 0: none open */
    void (*fn)(const X86MappingRange *r, void *opaque);
    void *opaque;
} MappingIter;

static void emit_page(MappingIter *it, const X86MappingRange *p)
{
    X86MappingRange *c = &it->cur;

    if (c->size && c->va + c->size == p->va && c->pa + c->size == p->pa &&
        c->writable == p->writable && c->user == p->user && c->executable == p->executable) {
        c->size += p->size;
        return;
    }
    if (c->size) {
        it->fn(c, it->opaque);
    }
    *c = *p;
}

static uint64_t sign_extend_va(MappingIter *it, uint64_t va)
{
    if (it->mode == X86_PAGING_4LEVEL && (va & (1ULL << (CANONICAL_BITS - 1)))) {
        return va | ~((1ULL << CANONICAL_BITS) - 1);
    }
    return va;
}

static void walk_table(MappingIter *it, hwaddr table, int level, uint64_t va_base,
                       X86MappingRange rights)
{
    unsigned n = it->mode == X86_PAGING_32                    ? 1024
                 : (it->mode == X86_PAGING_PAE && level == 3) ? 4
                                                              : ENTRIES_PER_TABLE;

    for (unsigned i = 0; i < n; i++) {
        uint64_t e, va = va_base + ((uint64_t)i << level_shift(it->mode, level));
        X86MappingRange r = rights;

        if (!read_entry(it->as, table + i * it->g.entry_size, it->g.entry_size, &e) ||
            !(e & PG_PRESENT_MASK) || reserved_bits(it->env, it->mode, level, e)) {
            continue;
        }
        if (!(it->mode == X86_PAGING_PAE && level == 3)) {
            r.writable &= (e & PG_RW_MASK) != 0;
            r.user &= (e & PG_USER_MASK) != 0;
            r.executable &= !(e & PG_NX_MASK);
        }
        if (is_leaf(it->env, it->mode, level, e)) {
            r.size = 1ULL << level_shift(it->mode, level);
            r.va = sign_extend_va(it, va);
            r.pa = leaf_address(it->mode, e, r.size, it->g.addr_mask);
            emit_page(it, &r);
        } else {
            walk_table(it, e & it->g.addr_mask, level - 1, va, r);
        }
    }
}

void x86_foreach_mapping(const CPUX86State *env, AddressSpace *as,
                         void (*fn)(const X86MappingRange *r, void *opaque), void *opaque)
{
    MappingIter it = {.env = env, .as = as, .fn = fn, .opaque = opaque};
    X86PageWalk w;
    X86MappingRange all = {.writable = true, .user = true, .executable = true};

    init_walk(env, 0, &w, &it.g);
    it.mode = w.mode;
    if (it.mode == X86_PAGING_NONE) {
        return;
    }
    walk_table(&it, first_table(env, it.mode), it.g.top, 0, all);
    if (it.cur.size) {
        fn(&it.cur, opaque);
    }
}
