/*
 * pc.h: the PC machine (i440FX + PIIX3, as QEMU's "pc" machine): memory map,
 * interrupt wiring, devices, boot, and the boot-time breakdown (-d boot).
 */
#ifndef HW_I386_PC_H
#define HW_I386_PC_H

#include "qemu/osdep.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "hw/irq.h"
#include "hw/i386/linux-boot.h"

/* RAM split (QEMU's pc machine): all of RAM below 4 GiB when it fits under
 * 3.5 GiB, otherwise 3 GiB below (gigabyte aligned) and the rest at 4 GiB. */
#define PC_LOWMEM_MAX    0xe0000000ULL
#define PC_LOWMEM_SPLIT  0xc0000000ULL
#define PC_ABOVE_4G_BASE (4 * GiB)

/* Fixed holes and windows of the PC memory map. */
#define PC_PCI_HOLE_END 0xfec00000ULL /* the 32-bit PCI window ends at the IOAPIC */
#define PC_IOAPIC_BASE  0xfec00000ULL
#define PC_IOAPIC_SIZE  0x1000
#define PC_LAPIC_BASE   0xfee00000ULL
#define PC_LAPIC_SIZE   0x1000
/* KVM's identity-map and TSS pages (KVM_RESERVED_BASE/SIZE in sysemu/kvm.h), reserved in e820 */
#define PC_KVM_RESERVED_BASE 0xfeffc000ULL
#define PC_KVM_RESERVED_SIZE 0x4000ULL
#define PC_EBDA_BASE         0x9fc00ULL /* conventional memory ends here (639 KiB) */
#define PC_VGA_BASE          0xa0000ULL /* legacy VGA window, 128 KiB */
#define PC_VGA_SIZE          0x20000ULL
#define PC_OPTION_ROM_BASE   0xc0000ULL /* option ROMs, 128 KiB */
#define PC_OPTION_ROM_SIZE   0x20000ULL
#define PC_ISA_BIOS_END      0x100000ULL /* the BIOS's last 128 KiB also appear below 1 MiB */
#define PC_ISA_BIOS_MAX_SIZE 0x20000ULL
#define PC_SYSTEM_BIOS_BASE  0xf0000ULL /* e820 reserves 0xF0000-0xFFFFF */
#define PC_BIOS_BUILTIN_SIZE 0x20000ULL /* the built-in ROM when there is no -bios */
#define PC_BIOS_MAX_SIZE     (16 * MiB)
#define PC_ACPI_AREA_SIZE    0x20000ULL /* ACPI tables: top of low RAM, e820 type ACPI */
#define PC_MIN_RAM           (2 * MiB)
#define PC_NUM_GSI           24    /* IOAPIC inputs; ISA IRQ n is GSI n */
#define PC_SCI_IRQ           9     /* the PIIX4 SCI, as SeaBIOS programs it */
#define PC_PM_IO_BASE        0x600 /* PIIX4 PM I/O base, as SeaBIOS programs it */
#define PC_POST_PORT         0x80

/* Where RAM goes for a given -m: bytes below 4 GiB and above it. */
void pc_ram_split(uint64_t ram_size, uint64_t *below_4g, uint64_t *above_4g);

typedef struct PCMachineState {
    MachineState *ms;
    MemoryRegion *system_memory;             /* the root the layout was built in */
    MemoryRegion ram;                        /* all of guest RAM, one block */
    MemoryRegion ram_below_4g, ram_above_4g; /* aliases of ram */
    MemoryRegion pci_memory;                 /* PCI memory space (BARs) */
    MemoryRegion pci_hole;                   /* alias of pci_memory: lowmem..IOAPIC */
    MemoryRegion vga_hole;                   /* 0xA0000-0xBFFFF: no VGA yet, reads all ones */
    MemoryRegion option_rom;                 /* 0xC0000-0xDFFFF */
    MemoryRegion bios, isa_bios;             /* ROM at the top of 4 GiB and its alias below 1 MiB */
    uint64_t bios_size;
    bool builtin_bios;          /* no -bios: tern's own small ROM */
    uint64_t acpi_base;         /* E820_ACPI area (tables) at the top of low RAM */
    bool multiboot;             /* -kernel is a multiboot kernel, not a bzImage */
    LinuxBootEntry linux_entry; /* where the bzImage starts */
    uint64_t rsdp_addr;         /* 0 until ACPI tables are built */
    GByteArray *acpi_tables;    /* copied to acpi_base (again at each reset) */
    uint8_t rsdp[36];           /* ACPI_RSDP_SIZE */
    qemu_irq *gsi;              /* PC_NUM_GSI lines */
    struct PCIBus *pci_bus;
    struct PIIX4PMState *pm;
    struct RTCState *rtc;
    bool layout_built;
} PCMachineState;

/*
 * Builds the memory map for ms->ram_size inside system_memory (the system
 * address space's root, or a test's): RAM split around the PCI hole, the VGA
 * hole, option-ROM area, BIOS ROM (-bios file or the built-in one) and its
 * ISA alias, and the PCI memory window. Fills ms->below/above_4g_mem_size and
 * ms->ram. False with *errp for a bad -m or -bios.
 */
bool pc_memory_init(PCMachineState *pcms, MachineState *ms, MemoryRegion *system_memory,
                    GError **errp);
/* Undoes pc_memory_init (tests). */
void pc_memory_cleanup(PCMachineState *pcms);
/* Fills the e820 table from the layout (RAM, EBDA, BIOS, ACPI area, KVM pages, APICs). */
void pc_build_e820(PCMachineState *pcms);

/* Writes the memory-size and CPU-count bytes SeaBIOS reads into pcms->rtc's CMOS. */
void pc_cmos_init(PCMachineState *pcms);

/* The 24 GSI lines: to the accelerator's irqchip when it has one. */
qemu_irq *pc_gsi_init(void);

/*
 * First half of pc_machine_init, which needs no accelerator: memory map and
 * the -kernel/-initrd images in guest RAM, so bad images are reported first.
 */
bool pc_machine_prepare(MachineState *ms, GError **errp);
/*
 * Creates the whole machine for ms (memory, accelerator VM, devices, vCPUs,
 * the guest image) and registers reset and powerdown; the vCPUs wait for
 * vm_start(). False with *errp naming the problem.
 */
bool pc_machine_init(MachineState *ms, GError **errp);
/* The PC machine's state (NULL before pc_machine_init). */
PCMachineState *pc_machine_get(void);

/* --- boot-time breakdown (-d boot) -------------------------------------------- */
typedef enum {
    BOOT_START,     /* tern's main() (process start) */
    BOOT_RAM_START, /* guest RAM allocation */
    BOOT_RAM_DONE,
    BOOT_LOAD_START, /* reading and placing -kernel/-initrd/-bios */
    BOOT_LOAD_DONE,
    BOOT_MACHINE_READY, /* everything created, vCPUs about to start */
    BOOT_FIRST_UART,    /* the guest's first byte out of a UART */
    BOOT_POST,          /* the guest's first write to port 0x80 after boot */
    BOOT_PHASE_NR
} BootPhase;

/* Records the monotonic time of phase (the first mark of each phase counts). Thread-safe. */
void boot_time_mark(BootPhase phase);
/* Appends the breakdown (ms since BOOT_START) to out; first_insn_ns is the
 * accelerator's first guest entry (monotonic ns, 0 if none). */
void boot_time_format(GString *out, int64_t first_insn_ns);
/* Logs the breakdown under -d boot, once (at the POST write or at exit). */
void boot_time_report(void);
/* Forgets every mark (tests). */
void boot_time_reset(void);

#endif
