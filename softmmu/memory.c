/*
 * memory.c: the memory-region tree, transactions, and the machine's two
 * address spaces.
 *
 * Follows the model of QEMU's memory API (docs/devel/memory.rst there):
 * containers, RAM, ROM, MMIO and alias regions with priorities. A change to
 * the tree marks an update pending; the outermost transaction commit renders
 * every AddressSpace into a new FlatView (softmmu/flatview.c), tells its
 * listeners the difference and swaps the view in. Left out: QOM owners and
 * reference counts on regions (a removed region must outlive a grace period,
 * see docs/memory.md), ioeventfds, IOMMUs, romd mode, coalesced MMIO.
 *
 * Tree changes run under the BQL (one writer at a time); readers on other
 * threads see only whole flat views.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/memory.h"
#include "memory-internal.h"
#include "flatview.h"
#include "trace-events.h"

static unsigned transaction_depth;
static bool update_pending;
static unsigned add_seq_counter;
static GPtrArray *all_address_spaces; /* AddressSpace * */

void memory_abort(const char *fmt, ...)
{
    va_list ap;

    fputs("tern: memory: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* The size as a 65-bit number: UINT64_MAX stands for 2^64. */
static i128 mr_size128(const MemoryRegion *mr)
{
    return mr->size == UINT64_MAX ? (i128)1 << 64 : (i128)mr->size;
}

/* --- regions ---------------------------------------------------------------- */

static void mr_init_common(MemoryRegion *mr, const char *name, uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = g_strdup(name ? name : "anonymous");
    mr->size = size;
    mr->enabled = true;
    mr->subregions = g_ptr_array_new();
}

void memory_region_init(MemoryRegion *mr, const char *name, uint64_t size)
{
    mr_init_common(mr, name, size);
}

static void mr_init_ram_common(MemoryRegion *mr, const char *name, uint64_t size, bool rom)
{
    GError *err = NULL;

    if (size == 0) {
        memory_abort("RAM region '%s' has size 0", name ? name : "anonymous");
    }
    mr_init_common(mr, name, size);
    mr->ram = true;
    mr->terminates = true;
    mr->readonly = rom;
    mr->ram_block = ram_block_alloc(mr, size, &err);
    if (!mr->ram_block) {
        memory_abort("%s", err->message);
    }
}

void memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    mr_init_ram_common(mr, name, size, false);
}

bool memory_region_try_init_ram(MemoryRegion *mr, const char *name, uint64_t size, GError **errp)
{
    RAMBlock *rb;

    if (size == 0) {
        g_set_error(errp, TERN_ERROR, 0, "RAM region '%s' has size 0", name);
        return false;
    }
    memory_region_init(mr, name, size);
    rb = ram_block_alloc(mr, size, errp);
    if (!rb) {
        g_free(mr->name);
        g_ptr_array_free(mr->subregions, true);
        memset(mr, 0, sizeof(*mr));
        return false;
    }
    mr->ram = true;
    mr->terminates = true;
    mr->ram_block = rb;
    return true;
}

void memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size)
{
    mr_init_ram_common(mr, name, size, true);
}

void memory_region_init_io(MemoryRegion *mr, const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size)
{
    mr_init_common(mr, name, size);
    mr->ops = ops;
    mr->opaque = opaque;
    mr->terminates = true;
}

static void check_alias_window(MemoryRegion *mr, MemoryRegion *orig, hwaddr offset)
{
    i128 end = (i128)offset + mr_size128(mr);

    if (end > mr_size128(orig)) {
        memory_abort("alias '%s' [0x%" PRIx64 " + 0x%" PRIx64 "] goes past the end of '%s' "
                     "(size 0x%" PRIx64 ")",
                     mr->name, offset, mr->size, orig->name, orig->size);
    }
}

void memory_region_init_alias(MemoryRegion *mr, const char *name, MemoryRegion *orig, hwaddr offset,
                              uint64_t size)
{
    if (!orig) {
        memory_abort("alias '%s' has no target", name ? name : "anonymous");
    }
    mr_init_common(mr, name, size);
    mr->alias = orig;
    mr->alias_offset = offset;
    check_alias_window(mr, orig, offset);
    orig->alias_users++;
}

typedef struct DeferredName {
    struct rcu_head rcu; /* first, for call_rcu() */
    char *name;
} DeferredName;

static void deferred_name_free(DeferredName *d)
{
    g_free(d->name);
    g_free(d);
}

