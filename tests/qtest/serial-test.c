/*
 * serial-test.c: the 16550A UART at COM1 (hw/char/serial.c, PC16550D datasheet):
 * divisor latch and character time, FIFO trigger levels and the character
 * timeout, THRE and RX interrupts on IRQ 4, loopback, overrun, and bytes to and
 * from the host through a unix socket the test serves (-serial unix:PATH).
 * The timing tests start tern with -machine pc,serial-timing=on (the PC's COM
 * ports transmit instantly by default, as QEMU's); instant-default checks that.
 */
#include "libqtest.h"

#include <unistd.h>

#define COM1     0x3f8
#define COM1_IRQ 4

#define UART_RBR 0
#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_RDI  0x01
#define IER_THRI 0x02
#define IER_MSI  0x08

#define IIR_NO_INT 0x01
#define IIR_ID     0x0f
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_CTI    0x0c
#define IIR_FIFO   0xc0

#define FCR_ENABLE    0x01
#define FCR_CLEAR_RCV 0x02
#define FCR_CLEAR_XMT 0x04
#define FCR_TRIG_4    0x40
#define FCR_TRIG_8    0x80
#define FCR_TRIG_14   0xc0

#define LCR_8N1  0x03
#define LCR_DLAB 0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI  0x40
#define MSR_DCD 0x80

#define UART_CLOCK_HZ 1843200
#define FIFO_SIZE     16
#define POLL_US       1000
#define POLL_TRIES    20000 /* 20 s of polling for host input to arrive */

typedef struct Fixture {
    QTestState *qts;
    int listen_fd;
    char *path;
    int host_fd; /* the host end of COM1 */
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autofree char *args = NULL;

    f->listen_fd = qtest_unix_listen(&f->path);
    args = g_strdup_printf("%s -serial unix:%s", (const char *)data, f->path);
    f->qts = qtest_init(args);
    f->host_fd = qtest_unix_accept(f->listen_fd); /* tern connected while starting */
    qtest_irq_intercept_in(f->qts, "ioapic");
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_cmpint(qtest_quit(f->qts), ==, 0);
    close(f->host_fd);
    qtest_unix_cleanup(f->listen_fd, f->path);
}

static uint8_t uart_in(Fixture *f, int reg)
{
    return qtest_inb(f->qts, COM1 + reg);
}

static void uart_out(Fixture *f, int reg, uint8_t val)
{
    qtest_outb(f->qts, COM1 + reg, val);
}

static bool com1_irq(Fixture *f)
{
    return qtest_get_irq(f->qts, COM1_IRQ);
}

static void set_divisor(Fixture *f, uint16_t divisor)
{
    uart_out(f, UART_LCR, LCR_DLAB | LCR_8N1);
    uart_out(f, UART_DLL, divisor & 0xff);
    uart_out(f, UART_DLM, divisor >> 8);
    uart_out(f, UART_LCR, LCR_8N1);
}

/* Nanoseconds per 8N1 character (10 bits) at this divisor, as the datasheet's clock gives. */
static int64_t char_ns(uint16_t divisor)
{
    return 10LL * divisor * 16 * 1000000000LL / UART_CLOCK_HZ;
}

/* Host input arrives through tern's main loop: poll LSR.DR, bounded. */
static void wait_rx(Fixture *f)
{
    for (int i = 0; i < POLL_TRIES; i++) {
        if (uart_in(f, UART_LSR) & LSR_DR) {
            return;
        }
        g_usleep(POLL_US);
    }
    g_error("no byte from the host reached COM1");
}

static void test_reset_state(Fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_cmphex(uart_in(f, UART_IER), ==, 0);
    g_assert_cmphex(uart_in(f, UART_IIR), ==, IIR_NO_INT);
    g_assert_cmphex(uart_in(f, UART_LSR), ==, LSR_THRE | LSR_TEMT);
    g_assert_cmphex(uart_in(f, UART_LCR), ==, 0);
    /* The host side is there: CTS, DSR, DCD. */
    g_assert_cmphex(uart_in(f, UART_MSR) & 0xf0, ==, MSR_CTS | MSR_DSR | MSR_DCD);
    g_assert_false(com1_irq(f));
    uart_out(f, UART_SCR, 0xa5);
    g_assert_cmphex(uart_in(f, UART_SCR), ==, 0xa5);
}

