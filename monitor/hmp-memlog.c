/*
 * hmp-memlog.c: 'info memlog' and 'info dma', tern's own views of how the
 * memory map changed and how devices reached memory (memlog.c, dma-stats.c).
 */
#include "qemu/osdep.h"
#include "monitor/memlog.h"
#include "monitor/dma-stats.h"
#include "monitor-internal.h"

#define PCI_BUS_SHIFT  8
#define PCI_DEVFN_SLOT 3
#define PCI_FUNC_MASK  7
#define PCI_DEVFN_MASK 0xff

void hmp_info_memlog(Monitor *mon, const HMPArgs *a)
{
    g_autoptr(GString) s = g_string_new(NULL);

    (void)a;
    memlog_info(s);
    monitor_puts(mon, s->str);
}

void hmp_info_dma(Monitor *mon, const HMPArgs *a)
{
    g_autoptr(GArray) stats = dma_stats_query();

    (void)a;
    if (!stats->len) {
        monitor_printf(mon, "no DMA mappings since start\n");
        return;
    }
    monitor_printf(mon, "requester            maps   unmaps  live   bytes direct  bytes bounced"
                        "  failed  cut short\n");
    for (guint i = 0; i < stats->len; i++) {
        const DmaStats *d = &g_array_index(stats, DmaStats, i);
        const char *name = dma_stats_name(d->requester_id);
        g_autofree char *who =
            name ? g_strdup(name)
            : d->requester_id
                ? g_strdup_printf("%02x:%02x.%x", d->requester_id >> PCI_BUS_SHIFT,
                                  (d->requester_id & PCI_DEVFN_MASK) >> PCI_DEVFN_SLOT,
                                  d->requester_id & PCI_FUNC_MASK)
                : g_strdup("unspecified");

        monitor_printf(mon,
                       "%-18s %7" PRIu64 " %7" PRIu64 " %5" PRId64 " %14" PRIu64 " %14" PRIu64
                       " %7" PRIu64 " %10" PRIu64 "\n",
                       who, d->maps, d->unmaps, (int64_t)(d->maps - d->failed - d->unmaps),
                       d->bytes_direct, d->bytes_bounced, d->failed, d->cut_short);
    }
}
