/*
 * test-pc.c: the PC machine's memory map and e820 table for several -m
 * sizes, the ROMs, -bios images, and the boot-time breakdown.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "hw/i386/pc.h"
#include "hw/i386/e820.h"
#include "hw/qdev.h"
#include "hw/rtc/mc146818rtc.h"
#include "qemu/main-loop.h"
#include "sysemu/accel.h"

/* One machine's memory map built in a private root, as the system memory would be. */
typedef struct Fixture {
    MemoryRegion root;
    AddressSpace as;
    MachineState ms;
    PCMachineState pcms;
} Fixture;

static Fixture *fixture_new(uint64_t ram_size, const char *bios)
{
    Fixture *f = g_new0(Fixture, 1);
    GError *err = NULL;

    memory_region_init(&f->root, "test-system", UINT64_MAX);
    address_space_init(&f->as, &f->root, "test-memory");
    f->ms.ram_size = ram_size;
    f->ms.firmware = bios;
    g_assert_true(pc_memory_init(&f->pcms, &f->ms, &f->root, &err));
    g_assert_no_error(err);
    return f;
}

static void fixture_free(Fixture *f)
{
    pc_memory_cleanup(&f->pcms);
    address_space_destroy(&f->as);
    memory_region_destroy(&f->root);
    g_free(f);
}

/* The region and offset that back addr in the flat view, or NULL. */
static MemoryRegion *backing(Fixture *f, hwaddr addr, hwaddr *offset)
{
    FlatView *fv = address_space_get_flatview(&f->as);
    MemoryRegionSection s;
    MemoryRegion *mr = NULL;

    if (flatview_lookup(fv, addr, &s)) {
        mr = s.mr;
        *offset = s.offset_within_region + (addr - s.offset_within_address_space);
    }
    flatview_unref(fv);
    return mr;
}

static void assert_ram_at(Fixture *f, hwaddr addr, hwaddr ram_offset)
{
    hwaddr off = 0;
    MemoryRegion *mr = backing(f, addr, &off);

    if (mr != &f->pcms.ram || off != ram_offset) {
        g_error("0x%" PRIx64 ": expected pc.ram+0x%" PRIx64 ", got %s+0x%" PRIx64, addr, ram_offset,
                mr ? memory_region_name(mr) : "nothing", off);
    }
}

static void assert_region_at(Fixture *f, hwaddr addr, MemoryRegion *want, hwaddr want_off)
{
    hwaddr off = 0;
    MemoryRegion *mr = backing(f, addr, &off);

    if (mr != want || (want && off != want_off)) {
        g_error("0x%" PRIx64 ": expected %s+0x%" PRIx64 ", got %s+0x%" PRIx64, addr,
                want ? memory_region_name(want) : "nothing", want_off,
                mr ? memory_region_name(mr) : "nothing", off);
    }
}

/* Every byte of every e820 RAM/ACPI entry is RAM in the flat view, at the right offset. */
static void check_e820_against_flatview(Fixture *f)
{
    FlatView *fv = address_space_get_flatview(&f->as);
    unsigned n, nsec = flatview_nr_sections(fv);
    const E820Entry *e = e820_get_table(&n);
    uint64_t below = f->ms.below_4g_mem_size, ram_bytes = 0;

    for (unsigned i = 0; i < n; i++) {
        uint64_t start = e[i].addr, end = e[i].addr + e[i].size;

        if (i > 0) {
            g_assert_cmphex(e[i - 1].addr + e[i - 1].size, <=, start);
        }
        if (e[i].type != E820_RAM && e[i].type != E820_ACPI) {
            continue;
        }
        ram_bytes += e[i].size;
        for (unsigned j = 0; j < nsec; j++) {
            MemoryRegionSection s = flatview_section(fv, j);
            uint64_t s_start = s.offset_within_address_space, s_end = s_start + s.size;
            if (s_end <= start || s_start >= end) {
                continue;
            }
            g_assert_true(s.mr == &f->pcms.ram);
            g_assert_cmphex(s_start, <=, MAX(s_start, start));
            /* the guest address maps to the RAM offset QEMU's layout gives it */
            uint64_t expect =
                s_start >= PC_ABOVE_4G_BASE ? s_start - PC_ABOVE_4G_BASE + below : s_start;
            g_assert_cmphex(s.offset_within_region, ==, expect);
        }
    }
    flatview_unref(fv);
    /* RAM lost only to the EBDA..1 MiB legacy area */
    g_assert_cmphex(ram_bytes, ==, f->ms.ram_size - (PC_ISA_BIOS_END - PC_EBDA_BASE));
    g_assert_true(e820_range_is(PC_KVM_RESERVED_BASE, PC_KVM_RESERVED_SIZE, E820_RESERVED));
    g_assert_true(e820_range_is(PC_SYSTEM_BIOS_BASE, 0x10000, E820_RESERVED));
    g_assert_true(e820_range_is(PC_IOAPIC_BASE, PC_IOAPIC_SIZE, E820_RESERVED));
    g_assert_true(e820_range_is(PC_LAPIC_BASE, PC_LAPIC_SIZE, E820_RESERVED));
    g_assert_true(e820_range_is(4 * GiB - f->pcms.bios_size, f->pcms.bios_size, E820_RESERVED));
    g_assert_true(e820_range_is(f->pcms.acpi_base, PC_ACPI_AREA_SIZE, E820_ACPI));
}

