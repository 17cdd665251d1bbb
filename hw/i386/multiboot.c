/*
 * multiboot.c: the Multiboot Specification version 0.6.96 (multiboot v1)
 * loader: 3.1 (the OS image format and header), 3.2 (the machine state at
 * entry) and 3.3 (the boot information format).
 *
 * Left out: the video mode fields (header flag 2 is accepted and ignored, as
 * QEMU does), symbol tables (flags 4/5), drives, APM and the config table.
 * ELF64 images are accepted (their program headers are loaded) but are still
 * entered in 32-bit protected mode, as the spec requires.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/memory.h"
#include "hw/core/cpu.h"
#include "hw/i386/multiboot.h"
#include "sysemu/cpus.h"
#include "target/x86/cpu.h"

/* Header flags (3.1.2). */
#define MB_FLAG_PAGE_ALIGN     (1u << 0)
#define MB_FLAG_MEMORY_INFO    (1u << 1)
#define MB_FLAG_VIDEO_MODE     (1u << 2)
#define MB_FLAG_AOUT_KLUDGE    (1u << 16)
#define MB_FLAGS_REQUIRED_MASK 0xffffu
#define MB_FLAGS_KNOWN         (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE)
#define MB_HEADER_MIN          12
#define MB_HEADER_AOUT         32

/* Information flags (3.3). */
#define MBI_FLAG_MEM         (1u << 0)
#define MBI_FLAG_CMDLINE     (1u << 2)
#define MBI_FLAG_MODS        (1u << 3)
#define MBI_FLAG_MMAP        (1u << 6)
#define MBI_FLAG_LOADER_NAME (1u << 9)

/* Information structure offsets (3.3). */
#define MBI_FLAGS          0
#define MBI_MEM_LOWER      4
#define MBI_MEM_UPPER      8
#define MBI_CMDLINE        16
#define MBI_MODS_COUNT     20
#define MBI_MODS_ADDR      24
#define MBI_MMAP_LENGTH    44
#define MBI_MMAP_ADDR      48
#define MBI_LOADER_NAME    64
#define MBI_SIZE           120 /* through the framebuffer fields */
#define MB_MOD_SIZE        16
#define MB_MMAP_ENTRY_SIZE 24 /* size field + 20-byte e820 entry */

#define LOW_MEM_LIMIT  0xa0000u /* 640 KiB: mem_lower's ceiling */
#define HIGH_MEM_START 0x100000u
#define PAGE_SIZE_4K   4096u
#define ADDR_LIMIT_32  0x100000000ULL

/* The GDT the kernel is entered with: null, flat code (0x08), flat data (0x10). */
#define GDT_CODE_SEL 0x08
#define GDT_DATA_SEL 0x10
static const uint64_t boot_gdt[] = {
    0, 0x00cf9b000000ffffULL, /* base 0, limit 4 GiB, 32-bit, execute/read, accessed */
    0x00cf93000000ffffULL,    /* base 0, limit 4 GiB, 32-bit, read/write, accessed */
};

/* ELF (System V gABI) identification and program header types. */
#define ELF_MAGIC  "\177ELF"
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ET_EXEC    2
#define PT_LOAD    1

typedef struct MBHeader {
    size_t offset; /* in the file */
    uint32_t flags;
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
} MBHeader;

typedef struct MBSegment {
    uint64_t paddr, vaddr;
    uint64_t file_off, filesz, memsz;
} MBSegment;

typedef struct MBLoader {
    const char *filename;
    const uint8_t *image;
    size_t size;
    const E820Entry *e820;
    unsigned e820_count;
    GArray *segs; /* MBSegment */
    uint32_t entry;
    uint64_t low, high;
} MBLoader;

static uint32_t ld32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t ld64(const uint8_t *p)
{
    return ld32(p) | ((uint64_t)ld32(p + 4) << 32);
}

static uint16_t ld16(const uint8_t *p)
{
    return p[0] | (p[1] << 8);
}

static void st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = v >> (8 * i);
    }
}

