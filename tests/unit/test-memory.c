/*
 * test-memory.c: the region tree and its flat views: priorities, aliases,
 * containers, enable/disable, moves, clipping, the top of the address space,
 * unassigned accesses, ROM, lookups, info mtree, and the abort messages.
 * MMIO dispatch is in test-memory-mmio.c.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/memory.h"
#include "qemu/rcu.h"

#include "memory-test.h"

/* --- tree and flat view ---------------------------------------------------------- */

static void test_ram_basic(Fixture *f, gconstpointer d)
{
    MemoryRegion ram;
    uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[8];
    (void)d;

    memory_region_init_ram(&ram, "ram", 0x2000);
    memory_region_add_subregion(&f->root, 0x1000, &ram);
    assert_view(&f->as, "1000-2fff ram@0");
    g_assert_true(memory_region_is_ram(&ram));
    g_assert_cmpuint(memory_region_size(&ram), ==, 0x2000);

    g_assert_cmpint(address_space_write(&f->as, 0x1ffc, MEMTXATTRS_UNSPECIFIED, buf, 8), ==,
                    MEMTX_OK);
    g_assert_cmpint(address_space_read(&f->as, 0x1ffc, MEMTXATTRS_UNSPECIFIED, out, 8), ==,
                    MEMTX_OK);
    g_assert_cmpmem(buf, 8, out, 8);
    g_assert_cmpmem((uint8_t *)memory_region_get_ram_ptr(&ram) + 0xffc, 8, buf, 8);

    memory_region_del_subregion(&f->root, &ram);
    assert_view(&f->as, "");
    memory_region_destroy(&ram);
}