static void check_destroyable(MemoryRegion *mr)
{
    if (!mr->subregions) {
        memory_abort("destroying region %p, which was never initialised or is already destroyed",
                     (void *)mr);
    }
    if (mr->container) {
        memory_abort("cannot destroy '%s': still inside '%s'", mr->name, mr->container->name);
    }
    if (mr->alias_users) {
        memory_abort("cannot destroy '%s': %u alias(es) of it still exist", mr->name,
                     mr->alias_users);
    }
    for (guint i = 0; all_address_spaces && i < all_address_spaces->len; i++) {
        AddressSpace *as = g_ptr_array_index(all_address_spaces, i);
        if (as->root == mr) {
            memory_abort("cannot destroy '%s': it is the root of address space '%s'", mr->name,
                         as->name);
        }
    }
}

/*
 * Readers still in an old flat view may dispatch to mr until a grace period
 * ends, so ops, opaque and size stay; the name and the RAM go after the grace
 * period. name becomes NULL at once: "destroyed" to the caller.
 */
void memory_region_destroy(MemoryRegion *mr)
{
    DeferredName *d = g_new0(DeferredName, 1);

    check_destroyable(mr);
    for (guint i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
        sub->container = NULL;
    }
    g_ptr_array_free(mr->subregions, true);
    mr->subregions = NULL;
    if (mr->alias) {
        mr->alias->alias_users--;
        mr->alias = NULL;
    }
    if (mr->ram_block) {
        ram_block_free(mr->ram_block);
        mr->ram_block = NULL;
    }
    d->name = mr->name;
    mr->name = NULL;
    memory_call_rcu_after_commit(&d->rcu, (void (*)(struct rcu_head *))deferred_name_free);
}

static void memory_region_update(void)
{
    update_pending = true;
    if (transaction_depth == 0) {
        memory_region_transaction_begin();
        memory_region_transaction_commit();
    }
}

static void check_fits(MemoryRegion *mr, hwaddr offset, MemoryRegion *sub)
{
    if ((i128)offset + mr_size128(sub) > mr_size128(mr)) {
        memory_abort("subregion '%s' [0x%" PRIx64 ", size 0x%" PRIx64 "] is outside its "
                     "container '%s' (size 0x%" PRIx64 ")",
                     sub->name, offset, sub->size, mr->name, mr->size);
    }
}

/* Highest priority first; the newest first among equals, so it wins. */
static void insert_subregion(MemoryRegion *mr, MemoryRegion *sub)
{
    guint i;

    sub->add_seq = ++add_seq_counter;
    for (i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *other = g_ptr_array_index(mr->subregions, i);
        if (other->priority <= sub->priority) {
            break;
        }
    }
    g_ptr_array_insert(mr->subregions, i, sub);
}

void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset, MemoryRegion *sub,
                                         int priority)
{
    if (sub->container) {
        memory_abort("cannot add '%s' to '%s': it is already inside '%s'", sub->name, mr->name,
                     sub->container->name);
    }
    for (MemoryRegion *up = mr; up; up = up->container) {
        if (up == sub) {
            memory_abort("cannot add '%s' to '%s': it would contain itself", sub->name, mr->name);
        }
    }
    check_fits(mr, offset, sub);
    sub->container = mr;
    sub->addr = offset;
    sub->priority = priority;
    insert_subregion(mr, sub);
    memory_region_update();
}

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset, MemoryRegion *sub)
{
    memory_region_add_subregion_overlap(mr, offset, sub, 0);
}

void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *sub)
{
    if (sub->container != mr) {
        memory_abort("cannot remove '%s' from '%s': it is not inside it", sub->name, mr->name);
    }
    g_ptr_array_remove(mr->subregions, sub);
    sub->container = NULL;
    memory_region_update();
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled == enabled) {
        return;
    }
    mr->enabled = enabled;
    memory_region_update();
}

void memory_region_set_address(MemoryRegion *mr, hwaddr addr)
{
    if (mr->addr == addr) {
        return;
    }
    if (mr->container) {
        check_fits(mr->container, addr, mr);
    }
    mr->addr = addr;
    if (mr->container) {
        /* Moved counts as added again, as in QEMU: it now wins ties at its priority. */
        g_ptr_array_remove(mr->container->subregions, mr);
        insert_subregion(mr->container, mr);
        memory_region_update();
    }
}

