/*
 * test-kvm.c: the KVM accelerator in-process, without the PC machine.
 *
 * Each test runs in a subprocess (memory_init and the VM are once per process):
 * RAM at 0, a tiny real-mode snippet at 0x1000, and a test port device at 0x10
 * (offset 0 records a byte, 1 reads 0x42, 2 ends the VM). Skipped, saying why,
 * when /dev/kvm does not open.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/trace.h"
#include "exec/memory.h"
#include "sysemu/accel.h"
#include "sysemu/cpus.h"
#include "sysemu/kvm.h"
#include "target/x86/cpu.h"
#include <cpuid.h>
#include <fcntl.h>

#define RAM_SIZE           (768 * KiB) /* 0xc0000-0xfffff stays free for MMIO, a hole and ROM */
#define CODE_ADDR          0x1000
#define DATA_ADDR          0x1100
#define TEST_PORT          0x10
#define PORT_RECORD        0
#define PORT_READ          1
#define PORT_EXIT          2
#define PORT_READ_AND_STOP 3 /* reads PORT_READ_VALUE and stops the vCPU mid-exit */
#define PORT_READ_VALUE    0x42
#define MMIO_ADDR          0xd0000
#define ROM_ADDR           0xf0000
#define ROM_BYTE           0xab
#define TEST_TIMEOUT_US    (20 * G_USEC_PER_SEC)

static MachineState ms;
static unsigned setup_smp = 1; /* vCPUs vm_setup creates */
static MemoryRegion ram, port_mr, mmio_mr;
static GByteArray *recorded;
static GArray *mmio_writes; /* offsets */

/* --- guest code (real mode; assembled with GNU as, .code16) -------------------------- */

/* mov al,0x5a; out 0x10,al; in al,0x11; out 0x10,al; mov dx,0x10; mov si,0x1100;
 * mov cx,3; cld; rep outsb; out 0x12,al; hlt */
static const uint8_t code_pio[] = {0xb0, 0x5a, 0xe6, 0x10, 0xe4, 0x11, 0xe6, 0x10,
                                   0xba, 0x10, 0x00, 0xbe, 0x00, 0x11, 0xb9, 0x03,
                                   0x00, 0xfc, 0xf3, 0x6e, 0xe6, 0x12, 0xf4};
/* ds=0xd000; mov byte [0x10],0x77; mov al,[0x20]; out 0x10,al;
 * ds=0xe000; mov al,[0]; out 0x10,al; out 0x12,al; hlt */
static const uint8_t code_mmio[] = {0xb8, 0x00, 0xd0, 0x8e, 0xd8, 0xc6, 0x06, 0x10, 0x00, 0x77,
                                    0xa0, 0x20, 0x00, 0xe6, 0x10, 0xb8, 0x00, 0xe0, 0x8e, 0xd8,
                                    0xa0, 0x00, 0x00, 0xe6, 0x10, 0xe6, 0x12, 0xf4};
/* ds=0xf000; mov byte [0],0x11; mov al,[0]; out 0x10,al; out 0x12,al; hlt */
static const uint8_t code_rom[] = {0xb8, 0x00, 0xf0, 0x8e, 0xd8, 0xc6, 0x06, 0x00, 0x00,
                                   0x11, 0xa0, 0x00, 0x00, 0xe6, 0x10, 0xe6, 0x12, 0xf4};
/* ds=0x3000; mov al,[0]; out 0x10,al; out 0x12,al; hlt */
static const uint8_t code_slot[] = {0xb8, 0x00, 0x30, 0x8e, 0xd8, 0xa0, 0x00,
                                    0x00, 0xe6, 0x10, 0xe6, 0x12, 0xf4};
/* ds=0x4080; mov al,[0]; out 0x10,al; mov byte [0x10],0x77; mov al,[0x10]; out 0x10,al;
 * ds=0x4100; mov al,[0]; out 0x10,al; out 0x12,al; hlt */
static const uint8_t code_fringe[] = {0xb8, 0x80, 0x40, 0x8e, 0xd8, 0xa0, 0x00, 0x00, 0xe6,
                                      0x10, 0xc6, 0x06, 0x10, 0x00, 0x77, 0xa0, 0x10, 0x00,
                                      0xe6, 0x10, 0xb8, 0x00, 0x41, 0x8e, 0xd8, 0xa0, 0x00,
                                      0x00, 0xe6, 0x10, 0xe6, 0x12, 0xf4};
/* in al,0x13; out 0x10,al; out 0x12,al; hlt */
static const uint8_t code_in_stop[] = {0xe4, 0x13, 0xe6, 0x10, 0xe6, 0x12, 0xf4};
/* cpuid 0x40000000 -> [0x2000] ebx ecx edx; cpuid 1 -> [0x200c] ebx ecx edx eax;
 * cpuid 0xb.1 -> [0x201c] eax ebx ecx edx; cpuid 0 -> [0x202c] eax; out 0x12,al; hlt */
static const uint8_t code_cpuid[] = {
    0x66, 0xb8, 0x00, 0x00, 0x00, 0x40, 0x0f, 0xa2, 0x66, 0x89, 0x1e, 0x00, 0x20, 0x66, 0x89, 0x0e,
    0x04, 0x20, 0x66, 0x89, 0x16, 0x08, 0x20, 0x66, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2, 0x66,
    0x89, 0x1e, 0x0c, 0x20, 0x66, 0x89, 0x0e, 0x10, 0x20, 0x66, 0x89, 0x16, 0x14, 0x20, 0x66, 0xa3,
    0x18, 0x20, 0x66, 0xb8, 0x0b, 0x00, 0x00, 0x00, 0x66, 0xb9, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2,
    0x66, 0xa3, 0x1c, 0x20, 0x66, 0x89, 0x1e, 0x20, 0x20, 0x66, 0x89, 0x0e, 0x24, 0x20, 0x66, 0x89,
    0x16, 0x28, 0x20, 0x66, 0x31, 0xc0, 0x0f, 0xa2, 0x66, 0xa3, 0x2c, 0x20, 0xe6, 0x12, 0xf4};
