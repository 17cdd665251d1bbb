/*
 * test-x86-system.c: the interpreter's modes and system behaviour.
 *
 * Real mode (segment arithmetic, the IVT, IRET), 32-bit protected mode
 * (descriptor loads and their checks, a ring 3 -> ring 0 interrupt through
 * the TSS stack), 64-bit mode (IDT delivery with error codes, IRETQ, #DF and
 * the triple fault, SYSCALL/SYSRET, an external interrupt through the hook),
 * and the software TLB (MMIO slow path, ROM writes dropped, flushes on a
 * flat-view change, growth under a page-striding load). SDM Vol. 3A,
 * chapters 3-6 and 20.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "target/x86/tcg-cpu.h"

#define RAM_SIZE  (4 * MiB)
#define MMIO_ADDR 0x400000
#define ROM_ADDR  0x401000
#define CODE_ADDR 0x1000
#define STACK_TOP 0x80000
#define PML4_ADDR 0x10000
#define PDPT_ADDR 0x11000
#define PD_ADDR   0x12000
#define PT_ADDR   0x13000 /* four page tables: 8 MiB in 4 KiB pages */
#define GDT_ADDR  0x800
#define IDT_ADDR  0x2000
#define TSS_ADDR  0x3000
#define HANDLER   0x5000
#define PTE_P     0x1
#define PTE_RW    0x2
#define PTE_US    0x4

static MemoryRegion ram, mmio, rom;
static uint8_t *ram_ptr;
static CPUX86State env;
static X86CPU cpu;
static uint64_t mmio_last_write, mmio_reads, mmio_writes;

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    mmio_reads++;
    return 0x1000 + addr;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    mmio_writes++;
    mmio_last_write = data;
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 8},
};

static void put(uint64_t addr, const void *p, size_t n)
{
    memcpy(ram_ptr + addr, p, n);
}

static void put64(uint64_t addr, uint64_t v)
{
    put(addr, &v, 8);
}

static uint64_t get64(uint64_t addr)
{
    uint64_t v;

    memcpy(&v, ram_ptr + addr, 8);
    return v;
}

static X86ExitReason run_at(uint64_t rip, uint64_t budget)
{
    env.rip = rip;
    env.halted = false;
    cpu.exception_index = -1;
    return x86_cpu_exec(&cpu, budget);
}

/* --- real mode ------------------------------------------------------------------------------ */

static void test_real_mode(void)
{
    static const uint8_t code[] = {
        0xb8, 0x34, 0x12,                   /* mov ax, 0x1234 */
        0x8e, 0xd8,                         /* mov ds, ax */
        0xc7, 0x06, 0x10, 0x00, 0xcd, 0xab, /* mov word [0x10], 0xabcd: at 0x12350 */
        0xcd, 0x21,                         /* int 0x21 */
        0xea, 0x00, 0x00, 0x00, 0x03,       /* jmp 0x0300:0x0000 (linear 0x3000) */
    };
    static const uint8_t handler[] = {0xb9, 0x55, 0x00, 0xcf}; /* mov cx, 0x55; iret */
    static const uint8_t at3000[] = {0x8c, 0xca, 0xf4};        /* mov dx, cs; hlt */
    uint16_t ivt[2] = {0x0000, 0x0200};                        /* 0200:0000 = linear 0x2000 */

    x86_cpu_reset(&env, true);
    x86_cpu_state_changed(&cpu);
    cpu.stop_on_exception = true;
    env.segs[R_CS].selector = 0;
    env.segs[R_CS].base = 0;
    env.regs[R_ESP] = 0x8000;
    put(CODE_ADDR, code, sizeof(code));
    put(0x21 * 4, ivt, sizeof(ivt));
    put(0x2000, handler, sizeof(handler));
    put(0x3000, at3000, sizeof(at3000));
    env.rflags |= IF_MASK;
    g_assert_cmpint(run_at(CODE_ADDR, 1000), ==, X86_EXIT_HLT);
    g_assert_cmphex(*(uint16_t *)(ram_ptr + 0x12350), ==, 0xabcd);
    g_assert_cmphex(env.regs[R_ECX] & 0xffff, ==, 0x55);
    g_assert_cmphex(env.regs[R_EDX] & 0xffff, ==, 0x300);
    g_assert_cmphex(env.regs[R_ESP] & 0xffff, ==, 0x8000); /* IRET popped the frame */
    g_assert_true(env.rflags & IF_MASK);                   /* restored by IRET */
    g_assert_cmphex(env.rip, ==, 3);

    /* A word at offset 0xffff crosses the 64 KiB limit: #GP in real mode. */
    static const uint8_t wrap[] = {0x8b, 0x07}; /* mov ax, [bx] */
    put(CODE_ADDR, wrap, sizeof(wrap));
    env.segs[R_CS].selector = 0;
    env.segs[R_CS].base = 0;
    env.regs[R_EBX] = 0xffff;
    g_assert_cmpint(run_at(CODE_ADDR, 10), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP0D_GPF);
}