void memory_region_set_alias_offset(MemoryRegion *mr, hwaddr offset)
{
    if (!mr->alias) {
        memory_abort("'%s' is not an alias", mr->name);
    }
    if (mr->alias_offset == offset) {
        return;
    }
    check_alias_window(mr, mr->alias, offset);
    mr->alias_offset = offset;
    memory_region_update();
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->readonly == readonly) {
        return;
    }
    mr->readonly = readonly;
    memory_region_update();
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    hwaddr offset = 0;

    while (mr->alias) {
        offset += mr->alias_offset;
        mr = mr->alias;
    }
    if (!mr->ram_block) {
        memory_abort("'%s' has no host memory (it is not RAM or ROM)", mr->name);
    }
    return mr->ram_block->host + offset;
}

uint64_t memory_region_size(MemoryRegion *mr)
{
    return mr->size;
}

const char *memory_region_name(const MemoryRegion *mr)
{
    return mr->name;
}

bool memory_region_is_ram(MemoryRegion *mr)
{
    return mr->ram;
}

bool memory_region_is_rom(MemoryRegion *mr)
{
    return mr->ram && mr->readonly;
}

/* --- transactions and listeners ------------------------------------------------ */

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

static MemoryRegionSection section_of(FlatView *fv, const FlatRange *fr)
{
    hwaddr size = fr->last - fr->start + 1;

    return (MemoryRegionSection){
        .mr = fr->mr,
        .as = fv->as,
        .offset_within_region = fr->offset_in_region,
        .offset_within_address_space = fr->start,
        /* XXX: a section covering all 2^64 bytes cannot say so in 64 bits; it says 2^64-1. */
        .size = size ? size : UINT64_MAX,
        .readonly = fr->readonly,
    };
}

MemoryRegionSection flatview_section(FlatView *fv, unsigned i)
{
    g_assert(i < fv->nr);
    return section_of(fv, &fv->ranges[i]);
}

/* Same place, same backing: a listener has nothing to do. */
static bool flatrange_equal(const FlatRange *a, const FlatRange *b)
{
    return a->mr == b->mr && a->start == b->start && a->last == b->last &&
           a->offset_in_region == b->offset_in_region && a->readonly == b->readonly;
}

typedef enum {
    CALL_BEGIN,
    CALL_COMMIT,
    CALL_ADD,
    CALL_DEL,
    CALL_LOG_START,
    CALL_LOG_STOP,
    CALL_LOG_SYNC,
} ListenerCall;

/* One callback on every listener of as: ascending priority, descending for removals. */
static void listeners_call(AddressSpace *as, ListenerCall what, MemoryRegionSection *s,
                           int old_mask, int new_mask)
{
    GPtrArray *ls = as->listeners;
    bool reverse = what == CALL_DEL || what == CALL_LOG_STOP;

    for (guint k = 0; k < ls->len; k++) {
        MemoryListener *l = g_ptr_array_index(ls, reverse ? ls->len - 1 - k : k);

        if (what == CALL_BEGIN && l->begin) {
            l->begin(l);
        } else if (what == CALL_COMMIT && l->commit) {
            l->commit(l);
        } else if (what == CALL_ADD && l->region_add) {
            l->region_add(l, s);
        } else if (what == CALL_DEL && l->region_del) {
            l->region_del(l, s);
        } else if (what == CALL_LOG_START && l->log_start) {
            l->log_start(l, s, old_mask, new_mask);
        } else if (what == CALL_LOG_STOP && l->log_stop) {
            l->log_stop(l, s, old_mask, new_mask);
        } else if (what == CALL_LOG_SYNC && l->log_sync) {
            l->log_sync(l, s);
        }
    }
}

static void notify_log_change(AddressSpace *as, FlatView *fv, const FlatRange *o,
                              const FlatRange *n)
{
    MemoryRegionSection s = section_of(fv, n);
    int old_mask = o->dirty_log_mask, new_mask = n->dirty_log_mask;

    if (new_mask & ~old_mask) {
        listeners_call(as, CALL_LOG_START, &s, old_mask, new_mask);
    }
    if (old_mask & ~new_mask) {
        listeners_call(as, CALL_LOG_STOP, &s, old_mask, new_mask);
    }
}

/*
 * Walks both sorted views together. Pass 1 (adding false) reports ranges that
 * went or changed; pass 2 reports the new ones and dirty-log changes.
 * Returns whether anything differed.
 */
