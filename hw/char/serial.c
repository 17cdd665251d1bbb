/*
 * serial.c: 16550A UART ("isa-serial").
 *
 * Follows the National Semiconductor PC16550D datasheet (June 1995): register
 * map with DLAB (Table II), IIR priorities (Table IV: line status > received
 * data / character timeout > THR empty > modem status), 16-byte FIFOs with
 * trigger levels 1/4/8/14 and reset bits (FCR), LSR (DR, OE, BI, THRE, TEMT, RX FIFO error),
 * MCR loopback (TX to RX, OUT1/OUT2/RTS/DTR to RI/DCD/CTS/DSR) and MSR deltas.
 *
 * Timing: the transmitter drains at the programmed baud rate on the virtual
 * clock (THRE/TEMT and the THRE interrupt follow it, deterministically under a
 * manual clock), but each byte goes to the host backend as soon as the guest
 * writes it, so a host terminal is never slowed to the guest's baud rate.
 * With tx-timing=off the transmitter is instant instead (THR empty again at once,
 * as QEMU's UART): a guest console that polls THRE per character then costs no
 * guest time (at 115200 baud the timed model costs 86.8 us per polled byte).
 * Host input is flow-controlled: the backend offers only what the FIFO (or RBR)
 * has room for, so it never overruns; loopback can.
 * Left out: parity/framing errors (never happen on a virtual line), DMA mode
 * signalling (FCR bit 3 is stored only), the 16750 64-byte FIFO, gating the IRQ
 * with OUT2 (XXX: as QEMU, the line is driven whatever OUT2 says).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "exec/memory.h"
#include "chardev/char.h"
#include "hw/isa.h"
#include "hw/char/serial.h"
#include "trace-events.h"

/* Register offsets (DLAB = LCR bit 7 selects DLL/DLM at 0/1) */
#define UART_RBR     0 /* read, DLAB=0 */
#define UART_THR     0 /* write, DLAB=0 */
#define UART_DLL     0 /* DLAB=1 */
#define UART_IER     1 /* DLAB=0 */
#define UART_DLM     1 /* DLAB=1 */
#define UART_IIR     2 /* read */
#define UART_FCR     2 /* write */
#define UART_LCR     3
#define UART_MCR     4
#define UART_LSR     5
#define UART_MSR     6
#define UART_SCR     7
#define UART_NR_REGS 8

#define UART_IER_RDI  0x01 /* received data available (and timeout) */
#define UART_IER_THRI 0x02 /* THR empty */
#define UART_IER_RLSI 0x04 /* receiver line status */
#define UART_IER_MSI  0x08 /* modem status */
#define UART_IER_MASK 0x0f

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_RLSI   0x06
#define UART_IIR_CTI    0x0c
#define UART_IIR_FIFO   0xc0 /* both set when FIFOs are enabled */

#define UART_FCR_ENABLE    0x01
#define UART_FCR_CLEAR_RCV 0x02
#define UART_FCR_CLEAR_XMT 0x04
#define UART_FCR_DMA       0x08
#define UART_FCR_TRIGGER   0xc0

#define UART_LCR_WLEN   0x03 /* word length - 5 */
#define UART_LCR_STOP   0x04
#define UART_LCR_PARITY 0x08
#define UART_LCR_SBC    0x40 /* set break */
#define UART_LCR_DLAB   0x80

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1f

#define UART_LSR_DR      0x01
#define UART_LSR_OE      0x02
#define UART_LSR_PE      0x04
#define UART_LSR_FE      0x08
#define UART_LSR_BI      0x10
#define UART_LSR_THRE    0x20
#define UART_LSR_TEMT    0x40
#define UART_LSR_FIFOE   0x80 /* a break (the only error here) is in the RX FIFO */
#define UART_LSR_INT_ANY (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS  0x01
#define UART_MSR_DDSR  0x02
#define UART_MSR_TERI  0x04
#define UART_MSR_DDCD  0x08
#define UART_MSR_CTS   0x10
#define UART_MSR_DSR   0x20
#define UART_MSR_RI    0x40
#define UART_MSR_DCD   0x80
#define UART_MSR_DELTA 0x0f

#define UART_FIFO_SIZE     16
#define UART_CLOCK_HZ      1843200 /* the PC's 1.8432 MHz crystal: 115200 baud at divisor 1 */
#define UART_RX_TIMEOUT    4       /* character times before the timeout interrupt */
#define UART_RESET_DIVISOR 12      /* 9600 baud */

static const uint8_t rx_trigger_levels[4] = {1, 4, 8, 14}; /* FCR bits 7:6 */