/* --- 32-bit protected mode ------------------------------------------------------------------- */

#define SEL_CODE32 0x08
#define SEL_DATA32 0x10
#define SEL_CODE3  0x1b
#define SEL_DATA3  0x23
#define SEL_SMALL  0x28 /* base 0x20000, byte limit 0xfff */

static void setup_protected(void)
{
    static const uint64_t gdt[] = {
        0,
        0x00cf9a000000ffffULL,
        0x00cf92000000ffffULL,
        0x00cffa000000ffffULL,
        0x00cff2000000ffffULL,
        0x0040920200000fffULL,
    };

    x86_cpu_reset(&env, true);
    put(GDT_ADDR, gdt, sizeof(gdt));
    env.gdt.base = GDT_ADDR;
    env.gdt.limit = sizeof(gdt) - 1;
    env.cr[0] = CR0_PE_MASK | CR0_ET_MASK;
    x86_seg_set_flat(&env.segs[R_CS], SEL_CODE32,
                     DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK |
                         DESC_B_MASK);
    for (int s = 0; s < CPU_NB_SEGS; s++) {
        if (s != R_CS) {
            x86_seg_set_flat(&env.segs[s], SEL_DATA32,
                             DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_B_MASK);
        }
    }
    env.regs[R_ESP] = STACK_TOP;
    env.rflags = RFLAGS_FIXED;
    x86_cpu_state_changed(&cpu);
    cpu.stop_on_exception = true;
}

static void test_protected_segments(void)
{
    static const uint8_t load_small[] = {
        0x66, 0xb8, SEL_SMALL, 0x00, /* mov ax, SEL_SMALL */
        0x8e, 0xd8,                  /* mov ds, ax */
        0xc7, 0x05, 0xfc,      0x0f, 0,
        0,    0x44, 0x33,      0x22, 0x11, /* mov dword [0xffc], 0x11223344 */
        0xf4,
    };
    static const uint8_t past_limit[] = {0x8b, 0x05, 0xfd, 0x0f, 0, 0};     /* mov eax, [0xffd] */
    static const uint8_t load_bad[] = {0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8}; /* beyond the GDT */
    static const uint8_t load_null[] = {0x31, 0xc0, 0x8e, 0xc0,
                                        0x26, 0x8b, 0x00}; /* es=0; [es:eax] */
    static const uint8_t load_ss_code[] = {0x66, 0xb8, SEL_CODE32, 0x00, 0x8e, 0xd0};

    setup_protected();
    put(CODE_ADDR, load_small, sizeof(load_small));
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(*(uint32_t *)(ram_ptr + 0x20ffc), ==, 0x11223344);
    g_assert_cmphex(env.segs[R_DS].base, ==, 0x20000);
    g_assert_cmphex(env.segs[R_DS].limit, ==, 0xfff);
    g_assert_true(ram_ptr[GDT_ADDR + 5 * 8 + 5] & 1); /* the accessed bit was set */

    put(CODE_ADDR, past_limit, sizeof(past_limit));
    g_assert_cmpint(run_at(CODE_ADDR, 10), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP0D_GPF);
    g_assert_cmphex(cpu.error_code, ==, 0);

    put(CODE_ADDR, load_bad, sizeof(load_bad));
    g_assert_cmpint(run_at(CODE_ADDR, 10), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP0D_GPF);
    g_assert_cmphex(cpu.error_code, ==, 0x30);

    put(CODE_ADDR, load_null, sizeof(load_null));
    g_assert_cmpint(run_at(CODE_ADDR, 10), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP0D_GPF);
    g_assert_cmphex(env.segs[R_ES].selector, ==, 0); /* the null load itself is fine */

    put(CODE_ADDR, load_ss_code, sizeof(load_ss_code));
    g_assert_cmpint(run_at(CODE_ADDR, 10), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP0D_GPF);
    g_assert_cmphex(cpu.error_code, ==, SEL_CODE32);
}

