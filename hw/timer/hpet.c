/*
 * hpet.c: the High Precision Event Timer.
 *
 * Follows the IA-PC HPET (High Precision Event Timers) Specification 1.0a:
 * the general capabilities and ID register (revision 1, three timers, 64-bit
 * counter, legacy replacement capable, vendor 0x8086, a 10 ns period), the
 * general configuration (ENABLE_CNF, LEG_RT_CNF), the general interrupt
 * status (level-triggered timers, write 1 to clear), the main counter, and
 * per timer the configuration and capabilities (edge or level interrupt,
 * enable, one-shot or periodic with VAL_SET_CNF, 32-bit mode, I/O APIC route
 * among the capable pins) and the comparator; legacy replacement routing sends
 * timer 0 to IRQ 0 / IOAPIC pin 2 and timer 1 to IRQ 8.
 *
 * The counter is not stepped: it is a function of the virtual time since it
 * was enabled, and each comparator match is a QEMUTimer on the virtual clock.
 * Left out: FSB (MSI) interrupt delivery (not offered in the capabilities),
 * periodic mode on timers 1 and 2 (not offered, as on Intel chipsets).
 * XXX: periodic interrupts closer than 1 us coalesce, so a guest cannot keep
 * the host busy with a period of a few ns.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "exec/memory.h"
#include "hw/timer/hpet.h"
#include "trace-events.h"

/* Register offsets. */
#define HPET_ID        0x000
#define HPET_CFG       0x010
#define HPET_STATUS    0x020
#define HPET_COUNTER   0x0f0
#define HPET_TN_BASE   0x100
#define HPET_TN_STRIDE 0x20
#define HPET_TN_CFG    0x00
#define HPET_TN_CMP    0x08
#define HPET_TN_FSB    0x10

/* General capabilities. */
#define HPET_ID_REV          0x01
#define HPET_ID_NUM_SHIFT    8
#define HPET_ID_64BIT        (1ull << 13)
#define HPET_ID_LEGACY       (1ull << 15)
#define HPET_ID_VENDOR       (0x8086ull << 16)
#define HPET_ID_PERIOD_SHIFT 32

/* General configuration. */
#define HPET_CFG_ENABLE 0x1
#define HPET_CFG_LEGACY 0x2

/* Timer configuration. */
#define HPET_TN_LEVEL        (1ull << 1)
#define HPET_TN_ENABLE       (1ull << 2)
#define HPET_TN_PERIODIC     (1ull << 3)
#define HPET_TN_PERIODIC_CAP (1ull << 4)
#define HPET_TN_SIZE_CAP     (1ull << 5)
#define HPET_TN_SETVAL       (1ull << 6)
#define HPET_TN_32BIT        (1ull << 8)
#define HPET_TN_ROUTE_SHIFT  9
#define HPET_TN_ROUTE_MASK   0x1f
#define HPET_TN_CFG_WRITABLE                                                                       \
    (HPET_TN_LEVEL | HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL | HPET_TN_32BIT |          \
     (uint64_t)HPET_TN_ROUTE_MASK << HPET_TN_ROUTE_SHIFT)
#define HPET_TN_ROUTE_CAP_SHIFT 32
#define HPET_ROUTE_CAP          0x00f00000u /* IOAPIC pins 20-23 */

#define HPET_NS_PER_TICK   (HPET_CLK_PERIOD_FS / 1000000)
#define HPET_MIN_PERIOD_NS 1000
#define HPET_LEGACY_GSI_T0 0
#define HPET_LEGACY_GSI_T1 8

typedef struct HPETTimer {
    struct HPETState *hpet;
    int index;
    uint64_t config;
    uint64_t cmp;
    uint64_t period;
    QEMUTimer *timer;
    int line_level; /* the level we drive on our current line (level mode) */
    int line;       /* the GSI driven, -1 if none */
} HPETTimer;

struct HPETState {
    DeviceState parent;
    MemoryRegion io;
    uint64_t config;
    uint64_t status;
    uint64_t counter;  /* while halted; else the value at enable_ns */
    int64_t enable_ns; /* virtual time the counter started running */
    HPETTimer t[HPET_NUM_TIMERS];
    qemu_irq *gsi;
    void (*legacy_hook)(void *opaque, bool on);
    void *legacy_opaque;
};

static bool hpet_enabled(HPETState *s)
{
    return s->config & HPET_CFG_ENABLE;
}

static uint64_t hpet_counter(HPETState *s)
{
    if (!hpet_enabled(s)) {
        return s->counter;
    }
    return s->counter + (qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - s->enable_ns) / HPET_NS_PER_TICK;
}

