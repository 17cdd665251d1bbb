/*
 * test-kvm-multiboot.c: the multiboot v1 loader (hw/i386/multiboot.c) on
 * synthetic images: header search, ELF32/ELF64 and a.out-kludge loading, the
 * information structure, modules, the entry state, and bad images.
 * No accelerator: the boot CPU's CPUX86State is checked directly.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "exec/memory.h"
#include "hw/core/cpu.h"
#include "hw/i386/e820.h"
#include "hw/i386/multiboot.h"
#include "sysemu/cpus.h"
#include "target/x86/cpu.h"
#include <glib/gstdio.h>

#define RAM_SIZE     (16 * MiB)
#define LOAD_ADDR    0x100000u
#define MB_FLAGS_MEM 0x00000003u
#define MB_FLAG_AOUT (1u << 16)

static MemoryRegion ram;
static MachineState ms;
static char *tmpdir;

static const E820Entry test_e820[] = {
    {0, 0x9fc00, E820_RAM},
    {0x9fc00, 0x400, E820_RESERVED},
    {0xf0000, 0x10000, E820_RESERVED},
    {0x100000, RAM_SIZE - 0x100000, E820_RAM},
};

static uint8_t *ram_at(uint32_t addr)
{
    return (uint8_t *)memory_region_get_ram_ptr(&ram) + addr;
}

static uint32_t ram32(uint32_t addr)
{
    uint32_t v;

    memcpy(&v, ram_at(addr), 4);
    return v;
}

static void put32(GByteArray *b, size_t off, uint32_t v)
{
    if (b->len < off + 4) {
        g_byte_array_set_size(b, off + 4);
    }
    memcpy(b->data + off, &v, 4);
}

static void put16(GByteArray *b, size_t off, uint16_t v)
{
    memcpy(b->data + off, &v, 2);
}

static void put64(GByteArray *b, size_t off, uint64_t v)
{
    memcpy(b->data + off, &v, 8);
}

static void put_header(GByteArray *b, size_t off, uint32_t flags)
{
    put32(b, off, MULTIBOOT_HEADER_MAGIC);
    put32(b, off + 4, flags);
    put32(b, off + 8, -(MULTIBOOT_HEADER_MAGIC + flags));
}

/*
 * An ELF32 image: segment 0 is 0x200 bytes of 0x11 at file 0x1000 loaded at
 * paddr (vaddr = paddr + voff) with 0x300 bytes of bss; segment 1 is 16 bytes
 * of 0x22 at file 0x1200 loaded at paddr + 0x10000. Header at 0x100.
 */
static GByteArray *make_elf32(uint32_t paddr, uint32_t voff)
{
    GByteArray *b = g_byte_array_new();

    g_byte_array_set_size(b, 0x1210);
    memset(b->data, 0, b->len);
    memcpy(b->data, "\177ELF", 4);
    b->data[4] = 1;                    /* ELFCLASS32 */
    b->data[5] = 1;                    /* little-endian */
    put16(b, 16, 2);                   /* ET_EXEC */
    put16(b, 18, 3);                   /* EM_386 */
    put32(b, 24, paddr + voff + 0x10); /* entry, virtual */
    put32(b, 28, 52);                  /* phoff */
    put16(b, 42, 32);                  /* phentsize */
    put16(b, 44, 2);                   /* phnum */
    for (int i = 0; i < 2; i++) {
        size_t ph = 52 + 32 * i;

        put32(b, ph, 1); /* PT_LOAD */
        put32(b, ph + 4, i ? 0x1200 : 0x1000);
        put32(b, ph + 8, paddr + voff + i * 0x10000);
        put32(b, ph + 12, paddr + i * 0x10000);
        put32(b, ph + 16, i ? 16 : 0x200);
        put32(b, ph + 20, i ? 16 : 0x500);
    }
    put_header(b, 0x100, MB_FLAGS_MEM);
    memset(b->data + 0x1000, 0x11, 0x200);
    memset(b->data + 0x1200, 0x22, 16);
    return b;
}

static char *write_image(const char *name, GByteArray *b)
{
    char *path = g_build_filename(tmpdir, name, NULL);

    /* no fsync: the file is read back at once and thrown away */
    g_assert_true(g_file_set_contents_full(path, (const char *)b->data, b->len,
                                           G_FILE_SET_CONTENTS_NONE, 0644, NULL));
    return path;
}

