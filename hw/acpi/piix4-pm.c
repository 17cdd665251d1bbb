/*
 * piix4-pm.c: PIIX4 power management, after the Intel 82371AB (PIIX4)
 * datasheet, section 3.4 (function 3 configuration: PMBA, PMREGMISC) and
 * 7.x (power management I/O registers), which are the ACPI 1.0 fixed
 * hardware registers (ACPI spec 4.7/4.8: PM1 event and control blocks, PM
 * timer), with the SCI on ISA IRQ 9.
 *
 * Left out: SMBus (registers kept as storage, no controller), APM/SMI (no
 * SMM: the FADT has no SMI_CMD and firmware init turns ACPI mode on),
 * sleep states other than S5 (logged as unimplemented), the global lock
 * handshake (GBL_RLS/BIOS_STS), device monitors and GPIOs, GPE sources (the
 * GPE0 block is storage that never fires), bus-master status.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "hw/acpi/piix4.h"
#include "trace-events.h"

#define PIIX4_PM_REVISION 0x03

#define PM1_STS_RW1C                                                                               \
    (ACPI_PM1_TMR_STS | ACPI_PM1_BM_STS | ACPI_PM1_GBL_STS | ACPI_PM1_PWRBTN_STS |                 \
     ACPI_PM1_RTC_STS | ACPI_PM1_WAK_STS)
#define PM1_EN_WMASK  (ACPI_PM1_TMR_EN | ACPI_PM1_GBL_EN | ACPI_PM1_PWRBTN_EN | ACPI_PM1_RTC_EN)
#define PM1_CNT_WMASK (ACPI_PM1_CNT_SCI_EN | ACPI_PM1_CNT_BM_RLD | ACPI_PM1_CNT_SLP_TYP)

/* --- PM timer (ACPI 4.7.2.1 / 4.8.3.3) ------------------------------------------------ */

static uint64_t pm_tmr_ticks(int64_t ns)
{
    return (uint64_t)(((unsigned __int128)ns * PM_TIMER_FREQUENCY) / NANOSECONDS_PER_SECOND);
}

/* The first virtual time at which the tick count reaches ticks. */
static int64_t pm_tmr_ticks_to_ns(uint64_t ticks)
{
    unsigned __int128 n = (unsigned __int128)ticks * NANOSECONDS_PER_SECOND;

    return (int64_t)((n + PM_TIMER_FREQUENCY - 1) / PM_TIMER_FREQUENCY);
}

uint32_t piix4_pm_timer_get(PIIX4PMState *s)
{
    (void)s;
    return pm_tmr_ticks(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL)) & PM_TIMER_MASK;
}

/* When bit 23 next changes after now (every 2^23 ticks, about 2.34 s). */
static int64_t pm_tmr_next_overflow(int64_t now)
{
    uint64_t ticks = pm_tmr_ticks(now);

    return pm_tmr_ticks_to_ns((ticks | (PM_TIMER_MASK >> 1)) + 1);
}

static void pm_update_sci(PIIX4PMState *s)
{
    bool pending =
        (s->pm1_sts & s->pm1_en &
         (ACPI_PM1_TMR_STS | ACPI_PM1_GBL_STS | ACPI_PM1_PWRBTN_STS | ACPI_PM1_RTC_STS)) ||
        (s->gpe0_sts & s->gpe0_en);
    /* With SCI_EN clear, events would go to SMI, which tern does not have. */
    int level = pending && (s->pm1_cnt & ACPI_PM1_CNT_SCI_EN);

    if (level != s->sci_level) {
        trace_piix4_pm_sci(level, s->pm1_sts, s->gpe0_sts);
        s->sci_level = level;
        qemu_set_irq(s->sci_irq, level);
    }
}

/* Catches up with overflows (TMR_STS is sticky) and re-arms the timer if TMR_EN. */
static void pm_tmr_update(PIIX4PMState *s)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    if (now >= s->tmr_overflow_ns) {
        s->pm1_sts |= ACPI_PM1_TMR_STS;
        s->tmr_overflow_ns = pm_tmr_next_overflow(now);
    }
    if (s->pm1_en & ACPI_PM1_TMR_EN) {
        timer_mod(s->tmr_timer, s->tmr_overflow_ns);
    } else {
        timer_del(s->tmr_timer);
    }
}

