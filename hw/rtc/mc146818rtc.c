/*
 * mc146818rtc.c: Motorola MC146818A real-time clock plus RAM, as CMOS on the PC.
 *
 * Follows the MC146818A datasheet: address/data ports (the PC's 0x70 index
 * port with bit 7 masking NMI), time and alarm registers in BCD or binary
 * (register B DM) and 12/24-hour format, registers A-D, periodic interrupt
 * rates from RS3-RS0 at the 32.768 kHz time base, update-ended interrupt each
 * second, alarm with "don't care" values (0xC0-0xFF), register C cleared by
 * reading (and the IRQ with it), SET inhibiting updates (and clearing UIE),
 * UIP high for the 244 us before each update, divider reset (DV=11x: the first
 * update comes 500 ms after it ends).
 *
 * The clock starts from the host's wall clock (or the "base" property) and
 * then advances with the virtual clock, so it stops with the VM and is
 * deterministic under a manual clock. Updates happen on a 1 s grid of virtual
 * time; the periodic interrupt uses a grid of 32.768 kHz ticks.
 * Left out: the 4.194304/1.048576 MHz time bases (treated as stopped, logged),
 * daylight saving (DSE is stored, logged), the square-wave output pin.
 * The day of week is derived from the date on each update.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "exec/memory.h"
#include "hw/isa.h"
#include "hw/rtc/mc146818rtc.h"
#include "trace-events.h"

#define RTC_SECONDS       0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES       0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS         0x04
#define RTC_HOURS_ALARM   0x05
#define RTC_DAY_OF_WEEK   0x06
#define RTC_DAY_OF_MONTH  0x07
#define RTC_MONTH         0x08
#define RTC_YEAR          0x09
#define RTC_REG_A         0x0a
#define RTC_REG_B         0x0b
#define RTC_REG_C         0x0c
#define RTC_REG_D         0x0d
#define RTC_CMOS_SIZE     128

#define RTC_INDEX_MASK 0x7f
#define RTC_NMI_MASK   0x80 /* index port bit 7: NMI disabled */

#define REG_A_UIP      0x80
#define REG_A_DV       0x70
#define REG_A_DV_32K   0x20 /* 32.768 kHz time base: the only one that runs here */
#define REG_A_DV_RESET 0x60 /* 11x: divider chain held in reset */
#define REG_A_RS       0x0f
#define REG_B_SET      0x80
#define REG_B_PIE      0x40
#define REG_B_AIE      0x20
#define REG_B_UIE      0x10
#define REG_B_SQWE     0x08
#define REG_B_DM       0x04 /* 1: binary */
#define REG_B_24H      0x02
#define REG_B_DSE      0x01
#define REG_C_IRQF     0x80
#define REG_C_PF       0x40
#define REG_C_AF       0x20
#define REG_C_UF       0x10
#define REG_D_VRT      0x80 /* valid RAM and time: the battery is fine */

#define REG_A_DEFAULT   (REG_A_DV_32K | 0x06) /* 1024 Hz, as a PC BIOS leaves it */
#define REG_B_DEFAULT   REG_B_24H
#define ALARM_DONT_CARE 0xc0
#define HOUR_PM         0x80

#define RTC_TICK_HZ       32768
#define RTC_UIP_NS        244000
#define RTC_DV_RESTART_NS (NANOSECONDS_PER_SECOND / 2)
#define RTC_MAX_CATCHUP   86400 /* beyond this many missed updates, jump */

struct RTCState {
    DeviceState parent;
    uint32_t iobase, irq_num;
    char *base;

    MemoryRegion io;
    qemu_irq irq;
    QEMUTimer *update_timer, *periodic_timer;

    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t index;
    bool nmi_masked;
    int64_t cur_sec;        /* the time the registers show, seconds since 1970 */
    int64_t next_update_ns; /* virtual time of the next update, when running */
    int64_t pf_index;       /* last periodic period accounted for in PF */
};

/* --- encoding ---------------------------------------------------------------- */

static bool binary_mode(RTCState *s)
{
    return s->cmos[RTC_REG_B] & REG_B_DM;
}

