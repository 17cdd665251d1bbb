/*
 * linux-boot.c: the Linux x86 boot protocol, 64-bit entry.
 *
 * Follows Documentation/arch/x86/boot.rst ("The Linux/x86 Boot Protocol":
 * the real-mode kernel header, "64-bit Boot Protocol") and zero-page.rst for
 * boot_params. tern checks the setup header, builds boot_params with the e820
 * map, command line and initrd, copies the protected-mode kernel and enters it
 * at its 64-bit entry with an identity map and GDT of its own.
 *
 * Left out: the 16-bit and 32-bit entries (a kernel without XLF_KERNEL_64 is
 * refused), setup_data chains, EFI handover, initrd or command line above
 * 4 GiB (ext_* fields stay 0), and zImage (non-LOADED_HIGH) kernels.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/i386/linux-boot.h"
#include "target/x86/cpu.h"

#define SECTOR_SIZE         512
#define DEFAULT_SETUP_SECTS 4         /* setup_sects == 0 means 4 */
#define KERNEL_LOW_ADDR     (1 * MiB) /* where LOADED_HIGH kernels go by default */
#define PAGE_SIZE_4K        4096
#define PAGE_SIZE_2M        (2 * MiB)
#define PTE_PRESENT         (1ULL << 0)
#define PTE_RW              (1ULL << 1)
#define PTE_PS              (1ULL << 7)
#define PROTOCOL_MIN        0x206 /* cmdline_size appeared in 2.06 */
#define PROTOCOL_XLF        0x20c /* xloadflags appeared in 2.12 */
#define PROTOCOL_PREF       0x20a /* pref_address, init_size: 2.10 */
#define PROTOCOL_RSDP       0x20e /* acpi_rsdp_addr: 2.14 */

#define DIV_ROUND_UP_U64(n, d) ((uint64_t)(((uint64_t)(n) + (d)-1) / (d)))

static uint8_t ld8(const uint8_t *p, size_t off)
{
    return p[off];
}

static uint16_t ld16(const uint8_t *p, size_t off)
{
    return p[off] | (uint16_t)p[off + 1] << 8;
}

static uint32_t ld32(const uint8_t *p, size_t off)
{
    return ld16(p, off) | (uint32_t)ld16(p, off + 2) << 16;
}

static uint64_t ld64(const uint8_t *p, size_t off)
{
    return ld32(p, off) | (uint64_t)ld32(p, off + 4) << 32;
}

static void st16(uint8_t *p, size_t off, uint16_t v)
{
    p[off] = v;
    p[off + 1] = v >> 8;
}

static void st32(uint8_t *p, size_t off, uint32_t v)
{
    st16(p, off, v);
    st16(p, off + 2, v >> 16);
}

static void st64(uint8_t *p, size_t off, uint64_t v)
{
    st32(p, off, v);
    st32(p, off + 4, v >> 32);
}

static bool fail(GError **errp, const char *name, const char *fmt, ...) QEMU_PRINTF(3, 4);

static bool fail(GError **errp, const char *name, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(errp, TERN_ERROR, 0, "%s: %s", name, msg);
    return false;
}

/* Signature, version and the flags tern needs; the sizes are checked by the caller. */
static bool check_magic_and_flags(const char *name, const uint8_t *buf, LinuxKernelInfo *k,
                                  GError **errp)
{
    if (ld16(buf, LINUX_HDR_BOOT_FLAG) != LINUX_BOOT_FLAG_MAGIC ||
        ld32(buf, LINUX_HDR_HEADER) != LINUX_HDRS_MAGIC) {
        return fail(errp, name, "not a Linux bzImage (no boot flag 0xAA55 and \"HdrS\" header)");
    }
    k->protocol = ld16(buf, LINUX_HDR_VERSION);
    if (k->protocol < PROTOCOL_MIN) {
        return fail(errp, name, "boot protocol %u.%02u is too old (tern needs 2.06 or later)",
                    k->protocol >> 8, k->protocol & 0xff);
    }
    k->loadflags = ld8(buf, LINUX_HDR_LOADFLAGS);
    if (!(k->loadflags & LINUX_LOADED_HIGH)) {
        return fail(errp, name, "a zImage (not loaded high) is not supported; use a bzImage");
    }
    k->xloadflags = k->protocol >= PROTOCOL_XLF ? ld16(buf, LINUX_HDR_XLOADFLAGS) : 0;
    if (!(k->xloadflags & LINUX_XLF_KERNEL_64)) {
        return fail(errp, name,
                    "no 64-bit entry point (boot protocol %u.%02u, xloadflags 0x%x lack "
                    "XLF_KERNEL_64): not an x86-64 kernel",
                    k->protocol >> 8, k->protocol & 0xff, k->xloadflags);
    }
    return true;
}

