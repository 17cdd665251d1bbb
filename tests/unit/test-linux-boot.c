/*
 * test-linux-boot.c: the Linux boot protocol loader and the e820 table, on
 * synthetic bzImages and a fake guest RAM buffer.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/i386/e820.h"
#include "hw/i386/linux-boot.h"
#include "target/x86/cpu.h"

#define SETUP_SECTS   4
#define SETUP_SIZE    ((SETUP_SECTS + 1) * 512)
#define KERNEL_BYTES  (64 * 1024)
#define IMAGE_SIZE    (SETUP_SIZE + KERNEL_BYTES)
#define PREF_ADDRESS  (16 * MiB)
#define INIT_SIZE     (8 * MiB)
#define FAKE_RAM_SIZE (64 * MiB)

static void put16(uint8_t *p, size_t off, uint16_t v)
{
    p[off] = v;
    p[off + 1] = v >> 8;
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
    put16(p, off, v);
    put16(p, off + 2, v >> 16);
}

static uint64_t get64(const uint8_t *p, size_t off)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = v << 8 | p[off + i];
    }
    return v;
}

static uint32_t get32(const uint8_t *p, size_t off)
{
    return (uint32_t)get64(p, off);
}

/* A 2.15 bzImage header with a 64-bit entry and a recognisable kernel body. */
static uint8_t *make_image(void)
{
    uint8_t *img = g_malloc0(IMAGE_SIZE);

    img[LINUX_HDR_SETUP_SECTS] = SETUP_SECTS;
    put32(img, LINUX_HDR_SYSSIZE, KERNEL_BYTES / 16);
    put16(img, LINUX_HDR_BOOT_FLAG, LINUX_BOOT_FLAG_MAGIC);
    img[LINUX_HDR_JUMP] = 0xeb;
    img[LINUX_HDR_JUMP + 1] = 0x6a; /* header ends at 0x26c */
    put32(img, LINUX_HDR_HEADER, LINUX_HDRS_MAGIC);
    put16(img, LINUX_HDR_VERSION, 0x20f);
    img[LINUX_HDR_LOADFLAGS] = LINUX_LOADED_HIGH;
    put32(img, LINUX_HDR_INITRD_ADDR_MAX, 0x7fffffff);
    put32(img, LINUX_HDR_KERNEL_ALIGN, 2 * MiB);
    img[LINUX_HDR_RELOCATABLE] = 1;
    put16(img, LINUX_HDR_XLOADFLAGS, LINUX_XLF_KERNEL_64 | 0x2);
    put32(img, LINUX_HDR_CMDLINE_SIZE, 2047);
    put32(img, LINUX_HDR_PREF_ADDRESS, PREF_ADDRESS);
    put32(img, LINUX_HDR_INIT_SIZE, INIT_SIZE);
    for (size_t i = 0; i < KERNEL_BYTES; i++) {
        img[SETUP_SIZE + i] = (uint8_t)(i * 7 + 3);
    }
    return img;
}

/* A PC-like map for a machine with ram bytes below 4 GiB. */
static void make_e820(uint64_t ram)
{
    e820_reset();
    g_assert_true(e820_add_entry(0, 0x9fc00, E820_RAM));
    g_assert_true(e820_add_entry(0x9fc00, 0x400, E820_RESERVED));
    g_assert_true(e820_add_entry(0xf0000, 0x10000, E820_RESERVED));
    g_assert_true(e820_add_entry(1 * MiB, ram - 1 * MiB, E820_RAM));
}

static bool parse(const uint8_t *img, size_t len, LinuxKernelInfo *k, GError **errp)
{
    return linux_parse_header("bzImage.test", img, len, k, errp);
}

