/*
 * i8254.c: the 8254 programmable interval timer of the PC, and port 0x61.
 *
 * Follows the Intel 8254 datasheet (order 231164): three 16-bit down
 * counters clocked at 1.193182 MHz, the control word (counter select,
 * read/write LSB, MSB or LSB-then-MSB, modes 0-5, binary or BCD), the counter
 * latch command, the read-back command (status byte: OUT, NULL COUNT, RW,
 * mode, BCD; and counts), and the GATE rules of each mode (0/4 pause, 1/5
 * trigger, 2/3 stop with OUT high and reload on the rising edge).
 * Channel 0 drives ISA IRQ 0; channel 2's GATE and OUT are bits 0 and 5 of
 * port 0x61 (the PC/AT "NMI status and control" port), whose bit 4 toggles
 * with the DRAM refresh request (every 15.085 us); bits 2-3 are stored.
 *
 * The counters are not stepped: each channel remembers the virtual time its
 * count was loaded, and the count and OUT are computed from the number of
 * 1.193182 MHz ticks since then. Channel 0's OUT edges are scheduled on the
 * virtual clock at the exact tick, so IRQ 0 is deterministic under a manual
 * clock.
 *
 * Left out: the one-clock delay between writing a count and its load into
 * the counting element (counting starts at the write), a new count for
 * modes 1/5 during a count (it waits for the next trigger, as specified, but
 * mode 4 reloads at once), the speaker sound itself, NMI sources of port 0x61.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "exec/memory.h"
#include "hw/isa.h"
#include "hw/timer/i8254.h"
#include "trace-events.h"

#define PIT_NUM_CHANNELS 3
#define PIT_CONTROL      3 /* port offset of the control word register */

/* Control word fields. */
#define CW_SC_SHIFT    6
#define CW_SC_READBACK 3
#define CW_RW_SHIFT    4
#define CW_RW_MASK     3
#define CW_MODE_SHIFT  1
#define CW_MODE_MASK   7
#define CW_BCD         0x01

/* Read/write modes. */
enum { RW_LATCH = 0, RW_LSB = 1, RW_MSB = 2, RW_WORD = 3 };

/* Read-back command: D5 and D4 are active low. */
#define RB_NO_COUNT  0x20
#define RB_NO_STATUS 0x10
#define RB_CNT_SHIFT 1

/* Status byte. */
#define ST_OUT  0x80
#define ST_NULL 0x40

/* Port 0x61. */
#define P61_GATE2         0x01
#define P61_SPKR_EN       0x02
#define P61_STORED        0x0f
#define P61_REFRESH       0x10
#define P61_OUT2          0x20
#define REFRESH_PERIOD_NS 15085

typedef enum {
    CH_IDLE,    /* no count since the control word */
    CH_WAITING, /* count loaded, waiting for a GATE trigger (modes 1, 5; 2, 3 with GATE low) */
    CH_COUNTING,
    CH_PAUSED, /* modes 0 and 4 with GATE low: the count holds */
} ChannelState;

typedef struct PITChannel {
    struct PITState *pit;
    int index;
    uint8_t mode, rw_mode;
    bool bcd;
    bool gate;
    ChannelState state;
    uint32_t count;     /* the count register: 1..65536 (10000 in BCD) */
    uint32_t cur_count; /* the count the counting element runs with */
    int64_t load_time;  /* virtual ns at tick 0 */
    uint64_t frozen;    /* ticks done when paused */
    uint32_t held;      /* the counting element in CH_IDLE: held by a mode 0 first byte, else 0 */
    bool null_count;
    /* Guest access sequencing. */
    bool write_msb_next;
    uint8_t write_lsb;
    bool read_msb_next;
    bool count_latched, status_latched;
    bool latch_msb_next;
    uint16_t latched_count;
    uint8_t status;
    /* Channel 0 only: the IRQ edge timer. */
    int out;
    QEMUTimer *timer;
    uint64_t timer_tick; /* the tick the timer is armed for */
} PITChannel;

struct PITState {
    DeviceState parent;
    uint32_t iobase, irq_num;
    MemoryRegion io, port61_io;
    PITChannel ch[PIT_NUM_CHANNELS];
    uint8_t port61;
    qemu_irq irq;
    bool irq_disabled; /* an HPET in legacy replacement mode owns IRQ 0 */
};