bool linux_parse_header(const char *name, const uint8_t *buf, size_t len, LinuxKernelInfo *k,
                        GError **errp)
{
    unsigned setup_sects;

    memset(k, 0, sizeof(*k));
    if (len < LINUX_HDR_MIN_LEN) {
        return fail(errp, name, "too short for a Linux kernel (%zu bytes)", len);
    }
    if (!check_magic_and_flags(name, buf, k, errp)) {
        return false;
    }
    setup_sects = ld8(buf, LINUX_HDR_SETUP_SECTS);
    k->setup_size = ((setup_sects ? setup_sects : DEFAULT_SETUP_SECTS) + 1) * SECTOR_SIZE;
    k->kernel_size = (size_t)ld32(buf, LINUX_HDR_SYSSIZE) * 16;
    k->hdr_end = LINUX_HDR_HEADER + ld8(buf, LINUX_HDR_JUMP + 1);
    if (k->hdr_end > k->setup_size || k->hdr_end < LINUX_HDR_MIN_LEN) {
        return fail(errp, name, "corrupt setup header (it ends at 0x%zx)", k->hdr_end);
    }
    if (k->kernel_size == 0 || len < k->setup_size + k->kernel_size) {
        return fail(errp, name, "truncated: the header announces %zu bytes, the file has %zu",
                    k->setup_size + k->kernel_size, len);
    }
    k->initrd_addr_max = ld32(buf, LINUX_HDR_INITRD_ADDR_MAX);
    k->cmdline_size = ld32(buf, LINUX_HDR_CMDLINE_SIZE);
    k->kernel_alignment = ld32(buf, LINUX_HDR_KERNEL_ALIGN);
    k->relocatable = ld8(buf, LINUX_HDR_RELOCATABLE) != 0;
    if (k->protocol >= PROTOCOL_PREF) {
        k->pref_address = ld64(buf, LINUX_HDR_PREF_ADDRESS);
        k->init_size = ld32(buf, LINUX_HDR_INIT_SIZE);
    }
    if (k->init_size < k->kernel_size) {
        k->init_size = k->kernel_size;
    }
    return true;
}

/* The RAM entry containing [addr, addr+size), or NULL. */
static const E820Entry *ram_entry_for(const E820Entry *e820, unsigned n, uint64_t addr,
                                      uint64_t size)
{
    for (unsigned i = 0; i < n; i++) {
        if (e820[i].type == E820_RAM && addr >= e820[i].addr &&
            addr + size <= e820[i].addr + e820[i].size) {
            return &e820[i];
        }
    }
    return NULL;
}

static bool plan_kernel(const LinuxKernelInfo *k, const E820Entry *e820, unsigned n,
                        LinuxBootPlan *plan, GError **errp)
{
    /* pref_address saves a relocatable kernel from moving itself before it decompresses. */
    if (k->pref_address >= KERNEL_LOW_ADDR && k->pref_address < 4 * GiB &&
        ram_entry_for(e820, n, k->pref_address, k->init_size)) {
        plan->kernel_addr = k->pref_address;
    } else if (ram_entry_for(e820, n, KERNEL_LOW_ADDR, k->init_size)) {
        plan->kernel_addr = KERNEL_LOW_ADDR;
    } else {
        g_set_error(errp, TERN_ERROR, LINUX_ERR_KERNEL,
                    "the kernel needs %u MiB of RAM above 1 MiB to start (init_size); use a "
                    "larger -m",
                    (unsigned)DIV_ROUND_UP_U64(k->init_size, MiB));
        return false;
    }
    plan->entry = plan->kernel_addr + LINUX_ENTRY64_OFFSET;
    return true;
}