struct SerialState {
    DeviceState parent;
    uint32_t iobase, irq_num;
    char *chardev;
    bool tx_timing;

    MemoryRegion io;
    qemu_irq irq;
    CharBackend chr;
    QEMUTimer *tx_timer, *timeout_timer;

    uint16_t divisor;
    uint8_t ier, iir, fcr, lcr, mcr, lsr, msr, scr;
    uint8_t rx[UART_FIFO_SIZE];
    bool rx_brk[UART_FIFO_SIZE]; /* the byte came with a break */
    unsigned rx_head, rx_count;
    unsigned tx_count; /* bytes waiting in THR or the TX FIFO */
    bool tsr_busy;     /* the shift register is sending a byte */
    bool thr_ipending, timeout_ipending;
    int64_t char_ns;

    void (*tx_hook)(void *opaque);
    void *tx_hook_opaque;
};

static bool fifo_on(SerialState *s)
{
    return s->fcr & UART_FCR_ENABLE;
}

static unsigned fifo_cap(SerialState *s)
{
    return fifo_on(s) ? UART_FIFO_SIZE : 1;
}

static bool loopback(SerialState *s)
{
    return s->mcr & UART_MCR_LOOP;
}

static void serial_update_char_time(SerialState *s)
{
    unsigned data = 5 + (s->lcr & UART_LCR_WLEN);
    unsigned stop_halves = !(s->lcr & UART_LCR_STOP) ? 2 : data == 5 ? 3 : 4;
    unsigned half_bits = 2 * (1 + data + !!(s->lcr & UART_LCR_PARITY)) + stop_halves;
    uint64_t div = s->divisor ? s->divisor : 1; /* 0 is undefined; run at full speed */

    s->char_ns = half_bits * div * 16 * (uint64_t)NANOSECONDS_PER_SECOND / (2 * UART_CLOCK_HZ);
    trace_serial_char_time(s->iobase, s->divisor, s->lcr, s->char_ns);
}

int64_t serial_char_time_ns(SerialState *s)
{
    return s->char_ns;
}

static bool rx_ready(SerialState *s)
{
    if (fifo_on(s)) {
        return s->rx_count >= rx_trigger_levels[s->fcr >> 6];
    }
    return s->lsr & UART_LSR_DR;
}

static void serial_update_irq(SerialState *s)
{
    uint8_t id = UART_IIR_NO_INT, old_iir = s->iir;

    if ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_INT_ANY)) {
        id = UART_IIR_RLSI;
    } else if ((s->ier & UART_IER_RDI) && rx_ready(s)) {
        id = UART_IIR_RDI;
    } else if ((s->ier & UART_IER_RDI) && s->timeout_ipending) {
        id = UART_IIR_CTI;
    } else if ((s->ier & UART_IER_THRI) && s->thr_ipending) {
        id = UART_IIR_THRI;
    } else if ((s->ier & UART_IER_MSI) && (s->msr & UART_MSR_DELTA)) {
        id = UART_IIR_MSI;
    }
    s->iir = id | (fifo_on(s) ? UART_IIR_FIFO : 0);
    if (s->iir != old_iir) {
        trace_serial_irq(s->iobase, s->iir, id != UART_IIR_NO_INT);
    }
    qemu_set_irq(s->irq, id != UART_IIR_NO_INT);
}

/* --- receive ----------------------------------------------------------------- */

static bool rx_has_break(SerialState *s)
{
    for (unsigned i = 0; i < s->rx_count; i++) {
        if (s->rx_brk[(s->rx_head + i) % UART_FIFO_SIZE]) {
            return true;
        }
    }
    return false;
}

static void rx_clear(SerialState *s)
{
    s->rx_head = s->rx_count = 0;
    memset(s->rx_brk, 0, sizeof(s->rx_brk));
    s->lsr &= ~UART_LSR_DR;
    s->timeout_ipending = false;
    timer_del(s->timeout_timer);
}

static void rx_arm_timeout(SerialState *s)
{
    if (fifo_on(s) && s->rx_count) {
        timer_mod(s->timeout_timer,
                  qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + UART_RX_TIMEOUT * s->char_ns);
    } else {
        timer_del(s->timeout_timer);
    }
}

