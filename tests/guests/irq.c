/*
 * irq.c: interrupts through the machine's irqchip: the 8254 PIT's IRQ 0
 * through the 8259 PIC (ExtINT via LAPIC LINT0), the same IRQ 0 through the
 * IOAPIC's pin 2 (the MADT's interrupt source override, 82093AA datasheet
 * redirection table), and the local APIC timer (SDM Vol. 3A, 10.5.4).
 */
#include "libguest.h"

#define PIT_VECTOR         0x20 /* PIC IRQ 0 */
#define LAPIC_TIMER_VECTOR 0x30
#define IOAPIC_VECTOR      0x31
#define TICKS              10

#define LAPIC_LVT_TIMER      0x320
#define LAPIC_TIMER_INIT     0x380
#define LAPIC_TIMER_DIV      0x3e0
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_LVT_MASKED     (1u << 16)
#define LAPIC_DIV_1          0xb

#define IOAPIC_REGSEL      0x00
#define IOAPIC_WIN         0x10
#define IOAPIC_REDTBL(n)   (0x10 + 2 * (n))
#define IOAPIC_PIN_IRQ0    2
#define IOAPIC_VERSION_REG 1
#define IOAPIC_MASKED      (1u << 16)

static volatile uint32_t pit_ticks, lapic_ticks, ioapic_ticks;

static void pit_isr(struct frame *f)
{
    (void)f;
    pit_ticks++;
    pic_eoi(0);
}

static void lapic_isr(struct frame *f)
{
    (void)f;
    lapic_ticks++;
    lapic_eoi();
}

static void ioapic_isr(struct frame *f)
{
    (void)f;
    ioapic_ticks++;
    lapic_eoi();
}

static void ioapic_write_sel(unsigned reg)
{
    mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
}

static void ioapic_write(unsigned reg, uint32_t v)
{
    mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
    mmio_write32(IOAPIC_BASE + IOAPIC_WIN, v);
}

/* Waits with HLT (interrupts on) until *counter reaches n; false after too many wakeups. */
static bool wait_ticks(volatile uint32_t *counter, uint32_t n)
{
    for (uint32_t spins = 0; *counter < n; spins++) {
        if (spins > 1000000) {
            return false;
        }
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    return true;
}

int kmain(uint32_t magic, struct mb_info *mbi);
int kmain(uint32_t magic, struct mb_info *mbi)
{
    uint32_t version;
    bool ok = true;

    (void)magic;
    (void)mbi;
    puts("irq: interrupts through the PIC, the IOAPIC and the LAPIC timer\n");
    idt_init();
    idt_set_handler(PIT_VECTOR, pit_isr);
    idt_set_handler(LAPIC_TIMER_VECTOR, lapic_isr);
    idt_set_handler(IOAPIC_VECTOR, ioapic_isr);
    lapic_enable();

    ioapic_write_sel(IOAPIC_VERSION_REG);
    version = mmio_read32(IOAPIC_BASE + IOAPIC_WIN);
    ok &= check("IOAPIC version 0x11, 24 pins",
                (version & 0xff) == 0x11 && ((version >> 16) & 0xff) == 23);

    pic_init(1u << 0);
    pit_init(1000);
    ok &= check("PIT IRQ 0 through the PIC", wait_ticks(&pit_ticks, TICKS));

    pic_init(0); /* all masked: IRQ 0 now only through the IOAPIC */
    ioapic_write(IOAPIC_REDTBL(IOAPIC_PIN_IRQ0) + 1, lapic_id() << 24);
    ioapic_write(IOAPIC_REDTBL(IOAPIC_PIN_IRQ0), IOAPIC_VECTOR);
    ok &= check("PIT IRQ 0 through IOAPIC pin 2", wait_ticks(&ioapic_ticks, TICKS));
    ioapic_write(IOAPIC_REDTBL(IOAPIC_PIN_IRQ0), IOAPIC_MASKED);

    mmio_write32(LAPIC_BASE + LAPIC_TIMER_DIV, LAPIC_DIV_1);
    mmio_write32(LAPIC_BASE + LAPIC_LVT_TIMER, LAPIC_TIMER_VECTOR | LAPIC_TIMER_PERIODIC);
    mmio_write32(LAPIC_BASE + LAPIC_TIMER_INIT, 100000);
    ok &= check("LAPIC timer", wait_ticks(&lapic_ticks, TICKS));
    mmio_write32(LAPIC_BASE + LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    mmio_write32(LAPIC_BASE + LAPIC_TIMER_INIT, 0);

    puts(ok ? "irq: ALL PASS\n" : "irq: SOME FAILED\n");
    return ok ? 0 : 1;
}