/* IRET to ring 3, then INT 0x80 back to ring 0 on the TSS's ESP0/SS0. */
static void test_ring3_and_back(void)
{
    static const uint8_t to_user[] = {
        0x6a, SEL_DATA3,                   /* push SEL_DATA3 (ss) */
        0x68, 0x00,      0x70, 0x00, 0x00, /* push 0x7000 (esp) */
        0x9c,                              /* pushfd */
        0x6a, SEL_CODE3,                   /* push SEL_CODE3 */
        0x68, 0x00,      0x60, 0x00, 0x00, /* push 0x6000 */
        0xcf,                              /* iretd */
    };
    static const uint8_t user[] = {
        0xb8, 0x2a, 0, 0, 0, /* mov eax, 42 */
        0xcd, 0x80,          /* int 0x80 */
        0xf4,                /* hlt (never: #GP at CPL 3) */
    };
    static const uint8_t kernel[] = {0xf4};                        /* hlt */
    uint32_t gate[2] = {HANDLER | (SEL_CODE32 << 16), 0x0000ee00}; /* 32-bit int gate, DPL 3 */
    uint32_t esp0 = 0x9000, ss0 = SEL_DATA32;

    setup_protected();
    cpu.stop_on_exception = false;
    put(CODE_ADDR, to_user, sizeof(to_user));
    put(0x6000, user, sizeof(user));
    put(HANDLER, kernel, sizeof(kernel));
    memset(ram_ptr + IDT_ADDR, 0, 0x800);
    put(IDT_ADDR + 0x80 * 8, gate, sizeof(gate));
    env.idt.base = IDT_ADDR;
    env.idt.limit = 0x7ff;
    memset(ram_ptr + TSS_ADDR, 0, 0x68);
    put(TSS_ADDR + 4, &esp0, 4);
    put(TSS_ADDR + 8, &ss0, 4);
    env.tr.base = TSS_ADDR;
    env.tr.limit = 0x67;
    env.tr.flags = DESC_P_MASK | (11u << DESC_TYPE_SHIFT);
    env.rflags |= IF_MASK;

    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.rip, ==, HANDLER + 1);
    g_assert_cmpint(env.segs[R_CS].selector, ==, SEL_CODE32);
    g_assert_cmpint(env.segs[R_SS].selector, ==, SEL_DATA32);
    g_assert_cmphex(env.regs[R_ESP], ==, 0x9000 - 20);
    g_assert_cmphex(*(uint32_t *)(ram_ptr + 0x9000 - 20), ==, 0x6007);    /* EIP after INT */
    g_assert_cmphex(*(uint32_t *)(ram_ptr + 0x9000 - 16), ==, SEL_CODE3); /* CS */
    g_assert_cmphex(*(uint32_t *)(ram_ptr + 0x9000 - 8), ==, 0x7000);     /* ESP */
    g_assert_cmphex(*(uint32_t *)(ram_ptr + 0x9000 - 4), ==, SEL_DATA3);  /* SS */
    g_assert_false(env.rflags & IF_MASK);                                 /* an interrupt gate */
    g_assert_cmphex(env.regs[R_EAX], ==, 42);
}

/* IN/OUT at CPL 3 with IOPL 0 go through the TSS I/O bitmap, also of a busy TSS (type 11,
 * as every TSS is after LTR): port 0x80 allowed, 0x81 not. */
static void test_io_bitmap(void)
{
    static const uint8_t to_user[] = {
        0x6a, SEL_DATA3, 0x68, 0x00, 0x70, 0x00, 0x00, 0x9c, /* ss, esp, eflags (IOPL 0) */
        0x6a, SEL_CODE3, 0x68, 0x00, 0x60, 0x00, 0x00, 0xcf, /* cs, eip; iretd */
    };
    static const uint8_t user[] = {0xe6, 0x80, 0xe6, 0x81, 0xf4}; /* out 0x80,al; out 0x81,al */
    uint16_t iomap = 0x68;

    for (unsigned type = 9; type <= 11; type += 2) {
        setup_protected();
        put(CODE_ADDR, to_user, sizeof(to_user));
        put(0x6000, user, sizeof(user));
        memset(ram_ptr + TSS_ADDR, 0, 0x68 + 0x21);
        put(TSS_ADDR + 0x66, &iomap, 2);
        memset(ram_ptr + TSS_ADDR + 0x68, 0xff, 0x21);
        ram_ptr[TSS_ADDR + 0x68 + 0x80 / 8] = 0xfe; /* port 0x80 allowed */
        env.tr.base = TSS_ADDR;
        env.tr.limit = 0x68 + 0x20;
        env.tr.flags = DESC_P_MASK | (type << DESC_TYPE_SHIFT);

        g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_EXCEPTION);
        g_assert_cmpint(cpu.exception_index, ==, EXCP0D_GPF);
        g_assert_cmphex(env.rip, ==, 0x6002);
    }
}

/* --- 64-bit mode ----------------------------------------------------------------------------- */

#define SEL_CODE64 0x08
#define SEL_DATA64 0x10

