/*
 * pci.c: the PCI bus and device core, after the PCI Local Bus Specification
 * 3.0: configuration header (6.2), base address registers (6.2.5.1) and
 * INTx interrupt pins (2.2.6).
 *
 * One bus (bus 0) with 256 device/functions. Left out: PCI-to-PCI bridges and
 * other bus numbers, expansion ROM BARs, capabilities, MSI, PCI Express
 * extended config space, bus mastering restrictions on DMA.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/pci/pci.h"
#include "trace-events.h"

struct PCIBus {
    PCIDevice *devices[PCI_DEVFN_MAX];
    MemoryRegion *address_space_mem;
    MemoryRegion *address_space_io;
    pci_set_irq_fn set_irq;
    pci_map_irq_fn map_irq;
    void *irq_opaque;
    int nirq;
    int *irq_count;                 /* devices asserting each bus IRQ */
    pci_fw_irq_line_fn fw_irq_line; /* what firmware writes to PCI_INTERRUPT_LINE */
    void *fw_irq_line_opaque;
};

static PCIBus *default_bus;

/* --- bus ------------------------------------------------------------------------- */

PCIBus *pci_bus_new(MemoryRegion *address_space_mem, MemoryRegion *address_space_io)
{
    PCIBus *bus = g_new0(PCIBus, 1);

    g_assert(address_space_mem && address_space_io);
    bus->address_space_mem = address_space_mem;
    bus->address_space_io = address_space_io;
    if (!default_bus) {
        default_bus = bus;
    }
    return bus;
}

void pci_bus_free(PCIBus *bus)
{
    if (!bus) {
        return;
    }
    for (unsigned i = 0; i < PCI_DEVFN_MAX; i++) {
        if (bus->devices[i]) {
            g_error("pci_bus_free: device %02x.%x still on the bus", PCI_SLOT(i), PCI_FUNC(i));
        }
    }
    if (default_bus == bus) {
        default_bus = NULL;
    }
    g_free(bus->irq_count);
    g_free(bus);
}

PCIBus *pci_get_default_bus(void)
{
    return default_bus;
}

void pci_bus_irqs(PCIBus *bus, pci_set_irq_fn set_irq, pci_map_irq_fn map_irq, void *opaque,
                  int nirq)
{
    g_assert(nirq > 0 && map_irq && set_irq);
    bus->set_irq = set_irq;
    bus->map_irq = map_irq;
    bus->irq_opaque = opaque;
    bus->nirq = nirq;
    g_free(bus->irq_count);
    bus->irq_count = g_new0(int, nirq);
}

MemoryRegion *pci_address_space(PCIBus *bus)
{
    return bus->address_space_mem;
}

MemoryRegion *pci_address_space_io(PCIBus *bus)
{
    return bus->address_space_io;
}

PCIDevice *pci_find_devfn(PCIBus *bus, unsigned devfn)
{
    return bus && devfn < PCI_DEVFN_MAX ? bus->devices[devfn] : NULL;
}

PCIDevice *pci_find_device(PCIBus *bus, uint16_t vendor_id, uint16_t device_id)
{
    for (unsigned i = 0; bus && i < PCI_DEVFN_MAX; i++) {
        PCIDevice *d = bus->devices[i];
        if (d && pci_get_word(d->config + PCI_VENDOR_ID) == vendor_id &&
            pci_get_word(d->config + PCI_DEVICE_ID) == device_id) {
            return d;
        }
    }
    return NULL;
}

void pci_for_each_device(PCIBus *bus, void (*fn)(PCIBus *bus, PCIDevice *d, void *opaque),
                         void *opaque)
{
    for (unsigned i = 0; bus && i < PCI_DEVFN_MAX; i++) {
        if (bus->devices[i]) {
            fn(bus, bus->devices[i], opaque);
        }
    }
}

/* --- configuration cycles ------------------------------------------------------------ */

static PCIDevice *pci_dev_by_config_addr(PCIBus *bus, uint32_t addr)
{
    unsigned bus_num = (addr >> 16) & 0xff;

    /* XXX: only bus 0 exists; type 1 cycles to other buses end in master abort. */
    return bus_num == 0 ? bus->devices[(addr >> 8) & 0xff] : NULL;
}

