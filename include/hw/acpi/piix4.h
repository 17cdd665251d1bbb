/*
 * piix4.h: PIIX4 power management (82371AB function 3) with the ACPI fixed
 * hardware registers: PM1a event and control blocks, the PM timer and a GPE0
 * block, raising the SCI on an ISA IRQ.
 */
#ifndef HW_ACPI_PIIX4_H
#define HW_ACPI_PIIX4_H

#include "hw/pci/pci.h"
#include "hw/irq.h"
#include "qemu/timer.h"

#define TYPE_PIIX4_PM         "PIIX4_PM"
#define PIIX4_PM_DEVFN        PCI_DEVFN(1, 3)
#define PIIX4_PM_BASE_DEFAULT 0x600 /* where SeaBIOS puts the PM block */
#define PIIX4_PM_SCI_IRQ      9     /* ISA IRQ, level-triggered, active high */

/* Function 3 configuration registers (82371AB datasheet 3.x, PCI function 3) */
#define PIIX4_PMBA             0x40 /* PM base address: bits 15:6, bit 0 reads 1 (I/O) */
#define PIIX4_PMBA_MASK        0xffc0
#define PIIX4_PMREGMISC        0x80
#define PIIX4_PMREGMISC_PMIOSE 0x01 /* PM I/O space enable */
#define PIIX4_SMBBA            0x90
#define PIIX4_SMBHSTCFG        0xd2
#define PIIX4_PM_IO_SIZE       64

/* PM I/O registers, offsets from PMBA (ACPI 1.0 fixed hardware, 4.7) */
#define ACPI_PM1_STS     0x00 /* PM1a_EVT_BLK: status, 16 bits */
#define ACPI_PM1_EN      0x02 /* PM1a_EVT_BLK: enable, 16 bits */
#define ACPI_PM1_CNT     0x04 /* PM1a_CNT_BLK, 16 bits */
#define ACPI_PM_TMR      0x08 /* PM_TMR_BLK, 32 bits read-only */
#define ACPI_GPE0_STS    0x0c /* GPE0_BLK: status, 16 bits */
#define ACPI_GPE0_EN     0x0e /* GPE0_BLK: enable, 16 bits */
#define ACPI_PM1_EVT_LEN 4
#define ACPI_PM1_CNT_LEN 2
#define ACPI_PM_TMR_LEN  4
#define ACPI_GPE0_LEN    4

/* PM1_STS / PM1_EN bits */
#define ACPI_PM1_TMR_STS    0x0001
#define ACPI_PM1_BM_STS     0x0010
#define ACPI_PM1_GBL_STS    0x0020
#define ACPI_PM1_PWRBTN_STS 0x0100
#define ACPI_PM1_RTC_STS    0x0400
#define ACPI_PM1_WAK_STS    0x8000
#define ACPI_PM1_TMR_EN     0x0001
#define ACPI_PM1_GBL_EN     0x0020
#define ACPI_PM1_PWRBTN_EN  0x0100
#define ACPI_PM1_RTC_EN     0x0400

/* PM1_CNT bits */
#define ACPI_PM1_CNT_SCI_EN        0x0001
#define ACPI_PM1_CNT_BM_RLD        0x0002
#define ACPI_PM1_CNT_GBL_RLS       0x0004
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP       0x1c00
#define ACPI_PM1_CNT_SLP_EN        0x2000

/* PIIX4 SUS_TYP encodings; _S5 in the DSDT must say PIIX4_SLP_TYP_S5. */
#define PIIX4_SLP_TYP_S5 0 /* soft off */
#define PIIX4_SLP_TYP_S3 1 /* suspend to RAM (not supported) */

#define PM_TIMER_FREQUENCY 3579545  /* Hz */
#define PM_TIMER_MASK      0xffffff /* 24 bits */

typedef struct PIIX4PMState {
    PCIDevice parent_obj;
    MemoryRegion io;  /* PIIX4_PM_IO_SIZE bytes at PMBA while PMIOSE */
    uint16_t io_base; /* 0: not mapped */
    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint16_t gpe0_sts, gpe0_en;
    int64_t tmr_overflow_ns; /* virtual time of the next change of timer bit 23 */
    QEMUTimer *tmr_timer;    /* armed while TMR_EN */
    qemu_irq sci_irq;
    int sci_level;
    uint16_t fw_base; /* set by piix4_pm_firmware_init(), kept over reset */
    bool fw_acpi_enabled;
} PIIX4PMState;

/* Creates the PIIX4 PM function at 00:01.3; sci_irq is its SCI (ISA IRQ 9). */
PIIX4PMState *piix4_pm_create(PCIBus *bus, qemu_irq sci_irq);

/*
 * Does what firmware does before it hands over (Linux direct boot has none):
 * PMBA = base, PMIOSE on, and ACPI mode on (SCI_EN), since the FADT offers no
 * SMI_CMD port to switch modes. Re-applied on every reset.
 */
void piix4_pm_firmware_init(PIIX4PMState *s, uint16_t base);

/* The power button was pressed: PWRBTN_STS, then the SCI if enabled. */
void piix4_pm_power_button(PIIX4PMState *s);
/* The same with the signature of qemu_register_powerdown_handler(). */
void piix4_pm_powerdown_handler(void *opaque);

/* The PM timer value now (24 bits, 3.579545 MHz from the virtual clock). */
uint32_t piix4_pm_timer_get(PIIX4PMState *s);

#endif
