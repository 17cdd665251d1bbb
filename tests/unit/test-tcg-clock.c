/*
 * test-tcg-clock.c: the time a guest sees under the interpreter.
 *
 * The interpreter's TSC (x86_read_tsc) is the virtual clock at 1 GHz, and
 * under tcg the virtual clock counts instructions (util/qemu-timer.c, icount):
 * two vCPUs read the same TSC at the same moment, a TSC read sees the
 * instructions executed before it, and CPUID 15H states the frequency the
 * TSC and the APIC timer really count at; and a real PIT and 8259 pair
 * deliver every periodic tick to an interpreted guest, however slowly the
 * host runs its slices. Exact, no host timing involved.
 */
#include "hw-test.h"
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/timer/i8254.h"
#include "target/x86/tcg-cpu.h"

#define RAM_SIZE     (1 * MiB)
#define CODE0        0x1000
#define CODE1        0x2000
#define NOPS         10
#define MSR_IA32_TSC 0x10
#define TICKS_ADDR   0x500 /* the guest's IRQ 0 handler counts here */
#define HANDLER      0x3000
#define PIT_VECTOR   0x20 /* IRQ 0 with the PC's ICW2 */
#define PIT_COUNT    119  /* mode 2: an IRQ 0 every 119 / 1.193182 MHz = 99.7 us */
#define PIT_HZ       1193182

static MemoryRegion ram;
static uint8_t *ram_ptr;
static CPUX86State env[2];
static X86CPU cpu[2];

/* One slice of vCPU n in real mode from rip, counted as the tcg loop does. */
static X86ExitReason run_slice(int n, uint64_t rip, uint64_t budget)
{
    X86ExitReason r;

    env[n].rip = rip;
    env[n].halted = false;
    qemu_icount_slice_begin(&cpu[n].insn_count);
    r = x86_cpu_exec(&cpu[n], budget);
    qemu_icount_slice_end();
    return r;
}

static uint64_t edx_eax(int n)
{
    return (env[n].regs[R_EDX] & 0xffffffffu) << 32 | (env[n].regs[R_EAX] & 0xffffffffu);
}

/* RDTSC; HLT on vCPU n in a slice of its own: the TSC it read (then 2 ns pass). */
static uint64_t guest_rdtsc(int n)
{
    g_assert_cmpint(run_slice(n, CODE1, 1000), ==, X86_EXIT_HLT);
    return edx_eax(n);
}

/* Both vCPUs read one TSC: the instructions executed so far, by either of them. */
static void test_tsc_counts_instructions(void)
{
    uint8_t code[NOPS + 3];
    static const uint8_t code1[] = {0x0f, 0x31, 0xf4}; /* rdtsc; hlt */
    int64_t v0;

    memset(code, 0x90, NOPS);                  /* nop x NOPS */
    memcpy(code + NOPS, code1, sizeof(code1)); /* rdtsc; hlt */
    memcpy(ram_ptr + CODE0, code, sizeof(code));
    memcpy(ram_ptr + CODE1, code1, sizeof(code1));

    qemu_icount_cpu_active(true);
    v0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    /* vCPU 0: ten NOPs, then RDTSC reads the clock ten instructions (10 ns) on. */
    g_assert_cmpint(run_slice(0, CODE0, 1000), ==, X86_EXIT_HLT);
    g_assert_cmpuint(edx_eax(0), ==, (uint64_t)v0 + NOPS);
    /* Its slice (NOPS + RDTSC + HLT) is guest time for everyone now. */
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, v0 + NOPS + 2);
    /* vCPU 1 right after: the same TSC, no offset, no restart at its start-up. */
    g_assert_cmpint(run_slice(1, CODE1, 1000), ==, X86_EXIT_HLT);
    g_assert_cmpuint(edx_eax(1), ==, (uint64_t)v0 + NOPS + 2);

    /* However long the host takes between slices, guest time does not move. */
    g_usleep(2000);
    g_assert_cmpuint(guest_rdtsc(0), ==, (uint64_t)v0 + NOPS + 4);
    g_assert_cmpuint(guest_rdtsc(1), ==, (uint64_t)v0 + NOPS + 6);
    qemu_icount_cpu_active(false);
}