/* --- interrupt lines ---------------------------------------------------------------- */

/* The GSI a timer drives now, -1 if none. */
static int hpet_timer_line(HPETTimer *t)
{
    int route = (t->config >> HPET_TN_ROUTE_SHIFT) & HPET_TN_ROUTE_MASK;

    if ((t->hpet->config & HPET_CFG_LEGACY) && t->index < 2) {
        return t->index == 0 ? HPET_LEGACY_GSI_T0 : HPET_LEGACY_GSI_T1;
    }
    return (HPET_ROUTE_CAP & (1u << route)) ? route : -1;
}

static void hpet_drive(HPETTimer *t, int level)
{
    if (t->line >= 0 && t->hpet->gsi) {
        qemu_set_irq(t->hpet->gsi[t->line], level);
    }
}

/* Follows route and level changes: the old line is released, the new one driven. */
static void hpet_update_line(HPETTimer *t)
{
    int line = hpet_timer_line(t);
    int level = (t->config & HPET_TN_LEVEL) && (t->config & HPET_TN_ENABLE) &&
                (t->hpet->status & (1u << t->index));

    if (line != t->line) {
        if (t->line_level) {
            hpet_drive(t, 0);
        }
        t->line = line;
        t->line_level = 0;
    }
    if (level != t->line_level) {
        t->line_level = level;
        hpet_drive(t, level);
    }
}

static void hpet_fire(HPETTimer *t)
{
    if (!(t->config & HPET_TN_ENABLE)) {
        return;
    }
    trace_hpet_fire(t->index, t->line, t->config & HPET_TN_LEVEL);
    if (t->config & HPET_TN_LEVEL) {
        t->hpet->status |= 1u << t->index;
        hpet_update_line(t);
    } else if (t->line >= 0 && t->hpet->gsi) {
        qemu_irq_pulse(t->hpet->gsi[t->line]);
    }
}

/* --- comparators ------------------------------------------------------------------- */

static uint64_t hpet_wrap(HPETTimer *t)
{
    return (t->config & HPET_TN_32BIT) ? 1ull << 32 : 0; /* 0: the 64-bit space */
}

/* Ticks from the counter to the comparator (the next match), at least 1. */
static uint64_t hpet_ticks_to_match(HPETTimer *t, uint64_t now_count)
{
    uint64_t diff = t->cmp - now_count;

    if (hpet_wrap(t)) {
        diff &= hpet_wrap(t) - 1;
    }
    return diff ? diff : (hpet_wrap(t) ? hpet_wrap(t) : UINT64_MAX);
}

static void hpet_arm(HPETTimer *t)
{
    HPETState *s = t->hpet;
    uint64_t ticks;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    if (!hpet_enabled(s)) {
        timer_del(t->timer);
        return;
    }
    ticks = hpet_ticks_to_match(t, hpet_counter(s));
    if (ticks > (uint64_t)(INT64_MAX - now) / HPET_NS_PER_TICK) {
        timer_del(t->timer); /* beyond the end of time */
        return;
    }
    /* The tick boundary: enable_ns + (counter at match - counter at enable) * 10 ns. */
    timer_mod(t->timer,
              s->enable_ns + (int64_t)(hpet_counter(s) + ticks - s->counter) * HPET_NS_PER_TICK);
}

static void hpet_timer_cb(void *opaque)
{
    HPETTimer *t = opaque;

    hpet_fire(t);
    if ((t->config & HPET_TN_PERIODIC) && t->period) {
        uint64_t mask = hpet_wrap(t) ? hpet_wrap(t) - 1 : UINT64_MAX;
        uint64_t step = MAX(t->period, HPET_MIN_PERIOD_NS / HPET_NS_PER_TICK);
        uint64_t behind = (hpet_counter(t->hpet) - t->cmp) & mask;
        /* The next multiple of the period after the counter (missed ones coalesce). */
        t->cmp = (t->cmp + (behind / step + 1) * step) & mask;
    }
    hpet_arm(t);
}

static void hpet_write_cmp(HPETTimer *t, uint64_t val)
{
    if (t->config & HPET_TN_32BIT) {
        val = (uint32_t)val;
    }
    if (t->config & HPET_TN_PERIODIC) {
        /* Periodic: a write sets the period; with VAL_SET_CNF the comparator too. */
        if (t->config & HPET_TN_SETVAL) {
            t->cmp = val;
        }
        t->period = val;
    } else {
        t->cmp = val;
    }
    t->config &= ~HPET_TN_SETVAL;
    hpet_arm(t);
}