static void serial_timeout_cb(void *opaque)
{
    SerialState *s = opaque;

    if (s->rx_count) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

static void serial_receive_byte(SerialState *s, uint8_t b, bool brk)
{
    trace_serial_receive(s->iobase, b, brk);
    if (s->rx_count == fifo_cap(s)) {
        trace_serial_overrun(s->iobase);
        s->lsr |= UART_LSR_OE;
        if (fifo_on(s)) {
            goto out; /* the FIFO keeps its bytes; the new one is lost */
        }
        s->rx_count = 0; /* RBR is overwritten */
    }
    s->rx_brk[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = brk;
    s->rx[(s->rx_head + s->rx_count++) % UART_FIFO_SIZE] = b;
    s->lsr |= UART_LSR_DR | (brk ? UART_LSR_BI : 0);
out:
    s->timeout_ipending = false;
    rx_arm_timeout(s);
    serial_update_irq(s);
}

static uint8_t serial_read_rbr(SerialState *s)
{
    uint8_t v = s->rx[s->rx_head];
    bool was_full = s->rx_count == fifo_cap(s);

    if (s->rx_count) {
        s->rx_brk[s->rx_head] = false;
        s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
        s->rx_count--;
    }
    if (!s->rx_count) {
        s->lsr &= ~UART_LSR_DR;
    }
    s->timeout_ipending = false;
    rx_arm_timeout(s);
    serial_update_irq(s);
    if (was_full && s->chr.chr) {
        qemu_chr_fe_accept_input(&s->chr);
    }
    return v;
}

static int serial_can_receive(void *opaque)
{
    SerialState *s = opaque;

    if (loopback(s)) {
        return 0; /* the serial input is disconnected in loopback */
    }
    return fifo_cap(s) - s->rx_count;
}

static void serial_receive(void *opaque, const uint8_t *buf, int size)
{
    for (int i = 0; i < size; i++) {
        serial_receive_byte(opaque, buf[i], false);
    }
}

static void serial_event(void *opaque, QEMUChrEvent event)
{
    if (event == CHR_EVENT_BREAK) {
        serial_receive_byte(opaque, 0, true);
    }
}

/* --- transmit ------------------------------------------------------------------ */

static void tx_update_lsr(SerialState *s)
{
    bool was_empty = s->lsr & UART_LSR_THRE;

    s->lsr &= ~(UART_LSR_THRE | UART_LSR_TEMT);
    if (!s->tx_count) {
        s->lsr |= UART_LSR_THRE | (s->tsr_busy ? 0 : UART_LSR_TEMT);
        if (!was_empty) {
            s->thr_ipending = true;
        }
    }
}

/* Moves the next byte into the shift register and times its transmission. */
static void tx_start_next(SerialState *s)
{
    if (s->tsr_busy || !s->tx_count) {
        return;
    }
    s->tx_count--;
    s->tsr_busy = true;
    timer_mod(s->tx_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + s->char_ns);
}

static void serial_tx_cb(void *opaque)
{
    SerialState *s = opaque;

    s->tsr_busy = false;
    tx_start_next(s);
    tx_update_lsr(s);
    serial_update_irq(s);
}

static void serial_send(SerialState *s, uint8_t b)
{
    if (loopback(s)) {
        serial_receive_byte(s, b, false);
        return;
    }
    if (s->tx_hook) {
        void (*fn)(void *) = s->tx_hook;
        s->tx_hook = NULL;
        fn(s->tx_hook_opaque);
    }
    if (s->chr.chr) {
        qemu_chr_fe_write(&s->chr, &b, 1); /* buffers or drops; never waits */
    }
}

static void serial_write_thr(SerialState *s, uint8_t b)
{
    if (s->tx_count == fifo_cap(s)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: THR written while full; byte 0x%02x lost\n",
                      TYPE_ISA_SERIAL, b);
        return;
    }
    serial_send(s, b);
    if (!s->tx_timing) {
        s->thr_ipending = true; /* THR and shift register empty again at once */
        serial_update_irq(s);
        return;
    }
    s->tx_count++;
    s->thr_ipending = false;
    s->lsr &= ~(UART_LSR_THRE | UART_LSR_TEMT);
    tx_start_next(s);
    tx_update_lsr(s);
    serial_update_irq(s);
}

void serial_set_tx_hook(SerialState *s, void (*fn)(void *opaque), void *opaque)
{
    s->tx_hook = fn;
    s->tx_hook_opaque = opaque;
}

/* --- modem lines ---------------------------------------------------------------- */

static void serial_update_msr(SerialState *s)
{
    uint8_t in, old = s->msr, changed;

    if (loopback(s)) {
        in = (s->mcr & UART_MCR_RTS ? UART_MSR_CTS : 0) |
             (s->mcr & UART_MCR_DTR ? UART_MSR_DSR : 0) |
             (s->mcr & UART_MCR_OUT1 ? UART_MSR_RI : 0) |
             (s->mcr & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
    } else {
        in = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD; /* the host side is always there */
    }
    changed = old ^ in;
    s->msr = (old & UART_MSR_DELTA) | in;
    s->msr |= (changed & UART_MSR_CTS ? UART_MSR_DCTS : 0) |
              (changed & UART_MSR_DSR ? UART_MSR_DDSR : 0) |
              (changed & UART_MSR_DCD ? UART_MSR_DDCD : 0) |
              ((old & UART_MSR_RI) && !(in & UART_MSR_RI) ? UART_MSR_TERI : 0);
}

/* --- registers ------------------------------------------------------------------- */

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    if ((val ^ s->fcr) & UART_FCR_ENABLE) {
        /* Changing FCR0 clears both FIFOs (datasheet, FCR bit 0). */
        val |= UART_FCR_CLEAR_RCV | UART_FCR_CLEAR_XMT;
    }
    if (val & UART_FCR_CLEAR_RCV) {
        rx_clear(s);
    }
    if (val & UART_FCR_CLEAR_XMT) {
        s->tx_count = 0; /* the shift register finishes its byte */
        tx_update_lsr(s);
    }
    /* Other bits are programmed only with FCR0 set. */
    s->fcr = val & UART_FCR_ENABLE ? val & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER) : 0;
    if (val & UART_FCR_CLEAR_RCV && s->chr.chr) {
        qemu_chr_fe_accept_input(&s->chr);
    }
}

