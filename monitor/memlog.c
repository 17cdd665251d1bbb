/*
 * memlog.c: the flat-view and memslot change log behind 'info memlog' (see
 * include/monitor/memlog.h). tern's own; QEMU has no such command.
 *
 * Listener callbacks run under the BQL (memory transactions commit there), as
 * does the monitor, so the log needs no lock of its own.
 */
#include "qemu/osdep.h"
#include "sysemu/kvm.h"
#include "monitor/memlog.h"
#include "monitor/xlate.h"

#define MEMLOG_LISTENER_PRIORITY 1000 /* after every other listener: it only watches */

typedef struct MemLogListener {
    MemoryListener listener;
    AddressSpace *as;
    bool in_txn;
    GArray *dels, *adds; /* MemLogEntry of the open transaction */
} MemLogListener;

static GArray *log_entries; /* ring of MemLogEntry, MEMLOG_MAX_ENTRIES at most */
static unsigned log_head;   /* index of the oldest when full */
static uint64_t log_seq, log_dropped;
static int64_t log_start_ns;
static GPtrArray *log_listeners;

static const char *const kind_names[] = {
    [MEMLOG_ADDED] = "added",     [MEMLOG_REMOVED] = "removed",  [MEMLOG_MOVED] = "moved",
    [MEMLOG_RESIZED] = "resized", [MEMLOG_SLOT_SET] = "slotset", [MEMLOG_SLOT_DELETED] = "slotdel",
};

const char *memlog_kind_name(MemLogKind kind)
{
    return kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : "?";
}

static void log_push(MemLogEntry *e)
{
    e->seq = ++log_seq;
    e->time_ns = g_get_monotonic_time() * 1000 - log_start_ns;
    if (log_entries->len < MEMLOG_MAX_ENTRIES) {
        g_array_append_val(log_entries, *e);
        return;
    }
    g_array_index(log_entries, MemLogEntry, log_head) = *e;
    log_head = (log_head + 1) % MEMLOG_MAX_ENTRIES;
    log_dropped++;
}

unsigned memlog_count(void)
{
    return log_entries ? log_entries->len : 0;
}

bool memlog_get(unsigned i, MemLogEntry *e)
{
    if (i >= memlog_count()) {
        return false;
    }
    *e = g_array_index(log_entries, MemLogEntry, (log_head + i) % log_entries->len);
    return true;
}

uint64_t memlog_dropped(void)
{
    return log_dropped;
}

static void section_entry(MemLogListener *ml, MemoryRegionSection *s, MemLogKind kind,
                          MemLogEntry *e)
{
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    g_strlcpy(e->as_name, ml->as->name ? ml->as->name : "?", sizeof(e->as_name));
    g_strlcpy(e->region, memory_region_name(s->mr), sizeof(e->region));
    e->start = s->offset_within_address_space;
    e->size = s->size;
    e->offset_in_region = s->offset_within_region;
    e->ram = memory_region_is_ram(s->mr);
    e->readonly = s->readonly;
    e->slot = -1;
    if (kind == MEMLOG_ADDED) {
        /* who placed it: the tree is already the new one (removals have no path left) */
        g_autoptr(GString) path = g_string_new(NULL);

        if (memory_region_path(ml->as, e->start, path)) {
            g_strlcpy(e->path, path->str, sizeof(e->path));
        }
    }
}

static void memlog_begin(MemoryListener *l)
{
    MemLogListener *ml = container_of(l, MemLogListener, listener);

    ml->in_txn = true;
}

static void memlog_region_add(MemoryListener *l, MemoryRegionSection *s)
{
    MemLogListener *ml = container_of(l, MemLogListener, listener);
    MemLogEntry e;

    section_entry(ml, s, MEMLOG_ADDED, &e);
    if (ml->in_txn) {
        g_array_append_val(ml->adds, e);
    } else {
        log_push(&e); /* the replay at registration */
    }
}

static void memlog_region_del(MemoryListener *l, MemoryRegionSection *s)
{
    MemLogListener *ml = container_of(l, MemLogListener, listener);
    MemLogEntry e;

    section_entry(ml, s, MEMLOG_REMOVED, &e);
    if (ml->in_txn) {
        g_array_append_val(ml->dels, e);
    } else {
        log_push(&e);
    }
}

/* An addition of the region that went: one moved/resized entry. Returns its index or -1. */
static int find_pair(GArray *adds, const MemLogEntry *del)
{
    for (guint i = 0; i < adds->len; i++) {
        const MemLogEntry *a = &g_array_index(adds, MemLogEntry, i);

        if (a->kind == MEMLOG_ADDED && !strcmp(a->region, del->region) &&
            a->offset_in_region == del->offset_in_region) {
            return (int)i;
        }
    }
    return -1;
}

static void flush_transaction(MemLogListener *ml)
{
    for (guint i = 0; i < ml->dels->len; i++) {
        MemLogEntry *d = &g_array_index(ml->dels, MemLogEntry, i);
        int j = find_pair(ml->adds, d);

        if (j >= 0) {
            MemLogEntry *a = &g_array_index(ml->adds, MemLogEntry, j);

            a->kind = a->start == d->start ? MEMLOG_RESIZED : MEMLOG_MOVED;
            a->old_start = d->start;
            a->old_size = d->size;
            continue;
        }
        log_push(d);
    }
    for (guint i = 0; i < ml->adds->len; i++) {
        log_push(&g_array_index(ml->adds, MemLogEntry, i));
    }
    g_array_set_size(ml->dels, 0);
    g_array_set_size(ml->adds, 0);
}