/* --- time ------------------------------------------------------------------------- */

static uint64_t ns_to_ticks(int64_t ns)
{
    return (unsigned __int128)ns * PIT_FREQ_HZ / NANOSECONDS_PER_SECOND;
}

/* The first virtual ns at which tick d has happened (rounded up, so ns_to_ticks agrees). */
static int64_t ticks_to_ns(uint64_t d)
{
    unsigned __int128 n = (unsigned __int128)d * NANOSECONDS_PER_SECOND;
    return (n + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
}

static uint32_t pit_modulus(PITChannel *c)
{
    return c->bcd ? 10000 : 0x10000;
}

/* Ticks since the count was loaded (or the trigger) in the counting and paused states. */
static uint64_t pit_ticks(PITChannel *c)
{
    if (c->state == CH_PAUSED) {
        return c->frozen;
    }
    return ns_to_ticks(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - c->load_time);
}

/* --- the counting element as a function of ticks ---------------------------------- */

static int pit_out_at(PITChannel *c, uint64_t d)
{
    uint64_t n = c->cur_count;

    switch (c->mode) {
    case 0:
    case 1:
        return d >= n;
    case 2:
        return n < 2 || d % n != n - 1;
    case 3:
        return d % n < (n + 1) / 2;
    default: /* 4, 5: a one-tick low strobe at terminal count */
        return d != n;
    }
}

/* The next tick after d at which OUT changes, or UINT64_MAX if it never does. */
static uint64_t pit_next_change(PITChannel *c, uint64_t d)
{
    uint64_t n = c->cur_count, r = d % n, half = (n + 1) / 2;

    switch (c->mode) {
    case 0:
    case 1:
        return d < n ? n : UINT64_MAX;
    case 2:
        if (n < 2) {
            return UINT64_MAX;
        }
        return r < n - 1 ? d + (n - 1 - r) : d + 1;
    case 3:
        if (n < 2) {
            return UINT64_MAX;
        }
        return r < half ? d + (half - r) : d + (n - r);
    default:
        return d < n ? n : (d == n ? n + 1 : UINT64_MAX);
    }
}

/* The counting element's value after d ticks (binary). */
static uint32_t pit_value_at(PITChannel *c, uint64_t d)
{
    uint64_t n = c->cur_count, m = pit_modulus(c), r;

    switch (c->mode) {
    case 2:
        return (n - d % n) % m;
    case 3:
        r = d % n;
        if (r < (n + 1) / 2) {
            return ((n - 2 * r) & ~1ull) % m;
        }
        return ((n - 2 * (r - (n + 1) / 2)) & ~1ull) % m;
    default:
        return (n + m - d % m) % m;
    }
}

static int pit_out(PITChannel *c)
{
    switch (c->state) {
    case CH_IDLE:
        return c->mode != 0;
    case CH_WAITING:
        return 1;
    default:
        return pit_out_at(c, pit_ticks(c));
    }
}

static uint32_t pit_value(PITChannel *c)
{
    switch (c->state) {
    case CH_IDLE:
        return c->held;
    case CH_WAITING:
        return c->count % pit_modulus(c);
    default:
        return pit_value_at(c, pit_ticks(c));
    }
}

static uint16_t to_bcd(uint32_t v)
{
    return (v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12;
}

static uint32_t from_bcd(uint16_t v)
{
    if ((v & 0x000f) > 9 || (v & 0x00f0) > 0x90 || (v & 0x0f00) > 0x900 || v > 0x9fff) {
        qemu_log_mask(LOG_GUEST_ERROR, "i8254: bad BCD count 0x%04x\n", v);
    }
    return (v & 0xf) + (v >> 4 & 0xf) * 10 + (v >> 8 & 0xf) * 100 + (v >> 12) * 1000;
}

/* The counter as the guest reads it: binary or BCD digits. */
static uint16_t pit_read_value(PITChannel *c)
{
    uint32_t v = pit_value(c);
    return c->bcd ? to_bcd(v) : v;
}

/* --- channel 0's IRQ edges ---------------------------------------------------------- */

/*
 * Drives IRQ 0 with OUT now and schedules the next change. At a period's end
 * (a rising OUT in modes 2 and 3) a count written meanwhile takes over.
 */
static void pit_irq_update(PITState *s)
{
    PITChannel *c = &s->ch[0];
    int out = pit_out(c);
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    uint64_t next;

    if (c->state == CH_COUNTING && (c->mode == 2 || c->mode == 3) && out && !c->out &&
        c->count != c->cur_count) {
        c->cur_count = c->count;
        c->load_time = now;
    }
    if (out != c->out) {
        c->out = out;
        trace_pit_irq(out);
        if (!s->irq_disabled) {
            qemu_set_irq(s->irq, out);
        }
    }
    if (c->state != CH_COUNTING) {
        timer_del(c->timer);
        return;
    }
    next = pit_next_change(c, pit_ticks(c));
    if (next == UINT64_MAX) {
        timer_del(c->timer);
    } else {
        c->timer_tick = next;
        timer_mod(c->timer, c->load_time + ticks_to_ns(next));
    }
}

/*
 * On the real-time virtual clock the timer runs late by far more than one
 * tick (838 ns), which would swallow the one-tick low pulse of modes 2, 4
 * and 5: when OUT changed at the armed tick and is back by now, show the
 * pulse before OUT as it is now.
 */
static void pit_timer_cb(void *opaque)
{
    PITState *s = opaque;
    PITChannel *c = &s->ch[0];

    if (c->state == CH_COUNTING && pit_out_at(c, c->timer_tick) != c->out && pit_out(c) == c->out) {
        c->out = !c->out;
        trace_pit_irq(c->out);
        if (!s->irq_disabled) {
            qemu_set_irq(s->irq, c->out);
        }
    }
    pit_irq_update(s);
}

static void pit_channel_changed(PITChannel *c)
{
    if (c->index == 0) {
        pit_irq_update(c->pit);
    }
}

/* --- loading and gating ------------------------------------------------------------- */

/* Starts counting cur_count from now (or holds at tick 0 for modes 0/4 with GATE low). */
static void pit_start(PITChannel *c)
{
    c->cur_count = c->count;
    c->load_time = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    c->null_count = false;
    if (c->gate) {
        c->state = CH_COUNTING;
    } else if (c->mode == 0 || c->mode == 4) {
        c->state = CH_PAUSED;
        c->frozen = 0;
    } else {
        c->state = CH_WAITING;
    }
}

/* A complete count was written. */
static void pit_load_count(PITChannel *c, uint32_t raw)
{
    uint32_t v = c->bcd ? from_bcd(raw) : raw;

    c->count = v ? v : pit_modulus(c);
    c->null_count = true;
    trace_pit_load_count(c->index, c->mode, c->count);
    if (c->mode == 2 && c->count == 1) {
        qemu_log_mask(LOG_GUEST_ERROR, "i8254: channel %d: count 1 in mode 2\n", c->index);
    }
    switch (c->mode) {
    case 1:
    case 5:
        if (c->state == CH_IDLE) {
            c->state = CH_WAITING; /* the next GATE edge starts it */
        }
        break;
    case 2:
    case 3:
        /*
         * On channel 0 a new count takes over at the end of the period (pit_irq_update).
         * XXX: channels 1 and 2 have no edge timer and reload at once.
         */
        if (c->state != CH_COUNTING || c->index != 0) {
            pit_start(c);
        }
        break;
    default:
        pit_start(c);
        break;
    }
    pit_channel_changed(c);
}

static void pit_gate(PITChannel *c, bool level)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    bool rising = level && !c->gate;

    if (level == c->gate) {
        return;
    }
    trace_pit_gate(c->index, level);
    if (!level && c->state == CH_COUNTING) {
        if (c->mode == 0 || c->mode == 4) {
            c->frozen = pit_ticks(c);
            c->state = CH_PAUSED;
        } else if (c->mode == 2 || c->mode == 3) {
            c->state = CH_WAITING; /* OUT high, counting stops */
        }
    }
    c->gate = level;
    if (rising) {
        if (c->state == CH_PAUSED) {
            c->load_time = now - ticks_to_ns(c->frozen);
            c->state = CH_COUNTING;
        } else if (c->state == CH_WAITING ||
                   (c->state == CH_COUNTING && (c->mode == 1 || c->mode == 5))) {
            pit_start(c); /* trigger (retrigger in modes 1 and 5), reload in modes 2 and 3 */
        }
    }
    pit_channel_changed(c);
}

/* --- guest access ------------------------------------------------------------------- */

static void pit_latch_count(PITChannel *c)
{
    if (!c->count_latched) {
        c->latched_count = pit_read_value(c);
        c->count_latched = true;
        c->latch_msb_next = c->rw_mode == RW_MSB;
    }
}

static void pit_latch_status(PITChannel *c)
{
    if (!c->status_latched) {
        c->status = (pit_out(c) ? ST_OUT : 0) | (c->null_count ? ST_NULL : 0) |
                    c->rw_mode << CW_RW_SHIFT | c->mode << CW_MODE_SHIFT | (c->bcd ? CW_BCD : 0);
        c->status_latched = true;
    }
}

static void pit_read_back(PITState *s, uint8_t val)
{
    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        if (!(val & (1u << (RB_CNT_SHIFT + i)))) {
            continue;
        }
        if (!(val & RB_NO_STATUS)) {
            pit_latch_status(&s->ch[i]);
        }
        if (!(val & RB_NO_COUNT)) {
            pit_latch_count(&s->ch[i]);
        }
    }
}

