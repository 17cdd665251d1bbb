/*
 * piix3.c: the PIIX3 PCI-to-ISA bridge, after the Intel 82371FB/82371SB
 * (PIIX/PIIX3) datasheet, section 2.2 (function 0 configuration registers,
 * PIRQ route control 0x60-0x63) and 2.4 (reset control register, I/O 0xCF9).
 *
 * The ISA devices themselves (PIC, PIT, DMA, RTC) are separate models the
 * machine creates. Left out: the SMI logic, motherboard IRQ/DMA routing
 * (registers kept as storage), the X-Bus, ISA DMA, and a soft reset distinct
 * from a hard one (both reset the machine). XXX: a PIRQ routed to an ISA IRQ
 * that an ISA device also drives is not OR-ed with it (tern's lines do not
 * combine); firmware never routes PCI onto a used edge IRQ.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "hw/isa.h"
#include "hw/pci/piix.h"
#include "hw/pci/i440fx.h"
#include "trace-events.h"

/* Function 0 registers kept as storage: offset, width, reset value, writable bits. */
static const struct {
    uint8_t offset, size;
    uint32_t defval, wmask;
} piix3_regs[] = {
    {0x4c, 1, 0x4d, 0xff},     /* IORT: ISA I/O recovery timer */
    {0x4e, 2, 0x0003, 0x07ff}, /* XBCS: X-Bus chip select */
    {PIIX_PIRQRC + 0, 1, 0x80, 0x8f},
    {PIIX_PIRQRC + 1, 1, 0x80, 0x8f},
    {PIIX_PIRQRC + 2, 1, 0x80, 0x8f},
    {PIIX_PIRQRC + 3, 1, 0x80, 0x8f},
    {0x69, 1, 0x02, 0xff},             /* TOM: top of memory */
    {0x6a, 2, 0x0000, 0xffff},         /* MSTAT: miscellaneous status */
    {0x70, 1, 0x80, 0xcf},             /* MBIRQ0 */
    {0x71, 1, 0x80, 0xcf},             /* MBIRQ1 */
    {0x76, 1, 0x0c, 0x8f},             /* MBDMA0 */
    {0x77, 1, 0x0c, 0x8f},             /* MBDMA1 */
    {0x78, 2, 0x0002, 0xffff},         /* PCSC */
    {0x80, 1, 0x00, 0x7f},             /* APICBASE */
    {0x82, 1, 0x00, 0x0f},             /* DLC: deterministic latency */
    {0xa0, 1, 0x08, 0xff},             /* SMICNTL */
    {0xa2, 2, 0x0000, 0xffff},         /* SMIEN */
    {0xa4, 4, 0x00000000, 0xffffffff}, /* SEE */
    {0xa8, 1, 0x0f, 0xff},             /* FTMR */
    {0xaa, 2, 0x0000, 0xffff},         /* SMIREQ */
    {0xac, 1, 0x00, 0xff},             /* CTLTMR */
    {0xae, 1, 0x00, 0xff},             /* CTHTMR */
};

/* PIRQRC values 0-2, 8 and 13 are reserved: such a PIRQ goes nowhere. */
static bool piix3_irq_routable(unsigned irq)
{
    return irq >= 3 && irq <= 15 && irq != 8 && irq != 13;
}

static void piix3_update_isa_irqs(PIIX3State *s)
{
    PCIDevice *d = &s->parent_obj;
    uint16_t levels = 0, changed;

    for (int pirq = 0; pirq < PIIX_NUM_PIRQS; pirq++) {
        uint8_t route = d->config[PIIX_PIRQRC + pirq];
        unsigned irq = route & PIIX_PIRQRC_IRQ_MASK;

        if (s->pirq_level[pirq] && !(route & PIIX_PIRQRC_IRQROUTEN_DISABLE) &&
            piix3_irq_routable(irq)) {
            levels |= 1u << irq;
        }
    }
    changed = levels ^ s->isa_levels;
    s->isa_levels = levels;
    for (unsigned irq = 0; irq < 16; irq++) {
        if (changed & (1u << irq)) {
            trace_piix3_isa_irq(irq, (levels >> irq) & 1);
            qemu_set_irq(isa_get_irq(irq), (levels >> irq) & 1);
        }
    }
}