static void setup_long_mode(void)
{
    x86_cpu_reset(&env, true);
    memset(ram_ptr + PML4_ADDR, 0, 0x7000);
    put64(PML4_ADDR, PDPT_ADDR | PTE_P | PTE_RW | PTE_US);
    put64(PDPT_ADDR, PD_ADDR | PTE_P | PTE_RW | PTE_US);
    for (int t = 0; t < 4; t++) {
        put64(PD_ADDR + t * 8, (PT_ADDR + t * 0x1000) | PTE_P | PTE_RW | PTE_US);
    }
    for (int i = 0; i < 4 * 512; i++) {
        put64(PT_ADDR + i * 8, (uint64_t)i * 0x1000 | PTE_P | PTE_RW | PTE_US);
    }
    put64(GDT_ADDR, 0);
    put64(GDT_ADDR + 8, 0x00af9b000000ffffULL);
    put64(GDT_ADDR + 16, 0x00cf93000000ffffULL);
    put64(GDT_ADDR + 24, 0x00cff3000000ffffULL); /* 0x1b: user data */
    put64(GDT_ADDR + 32, 0x00affb000000ffffULL); /* 0x23: user code64 */
    env.gdt.base = GDT_ADDR;
    env.gdt.limit = 5 * 8 - 1;
    env.cr[0] = CR0_PE_MASK | CR0_PG_MASK | CR0_ET_MASK | CR0_WP_MASK;
    env.cr[4] = CR4_PAE_MASK;
    env.cr[3] = PML4_ADDR;
    env.efer = MSR_EFER_LME | MSR_EFER_LMA | MSR_EFER_SCE;
    x86_seg_set_flat(&env.segs[R_CS], SEL_CODE64,
                     DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK |
                         DESC_L_MASK);
    for (int s = 0; s < CPU_NB_SEGS; s++) {
        if (s != R_CS) {
            x86_seg_set_flat(&env.segs[s], SEL_DATA64,
                             DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_B_MASK);
        }
    }
    memset(ram_ptr + IDT_ADDR, 0, 0x1000);
    env.idt.base = IDT_ADDR;
    env.idt.limit = 0xfff;
    env.regs[R_ESP] = STACK_TOP;
    env.rflags = RFLAGS_FIXED;
    x86_cpu_state_changed(&cpu);
    cpu.stop_on_exception = false;
}

static void set_gate64(int vector, uint64_t handler, int ist)
{
    uint32_t g[4] = {(handler & 0xffff) | (SEL_CODE64 << 16),
                     (handler & 0xffff0000u) | 0x8e00 | ist, handler >> 32, 0};

    put(IDT_ADDR + vector * 16, g, sizeof(g));
}

static void test_long_mode_exceptions(void)
{
    static const uint8_t code[] = {
        0x31, 0xdb,                                     /* xor ebx, ebx */
        0x48, 0xf7, 0xf3,                               /* div rbx: #DE */
        0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x80, 0x00, /* mov rax, [0x800000]: #PF */
        0xf4,
    };
    /* #DE: rcx = 0xdead, skip the 3-byte DIV, iretq */
    static const uint8_t de[] = {
        0xb9, 0xad, 0xde, 0,    0,    /* mov ecx, 0xdead */
        0x48, 0x83, 0x04, 0x24, 0x03, /* add qword [rsp], 3 */
        0x48, 0xcf,                   /* iretq */
    };
    /* #PF: rdx = CR2, pop the error code into rsi, skip 8 bytes, iretq */
    static const uint8_t pf[] = {
        0x0f, 0x20, 0xd2,             /* mov rdx, cr2 */
        0x5e,                         /* pop rsi */
        0x48, 0x83, 0x04, 0x24, 0x08, /* add qword [rsp], 8 */
        0x48, 0xcf,                   /* iretq */
    };

    setup_long_mode();
    put(CODE_ADDR, code, sizeof(code));
    put(HANDLER, de, sizeof(de));
    put(HANDLER + 0x100, pf, sizeof(pf));
    set_gate64(EXCP00_DIVZ, HANDLER, 0);
    set_gate64(EXCP0E_PAGE, HANDLER + 0x100, 1);
    /* a 64-bit TSS whose IST1 is a separate stack */
    memset(ram_ptr + TSS_ADDR, 0, 0x68);
    put64(TSS_ADDR + 0x24, 0x70008); /* aligned down to 0x70000 */
    env.tr.base = TSS_ADDR;
    env.tr.limit = 0x67;
    env.tr.flags = DESC_P_MASK | (DESC_TYPE_TSS64_BUSY << DESC_TYPE_SHIFT);

    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.regs[R_ECX], ==, 0xdead);
    g_assert_cmphex(env.regs[R_EDX], ==, 0x800000);
    g_assert_cmphex(env.regs[R_ESI], ==, 0); /* not present, read, supervisor */
    g_assert_cmphex(env.regs[R_ESP], ==, STACK_TOP);
    g_assert_cmphex(env.rip, ==, CODE_ADDR + sizeof(code));
    g_assert_cmphex(get64(0x70000 - 8), ==, SEL_DATA64); /* the #PF frame is on IST1 */
    g_assert_cmphex(get64(0x70000 - 16), ==, STACK_TOP);
}