static uint8_t to_reg(RTCState *s, int v)
{
    return binary_mode(s) ? v : ((v / 10) << 4) | (v % 10);
}

static int from_reg(RTCState *s, uint8_t v)
{
    return binary_mode(s) ? v : (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t hour_to_reg(RTCState *s, int h)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return to_reg(s, h);
    }
    return to_reg(s, h % 12 ? h % 12 : 12) | (h >= 12 ? HOUR_PM : 0);
}

static int hour_from_reg(RTCState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return from_reg(s, v);
    }
    return from_reg(s, v & ~HOUR_PM) % 12 + (v & HOUR_PM ? 12 : 0);
}

/* Writes cur_sec into the time registers in the current format. */
static void rtc_store_time(RTCState *s)
{
    time_t t = s->cur_sec;
    struct tm tm;

    gmtime_r(&t, &tm);
    s->cmos[RTC_SECONDS] = to_reg(s, tm.tm_sec);
    s->cmos[RTC_MINUTES] = to_reg(s, tm.tm_min);
    s->cmos[RTC_HOURS] = hour_to_reg(s, tm.tm_hour);
    s->cmos[RTC_DAY_OF_WEEK] = to_reg(s, tm.tm_wday + 1);
    s->cmos[RTC_DAY_OF_MONTH] = to_reg(s, tm.tm_mday);
    s->cmos[RTC_MONTH] = to_reg(s, tm.tm_mon + 1);
    s->cmos[RTC_YEAR] = to_reg(s, (tm.tm_year + 1900) % 100);
    s->cmos[RTC_REG_CENTURY] = to_reg(s, (tm.tm_year + 1900) / 100);
}

/* Reads the time registers (as the guest set them) into cur_sec. */
static void rtc_load_time(RTCState *s)
{
    int yy = from_reg(s, s->cmos[RTC_YEAR]), century = from_reg(s, s->cmos[RTC_REG_CENTURY]);
    struct tm tm = {
        .tm_sec = from_reg(s, s->cmos[RTC_SECONDS]),
        .tm_min = from_reg(s, s->cmos[RTC_MINUTES]),
        .tm_hour = hour_from_reg(s, s->cmos[RTC_HOURS]),
        .tm_mday = from_reg(s, s->cmos[RTC_DAY_OF_MONTH]),
        .tm_mon = from_reg(s, s->cmos[RTC_MONTH]) - 1,
    };

    if (century < 19 || century > 29) {
        century = yy >= 70 ? 19 : 20; /* no sensible century byte: the usual window */
    }
    tm.tm_year = century * 100 + yy - 1900;
    if (tm.tm_sec > 59 || tm.tm_min > 59 || tm.tm_hour > 23 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_mon < 0 || tm.tm_mon > 11) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: invalid time %02d:%02d:%02d %02d/%02d written\n",
                      TYPE_MC146818_RTC, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_mday,
                      tm.tm_mon + 1);
    }
    s->cur_sec = timegm(&tm); /* normalizes out-of-range fields */
}

/* --- interrupts -------------------------------------------------------------- */

static void rtc_update_irq(RTCState *s)
{
    uint8_t b = s->cmos[RTC_REG_B], c = s->cmos[RTC_REG_C];
    bool irqf = ((c & REG_C_PF) && (b & REG_B_PIE)) || ((c & REG_C_AF) && (b & REG_B_AIE)) ||
                ((c & REG_C_UF) && (b & REG_B_UIE));

    /* IRQF = PF.PIE + AF.AIE + UF.UIE (register C description). */
    s->cmos[RTC_REG_C] = (c & ~REG_C_IRQF) | (irqf ? REG_C_IRQF : 0);
    if (s->cmos[RTC_REG_C] != c) {
        trace_rtc_irq(s->cmos[RTC_REG_C], irqf);
    }
    qemu_set_irq(s->irq, irqf);
}

static bool divider_running(RTCState *s)
{
    return (s->cmos[RTC_REG_A] & REG_A_DV) == REG_A_DV_32K;
}