/* mov byte [0x5000],1; mov byte [0x7000],1; out 0x12,al; hlt */
static const uint8_t code_dirty[] = {0xc6, 0x06, 0x00, 0x50, 0x01, 0xc6, 0x06,
                                     0x00, 0x70, 0x01, 0xe6, 0x12, 0xf4};
/* lidt [0x1100] (limit 0); set CR0.PE; ud2: #UD, #GP, #DF, triple fault */
static const uint8_t code_triple[] = {0x0f, 0x01, 0x1e, 0x00, 0x11, 0x0f, 0x20, 0xc0, 0x66,
                                      0x83, 0xc8, 0x01, 0x0f, 0x22, 0xc0, 0x0f, 0x0b, 0xf4};
/* jmp far 0xd000:0 (instructions fetched from MMIO) */
static const uint8_t code_exec_mmio[] = {0xea, 0x00, 0x00, 0x00, 0xd0};
/* es=0xd000; fninit; fild word [es:0x20]; fistp word [0x1100]; out [0x1100], [0x1101];
 * out 0x12,al; hlt (KVM's emulator has no FILD: the interpreter runs it) */
static const uint8_t code_fallback[] = {0xb8, 0x00, 0xd0, 0x8e, 0xc0, 0xdb, 0xe3, 0x26, 0xdf, 0x06,
                                        0x20, 0x00, 0xdf, 0x1e, 0x00, 0x11, 0xa0, 0x00, 0x11, 0xe6,
                                        0x10, 0xa0, 0x01, 0x11, 0xe6, 0x10, 0xe6, 0x12, 0xf4};
/* ds=0xd000; crc32 eax, byte [0x20]; out 0x12,al; hlt (neither KVM nor the interpreter has CRC32)
 */
static const uint8_t code_crc32[] = {0xb8, 0x00, 0xd0, 0x8e, 0xd8, 0xf2, 0x0f, 0x38,
                                     0xf0, 0x06, 0x20, 0x00, 0xe6, 0x12, 0xf4};
/* CR4 |= OSXSAVE|OSFXSR; XCR0 = 3; fninit; fld1; xsave [0x2000]; fninit; xrstor [0x2000];
 * fstp dword [0x2400]; out 0x12,al; hlt (EDX:EAX = 0:3) */
static const uint8_t code_xsave[] = {0x0f, 0x20, 0xe0, 0x66, 0x0d, 0x00, 0x02, 0x04, 0x00, 0x0f,
                                     0x22, 0xe0, 0x66, 0x31, 0xc9, 0x66, 0x31, 0xd2, 0x66, 0xb8,
                                     0x03, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd1, 0xdb, 0xe3, 0xd9,
                                     0xe8, 0x0f, 0xae, 0x26, 0x00, 0x20, 0xdb, 0xe3, 0x0f, 0xae,
                                     0x2e, 0x00, 0x20, 0xd9, 0x1e, 0x00, 0x24, 0xe6, 0x12, 0xf4};
/* The same with xsavec [0x3000] (compacted format) and xrstor [0x3000]. */
static const uint8_t code_xsavec[] = {0x0f, 0x20, 0xe0, 0x66, 0x0d, 0x00, 0x02, 0x04, 0x00, 0x0f,
                                      0x22, 0xe0, 0x66, 0x31, 0xc9, 0x66, 0x31, 0xd2, 0x66, 0xb8,
                                      0x03, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd1, 0xdb, 0xe3, 0xd9,
                                      0xe8, 0x0f, 0xc7, 0x26, 0x00, 0x30, 0xdb, 0xe3, 0x0f, 0xae,
                                      0x2e, 0x00, 0x30, 0xd9, 0x1e, 0x00, 0x24, 0xe6, 0x12, 0xf4};
/* CR4 |= SMAP; stac; [0x2400] = EFLAGS; clac; [0x2404] = EFLAGS; out 0x12,al; hlt */
static const uint8_t code_stac[] = {0x0f, 0x20, 0xe0, 0x66, 0x0d, 0x00, 0x00, 0x20, 0x00, 0x0f,
                                    0x22, 0xe0, 0x0f, 0x01, 0xcb, 0x66, 0x9c, 0x66, 0x58, 0x66,
                                    0xa3, 0x00, 0x24, 0x0f, 0x01, 0xca, 0x66, 0x9c, 0x66, 0x58,
                                    0x66, 0xa3, 0x04, 0x24, 0xe6, 0x12, 0xf4};
/* 1: inc dword [0x2000]; jmp 1b */
static const uint8_t code_loop[] = {0x66, 0xff, 0x06, 0x00, 0x20, 0xeb, 0xf9};

/* --- devices ------------------------------------------------------------------------- */

static uint64_t port_read(void *opaque, hwaddr addr, unsigned size)
{
    if (addr == PORT_READ_AND_STOP) {
        /* what a pause arriving during this exit looks like to the vCPU */
        cpu_stop_request(current_cpu_get());
        qemu_cpu_kick(current_cpu_get());
        return PORT_READ_VALUE;
    }
    return addr == PORT_READ ? PORT_READ_VALUE : 0;
}