static void test_parse_good(void)
{
    g_autofree uint8_t *img = make_image();
    LinuxKernelInfo k;
    GError *err = NULL;

    g_assert_true(parse(img, IMAGE_SIZE, &k, &err));
    g_assert_no_error(err);
    g_assert_cmphex(k.protocol, ==, 0x20f);
    g_assert_cmpuint(k.setup_size, ==, SETUP_SIZE);
    g_assert_cmpuint(k.kernel_size, ==, KERNEL_BYTES);
    g_assert_cmphex(k.hdr_end, ==, 0x26c);
    g_assert_cmpuint(k.cmdline_size, ==, 2047);
    g_assert_cmphex(k.pref_address, ==, PREF_ADDRESS);
    g_assert_cmpuint(k.init_size, ==, INIT_SIZE);
    g_assert_true(k.relocatable);
    g_assert_cmphex(k.initrd_addr_max, ==, 0x7fffffff);
}

/* setup_sects == 0 means 4 (boot.rst). */
static void test_parse_setup_sects_zero(void)
{
    g_autofree uint8_t *img = make_image();
    LinuxKernelInfo k;

    img[LINUX_HDR_SETUP_SECTS] = 0;
    g_assert_true(parse(img, IMAGE_SIZE, &k, NULL));
    g_assert_cmpuint(k.setup_size, ==, 5 * 512);
}

static void expect_parse_error(const uint8_t *img, size_t len, const char *needle)
{
    LinuxKernelInfo k;
    GError *err = NULL;

    g_assert_false(parse(img, len, &k, &err));
    g_assert_nonnull(err);
    g_assert_true(g_str_has_prefix(err->message, "bzImage.test: "));
    if (!strstr(err->message, needle)) {
        g_error("'%s' does not mention '%s'", err->message, needle);
    }
    g_assert_null(strchr(err->message, '\n'));
    g_error_free(err);
}

static void test_parse_bad_magic(void)
{
    g_autofree uint8_t *img = make_image();

    put32(img, LINUX_HDR_HEADER, 0x464c457f); /* an ELF file */
    expect_parse_error(img, IMAGE_SIZE, "not a Linux bzImage");
    img = (g_free(img), make_image());
    put16(img, LINUX_HDR_BOOT_FLAG, 0);
    expect_parse_error(img, IMAGE_SIZE, "not a Linux bzImage");
}

static void test_parse_truncated(void)
{
    g_autofree uint8_t *img = make_image();

    expect_parse_error(img, IMAGE_SIZE - 1, "truncated");
    expect_parse_error(img, SETUP_SIZE, "truncated");
    expect_parse_error(img, 0x200, "too short");
    expect_parse_error(img, 0, "too short");
}

static void test_parse_too_old(void)
{
    g_autofree uint8_t *img = make_image();

    put16(img, LINUX_HDR_VERSION, 0x205);
    expect_parse_error(img, IMAGE_SIZE, "2.05 is too old");
}

static void test_parse_no_64bit_entry(void)
{
    g_autofree uint8_t *img = make_image();

    put16(img, LINUX_HDR_XLOADFLAGS, 0x2);
    expect_parse_error(img, IMAGE_SIZE, "no 64-bit entry");
    /* 2.06..2.11 have no xloadflags at all */
    put16(img, LINUX_HDR_XLOADFLAGS, LINUX_XLF_KERNEL_64);
    put16(img, LINUX_HDR_VERSION, 0x20a);
    expect_parse_error(img, IMAGE_SIZE, "no 64-bit entry");
}

static void test_parse_zimage(void)
{
    g_autofree uint8_t *img = make_image();

    img[LINUX_HDR_LOADFLAGS] = 0;
    expect_parse_error(img, IMAGE_SIZE, "zImage");
}

static void test_plan_pref_address(void)
{
    g_autofree uint8_t *img = make_image();
    LinuxKernelInfo k;
    LinuxBootPlan plan;
    unsigned n;
    const E820Entry *e = (make_e820(128 * MiB), e820_get_table(&n));

    g_assert_true(parse(img, IMAGE_SIZE, &k, NULL));
    g_assert_true(linux_plan(&k, e, n, 10, 4 * MiB + 1, &plan, NULL));
    g_assert_cmphex(plan.kernel_addr, ==, PREF_ADDRESS);
    g_assert_cmphex(plan.entry, ==, PREF_ADDRESS + 0x200);
    /* initrd at the top of RAM, page aligned, above the kernel's init_size */
    g_assert_cmphex(plan.initrd_addr, ==, 128 * MiB - 4 * MiB - 4096);
    g_assert_cmpuint(plan.initrd_size, ==, 4 * MiB + 1);
    g_assert_cmphex(plan.boot_params, ==, LINUX_BOOT_PARAMS_ADDR);
}

