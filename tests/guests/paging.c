/*
 * paging.c: 4-level paging (Intel SDM Vol. 3A, 4.5): identity-mapped 2 MiB
 * pages for the kernel, a virtual 4 KiB page mapped to a different physical page, and
 * a page fault (4.7: CR2 and the error code) that the handler fixes by mapping
 * the page, after which the faulting write completes.
 */
#include "libguest.h"
#include "guest-gdt.h"

#define PTE_P          1u
#define PTE_W          2u
#define PDE_PS         0x80u
#define VIRT_BASE      0x40000000u /* PDPT entry 1, PD entry 0 */
#define PAGE_2M        0x200000u
#define PF_VECTOR      14
#define PF_ERR_WRITE   2u
#define PF_ERR_PRESENT 1u

/*
 * XXX: IA-32e (4-level) paging with the 32-bit code in compatibility mode,
 * rather than 2-level or PAE paging: a PVM host's KVM refuses CR0.PG outside
 * IA-32e mode with #GP, and runs compatibility-mode code in its instruction
 * emulator, which cannot deliver exceptions there. So the faulting store is
 * made from 64-bit code, and the #PF handler is 64-bit code.
 */
void pf_isr64(void);
/* Stores v at addr from 64-bit code (faults are delivered there, not in compatibility mode). */
void write64(uint32_t addr, uint32_t v);

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd_low[512] __attribute__((aligned(4096)));
static uint64_t pd_virt[512] __attribute__((aligned(4096)));
uint64_t page_table[512] __attribute__((aligned(4096)));
static uint8_t target[2][4096] __attribute__((aligned(4096)));
volatile uint32_t faults, fault_addr, fault_error;
uint64_t fix_pte;

static struct idt64_gate idt64[32] __attribute__((aligned(16)));

static void idt64_init(void)
{
    idt64_set(idt64, PF_VECTOR, pf_isr64);
    idt64_load(idt64, 32);
}

static void paging_on(void)
{
    /* 0-4 MiB identity: kernel, stack, tables */
    pd_low[0] = 0 | PTE_P | PTE_W | PDE_PS;
    pd_low[1] = PAGE_2M | PTE_P | PTE_W | PDE_PS;
    pdpt[0] = (uint32_t)pd_low | PTE_P | PTE_W;
    pdpt[1] = (uint32_t)pd_virt | PTE_P | PTE_W;
    pml4[0] = (uint32_t)pdpt | PTE_P | PTE_W;
    pd_virt[0] = (uint32_t)page_table | PTE_P | PTE_W;
    page_table[0] = (uint32_t)target[0] | PTE_P | PTE_W;
    fix_pte = (uint32_t)target[1] | PTE_P | PTE_W;
    enter_ia32e((uint32_t)pml4);
}

int kmain(uint32_t magic, struct mb_info *mbi);
int kmain(uint32_t magic, struct mb_info *mbi)
{
    volatile uint32_t *virt = (volatile uint32_t *)VIRT_BASE;
    bool ok = true;

    (void)magic;
    (void)mbi;
    puts("paging: IA-32e paging with a non-identity mapping\n");
    idt64_init();
    paging_on();

    virt[0] = 0xcafef00d;
    ok &= check("virtual write lands in the mapped physical page",
                *(volatile uint32_t *)target[0] == 0xcafef00d);
    ok &= check("no fault yet", faults == 0);

    write64(VIRT_BASE + 4096 + 12, 0x600df00d); /* next page: not present */
    ok &= check("one page fault", faults == 1);
    ok &= check("CR2 is the faulting address", fault_addr == VIRT_BASE + 4096 + 12);
    ok &= check("error code: write to a not-present page",
                (fault_error & (PF_ERR_WRITE | PF_ERR_PRESENT)) == PF_ERR_WRITE);
    ok &= check("write completed after the fix", ((volatile uint32_t *)target[1])[3] == 0x600df00d);
    puts(ok ? "paging: ALL PASS\n" : "paging: SOME FAILED\n");
    return ok ? 0 : 1;
}
