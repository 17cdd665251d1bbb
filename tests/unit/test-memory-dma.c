/*
 * test-memory-dma.c: address_space_map/unmap: direct pointers into RAM cut at
 * the end of contiguous RAM, bounce buffers for MMIO (several live at once,
 * bounded in total), write-back on unmap, and the cpu_physical_memory_*
 * wrappers on the system address space.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "qemu/rcu.h"

#define BOUNCE_LIMIT (1 * MiB) /* what softmmu/physmem.c promises */

typedef struct Fixture {
    MemoryRegion root, ram, ram2, io, rom;
    AddressSpace as;
    GArray *writes; /* uint64_t offsets written through the ops */
} Fixture;

static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    (void)opaque;
    /* Each byte reads as the low byte of its offset. */
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)((addr + i) & 0xff) << (8 * i);
    }
    return v;
}

static void io_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    Fixture *f = opaque;
    (void)data;
    for (unsigned i = 0; i < size; i++) {
        uint64_t off = addr + i;
        g_array_append_val(f->writes, off);
    }
}

static const MemoryRegionOps io_ops = {
    .read = io_read,
    .write = io_write,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 8},
};

static void fx_setup(Fixture *f, gconstpointer data)
{
    (void)data;
    memory_region_init(&f->root, "root", UINT64_MAX);
    address_space_init(&f->as, &f->root, "dma");
    memory_region_init_ram(&f->ram, "ram", 0x10000);
    memory_region_init_ram(&f->ram2, "ram2", 0x10000);
    memory_region_init_io(&f->io, &io_ops, f, "io", 4 * MiB);
    memory_region_init_rom(&f->rom, "rom", 0x1000);
    memory_region_add_subregion(&f->root, 0, &f->ram);
    memory_region_add_subregion(&f->root, 0x10000, &f->ram2); /* adjacent, separate block */
    memory_region_add_subregion(&f->root, 0x1000000, &f->io);
    memory_region_add_subregion(&f->root, 0x20000, &f->rom);
    f->writes = g_array_new(false, false, sizeof(uint64_t));
}

static void fx_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    address_space_destroy(&f->as);
    memory_region_transaction_begin();
    while (f->root.subregions->len) {
        memory_region_del_subregion(&f->root, g_ptr_array_index(f->root.subregions, 0));
    }
    memory_region_transaction_commit();
    memory_region_destroy(&f->ram);
    memory_region_destroy(&f->ram2);
    memory_region_destroy(&f->io);
    memory_region_destroy(&f->rom);
    memory_region_destroy(&f->root);
    g_array_free(f->writes, true);
}

static void *map(Fixture *f, hwaddr addr, hwaddr *len, bool is_write)
{
    return address_space_map(&f->as, addr, len, is_write, MEMTXATTRS_UNSPECIFIED);
}

static void test_map_ram(Fixture *f, gconstpointer d)
{
    uint8_t *base = memory_region_get_ram_ptr(&f->ram);
    hwaddr len = 0x100;
    uint8_t *p;
    (void)d;

    p = map(f, 0x1234, &len, false);
    g_assert_true(p == base + 0x1234);
    g_assert_cmphex(len, ==, 0x100);
    address_space_unmap(&f->as, p, len, false, len);

    /* Cut at the end of the RAM block even though other RAM follows at once. */
    len = 0x20000;
    p = map(f, 0xff00, &len, true);
    g_assert_true(p == base + 0xff00);
    g_assert_cmphex(len, ==, 0x100);
    address_space_unmap(&f->as, p, len, true, len);

    /* A hole punched into RAM cuts the mapping there. */
    {
        MemoryRegion hole;
        memory_region_init_io(&hole, &io_ops, f, "hole", 0x100);
        memory_region_add_subregion_overlap(&f->root, 0x8000, &hole, 1);
        len = 0x4000;
        p = map(f, 0x6000, &len, false);
        g_assert_true(p == base + 0x6000);
        g_assert_cmphex(len, ==, 0x2000);
        address_space_unmap(&f->as, p, len, false, len);
        /* Removed again: the two pieces merge and the mapping runs through. */
        memory_region_del_subregion(&f->root, &hole);
        memory_region_destroy(&hole);
        len = 0x4000;
        p = map(f, 0x6000, &len, false);
        g_assert_cmphex(len, ==, 0x4000);
        address_space_unmap(&f->as, p, len, false, len);
    }

    /* Nothing there: NULL and *plen 0; a zero length maps nothing either. */
    len = 0x10;
    g_assert_null(map(f, 0x900000, &len, false));
    g_assert_cmphex(len, ==, 0);
    len = 0;
    g_assert_null(map(f, 0x100, &len, false));
}