static bool pci_config_len_ok(uint32_t reg, unsigned len)
{
    return (len == 1 || len == 2 || len == 4) && (reg & 3) + len <= 4;
}

uint32_t pci_data_read(PCIBus *bus, uint32_t addr, unsigned len)
{
    PCIDevice *d = pci_dev_by_config_addr(bus, addr);
    uint32_t reg = addr & 0xff;
    uint32_t all_ones = len >= 4 ? UINT32_MAX : (1u << (8 * len)) - 1;
    uint32_t val;

    if (!pci_config_len_ok(reg, len)) {
        qemu_log_mask(LOG_GUEST_ERROR, "pci: config read of %u bytes at 0x%02x crosses a dword\n",
                      len, reg);
        return all_ones;
    }
    if (!d) {
        trace_pci_cfg_no_device(addr, false);
        return all_ones; /* master abort: no device answers */
    }
    val = d->config_read ? d->config_read(d, reg, len) : pci_default_read_config(d, reg, len);
    trace_pci_cfg_read(d->qdev.info->name, PCI_SLOT(d->devfn), PCI_FUNC(d->devfn), reg, len, val);
    return val;
}

void pci_data_write(PCIBus *bus, uint32_t addr, uint32_t val, unsigned len)
{
    PCIDevice *d = pci_dev_by_config_addr(bus, addr);
    uint32_t reg = addr & 0xff;

    if (!pci_config_len_ok(reg, len)) {
        qemu_log_mask(LOG_GUEST_ERROR, "pci: config write of %u bytes at 0x%02x crosses a dword\n",
                      len, reg);
        return;
    }
    if (!d) {
        trace_pci_cfg_no_device(addr, true);
        return;
    }
    trace_pci_cfg_write(d->qdev.info->name, PCI_SLOT(d->devfn), PCI_FUNC(d->devfn), reg, len, val);
    if (d->config_write) {
        d->config_write(d, reg, val, len);
    } else {
        pci_default_write_config(d, reg, val, len);
    }
}

/* --- BARs ----------------------------------------------------------------------------- */