static void pit_write_control(PITState *s, uint8_t val)
{
    int sc = val >> CW_SC_SHIFT;
    PITChannel *c;
    int mode;

    if (sc == CW_SC_READBACK) {
        pit_read_back(s, val);
        return;
    }
    c = &s->ch[sc];
    if (((val >> CW_RW_SHIFT) & CW_RW_MASK) == RW_LATCH) {
        pit_latch_count(c);
        return;
    }
    mode = (val >> CW_MODE_SHIFT) & CW_MODE_MASK;
    c->mode = mode > 5 ? mode - 4 : mode; /* 6 and 7 are 2 and 3 */
    c->rw_mode = (val >> CW_RW_SHIFT) & CW_RW_MASK;
    c->bcd = val & CW_BCD;
    c->state = CH_IDLE;
    c->held = 0;
    c->null_count = true;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->count_latched = false;
    c->status_latched = false;
    pit_channel_changed(c);
}

static void pit_write_count(PITChannel *c, uint8_t val)
{
    switch (c->rw_mode) {
    case RW_LSB:
        pit_load_count(c, val);
        break;
    case RW_MSB:
        pit_load_count(c, val << 8);
        break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = val;
            c->write_msb_next = true;
            if (c->mode == 0 && c->state != CH_IDLE) {
                /* Mode 0: the first byte stops the count where it is, and OUT goes low. */
                c->held = pit_value(c);
                c->state = CH_IDLE;
                pit_channel_changed(c);
            }
        } else {
            c->write_msb_next = false;
            pit_load_count(c, c->write_lsb | val << 8);
        }
        break;
    }
}

