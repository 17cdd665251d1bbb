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

void dma_stats_map(MemTxAttrs attrs, hwaddr asked, hwaddr got, DmaMapOutcome outcome)
{
    DmaCounters *c = &counters_get()[attrs.requester_id];

    add(&c->maps, 1);
    if (outcome == DMA_MAP_FAILED) {
        add(&c->failed, 1);
        return;
    }
    add(outcome == DMA_MAP_DIRECT ? &c->bytes_direct : &c->bytes_bounced, got);
    if (got < asked) {
        add(&c->cut_short, 1);
    }
}

void dma_stats_unmap(uint16_t requester_id)
{
    add(&counters_get()[requester_id].unmaps, 1);
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
}
