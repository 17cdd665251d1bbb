/*
 * tlb.c: the host cost of the interpreter's software TLB.
 *
 * Raw: ns per lookup of the inline fast path (one compare, one add) on a hit,
 * and ns per miss (victim search, 4-level page walk, fill). Guest-level: ns
 * per iteration of a loop of loads that hits one page, and of one that strides
 * over 16384 pages (64 MiB) without ever flushing, the case where a fixed
 * 256-entry TLB misses on every access; the table's growth is reported.
 * Times are the thread's CPU time. Prints figures only; it asserts nothing about time.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "exec/cputlb.h"
#include "target/x86/tcg-cpu.h"
#include <time.h>

#define RAM_SIZE     (80 * MiB)
#define STRIDE_PAGES 16384      /* 64 MiB of 4 KiB pages */
#define PT_BASE      (70 * MiB) /* page tables live above the strided area */
#define CODE_ADDR    0x1000
#define RAW_LOOKUPS  (1u << 24)
#define RAW_MISSES   (1u << 18)
#define LOOP_ITERS   (1u << 21)
#define PTE_FLAGS    0x7 /* present, writable, user */

static MemoryRegion ram;
static uint8_t *ram_ptr;
static CPUX86State env;
static X86CPU cpu;

/* Thread CPU time: the figures stay meaningful on a busy host. */
static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void put64(uint64_t addr, uint64_t v)
{
    memcpy(ram_ptr + addr, &v, 8);
}

/* 64-bit mode with the first 64 MiB + code mapped in 4 KiB pages. */
static void setup_long_mode(void)
{
    uint64_t pml4 = PT_BASE, pdpt = PT_BASE + 0x1000, pd = PT_BASE + 0x2000;
    uint64_t pt = PT_BASE + 0x3000;
    unsigned npages = 80 * 256; /* map all of RAM */

    x86_cpu_reset(&env, true);
    put64(pml4, pdpt | PTE_FLAGS);
    put64(pdpt, pd | PTE_FLAGS);
    for (unsigned i = 0; i < npages / 512; i++) {
        put64(pd + i * 8, (pt + i * 0x1000) | PTE_FLAGS);
    }
    for (unsigned i = 0; i < npages; i++) {
        put64(pt + i * 8, (uint64_t)i * 0x1000 | PTE_FLAGS);
    }
    env.cr[0] = CR0_PE_MASK | CR0_PG_MASK | CR0_ET_MASK;
    env.cr[4] = CR4_PAE_MASK;
    env.cr[3] = pml4;
    env.efer = MSR_EFER_LME | MSR_EFER_LMA;
    x86_seg_set_flat(&env.segs[R_CS], 8,
                     DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_L_MASK);
    for (int s = 0; s < CPU_NB_SEGS; s++) {
        if (s != R_CS) {
            x86_seg_set_flat(&env.segs[s], 16, DESC_P_MASK | DESC_S_MASK | DESC_W_MASK);
        }
    }
    env.regs[R_ESP] = 0x80000;
    x86_cpu_state_changed(&cpu);
}

/* The fast path as the interpreter inlines it, on one page. */
static void bench_raw_hit(void)
{
    CPUTLB *tlb = &cpu.tlb;
    vaddr va = 0x200000;
    uint64_t sum = 0;
    double t0, t1;

    tlb_set_page(tlb, MMU_KERNEL_IDX, va, va, PAGE_READ | PAGE_WRITE, TARGET_PAGE_SIZE, false);
    t0 = now_ns();
    for (unsigned i = 0; i < RAW_LOOKUPS; i++) {
        vaddr a = va + (i & 0xff8);
        CPUTLBEntry *e = tlb_entry(tlb, MMU_KERNEL_IDX, a);

        if (likely(e->addr_read == (a & TARGET_PAGE_MASK))) {
            sum += *(volatile uint8_t *)(uintptr_t)(a + e->addend);
        }
    }
    t1 = now_ns();
    printf("raw hit:               %6.2f ns per lookup+load (sum %" PRIu64 ")\n",
           (t1 - t0) / RAW_LOOKUPS, sum);
}