/* Too little RAM for pref_address + init_size: the kernel goes to 1 MiB. */
static void test_plan_low_kernel(void)
{
    g_autofree uint8_t *img = make_image();
    LinuxKernelInfo k;
    LinuxBootPlan plan;
    unsigned n;
    const E820Entry *e = (make_e820(20 * MiB), e820_get_table(&n));

    g_assert_true(parse(img, IMAGE_SIZE, &k, NULL));
    g_assert_true(linux_plan(&k, e, n, 0, 0, &plan, NULL));
    g_assert_cmphex(plan.kernel_addr, ==, 1 * MiB);
    g_assert_cmphex(plan.initrd_addr, ==, 0);
}

/* initrd_addr_max is the last byte the initrd may use. */
static void test_plan_initrd_addr_max(void)
{
    g_autofree uint8_t *img = make_image();
    LinuxKernelInfo k;
    LinuxBootPlan plan;
    unsigned n;
    const E820Entry *e = (make_e820(512 * MiB), e820_get_table(&n));

    g_assert_true(parse(img, IMAGE_SIZE, &k, NULL));
    k.initrd_addr_max = 256 * MiB - 1;
    g_assert_true(linux_plan(&k, e, n, 0, 1 * MiB, &plan, NULL));
    g_assert_cmphex(plan.initrd_addr, ==, 255 * MiB);
}

static void test_plan_initrd_too_big(void)
{
    g_autofree uint8_t *img = make_image();
    LinuxKernelInfo k;
    LinuxBootPlan plan;
    GError *err = NULL;
    unsigned n;
    const E820Entry *e = (make_e820(64 * MiB), e820_get_table(&n));

    g_assert_true(parse(img, IMAGE_SIZE, &k, NULL));
    /* 64 MiB - 24 MiB above the kernel: 41 MiB cannot fit */
    g_assert_false(linux_plan(&k, e, n, 0, 41 * MiB, &plan, &err));
    g_assert_error(err, TERN_ERROR, LINUX_ERR_INITRD);
    g_assert_nonnull(strstr(err->message, "does not fit"));
    g_clear_error(&err);
    g_assert_true(linux_plan(&k, e, n, 0, 39 * MiB, &plan, NULL));
    g_assert_cmphex(plan.initrd_addr, >=, PREF_ADDRESS + INIT_SIZE);
}

static void test_plan_cmdline_too_long(void)
{
    g_autofree uint8_t *img = make_image();
    LinuxKernelInfo k;
    LinuxBootPlan plan;
    GError *err = NULL;
    unsigned n;
    const E820Entry *e = (make_e820(64 * MiB), e820_get_table(&n));

    g_assert_true(parse(img, IMAGE_SIZE, &k, NULL));
    g_assert_true(linux_plan(&k, e, n, 2047, 0, &plan, NULL));
    g_assert_false(linux_plan(&k, e, n, 2048, 0, &plan, &err));
    g_assert_error(err, TERN_ERROR, LINUX_ERR_CMDLINE);
    g_error_free(err);
}

static void test_plan_no_ram(void)
{
    g_autofree uint8_t *img = make_image();
    LinuxKernelInfo k;
    LinuxBootPlan plan;
    GError *err = NULL;
    unsigned n;
    const E820Entry *e = (make_e820(4 * MiB), e820_get_table(&n));

    g_assert_true(parse(img, IMAGE_SIZE, &k, NULL));
    g_assert_false(linux_plan(&k, e, n, 0, 0, &plan, &err));
    g_assert_error(err, TERN_ERROR, LINUX_ERR_KERNEL);
    g_error_free(err);
}

