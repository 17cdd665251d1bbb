/*
 * memory-internal.h: what softmmu/memory.c, physmem.c and memory-info.c share
 * and nobody else may touch: flat ranges, the FlatView layout, RAM blocks.
 */
#ifndef SOFTMMU_MEMORY_INTERNAL_H
#define SOFTMMU_MEMORY_INTERNAL_H

#include "exec/memory.h"
#include "qemu/rcu.h"

/*
 * One piece of a flat view: [start, last] of the address space maps mr at
 * offset_in_region. What a lookup and a RAM access read comes first, and a
 * range fills one cache line, so a lookup touches one line of the array.
 */
typedef struct FlatRange {
    hwaddr start;
    hwaddr last;   /* inclusive, so a range may end at 2^64 - 1 */
    uint8_t *host; /* RAM/ROM: host address of start; NULL for MMIO */
    hwaddr offset_in_region;
    MemoryRegion *mr;    /* the terminating region (aliases resolved) */
    RAMBlock *ram_block; /* RAM/ROM: the block, for dirty bits; else NULL */
    bool readonly;       /* ROM: guest writes are dropped */
    uint8_t dirty_log_mask;
    uint8_t pad[64 - 6 * 8 - 2]; /* to a cache line; the view's array is line-aligned */
} FlatRange;
G_STATIC_ASSERT(sizeof(FlatRange) == 64);

/*
 * Lookup: a radix tree over the address whose nodes adapt to what they hold.
 * A node indexes the address bits [shift, shift + bits) that tell its ranges
 * apart (higher bits common to all of them are skipped, lower ones left to
 * the children), with one to two children per range, so even a few thousand
 * regions usually need one level: a lookup is one node entry and one range. An entry (32 bits, to
 * keep the tree small in the cache) is empty, a node (index in the pool), or a leaf naming the few
 * flat ranges that intersect its span: the first (24 bits) and the count (7 bits; FV_LEAF_MANY:
 * search to the end), binary-searched. The final containment check makes a lookup that strays
 * (through skipped bits) land on NULL, never on a wrong range.
 */
#define FV_NODE_MAX_BITS 16 /* at most 65536 children per node */
#define FV_LEAF_MAX      2  /* a span with this many ranges or fewer is a leaf */
#define FV_ENTRY_NODE    (1u << 31)
#define FV_LEAF_SHIFT    24
#define FV_LEAF_MANY     127u
#define FV_MAX_RANGES    (1u << FV_LEAF_SHIFT)
/* A node in the pool: one header word (shift | bits << 8), then 2^bits entries. */
#define FV_NODE_SHIFT(h) ((h)&0xffu)
#define FV_NODE_BITS(h)  ((h) >> 8)

/* Immutable once built; freed after a grace period when the last reference goes. */
struct FlatView {
    struct rcu_head rcu; /* first: call_rcu() needs it at offset 0 */
    int ref;
    AddressSpace *as;
    MemoryRegion *root;
    unsigned nr;
    FlatRange *ranges; /* sorted by start, non-overlapping; cache-line aligned */
    uint32_t root_entry;
    uint32_t *pool; /* the nodes */
    unsigned pool_len;
};

/* The range containing addr, or NULL (inside rcu_read_lock() or with a reference). */
static inline const FlatRange *flatview_find(const FlatView *fv, hwaddr addr)
{
    uint32_t e = fv->root_entry;
    unsigned lo, hi, count;

    while (e & FV_ENTRY_NODE) {
        const uint32_t *node = fv->pool + (e & ~FV_ENTRY_NODE);
        uint32_t h = node[0];
        e = node[1 + ((addr >> FV_NODE_SHIFT(h)) & ((1u << FV_NODE_BITS(h)) - 1))];
    }
    if (!e) {
        return NULL;
    }
    lo = e & (FV_MAX_RANGES - 1);
    count = e >> FV_LEAF_SHIFT;
    hi = count == FV_LEAF_MANY ? fv->nr : lo + count;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (fv->ranges[mid].last < addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < fv->nr && fv->ranges[lo].start <= addr && fv->ranges[lo].last >= addr) {
        return &fv->ranges[lo];
    }
    return NULL;
}

/* First range starting above addr (for the length of a hole), or NULL. */
const FlatRange *flatview_next_range(const FlatView *fv, hwaddr addr);

/* The current view of as; inside rcu_read_lock(). */
static inline FlatView *address_space_to_flatview(AddressSpace *as)
{
    return qatomic_rcu_read(&as->current_map);
}

/* Every AddressSpace, in creation order (for info mtree). */
GPtrArray *address_spaces_list(void);

/* physmem.c: RAM blocks. */
struct RAMBlock {
    struct rcu_head rcu; /* first, for call_rcu() */
    MemoryRegion *mr;
    uint8_t *host;
    uint64_t size;      /* the region's size */
    uint64_t mmap_size; /* rounded up to pages */
    uint64_t npages;
    unsigned long *dirty[DIRTY_MEMORY_NUM];
    /* Under ram_list_lock: live direct DMA mappings; the block outlives its region until 0. */
    unsigned map_count;
    bool reclaim_pending; /* region destroyed and grace period over, waiting for unmaps */
};

RAMBlock *ram_block_alloc(MemoryRegion *mr, uint64_t size, GError **errp);
/* Frees the block after a grace period (readers may still hold old views). */
void ram_block_free(RAMBlock *rb);
/* Marks [offset, offset+len) of the block dirty for every client. */
void ram_block_set_dirty(RAMBlock *rb, uint64_t offset, uint64_t len);

/* Aborts with "tern: memory: <message>": for programming errors. */
QEMU_NORETURN void memory_abort(const char *fmt, ...) QEMU_PRINTF(1, 2);

#endif
