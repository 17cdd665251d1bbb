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

    ok &= check("BIOS ROM write dropped (top of 4 GiB)", rom_write_dropped(BIOS_TOP));
    ok &= check("BIOS ROM write dropped (alias below 1 MiB)", rom_write_dropped(BIOS_ALIAS));
    ok &= check("ROM alias shows the same bytes",
                *(volatile uint32_t *)BIOS_TOP == *(volatile uint32_t *)BIOS_ALIAS);
    puts(ok ? "mmio: ALL PASS\n" : "mmio: SOME FAILED\n");
    return ok ? 0 : 1;
}