static void test_boot_params(void)
{
    g_autofree uint8_t *img = make_image();
    g_autofree uint8_t *bp = g_malloc(LINUX_BP_SIZE);
    LinuxKernelInfo k;
    LinuxBootPlan plan;
    unsigned n;
    const E820Entry *e = (make_e820(128 * MiB), e820_get_table(&n));

    g_assert_true(parse(img, IMAGE_SIZE, &k, NULL));
    g_assert_true(linux_plan(&k, e, n, 5, 8192, &plan, NULL));
    linux_build_boot_params(bp, img, &k, &plan, e, n, 0xe0010);
    g_assert_cmphex(get32(bp, LINUX_HDR_HEADER), ==, LINUX_HDRS_MAGIC);
    g_assert_cmphex(bp[LINUX_HDR_TYPE_OF_LOADER], ==, 0xff);
    g_assert_cmphex(get32(bp, LINUX_HDR_CMD_LINE_PTR), ==, plan.cmdline);
    g_assert_cmphex(get32(bp, LINUX_HDR_RAMDISK_IMAGE), ==, plan.initrd_addr);
    g_assert_cmphex(get32(bp, LINUX_HDR_RAMDISK_SIZE), ==, 8192);
    g_assert_cmphex(get64(bp, LINUX_BP_ACPI_RSDP_ADDR), ==, 0xe0010);
    g_assert_cmpuint(bp[LINUX_BP_E820_ENTRIES], ==, n);
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *p = bp + LINUX_BP_E820_TABLE + i * 20;
        g_assert_cmphex(get64(p, 0), ==, e[i].addr);
        g_assert_cmphex(get64(p, 8), ==, e[i].size);
        g_assert_cmphex(get32(p, 16), ==, e[i].type);
    }
    /* nothing past the setup header leaks in from the image */
    g_assert_cmpuint(bp[0x26c], ==, 0);
}

/* Walks the tables in buf (at guest base) for a 4-level translation. */
static bool walk(const uint8_t *pt, uint64_t base, uint64_t va, uint64_t *pa)
{
    uint64_t pml4e = get64(pt, ((va >> 39) & 511) * 8);
    uint64_t pdpte, pde;

    if (!(pml4e & 1)) {
        return false;
    }
    pdpte = get64(pt, (pml4e & ~0xfffULL) - base + ((va >> 30) & 511) * 8);
    if (!(pdpte & 1) || (pdpte & 0x80)) {
        return false;
    }
    pde = get64(pt, (pdpte & ~0xfffULL) - base + ((va >> 21) & 511) * 8);
    if (!(pde & 1) || !(pde & 0x80) || !(pde & 2)) {
        return false;
    }
    *pa = (pde & ~(2 * MiB - 1) & ((1ULL << 52) - 1)) | (va & (2 * MiB - 1));
    return true;
}

static void test_page_tables(void)
{
    g_autofree uint8_t *pt = g_malloc(LINUX_PAGE_TABLES_SIZE);
    const uint64_t probes[] = {0,       0x1000,          2 * MiB - 1, 16 * MiB + 0x200,
                               1 * GiB, 3 * GiB + 12345, 0xfee00000,  4 * GiB - 1};
    uint64_t pa;

    linux_build_page_tables(pt, LINUX_PAGE_TABLES_ADDR);
    for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
        g_assert_true(walk(pt, LINUX_PAGE_TABLES_ADDR, probes[i], &pa));
        g_assert_cmphex(pa, ==, probes[i]);
    }
    g_assert_false(walk(pt, LINUX_PAGE_TABLES_ADDR, 4 * GiB, &pa));
    g_assert_false(walk(pt, LINUX_PAGE_TABLES_ADDR, 1ULL << 39, &pa));
}

