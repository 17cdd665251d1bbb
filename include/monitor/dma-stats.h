/*
 * dma-stats.h: per-requester DMA counters behind 'info dma' (tern's own).
 *
 * address_space_map/unmap (softmmu/physmem.c) report every mapping here,
 * keyed by the requester ID of its MemTxAttrs (a PCI device's bus/devfn;
 * 0 for callers that leave it unspecified): how many maps and unmaps, bytes
 * mapped straight into guest RAM, bytes that went through a bounce buffer,
 * and mappings that failed or came back shorter than asked, so that a
 * silent fallback is visible. Counters are atomic: DMA may come from any
 * thread.
 */
#ifndef MONITOR_DMA_STATS_H
#define MONITOR_DMA_STATS_H

#include "qemu/osdep.h"
#include "exec/memory.h"

typedef enum DmaMapOutcome {
    DMA_MAP_DIRECT,  /* a pointer into guest RAM */
    DMA_MAP_BOUNCED, /* a bounce buffer (MMIO, ROM on write, ...) */
    DMA_MAP_FAILED,  /* NULL: nothing could be mapped */
} DmaMapOutcome;

typedef struct DmaStats {
    uint16_t requester_id;
    uint64_t maps, unmaps;
    uint64_t bytes_direct, bytes_bounced;
    uint64_t failed;    /* maps that returned NULL */
    uint64_t cut_short; /* maps that returned fewer bytes than asked */
} DmaStats;

/*
 * From address_space_map: asked bytes, got bytes (0 when failed), the pointer
 * returned (remembered with the requester until its unmap).
 */
void dma_stats_map(MemTxAttrs attrs, hwaddr asked, hwaddr got, DmaMapOutcome outcome,
                   const void *ptr);
/*
 * From address_space_unmap: counted against the requester that mapped ptr.
 * XXX: two live mappings of the same pointer by different requesters are both
 * counted against the first one's requester.
 */
void dma_stats_unmap(const void *ptr);
/* Names a requester for 'info dma' (a device's realize may call it). */
void dma_stats_set_name(uint16_t requester_id, const char *name);
/* Snapshot of every requester seen, by ID; free with g_array_unref. */
GArray *dma_stats_query(void);
/* The name given to a requester, or NULL. */
const char *dma_stats_name(uint16_t requester_id);
/* Zeroes every counter (tests). */
void dma_stats_reset(void);

#endif