static void port_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    g_assert_true(bql_locked());
    if (addr == PORT_RECORD) {
        uint8_t b = val;
        g_byte_array_append(recorded, &b, 1);
    } else if (addr == PORT_EXIT) {
        qemu_system_shutdown_request(0);
    }
}

static const MemoryRegionOps port_ops = {
    .read = port_read,
    .write = port_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

static uint64_t mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0x60 + addr;
}

static void mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    unsigned off = addr;

    g_assert_cmpuint(val, ==, 0x77);
    g_array_append_val(mmio_writes, off);
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 8},
};

/* --- harness ---------------------------------------------------------------------------- */

static bool kvm_opens(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        g_autofree char *why = g_strdup_printf("/dev/kvm does not open: %s", g_strerror(errno));
        g_test_skip(why);
        return false;
    }
    close(fd);
    return true;
}

/* Memory, devices and the VM, with code at CODE_ADDR; the vCPU is created but not started. */
static CPUState *vm_setup(const uint8_t *code, size_t len, bool irqchip)
{
    GError *err = NULL;
    CPUState *cpu;

    recorded = g_byte_array_new();
    mmio_writes = g_array_new(false, false, sizeof(unsigned));
    qemu_init_main_loop();
    bql_lock();
    memory_init(UINT64_MAX);
    memory_region_init_ram(&ram, "test-ram", RAM_SIZE);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    memory_region_init_io(&port_mr, &port_ops, NULL, "test-port", 4);
    memory_region_add_subregion(get_system_io(), TEST_PORT, &port_mr);
    memory_region_init_io(&mmio_mr, &mmio_ops, NULL, "test-mmio", 0x1000);
    memory_region_add_subregion(get_system_memory(), MMIO_ADDR, &mmio_mr);
    memcpy((uint8_t *)memory_region_get_ram_ptr(&ram) + CODE_ADDR, code, len);

    ms.ram_size = RAM_SIZE;
    ms.smp_cpus = setup_smp;
    ms.kernel_irqchip = irqchip;
    ms.ram = &ram;
    current_machine = &ms;
    g_assert_true(accel_select("kvm", &err));
    g_assert_no_error(err);
    g_assert_true(current_accel->init_machine(&ms, &err));
    g_assert_no_error(err);
    g_assert_true(qemu_init_vcpus(&ms, &err));
    g_assert_no_error(err);
    cpu = ms.cpus[0];
    /* Real mode at 0000:1000 instead of the reset vector. */
    cpu->env->segs[R_CS].selector = 0;
    cpu->env->segs[R_CS].base = 0;
    cpu->env->rip = CODE_ADDR;
    cpu_synchronize_post_reset(cpu);
    return cpu;
}

static int vm_run(void)
{
    vm_start();
    return qemu_main_loop();
}

static void vm_teardown(void)
{
    vm_stop();
    qemu_destroy_vcpus();
    kvm_destroy_vm();
    bql_unlock();
}

static uint8_t *ram_ptr(hwaddr addr)
{
    return (uint8_t *)memory_region_get_ram_ptr(&ram) + addr;
}

