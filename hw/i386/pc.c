/*
 * pc.c: the PC machine, laid out as QEMU's "pc" (i440FX + PIIX3) machine.
 *
 * Memory map: RAM from 0 up to the PCI hole (all of it when it fits under
 * 3.5 GiB, else 3 GiB) and the rest at 4 GiB, as aliases of one RAM block;
 * the legacy VGA window 0xA0000-0xBFFFF, the option-ROM area 0xC0000-0xDFFFF,
 * the BIOS ROM at the top of 4 GiB with its last 128 KiB aliased below 1 MiB
 * (PC/AT compatibility, Intel 82441FX datasheet 3.1 "System memory map"),
 * and the PCI memory window between the top of low RAM and the IOAPIC.
 * Interrupts: 24 GSIs (the IOAPIC's inputs, ISA IRQ n = GSI n) handed to the
 * accelerator's irqchip, or to the userspace 8259 pair, IOAPIC, PIT and local
 * APICs when it has none (hw/i386/pc-irq.c).
 *
 * Left out (XXX where it matters): the PAM shadowing of 0xC0000-0xFFFFF
 * (always ROM here), SMRAM, a VGA device (the window reads all ones),
 * fw_cfg (so -bios firmware finds no tables), hotplug.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "hw/i386/pc.h"
#include "hw/i386/pc-irq.h"
#include "hw/i386/e820.h"
#include "hw/i386/linux-boot.h"
#include "hw/i386/multiboot.h"
#include "hw/core/cpu.h"
#include "hw/isa.h"
#include "hw/qdev.h"
#include "sysemu/accel.h"
#include "sysemu/cpus.h"
#include "hw/pci/pci.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/piix.h"
#include "hw/acpi/piix4.h"
#include "hw/acpi/acpi-build.h"
#include "hw/char/serial.h"
#include "hw/rtc/mc146818rtc.h"
#include "hw/input/i8042.h"
#include "hw/misc/ioport80.h"
#include "hw/misc/port92.h"
#include "sysemu/kvm.h"
#include "target/x86/cpu.h"

G_STATIC_ASSERT(PC_KVM_RESERVED_BASE == KVM_RESERVED_BASE);
G_STATIC_ASSERT(PC_KVM_RESERVED_SIZE == KVM_RESERVED_SIZE);

/* CMOS bytes SeaBIOS reads for the memory size (Bochs/QEMU CMOS map). */
#define CMOS_BASE_MEM_LO  0x15 /* conventional memory, KiB */
#define CMOS_BASE_MEM_HI  0x16
#define CMOS_EXT_MEM_LO   0x17 /* memory from 1 MiB, KiB, at most 0xFFFF */
#define CMOS_EXT_MEM_HI   0x18
#define CMOS_EXT_MEM2_LO  0x30 /* the same again */
#define CMOS_EXT_MEM2_HI  0x31
#define CMOS_MEM_16M_LO   0x34 /* memory from 16 MiB below 4 GiB, 64 KiB units */
#define CMOS_MEM_16M_HI   0x35
#define CMOS_MEM_4G_LO    0x5b /* memory above 4 GiB, 64 KiB units, 24 bits */
#define CMOS_MEM_4G_MID   0x5c
#define CMOS_MEM_4G_HI    0x5d
#define CMOS_NB_CPUS      0x5f /* vCPUs - 1 */
#define CMOS_BASE_MEM_KIB 640

#define COM1_IOBASE 0x3f8
#define COM1_IRQ    4
#define COM2_IOBASE 0x2f8
#define COM2_IRQ    3
#define PC_NUM_COM  2

#define PC_RSDP_ROM_ADDR  0xe0000ULL   /* in the ROM, where ACPI's legacy scan looks */
#define PC_RSDP_EBDA_ADDR PC_EBDA_BASE /* with -bios: reserved RAM, via acpi_rsdp_addr */
#define PIIX_RESET_VALUE  0x06         /* RCPU | SRST: a hard reset through 0xCF9 */

#define RESET_VECTOR_OFFSET 16 /* the first instruction: 16 bytes below 4 GiB */
#define BIOS_SIZE_UNIT      (64 * KiB)