static bool update_topology_pass(AddressSpace *as, FlatView *old, FlatView *new, bool adding)
{
    unsigned i = 0, j = 0;
    bool changed = false;

    while (i < old->nr || j < new->nr) {
        const FlatRange *o = i < old->nr ? &old->ranges[i] : NULL;
        const FlatRange *n = j < new->nr ? &new->ranges[j] : NULL;

        if (o && (!n || o->start < n->start || (o->start == n->start && !flatrange_equal(o, n)))) {
            if (!adding) {
                MemoryRegionSection s = section_of(old, o);
                listeners_call(as, CALL_DEL, &s, 0, 0);
            }
            changed = true;
            i++;
        } else if (o && n && flatrange_equal(o, n)) {
            if (o->dirty_log_mask != n->dirty_log_mask) {
                if (adding) {
                    notify_log_change(as, new, o, n);
                }
                changed = true;
            }
            i++;
            j++;
        } else {
            if (adding) {
                MemoryRegionSection s = section_of(new, n);
                listeners_call(as, CALL_ADD, &s, 0, 0);
            }
            changed = true;
            j++;
        }
    }
    return changed;
}

static bool views_differ(FlatView *old, FlatView *new)
{
    if (old->nr != new->nr) {
        return true;
    }
    for (unsigned i = 0; i < old->nr; i++) {
        if (!flatrange_equal(&old->ranges[i], &new->ranges[i]) ||
            old->ranges[i].dirty_log_mask != new->ranges[i].dirty_log_mask) {
            return true;
        }
    }
    return false;
}

static void address_space_update_topology(AddressSpace *as)
{
    FlatView *old = as->current_map;
    FlatView *new = flatview_render(as);

    if (!views_differ(old, new)) {
        flatview_unref(new);
        return;
    }
    trace_address_space_update_topology(as->name, new->nr);
    listeners_call(as, CALL_BEGIN, NULL, 0, 0);
    update_topology_pass(as, old, new, false);
    update_topology_pass(as, old, new, true);
    /* Readers pick up the new view; the old one goes after a grace period. */
    qatomic_rcu_set(&as->current_map, new);
    flatview_unref(old);
    /* After the swap, so that a listener refilling a cache (the TLB) in commit sees the new view.
     */
    listeners_call(as, CALL_COMMIT, NULL, 0, 0);
}

/* Deferred frees waiting for the outermost commit (see memory_call_rcu_after_commit()). */
typedef struct AfterCommit {
    struct rcu_head *head;
    void (*func)(struct rcu_head *head);
} AfterCommit;

static GArray *after_commit; /* AfterCommit */

void memory_call_rcu_after_commit(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
    AfterCommit ac = {head, func};

    if (transaction_depth == 0) {
        call_rcu1(head, func);
        return;
    }
    if (!after_commit) {
        after_commit = g_array_new(false, false, sizeof(AfterCommit));
    }
    g_array_append_val(after_commit, ac);
}

/* The views no longer show what was removed: its grace period may start. */
static void flush_after_commit(void)
{
    for (guint i = 0; after_commit && i < after_commit->len; i++) {
        AfterCommit *ac = &g_array_index(after_commit, AfterCommit, i);
        call_rcu1(ac->head, ac->func);
    }
    if (after_commit) {
        g_array_set_size(after_commit, 0);
    }
}

void memory_region_transaction_commit(void)
{
    if (transaction_depth == 0) {
        memory_abort("memory_region_transaction_commit() without a begin");
    }
    if (--transaction_depth > 0) {
        return;
    }
    if (update_pending) {
        update_pending = false;
        /* A listener may change the tree; that lands in a later commit. */
        transaction_depth++;
        for (guint i = 0; all_address_spaces && i < all_address_spaces->len; i++) {
            address_space_update_topology(g_ptr_array_index(all_address_spaces, i));
        }
        transaction_depth--;
        if (update_pending) {
            memory_region_transaction_begin();
            memory_region_transaction_commit();
            return;
        }
    }
    flush_after_commit();
}

static int listener_cmp(gconstpointer a, gconstpointer b)
{
    const MemoryListener *la = *(MemoryListener *const *)a;
    const MemoryListener *lb = *(MemoryListener *const *)b;

    return (la->priority > lb->priority) - (la->priority < lb->priority);
}

void memory_listener_register(MemoryListener *l, AddressSpace *as)
{
    FlatView *fv = as->current_map;

    if (l->address_space) {
        memory_abort("listener '%s' is already registered", l->name ? l->name : "?");
    }
    l->address_space = as;
    g_ptr_array_add(as->listeners, l);
    /* Stable: equal priorities keep registration order. */
    g_ptr_array_sort(as->listeners, listener_cmp);

    if (l->begin) {
        l->begin(l);
    }
    for (unsigned i = 0; i < fv->nr; i++) {
        MemoryRegionSection s = section_of(fv, &fv->ranges[i]);
        if (l->region_add) {
            l->region_add(l, &s);
        }
        if (fv->ranges[i].dirty_log_mask && l->log_start) {
            l->log_start(l, &s, 0, fv->ranges[i].dirty_log_mask);
        }
    }
    if (l->commit) {
        l->commit(l);
    }
}

