/*
 * pci.h: a conventional PCI bus (bus 0 only) and the PCI device core.
 *
 * A PCI device is a plain struct that embeds PCIDevice first (which embeds
 * DeviceState first). Its 256-byte configuration space is guarded by a write
 * mask and a write-1-to-clear mask, so device code only fills in the reset
 * values and says which bits the guest may change. BARs are MemoryRegions the
 * core maps into the bus's memory or I/O container when the command register
 * enables decoding and the BAR holds a usable address. See docs/pci-acpi.md.
 */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include "qemu/osdep.h"
#include "exec/memory.h"
#include "hw/qdev.h"
#include "hw/pci/pci_regs.h"
#include "hw/pci/pci_ids.h"

typedef uint64_t pcibus_t;

#define PCI_CONFIG_SPACE_SIZE 0x100
#define PCI_DEVFN_MAX         256
#define PCI_NUM_BARS          6
#define PCI_NUM_PINS          4 /* INTA..INTD */
#define PCI_BAR_UNMAPPED      (~(pcibus_t)0)
#define PCI_DEVFN_AUTO        UINT32_MAX /* pci_new(): first free slot, function 0 */

#define PCI_DEVFN(slot, func) ((((slot)&0x1f) << 3) | ((func)&0x07))
#define PCI_SLOT(devfn)       (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)       ((devfn)&0x07)

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

/* Config-space hooks; len is 1, 2 or 4 and addr + len <= 256. */
typedef uint32_t (*PCIConfigReadFunc)(PCIDevice *d, uint32_t addr, unsigned len);
typedef void (*PCIConfigWriteFunc)(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len);

/* Bus INTx wiring: map_irq picks a bus IRQ (e.g. PIRQA..D) for a device's pin
 * (0 = INTA); set_irq gets that IRQ's level (any device asserting it). */
typedef int (*pci_map_irq_fn)(PCIDevice *d, int pin);
typedef void (*pci_set_irq_fn)(void *opaque, int irq, int level);
/* The ISA IRQ firmware writes to a device's PCI_INTERRUPT_LINE for its pin (0 = INTA). */
typedef uint8_t (*pci_fw_irq_line_fn)(void *opaque, PCIDevice *d, int pin);

typedef struct PCIIORegion {
    pcibus_t addr; /* where it is mapped now, PCI_BAR_UNMAPPED if not */
    pcibus_t size; /* 0: no BAR here */
    uint8_t type;  /* PCI_BASE_ADDRESS_SPACE_IO or memory type and prefetch bits */
    MemoryRegion *memory;
    MemoryRegion *address_space; /* the bus container it goes into */
} PCIIORegion;

struct PCIDevice {
    DeviceState qdev;
    /* Set before realize by pci_new(); with -device, bus is NULL and addr says where. */
    PCIBus *bus;
    uint32_t devfn;
    char *addr; /* -device ...,addr=SLOT[.FN] (hex, as QEMU's); NULL: first free slot */

    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];    /* bits the guest may write */
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE];  /* bits the guest clears by writing 1 */
    uint8_t defaults[PCI_CONFIG_SPACE_SIZE]; /* config as realize left it (reset values) */
    PCIIORegion io_regions[PCI_NUM_BARS];

    PCIConfigReadFunc config_read;   /* NULL: pci_default_read_config */
    PCIConfigWriteFunc config_write; /* NULL: pci_default_write_config */
    int irq_state;                   /* INTx level the device drives (before INTX_DISABLE) */
    bool attached;
};

/* The "addr" property of PCI devices created with -device; the device struct
 * must name its PCIDevice member parent_obj. */
#define DEFINE_PROP_PCI_ADDR(state) DEFINE_PROP_STRING("addr", state, parent_obj.addr)

/* --- bus ------------------------------------------------------------------------ */
/* A bus whose BARs map into these containers (the machine's PCI memory window and
 * the port I/O space). The first bus created is the default for -device. */
PCIBus *pci_bus_new(MemoryRegion *address_space_mem, MemoryRegion *address_space_io);
/* Frees a bus with no devices left on it. */
void pci_bus_free(PCIBus *bus);
/* The default bus (the first one created), NULL if none. */
PCIBus *pci_get_default_bus(void);
/* Wires the bus's nirq INTx outputs (see pci_map_irq_fn). */
void pci_bus_irqs(PCIBus *bus, pci_set_irq_fn set_irq, pci_map_irq_fn map_irq, void *opaque,
                  int nirq);
/* Fills PCI_INTERRUPT_LINE as firmware would, now and at every device reset
 * (the interrupt router sets this when firmware routed its PIRQs). */
void pci_bus_set_fw_irq_line(PCIBus *bus, pci_fw_irq_line_fn fn, void *opaque);
MemoryRegion *pci_address_space(PCIBus *bus);
MemoryRegion *pci_address_space_io(PCIBus *bus);

