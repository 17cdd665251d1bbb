/*
 * test-memory-stress.c: the concurrency rule. Reader threads access RAM (and
 * whatever currently overlays it) through an address space inside
 * rcu_read_lock() with no other lock, while the main thread keeps adding,
 * removing, moving, enabling and disabling MMIO regions and aliases. Old flat
 * views must stay valid until readers leave (the sanitizer build catches a
 * use-after-free). Also the RCU primitives on their own.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "qemu/rcu.h"

#define RAM_SIZE    (1 * MiB)
#define STABLE_SIZE (512 * KiB) /* never overlaid: readers' private slots */
#define ALIAS_BASE  (2 * MiB)   /* aliases come and go in [2 MiB, 4 MiB) */
#define ALIAS_SIZE  (64 * KiB)
#define NR_READERS  3
#define NR_MMIO     8
#define NR_ALIAS    4
#define RUN_USEC    (1 * G_USEC_PER_SEC)
#define RAM_FILL    0x5a
#define MMIO_FILL   0xab
#define HOLE_FILL   0xff

static MemoryRegion root, ram;
static AddressSpace as;
static int stop;
static uint64_t mmio_writes;

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    return 0xababababababababULL & (size == 8 ? UINT64_MAX : (1ULL << (8 * size)) - 1);
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)data;
    (void)size;
    __atomic_fetch_add(&mmio_writes, 1, __ATOMIC_RELAXED);
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .valid = {.min_access_size = 1, .max_access_size = 8, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 8, .unaligned = true},
};

typedef struct Reader {
    GThread *thread;
    unsigned id;
    uint64_t iterations;
} Reader;

static void check_overlay_bytes(const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (b[i] != RAM_FILL && b[i] != MMIO_FILL && b[i] != HOLE_FILL) {
            g_error("reader saw 0x%02x", b[i]);
        }
    }
}

static void reader_step(Reader *r, GRand *rng)
{
    hwaddr slot = (hwaddr)r->id * 4096;
    uint64_t v = ((uint64_t)r->id << 56) | r->iterations, back = 0;
    uint8_t buf[8];
    hwaddr addr;

    /* Own slot in stable RAM: what we write we read back, whatever else changes. */
    address_space_write(&as, slot, MEMTXATTRS_UNSPECIFIED, &v, sizeof(v));
    address_space_read(&as, slot, MEMTXATTRS_UNSPECIFIED, &back, sizeof(back));
    g_assert_cmphex(back, ==, v);

    /* The changing part: RAM, an MMIO overlay, an alias of RAM, or a hole. */
    addr = STABLE_SIZE + g_rand_int_range(rng, 0, 4 * MiB - STABLE_SIZE - 8);
    address_space_read(&as, addr, MEMTXATTRS_UNSPECIFIED, buf, 8);
    check_overlay_bytes(buf, 8);
    if ((r->iterations & 63) == 0) {
        FlatView *fv = address_space_get_flatview(&as);
        MemoryRegionSection s;
        hwaddr len = 64, xlat;
        void *p;
        if (flatview_lookup(fv, addr, &s)) {
            g_assert_nonnull(s.mr);
        }
        flatview_unref(fv);
        address_space_translate(&as, addr, &xlat, &len, false, MEMTXATTRS_UNSPECIFIED);
        len = 64;
        p = address_space_map(&as, addr, &len, false, MEMTXATTRS_UNSPECIFIED);
        if (p) {
            check_overlay_bytes(p, (unsigned)len);
            address_space_unmap(&as, p, len, false, len);
        }
    }
}

static gpointer reader_thread(gpointer opaque)
{
    Reader *r = opaque;
    GRand *rng = g_rand_new_with_seed(r->id + 1);

    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        rcu_read_lock();
        reader_step(r, rng);
        rcu_read_unlock();
        r->iterations++;
    }
    g_rand_free(rng);
    return NULL;
}

/*
 * Hot-plugged RAM and a hot-plugged device: created, placed, removed and
 * destroyed over and over; the structs (and the device state the MMIO
 * callbacks read) are freed only after a grace period, as docs/memory.md says.
 */
#define HOT_BASE (1536 * KiB) /* between RAM's end and the aliases */

typedef struct HotDev {
    struct rcu_head rcu; /* first, for call_rcu() */
    MemoryRegion mr;
    uint8_t fill; /* what the device reads as */
} HotDev;

static HotDev *hot_ram, *hot_io;

static uint64_t hot_read(void *opaque, hwaddr addr, unsigned size)
{
    HotDev *d = opaque;
    (void)addr;
    return d->fill * 0x0101010101010101ULL & (size == 8 ? UINT64_MAX : (1ULL << (8 * size)) - 1);
}

static const MemoryRegionOps hot_ops = {
    .read = hot_read,
    .write = mmio_write,
    .valid = {.min_access_size = 1, .max_access_size = 8, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 8, .unaligned = true},
};

