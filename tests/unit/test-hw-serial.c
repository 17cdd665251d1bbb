/*
 * test-hw-serial.c: the 16550A UART through its ports and IRQ 4, with a
 * stdio-style chardev on two pipes as the host side: divisor and timing,
 * FIFO trigger levels, THRE/RX/timeout/line-status interrupts and their
 * priorities, loopback, overrun, flow control, reset and bad programming.
 */
#include "hw-test.h"
#include "chardev/char.h"
#include "hw/char/serial.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#define BASE 0x3f8
#define RBR  (BASE + 0)
#define THR  (BASE + 0)
#define DLL  (BASE + 0)
#define IER  (BASE + 1)
#define DLM  (BASE + 1)
#define IIR  (BASE + 2)
#define FCR  (BASE + 2)
#define LCR  (BASE + 3)
#define MCR  (BASE + 4)
#define LSR  (BASE + 5)
#define MSR  (BASE + 6)
#define SCR  (BASE + 7)
#define IRQ  4

#define IER_RDI  0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI  0x08

#define IIR_NONE 0x01
#define IIR_MSI  0x00
#define IIR_THRI 0x02
#define IIR_RDI  0x04
#define IIR_RLSI 0x06
#define IIR_CTI  0x0c
#define IIR_FIFO 0xc0

#define LSR_DR    0x01
#define LSR_OE    0x02
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define LSR_BI    0x10
#define LSR_FIFOE 0x80

#define MCR_LOOP 0x10

static SerialState *uart;
static Chardev *chr;
static int host_in[2], host_out[2]; /* [0] read end, [1] write end */
static int hook_calls;

static void tx_hook(void *opaque)
{
    g_assert_true(opaque == &hook_calls);
    hook_calls++;
}

static void setup_with(const char *const *extra)
{
    GError *err = NULL;
    const char *props[16] = {"chardev", "ser0"};
    int n = 2;

    g_assert_cmpint(pipe(host_in), ==, 0);
    g_assert_cmpint(pipe(host_out), ==, 0);
    g_assert_cmpint(fcntl(host_out[0], F_SETFL, O_NONBLOCK), ==, 0);
    chr = qemu_chr_new_stdio_fds("ser0", host_in[0], host_out[1], false, &err);
    g_assert_no_error(err);
    for (; extra && *extra; extra++) {
        props[n++] = *extra;
    }
    props[n] = NULL;
    uart = (SerialState *)hwt_create(TYPE_ISA_SERIAL, props);
    hwt_irq_clear_counts();
}

static void setup(void)
{
    setup_with(NULL);
}

static void teardown(void)
{
    qdev_unref((DeviceState *)uart);
    qemu_chr_delete(chr);
    for (int i = 0; i < 2; i++) {
        close(host_in[i]);
        close(host_out[i]);
    }
    uart = NULL;
}

/* Runs the main loop until nothing is left to do (host input delivered). */
static void pump(void)
{
    for (int idle = 0; idle < 3;) {
        idle = main_loop_wait(true) ? 0 : idle + 1;
    }
}

static void host_send(const char *s)
{
    g_assert_cmpint(write(host_in[1], s, strlen(s)), ==, (ssize_t)strlen(s));
    pump();
}

/* What the guest sent so far (NUL-terminated, static buffer). */
static const char *host_received(void)
{
    static char buf[256];
    ssize_t n = read(host_out[0], buf, sizeof(buf) - 1);

    buf[n > 0 ? n : 0] = 0;
    return buf;
}

static void set_baud_divisor(uint16_t div)
{
    uint8_t lcr = inb(LCR);

    outb(LCR, lcr | 0x80);
    outb(DLL, div & 0xff);
    outb(DLM, div >> 8);
    outb(LCR, lcr & 0x7f);
}