/* Two RAM blocks adjacent both in the guest and (mmap grows down, usually) in the host. */
static void test_map_adjacent_blocks(Fixture *f, gconstpointer d)
{
    MemoryRegion a, b;
    hwaddr len = 0x20000;
    uint8_t *p;
    (void)d;

    memory_region_init_ram(&a, "first", 0x10000);
    memory_region_init_ram(&b, "second", 0x10000);
    memory_region_add_subregion(&f->root, 0x4000000, &b);
    memory_region_add_subregion(&f->root, 0x4010000, &a);
    if ((uint8_t *)memory_region_get_ram_ptr(&b) + 0x10000 !=
        (uint8_t *)memory_region_get_ram_ptr(&a)) {
        g_test_message("the host did not place the blocks next to each other");
    }
    p = map(f, 0x4000000, &len, false);
    g_assert_true(p == memory_region_get_ram_ptr(&b));
    g_assert_cmphex(len, ==, 0x10000);
    address_space_unmap(&f->as, p, len, false, len);
    memory_region_del_subregion(&f->root, &a);
    memory_region_del_subregion(&f->root, &b);
    memory_region_destroy(&a);
    memory_region_destroy(&b);
}

static void test_bounce_read_write(Fixture *f, gconstpointer d)
{
    hwaddr len = 0x20;
    uint8_t *p;
    (void)d;

    /* Read: filled through the ops before map returns. */
    p = map(f, 0x1000010, &len, false);
    g_assert_nonnull(p);
    g_assert_cmphex(len, ==, 0x20);
    for (int i = 0; i < 0x20; i++) {
        g_assert_cmphex(p[i], ==, 0x10 + i);
    }
    address_space_unmap(&f->as, p, len, false, len);
    g_assert_cmpuint(f->writes->len, ==, 0);

    /* Write: only access_len bytes go back through the ops, on unmap. */
    len = 0x40;
    p = map(f, 0x1000100, &len, true);
    g_assert_nonnull(p);
    memset(p, 0xaa, len);
    g_assert_cmpuint(f->writes->len, ==, 0);
    address_space_unmap(&f->as, p, len, true, 0x18);
    g_assert_cmpuint(f->writes->len, ==, 0x18);
    g_assert_cmphex(g_array_index(f->writes, uint64_t, 0), ==, 0x100);
    g_assert_cmphex(g_array_index(f->writes, uint64_t, 0x17), ==, 0x117);

    /* ROM for writing: a bounce buffer whose write-back is dropped. */
    len = 0x10;
    p = map(f, 0x20000, &len, true);
    g_assert_nonnull(p);
    g_assert_true(p != (uint8_t *)memory_region_get_ram_ptr(&f->rom));
    memset(p, 0x55, len);
    address_space_unmap(&f->as, p, len, true, len);
    g_assert_cmphex(((uint8_t *)memory_region_get_ram_ptr(&f->rom))[0], ==, 0);
    /* ROM for reading: direct. */
    len = 0x10;
    p = map(f, 0x20000, &len, false);
    g_assert_true(p == (uint8_t *)memory_region_get_ram_ptr(&f->rom));
    address_space_unmap(&f->as, p, len, false, len);
}

static void test_bounce_several(Fixture *f, gconstpointer d)
{
    hwaddr l1 = 768 * KiB, l2 = 768 * KiB, l3 = 16, l4 = 16;
    uint8_t *p1, *p2, *p3, *p4;
    (void)d;

    /* Several at once, each with its own contents. */
    p1 = map(f, 0x1000000, &l1, false);
    g_assert_nonnull(p1);
    g_assert_cmphex(l1, ==, 768 * KiB);
    /* The second gets what is left of the budget. */
    p2 = map(f, 0x1000001, &l2, false);
    g_assert_nonnull(p2);
    g_assert_cmphex(l2, ==, BOUNCE_LIMIT - 768 * KiB);
    g_assert_cmphex(p1[0], ==, 0);
    g_assert_cmphex(p2[0], ==, 1);
    /* Over the bound: NULL. */
    p3 = map(f, 0x1000000, &l3, false);
    g_assert_null(p3);
    g_assert_cmphex(l3, ==, 0);
    /* RAM still maps directly. */
    l4 = 16;
    p4 = map(f, 0x100, &l4, false);
    g_assert_nonnull(p4);
    address_space_unmap(&f->as, p4, l4, false, l4);

    /* Freed budget can be used again. */
    address_space_unmap(&f->as, p1, l1, false, 0);
    l3 = 16;
    p3 = map(f, 0x1000002, &l3, false);
    g_assert_nonnull(p3);
    g_assert_cmphex(p3[0], ==, 2);
    address_space_unmap(&f->as, p3, l3, false, 0);
    address_space_unmap(&f->as, p2, l2, false, 0);

    /* A bounce buffer is cut at the end of the MMIO region. */
    l1 = 0x100;
    p1 = map(f, 0x1000000 + 4 * MiB - 0x10, &l1, false);
    g_assert_nonnull(p1);
    g_assert_cmphex(l1, ==, 0x10);
    address_space_unmap(&f->as, p1, l1, false, 0);
}

