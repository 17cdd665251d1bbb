/*
 * test-memory-listener.c: what listeners are told: exact region_add/region_del
 * diffs between flat views, one begin/commit per outermost transaction,
 * replay on registration, priorities, dirty-log start/stop and sync.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "qemu/rcu.h"

typedef struct Recorder {
    MemoryListener l;
    GString *log;
    const char *tag;
} Recorder;

static void rec(MemoryListener *l, const char *what, MemoryRegionSection *s)
{
    Recorder *r = container_of(l, Recorder, l);

    if (r->log->len) {
        g_string_append_c(r->log, ' ');
    }
    if (r->tag) {
        g_string_append_printf(r->log, "%s:", r->tag);
    }
    g_string_append(r->log, what);
    if (s) {
        g_string_append_printf(
            r->log, "(%" PRIx64 "-%" PRIx64 " %s@%" PRIx64 "%s)", s->offset_within_address_space,
            s->offset_within_address_space + s->size - 1, memory_region_name(s->mr),
            s->offset_within_region, s->readonly ? " ro" : "");
    }
}

static void rec_begin(MemoryListener *l)
{
    rec(l, "begin", NULL);
}

static void rec_commit(MemoryListener *l)
{
    rec(l, "commit", NULL);
}

static void rec_add(MemoryListener *l, MemoryRegionSection *s)
{
    rec(l, "add", s);
}

static void rec_del(MemoryListener *l, MemoryRegionSection *s)
{
    rec(l, "del", s);
}

static void rec_log_start(MemoryListener *l, MemoryRegionSection *s, int old, int new)
{
    g_autofree char *w = g_strdup_printf("log_start[%d->%d]", old, new);
    rec(l, w, s);
}

static void rec_log_stop(MemoryListener *l, MemoryRegionSection *s, int old, int new)
{
    g_autofree char *w = g_strdup_printf("log_stop[%d->%d]", old, new);
    rec(l, w, s);
}

static void rec_log_sync(MemoryListener *l, MemoryRegionSection *s)
{
    rec(l, "sync", s);
}

static void recorder_init(Recorder *r, GString *log, const char *tag, int priority)
{
    *r = (Recorder){
        .l =
            {
                .begin = rec_begin,
                .commit = rec_commit,
                .region_add = rec_add,
                .region_del = rec_del,
                .log_start = rec_log_start,
                .log_stop = rec_log_stop,
                .log_sync = rec_log_sync,
                .priority = priority,
                .name = tag ? tag : "rec",
            },
        .log = log,
        .tag = tag,
    };
}

typedef struct Fixture {
    MemoryRegion root, a, b, c;
    AddressSpace as;
    Recorder r;
    GString *log;
} Fixture;

static void fx_setup(Fixture *f, gconstpointer data)
{
    (void)data;
    memory_region_init(&f->root, "root", UINT64_MAX);
    address_space_init(&f->as, &f->root, "test");
    memory_region_init_ram(&f->a, "a", 0x4000);
    memory_region_init_ram(&f->b, "b", 0x1000);
    memory_region_init_rom(&f->c, "c", 0x1000);
    f->log = g_string_new("");
    recorder_init(&f->r, f->log, NULL, 0);
}

static void fx_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    memory_listener_unregister(&f->r.l);
    address_space_destroy(&f->as);
    memory_region_transaction_begin();
    while (f->root.subregions->len) {
        memory_region_del_subregion(&f->root, g_ptr_array_index(f->root.subregions, 0));
    }
    memory_region_transaction_commit();
    memory_region_destroy(&f->a);
    memory_region_destroy(&f->b);
    memory_region_destroy(&f->c);
    memory_region_destroy(&f->root);
    g_string_free(f->log, true);
}

#define assert_log(f, expected)                                                                    \
    do {                                                                                           \
        g_assert_cmpstr((f)->log->str, ==, expected);                                              \
        g_string_truncate((f)->log, 0);                                                            \
    } while (0)

static void test_replay(Fixture *f, gconstpointer d)
{
    (void)d;
    memory_region_add_subregion(&f->root, 0x10000, &f->a);
    memory_region_add_subregion(&f->root, 0x20000, &f->c);
    memory_listener_register(&f->r.l, &f->as);
    assert_log(f, "begin add(10000-13fff a@0) add(20000-20fff c@0 ro) commit");
    memory_listener_unregister(&f->r.l);
    assert_log(f, "begin del(20000-20fff c@0 ro) del(10000-13fff a@0) commit");
    /* Unregistered: hears nothing more; unregistering twice is harmless. */
    memory_region_del_subregion(&f->root, &f->c);
    memory_listener_unregister(&f->r.l);
    assert_log(f, "");
}