static const uint8_t load_loop[] = {
    0x8a, 0x04, 0x1e, /* loop: mov al, [rsi + rbx] */
    0x48, 0x01, 0xfb, /* add rbx, rdi */
    0x48, 0x21, 0xd3, /* and rbx, rdx */
    0xff, 0xc9,       /* dec ecx */
    0x75, 0xf3,       /* jnz loop */
    0xf4,             /* hlt */
};
/* The same with INVLPG of the page just loaded: every load misses. */
static const uint8_t invlpg_loop[] = {
    0x8a, 0x04, 0x1e,       /* loop: mov al, [rsi + rbx] */
    0x0f, 0x01, 0x3c, 0x1e, /* invlpg [rsi + rbx] */
    0x48, 0x01, 0xfb,       /* add rbx, rdi */
    0x48, 0x21, 0xd3,       /* and rbx, rdx */
    0xff, 0xc9,             /* dec ecx */
    0x75, 0xef,             /* jnz loop */
    0xf4,                   /* hlt */
};
/* The same with INVLPG of a page never loaded: the INVLPG alone. */
static const uint8_t invlpg_other_loop[] = {
    0x8a, 0x04, 0x1e,                         /* loop: mov al, [rsi + rbx] */
    0x0f, 0x01, 0x3c, 0x25, 0, 0, 0x40, 0x04, /* invlpg [0x4400000] */
    0x48, 0x01, 0xfb,                         /* add rbx, rdi */
    0x48, 0x21, 0xd3,                         /* and rbx, rdx */
    0xff, 0xc9,                               /* dec ecx */
    0x75, 0xeb,                               /* jnz loop */
    0xf4,                                     /* hlt */
};

/* A loop of loads in the guest; returns ns per iteration. */
static double guest_loop(const uint8_t *code, size_t len, uint64_t stride, unsigned pages,
                         unsigned iters)
{
    double t0, t1;

    memcpy(ram_ptr + CODE_ADDR, code, len);
    env.rip = CODE_ADDR;
    env.halted = false;
    env.regs[R_ESI] = 0;
    env.regs[R_EBX] = 0;
    env.regs[R_EDI] = stride;
    env.regs[R_EDX] = (uint64_t)pages * TARGET_PAGE_SIZE - 1;
    env.regs[R_ECX] = iters;
    t0 = now_ns();
    x86_cpu_exec(&cpu, UINT64_MAX);
    t1 = now_ns();
    return (t1 - t0) / iters;
}

static void report_counters(const char *what)
{
    CPUTLBCounters c;

    tlb_get_stats(&cpu.tlb, &c);
    printf("  %-20s hits %" PRIu64 ", victim hits %" PRIu64 ", misses %" PRIu64 ", flushes %" PRIu64
           ", entries %u\n",
           what, c.hits, c.victim_hits, c.misses, c.flushes, tlb_size(&cpu.tlb, MMU_KERNEL_IDX));
}

int main(int argc, char **argv)
{
    double hit, stride_first, stride_warm, miss_loop, other_loop;

    memory_init(UINT64_MAX);
    memory_region_init_ram(&ram, "ram", RAM_SIZE);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    ram_ptr = memory_region_get_ram_ptr(&ram);
    x86_tcg_cpu_init(&cpu, &env, address_space_memory(), address_space_io());

    setup_long_mode();
    bench_raw_hit();

    setup_long_mode();
    hit = guest_loop(load_loop, sizeof(load_loop), 8, 1, LOOP_ITERS);
    printf("guest loop, one page:  %6.2f ns per iteration (5 instructions, 1 load)\n", hit);
    report_counters("one page");

    setup_long_mode();
    stride_first =
        guest_loop(load_loop, sizeof(load_loop), TARGET_PAGE_SIZE, STRIDE_PAGES, STRIDE_PAGES * 8);
    stride_warm =
        guest_loop(load_loop, sizeof(load_loop), TARGET_PAGE_SIZE, STRIDE_PAGES, STRIDE_PAGES * 8);
    printf("guest loop, %u pages: %6.2f ns per iteration while growing, %.2f once grown\n",
           STRIDE_PAGES, stride_first, stride_warm);
    report_counters("page striding");

    /* Every load misses: INVLPG drops the page just loaded. */
    setup_long_mode();
    other_loop =
        guest_loop(invlpg_other_loop, sizeof(invlpg_other_loop), TARGET_PAGE_SIZE, 64, RAW_MISSES);
    miss_loop = guest_loop(invlpg_loop, sizeof(invlpg_loop), TARGET_PAGE_SIZE, 64, RAW_MISSES);
    printf("guest loop, all misses: %5.2f ns per iteration, %.2f with a no-op INVLPG: a miss "
           "(walk + fill) costs about %.0f ns\n",
           miss_loop, other_loop, miss_loop - other_loop);
    report_counters("forced misses");
    x86_tcg_cpu_destroy(&cpu);
    return 0;
}
