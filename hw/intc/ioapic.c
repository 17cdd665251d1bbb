/*
 * ioapic.c: the I/O APIC, and the PC's userspace irqchip wiring.
 *
 * Follows the Intel 82093AA I/O APIC datasheet (order 290566): the indirect
 * register window (IOREGSEL at offset 0x00, IOWIN at 0x10), IOAPICID,
 * IOAPICVER, IOAPICARB and the 24 redirection table entries (vector,
 * delivery mode, destination mode, delivery status, polarity, remote IRR,
 * trigger mode, mask, destination), edge-triggered pins sending one message
 * per rising edge and level-triggered pins sending while asserted, with Remote
 * IRR holding further messages until the local APIC's EOI. The version is
 * 0x20 by default (the ICH I/O APIC, with the EOI register at offset 0x40
 * that version added); property version=0x11 gives the 82093AA itself (no
 * EOI register), which is what KVM's in-kernel IOAPIC reports.
 *
 * Left out: the APIC serial bus (messages go straight to apic_deliver_irq,
 * so delivery status is always idle), the polarity bit as a line inverter
 * (the qemu_irq levels are already "asserted", as the firmware's MADT and
 * _PRT describe active-high ISA and PCI links here; the bit is stored), and
 * level-triggered NMI/SMI/INIT/ExtINT entries (sent once per rising edge,
 * logged). Edges on a masked pin are lost, as the datasheet says.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/memory.h"
#include "hw/intc/ioapic.h"
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/isa.h"
#include "trace-events.h"

/* MMIO offsets. */
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN    0x10
#define IOAPIC_EOI      0x40

/* Indirect registers. */
#define IOAPIC_REG_ID     0x00
#define IOAPIC_REG_VER    0x01
#define IOAPIC_REG_ARB    0x02
#define IOAPIC_REG_REDTBL 0x10

#define IOAPIC_VERSION_82093AA 0x11
#define IOAPIC_VERSION_ICH     0x20
#define IOAPIC_ID_SHIFT        24
#define IOAPIC_ID_MASK         0x0f

/* Redirection entry fields. */
#define RTE_VECTOR       0xffull
#define RTE_DM_SHIFT     8
#define RTE_DM_MASK      7
#define RTE_DEST_LOGICAL (1ull << 11)
#define RTE_DELIV_STATUS (1ull << 12)
#define RTE_POLARITY_LOW (1ull << 13)
#define RTE_REMOTE_IRR   (1ull << 14)
#define RTE_LEVEL        (1ull << 15)
#define RTE_MASKED       (1ull << 16)
#define RTE_DEST_SHIFT   56
#define RTE_WRITABLE                                                                               \
    (0xffull << RTE_DEST_SHIFT | RTE_MASKED | RTE_LEVEL | RTE_POLARITY_LOW | RTE_DEST_LOGICAL |    \
     RTE_VECTOR | (uint64_t)RTE_DM_MASK << RTE_DM_SHIFT)
#define RTE_RESET RTE_MASKED

struct IOAPICState {
    DeviceState parent;
    uint32_t base;
    uint8_t version;
    uint8_t id;
    MemoryRegion io;
    uint32_t ioregsel;
    uint32_t levels; /* pins asserted now */
    uint64_t rte[IOAPIC_NUM_PINS];
    qemu_irq *inputs;
};

static GList *ioapics;

/* --- message delivery ---------------------------------------------------------------- */

static int rte_dm(uint64_t rte)
{
    return (rte >> RTE_DM_SHIFT) & RTE_DM_MASK;
}

/* Level semantics (Remote IRR) only for fixed and lowest-priority entries. */
static bool rte_is_level(uint64_t rte)
{
    return (rte & RTE_LEVEL) && rte_dm(rte) <= APIC_DM_LOWEST;
}

static void ioapic_send(IOAPICState *s, int pin)
{
    uint64_t rte = s->rte[pin];
    bool level = rte_is_level(rte);

    trace_ioapic_send(pin, rte);
    if (level) {
        s->rte[pin] |= RTE_REMOTE_IRR; /* before sending: the EOI may come back at once */
    }
    apic_deliver_irq(rte >> RTE_DEST_SHIFT,
                     (rte & RTE_DEST_LOGICAL) ? APIC_DEST_LOGICAL : APIC_DEST_PHYSICAL, rte_dm(rte),
                     rte & RTE_VECTOR, level ? APIC_TRIGGER_LEVEL : APIC_TRIGGER_EDGE);
}

/* A level-triggered pin sends while asserted, unmasked and not waiting for an EOI. */
static void ioapic_service_level(IOAPICState *s, int pin)
{
    uint64_t rte = s->rte[pin];

    if (rte_is_level(rte) && (s->levels & (1u << pin)) && !(rte & RTE_MASKED) &&
        !(rte & RTE_REMOTE_IRR)) {
        ioapic_send(s, pin);
    }
}

