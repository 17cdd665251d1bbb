/*
 * memory-test.h: shared by the memory-core unit tests (test-memory.c,
 * test-memory-mmio.c): a fresh 2^64-byte root and address space per test,
 * the flat view as text, byte accessors, and a recording MMIO device. Each
 * test-*.c is its own program, so the helpers are static inline here.
 */
#ifndef TESTS_UNIT_MEMORY_TEST_H
#define TESTS_UNIT_MEMORY_TEST_H

#include "qemu/osdep.h"
#include "exec/memory.h"

/* A fresh 2^64-byte root and its address space for each test. */
typedef struct Fixture {
    MemoryRegion root;
    AddressSpace as;
} Fixture;

static inline void fx_setup(Fixture *f, gconstpointer data)
{
    (void)data;
    memory_region_init(&f->root, "root", UINT64_MAX);
    address_space_init(&f->as, &f->root, "test");
}

static inline void fx_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    address_space_destroy(&f->as);
    while (f->root.subregions->len) {
        memory_region_del_subregion(&f->root, g_ptr_array_index(f->root.subregions, 0));
    }
    memory_region_destroy(&f->root);
}

/* The flat view as text: "start-last name@offset" per range, for exact comparisons. */
static inline char *view_str(AddressSpace *as)
{
    FlatView *fv = address_space_get_flatview(as);
    GString *s = g_string_new("");

    for (unsigned i = 0; i < flatview_nr_sections(fv); i++) {
        MemoryRegionSection sec = flatview_section(fv, i);
        g_string_append_printf(s, "%s%" PRIx64 "-%" PRIx64 " %s@%" PRIx64, i ? " " : "",
                               sec.offset_within_address_space,
                               sec.offset_within_address_space + sec.size - 1,
                               memory_region_name(sec.mr), sec.offset_within_region);
    }
    flatview_unref(fv);
    return g_string_free(s, false);
}

#define assert_view(as, expected)                                                                  \
    do {                                                                                           \
        g_autofree char *v_ = view_str(as);                                                        \
        g_assert_cmpstr(v_, ==, expected);                                                         \
    } while (0)

static inline uint8_t rd8(AddressSpace *as, hwaddr addr)
{
    return address_space_ldub(as, addr, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline void wr8(AddressSpace *as, hwaddr addr, uint8_t v)
{
    address_space_stb(as, addr, v, MEMTXATTRS_UNSPECIFIED, NULL);
}

/* --- a recording device: each call is kept; 64 byte registers, reset 0x10 + i -------- */

typedef struct Call {
    bool write;
    hwaddr addr;
    unsigned size;
    uint64_t data;
} Call;

typedef struct Dev {
    GArray *calls; /* Call */
    uint8_t regs[64];
} Dev;

static inline uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    Dev *dev = opaque;
    uint64_t v = 0;
    Call c = {false, addr, size, 0};

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)dev->regs[(addr + i) % sizeof(dev->regs)] << (8 * i);
    }
    c.data = v;
    g_array_append_val(dev->calls, c);
    return v;
}

static inline void dev_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    Dev *dev = opaque;
    Call c = {true, addr, size, data};

    for (unsigned i = 0; i < size; i++) {
        dev->regs[(addr + i) % sizeof(dev->regs)] = (uint8_t)(data >> (8 * i));
    }
    g_array_append_val(dev->calls, c);
}

static inline void dev_init(Dev *dev)
{
    dev->calls = g_array_new(false, true, sizeof(Call));
    for (unsigned i = 0; i < sizeof(dev->regs); i++) {
        dev->regs[i] = (uint8_t)(0x10 + i);
    }
}

static const MemoryRegionOps ops_impl1 = {
    .read = dev_read,
    .write = dev_write,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

static inline void assert_call(Dev *dev, unsigned i, bool write, hwaddr addr, unsigned size,
                               uint64_t data)
{
    Call *c;

    g_assert_cmpuint(i, <, dev->calls->len);
    c = &g_array_index(dev->calls, Call, i);
    g_assert_cmpint(c->write, ==, write);
    g_assert_cmphex(c->addr, ==, addr);
    g_assert_cmpuint(c->size, ==, size);
    g_assert_cmphex(c->data, ==, data);
}

#endif