static void test_triple_fault(void)
{
    static const uint8_t code[] = {0x31, 0xdb, 0xf7, 0xf3}; /* xor ebx, ebx; div ebx */

    setup_long_mode();
    env.idt.limit = 0; /* no vector fits: #DE -> #GP -> #DF -> shutdown */
    put(CODE_ADDR, code, sizeof(code));
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_SHUTDOWN);
}

static void test_syscall_sysret(void)
{
    static const uint8_t user[] = {0x0f, 0x05, 0xf4}; /* syscall; hlt (#GP at CPL 3) */
    static const uint8_t kernel[] = {
        0x48, 0x89, 0xcf, /* mov rdi, rcx */
        0x48, 0x0f, 0x07, /* sysretq */
    };
    static const uint8_t start[] = {
        0xb9, 0x00, 0x60, 0, 0,    /* mov ecx, 0x6000 */
        0x41, 0xbb, 0x02, 0, 0, 0, /* mov r11d, 2 */
        0x48, 0x0f, 0x07,          /* sysretq: to user mode at 0x6000 */
    };
    static const uint8_t gp[] = {0xf4};

    setup_long_mode();
    put(CODE_ADDR, start, sizeof(start));
    put(0x6000, user, sizeof(user));
    put(HANDLER, kernel, sizeof(kernel));
    put(HANDLER + 0x200, gp, sizeof(gp));
    set_gate64(EXCP0D_GPF, HANDLER + 0x200, 0);
    memset(ram_ptr + TSS_ADDR, 0, 0x68);
    put64(TSS_ADDR + 4, 0x60000); /* RSP0 */
    env.tr.base = TSS_ADDR;
    env.tr.limit = 0x67;
    env.tr.flags = DESC_P_MASK | (DESC_TYPE_TSS64_BUSY << DESC_TYPE_SHIFT);
    env.star = ((uint64_t)0x10 << 48) | ((uint64_t)SEL_CODE64 << 32);
    env.lstar = HANDLER;
    env.fmask = IF_MASK;

    /* start -> user (0x6000) -> syscall -> kernel -> sysret -> user hlt -> #GP -> handler hlt */
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.regs[R_EDI], ==, 0x6002); /* RCX = the return address */
    g_assert_cmphex(env.rip, ==, HANDLER + 0x201);
    g_assert_cmpint(env.segs[R_CS].selector, ==, SEL_CODE64);
    g_assert_cmphex(get64(0x60000 - 32), ==, 0x23);   /* the #GP frame's CS: user code */
    g_assert_cmphex(get64(0x60000 - 40), ==, 0x6002); /* faulting RIP: the HLT */
}