static void ioapic_set_irq(void *opaque, int pin, int level)
{
    IOAPICState *s = opaque;
    uint32_t mask = 1u << pin;
    bool rising = level && !(s->levels & mask);

    trace_ioapic_set_irq(pin, level);
    s->levels = level ? s->levels | mask : s->levels & ~mask;
    if (rte_is_level(s->rte[pin])) {
        ioapic_service_level(s, pin);
    } else if (rising && !(s->rte[pin] & RTE_MASKED)) {
        ioapic_send(s, pin);
    }
}

static void ioapic_eoi(IOAPICState *s, uint8_t vector)
{
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t rte = s->rte[pin];
        if ((rte & RTE_REMOTE_IRR) && (rte & RTE_VECTOR) == vector) {
            s->rte[pin] &= ~RTE_REMOTE_IRR;
            ioapic_service_level(s, pin);
        }
    }
}

void ioapic_eoi_broadcast(uint8_t vector)
{
    trace_ioapic_eoi(vector);
    for (GList *l = ioapics; l; l = l->next) {
        ioapic_eoi(l->data, vector);
    }
}

/* --- registers ----------------------------------------------------------------------- */

static uint32_t ioapic_read_reg(IOAPICState *s, uint32_t index)
{
    int pin = (index - IOAPIC_REG_REDTBL) >> 1;

    switch (index) {
    case IOAPIC_REG_ID:
    case IOAPIC_REG_ARB:
        return (uint32_t)s->id << IOAPIC_ID_SHIFT;
    case IOAPIC_REG_VER:
        return (IOAPIC_NUM_PINS - 1) << 16 | s->version;
    }
    if (index >= IOAPIC_REG_REDTBL && pin < IOAPIC_NUM_PINS) {
        return (index & 1) ? s->rte[pin] >> 32 : (uint32_t)s->rte[pin];
    }
    qemu_log_mask(LOG_GUEST_ERROR, "ioapic: read of register 0x%02x\n", index);
    return 0;
}

static void ioapic_write_rte(IOAPICState *s, int pin, bool high, uint32_t val)
{
    uint64_t old = s->rte[pin], rte;

    if (high) {
        rte = (old & 0xffffffffull) | (uint64_t)val << 32;
    } else {
        rte = (old & ~0xffffffffull) | val;
    }
    rte = (rte & RTE_WRITABLE) | (old & RTE_REMOTE_IRR);
    if (!(rte & RTE_LEVEL)) {
        rte &= ~RTE_REMOTE_IRR;
    }
    if ((rte & RTE_LEVEL) && rte_dm(rte) > APIC_DM_LOWEST && !(rte & RTE_MASKED)) {
        qemu_log_mask(LOG_GUEST_ERROR, "ioapic: pin %d: level trigger with delivery mode %d\n", pin,
                      rte_dm(rte));
    }
    s->rte[pin] = rte;
    ioapic_service_level(s, pin); /* unmasking an asserted level pin sends at once */
}

static void ioapic_write_reg(IOAPICState *s, uint32_t index, uint32_t val)
{
    int pin = (index - IOAPIC_REG_REDTBL) >> 1;

    if (index == IOAPIC_REG_ID) {
        s->id = (val >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
    } else if (index >= IOAPIC_REG_REDTBL && pin < IOAPIC_NUM_PINS) {
        ioapic_write_rte(s, pin, index & 1, val);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR, "ioapic: write of read-only/reserved register 0x%02x\n",
                      index);
    }
}

static uint64_t ioapic_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    IOAPICState *s = opaque;

    if (addr == IOAPIC_IOREGSEL) {
        return s->ioregsel;
    }
    if (addr == IOAPIC_IOWIN && size == 4) {
        uint32_t val = ioapic_read_reg(s, s->ioregsel);
        trace_ioapic_reg_read(s->ioregsel, val);
        return val;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "ioapic: %u-byte read at offset 0x%02x\n", size, (unsigned)addr);
    return 0;
}

static void ioapic_mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    IOAPICState *s = opaque;

    if (addr == IOAPIC_IOREGSEL) {
        s->ioregsel = val & 0xff;
    } else if (addr == IOAPIC_IOWIN && size == 4) {
        trace_ioapic_reg_write(s->ioregsel, val);
        ioapic_write_reg(s, s->ioregsel, val);
    } else if (addr == IOAPIC_EOI && size == 4 && s->version >= IOAPIC_VERSION_ICH) {
        trace_ioapic_eoi(val & RTE_VECTOR);
        ioapic_eoi(s, val & RTE_VECTOR);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR, "ioapic: %u-byte write at offset 0x%02x\n", size,
                      (unsigned)addr);
    }
}

static const MemoryRegionOps ioapic_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

/* --- the device ---------------------------------------------------------------------- */

qemu_irq *ioapic_get_irqs(IOAPICState *s)
{
    return s->inputs;
}