static void test_divisor(Fixture *f, gconstpointer data)
{
    (void)data;
    uart_out(f, UART_LCR, LCR_DLAB);
    g_assert_cmphex(uart_in(f, UART_DLL), ==, 12); /* 9600 baud after reset */
    g_assert_cmphex(uart_in(f, UART_DLM), ==, 0);
    uart_out(f, UART_DLL, 0x34);
    uart_out(f, UART_DLM, 0x12);
    g_assert_cmphex(uart_in(f, UART_DLL), ==, 0x34);
    g_assert_cmphex(uart_in(f, UART_DLM), ==, 0x12);
    uart_out(f, UART_LCR, LCR_8N1);
    /* With DLAB clear, offsets 0/1 are RBR/IER again. */
    g_assert_cmphex(uart_in(f, UART_IER), ==, 0);
    uart_out(f, UART_IER, IER_RDI);
    g_assert_cmphex(uart_in(f, UART_IER), ==, IER_RDI);
    uart_out(f, UART_LCR, LCR_DLAB);
    g_assert_cmphex(uart_in(f, UART_DLM), ==, 0x12);
}

/* The transmitter drains at the baud rate on the virtual clock. */
static void test_char_time(Fixture *f, gconstpointer data)
{
    static const uint16_t divisors[] = {1, 12, 384};

    (void)data;
    for (size_t i = 0; i < G_N_ELEMENTS(divisors); i++) {
        int64_t t = char_ns(divisors[i]);
        char c;

        set_divisor(f, divisors[i]);
        uart_out(f, UART_THR, 'a' + i);
        g_assert_cmphex(uart_in(f, UART_LSR) & (LSR_THRE | LSR_TEMT), ==, LSR_THRE);
        qtest_clock_step(f->qts, t / 2);
        g_assert_cmphex(uart_in(f, UART_LSR) & LSR_TEMT, ==, 0);
        qtest_clock_step(f->qts, t / 2 + 1000);
        g_assert_cmphex(uart_in(f, UART_LSR) & LSR_TEMT, ==, LSR_TEMT);
        qtest_read_exact(f->host_fd, &c, 1);
        g_assert_cmpint(c, ==, 'a' + i);
    }
}

static void test_thre_interrupt(Fixture *f, gconstpointer data)
{
    (void)data;
    set_divisor(f, 1);
    uart_out(f, UART_IER, IER_THRI);
    /* Enabling it with THR empty raises it at once. */
    g_assert_true(com1_irq(f));
    g_assert_cmphex(uart_in(f, UART_IIR) & IIR_ID, ==, IIR_THRI);
    /* Reading IIR while it says THRE clears the interrupt. */
    g_assert_false(com1_irq(f));
    g_assert_cmphex(uart_in(f, UART_IIR), ==, IIR_NO_INT);
    /* An idle transmitter takes the byte into its shift register: THR is empty again. */
    uart_out(f, UART_THR, 'x');
    g_assert_true(com1_irq(f));
    g_assert_cmphex(uart_in(f, UART_IIR) & IIR_ID, ==, IIR_THRI);
    /* The next byte waits in THR while the first is shifted out. */
    uart_out(f, UART_THR, 'y');
    g_assert_false(com1_irq(f));
    g_assert_cmphex(uart_in(f, UART_LSR) & LSR_THRE, ==, 0);
    qtest_clock_step(f->qts, char_ns(1) + 1000);
    g_assert_true(com1_irq(f));
    /* Writing THR clears it too. */
    uart_out(f, UART_THR, 'z');
    g_assert_false(com1_irq(f));
    qtest_clock_step(f->qts, 2 * char_ns(1) + 1000);
    g_assert_true(com1_irq(f));
    uart_out(f, UART_IER, 0);
    g_assert_false(com1_irq(f));
}

static void test_host_to_guest(Fixture *f, gconstpointer data)
{
    (void)data;
    uart_out(f, UART_IER, IER_RDI);
    g_assert_false(com1_irq(f));
    qtest_write_all(f->host_fd, "Z", 1);
    wait_rx(f);
    g_assert_true(com1_irq(f));
    g_assert_cmphex(uart_in(f, UART_IIR) & IIR_ID, ==, IIR_RDI);
    g_assert_cmphex(uart_in(f, UART_RBR), ==, 'Z');
    g_assert_false(com1_irq(f));
    g_assert_cmphex(uart_in(f, UART_LSR) & LSR_DR, ==, 0);
}