/* Finds the header; *bad_sum is set when only headers with a wrong checksum exist. */
static bool find_header(const uint8_t *buf, size_t len, MBHeader *h, bool *bad_sum)
{
    size_t end = MIN(len, (size_t)MULTIBOOT_SEARCH);

    *bad_sum = false;
    for (size_t off = 0; off + MB_HEADER_MIN <= end; off += 4) {
        const uint8_t *p = buf + off;

        if (ld32(p) != MULTIBOOT_HEADER_MAGIC) {
            continue;
        }
        if ((uint32_t)(ld32(p) + ld32(p + 4) + ld32(p + 8)) != 0) {
            *bad_sum = true;
            continue;
        }
        memset(h, 0, sizeof(*h));
        h->offset = off;
        h->flags = ld32(p + 4);
        if ((h->flags & MB_FLAG_AOUT_KLUDGE) && off + MB_HEADER_AOUT <= len) {
            h->header_addr = ld32(p + 12);
            h->load_addr = ld32(p + 16);
            h->load_end_addr = ld32(p + 20);
            h->bss_end_addr = ld32(p + 24);
            h->entry_addr = ld32(p + 28);
        }
        return true;
    }
    return false;
}

bool multiboot_probe(const uint8_t *buf, size_t len)
{
    MBHeader h;
    bool bad_sum;

    return find_header(buf, len, &h, &bad_sum);
}

static bool in_ram(const MBLoader *l, uint64_t addr, uint64_t len)
{
    if (len == 0) {
        return true;
    }
    for (unsigned i = 0; i < l->e820_count; i++) {
        const E820Entry *e = &l->e820[i];

        if (e->type == E820_RAM && addr >= e->addr && addr + len <= e->addr + e->size &&
            addr + len > addr) {
            return true;
        }
    }
    return false;
}

static void add_segment(MBLoader *l, const MBSegment *s)
{
    g_array_append_val(l->segs, *s);
    l->low = MIN(l->low, s->paddr);
    l->high = MAX(l->high, s->paddr + s->memsz);
}

/* a.out kludge (header flag 16): the header's addresses say where the file goes. */
static bool plan_aout(MBLoader *l, const MBHeader *h, GError **errp)
{
    MBSegment s = {0};

    if (h->offset + MB_HEADER_AOUT > l->size || h->header_addr < h->load_addr ||
        h->header_addr - h->load_addr > h->offset) {
        g_set_error(errp, TERN_ERROR, 0, "%s: multiboot header has bad a.out load addresses",
                    l->filename);
        return false;
    }
    s.paddr = s.vaddr = h->load_addr;
    s.file_off = h->offset - (h->header_addr - h->load_addr);
    s.filesz = h->load_end_addr ? (uint64_t)h->load_end_addr - h->load_addr : l->size - s.file_off;
    if (h->load_end_addr && h->load_end_addr < h->load_addr) {
        g_set_error(errp, TERN_ERROR, 0, "%s: load_end_addr below load_addr", l->filename);
        return false;
    }
    if (s.filesz > l->size - s.file_off) {
        g_set_error(errp, TERN_ERROR, 0,
                    "%s: truncated: the a.out load range needs %" PRIu64 " bytes, the file has %zu",
                    l->filename, s.file_off + s.filesz, l->size);
        return false;
    }
    s.memsz = s.filesz;
    if (h->bss_end_addr) {
        if (h->bss_end_addr < h->load_addr + s.filesz) {
            g_set_error(errp, TERN_ERROR, 0, "%s: bss_end_addr below the loaded image",
                        l->filename);
            return false;
        }
        s.memsz = h->bss_end_addr - h->load_addr;
    }
    add_segment(l, &s);
    l->entry = h->entry_addr;
    return true;
}

