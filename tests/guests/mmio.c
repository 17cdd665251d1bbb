/*
 * mmio.c: port I/O and MMIO exits to tern's devices and memory core, and
 * read-only memslots: writes to the BIOS ROM (at the top of 4 GiB and its
 * alias below 1 MiB) are dropped.
 */
#include "libguest.h"

#define UART_SCR        (COM1 + 7)  /* 16550A scratch register */
#define UNASSIGNED_MMIO 0xfd000000u /* PCI window, nothing mapped */
#define UNASSIGNED_PORT 0x2e0
#define BIOS_TOP        0xfffffff0u /* reset vector, in pc.bios */
#define BIOS_ALIAS      0x000ffff0u /* the same bytes, through isa-bios */

static bool rom_write_dropped(uint32_t addr)
{
    volatile uint8_t *p = (volatile uint8_t *)addr;
    uint8_t before = *p;

    *p = before ^ 0xff;
    return *p == before;
}

/* String I/O: each element is one I/O access (REP OUTSB/INSB, SDM Vol. 2B). */
static bool string_pio_ok(void)
{
    static const char out[4] = {'A', 'B', 'C', 'D'};
    uint8_t in[8] = {0};
    const void *src = out;
    void *dst = in;
    uint32_t n = sizeof(out);
    bool ok;

    __asm__ volatile("cld; rep outsb" : "+S"(src), "+c"(n) : "d"(UART_SCR) : "memory");
    ok = inb(UART_SCR) == 'D'; /* the scratch register keeps the last byte */
    n = sizeof(in);
    __asm__ volatile("cld; rep insb" : "+D"(dst), "+c"(n) : "d"(UNASSIGNED_PORT) : "memory");
    for (unsigned i = 0; i < sizeof(in); i++) {
        ok &= in[i] == 0xff;
    }
    return ok;
}

/* String MMIO: REP MOVSD from unassigned MMIO into RAM reads all ones. */
static bool string_mmio_ok(void)
{
    uint32_t buf[4] = {0};
    const void *src = (const void *)UNASSIGNED_MMIO;
    void *dst = buf;
    uint32_t n = 4;
    bool ok = true;

    __asm__ volatile("cld; rep movsl" : "+S"(src), "+D"(dst), "+c"(n) : : "memory");
    for (unsigned i = 0; i < 4; i++) {
        ok &= buf[i] == 0xffffffff;
    }
    return ok;
}

int kmain(uint32_t magic, struct mb_info *mbi);
int kmain(uint32_t magic, struct mb_info *mbi)
{
    bool ok = true;

    (void)magic;
    (void)mbi;
    puts("mmio: PIO and MMIO exits, read-only memory\n");
    outb(UART_SCR, 0x5a);
    ok &= check("PIO round trip (UART scratch)", inb(UART_SCR) == 0x5a);
    ok &= check("unassigned port reads all ones", inb(UNASSIGNED_PORT) == 0xff);
    ok &= check("unassigned MMIO reads all ones", mmio_read32(UNASSIGNED_MMIO) == 0xffffffff);
    mmio_write32(UNASSIGNED_MMIO, 0x12345678); /* dropped */
    ok &= check("unassigned MMIO write dropped", mmio_read32(UNASSIGNED_MMIO) == 0xffffffff);

    ok &= check("string PIO (rep outsb, rep insb)", string_pio_ok());
    ok &= check("string MMIO (rep movsd from MMIO)", string_mmio_ok());
    ok &= check("BIOS ROM write dropped (top of 4 GiB)", rom_write_dropped(BIOS_TOP));
    ok &= check("BIOS ROM write dropped (alias below 1 MiB)", rom_write_dropped(BIOS_ALIAS));
    ok &= check("ROM alias shows the same bytes",
                *(volatile uint32_t *)BIOS_TOP == *(volatile uint32_t *)BIOS_ALIAS);
    puts(ok ? "mmio: ALL PASS\n" : "mmio: SOME FAILED\n");
    return ok ? 0 : 1;
}