static bool clock_running(RTCState *s)
{
    return divider_running(s) && !(s->cmos[RTC_REG_B] & REG_B_SET);
}

/* --- periodic interrupt ---------------------------------------------------------- */

/* Period in 32.768 kHz ticks for RS3-RS0 (rates 1 and 2 alias 8 and 9); 0: none. */
static int64_t periodic_ticks(RTCState *s)
{
    unsigned rs = s->cmos[RTC_REG_A] & REG_A_RS;

    if (!rs || !divider_running(s)) {
        return 0;
    }
    return rs <= 2 ? 1 << (rs + 6) : 1 << (rs - 1);
}

static int64_t ns_to_ticks(int64_t ns)
{
    return ns / NANOSECONDS_PER_SECOND * RTC_TICK_HZ +
           ns % NANOSECONDS_PER_SECOND * RTC_TICK_HZ / NANOSECONDS_PER_SECOND;
}

/* The first nanosecond at or after the given tick. */
static int64_t ticks_to_ns(int64_t ticks)
{
    return ticks / RTC_TICK_HZ * NANOSECONDS_PER_SECOND +
           (ticks % RTC_TICK_HZ * NANOSECONDS_PER_SECOND + RTC_TICK_HZ - 1) / RTC_TICK_HZ;
}

static int64_t periodic_index_now(RTCState *s, int64_t period)
{
    return ns_to_ticks(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL)) / period;
}

/* Sets PF if a period ended since the last time; true if it did. */
static bool rtc_periodic_catch_up(RTCState *s)
{
    int64_t period = periodic_ticks(s), idx;

    if (!period) {
        return false;
    }
    idx = periodic_index_now(s, period);
    if (idx > s->pf_index) {
        s->pf_index = idx;
        s->cmos[RTC_REG_C] |= REG_C_PF;
        return true;
    }
    return false;
}

/*
 * PF is computed when read; the timer runs only while PIE wants an interrupt
 * that is not already pending (reading C re-arms it).
 */
static void rtc_periodic_arm(RTCState *s)
{
    int64_t period = periodic_ticks(s);

    if (!period || !(s->cmos[RTC_REG_B] & REG_B_PIE) || (s->cmos[RTC_REG_C] & REG_C_PF)) {
        timer_del(s->periodic_timer);
        return;
    }
    timer_mod(s->periodic_timer, ticks_to_ns((s->pf_index + 1) * period));
}

static void rtc_periodic_restart(RTCState *s)
{
    int64_t period = periodic_ticks(s);

    s->pf_index = period ? periodic_index_now(s, period) : 0;
    rtc_periodic_arm(s);
}

static void rtc_periodic_cb(void *opaque)
{
    RTCState *s = opaque;

    rtc_periodic_catch_up(s);
    rtc_update_irq(s);
    rtc_periodic_arm(s);
}

/* --- update cycle ------------------------------------------------------------------ */

static bool alarm_field_matches(uint8_t alarm, uint8_t cur)
{
    return (alarm & ALARM_DONT_CARE) == ALARM_DONT_CARE || alarm == cur;
}

static void rtc_check_alarm(RTCState *s)
{
    const uint8_t *c = s->cmos;

    if (alarm_field_matches(c[RTC_SECONDS_ALARM], c[RTC_SECONDS]) &&
        alarm_field_matches(c[RTC_MINUTES_ALARM], c[RTC_MINUTES]) &&
        alarm_field_matches(c[RTC_HOURS_ALARM], c[RTC_HOURS])) {
        s->cmos[RTC_REG_C] |= REG_C_AF;
    }
}

/* Runs the updates due by now (one per second of virtual time). */
static void rtc_update_catch_up(RTCState *s)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), n;

    if (!clock_running(s) || now < s->next_update_ns) {
        return;
    }
    n = (now - s->next_update_ns) / NANOSECONDS_PER_SECOND + 1;
    if (n > RTC_MAX_CATCHUP) {
        s->cur_sec += n - 1; /* a long gap: only the last update can match an alarm */
        n = 1;
    }
    s->next_update_ns += n * NANOSECONDS_PER_SECOND;
    while (n--) {
        s->cur_sec++;
        rtc_store_time(s);
        rtc_check_alarm(s);
    }
    s->cmos[RTC_REG_C] |= REG_C_UF;
    rtc_update_irq(s);
}

