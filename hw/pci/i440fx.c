/*
 * i440fx.c: the Intel 440FX PCI host bridge, after the 82441FX PCI and
 * Memory Controller (PMC) datasheet, section 3.2 (configuration registers),
 * and PCI configuration mechanism #1 (PCI Local Bus Specification 3.0,
 * 3.2.2.3.2): CONFIG_ADDRESS at 0xCF8 (dword accesses only), CONFIG_DATA at
 * 0xCFC..0xCFF (byte, word or dword at the register's byte offset).
 *
 * Left out: the DRAM controller (the machine maps RAM itself), SMRAM (register
 * kept, no SMM), PAM's split modes (see pam_update), the 82442FX data bus
 * accelerator, error reporting beyond RW1C status storage.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/pci/i440fx.h"
#include "trace-events.h"

#define I440FX_REVISION          0x02
#define PCI_HOST_DECODE_PRIORITY 2 /* above BARs (1) and ISA/PM ports (0) */
#define PAM_PRIORITY             2 /* above the machine's ROM windows below 1 MiB (1) */

/* --- configuration mechanism #1 ----------------------------------------------------- */

/*
 * One region decodes all of 0xCF8..0xCFB and hands the non-dword cycles on,
 * rather than the PIIX3's 0xCF9 register overlapping it: the memory core cuts
 * an access at flat-range boundaries, which would split a dword write of
 * CONFIG_ADDRESS into three.
 */
static uint64_t pci_host_conf_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIHostState *s = opaque;
    uint64_t val = size == 4 ? UINT32_MAX : (1u << (8 * size)) - 1;

    if (addr == 0 && size == 4) {
        return s->config_reg;
    }
    /* Plain I/O on the bus; Linux's type 1 probe writes a byte to 0xCFB. */
    if (s->io_passthrough) {
        memory_region_dispatch_read(s->io_passthrough, addr, &val, size, MEMTXATTRS_UNSPECIFIED);
    }
    return val;
}

static void pci_host_conf_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCIHostState *s = opaque;

    if (addr == 0 && size == 4) {
        /* Bits 30:24 are reserved and bits 1:0 select type 0/1 cycles: both read 0. */
        s->config_reg = val & PCI_CONFIG_ADDR_WMASK;
        trace_pci_host_config_addr(s->config_reg);
    } else if (s->io_passthrough) {
        memory_region_dispatch_write(s->io_passthrough, addr, val, size, MEMTXATTRS_UNSPECIFIED);
    }
}

static uint64_t pci_host_data_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIHostState *s = opaque;

    if (!(s->config_reg & PCI_CONFIG_ADDR_ENABLE)) {
        return size == 4 ? UINT32_MAX : (1u << (8 * size)) - 1;
    }
    return pci_data_read(s->bus, (s->config_reg & ~PCI_CONFIG_ADDR_ENABLE) | (addr & 3), size);
}

static void pci_host_data_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PCIHostState *s = opaque;

    if (!(s->config_reg & PCI_CONFIG_ADDR_ENABLE)) {
        return;
    }
    pci_data_write(s->bus, (s->config_reg & ~PCI_CONFIG_ADDR_ENABLE) | (addr & 3), val, size);
}

