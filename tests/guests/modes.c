/*
 * modes.c: real mode, protected mode and long mode (Intel SDM Vol. 3A, 9.9):
 * a round trip to real mode and one to 64-bit mode, each printing from there.
 */
#include "libguest.h"

#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define PTE_P    1u
#define PTE_W    2u
#define PTE_PS   0x80u
#define PAGE_2M  0x200000u

uint32_t real_mode_roundtrip(void);
uint32_t long_mode_roundtrip(uint32_t pml4);
extern uint8_t lm_arith_ok;

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));

int kmain(uint32_t magic, struct mb_info *mbi);
int kmain(uint32_t magic, struct mb_info *mbi)
{
    uint32_t rm_cr0, efer;
    bool ok = true;

    (void)mbi;
    puts("modes: protected mode entry\n");
    ok &= check("multiboot magic", magic == MULTIBOOT_BOOTLOADER_MAGIC);

    rm_cr0 = real_mode_roundtrip();
    ok &= check("real mode (CR0.PE clear there)", (rm_cr0 & 1) == 0 && rm_cr0 != 0xffffffff);
    puts("modes: back in protected mode\n");

    /* 1 GiB identity map with 2 MiB pages */
    for (uint32_t i = 0; i < 512; i++) {
        pd[i] = (uint64_t)(i * PAGE_2M) | PTE_P | PTE_W | PTE_PS;
    }
    pdpt[0] = (uint32_t)pd | PTE_P | PTE_W;
    pml4[0] = (uint32_t)pdpt | PTE_P | PTE_W;
    efer = long_mode_roundtrip((uint32_t)pml4);
    ok &= check("long mode (EFER.LMA set there)",
                (efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA));
    ok &= check("64-bit arithmetic", lm_arith_ok == 1);
    puts("modes: back in protected mode\n");
    puts(ok ? "modes: ALL PASS\n" : "modes: SOME FAILED\n");
    return ok ? 0 : 1;
}
