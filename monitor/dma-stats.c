/*
 * dma-stats.c: the counters behind 'info dma' (see include/monitor/dma-stats.h).
 * One slot per 16-bit requester ID, allocated on first use; updates are
 * atomic adds so that vCPU and device threads need no lock.
 */
#include "qemu/osdep.h"
#include "monitor/dma-stats.h"

#define DMA_REQUESTERS (1u << 16)

typedef struct DmaCounters {
    uint64_t maps, unmaps, bytes_direct, bytes_bounced, failed, cut_short;
} DmaCounters;

static DmaCounters *counters; /* DMA_REQUESTERS of them, published once */
static char *names[DMA_REQUESTERS];

static DmaCounters *counters_get(void)
{
    DmaCounters *c = __atomic_load_n(&counters, __ATOMIC_ACQUIRE);

    if (unlikely(!c)) {
        DmaCounters *fresh = g_new0(DmaCounters, DMA_REQUESTERS);
        DmaCounters *expected = NULL;

        if (__atomic_compare_exchange_n(&counters, &expected, fresh, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            return fresh;
        }
        g_free(fresh);
        return expected;
    }
    return c;
}

static void add(uint64_t *p, uint64_t v)
{
    __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

/* Live mappings: pointer -> requester ID << 32 | number of maps of it not yet unmapped. */
static GMutex live_lock;
static GHashTable *live;

#define LIVE_REQ_SHIFT 32
#define LIVE_REFS_MASK 0xffffffffu

static void live_add(const void *ptr, uint16_t requester_id)
{
    uint64_t v, *old;

    g_mutex_lock(&live_lock);
    if (!live) {
        live = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    }
    old = g_hash_table_lookup(live, ptr);
    if (old) {
        (*old)++;
    } else {
        v = ((uint64_t)requester_id << LIVE_REQ_SHIFT) | 1;
        g_hash_table_insert(live, (gpointer)ptr, g_memdup2(&v, sizeof(v)));
    }
    g_mutex_unlock(&live_lock);
}

/* The requester that mapped ptr (0 if unknown), dropping one reference. */
static uint16_t live_take(const void *ptr)
{
    uint16_t id = 0;
    uint64_t *v;

    g_mutex_lock(&live_lock);
    v = live ? g_hash_table_lookup(live, ptr) : NULL;
    if (v) {
        id = (uint16_t)(*v >> LIVE_REQ_SHIFT);
        if (--*v == ((uint64_t)id << LIVE_REQ_SHIFT)) {
            g_hash_table_remove(live, ptr);
        }
    }
    g_mutex_unlock(&live_lock);
    return id;
}

void dma_stats_map(MemTxAttrs attrs, hwaddr asked, hwaddr got, DmaMapOutcome outcome,
                   const void *ptr)
{
    DmaCounters *c = &counters_get()[attrs.requester_id];

    add(&c->maps, 1);
    if (outcome == DMA_MAP_FAILED) {
        add(&c->failed, 1);
        return;
    }
    live_add(ptr, attrs.requester_id);
    add(outcome == DMA_MAP_DIRECT ? &c->bytes_direct : &c->bytes_bounced, got);
    if (got < asked) {
        add(&c->cut_short, 1);
    }
}

void dma_stats_unmap(const void *ptr)
{
    add(&counters_get()[live_take(ptr)].unmaps, 1);
}

void dma_stats_set_name(uint16_t requester_id, const char *name)
{
    g_free(names[requester_id]);
    names[requester_id] = g_strdup(name);
}

const char *dma_stats_name(uint16_t requester_id)
{
    return names[requester_id];
}

static uint64_t get(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

GArray *dma_stats_query(void)
{
    GArray *out = g_array_new(false, true, sizeof(DmaStats));
    DmaCounters *c = __atomic_load_n(&counters, __ATOMIC_ACQUIRE);

    for (unsigned id = 0; c && id < DMA_REQUESTERS; id++) {
        DmaStats s = {
            .requester_id = id,
            .maps = get(&c[id].maps),
            .unmaps = get(&c[id].unmaps),
            .bytes_direct = get(&c[id].bytes_direct),
            .bytes_bounced = get(&c[id].bytes_bounced),
            .failed = get(&c[id].failed),
            .cut_short = get(&c[id].cut_short),
        };

        if (s.maps || s.unmaps) {
            g_array_append_val(out, s);
        }
    }
    return out;
}

void dma_stats_reset(void)
{
    DmaCounters *c = __atomic_load_n(&counters, __ATOMIC_ACQUIRE);

    if (c) {
        memset(c, 0, sizeof(*c) * DMA_REQUESTERS);
    }
    g_mutex_lock(&live_lock);
    g_clear_pointer(&live, g_hash_table_unref);
    g_mutex_unlock(&live_lock);
}