/* The device at devfn, NULL if none. */
PCIDevice *pci_find_devfn(PCIBus *bus, unsigned devfn);
/* The first device with these IDs, NULL if none. */
PCIDevice *pci_find_device(PCIBus *bus, uint16_t vendor_id, uint16_t device_id);
/* Calls fn for every device in devfn order. */
void pci_for_each_device(PCIBus *bus, void (*fn)(PCIBus *bus, PCIDevice *d, void *opaque),
                         void *opaque);

/*
 * Configuration cycles as mechanism #1 issues them: addr is CONFIG_ADDRESS
 * (bus in 23:16, devfn in 15:8, register in 7:2) plus the byte offset 0..3;
 * len 1, 2 or 4 within the dword. Absent devices and other buses read all ones.
 */
uint32_t pci_data_read(PCIBus *bus, uint32_t addr, unsigned len);
void pci_data_write(PCIBus *bus, uint32_t addr, uint32_t val, unsigned len);

/* --- devices ---------------------------------------------------------------------- */
/* Allocates device 'name' (whose struct embeds PCIDevice first) for devfn on bus. */
PCIDevice *pci_new(PCIBus *bus, uint32_t devfn, const char *name);
/* pci_new() and qdev_realize(); a failure is a programming error and aborts. */
PCIDevice *pci_create_simple(PCIBus *bus, uint32_t devfn, const char *name);

/*
 * First thing in a PCI device's realize hook: puts it on its bus at its devfn
 * (from pci_new(), or for -device the default bus at "addr" or the first free
 * slot) and sets up the generic write masks. False with *errp if the address
 * is bad or taken, or there is no bus. A realize that fails after this must
 * call pci_device_detach() (qdev does not unrealize what failed to realize).
 * The device then fills config[] and registers its BARs.
 */
bool pci_device_attach(PCIDevice *d, GError **errp);
/* Last thing in realize: records config[] as the reset values. */
void pci_device_attach_done(PCIDevice *d);
/* Unrealize: unmaps the BARs and frees the slot. */
void pci_device_detach(PCIDevice *d);
/* Reset: config back to its recorded values, BARs unmapped, INTx deasserted. */
void pci_device_reset(PCIDevice *d);
/* An 'info' hook for DeviceInfo: "addr", IDs and mapped BARs for info qtree. */
void pci_device_info(DeviceState *dev, GString *out);

/* Declares BAR n (0..5): size a power of two (>= 16 for memory, 4..256 for I/O);
 * type PCI_BASE_ADDRESS_SPACE_IO or PCI_BASE_ADDRESS_MEM_TYPE_32/64 with an
 * optional PCI_BASE_ADDRESS_MEM_PREFETCH. A 64-bit BAR also takes n + 1. */
void pci_register_bar(PCIDevice *d, int n, uint8_t type, MemoryRegion *mr);
/* The BAR's current bus address, PCI_BAR_UNMAPPED when not decoded. */
pcibus_t pci_get_bar_addr(PCIDevice *d, int n);

uint32_t pci_default_read_config(PCIDevice *d, uint32_t addr, unsigned len);
/* Applies the masks, then remaps BARs and updates INTx as the write requires. */
void pci_default_write_config(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len);

/* Drives the device's INTx pin (config PCI_INTERRUPT_PIN) to level. */
void pci_set_irq(PCIDevice *d, int level);
/* The standard swizzle: (slot + pin) mod 4 onto PIRQA..D. */
int pci_swizzle_map_irq(PCIDevice *d, int pin);

/* --- monitor ---------------------------------------------------------------------- */
/* Appends 'info pci' text for every device on the default bus. */
void info_pci(GString *out);
/* The same for one bus. */
void pci_bus_info(PCIBus *bus, GString *out);

/* --- little-endian config helpers ------------------------------------------------- */
static inline void pci_set_byte(uint8_t *config, uint8_t val)
{
    config[0] = val;
}
static inline uint8_t pci_get_byte(const uint8_t *config)
{
    return config[0];
}
static inline void pci_set_word(uint8_t *config, uint16_t val)
{
    config[0] = val;
    config[1] = val >> 8;
}
static inline uint16_t pci_get_word(const uint8_t *config)
{
    return config[0] | (config[1] << 8);
}
static inline void pci_set_long(uint8_t *config, uint32_t val)
{
    pci_set_word(config, val);
    pci_set_word(config + 2, val >> 16);
}
static inline uint32_t pci_get_long(const uint8_t *config)
{
    return pci_get_word(config) | ((uint32_t)pci_get_word(config + 2) << 16);
}
static inline void pci_set_quad(uint8_t *config, uint64_t val)
{
    pci_set_long(config, val);
    pci_set_long(config + 4, val >> 32);
}
static inline uint64_t pci_get_quad(const uint8_t *config)
{
    return pci_get_long(config) | ((uint64_t)pci_get_long(config + 4) << 32);
}

/* Fills the identification header: IDs, revision, class (base << 8 | sub), prog-if. */
void pci_config_set_ids(PCIDevice *d, uint16_t vendor_id, uint16_t device_id, uint8_t revision,
                        uint16_t class_id, uint8_t prog_if);

#endif