/* MSRs round-trip; SWAPGS swaps GS.base with KERNEL_GS_BASE; a reserved CR4 bit is #GP. */
static void test_msrs_and_crs(void)
{
    /* clang-format off */
    static const uint8_t code[] = {
        0xb9, 0x02, 0x01, 0x00, 0xc0,       /* mov ecx, MSR_KERNELGSBASE */
        0xb8, 0x78, 0x56, 0x34, 0x12,       /* mov eax, 0x12345678 */
        0xba, 0xff, 0x7f, 0x00, 0x00,       /* mov edx, 0x7fff: 0x00007fff12345678 */
        0x0f, 0x30,                         /* wrmsr */
        0x0f, 0x01, 0xf8,                   /* swapgs */
        0xb9, 0x01, 0x01, 0x00, 0xc0,       /* mov ecx, MSR_GSBASE */
        0x0f, 0x32,                         /* rdmsr */
        0x48, 0x89, 0xc6,                   /* mov rsi, rax */
        0x48, 0x89, 0xd7,                   /* mov rdi, rdx */
        0xb9, 0x03, 0x01, 0x00, 0xc0,       /* mov ecx, MSR_TSC_AUX */
        0xb8, 0x2a, 0x00, 0x00, 0x00,       /* mov eax, 42 */
        0x31, 0xd2,                         /* xor edx, edx */
        0x0f, 0x30,                         /* wrmsr */
        0x0f, 0x01, 0xf9,                   /* rdtscp: ecx = TSC_AUX */
        0xf4,
    };
    static const uint8_t bad_cr4[] = {
        0x0f, 0x20, 0xe0,                   /* mov rax, cr4 */
        0x48, 0x0d, 0x00, 0x00, 0x00, 0x01, /* or rax, 1 << 24 (reserved) */
        0x0f, 0x22, 0xe0,                   /* mov cr4, rax */
    };
    static const uint8_t bad_msr[] = {0xb9, 0x34, 0x12, 0x00, 0x00, 0x0f, 0x32}; /* rdmsr 0x1234 */
    static const uint8_t lme_off[] = {
        0xb9, 0x80, 0x00, 0x00, 0xc0,       /* mov ecx, MSR_EFER */
        0x31, 0xc0, 0x31, 0xd2,             /* xor eax, eax; xor edx, edx */
        0x0f, 0x30,                         /* wrmsr: LME off with paging on */
    };
    /* clang-format on */

    setup_long_mode();
    cpu.stop_on_exception = true;
    put(CODE_ADDR, code, sizeof(code));
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.segs[R_GS].base, ==, 0x00007fff12345678ULL);
    g_assert_cmphex(env.kernel_gs_base, ==, 0);
    g_assert_cmphex(env.regs[R_ESI], ==, 0x12345678);
    g_assert_cmphex(env.regs[R_EDI], ==, 0x7fff);
    g_assert_cmphex(env.regs[R_ECX], ==, 42);

    put(CODE_ADDR, bad_cr4, sizeof(bad_cr4));
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP0D_GPF);
    g_assert_cmphex(env.cr[4], ==, CR4_PAE_MASK);
    put(CODE_ADDR, bad_msr, sizeof(bad_msr));
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP0D_GPF);
    put(CODE_ADDR, lme_off, sizeof(lme_off));
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP0D_GPF);
    g_assert_true(env.efer & MSR_EFER_LMA);
}

/* SYSENTER to ring 0 and SYSEXIT back to ring 3 (32-bit protected mode). */
static void test_sysenter_sysexit(void)
{
    static const uint8_t kernel[] = {
        0x89, 0xe3, /* mov ebx, esp */
        0x0f, 0x35, /* sysexit: to EDX at CPL 3 with ESP = ECX */
    };
    static const uint8_t user[] = {
        0xba, 0x00, 0x61, 0x00, 0x00, /* mov edx, 0x6100 */
        0xb9, 0x00, 0x71, 0x00, 0x00, /* mov ecx, 0x7100 */
        0x0f, 0x34,                   /* sysenter */
    };
    static const uint8_t back[] = {0x89, 0xe6, 0xf4}; /* mov esi, esp; hlt (#GP at CPL 3) */

    setup_protected();
    env.sysenter_cs = SEL_CODE32;
    env.sysenter_esp = 0x9000;
    env.sysenter_eip = HANDLER;
    put(HANDLER, kernel, sizeof(kernel));
    put(0x6000, user, sizeof(user));
    put(0x6100, back, sizeof(back));
    g_assert_cmpint(run_at(0x6000, 100), ==, X86_EXIT_EXCEPTION);
    g_assert_cmpint(cpu.exception_index, ==, EXCP0D_GPF); /* HLT at CPL 3 */
    g_assert_cmphex(env.rip, ==, 0x6102);
    g_assert_cmphex(env.regs[R_EBX], ==, 0x9000);
    g_assert_cmphex(env.regs[R_ESI], ==, 0x7100);
    g_assert_cmpint(env.segs[R_CS].selector, ==, (SEL_CODE32 + 16) | 3);
    g_assert_cmpint(env.segs[R_SS].selector, ==, (SEL_CODE32 + 24) | 3);
}

static int pending_vector = -1;

static bool test_intr_pending(X86CPU *c, void *opaque, int *vector)
{
    if (pending_vector < 0) {
        return false;
    }
    *vector = pending_vector;
    pending_vector = -1;
    return true;
}

static void test_external_interrupt(void)
{
    static const uint8_t code[] = {0xfb, 0xf4, 0xf4};                   /* sti; hlt; hlt */
    static const uint8_t handler[] = {0xbb, 0x40, 0, 0, 0, 0x48, 0xcf}; /* mov ebx, 0x40; iretq */

    setup_long_mode();
    put(CODE_ADDR, code, sizeof(code));
    put(HANDLER, handler, sizeof(handler));
    set_gate64(0x40, HANDLER, 0);
    cpu.intr_pending = test_intr_pending;
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.rip, ==, CODE_ADDR + 2); /* halted after the first HLT */
    pending_vector = 0x40;
    x86_cpu_interrupt_request(&cpu); /* what the PIC does through tcg_cpu_interrupt() */
    env.rip = CODE_ADDR + 2;
    g_assert_cmpint(x86_cpu_exec(&cpu, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.regs[R_EBX], ==, 0x40);
    g_assert_cmphex(env.rip, ==, CODE_ADDR + 3); /* back from the handler, at the second HLT */
    cpu.intr_pending = NULL;
}