/* ELF: PT_LOAD program headers at their physical addresses; the entry translated likewise. */
static bool plan_elf(MBLoader *l, GError **errp)
{
    const uint8_t *e = l->image;
    bool is64 = e[4] == ELFCLASS64;
    size_t ehsize = is64 ? 64 : 52;
    uint64_t phoff, entry;
    unsigned phentsize, phnum;
    bool entry_found = false;

    if (l->size < ehsize || (e[4] != ELFCLASS32 && e[4] != ELFCLASS64)) {
        g_set_error(errp, TERN_ERROR, 0, "%s: truncated or unknown ELF header", l->filename);
        return false;
    }
    entry = is64 ? ld64(e + 24) : ld32(e + 24);
    phoff = is64 ? ld64(e + 32) : ld32(e + 28);
    phentsize = ld16(e + (is64 ? 54 : 42));
    phnum = ld16(e + (is64 ? 56 : 44));
    if (phentsize < (is64 ? 56u : 32u) || phoff > l->size ||
        (uint64_t)phnum * phentsize > l->size - phoff) {
        g_set_error(errp, TERN_ERROR, 0, "%s: program headers outside the file", l->filename);
        return false;
    }
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = e + phoff + (uint64_t)i * phentsize;
        MBSegment s;

        if (ld32(ph) != PT_LOAD) {
            continue;
        }
        s.file_off = is64 ? ld64(ph + 8) : ld32(ph + 4);
        s.vaddr = is64 ? ld64(ph + 16) : ld32(ph + 8);
        s.paddr = is64 ? ld64(ph + 24) : ld32(ph + 12);
        s.filesz = is64 ? ld64(ph + 32) : ld32(ph + 16);
        s.memsz = is64 ? ld64(ph + 40) : ld32(ph + 20);
        if (s.file_off > l->size || s.filesz > l->size - s.file_off || s.memsz < s.filesz) {
            g_set_error(errp, TERN_ERROR, 0, "%s: segment %u is truncated (file is %zu bytes)",
                        l->filename, i, l->size);
            return false;
        }
        if (entry >= s.vaddr && entry < s.vaddr + s.memsz) {
            l->entry = entry - s.vaddr + s.paddr;
            entry_found = true;
        }
        add_segment(l, &s);
    }
    if (l->segs->len == 0) {
        g_set_error(errp, TERN_ERROR, 0, "%s: no loadable ELF segment", l->filename);
        return false;
    }
    if (!entry_found) {
        l->entry = entry; /* outside every segment: take it as physical */
    }
    return true;
}

static bool guest_write(uint64_t addr, const void *buf, uint64_t len)
{
    return address_space_write_rom(address_space_memory(), addr, MEMTXATTRS_UNSPECIFIED, buf,
                                   len) == MEMTX_OK;
}

static bool guest_zero(uint64_t addr, uint64_t len)
{
    static const uint8_t zeros[PAGE_SIZE_4K];

    while (len) {
        uint64_t n = MIN(len, sizeof(zeros));

        if (!guest_write(addr, zeros, n)) {
            return false;
        }
        addr += n;
        len -= n;
    }
    return true;
}

static bool load_segments(MBLoader *l, GError **errp)
{
    for (guint i = 0; i < l->segs->len; i++) {
        const MBSegment *s = &g_array_index(l->segs, MBSegment, i);

        if (s->paddr + s->memsz > ADDR_LIMIT_32 || !in_ram(l, s->paddr, s->memsz)) {
            g_set_error(errp, TERN_ERROR, 0,
                        "%s: segment at 0x%" PRIx64 "-0x%" PRIx64 " is outside guest RAM",
                        l->filename, s->paddr, s->paddr + s->memsz);
            return false;
        }
        if (!guest_write(s->paddr, l->image + s->file_off, s->filesz) ||
            !guest_zero(s->paddr + s->filesz, s->memsz - s->filesz)) {
            g_set_error(errp, TERN_ERROR, 0, "%s: cannot write segment at 0x%" PRIx64, l->filename,
                        s->paddr);
            return false;
        }
    }
    return true;
}

/* --- modules and the information structure --------------------------------------- */

typedef struct MBModule {
    char *string; /* "file args", as given */
    uint32_t start, end;
} MBModule;

static void module_free(gpointer p)
{
    g_free(((MBModule *)p)->string);
}