MachineState *current_machine;
static PCMachineState pc_machine;
static bool pc_machine_created;

PCMachineState *pc_machine_get(void)
{
    return pc_machine_created ? &pc_machine : NULL;
}

void pc_ram_split(uint64_t ram_size, uint64_t *below_4g, uint64_t *above_4g)
{
    /* QEMU's rule: keep the traditional 3.5 GiB when RAM fits, else split at 3 GiB. */
    uint64_t lowmem = ram_size >= PC_LOWMEM_MAX ? PC_LOWMEM_SPLIT : PC_LOWMEM_MAX;

    if (ram_size >= lowmem) {
        *below_4g = lowmem;
        *above_4g = ram_size - lowmem;
    } else {
        *below_4g = ram_size;
        *above_4g = 0;
    }
}

/* --- the legacy VGA window: nothing decodes it yet ------------------------------- */

static uint64_t vga_hole_read(void *opaque, hwaddr addr, unsigned size)
{
    static bool logged;

    (void)opaque;
    if (!logged) {
        logged = true;
        qemu_log_mask(LOG_UNIMP,
                      "pc: no VGA device: legacy VGA window access at 0x%" HWADDR_PRIx
                      " reads all ones\n",
                      (hwaddr)(PC_VGA_BASE + addr));
    }
    return size == 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

static void vga_hole_write(void *opaque, hwaddr addr, uint64_t data, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)data;
    (void)size; /* XXX: the VGA device comes with the display issue */
}

static const MemoryRegionOps vga_hole_ops = {
    .read = vga_hole_read,
    .write = vga_hole_write,
    .valid = {.min_access_size = 1, .max_access_size = 8, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 8, .unaligned = true},
};

/* --- ROMs ------------------------------------------------------------------------- */

/*
 * The built-in ROM (no -bios): only the PC's ROM ranges and a reset vector
 * that halts, since tern enters -kernel guests directly; the RSDP goes here
 * too, where ACPI's legacy search finds it (0xE0000-0xFFFFF).
 */
static void pc_bios_builtin(PCMachineState *pcms)
{
    static const uint8_t reset_vector[] = {
        0xfa,       /* cli */
        0xf4,       /* hlt */
        0xeb, 0xfd, /* jmp hlt */
    };
    uint8_t *rom = memory_region_get_ram_ptr(&pcms->bios);

    memset(rom, 0, pcms->bios_size);
    memcpy(rom + pcms->bios_size - RESET_VECTOR_OFFSET, reset_vector, sizeof(reset_vector));
}

static bool pc_bios_load_file(const char *file, uint8_t **data, gsize *size, GError **errp)
{
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(file, (gchar **)data, size, &err)) {
        g_set_error(errp, TERN_ERROR, 0, "-bios %s: %s", file, err->message);
        return false;
    }
    if (*size == 0 || *size % BIOS_SIZE_UNIT || *size > PC_BIOS_MAX_SIZE) {
        g_set_error(errp, TERN_ERROR, 0,
                    "-bios %s: %zu bytes; a BIOS image is a multiple of 64 KiB, at most 16 MiB",
                    file, (size_t)*size);
        g_clear_pointer(data, g_free);
        return false;
    }
    return true;
}

static bool pc_bios_init(PCMachineState *pcms, GError **errp)
{
    g_autofree uint8_t *data = NULL;
    gsize size = PC_BIOS_BUILTIN_SIZE;
    uint64_t isa_size;

    if (pcms->ms->firmware && !pc_bios_load_file(pcms->ms->firmware, &data, &size, errp)) {
        return false;
    }
    pcms->bios_size = size;
    pcms->builtin_bios = !data;
    memory_region_init_rom(&pcms->bios, "pc.bios", size);
    if (data) {
        memcpy(memory_region_get_ram_ptr(&pcms->bios), data, size);
    } else {
        pc_bios_builtin(pcms);
    }
    memory_region_add_subregion(pcms->system_memory, 4 * GiB - size, &pcms->bios);

    /* The BIOS's last 128 KiB are also at 0xE0000-0xFFFFF, over RAM. */
    isa_size = MIN(size, PC_ISA_BIOS_MAX_SIZE);
    memory_region_init_alias(&pcms->isa_bios, "isa-bios", &pcms->bios, size - isa_size, isa_size);
    memory_region_add_subregion_overlap(pcms->system_memory, PC_ISA_BIOS_END - isa_size,
                                        &pcms->isa_bios, 1);
    return true;
}