/* More host input than the FIFO holds: flow control, never an overrun. */
static void test_host_flow_control(Fixture *f, gconstpointer data)
{
    const char msg[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    char got[sizeof(msg)] = "";

    (void)data;
    uart_out(f, UART_FCR, FCR_ENABLE);
    qtest_write_all(f->host_fd, msg, sizeof(msg) - 1);
    for (size_t i = 0; i < sizeof(msg) - 1; i++) {
        wait_rx(f);
        g_assert_cmphex(uart_in(f, UART_LSR) & LSR_OE, ==, 0);
        got[i] = (char)uart_in(f, UART_RBR);
    }
    g_assert_cmpstr(got, ==, msg);
}

static void test_guest_to_host(Fixture *f, gconstpointer data)
{
    const char msg[] = "hello, host";
    char got[sizeof(msg)] = "";

    (void)data;
    uart_out(f, UART_FCR, FCR_ENABLE);
    for (size_t i = 0; i < sizeof(msg) - 1; i++) {
        uart_out(f, UART_THR, msg[i]);
    }
    qtest_read_exact(f->host_fd, got, sizeof(msg) - 1);
    g_assert_cmpstr(got, ==, msg);
}

/* In loopback, THR feeds RX at once; FIFO trigger levels gate the RX interrupt. */
static void test_fifo_trigger_levels(Fixture *f, gconstpointer data)
{
    static const struct {
        uint8_t fcr;
        int level;
    } levels[] = {{0, 1}, {FCR_TRIG_4, 4}, {FCR_TRIG_8, 8}, {FCR_TRIG_14, 14}};

    (void)data;
    uart_out(f, UART_MCR, MCR_LOOP);
    uart_out(f, UART_IER, IER_RDI);
    for (size_t i = 0; i < G_N_ELEMENTS(levels); i++) {
        /* The clock stands still: clear the TX FIFO so looped bytes are not refused. */
        uart_out(f, UART_FCR, FCR_ENABLE | FCR_CLEAR_RCV | FCR_CLEAR_XMT | levels[i].fcr);
        g_assert_cmphex(uart_in(f, UART_IIR) & IIR_FIFO, ==, IIR_FIFO);
        for (int n = 1; n < levels[i].level; n++) {
            uart_out(f, UART_THR, n);
            g_assert_false(com1_irq(f));
        }
        uart_out(f, UART_THR, levels[i].level);
        g_assert_true(com1_irq(f));
        g_assert_cmphex(uart_in(f, UART_IIR) & IIR_ID, ==, IIR_RDI);
        /* Reading below the level drops the interrupt. */
        g_assert_cmphex(uart_in(f, UART_RBR), ==, 1);
        g_assert_false(com1_irq(f));
    }
}

/* Below the trigger level, the character timeout (4 character times) interrupts. */
static void test_rx_timeout(Fixture *f, gconstpointer data)
{
    (void)data;
    set_divisor(f, 1);
    uart_out(f, UART_MCR, MCR_LOOP);
    uart_out(f, UART_IER, IER_RDI);
    uart_out(f, UART_FCR, FCR_ENABLE | FCR_TRIG_8);
    uart_out(f, UART_THR, 'q');
    qtest_clock_step(f->qts, 2 * char_ns(1));
    g_assert_false(com1_irq(f));
    qtest_clock_step(f->qts, 3 * char_ns(1));
    g_assert_true(com1_irq(f));
    g_assert_cmphex(uart_in(f, UART_IIR) & IIR_ID, ==, IIR_CTI);
    g_assert_cmphex(uart_in(f, UART_RBR), ==, 'q');
    g_assert_false(com1_irq(f));
}

static void test_overrun(Fixture *f, gconstpointer data)
{
    uint8_t lsr;

    (void)data;
    uart_out(f, UART_MCR, MCR_LOOP);
    /* Without FIFO: the second byte overwrites RBR. */
    uart_out(f, UART_THR, 1);
    uart_out(f, UART_THR, 2);
    lsr = uart_in(f, UART_LSR);
    g_assert_cmphex(lsr & (LSR_OE | LSR_DR), ==, LSR_OE | LSR_DR);
    g_assert_cmphex(uart_in(f, UART_LSR) & LSR_OE, ==, 0); /* reading LSR clears OE */
    g_assert_cmphex(uart_in(f, UART_RBR), ==, 2);
    /* With FIFO: the 17th byte is lost, the FIFO keeps its 16. */
    uart_out(f, UART_FCR, FCR_ENABLE | FCR_CLEAR_RCV);
    for (int i = 0; i <= FIFO_SIZE; i++) {
        if (i == FIFO_SIZE / 2) {
            /* The clock stands still: empty the TX FIFO so that it takes 17 bytes. */
            uart_out(f, UART_FCR, FCR_ENABLE | FCR_CLEAR_XMT);
        }
        uart_out(f, UART_THR, 0x30 + i);
    }
    g_assert_cmphex(uart_in(f, UART_LSR) & LSR_OE, ==, LSR_OE);
    for (int i = 0; i < FIFO_SIZE; i++) {
        g_assert_cmphex(uart_in(f, UART_RBR), ==, 0x30 + i);
    }
    g_assert_cmphex(uart_in(f, UART_LSR) & LSR_DR, ==, 0);
}

/* Loopback wires RTS/DTR/OUT1/OUT2 to CTS/DSR/RI/DCD. */
static void test_loopback_modem(Fixture *f, gconstpointer data)
{
    (void)data;
    uart_out(f, UART_MCR, MCR_LOOP);
    uart_in(f, UART_MSR);
    g_assert_cmphex(uart_in(f, UART_MSR) & 0xf0, ==, 0);
    uart_out(f, UART_MCR, MCR_LOOP | MCR_RTS | MCR_DTR | MCR_OUT1 | MCR_OUT2);
    g_assert_cmphex(uart_in(f, UART_MSR) & 0xf0, ==, MSR_CTS | MSR_DSR | MSR_RI | MSR_DCD);
    /* Looped-back bytes do not reach the host; the next normal byte does. */
    uart_out(f, UART_THR, 'L');
    uart_out(f, UART_MCR, 0);
    uart_out(f, UART_THR, 'N');
    {
        char c;

        qtest_read_exact(f->host_fd, &c, 1);
        g_assert_cmpint(c, ==, 'N');
    }
}

/*
 * The default PC machine's COM1 transmits instantly (as QEMU's UART): THR and
 * the shift register are empty again right after a THR write, with no clock
 * step, and the THRE interrupt comes back at once, whatever the divisor.
 */
static void test_instant_default(Fixture *f, gconstpointer data)
{
    char c;

    (void)data;
    set_divisor(f, 384); /* 300 baud: 33 ms a character if it were timed */
    uart_out(f, UART_IER, IER_THRI);
    g_assert_true(com1_irq(f));
    g_assert_cmphex(uart_in(f, UART_IIR) & IIR_ID, ==, IIR_THRI);
    g_assert_false(com1_irq(f));
    for (int i = 0; i < 2 * FIFO_SIZE; i++) {
        uart_out(f, UART_THR, 'A' + i);
        g_assert_cmphex(uart_in(f, UART_LSR) & (LSR_THRE | LSR_TEMT), ==, LSR_THRE | LSR_TEMT);
        g_assert_true(com1_irq(f));
        qtest_read_exact(f->host_fd, &c, 1);
        g_assert_cmpint(c, ==, 'A' + i);
    }
    /* The same with the FIFOs on. */
    uart_out(f, UART_FCR, FCR_ENABLE);
    uart_out(f, UART_THR, '!');
    g_assert_cmphex(uart_in(f, UART_LSR) & (LSR_THRE | LSR_TEMT), ==, LSR_THRE | LSR_TEMT);
    qtest_read_exact(f->host_fd, &c, 1);
    g_assert_cmpint(c, ==, '!');
    uart_out(f, UART_IER, 0);
    g_assert_false(com1_irq(f));
}

/* The timed transmitter: the PC machine's COM ports have it with serial-timing=on only. */
#define TIMED   "-machine pc,serial-timing=on"
#define DEFAULT ""

static void add_with(const char *name, const char *args, void (*fn)(Fixture *, gconstpointer))
{
    g_autofree char *path = g_strdup_printf("/serial/%s", name);

    g_test_add(path, Fixture, args, fixture_setup, fn, fixture_teardown);
}

static void add(const char *name, void (*fn)(Fixture *, gconstpointer))
{
    add_with(name, TIMED, fn);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    add("reset-state", test_reset_state);
    add("divisor", test_divisor);
    add("char-time", test_char_time);
    add("thre-interrupt", test_thre_interrupt);
    add("host-to-guest", test_host_to_guest);
    add("host-flow-control", test_host_flow_control);
    add("guest-to-host", test_guest_to_host);
    add("fifo-trigger-levels", test_fifo_trigger_levels);
    add("rx-timeout", test_rx_timeout);
    add("overrun", test_overrun);
    add("loopback-modem", test_loopback_modem);
    add_with("instant-default", DEFAULT, test_instant_default);
    return g_test_run();
}
