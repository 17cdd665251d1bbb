/*
 * physmem.c: guest RAM, accesses through an address space, MMIO dispatch,
 * DMA mapping with bounce buffers, and dirty bitmaps.
 *
 * RAM is anonymous private mmap()ed host memory, reserved lazily
 * (MAP_NORESERVE). Accesses walk the current flat view inside an RCU read
 * section: RAM is a memcpy with no lock, MMIO goes through the region's ops,
 * split and widened per .valid/.impl (little-endian; the guest-visible rules
 * of QEMU's memory_region_access_valid()/access_with_adjusted_size()),
 * holes read all ones. Left out: IOMMUs, big-endian devices, romd mode,
 * MemTxAttrs-based routing, taking the BQL around MMIO for callers that do
 * not hold it (vCPU threads must take it themselves, see docs/memory.md).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/memory.h"
#include "monitor/dma-stats.h"
#include "memory-internal.h"
#include "trace-events.h"
#include <sys/mman.h>

/* Total bytes of live MMIO bounce buffers, across all address spaces. */
#define BOUNCE_BUFFER_LIMIT (1 * MiB)

#define BITS_PER_LONG (sizeof(unsigned long) * 8)

/* --- RAM blocks ---------------------------------------------------------------- */

static GMutex ram_list_lock;
static GPtrArray *ram_blocks; /* RAMBlock *, for host-pointer lookups on unmap */

RAMBlock *ram_block_alloc(MemoryRegion *mr, uint64_t size, GError **errp)
{
    uint64_t mmap_size = QEMU_ALIGN_UP(size, TARGET_PAGE_SIZE);
    RAMBlock *rb;
    void *host;

    if (mmap_size < size || mmap_size > (uint64_t)SIZE_MAX) {
        g_set_error(errp, TERN_ERROR, 0, "RAM region '%s': size 0x%" PRIx64 " is too large",
                    mr->name, size);
        return NULL;
    }
    host = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED) {
        g_set_error(errp, TERN_ERROR, 0, "cannot allocate 0x%" PRIx64 " bytes for RAM '%s': %s",
                    size, mr->name, g_strerror(errno));
        return NULL;
    }
    rb = g_new0(RAMBlock, 1);
    rb->mr = mr;
    rb->host = host;
    rb->size = size;
    rb->mmap_size = mmap_size;
    rb->npages = mmap_size >> TARGET_PAGE_BITS;
    for (int c = 0; c < DIRTY_MEMORY_NUM; c++) {
        size_t longs = (rb->npages + BITS_PER_LONG - 1) / BITS_PER_LONG;
        rb->dirty[c] = g_new0(unsigned long, longs);
    }
    /* Like a fresh machine's: everything dirty, so the first display refresh draws it all. */
    ram_block_set_dirty(rb, 0, size);

    g_mutex_lock(&ram_list_lock);
    if (!ram_blocks) {
        ram_blocks = g_ptr_array_new();
    }
    g_ptr_array_add(ram_blocks, rb);
    g_mutex_unlock(&ram_list_lock);
    return rb;
}

static void ram_block_release(RAMBlock *rb)
{
    munmap(rb->host, rb->mmap_size);
    for (int c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_free(rb->dirty[c]);
    }
    g_free(rb);
}

/* After the grace period: unmap now, or when the last DMA mapping of it goes. */
static void ram_block_reclaim(RAMBlock *rb)
{
    bool release;

    g_mutex_lock(&ram_list_lock);
    release = rb->map_count == 0;
    if (release) {
        g_ptr_array_remove(ram_blocks, rb);
    } else {
        rb->reclaim_pending = true;
    }
    g_mutex_unlock(&ram_list_lock);
    if (release) {
        ram_block_release(rb);
    }
}

void ram_block_free(RAMBlock *rb)
{
    rb->mr = NULL;
    /* Inside a transaction the current view may still map it: wait for the commit too. */
    memory_call_rcu_after_commit(&rb->rcu, (void (*)(struct rcu_head *))ram_block_reclaim);
}