static void pm_tmr_cb(void *opaque)
{
    PIIX4PMState *s = opaque;

    pm_tmr_update(s);
    pm_update_sci(s);
}

/* --- PM I/O registers ---------------------------------------------------------------- */

static uint16_t pm_reg_read16(PIIX4PMState *s, unsigned reg, uint32_t tmr)
{
    switch (reg) {
    case ACPI_PM1_STS:
        pm_tmr_update(s);
        return s->pm1_sts;
    case ACPI_PM1_EN:
        return s->pm1_en;
    case ACPI_PM1_CNT:
        return s->pm1_cnt; /* SLP_EN and GBL_RLS are write-only */
    case ACPI_PM_TMR:
        return tmr;
    case ACPI_PM_TMR + 2:
        return tmr >> 16;
    case ACPI_GPE0_STS:
        return s->gpe0_sts;
    case ACPI_GPE0_EN:
        return s->gpe0_en;
    default:
        qemu_log_mask(LOG_UNIMP, "PIIX4_PM: read of PM register 0x%02x\n", reg);
        return 0;
    }
}

static void pm_sleep(PIIX4PMState *s, uint16_t cnt)
{
    unsigned typ = (cnt & ACPI_PM1_CNT_SLP_TYP) >> ACPI_PM1_CNT_SLP_TYP_SHIFT;

    (void)s;
    trace_piix4_pm_sleep(typ);
    if (typ == PIIX4_SLP_TYP_S5) {
        qemu_system_shutdown_request(0); /* soft off: the guest powered down */
    } else {
        qemu_log_mask(LOG_UNIMP, "PIIX4_PM: sleep type %u (only S5 soft-off is supported)\n", typ);
    }
}

/* A write of the bytes in mask (within one 16-bit register) of val. */
static void pm_reg_write16(PIIX4PMState *s, unsigned reg, uint16_t val, uint16_t mask)
{
    switch (reg) {
    case ACPI_PM1_STS:
        pm_tmr_update(s); /* an overflow already passed is cleared too */
        s->pm1_sts &= ~(val & mask & PM1_STS_RW1C);
        break;
    case ACPI_PM1_EN:
        s->pm1_en = (s->pm1_en & ~(mask & PM1_EN_WMASK)) | (val & mask & PM1_EN_WMASK);
        pm_tmr_update(s);
        break;
    case ACPI_PM1_CNT:
        s->pm1_cnt = (s->pm1_cnt & ~(mask & PM1_CNT_WMASK)) | (val & mask & PM1_CNT_WMASK);
        if (val & mask & ACPI_PM1_CNT_SLP_EN) {
            pm_sleep(s, s->pm1_cnt);
        }
        break;
    case ACPI_PM_TMR:
    case ACPI_PM_TMR + 2:
        qemu_log_mask(LOG_GUEST_ERROR, "PIIX4_PM: write to the read-only PM timer\n");
        break;
    case ACPI_GPE0_STS:
        s->gpe0_sts &= ~(val & mask);
        break;
    case ACPI_GPE0_EN:
        s->gpe0_en = (s->gpe0_en & ~mask) | (val & mask);
        break;
    default:
        qemu_log_mask(LOG_UNIMP, "PIIX4_PM: write of PM register 0x%02x\n", reg);
        return;
    }
    pm_update_sci(s);
}

/* Accesses of 1..4 bytes are split into the 16-bit registers they touch. */
static uint64_t pm_io_read(void *opaque, hwaddr addr, unsigned size)
{
    PIIX4PMState *s = opaque;
    uint32_t tmr = piix4_pm_timer_get(s); /* one sample for both halves */
    uint64_t val = 0;

    for (unsigned i = 0; i < size; i++) {
        unsigned off = addr + i;
        uint16_t word = pm_reg_read16(s, off & ~1u, tmr);
        val |= (uint64_t)((word >> (8 * (off & 1))) & 0xff) << (8 * i);
    }
    trace_piix4_pm_read(addr, size, val);
    return val;
}

