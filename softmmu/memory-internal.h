/*
 * memory-internal.h: what softmmu/memory.c, physmem.c and memory-info.c share
 * and nobody else may touch: flat ranges, the FlatView layout, RAM blocks.
 */
#ifndef SOFTMMU_MEMORY_INTERNAL_H
#define SOFTMMU_MEMORY_INTERNAL_H

#include "exec/memory.h"
#include "qemu/rcu.h"

/* One piece of a flat view: [start, last] of the address space maps mr at offset_in_region. */
typedef struct FlatRange {
    MemoryRegion *mr; /* the terminating region (aliases resolved) */
    hwaddr offset_in_region;
    hwaddr start;
    hwaddr last;         /* inclusive, so a range may end at 2^64 - 1 */
    uint8_t *host;       /* RAM/ROM: host address of start; NULL for MMIO */
    RAMBlock *ram_block; /* RAM/ROM: the block, for dirty bits; else NULL */
    bool readonly;       /* ROM: guest writes are dropped */
    uint8_t dirty_log_mask;
} FlatRange;

/*
 * Lookup: a radix table over the address, 9 bits per level above the 4 KiB
 * page. An entry is empty, a node, or a leaf naming the few flat ranges that
 * intersect its span (binary-searched). Spans covered by at most
 * FV_LEAF_MAX ranges stop early, so the depth is at most 6 and usually 2-3.
 */
#define FV_RADIX_BITS 9
#define FV_RADIX_SIZE (1u << FV_RADIX_BITS)
#define FV_LEAF_MAX   2
#define FV_ENTRY_NODE (1ULL << 63)
#define FV_ENTRY_LEAF (1ULL << 62)

typedef uint64_t FVNode[FV_RADIX_SIZE];

/* Immutable once built; freed after a grace period when the last reference goes. */
struct FlatView {
    struct rcu_head rcu; /* first: call_rcu() needs it at offset 0 */
    int ref;
    AddressSpace *as;
    MemoryRegion *root;
    unsigned nr;
    FlatRange *ranges; /* sorted by start, non-overlapping */
    uint64_t root_entry;
    unsigned root_bits; /* the table covers [0, 2^root_bits); 64 or more: everything */
    FVNode *nodes;
    unsigned nr_nodes;
};

/* The range containing addr, or NULL (inside rcu_read_lock() or with a reference). */
static inline const FlatRange *flatview_find(const FlatView *fv, hwaddr addr)
{
    uint64_t e = fv->root_entry;
    unsigned shift = fv->root_bits - FV_RADIX_BITS;
    unsigned lo, hi;

    if (fv->root_bits < 64 && (addr >> fv->root_bits)) {
        return NULL;
    }
    while (e & FV_ENTRY_NODE) {
        e = fv->nodes[e & 0xffffffffu][(addr >> shift) & (FV_RADIX_SIZE - 1)];
        shift -= FV_RADIX_BITS;
    }
    if (!e) {
        return NULL;
    }
    lo = (uint32_t)e;
    hi = lo + (unsigned)((e >> 32) & 0x3fffffffu);
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
};

RAMBlock *ram_block_alloc(MemoryRegion *mr, uint64_t size, GError **errp);
/* Frees the block after a grace period (readers may still hold old views). */
void ram_block_free(RAMBlock *rb);
/* Marks [offset, offset+len) of the block dirty for every client. */
void ram_block_set_dirty(RAMBlock *rb, uint64_t offset, uint64_t len);

/* Aborts with "tern: memory: <message>": for programming errors. */
QEMU_NORETURN void memory_abort(const char *fmt, ...) QEMU_PRINTF(1, 2);

#endif