/* Splits "file1 args,file2" at single commas (",," is a literal comma). */
static GArray *split_modules(const char *spec)
{
    GArray *mods = g_array_new(false, true, sizeof(MBModule));
    g_autoptr(GString) cur = g_string_new(NULL);

    g_array_set_clear_func(mods, module_free);
    for (const char *p = spec;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || *p == '\0') {
            MBModule m = {.string = g_strdup(cur->str)};

            g_array_append_val(mods, m);
            g_string_truncate(cur, 0);
            if (*p == '\0') {
                break;
            }
        } else {
            g_string_append_c(cur, *p);
        }
    }
    return mods;
}

static bool load_module(MBLoader *l, MBModule *m, uint64_t *cursor, GError **errp)
{
    g_autofree char *file = g_strndup(m->string, strcspn(m->string, " "));
    g_autofree char *data = NULL;
    gsize len;
    GError *err = NULL;

    if (!g_file_get_contents(file, &data, &len, &err)) {
        g_set_error(errp, TERN_ERROR, 0, "multiboot module %s: %s", file, err->message);
        g_error_free(err);
        return false;
    }
    if (*cursor + len > ADDR_LIMIT_32 || !in_ram(l, *cursor, MAX(len, 1))) {
        g_set_error(errp, TERN_ERROR, 0, "multiboot module %s (%zu bytes) does not fit in RAM",
                    file, (size_t)len);
        return false;
    }
    guest_write(*cursor, data, len);
    m->start = *cursor;
    m->end = *cursor + len;
    *cursor = QEMU_ALIGN_UP(*cursor + MAX(len, 1), PAGE_SIZE_4K);
    return true;
}

/* mem_lower: KiB of RAM at 0 (at most 640); mem_upper: KiB of RAM contiguous from 1 MiB. */
static void mem_sizes(const MBLoader *l, uint32_t *lower, uint32_t *upper)
{
    uint64_t up = HIGH_MEM_START;
    bool grew = true;

    *lower = 0;
    for (unsigned i = 0; i < l->e820_count; i++) {
        const E820Entry *e = &l->e820[i];

        if (e->type == E820_RAM && e->addr == 0) {
            *lower = MIN(e->size, (uint64_t)LOW_MEM_LIMIT) / KiB;
        }
    }
    while (grew) {
        grew = false;
        for (unsigned i = 0; i < l->e820_count; i++) {
            const E820Entry *e = &l->e820[i];

            if (e->type == E820_RAM && e->addr <= up && e->addr + e->size > up) {
                up = e->addr + e->size;
                grew = true;
            }
        }
    }
    *upper = MIN(up - HIGH_MEM_START, ADDR_LIMIT_32) / KiB;
}

/* Appends s with its NUL; returns its guest address. */
static uint32_t info_add_string(GByteArray *b, uint32_t base, const char *s)
{
    uint32_t addr = base + b->len;

    g_byte_array_append(b, (const uint8_t *)s, strlen(s) + 1);
    return addr;
}

static uint32_t info_align(GByteArray *b, uint32_t base, unsigned align)
{
    static const uint8_t pad[8];

    g_byte_array_append(b, pad, QEMU_ALIGN_UP(b->len, align) - b->len);
    return base + b->len;
}

/*
 * Builds the information block at base: the structure, then the strings, the
 * module list, the memory map and the GDT. Returns the GDT's address in *gdt.
 */