static void piix3_set_pirq(void *opaque, int pirq, int level)
{
    PIIX3State *s = opaque;

    trace_piix3_set_pirq(pirq, level);
    s->pirq_level[pirq] = level;
    piix3_update_isa_irqs(s);
}

/*
 * Board wiring of INTx to PIRQ lines: slot 1 INTA is PIRQA, rotating by slot,
 * the layout the PC's firmware and QEMU-compatible ACPI _PRT tables assume.
 */
static int piix3_map_irq(PCIDevice *d, int pin)
{
    return (PCI_SLOT(d->devfn) + PIIX_NUM_PIRQS - 1 + pin) % PIIX_NUM_PIRQS;
}

static void piix3_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    pci_default_write_config(d, addr, val, len);
    for (unsigned i = 0; i < PIIX_NUM_PIRQS; i++) {
        uint8_t route = d->config[PIIX_PIRQRC + i];
        if (addr <= PIIX_PIRQRC + i && addr + len > PIIX_PIRQRC + i &&
            !(route & PIIX_PIRQRC_IRQROUTEN_DISABLE) &&
            !piix3_irq_routable(route & PIIX_PIRQRC_IRQ_MASK)) {
            qemu_log_mask(LOG_GUEST_ERROR, "PIIX3: PIRQ%c routed to reserved IRQ %u\n", 'A' + i,
                          route & PIIX_PIRQRC_IRQ_MASK);
        }
    }
    if (addr < PIIX_PIRQRC + PIIX_NUM_PIRQS && addr + len > PIIX_PIRQRC) {
        piix3_update_isa_irqs((PIIX3State *)d);
    }
}

/* --- reset control register (0xCF9) ------------------------------------------------ */

/* The host bridge hands over the non-configuration cycles at 0xCF8..0xCFB. */
static uint64_t piix3_rcr_read(void *opaque, hwaddr addr, unsigned size)
{
    PIIX3State *s = opaque;

    if (addr != PIIX_RCR_IOPORT - PCI_HOST_CONFIG_ADDR || size != 1) {
        return size == 4 ? UINT32_MAX : (1u << (8 * size)) - 1;
    }
    return s->rcr;
}

static void piix3_rcr_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PIIX3State *s = opaque;

    if (addr != PIIX_RCR_IOPORT - PCI_HOST_CONFIG_ADDR || size != 1) {
        return; /* nobody decodes these ports (CONFIG_ADDRESS takes only dwords) */
    }
    trace_piix3_rcr_write(val);
    if (val & PIIX_RCR_RCPU) {
        /* RCPU self-clears, so every write with it set is the 0->1 transition. */
        qemu_system_reset_request();
    }
    s->rcr = val & PIIX_RCR_SRST;
}

static const MemoryRegionOps piix3_rcr_ops = {
    .read = piix3_rcr_read,
    .write = piix3_rcr_write,
    .valid = {.min_access_size = 1, .max_access_size = 4, .unaligned = true},
    .impl = {.min_access_size = 1, .max_access_size = 4, .unaligned = true},
};

/* --- device ----------------------------------------------------------------------- */

static void piix3_set_reg(uint8_t *base, unsigned size, uint32_t val)
{
    if (size == 4) {
        pci_set_long(base, val);
    } else if (size == 2) {
        pci_set_word(base, val);
    } else {
        base[0] = val;
    }
}