/*
 * The update timer runs only while an update can change a flag: UF not yet set,
 * or an enabled alarm not yet flagged. Otherwise the time registers catch up
 * when read, and reading C re-arms it, so long clock jumps cost no per-second work.
 */
static bool rtc_update_wanted(RTCState *s)
{
    uint8_t c = s->cmos[RTC_REG_C];

    return !(c & REG_C_UF) || ((s->cmos[RTC_REG_B] & REG_B_AIE) && !(c & REG_C_AF));
}

static void rtc_update_arm(RTCState *s)
{
    if (clock_running(s) && rtc_update_wanted(s)) {
        timer_mod(s->update_timer, s->next_update_ns);
    } else {
        timer_del(s->update_timer);
    }
}

static void rtc_update_cb(void *opaque)
{
    RTCState *s = opaque;

    rtc_update_catch_up(s);
    rtc_update_arm(s);
}

/* The clock starts (again): the next update one second (or first_ns) from now. */
static void rtc_clock_start(RTCState *s, int64_t first_ns)
{
    s->next_update_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + first_ns;
    rtc_update_arm(s);
}

static bool rtc_uip(RTCState *s)
{
    return clock_running(s) &&
           s->next_update_ns - qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) <= RTC_UIP_NS;
}

/* --- registers ------------------------------------------------------------------------ */

static void rtc_write_reg_a(RTCState *s, uint8_t val)
{
    uint8_t old = s->cmos[RTC_REG_A], dv = val & REG_A_DV;

    s->cmos[RTC_REG_A] = val & ~REG_A_UIP;
    if (dv != REG_A_DV_32K && (dv & REG_A_DV_RESET) != REG_A_DV_RESET) {
        qemu_log_mask(LOG_UNIMP, "%s: time base DV=%u not modelled; clock stopped\n",
                      TYPE_MC146818_RTC, dv >> 4);
    }
    if ((old & REG_A_DV) != REG_A_DV_32K && dv == REG_A_DV_32K &&
        !(s->cmos[RTC_REG_B] & REG_B_SET)) {
        rtc_load_time(s); /* the guest may have set the time while the divider was held */
        rtc_clock_start(s, RTC_DV_RESTART_NS);
    } else if (!divider_running(s)) {
        timer_del(s->update_timer);
    }
    if ((old ^ val) & (REG_A_DV | REG_A_RS)) {
        rtc_periodic_restart(s);
    }
}

static void rtc_write_reg_b(RTCState *s, uint8_t val)
{
    uint8_t old = s->cmos[RTC_REG_B];

    if (val & REG_B_SET) {
        val &= ~REG_B_UIE; /* SET clears UIE */
    }
    if ((val & REG_B_DSE) && !(old & REG_B_DSE)) {
        qemu_log_mask(LOG_UNIMP, "%s: daylight saving (DSE) not implemented\n", TYPE_MC146818_RTC);
    }
    s->cmos[RTC_REG_B] = val;
    if ((old ^ val) & (REG_B_DM | REG_B_24H) && !(val & REG_B_SET)) {
        rtc_store_time(s); /* re-encode the running clock in the new format */
    }
    if ((old & REG_B_SET) && !(val & REG_B_SET)) {
        rtc_load_time(s);
        if (divider_running(s)) {
            rtc_clock_start(s, NANOSECONDS_PER_SECOND);
        }
    } else if (val & REG_B_SET) {
        timer_del(s->update_timer);
    }
    if ((old ^ val) & REG_B_PIE) {
        rtc_periodic_catch_up(s);
        rtc_periodic_arm(s);
    }
    rtc_update_arm(s);
    rtc_update_irq(s);
}