/* Runs fn in a subprocess and checks it passed; skips when KVM is missing. */
static void run_isolated(const char *path)
{
    if (!kvm_opens()) {
        return;
    }
    g_test_trap_subprocess(path, TEST_TIMEOUT_US, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();
}

/* --- tests ---------------------------------------------------------------------------- */

static void do_pio(bool irqchip)
{
    static const uint8_t expect[] = {0x5a, PORT_READ_VALUE, 'a', 'b', 'c'};

    vm_setup(code_pio, sizeof(code_pio), irqchip);
    memcpy(ram_ptr(DATA_ADDR), "abc", 3);
    g_assert_cmpint(vm_run(), ==, 0);
    g_assert_cmpmem(recorded->data, recorded->len, expect, sizeof(expect));
    vm_teardown();
}

static void test_pio_sub(void)
{
    do_pio(true);
}

static void test_pio_noirqchip_sub(void)
{
    do_pio(false);
}

static void test_mmio_sub(void)
{
    static const uint8_t expect[] = {0x60 + 0x20, 0xff};

    vm_setup(code_mmio, sizeof(code_mmio), true);
    g_assert_cmpint(vm_run(), ==, 0);
    g_assert_cmpuint(mmio_writes->len, ==, 1);
    g_assert_cmpuint(g_array_index(mmio_writes, unsigned, 0), ==, 0x10);
    g_assert_cmpmem(recorded->data, recorded->len, expect, sizeof(expect));
    vm_teardown();
}

static void test_rom_sub(void)
{
    static MemoryRegion rom;
    static const uint8_t expect[] = {ROM_BYTE};
    g_autoptr(GString) info = g_string_new(NULL);
    uint8_t b = ROM_BYTE;

    vm_setup(code_rom, sizeof(code_rom), true);
    memory_region_init_rom(&rom, "test-rom", 64 * KiB);
    memory_region_add_subregion(get_system_memory(), ROM_ADDR, &rom);
    address_space_write_rom(address_space_memory(), ROM_ADDR, MEMTXATTRS_UNSPECIFIED, &b, 1);
    kvm_memslots_info(info);
    g_assert_nonnull(strstr(info->str, "ro"));
    g_assert_nonnull(strstr(info->str, "test-rom"));
    g_assert_cmpint(vm_run(), ==, 0);
    g_assert_cmpmem(recorded->data, recorded->len, expect, sizeof(expect));
    g_assert_cmpuint(((uint8_t *)memory_region_get_ram_ptr(&rom))[0], ==, ROM_BYTE);
    vm_teardown();
}

static void test_memslots_follow_sub(void)
{
    static MemoryRegion extra;
    static const uint8_t expect[] = {0x99};
    g_autoptr(GString) info = g_string_new(NULL);
    unsigned base;

    vm_setup(code_slot, sizeof(code_slot), true);
    base = kvm_memslots_count();
    g_assert_cmpuint(base, ==, 1); /* RAM only: MMIO makes no slot */

    /* add */
    memory_region_init_ram(&extra, "test-extra", 64 * KiB);
    *(uint8_t *)memory_region_get_ram_ptr(&extra) = 0x99;
    memory_region_add_subregion(get_system_memory(), 2 * MiB, &extra);
    g_assert_cmpuint(kvm_memslots_count(), ==, base + 1);
    kvm_memslots_info(info);
    g_assert_nonnull(strstr(info->str, "0000000000200000-000000000020ffff"));
    g_assert_nonnull(strstr(info->str, "test-extra"));

    /* move over RAM at 0x30000 (higher priority): RAM splits around it */
    memory_region_del_subregion(get_system_memory(), &extra);
    g_assert_cmpuint(kvm_memslots_count(), ==, base);
    memory_region_add_subregion_overlap(get_system_memory(), 0x30000, &extra, 1);
    g_assert_cmpuint(kvm_memslots_count(), ==, base + 2);

    /* the guest sees the moved region */
    g_assert_cmpint(vm_run(), ==, 0);
    g_assert_cmpmem(recorded->data, recorded->len, expect, sizeof(expect));

    /* disable: back to one slot */
    vm_stop();
    memory_region_set_enabled(&extra, false);
    g_assert_cmpuint(kvm_memslots_count(), ==, base);
    vm_teardown();
}

/*
 * RAM not page-aligned at 0x40800. aliased: through an alias congruent with its
 * host memory, so [0x41000, 0x42000) gets a slot and the fringe exits; else a
 * plain region whose host memory is not congruent: no slot at all, every
 * access exits. Either way the guest sees the same bytes.
 */
static void do_unaligned_ram(bool aliased)
{
    static MemoryRegion odd, alias;
    static const uint8_t expect[] = {0xa1, 0x77, 0xb2};
    uint8_t *p;

    vm_setup(code_fringe, sizeof(code_fringe), true);
    memory_region_init_ram(&odd, "test-odd", 0x2000);
    p = memory_region_get_ram_ptr(&odd);
    if (aliased) {
        memory_region_init_alias(&alias, "test-odd-alias", &odd, 0x800, 0x1800);
        memory_region_add_subregion_overlap(get_system_memory(), 0x40800, &alias, 1);
        p += 0x800;
        g_assert_cmpuint(kvm_memslots_count(), ==, 3); /* RAM below, RAM above, the alias */
    } else {
        memory_region_add_subregion_overlap(get_system_memory(), 0x40800, &odd, 1);
        g_assert_cmpuint(kvm_memslots_count(), ==, 2); /* RAM below and above only */
    }
    p[0] = 0xa1;     /* GPA 0x40800: a fringe */
    p[0x800] = 0xb2; /* GPA 0x41000 */
    g_assert_cmpint(vm_run(), ==, 0);
    g_assert_cmpmem(recorded->data, recorded->len, expect, sizeof(expect));
    g_assert_cmpuint(p[0x10], ==, 0x77); /* the write through an exit reached the region */
    vm_teardown();
}

static void test_unaligned_ram_sub(void)
{
    do_unaligned_ram(true);
}

static void test_unaligned_ram_noslot_sub(void)
{
    do_unaligned_ram(false);
}

/* A vCPU stopped during an IN exit has the value in AL and RIP past the IN when synced. */
static void test_stop_during_io_sub(void)
{
    static const uint8_t expect[] = {PORT_READ_VALUE};
    CPUState *cpu = vm_setup(code_in_stop, sizeof(code_in_stop), true);
    int64_t deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    vm_start();
    while (!(cpu->stop && all_vcpus_paused()) && g_get_monotonic_time() < deadline) {
        bql_unlock();
        g_usleep(1000);
        bql_lock();
    }
    g_assert_true(all_vcpus_paused());
    cpu_synchronize_state(cpu);
    g_assert_cmphex(cpu->env->regs[R_EAX] & 0xff, ==, PORT_READ_VALUE);
    g_assert_cmphex(cpu->env->rip, ==, CODE_ADDR + 2);
    resume_all_vcpus();
    g_assert_cmpint(qemu_main_loop(), ==, 0);
    g_assert_cmpmem(recorded->data, recorded->len, expect, sizeof(expect));
    vm_teardown();
}

static uint32_t ram32(hwaddr addr)
{
    uint32_t v;

    memcpy(&v, ram_ptr(addr), 4);
    return v;
}

/* CPUID as the guest sees it: KVM's leaves, the hypervisor bit, 2 cores of one thread. */
static void test_cpuid_sub(void)
{
    CPUState *cpu;

    setup_smp = 2;
    cpu = vm_setup(code_cpuid, sizeof(code_cpuid), true);
    g_assert_cmpint(vm_run(), ==, 0);
    g_assert_cmpmem(ram_ptr(0x2000), 12, "KVMKVMKVM\0\0\0", 12);
    g_assert_cmphex(ram32(0x200c) >> 24, ==, 0);          /* APIC ID of the BSP */
    g_assert_cmphex((ram32(0x200c) >> 16) & 0xff, ==, 2); /* addressable IDs */
    g_assert_true(ram32(0x2010) & (1u << 31));            /* hypervisor present */
    g_assert_true(ram32(0x2014) & (1u << 28));            /* HTT: more than one CPU */
    g_assert_cmphex(ram32(0x2018), ==, cpu->env->cpuid_version);
    if (ram32(0x202c) >= 0xb) {
        g_assert_cmphex(ram32(0x201c), ==, 1);               /* core level: 1 bit of APIC ID */
        g_assert_cmphex(ram32(0x2020), ==, 2);               /* 2 logical processors */
        g_assert_cmphex((ram32(0x2024) >> 8) & 0xff, ==, 2); /* level type: core */
        g_assert_cmphex(ram32(0x2028), ==, 0);               /* x2APIC ID */
    }
    g_assert_nonnull(qemu_get_cpu(1));
    g_assert_cmpuint(qemu_get_cpu(1)->apic_id, ==, 1);
    vm_teardown();
}

/* Without KVM's LAPIC (kernel-irqchip=off) CPUID offers nothing that needs it. */
static void test_cpuid_noirqchip_sub(void)
{
    setup_smp = 1;
    vm_setup(code_cpuid, sizeof(code_cpuid), false);
    g_assert_cmpint(vm_run(), ==, 0);
    g_assert_false(ram32(0x2010) & (1u << 21)); /* x2APIC */
    g_assert_false(ram32(0x2010) & (1u << 24)); /* TSC-deadline timer */
    g_assert_true(ram32(0x2010) & (1u << 31));  /* hypervisor present */
    vm_teardown();
}

static void test_too_many_vcpus_sub(void)
{
    GError *err = NULL;

    qemu_init_main_loop();
    bql_lock();
    memory_init(UINT64_MAX);
    ms.smp_cpus = 100000;
    ms.kernel_irqchip = true;
    g_assert_true(accel_select("kvm", &err));
    g_assert_false(current_accel->init_machine(&ms, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "-smp 100000"));
    g_assert_nonnull(strstr(err->message, "at most"));
    g_error_free(err);
    g_assert_false(kvm_enabled());
    bql_unlock();
}

static void test_dirty_log_sub(void)
{
    vm_setup(code_dirty, sizeof(code_dirty), true);
    memory_region_set_log(&ram, true, DIRTY_MEMORY_VGA);
    memory_region_reset_dirty(&ram, 0, RAM_SIZE, DIRTY_MEMORY_VGA);
    g_assert_cmpint(vm_run(), ==, 0);
    vm_stop();
    memory_region_sync_dirty_bitmap(&ram);
    g_assert_true(memory_region_get_dirty(&ram, 0x5000, 1, DIRTY_MEMORY_VGA));
    g_assert_true(memory_region_get_dirty(&ram, 0x7000, 1, DIRTY_MEMORY_VGA));
    g_assert_false(memory_region_get_dirty(&ram, 0x6000, 0x1000, DIRTY_MEMORY_VGA));
    g_assert_false(memory_region_get_dirty(&ram, 0x20000, 0x1000, DIRTY_MEMORY_VGA));
    memory_region_set_log(&ram, false, DIRTY_MEMORY_VGA);
    vm_teardown();
}

static void test_triple_fault_sub(void)
{
    vm_setup(code_triple, sizeof(code_triple), true);
    memset(ram_ptr(DATA_ADDR), 0, 6);
    no_reboot = true; /* the reset request becomes shutdown(0) */
    g_assert_cmpint(vm_run(), ==, 0);
    vm_teardown();
}

/* After cpus_reset (registered earlier), point the BSP at the PIO snippet again. */
static void reenter_after_reset(void *opaque)
{
    CPUState *cpu = opaque;

    pause_all_vcpus();
    memcpy(ram_ptr(CODE_ADDR), code_pio, sizeof(code_pio));
    memcpy(ram_ptr(DATA_ADDR), "abc", 3);
    cpu->env->segs[R_CS].selector = 0;
    cpu->env->segs[R_CS].base = 0;
    cpu->env->rip = CODE_ADDR;
    cpu_synchronize_post_reset(cpu);
    resume_all_vcpus();
}

static void test_reset_sub(void)
{
    static const uint8_t expect[] = {0x5a, PORT_READ_VALUE, 'a', 'b', 'c'};
    CPUState *cpu = vm_setup(code_triple, sizeof(code_triple), true);

    memset(ram_ptr(DATA_ADDR), 0, 6);
    no_reboot = false; /* the triple fault resets the machine */
    qemu_register_reset_handler(reenter_after_reset, cpu);
    g_assert_cmpint(vm_run(), ==, 0);
    g_assert_cmpmem(recorded->data, recorded->len, expect, sizeof(expect));
    cpu_synchronize_state(cpu);
    g_assert_cmphex(cpu->env->cr[0] & CR0_PE_MASK, ==, 0); /* reset left protected mode */
    g_assert_cmphex(cpu->env->idt.limit, ==, 0xffff);
    vm_teardown();
}

/* Fetching code from MMIO: KVM cannot; with the interpreter fallback off, tern reports and ends. */
static void test_internal_error_sub(void)
{
    GError *err = NULL;

    g_assert_true(kvm_accel_set_props("fallback=off", &err));
    vm_setup(code_exec_mmio, sizeof(code_exec_mmio), true);
    g_assert_cmpint(vm_run(), ==, 1);
    vm_teardown();
}

static void test_internal_error(void)
{
    if (!kvm_opens()) {
        return;
    }
    g_test_trap_subprocess("/kvm/internal_error/subprocess", TEST_TIMEOUT_US, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*vCPU 0: KVM internal error 1: emulation failure*"
                              "fallback is off*RIP=*CS =d000*code at d000:*");
}

/* FILD from MMIO: KVM stops with an emulation failure, the interpreter runs it. */
static void test_fallback_sub(void)
{
    static const uint8_t expect[] = {0x60 + 0x20, 0}; /* the device's word at 0x20, as an integer */
    CPUState *cpu = vm_setup(code_fallback, sizeof(code_fallback), true);

    g_assert_cmpint(vm_run(), ==, 0);
    g_assert_cmpmem(recorded->data, recorded->len, expect, sizeof(expect));
    g_assert_cmpuint(kvm_fallback_count(cpu), >=, 1);
    g_test_message("instructions run by the interpreter: %" PRIu64, kvm_fallback_count(cpu));
    vm_teardown();
}

/* CRC32 from MMIO: the interpreter lacks it too (#UD): the failure report, status 1. */
static void test_fallback_gives_up_sub(void)
{
    vm_setup(code_crc32, sizeof(code_crc32), true);
    g_assert_cmpint(vm_run(), ==, 1);
    vm_teardown();
}

static void test_fallback_gives_up(void)
{
    if (!kvm_opens()) {
        return;
    }
    g_test_trap_subprocess("/kvm/fallback_gives_up/subprocess", TEST_TIMEOUT_US, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr(
        "*vCPU 0: KVM internal error 1: emulation failure*"
        "interpreter raised #UD*code at 0000:0000000000001005 (linear 0x1005): f2 0f 38 f0*");
}

/*
 * XSAVE and XRSTOR: where KVM's emulator meets them (all of real mode on a
 * PVM host) the interpreter lacks them too; the fallback does them on KVM's
 * XSAVE area. Natively (hardware KVM) the same results.
 */
static void test_fallback_xsave_sub(void)
{
    uint16_t fcw;
    uint64_t bv;
    uint32_t one;

    CPUState *cpu = vm_setup(code_xsave, sizeof(code_xsave), true);

    g_assert_cmpuint(trace_enable_events("kvm_fallback*", true), ==, 2); /* on stderr */
    g_assert_cmpint(vm_run(), ==, 0);
    g_test_message("instructions run by the fallback: %" PRIu64, kvm_fallback_count(cpu));
    memcpy(&fcw, ram_ptr(0x2000), 2);
    memcpy(&bv, ram_ptr(0x2000 + 512), 8);
    memcpy(&one, ram_ptr(0x2400), 4);
    g_assert_cmphex(fcw, ==, 0x37f);                          /* FNINIT's control word */
    g_assert_cmphex(*ram_ptr(0x2000 + 32 + 9), ==, 0x3f);     /* ST0 = 1.0: exponent 0x3fff */
    g_assert_cmphex(bv & XSTATE_FP_MASK, ==, XSTATE_FP_MASK); /* x87 in use */
    g_assert_cmphex(one, ==, 0x3f800000);                     /* restored ST0, as a float */
    vm_teardown();
}

/* XSAVEC writes the compacted format (XCOMP_BV = RFBM | bit 63); XRSTOR reads it back. */
static void test_fallback_xsavec_sub(void)
{
    unsigned a, b, c, d;
    uint64_t comp;
    uint32_t one;

    if (!__get_cpuid_count(0xd, 1, &a, &b, &c, &d) || !(a & (1u << 1))) {
        g_test_skip("the host has no XSAVEC");
        return;
    }
    vm_setup(code_xsavec, sizeof(code_xsavec), true);
    g_assert_cmpuint(trace_enable_events("kvm_fallback*", true), ==, 2); /* on stderr */
    g_assert_cmpint(vm_run(), ==, 0);
    memcpy(&comp, ram_ptr(0x3000 + 512 + 8), 8);
    memcpy(&one, ram_ptr(0x2400), 4);
    g_assert_cmphex(comp, ==, (1ULL << 63) | XSTATE_FP_MASK | XSTATE_SSE_MASK);
    g_assert_cmphex(*ram_ptr(0x3000 + 32 + 9), ==, 0x3f); /* ST0 = 1.0 */
    g_assert_cmphex(one, ==, 0x3f800000);
    vm_teardown();
}

/* STAC/CLAC (KVM's CPUID has SMAP; the interpreter's model does not). */
static void test_fallback_stac_sub(void)
{
    unsigned a, b, c, d;
    uint32_t after_stac, after_clac;

    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 20))) {
        g_test_skip("the host has no SMAP");
        return;
    }
    vm_setup(code_stac, sizeof(code_stac), true);
    g_assert_cmpint(vm_run(), ==, 0);
    memcpy(&after_stac, ram_ptr(0x2400), 4);
    memcpy(&after_clac, ram_ptr(0x2404), 4);
    g_assert_cmphex(after_stac & AC_MASK, ==, AC_MASK);
    g_assert_cmphex(after_clac & AC_MASK, ==, 0);
    vm_teardown();
}

