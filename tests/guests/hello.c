/*
 * hello.c: the multiboot entry state (Multiboot Specification 0.6.96, 3.2)
 * and boot information (3.3), printed over COM1.
 */
#include "libguest.h"

#define CR0_PE      1u
#define CR0_PG      (1u << 31)
#define EFLAGS_IF   (1u << 9)
#define MBI_MEM     (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MMAP    (1u << 6)
#define E820_RAM    1

struct mmap_entry {
    uint32_t size;
    uint64_t addr, len;
    uint32_t type;
} __attribute__((packed));

int kmain(uint32_t magic, struct mb_info *mbi);
int kmain(uint32_t magic, struct mb_info *mbi)
{
    uint32_t cr0, eflags;
    const struct mmap_entry *e = (const void *)mbi->mmap_addr;
    bool ok = true;

    puts("hello: tern test kernel\n");
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("pushf; pop %0" : "=r"(eflags));
    ok &= check("magic", magic == MULTIBOOT_BOOTLOADER_MAGIC);
    ok &= check("protected mode, paging off", (cr0 & CR0_PE) && !(cr0 & CR0_PG));
    ok &= check("interrupts off", !(eflags & EFLAGS_IF));
    ok &= check("memory info",
                (mbi->flags & MBI_MEM) && mbi->mem_lower >= 600 && mbi->mem_upper >= 16 * 1024);
    ok &= check("memory map", (mbi->flags & MBI_MMAP) && mbi->mmap_length >= 2 * sizeof(*e) &&
                                  e->addr == 0 && e->type == E820_RAM);
    ok &= check("command line", (mbi->flags & MBI_CMDLINE) && cmdline_has(mbi, "hello.elf") &&
                                    cmdline_has(mbi, "greeting=yes"));
    puts("mem_upper ");
    put_dec(mbi->mem_upper);
    puts(" KiB\n");
    puts(ok ? "hello: ALL PASS\n" : "hello: SOME FAILED\n");
    return ok ? 0 : 1;
}
