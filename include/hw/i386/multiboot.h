/*
 * multiboot.h: the Multiboot (v1, 0.6.96) loader for -kernel.
 *
 * Loads an ELF (32 or 64-bit program headers) or "a.out kludge" kernel whose
 * first 8 KiB hold a multiboot header, builds the multiboot information
 * structure (memory sizes, the memory map from the machine's e820 table, the
 * command line, modules from -initrd) and puts the boot CPU in the state the
 * spec requires: 32-bit protected mode, EAX = 0x2BADB002, EBX = the info.
 */
#ifndef HW_I386_MULTIBOOT_H
#define HW_I386_MULTIBOOT_H

#include "qemu/osdep.h"
#include "hw/boards.h"
#include "hw/i386/e820.h"

#define MULTIBOOT_HEADER_MAGIC     0x1badb002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u
#define MULTIBOOT_SEARCH           8192 /* the header lies in the image's first 8 KiB */

/* Where the loader put things (for tests and -d logs). */
typedef struct MultibootLayout {
    uint32_t entry;      /* physical entry point */
    uint32_t kernel_low; /* lowest and highest+1 byte the kernel occupies */
    uint32_t kernel_high;
    uint32_t info_addr; /* the multiboot information structure (EBX) */
    uint32_t mods_count;
} MultibootLayout;

/* True if buf (an image's first len bytes) holds a valid multiboot header. */
bool multiboot_probe(const uint8_t *buf, size_t len);

/*
 * Loads kernel_filename into guest memory through address_space_memory(),
 * with cmdline (may be NULL) and the modules of initrd ("file1 args,file2";
 * ",," is a literal comma; may be NULL), checking every byte lands in RAM
 * according to e820. Sets ms->cpus[0]'s registers for the entry and
 * synchronizes them to the accelerator. layout may be NULL. False with *errp
 * naming the file and the problem.
 */
bool multiboot_load(MachineState *ms, const char *kernel_filename, const char *cmdline,
                    const char *initrd, const E820Entry *e820, unsigned e820_count,
                    MultibootLayout *layout, GError **errp);

#endif