static GByteArray *build_info(MBLoader *l, uint32_t base, const char *cmdline, GArray *mods,
                              uint32_t *gdt)
{
    GByteArray *b = g_byte_array_new();
    uint8_t mbi[MBI_SIZE] = {0};
    uint32_t lower, upper,
        flags = MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME;

    g_byte_array_append(b, mbi, sizeof(mbi)); /* filled at the end */
    mem_sizes(l, &lower, &upper);
    st32(mbi + MBI_MEM_LOWER, lower);
    st32(mbi + MBI_MEM_UPPER, upper);
    st32(mbi + MBI_CMDLINE, info_add_string(b, base, cmdline));
    st32(mbi + MBI_LOADER_NAME, info_add_string(b, base, "tern"));
    if (mods && mods->len) {
        g_autofree uint32_t *straddr = g_new(uint32_t, mods->len);

        for (guint i = 0; i < mods->len; i++) {
            straddr[i] = info_add_string(b, base, g_array_index(mods, MBModule, i).string);
        }
        st32(mbi + MBI_MODS_ADDR, info_align(b, base, 16));
        st32(mbi + MBI_MODS_COUNT, mods->len);
        for (guint i = 0; i < mods->len; i++) {
            const MBModule *m = &g_array_index(mods, MBModule, i);
            uint8_t ent[MB_MOD_SIZE] = {0};

            st32(ent, m->start);
            st32(ent + 4, m->end);
            st32(ent + 8, straddr[i]);
            g_byte_array_append(b, ent, sizeof(ent));
        }
        flags |= MBI_FLAG_MODS;
    }
    st32(mbi + MBI_MMAP_ADDR, info_align(b, base, 8));
    st32(mbi + MBI_MMAP_LENGTH, l->e820_count * MB_MMAP_ENTRY_SIZE);
    for (unsigned i = 0; i < l->e820_count; i++) {
        uint8_t ent[MB_MMAP_ENTRY_SIZE];

        st32(ent, MB_MMAP_ENTRY_SIZE - 4); /* size excludes itself */
        memcpy(ent + 4, &l->e820[i], sizeof(E820Entry));
        g_byte_array_append(b, ent, sizeof(ent));
    }
    *gdt = info_align(b, base, 8);
    g_byte_array_append(b, (const uint8_t *)boot_gdt, sizeof(boot_gdt));
    st32(mbi + MBI_FLAGS, flags);
    memcpy(b->data, mbi, sizeof(mbi));
    return b;
}

/* 3.2: 32-bit protected mode, flat segments, paging off, interrupts off. */
static void setup_cpu(CPUX86State *env, uint32_t entry, uint32_t info, uint32_t gdt)
{
    const uint32_t code =
        DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK | DESC_B_MASK;
    const uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_B_MASK;

    x86_cpu_reset(env, true);
    env->regs[R_EAX] = MULTIBOOT_BOOTLOADER_MAGIC;
    env->regs[R_EBX] = info;
    env->rip = entry;
    env->rflags = RFLAGS_FIXED;
    env->cr[0] = CR0_PE_MASK | CR0_ET_MASK;
    x86_seg_set_flat(&env->segs[R_CS], GDT_CODE_SEL, code);
    for (int i = 0; i < CPU_NB_SEGS; i++) {
        if (i != R_CS) {
            x86_seg_set_flat(&env->segs[i], GDT_DATA_SEL, data);
        }
    }
    env->gdt.base = gdt;
    env->gdt.limit = sizeof(boot_gdt) - 1;
}

static bool check_header(MBLoader *l, MBHeader *h, GError **errp)
{
    bool bad_sum;

    if (!find_header(l->image, l->size, h, &bad_sum)) {
        g_set_error(errp, TERN_ERROR, 0, "%s: %s", l->filename,
                    bad_sum ? "multiboot header has a bad checksum"
                            : "no multiboot header in the first 8 KiB");
        return false;
    }
    if (h->flags & MB_FLAGS_REQUIRED_MASK & ~MB_FLAGS_KNOWN) {
        g_set_error(errp, TERN_ERROR, 0, "%s: multiboot header requires unknown features 0x%x",
                    l->filename, h->flags & MB_FLAGS_REQUIRED_MASK & ~MB_FLAGS_KNOWN);
        return false;
    }
    if (h->flags & MB_FLAG_VIDEO_MODE) {
        qemu_log_mask(LOG_UNIMP, "multiboot: %s asks for a video mode; ignored\n", l->filename);
    }
    if ((h->flags & MB_FLAG_AOUT_KLUDGE) && h->offset + MB_HEADER_AOUT > l->size) {
        g_set_error(errp, TERN_ERROR, 0, "%s: truncated multiboot header", l->filename);
        return false;
    }
    return true;
}

