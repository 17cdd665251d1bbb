/*
 * linux-boot.h: loading a Linux bzImage with the x86 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst): -kernel, -initrd, -append.
 *
 * Parsing and planning are pure functions on buffers (unit-tested with
 * synthetic images); linux_load() reads the files and places everything in
 * guest memory through a write callback, and returns where the boot vCPU
 * starts.
 */
#ifndef HW_I386_LINUX_BOOT_H
#define HW_I386_LINUX_BOOT_H

#include "qemu/osdep.h"
#include "hw/i386/e820.h"

/* Setup-header offsets in the bzImage (and in boot_params, which embeds it). */
#define LINUX_HDR_START           0x1f1 /* setup_sects: start of the setup header */
#define LINUX_HDR_SETUP_SECTS     0x1f1
#define LINUX_HDR_SYSSIZE         0x1f4 /* protected-mode code size, 16-byte units */
#define LINUX_HDR_BOOT_FLAG       0x1fe /* 0xAA55 */
#define LINUX_HDR_JUMP            0x200 /* its second byte + 0x202 ends the header */
#define LINUX_HDR_HEADER          0x202 /* "HdrS" */
#define LINUX_HDR_VERSION         0x206
#define LINUX_HDR_TYPE_OF_LOADER  0x210
#define LINUX_HDR_LOADFLAGS       0x211
#define LINUX_HDR_CODE32_START    0x214
#define LINUX_HDR_RAMDISK_IMAGE   0x218
#define LINUX_HDR_RAMDISK_SIZE    0x21c
#define LINUX_HDR_CMD_LINE_PTR    0x228
#define LINUX_HDR_INITRD_ADDR_MAX 0x22c
#define LINUX_HDR_KERNEL_ALIGN    0x230
#define LINUX_HDR_RELOCATABLE     0x234
#define LINUX_HDR_XLOADFLAGS      0x236
#define LINUX_HDR_CMDLINE_SIZE    0x238
#define LINUX_HDR_PREF_ADDRESS    0x258
#define LINUX_HDR_INIT_SIZE       0x260
#define LINUX_HDR_MIN_LEN         0x268 /* everything above lies before this */

/* boot_params ("zero page", zero-page.rst) fields outside the setup header. */
#define LINUX_BP_SIZE              4096
#define LINUX_BP_ACPI_RSDP_ADDR    0x070
#define LINUX_BP_EXT_RAMDISK_IMAGE 0x0c0
#define LINUX_BP_EXT_RAMDISK_SIZE  0x0c4
#define LINUX_BP_EXT_CMD_LINE_PTR  0x0c8
#define LINUX_BP_E820_ENTRIES      0x1e8
#define LINUX_BP_E820_TABLE        0x2d0

#define LINUX_BOOT_FLAG_MAGIC  0xAA55
#define LINUX_HDRS_MAGIC       0x53726448 /* "HdrS" little-endian */
#define LINUX_LOADED_HIGH      0x01       /* loadflags: protected-mode code at 1 MiB */
#define LINUX_XLF_KERNEL_64    0x0001     /* xloadflags: 64-bit entry at +0x200 */
#define LINUX_LOADER_UNDEFINED 0xff       /* type_of_loader: a boot loader with no ID */
#define LINUX_ENTRY64_OFFSET   0x200

/* GDT selectors the 64-bit boot protocol requires. */
#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18

/* What tern reads from the setup header. */
typedef struct LinuxKernelInfo {
    uint16_t protocol;  /* e.g. 0x20f for 2.15 */
    size_t setup_size;  /* real-mode part: (setup_sects or 4) + 1 sectors */
    size_t kernel_size; /* protected-mode part, from syssize */
    size_t hdr_end;     /* the setup header is image[0x1f1, hdr_end) */
    uint8_t loadflags;
    uint16_t xloadflags;
    uint32_t initrd_addr_max; /* highest byte address the initrd may occupy */
    uint32_t cmdline_size;    /* longest command line, without its NUL */
    uint32_t kernel_alignment;
    bool relocatable;
    uint64_t pref_address;
    uint32_t init_size; /* bytes the kernel needs from its load address */
} LinuxKernelInfo;

/*
 * Checks a bzImage held in buf (name is the file, for messages): boot flag,
 * "HdrS", protocol >= 2.06, LOADED_HIGH, a 64-bit entry (XLF_KERNEL_64),
 * length. False with *errp "NAME: problem" otherwise.
 */