static void rtc_write_data(RTCState *s, uint8_t val)
{
    unsigned idx = s->index;

    switch (idx) {
    case RTC_SECONDS ... RTC_YEAR:
        rtc_update_catch_up(s);
        s->cmos[idx] = val;
        /* Writing a time register while the clock runs sets it from the new fields. */
        if (idx != RTC_SECONDS_ALARM && idx != RTC_MINUTES_ALARM && idx != RTC_HOURS_ALARM &&
            idx != RTC_DAY_OF_WEEK && clock_running(s)) {
            rtc_load_time(s);
        }
        break;
    case RTC_REG_A:
        rtc_update_catch_up(s);
        rtc_write_reg_a(s, val);
        break;
    case RTC_REG_B:
        rtc_update_catch_up(s);
        rtc_write_reg_b(s, val);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        qemu_log_mask(LOG_GUEST_ERROR, "%s: write 0x%02x to read-only register %c ignored\n",
                      TYPE_MC146818_RTC, val, 'A' + idx - RTC_REG_A);
        break;
    default:
        s->cmos[idx] = val;
        break;
    }
}

static uint8_t rtc_read_data(RTCState *s)
{
    unsigned idx = s->index;
    uint8_t v;

    switch (idx) {
    case RTC_SECONDS ... RTC_YEAR:
    case RTC_REG_CENTURY:
        rtc_update_catch_up(s);
        return s->cmos[idx];
    case RTC_REG_A:
        rtc_update_catch_up(s);
        return s->cmos[RTC_REG_A] | (rtc_uip(s) ? REG_A_UIP : 0);
    case RTC_REG_C:
        rtc_update_catch_up(s);
        rtc_periodic_catch_up(s);
        rtc_update_irq(s);
        v = s->cmos[RTC_REG_C];
        s->cmos[RTC_REG_C] = 0;
        if (v & REG_C_IRQF) {
            trace_rtc_irq(0, 0);
        }
        qemu_set_irq(s->irq, 0);
        rtc_update_arm(s);
        rtc_periodic_arm(s);
        return v;
    case RTC_REG_D:
        return REG_D_VRT;
    default:
        return s->cmos[idx];
    }
}

static uint64_t rtc_ioport_read(void *opaque, hwaddr addr, unsigned size)
{
    RTCState *s = opaque;
    uint8_t v;

    if (addr == 0) {
        return 0xff; /* the index port is write-only */
    }
    v = rtc_read_data(s);
    trace_rtc_cmos_read(s->index, v);
    return v;
}

static void rtc_ioport_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    RTCState *s = opaque;

    if (addr == 0) {
        s->index = val & RTC_INDEX_MASK;
        s->nmi_masked = val & RTC_NMI_MASK;
        trace_rtc_index_write(s->index, s->nmi_masked);
    } else {
        trace_rtc_cmos_write(s->index, val);
        rtc_write_data(s, val);
    }
}