static void check_legacy_area(Fixture *f)
{
    PCMachineState *p = &f->pcms;

    assert_ram_at(f, 0, 0);
    assert_ram_at(f, 0x9ffff, 0x9ffff);
    assert_region_at(f, PC_VGA_BASE, &p->vga_hole, 0);
    assert_region_at(f, PC_OPTION_ROM_BASE, &p->option_rom, 0);
    assert_region_at(f, 0xe0000, &p->bios, p->bios_size - PC_ISA_BIOS_MAX_SIZE);
    assert_region_at(f, 0xfffff, &p->bios, p->bios_size - 1);
    assert_ram_at(f, 0x100000, 0x100000);
    assert_region_at(f, 4 * GiB - 16, &p->bios, p->bios_size - 16);
    assert_region_at(f, PC_IOAPIC_BASE, NULL, 0); /* no IOAPIC model: nothing yet */
}

typedef struct LayoutCase {
    const char *name;
    uint64_t ram_size, below, above;
} LayoutCase;

static const LayoutCase layouts[] = {
    {"128M", 128 * MiB, 128 * MiB, 0},        {"3G", 3 * GiB, 3 * GiB, 0},
    {"3.5G", 3584 * MiB, 3 * GiB, 512 * MiB}, {"3.5G-4K", 3584 * MiB - 4096, 3584 * MiB - 4096, 0},
    {"4G", 4 * GiB, 3 * GiB, 1 * GiB},        {"8G", 8 * GiB, 3 * GiB, 5 * GiB},
};

static void test_layout(gconstpointer data)
{
    const LayoutCase *c = data;
    Fixture *f = fixture_new(c->ram_size, NULL);

    g_assert_cmphex(f->ms.below_4g_mem_size, ==, c->below);
    g_assert_cmphex(f->ms.above_4g_mem_size, ==, c->above);
    g_assert_true(f->ms.ram == &f->pcms.ram);
    check_legacy_area(f);
    assert_ram_at(f, c->below - 1, c->below - 1);
    assert_region_at(f, c->below, NULL, 0); /* the PCI hole: nothing mapped */
    if (c->above) {
        assert_ram_at(f, 4 * GiB, c->below);
        assert_ram_at(f, 4 * GiB + c->above - 1, c->ram_size - 1);
    }
    assert_region_at(f, 4 * GiB + c->above, NULL, 0);
    check_e820_against_flatview(f);
    fixture_free(f);
}

static void test_ram_split(void)
{
    uint64_t below, above;

    pc_ram_split(PC_LOWMEM_MAX - 1, &below, &above);
    g_assert_cmphex(below, ==, PC_LOWMEM_MAX - 1);
    g_assert_cmphex(above, ==, 0);
    pc_ram_split(PC_LOWMEM_MAX, &below, &above);
    g_assert_cmphex(below, ==, PC_LOWMEM_SPLIT);
    g_assert_cmphex(above, ==, PC_LOWMEM_MAX - PC_LOWMEM_SPLIT);
}