static void serial_write_ier(SerialState *s, uint8_t val)
{
    uint8_t old = s->ier;

    if (val & ~UART_IER_MASK) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: reserved IER bits 0x%02x written\n", TYPE_ISA_SERIAL,
                      val & ~UART_IER_MASK);
    }
    s->ier = val & UART_IER_MASK;
    /* Enabling ETBEI with THR empty raises the THRE interrupt at once. */
    if ((s->ier & ~old & UART_IER_THRI) && (s->lsr & UART_LSR_THRE)) {
        s->thr_ipending = true;
    }
}

static void serial_write_mcr(SerialState *s, uint8_t val)
{
    bool was_loop = loopback(s);

    if (val & ~UART_MCR_MASK) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: reserved MCR bits 0x%02x written\n", TYPE_ISA_SERIAL,
                      val & ~UART_MCR_MASK);
    }
    s->mcr = val & UART_MCR_MASK;
    serial_update_msr(s);
    if (was_loop && !loopback(s) && s->chr.chr) {
        qemu_chr_fe_accept_input(&s->chr);
    }
}

static void serial_write(void *opaque, hwaddr addr, uint64_t val64, unsigned size)
{
    SerialState *s = opaque;
    uint8_t val = val64;
    bool dlab = s->lcr & UART_LCR_DLAB;

    trace_serial_write(s->iobase, addr, val);
    switch (addr) {
    case UART_THR:
        if (dlab) {
            s->divisor = (s->divisor & 0xff00) | val;
            serial_update_char_time(s);
        } else {
            serial_write_thr(s, val);
        }
        return;
    case UART_IER:
        if (dlab) {
            s->divisor = (s->divisor & 0x00ff) | (val << 8);
            serial_update_char_time(s);
            return;
        }
        serial_write_ier(s, val);
        break;
    case UART_FCR:
        serial_write_fcr(s, val);
        break;
    case UART_LCR:
        s->lcr = val;
        serial_update_char_time(s);
        break;
    case UART_MCR:
        serial_write_mcr(s, val);
        break;
    case UART_LSR:
    case UART_MSR:
        qemu_log_mask(LOG_GUEST_ERROR, "%s: write 0x%02x to read-only %s ignored\n",
                      TYPE_ISA_SERIAL, val, addr == UART_LSR ? "LSR" : "MSR");
        return;
    case UART_SCR:
        s->scr = val;
        return;
    }
    serial_update_irq(s);
}

static uint8_t serial_read_reg(SerialState *s, hwaddr addr)
{
    bool dlab = s->lcr & UART_LCR_DLAB;
    uint8_t v;

    switch (addr) {
    case UART_RBR:
        return dlab ? s->divisor & 0xff : serial_read_rbr(s);
    case UART_IER:
        return dlab ? s->divisor >> 8 : s->ier;
    case UART_IIR:
        v = s->iir;
        /* Reading IIR while it reports THRE clears that interrupt (Table IV). */
        if ((v & 0x0f) == UART_IIR_THRI) {
            s->thr_ipending = false;
            serial_update_irq(s);
        }
        return v;
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        v = s->lsr | (fifo_on(s) && rx_has_break(s) ? UART_LSR_FIFOE : 0);
        s->lsr &= ~UART_LSR_INT_ANY;
        serial_update_irq(s);
        return v;
    case UART_MSR:
        v = s->msr;
        s->msr &= ~UART_MSR_DELTA;
        serial_update_irq(s);
        return v;
    default:
        return s->scr;
    }
}