static void test_reset_values(void)
{
    setup();
    g_assert_cmphex(inb(IER), ==, 0);
    g_assert_cmphex(inb(IIR), ==, IIR_NONE);
    g_assert_cmphex(inb(LCR), ==, 0);
    g_assert_cmphex(inb(MCR), ==, 0);
    g_assert_cmphex(inb(LSR), ==, LSR_THRE | LSR_TEMT);
    g_assert_cmphex(inb(MSR), ==, 0xb0); /* DCD, DSR, CTS: the host is there */
    outb(SCR, 0x5a);
    g_assert_cmphex(inb(SCR), ==, 0x5a);
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    teardown();
}

static void test_divisor(void)
{
    setup();
    outb(LCR, 0x83); /* DLAB, 8N1 */
    outb(DLL, 0x01);
    outb(DLM, 0x00);
    g_assert_cmphex(inb(DLL), ==, 0x01);
    g_assert_cmphex(inb(DLM), ==, 0x00);
    outb(LCR, 0x03);
    g_assert_cmphex(inb(IER), ==, 0x00); /* DLM is not IER */
    /* 115200 baud, 10 bits a character. */
    g_assert_cmpint(serial_char_time_ns(uart), ==, 86805);
    set_baud_divisor(12); /* 9600 */
    g_assert_cmpint(serial_char_time_ns(uart), ==, 1041666);
    outb(LCR, 0x1a); /* 7 bits, even parity, 1 stop: 10 bits */
    g_assert_cmpint(serial_char_time_ns(uart), ==, 1041666);
    outb(LCR, 0x04); /* 5 bits, 1.5 stop: 7.5 bits */
    g_assert_cmpint(serial_char_time_ns(uart), ==, 781250);
    outb(LCR, 0x0f); /* 8 bits, parity, 2 stop: 12 bits */
    g_assert_cmpint(serial_char_time_ns(uart), ==, 1250000);
    set_baud_divisor(0xffff);
    outb(LCR, 0x80);
    g_assert_cmphex(inb(DLL), ==, 0xff);
    g_assert_cmphex(inb(DLM), ==, 0xff);
    outb(LCR, 0x03);
    set_baud_divisor(0); /* undefined: runs at full speed, never divides by 0 */
    g_assert_cmpint(serial_char_time_ns(uart), ==, 86805);
    teardown();
}

static void test_tx_timing(void)
{
    int64_t ct;

    setup();
    serial_set_tx_hook(uart, tx_hook, &hook_calls);
    outb(LCR, 0x03);
    set_baud_divisor(1);
    ct = serial_char_time_ns(uart);
    outb(THR, 'A');
    g_assert_cmpstr(host_received(), ==, "A"); /* at once, not at the baud rate */
    g_assert_cmpint(hook_calls, ==, 1);
    /* The byte moved to the shift register: THR empty, transmitter busy. */
    g_assert_cmphex(inb(LSR) & (LSR_THRE | LSR_TEMT), ==, LSR_THRE);
    outb(THR, 'B');
    g_assert_cmphex(inb(LSR) & (LSR_THRE | LSR_TEMT), ==, 0);
    hwt_step(ct - 1);
    g_assert_cmphex(inb(LSR) & (LSR_THRE | LSR_TEMT), ==, 0);
    hwt_step(1);
    g_assert_cmphex(inb(LSR) & (LSR_THRE | LSR_TEMT), ==, LSR_THRE);
    hwt_step(ct);
    g_assert_cmphex(inb(LSR) & (LSR_THRE | LSR_TEMT), ==, LSR_THRE | LSR_TEMT);
    g_assert_cmpstr(host_received(), ==, "B");
    g_assert_cmpint(hook_calls, ==, 1); /* first byte only */
    teardown();
}