/* --- memory map --------------------------------------------------------------------- */

static bool pc_check_ram_size(uint64_t ram_size, GError **errp)
{
    if (ram_size < PC_MIN_RAM) {
        g_set_error(errp, TERN_ERROR, 0, "-m: %" PRIu64 " KiB is too little RAM (at least %u MiB)",
                    (uint64_t)(ram_size / KiB), (unsigned)(PC_MIN_RAM / MiB));
        return false;
    }
    if (ram_size % TARGET_PAGE_SIZE) {
        g_set_error(errp, TERN_ERROR, 0, "-m: %" PRIu64 " bytes is not a multiple of 4 KiB",
                    ram_size);
        return false;
    }
    return true;
}

static bool pc_ram_init(PCMachineState *pcms, GError **errp)
{
    MachineState *ms = pcms->ms;
    uint64_t below, above;

    pc_ram_split(ms->ram_size, &below, &above);
    boot_time_mark(BOOT_RAM_START);
    if (!memory_region_try_init_ram(&pcms->ram, "pc.ram", ms->ram_size, errp)) {
        g_prefix_error(errp, "-m: ");
        return false;
    }
    boot_time_mark(BOOT_RAM_DONE);
    ms->ram = &pcms->ram;
    ms->below_4g_mem_size = below;
    ms->above_4g_mem_size = above;
    memory_region_init_alias(&pcms->ram_below_4g, "ram-below-4g", &pcms->ram, 0, below);
    memory_region_add_subregion(pcms->system_memory, 0, &pcms->ram_below_4g);
    if (above) {
        memory_region_init_alias(&pcms->ram_above_4g, "ram-above-4g", &pcms->ram, below, above);
        memory_region_add_subregion(pcms->system_memory, PC_ABOVE_4G_BASE, &pcms->ram_above_4g);
    }
    pcms->acpi_base = below - PC_ACPI_AREA_SIZE;
    return true;
}

/* Legacy windows below 1 MiB and the PCI window; they cover RAM (priority 1). */
static void pc_legacy_init(PCMachineState *pcms)
{
    uint64_t below = pcms->ms->below_4g_mem_size;

    memory_region_init_io(&pcms->vga_hole, &vga_hole_ops, pcms, "vga-lowmem", PC_VGA_SIZE);
    memory_region_add_subregion_overlap(pcms->system_memory, PC_VGA_BASE, &pcms->vga_hole, 1);
    memory_region_init_rom(&pcms->option_rom, "pc.rom", PC_OPTION_ROM_SIZE);
    memory_region_add_subregion_overlap(pcms->system_memory, PC_OPTION_ROM_BASE, &pcms->option_rom,
                                        1);

    /* BARs live in pci_memory; the part between low RAM and the IOAPIC is visible. */
    memory_region_init(&pcms->pci_memory, "pci-memory", 4 * GiB);
    memory_region_init_alias(&pcms->pci_hole, "pci-hole", &pcms->pci_memory, below,
                             PC_PCI_HOLE_END - below);
    memory_region_add_subregion(pcms->system_memory, below, &pcms->pci_hole);
}

bool pc_memory_init(PCMachineState *pcms, MachineState *ms, MemoryRegion *system_memory,
                    GError **errp)
{
    memset(pcms, 0, sizeof(*pcms));
    pcms->ms = ms;
    pcms->system_memory = system_memory;
    if (!pc_check_ram_size(ms->ram_size, errp)) {
        return false;
    }
    memory_region_transaction_begin();
    if (!pc_ram_init(pcms, errp)) {
        memory_region_transaction_commit();
        return false;
    }
    pc_legacy_init(pcms);
    if (!pc_bios_init(pcms, errp)) {
        pc_memory_cleanup(pcms);
        memory_region_transaction_commit();
        return false;
    }
    pcms->layout_built = true;
    memory_region_transaction_commit();
    pc_build_e820(pcms);
    return true;
}

