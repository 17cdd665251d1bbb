/*
 * mmio-insn.c: instructions on MMIO that KVM's instruction emulator does not
 * implement (SSE arithmetic, x87 loads and stores, CMPXCHG16B; Intel
 * SDM Vol. 2), run from 64-bit code on the pc-testdev's memory-like MMIO
 * window. Under -accel kvm each one stops KVM with an emulation failure and
 * tern runs it in its interpreter (docs/kvm.md, "Emulation failures"); under
 * tcg it is just an instruction. The device must see the right bytes and the
 * registers the right results, and a fault (misaligned ADDPS: #GP) must reach
 * the guest's handler. Needs -device pc-testdev.
 */
#include "libguest.h"
#include "guest-gdt.h"

#define MMIO_BASE   0xff000000u /* pc-testdev iomem */
#define PTE_P       1u
#define PTE_W       2u
#define PDE_PS      0x80u
#define PAGE_2M     0x200000u
#define CR0_EM      (1u << 2)
#define CR0_MP      (1u << 1)
#define CR0_TS      (1u << 3)
#define CR4_OSFXSR  (1u << 9)
#define CR4_OSXMMEX (1u << 10)
#define GP_VECTOR   13

void call64(void (*fn)(void));
void t_pxor(void);
void t_paddd(void);
void t_addps(void);
void t_x87(void);
void t_cmpxchg16b(void);
void t_cmpxchg16b_pt(void);
void t_misaligned(void);
void t_misaligned_insn(void);
void gp_isr64(void);
volatile uint32_t gp_faults, gp_error, gp_rip;

uint32_t in[4] __attribute__((aligned(16)));
uint32_t out[4] __attribute__((aligned(16)));

uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[4][512] __attribute__((aligned(4096)));

static struct idt64_gate idt64[32] __attribute__((aligned(16)));

/* A 64-bit IDT with only #GP (the kernel is below 4 GiB: off_hi stays 0). */
static void idt64_init(void)
{
    idt64_set(idt64, GP_VECTOR, gp_isr64);
    idt64_load(idt64, 32);
}

/* Identity map of the low 4 GiB with 2 MiB pages (MMIO included), then IA-32e mode. */
static void long_mode_on(void)
{
    for (uint32_t i = 0; i < 4; i++) {
        for (uint32_t j = 0; j < 512; j++) {
            pd[i][j] = ((uint64_t)(i * 512 + j) * PAGE_2M) | PTE_P | PTE_W | PDE_PS;
        }
        pdpt[i] = (uint32_t)pd[i] | PTE_P | PTE_W;
    }
    pml4[0] = (uint32_t)pdpt | PTE_P | PTE_W;
    enter_ia32e((uint32_t)pml4);
}

/* SSE and x87 on (SDM Vol. 3A, 13.1): CR0.EM and TS clear, MP set; CR4.OSFXSR, OSXMMEXCPT. */
static void fpu_on(void)
{
    uint32_t cr0, cr4;

    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP;
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= CR4_OSFXSR | CR4_OSXMMEX;
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
}

static void mmio_fill(uint32_t off, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    mmio_write32(MMIO_BASE + off, a);
    mmio_write32(MMIO_BASE + off + 4, b);
    mmio_write32(MMIO_BASE + off + 8, c);
    mmio_write32(MMIO_BASE + off + 12, d);
}

static void set4(uint32_t *v, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    v[0] = a, v[1] = b, v[2] = c, v[3] = d;
}

static bool is4(const uint32_t *v, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    return v[0] == a && v[1] == b && v[2] == c && v[3] == d;
}

static bool mmio_is(uint32_t off, uint32_t v)
{
    return mmio_read32(MMIO_BASE + off) == v;
}

