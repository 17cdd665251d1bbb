/*
 * test-memory-dirty.c: dirty bitmaps per RAM block and client: set by
 * address_space_write (also through aliases), not by reads or dropped ROM
 * writes, page granular, clients independent, get/set/reset.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"

#define PAGE TARGET_PAGE_SIZE

typedef struct Fixture {
    MemoryRegion root, ram, rom, alias;
    AddressSpace as;
} Fixture;

static void reset_all(MemoryRegion *mr)
{
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        memory_region_reset_dirty(mr, 0, memory_region_size(mr), c);
    }
}

static void fx_setup(Fixture *f, gconstpointer data)
{
    (void)data;
    memory_region_init(&f->root, "root", UINT64_MAX);
    address_space_init(&f->as, &f->root, "dirty");
    memory_region_init_ram(&f->ram, "ram", 16 * PAGE);
    memory_region_init_rom(&f->rom, "rom", 2 * PAGE);
    memory_region_init_alias(&f->alias, "ram-hi", &f->ram, 8 * PAGE, 8 * PAGE);
    memory_region_add_subregion(&f->root, 0, &f->ram);
    memory_region_add_subregion(&f->root, 0x100000, &f->rom);
    memory_region_add_subregion(&f->root, 0x200000, &f->alias);
}

static void fx_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    address_space_destroy(&f->as);
    memory_region_del_subregion(&f->root, &f->ram);
    memory_region_del_subregion(&f->root, &f->rom);
    memory_region_del_subregion(&f->root, &f->alias);
    memory_region_destroy(&f->alias);
    memory_region_destroy(&f->ram);
    memory_region_destroy(&f->rom);
    memory_region_destroy(&f->root);
}

static void test_initial(Fixture *f, gconstpointer d)
{
    (void)d;
    /* New RAM starts dirty for everyone, so a first display refresh draws it all. */
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_assert_true(memory_region_get_dirty(&f->ram, 15 * PAGE, 1, c));
    }
    reset_all(&f->ram);
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_assert_false(memory_region_get_dirty(&f->ram, 0, 16 * PAGE, c));
    }
}

static void test_write_marks(Fixture *f, gconstpointer d)
{
    uint8_t buf[PAGE + 2] = {0};
    (void)d;

    reset_all(&f->ram);
    /* Reads dirty nothing. */
    address_space_read(&f->as, 0, MEMTXATTRS_UNSPECIFIED, buf, sizeof(buf));
    g_assert_false(memory_region_get_dirty(&f->ram, 0, 16 * PAGE, DIRTY_MEMORY_VGA));

    /* One byte: its page only, for every client. */
    address_space_stb(&f->as, 3 * PAGE + 5, 1, MEMTXATTRS_UNSPECIFIED, NULL);
    for (unsigned c = 0; c < DIRTY_MEMORY_NUM; c++) {
        g_assert_true(memory_region_get_dirty(&f->ram, 3 * PAGE, PAGE, c));
        g_assert_false(memory_region_get_dirty(&f->ram, 0, 3 * PAGE, c));
        g_assert_false(memory_region_get_dirty(&f->ram, 4 * PAGE, 12 * PAGE, c));
    }
    /* Crossing a page boundary: both pages (and not a third). */
    address_space_write(&f->as, 5 * PAGE - 1, MEMTXATTRS_UNSPECIFIED, buf, PAGE + 2);
    g_assert_true(memory_region_get_dirty(&f->ram, 4 * PAGE, 1, DIRTY_MEMORY_MIGRATION));
    g_assert_true(memory_region_get_dirty(&f->ram, 5 * PAGE, 1, DIRTY_MEMORY_MIGRATION));
    g_assert_true(memory_region_get_dirty(&f->ram, 6 * PAGE, 1, DIRTY_MEMORY_MIGRATION));
    g_assert_false(memory_region_get_dirty(&f->ram, 7 * PAGE, PAGE, DIRTY_MEMORY_MIGRATION));
}