static const MemoryRegionOps rtc_ops = {
    .read = rtc_ioport_read,
    .write = rtc_ioport_write,
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

/* --- machine interface ------------------------------------------------------------------ */

void rtc_set_cmos(RTCState *s, int index, uint8_t val)
{
    g_assert(index >= 0 && index < RTC_CMOS_SIZE);
    s->cmos[index] = val;
}

uint8_t rtc_get_cmos(RTCState *s, int index)
{
    g_assert(index >= 0 && index < RTC_CMOS_SIZE);
    rtc_update_catch_up(s);
    if (index == RTC_REG_A) {
        return s->cmos[index] | (rtc_uip(s) ? REG_A_UIP : 0);
    }
    return index == RTC_REG_D ? REG_D_VRT : s->cmos[index];
}

bool rtc_nmi_masked(RTCState *s)
{
    return s->nmi_masked;
}

void rtc_set_time(RTCState *s, int64_t seconds)
{
    s->cur_sec = seconds;
    rtc_store_time(s);
}

int64_t rtc_get_time(RTCState *s)
{
    rtc_update_catch_up(s);
    return s->cur_sec;
}

/* --- device --------------------------------------------------------------------------------- */

static bool rtc_parse_base(RTCState *s, int64_t *sec, GError **errp)
{
    int64_t host = qemu_clock_get_ns(QEMU_CLOCK_HOST) / NANOSECONDS_PER_SECOND;
    struct tm tm = {0};
    char tail;

    if (!s->base || !strcmp(s->base, "utc")) {
        *sec = host;
        return true;
    }
    if (!strcmp(s->base, "localtime")) {
        time_t t = host;
        localtime_r(&t, &tm);
        *sec = host + tm.tm_gmtoff;
        return true;
    }
    if (sscanf(s->base, "%d-%d-%dT%d:%d:%d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &tail) != 6 ||
        tm.tm_year < 1900 || tm.tm_year > 2999 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
        tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59) {
        g_set_error(errp, TERN_ERROR, 0,
                    "%s: base '%s' is not utc, localtime or YYYY-MM-DDTHH:MM:SS", TYPE_MC146818_RTC,
                    s->base);
        return false;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *sec = timegm(&tm);
    return true;
}

static void rtc_reset(DeviceState *dev)
{
    RTCState *s = (RTCState *)dev;

    trace_rtc_reset();
    /* The RESET pin clears the interrupt enables and flags; time and RAM survive. */
    s->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    rtc_periodic_restart(s); /* PF counts periods from now */
    rtc_update_arm(s);
    qemu_set_irq(s->irq, 0);
}

static bool rtc_realize(DeviceState *dev, GError **errp)
{
    RTCState *s = (RTCState *)dev;
    int64_t sec;

    if (!isa_check_irq(TYPE_MC146818_RTC, s->irq_num, errp) || !rtc_parse_base(s, &sec, errp)) {
        return false;
    }
    memory_region_init_io(&s->io, &rtc_ops, s, "rtc", 2);
    if (!isa_register_ioport(&s->io, s->iobase, TYPE_MC146818_RTC, errp)) {
        memory_region_destroy(&s->io);
        return false;
    }
    s->irq = isa_get_irq(s->irq_num);
    s->update_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, rtc_update_cb, s);
    s->periodic_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, rtc_periodic_cb, s);
    s->cmos[RTC_REG_A] = REG_A_DEFAULT;
    s->cmos[RTC_REG_B] = REG_B_DEFAULT;
    rtc_set_time(s, sec);
    rtc_clock_start(s, NANOSECONDS_PER_SECOND);
    rtc_periodic_restart(s);
    return true;
}

static void rtc_unrealize(DeviceState *dev)
{
    RTCState *s = (RTCState *)dev;

    timer_free(s->update_timer);
    timer_free(s->periodic_timer);
    isa_unregister_ioport(&s->io);
}

static void rtc_info(DeviceState *dev, GString *out)
{
    RTCState *s = (RTCState *)dev;
    time_t t = rtc_get_time(s);
    struct tm tm;
    char buf[32];

    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    g_string_append_printf(out, "  time %s, A 0x%02x B 0x%02x C 0x%02x, nmi %s\n", buf,
                           s->cmos[RTC_REG_A], s->cmos[RTC_REG_B], s->cmos[RTC_REG_C],
                           s->nmi_masked ? "masked" : "enabled");
}

static const Property rtc_props[] = {
    DEFINE_PROP_UINT32("iobase", RTCState, iobase, 0x70),
    DEFINE_PROP_UINT32("irq", RTCState, irq_num, RTC_ISA_IRQ),
    {.name = "base", .type = PROP_STRING, .offset = offsetof(RTCState, base), .defstr = "utc"},
    DEFINE_PROP_END,
};

static const DeviceInfo rtc_info_s = {
    .name = TYPE_MC146818_RTC,
    .desc = "MC146818 real-time clock and CMOS RAM",
    .spec = "Motorola MC146818A datasheet",
    .instance_size = sizeof(RTCState),
    .props = rtc_props,
    .realize = rtc_realize,
    .reset = rtc_reset,
    .unrealize = rtc_unrealize,
    .info = rtc_info,
};
device_init(rtc_info_s)