static const MemoryRegionOps pci_host_conf_ops = {
    .read = pci_host_conf_read,
    .write = pci_host_conf_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

static const MemoryRegionOps pci_host_data_ops = {
    .read = pci_host_data_read,
    .write = pci_host_data_write,
    .valid = {.min_access_size = 1, .max_access_size = 4, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 4, .unaligned = true},
};

static void pci_host_map(PCIHostState *s, PCIBus *bus)
{
    MemoryRegion *io = pci_address_space_io(bus);

    s->bus = bus;
    memory_region_init_io(&s->conf_mem, &pci_host_conf_ops, s, "pci-conf-idx", 4);
    memory_region_init_io(&s->data_mem, &pci_host_data_ops, s, "pci-conf-data", 4);
    memory_region_transaction_begin();
    /* The host bridge claims these ports before any PCI device's BAR can. */
    memory_region_add_subregion_overlap(io, PCI_HOST_CONFIG_ADDR, &s->conf_mem,
                                        PCI_HOST_DECODE_PRIORITY);
    memory_region_add_subregion_overlap(io, PCI_HOST_CONFIG_DATA, &s->data_mem,
                                        PCI_HOST_DECODE_PRIORITY);
    memory_region_transaction_commit();
    s->mapped = true;
}

static void pci_host_unmap(PCIHostState *s)
{
    MemoryRegion *io;

    if (!s->mapped) {
        return;
    }
    io = pci_address_space_io(s->bus);
    memory_region_transaction_begin();
    memory_region_del_subregion(io, &s->conf_mem);
    memory_region_del_subregion(io, &s->data_mem);
    memory_region_transaction_commit();
    memory_region_destroy(&s->conf_mem);
    memory_region_destroy(&s->data_mem);
    s->mapped = false;
}

/* --- the 82441FX function ---------------------------------------------------------- */

/* Chipset registers kept as plain storage: offset, width, reset value, writable bits. */
static const struct {
    uint8_t offset, size;
    uint16_t defval, wmask;
} i440fx_regs[] = {
    {I440FX_PMCCFG, 2, 0x0000, 0xffff},
    {0x52, 1, 0x80, 0xff},        /* DETURBO */
    {0x53, 1, 0x80, 0xff},        /* DBC */
    {0x54, 1, 0x00, 0xff},        /* AXC */
    {0x55, 2, 0x0000, 0xffff},    /* DRAMR */
    {0x57, 1, 0x01, 0xff},        /* DRAMC */
    {0x58, 1, 0x10, 0xff},        /* DRAMT */
    {I440FX_PAM0, 1, 0x00, 0x30}, /* PAM0: only 0xF0000-0xFFFFF, bits 5:4 */
    {0x5a, 1, 0x00, 0x33},
    {0x5b, 1, 0x00, 0x33},
    {0x5c, 1, 0x00, 0x33},
    {0x5d, 1, 0x00, 0x33},
    {0x5e, 1, 0x00, 0x33},
    {0x5f, 1, 0x00, 0x33},
    {0x68, 1, 0x00, 0xc0}, /* FDHC */
    {0x70, 1, 0x00, 0xf8}, /* MTT */
    {0x71, 1, 0x10, 0xff}, /* CLT */
    {I440FX_SMRAM, 1, SMRAM_DEFAULT, SMRAM_G_SMRAME | SMRAM_D_LCK | SMRAM_D_CLS | SMRAM_D_OPEN},
    {I440FX_ERRCMD, 1, 0x00, 0xff},
    {I440FX_TRC, 1, 0x00, 0x06},
};

static void i440fx_set_masks(PCIDevice *d)
{
    for (unsigned i = 0; i < ARRAY_SIZE(i440fx_regs); i++) {
        uint8_t off = i440fx_regs[i].offset;
        if (i440fx_regs[i].size == 2) {
            pci_set_word(d->wmask + off, i440fx_regs[i].wmask);
        } else {
            d->wmask[off] = i440fx_regs[i].wmask;
        }
    }
    for (unsigned i = 0; i < 8; i++) {
        d->wmask[I440FX_DRB0 + i] = 0xff; /* DRB0-7: DRAM row boundaries */
    }
    d->w1cmask[I440FX_ERRSTS] = 0xff;
}

/* --- PAM: shadow RAM over 0xC0000-0xFFFFF (datasheet 3.2.18) ------------------------ */

/* The attribute nibble of segment i: PAM1-6 low/high nibbles, then PAM0's high one. */
static uint8_t pam_attr(PCIDevice *d, unsigned seg)
{
    if (seg == I440FX_PAM_SEGMENTS - 1) {
        return (d->config[I440FX_PAM0] >> 4) & 0x3;
    }
    return (d->config[I440FX_PAM0 + 1 + seg / 2] >> (4 * (seg % 2))) & 0x3;
}

/*
 * DRAM read/write: the RAM alias; read-only: the alias, read-only (XXX: writes
 * should reach PCI, they are dropped); write-only or off: no alias, so the ROM
 * or PCI below answers (XXX: write-only should still write DRAM; no firmware
 * tern runs uses it).
 */
static void pam_update(I440FXState *s)
{
    PCIDevice *d = &s->parent_obj;

    if (!s->pam_container) {
        return;
    }
    memory_region_transaction_begin();
    for (unsigned seg = 0; seg < I440FX_PAM_SEGMENTS; seg++) {
        uint8_t attr = pam_attr(d, seg);

        trace_i440fx_pam_update(seg, attr);
        memory_region_set_enabled(&s->pam[seg], attr & PAM_RE);
        memory_region_set_readonly(&s->pam[seg], !(attr & PAM_WE));
    }
    memory_region_transaction_commit();
}

bool i440fx_pam_init(PCIBus *bus, MemoryRegion *system_memory, MemoryRegion *ram, GError **errp)
{
    PCIDevice *d = pci_find_devfn(bus, PCI_DEVFN(0, 0));
    I440FXState *s;

    if (!d || strcmp(d->qdev.info->name, TYPE_I440FX_PCI_DEVICE)) {
        g_set_error(errp, TERN_ERROR, 0, "PAM: no i440FX host bridge on the bus");
        return false;
    }
    if (memory_region_size(ram) < 1 * MiB) {
        g_set_error(errp, TERN_ERROR, 0, "PAM: RAM '%s' is smaller than 1 MiB",
                    memory_region_name(ram));
        return false;
    }
    s = (I440FXState *)d;
    g_assert(!s->pam_container);
    memory_region_transaction_begin();
    for (unsigned seg = 0; seg < I440FX_PAM_SEGMENTS; seg++) {
        bool bios = seg == I440FX_PAM_SEGMENTS - 1;
        hwaddr base = bios ? I440FX_PAM_BIOS_BASE : I440FX_PAM_BASE + seg * I440FX_PAM_SEG_SIZE;
        g_autofree char *name = g_strdup_printf("pam-ram-%05" HWADDR_PRIx, base);

        memory_region_init_alias(&s->pam[seg], name, ram, base,
                                 bios ? I440FX_PAM_BIOS_SIZE : I440FX_PAM_SEG_SIZE);
        memory_region_set_enabled(&s->pam[seg], false);
        memory_region_add_subregion_overlap(system_memory, base, &s->pam[seg], PAM_PRIORITY);
    }
    s->pam_container = system_memory;
    pam_update(s);
    memory_region_transaction_commit();
    return true;
}

static void pam_destroy(I440FXState *s)
{
    if (!s->pam_container) {
        return;
    }
    memory_region_transaction_begin();
    for (unsigned seg = 0; seg < I440FX_PAM_SEGMENTS; seg++) {
        memory_region_del_subregion(s->pam_container, &s->pam[seg]);
    }
    memory_region_transaction_commit();
    for (unsigned seg = 0; seg < I440FX_PAM_SEGMENTS; seg++) {
        memory_region_destroy(&s->pam[seg]);
    }
    s->pam_container = NULL;
}

static void i440fx_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    pci_default_write_config(d, addr, val, len);
    if (addr < I440FX_PAM0 + I440FX_PAM_NB && addr + len > I440FX_PAM0) {
        pam_update((I440FXState *)d);
    }
    /*
     * D_LCK locks SMRAM: D_OPEN clears and D_LCK, D_OPEN and G_SMRAME stay
     * read-only until reset. XXX: SMRAM itself is not modelled (no SMM).
     */
    if (addr <= I440FX_SMRAM && addr + len > I440FX_SMRAM &&
        (d->config[I440FX_SMRAM] & SMRAM_D_LCK)) {
        d->config[I440FX_SMRAM] &= ~SMRAM_D_OPEN;
        d->wmask[I440FX_SMRAM] &= ~(SMRAM_D_LCK | SMRAM_D_OPEN | SMRAM_G_SMRAME);
    }
}