/* The block holding ptr (also one whose region is gone but is still mapped); under the lock. */
static RAMBlock *ram_block_from_host_locked(const void *ptr, uint64_t *offset)
{
    const uint8_t *p = ptr;

    for (guint i = 0; ram_blocks && i < ram_blocks->len; i++) {
        RAMBlock *rb = g_ptr_array_index(ram_blocks, i);
        if (p >= rb->host && p < rb->host + rb->mmap_size) {
            *offset = (uint64_t)(p - rb->host);
            return rb;
        }
    }
    return NULL;
}

/* A direct mapping of rb starts (inside the RCU section that found rb). */
static void ram_block_map(RAMBlock *rb)
{
    g_mutex_lock(&ram_list_lock);
    rb->map_count++;
    g_mutex_unlock(&ram_list_lock);
}

/*
 * A direct mapping ends: marks what was written dirty, and frees the block if
 * its region went away meanwhile. False if ptr is in no RAM block.
 */
static bool ram_block_unmap(void *ptr, bool is_write, hwaddr access_len)
{
    RAMBlock *rb;
    uint64_t offset;
    bool release = false;

    g_mutex_lock(&ram_list_lock);
    rb = ram_block_from_host_locked(ptr, &offset);
    if (rb) {
        if (is_write && access_len) {
            ram_block_set_dirty(rb, offset, access_len);
        }
        g_assert(rb->map_count > 0);
        if (--rb->map_count == 0 && rb->reclaim_pending) {
            g_ptr_array_remove(ram_blocks, rb);
            release = true;
        }
    }
    g_mutex_unlock(&ram_list_lock);
    if (release) {
        ram_block_release(rb);
    }
    return rb != NULL;
}

/* --- dirty bitmaps ------------------------------------------------------------- */

/* The pages of [offset, offset+len) inside the block; false if none. */
static bool page_span(const RAMBlock *rb, uint64_t offset, uint64_t len, uint64_t *first,
                      uint64_t *last)
{
    uint64_t end;

    if (len == 0 || offset >= rb->mmap_size) {
        return false;
    }
    end = len > rb->mmap_size - offset ? rb->mmap_size : offset + len; /* no overflow */
    *first = offset >> TARGET_PAGE_BITS;
    *last = (end - 1) >> TARGET_PAGE_BITS;
    return true;
}

void ram_block_set_dirty(RAMBlock *rb, uint64_t offset, uint64_t len)
{
    uint64_t first, last;

    if (!page_span(rb, offset, len, &first, &last)) {
        return;
    }
    for (uint64_t page = first; page <= last; page++) {
        unsigned long bit = 1UL << (page % BITS_PER_LONG);
        for (int c = 0; c < DIRTY_MEMORY_NUM; c++) {
            unsigned long *w = &rb->dirty[c][page / BITS_PER_LONG];
            /* A plain load first: most writes hit pages already dirty. */
            if (!(__atomic_load_n(w, __ATOMIC_RELAXED) & bit)) {
                __atomic_fetch_or(w, bit, __ATOMIC_RELAXED);
            }
        }
    }
}

static RAMBlock *mr_ram_block(MemoryRegion *mr, const char *what)
{
    if (!mr->ram_block) {
        memory_abort("%s: '%s' is not RAM", what, mr->name);
    }
    return mr->ram_block;
}

bool memory_region_get_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size, unsigned client)
{
    RAMBlock *rb = mr_ram_block(mr, "memory_region_get_dirty");
    uint64_t first, last;

    g_assert(client < DIRTY_MEMORY_NUM);
    if (!page_span(rb, addr, size, &first, &last)) {
        return false;
    }
    for (uint64_t page = first; page <= last; page++) {
        unsigned long w =
            __atomic_load_n(&rb->dirty[client][page / BITS_PER_LONG], __ATOMIC_RELAXED);
        if (w & (1UL << (page % BITS_PER_LONG))) {
            return true;
        }
    }
    return false;
}

void memory_region_set_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size)
{
    ram_block_set_dirty(mr_ram_block(mr, "memory_region_set_dirty"), addr, size);
}

