/*
 * flatview.c: rendering a memory-region tree into a FlatView, and the
 * lookup table that maps an address to its flat range.
 *
 * Rendering follows the semantics of QEMU's memory API: subregions are drawn
 * highest priority first (the newest first among equals), each filling only
 * what is still empty, then a terminating region fills the holes its
 * subregions left; a pure container leaves them empty. Aliases draw their
 * target shifted by the alias offset. Everything is clipped to the parent.
 * Adjacent pieces of the same region are merged afterwards.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "flatview.h"

static const i128 SPACE_END = (i128)1 << 64;

static i128 mr_size128(const MemoryRegion *mr)
{
    return mr->size == UINT64_MAX ? SPACE_END : (i128)mr->size;
}

/*
 * While rendering, the pieces drawn so far live in a GSequence (a balanced
 * tree) ordered by address, so finding the holes under a new region costs
 * O(log n) and inserting a piece does not move the others.
 */
typedef struct RenderKey {
    hwaddr addr;
} RenderKey;

/* Orders pieces against a key: a piece ending before key->addr comes first. */
static gint piece_vs_key(gconstpointer a, gconstpointer b, gpointer key)
{
    if (a == key) {
        return ((const FlatRange *)b)->last < ((const RenderKey *)key)->addr ? 1 : -1;
    }
    return ((const FlatRange *)a)->last < ((const RenderKey *)key)->addr ? -1 : 1;
}

/* The first piece ending at or after addr (or the end). */
static GSequenceIter *first_ending_after(GSequence *seq, i128 addr)
{
    RenderKey key;

    if (addr >= SPACE_END) {
        return g_sequence_get_end_iter(seq);
    }
    key.addr = (hwaddr)addr;
    return g_sequence_search(seq, &key, piece_vs_key, &key);
}

static void insert_piece(GSequenceIter *before, MemoryRegion *mr, i128 base, i128 lo, i128 hi,
                         bool readonly)
{
    FlatRange *fr = g_new0(FlatRange, 1);

    fr->mr = mr;
    fr->offset_in_region = (hwaddr)(lo - base);
    fr->start = (hwaddr)lo;
    fr->last = (hwaddr)(hi - 1);
    fr->readonly = readonly;
    fr->dirty_log_mask = mr->dirty_log_mask;
    if (mr->ram_block) {
        fr->ram_block = mr->ram_block;
        fr->host = mr->ram_block->host + fr->offset_in_region;
    }
    g_sequence_insert_before(before, fr);
}

/* Fills the parts of [lo, hi) that no piece covers yet with mr (whose offset 0 is at base). */
static void fill_holes(GSequence *seq, MemoryRegion *mr, i128 base, i128 lo, i128 hi, bool readonly)
{
    GSequenceIter *it = first_ending_after(seq, lo);

    while (lo < hi) {
        const FlatRange *fr = g_sequence_iter_is_end(it) ? NULL : g_sequence_get(it);

        if (!fr || (i128)fr->start >= hi) {
            insert_piece(it, mr, base, lo, hi, readonly);
            return;
        }
        if ((i128)fr->start > lo) {
            insert_piece(it, mr, base, lo, fr->start, readonly);
        }
        lo = (i128)fr->last + 1;
        it = g_sequence_iter_next(it);
    }
}

/* Deeper than any real machine nests; past it an alias must point back at its own tree. */
#define RENDER_MAX_DEPTH 64

/* Draws mr with its offset 0 at base, clipped to [clip_lo, clip_hi). */
static void render_region(GSequence *a, MemoryRegion *mr, i128 base, i128 clip_lo, i128 clip_hi,
                          bool readonly, unsigned depth)
{
    i128 lo, hi;

    if (!mr->enabled) {
        return;
    }
    if (depth > RENDER_MAX_DEPTH) {
        memory_abort("region '%s' is nested more than %d deep: an alias loop?", mr->name,
                     RENDER_MAX_DEPTH);
    }
    lo = MAX(base, clip_lo);
    hi = MIN(base + mr_size128(mr), clip_hi);
    if (lo >= hi) {
        return;
    }
    readonly |= mr->readonly;
    if (mr->alias) {
        render_region(a, mr->alias, base - (i128)mr->alias_offset, lo, hi, readonly, depth + 1);
        return;
    }
    for (guint i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
        render_region(a, sub, base + (i128)sub->addr, lo, hi, readonly, depth + 1);
    }
    if (mr->terminates) {
        fill_holes(a, mr, base, lo, hi, readonly);
    }
}

static bool can_merge(const FlatRange *a, const FlatRange *b)
{
    return a->mr == b->mr && a->last + 1 == b->start && a->readonly == b->readonly &&
           a->offset_in_region + (a->last - a->start + 1) == b->offset_in_region;
}

/* The pieces in order, adjacent pieces of one region merged. */
static GArray *flatten(GSequence *seq)
{
    GArray *a = g_array_new(false, false, sizeof(FlatRange));

    for (GSequenceIter *it = g_sequence_get_begin_iter(seq); !g_sequence_iter_is_end(it);
         it = g_sequence_iter_next(it)) {
        const FlatRange *cur = g_sequence_get(it);
        if (a->len && can_merge(&g_array_index(a, FlatRange, a->len - 1), cur)) {
            g_array_index(a, FlatRange, a->len - 1).last = cur->last;
        } else {
            g_array_append_vals(a, cur, 1);
        }
    }
    return a;
}

/* --- lookup tree ----------------------------------------------------------------- */

static unsigned bit_length(uint64_t v)
{
    return v ? 64 - __builtin_clzll(v) : 0;
}