bool linux_parse_header(const char *name, const uint8_t *buf, size_t len, LinuxKernelInfo *info,
                        GError **errp);

/* Where everything goes in guest-physical memory. */
typedef struct LinuxBootPlan {
    uint64_t kernel_addr; /* the protected-mode kernel */
    uint64_t entry;       /* kernel_addr + 0x200, the 64-bit entry */
    uint64_t boot_params; /* zero page, RSI at entry */
    uint64_t cmdline;
    uint64_t initrd_addr; /* 0 when there is no initrd */
    uint64_t initrd_size;
    uint64_t gdt;
    uint64_t page_tables; /* CR3: PML4, PDPT, 4 page directories */
} LinuxBootPlan;

/* Low-memory layout of the loader's own structures. */
#define LINUX_BOOT_PARAMS_ADDR 0x10000
#define LINUX_GDT_ADDR         0x11000
#define LINUX_CMDLINE_ADDR     0x20000 /* up to 64 KiB */
#define LINUX_PAGE_TABLES_ADDR 0x30000
#define LINUX_PAGE_TABLES_SIZE (6 * 4096)
#define LINUX_IDENT_MAP_SIZE   (4 * GiB) /* identity-mapped at entry, 2 MiB pages */

/* GError codes of linux_plan(): which option the problem belongs to. */
enum { LINUX_ERR_CMDLINE = 1, LINUX_ERR_KERNEL, LINUX_ERR_INITRD };

/*
 * Places kernel, command line and initrd given the e820 map (RAM entries only
 * are used): the kernel at pref_address when it fits, else at 1 MiB; the
 * initrd as high as possible below initrd_addr_max and 4 GiB, above the
 * kernel's init_size. False with *errp naming the problem (command line too
 * long, initrd does not fit, kernel does not fit).
 */
bool linux_plan(const LinuxKernelInfo *k, const E820Entry *e820, unsigned n_e820,
                size_t cmdline_len, uint64_t initrd_size, LinuxBootPlan *plan, GError **errp);

/* Fills the zero page: the image's setup header, loader type, pointers, e820, RSDP. */
void linux_build_boot_params(uint8_t bp[LINUX_BP_SIZE], const uint8_t *image,
                             const LinuxKernelInfo *k, const LinuxBootPlan *plan,
                             const E820Entry *e820, unsigned n_e820, uint64_t acpi_rsdp);

/* Identity map of the first 4 GiB with 2 MiB pages, to live at guest address base. */
void linux_build_page_tables(uint8_t buf[LINUX_PAGE_TABLES_SIZE], uint64_t base);

/* Null, null, __BOOT_CS (64-bit code), __BOOT_DS (flat data). */
#define LINUX_GDT_ENTRIES 4
void linux_build_gdt(uint64_t gdt[LINUX_GDT_ENTRIES]);

/* Writes len bytes at guest-physical addr; false if they do not land in RAM/ROM. */
typedef bool LinuxWriteFn(void *opaque, uint64_t addr, const void *buf, size_t len);

/* The boot vCPU's state at the 64-bit entry. */
typedef struct LinuxBootEntry {
    uint64_t rip, rsi, cr3;
    uint64_t gdt_base;
    uint16_t gdt_limit;
} LinuxBootEntry;

/*
 * Reads kernel (and initrd if not NULL), checks them, and writes kernel,
 * initrd, command line, zero page, GDT and page tables through write.
 * False with *errp "FILE: problem" for a bad image or an initrd that does not fit.
 */
bool linux_load(const char *kernel, const char *initrd, const char *cmdline, const E820Entry *e820,
                unsigned n_e820, uint64_t acpi_rsdp, LinuxWriteFn *write, void *opaque,
                LinuxBootEntry *entry, GError **errp);

typedef struct CPUX86State CPUX86State;
/*
 * Puts the boot vCPU at the 64-bit entry: long mode with paging (CR0.PE|PG,
 * CR4.PAE, EFER.LME|LMA), CS = __BOOT_CS (L=1), data segments = __BOOT_DS,
 * a busy 64-bit TSS, the loader's GDT, RSI = boot_params, interrupts off.
 * The caller then hands the state to the accelerator (synchronize_post_reset).
 */
void linux_boot_setup_cpu(CPUX86State *env, const LinuxBootEntry *entry);

#endif
