/*
 * test-memory-mmio.c: MMIO through an address space and direct dispatch:
 * splitting and widening per .impl, rejection outside .valid, unaligned and
 * odd sizes, missing callbacks, a 2^64-byte catch-all region, and the
 * -d guest_errors messages.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/memory.h"
#include "qemu/rcu.h"

#include "memory-test.h"

static const MemoryRegionOps ops_impl4 = {
    .read = dev_read,
    .write = dev_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

static const MemoryRegionOps ops_valid4 = {
    .read = dev_read,
    .write = dev_write,
    .valid = {.min_access_size = 4, .max_access_size = 4},
};

static void test_mmio_split(Fixture *f, gconstpointer d)
{
    MemoryRegion io;
    Dev dev;
    (void)d;

    dev_init(&dev);
    memory_region_init_io(&io, &ops_impl1, &dev, "dev", 0x40);
    memory_region_add_subregion(&f->root, 0x1000, &io);
    /* A 4-byte guest read becomes 4 one-byte calls, assembled little-endian. */
    g_assert_cmphex(address_space_ldl_le(&f->as, 0x1004, MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    0x17161514);
    g_assert_cmpuint(dev.calls->len, ==, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_call(&dev, i, false, 4 + i, 1, 0x14 + i);
    }
    g_array_set_size(dev.calls, 0);
    address_space_stw_le(&f->as, 0x1008, 0xbeef, MEMTXATTRS_UNSPECIFIED, NULL);
    g_assert_cmpuint(dev.calls->len, ==, 2);
    assert_call(&dev, 0, true, 8, 1, 0xef);
    assert_call(&dev, 1, true, 9, 1, 0xbe);

    g_array_set_size(dev.calls, 0);
    g_assert_cmphex(address_space_ldq_le(&f->as, 0x1000, MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    0x1716151413121110ULL);
    g_assert_cmpuint(dev.calls->len, ==, 8);

    memory_region_del_subregion(&f->root, &io);
    memory_region_destroy(&io);
    g_array_free(dev.calls, true);
}

static void test_mmio_widen(Fixture *f, gconstpointer d)
{
    MemoryRegion io;
    Dev dev;
    uint64_t v;
    (void)d;

    dev_init(&dev);
    memory_region_init_io(&io, &ops_impl4, &dev, "dev", 0x40);
    memory_region_add_subregion(&f->root, 0x2000, &io);
    /* A 1-byte read at offset 6 becomes one aligned 4-byte read at 4, shifted. */
    g_assert_cmphex(rd8(&f->as, 0x2006), ==, 0x16);
    g_assert_cmpuint(dev.calls->len, ==, 1);
    assert_call(&dev, 0, false, 4, 4, 0x17161514);
    /* A 2-byte write at 2 becomes a 4-byte write at 0 with the data in bytes 2..3. */
    g_array_set_size(dev.calls, 0);
    address_space_stw_le(&f->as, 0x2002, 0xabcd, MEMTXATTRS_UNSPECIFIED, NULL);
    g_assert_cmpuint(dev.calls->len, ==, 1);
    assert_call(&dev, 0, true, 0, 4, 0xabcd0000);

    /* Direct dispatch, as a KVM exit does it. */
    g_array_set_size(dev.calls, 0);
    g_assert_cmpint(memory_region_dispatch_read(&io, 10, &v, 2, MEMTXATTRS_UNSPECIFIED), ==,
                    MEMTX_OK);
    g_assert_cmphex(v, ==, 0x1b1a);
    assert_call(&dev, 0, false, 8, 4, 0x1b1a1918);

    memory_region_del_subregion(&f->root, &io);
    memory_region_destroy(&io);
    g_array_free(dev.calls, true);
}

static void test_mmio_valid(Fixture *f, gconstpointer d)
{
    MemoryRegion io;
    Dev dev;
    uint64_t v;
    (void)d;

    dev_init(&dev);
    memory_region_init_io(&io, &ops_valid4, &dev, "dev4", 0x40);
    memory_region_add_subregion(&f->root, 0x3000, &io);
    /* Too narrow: rejected, reads all ones, the device never sees it. */
    g_assert_cmpint(memory_region_dispatch_read(&io, 0, &v, 1, MEMTXATTRS_UNSPECIFIED), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, 0xff);
    g_assert_cmpint(memory_region_dispatch_write(&io, 0, 1, 2, MEMTXATTRS_UNSPECIFIED), ==,
                    MEMTX_DECODE_ERROR);
    /* Unaligned: rejected. */
    g_assert_cmpint(memory_region_dispatch_read(&io, 2, &v, 4, MEMTXATTRS_UNSPECIFIED), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, 0xffffffff);
    g_assert_cmpuint(dev.calls->len, ==, 0);
    /* Too wide through the address space: split into valid 4-byte accesses. */
    g_assert_cmphex(address_space_ldq_le(&f->as, 0x3008, MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    0x1f1e1d1c1b1a1918ULL);
    g_assert_cmpuint(dev.calls->len, ==, 2);
    assert_call(&dev, 0, false, 8, 4, 0x1b1a1918);
    assert_call(&dev, 1, false, 12, 4, 0x1f1e1d1c);
    /* Unaligned guest access through the space: pieces are too narrow, so all ones. */
    g_array_set_size(dev.calls, 0);
    g_assert_cmphex(address_space_ldl_le(&f->as, 0x3001, MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    0xffffffff);
    g_assert_cmpuint(dev.calls->len, ==, 0);

    memory_region_del_subregion(&f->root, &io);
    memory_region_destroy(&io);
    g_array_free(dev.calls, true);
}

static const MemoryRegionOps ops_unaligned = {
    .read = dev_read,
    .write = dev_write,
    .valid = {.min_access_size = 1, .max_access_size = 8, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 8, .unaligned = true},
};

static const MemoryRegionOps ops_write_only = {
    .write = dev_write,
};

static void test_mmio_odd(Fixture *f, gconstpointer d)
{
    MemoryRegion io, wo;
    Dev dev;
    uint64_t v;
    (void)d;

    dev_init(&dev);
    memory_region_init_io(&io, &ops_unaligned, &dev, "una", 0x40);
    memory_region_init_io(&wo, &ops_write_only, &dev, "wo", 0x10);
    memory_region_add_subregion(&f->root, 0x4000, &io);
    memory_region_add_subregion(&f->root, 0x5000, &wo);
    /* Unaligned allowed everywhere: one 8-byte call at offset 3. */
    g_assert_cmphex(address_space_ldq_le(&f->as, 0x4003, MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    0x1a19181716151413ULL);
    g_assert_cmpuint(dev.calls->len, ==, 1);
    assert_call(&dev, 0, false, 3, 8, 0x1a19181716151413ULL);
    /* Sizes the bus never makes: 0, 3, 16 are rejected, not passed on. */
    g_array_set_size(dev.calls, 0);
    g_assert_cmpint(memory_region_dispatch_read(&io, 0, &v, 3, MEMTXATTRS_UNSPECIFIED), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, 0xffffff);
    g_assert_cmpint(memory_region_dispatch_write(&io, 0, 0, 0, MEMTXATTRS_UNSPECIFIED), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpint(memory_region_dispatch_read(&io, 0, &v, 16, MEMTXATTRS_UNSPECIFIED), ==,
                    MEMTX_DECODE_ERROR);
    g_assert_cmpuint(dev.calls->len, ==, 0);
    /* A 3-byte access through the space: split 2 + 1 at natural alignment... */
    address_space_read(&f->as, 0x4001, MEMTXATTRS_UNSPECIFIED, &v, 3);
    g_assert_cmpuint(dev.calls->len, ==, 2);
    /* No read callback: all ones, the write still works. */
    g_assert_cmphex(address_space_ldl_le(&f->as, 0x5000, MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    0xffffffff);
    g_array_set_size(dev.calls, 0);
    address_space_stl_le(&f->as, 0x5004, 0x12345678, MEMTXATTRS_UNSPECIFIED, NULL);
    assert_call(&dev, 0, true, 4, 4, 0x12345678);

    memory_region_del_subregion(&f->root, &io);
    memory_region_del_subregion(&f->root, &wo);
    memory_region_destroy(&io);
    memory_region_destroy(&wo);
    g_array_free(dev.calls, true);
}

/* A 2^64-byte MMIO region at the lowest priority catches whatever nothing else claims. */
static void test_catch_all(Fixture *f, gconstpointer d)
{
    MemoryRegion all, ram;
    Dev dev;
    FlatView *fv;
    MemoryRegionSection s;
    (void)d;

    dev_init(&dev);
    memory_region_init_io(&all, &ops_impl1, &dev, "all", UINT64_MAX);
    memory_region_init_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion_overlap(&f->root, 0, &all, -1);
    fv = address_space_get_flatview(&f->as);
    g_assert_cmpuint(flatview_nr_sections(fv), ==, 1);
    s = flatview_section(fv, 0);
    /* 2^64 bytes cannot be said in 64 bits: the section says 2^64 - 1. */
    g_assert_cmphex(s.size, ==, UINT64_MAX);
    flatview_unref(fv);
    memory_region_add_subregion(&f->root, 0x1000, &ram);
    assert_view(&f->as, "0-fff all@0 1000-1fff ram@0 2000-ffffffffffffffff all@2000");
    g_assert_cmphex(rd8(&f->as, 0xffffffffffffffffULL), ==, 0x10 + (0x3f % 64));
    g_assert_cmphex(rd8(&f->as, 0x2001), ==, 0x11);
    g_assert_cmpuint(f->as.unassigned_accesses, ==, 0);

    memory_region_del_subregion(&f->root, &ram);
    memory_region_del_subregion(&f->root, &all);
    memory_region_destroy(&ram);
    memory_region_destroy(&all);
    g_array_free(dev.calls, true);
}

/* -d guest_errors names what went wrong. */
static void test_guest_error_log(void)
{
    if (g_test_subprocess()) {
        MemoryRegion root, io;
        AddressSpace as;
        Dev dev;
        uint64_t v;

        dev_init(&dev);
        g_assert_true(qemu_set_log_str("guest_errors", NULL));
        memory_region_init(&root, "root", 0x100000);
        address_space_init(&as, &root, "logged");
        memory_region_init_io(&io, &ops_valid4, &dev, "strict", 0x10);
        memory_region_add_subregion(&root, 0x1000, &io);
        address_space_ldl_le(&as, 0x8000, MEMTXATTRS_UNSPECIFIED, NULL);
        memory_region_dispatch_read(&io, 1, &v, 2, MEMTXATTRS_UNSPECIFIED);
        address_space_destroy(&as);
        memory_region_del_subregion(&root, &io);
        memory_region_destroy(&io);
        memory_region_destroy(&root);
        g_array_free(dev.calls, true);
        drain_call_rcu();
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*read of 4 bytes at 0x8000 in 'logged': nothing there*"
                              "*invalid read of size 2 at offset 0x1 of 'strict'*");
}

/* The same GPA is RAM in one view and a device in the next; a held view does not change. */
#define ADD_FX(path, fn) g_test_add("/memory-mmio/" path, Fixture, NULL, fx_setup, fn, fx_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD_FX("split", test_mmio_split);
    ADD_FX("widen", test_mmio_widen);
    ADD_FX("valid", test_mmio_valid);
    ADD_FX("odd", test_mmio_odd);
    ADD_FX("catch-all", test_catch_all);
    g_test_add_func("/memory-mmio/guest-error-log", test_guest_error_log);
    return g_test_run();
}