/* pool_cap: the pool's allocated length while building (doubling, so building stays linear). */
static unsigned alloc_node(FlatView *fv, unsigned *pool_cap, unsigned shift, unsigned bits)
{
    unsigned idx = fv->pool_len;

    fv->pool_len += 1 + (1u << bits);
    if (fv->pool_len > *pool_cap) {
        *pool_cap = MAX(fv->pool_len, *pool_cap * 2);
        fv->pool = g_renew(uint32_t, fv->pool, *pool_cap);
    }
    fv->pool[idx] = shift | (bits << 8);
    memset(&fv->pool[idx + 1], 0, sizeof(uint32_t) << bits);
    return idx;
}

static uint32_t leaf_entry(unsigned first, unsigned count)
{
    return (MIN(count, FV_LEAF_MANY) << FV_LEAF_SHIFT) | first;
}

/* The entry for the span [base, last], which ranges [lo, hi) intersect. */
static uint32_t build_entry(FlatView *fv, unsigned *pool_cap, hwaddr base, hwaddr last, unsigned lo,
                            unsigned hi)
{
    hwaddr first_addr, last_addr, node_base;
    unsigned top, bits, shift, node, i = lo;

    if (lo == hi) {
        return 0;
    }
    /* The part of the span the ranges really cover; bits above top are common to it. */
    first_addr = MAX(fv->ranges[lo].start, base);
    last_addr = MIN(fv->ranges[hi - 1].last, last);
    top = bit_length(first_addr ^ last_addr);
    if (hi - lo <= FV_LEAF_MAX || top <= TARGET_PAGE_BITS) {
        return leaf_entry(lo, hi - lo);
    }
    /* About one child per range, children no smaller than a page. */
    bits = MIN(MIN(bit_length(hi - lo), FV_NODE_MAX_BITS), top - TARGET_PAGE_BITS);
    shift = top - bits;
    node_base = top >= 64 ? 0 : first_addr & ~((1ULL << top) - 1);
    node = alloc_node(fv, pool_cap, shift, bits);
    for (unsigned c = 0; c < (1u << bits); c++) {
        hwaddr cbase = node_base + ((hwaddr)c << shift);
        hwaddr clast = cbase + ((1ULL << shift) - 1);
        unsigned j;
        uint32_t e;

        while (i < hi && fv->ranges[i].last < cbase) {
            i++;
        }
        for (j = i; j < hi && fv->ranges[j].start <= clast; j++) {
        }
        e = build_entry(fv, pool_cap, cbase, clast, i, j);
        fv->pool[node + 1 + c] = e; /* after the call: it may move fv->pool */
    }
    return FV_ENTRY_NODE | node;
}

static void build_lookup(FlatView *fv)
{
    unsigned pool_cap = 0;

    if (fv->nr >= FV_MAX_RANGES) {
        memory_abort("the flat view of '%s' has too many ranges (%u)", fv->as->name, fv->nr);
    }
    fv->root_entry = build_entry(fv, &pool_cap, 0, UINT64_MAX, 0, fv->nr);
}

/* The ranges in a cache-line aligned array of their own (free() it). */
static FlatRange *flatrange_array_copy(GArray *a)
{
    void *p = NULL;

    if (posix_memalign(&p, 64, MAX(a->len, 1) * sizeof(FlatRange)) != 0) {
        memory_abort("out of memory for a flat view of %u ranges", a->len);
    }
    if (a->len) {
        memcpy(p, a->data, a->len * sizeof(FlatRange));
    }
    return p;
}

FlatView *flatview_render(AddressSpace *as)
{
    GSequence *seq = g_sequence_new(g_free);
    FlatView *fv = g_new0(FlatView, 1);
    GArray *a;

    if (as->root) {
        render_region(seq, as->root, 0, 0, SPACE_END, false, 0);
    }
    a = flatten(seq);
    g_sequence_free(seq);
    fv->ref = 1;
    fv->as = as;
    fv->root = as->root;
    fv->nr = a->len;
    fv->ranges = flatrange_array_copy(a);
    g_array_free(a, true);
    build_lookup(fv);
    return fv;
}

/* --- references --------------------------------------------------------------- */

static void flatview_free(FlatView *fv)
{
    free(fv->ranges);
    g_free(fv->pool);
    g_free(fv);
}

void flatview_ref(FlatView *fv)
{
    __atomic_fetch_add(&fv->ref, 1, __ATOMIC_RELAXED);
}

bool flatview_tryref(FlatView *fv)
{
    int ref = __atomic_load_n(&fv->ref, __ATOMIC_RELAXED);

    while (ref > 0) {
        if (__atomic_compare_exchange_n(&fv->ref, &ref, ref + 1, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED)) {
            return true;
        }
    }
    return false;
}

void flatview_unref(FlatView *fv)
{
    if (__atomic_sub_fetch(&fv->ref, 1, __ATOMIC_ACQ_REL) == 0) {
        /* RCU readers hold no reference: free only after they are gone. */
        call_rcu(fv, flatview_free, rcu);
    }
}

unsigned flatview_nr_sections(FlatView *fv)
{
    return fv->nr;
}

bool flatview_lookup(FlatView *fv, hwaddr addr, MemoryRegionSection *section)
{
    const FlatRange *fr = flatview_find(fv, addr);

    if (!fr) {
        return false;
    }
    if (section) {
        *section = flatview_section(fv, (unsigned)(fr - fv->ranges));
    }
    return true;
}

const FlatRange *flatview_next_range(const FlatView *fv, hwaddr addr)
{
    unsigned lo = 0, hi = fv->nr;

    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (fv->ranges[mid].start <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < fv->nr ? &fv->ranges[lo] : NULL;
}