/* WRMSR IA32_TSC moves only that vCPU's TSC (SDM Vol. 3B, 18.17). */
static void test_tsc_write_is_per_cpu(void)
{
    /* mov ecx, 0x10; xor edx, edx; mov eax, 0x1000; wrmsr; hlt (32-bit operands via 66) */
    static const uint8_t code[] = {
        0x66, 0xb9, 0x10, 0x00, 0x00, 0x00, 0x66, 0x31, 0xd2,
        0x66, 0xb8, 0x00, 0x10, 0x00, 0x00, 0x0f, 0x30, 0xf4,
    };
    uint64_t tsc1;

    memcpy(ram_ptr + CODE0, code, sizeof(code));
    qemu_icount_cpu_active(true);
    tsc1 = guest_rdtsc(1);
    g_assert_cmpint(run_slice(0, CODE0, 1000), ==, X86_EXIT_HLT);
    /* WRMSR is the 4th instruction, then HLT: vCPU 0's RDTSC sees 0x1000 + 2. */
    g_assert_cmpuint(guest_rdtsc(0), ==, 0x1002);
    /* vCPU 1's did not move: 2 + 5 + 2 instructions since its last read. */
    g_assert_cmpuint(guest_rdtsc(1), ==, tsc1 + 9);
    qemu_icount_cpu_active(false);
}

/* The interpreter's interrupt source here: the 8259's INTA cycle. */
static bool pic_intr_pending(X86CPU *c, void *opaque, int *vector)
{
    I8259State *pic = opaque;

    if (!i8259_intr_pending(pic)) {
        return false;
    }
    *vector = pic_read_irq(pic);
    return true;
}

static void pic_intr_out(void *opaque, int n, int level)
{
    if (level) {
        x86_cpu_interrupt_request(&cpu[0]);
    }
}

/*
 * The PIT's periodic IRQ 0 through the 8259 to an interpreted guest that
 * spends part of its time with interrupts disabled (less than a period, as
 * Linux does), driven as accel/tcg/cpu-exec.c drives a vCPU: due timers, a
 * slice up to the next deadline, and host pauses between slices. The guest
 * takes one interrupt per period of its own time: none coalesced, none extra.
 */
static void test_pit_ticks_not_lost(void)
{
    /* clang-format off */
    static const uint8_t code[] = {
        0xfb,             /* 1000: sti */
        0xba, 0x28, 0x00, /* 1001: mov dx, 40 */
        0xb9, 0xff, 0xff, /* 1004: outer: mov cx, 0xffff */
        0xe2, 0xfe,       /* 1007: loop $ (65535 instructions, IF=1) */
        0xfa,             /* 1009: cli */
        0xb9, 0x50, 0xc3, /* 100a: mov cx, 50000 */
        0xe2, 0xfe,       /* 100d: loop $ (50 us with IF=0: under a period) */
        0xfb,             /* 100f: sti */
        0x4a,             /* 1010: dec dx */
        0x75, 0xf1,       /* 1011: jnz outer */
        0xfa, 0xf4,       /* 1013: cli; hlt */
    };
    static const uint8_t handler[] = {
        0xff, 0x06, 0x00, 0x05, /* inc word [0x500] */
        0xb0, 0x20,             /* mov al, 0x20 */
        0xe6, 0x20,             /* out 0x20, al: non-specific EOI */
        0xcf,                   /* iret */
    };
    /* clang-format on */
    uint16_t ivt[2] = {HANDLER, 0};
    I8259State *pic;
    DeviceState *pit;
    qemu_irq intr;
    int64_t t0, elapsed;
    uint64_t period_ticks, expected;
    uint16_t ticks;
    X86ExitReason r;
    int slices = 0;

    pic = (I8259State *)hwt_create(TYPE_I8259, NULL);
    isa_bus_set_irqs(i8259_get_irqs(pic));
    pit = hwt_create(TYPE_I8254, NULL);
    intr = qemu_allocate_irq(pic_intr_out, NULL, 0);
    i8259_set_intr_out(pic, intr);
    cpu[0].intr_pending = pic_intr_pending;
    cpu[0].intr_opaque = pic;

    memcpy(ram_ptr + CODE0, code, sizeof(code));
    memcpy(ram_ptr + HANDLER, handler, sizeof(handler));
    memcpy(ram_ptr + PIT_VECTOR * 4, ivt, sizeof(ivt));
    memset(ram_ptr + TICKS_ADDR, 0, 2);
    env[0].regs[R_ESP] = 0x8000;
    env[0].rip = CODE0;
    env[0].halted = false;

    /* The PC's 8259 set-up (vectors 0x20/0x28, IRQ 0 only) and PIT channel 0 in mode 2. */
    outb(0x20, 0x11), outb(0x21, 0x20), outb(0x21, 0x04), outb(0x21, 0x01);
    outb(0xa0, 0x11), outb(0xa1, 0x28), outb(0xa1, 0x02), outb(0xa1, 0x01);
    outb(0x21, 0xfe), outb(0xa1, 0xff);
    qemu_icount_cpu_active(true);
    outb(0x43, 0x34), outb(0x40, PIT_COUNT & 0xff), outb(0x40, PIT_COUNT >> 8);
    t0 = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    do {
        uint64_t budget;

        if (qemu_icount_timers_due()) {
            qemu_icount_run_timers();
        }
        budget = qemu_icount_budget(20000);
        qemu_icount_slice_begin(&cpu[0].insn_count);
        r = x86_cpu_exec(&cpu[0], budget ? budget : 64);
        qemu_icount_slice_end();
        if (++slices % 50 == 0) {
            g_usleep(1000); /* the host is busy elsewhere: guest time does not care */
        }
    } while (r == X86_EXIT_BUDGET);
    g_assert_cmpint(r, ==, X86_EXIT_HLT);

    /*
     * IRQ 0 rises when the mode is set (OUT goes high) and then every
     * PIT_COUNT ticks; the last one may still wait in IRR (IF=0 at HLT).
     */
    elapsed = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - t0;
    period_ticks = (uint64_t)elapsed * PIT_HZ / NANOSECONDS_PER_SECOND / PIT_COUNT;
    expected = 1 + period_ticks;
    memcpy(&ticks, ram_ptr + TICKS_ADDR, 2);
    g_assert_cmpuint(expected, >, 40); /* 40 * (65535 + 50000) instructions: ~46 periods */
    g_assert_cmpuint(ticks, <=, expected);
    g_assert_cmpuint(ticks, >=, expected - 1);

    qemu_icount_cpu_active(false);
    cpu[0].intr_pending = NULL;
    qdev_unref(pit);
    i8259_set_intr_out(pic, NULL);
    qdev_unref((DeviceState *)pic);
    qemu_free_irq(intr);
}

