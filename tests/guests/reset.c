/*
 * reset.c: a machine reset re-enters the kernel. The first boot leaves a
 * marker in low RAM (which neither the reset nor the loader touch) and resets
 * the machine, through the PIIX3 reset control register 0xCF9 (Intel 82371SB
 * datasheet, 4.1.17) or with "via=triple" a triple fault (IDT limit 0, then
 * #UD: #GP, #DF, shutdown; SDM Vol. 3A, 6.15 "Interrupt 8"). The second boot
 * finds the marker and reports.
 */
#include "libguest.h"

#define MARKER_ADDR        0x7f00u     /* below the multiboot areas, outside the kernel image */
#define MARKER             0x52455345u /* "RESE" */
#define RESET_CONTROL_PORT 0xcf9
#define RESET_CONTROL_HARD 0x06 /* system reset | reset CPU */

static void triple_fault(void)
{
    static const struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) empty_idt = {0, 0};

    __asm__ volatile("lidt %0; ud2" : : "m"(empty_idt));
}

int kmain(uint32_t magic, struct mb_info *mbi);
int kmain(uint32_t magic, struct mb_info *mbi)
{
    volatile uint32_t *marker = (volatile uint32_t *)MARKER_ADDR;

    (void)magic;
    if (*marker != MARKER) {
        *marker = MARKER;
        puts("reset: first boot, resetting the machine\n");
        if (cmdline_has(mbi, "via=triple")) {
            triple_fault();
        } else {
            outb(RESET_CONTROL_PORT, RESET_CONTROL_HARD);
        }
        for (volatile int i = 0; i < 1000000; i++) {
            cpu_relax();
        }
        puts("reset: the machine did not reset\n");
        return 1;
    }
    *marker = 0;
    puts("reset: second boot after the reset\n");
    check("kernel entered again after reset", magic == MULTIBOOT_BOOTLOADER_MAGIC);
    puts("reset: ALL PASS\n");
    return 0;
}