static void test_accel_props(void)
{
    GError *err = NULL;

    g_assert_true(kvm_accel_set_props("fallback=off", &err));
    g_assert_true(kvm_accel_set_props("fallback=on", &err));
    g_assert_no_error(err);
    g_assert_false(kvm_accel_set_props("fallback=maybe", &err));
    g_assert_nonnull(strstr(err->message, "fallback=on|off"));
    g_clear_error(&err);
}

static uint32_t read_counter(void)
{
    return __atomic_load_n((uint32_t *)ram_ptr(0x2000), __ATOMIC_RELAXED);
}

static void test_pause_resume_sub(void)
{
    CPUState *cpu = vm_setup(code_loop, sizeof(code_loop), true);
    uint32_t a, b;
    int64_t deadline;

    vm_start();
    deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (read_counter() < 1000 && g_get_monotonic_time() < deadline) {
        g_usleep(1000);
    }
    pause_all_vcpus();
    g_assert_true(all_vcpus_paused());
    a = read_counter();
    g_assert_cmpuint(a, >=, 1000);
    g_usleep(20000);
    g_assert_cmpuint(read_counter(), ==, a);

    cpu_synchronize_state(cpu);
    g_assert_cmpuint(cpu->env->rip, >=, CODE_ADDR);
    g_assert_cmpuint(cpu->env->rip, <, CODE_ADDR + sizeof(code_loop));

    resume_all_vcpus();
    do {
        g_usleep(1000);
        b = read_counter();
    } while (b == a && g_get_monotonic_time() < deadline);
    g_assert_cmpuint(b, !=, a);

    /* reset: back at the reset vector, with the signature in EDX; still paused */
    cpus_reset(NULL);
    g_assert_true(all_vcpus_paused());
    cpu_synchronize_state(cpu);
    g_assert_cmphex(cpu->env->rip, ==, 0xfff0);
    g_assert_cmphex(cpu->env->segs[R_CS].base, ==, 0xffff0000);
    g_assert_cmphex(cpu->env->segs[R_CS].selector, ==, 0xf000);
    g_assert_cmphex(cpu->env->regs[R_EDX], ==, cpu->env->cpuid_version);
    g_assert_cmphex(cpu->env->cr[0], ==, 0x60000010);
    vm_teardown();
}