static bool load(const char *path, const char *cmdline, const char *initrd, MultibootLayout *layout,
                 GError **err)
{
    return multiboot_load(&ms, path, cmdline, initrd, test_e820, G_N_ELEMENTS(test_e820), layout,
                          err);
}

static void test_probe(void)
{
    g_autoptr(GByteArray) b = g_byte_array_new();

    g_byte_array_set_size(b, 16 * KiB);
    memset(b->data, 0, b->len);
    g_assert_false(multiboot_probe(b->data, b->len));
    put_header(b, MULTIBOOT_SEARCH - 12, 0); /* last possible place */
    g_assert_true(multiboot_probe(b->data, b->len));
    g_assert_false(multiboot_probe(b->data, MULTIBOOT_SEARCH - 1)); /* cut short */
    memset(b->data, 0, b->len);
    put_header(b, MULTIBOOT_SEARCH, 0); /* beyond the first 8 KiB */
    g_assert_false(multiboot_probe(b->data, b->len));
    put_header(b, 6, 0); /* not 4-byte aligned */
    g_assert_false(multiboot_probe(b->data, b->len));
    put_header(b, 8, 0);
    put32(b, 16, 0); /* bad checksum */
    g_assert_false(multiboot_probe(b->data, b->len));
    g_assert_false(multiboot_probe(b->data, 0));
}

static void test_elf32(void)
{
    g_autoptr(GByteArray) b = make_elf32(LOAD_ADDR, 0);
    g_autofree char *path = write_image("elf32", b);
    g_autofree char *expect_cmd = g_strdup_printf("%s console=ttyS0", path);
    CPUX86State *env = ms.cpus[0]->env;
    MultibootLayout l;
    GError *err = NULL;
    uint32_t info, mmap;

    memset(ram_at(LOAD_ADDR), 0xcc, 0x20000);
    g_assert_true(load(path, "console=ttyS0", NULL, &l, &err));
    g_assert_no_error(err);
    /* segments and bss */
    g_assert_cmpuint(ram_at(LOAD_ADDR)[0], ==, 0x11);
    g_assert_cmpuint(ram_at(LOAD_ADDR)[0x1ff], ==, 0x11);
    g_assert_cmpuint(ram_at(LOAD_ADDR)[0x200], ==, 0);
    g_assert_cmpuint(ram_at(LOAD_ADDR)[0x4ff], ==, 0);
    g_assert_cmpuint(ram_at(LOAD_ADDR)[0x500], ==, 0xcc);
    g_assert_cmpuint(ram_at(LOAD_ADDR + 0x10000)[15], ==, 0x22);
    g_assert_cmphex(l.entry, ==, LOAD_ADDR + 0x10);
    g_assert_cmphex(l.kernel_low, ==, LOAD_ADDR);
    g_assert_cmphex(l.kernel_high, ==, LOAD_ADDR + 0x10010);
    g_assert_cmphex(l.info_addr % 4096, ==, 0);
    g_assert_cmphex(l.info_addr, >=, l.kernel_high);

    /* entry state (Multiboot 3.2) */
    g_assert_cmphex(env->regs[R_EAX], ==, MULTIBOOT_BOOTLOADER_MAGIC);
    g_assert_cmphex(env->regs[R_EBX], ==, l.info_addr);
    g_assert_cmphex(env->rip, ==, l.entry);
    g_assert_cmphex(env->cr[0] & (CR0_PE_MASK | CR0_PG_MASK), ==, CR0_PE_MASK);
    g_assert_false(env->rflags & IF_MASK);
    g_assert_cmpint(x86_cpu_code_bits(env), ==, 32);
    g_assert_cmphex(env->segs[R_CS].base, ==, 0);
    g_assert_cmphex(env->segs[R_CS].limit, ==, 0xffffffff);
    g_assert_cmphex(env->segs[R_DS].limit, ==, 0xffffffff);
    g_assert_true(env->segs[R_SS].flags & DESC_W_MASK);
    g_assert_true(ms.cpus[0]->vcpu_dirty);
    /* the GDT holds what the segment registers say */
    g_assert_cmphex(env->gdt.limit, ==, 23);
    g_assert_cmphex(ram32(env->gdt.base + env->segs[R_CS].selector + 4), ==, 0x00cf9b00);
    g_assert_cmphex(ram32(env->gdt.base + env->segs[R_DS].selector + 4), ==, 0x00cf9300);

    /* information structure (Multiboot 3.3) */
    info = l.info_addr;
    g_assert_cmphex(ram32(info) & 0x245, ==, 0x245); /* mem, cmdline, mmap, loader name */
    g_assert_cmpuint(ram32(info + 4), ==, 0x9fc00 / 1024);
    g_assert_cmpuint(ram32(info + 8), ==, (RAM_SIZE - MiB) / 1024);
    g_assert_cmpstr((const char *)ram_at(ram32(info + 16)), ==, expect_cmd);
    g_assert_cmpstr((const char *)ram_at(ram32(info + 64)), ==, "tern");
    g_assert_cmpuint(ram32(info + 44), ==, 24 * G_N_ELEMENTS(test_e820));
    mmap = ram32(info + 48);
    for (unsigned i = 0; i < G_N_ELEMENTS(test_e820); i++) {
        g_assert_cmpuint(ram32(mmap + 24 * i), ==, 20);
        g_assert_cmpmem(ram_at(mmap + 24 * i + 4), 20, &test_e820[i], 20);
    }
    g_assert_cmpuint(ram32(info) & (1u << 3), ==, 0); /* no modules */
}