static void test_add_del(Fixture *f, gconstpointer d)
{
    (void)d;
    memory_listener_register(&f->r.l, &f->as);
    assert_log(f, "begin commit");
    memory_region_add_subregion(&f->root, 0x10000, &f->a);
    assert_log(f, "begin add(10000-13fff a@0) commit");
    /* An unrelated region: a is not reported again. */
    memory_region_add_subregion(&f->root, 0x30000, &f->b);
    assert_log(f, "begin add(30000-30fff b@0) commit");
    /* Punching a hole: the old range goes, three come. */
    memory_region_add_subregion_overlap(&f->root, 0x11000, &f->c, 1);
    assert_log(f, "begin del(10000-13fff a@0) add(10000-10fff a@0) add(11000-11fff c@0 ro) "
                  "add(12000-13fff a@2000) commit");
    memory_region_del_subregion(&f->root, &f->c);
    assert_log(f, "begin del(10000-10fff a@0) del(11000-11fff c@0 ro) del(12000-13fff a@2000) "
                  "add(10000-13fff a@0) commit");
    /* A move: del at the old place, add at the new one. */
    memory_region_set_address(&f->b, 0x40000);
    assert_log(f, "begin del(30000-30fff b@0) add(40000-40fff b@0) commit");
    memory_region_set_enabled(&f->b, false);
    assert_log(f, "begin del(40000-40fff b@0) commit");
    memory_region_set_enabled(&f->b, true);
    assert_log(f, "begin add(40000-40fff b@0) commit");
    memory_region_set_readonly(&f->b, true);
    assert_log(f, "begin del(40000-40fff b@0) add(40000-40fff b@0 ro) commit");
}

static void test_no_change(Fixture *f, gconstpointer d)
{
    (void)d;
    memory_region_add_subregion(&f->root, 0x10000, &f->a);
    memory_listener_register(&f->r.l, &f->as);
    g_string_truncate(f->log, 0);
    /* Nothing visible changes: listeners are not called at all. */
    memory_region_set_enabled(&f->a, true);
    memory_region_transaction_begin();
    memory_region_transaction_commit();
    memory_region_add_subregion_overlap(&f->root, 0x10000, &f->b, -1); /* fully hidden */
    memory_region_set_address(&f->a, 0x10000);
    assert_log(f, "");
    /* Removing and re-adding in one transaction is no change either. */
    memory_region_transaction_begin();
    memory_region_del_subregion(&f->root, &f->a);
    memory_region_add_subregion(&f->root, 0x10000, &f->a);
    memory_region_transaction_commit();
    assert_log(f, "");
}

static void test_nested_transaction(Fixture *f, gconstpointer d)
{
    (void)d;
    memory_listener_register(&f->r.l, &f->as);
    g_string_truncate(f->log, 0);
    memory_region_transaction_begin();
    memory_region_add_subregion(&f->root, 0x10000, &f->a);
    memory_region_transaction_begin();
    memory_region_add_subregion(&f->root, 0x0, &f->b);
    memory_region_add_subregion(&f->root, 0x50000, &f->c);
    memory_region_transaction_commit();
    /* The inner commit renders nothing. */
    assert_log(f, "");
    memory_region_set_address(&f->c, 0x60000);
    memory_region_transaction_commit();
    assert_log(f, "begin add(0-fff b@0) add(10000-13fff a@0) add(60000-60fff c@0 ro) commit");
}

static void test_priorities(Fixture *f, gconstpointer d)
{
    Recorder lo, hi;
    (void)d;

    memory_region_add_subregion(&f->root, 0x10000, &f->a);
    /* Both write to the same log, so the order between listeners shows. */
    recorder_init(&hi, f->log, "hi", 10);
    recorder_init(&lo, f->log, "lo", 0);
    memory_listener_register(&hi.l, &f->as);
    memory_listener_register(&lo.l, &f->as);
    g_string_truncate(f->log, 0);
    memory_region_set_address(&f->a, 0x20000);
    /* begin, add and commit low priority first; del in reverse. */
    assert_log(f, "lo:begin hi:begin hi:del(10000-13fff a@0) lo:del(10000-13fff a@0) "
                  "lo:add(20000-23fff a@0) hi:add(20000-23fff a@0) lo:commit hi:commit");
    memory_listener_unregister(&hi.l);
    memory_listener_unregister(&lo.l);
}