static void hpet_write_tn_cfg(HPETTimer *t, uint64_t val)
{
    uint64_t writable = HPET_TN_CFG_WRITABLE;

    if (!(t->config & HPET_TN_PERIODIC_CAP)) {
        writable &= ~HPET_TN_PERIODIC;
    }
    if (val & (HPET_TN_ROUTE_MASK << HPET_TN_ROUTE_SHIFT) &&
        !(HPET_ROUTE_CAP & (1u << ((val >> HPET_TN_ROUTE_SHIFT) & HPET_TN_ROUTE_MASK)))) {
        qemu_log_mask(LOG_GUEST_ERROR, "hpet: timer %d routed to IOAPIC pin %d, not capable\n",
                      t->index, (int)((val >> HPET_TN_ROUTE_SHIFT) & HPET_TN_ROUTE_MASK));
    }
    t->config = (t->config & ~writable) | (val & writable);
    if (t->config & HPET_TN_32BIT) {
        t->cmp = (uint32_t)t->cmp;
        t->period = (uint32_t)t->period;
    }
    if (!(t->config & HPET_TN_LEVEL)) {
        t->hpet->status &= ~(1u << t->index);
    }
    hpet_update_line(t);
    hpet_arm(t);
}

/* --- general registers -------------------------------------------------------------- */

static void hpet_write_cfg(HPETState *s, uint64_t val)
{
    bool was_enabled = hpet_enabled(s), was_legacy = s->config & HPET_CFG_LEGACY;

    if (was_enabled && !(val & HPET_CFG_ENABLE)) {
        s->counter = hpet_counter(s); /* halt: the counter keeps its value */
    } else if (!was_enabled && (val & HPET_CFG_ENABLE)) {
        s->enable_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    }
    s->config = val & (HPET_CFG_ENABLE | HPET_CFG_LEGACY);
    if (was_legacy != !!(s->config & HPET_CFG_LEGACY) && s->legacy_hook) {
        s->legacy_hook(s->legacy_opaque, s->config & HPET_CFG_LEGACY);
    }
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        hpet_update_line(&s->t[i]);
        hpet_arm(&s->t[i]);
    }
}

static void hpet_write_counter(HPETState *s, uint64_t val)
{
    if (hpet_enabled(s)) {
        qemu_log_mask(LOG_GUEST_ERROR, "hpet: main counter written while running\n");
        s->enable_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    }
    s->counter = val;
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        hpet_arm(&s->t[i]);
    }
}

static uint64_t hpet_read64(HPETState *s, hwaddr reg)
{
    if (reg >= HPET_TN_BASE && reg < HPET_TN_BASE + HPET_NUM_TIMERS * HPET_TN_STRIDE) {
        HPETTimer *t = &s->t[(reg - HPET_TN_BASE) / HPET_TN_STRIDE];
        switch ((reg - HPET_TN_BASE) % HPET_TN_STRIDE) {
        case HPET_TN_CFG:
            return t->config | (uint64_t)HPET_ROUTE_CAP << HPET_TN_ROUTE_CAP_SHIFT;
        case HPET_TN_CMP:
            return t->cmp;
        default:
            return 0; /* FSB route: no FSB delivery */
        }
    }
    switch (reg) {
    case HPET_ID:
        return HPET_ID_REV | (HPET_NUM_TIMERS - 1) << HPET_ID_NUM_SHIFT | HPET_ID_64BIT |
               HPET_ID_LEGACY | HPET_ID_VENDOR |
               (uint64_t)HPET_CLK_PERIOD_FS << HPET_ID_PERIOD_SHIFT;
    case HPET_CFG:
        return s->config;
    case HPET_STATUS:
        return s->status;
    case HPET_COUNTER:
        return hpet_counter(s);
    }
    qemu_log_mask(LOG_GUEST_ERROR, "hpet: read of reserved offset 0x%03x\n", (unsigned)reg);
    return 0;
}

static void hpet_write64(HPETState *s, hwaddr reg, uint64_t val)
{
    if (reg >= HPET_TN_BASE && reg < HPET_TN_BASE + HPET_NUM_TIMERS * HPET_TN_STRIDE) {
        HPETTimer *t = &s->t[(reg - HPET_TN_BASE) / HPET_TN_STRIDE];
        switch ((reg - HPET_TN_BASE) % HPET_TN_STRIDE) {
        case HPET_TN_CFG:
            hpet_write_tn_cfg(t, val);
            return;
        case HPET_TN_CMP:
            hpet_write_cmp(t, val);
            return;
        }
    }
    switch (reg) {
    case HPET_CFG:
        hpet_write_cfg(s, val);
        return;
    case HPET_STATUS:
        s->status &= ~val; /* write 1 to clear */
        for (int i = 0; i < HPET_NUM_TIMERS; i++) {
            hpet_update_line(&s->t[i]);
        }
        return;
    case HPET_COUNTER:
        hpet_write_counter(s, val);
        return;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "hpet: write to read-only/reserved offset 0x%03x\n",
                  (unsigned)reg);
}