static void test_tx_fifo_and_thre_irq(void)
{
    int64_t ct;

    setup();
    outb(LCR, 0x03);
    set_baud_divisor(1);
    ct = serial_char_time_ns(uart);
    outb(FCR, 0x07); /* FIFOs on, both cleared */
    g_assert_cmphex(inb(IIR), ==, IIR_FIFO | IIR_NONE);
    outb(IER, IER_THRI); /* THR empty: the interrupt comes at once */
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 1);
    g_assert_cmphex(inb(IIR), ==, IIR_FIFO | IIR_THRI);
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0); /* reading IIR cleared it */
    g_assert_cmphex(inb(IIR), ==, IIR_FIFO | IIR_NONE);
    /* 1 byte to the shift register, 16 to the FIFO; the 18th is lost. */
    for (int i = 0; i < 18; i++) {
        outb(THR, 'a' + i);
    }
    g_assert_cmpstr(host_received(), ==, "abcdefghijklmnopq");
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    hwt_step(16 * ct - 1);
    g_assert_cmphex(inb(LSR) & LSR_THRE, ==, 0);
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    hwt_step(1); /* the FIFO's last byte went to the shift register */
    g_assert_cmphex(inb(LSR) & (LSR_THRE | LSR_TEMT), ==, LSR_THRE);
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 1);
    hwt_step(ct);
    g_assert_cmphex(inb(LSR) & (LSR_THRE | LSR_TEMT), ==, LSR_THRE | LSR_TEMT);
    /* Writing THR clears the pending THRE interrupt until it drains again. */
    outb(THR, 'z');
    outb(THR, 'y');
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    hwt_step(ct);
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 1);
    outb(IER, 0);
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    teardown();
}

static void test_tx_instant(void)
{
    setup_with((const char *const[]){"tx-timing", "off", NULL});
    outb(IER, IER_THRI);
    g_assert_cmphex(inb(IIR), ==, IIR_THRI);
    for (int i = 0; i < 20; i++) {
        outb(THR, 'a' + i);
        g_assert_cmphex(inb(LSR) & (LSR_THRE | LSR_TEMT), ==, LSR_THRE | LSR_TEMT);
        g_assert_cmpint(hwt_irq_level[IRQ], ==, 1);
    }
    g_assert_cmpstr(host_received(), ==, "abcdefghijklmnopqrst");
    g_assert_cmphex(inb(IIR), ==, IIR_THRI);
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    teardown();
}

static void test_rx_no_fifo(void)
{
    setup();
    outb(IER, IER_RDI);
    host_send("xyz");
    g_assert_cmphex(inb(LSR) & LSR_DR, ==, LSR_DR);
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 1);
    g_assert_cmphex(inb(IIR), ==, IIR_RDI);
    g_assert_cmphex(inb(RBR), ==, 'x');
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    /* Flow control: the next byte comes only once RBR is free; never an overrun. */
    pump();
    g_assert_cmphex(inb(RBR), ==, 'y');
    pump();
    g_assert_cmphex(inb(LSR), ==, LSR_DR | LSR_THRE | LSR_TEMT);
    g_assert_cmphex(inb(RBR), ==, 'z');
    g_assert_cmphex(inb(LSR) & (LSR_DR | LSR_OE), ==, 0);
    g_assert_cmpint(hwt_irq_raises[IRQ], ==, 3);
    teardown();
}

static void check_trigger(uint8_t fcr_bits, int level)
{
    char buf[20];

    outb(FCR, 0x07 | fcr_bits);
    memset(buf, 0, sizeof(buf));
    memset(buf, 'a', level - 1);
    if (level > 1) {
        host_send(buf);
        g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
        g_assert_cmphex(inb(IIR), ==, IIR_FIFO | IIR_NONE);
    }
    host_send("b");
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 1);
    g_assert_cmphex(inb(IIR), ==, IIR_FIFO | IIR_RDI);
    g_assert_cmphex(inb(RBR), ==, level > 1 ? 'a' : 'b'); /* below the level again */
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    outb(FCR, 0x03); /* clear RX */
    g_assert_cmphex(inb(LSR) & LSR_DR, ==, 0);
}