static void test_elf32_virtual_entry(void)
{
    g_autoptr(GByteArray) b = make_elf32(0x200000, 0xc0000000u);
    g_autofree char *path = write_image("elf32-high", b);
    MultibootLayout l;
    GError *err = NULL;

    g_assert_true(load(path, NULL, NULL, &l, &err));
    g_assert_no_error(err);
    g_assert_cmphex(l.entry, ==, 0x200010); /* translated to the physical address */
    g_assert_cmpuint(ram_at(0x200000)[0], ==, 0x11);
}

static void test_elf64(void)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    g_autofree char *path = NULL;
    MultibootLayout l;
    GError *err = NULL;

    g_byte_array_set_size(b, 0x1100);
    memset(b->data, 0, b->len);
    memcpy(b->data, "\177ELF", 4);
    b->data[4] = 2; /* ELFCLASS64 */
    b->data[5] = 1;
    put16(b, 16, 2);
    put16(b, 18, 62); /* EM_X86_64 */
    put64(b, 24, 0x300000);
    put64(b, 32, 64); /* phoff */
    put16(b, 54, 56);
    put16(b, 56, 1);
    put32(b, 64, 1);
    put64(b, 64 + 8, 0x1000);
    put64(b, 64 + 16, 0x300000);
    put64(b, 64 + 24, 0x300000);
    put64(b, 64 + 32, 0x100);
    put64(b, 64 + 40, 0x100);
    put_header(b, 0x200, 0);
    memset(b->data + 0x1000, 0x64, 0x100);
    path = write_image("elf64", b);
    g_assert_true(load(path, "", NULL, &l, &err));
    g_assert_no_error(err);
    g_assert_cmphex(l.entry, ==, 0x300000);
    g_assert_cmpuint(ram_at(0x3000ff)[0], ==, 0x64);
    g_assert_cmpstr((const char *)ram_at(ram32(l.info_addr + 16)), ==, path);
}

static void test_aout_kludge(void)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    g_autofree char *path = NULL;
    const uint32_t load_addr = 0x400000, hdr_off = 0x40;
    MultibootLayout l;
    GError *err = NULL;

    g_byte_array_set_size(b, 0x800);
    memset(b->data, 0x5a, b->len);
    put_header(b, hdr_off, MB_FLAGS_MEM | MB_FLAG_AOUT);
    put32(b, hdr_off + 12, load_addr + hdr_off); /* header_addr */
    put32(b, hdr_off + 16, load_addr);           /* load_addr */
    put32(b, hdr_off + 20, load_addr + 0x600);   /* load_end_addr */
    put32(b, hdr_off + 24, load_addr + 0x1000);  /* bss_end_addr */
    put32(b, hdr_off + 28, load_addr + 0x80);    /* entry_addr */
    path = write_image("aout", b);
    memset(ram_at(load_addr), 0xcc, 0x2000);
    g_assert_true(load(path, NULL, NULL, &l, &err));
    g_assert_no_error(err);
    g_assert_cmphex(l.entry, ==, load_addr + 0x80);
    g_assert_cmpuint(ram_at(load_addr)[0], ==, 0x5a);
    g_assert_cmpuint(ram_at(load_addr)[0x5ff], ==, 0x5a);
    g_assert_cmpuint(ram_at(load_addr)[0x600], ==, 0); /* bss */
    g_assert_cmpuint(ram_at(load_addr)[0xfff], ==, 0);
    g_assert_cmphex(l.info_addr, ==, load_addr + 0x1000); /* next page after the bss */
}