static void test_other_space(Fixture *f, gconstpointer d)
{
    MemoryRegion root2;
    AddressSpace as2;
    (void)d;

    memory_region_init(&root2, "root2", 0x100000);
    address_space_init(&as2, &root2, "other");
    memory_listener_register(&f->r.l, &f->as);
    g_string_truncate(f->log, 0);
    memory_region_add_subregion(&root2, 0x1000, &f->b);
    assert_log(f, "");
    memory_region_del_subregion(&root2, &f->b);
    address_space_destroy(&as2);
    memory_region_destroy(&root2);
}

static void test_destroy_space(Fixture *f, gconstpointer d)
{
    MemoryRegion root2;
    AddressSpace as2;
    Recorder r2;
    (void)d;

    memory_region_init(&root2, "root2", 0x100000);
    address_space_init(&as2, &root2, "doomed");
    memory_region_add_subregion(&root2, 0x1000, &f->b);
    recorder_init(&r2, f->log, NULL, 0);
    memory_listener_register(&r2.l, &as2);
    assert_log(f, "begin add(1000-1fff b@0) commit");
    /* Destroying the space unregisters its listeners, which see everything go. */
    address_space_destroy(&as2);
    assert_log(f, "begin del(1000-1fff b@0) commit");
    g_assert_null(r2.l.address_space);
    memory_region_del_subregion(&root2, &f->b);
    assert_log(f, "");
    memory_region_destroy(&root2);
}

/* In commit, the address space already reads through the new view (a TLB refills from it). */
static MemoryRegion *commit_saw;

static void commit_lookup(MemoryListener *l)
{
    hwaddr xlat, len = 1;

    commit_saw = address_space_translate(l->address_space, 0x30000, &xlat, &len, false,
                                         MEMTXATTRS_UNSPECIFIED);
}

static void test_commit_sees_new_view(Fixture *f, gconstpointer d)
{
    MemoryListener l = {.commit = commit_lookup, .name = "commit-lookup"};
    (void)d;

    memory_listener_register(&l, &f->as);
    g_assert_null(commit_saw);
    memory_region_add_subregion(&f->root, 0x30000, &f->b);
    g_assert_true(commit_saw == &f->b);
    memory_region_del_subregion(&f->root, &f->b);
    g_assert_null(commit_saw);
    memory_listener_unregister(&l);
}

static void test_dirty_log(Fixture *f, gconstpointer d)
{
    (void)d;
    memory_region_add_subregion(&f->root, 0x10000, &f->a);
    memory_region_add_subregion(&f->root, 0x20000, &f->b);
    memory_listener_register(&f->r.l, &f->as);
    g_string_truncate(f->log, 0);

    memory_region_set_log(&f->a, true, DIRTY_MEMORY_VGA);
    assert_log(f, "begin log_start[0->1](10000-13fff a@0) commit");
    /* Same client again: nothing. */
    memory_region_set_log(&f->a, true, DIRTY_MEMORY_VGA);
    assert_log(f, "");
    memory_region_set_log(&f->a, true, DIRTY_MEMORY_MIGRATION);
    assert_log(f, "begin log_start[1->5](10000-13fff a@0) commit");
    memory_region_set_log(&f->a, false, DIRTY_MEMORY_VGA);
    assert_log(f, "begin log_stop[5->4](10000-13fff a@0) commit");

    /* A new listener hears about logging already on. */
    {
        Recorder late;
        GString *log2 = g_string_new("");
        recorder_init(&late, log2, NULL, 0);
        memory_listener_register(&late.l, &f->as);
        g_assert_cmpstr(log2->str, ==,
                        "begin add(10000-13fff a@0) log_start[0->4](10000-13fff a@0) "
                        "add(20000-20fff b@0) commit");
        memory_listener_unregister(&late.l);
        g_string_free(log2, true);
    }

    memory_region_sync_dirty_bitmap(&f->a);
    assert_log(f, "sync(10000-13fff a@0)");
    memory_region_sync_dirty_bitmap(NULL);
    assert_log(f, "sync(10000-13fff a@0) sync(20000-20fff b@0)");
    memory_region_set_log(&f->a, false, DIRTY_MEMORY_MIGRATION);
    assert_log(f, "begin log_stop[4->0](10000-13fff a@0) commit");
}

#define ADD(path, fn) g_test_add("/memory-listener/" path, Fixture, NULL, fx_setup, fn, fx_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("replay", test_replay);
    ADD("add-del", test_add_del);
    ADD("no-change", test_no_change);
    ADD("nested-transaction", test_nested_transaction);
    ADD("priorities", test_priorities);
    ADD("other-space", test_other_space);
    ADD("dirty-log", test_dirty_log);
    ADD("destroy-space", test_destroy_space);
    ADD("commit-sees-new-view", test_commit_sees_new_view);
    return g_test_run();
}