static uint8_t pit_read_latched(PITChannel *c)
{
    uint8_t v;

    if (c->rw_mode != RW_WORD) {
        c->count_latched = false;
        return c->rw_mode == RW_MSB ? c->latched_count >> 8 : c->latched_count;
    }
    v = c->latch_msb_next ? c->latched_count >> 8 : c->latched_count;
    c->count_latched = !c->latch_msb_next;
    c->latch_msb_next = !c->latch_msb_next;
    return v;
}

static uint8_t pit_read_channel(PITChannel *c)
{
    uint16_t v;

    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->count_latched) {
        return pit_read_latched(c);
    }
    v = pit_read_value(c);
    switch (c->rw_mode) {
    case RW_LSB:
        return v;
    case RW_MSB:
        return v >> 8;
    default:
        c->read_msb_next = !c->read_msb_next;
        return c->read_msb_next ? v : v >> 8;
    }
}

static uint64_t pit_ioport_read(void *opaque, hwaddr addr, unsigned size)
{
    PITState *s = opaque;

    uint8_t val;

    if (addr == PIT_CONTROL) {
        qemu_log_mask(LOG_GUEST_ERROR, "i8254: read of the control word register\n");
        return 0xff;
    }
    val = pit_read_channel(&s->ch[addr]);
    trace_pit_ioport_read(addr, val);
    return val;
}

static void pit_ioport_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PITState *s = opaque;

    trace_pit_ioport_write(addr, val);
    if (addr == PIT_CONTROL) {
        pit_write_control(s, val);
    } else {
        pit_write_count(&s->ch[addr], val);
    }
}