static void test_unassigned(Fixture *f, gconstpointer d)
{
    MemoryRegion ram;
    uint8_t out[16];
    (void)d;

    memory_region_init_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&f->root, 0x1000, &ram);
    memset(memory_region_get_ram_ptr(&ram), 0x5a, 0x1000);

    /* Half hole, half RAM: the hole reads all ones, is counted, the RAM half is read. */
    g_assert_cmpuint(f->as.unassigned_accesses, ==, 0);
    g_assert_cmpint(address_space_read(&f->as, 0xff8, MEMTXATTRS_UNSPECIFIED, out, 16), ==,
                    MEMTX_DECODE_ERROR);
    for (int i = 0; i < 8; i++) {
        g_assert_cmphex(out[i], ==, 0xff);
        g_assert_cmphex(out[8 + i], ==, 0x5a);
    }
    g_assert_cmpuint(f->as.unassigned_accesses, ==, 1);
    /* Writes to a hole are dropped and counted. */
    g_assert_cmpint(address_space_write(&f->as, 0x9000, MEMTXATTRS_UNSPECIFIED, out, 4), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpuint(f->as.unassigned_accesses, ==, 2);
    g_assert_cmphex(address_space_ldl_le(&f->as, 0x100000, MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    0xffffffff);
    {
        MemTxResult res = MEMTX_OK;
        g_assert_cmphex(address_space_ldq_le(&f->as, 0x200000, MEMTXATTRS_UNSPECIFIED, &res), ==,
                        UINT64_MAX);
        g_assert_cmpint(res, ==, MEMTX_DECODE_ERROR);
        address_space_stw_le(&f->as, 0x1000, 0x1234, MEMTXATTRS_UNSPECIFIED, &res);
        g_assert_cmpint(res, ==, MEMTX_OK);
        g_assert_cmphex(address_space_lduw_le(&f->as, 0x1000, MEMTXATTRS_UNSPECIFIED, &res), ==,
                        0x1234);
        g_assert_cmpint(res, ==, MEMTX_OK);
        address_space_stb(&f->as, 0x300000, 1, MEMTXATTRS_UNSPECIFIED, &res);
        g_assert_cmpint(res, ==, MEMTX_DECODE_ERROR);
    }

    /* Size 0: nothing happens, nothing is counted. */
    memset(out, 0x11, sizeof(out));
    g_assert_cmpint(address_space_read(&f->as, 0x9000, MEMTXATTRS_UNSPECIFIED, out, 0), ==,
                    MEMTX_OK);
    g_assert_cmpint(address_space_write(&f->as, 0x9000, MEMTXATTRS_UNSPECIFIED, out, 0), ==,
                    MEMTX_OK);
    g_assert_cmphex(out[0], ==, 0x11);
    g_assert_cmpuint(f->as.unassigned_accesses, ==, 5);

    memory_region_del_subregion(&f->root, &ram);
    memory_region_destroy(&ram);
}

static void test_priority(Fixture *f, gconstpointer d)
{
    MemoryRegion a, b, c;
    (void)d;

    memory_region_init_ram(&a, "a", 0x4000);
    memory_region_init_ram(&b, "b", 0x1000);
    memory_region_init_ram(&c, "c", 0x1000);
    memory_region_add_subregion_overlap(&f->root, 0, &a, 1);
    /* Lower priority: hidden where a is. */
    memory_region_add_subregion_overlap(&f->root, 0x3800, &b, 0);
    assert_view(&f->as, "0-3fff a@0 4000-47ff b@800");
    /* Higher priority: punches through a. */
    memory_region_add_subregion_overlap(&f->root, 0x1000, &c, 2);
    assert_view(&f->as, "0-fff a@0 1000-1fff c@0 2000-3fff a@2000 4000-47ff b@800");

    /* Equal priority: the later one wins; removing and re-adding makes it later. */
    memory_region_del_subregion(&f->root, &c);
    memory_region_add_subregion_overlap(&f->root, 0x1000, &c, 1);
    assert_view(&f->as, "0-fff a@0 1000-1fff c@0 2000-3fff a@2000 4000-47ff b@800");
    memory_region_del_subregion(&f->root, &a);
    memory_region_add_subregion_overlap(&f->root, 0, &a, 1);
    assert_view(&f->as, "0-3fff a@0 4000-47ff b@800");
    memory_region_del_subregion(&f->root, &a);
    assert_view(&f->as, "1000-1fff c@0 3800-47ff b@0");
    /* Moving counts as adding again (as in QEMU): it now wins ties at its priority. */
    memory_region_del_subregion(&f->root, &b);
    memory_region_add_subregion_overlap(&f->root, 0x1800, &b, 1);
    assert_view(&f->as, "1000-17ff c@0 1800-27ff b@0");
    memory_region_set_address(&c, 0x1100);
    assert_view(&f->as, "1100-20ff c@0 2100-27ff b@900");

    memory_region_del_subregion(&f->root, &b);
    memory_region_del_subregion(&f->root, &c);
    memory_region_destroy(&a);
    memory_region_destroy(&b);
    memory_region_destroy(&c);
}

static void test_container(Fixture *f, gconstpointer d)
{
    MemoryRegion low, cont, inner, ram2;
    (void)d;

    memory_region_init_ram(&low, "low", 0x10000);
    memory_region_init(&cont, "cont", 0x4000);
    memory_region_init_ram(&inner, "inner", 0x1000);
    memory_region_init_ram(&ram2, "ram2", 0x1000);
    memory_region_add_subregion(&f->root, 0, &low);
    memory_region_add_subregion(&cont, 0x1000, &inner);
    /* The container wins over low, but only where it has a subregion. */
    memory_region_add_subregion_overlap(&f->root, 0x4000, &cont, 1);
    assert_view(&f->as, "0-4fff low@0 5000-5fff inner@0 6000-ffff low@6000");

    /* A subregion added to a container that is already placed shows at once. */
    memory_region_add_subregion(&cont, 0x3000, &ram2);
    assert_view(&f->as, "0-4fff low@0 5000-5fff inner@0 6000-6fff low@6000 7000-7fff ram2@0 "
                        "8000-ffff low@8000");

    /* Nested offsets add up; moving the container moves its contents. */
    memory_region_set_address(&cont, 0x8000);
    assert_view(&f->as, "0-8fff low@0 9000-9fff inner@0 a000-afff low@a000 b000-bfff ram2@0 "
                        "c000-ffff low@c000");

    memory_region_del_subregion(&f->root, &cont);
    assert_view(&f->as, "0-ffff low@0");
    memory_region_del_subregion(&cont, &inner);
    memory_region_del_subregion(&cont, &ram2);
    memory_region_del_subregion(&f->root, &low);
    memory_region_destroy(&low);
    memory_region_destroy(&cont);
    memory_region_destroy(&inner);
    memory_region_destroy(&ram2);
}

static void test_alias(Fixture *f, gconstpointer d)
{
    MemoryRegion ram, al, al2;
    (void)d;

    memory_region_init_ram(&ram, "ram", 0x10000);
    memory_region_init_alias(&al, "al", &ram, 0x2000, 0x4000);
    memory_region_init_alias(&al2, "al2", &al, 0x1000, 0x1000);
    memory_region_add_subregion(&f->root, 0, &ram);
    memory_region_add_subregion(&f->root, 0x100000, &al);
    memory_region_add_subregion(&f->root, 0x200000, &al2);
    /* An alias of an alias maps ram at 0x2000 + 0x1000. */
    assert_view(&f->as, "0-ffff ram@0 100000-103fff ram@2000 200000-200fff ram@3000");

    wr8(&f->as, 0x3004, 0x42);
    g_assert_cmphex(rd8(&f->as, 0x101004), ==, 0x42);
    g_assert_cmphex(rd8(&f->as, 0x200004), ==, 0x42);
    wr8(&f->as, 0x200005, 0x43);
    g_assert_cmphex(rd8(&f->as, 0x3005), ==, 0x43);
    g_assert_true((uint8_t *)memory_region_get_ram_ptr(&al2) ==
                  (uint8_t *)memory_region_get_ram_ptr(&ram) + 0x3000);

    /* Moving the window re-renders both aliases. */
    memory_region_set_alias_offset(&al, 0x8000);
    assert_view(&f->as, "0-ffff ram@0 100000-103fff ram@8000 200000-200fff ram@9000");

    /* Disabling the target hides every alias of it (and it). */
    memory_region_set_enabled(&ram, false);
    assert_view(&f->as, "");
    memory_region_set_enabled(&ram, true);
    /* Disabling one alias hides it and the alias of it. */
    memory_region_set_enabled(&al, false);
    assert_view(&f->as, "0-ffff ram@0");
    memory_region_set_enabled(&al, true);

    memory_region_del_subregion(&f->root, &al2);
    memory_region_del_subregion(&f->root, &al);
    memory_region_del_subregion(&f->root, &ram);
    memory_region_destroy(&al2);
    memory_region_destroy(&al);
    memory_region_destroy(&ram);
}

static void test_clip(Fixture *f, gconstpointer d)
{
    MemoryRegion cont, a, b, win;
    (void)d;

    /* An alias window onto a container clips the subregions to the window. */
    memory_region_init(&cont, "cont", 0x10000);
    memory_region_init_ram(&a, "a", 0x3000);
    memory_region_init_ram(&b, "b", 0x3000);
    memory_region_add_subregion(&cont, 0x1000, &a);
    memory_region_add_subregion(&cont, 0x6000, &b);
    memory_region_init_alias(&win, "win", &cont, 0x2000, 0x5000);
    memory_region_add_subregion(&f->root, 0x40000, &win);
    assert_view(&f->as, "40000-41fff a@1000 44000-44fff b@0");

    memory_region_del_subregion(&f->root, &win);
    memory_region_del_subregion(&cont, &a);
    memory_region_del_subregion(&cont, &b);
    memory_region_destroy(&win);
    memory_region_destroy(&cont);
    memory_region_destroy(&a);
    memory_region_destroy(&b);
}

static void test_top_of_space(Fixture *f, gconstpointer d)
{
    MemoryRegion top, low;
    uint8_t out[32], in[32];
    (void)d;

    memory_region_init_ram(&top, "top", 0x1000);
    memory_region_init_ram(&low, "low", 0x1000);
    memory_region_add_subregion(&f->root, 0xfffffffffffff000ULL, &top);
    memory_region_add_subregion(&f->root, 0, &low);
    assert_view(&f->as, "0-fff low@0 fffffffffffff000-ffffffffffffffff top@0");

    for (int i = 0; i < 32; i++) {
        in[i] = (uint8_t)i;
    }
    memset(memory_region_get_ram_ptr(&low), 0x77, 0x1000);
    g_assert_cmpint(
        address_space_write(&f->as, 0xfffffffffffffff0ULL, MEMTXATTRS_UNSPECIFIED, in, 16), ==,
        MEMTX_OK);
    g_assert_cmpint(
        address_space_read(&f->as, 0xfffffffffffffff0ULL, MEMTXATTRS_UNSPECIFIED, out, 16), ==,
        MEMTX_OK);
    g_assert_cmpmem(in, 16, out, 16);
    g_assert_cmphex(rd8(&f->as, 0xffffffffffffffffULL), ==, 15);

    /* addr + len overflows: the part past 2^64 reads all ones and never wraps to 0. */
    g_assert_cmpint(
        address_space_read(&f->as, 0xfffffffffffffff0ULL, MEMTXATTRS_UNSPECIFIED, out, 32), ==,
        MEMTX_DECODE_ERROR);
    g_assert_cmpmem(in, 16, out, 16);
    for (int i = 16; i < 32; i++) {
        g_assert_cmphex(out[i], ==, 0xff);
    }
    g_assert_cmpint(
        address_space_write(&f->as, 0xfffffffffffffff8ULL, MEMTXATTRS_UNSPECIFIED, in, 32), ==,
        MEMTX_DECODE_ERROR);
    g_assert_cmphex(((uint8_t *)memory_region_get_ram_ptr(&low))[0], ==, 0x77);

    memory_region_del_subregion(&f->root, &top);
    memory_region_del_subregion(&f->root, &low);
    memory_region_destroy(&top);
    memory_region_destroy(&low);
}

static void test_rom(Fixture *f, gconstpointer d)
{
    MemoryRegion rom;
    const uint8_t img[4] = {0xde, 0xad, 0xbe, 0xef};
    uint8_t out[4];
    (void)d;

    memory_region_init_rom(&rom, "rom", 0x1000);
    g_assert_true(memory_region_is_rom(&rom));
    memory_region_add_subregion(&f->root, 0xf0000, &rom);
    /* A loader writes the ROM; the guest cannot. */
    g_assert_cmpint(
        address_space_write_rom(&f->as, 0xf0000, MEMTXATTRS_UNSPECIFIED, img, sizeof(img)), ==,
        MEMTX_OK);
    g_assert_cmpint(address_space_write(&f->as, 0xf0001, MEMTXATTRS_UNSPECIFIED, "xx", 2), ==,
                    MEMTX_OK);
    address_space_read(&f->as, 0xf0000, MEMTXATTRS_UNSPECIFIED, out, 4);
    g_assert_cmpmem(out, 4, img, 4);

    memory_region_del_subregion(&f->root, &rom);
    memory_region_destroy(&rom);
}

/* Destroyed inside a transaction: the RAM stays until the commit has taken it out of view. */
static void test_destroy_in_transaction(Fixture *f, gconstpointer d)
{
    MemoryRegion ram;
    (void)d;

    memory_region_init_ram(&ram, "leaving", 0x1000);
    memory_region_add_subregion(&f->root, 0x1000, &ram);
    wr8(&f->as, 0x1010, 0x77);
    memory_region_transaction_begin();
    memory_region_del_subregion(&f->root, &ram);
    memory_region_destroy(&ram);
    drain_call_rcu(); /* grace periods pass, but the view still maps the RAM */
    g_assert_cmphex(rd8(&f->as, 0x1010), ==, 0x77);
    memory_region_transaction_commit();
    drain_call_rcu();
    g_assert_cmphex(rd8(&f->as, 0x1010), ==, 0xff);
}

static void test_try_init_ram(Fixture *f, gconstpointer d)
{
    MemoryRegion ram;
    GError *err = NULL;
    (void)f;
    (void)d;

    /* More than the host's address space: an error naming the region, no abort. */
    g_assert_false(memory_region_try_init_ram(&ram, "huge", 1ULL << 60, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "'huge'"));
    g_clear_error(&err);
    g_assert_false(memory_region_try_init_ram(&ram, "none", 0, &err));
    g_assert_nonnull(strstr(err->message, "'none'"));
    g_clear_error(&err);
    g_assert_true(memory_region_try_init_ram(&ram, "fine", 0x3000, &err));
    g_assert_no_error(err);
    g_assert_true(memory_region_is_ram(&ram));
    g_assert_false(memory_region_is_rom(&ram));
    memory_region_destroy(&ram);
}

static void test_remap_held_view(Fixture *f, gconstpointer d)
{
    MemoryRegion ram, io;
    MemoryRegionSection s;
    FlatView *old, *cur;
    (void)d;

    memory_region_init_ram(&ram, "ram", 0x2000);
    memory_region_init_io(&io, &ops_impl1, NULL, "bar", 0x1000);
    memory_region_add_subregion(&f->root, 0, &ram);
    old = address_space_get_flatview(&f->as);
    memory_region_add_subregion_overlap(&f->root, 0x1000, &io, 1);
    cur = address_space_get_flatview(&f->as);
    g_assert_true(old != cur);
    g_assert_true(flatview_lookup(old, 0x1800, &s) && s.mr == &ram);
    g_assert_true(flatview_lookup(cur, 0x1800, &s) && s.mr == &io);
    flatview_unref(old);
    flatview_unref(cur);

    /* Read-only RAM drops guest writes like ROM. */
    memory_region_set_readonly(&ram, true);
    wr8(&f->as, 0x10, 0x42);
    g_assert_cmphex(rd8(&f->as, 0x10), ==, 0);
    memory_region_set_readonly(&ram, false);
    wr8(&f->as, 0x10, 0x42);
    g_assert_cmphex(rd8(&f->as, 0x10), ==, 0x42);

    memory_region_del_subregion(&f->root, &io);
    memory_region_del_subregion(&f->root, &ram);
    memory_region_destroy(&io);
    memory_region_destroy(&ram);
}

static void test_translate(Fixture *f, gconstpointer d)
{
    MemoryRegion ram, io;
    Dev dev;
    hwaddr xlat, len;
    MemoryRegionSection sec;
    FlatView *fv;
    (void)d;

    dev_init(&dev);
    memory_region_init_ram(&ram, "ram", 0x2000);
    memory_region_init_io(&io, &ops_impl1, &dev, "dev", 0x100);
    memory_region_add_subregion(&f->root, 0x10000, &ram);
    memory_region_add_subregion_overlap(&f->root, 0x10800, &io, 1);

    len = 0x1000;
    g_assert_true(address_space_translate(&f->as, 0x10100, &xlat, &len, false,
                                          MEMTXATTRS_UNSPECIFIED) == &ram);
    g_assert_cmphex(xlat, ==, 0x100);
    g_assert_cmphex(len, ==, 0x700);
    len = 0x1000;
    g_assert_true(
        address_space_translate(&f->as, 0x10880, &xlat, &len, true, MEMTXATTRS_UNSPECIFIED) == &io);
    g_assert_cmphex(xlat, ==, 0x80);
    g_assert_cmphex(len, ==, 0x80);
    len = 0x100000;
    g_assert_null(
        address_space_translate(&f->as, 0x100, &xlat, &len, false, MEMTXATTRS_UNSPECIFIED));
    g_assert_cmphex(len, ==, 0x10000 - 0x100);

    fv = address_space_get_flatview(&f->as);
    g_assert_true(flatview_lookup(fv, 0x11fff, &sec));
    g_assert_true(sec.mr == &ram);
    g_assert_cmphex(sec.offset_within_address_space, ==, 0x10900);
    g_assert_cmphex(sec.offset_within_region, ==, 0x900);
    g_assert_cmphex(sec.size, ==, 0x1700);
    g_assert_false(flatview_lookup(fv, 0x12000, &sec));
    flatview_unref(fv);

    memory_region_del_subregion(&f->root, &ram);
    memory_region_del_subregion(&f->root, &io);
    memory_region_destroy(&ram);
    memory_region_destroy(&io);
    g_array_free(dev.calls, true);
}

/* Many regions: every address finds its own (exercises the lookup table's levels). */
static void test_many_regions(Fixture *f, gconstpointer d)
{
    enum { N = 3000 };
    MemoryRegion *r = g_new0(MemoryRegion, N);
    MemoryRegion big;
    (void)d;

    memory_region_init_ram(&big, "big", 0x100000);
    memory_region_transaction_begin();
    memory_region_add_subregion(&f->root, 0x7fff0000000ULL, &big);
    for (int i = 0; i < N; i++) {
        char name[16];
        g_snprintf(name, sizeof(name), "r%d", i);
        /* Mixed sizes and spacings: sub-page, page, and far apart. */
        memory_region_init_ram(&r[i], name, (i % 3 == 0) ? 0x10 : 0x1000);
        memory_region_add_subregion(&f->root, (hwaddr)i * (i % 7 == 0 ? 0x40000000ULL : 0x2000),
                                    &r[i]);
    }
    memory_region_transaction_commit();
    for (int i = 0; i < N; i++) {
        hwaddr base = (hwaddr)i * (i % 7 == 0 ? 0x40000000ULL : 0x2000);
        hwaddr xlat, len = 1;
        hwaddr last = base + memory_region_size(&r[i]) - 1;
        g_assert_true(address_space_translate(&f->as, base, &xlat, &len, false,
                                              MEMTXATTRS_UNSPECIFIED) == &r[i]);
        g_assert_true(address_space_translate(&f->as, last, &xlat, &len, false,
                                              MEMTXATTRS_UNSPECIFIED) == &r[i]);
        g_assert_cmphex(xlat, ==, last - base);
    }
    g_assert_null(address_space_translate(&f->as, 3 * 0x2000 + 0x10, &(hwaddr){0}, &(hwaddr){1},
                                          false, MEMTXATTRS_UNSPECIFIED));
    g_assert_true(address_space_translate(&f->as, 0x7fff0080000ULL, &(hwaddr){0}, &(hwaddr){1},
                                          false, MEMTXATTRS_UNSPECIFIED) == &big);

    memory_region_transaction_begin();
    for (int i = 0; i < N; i++) {
        memory_region_del_subregion(&f->root, &r[i]);
    }
    memory_region_del_subregion(&f->root, &big);
    memory_region_transaction_commit();
    assert_view(&f->as, "");
    for (int i = 0; i < N; i++) {
        memory_region_destroy(&r[i]);
    }
    memory_region_destroy(&big);
    drain_call_rcu();
    g_free(r);
}

/* Reference: the range containing addr by a linear scan of the sections. */
static bool linear_lookup(FlatView *fv, hwaddr addr, MemoryRegionSection *out)
{
    for (unsigned i = 0; i < flatview_nr_sections(fv); i++) {
        MemoryRegionSection s = flatview_section(fv, i);
        if (addr >= s.offset_within_address_space &&
            addr - s.offset_within_address_space <= s.size - 1) {
            *out = s;
            return true;
        }
    }
    return false;
}

static void check_lookup(FlatView *fv, hwaddr addr)
{
    MemoryRegionSection a = {0}, b = {0};
    bool found = flatview_lookup(fv, addr, &a);

    g_assert_cmpint(found, ==, linear_lookup(fv, addr, &b));
    if (found) {
        g_assert_true(a.mr == b.mr);
        g_assert_cmphex(a.offset_within_address_space, ==, b.offset_within_address_space);
    }
}

/* Random trees (clustered, sparse, sub-page, near the top): the lookup agrees with a scan. */
static void test_lookup_random(Fixture *f, gconstpointer d)
{
    enum { N = 200, TRIALS = 20 };
    MemoryRegion *r = g_new0(MemoryRegion, N);
    GRand *rng = g_rand_new_with_seed(1234);
    static const hwaddr bases[] = {0, 0xfee00000, 0x7fffffff000ULL, 0xfffffffffff00000ULL};
    (void)d;

    for (int i = 0; i < N; i++) {
        memory_region_init_io(&r[i], &ops_impl1, NULL, "r", 1 + g_rand_int_range(rng, 0, 0x3000));
    }
    for (int t = 0; t < TRIALS; t++) {
        FlatView *fv;
        unsigned n = g_rand_int_range(rng, 1, N);
        hwaddr spread = 1ULL << g_rand_int_range(rng, 13, 40);

        memory_region_transaction_begin();
        for (unsigned i = 0; i < n; i++) {
            hwaddr base = bases[g_rand_int_range(rng, 0, G_N_ELEMENTS(bases))];
            hwaddr off = ((hwaddr)g_rand_int(rng) << 20 ^ g_rand_int(rng)) % spread;
            if (base + off + memory_region_size(&r[i]) - 1 < base) {
                off = 0; /* would pass 2^64 */
            }
            memory_region_add_subregion_overlap(&f->root, base + off, &r[i],
                                                g_rand_int_range(rng, -2, 3));
        }
        memory_region_transaction_commit();
        fv = address_space_get_flatview(&f->as);
        for (unsigned i = 0; i < flatview_nr_sections(fv); i++) {
            MemoryRegionSection s = flatview_section(fv, i);
            hwaddr last = s.offset_within_address_space + s.size - 1;
            check_lookup(fv, s.offset_within_address_space - 1);
            check_lookup(fv, s.offset_within_address_space);
            check_lookup(fv, s.offset_within_address_space + s.size / 2);
            check_lookup(fv, last);
            check_lookup(fv, last + 1);
        }
        for (int k = 0; k < 2000; k++) {
            hwaddr base = bases[g_rand_int_range(rng, 0, G_N_ELEMENTS(bases))];
            check_lookup(fv, base + ((hwaddr)g_rand_int(rng) << 20 ^ g_rand_int(rng)) % spread);
            check_lookup(fv, ((hwaddr)g_rand_int(rng) << 32) | g_rand_int(rng));
        }
        flatview_unref(fv);
        memory_region_transaction_begin();
        for (unsigned i = 0; i < n; i++) {
            memory_region_del_subregion(&f->root, &r[i]);
        }
        memory_region_transaction_commit();
    }
    for (int i = 0; i < N; i++) {
        memory_region_destroy(&r[i]);
    }
    drain_call_rcu();
    g_rand_free(rng);
    g_free(r);
}

/* Reference semantics, one address at a time: what the rendered view must say. */
static MemoryRegion *ref_lookup(MemoryRegion *mr, hwaddr addr, hwaddr *offset)
{
    if (!mr->enabled || addr >= mr->size) {
        return NULL;
    }
    if (mr->alias) {
        return ref_lookup(mr->alias, addr + mr->alias_offset, offset);
    }
    for (guint i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
        MemoryRegion *hit = addr >= sub->addr ? ref_lookup(sub, addr - sub->addr, offset) : NULL;
        if (hit) {
            return hit;
        }
    }
    if (mr->terminates) {
        *offset = addr;
        return mr;
    }
    return NULL;
}

enum { R_SPACE = 0x400, R_LEAVES = 10, R_BOXES = 4, R_ALIASES = 6 };

typedef struct RandTree {
    MemoryRegion leaf[R_LEAVES], box[R_BOXES], alias[R_ALIASES];
} RandTree;

static void place(GRand *rng, MemoryRegion *parent, MemoryRegion *mr)
{
    uint64_t room = memory_region_size(parent) - memory_region_size(mr);

    memory_region_add_subregion_overlap(parent, g_rand_int_range(rng, 0, room + 1), mr,
                                        g_rand_int_range(rng, -1, 2));
    memory_region_set_enabled(mr, g_rand_int_range(rng, 0, 6) != 0);
}

/* Leaves, boxes holding some leaves, aliases of leaves or boxes; all placed at random. */
static void rand_tree_build(RandTree *t, GRand *rng, MemoryRegion *root)
{
    for (int i = 0; i < R_LEAVES; i++) {
        memory_region_init_io(&t->leaf[i], &ops_impl1, NULL, "leaf",
                              g_rand_int_range(rng, 0x10, 0x100));
    }
    for (int i = 0; i < R_BOXES; i++) {
        memory_region_init(&t->box[i], "box", g_rand_int_range(rng, 0x100, 0x200));
    }
    for (int i = 0; i < R_LEAVES; i++) {
        int where = g_rand_int_range(rng, 0, R_BOXES + 2);
        if (where < R_BOXES) {
            place(rng, &t->box[where], &t->leaf[i]);
        } else if (where == R_BOXES) {
            place(rng, root, &t->leaf[i]);
        } /* else: only reachable through aliases */
    }
    for (int i = 0; i < R_ALIASES; i++) {
        int k = g_rand_int_range(rng, 0, R_LEAVES + R_BOXES);
        MemoryRegion *target = k < R_LEAVES ? &t->leaf[k] : &t->box[k - R_LEAVES];
        uint64_t size = g_rand_int_range(rng, 1, memory_region_size(target) + 1);
        uint64_t off = g_rand_int_range(rng, 0, memory_region_size(target) - size + 1);
        memory_region_init_alias(&t->alias[i], "alias", target, off, size);
        place(rng, root, &t->alias[i]);
    }
    for (int i = 0; i < R_BOXES; i++) {
        place(rng, root, &t->box[i]);
    }
}

static void rand_tree_free(RandTree *t)
{
    MemoryRegion *all[] = {t->alias, t->box, t->leaf};
    int counts[] = {R_ALIASES, R_BOXES, R_LEAVES};

    for (int g = 0; g < 3; g++) {
        for (int i = 0; i < counts[g]; i++) {
            if (all[g][i].container) {
                memory_region_del_subregion(all[g][i].container, &all[g][i]);
            }
        }
    }
    for (int g = 0; g < 3; g++) {
        for (int i = 0; i < counts[g]; i++) {
            memory_region_destroy(&all[g][i]);
        }
    }
}

/* Random trees with priorities, aliases of containers, disabled parts: view == reference. */
static void test_render_random(void)
{
    GRand *rng = g_rand_new_with_seed(99);

    for (int trial = 0; trial < 60; trial++) {
        MemoryRegion root;
        AddressSpace as;
        RandTree t;
        FlatView *fv;

        memory_region_init(&root, "root", R_SPACE);
        address_space_init(&as, &root, "rand");
        memory_region_transaction_begin();
        rand_tree_build(&t, rng, &root);
        memory_region_transaction_commit();
        fv = address_space_get_flatview(&as);
        for (hwaddr addr = 0; addr < R_SPACE + 0x10; addr++) {
            hwaddr ref_off = 0;
            MemoryRegion *want = ref_lookup(&root, addr, &ref_off);
            MemoryRegionSection sec;
            bool found = flatview_lookup(fv, addr, &sec);

            g_assert_cmpint(found, ==, want != NULL);
            if (found) {
                g_assert_true(sec.mr == want);
                g_assert_cmphex(sec.offset_within_region + (addr - sec.offset_within_address_space),
                                ==, ref_off);
            }
        }
        flatview_unref(fv);
        address_space_destroy(&as);
        memory_region_transaction_begin();
        rand_tree_free(&t);
        memory_region_transaction_commit();
        memory_region_destroy(&root);
    }
    drain_call_rcu();
    g_rand_free(rng);
}

/* --- system spaces and text dump -------------------------------------------------- */

static void test_system_spaces(void)
{
    MemoryRegion ram, port;
    Dev dev;
    uint8_t b = 0x99;
    GString *s = g_string_new("");

    dev_init(&dev);
    memory_init(UINT64_MAX);
    g_assert_cmpuint(memory_region_size(get_system_io()), ==, 0x10000);
    memory_region_init_ram(&ram, "pc.ram", 0x100000);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    memory_region_init_io(&port, &ops_impl1, &dev, "port", 8);
    memory_region_add_subregion(get_system_io(), 0x3f8, &port);

    cpu_physical_memory_rw(0x500, &b, 1, true);
    g_assert_cmphex(((uint8_t *)memory_region_get_ram_ptr(&ram))[0x500], ==, 0x99);
    g_assert_cmphex(address_space_ldub(address_space_io(), 0x3f9, MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    0x11);
    /* Port space ends at 64 KiB. */
    g_assert_cmphex(address_space_ldub(address_space_io(), 0x10000, MEMTXATTRS_UNSPECIFIED, NULL),
                    ==, 0xff);

    mtree_info(s, false);
    g_assert_nonnull(strstr(s->str, "address-space: memory\n"));
    g_assert_nonnull(strstr(s->str, "  0000000000000000-ffffffffffffffff (prio 0, container): "
                                    "system\n"));
    g_assert_nonnull(
        strstr(s->str, "    0000000000000000-00000000000fffff (prio 0, ram): pc.ram\n"));
    g_assert_nonnull(strstr(s->str, "address-space: I/O\n"));
    g_assert_nonnull(strstr(s->str, "    00000000000003f8-00000000000003ff (prio 0, i/o): port\n"));
    g_string_truncate(s, 0);
    mtree_info(s, true);
    g_assert_nonnull(strstr(s->str, "FlatView of \"memory\", root: system\n"
                                    "  0000000000000000-00000000000fffff (prio 0, ram): pc.ram\n"));
    g_string_free(s, true);

    memory_region_del_subregion(get_system_memory(), &ram);
    memory_region_del_subregion(get_system_io(), &port);
    memory_region_destroy(&ram);
    memory_region_destroy(&port);
    g_array_free(dev.calls, true);
}

static void test_mtree_alias(Fixture *f, gconstpointer d)
{
    MemoryRegion ram, al;
    GString *s = g_string_new("");
    (void)d;

    memory_region_init_ram(&ram, "ram", 0x1000);
    memory_region_init_alias(&al, "al", &ram, 0x800, 0x800);
    memory_region_add_subregion_overlap(&f->root, 0x10000, &al, 3);
    memory_region_set_enabled(&al, false);
    mtree_info(s, false);
    g_assert_nonnull(strstr(s->str, "    0000000000010000-00000000000107ff (prio 3, alias): al "
                                    "-> ram @0000000000000800 [disabled]\n"));
    /* The target, in no container, is listed after the spaces. */
    g_assert_nonnull(strstr(s->str, "memory-region: ram\n"
                                    "  0000000000000000-0000000000000fff (prio 0, ram): ram\n"));
    memory_region_set_enabled(&al, true);
    g_string_truncate(s, 0);
    mtree_info(s, true);
    g_assert_nonnull(strstr(s->str, "FlatView of \"test\", root: root\n"
                                    "  0000000000010000-00000000000107ff (prio 0, ram): ram "
                                    "@0000000000000800\n"));
    g_string_free(s, true);
    memory_region_del_subregion(&f->root, &al);
    memory_region_destroy(&al);
    memory_region_destroy(&ram);
}

/* --- programming errors abort with a message naming the regions ------------------ */

static void abort_outside(void)
{
    static MemoryRegion cont, sub;

    memory_region_init(&cont, "box", 0x1000);
    memory_region_init_ram(&sub, "too-big", 0x800);
    memory_region_add_subregion(&cont, 0x900, &sub);
}

static void abort_zero_ram(void)
{
    static MemoryRegion ram;

    memory_region_init_ram(&ram, "empty-ram", 0);
}

static void abort_alias_past_end(void)
{
    static MemoryRegion ram, al;

    memory_region_init_ram(&ram, "target", 0x1000);
    memory_region_init_alias(&al, "long-alias", &ram, 0x800, 0x1000);
}

static void abort_alias_offset(void)
{
    static MemoryRegion ram, al;

    memory_region_init_ram(&ram, "target2", 0x1000);
    memory_region_init_alias(&al, "window", &ram, 0, 0x800);
    memory_region_set_alias_offset(&al, 0x801);
}

static void abort_twice(void)
{
    static MemoryRegion a, b, r;

    memory_region_init(&a, "first", 0x10000);
    memory_region_init(&b, "second", 0x10000);
    memory_region_init_ram(&r, "dup", 0x1000);
    memory_region_add_subregion(&a, 0, &r);
    memory_region_add_subregion(&b, 0, &r);
}

static void abort_move_outside(void)
{
    static MemoryRegion a, r;

    memory_region_init(&a, "small", 0x2000);
    memory_region_init_ram(&r, "mover", 0x1000);
    memory_region_add_subregion(&a, 0, &r);
    memory_region_set_address(&r, 0x1001);
}

static void abort_mmio_ptr(void)
{
    static MemoryRegion io;

    memory_region_init_io(&io, &ops_impl1, NULL, "mmio-dev", 0x10);
    memory_region_get_ram_ptr(&io);
}

static void abort_destroy_placed(void)
{
    static MemoryRegion a, r;

    memory_region_init(&a, "holder", 0x2000);
    memory_region_init_ram(&r, "placed", 0x1000);
    memory_region_add_subregion(&a, 0, &r);
    memory_region_destroy(&r);
}

static void abort_commit_unbalanced(void)
{
    memory_region_transaction_commit();
}

static void abort_cycle(void)
{
    static MemoryRegion outer, inner;

    memory_region_init(&outer, "outer", 0x10000);
    memory_region_init(&inner, "inner", 0x1000);
    memory_region_add_subregion(&outer, 0, &inner);
    memory_region_add_subregion(&inner, 0, &outer);
}

static void abort_alias_loop(void)
{
    static MemoryRegion root, box, loop;
    static AddressSpace as;

    memory_region_init(&root, "loop-root", 0x10000);
    memory_region_init(&box, "box", 0x1000);
    memory_region_init_alias(&loop, "loopy", &box, 0, 0x1000);
    memory_region_add_subregion(&box, 0, &loop);
    memory_region_add_subregion(&root, 0, &box);
    address_space_init(&as, &root, "loop");
}

static void abort_destroy_aliased(void)
{
    static MemoryRegion ram, al;

    memory_region_init_ram(&ram, "aliased-ram", 0x1000);
    memory_region_init_alias(&al, "its-alias", &ram, 0, 0x1000);
    memory_region_destroy(&ram);
}

static void abort_destroy_root(void)
{
    static MemoryRegion root;
    static AddressSpace as;

    memory_region_init(&root, "the-root", 0x1000);
    address_space_init(&as, &root, "rooted");
    memory_region_destroy(&root);
}

static void abort_destroy_twice(void)
{
    static MemoryRegion r;

    memory_region_init(&r, "once", 0x1000);
    memory_region_destroy(&r);
    memory_region_destroy(&r);
}

typedef struct AbortCase {
    const char *path;
    void (*fn)(void);
    const char *message;
} AbortCase;

static const AbortCase abort_cases[] = {
    {"outside", abort_outside,
     "*subregion 'too-big' [0x900, size 0x800] is outside its container 'box' (size 0x1000)*"},
    {"zero-ram", abort_zero_ram, "*RAM region 'empty-ram' has size 0*"},
    {"alias-past-end", abort_alias_past_end, "*alias 'long-alias'*past the end of 'target'*"},
    {"alias-offset", abort_alias_offset, "*alias 'window'*past the end of 'target2'*"},
    {"twice", abort_twice, "*cannot add 'dup' to 'second': it is already inside 'first'*"},
    {"move-outside", abort_move_outside, "*'mover'*outside its container 'small'*"},
    {"mmio-ptr", abort_mmio_ptr, "*'mmio-dev' has no host memory*"},
    {"destroy-placed", abort_destroy_placed, "*cannot destroy 'placed': still inside 'holder'*"},
    {"commit-unbalanced", abort_commit_unbalanced, "*transaction_commit() without a begin*"},
    {"cycle", abort_cycle, "*cannot add 'outer' to 'inner': it would contain itself*"},
    {"alias-loop", abort_alias_loop, "*nested more than 64 deep: an alias loop?*"},
    {"destroy-aliased", abort_destroy_aliased,
     "*cannot destroy 'aliased-ram': 1 alias(es) of it still exist*"},
    {"destroy-twice", abort_destroy_twice, "*never initialised or is already destroyed*"},
    {"destroy-root", abort_destroy_root,
     "*cannot destroy 'the-root': it is the root of address space 'rooted'*"},
};

static void test_abort(gconstpointer data)
{
    const AbortCase *c = data;

    if (g_test_subprocess()) {
        c->fn();
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr(c->message);
}

#define ADD_FX(path, fn) g_test_add("/memory/" path, Fixture, NULL, fx_setup, fn, fx_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD_FX("ram-basic", test_ram_basic);
    ADD_FX("unassigned", test_unassigned);
    ADD_FX("priority", test_priority);
    ADD_FX("container", test_container);
    ADD_FX("alias", test_alias);
    ADD_FX("clip", test_clip);
    ADD_FX("top-of-space", test_top_of_space);
    ADD_FX("rom", test_rom);
    ADD_FX("try-init-ram", test_try_init_ram);
    ADD_FX("destroy-in-transaction", test_destroy_in_transaction);
    ADD_FX("remap-held-view", test_remap_held_view);
    ADD_FX("translate", test_translate);
    ADD_FX("many-regions", test_many_regions);
    ADD_FX("lookup-random", test_lookup_random);
    g_test_add_func("/memory/render-random", test_render_random);
    ADD_FX("mtree-alias", test_mtree_alias);
    g_test_add_func("/memory/system-spaces", test_system_spaces);
    for (size_t i = 0; i < ARRAY_SIZE(abort_cases); i++) {
        g_autofree char *path = g_strdup_printf("/memory/abort/%s", abort_cases[i].path);
        g_test_add_data_func(path, &abort_cases[i], test_abort);
    }
    return g_test_run();
}