static bool pci_bar_is_64bit(const PCIIORegion *r)
{
    return !(r->type & PCI_BASE_ADDRESS_SPACE_IO) &&
           (r->type & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
}

void pci_register_bar(PCIDevice *d, int n, uint8_t type, MemoryRegion *mr)
{
    PCIIORegion *r = &d->io_regions[n];
    bool io = type & PCI_BASE_ADDRESS_SPACE_IO;
    uint64_t size = memory_region_size(mr);
    int off = PCI_BASE_ADDRESS_0 + 4 * n;
    uint64_t wmask;

    g_assert(d->attached && n >= 0 && n < PCI_NUM_BARS && !r->size);
    g_assert(size && !(size & (size - 1)) && size >= (io ? 4 : 16));
    r->size = size;
    r->type = type;
    r->memory = mr;
    r->addr = PCI_BAR_UNMAPPED;
    r->address_space = io ? d->bus->address_space_io : d->bus->address_space_mem;

    /* The low bits below the size read as zero, which is how sizing works. */
    wmask = ~(size - 1) & (io ? PCI_BASE_ADDRESS_IO_MASK : PCI_BASE_ADDRESS_MEM_MASK);
    if (pci_bar_is_64bit(r)) {
        g_assert(n + 1 < PCI_NUM_BARS && !d->io_regions[n + 1].size);
        pci_set_quad(d->wmask + off, wmask);
        pci_set_quad(d->config + off, type);
    } else {
        pci_set_long(d->wmask + off, (uint32_t)wmask);
        pci_set_long(d->config + off, type);
    }
}

/* Where BAR n decodes now, PCI_BAR_UNMAPPED if decoding is off or the address unusable. */
static pcibus_t pci_bar_address(PCIDevice *d, int n)
{
    PCIIORegion *r = &d->io_regions[n];
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    const uint8_t *bar = d->config + PCI_BASE_ADDRESS_0 + 4 * n;
    uint64_t limit = memory_region_size(r->address_space);
    bool is64 = pci_bar_is_64bit(r);
    pcibus_t addr, last;

    if (!(cmd & ((r->type & PCI_BASE_ADDRESS_SPACE_IO) ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY))) {
        return PCI_BAR_UNMAPPED;
    }
    addr = (is64 ? pci_get_quad(bar) : pci_get_long(bar)) & ~(r->size - 1);
    last = addr + r->size - 1;
    /*
     * Address 0 means unassigned (firmware and Linux treat it so); a BAR
     * reaching the top of its width still holds the all-ones sizing pattern;
     * and a BAR must fit in its container (64 KiB of I/O ports).
     */
    if (addr == 0 || last < addr || last == (is64 ? UINT64_MAX : UINT32_MAX)) {
        return PCI_BAR_UNMAPPED;
    }
    if (limit != UINT64_MAX && last >= limit) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

static void pci_update_mappings(PCIDevice *d)
{
    bool begun = false;

    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIIORegion *r = &d->io_regions[n];
        pcibus_t addr;

        if (!r->size) {
            continue;
        }
        addr = pci_bar_address(d, n);
        if (addr == r->addr) {
            continue;
        }
        if (!begun) {
            memory_region_transaction_begin();
            begun = true;
        }
        if (r->addr != PCI_BAR_UNMAPPED) {
            trace_pci_bar_unmap(d->qdev.info->name, PCI_SLOT(d->devfn), PCI_FUNC(d->devfn), n,
                                r->addr);
            memory_region_del_subregion(r->address_space, r->memory);
        }
        r->addr = addr;
        if (addr != PCI_BAR_UNMAPPED) {
            trace_pci_bar_map(d->qdev.info->name, PCI_SLOT(d->devfn), PCI_FUNC(d->devfn), n, addr,
                              r->size);
            /* Above the bus's own regions (e.g. PCI holes), as on real decoders. */
            memory_region_add_subregion_overlap(r->address_space, addr, r->memory, 1);
        }
    }
    if (begun) {
        memory_region_transaction_commit();
    }
}

static void pci_unmap_all(PCIDevice *d)
{
    bool begun = false;

    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIIORegion *r = &d->io_regions[n];
        if (r->size && r->addr != PCI_BAR_UNMAPPED) {
            if (!begun) {
                memory_region_transaction_begin();
                begun = true;
            }
            trace_pci_bar_unmap(d->qdev.info->name, PCI_SLOT(d->devfn), PCI_FUNC(d->devfn), n,
                                r->addr);
            memory_region_del_subregion(r->address_space, r->memory);
            r->addr = PCI_BAR_UNMAPPED;
        }
    }
    if (begun) {
        memory_region_transaction_commit();
    }
}

pcibus_t pci_get_bar_addr(PCIDevice *d, int n)
{
    return n >= 0 && n < PCI_NUM_BARS && d->io_regions[n].size ? d->io_regions[n].addr
                                                               : PCI_BAR_UNMAPPED;
}

/* --- INTx ----------------------------------------------------------------------------- */

static void pci_change_irq_level(PCIDevice *d, int change)
{
    PCIBus *bus = d->bus;
    int pin = d->config[PCI_INTERRUPT_PIN];
    int irq;

    if (pin < 1 || pin > PCI_NUM_PINS || !bus->set_irq) {
        return;
    }
    irq = bus->map_irq(d, pin - 1);
    g_assert(irq >= 0 && irq < bus->nirq);
    bus->irq_count[irq] += change;
    g_assert(bus->irq_count[irq] >= 0);
    bus->set_irq(bus->irq_opaque, irq, bus->irq_count[irq] != 0);
}