static void hot_free(HotDev *d)
{
    d->fill = 0x11; /* a reader that still used it would see this and fail */
    g_free(d);
}

static void hot_unplug(HotDev **slot)
{
    HotDev *d = *slot;

    memory_region_del_subregion(&root, &d->mr);
    memory_region_destroy(&d->mr);
    /* Maybe inside a transaction: the view still shows it until the commit. */
    memory_call_rcu_after_commit(&d->rcu, (void (*)(struct rcu_head *))hot_free);
    *slot = NULL;
}

static void hot_toggle(GRand *rng, bool ram)
{
    HotDev **slot = ram ? &hot_ram : &hot_io;
    HotDev *d;

    if (*slot) {
        hot_unplug(slot);
        return;
    }
    d = g_new0(HotDev, 1);
    if (ram) {
        memory_region_init_ram(&d->mr, "hot-ram", 64 * KiB);
        memset(memory_region_get_ram_ptr(&d->mr), RAM_FILL, 64 * KiB);
    } else {
        d->fill = MMIO_FILL;
        memory_region_init_io(&d->mr, &hot_ops, d, "hot-dev", 16 * KiB);
    }
    memory_region_add_subregion_overlap(&root, HOT_BASE + g_rand_int_range(rng, 0, 8) * 16 * KiB,
                                        &d->mr, ram ? 0 : 1);
    *slot = d;
}

/* One random change to the tree. */
static void mutate(GRand *rng, MemoryRegion *mmio, MemoryRegion *alias)
{
    unsigned k;

    switch (g_rand_int_range(rng, 0, 7)) {
    case 0: /* MMIO over the changing half of RAM, or gone */
        k = g_rand_int_range(rng, 0, NR_MMIO);
        if (mmio[k].container) {
            memory_region_del_subregion(&root, &mmio[k]);
        } else {
            memory_region_add_subregion_overlap(
                &root, STABLE_SIZE + g_rand_int_range(rng, 0, 120) * 4096, &mmio[k], 1);
        }
        break;
    case 1: /* move */
        k = g_rand_int_range(rng, 0, NR_MMIO);
        memory_region_set_address(&mmio[k], STABLE_SIZE + g_rand_int_range(rng, 0, 120) * 4096);
        break;
    case 2: /* alias of the changing half, placed high, or gone */
        k = g_rand_int_range(rng, 0, NR_ALIAS);
        if (alias[k].container) {
            memory_region_del_subregion(&root, &alias[k]);
        } else {
            memory_region_add_subregion_overlap(
                &root, ALIAS_BASE + g_rand_int_range(rng, 0, 24) * ALIAS_SIZE, &alias[k],
                g_rand_int_range(rng, 0, 3));
        }
        break;
    case 3:
        k = g_rand_int_range(rng, 0, NR_ALIAS);
        memory_region_set_alias_offset(&alias[k],
                                       STABLE_SIZE + g_rand_int_range(rng, 0, 7) * ALIAS_SIZE);
        break;
    case 4:
        k = g_rand_int_range(rng, 0, NR_MMIO);
        memory_region_set_enabled(&mmio[k], !mmio[k].enabled);
        break;
    default:
        hot_toggle(rng, g_rand_boolean(rng));
        break;
    }
}

static void test_stress(void)
{
    MemoryRegion mmio[NR_MMIO], alias[NR_ALIAS];
    Reader readers[NR_READERS];
    GRand *rng = g_rand_new_with_seed(42);
    gint64 deadline;
    uint64_t changes = 0, total = 0;

    memory_region_init(&root, "root", UINT64_MAX);
    address_space_init(&as, &root, "stress");
    memory_region_init_ram(&ram, "ram", RAM_SIZE);
    memset(memory_region_get_ram_ptr(&ram), RAM_FILL, RAM_SIZE);
    memory_region_add_subregion(&root, 0, &ram);
    for (unsigned i = 0; i < NR_MMIO; i++) {
        memory_region_init_io(&mmio[i], &mmio_ops, NULL, "mmio", (i + 1) * 4096);
    }
    for (unsigned i = 0; i < NR_ALIAS; i++) {
        memory_region_init_alias(&alias[i], "alias", &ram, STABLE_SIZE, ALIAS_SIZE);
    }

    for (unsigned i = 0; i < NR_READERS; i++) {
        readers[i] = (Reader){.id = i};
        readers[i].thread = g_thread_new("reader", reader_thread, &readers[i]);
    }
    deadline = g_get_monotonic_time() + RUN_USEC;
    while (g_get_monotonic_time() < deadline) {
        if (g_rand_boolean(rng)) {
            mutate(rng, mmio, alias);
        } else {
            /* Several changes, one new view. */
            memory_region_transaction_begin();
            for (int n = g_rand_int_range(rng, 1, 6); n > 0; n--) {
                mutate(rng, mmio, alias);
            }
            memory_region_transaction_commit();
        }
        changes++;
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < NR_READERS; i++) {
        g_thread_join(readers[i].thread);
        total += readers[i].iterations;
    }
    g_test_message("%" PRIu64 " tree changes, %" PRIu64 " reader iterations", changes, total);
    g_assert_cmpuint(changes, >, 0);
    for (unsigned i = 0; i < NR_READERS; i++) {
        g_assert_cmpuint(readers[i].iterations, >, 0);
    }

    if (hot_ram) {
        hot_unplug(&hot_ram);
    }
    if (hot_io) {
        hot_unplug(&hot_io);
    }
    address_space_destroy(&as);
    memory_region_transaction_begin();
    while (root.subregions->len) {
        memory_region_del_subregion(&root, g_ptr_array_index(root.subregions, 0));
    }
    memory_region_transaction_commit();
    for (unsigned i = 0; i < NR_MMIO; i++) {
        memory_region_destroy(&mmio[i]);
    }
    for (unsigned i = 0; i < NR_ALIAS; i++) {
        memory_region_destroy(&alias[i]);
    }
    memory_region_destroy(&ram);
    memory_region_destroy(&root);
    drain_call_rcu();
    g_rand_free(rng);
}

