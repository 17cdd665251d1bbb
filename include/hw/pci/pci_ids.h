/*
 * pci_ids.h: the vendor, device and class codes tern's PCI devices report
 * (PCI Code and ID Assignment Specification; Intel 82441FX and 82371 datasheets).
 */
#ifndef HW_PCI_PCI_IDS_H
#define HW_PCI_PCI_IDS_H

/* Class codes: base class << 8 | sub-class */
#define PCI_CLASS_OTHERS       0xff00
#define PCI_CLASS_BRIDGE_HOST  0x0600
#define PCI_CLASS_BRIDGE_ISA   0x0601
#define PCI_CLASS_BRIDGE_OTHER 0x0680

#define PCI_VENDOR_ID_INTEL           0x8086
#define PCI_DEVICE_ID_INTEL_82441     0x1237 /* 440FX PMC host bridge */
#define PCI_DEVICE_ID_INTEL_82371SB_0 0x7000 /* PIIX3 ISA bridge */
#define PCI_DEVICE_ID_INTEL_82371AB_3 0x7113 /* PIIX4 power management */

#define PCI_VENDOR_ID_REDHAT 0x1b36 /* QEMU's test devices use it */

#endif
