/*
 * e820.c: the BIOS memory map of the PC machine.
 *
 * Follows the ACPI specification's "System Address Map Interfaces" (INT 15h
 * E820h, ACPI 6.4 section 15) for the entry format and types, and the Linux
 * boot protocol (Documentation/arch/x86/boot.rst, zero-page.rst) for where it
 * goes. The machine (hw/i386/pc.c) fills it; the Linux and multiboot loaders
 * copy it. Extended attributes (ACPI 3.0) are left out: no guest needs them.
 */
#include "qemu/osdep.h"
#include "hw/i386/e820.h"

static E820Entry e820_table[E820_MAX_ENTRIES];
static unsigned e820_count;

void e820_reset(void)
{
    e820_count = 0;
}

/* Inclusive ends, so that a range may end at the top of the 64-bit space. */
static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a <= b + (blen - 1) && b <= a + (alen - 1);
}

bool e820_add_entry(uint64_t addr, uint64_t size, uint32_t type)
{
    unsigned pos;

    if (size == 0 || size - 1 > UINT64_MAX - addr || e820_count == E820_MAX_ENTRIES) {
        return false;
    }
    for (pos = 0; pos < e820_count; pos++) {
        if (ranges_overlap(addr, size, e820_table[pos].addr, e820_table[pos].size)) {
            return false;
        }
    }
    for (pos = 0; pos < e820_count && e820_table[pos].addr < addr; pos++) {
        /* find the insertion point: the table stays sorted */
    }
    memmove(&e820_table[pos + 1], &e820_table[pos], (e820_count - pos) * sizeof(E820Entry));
    e820_table[pos] = (E820Entry){.addr = addr, .size = size, .type = type};
    e820_count++;
    return true;
}

unsigned e820_get_num_entries(void)
{
    return e820_count;
}

const E820Entry *e820_get_table(unsigned *count)
{
    if (count) {
        *count = e820_count;
    }
    return e820_table;
}

bool e820_range_is(uint64_t addr, uint64_t size, uint32_t type)
{
    for (unsigned i = 0; i < e820_count; i++) {
        const E820Entry *e = &e820_table[i];
        if (e->type == type && size && size - 1 <= UINT64_MAX - addr && addr >= e->addr &&
            addr + (size - 1) <= e->addr + (e->size - 1)) {
            return true;
        }
    }
    return false;
}

const char *e820_type_name(uint32_t type)
{
    static const char *const names[] = {
        [E820_RAM] = "RAM", [E820_RESERVED] = "reserved", [E820_ACPI] = "ACPI",
        [E820_NVS] = "NVS", [E820_UNUSABLE] = "unusable",
    };

    if (type < ARRAY_SIZE(names) && names[type]) {
        return names[type];
    }
    return "unknown";
}