static void test_register_roundtrip_sub(void)
{
    CPUState *cpu = vm_setup(code_pio, sizeof(code_pio), true);
    CPUX86State *env = cpu->env;

    for (int i = 0; i < CPU_NB_REGS; i++) {
        env->regs[i] = 0x1111111111111111ULL * (i + 1);
    }
    env->rflags = RFLAGS_FIXED | CC_C | CC_Z;
    env->star = 0x0023001000000000ULL;
    env->lstar = 0xffffffff81000000ULL;
    env->kernel_gs_base = 0x1234000;
    env->sysenter_eip = 0xabcd;
    env->fpu.xmm[3].q[0] = 0x0123456789abcdefULL;
    env->fpu.xmm[3].q[1] = 0xfedcba9876543210ULL;
    env->fpu.mxcsr = 0x1f80 | 0x6000; /* round toward zero */
    env->dr[0] = 0x5000;
    cpu_synchronize_post_reset(cpu);
    memset(env, 0, sizeof(*env));
    cpu->vcpu_dirty = false;
    cpu_synchronize_state(cpu);

    for (int i = 0; i < CPU_NB_REGS; i++) {
        g_assert_cmphex(env->regs[i], ==, 0x1111111111111111ULL * (i + 1));
    }
    g_assert_cmphex(env->rip, ==, CODE_ADDR);
    g_assert_cmphex(env->rflags, ==, RFLAGS_FIXED | CC_C | CC_Z);
    g_assert_cmphex(env->star, ==, 0x0023001000000000ULL);
    g_assert_cmphex(env->lstar, ==, 0xffffffff81000000ULL);
    g_assert_cmphex(env->kernel_gs_base, ==, 0x1234000);
    g_assert_cmphex(env->sysenter_eip, ==, 0xabcd);
    g_assert_cmphex(env->pat, ==, MSR_PAT_RESET);
    g_assert_cmphex(env->fpu.xmm[3].q[0], ==, 0x0123456789abcdefULL);
    g_assert_cmphex(env->fpu.xmm[3].q[1], ==, 0xfedcba9876543210ULL);
    g_assert_cmphex(env->fpu.mxcsr, ==, 0x7f80);
    g_assert_cmphex(env->fpu.fcw, ==, FCW_RESET);
    g_assert_cmphex(env->fpu.ftw, ==, FTW_ALL_EMPTY);
    g_assert_cmphex(env->dr[0], ==, 0x5000);
    g_assert_cmphex(env->segs[R_CS].base, ==, 0);
    g_assert_cmphex(env->segs[R_SS].limit, ==, 0xffff);
    g_assert_cmphex(env->cr[0], ==, 0x60000010);
    g_assert_true(env->apic_base & MSR_IA32_APICBASE_BSP);
    vm_teardown();
}