static void test_gdt(void)
{
    uint64_t gdt[LINUX_GDT_ENTRIES];
    uint64_t cs, ds;

    linux_build_gdt(gdt);
    cs = gdt[LINUX_BOOT_CS / 8];
    ds = gdt[LINUX_BOOT_DS / 8];
    g_assert_cmphex(gdt[0], ==, 0);
    g_assert_true(cs & (1ULL << 47));             /* present */
    g_assert_true(cs & (1ULL << 53));             /* L: 64-bit code */
    g_assert_false(cs & (1ULL << 54));            /* D must be 0 with L */
    g_assert_cmphex((cs >> 40) & 0x1a, ==, 0x1a); /* code, readable */
    g_assert_true(ds & (1ULL << 47));
    g_assert_cmphex((ds >> 40) & 0x1a, ==, 0x12); /* data, writable */
}

/* The 64-bit entry state the boot protocol asks for, from a power-up state. */
static void test_setup_cpu(void)
{
    CPUX86State env = {0};
    LinuxBootEntry entry = {.rip = PREF_ADDRESS + 0x200,
                            .rsi = LINUX_BOOT_PARAMS_ADDR,
                            .cr3 = LINUX_PAGE_TABLES_ADDR,
                            .gdt_base = LINUX_GDT_ADDR,
                            .gdt_limit = 31};

    x86_cpu_reset(&env, true);
    linux_boot_setup_cpu(&env, &entry);
    g_assert_cmphex(env.rip, ==, PREF_ADDRESS + 0x200);
    g_assert_cmphex(env.regs[R_ESI], ==, LINUX_BOOT_PARAMS_ADDR);
    g_assert_cmphex(env.regs[R_EDX], ==, 0);
    g_assert_false(env.rflags & IF_MASK);
    g_assert_true(env.cr[0] & CR0_PE_MASK);
    g_assert_true(env.cr[0] & CR0_PG_MASK);
    g_assert_true(env.cr[4] & CR4_PAE_MASK);
    g_assert_true(env.efer & MSR_EFER_LME);
    g_assert_true(env.efer & MSR_EFER_LMA);
    g_assert_cmphex(env.cr[3], ==, LINUX_PAGE_TABLES_ADDR);
    g_assert_cmphex(env.segs[R_CS].selector, ==, LINUX_BOOT_CS);
    g_assert_true(env.segs[R_CS].flags & DESC_L_MASK);
    g_assert_false(env.segs[R_CS].flags & DESC_B_MASK);
    for (int i = 0; i < CPU_NB_SEGS; i++) {
        g_assert_cmphex(env.segs[i].base, ==, 0);
        if (i != R_CS) {
            g_assert_cmphex(env.segs[i].selector, ==, LINUX_BOOT_DS);
            g_assert_true(env.segs[i].flags & DESC_W_MASK);
        }
    }
    g_assert_cmphex((env.tr.flags & DESC_TYPE_MASK) >> DESC_TYPE_SHIFT, ==, DESC_TYPE_TSS64_BUSY);
    g_assert_cmphex(env.gdt.base, ==, LINUX_GDT_ADDR);
    g_assert_cmpuint(env.gdt.limit, ==, 31);
    g_assert_cmpuint(x86_cpu_code_bits(&env), ==, 64);
    g_assert_true(env.apic_base & MSR_IA32_APICBASE_BSP); /* kept from reset */
}

/* A fake guest: one RAM buffer at 0. */
typedef struct FakeRam {
    uint8_t *mem;
    uint64_t size;
} FakeRam;

static bool fake_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    FakeRam *r = opaque;

    if (addr > r->size || len > r->size - addr) {
        return false;
    }
    memcpy(r->mem + addr, buf, len);
    return true;
}

static char *write_tmp(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, data, len, NULL));
    return path;
}

