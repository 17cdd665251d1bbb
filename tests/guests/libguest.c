/*
 * libguest.c: runtime of the tests/guests kernels. The UART is used as the
 * 16550A datasheet allows with no setup beyond polling LSR.THRE; the PIC
 * (8259A datasheet ICW1-4), PIT (8254 mode 2) and local APIC (SDM Vol. 3A,
 * ch. 10/11) are programmed minimally.
 */
#include "libguest.h"
#include "guest-gdt.h"

#define UART_THR      0
#define UART_LSR      5
#define UART_LSR_THRE 0x20

#define PIC1_CMD        0x20
#define PIC1_DATA       0x21
#define PIC2_CMD        0xa0
#define PIC2_DATA       0xa1
#define PIC_EOI         0x20
#define PIC_VECTOR_BASE 0x20

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_HZ  1193182u

#define LAPIC_ID         0x20
#define LAPIC_EOI        0xb0
#define LAPIC_SVR        0xf0
#define LAPIC_LVT_LINT0  0x350
#define LAPIC_SVR_ENABLE 0x100
#define LAPIC_DM_EXTINT  0x700

struct idt_entry {
    uint16_t off_lo, sel;
    uint8_t zero, type;
    uint16_t off_hi;
} __attribute__((packed));

extern const uint32_t isr_table[64];
static struct idt_entry idt[64] __attribute__((aligned(8)));
static isr_fn handlers[64];

void putc(char c)
{
    while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE)) {
        cpu_relax();
    }
    outb(COM1 + UART_THR, c);
}

void puts(const char *s)
{
    while (*s) {
        putc(*s++);
    }
}

void put_hex(uint32_t v)
{
    puts("0x");
    for (int i = 28; i >= 0; i -= 4) {
        putc("0123456789abcdef"[(v >> i) & 15]);
    }
}

void put_dec(uint32_t v)
{
    char buf[12];
    int n = 0;

    do {
        buf[n++] = '0' + v % 10;
        v /= 10;
    } while (v);
    while (n) {
        putc(buf[--n]);
    }
}

bool check(const char *what, bool ok)
{
    puts(what);
    puts(ok ? ": PASS\n" : ": FAIL\n");
    return ok;
}

void guest_exit(uint32_t code)
{
    outl(DEBUG_EXIT_PORT, code);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

void isr_dispatch(struct frame *f);
void isr_dispatch(struct frame *f)
{
    if (f->vector < 64 && handlers[f->vector]) {
        handlers[f->vector](f);
        return;
    }
    puts("unexpected exception ");
    put_dec(f->vector);
    puts(" at ");
    put_hex(f->eip);
    puts(" error ");
    put_hex(f->error);
    puts("\n");
    guest_exit(0x7f);
}

void idt_set_handler(unsigned vector, isr_fn fn)
{
    handlers[vector] = fn;
}

void idt_init(void)
{
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint32_t)idt};
    uint16_t cs;

    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    for (int i = 0; i < 64; i++) {
        idt[i].off_lo = isr_table[i] & 0xffff;
        idt[i].off_hi = isr_table[i] >> 16;
        idt[i].sel = cs;
        idt[i].zero = 0;
        idt[i].type = 0x8e; /* present, DPL 0, 32-bit interrupt gate */
    }
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

void pic_init(uint16_t unmasked)
{
    outb(PIC1_CMD, 0x11); /* ICW1: edge, cascade, ICW4 */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, PIC_VECTOR_BASE); /* ICW2 */
    outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
    outb(PIC1_DATA, 0x04); /* ICW3: slave on IRQ2 */
    outb(PIC2_DATA, 0x02);
    outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, ~unmasked & 0xff);
    outb(PIC2_DATA, ~unmasked >> 8);
}

void pic_eoi(unsigned irq)
{
    if (irq >= 8) {
        outb(PIC2_CMD, PIC_EOI);
    }
    outb(PIC1_CMD, PIC_EOI);
}

void pit_init(unsigned hz)
{
    uint16_t div = PIT_HZ / hz;

    outb(PIT_CMD, 0x34); /* channel 0, lo/hi, mode 2 */
    outb(PIT_CH0, div & 0xff);
    outb(PIT_CH0, div >> 8);
}

void lapic_enable(void)
{
    mmio_write32(LAPIC_BASE + LAPIC_SVR, LAPIC_SVR_ENABLE | 0xff);
    mmio_write32(LAPIC_BASE + LAPIC_LVT_LINT0, LAPIC_DM_EXTINT);
}

void lapic_eoi(void)
{
    mmio_write32(LAPIC_BASE + LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
    return mmio_read32(LAPIC_BASE + LAPIC_ID) >> 24;
}

bool cmdline_has(const struct mb_info *mbi, const char *word)
{
    const char *s = (const char *)mbi->cmdline;
    size_t n = 0;

    if (!(mbi->flags & (1u << 2))) {
        return false;
    }
    while (word[n]) {
        n++;
    }
    for (; *s; s++) {
        size_t i = 0;

        while (i < n && s[i] == word[i]) {
            i++;
        }
        if (i == n) {
            return true;
        }
    }
    return false;
}

#define IDT64_GATE_INT 0x8e /* present, DPL 0, 64-bit interrupt gate */

void idt64_set(struct idt64_gate *idt, unsigned vector, void (*handler)(void))
{
    uint32_t fn = (uint32_t)handler;

    idt[vector] = (struct idt64_gate){
        .off_lo = fn & 0xffff,
        .sel = GDT_CODE64,
        .type = IDT64_GATE_INT,
        .off_mid = fn >> 16,
    };
}

void idt64_load(const struct idt64_gate *idt, unsigned count)
{
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) idtr = {count * sizeof(*idt) - 1, (uint32_t)idt};

    __asm__ volatile("lidt %0" : : "m"(idtr));
}