static void test_fifo_trigger_levels(void)
{
    setup();
    outb(IER, IER_RDI);
    check_trigger(0x00, 1);
    check_trigger(0x40, 4);
    check_trigger(0x80, 8);
    check_trigger(0xc0, 14);
    /* The FIFO takes 16 from the host and no more: flow control. */
    host_send("0123456789abcdefXYZ");
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(inb(RBR), ==, "0123456789abcdef"[i]);
    }
    pump();
    g_assert_cmphex(inb(RBR), ==, 'X');
    g_assert_cmphex(inb(LSR) & LSR_OE, ==, 0);
    teardown();
}

static void test_char_timeout(void)
{
    int64_t ct;

    setup();
    set_baud_divisor(1);
    outb(LCR, 0x03);
    ct = serial_char_time_ns(uart);
    outb(FCR, 0xc1); /* trigger 14 */
    outb(IER, IER_RDI);
    host_send("abc");
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    hwt_step(4 * ct - 1);
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    hwt_step(1);
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 1);
    g_assert_cmphex(inb(IIR), ==, IIR_FIFO | IIR_CTI);
    g_assert_cmphex(inb(RBR), ==, 'a'); /* a read clears the timeout and restarts it */
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    hwt_step(4 * ct);
    g_assert_cmphex(inb(IIR), ==, IIR_FIFO | IIR_CTI);
    g_assert_cmphex(inb(RBR), ==, 'b');
    g_assert_cmphex(inb(RBR), ==, 'c');
    hwt_step(10 * ct); /* empty: no timeout */
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    g_assert_cmphex(inb(IIR), ==, IIR_FIFO | IIR_NONE);
    teardown();
}

static void test_loopback(void)
{
    setup();
    outb(MCR, MCR_LOOP);
    inb(MSR);
    g_assert_cmphex(inb(MSR), ==, 0x00); /* no outputs: no inputs */
    outb(THR, 'L');
    g_assert_cmphex(inb(LSR) & LSR_DR, ==, LSR_DR);
    g_assert_cmphex(inb(RBR), ==, 'L');
    g_assert_cmpstr(host_received(), ==, ""); /* nothing reaches the host */
    /* Host input waits while the UART is in loopback. */
    host_send("h");
    g_assert_cmphex(inb(LSR) & LSR_DR, ==, 0);
    /* Outputs to inputs: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD, with deltas. */
    outb(MCR, MCR_LOOP | 0x0f);
    g_assert_cmphex(inb(MSR), ==, 0xf0 | 0x0b);
    g_assert_cmphex(inb(MSR), ==, 0xf0);
    outb(MCR, MCR_LOOP | 0x01);
    g_assert_cmphex(inb(MSR), ==, 0x20 | 0x0d); /* RI fell: TERI */
    outb(MCR, 0);
    pump();
    g_assert_cmphex(inb(RBR), ==, 'h');
    g_assert_cmphex(inb(MSR) & 0xf0, ==, 0xb0);
    teardown();
}

static void test_overrun(void)
{
    setup();
    outb(IER, IER_RDI | IER_RLSI);
    outb(MCR, MCR_LOOP);
    outb(THR, '1');
    outb(THR, '2'); /* RBR still full */
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 1);
    g_assert_cmphex(inb(IIR), ==, IIR_RLSI); /* line status outranks data */
    g_assert_cmphex(inb(LSR) & (LSR_OE | LSR_DR), ==, LSR_OE | LSR_DR);
    g_assert_cmphex(inb(LSR) & LSR_OE, ==, 0); /* reading LSR cleared OE */
    g_assert_cmphex(inb(IIR), ==, IIR_RDI);
    g_assert_cmphex(inb(RBR), ==, '2'); /* RBR was overwritten */
    /* With FIFOs: 16 kept, the 17th lost. The transmitter idles first (17 fit). */
    outb(FCR, 0x07);
    hwt_step(serial_char_time_ns(uart));
    for (int i = 0; i < 17; i++) {
        outb(THR, 'a' + i);
    }
    g_assert_cmphex(inb(IIR), ==, IIR_FIFO | IIR_RLSI);
    g_assert_cmphex(inb(LSR) & (LSR_OE | LSR_FIFOE), ==, LSR_OE);
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(inb(RBR), ==, 'a' + i);
    }
    g_assert_cmphex(inb(LSR) & LSR_DR, ==, 0);
    teardown();
}