static bool piix3_realize(DeviceState *dev, GError **errp)
{
    PIIX3State *s = (PIIX3State *)dev;
    PCIDevice *d = &s->parent_obj;

    if (!pci_device_attach(d, errp)) {
        return false;
    }
    pci_config_set_ids(d, PCI_VENDOR_ID_INTEL, PCI_DEVICE_ID_INTEL_82371SB_0, 0x00,
                       PCI_CLASS_BRIDGE_ISA, 0);
    pci_set_word(d->config + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    pci_set_word(d->config + PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM);
    /* Functions 1-3 (IDE, USB, power management) follow. */
    d->config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL | PCI_HEADER_TYPE_MULTI_FUNCTION;
    for (unsigned i = 0; i < ARRAY_SIZE(piix3_regs); i++) {
        piix3_set_reg(d->config + piix3_regs[i].offset, piix3_regs[i].size, piix3_regs[i].defval);
        piix3_set_reg(d->wmask + piix3_regs[i].offset, piix3_regs[i].size, piix3_regs[i].wmask);
    }
    d->config_write = piix3_config_write;
    pci_device_attach_done(d);

    /* Ports 0xCF8..0xCFB as seen past the host bridge; only 0xCF9 is ours. */
    memory_region_init_io(&s->rcr_mem, &piix3_rcr_ops, s, "piix3-reset-control", 4);
    pci_host_set_io_passthrough(d->bus, &s->rcr_mem);
    s->rcr_mapped = true;
    return true;
}

static void piix3_reset(DeviceState *dev)
{
    PIIX3State *s = (PIIX3State *)dev;

    pci_device_reset(&s->parent_obj);
    if (s->fw_routing) {
        for (int pirq = 0; pirq < PIIX_NUM_PIRQS; pirq++) {
            s->parent_obj.config[PIIX_PIRQRC + pirq] = PIIX_FW_PIRQ_IRQ(pirq);
        }
    }
    s->rcr = 0;
    piix3_update_isa_irqs(s); /* routing is back to its reset (or firmware) values */
}

static void piix3_unrealize(DeviceState *dev)
{
    PIIX3State *s = (PIIX3State *)dev;

    if (s->rcr_mapped) {
        pci_host_set_io_passthrough(s->parent_obj.bus, NULL);
        memory_region_destroy(&s->rcr_mem);
        s->rcr_mapped = false;
    }
    memset(s->pirq_level, 0, sizeof(s->pirq_level));
    piix3_update_isa_irqs(s);
    pci_device_detach(&s->parent_obj);
}

static const DeviceInfo piix3_info = {
    .name = TYPE_PIIX3_PCI_DEVICE,
    .desc = "Intel 82371SB PIIX3 PCI-to-ISA bridge",
    .spec = "Intel 82371FB/82371SB datasheet 2.2 (PIRQ routing), 2.4 (reset control)",
    .instance_size = sizeof(PIIX3State),
    .realize = piix3_realize,
    .reset = piix3_reset,
    .unrealize = piix3_unrealize,
    .info = pci_device_info,
};
device_init(piix3_info)

    PIIX3State *piix3_create(PCIBus *bus)
{
    PIIX3State *s = (PIIX3State *)pci_create_simple(bus, PIIX3_DEVFN, TYPE_PIIX3_PCI_DEVICE);

    pci_bus_irqs(bus, piix3_set_pirq, piix3_map_irq, s, PIIX_NUM_PIRQS);
    return s;
}

static uint8_t piix3_fw_irq_line(void *opaque, PCIDevice *d, int pin)
{
    (void)opaque;
    return PIIX_FW_PIRQ_IRQ(piix3_map_irq(d, pin));
}

void piix3_firmware_init(PIIX3State *s)
{
    s->fw_routing = true;
    for (int pirq = 0; pirq < PIIX_NUM_PIRQS; pirq++) {
        s->parent_obj.config[PIIX_PIRQRC + pirq] = PIIX_FW_PIRQ_IRQ(pirq);
    }
    piix3_update_isa_irqs(s);
    pci_bus_set_fw_irq_line(s->parent_obj.bus, piix3_fw_irq_line, s);
}