/*
 * The MTRRs reach KVM and come back though KVM_GET_MSR_INDEX_LIST leaves
 * them out: MTRRdefType E|FE, default WB (what firmware leaves), a fixed
 * range and a variable one (UC at 3 GiB, 1 GiB; mask within 36 address bits).
 */
#define TEST_MTRR_DEFTYPE   0xc06
#define TEST_MTRR_FIX64K    0x0606060606060606ULL
#define TEST_MTRR_VAR0_BASE 0xc0000000ULL
#define TEST_MTRR_VAR0_MASK 0xfc0000800ULL

static void test_mtrr_sub(void)
{
    CPUState *cpu = vm_setup(code_pio, sizeof(code_pio), true);
    CPUX86State *env = cpu->env;

    env->mtrr_deftype = TEST_MTRR_DEFTYPE;
    env->mtrr_fixed[0] = TEST_MTRR_FIX64K;
    env->mtrr_var[0].base = TEST_MTRR_VAR0_BASE;
    env->mtrr_var[0].mask = TEST_MTRR_VAR0_MASK;
    cpu_synchronize_post_reset(cpu);
    env->mtrr_deftype = 0;
    env->mtrr_fixed[0] = 0;
    env->mtrr_var[0].base = env->mtrr_var[0].mask = 0;
    cpu->vcpu_dirty = false;
    cpu_synchronize_state(cpu);

    g_assert_cmphex(env->mtrr_deftype, ==, TEST_MTRR_DEFTYPE);
    g_assert_cmphex(env->mtrr_fixed[0], ==, TEST_MTRR_FIX64K);
    g_assert_cmphex(env->mtrr_var[0].base, ==, TEST_MTRR_VAR0_BASE);
    g_assert_cmphex(env->mtrr_var[0].mask, ==, TEST_MTRR_VAR0_MASK);
    vm_teardown();
}