/* --- MMIO: 64-bit registers, accessed whole or as 32-bit halves --------------------------- */

static uint64_t hpet_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t v;

    if (size < 4 || (addr & (size - 1))) {
        qemu_log_mask(LOG_GUEST_ERROR, "hpet: %u-byte read at 0x%03x\n", size, (unsigned)addr);
        return 0;
    }
    v = hpet_read64(opaque, addr & ~7ull);
    trace_hpet_reg_read(addr & ~7ull, v);
    return size == 8 ? v : (uint32_t)(v >> ((addr & 4) * 8));
}

static void hpet_mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    uint64_t old, shift = (addr & 4) * 8;

    if (size < 4 || (addr & (size - 1))) {
        qemu_log_mask(LOG_GUEST_ERROR, "hpet: %u-byte write at 0x%03x\n", size, (unsigned)addr);
        return;
    }
    if (size == 4) {
        /*
         * Merge the half into the register as it reads now (the counter included), except
         * for the write-1-to-clear status, whose other half must not clear anything.
         */
        old = (addr & ~7ull) == HPET_STATUS ? 0 : hpet_read64(opaque, addr & ~7ull);
        val = (old & ~(0xffffffffull << shift)) | (val & 0xffffffffull) << shift;
    }
    trace_hpet_reg_write(addr & ~7ull, val);
    hpet_write64(opaque, addr & ~7ull, val);
}

static const MemoryRegionOps hpet_ops = {
    .read = hpet_mmio_read,
    .write = hpet_mmio_write,
    .valid = {.min_access_size = 1, .max_access_size = 8},
    .impl = {.min_access_size = 1, .max_access_size = 8},
};

/* --- the device --------------------------------------------------------------------- */

void hpet_set_gsi(HPETState *s, qemu_irq *gsi)
{
    s->gsi = gsi;
}

void hpet_set_legacy_hook(HPETState *s, void (*hook)(void *opaque, bool on), void *opaque)
{
    s->legacy_hook = hook;
    s->legacy_opaque = opaque;
}

static void hpet_reset(DeviceState *dev)
{
    HPETState *s = (HPETState *)dev;

    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HPETTimer *t = &s->t[i];
        if (t->line_level) {
            hpet_drive(t, 0);
        }
        timer_del(t->timer);
        t->config = HPET_TN_SIZE_CAP | (i == 0 ? HPET_TN_PERIODIC_CAP : 0);
        t->cmp = UINT64_MAX;
        t->period = 0;
        t->line_level = 0;
        t->line = -1;
    }
    if ((s->config & HPET_CFG_LEGACY) && s->legacy_hook) {
        s->legacy_hook(s->legacy_opaque, false);
    }
    s->config = 0;
    s->status = 0;
    s->counter = 0;
}

static bool hpet_realize(DeviceState *dev, GError **errp)
{
    HPETState *s = (HPETState *)dev;

    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        s->t[i].hpet = s;
        s->t[i].index = i;
        s->t[i].line = -1;
        s->t[i].timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, hpet_timer_cb, &s->t[i]);
    }
    memory_region_init_io(&s->io, &hpet_ops, s, "hpet", HPET_MMIO_SIZE);
    memory_region_add_subregion_overlap(get_system_memory(), HPET_BASE, &s->io, 1);
    return true;
}

static void hpet_unrealize(DeviceState *dev)
{
    HPETState *s = (HPETState *)dev;

    if (!s->t[0].timer) {
        return;
    }
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        timer_free(s->t[i].timer);
    }
    memory_region_del_subregion(get_system_memory(), &s->io);
    memory_region_destroy(&s->io);
}

static const DeviceInfo hpet_info_dev = {
    .name = TYPE_HPET,
    .desc = "High Precision Event Timer (MMIO 0xFED00000, 3 timers, 100 MHz)",
    .spec = "IA-PC HPET Specification 1.0a",
    .instance_size = sizeof(HPETState),
    .realize = hpet_realize,
    .reset = hpet_reset,
    .unrealize = hpet_unrealize,
};
device_init(hpet_info_dev)