static uint64_t serial_read(void *opaque, hwaddr addr, unsigned size)
{
    SerialState *s = opaque;
    uint8_t v = serial_read_reg(s, addr);

    trace_serial_read(s->iobase, addr, v);
    return v;
}

static const MemoryRegionOps serial_ops = {
    .read = serial_read,
    .write = serial_write,
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

/* --- device ------------------------------------------------------------------------ */

static void serial_reset(DeviceState *dev)
{
    SerialState *s = (SerialState *)dev;

    trace_serial_reset(s->iobase);
    timer_del(s->tx_timer);
    rx_clear(s);
    s->divisor = UART_RESET_DIVISOR;
    s->ier = s->fcr = s->lcr = s->mcr = 0;
    s->lsr = UART_LSR_THRE | UART_LSR_TEMT;
    s->msr = 0;
    serial_update_msr(s);
    s->msr &= ~UART_MSR_DELTA;
    s->tx_count = 0;
    s->tsr_busy = false;
    s->thr_ipending = false;
    serial_update_char_time(s);
    serial_update_irq(s);
    if (s->chr.chr) {
        qemu_chr_fe_accept_input(&s->chr); /* the FIFO is empty: input may flow again */
    }
}

static bool serial_connect_chardev(SerialState *s, GError **errp)
{
    Chardev *chr;

    if (!s->chardev || !*s->chardev) {
        return true; /* no backend: output is dropped, no input */
    }
    chr = qemu_chr_find(s->chardev);
    if (!chr) {
        g_set_error(errp, TERN_ERROR, 0, "%s: chardev '%s' not found", TYPE_ISA_SERIAL, s->chardev);
        return false;
    }
    if (!qemu_chr_fe_init(&s->chr, chr, errp)) {
        return false;
    }
    qemu_chr_fe_set_handlers(&s->chr, serial_can_receive, serial_receive, serial_event, s);
    return true;
}

static bool serial_realize(DeviceState *dev, GError **errp)
{
    SerialState *s = (SerialState *)dev;

    if (!isa_check_irq(TYPE_ISA_SERIAL, s->irq_num, errp)) {
        return false;
    }
    memory_region_init_io(&s->io, &serial_ops, s, "serial", UART_NR_REGS);
    if (!isa_register_ioport(&s->io, s->iobase, TYPE_ISA_SERIAL, errp)) {
        memory_region_destroy(&s->io);
        return false;
    }
    if (!serial_connect_chardev(s, errp)) {
        isa_unregister_ioport(&s->io);
        return false;
    }
    s->irq = isa_get_irq(s->irq_num);
    s->tx_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, serial_tx_cb, s);
    s->timeout_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, serial_timeout_cb, s);
    return true;
}

static void serial_unrealize(DeviceState *dev)
{
    SerialState *s = (SerialState *)dev;

    if (s->chr.chr) {
        qemu_chr_fe_deinit(&s->chr);
    }
    timer_free(s->tx_timer);
    timer_free(s->timeout_timer);
    isa_unregister_ioport(&s->io);
}

static void serial_info(DeviceState *dev, GString *out)
{
    SerialState *s = (SerialState *)dev;

    g_string_append_printf(out, "  divisor %u (%u baud), lcr 0x%02x, fifo %s\n", s->divisor,
                           s->divisor ? UART_CLOCK_HZ / 16 / s->divisor : 0, s->lcr,
                           fifo_on(s) ? "on" : "off");
}

static const Property serial_props[] = {
    DEFINE_PROP_UINT32("iobase", SerialState, iobase, 0x3f8),
    DEFINE_PROP_UINT32("irq", SerialState, irq_num, 4),
    DEFINE_PROP_CHR("chardev", SerialState, chardev),
    DEFINE_PROP_BOOL("tx-timing", SerialState, tx_timing, true),
    DEFINE_PROP_END,
};

static const DeviceInfo serial_info_s = {
    .name = TYPE_ISA_SERIAL,
    .desc = "16550A UART",
    .spec = "PC16550D UART with FIFOs, National Semiconductor datasheet",
    .instance_size = sizeof(SerialState),
    .props = serial_props,
    .user_creatable = true,
    .realize = serial_realize,
    .reset = serial_reset,
    .unrealize = serial_unrealize,
    .info = serial_info,
};
device_init(serial_info_s)