static void pc_region_drop(MemoryRegion *parent, MemoryRegion *mr)
{
    if (!mr->name) {
        return; /* never initialised */
    }
    if (mr->container) {
        memory_region_del_subregion(parent, mr);
    }
    memory_region_destroy(mr);
}

void pc_memory_cleanup(PCMachineState *pcms)
{
    MemoryRegion *sys = pcms->system_memory;

    memory_region_transaction_begin();
    pc_region_drop(sys, &pcms->isa_bios);
    pc_region_drop(sys, &pcms->bios);
    pc_region_drop(sys, &pcms->pci_hole);
    pc_region_drop(sys, &pcms->pci_memory);
    pc_region_drop(sys, &pcms->option_rom);
    pc_region_drop(sys, &pcms->vga_hole);
    pc_region_drop(sys, &pcms->ram_above_4g);
    pc_region_drop(sys, &pcms->ram_below_4g);
    pc_region_drop(sys, &pcms->ram);
    memory_region_transaction_commit();
    pcms->layout_built = false;
}

void pc_build_e820(PCMachineState *pcms)
{
    const MachineState *ms = pcms->ms;

    e820_reset();
    e820_add_entry(0, PC_EBDA_BASE, E820_RAM);
    e820_add_entry(PC_EBDA_BASE, PC_VGA_BASE - PC_EBDA_BASE, E820_RESERVED);
    e820_add_entry(PC_SYSTEM_BIOS_BASE, PC_ISA_BIOS_END - PC_SYSTEM_BIOS_BASE, E820_RESERVED);
    e820_add_entry(PC_ISA_BIOS_END, pcms->acpi_base - PC_ISA_BIOS_END, E820_RAM);
    e820_add_entry(pcms->acpi_base, ms->below_4g_mem_size - pcms->acpi_base, E820_ACPI);
    e820_add_entry(PC_IOAPIC_BASE, PC_IOAPIC_SIZE, E820_RESERVED);
    e820_add_entry(PC_LAPIC_BASE, PC_LAPIC_SIZE, E820_RESERVED);
    e820_add_entry(PC_KVM_RESERVED_BASE, PC_KVM_RESERVED_SIZE, E820_RESERVED);
    e820_add_entry(4 * GiB - pcms->bios_size, pcms->bios_size, E820_RESERVED);
    if (ms->above_4g_mem_size) {
        e820_add_entry(PC_ABOVE_4G_BASE, ms->above_4g_mem_size, E820_RAM);
    }
}

/* --- interrupts ---------------------------------------------------------------------- */

static void pc_gsi_set(void *opaque, int n, int level)
{
    (void)opaque;
    if (current_accel && current_accel->set_irq && current_machine &&
        current_machine->kernel_irqchip) {
        current_accel->set_irq(n, level);
        return;
    }
    pc_irq_gsi_set(n, level); /* the userspace 8259 pair and IOAPIC (hw/i386/pc-irq.c) */
}

qemu_irq *pc_gsi_init(void)
{
    return qemu_allocate_irqs(pc_gsi_set, NULL, PC_NUM_GSI);
}

/* --- boot-time breakdown --------------------------------------------------------------- */

static int64_t boot_marks[BOOT_PHASE_NR];
static int boot_reported;

void boot_time_mark(BootPhase phase)
{
    int64_t zero = 0, now = g_get_monotonic_time() * 1000;

    __atomic_compare_exchange_n(&boot_marks[phase], &zero, now, false, __ATOMIC_SEQ_CST,
                                __ATOMIC_SEQ_CST);
}

void boot_time_reset(void)
{
    for (int i = 0; i < BOOT_PHASE_NR; i++) {
        __atomic_store_n(&boot_marks[i], 0, __ATOMIC_SEQ_CST);
    }
    __atomic_store_n(&boot_reported, 0, __ATOMIC_SEQ_CST);
}

static void boot_line(GString *out, const char *what, int64_t at, int64_t start)
{
    if (at && start) {
        g_string_append_printf(out, "boot: %-34s %9.1f ms\n", what, (at - start) / 1e6);
    } else {
        g_string_append_printf(out, "boot: %-34s %9s\n", what, "-");
    }
}