static void test_unmap_dirty(Fixture *f, gconstpointer d)
{
    hwaddr len = 0x3000;
    uint8_t *p;
    (void)d;

    memory_region_reset_dirty(&f->ram, 0, 0x10000, DIRTY_MEMORY_VGA);
    memory_region_reset_dirty(&f->ram, 0, 0x10000, DIRTY_MEMORY_MIGRATION);
    p = map(f, 0x1000, &len, true);
    g_assert_nonnull(p);
    memset(p, 1, 0x1800);
    /* Nothing dirty until unmap; then only the bytes accessed. */
    g_assert_false(memory_region_get_dirty(&f->ram, 0, 0x10000, DIRTY_MEMORY_VGA));
    address_space_unmap(&f->as, p, len, true, 0x1800);
    g_assert_true(memory_region_get_dirty(&f->ram, 0x1000, 1, DIRTY_MEMORY_VGA));
    g_assert_true(memory_region_get_dirty(&f->ram, 0x2000, 1, DIRTY_MEMORY_MIGRATION));
    g_assert_false(memory_region_get_dirty(&f->ram, 0x3000, 0x1000, DIRTY_MEMORY_VGA));
    g_assert_false(memory_region_get_dirty(&f->ram, 0, 0x1000, DIRTY_MEMORY_VGA));

    /* A read mapping dirties nothing. */
    memory_region_reset_dirty(&f->ram, 0, 0x10000, DIRTY_MEMORY_VGA);
    len = 0x1000;
    p = map(f, 0x5000, &len, false);
    address_space_unmap(&f->as, p, len, false, len);
    g_assert_false(memory_region_get_dirty(&f->ram, 0, 0x10000, DIRTY_MEMORY_VGA));
}

/* A mapping keeps the RAM alive though its region is removed and destroyed meanwhile. */
static void test_map_outlives_region(Fixture *f, gconstpointer d)
{
    MemoryRegion *ram = g_new0(MemoryRegion, 1);
    hwaddr len = 0x1000;
    uint8_t *p;
    (void)d;

    memory_region_init_ram(ram, "hot-unplugged", 0x4000);
    memory_region_add_subregion(&f->root, 0x800000, ram);
    p = map(f, 0x801000, &len, true);
    g_assert_nonnull(p);
    memory_region_del_subregion(&f->root, ram);
    memory_region_destroy(ram);
    g_free(ram);
    drain_call_rcu(); /* the grace period is over: without the map count the RAM would be gone */
    memset(p, 0x5a, len);
    address_space_unmap(&f->as, p, len, true, len);
    drain_call_rcu();
    /* Unmapping NULL (a failed map) is harmless. */
    address_space_unmap(&f->as, NULL, 0, false, 0);
}

static void test_unmap_unknown(void)
{
    if (g_test_subprocess()) {
        static uint8_t not_guest_memory[16];
        memory_init(UINT64_MAX);
        cpu_physical_memory_unmap(not_guest_memory, 16, false, 0);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*address_space_unmap: * was not mapped*");
}

static void test_cpu_physical(void)
{
    MemoryRegion ram;
    hwaddr len = 0x100;
    uint8_t *p, buf[4] = {9, 8, 7, 6}, out[4];

    memory_init(UINT64_MAX);
    memory_region_init_ram(&ram, "pc.ram", 0x100000);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    p = cpu_physical_memory_map(0x1000, &len, true);
    g_assert_true(p == (uint8_t *)memory_region_get_ram_ptr(&ram) + 0x1000);
    memcpy(p, buf, 4);
    cpu_physical_memory_unmap(p, len, true, 4);
    cpu_physical_memory_rw(0x1000, out, 4, false);
    g_assert_cmpmem(out, 4, buf, 4);
    memory_region_del_subregion(get_system_memory(), &ram);
    memory_region_destroy(&ram);
}

#define ADD(path, fn) g_test_add("/memory-dma/" path, Fixture, NULL, fx_setup, fn, fx_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("map-ram", test_map_ram);
    ADD("map-adjacent-blocks", test_map_adjacent_blocks);
    ADD("bounce-read-write", test_bounce_read_write);
    ADD("bounce-several", test_bounce_several);
    ADD("unmap-dirty", test_unmap_dirty);
    ADD("map-outlives-region", test_map_outlives_region);
    g_test_add_func("/memory-dma/unmap-unknown", test_unmap_unknown);
    g_test_add_func("/memory-dma/cpu-physical", test_cpu_physical);
    return g_test_run();
}