static bool plan_and_load(MBLoader *l, GError **errp)
{
    MBHeader h;

    if (!check_header(l, &h, errp)) {
        return false;
    }
    if (h.flags & MB_FLAG_AOUT_KLUDGE) {
        if (!plan_aout(l, &h, errp)) {
            return false;
        }
    } else if (l->size >= 4 && memcmp(l->image, ELF_MAGIC, 4) == 0) {
        if (!plan_elf(l, errp)) {
            return false;
        }
    } else {
        g_set_error(errp, TERN_ERROR, 0,
                    "%s: multiboot image is not ELF and has no a.out load addresses (flag 16)",
                    l->filename);
        return false;
    }
    return load_segments(l, errp);
}

/* Modules after the kernel, then the information block; fills layout and *gdt. */
static bool place_info(MBLoader *l, const char *kernel_filename, const char *cmdline,
                       const char *initrd, MultibootLayout *layout, uint32_t *gdt, GError **errp)
{
    uint64_t cursor = QEMU_ALIGN_UP(l->high, PAGE_SIZE_4K);
    g_autoptr(GArray) mods = initrd && *initrd ? split_modules(initrd) : NULL;
    g_autofree char *full_cmdline = g_strdup_printf(
        "%s%s%s", kernel_filename, cmdline && *cmdline ? " " : "", cmdline ? cmdline : "");
    g_autoptr(GByteArray) info = NULL;

    for (guint i = 0; mods && i < mods->len; i++) {
        if (!load_module(l, &g_array_index(mods, MBModule, i), &cursor, errp)) {
            return false;
        }
    }
    info = build_info(l, cursor, full_cmdline, mods, gdt);
    if (cursor + info->len > ADDR_LIMIT_32 || !in_ram(l, cursor, info->len)) {
        g_set_error(errp, TERN_ERROR, 0,
                    "%s: no RAM left for the multiboot information at 0x%" PRIx64, l->filename,
                    cursor);
        return false;
    }
    guest_write(cursor, info->data, info->len);
    layout->info_addr = cursor;
    layout->mods_count = mods ? mods->len : 0;
    return true;
}

bool multiboot_load(MachineState *ms, const char *kernel_filename, const char *cmdline,
                    const char *initrd, const E820Entry *e820, unsigned e820_count,
                    MultibootLayout *layout, GError **errp)
{
    g_autofree char *image = NULL;
    g_autoptr(GArray) segs = g_array_new(false, false, sizeof(MBSegment));
    MultibootLayout local;
    MBLoader l = {
        .filename = kernel_filename,
        .e820 = e820,
        .e820_count = e820_count,
        .segs = segs,
        .low = UINT64_MAX,
    };
    GError *err = NULL;
    uint32_t gdt;

    layout = layout ? layout : &local;
    memset(layout, 0, sizeof(*layout));
    if (!ms->cpus || !ms->cpus[0]) {
        g_set_error(errp, TERN_ERROR, 0, "multiboot: no boot CPU to enter %s", kernel_filename);
        return false;
    }
    if (!g_file_get_contents(kernel_filename, &image, &l.size, &err)) {
        g_set_error(errp, TERN_ERROR, 0, "%s", err->message);
        g_error_free(err);
        return false;
    }
    l.image = (const uint8_t *)image;
    if (!plan_and_load(&l, errp) ||
        !place_info(&l, kernel_filename, cmdline, initrd, layout, &gdt, errp)) {
        return false;
    }
    if (!in_ram(&l, l.entry, 1)) {
        g_set_error(errp, TERN_ERROR, 0, "%s: entry point 0x%x is outside guest RAM",
                    kernel_filename, l.entry);
        return false;
    }
    layout->entry = l.entry;
    layout->kernel_low = l.low;
    layout->kernel_high = l.high;
    setup_cpu(ms->cpus[0]->env, l.entry, layout->info_addr, gdt);
    cpu_synchronize_post_reset(ms->cpus[0]);
    return true;
}
