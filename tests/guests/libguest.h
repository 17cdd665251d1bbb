/*
 * libguest.h: the little runtime of the tests/guests kernels: port I/O, the
 * COM1 UART, isa-debug-exit, an IDT, the 8259 PIC, the 8254 PIT and the local
 * APIC. 32-bit protected mode, flat segments (the multiboot entry state).
 */
#ifndef TESTS_GUESTS_LIBGUEST_H
#define TESTS_GUESTS_LIBGUEST_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u
#define DEBUG_EXIT_PORT            0xf4
#define COM1                       0x3f8
#define LAPIC_BASE                 0xfee00000u
#define IOAPIC_BASE                0xfec00000u

/* Multiboot information (Multiboot Specification 0.6.96, 3.3), the fields used here. */
struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
};

/* What isr_common pushed: pusha registers, then vector and error code, then the CPU frame. */
struct frame {
    uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
};

typedef void (*isr_fn)(struct frame *f);

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t mmio_read32(uint32_t addr)
{
    return *(volatile uint32_t *)addr;
}
static inline void mmio_write32(uint32_t addr, uint32_t v)
{
    *(volatile uint32_t *)addr = v;
}
static inline void cpu_relax(void)
{
    __asm__ volatile("pause" ::: "memory");
}

void puts(const char *s);
void putc(char c);
void put_hex(uint32_t v);
void put_dec(uint32_t v);
/* "name: PASS/FAIL" line helper; returns ok. */
bool check(const char *what, bool ok);
/* Ends the VM through isa-debug-exit: tern exits with (code << 1) | 1. */
void guest_exit(uint32_t code) __attribute__((noreturn));

/* Loads an IDT whose vectors 0-63 call handler[vector] (or report and fail). */
void idt_init(void);
void idt_set_handler(unsigned vector, isr_fn fn);

/* 8259: vectors 0x20-0x2f, everything masked but the given IRQ lines (bitmask). */
void pic_init(uint16_t unmasked);
void pic_eoi(unsigned irq);
/* 8254 channel 0, rate generator at hz. */
void pit_init(unsigned hz);
/* Software-enables the local APIC, with LINT0 as ExtINT (the PIC's output). */
void lapic_enable(void);
void lapic_eoi(void);
uint32_t lapic_id(void);

/*
 * A 64-bit IDT for kernels that switch to IA-32e mode (SDM Vol. 3A, 6.14.1):
 * idt64_set() puts a DPL 0 interrupt gate to handler (64-bit code segment;
 * the kernels live below 4 GiB) at vector; idt64_load() loads the table (call
 * it in 32-bit code: the IDTR base is written as 32 bits).
 */
struct idt64_gate {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, reserved;
} __attribute__((packed));
void idt64_set(struct idt64_gate *idt, unsigned vector, void (*handler)(void));
void idt64_load(const struct idt64_gate *idt, unsigned count);

/* Enters IA-32e mode with pml4 (ia32e-asm.S): 32-bit code goes on in compatibility mode. */
void enter_ia32e(uint32_t pml4);

/* Kernel command line contains word. */
bool cmdline_has(const struct mb_info *mbi, const char *word);

#endif