void memory_region_reset_dirty(MemoryRegion *mr, hwaddr addr, hwaddr size, unsigned client)
{
    RAMBlock *rb = mr_ram_block(mr, "memory_region_reset_dirty");
    uint64_t first, last;

    g_assert(client < DIRTY_MEMORY_NUM);
    if (!page_span(rb, addr, size, &first, &last)) {
        return;
    }
    for (uint64_t page = first; page <= last; page++) {
        __atomic_fetch_and(&rb->dirty[client][page / BITS_PER_LONG],
                           ~(1UL << (page % BITS_PER_LONG)), __ATOMIC_RELAXED);
    }
}

/* --- MMIO dispatch ------------------------------------------------------------- */

static unsigned size_or(unsigned v, unsigned dflt)
{
    return v ? v : dflt;
}

static uint64_t ones(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

/* Whether the guest may make this access (1, 2, 4 or 8 bytes, per .valid); logs it if not. */
static bool access_valid(MemoryRegion *mr, hwaddr addr, unsigned size, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned min = size_or(ops->valid.min_access_size, 1);
    unsigned max = size_or(ops->valid.max_access_size, 4);
    bool natural = size == 1 || size == 2 || size == 4 || size == 8;

    if (natural && size >= min && size <= max &&
        (ops->valid.unaligned || (addr & (size - 1)) == 0)) {
        return true;
    }
    qemu_log_mask(LOG_GUEST_ERROR,
                  "memory: invalid %s of size %u at offset 0x%" HWADDR_PRIx " of '%s' "
                  "(allowed sizes %u..%u%s)\n",
                  is_write ? "write" : "read", size, addr, mr->name, min, max,
                  ops->valid.unaligned ? "" : ", aligned");
    return false;
}

/*
 * Covers [addr, addr+size) with accesses of the implemented size: several
 * narrower ones (split) or one wider, aligned one (widen). Bytes outside the
 * guest's access are masked off on reads and written as zero on writes
 * (no read-modify-write, as in QEMU).
 */
static void access_adjusted(MemoryRegion *mr, hwaddr addr, uint64_t *val, unsigned size,
                            bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned imin = size_or(ops->impl.min_access_size, 1);
    unsigned imax = size_or(ops->impl.max_access_size, 4);
    unsigned asize = MAX(imin, MIN(size, imax));
    hwaddr start = ops->impl.unaligned ? addr : addr & ~(hwaddr)(asize - 1);
    hwaddr span = (addr - start) + size; /* relative, so the top of the space does not wrap */
    uint64_t result = 0;

    for (hwaddr off = 0; off < span; off += asize) {
        hwaddr a = start + off;
        /* Shift of this chunk relative to the guest's access, in bytes (may be negative). */
        int64_t shift = (int64_t)(a - addr) * 8;
        if (is_write) {
            uint64_t data =
                shift >= 0 ? (shift < 64 ? *val >> shift : 0) : (-shift < 64 ? *val << -shift : 0);
            ops->write(mr->opaque, a, data & ones(asize), asize);
        } else {
            uint64_t r = ops->read(mr->opaque, a, asize) & ones(asize);
            result |= shift >= 0 ? (shift < 64 ? r << shift : 0) : (-shift < 64 ? r >> -shift : 0);
        }
    }
    if (!is_write) {
        *val = result & ones(size);
    }
}

MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr, uint64_t *pval,
                                        unsigned size, MemTxAttrs attrs)
{
    (void)attrs;
    if (!mr->ops || !access_valid(mr, addr, size, false)) {
        *pval = ones(size);
        trace_memory_region_ops_read(mr->name, addr, *pval, size, MEMTX_DECODE_ERROR);
        return MEMTX_DECODE_ERROR;
    }
    if (!mr->ops->read) {
        qemu_log_mask(LOG_GUEST_ERROR, "memory: read of write-only '%s' at 0x%" HWADDR_PRIx "\n",
                      mr->name, addr);
        *pval = ones(size);
        trace_memory_region_ops_read(mr->name, addr, *pval, size, MEMTX_DECODE_ERROR);
        return MEMTX_DECODE_ERROR;
    }
    access_adjusted(mr, addr, pval, size, false);
    trace_memory_region_ops_read(mr->name, addr, *pval, size, MEMTX_OK);
    return MEMTX_OK;
}

MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr, uint64_t val, unsigned size,
                                         MemTxAttrs attrs)
{
    (void)attrs;
    if (!mr->ops || !access_valid(mr, addr, size, true)) {
        trace_memory_region_ops_write(mr->name, addr, val, size, MEMTX_DECODE_ERROR);
        return MEMTX_DECODE_ERROR;
    }
    if (!mr->ops->write) {
        qemu_log_mask(LOG_GUEST_ERROR, "memory: write to read-only '%s' at 0x%" HWADDR_PRIx "\n",
                      mr->name, addr);
        return MEMTX_DECODE_ERROR;
    }
    val &= ones(size);
    trace_memory_region_ops_write(mr->name, addr, val, size, MEMTX_OK);
    access_adjusted(mr, addr, &val, size, true);
    return MEMTX_OK;
}

/* --- accesses through an address space ---------------------------------------- */

/* The largest natural access for l bytes at offset addr of an MMIO region. */
static unsigned mmio_access_size(MemoryRegion *mr, hwaddr addr, hwaddr l)
{
    unsigned max = size_or(mr->ops->valid.max_access_size, 4);
    unsigned size = 1;

    if (max > 8) {
        max = 8;
    }
    if (!mr->ops->impl.unaligned && addr) {
        hwaddr align = addr & -addr;
        if (align < max) {
            max = (unsigned)align;
        }
    }
    while (size * 2 <= max && size * 2 <= l) {
        size *= 2;
    }
    return size;
}

static MemTxResult mmio_access(MemoryRegion *mr, hwaddr offset, uint8_t *buf, hwaddr len,
                               bool is_write, MemTxAttrs attrs)
{
    MemTxResult res = MEMTX_OK;

    while (len) {
        unsigned size = mmio_access_size(mr, offset, len);
        uint64_t val = 0;

        if (is_write) {
            for (unsigned b = 0; b < size; b++) {
                val |= (uint64_t)buf[b] << (8 * b);
            }
            res |= memory_region_dispatch_write(mr, offset, val, size, attrs);
        } else {
            res |= memory_region_dispatch_read(mr, offset, &val, size, attrs);
            for (unsigned b = 0; b < size; b++) {
                buf[b] = (uint8_t)(val >> (8 * b));
            }
        }
        offset += size;
        buf += size;
        len -= size;
    }
    return res;
}

static MemTxResult unassigned_access(AddressSpace *as, hwaddr addr, uint8_t *buf, hwaddr len,
                                     bool is_write)
{
    __atomic_fetch_add(&as->unassigned_accesses, 1, __ATOMIC_RELAXED);
    trace_address_space_unassigned(as->name, addr, len, is_write);
    qemu_log_mask(LOG_GUEST_ERROR,
                  "memory: %s of %" PRIu64 " bytes at 0x%" HWADDR_PRIx " in '%s': nothing there\n",
                  is_write ? "write" : "read", (uint64_t)len, addr, as->name);
    if (!is_write) {
        memset(buf, 0xff, len);
    }
    return MEMTX_DECODE_ERROR;
}

/* Bytes of [addr, addr+len) inside fr: len if it fits, without overflowing at 2^64. */
static hwaddr clip_to_range(const FlatRange *fr, hwaddr addr, hwaddr len)
{
    hwaddr avail_minus_1 = fr->last - addr;

    return avail_minus_1 >= len - 1 ? len : avail_minus_1 + 1;
}

/* Length of the hole at addr: up to the next range, at most len. */
static hwaddr hole_len(const FlatView *fv, hwaddr addr, hwaddr len)
{
    const FlatRange *next = flatview_next_range(fv, addr);

    if (next && next->start - addr < len) {
        return next->start - addr;
    }
    return len;
}

typedef enum { ACCESS_READ, ACCESS_WRITE, ACCESS_WRITE_ROM } AccessKind;