void memory_listener_unregister(MemoryListener *l)
{
    AddressSpace *as = l->address_space;
    FlatView *fv;

    if (!as) {
        return;
    }
    fv = as->current_map;
    if (l->begin) {
        l->begin(l);
    }
    for (unsigned i = fv->nr; i-- > 0;) {
        MemoryRegionSection s = section_of(fv, &fv->ranges[i]);
        if (l->region_del) {
            l->region_del(l, &s);
        }
    }
    if (l->commit) {
        l->commit(l);
    }
    g_ptr_array_remove(as->listeners, l);
    l->address_space = NULL;
}

/* --- dirty logging ------------------------------------------------------------ */

void memory_region_set_log(MemoryRegion *mr, bool log, unsigned client)
{
    uint8_t mask = mr->dirty_log_mask;

    g_assert(client < DIRTY_MEMORY_NUM);
    if (log) {
        mask |= 1u << client;
    } else {
        mask &= ~(1u << client);
    }
    if (mask == mr->dirty_log_mask) {
        return;
    }
    mr->dirty_log_mask = mask;
    memory_region_update();
}

void memory_region_sync_dirty_bitmap(MemoryRegion *mr)
{
    for (guint a = 0; all_address_spaces && a < all_address_spaces->len; a++) {
        AddressSpace *as = g_ptr_array_index(all_address_spaces, a);
        FlatView *fv = as->current_map;

        for (unsigned i = 0; i < fv->nr; i++) {
            MemoryRegionSection s;
            if (mr && fv->ranges[i].mr != mr) {
                continue;
            }
            s = section_of(fv, &fv->ranges[i]);
            listeners_call(as, CALL_LOG_SYNC, &s, 0, 0);
        }
    }
}

/* --- address spaces ------------------------------------------------------------- */

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    memset(as, 0, sizeof(*as));
    as->name = g_strdup(name ? name : "anonymous");
    as->root = root;
    as->listeners = g_ptr_array_new();
    as->current_map = flatview_render(as);
    if (!all_address_spaces) {
        all_address_spaces = g_ptr_array_new();
    }
    g_ptr_array_add(all_address_spaces, as);
}

void address_space_destroy(AddressSpace *as)
{
    while (as->listeners->len) {
        memory_listener_unregister(g_ptr_array_index(as->listeners, 0));
    }
    g_ptr_array_remove(all_address_spaces, as);
    g_ptr_array_free(as->listeners, true);
    flatview_unref(as->current_map);
    as->current_map = NULL;
    g_free(as->name);
    as->name = NULL;
}

GPtrArray *address_spaces_list(void)
{
    if (!all_address_spaces) {
        all_address_spaces = g_ptr_array_new();
    }
    return all_address_spaces;
}

FlatView *address_space_get_flatview(AddressSpace *as)
{
    FlatView *fv;

    rcu_read_lock();
    do {
        fv = address_space_to_flatview(as);
    } while (!flatview_tryref(fv));
    rcu_read_unlock();
    return fv;
}

/* --- the machine's two spaces ------------------------------------------------- */

#define IO_SPACE_SIZE (64 * KiB)

static MemoryRegion system_memory, system_io;
static AddressSpace as_memory, as_io;
static bool memory_initialized;

void memory_init(uint64_t system_size)
{
    if (memory_initialized) {
        memory_abort("memory_init() called twice");
    }
    memory_initialized = true;
    memory_region_init(&system_memory, "system", system_size);
    memory_region_init(&system_io, "io", IO_SPACE_SIZE);
    address_space_init(&as_memory, &system_memory, "memory");
    address_space_init(&as_io, &system_io, "I/O");
}

static void check_initialized(void)
{
    if (!memory_initialized) {
        memory_abort("the system address spaces are used before memory_init()");
    }
}

MemoryRegion *get_system_memory(void)
{
    check_initialized();
    return &system_memory;
}

MemoryRegion *get_system_io(void)
{
    check_initialized();
    return &system_io;
}

AddressSpace *address_space_memory(void)
{
    check_initialized();
    return &as_memory;
}

AddressSpace *address_space_io(void)
{
    check_initialized();
    return &as_io;
}