static void boot_span(GString *out, const char *what, int64_t from, int64_t to)
{
    if (from && to) {
        g_string_append_printf(out, "boot:   %-32s %9.1f ms\n", what, (to - from) / 1e6);
    }
}

void boot_time_format(GString *out, int64_t first_insn_ns)
{
    int64_t m[BOOT_PHASE_NR];

    for (int i = 0; i < BOOT_PHASE_NR; i++) {
        m[i] = __atomic_load_n(&boot_marks[i], __ATOMIC_SEQ_CST);
    }
    g_string_append(out, "boot: phase (since tern's main())        at\n");
    boot_line(out, "machine ready", m[BOOT_MACHINE_READY], m[BOOT_START]);
    boot_span(out, "of which RAM allocation", m[BOOT_RAM_START], m[BOOT_RAM_DONE]);
    boot_span(out, "of which image loading", m[BOOT_LOAD_START], m[BOOT_LOAD_DONE]);
    boot_line(out, "first guest instruction", first_insn_ns, m[BOOT_START]);
    boot_line(out, "first UART byte", m[BOOT_FIRST_UART], m[BOOT_START]);
    boot_line(out, "guest milestone (POST port 0x80)", m[BOOT_POST], m[BOOT_START]);
}

void boot_time_report(void)
{
    g_autoptr(GString) out = NULL;

    if (!qemu_loglevel_mask(LOG_BOOT) || __atomic_exchange_n(&boot_reported, 1, __ATOMIC_SEQ_CST)) {
        return;
    }
    out = g_string_new(NULL);
    boot_time_format(out, vcpu_first_entry_ns);
    qemu_log("%s", out->str);
}

/* --- ACPI -------------------------------------------------------------------------------- */

/* Builds the tables for this machine into pcms->acpi_tables and the RSDP. */
static bool pc_acpi_build(PCMachineState *pcms, GError **errp)
{
    AcpiConfig cfg;

    acpi_config_pc_defaults(&cfg, pcms->ms->smp_cpus ? pcms->ms->smp_cpus : 1);
    cfg.pm_base = PC_PM_IO_BASE;
    cfg.sci_irq = PC_SCI_IRQ;
    cfg.reset_port = PIIX_RCR_IOPORT;
    cfg.reset_value = PIIX_RESET_VALUE;
    /* PCI0._CRS: the 32-bit PCI window (without it Linux says "[Firmware Bug]: no
     * secondary bus range in _CRS" and assumes everything) */
    cfg.pci_hole_start = pcms->ms->below_4g_mem_size;
    cfg.pci_hole_end = PC_PCI_HOLE_END;
    pcms->acpi_tables = g_byte_array_new();
    if (!acpi_build_tables(&cfg, pcms->acpi_base, pcms->acpi_tables, pcms->rsdp, NULL, errp)) {
        return false;
    }
    if (pcms->acpi_tables->len > PC_ACPI_AREA_SIZE) {
        g_set_error(errp, TERN_ERROR, 0, "ACPI tables: %u bytes do not fit in the %llu KiB area",
                    pcms->acpi_tables->len, PC_ACPI_AREA_SIZE / KiB);
        return false;
    }
    return true;
}

/* Copies tables and RSDP into the guest (again at each reset: the guest may have
 * written over them). */
static void pc_acpi_install(PCMachineState *pcms)
{
    AddressSpace *as = address_space_memory();

    address_space_write(as, pcms->acpi_base, MEMTXATTRS_UNSPECIFIED, pcms->acpi_tables->data,
                        pcms->acpi_tables->len);
    address_space_write_rom(as, pcms->rsdp_addr, MEMTXATTRS_UNSPECIFIED, pcms->rsdp,
                            ACPI_RSDP_SIZE);
}

/* --- guest loading ------------------------------------------------------------------------ */

static bool pc_write_guest(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    (void)opaque;
    return address_space_write_rom(address_space_memory(), addr, MEMTXATTRS_UNSPECIFIED, buf,
                                   len) == MEMTX_OK;
}