static const MemoryRegionOps pit_ops = {
    .read = pit_ioport_read,
    .write = pit_ioport_write,
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

static uint64_t port61_read(void *opaque, hwaddr addr, unsigned size)
{
    PITState *s = opaque;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    uint8_t v = s->port61 & P61_STORED;

    if ((now / REFRESH_PERIOD_NS) & 1) {
        v |= P61_REFRESH;
    }
    if (pit_out(&s->ch[2])) {
        v |= P61_OUT2;
    }
    return v;
}

static void port61_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PITState *s = opaque;

    trace_port61_write(val);
    s->port61 = val & P61_STORED;
    pit_gate(&s->ch[2], val & P61_GATE2);
}

static const MemoryRegionOps port61_ops = {
    .read = port61_read,
    .write = port61_write,
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

/* --- the device --------------------------------------------------------------------- */

int pit_get_out(PITState *s, int channel)
{
    return pit_out(&s->ch[channel % PIT_NUM_CHANNELS]);
}

void pit_set_gate(PITState *s, int channel, int level)
{
    pit_gate(&s->ch[channel % PIT_NUM_CHANNELS], level);
}

uint32_t pit_get_count(PITState *s, int channel)
{
    return pit_value(&s->ch[channel % PIT_NUM_CHANNELS]);
}

void pit_set_irq_enabled(PITState *s, bool enabled)
{
    s->irq_disabled = !enabled;
    qemu_set_irq(s->irq, enabled ? s->ch[0].out : 0);
}

static void pit_reset(DeviceState *dev)
{
    PITState *s = (PITState *)dev;

    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        PITChannel *c = &s->ch[i];
        QEMUTimer *t = c->timer;

        memset(c, 0, sizeof(*c));
        c->pit = s;
        c->index = i;
        c->timer = t;
        c->gate = i != 2; /* channel 2's GATE is port 0x61 bit 0, clear at reset */
        c->count = 0x10000;
        c->rw_mode = RW_WORD;
    }
    s->port61 = 0;
    /* Mode 0, no count: OUT low. */
    timer_del(s->ch[0].timer);
    qemu_set_irq(s->irq, 0);
}

static bool pit_realize(DeviceState *dev, GError **errp)
{
    PITState *s = (PITState *)dev;

    if (!isa_check_irq(TYPE_I8254, s->irq_num, errp)) {
        return false;
    }
    memory_region_init_io(&s->io, &pit_ops, s, "pit", 4);
    if (!isa_register_ioport(&s->io, s->iobase, TYPE_I8254, errp)) {
        return false;
    }
    memory_region_init_io(&s->port61_io, &port61_ops, s, "port61", 1);
    if (!isa_register_ioport(&s->port61_io, PORT61_IOBASE, TYPE_I8254, errp)) {
        return false;
    }
    s->irq = isa_get_irq(s->irq_num);
    s->ch[0].timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, pit_timer_cb, s);
    return true;
}

static void pit_unrealize(DeviceState *dev)
{
    PITState *s = (PITState *)dev;

    if (s->io.container) {
        isa_unregister_ioport(&s->io);
    }
    if (s->port61_io.container) {
        isa_unregister_ioport(&s->port61_io);
    }
    if (s->ch[0].timer) {
        timer_free(s->ch[0].timer);
    }
}

static void pit_info(DeviceState *dev, GString *out)
{
    PITState *s = (PITState *)dev;

    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        PITChannel *c = &s->ch[i];
        g_string_append_printf(out, "ch%d: mode=%d rw=%d bcd=%d gate=%d count=%u out=%d\n", i,
                               c->mode, c->rw_mode, c->bcd, c->gate, c->count, pit_out(c));
    }
}

static const Property pit_props[] = {
    DEFINE_PROP_UINT32("iobase", PITState, iobase, PIT_IOBASE),
    DEFINE_PROP_UINT32("irq", PITState, irq_num, PIT_ISA_IRQ),
    DEFINE_PROP_END,
};

static const DeviceInfo pit_info_dev = {
    .name = TYPE_I8254,
    .desc = "8254 interval timer (0x40-0x43, IRQ 0) and port 0x61",
    .spec = "Intel 8254 datasheet; PC/AT port 0x61",
    .instance_size = sizeof(PITState),
    .props = pit_props,
    .realize = pit_realize,
    .reset = pit_reset,
    .unrealize = pit_unrealize,
    .info = pit_info,
};
device_init(pit_info_dev)