static void test_clients_separate(Fixture *f, gconstpointer d)
{
    (void)d;
    reset_all(&f->ram);
    address_space_stl_le(&f->as, 2 * PAGE, 0x12345678, MEMTXATTRS_UNSPECIFIED, NULL);
    /* The display consumes its bit; migration still sees the page. */
    memory_region_reset_dirty(&f->ram, 2 * PAGE, PAGE, DIRTY_MEMORY_VGA);
    g_assert_false(memory_region_get_dirty(&f->ram, 2 * PAGE, PAGE, DIRTY_MEMORY_VGA));
    g_assert_true(memory_region_get_dirty(&f->ram, 2 * PAGE, PAGE, DIRTY_MEMORY_MIGRATION));
    g_assert_true(memory_region_get_dirty(&f->ram, 2 * PAGE, PAGE, DIRTY_MEMORY_CODE));
    /* set_dirty marks every client. */
    memory_region_set_dirty(&f->ram, 9 * PAGE + 1, 1);
    g_assert_true(memory_region_get_dirty(&f->ram, 9 * PAGE, 1, DIRTY_MEMORY_VGA));
    /* Resetting part of a range only clears those pages. */
    memory_region_set_dirty(&f->ram, 0, 16 * PAGE);
    memory_region_reset_dirty(&f->ram, PAGE, 2 * PAGE, DIRTY_MEMORY_VGA);
    g_assert_true(memory_region_get_dirty(&f->ram, 0, 1, DIRTY_MEMORY_VGA));
    g_assert_false(memory_region_get_dirty(&f->ram, PAGE, 2 * PAGE, DIRTY_MEMORY_VGA));
    g_assert_true(memory_region_get_dirty(&f->ram, 3 * PAGE, 1, DIRTY_MEMORY_VGA));
    /* Size 0 is never dirty; ranges past the end are clipped. */
    g_assert_false(memory_region_get_dirty(&f->ram, 0, 0, DIRTY_MEMORY_VGA));
    g_assert_true(memory_region_get_dirty(&f->ram, 15 * PAGE, 100 * PAGE, DIRTY_MEMORY_VGA));
    g_assert_false(memory_region_get_dirty(&f->ram, 100 * PAGE, PAGE, DIRTY_MEMORY_VGA));
}

static void test_alias_and_rom(Fixture *f, gconstpointer d)
{
    (void)d;
    reset_all(&f->ram);
    reset_all(&f->rom);
    /* Through the alias: the target's page is marked. */
    address_space_stb(&f->as, 0x200000 + PAGE, 7, MEMTXATTRS_UNSPECIFIED, NULL);
    g_assert_true(memory_region_get_dirty(&f->ram, 9 * PAGE, 1, DIRTY_MEMORY_VGA));
    g_assert_false(memory_region_get_dirty(&f->ram, 0, 9 * PAGE, DIRTY_MEMORY_VGA));
    /* A guest write to ROM is dropped and dirties nothing; a loader's write does. */
    address_space_stb(&f->as, 0x100000, 7, MEMTXATTRS_UNSPECIFIED, NULL);
    g_assert_false(memory_region_get_dirty(&f->rom, 0, 2 * PAGE, DIRTY_MEMORY_VGA));
    address_space_write_rom(&f->as, 0x100000 + PAGE, MEMTXATTRS_UNSPECIFIED, "x", 1);
    g_assert_true(memory_region_get_dirty(&f->rom, PAGE, 1, DIRTY_MEMORY_CODE));
    g_assert_false(memory_region_get_dirty(&f->rom, 0, 1, DIRTY_MEMORY_CODE));
}

static void test_not_ram(void)
{
    if (g_test_subprocess()) {
        static MemoryRegion c;
        memory_region_init(&c, "just-a-box", 0x1000);
        memory_region_get_dirty(&c, 0, 1, DIRTY_MEMORY_VGA);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*memory_region_get_dirty: 'just-a-box' is not RAM*");
}

#define ADD(path, fn) g_test_add("/memory-dirty/" path, Fixture, NULL, fx_setup, fn, fx_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("initial", test_initial);
    ADD("write-marks", test_write_marks);
    ADD("clients-separate", test_clients_separate);
    ADD("alias-and-rom", test_alias_and_rom);
    g_test_add_func("/memory-dirty/not-ram", test_not_ram);
    return g_test_run();
}