static MemTxResult ram_access(const FlatRange *fr, hwaddr addr, uint8_t *buf, hwaddr l,
                              AccessKind kind)
{
    uint8_t *host = fr->host + (addr - fr->start);

    if (kind == ACCESS_READ) {
        memcpy(buf, host, l);
        return MEMTX_OK;
    }
    if (fr->readonly && kind != ACCESS_WRITE_ROM) {
        return MEMTX_OK; /* ROM: guest writes are dropped silently, as on hardware */
    }
    memcpy(host, buf, l);
    ram_block_set_dirty(fr->ram_block, fr->offset_in_region + (addr - fr->start), l);
    return MEMTX_OK;
}

static MemTxResult flatview_access(AddressSpace *as, FlatView *fv, hwaddr addr, uint8_t *buf,
                                   hwaddr len, AccessKind kind, MemTxAttrs attrs)
{
    MemTxResult res = MEMTX_OK;
    bool is_write = kind != ACCESS_READ;

    while (len) {
        const FlatRange *fr = flatview_find(fv, addr);
        hwaddr l;

        if (!fr) {
            l = hole_len(fv, addr, len);
            if (kind != ACCESS_WRITE_ROM) {
                res |= unassigned_access(as, addr, buf, l, is_write);
            }
        } else {
            l = clip_to_range(fr, addr, len);
            if (fr->host) {
                res |= ram_access(fr, addr, buf, l, kind);
            } else if (kind != ACCESS_WRITE_ROM) {
                res |= mmio_access(fr->mr, fr->offset_in_region + (addr - fr->start), buf, l,
                                   is_write, attrs);
            }
        }
        buf += l;
        len -= l;
        addr += l;
        if (len && addr == 0) {
            /* Ran past the top of the address space: nothing wraps around to 0. */
            res |= unassigned_access(as, 0 - (hwaddr)1, buf, len, is_write);
            break;
        }
    }
    return res;
}

static MemTxResult address_space_access(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, void *buf,
                                        hwaddr len, AccessKind kind)
{
    MemTxResult res;

    if (len == 0) {
        return MEMTX_OK;
    }
    rcu_read_lock();
    res = flatview_access(as, address_space_to_flatview(as), addr, buf, len, kind, attrs);
    rcu_read_unlock();
    return res;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, void *buf,
                               hwaddr len)
{
    if (len == 0) {
        return MEMTX_OK;
    }
    rcu_read_lock();
    /* Fast path: the whole access inside one RAM range. */
    FlatView *fv = address_space_to_flatview(as);
    const FlatRange *fr = flatview_find(fv, addr);
    MemTxResult res;
    if (likely(fr && fr->host && len - 1 <= fr->last - addr)) {
        memcpy(buf, fr->host + (addr - fr->start), len);
        res = MEMTX_OK;
    } else {
        res = flatview_access(as, fv, addr, buf, len, ACCESS_READ, attrs);
    }
    rcu_read_unlock();
    return res;
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, const void *buf,
                                hwaddr len)
{
    if (len == 0) {
        return MEMTX_OK;
    }
    rcu_read_lock();
    /* Fast path: the whole access inside one writable RAM range. */
    FlatView *fv = address_space_to_flatview(as);
    const FlatRange *fr = flatview_find(fv, addr);
    MemTxResult res;
    if (likely(fr && fr->host && !fr->readonly && len - 1 <= fr->last - addr)) {
        res = ram_access(fr, addr, (void *)buf, len, ACCESS_WRITE);
    } else {
        res = flatview_access(as, fv, addr, (void *)buf, len, ACCESS_WRITE, attrs);
    }
    rcu_read_unlock();
    return res;
}

MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, void *buf, hwaddr len,
                             bool is_write)
{
    return is_write ? address_space_write(as, addr, attrs, buf, len)
                    : address_space_read(as, addr, attrs, buf, len);
}

MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                                    const void *buf, hwaddr len)
{
    return address_space_access(as, addr, attrs, (void *)buf, len, ACCESS_WRITE_ROM);
}