static void test_rom_readonly(void)
{
    Fixture *f = fixture_new(128 * MiB, NULL);
    const uint8_t junk[4] = {1, 2, 3, 4};
    uint8_t buf[4];

    /* built-in reset vector: cli; hlt; jmp hlt */
    address_space_read(&f->as, 4 * GiB - 16, MEMTXATTRS_UNSPECIFIED, buf, 4);
    g_assert_cmphex(buf[0], ==, 0xfa);
    g_assert_cmphex(buf[1], ==, 0xf4);
    address_space_write(&f->as, 4 * GiB - 16, MEMTXATTRS_UNSPECIFIED, junk, 4);
    address_space_read(&f->as, 4 * GiB - 16, MEMTXATTRS_UNSPECIFIED, buf, 4);
    g_assert_cmphex(buf[0], ==, 0xfa);
    /* the same ROM through its alias below 1 MiB */
    address_space_read(&f->as, 0xffff0, MEMTXATTRS_UNSPECIFIED, buf, 4);
    g_assert_cmphex(buf[1], ==, 0xf4);
    address_space_write(&f->as, 0xffff0, MEMTXATTRS_UNSPECIFIED, junk, 4);
    address_space_read(&f->as, 0xffff0, MEMTXATTRS_UNSPECIFIED, buf, 4);
    g_assert_cmphex(buf[1], ==, 0xf4);
    /* option-ROM area */
    address_space_write(&f->as, PC_OPTION_ROM_BASE, MEMTXATTRS_UNSPECIFIED, junk, 4);
    address_space_read(&f->as, PC_OPTION_ROM_BASE, MEMTXATTRS_UNSPECIFIED, buf, 4);
    g_assert_cmphex(buf[0], ==, 0);
    /* loaders may write ROM */
    address_space_write_rom(&f->as, 0xe0000, MEMTXATTRS_UNSPECIFIED, junk, 4);
    address_space_read(&f->as, 4 * GiB - PC_BIOS_BUILTIN_SIZE, MEMTXATTRS_UNSPECIFIED, buf, 4);
    g_assert_cmpmem(buf, 4, junk, 4);
    /* RAM is writable; the VGA window reads all ones */
    address_space_write(&f->as, 0x1000, MEMTXATTRS_UNSPECIFIED, junk, 4);
    address_space_read(&f->as, 0x1000, MEMTXATTRS_UNSPECIFIED, buf, 4);
    g_assert_cmpmem(buf, 4, junk, 4);
    g_assert_cmphex(address_space_ldl_le(&f->as, PC_VGA_BASE, MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    0xffffffff);
    fixture_free(f);
}

static char *write_bios(const char *dir, size_t size)
{
    g_autofree uint8_t *data = g_malloc(size);
    char *path = g_build_filename(dir, "bios.bin", NULL);

    for (size_t i = 0; i < size; i++) {
        data[i] = (uint8_t)(i >> 12);
    }
    g_assert_true(g_file_set_contents(path, (char *)data, size, NULL));
    return path;
}

static void test_bios_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("tern-pc-XXXXXX", NULL);
    g_autofree char *path = write_bios(dir, 256 * KiB);
    Fixture *f = fixture_new(64 * MiB, path);

    g_assert_false(f->pcms.builtin_bios);
    g_assert_cmphex(f->pcms.bios_size, ==, 256 * KiB);
    assert_region_at(f, 4 * GiB - 256 * KiB, &f->pcms.bios, 0);
    assert_region_at(f, 0xe0000, &f->pcms.bios, 128 * KiB);
    g_assert_cmphex(address_space_ldub(&f->as, 0xe0000, MEMTXATTRS_UNSPECIFIED, NULL), ==,
                    (128 * KiB) >> 12);
    g_assert_true(e820_range_is(4 * GiB - 256 * KiB, 256 * KiB, E820_RESERVED));
    fixture_free(f);
    unlink(path);
    rmdir(dir);
}

static void expect_init_error(uint64_t ram_size, const char *bios, const char *needle)
{
    MemoryRegion root;
    MachineState ms = {.ram_size = ram_size, .firmware = bios};
    PCMachineState pcms;
    GError *err = NULL;

    memory_region_init(&root, "test-system", UINT64_MAX);
    g_assert_false(pc_memory_init(&pcms, &ms, &root, &err));
    g_assert_nonnull(err);
    if (!strstr(err->message, needle)) {
        g_error("'%s' does not mention '%s'", err->message, needle);
    }
    g_error_free(err);
    memory_region_destroy(&root);
}

static void test_bad_options(void)
{
    g_autofree char *dir = g_dir_make_tmp("tern-pc-XXXXXX", NULL);
    g_autofree char *odd = write_bios(dir, 100 * KiB);
    g_autofree char *missing = g_build_filename(dir, "missing.bin", NULL);

    expect_init_error(1 * MiB, NULL, "too little RAM");
    expect_init_error(64 * MiB + 1, NULL, "multiple of 4 KiB");
    expect_init_error(64 * MiB, odd, "multiple of 64 KiB");
    expect_init_error(64 * MiB, missing, "missing.bin");
    unlink(odd);
    rmdir(dir);
}

static void test_boot_time(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    boot_time_reset();
    boot_time_mark(BOOT_START);
    boot_time_mark(BOOT_RAM_START);
    boot_time_mark(BOOT_RAM_DONE);
    boot_time_mark(BOOT_MACHINE_READY);
    boot_time_format(out, 0);
    g_assert_nonnull(strstr(out->str, "machine ready"));
    g_assert_nonnull(strstr(out->str, "RAM allocation"));
    g_assert_null(strstr(out->str, "image loading")); /* not marked: no line */
    g_assert_nonnull(strstr(out->str, "first UART byte"));
    g_assert_nonnull(strstr(out->str, "POST"));
    boot_time_reset();
}