static void memlog_slot_changed(const KVMSlotInfo *s, bool set)
{
    MemLogEntry e = {.kind = set ? MEMLOG_SLOT_SET : MEMLOG_SLOT_DELETED,
                     .slot = s->slot,
                     .start = s->gpa,
                     .size = s->size,
                     .hva = (uintptr_t)s->hva,
                     .ram = true,
                     .readonly = s->readonly,
                     .log_dirty = s->log_dirty};

    if (!log_entries) {
        return;
    }
    g_strlcpy(e.as_name, "kvm", sizeof(e.as_name));
    g_strlcpy(e.region, s->region ? s->region : "?", sizeof(e.region));
    log_push(&e);
}

static void memlog_commit(MemoryListener *l)
{
    MemLogListener *ml = container_of(l, MemLogListener, listener);

    ml->in_txn = false;
    flush_transaction(ml);
}

static void log_init_once(void)
{
    if (!log_entries) {
        log_entries = g_array_new(false, true, sizeof(MemLogEntry));
        log_listeners = g_ptr_array_new();
        log_start_ns = g_get_monotonic_time() * 1000;
        kvm_memslot_set_notifier(memlog_slot_changed);
    }
}

void memlog_attach(AddressSpace *as)
{
    MemLogListener *ml;

    log_init_once();
    for (guint i = 0; i < log_listeners->len; i++) {
        if (((MemLogListener *)g_ptr_array_index(log_listeners, i))->as == as) {
            return;
        }
    }
    ml = g_new0(MemLogListener, 1);
    ml->as = as;
    ml->dels = g_array_new(false, true, sizeof(MemLogEntry));
    ml->adds = g_array_new(false, true, sizeof(MemLogEntry));
    ml->listener = (MemoryListener){
        .begin = memlog_begin,
        .commit = memlog_commit,
        .region_add = memlog_region_add,
        .region_del = memlog_region_del,
        .priority = MEMLOG_LISTENER_PRIORITY,
        .name = "memlog",
    };
    g_ptr_array_add(log_listeners, ml);
    memory_listener_register(&ml->listener, as);
}

void memlog_init(void)
{
    memlog_attach(address_space_memory());
    memlog_attach(address_space_io());
}

void memlog_reset(void)
{
    for (guint i = 0; log_listeners && i < log_listeners->len; i++) {
        MemLogListener *ml = g_ptr_array_index(log_listeners, i);

        memory_listener_unregister(&ml->listener);
        g_array_unref(ml->dels);
        g_array_unref(ml->adds);
        g_free(ml);
    }
    g_clear_pointer(&log_listeners, g_ptr_array_unref);
    g_clear_pointer(&log_entries, g_array_unref);
    kvm_memslot_set_notifier(NULL);
    log_head = 0;
    log_seq = log_dropped = 0;
}

static void entry_str(const MemLogEntry *e, GString *out)
{
    g_string_append_printf(out, "%5" PRIu64 " %6" PRId64 ".%06" PRId64 " %-7s %-6s ", e->seq,
                           e->time_ns / 1000000000, (e->time_ns / 1000) % 1000000,
                           memlog_kind_name(e->kind), e->as_name);
    if (e->kind == MEMLOG_MOVED || e->kind == MEMLOG_RESIZED) {
        g_string_append_printf(out, "0x%" HWADDR_PRIx "+0x%" PRIx64 " -> ", e->old_start,
                               e->old_size);
    }
    g_string_append_printf(out, "0x%" HWADDR_PRIx "+0x%" PRIx64 " '%s'", e->start, e->size,
                           e->region);
    if (e->slot >= 0) {
        g_string_append_printf(out, " slot %d HVA 0x%" PRIxPTR "%s%s", e->slot, e->hva,
                               e->readonly ? " ro" : "", e->log_dirty ? " log" : "");
    } else {
        g_string_append_printf(out, " offset 0x%" HWADDR_PRIx " %s", e->offset_in_region,
                               e->ram ? (e->readonly ? "rom" : "ram") : "i/o");
    }
    if (e->path[0] && strchr(e->path, '(')) {
        g_string_append_printf(out, " via %s", e->path); /* only when an alias placed it */
    }
    g_string_append_c(out, '\n');
}

void memlog_info(GString *out)
{
    MemLogEntry e;

    if (!log_entries) {
        g_string_append(out, "memlog: not started\n");
        return;
    }
    g_string_append_printf(out, "%u entries", memlog_count());
    if (log_dropped) {
        g_string_append_printf(out, " (%" PRIu64 " older ones dropped)", log_dropped);
    }
    g_string_append(out, "\n  seq          time kind    space  range 'region'\n");
    for (unsigned i = 0; memlog_get(i, &e); i++) {
        entry_str(&e, out);
    }
}