static void test_iir_priorities(void)
{
    setup();
    outb(MCR, MCR_LOOP);
    inb(MSR);
    outb(THR, '1');
    outb(THR, '2');                          /* overrun */
    hwt_step(2 * serial_char_time_ns(uart)); /* THR drains: THRE pending */
    outb(MCR, MCR_LOOP | 0x02);              /* RTS -> CTS: a modem status change */
    outb(IER, 0x0f);
    g_assert_cmphex(inb(IIR), ==, IIR_RLSI);
    inb(LSR);
    g_assert_cmphex(inb(IIR), ==, IIR_RDI);
    inb(RBR);
    g_assert_cmphex(inb(IIR), ==, IIR_THRI);
    g_assert_cmphex(inb(IIR), ==, IIR_MSI);
    g_assert_cmphex(inb(MSR), ==, 0x10 | 0x01);
    g_assert_cmphex(inb(IIR), ==, IIR_NONE);
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    teardown();
}

static void test_fcr_resets(void)
{
    setup();
    outb(FCR, 0x01);
    outb(MCR, MCR_LOOP);
    outb(THR, 'a');
    outb(THR, 'b');
    outb(FCR, 0x03); /* RX reset */
    g_assert_cmphex(inb(LSR) & LSR_DR, ==, 0);
    outb(THR, 'c');
    outb(FCR, 0x00); /* FIFOs off: both cleared */
    g_assert_cmphex(inb(LSR) & LSR_DR, ==, 0);
    g_assert_cmphex(inb(IIR) & IIR_FIFO, ==, 0);
    outb(FCR, 0xc0); /* other bits need FCR0 */
    g_assert_cmphex(inb(IIR), ==, IIR_NONE);
    teardown();
}

/* A break from the host: Ctrl-A b on a muxed socket backend. */
static void test_break(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-hw-serial-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "mux.sock", NULL);
    g_autofree char *opts = g_strdup_printf("socket,id=mx,path=%s,server=on,wait=off,mux=on", path);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    GError *err = NULL;
    Chardev *mx = qemu_chr_new_from_opts(opts, &err);
    DeviceState *d;
    int fd;

    g_assert_no_error(err);
    d = hwt_create(TYPE_ISA_SERIAL, (const char *const[]){"chardev", "mx", NULL});
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    pump();
    outb(FCR, 0x01);
    outb(IER, IER_RDI | IER_RLSI);
    g_assert_cmpint(write(fd, "k", 1), ==, 1);
    pump();
    g_assert_cmpint(write(fd, "\001b", 2), ==, 2); /* Ctrl-A b */
    pump();
    g_assert_cmphex(inb(IIR), ==, IIR_FIFO | IIR_RLSI);
    g_assert_cmphex(inb(LSR), ==, LSR_FIFOE | LSR_BI | LSR_DR | LSR_THRE | LSR_TEMT);
    g_assert_cmphex(inb(LSR), ==, LSR_FIFOE | LSR_DR | LSR_THRE | LSR_TEMT); /* BI read once */
    g_assert_cmphex(inb(RBR), ==, 'k');
    g_assert_cmphex(inb(RBR), ==, 0x00); /* the break character */
    g_assert_cmphex(inb(LSR), ==, LSR_THRE | LSR_TEMT);
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    qdev_unref(d);
    qemu_chr_delete(mx);
    close(fd);
    unlink(path);
    rmdir(dir);
}

