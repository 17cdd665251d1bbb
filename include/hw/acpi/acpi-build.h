/*
 * acpi-build.h: the ACPI tables of the PC machine, built in C at start-up.
 *
 * acpi_build_tables() lays out FACS, DSDT, FADT, MADT, RSDT and XSDT in one
 * blob meant to be copied to guest physical address tables_gpa (every pointer
 * in it already holds its final address), and fills the 36-byte RSDP that
 * points at them; the machine puts the RSDP where the guest looks for it
 * (the BIOS area 0xE0000-0xFFFFF on a 16-byte boundary, and/or
 * boot_params.acpi_rsdp_addr). See docs/pci-acpi.md.
 */
#ifndef HW_ACPI_ACPI_BUILD_H
#define HW_ACPI_ACPI_BUILD_H

#include "qemu/osdep.h"

#define ACPI_RSDP_SIZE       36
#define ACPI_RSDP_ALIGN      16
#define ACPI_TABLES_ALIGN    64 /* tables_gpa alignment (the FACS needs 64) */
#define ACPI_SDT_HEADER_SIZE 36
#define ACPI_MAX_CPUS        255 /* xAPIC ids 0..254 in MADT type 0 entries */

typedef struct AcpiConfig {
    unsigned nr_cpus;     /* one processor LAPIC entry each, APIC ids 0..n-1 */
    uint32_t lapic_addr;  /* 0xFEE00000 */
    uint32_t ioapic_addr; /* 0xFEC00000 */
    uint8_t ioapic_id;    /* usually nr_cpus or 0 */
    uint16_t pm_base;     /* PIIX4 PM I/O base: PM1a_EVT +0, PM1a_CNT +4, PM_TMR +8, GPE0 +0xC */
    uint8_t sci_irq;      /* ISA IRQ of the SCI (9): level, active high */
    uint16_t reset_port;  /* FADT RESET_REG, an I/O port (0xCF9) */
    uint8_t reset_value;  /* written there to reset (0x06) */
    uint8_t pirq_irqs[4]; /* ISA IRQ of PIRQA-D as firmware routed them (PCI link devices) */
    /* The 32-bit PCI memory window [start, end) for PCI0._CRS (with bus 0-255, the I/O
     * ports but 0xCF8-0xCFF, and 0xA0000-0xBFFFF); end 0: no _CRS, Linux assumes all. */
    uint32_t pci_hole_start; /* the end of low RAM */
    uint32_t pci_hole_end;   /* the IOAPIC, 0xFEC00000 */
} AcpiConfig;

/* Offsets of each table in the blob (add tables_gpa for its guest address). */
typedef struct AcpiTableOffsets {
    uint32_t facs, dsdt, fadt, madt, rsdt, xsdt;
} AcpiTableOffsets;

/* An AcpiConfig with the PC's values (IOAPIC/LAPIC addresses, PM base 0x600,
 * SCI 9, reset via 0xCF9 = 0x06, PIRQs as piix3_firmware_init() routes them)
 * for nr_cpus CPUs. */
void acpi_config_pc_defaults(AcpiConfig *cfg, unsigned nr_cpus);

/*
 * Appends the tables for cfg to tables (emptied first) for tables_gpa (64-byte
 * aligned, all of it below 4 GiB since the RSDT and FACS pointers are 32-bit)
 * and writes the RSDP (revision 2, both checksums) to rsdp. offsets may be
 * NULL. False with *errp naming the problem for a bad configuration.
 */
bool acpi_build_tables(const AcpiConfig *cfg, uint64_t tables_gpa, GByteArray *tables,
                       uint8_t rsdp[ACPI_RSDP_SIZE], AcpiTableOffsets *offsets, GError **errp);

/* The byte that makes data[0..len) sum to zero (with the checksum byte as 0). */
uint8_t acpi_checksum(const uint8_t *data, size_t len);

/* The 32-bit compressed EISA id of a "PNP0A03"-style string (as AML stores it). */
uint32_t acpi_eisaid(const char *id);

#endif