/* CPUID 15H: the crystal is the APIC timer's clock; the TSC runs at 1/1 of it. */
static void test_cpuid_tsc_leaf(void)
{
    uint32_t eax, ebx, ecx, edx;

    x86_cpuid_tcg(0, 0, &env[0], &eax, &ebx, &ecx, &edx);
    g_assert_cmphex(eax, >=, 0x15);
    x86_cpuid_tcg(0x15, 0, &env[0], &eax, &ebx, &ecx, &edx);
    g_assert_cmpuint(eax, !=, 0);
    g_assert_cmpuint(ecx, ==, APIC_TIMER_FREQ_HZ);
    g_assert_cmpuint((uint64_t)ecx * ebx / eax, ==, APIC_TSC_FREQ_HZ);
    /* The virtual clock counts ns: a 1 GHz TSC is one tick per ns. */
    g_assert_cmpuint(APIC_TSC_FREQ_HZ, ==, NANOSECONDS_PER_SECOND);
    /* Leaves between 7 and 15H advertise nothing (their features are not set). */
    x86_cpuid_tcg(0xb, 0, &env[0], &eax, &ebx, &ecx, &edx);
    g_assert_cmphex(eax | ebx | ecx | edx, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hwt_init(); /* memory, main loop, BQL held, ISA bus */
    qemu_clock_set_manual(false);
    qemu_clock_enable_virtual(true);
    qemu_icount_enable(0);
    memory_region_init_ram(&ram, "ram", RAM_SIZE);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    ram_ptr = memory_region_get_ram_ptr(&ram);
    for (int i = 0; i < 2; i++) {
        x86_tcg_cpu_init(&cpu[i], &env[i], address_space_memory(), address_space_io());
        x86_cpu_reset(&env[i], i == 0);
        env[i].segs[R_CS].selector = 0;
        env[i].segs[R_CS].base = 0;
        x86_cpu_state_changed(&cpu[i]);
    }
    g_test_add_func("/tcg-clock/tsc-counts-instructions", test_tsc_counts_instructions);
    g_test_add_func("/tcg-clock/tsc-write-is-per-cpu", test_tsc_write_is_per_cpu);
    g_test_add_func("/tcg-clock/cpuid-tsc-leaf", test_cpuid_tsc_leaf);
    g_test_add_func("/tcg-clock/pit-ticks-not-lost", test_pit_ticks_not_lost);
    return g_test_run();
}
