/*
 * i440fx.h: the Intel 440FX PCI host bridge (82441FX PMC) and PCI
 * configuration mechanism #1 (I/O ports 0xCF8/0xCFC).
 */
#ifndef HW_PCI_I440FX_H
#define HW_PCI_I440FX_H

#include "hw/pci/pci.h"

#define TYPE_I440FX_PCI_DEVICE "i440FX"

#define PCI_HOST_CONFIG_ADDR 0xcf8 /* CONFIG_ADDRESS, dword accesses only */
#define PCI_HOST_CONFIG_DATA 0xcfc /* CONFIG_DATA, bytes 0xCFC..0xCFF */

/* CONFIG_ADDRESS fields (PCI Local Bus Specification 3.0, 3.2.2.3.2) */
#define PCI_CONFIG_ADDR_ENABLE 0x80000000u
#define PCI_CONFIG_ADDR_BUS    0x00ff0000u
#define PCI_CONFIG_ADDR_DEVFN  0x0000ff00u
#define PCI_CONFIG_ADDR_REG    0x000000fcu
#define PCI_CONFIG_ADDR_WMASK                                                                      \
    (PCI_CONFIG_ADDR_ENABLE | PCI_CONFIG_ADDR_BUS | PCI_CONFIG_ADDR_DEVFN | PCI_CONFIG_ADDR_REG)

/* 82441FX configuration registers (datasheet 3.2) */
#define I440FX_PMCCFG 0x50
#define I440FX_PAM0   0x59 /* PAM0..PAM6: 0x59..0x5F */
#define I440FX_PAM_NB 7
/* PAM attribute nibble: RE (bit 0) reads and WE (bit 1) writes go to DRAM, else to PCI. */
#define PAM_RE 0x1
#define PAM_WE 0x2
/* Shadowed segments: 0xC0000-0xEFFFF in 16 KiB pieces (PAM1-6), 0xF0000-0xFFFFF (PAM0). */
#define I440FX_PAM_SEGMENTS  13
#define I440FX_PAM_BASE      0xc0000
#define I440FX_PAM_SEG_SIZE  0x4000
#define I440FX_PAM_BIOS_BASE 0xf0000
#define I440FX_PAM_BIOS_SIZE 0x10000
#define I440FX_DRB0          0x60
#define I440FX_SMRAM         0x72
#define I440FX_ERRCMD        0x90
#define I440FX_ERRSTS        0x91
#define I440FX_TRC           0x93

/* SMRAM register bits */
#define SMRAM_C_BASE_SEG 0x07 /* read-only 010: SMRAM at 0xA0000 */
#define SMRAM_G_SMRAME   0x08
#define SMRAM_D_LCK      0x10
#define SMRAM_D_CLS      0x20
#define SMRAM_D_OPEN     0x40
#define SMRAM_DEFAULT    0x02

typedef struct PCIHostState {
    MemoryRegion conf_mem; /* CONFIG_ADDRESS at 0xCF8 */
    MemoryRegion data_mem; /* CONFIG_DATA at 0xCFC */
    uint32_t config_reg;
    PCIBus *bus;
    MemoryRegion *io_passthrough; /* non-config cycles at 0xCF8..0xCFB */
    bool mapped;
} PCIHostState;

typedef struct I440FXState {
    PCIDevice parent_obj;
    PCIHostState host;
    /* RAM aliases over 0xC0000-0xFFFFF that the PAM registers switch on. */
    MemoryRegion pam[I440FX_PAM_SEGMENTS];
    MemoryRegion *pam_container; /* NULL until i440fx_pam_init() */
} I440FXState;

/*
 * Creates PCI bus 0 over pci_mem (the PCI memory window the machine places in
 * system memory) and io (the port I/O space), with the 440FX host bridge at
 * 00.0 and configuration mechanism #1 registered in io.
 */
PCIBus *i440fx_init(MemoryRegion *pci_mem, MemoryRegion *io);

/*
 * Byte and word cycles to 0xCF8..0xCFB are not configuration cycles: the host
 * bridge passes them to the bus as plain I/O, where the PIIX3 decodes its
 * reset control register at 0xCF9. mr (4 bytes, offset = port - 0xCF8) gets
 * them; without one they read all ones. No-op if bus has no 440FX at 00.0.
 */
void pci_host_set_io_passthrough(PCIBus *bus, MemoryRegion *mr);

/*
 * Lets the PAM registers shadow 0xC0000-0xFFFFF: each segment becomes the RAM
 * at the same offset of ram (read/write, or read-only) above whatever system
 * memory has there (option ROMs, the ISA BIOS alias), as firmware like
 * SeaBIOS expects. Without it PAM registers are plain storage. False with
 * *errp if bus has no 440FX or ram is smaller than 1 MiB.
 */
bool i440fx_pam_init(PCIBus *bus, MemoryRegion *system_memory, MemoryRegion *ram, GError **errp);

#endif