/* --- the TLB --------------------------------------------------------------------------------- */

static void test_tlb_mmio_rom(void)
{
    static const uint8_t code[] = {
        0x48, 0x8b, 0x04, 0x25, 0x08, 0x00, 0x40, 0x00,                /* mov rax, [MMIO + 8] */
        0x48, 0xc7, 0x04, 0x25, 0x10, 0x00, 0x40, 0x00, 0x77, 0, 0, 0, /* mov [MMIO+16], 0x77 */
        0xc6, 0x04, 0x25, 0x00, 0x10, 0x40, 0x00, 0x99,                /* mov byte [ROM], 0x99 */
        0x8a, 0x1c, 0x25, 0x00, 0x10, 0x40, 0x00,                      /* mov bl, [ROM] */
        0xf4,
    };
    uint8_t *rom_ptr = memory_region_get_ram_ptr(&rom);
    CPUTLBCounters before, after;

    setup_long_mode();
    rom_ptr[0] = 0x5a;
    mmio_reads = mmio_writes = 0;
    tlb_get_stats(&cpu.tlb, &before);
    put(CODE_ADDR, code, sizeof(code));
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.regs[R_EAX], ==, 0x1008);
    g_assert_cmpuint(mmio_reads, ==, 1);
    g_assert_cmpuint(mmio_writes, ==, 1);
    g_assert_cmphex(mmio_last_write, ==, 0x77);
    g_assert_cmphex(rom_ptr[0], ==, 0x5a); /* the ROM write was dropped */
    g_assert_cmphex(env.regs[R_EBX] & 0xff, ==, 0x5a);
    tlb_get_stats(&cpu.tlb, &after);
    g_assert_cmpuint(after.misses, >, before.misses);
    g_assert_cmpuint(after.hits, >, before.hits);
}

/* A flat-view change (a region disabled) reaches the TLB through its listener. */
static void test_tlb_listener_flush(void)
{
    static const uint8_t code[] = {0x8a, 0x04, 0x25, 0x00, 0x10, 0x40, 0x00, 0xf4}; /* al=[ROM] */
    uint8_t *rom_ptr = memory_region_get_ram_ptr(&rom);

    setup_long_mode();
    rom_ptr[0] = 0x3c;
    put(CODE_ADDR, code, sizeof(code));
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.regs[R_EAX] & 0xff, ==, 0x3c);
    memory_region_set_enabled(&rom, false);
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.regs[R_EAX] & 0xff, ==, 0xff); /* unassigned now */
    memory_region_set_enabled(&rom, true);
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.regs[R_EAX] & 0xff, ==, 0x3c);
}

/* A CR3 write keeps global entries and drops the others; INVLPG drops one page. */
static void test_tlb_global_invlpg(void)
{
    /* clang-format off */
    static const uint8_t read_both[] = {
        0x8a, 0x04, 0x25, 0x00, 0x00, 0x05, 0x00, /* mov al, [0x50000] (global page) */
        0x8a, 0x1c, 0x25, 0x00, 0x10, 0x05, 0x00, /* mov bl, [0x51000] */
        0xf4,
    };
    static const uint8_t reload_cr3[] = {
        0x0f, 0x20, 0xd9, 0x0f, 0x22, 0xd9,       /* mov rcx, cr3; mov cr3, rcx */
        0x8a, 0x04, 0x25, 0x00, 0x00, 0x05, 0x00, /* mov al, [0x50000] */
        0x8a, 0x1c, 0x25, 0x00, 0x10, 0x05, 0x00, /* mov bl, [0x51000] */
        0xf4,
    };
    static const uint8_t invlpg[] = {
        0x0f, 0x01, 0x3c, 0x25, 0x00, 0x00, 0x05, 0x00, /* invlpg [0x50000] */
        0x8a, 0x04, 0x25, 0x00, 0x00, 0x05, 0x00,       /* mov al, [0x50000] */
        0xf4,
    };
    /* clang-format on */
    const uint64_t global = 0x100;

    setup_long_mode();
    env.cr[4] |= CR4_PGE_MASK;
    ram_ptr[0x50000] = 0x11;
    ram_ptr[0x51000] = 0x22;
    ram_ptr[0x60000] = 0x33;
    ram_ptr[0x61000] = 0x44;
    put64(PT_ADDR + 0x50 * 8, 0x50000 | PTE_P | PTE_RW | PTE_US | global);
    put(CODE_ADDR, read_both, sizeof(read_both));
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.regs[R_EAX] & 0xff, ==, 0x11);
    g_assert_cmphex(env.regs[R_EBX] & 0xff, ==, 0x22);

    /* remap both pages; a CR3 write refreshes only the non-global one */
    put64(PT_ADDR + 0x50 * 8, 0x60000 | PTE_P | PTE_RW | PTE_US | global);
    put64(PT_ADDR + 0x51 * 8, 0x61000 | PTE_P | PTE_RW | PTE_US);
    put(CODE_ADDR, reload_cr3, sizeof(reload_cr3));
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.regs[R_EAX] & 0xff, ==, 0x11); /* stale, as on hardware */
    g_assert_cmphex(env.regs[R_EBX] & 0xff, ==, 0x44);

    put(CODE_ADDR, invlpg, sizeof(invlpg));
    g_assert_cmpint(run_at(CODE_ADDR, 100), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.regs[R_EAX] & 0xff, ==, 0x33);
    put64(PT_ADDR + 0x50 * 8, 0x50000 | PTE_P | PTE_RW | PTE_US);
    put64(PT_ADDR + 0x51 * 8, 0x51000 | PTE_P | PTE_RW | PTE_US);
}