typedef struct CmosCase {
    uint64_t ram_size;
    unsigned cpus;
    uint16_t ext_kib, mem16;
    uint32_t mem4g;
} CmosCase;

static void test_cmos(void)
{
    static const CmosCase cases[] = {
        {2 * MiB, 1, 1024, 0, 0},
        {128 * MiB, 2, 0xffff, 0x700, 0},
        {8 * GiB, 4, 0xffff, 0xbf00, 0x14000},
    };
    DeviceState *dev = qdev_new(TYPE_MC146818_RTC);
    RTCState *rtc = (RTCState *)dev;

    g_assert_true(qdev_realize(dev, NULL));
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const CmosCase *c = &cases[i];
        MachineState ms = {.ram_size = c->ram_size, .smp_cpus = c->cpus};
        PCMachineState pcms = {.ms = &ms, .rtc = rtc};

        pc_ram_split(c->ram_size, &ms.below_4g_mem_size, &ms.above_4g_mem_size);
        pc_cmos_init(&pcms);
        g_assert_cmphex(rtc_get_cmos(rtc, 0x15) | rtc_get_cmos(rtc, 0x16) << 8, ==, 640);
        g_assert_cmphex(rtc_get_cmos(rtc, 0x17) | rtc_get_cmos(rtc, 0x18) << 8, ==, c->ext_kib);
        g_assert_cmphex(rtc_get_cmos(rtc, 0x30) | rtc_get_cmos(rtc, 0x31) << 8, ==, c->ext_kib);
        g_assert_cmphex(rtc_get_cmos(rtc, 0x34) | rtc_get_cmos(rtc, 0x35) << 8, ==, c->mem16);
        g_assert_cmphex(rtc_get_cmos(rtc, 0x5b) | rtc_get_cmos(rtc, 0x5c) << 8 |
                            rtc_get_cmos(rtc, 0x5d) << 16,
                        ==, c->mem4g);
        g_assert_cmpuint(rtc_get_cmos(rtc, 0x5f), ==, c->cpus - 1);
    }
    qdev_unref(dev);
}

/* GSIs go to the accelerator's irqchip when the machine has one, nowhere otherwise. */
static int last_gsi = -1, last_level = -1;

static void fake_set_irq(int gsi, int level)
{
    last_gsi = gsi;
    last_level = level;
}

static void test_gsi(void)
{
    static const AccelOps fake = {.name = "fake", .set_irq = fake_set_irq};
    static MachineState ms = {.kernel_irqchip = true};
    const AccelOps *saved_accel = current_accel;
    MachineState *saved_machine = current_machine;
    qemu_irq *gsi = pc_gsi_init();

    current_accel = &fake;
    current_machine = &ms;
    qemu_set_irq(gsi[PC_SCI_IRQ], 1);
    g_assert_cmpint(last_gsi, ==, PC_SCI_IRQ);
    g_assert_cmpint(last_level, ==, 1);
    qemu_set_irq(gsi[PC_NUM_GSI - 1], 0);
    g_assert_cmpint(last_gsi, ==, PC_NUM_GSI - 1);
    g_assert_cmpint(last_level, ==, 0);
    /* kernel-irqchip=off: no controller yet, the level goes nowhere (logged once) */
    ms.kernel_irqchip = false;
    last_gsi = -1;
    qemu_set_irq(gsi[4], 1);
    g_assert_cmpint(last_gsi, ==, -1);
    current_accel = saved_accel;
    current_machine = saved_machine;
    qemu_free_irqs(gsi, PC_NUM_GSI);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop();
    memory_init(UINT64_MAX);
    g_test_add_func("/pc/cmos", test_cmos);
    g_test_add_func("/pc/gsi", test_gsi);
    for (size_t i = 0; i < ARRAY_SIZE(layouts); i++) {
        g_autofree char *path = g_strdup_printf("/pc/layout/%s", layouts[i].name);
        g_test_add_data_func(path, &layouts[i], test_layout);
    }
    g_test_add_func("/pc/ram-split", test_ram_split);
    g_test_add_func("/pc/rom-readonly", test_rom_readonly);
    g_test_add_func("/pc/bios-file", test_bios_file);
    g_test_add_func("/pc/bad-options", test_bad_options);
    g_test_add_func("/pc/boot-time", test_boot_time);
    return g_test_run();
}