MemoryRegion *address_space_translate(AddressSpace *as, hwaddr addr, hwaddr *xlat, hwaddr *plen,
                                      bool is_write, MemTxAttrs attrs)
{
    MemoryRegion *mr = NULL;
    const FlatRange *fr;
    FlatView *fv;

    (void)is_write;
    (void)attrs;
    rcu_read_lock();
    fv = address_space_to_flatview(as);
    fr = flatview_find(fv, addr);
    if (fr) {
        mr = fr->mr;
        *xlat = fr->offset_in_region + (addr - fr->start);
        if (*plen) {
            *plen = clip_to_range(fr, addr, *plen);
        }
    } else {
        *xlat = addr;
        if (*plen) {
            *plen = hole_len(fv, addr, *plen);
        }
    }
    rcu_read_unlock();
    return mr;
}

/* --- DMA mapping ------------------------------------------------------------------ */

typedef struct BounceBuffer {
    AddressSpace *as;
    hwaddr addr;
    hwaddr len;
    MemTxAttrs attrs;
    uint8_t *buffer;
} BounceBuffer;

static GMutex bounce_lock;
static GSList *bounce_list; /* BounceBuffer * */
static hwaddr bounce_bytes; /* total size of the live ones */

/* The RAM range at addr extended over contiguous RAM of the same block; 0 if not direct. */
static hwaddr direct_len(FlatView *fv, const FlatRange *fr, hwaddr addr, hwaddr len, bool is_write)
{
    hwaddr done = 0;

    while (fr && fr->host && !(is_write && fr->readonly)) {
        hwaddr l = clip_to_range(fr, addr + done, len - done);
        const FlatRange *next;
        done += l;
        if (done == len || fr == &fv->ranges[fv->nr - 1]) {
            break;
        }
        next = fr + 1;
        /* Same block: two mmaps may happen to be adjacent in the host, but are not one buffer. */
        if (next->start != fr->last + 1 || next->ram_block != fr->ram_block ||
            next->host != fr->host + (fr->last - fr->start + 1) || next->readonly != fr->readonly) {
            break;
        }
        fr = next;
    }
    return done;
}

static void *bounce_map(AddressSpace *as, FlatView *fv, const FlatRange *fr, hwaddr addr,
                        hwaddr *plen, bool is_write, MemTxAttrs attrs)
{
    BounceBuffer *b;
    hwaddr l = clip_to_range(fr, addr, *plen);

    g_mutex_lock(&bounce_lock);
    l = MIN(l, BOUNCE_BUFFER_LIMIT - bounce_bytes);
    if (l == 0) {
        g_mutex_unlock(&bounce_lock);
        *plen = 0;
        return NULL;
    }
    bounce_bytes += l;
    b = g_new0(BounceBuffer, 1);
    b->as = as;
    b->addr = addr;
    b->len = l;
    b->attrs = attrs;
    b->buffer = g_malloc(l);
    bounce_list = g_slist_prepend(bounce_list, b);
    g_mutex_unlock(&bounce_lock);

    if (!is_write) {
        flatview_access(as, fv, addr, b->buffer, l, ACCESS_READ, attrs);
    }
    *plen = l;
    return b->buffer;
}

void *address_space_map(AddressSpace *as, hwaddr addr, hwaddr *plen, bool is_write,
                        MemTxAttrs attrs)
{
    void *ptr = NULL;
    const FlatRange *fr;
    FlatView *fv;
    hwaddr l, asked = *plen;
    DmaMapOutcome outcome = DMA_MAP_BOUNCED;

    if (*plen == 0) {
        return NULL;
    }
    rcu_read_lock();
    fv = address_space_to_flatview(as);
    fr = flatview_find(fv, addr);
    if (!fr) {
        *plen = 0;
    } else if ((l = direct_len(fv, fr, addr, *plen, is_write)) > 0) {
        *plen = l;
        ptr = fr->host + (addr - fr->start);
        ram_block_map(fr->ram_block);
        outcome = DMA_MAP_DIRECT;
    } else {
        ptr = bounce_map(as, fv, fr, addr, plen, is_write, attrs);
    }
    rcu_read_unlock();
    trace_address_space_map(as->name, addr, asked, *plen, is_write,
                            ptr && outcome == DMA_MAP_BOUNCED);
    dma_stats_map(attrs, asked, *plen, ptr ? outcome : DMA_MAP_FAILED, ptr); /* 'info dma' */
    return ptr;
}