/* Touching 1024 pages over and over without a flush: the table grows until they fit. */
static void test_tlb_growth(void)
{
    static const uint8_t code[] = {
        0xb9, 0x00, 0x04, 0,    0,          /* outer: mov ecx, 1024 */
        0x31, 0xf6, 0x90, 0x90, 0x90,       /* xor esi, esi (padded) */
        0x8a, 0x06,                         /* inner: mov al, [rsi] */
        0x48, 0x81, 0xc6, 0x00, 0x10, 0, 0, /* add rsi, 4096 */
        0xe2, 0xf5,                         /* loop inner */
        0xff, 0xcf,                         /* dec edi */
        0x75, 0xe7,                         /* jnz outer */
        0xf4,
    };
    unsigned before;

    setup_long_mode();
    before = tlb_size(&cpu.tlb, MMU_KERNEL_IDX);
    put(CODE_ADDR, code, sizeof(code));
    env.regs[R_EDI] = 20;
    g_assert_cmpint(run_at(CODE_ADDR, 1000000), ==, X86_EXIT_HLT);
    g_assert_cmpuint(tlb_size(&cpu.tlb, MMU_KERNEL_IDX), >=, 1024);
    g_test_message("TLB grew from %u to %u entries", before, tlb_size(&cpu.tlb, MMU_KERNEL_IDX));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_init(UINT64_MAX);
    memory_region_init_ram(&ram, "ram", RAM_SIZE);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    memory_region_init_io(&mmio, &mmio_ops, NULL, "test-mmio", 0x1000);
    memory_region_add_subregion(get_system_memory(), MMIO_ADDR, &mmio);
    memory_region_init_rom(&rom, "test-rom", 0x1000);
    memory_region_add_subregion(get_system_memory(), ROM_ADDR, &rom);
    ram_ptr = memory_region_get_ram_ptr(&ram);
    x86_tcg_cpu_init(&cpu, &env, address_space_memory(), address_space_io());

    g_test_add_func("/x86/system/real-mode", test_real_mode);
    g_test_add_func("/x86/system/protected-segments", test_protected_segments);
    g_test_add_func("/x86/system/ring3-and-back", test_ring3_and_back);
    g_test_add_func("/x86/system/io-bitmap", test_io_bitmap);
    g_test_add_func("/x86/system/long-mode-exceptions", test_long_mode_exceptions);
    g_test_add_func("/x86/system/triple-fault", test_triple_fault);
    g_test_add_func("/x86/system/syscall-sysret", test_syscall_sysret);
    g_test_add_func("/x86/system/external-interrupt", test_external_interrupt);
    g_test_add_func("/x86/system/msrs-and-crs", test_msrs_and_crs);
    g_test_add_func("/x86/system/sysenter-sysexit", test_sysenter_sysexit);
    g_test_add_func("/x86/system/tlb-mmio-rom", test_tlb_mmio_rom);
    g_test_add_func("/x86/system/tlb-listener-flush", test_tlb_listener_flush);
    g_test_add_func("/x86/system/tlb-global-invlpg", test_tlb_global_invlpg);
    g_test_add_func("/x86/system/tlb-growth", test_tlb_growth);
    return g_test_run();
}