/* A multiboot kernel: no Linux setup header, a multiboot header in the first 8 KiB. */
static bool pc_kernel_is_multiboot(const char *file)
{
    g_autofree uint8_t *head = g_malloc0(MULTIBOOT_SEARCH);
    FILE *f = fopen(file, "rb");
    size_t len;

    if (!f) {
        return false; /* linux_load() reports it */
    }
    len = fread(head, 1, MULTIBOOT_SEARCH, f);
    fclose(f);
    if (len >= LINUX_HDR_HEADER + 4 && !memcmp(head + LINUX_HDR_HEADER, "HdrS", 4)) {
        return false;
    }
    return multiboot_probe(head, len);
}

/*
 * Places the -kernel image in guest memory: a bzImage at once (so a bad image
 * is reported before any accelerator starts); a multiboot kernel is only
 * recognised here, since its loader also sets the boot vCPU.
 */
static bool pc_load_images(PCMachineState *pcms, GError **errp)
{
    MachineState *ms = pcms->ms;
    unsigned n;
    const E820Entry *e820 = e820_get_table(&n);

    pcms->multiboot = pc_kernel_is_multiboot(ms->kernel_filename);
    if (pcms->multiboot) {
        return true;
    }
    return linux_load(ms->kernel_filename, ms->initrd_filename, ms->kernel_cmdline, e820, n,
                      pcms->rsdp_addr, pc_write_guest, pcms, &pcms->linux_entry, errp);
}

/* Points the boot vCPU at the kernel (after pc_load_images). */
static bool pc_start_kernel(PCMachineState *pcms, GError **errp)
{
    MachineState *ms = pcms->ms;
    CPUState *cpu = ms->cpus[0];
    unsigned n;
    const E820Entry *e820 = e820_get_table(&n);

    if (pcms->multiboot) {
        return multiboot_load(ms, ms->kernel_filename, ms->kernel_cmdline, ms->initrd_filename,
                              e820, n, NULL, errp);
    }
    linux_boot_setup_cpu(cpu->env, &pcms->linux_entry);
    cpu_synchronize_post_reset(cpu);
    /*
     * Firmware leaves every CPU's MTRRs alike (INIT keeps them); with the
     * APs' still at their reset value Linux warns 'your CPUs had inconsistent
     * MTRRdefType settings'. The APs' state reaches the interpreter as is
     * (XXX: not pushed to KVM here, whose APs keep their reset MTRRs).
     */
    for (unsigned i = 1; i < ms->smp_cpus; i++) {
        ms->cpus[i]->env->mtrr_deftype = cpu->env->mtrr_deftype;
    }
    return true;
}

static bool pc_check_boot_options(PCMachineState *pcms, GError **errp)
{
    const MachineState *ms = pcms->ms;

    if (!ms->kernel_filename && (ms->initrd_filename || ms->kernel_cmdline)) {
        g_set_error(errp, TERN_ERROR, 0, "%s only makes sense with -kernel",
                    ms->initrd_filename ? "-initrd" : "-append");
        return false;
    }
    /* Under qtest no CPU runs, so there need not be anything to boot. */
    if (!ms->kernel_filename && pcms->builtin_bios && !(ms->accel && !strcmp(ms->accel, "qtest"))) {
        g_set_error(errp, TERN_ERROR, 0, "nothing to boot: give -kernel (or -bios)");
        return false;
    }
    return true;
}

/* After the CPUs are reset (cpus_reset ran before us), enter the kernel again. */
static void pc_boot_reset(void *opaque)
{
    PCMachineState *pcms = opaque;
    g_autoptr(GError) err = NULL;

    pc_acpi_install(pcms);
    if (!pcms->ms->kernel_filename) {
        return;
    }
    pause_all_vcpus();
    if (!pc_load_images(pcms, &err) || !pc_start_kernel(pcms, &err)) {
        error_report("reset: %s", err->message);
        qemu_system_shutdown_request(1);
    }
    resume_all_vcpus();
}

static void pc_devices_reset(void *opaque)
{
    (void)opaque;
    qdev_reset_all();
}

/* --- devices ---------------------------------------------------------------------------- */

/* i440FX host bridge, PIIX3 (PIRQ routing, 0xCF9) and PIIX4 PM, set up as SeaBIOS
 * leaves them, since a -kernel guest gets no firmware. */