static bool pci_intx_disabled(PCIDevice *d)
{
    return pci_get_word(d->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE;
}

void pci_set_irq(PCIDevice *d, int level)
{
    level = !!level;
    if (level == d->irq_state) {
        return;
    }
    d->irq_state = level;
    trace_pci_set_irq(d->qdev.info->name, PCI_SLOT(d->devfn), PCI_FUNC(d->devfn), level);
    if (level) {
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    } else {
        d->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    }
    if (!pci_intx_disabled(d)) {
        pci_change_irq_level(d, level ? 1 : -1);
    }
}

int pci_swizzle_map_irq(PCIDevice *d, int pin)
{
    return (PCI_SLOT(d->devfn) + pin) % PCI_NUM_PINS;
}

/* --- config space access --------------------------------------------------------------- */

uint32_t pci_default_read_config(PCIDevice *d, uint32_t addr, unsigned len)
{
    uint32_t val = 0;

    g_assert(addr + len <= PCI_CONFIG_SPACE_SIZE);
    for (unsigned i = 0; i < len; i++) {
        val |= (uint32_t)d->config[addr + i] << (8 * i);
    }
    return val;
}

static bool ranges_overlap(uint32_t a, unsigned alen, uint32_t b, unsigned blen)
{
    return a < b + blen && b < a + alen;
}

void pci_default_write_config(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    bool intx_was_disabled = pci_intx_disabled(d);

    g_assert(addr + len <= PCI_CONFIG_SPACE_SIZE);
    for (unsigned i = 0; i < len; i++, val >>= 8) {
        uint8_t b = val, wm = d->wmask[addr + i];

        d->config[addr + i] = (d->config[addr + i] & ~wm) | (b & wm);
        d->config[addr + i] &= ~(b & d->w1cmask[addr + i]);
    }
    if (ranges_overlap(addr, len, PCI_COMMAND, 2) ||
        ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 4 * PCI_NUM_BARS)) {
        pci_update_mappings(d);
    }
    if (d->irq_state && intx_was_disabled != pci_intx_disabled(d)) {
        pci_change_irq_level(d, intx_was_disabled ? 1 : -1);
    }
}

void pci_config_set_ids(PCIDevice *d, uint16_t vendor_id, uint16_t device_id, uint8_t revision,
                        uint16_t class_id, uint8_t prog_if)
{
    pci_set_word(d->config + PCI_VENDOR_ID, vendor_id);
    pci_set_word(d->config + PCI_DEVICE_ID, device_id);
    d->config[PCI_REVISION_ID] = revision;
    d->config[PCI_CLASS_PROG] = prog_if;
    pci_set_word(d->config + PCI_CLASS_DEVICE, class_id);
}

/* --- device life cycle ----------------------------------------------------------------- */

PCIDevice *pci_new(PCIBus *bus, uint32_t devfn, const char *name)
{
    PCIDevice *d = (PCIDevice *)qdev_new(name);

    if (d) {
        d->bus = bus;
        d->devfn = devfn;
    }
    return d;
}

PCIDevice *pci_create_simple(PCIBus *bus, uint32_t devfn, const char *name)
{
    PCIDevice *d = pci_new(bus, devfn, name);
    GError *err = NULL;

    if (!d) {
        g_error("pci_create_simple: no device named '%s'", name);
    }
    if (!qdev_realize(&d->qdev, &err)) {
        g_error("pci_create_simple: %s", err->message);
    }
    return d;
}

static int pci_find_free_slot(PCIBus *bus)
{
    for (unsigned devfn = 0; devfn < PCI_DEVFN_MAX; devfn += 8) {
        bool empty = true;
        for (unsigned fn = 0; fn < 8; fn++) {
            empty &= bus->devices[devfn + fn] == NULL;
        }
        if (empty) {
            return devfn;
        }
    }
    return -1;
}

/* QEMU's -device addr syntax: SLOT[.FN] in hex. */
static bool pci_parse_addr(const char *s, uint32_t *devfn)
{
    unsigned long slot, fn = 0;
    char *end;

    slot = strtoul(s, &end, 16);
    if (end == s || !g_ascii_isxdigit(*s)) {
        return false;
    }
    if (*end == '.') {
        const char *f = end + 1;
        fn = strtoul(f, &end, 16);
        if (end == f || !g_ascii_isxdigit(*f)) {
            return false;
        }
    }
    if (*end || slot > 31 || fn > 7) {
        return false;
    }
    *devfn = PCI_DEVFN(slot, fn);
    return true;
}