static void test_cpuid_version(void)
{
    CPUX86State env = {.apic_id = 3};

    x86_cpu_reset(&env, false);
    g_assert_cmphex(env.regs[R_EDX], ==, X86_CPUID_VERSION_DEFAULT);
    g_assert_cmphex(env.rflags, ==, 2);
    g_assert_cmpuint(env.apic_id, ==, 3);
    g_assert_false(env.apic_base & MSR_IA32_APICBASE_BSP);
    g_assert_cmpint(x86_cpu_code_bits(&env), ==, 16);
    env.cr[0] |= CR0_PE_MASK;
    x86_seg_set_flat(&env.segs[R_CS], 8, DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_B_MASK);
    g_assert_cmpint(x86_cpu_code_bits(&env), ==, 32);
    env.efer |= MSR_EFER_LMA;
    env.segs[R_CS].flags = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_L_MASK;
    g_assert_cmpint(x86_cpu_code_bits(&env), ==, 64);
}

static void test_accel_select(void)
{
    GError *err = NULL;
    g_autofree char *why = NULL;
    g_autoptr(GString) known = g_string_new(NULL);

    g_assert_false(accel_select("nosuch", &err));
    g_assert_nonnull(strstr(err->message, "known: kvm"));
    g_assert_nonnull(strstr(err->message, "tcg"));
    g_assert_nonnull(strstr(err->message, "qtest"));
    g_clear_error(&err);
    /* every accelerator is a real registration (no placeholders), listed once */
    accel_list(known);
    g_assert_cmpuint(known->len, ==, strlen("kvm, tcg, qtest"));
    g_assert_nonnull(strstr(known->str, "kvm"));
    g_assert_nonnull(strstr(known->str, "tcg"));
    g_assert_nonnull(strstr(known->str, "qtest"));
    g_assert_cmpstr(accel_find("tcg")->name, ==, "tcg");
    g_assert_nonnull(accel_find("tcg")->init_machine);
    g_assert_cmpstr(accel_find("qtest")->name, ==, "qtest");
    g_assert_nonnull(accel_find("qtest")->init_machine);
    g_assert_null(accel_find("nosuch"));
    /* the default follows accel_kvm_hw_usable: kvm, else tcg */
    g_assert_true(accel_select(NULL, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(current_accel->name, ==, accel_kvm_hw_usable(&why) ? "kvm" : "tcg");
    g_assert_nonnull(why);
    g_test_message("default accelerator: %s", why);
}

#define ISOLATED(name)                                                                             \
    static void test_##name(void)                                                                  \
    {                                                                                              \
        run_isolated("/kvm/" #name "/subprocess");                                                 \
    }
ISOLATED(pio)
ISOLATED(pio_noirqchip)
ISOLATED(mmio)
ISOLATED(rom)
ISOLATED(memslots_follow)
ISOLATED(dirty_log)
ISOLATED(unaligned_ram)
ISOLATED(unaligned_ram_noslot)
ISOLATED(too_many_vcpus)
ISOLATED(triple_fault)
ISOLATED(reset)
ISOLATED(pause_resume)
ISOLATED(stop_during_io)
ISOLATED(register_roundtrip)
ISOLATED(mtrr)
ISOLATED(fallback)
ISOLATED(fallback_xsave)
ISOLATED(fallback_xsavec)
ISOLATED(fallback_stac)
ISOLATED(cpuid)
ISOLATED(cpuid_noirqchip)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm/cpu-reset-state", test_cpuid_version);
    g_test_add_func("/kvm/accel-select", test_accel_select);
    g_test_add_func("/kvm/accel-props", test_accel_props);
#define ADD(name)                                                                                  \
    g_test_add_func("/kvm/" #name, test_##name);                                                   \
    g_test_add_func("/kvm/" #name "/subprocess", test_##name##_sub)
    ADD(pio);
    ADD(pio_noirqchip);
    ADD(mmio);
    ADD(rom);
    ADD(memslots_follow);
    ADD(dirty_log);
    ADD(unaligned_ram);
    ADD(unaligned_ram_noslot);
    ADD(too_many_vcpus);
    ADD(triple_fault);
    ADD(reset);
    ADD(internal_error);
    ADD(fallback);
    ADD(fallback_gives_up);
    ADD(fallback_xsave);
    ADD(fallback_xsavec);
    ADD(fallback_stac);
    ADD(pause_resume);
    ADD(stop_during_io);
    ADD(register_roundtrip);
    ADD(mtrr);
    ADD(cpuid);
    ADD(cpuid_noirqchip);
    return g_test_run();
}
