/*
 * smp.c: SMP bring-up (Intel SDM Vol. 3A, 8.4.4 and 10.6 "Issuing
 * Interprocessor Interrupts"): the BSP sends INIT and two start-up IPIs to all
 * other processors through its local APIC; each AP reports its APIC ID.
 * Expects 4 processors (-smp 4), or "cpus=N" on the command line (N = 1..9).
 */
#include "libguest.h"

#define TRAMPOLINE       0x8000
#define LAPIC_ICR_LO     0x300
#define LAPIC_ICR_HI     0x310
#define ICR_INIT         0x00000500u
#define ICR_STARTUP      0x00000600u
#define ICR_LEVEL_ASSERT 0x00004000u
#define ICR_ALL_BUT_SELF 0x000c0000u
#define ICR_BUSY         (1u << 12)
#define DEFAULT_CPUS     4

extern const uint8_t trampoline_start[], trampoline_end[];
extern struct {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed)) tramp_gdt_desc, gdt_desc;

static volatile uint32_t ap_count, ap_seen_mask;
static volatile uint32_t print_lock;

static void lock(void)
{
    while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE)) {
        cpu_relax();
    }
}

static void unlock(void)
{
    __atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

void ap_main(void);
void ap_main(void)
{
    uint32_t id;

    lapic_enable();
    id = lapic_id();
    lock();
    puts("AP ");
    put_dec(id);
    puts(" up\n");
    unlock();
    __atomic_fetch_or(&ap_seen_mask, 1u << (id & 31), __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&ap_count, 1, __ATOMIC_SEQ_CST);
}

static unsigned popcount(uint32_t v)
{
    unsigned n = 0;

    for (; v; v &= v - 1) {
        n++;
    }
    return n;
}

static void send_ipi(uint32_t icr)
{
    mmio_write32(LAPIC_BASE + LAPIC_ICR_HI, 0);
    mmio_write32(LAPIC_BASE + LAPIC_ICR_LO, icr);
    while (mmio_read32(LAPIC_BASE + LAPIC_ICR_LO) & ICR_BUSY) {
        cpu_relax();
    }
}

static void delay(uint32_t n)
{
    for (volatile uint32_t i = 0; i < n; i++) {
        cpu_relax();
    }
}

static unsigned expected_cpus(const struct mb_info *mbi)
{
    static const char key[] = "cpus=";
    char word[7];

    for (unsigned n = 1; n <= 9; n++) {
        for (unsigned i = 0; i < 5; i++) {
            word[i] = key[i];
        }
        word[5] = '0' + n;
        word[6] = 0;
        if (cmdline_has(mbi, word)) {
            return n;
        }
    }
    return DEFAULT_CPUS;
}

int kmain(uint32_t magic, struct mb_info *mbi);
int kmain(uint32_t magic, struct mb_info *mbi)
{
    unsigned want = expected_cpus(mbi) - 1;
    uint32_t spins = 0;
    bool ok = true;

    (void)magic;
    puts("smp: BSP APIC ID ");
    lapic_enable();
    put_dec(lapic_id());
    puts("\n");
    tramp_gdt_desc = gdt_desc;
    for (const uint8_t *s = trampoline_start; s < trampoline_end; s++) {
        ((uint8_t *)TRAMPOLINE)[s - trampoline_start] = *s;
    }
    send_ipi(ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_INIT);
    delay(100000);
    send_ipi(ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_STARTUP | (TRAMPOLINE >> 12));
    delay(10000);
    if (__atomic_load_n(&ap_count, __ATOMIC_SEQ_CST) < want) {
        send_ipi(ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT | ICR_STARTUP | (TRAMPOLINE >> 12));
    }
    while (__atomic_load_n(&ap_count, __ATOMIC_SEQ_CST) < want && spins++ < 200000000u) {
        cpu_relax();
    }
    delay(100000); /* a late AP would show up here */
    lock();
    puts("smp: APs up: ");
    put_dec(ap_count);
    puts("\n");
    ok &= check("every AP reported in", ap_count == want);
    ok &= check("distinct APIC IDs",
                popcount(ap_seen_mask) == want && !(ap_seen_mask & (1u << lapic_id())));
    puts(ok ? "smp: ALL PASS\n" : "smp: SOME FAILED\n");
    unlock();
    return ok ? 0 : 1;
}