static void pc_pci_init(PCMachineState *pcms)
{
    pcms->pci_bus = i440fx_init(&pcms->pci_memory, get_system_io());
    piix3_firmware_init(piix3_create(pcms->pci_bus));
    pcms->pm = piix4_pm_create(pcms->pci_bus, pcms->gsi[PC_SCI_IRQ]);
    piix4_pm_firmware_init(pcms->pm, PC_PM_IO_BASE);
    qemu_register_powerdown_handler(piix4_pm_powerdown_handler, pcms->pm);
}

static DeviceState *pc_isa_new(const char *name, GError **errp)
{
    DeviceState *dev = qdev_new(name);

    if (!dev) {
        g_set_error(errp, TERN_ERROR, 0, "device '%s' is not built in", name);
    }
    return dev;
}

static DeviceState *pc_isa_create(const char *name, GError **errp)
{
    DeviceState *dev = pc_isa_new(name, errp);

    if (!dev) {
        return NULL;
    }
    if (!qdev_realize(dev, errp)) {
        qdev_unref(dev);
        return NULL;
    }
    return dev;
}

static void pc_first_uart_byte(void *opaque)
{
    (void)opaque;
    boot_time_mark(BOOT_FIRST_UART);
}

static bool pc_serial_init(PCMachineState *pcms, GError **errp)
{
    static const uint32_t iobase[PC_NUM_COM] = {COM1_IOBASE, COM2_IOBASE};
    static const uint32_t irq[PC_NUM_COM] = {COM1_IRQ, COM2_IRQ};

    for (int i = 0; i < PC_NUM_COM; i++) {
        DeviceState *dev;

        if (!pcms->ms->serial_labels[i]) {
            continue;
        }
        dev = pc_isa_new(TYPE_ISA_SERIAL, errp);
        if (!dev) {
            return false;
        }
        qdev_prop_set_uint(dev, "iobase", iobase[i]);
        qdev_prop_set_uint(dev, "irq", irq[i]);
        qdev_prop_set_string(dev, "chardev", pcms->ms->serial_labels[i]);
        /*
         * As QEMU's UART, the PC's COM ports transmit instantly unless
         * -machine serial-timing=on: a polled console (Linux's, interrupts
         * off) then costs no guest time per character.
         */
        qdev_prop_set_uint(dev, "tx-timing", pcms->ms->serial_timing);
        if (!qdev_realize(dev, errp)) {
            qdev_unref(dev);
            return false;
        }
        serial_set_tx_hook((SerialState *)dev, pc_first_uart_byte, NULL);
    }
    for (int i = PC_NUM_COM; i < MAX_SERIAL_PORTS; i++) {
        if (pcms->ms->serial_labels[i]) {
            warn_report("-serial: the PC machine has %d serial ports; port %d is not wired",
                        PC_NUM_COM, i + 1);
        }
    }
    return true;
}

/* The guest's milestone: its first POST write once the vCPUs run. */
static void pc_post_write(void *opaque, uint8_t value)
{
    (void)opaque;
    (void)value;
    if (runstate_is_running()) {
        boot_time_mark(BOOT_POST);
        boot_time_report();
    }
}

void pc_cmos_init(PCMachineState *pcms)
{
    RTCState *rtc = pcms->rtc;
    uint64_t below = pcms->ms->below_4g_mem_size, above = pcms->ms->above_4g_mem_size;
    uint64_t ext_kib = below > 1 * MiB ? MIN((below - 1 * MiB) / KiB, 0xffff) : 0;
    uint64_t mem16 = below > 16 * MiB ? MIN((below - 16 * MiB) / (64 * KiB), 0xffff) : 0;
    uint64_t mem4g = above / (64 * KiB);

    rtc_set_cmos(rtc, CMOS_BASE_MEM_LO, CMOS_BASE_MEM_KIB & 0xff);
    rtc_set_cmos(rtc, CMOS_BASE_MEM_HI, CMOS_BASE_MEM_KIB >> 8);
    rtc_set_cmos(rtc, CMOS_EXT_MEM_LO, ext_kib & 0xff);
    rtc_set_cmos(rtc, CMOS_EXT_MEM_HI, ext_kib >> 8);
    rtc_set_cmos(rtc, CMOS_EXT_MEM2_LO, ext_kib & 0xff);
    rtc_set_cmos(rtc, CMOS_EXT_MEM2_HI, ext_kib >> 8);
    rtc_set_cmos(rtc, CMOS_MEM_16M_LO, mem16 & 0xff);
    rtc_set_cmos(rtc, CMOS_MEM_16M_HI, mem16 >> 8);
    rtc_set_cmos(rtc, CMOS_MEM_4G_LO, mem4g & 0xff);
    rtc_set_cmos(rtc, CMOS_MEM_4G_MID, (mem4g >> 8) & 0xff);
    rtc_set_cmos(rtc, CMOS_MEM_4G_HI, (mem4g >> 16) & 0xff);
    rtc_set_cmos(rtc, CMOS_NB_CPUS, pcms->ms->smp_cpus ? pcms->ms->smp_cpus - 1 : 0);
}