/* Writable bits every type 0 header has; the rest is read-only unless a device says so. */
static void pci_init_masks(PCIDevice *d)
{
    pci_set_word(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                                             PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
                                             PCI_COMMAND_INTX_DISABLE);
    pci_set_word(d->w1cmask + PCI_STATUS, PCI_STATUS_RW1C_MASK);
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_LATENCY_TIMER] = 0xff;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

bool pci_device_attach(PCIDevice *d, GError **errp)
{
    const char *name = d->qdev.info->name;
    PCIBus *bus = d->bus ? d->bus : default_bus;
    int devfn;

    if (!bus) {
        g_set_error(errp, TERN_ERROR, 0, "%s: no PCI bus to put it on", name);
        return false;
    }
    if (!d->bus) {
        /* -device: addr= or the first free slot. */
        d->devfn = PCI_DEVFN_AUTO;
        if (d->addr && !pci_parse_addr(d->addr, &d->devfn)) {
            g_set_error(errp, TERN_ERROR, 0,
                        "%s: bad PCI address '%s' (SLOT[.FN] in hex, slot 0-1f, function 0-7)",
                        name, d->addr);
            return false;
        }
    }
    devfn = d->devfn;
    if (d->devfn == PCI_DEVFN_AUTO) {
        devfn = pci_find_free_slot(bus);
        if (devfn < 0) {
            g_set_error(errp, TERN_ERROR, 0, "%s: no free PCI slot", name);
            return false;
        }
    } else if (d->devfn >= PCI_DEVFN_MAX) {
        g_set_error(errp, TERN_ERROR, 0, "%s: PCI devfn 0x%x out of range (0..0xff)", name,
                    d->devfn);
        return false;
    } else if (bus->devices[devfn]) {
        g_set_error(errp, TERN_ERROR, 0, "%s: PCI address %02x.%x is taken by %s", name,
                    PCI_SLOT(devfn), PCI_FUNC(devfn), bus->devices[devfn]->qdev.info->name);
        return false;
    }
    d->bus = bus;
    d->devfn = devfn;
    memset(d->config, 0, sizeof(d->config));
    memset(d->wmask, 0, sizeof(d->wmask));
    memset(d->w1cmask, 0, sizeof(d->w1cmask));
    memset(d->io_regions, 0, sizeof(d->io_regions));
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        d->io_regions[n].addr = PCI_BAR_UNMAPPED;
    }
    pci_init_masks(d);
    bus->devices[devfn] = d;
    d->attached = true;
    return true;
}

void pci_device_attach_done(PCIDevice *d)
{
    memcpy(d->defaults, d->config, sizeof(d->defaults));
}

void pci_device_detach(PCIDevice *d)
{
    if (!d->attached) {
        return;
    }
    pci_set_irq(d, 0);
    pci_unmap_all(d);
    d->bus->devices[d->devfn] = NULL;
    d->attached = false;
}

/* The interrupt line register as firmware leaves it: informational, read by OSes without ACPI. */
static void pci_apply_fw_irq_line(PCIDevice *d)
{
    int pin = d->config[PCI_INTERRUPT_PIN];

    if (d->bus->fw_irq_line && pin >= 1 && pin <= PCI_NUM_PINS) {
        d->config[PCI_INTERRUPT_LINE] = d->bus->fw_irq_line(d->bus->fw_irq_line_opaque, d, pin - 1);
    }
}

static void pci_apply_fw_irq_line_cb(PCIBus *bus, PCIDevice *d, void *opaque)
{
    (void)bus;
    (void)opaque;
    pci_apply_fw_irq_line(d);
}

void pci_bus_set_fw_irq_line(PCIBus *bus, pci_fw_irq_line_fn fn, void *opaque)
{
    bus->fw_irq_line = fn;
    bus->fw_irq_line_opaque = opaque;
    pci_for_each_device(bus, pci_apply_fw_irq_line_cb, NULL);
}