static void pm_io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PIIX4PMState *s = opaque;
    unsigned end = addr + size;

    trace_piix4_pm_write(addr, size, val);
    for (unsigned reg = addr & ~1u; reg < end; reg += 2) {
        uint16_t v = 0, mask = 0;
        for (unsigned b = 0; b < 2; b++) {
            if (reg + b >= addr && reg + b < end) {
                mask |= 0xff << (8 * b);
                v |= ((val >> (8 * (reg + b - addr))) & 0xff) << (8 * b);
            }
        }
        pm_reg_write16(s, reg, v, mask);
    }
}

static const MemoryRegionOps pm_io_ops = {
    .read = pm_io_read,
    .write = pm_io_write,
    .valid = {.min_access_size = 1, .max_access_size = 4},
    .impl = {.min_access_size = 1, .max_access_size = 4},
};

/* --- configuration space: PMBA and PMIOSE place the I/O block -------------------------- */

static void pm_io_space_update(PIIX4PMState *s)
{
    PCIDevice *d = &s->parent_obj;
    MemoryRegion *io = pci_address_space_io(d->bus);
    uint16_t base = pci_get_long(d->config + PIIX4_PMBA) & PIIX4_PMBA_MASK;

    if (!(d->config[PIIX4_PMREGMISC] & PIIX4_PMREGMISC_PMIOSE)) {
        base = 0;
    }
    if (base == s->io_base) {
        return;
    }
    trace_piix4_pm_io_map(s->io_base, base);
    memory_region_transaction_begin();
    if (s->io_base) {
        memory_region_del_subregion(io, &s->io);
    }
    s->io_base = base;
    if (base) {
        memory_region_add_subregion(io, base, &s->io);
    }
    memory_region_transaction_commit();
}

static void piix4_pm_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    pci_default_write_config(d, addr, val, len);
    if ((addr < PIIX4_PMBA + 4 && addr + len > PIIX4_PMBA) ||
        (addr <= PIIX4_PMREGMISC && addr + len > PIIX4_PMREGMISC)) {
        pm_io_space_update((PIIX4PMState *)d);
    }
}

/* Function 3 registers kept as storage: offset, width, reset value, writable bits. */
static const struct {
    uint8_t offset, size;
    uint32_t defval, wmask;
} piix4_pm_regs[] = {
    {PIIX4_PMBA, 4, 0x00000001, PIIX4_PMBA_MASK},
    {0x44, 4, 0x00000000, 0xffffffff}, /* CNTA */
    {0x48, 4, 0x00000000, 0xffffffff}, /* CNTB */
    {0x4c, 4, 0x00000000, 0xffffffff}, /* GPICTL */
    {PIIX4_PMREGMISC, 1, 0x00, PIIX4_PMREGMISC_PMIOSE},
    {PIIX4_SMBBA, 4, 0x00000001, 0x0000fff0},
    {PIIX4_SMBHSTCFG, 1, 0x00, 0x0f},
};

static void piix4_set_reg(uint8_t *base, unsigned size, uint32_t val)
{
    if (size == 4) {
        pci_set_long(base, val);
    } else {
        base[0] = val;
    }
}

static bool piix4_pm_realize(DeviceState *dev, GError **errp)
{
    PIIX4PMState *s = (PIIX4PMState *)dev;
    PCIDevice *d = &s->parent_obj;

    if (!pci_device_attach(d, errp)) {
        return false;
    }
    pci_config_set_ids(d, PCI_VENDOR_ID_INTEL, PCI_DEVICE_ID_INTEL_82371AB_3, PIIX4_PM_REVISION,
                       PCI_CLASS_BRIDGE_OTHER, 0);
    pci_set_word(d->config + PCI_STATUS, PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM);
    d->config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
    d->config[PCI_INTERRUPT_PIN] = 0x01;
    for (unsigned i = 0; i < ARRAY_SIZE(piix4_pm_regs); i++) {
        piix4_set_reg(d->config + piix4_pm_regs[i].offset, piix4_pm_regs[i].size,
                      piix4_pm_regs[i].defval);
        piix4_set_reg(d->wmask + piix4_pm_regs[i].offset, piix4_pm_regs[i].size,
                      piix4_pm_regs[i].wmask);
    }
    for (unsigned off = 0x50; off < 0x70; off++) {
        d->wmask[off] = 0xff; /* DEVRESA..J: device monitor resources */
    }
    d->config_write = piix4_pm_config_write;
    pci_device_attach_done(d);

    memory_region_init_io(&s->io, &pm_io_ops, s, "piix4-pm", PIIX4_PM_IO_SIZE);
    s->tmr_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, pm_tmr_cb, s);
    return true;
}