static BounceBuffer *bounce_take(void *buffer)
{
    BounceBuffer *found = NULL;

    g_mutex_lock(&bounce_lock);
    for (GSList *it = bounce_list; it; it = it->next) {
        BounceBuffer *b = it->data;
        if (b->buffer == buffer) {
            found = b;
            bounce_list = g_slist_delete_link(bounce_list, it);
            bounce_bytes -= b->len;
            break;
        }
    }
    g_mutex_unlock(&bounce_lock);
    return found;
}

void address_space_unmap(AddressSpace *as, void *buffer, hwaddr len, bool is_write,
                         hwaddr access_len)
{
    BounceBuffer *b;

    (void)as;
    if (!buffer) {
        return; /* what a failed map returned */
    }
    trace_address_space_unmap(buffer, access_len, is_write);
    dma_stats_unmap(buffer);
    b = bounce_take(buffer);
    if (b) {
        if (is_write && access_len) {
            address_space_write(b->as, b->addr, b->attrs, b->buffer, MIN(access_len, b->len));
        }
        g_free(b->buffer);
        g_free(b);
        return;
    }
    if (!ram_block_unmap(buffer, is_write, MIN(access_len, len))) {
        memory_abort("address_space_unmap: %p was not mapped", buffer);
    }
}

/* --- the system address space ----------------------------------------------------- */

void *cpu_physical_memory_map(hwaddr addr, hwaddr *plen, bool is_write)
{
    return address_space_map(address_space_memory(), addr, plen, is_write, MEMTXATTRS_UNSPECIFIED);
}

void cpu_physical_memory_unmap(void *buffer, hwaddr len, bool is_write, hwaddr access_len)
{
    address_space_unmap(address_space_memory(), buffer, len, is_write, access_len);
}

void cpu_physical_memory_rw(hwaddr addr, void *buf, hwaddr len, bool is_write)
{
    address_space_rw(address_space_memory(), addr, MEMTXATTRS_UNSPECIFIED, buf, len, is_write);
}

/* --- loads and stores ----------------------------------------------------------- */

static uint64_t ld_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, MemTxResult *res,
                      unsigned size)
{
    uint8_t b[8];
    uint64_t v = 0;
    MemTxResult r = address_space_read(as, addr, attrs, b, size);

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)b[i] << (8 * i);
    }
    if (res) {
        *res = r;
    }
    return v;
}

static void st_le(AddressSpace *as, hwaddr addr, uint64_t v, MemTxAttrs attrs, MemTxResult *res,
                  unsigned size)
{
    uint8_t b[8];
    MemTxResult r;

    for (unsigned i = 0; i < size; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
    r = address_space_write(as, addr, attrs, b, size);
    if (res) {
        *res = r;
    }
}

uint8_t address_space_ldub(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, MemTxResult *res)
{
    return (uint8_t)ld_le(as, addr, attrs, res, 1);
}

uint16_t address_space_lduw_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, MemTxResult *res)
{
    return (uint16_t)ld_le(as, addr, attrs, res, 2);
}

uint32_t address_space_ldl_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, MemTxResult *res)
{
    return (uint32_t)ld_le(as, addr, attrs, res, 4);
}

uint64_t address_space_ldq_le(AddressSpace *as, hwaddr addr, MemTxAttrs attrs, MemTxResult *res)
{
    return ld_le(as, addr, attrs, res, 8);
}

void address_space_stb(AddressSpace *as, hwaddr addr, uint8_t val, MemTxAttrs attrs,
                       MemTxResult *res)
{
    st_le(as, addr, val, attrs, res, 1);
}

void address_space_stw_le(AddressSpace *as, hwaddr addr, uint16_t val, MemTxAttrs attrs,
                          MemTxResult *res)
{
    st_le(as, addr, val, attrs, res, 2);
}

void address_space_stl_le(AddressSpace *as, hwaddr addr, uint32_t val, MemTxAttrs attrs,
                          MemTxResult *res)
{
    st_le(as, addr, val, attrs, res, 4);
}

void address_space_stq_le(AddressSpace *as, hwaddr addr, uint64_t val, MemTxAttrs attrs,
                          MemTxResult *res)
{
    st_le(as, addr, val, attrs, res, 8);
}