static bool sse_ok(void)
{
    bool ok = true;

    mmio_fill(0x00, 0xffffffff, 0x0f0f0f0f, 0x12345678, 0);
    set4(in, 0x11111111, 0xf0f0f0f0, 0x12345678, 0xdeadbeef);
    call64(t_pxor);
    ok &= check("pxor xmm0, [mmio]", is4(out, 0xeeeeeeee, 0xffffffff, 0, 0xdeadbeef));

    mmio_fill(0x10, 1, 0xffffffff, 0x80000000, 0x01020304);
    set4(in, 41, 1, 0x80000000, 0x10203040);
    call64(t_paddd);
    ok &= check("paddd xmm1, [mmio]", is4(out, 42, 0, 0, 0x11223344));

    /* 1.0 + 0.5, 2.0 + 0.5, 3.0 + 1.0, 0.5 + 1.0 as IEEE 754 single precision */
    mmio_fill(0x20, 0x3f000000, 0x3f000000, 0x3f800000, 0x3f800000);
    set4(in, 0x3f800000, 0x40000000, 0x40400000, 0x3f000000);
    call64(t_addps);
    ok &= check("addps xmm2, [mmio]", is4(out, 0x3fc00000, 0x40200000, 0x40800000, 0x3fc00000));
    ok &= check("MMIO operands left unchanged",
                mmio_is(0x00, 0xffffffff) && mmio_is(0x14, 0xffffffff));
    return ok;
}

static bool x87_ok(void)
{
    bool ok = true;

    mmio_fill(0x30, 12345, 0, 0, 0);
    set4(in, (uint32_t)-7, 0, 0, 0);
    out[0] = 0;
    call64(t_x87);
    ok &= check("fild dword [mmio]", out[0] == 12345);
    ok &= check("fistp dword [mmio]", mmio_is(0x34, (uint32_t)-7));
    /* -7.0 as a double: 0xc01c000000000000 */
    ok &= check("fstp qword [mmio]", mmio_is(0x38, 0) && mmio_is(0x3c, 0xc01c0000));
    return ok;
}

static bool cmpxchg16b_ok(void)
{
    bool ok = true;

    /*
     * On a page table (which KVM with shadow paging write-protects, and PVM's
     * emulator cannot do CMPXCHG16B on) tern does it with the host's own
     * atomic instruction.
     */
    set4(out, 0xff, 0, 0, 0);
    call64(t_cmpxchg16b_pt);
    ok &= check("lock cmpxchg16b [page table]: equal, swapped; not equal, loaded",
                (out[0] & 0xffff) == 1 && out[1] == 2 && out[2] == 4 && pml4[510] == 0 &&
                    pml4[511] == 0);

    mmio_fill(0x40, 1, 0, 2, 0);
    set4(out, 0xff, 0, 0, 0);
    call64(t_cmpxchg16b);
    ok &= check("lock cmpxchg16b [mmio]: equal, swapped",
                (out[0] & 0xff) == 1 && mmio_is(0x40, 3) && mmio_is(0x48, 4));
    ok &= check("lock cmpxchg16b [mmio]: not equal, loaded",
                ((out[0] >> 8) & 0xff) == 0 && out[1] == 3 && out[2] == 4 && mmio_is(0x40, 3));
    return ok;
}

/* A fault in an instruction run for KVM reaches the guest's handler. */
static bool fault_ok(void)
{
    bool ok = true;

    gp_faults = 0;
    call64(t_misaligned);
    ok &= check("misaligned addps [mmio]: #GP(0) to the guest's handler",
                gp_faults == 1 && gp_error == 0 && gp_rip == (uint32_t)t_misaligned_insn);
    ok &= check("the faulting instruction did not complete", out[0] == 0);
    return ok;
}

int kmain(uint32_t magic, struct mb_info *mbi);
int kmain(uint32_t magic, struct mb_info *mbi)
{
    bool ok = true;

    (void)magic;
    (void)mbi;
    puts("mmio-insn: SSE, x87 and CMPXCHG16B on MMIO, from 64-bit code\n");
    fpu_on();
    long_mode_on();
    idt64_init();
    ok &= check("pc-testdev MMIO round trip",
                (mmio_fill(0, 0x5a5a5a5a, 0, 0, 0), mmio_is(0, 0x5a5a5a5a)));
    ok &= sse_ok();
    ok &= x87_ok();
    ok &= cmpxchg16b_ok();
    ok &= fault_ok();
    puts(ok ? "mmio-insn: ALL PASS\n" : "mmio-insn: SOME FAILED\n");
    return ok ? 0 : 1;
}