/* Highest 4 KiB-aligned place for size bytes in RAM within [lo, hi). */
static uint64_t highest_fit(const E820Entry *e820, unsigned n, uint64_t lo, uint64_t hi,
                            uint64_t size)
{
    uint64_t best = 0;

    for (unsigned i = 0; i < n; i++) {
        uint64_t start = MAX(e820[i].addr, lo), end = MIN(e820[i].addr + e820[i].size, hi);
        if (e820[i].type != E820_RAM || end <= start || end - start < size) {
            continue;
        }
        uint64_t at = QEMU_ALIGN_DOWN(end - size, PAGE_SIZE_4K);
        if (at >= start && at > best) {
            best = at;
        }
    }
    return best;
}

/* The largest RAM range within [lo, hi). */
static uint64_t largest_free(const E820Entry *e820, unsigned n, uint64_t lo, uint64_t hi)
{
    uint64_t best = 0;

    for (unsigned i = 0; i < n; i++) {
        uint64_t start = MAX(e820[i].addr, lo), end = MIN(e820[i].addr + e820[i].size, hi);
        if (e820[i].type == E820_RAM && end > start) {
            best = MAX(best, end - start);
        }
    }
    return best;
}

static bool plan_initrd(const LinuxKernelInfo *k, const E820Entry *e820, unsigned n, uint64_t size,
                        LinuxBootPlan *plan, GError **errp)
{
    uint64_t limit = MIN((uint64_t)k->initrd_addr_max + 1, 4 * GiB);
    uint64_t lo = plan->kernel_addr + QEMU_ALIGN_UP((uint64_t)k->init_size, PAGE_SIZE_4K);

    if (size == 0) {
        return true;
    }
    plan->initrd_addr = lo < limit ? highest_fit(e820, n, lo, limit, size) : 0;
    if (!plan->initrd_addr) {
        g_set_error(errp, TERN_ERROR, LINUX_ERR_INITRD,
                    "does not fit in guest RAM: it is %" PRIu64 " KiB, and %" PRIu64
                    " KiB are free for it above the kernel (which needs %u MiB from 0x%" PRIx64
                    "); use a larger -m",
                    DIV_ROUND_UP_U64(size, KiB), (uint64_t)(largest_free(e820, n, lo, limit) / KiB),
                    (unsigned)DIV_ROUND_UP_U64(k->init_size, MiB), plan->kernel_addr);
        return false;
    }
    plan->initrd_size = size;
    return true;
}

bool linux_plan(const LinuxKernelInfo *k, const E820Entry *e820, unsigned n_e820,
                size_t cmdline_len, uint64_t initrd_size, LinuxBootPlan *plan, GError **errp)
{
    memset(plan, 0, sizeof(*plan));
    if (cmdline_len > k->cmdline_size ||
        cmdline_len >= LINUX_PAGE_TABLES_ADDR - LINUX_CMDLINE_ADDR) {
        g_set_error(errp, TERN_ERROR, LINUX_ERR_CMDLINE,
                    "-append: the command line is %zu bytes; this kernel takes at most %u",
                    cmdline_len, k->cmdline_size);
        return false;
    }
    plan->boot_params = LINUX_BOOT_PARAMS_ADDR;
    plan->gdt = LINUX_GDT_ADDR;
    plan->cmdline = LINUX_CMDLINE_ADDR;
    plan->page_tables = LINUX_PAGE_TABLES_ADDR;
    return plan_kernel(k, e820, n_e820, plan, errp) &&
           plan_initrd(k, e820, n_e820, initrd_size, plan, errp);
}

void linux_build_boot_params(uint8_t bp[LINUX_BP_SIZE], const uint8_t *image,
                             const LinuxKernelInfo *k, const LinuxBootPlan *plan,
                             const E820Entry *e820, unsigned n_e820, uint64_t acpi_rsdp)
{
    memset(bp, 0, LINUX_BP_SIZE);
    memcpy(bp + LINUX_HDR_START, image + LINUX_HDR_START, k->hdr_end - LINUX_HDR_START);
    bp[LINUX_HDR_TYPE_OF_LOADER] = LINUX_LOADER_UNDEFINED;
    st32(bp, LINUX_HDR_CODE32_START, plan->kernel_addr);
    st32(bp, LINUX_HDR_CMD_LINE_PTR, plan->cmdline);
    st32(bp, LINUX_HDR_RAMDISK_IMAGE, plan->initrd_addr);
    st32(bp, LINUX_HDR_RAMDISK_SIZE, plan->initrd_size);
    if (k->protocol >= PROTOCOL_RSDP) {
        st64(bp, LINUX_BP_ACPI_RSDP_ADDR, acpi_rsdp);
    }
    n_e820 = MIN(n_e820, E820_MAX_ENTRIES);
    bp[LINUX_BP_E820_ENTRIES] = n_e820;
    for (unsigned i = 0; i < n_e820; i++) {
        uint8_t *p = bp + LINUX_BP_E820_TABLE + i * sizeof(E820Entry);
        st64(p, 0, e820[i].addr);
        st64(p, 8, e820[i].size);
        st32(p, 16, e820[i].type);
    }
}

