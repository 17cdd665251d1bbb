/*
 * test-x86-pause: X86CPU.pause_exits (target/x86/exec.c).
 *
 * With pause_exits set, PAUSE (F3 90) ends x86_cpu_exec() with X86_EXIT_PAUSE
 * once it completed (RIP after it); off (the default) it is a NOP that runs
 * on. A plain NOP (90 without F3) never ends the slice. Real mode: PAUSE
 * decodes the same in every mode (in 64-bit mode F3 41 90 is XCHG r8, rax and
 * is_pause() leaves it out).
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "target/x86/tcg-cpu.h"

#define RAM_SIZE  (1 * MiB)
#define CODE_ADDR 0x1000

static MemoryRegion ram;
static uint8_t *ram_ptr;
static CPUX86State env;
static X86CPU cpu;

static void start(const uint8_t *code, size_t len)
{
    x86_cpu_reset(&env, true);
    x86_cpu_state_changed(&cpu);
    env.segs[R_CS].selector = 0;
    env.segs[R_CS].base = 0;
    env.regs[R_ESP] = 0x8000;
    env.rip = CODE_ADDR;
    memcpy(ram_ptr + CODE_ADDR, code, len);
}

static void test_pause_exits(void)
{
    static const uint8_t code[] = {
        0x90,       /* nop */
        0xf3, 0x90, /* pause */
        0x40,       /* inc ax */
        0xf3, 0x90, /* pause */
        0xf4,       /* hlt */
    };

    start(code, sizeof(code));
    cpu.pause_exits = true;
    g_assert_cmpint(x86_cpu_exec(&cpu, 1000), ==, X86_EXIT_PAUSE);
    g_assert_cmphex(env.rip, ==, CODE_ADDR + 3);
    g_assert_cmpint(x86_cpu_exec(&cpu, 1000), ==, X86_EXIT_PAUSE);
    g_assert_cmphex(env.rip, ==, CODE_ADDR + 6);
    g_assert_cmphex(env.regs[R_EAX] & 0xffff, ==, 1);
    g_assert_cmpint(x86_cpu_exec(&cpu, 1000), ==, X86_EXIT_HLT);

    /* Off: the same code runs to HLT. */
    start(code, sizeof(code));
    cpu.pause_exits = false;
    g_assert_cmpint(x86_cpu_exec(&cpu, 1000), ==, X86_EXIT_HLT);
    g_assert_cmphex(env.rip, ==, CODE_ADDR + sizeof(code));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    memory_init(UINT64_MAX);
    memory_region_init_ram(&ram, "ram", RAM_SIZE);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    ram_ptr = memory_region_get_ram_ptr(&ram);
    x86_tcg_cpu_init(&cpu, &env, address_space_memory(), address_space_io());

    g_test_add_func("/x86/pause/exits", test_pause_exits);
    return g_test_run();
}
