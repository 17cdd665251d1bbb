/*
 * piix.h: the PIIX3 PCI-to-ISA bridge (82371SB function 0): PCI interrupt
 * (PIRQ) routing onto ISA IRQs and the reset control register at 0xCF9.
 */
#ifndef HW_PCI_PIIX_H
#define HW_PCI_PIIX_H

#include "hw/pci/pci.h"

#define TYPE_PIIX3_PCI_DEVICE "PIIX3"
#define PIIX3_DEVFN           PCI_DEVFN(1, 0)

#define PIIX_NUM_PIRQS                4
#define PIIX_PIRQRC                   0x60 /* PIRQRC[A:D], 0x60..0x63 */
#define PIIX_PIRQRC_IRQROUTEN_DISABLE 0x80 /* 1: this PIRQ is not routed */
#define PIIX_PIRQRC_IRQ_MASK          0x0f

#define PIIX_RCR_IOPORT 0xcf9
#define PIIX_RCR_SRST   0x02 /* system reset: 1 hard, 0 soft */
#define PIIX_RCR_RCPU   0x04 /* reset CPU: writing 1 starts the reset */

/* What SeaBIOS programs into PIRQRC A-D, and the ACPI link devices report. */
#define PIIX_FW_PIRQ_IRQ(pirq) ((pirq) < 2 ? 10 : 11)

typedef struct PIIX3State {
    PCIDevice parent_obj;
    MemoryRegion rcr_mem;
    uint8_t rcr;
    int pirq_level[PIIX_NUM_PIRQS]; /* level of each PIRQ line from the bus */
    uint16_t isa_levels;            /* ISA IRQs this bridge drives high now */
    bool rcr_mapped;
    bool fw_routing; /* piix3_firmware_init() ran: PIRQ routes survive reset */
} PIIX3State;

/* Creates the PIIX3 at 00:01.0 on bus and routes the bus's INTx through its
 * PIRQ registers onto isa_get_irq() lines. */
PIIX3State *piix3_create(PCIBus *bus);

/*
 * Does what firmware does before it boots an OS (Linux direct boot has none):
 * routes PIRQA-D to ISA IRQs PIIX_FW_PIRQ_IRQ(0..3), the values the DSDT's
 * PCI interrupt link devices report, and writes each device's interrupt line
 * register to match. Re-applied on every reset.
 */
void piix3_firmware_init(PIIX3State *s);

#endif
