/*
 * e820.h: the BIOS memory map (INT 15h, AX=E820h) the PC machine hands to
 * guests: in boot_params for Linux, as the multiboot mmap for multiboot kernels.
 */
#ifndef HW_I386_E820_H
#define HW_I386_E820_H

#include "qemu/osdep.h"

/* Address range types (ACPI 6.4, table 15.312). */
#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3
#define E820_NVS      4
#define E820_UNUSABLE 5

/* boot_params.e820_table holds at most this many entries (Linux boot protocol). */
#define E820_MAX_ENTRIES 128

/* One entry, laid out as in boot_params and the INT 15h buffer (20 bytes). */
typedef struct __attribute__((packed)) E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} E820Entry;

/* Empties the machine's table. */
void e820_reset(void);
/*
 * Adds [addr, addr+size) of the given type, keeping the table sorted by address.
 * False (table unchanged) when size is 0, the range wraps, overlaps an entry, or
 * the table is full.
 */
bool e820_add_entry(uint64_t addr, uint64_t size, uint32_t type);
/* Number of entries. */
unsigned e820_get_num_entries(void);
/* The table, sorted by address (valid until the next add or reset); *count gets its size. */
const E820Entry *e820_get_table(unsigned *count);
/* True if [addr, addr+size) lies inside one entry of this type. */
bool e820_range_is(uint64_t addr, uint64_t size, uint32_t type);
/* Name of a type ("RAM", "reserved", ...), for logs and tests. */
const char *e820_type_name(uint32_t type);

#endif