static void test_modules(void)
{
    g_autoptr(GByteArray) b = make_elf32(LOAD_ADDR, 0);
    g_autofree char *path = write_image("elf-mods", b);
    g_autofree char *m1 = g_build_filename(tmpdir, "mod1", NULL);
    g_autofree char *m2 = g_build_filename(tmpdir, "mod2", NULL);
    g_autofree char *spec = g_strdup_printf("%s arg1 a,,b,%s", m1, m2);
    g_autofree char *str1 = g_strdup_printf("%s arg1 a,b", m1);
    MultibootLayout l;
    GError *err = NULL;
    uint32_t mods;

    g_assert_true(g_file_set_contents(m1, "first module", -1, NULL));
    g_assert_true(g_file_set_contents(m2, "second", -1, NULL));
    g_assert_true(load(path, NULL, spec, &l, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(l.mods_count, ==, 2);
    g_assert_true(ram32(l.info_addr) & (1u << 3));
    g_assert_cmpuint(ram32(l.info_addr + 20), ==, 2);
    mods = ram32(l.info_addr + 24);
    g_assert_cmphex(ram32(mods) % 4096, ==, 0); /* page-aligned (header flag 0) */
    g_assert_cmpuint(ram32(mods + 4) - ram32(mods), ==, strlen("first module"));
    g_assert_cmpmem(ram_at(ram32(mods)), 12, "first module", 12);
    g_assert_cmpstr((const char *)ram_at(ram32(mods + 8)), ==, str1);
    g_assert_cmpmem(ram_at(ram32(mods + 16)), 6, "second", 6);
    g_assert_cmpstr((const char *)ram_at(ram32(mods + 24)), ==, m2);
    g_assert_cmphex(ram32(mods + 16), >=, ram32(mods + 4));
}

/* Expects the load to fail with a message containing want (and the file name). */
static void expect_error(GByteArray *b, const char *name, const char *initrd, const char *want)
{
    g_autofree char *path = write_image(name, b);
    GError *err = NULL;

    g_assert_false(load(path, NULL, initrd, NULL, &err));
    g_assert_nonnull(err);
    if (!strstr(err->message, want) || (!initrd && !strstr(err->message, path))) {
        g_error("error '%s' lacks '%s' or the file name", err->message, want);
    }
    g_error_free(err);
}

static void test_bad_images(void)
{
    g_autoptr(GByteArray) none = g_byte_array_new();
    g_autoptr(GByteArray) sum = make_elf32(LOAD_ADDR, 0);
    g_autoptr(GByteArray) trunc = make_elf32(LOAD_ADDR, 0);
    g_autoptr(GByteArray) outside = make_elf32(RAM_SIZE - 0x100, 0);
    g_autoptr(GByteArray) hole = make_elf32(0xa0000, 0);
    g_autoptr(GByteArray) flags = g_byte_array_new();
    g_autoptr(GByteArray) notelf = g_byte_array_new();
    g_autoptr(GByteArray) good = make_elf32(LOAD_ADDR, 0);
    g_autoptr(GByteArray) aout = g_byte_array_new();
    GError *err = NULL;

    g_byte_array_set_size(none, 9000);
    memset(none->data, 0, none->len);
    expect_error(none, "none", NULL, "no multiboot header");
    put32(sum, 0x108, 0);
    expect_error(sum, "sum", NULL, "bad checksum");
    g_byte_array_set_size(trunc, 0x1100); /* segment 0 needs 0x1200 */
    expect_error(trunc, "trunc", NULL, "truncated");
    expect_error(outside, "outside", NULL, "outside guest RAM");
    expect_error(hole, "hole", NULL, "outside guest RAM"); /* the VGA hole is not RAM */
    g_byte_array_set_size(flags, 64);
    memset(flags->data, 0, flags->len);
    put_header(flags, 0, 1u << 5); /* a required feature nobody knows */
    expect_error(flags, "flags", NULL, "unknown features");
    g_byte_array_set_size(notelf, 64);
    memset(notelf->data, 0, notelf->len);
    put_header(notelf, 0, MB_FLAGS_MEM);
    expect_error(notelf, "notelf", NULL, "not ELF");
    expect_error(good, "good-bad-module", "/nonexistent/module", "/nonexistent/module");
    g_byte_array_set_size(aout, 0x100);
    memset(aout->data, 0, aout->len);
    put_header(aout, 0x40, MB_FLAGS_MEM | MB_FLAG_AOUT);
    put32(aout, 0x40 + 12, 0x400040); /* header_addr */
    put32(aout, 0x40 + 16, 0x400000); /* load_addr */
    put32(aout, 0x40 + 20, 0x401000); /* load_end_addr: past the end of the file */
    put32(aout, 0x40 + 28, 0x400080); /* entry_addr */
    expect_error(aout, "aout-trunc", NULL, "truncated");
    put32(aout, 0x40 + 20, 0x3f0000); /* load_end_addr below load_addr */
    expect_error(aout, "aout-end", NULL, "below load_addr");
    put32(aout, 0x40 + 20, 0);
    put32(aout, 0x40 + 12, 0x500000); /* header_addr past the header's place */
    expect_error(aout, "aout-hdr", NULL, "bad a.out load addresses");

    g_assert_false(load("/nonexistent/kernel", NULL, NULL, NULL, &err));
    g_assert_nonnull(strstr(err->message, "/nonexistent/kernel"));
    g_clear_error(&err);
}

/* Random images with a valid header (ELF or a.out, fields random): load or fail, never crash. */
static void test_random_images(void)
{
    for (int iter = 0; iter < 300; iter++) {
        g_autoptr(GByteArray) b = g_byte_array_new();
        g_autofree char *path = NULL;
        bool elf = g_test_rand_bit();
        /* an ELF image needs room for the header past its 52-byte ELF header */
        size_t len = g_test_rand_int_range(elf ? 4 * (13 + 8) + 4 : 64, 12 * 1024);
        size_t hdr = 4 * g_test_rand_int_range(elf ? 13 : 0, MIN(len, 8192) / 4 - 8);
        GError *err = NULL;

        g_byte_array_set_size(b, len);
        for (size_t i = 0; i < len; i++) {
            b->data[i] = g_test_rand_int_range(0, 256);
        }
        if (elf) {
            memcpy(b->data, "\177ELF", 4);
            b->data[4] = g_test_rand_int_range(1, 3);
            put16(b, 44, g_test_rand_int_range(0, 4)); /* few program headers */
            put16(b, 56, g_test_rand_int_range(0, 4));
        }
        put_header(b, hdr, MB_FLAGS_MEM | (elf ? 0 : MB_FLAG_AOUT));
        path = write_image("random", b);
        if (!load(path, "x", NULL, NULL, &err)) {
            g_assert_nonnull(err);
            g_assert_nonnull(strstr(err->message, path));
            g_clear_error(&err);
        }
    }
}

static void cleanup_tmpdir(void)
{
    g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *p = g_build_filename(tmpdir, name, NULL);
        g_unlink(p);
    }
    g_rmdir(tmpdir);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-multiboot-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    qemu_init_main_loop();
    bql_lock();
    memory_init(UINT64_MAX);
    memory_region_init_ram(&ram, "test-ram", RAM_SIZE);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    ms.ram_size = RAM_SIZE;
    ms.smp_cpus = 1;
    ms.ram = &ram;
    ms.cpus = g_new0(CPUState *, 1);
    ms.cpus[0] = cpu_create(0);

    g_test_add_func("/multiboot/probe", test_probe);
    g_test_add_func("/multiboot/elf32", test_elf32);
    g_test_add_func("/multiboot/elf32-virtual-entry", test_elf32_virtual_entry);
    g_test_add_func("/multiboot/elf64", test_elf64);
    g_test_add_func("/multiboot/aout-kludge", test_aout_kludge);
    g_test_add_func("/multiboot/modules", test_modules);
    g_test_add_func("/multiboot/bad-images", test_bad_images);
    g_test_add_func("/multiboot/random-images", test_random_images);
    ret = g_test_run();

    qemu_destroy_vcpus();
    g_free(ms.cpus);
    cleanup_tmpdir();
    g_free(tmpdir);
    bql_unlock();
    return ret;
}
