/*
 * test-tcg-clock.c: the time a guest sees under the interpreter.
 *
 * The interpreter's TSC (x86_read_tsc) is the virtual clock at 1 GHz, and
 * under tcg the virtual clock counts instructions (util/qemu-timer.c, icount):
 * two vCPUs read the same TSC at the same moment, a TSC read sees the
 * instructions executed before it, and CPUID 15H states the frequency the
 * TSC and the APIC timer really count at. Exact, no host timing involved.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "exec/memory.h"
#include "hw/intc/apic.h"
#include "target/x86/tcg-cpu.h"

#define RAM_SIZE     (1 * MiB)
#define CODE0        0x1000
#define CODE1        0x2000
#define NOPS         10
#define MSR_IA32_TSC 0x10

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
    qemu_init_main_loop();
    bql_lock();
    qemu_clock_enable_virtual(true);
    qemu_icount_enable(0);
    memory_init(UINT64_MAX);
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
    return g_test_run();
}