static void piix4_pm_reset(DeviceState *dev)
{
    PIIX4PMState *s = (PIIX4PMState *)dev;
    PCIDevice *d = &s->parent_obj;

    pci_device_reset(d);
    if (s->fw_base) {
        pci_set_long(d->config + PIIX4_PMBA, s->fw_base | 1);
        d->config[PIIX4_PMREGMISC] |= PIIX4_PMREGMISC_PMIOSE;
    }
    pm_io_space_update(s);
    s->pm1_sts = 0;
    s->pm1_en = 0;
    s->pm1_cnt = s->fw_acpi_enabled ? ACPI_PM1_CNT_SCI_EN : 0;
    s->gpe0_sts = 0;
    s->gpe0_en = 0;
    s->tmr_overflow_ns = pm_tmr_next_overflow(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
    timer_del(s->tmr_timer);
    pm_update_sci(s);
}

static void piix4_pm_unrealize(DeviceState *dev)
{
    PIIX4PMState *s = (PIIX4PMState *)dev;
    PCIDevice *d = &s->parent_obj;

    d->config[PIIX4_PMREGMISC] = 0;
    pm_io_space_update(s);
    memory_region_destroy(&s->io);
    timer_free(s->tmr_timer);
    s->tmr_timer = NULL;
    pci_device_detach(d);
}

static const DeviceInfo piix4_pm_info = {
    .name = TYPE_PIIX4_PM,
    .desc = "Intel 82371AB PIIX4 power management with ACPI PM registers",
    .spec = "Intel 82371AB datasheet 3.4, 7; ACPI 1.0 4.7-4.8 fixed hardware",
    .instance_size = sizeof(PIIX4PMState),
    .realize = piix4_pm_realize,
    .reset = piix4_pm_reset,
    .unrealize = piix4_pm_unrealize,
    .info = pci_device_info,
};
device_init(piix4_pm_info)

    PIIX4PMState *piix4_pm_create(PCIBus *bus, qemu_irq sci_irq)
{
    PIIX4PMState *s = (PIIX4PMState *)pci_new(bus, PIIX4_PM_DEVFN, TYPE_PIIX4_PM);
    GError *err = NULL;

    g_assert(s);
    s->sci_irq = sci_irq;
    if (!qdev_realize(&s->parent_obj.qdev, &err)) {
        g_error("piix4_pm_create: %s", err->message);
    }
    return s;
}

void piix4_pm_firmware_init(PIIX4PMState *s, uint16_t base)
{
    PCIDevice *d = &s->parent_obj;

    s->fw_base = base & PIIX4_PMBA_MASK;
    s->fw_acpi_enabled = true;
    pci_set_long(d->config + PIIX4_PMBA, s->fw_base | 1);
    d->config[PIIX4_PMREGMISC] |= PIIX4_PMREGMISC_PMIOSE;
    pm_io_space_update(s);
    s->pm1_cnt |= ACPI_PM1_CNT_SCI_EN;
    pm_update_sci(s);
}

void piix4_pm_power_button(PIIX4PMState *s)
{
    trace_piix4_pm_power_button();
    s->pm1_sts |= ACPI_PM1_PWRBTN_STS;
    pm_update_sci(s);
}

void piix4_pm_powerdown_handler(void *opaque)
{
    piix4_pm_power_button(opaque);
}