static void test_load(void)
{
    g_autofree char *dir = g_dir_make_tmp("tern-lb-XXXXXX", NULL);
    g_autofree uint8_t *img = make_image();
    g_autofree char *kpath = write_tmp(dir, "bzImage", img, IMAGE_SIZE);
    g_autofree char *ipath = write_tmp(dir, "initrd", "INITRD-DATA", 11);
    FakeRam ram = {.mem = g_malloc0(FAKE_RAM_SIZE), .size = FAKE_RAM_SIZE};
    LinuxBootEntry entry;
    GError *err = NULL;
    unsigned n;
    const E820Entry *e = (make_e820(FAKE_RAM_SIZE), e820_get_table(&n));
    const uint8_t *bp = ram.mem + LINUX_BOOT_PARAMS_ADDR;

    g_assert_true(
        linux_load(kpath, ipath, "console=ttyS0", e, n, 0, fake_write, &ram, &entry, &err));
    g_assert_no_error(err);
    g_assert_cmphex(entry.rip, ==, PREF_ADDRESS + 0x200);
    g_assert_cmphex(entry.rsi, ==, LINUX_BOOT_PARAMS_ADDR);
    g_assert_cmphex(entry.cr3, ==, LINUX_PAGE_TABLES_ADDR);
    g_assert_cmpuint(entry.gdt_limit, ==, 31);
    g_assert_cmpmem(ram.mem + PREF_ADDRESS, KERNEL_BYTES, img + SETUP_SIZE, KERNEL_BYTES);
    g_assert_cmpstr((char *)ram.mem + get32(bp, LINUX_HDR_CMD_LINE_PTR), ==, "console=ttyS0");
    g_assert_cmpmem(ram.mem + get32(bp, LINUX_HDR_RAMDISK_IMAGE), 11, "INITRD-DATA", 11);
    g_assert_cmphex(get32(bp, LINUX_HDR_RAMDISK_IMAGE), ==, FAKE_RAM_SIZE - 4096);
    g_assert_cmphex(get64(ram.mem, LINUX_GDT_ADDR + LINUX_BOOT_CS), ==, 0x00af9b000000ffffULL);
    g_free(ram.mem);
    unlink(kpath);
    unlink(ipath);
    rmdir(dir);
}

static void test_load_errors(void)
{
    g_autofree char *dir = g_dir_make_tmp("tern-lb-XXXXXX", NULL);
    g_autofree uint8_t *img = make_image();
    g_autofree char *kpath = write_tmp(dir, "bzImage", img, IMAGE_SIZE);
    g_autofree char *empty = write_tmp(dir, "empty", "", 0);
    g_autofree char *missing = g_build_filename(dir, "missing", NULL);
    FakeRam ram = {.mem = g_malloc0(FAKE_RAM_SIZE), .size = FAKE_RAM_SIZE};
    LinuxBootEntry entry;
    GError *err = NULL;
    unsigned n;
    const E820Entry *e = (make_e820(FAKE_RAM_SIZE), e820_get_table(&n));

    g_assert_false(linux_load(missing, NULL, NULL, e, n, 0, fake_write, &ram, &entry, &err));
    g_assert_true(g_str_has_prefix(err->message, "-kernel "));
    g_assert_nonnull(strstr(err->message, "missing"));
    g_clear_error(&err);
    g_assert_false(linux_load(empty, NULL, NULL, e, n, 0, fake_write, &ram, &entry, &err));
    g_assert_nonnull(strstr(err->message, "too short"));
    g_clear_error(&err);
    g_assert_false(linux_load(kpath, empty, NULL, e, n, 0, fake_write, &ram, &entry, &err));
    g_assert_nonnull(strstr(err->message, "-initrd"));
    g_clear_error(&err);
    /* a RAM map bigger than the memory behind it: the loader's write fails cleanly */
    ram.size = 8 * MiB;
    g_assert_false(linux_load(kpath, NULL, NULL, e, n, 0, fake_write, &ram, &entry, &err));
    g_assert_nonnull(strstr(err->message, "kernel"));
    g_clear_error(&err);
    g_free(ram.mem);
    unlink(kpath);
    unlink(empty);
    rmdir(dir);
}