void linux_build_page_tables(uint8_t buf[LINUX_PAGE_TABLES_SIZE], uint64_t base)
{
    const uint64_t pml4 = base, pdpt = base + PAGE_SIZE_4K, pd = base + 2 * PAGE_SIZE_4K;
    const unsigned n_pd = LINUX_IDENT_MAP_SIZE / GiB;

    memset(buf, 0, LINUX_PAGE_TABLES_SIZE);
    st64(buf, pml4 - base, pdpt | PTE_PRESENT | PTE_RW);
    for (unsigned i = 0; i < n_pd; i++) {
        st64(buf, pdpt - base + i * 8, (pd + i * PAGE_SIZE_4K) | PTE_PRESENT | PTE_RW);
    }
    for (unsigned i = 0; i < n_pd * 512; i++) {
        st64(buf, pd - base + i * 8, (uint64_t)i * PAGE_SIZE_2M | PTE_PRESENT | PTE_RW | PTE_PS);
    }
}

void linux_build_gdt(uint64_t gdt[LINUX_GDT_ENTRIES])
{
    gdt[0] = 0;
    gdt[1] = 0;
    /* base 0, limit 4 GiB (G), present, DPL 0, execute/read, accessed, L=1 */
    gdt[LINUX_BOOT_CS / 8] = 0x00af9b000000ffffULL;
    /* base 0, limit 4 GiB (G), present, DPL 0, read/write, accessed, D/B=1 */
    gdt[LINUX_BOOT_DS / 8] = 0x00cf93000000ffffULL;
}

static bool write_all(LinuxWriteFn *write, void *opaque, const char *what, uint64_t addr,
                      const void *buf, size_t len, GError **errp)
{
    if (!write(opaque, addr, buf, len)) {
        g_set_error(errp, TERN_ERROR, 0,
                    "cannot place the %s at 0x%" PRIx64 " (%zu bytes): not in guest RAM", what,
                    addr, len);
        return false;
    }
    return true;
}

static bool read_file(const char *opt, const char *name, gchar **buf, gsize *len, GError **errp)
{
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(name, buf, len, &err)) {
        g_set_error(errp, TERN_ERROR, 0, "%s %s: %s", opt, name, err->message);
        return false;
    }
    return true;
}

/* Zero page, command line, GDT and page tables: the loader's own structures. */
static bool place_boot_structures(const uint8_t *image, const LinuxKernelInfo *k,
                                  const LinuxBootPlan *plan, const char *cmdline,
                                  const E820Entry *e820, unsigned n_e820, uint64_t acpi_rsdp,
                                  LinuxWriteFn *write, void *opaque, GError **errp)
{
    g_autofree uint8_t *bp = g_malloc(LINUX_BP_SIZE);
    g_autofree uint8_t *pt = g_malloc(LINUX_PAGE_TABLES_SIZE);
    uint64_t gdt[LINUX_GDT_ENTRIES];

    linux_build_boot_params(bp, image, k, plan, e820, n_e820, acpi_rsdp);
    linux_build_page_tables(pt, plan->page_tables);
    linux_build_gdt(gdt);
    return write_all(write, opaque, "boot parameters", plan->boot_params, bp, LINUX_BP_SIZE,
                     errp) &&
           write_all(write, opaque, "command line", plan->cmdline, cmdline, strlen(cmdline) + 1,
                     errp) &&
           write_all(write, opaque, "GDT", plan->gdt, gdt, sizeof(gdt), errp) &&
           write_all(write, opaque, "page tables", plan->page_tables, pt, LINUX_PAGE_TABLES_SIZE,
                     errp);
}

