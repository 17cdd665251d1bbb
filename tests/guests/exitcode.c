/* exitcode.c: isa-debug-exit (QEMU's convention: status = (value << 1) | 1). */
#include "libguest.h"

#define EXIT_VALUE 0x2a /* tern must exit with 85 */

int kmain(uint32_t magic, struct mb_info *mbi);
int kmain(uint32_t magic, struct mb_info *mbi)
{
    (void)magic;
    (void)mbi;
    puts("exitcode: writing 0x2a to port 0xf4\n");
    guest_exit(EXIT_VALUE);
}