/* COM1/COM2, RTC, i8042, port 0x92, port 0x80: the ISA devices of issue 3. */
static bool pc_isa_init(PCMachineState *pcms, GError **errp)
{
    DeviceState *post;

    if (!pc_serial_init(pcms, errp)) {
        return false;
    }
    pcms->rtc = (RTCState *)pc_isa_create(TYPE_MC146818_RTC, errp);
    if (!pcms->rtc || !pc_isa_create(TYPE_I8042, errp) || !pc_isa_create(TYPE_PORT92, errp) ||
        !(post = pc_isa_create(TYPE_IOPORT80, errp))) {
        return false;
    }
    ioport80_set_hook((IOPort80State *)post, pc_post_write, pcms);
    pc_cmos_init(pcms);
    return true;
}

/* --- the machine ----------------------------------------------------------------------------- */

static bool pc_add_user_devices(MachineState *ms, GError **errp)
{
    for (guint i = 0; ms->device_opts && i < ms->device_opts->len; i++) {
        const char *opts = g_ptr_array_index(ms->device_opts, i);
        GError *err = NULL;

        if (!qdev_device_add(opts, &err) && err) {
            g_set_error(errp, TERN_ERROR, 0, "-device %s: %s", opts, err->message);
            g_error_free(err);
            return false;
        }
    }
    return true;
}

bool pc_machine_prepare(MachineState *ms, GError **errp)
{
    PCMachineState *pcms = &pc_machine;

    if (!pc_memory_init(pcms, ms, get_system_memory(), errp)) {
        return false;
    }
    pc_machine_created = true;
    current_machine = ms;
    pcms->rsdp_addr = pcms->builtin_bios ? PC_RSDP_ROM_ADDR : PC_RSDP_EBDA_ADDR;
    boot_time_mark(BOOT_LOAD_START);
    if (!pc_check_boot_options(pcms, errp) ||
        (ms->kernel_filename && !pc_load_images(pcms, errp))) {
        return false;
    }
    boot_time_mark(BOOT_LOAD_DONE);
    return true;
}

bool pc_machine_init(MachineState *ms, GError **errp)
{
    PCMachineState *pcms = &pc_machine;

    if (!pc_machine_created && !pc_machine_prepare(ms, errp)) {
        return false;
    }
    if (current_accel->init_machine && !current_accel->init_machine(ms, errp)) {
        return false;
    }
    pcms->gsi = pc_gsi_init();
    isa_bus_set_irqs(pcms->gsi);
    if (pc_irq_userspace()) {
        pc_irq_init();
    }
    pc_pci_init(pcms);
    qemu_register_reset_handler(pc_devices_reset, pcms);
    if (!pc_isa_init(pcms, errp) || !pc_add_user_devices(ms, errp) || !pc_acpi_build(pcms, errp) ||
        !qemu_init_vcpus(ms, errp)) {
        return false;
    }
    if (pc_irq_userspace()) {
        pc_irq_cpus_init(ms);
    }
    pc_acpi_install(pcms);
    qemu_register_reset_handler(pc_boot_reset, pcms);
    if (ms->kernel_filename && !pc_start_kernel(pcms, errp)) {
        return false;
    }
    boot_time_mark(BOOT_MACHINE_READY);
    return true;
}