void pci_device_reset(PCIDevice *d)
{
    pci_set_irq(d, 0);
    memcpy(d->config, d->defaults, sizeof(d->config));
    pci_apply_fw_irq_line(d);
    pci_update_mappings(d);
}

/* --- text --------------------------------------------------------------------------- */

static const char *pci_class_name(uint16_t class_id)
{
    static const struct {
        uint16_t class_id;
        const char *name;
    } names[] = {
        {0x0100, "SCSI controller"},
        {0x0101, "IDE controller"},
        {0x0200, "Ethernet controller"},
        {0x0300, "VGA controller"},
        {PCI_CLASS_BRIDGE_HOST, "Host bridge"},
        {PCI_CLASS_BRIDGE_ISA, "ISA bridge"},
        {PCI_CLASS_BRIDGE_OTHER, "Bridge"},
        {0x0c03, "USB controller"},
    };

    for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
        if (names[i].class_id == class_id) {
            return names[i].name;
        }
    }
    return NULL;
}

static void pci_bar_info(PCIDevice *d, GString *out, const char *indent)
{
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIIORegion *r = &d->io_regions[n];
        const char *kind;

        if (!r->size) {
            continue;
        }
        if (r->type & PCI_BASE_ADDRESS_SPACE_IO) {
            kind = "I/O";
        } else {
            kind = pci_bar_is_64bit(r) ? "64 bit memory" : "32 bit memory";
        }
        if (r->addr == PCI_BAR_UNMAPPED) {
            g_string_append_printf(
                out, "%sBAR%d: %s%s, size 0x%" PRIx64 ", not mapped\n", indent, n,
                (r->type & PCI_BASE_ADDRESS_MEM_PREFETCH) ? "prefetchable " : "", kind, r->size);
        } else {
            g_string_append_printf(out, "%sBAR%d: %s%s at 0x%" PRIx64 " [0x%" PRIx64 "]\n", indent,
                                   n,
                                   (r->type & PCI_BASE_ADDRESS_MEM_PREFETCH) ? "prefetchable " : "",
                                   kind, r->addr, r->addr + r->size - 1);
        }
    }
}

static void pci_dev_info(PCIBus *bus, PCIDevice *d, void *opaque)
{
    GString *out = opaque;
    uint16_t class_id = pci_get_word(d->config + PCI_CLASS_DEVICE);
    const char *class_name = pci_class_name(class_id);
    uint8_t pin = d->config[PCI_INTERRUPT_PIN];

    (void)bus;
    g_string_append_printf(out, "  Bus  0, device %3d, function %d:\n", PCI_SLOT(d->devfn),
                           PCI_FUNC(d->devfn));
    if (class_name) {
        g_string_append_printf(out, "    %s:", class_name);
    } else {
        g_string_append_printf(out, "    Class %04x:", class_id);
    }
    g_string_append_printf(out, " PCI device %04x:%04x\n", pci_get_word(d->config + PCI_VENDOR_ID),
                           pci_get_word(d->config + PCI_DEVICE_ID));
    if (pin) {
        g_string_append_printf(out, "      IRQ %d, pin %c.\n", d->config[PCI_INTERRUPT_LINE],
                               'A' + pin - 1);
    }
    pci_bar_info(d, out, "      ");
    g_string_append_printf(out, "      id \"%s\"\n", d->qdev.id ? d->qdev.id : "");
}

void pci_bus_info(PCIBus *bus, GString *out)
{
    pci_for_each_device(bus, pci_dev_info, out);
}

void info_pci(GString *out)
{
    pci_bus_info(default_bus, out);
}

void pci_device_info(DeviceState *dev, GString *out)
{
    PCIDevice *d = (PCIDevice *)dev;

    g_string_append_printf(
        out, "addr = %02x.%x, pci id = %04x:%04x, class %04x\n", PCI_SLOT(d->devfn),
        PCI_FUNC(d->devfn), pci_get_word(d->config + PCI_VENDOR_ID),
        pci_get_word(d->config + PCI_DEVICE_ID), pci_get_word(d->config + PCI_CLASS_DEVICE));
    pci_bar_info(d, out, "");
}