bool linux_load(const char *kernel, const char *initrd, const char *cmdline, const E820Entry *e820,
                unsigned n_e820, uint64_t acpi_rsdp, LinuxWriteFn *write, void *opaque,
                LinuxBootEntry *entry, GError **errp)
{
    g_autofree gchar *image = NULL, *initrd_data = NULL;
    g_autofree char *kname = g_strdup_printf("-kernel %s", kernel);
    gsize image_len = 0, initrd_len = 0;
    g_autoptr(GError) err = NULL;
    LinuxKernelInfo k;
    LinuxBootPlan plan;

    cmdline = cmdline ? cmdline : "";
    if (!read_file("-kernel", kernel, &image, &image_len, errp) ||
        !linux_parse_header(kname, (uint8_t *)image, image_len, &k, errp)) {
        return false;
    }
    if (initrd && !read_file("-initrd", initrd, &initrd_data, &initrd_len, errp)) {
        return false;
    }
    if (initrd && initrd_len == 0) {
        g_set_error(errp, TERN_ERROR, 0, "-initrd %s: the file is empty", initrd);
        return false;
    }
    if (!linux_plan(&k, e820, n_e820, strlen(cmdline), initrd_len, &plan, &err)) {
        if (err->code == LINUX_ERR_CMDLINE) {
            g_propagate_error(errp, g_steal_pointer(&err));
        } else {
            g_set_error(errp, TERN_ERROR, err->code, "%s %s: %s",
                        err->code == LINUX_ERR_INITRD ? "-initrd" : "-kernel",
                        err->code == LINUX_ERR_INITRD ? initrd : kernel, err->message);
        }
        return false;
    }
    if (!write_all(write, opaque, "kernel", plan.kernel_addr, image + k.setup_size, k.kernel_size,
                   errp) ||
        (initrd &&
         !write_all(write, opaque, "initrd", plan.initrd_addr, initrd_data, initrd_len, errp)) ||
        !place_boot_structures((uint8_t *)image, &k, &plan, cmdline, e820, n_e820, acpi_rsdp, write,
                               opaque, errp)) {
        return false;
    }
    *entry = (LinuxBootEntry){
        .rip = plan.entry,
        .rsi = plan.boot_params,
        .cr3 = plan.page_tables,
        .gdt_base = plan.gdt,
        .gdt_limit = LINUX_GDT_ENTRIES * 8 - 1,
    };
    return true;
}

/* Flat 64-bit code and data segments matching the loader's GDT entries. */
#define BOOT_CS_FLAGS                                                                              \
    (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK | DESC_L_MASK)
#define BOOT_DS_FLAGS  (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_B_MASK)
#define BOOT_TSS_LIMIT 0x67
/* MTRRdefType: MTRRs enabled, default type write-back, as firmware would leave them
 * (SDM Vol. 3A, 12.11.2.1); with MTRRs off Linux also turns PAT off. */
#define MTRR_DEF_TYPE_E (1u << 11)
#define MTRR_TYPE_WB    6 /* a minimal 64-bit TSS; VMX wants TR usable in long mode */

void linux_boot_setup_cpu(CPUX86State *env, const LinuxBootEntry *entry)
{
    memset(env->regs, 0, sizeof(env->regs));
    env->regs[R_ESI] = entry->rsi;
    env->rip = entry->rip;
    env->rflags = RFLAGS_FIXED; /* IF = 0 */
    env->cr[0] = CR0_PE_MASK | CR0_ET_MASK | CR0_NE_MASK | CR0_PG_MASK;
    env->cr[3] = entry->cr3;
    env->cr[4] = CR4_PAE_MASK;
    env->efer = MSR_EFER_LME | MSR_EFER_LMA;
    x86_seg_set_flat(&env->segs[R_CS], LINUX_BOOT_CS, BOOT_CS_FLAGS);
    for (int i = 0; i < CPU_NB_SEGS; i++) {
        if (i != R_CS) {
            x86_seg_set_flat(&env->segs[i], LINUX_BOOT_DS, BOOT_DS_FLAGS);
        }
    }
    env->tr.selector = 0;
    env->tr.base = 0;
    env->tr.limit = BOOT_TSS_LIMIT;
    env->tr.flags = DESC_P_MASK | (DESC_TYPE_TSS64_BUSY << DESC_TYPE_SHIFT);
    env->gdt.base = entry->gdt_base;
    env->gdt.limit = entry->gdt_limit;
    env->idt.base = 0;
    env->idt.limit = 0;
    env->mtrr_deftype = MTRR_DEF_TYPE_E | MTRR_TYPE_WB;
}