static bool i440fx_realize(DeviceState *dev, GError **errp)
{
    I440FXState *s = (I440FXState *)dev;
    PCIDevice *d = &s->parent_obj;

    if (!pci_device_attach(d, errp)) {
        return false;
    }
    pci_config_set_ids(d, PCI_VENDOR_ID_INTEL, PCI_DEVICE_ID_INTEL_82441, I440FX_REVISION,
                       PCI_CLASS_BRIDGE_HOST, 0);
    pci_set_word(d->config + PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    pci_set_word(d->config + PCI_STATUS, PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM);
    d->config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
    for (unsigned i = 0; i < ARRAY_SIZE(i440fx_regs); i++) {
        uint8_t off = i440fx_regs[i].offset;
        if (i440fx_regs[i].size == 2) {
            pci_set_word(d->config + off, i440fx_regs[i].defval);
        } else {
            d->config[off] = i440fx_regs[i].defval;
        }
    }
    for (unsigned i = 0; i < 8; i++) {
        d->config[I440FX_DRB0 + i] = 0x01;
    }
    i440fx_set_masks(d);
    d->config_write = i440fx_config_write;
    pci_device_attach_done(d);
    pci_host_map(&s->host, d->bus);
    return true;
}

static void i440fx_reset(DeviceState *dev)
{
    I440FXState *s = (I440FXState *)dev;

    pci_device_reset(&s->parent_obj);
    i440fx_set_masks(&s->parent_obj); /* undoes the SMRAM lock */
    s->host.config_reg = 0;
    pam_update(s); /* PAM 0: the ROMs show again */
}

static void i440fx_unrealize(DeviceState *dev)
{
    I440FXState *s = (I440FXState *)dev;

    pam_destroy(s);
    pci_host_unmap(&s->host);
    pci_device_detach(&s->parent_obj);
}

static const DeviceInfo i440fx_info = {
    .name = TYPE_I440FX_PCI_DEVICE,
    .desc = "Intel 82441FX PCI host bridge with configuration mechanism #1",
    .spec = "Intel 82441FX PMC datasheet 3.2; PCI Local Bus Specification 3.0, 3.2.2.3.2",
    .instance_size = sizeof(I440FXState),
    .realize = i440fx_realize,
    .reset = i440fx_reset,
    .unrealize = i440fx_unrealize,
    .info = pci_device_info,
};
device_init(i440fx_info)

    PCIBus *i440fx_init(MemoryRegion *pci_mem, MemoryRegion *io)
{
    PCIBus *bus = pci_bus_new(pci_mem, io);

    pci_create_simple(bus, PCI_DEVFN(0, 0), TYPE_I440FX_PCI_DEVICE);
    return bus;
}

void pci_host_set_io_passthrough(PCIBus *bus, MemoryRegion *mr)
{
    PCIDevice *d = pci_find_devfn(bus, PCI_DEVFN(0, 0));

    if (d && !strcmp(d->qdev.info->name, TYPE_I440FX_PCI_DEVICE)) {
        ((I440FXState *)d)->host.io_passthrough = mr;
    }
}