/* --- RCU on its own ---------------------------------------------------------------- */

typedef struct Obj {
    struct rcu_head rcu;
    int *freed;
} Obj;

static void obj_free(Obj *o)
{
    __atomic_store_n(o->freed, 1, __ATOMIC_RELEASE);
    g_free(o);
}

typedef struct Holder {
    GMutex lock;
    GCond cond;
    int state; /* 0 start, 1 inside the section, 2 told to leave, 3 left */
} Holder;

static void holder_set(Holder *h, int state)
{
    g_mutex_lock(&h->lock);
    h->state = state;
    g_cond_broadcast(&h->cond);
    g_mutex_unlock(&h->lock);
}

static void holder_wait(Holder *h, int state)
{
    g_mutex_lock(&h->lock);
    while (h->state < state) {
        g_cond_wait(&h->cond, &h->lock);
    }
    g_mutex_unlock(&h->lock);
}

static gpointer holder_thread(gpointer opaque)
{
    Holder *h = opaque;

    rcu_read_lock();
    rcu_read_lock(); /* nested: only the outermost unlock ends the section */
    holder_set(h, 1);
    holder_wait(h, 2);
    rcu_read_unlock();
    rcu_read_unlock();
    holder_set(h, 3);
    return NULL;
}

static void test_rcu_grace_period(void)
{
    Holder h = {.state = 0};
    Obj *o = g_new0(Obj, 1);
    int freed = 0;
    GThread *t;

    g_mutex_init(&h.lock);
    g_cond_init(&h.cond);
    t = g_thread_new("holder", holder_thread, &h);
    holder_wait(&h, 1);
    o->freed = &freed;
    call_rcu(o, obj_free, rcu);
    /* The reader is still inside: however long we wait, the object stays. */
    g_usleep(20000);
    g_assert_cmpint(__atomic_load_n(&freed, __ATOMIC_ACQUIRE), ==, 0);
    holder_set(&h, 2);
    drain_call_rcu();
    g_assert_cmpint(__atomic_load_n(&freed, __ATOMIC_ACQUIRE), ==, 1);
    g_thread_join(t);
    g_assert_cmpint(h.state, ==, 3);
    /* With no reader, synchronize_rcu returns at once; readers on this thread nest. */
    synchronize_rcu();
    rcu_read_lock();
    rcu_read_lock();
    g_assert_true(rcu_read_locked());
    rcu_read_unlock();
    g_assert_true(rcu_read_locked());
    rcu_read_unlock();
    g_assert_false(rcu_read_locked());
    g_mutex_clear(&h.lock);
    g_cond_clear(&h.cond);
}

/* Many short-lived threads register and unregister while grace periods run. */
static gpointer short_thread(gpointer opaque)
{
    (void)opaque;
    for (int i = 0; i < 100; i++) {
        rcu_read_lock();
        rcu_read_unlock();
    }
    return NULL;
}

static void test_rcu_thread_exit(void)
{
    GThread *t[16];

    for (unsigned i = 0; i < G_N_ELEMENTS(t); i++) {
        t[i] = g_thread_new("short", short_thread, NULL);
        synchronize_rcu();
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(t); i++) {
        g_thread_join(t[i]);
    }
    synchronize_rcu();
}

/* The same with the fallback RCU (plain fences), in a fresh process so no thread used RCU yet. */
static void test_stress_fences(void)
{
    if (g_test_subprocess()) {
        rcu_disable_membarrier();
        test_stress();
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rcu/grace-period", test_rcu_grace_period);
    g_test_add_func("/rcu/thread-exit", test_rcu_thread_exit);
    g_test_add_func("/memory-stress/readers-vs-writer", test_stress);
    g_test_add_func("/memory-stress/readers-vs-writer-fences", test_stress_fences);
    return g_test_run();
}