static void test_e820_sorted(void)
{
    unsigned n;
    const E820Entry *e;

    e820_reset();
    g_assert_true(e820_add_entry(1 * MiB, 1 * MiB, E820_RAM));
    g_assert_true(e820_add_entry(0, 0x9fc00, E820_RAM));
    g_assert_true(e820_add_entry(0xfeffc000, 0x4000, E820_RESERVED));
    g_assert_true(e820_add_entry(0xf0000, 0x10000, E820_RESERVED));
    e = e820_get_table(&n);
    g_assert_cmpuint(n, ==, 4);
    g_assert_cmpuint(e820_get_num_entries(), ==, 4);
    for (unsigned i = 1; i < n; i++) {
        g_assert_cmphex(e[i - 1].addr + e[i - 1].size, <=, e[i].addr);
    }
    g_assert_cmphex(e[1].addr, ==, 0xf0000);
    g_assert_true(e820_range_is(0x100000, 0x1000, E820_RAM));
    g_assert_false(e820_range_is(0x1ff000, 0x2000, E820_RAM));
    g_assert_cmpstr(e820_type_name(E820_ACPI), ==, "ACPI");
    g_assert_cmpstr(e820_type_name(99), ==, "unknown");
    g_assert_cmpuint(sizeof(E820Entry), ==, 20);
}

static void test_e820_rejects(void)
{
    e820_reset();
    g_assert_true(e820_add_entry(0x1000, 0x1000, E820_RAM));
    g_assert_false(e820_add_entry(0x1fff, 1, E820_RAM));     /* overlap at the end */
    g_assert_false(e820_add_entry(0, 0x1001, E820_RAM));     /* overlap at the start */
    g_assert_false(e820_add_entry(0x5000, 0, E820_RAM));     /* empty */
    g_assert_false(e820_add_entry(UINT64_MAX, 2, E820_RAM)); /* wraps */
    g_assert_true(e820_add_entry(UINT64_MAX - 0xfff, 0x1000, E820_RESERVED)); /* top */
    for (unsigned i = 2; i < E820_MAX_ENTRIES; i++) {
        g_assert_true(e820_add_entry(0x10000 * i, 0x100, E820_RAM));
    }
    g_assert_false(e820_add_entry(0x1000000000ULL, 0x100, E820_RAM)); /* full */
    e820_reset();
    g_assert_cmpuint(e820_get_num_entries(), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/linux-boot/parse/good", test_parse_good);
    g_test_add_func("/linux-boot/parse/setup-sects-zero", test_parse_setup_sects_zero);
    g_test_add_func("/linux-boot/parse/bad-magic", test_parse_bad_magic);
    g_test_add_func("/linux-boot/parse/truncated", test_parse_truncated);
    g_test_add_func("/linux-boot/parse/too-old", test_parse_too_old);
    g_test_add_func("/linux-boot/parse/no-64bit-entry", test_parse_no_64bit_entry);
    g_test_add_func("/linux-boot/parse/zimage", test_parse_zimage);
    g_test_add_func("/linux-boot/plan/pref-address", test_plan_pref_address);
    g_test_add_func("/linux-boot/plan/low-kernel", test_plan_low_kernel);
    g_test_add_func("/linux-boot/plan/initrd-addr-max", test_plan_initrd_addr_max);
    g_test_add_func("/linux-boot/plan/initrd-too-big", test_plan_initrd_too_big);
    g_test_add_func("/linux-boot/plan/cmdline-too-long", test_plan_cmdline_too_long);
    g_test_add_func("/linux-boot/plan/no-ram", test_plan_no_ram);
    g_test_add_func("/linux-boot/boot-params", test_boot_params);
    g_test_add_func("/linux-boot/page-tables", test_page_tables);
    g_test_add_func("/linux-boot/gdt", test_gdt);
    g_test_add_func("/linux-boot/setup-cpu", test_setup_cpu);
    g_test_add_func("/linux-boot/load", test_load);
    g_test_add_func("/linux-boot/load-errors", test_load_errors);
    g_test_add_func("/e820/sorted", test_e820_sorted);
    g_test_add_func("/e820/rejects", test_e820_rejects);
    return g_test_run();
}