uint64_t ioapic_get_redirection(IOAPICState *s, int pin)
{
    return s->rte[pin % IOAPIC_NUM_PINS];
}

static void ioapic_reset(DeviceState *dev)
{
    IOAPICState *s = (IOAPICState *)dev;

    s->ioregsel = 0;
    s->id = 0;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        s->rte[i] = RTE_RESET;
    }
}

static bool ioapic_realize(DeviceState *dev, GError **errp)
{
    IOAPICState *s = (IOAPICState *)dev;

    if (s->version != IOAPIC_VERSION_82093AA && s->version != IOAPIC_VERSION_ICH) {
        g_set_error(errp, TERN_ERROR, 0, "ioapic: version must be 0x11 or 0x20, not 0x%x",
                    s->version);
        return false;
    }
    memory_region_init_io(&s->io, &ioapic_ops, s, "ioapic", IOAPIC_MMIO_SIZE);
    memory_region_add_subregion_overlap(get_system_memory(), s->base, &s->io, 1);
    s->inputs = qemu_allocate_irqs(ioapic_set_irq, s, IOAPIC_NUM_PINS);
    ioapics = g_list_append(ioapics, s);
    return true;
}

static void ioapic_unrealize(DeviceState *dev)
{
    IOAPICState *s = (IOAPICState *)dev;

    if (!g_list_find(ioapics, s)) {
        return;
    }
    ioapics = g_list_remove(ioapics, s);
    memory_region_del_subregion(get_system_memory(), &s->io);
    memory_region_destroy(&s->io);
    qemu_free_irqs(s->inputs, IOAPIC_NUM_PINS);
}

static void ioapic_info(DeviceState *dev, GString *out)
{
    IOAPICState *s = (IOAPICState *)dev;

    g_string_append_printf(out, "ioapic: id=%u levels=0x%06x\n", s->id, s->levels);
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        if (!(s->rte[i] & RTE_MASKED)) {
            g_string_append_printf(out, "  pin %2d: 0x%016" PRIx64 "\n", i, s->rte[i]);
        }
    }
}

static const Property ioapic_props[] = {
    DEFINE_PROP_UINT32("base", IOAPICState, base, IOAPIC_DEFAULT_BASE),
    DEFINE_PROP_UINT8("version", IOAPICState, version, IOAPIC_VERSION_ICH),
    DEFINE_PROP_END,
};

static const DeviceInfo ioapic_info_dev = {
    .name = TYPE_IOAPIC,
    .desc = "I/O APIC, 24 pins (MMIO 0xFEC00000)",
    .spec = "Intel 82093AA I/O APIC datasheet",
    .instance_size = sizeof(IOAPICState),
    .props = ioapic_props,
    .realize = ioapic_realize,
    .reset = ioapic_reset,
    .unrealize = ioapic_unrealize,
    .info = ioapic_info,
};
device_init(ioapic_info_dev)

    /* --- the PC's userspace irqchip ------------------------------------------------------ */

    static struct {
    qemu_irq *pic_in;
    qemu_irq *ioapic_in;
} pc_irqchip;

static void pc_irqchip_gsi(void *opaque, int n, int level)
{
    if (n < ISA_NUM_IRQS && n != PIC_CASCADE_IRQ) {
        qemu_set_irq(pc_irqchip.pic_in[n], level);
    }
    if (n == 0) {
        qemu_set_irq(pc_irqchip.ioapic_in[2], level); /* the MADT's IRQ0 -> pin 2 override */
    } else if (n != 2) {
        qemu_set_irq(pc_irqchip.ioapic_in[n], level);
    }
}

static int pc_irqchip_extint_ack(void *opaque)
{
    return pic_read_irq(opaque);
}

qemu_irq *pc_irqchip_create(uint8_t ioapic_version, I8259State **ppic, IOAPICState **pioapic)
{
    DeviceState *pic = qdev_new(TYPE_I8259);
    DeviceState *ioapic = qdev_new(TYPE_IOAPIC);
    GError *err = NULL;

    if (ioapic_version) {
        qdev_prop_set_uint(ioapic, "version", ioapic_version);
    }
    if (!qdev_realize(pic, &err) || !qdev_realize(ioapic, &err)) {
        g_error("pc irqchip: %s", err->message);
    }
    i8259_set_intr_out((I8259State *)pic, apic_get_pic_intr_line());
    apic_set_extint_ack(pc_irqchip_extint_ack, pic);
    pc_irqchip.pic_in = i8259_get_irqs((I8259State *)pic);
    pc_irqchip.ioapic_in = ioapic_get_irqs((IOAPICState *)ioapic);
    if (ppic) {
        *ppic = (I8259State *)pic;
    }
    if (pioapic) {
        *pioapic = (IOAPICState *)ioapic;
    }
    return qemu_allocate_irqs(pc_irqchip_gsi, NULL, IOAPIC_NUM_PINS);
}