static void test_reset(void)
{
    setup();
    outb(IER, 0x0f);
    outb(LCR, 0x1b);
    outb(MCR, 0x1f);
    outb(FCR, 0x01);
    outb(THR, 'a');
    qdev_reset_all();
    g_assert_cmphex(inb(IER), ==, 0);
    g_assert_cmphex(inb(IIR), ==, IIR_NONE);
    g_assert_cmphex(inb(LCR), ==, 0);
    g_assert_cmphex(inb(MCR), ==, 0);
    g_assert_cmphex(inb(LSR), ==, LSR_THRE | LSR_TEMT);
    g_assert_cmpint(hwt_irq_level[IRQ], ==, 0);
    teardown();
}

static void test_no_chardev(void)
{
    DeviceState *d =
        hwt_create(TYPE_ISA_SERIAL, (const char *const[]){"iobase", "0x2f8", "irq", "3", NULL});

    outb(0x2f8 + 1, IER_THRI);
    g_assert_cmpint(hwt_irq_level[3], ==, 1);
    outb(0x2f8, 'q'); /* dropped */
    hwt_step(10 * SCALE_MS);
    g_assert_cmphex(inb(0x2f8 + 5), ==, LSR_THRE | LSR_TEMT);
    qdev_unref(d);
}

static void test_bad_programming(void)
{
    GError *err = NULL;

    g_assert_null(qdev_device_add("isa-serial,chardev=nosuch", &err));
    g_assert_nonnull(strstr(err->message, "isa-serial: chardev 'nosuch' not found"));
    g_clear_error(&err);
    g_assert_null(qdev_device_add("isa-serial,irq=16", &err));
    g_assert_nonnull(strstr(err->message, "isa-serial: irq 16"));
    g_clear_error(&err);
    g_assert_null(qdev_device_add("isa-serial,iobase=0xfffc", &err));
    g_assert_nonnull(strstr(err->message, "isa-serial"));
    g_clear_error(&err);

    setup();
    outb(IER, 0xff); /* reserved bits dropped */
    g_assert_cmphex(inb(IER), ==, 0x0f);
    outb(IER, 0);
    outb(LSR, 0xff); /* read-only */
    outb(MSR, 0xff);
    g_assert_cmphex(inb(LSR), ==, LSR_THRE | LSR_TEMT);
    outb(MCR, 0xff);
    g_assert_cmphex(inb(MCR), ==, 0x1f);
    outb(MCR, 0);
    g_assert_cmphex(inb(RBR), ==, 0); /* empty RBR */
    outw(BASE, 0x0041);               /* a word: THR then IER */
    g_assert_cmpstr(host_received(), ==, "A");
    outl(BASE + 4, 0xffffffff);
    inl(BASE);
    inw(BASE + 6);
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hwt_init();
    g_test_add_func("/serial/reset-values", test_reset_values);
    g_test_add_func("/serial/divisor", test_divisor);
    g_test_add_func("/serial/tx-timing", test_tx_timing);
    g_test_add_func("/serial/tx-fifo-thre-irq", test_tx_fifo_and_thre_irq);
    g_test_add_func("/serial/tx-instant", test_tx_instant);
    g_test_add_func("/serial/rx-no-fifo", test_rx_no_fifo);
    g_test_add_func("/serial/fifo-trigger-levels", test_fifo_trigger_levels);
    g_test_add_func("/serial/char-timeout", test_char_timeout);
    g_test_add_func("/serial/loopback", test_loopback);
    g_test_add_func("/serial/overrun", test_overrun);
    g_test_add_func("/serial/iir-priorities", test_iir_priorities);
    g_test_add_func("/serial/fcr-resets", test_fcr_resets);
    g_test_add_func("/serial/break", test_break);
    g_test_add_func("/serial/reset", test_reset);
    g_test_add_func("/serial/no-chardev", test_no_chardev);
    g_test_add_func("/serial/bad-programming", test_bad_programming);
    return g_test_run();
}
