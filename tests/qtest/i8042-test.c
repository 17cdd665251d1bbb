/*
 * i8042-test.c: the PS/2 keyboard controller at 0x60/0x64 (hw/input/i8042.c,
 * IBM PS/2 Technical Reference): self-test and interface tests, the command
 * byte, keyboard commands through the controller, IRQ 1 and 12, A20 in the
 * output port, and the reset line: 0xFE (or clearing output port bit 0) resets
 * the machine (observed through device state returning to its reset values), or
 * ends tern with status 0 under -no-reboot.
 */
#include "libqtest.h"

#define I8042_DATA 0x60
#define I8042_CMD  0x64
#define KBD_IRQ    1
#define AUX_IRQ    12

#define STAT_OBF       0x01
#define STAT_SYS       0x04
#define STAT_CMD       0x08
#define STAT_MOUSE_OBF 0x20

#define CCMD_READ_MODE      0x20
#define CCMD_WRITE_MODE     0x60
#define CCMD_MOUSE_DISABLE  0xa7
#define CCMD_MOUSE_ENABLE   0xa8
#define CCMD_TEST_MOUSE     0xa9
#define CCMD_SELF_TEST      0xaa
#define CCMD_KBD_TEST       0xab
#define CCMD_KBD_DISABLE    0xad
#define CCMD_KBD_ENABLE     0xae
#define CCMD_READ_OUTPORT   0xd0
#define CCMD_WRITE_OUTPORT  0xd1
#define CCMD_WRITE_OBUF     0xd2
#define CCMD_WRITE_AUX_OBUF 0xd3
#define CCMD_WRITE_MOUSE    0xd4
#define CCMD_DISABLE_A20    0xdd
#define CCMD_ENABLE_A20     0xdf
#define CCMD_PULSE_RESET    0xfe
#define CCMD_PULSE_NONE     0xff

#define MODE_KBD_INT   0x01
#define MODE_MOUSE_INT 0x02
#define MODE_SYS       0x04
#define MODE_XLATE     0x40
#define MODE_DEFAULT   (MODE_KBD_INT | MODE_MOUSE_INT | MODE_SYS | MODE_XLATE)

#define OUT_RESET 0x01
#define OUT_A20   0x02

#define KBD_CMD_ECHO   0xee
#define KBD_CMD_GET_ID 0xf2
#define KBD_CMD_RESET  0xff
#define AUX_GET_TYPE   0xf2
#define REPLY_ACK      0xfa
#define REPLY_SELFTEST 0xaa
#define KBD_ID1        0xab
#define KBD_ID2        0x83

#define COM1_LCR 0x3fb

static uint8_t read_out(QTestState *s)
{
    g_assert_cmphex(qtest_inb(s, I8042_CMD) & STAT_OBF, ==, STAT_OBF);
    return qtest_inb(s, I8042_DATA);
}

static uint8_t ctrl_query(QTestState *s, uint8_t cmd)
{
    qtest_outb(s, I8042_CMD, cmd);
    return read_out(s);
}

static void ctrl_write(QTestState *s, uint8_t cmd, uint8_t data)
{
    qtest_outb(s, I8042_CMD, cmd);
    qtest_outb(s, I8042_DATA, data);
}

static void assert_empty(QTestState *s)
{
    g_assert_cmphex(qtest_inb(s, I8042_CMD) & STAT_OBF, ==, 0);
}

static void test_self_test(void)
{
    QTestState *s = qtest_init(NULL);

    /* After reset: SYS set (POST passed), last write was a command. */
    g_assert_cmphex(qtest_inb(s, I8042_CMD) & (STAT_SYS | STAT_CMD | STAT_OBF), ==,
                    STAT_SYS | STAT_CMD);
    g_assert_cmphex(ctrl_query(s, CCMD_SELF_TEST), ==, 0x55);
    g_assert_cmphex(ctrl_query(s, CCMD_KBD_TEST), ==, 0x00);
    g_assert_cmphex(ctrl_query(s, CCMD_TEST_MOUSE), ==, 0x00);
    assert_empty(s);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static void test_command_byte(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(ctrl_query(s, CCMD_READ_MODE), ==, MODE_DEFAULT);
    ctrl_write(s, CCMD_WRITE_MODE, MODE_KBD_INT);
    g_assert_cmphex(ctrl_query(s, CCMD_READ_MODE), ==, MODE_KBD_INT);
    g_assert_cmphex(qtest_inb(s, I8042_CMD) & STAT_SYS, ==, 0); /* SYS follows the byte */
    qtest_outb(s, I8042_CMD, CCMD_KBD_DISABLE);
    g_assert_cmphex(ctrl_query(s, CCMD_READ_MODE), ==, MODE_KBD_INT | 0x10);
    qtest_outb(s, I8042_CMD, CCMD_KBD_ENABLE);
    qtest_outb(s, I8042_CMD, CCMD_MOUSE_DISABLE);
    g_assert_cmphex(ctrl_query(s, CCMD_READ_MODE), ==, MODE_KBD_INT | 0x20);
    qtest_outb(s, I8042_CMD, CCMD_MOUSE_ENABLE);
    g_assert_cmphex(ctrl_query(s, CCMD_READ_MODE), ==, MODE_KBD_INT);
    /* Controller RAM bytes 1..31. */
    ctrl_write(s, CCMD_WRITE_MODE + 5, 0x5a);
    g_assert_cmphex(ctrl_query(s, CCMD_READ_MODE + 5), ==, 0x5a);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* Keyboard commands go to port 0x60; replies raise IRQ 1. Translation off to see raw IDs. */
static void test_keyboard_commands(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "ioapic");
    ctrl_write(s, CCMD_WRITE_MODE, MODE_KBD_INT | MODE_SYS);
    qtest_outb(s, I8042_DATA, KBD_CMD_RESET);
    g_assert_true(qtest_get_irq(s, KBD_IRQ));
    g_assert_cmphex(read_out(s), ==, REPLY_ACK);
    g_assert_cmphex(read_out(s), ==, REPLY_SELFTEST);
    g_assert_false(qtest_get_irq(s, KBD_IRQ));
    assert_empty(s);
    qtest_outb(s, I8042_DATA, KBD_CMD_ECHO);
    g_assert_cmphex(read_out(s), ==, KBD_CMD_ECHO);
    qtest_outb(s, I8042_DATA, KBD_CMD_GET_ID);
    g_assert_cmphex(read_out(s), ==, REPLY_ACK);
    g_assert_cmphex(read_out(s), ==, KBD_ID1);
    g_assert_cmphex(read_out(s), ==, KBD_ID2);
    assert_empty(s);
    /* Without KBD_INT, no interrupt. */
    ctrl_write(s, CCMD_WRITE_MODE, MODE_SYS);
    qtest_outb(s, I8042_DATA, KBD_CMD_ECHO);
    g_assert_false(qtest_get_irq(s, KBD_IRQ));
    g_assert_cmphex(read_out(s), ==, KBD_CMD_ECHO);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* 0xD2/0xD3 put a byte in the output buffer as the keyboard/mouse would; 0xD4 talks to the mouse.
 */
static void test_write_output_buffer(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_irq_intercept_in(s, "ioapic");
    ctrl_write(s, CCMD_WRITE_OBUF, 0x42);
    g_assert_true(qtest_get_irq(s, KBD_IRQ));
    g_assert_cmphex(read_out(s), ==, 0x42);
    g_assert_false(qtest_get_irq(s, KBD_IRQ));
    ctrl_write(s, CCMD_WRITE_AUX_OBUF, 0x24);
    g_assert_true(qtest_get_irq(s, AUX_IRQ));
    g_assert_cmphex(qtest_inb(s, I8042_CMD) & STAT_MOUSE_OBF, ==, STAT_MOUSE_OBF);
    g_assert_cmphex(read_out(s), ==, 0x24);
    g_assert_false(qtest_get_irq(s, AUX_IRQ));
    ctrl_write(s, CCMD_WRITE_MOUSE, AUX_GET_TYPE);
    g_assert_cmphex(read_out(s), ==, REPLY_ACK);
    g_assert_cmphex(read_out(s), ==, 0x00); /* a standard PS/2 mouse */
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static void test_a20(void)
{
    QTestState *s = qtest_init(NULL);

    g_assert_cmphex(ctrl_query(s, CCMD_READ_OUTPORT) & (OUT_A20 | OUT_RESET), ==,
                    OUT_A20 | OUT_RESET);
    qtest_outb(s, I8042_CMD, CCMD_DISABLE_A20);
    g_assert_cmphex(ctrl_query(s, CCMD_READ_OUTPORT) & OUT_A20, ==, 0);
    qtest_outb(s, I8042_CMD, CCMD_ENABLE_A20);
    g_assert_cmphex(ctrl_query(s, CCMD_READ_OUTPORT) & OUT_A20, ==, OUT_A20);
    ctrl_write(s, CCMD_WRITE_OUTPORT, OUT_RESET);
    g_assert_cmphex(ctrl_query(s, CCMD_READ_OUTPORT) & OUT_A20, ==, 0);
    /* Pulsing no line does nothing. */
    qtest_outb(s, I8042_CMD, CCMD_PULSE_NONE);
    g_assert_cmphex(ctrl_query(s, CCMD_READ_OUTPORT) & OUT_RESET, ==, OUT_RESET);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* Puts state in two devices that a machine reset clears. */
static void dirty_state(QTestState *s)
{
    ctrl_write(s, CCMD_WRITE_MODE, MODE_KBD_INT);
    qtest_outb(s, COM1_LCR, 0x03);
}

static void assert_reset_happened(QTestState *s)
{
    g_assert_cmphex(ctrl_query(s, CCMD_READ_MODE), ==, MODE_DEFAULT);
    g_assert_cmphex(qtest_inb(s, COM1_LCR), ==, 0);
}

static void test_reset_pulse(void)
{
    QTestState *s = qtest_init(NULL);

    dirty_state(s);
    g_assert_cmphex(ctrl_query(s, CCMD_READ_MODE), ==, MODE_KBD_INT);
    qtest_outb(s, I8042_CMD, CCMD_PULSE_RESET);
    assert_reset_happened(s);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

static void test_reset_outport(void)
{
    QTestState *s = qtest_init(NULL);

    dirty_state(s);
    ctrl_write(s, CCMD_WRITE_OUTPORT, OUT_A20); /* bit 0 clear: reset */
    assert_reset_happened(s);
    g_assert_cmphex(ctrl_query(s, CCMD_READ_OUTPORT) & OUT_RESET, ==, OUT_RESET);
    g_assert_cmpint(qtest_quit(s), ==, 0);
}

/* -no-reboot: the reset line ends tern with status 0. */
static void test_reset_no_reboot(void)
{
    QTestState *s = qtest_init("-no-reboot");

    qtest_outb(s, I8042_CMD, CCMD_PULSE_RESET);
    g_assert_cmpint(qtest_wait_exit(s), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8042/self-test", test_self_test);
    g_test_add_func("/i8042/command-byte", test_command_byte);
    g_test_add_func("/i8042/keyboard-commands", test_keyboard_commands);
    g_test_add_func("/i8042/write-output-buffer", test_write_output_buffer);
    g_test_add_func("/i8042/a20", test_a20);
    g_test_add_func("/i8042/reset/pulse", test_reset_pulse);
    g_test_add_func("/i8042/reset/outport", test_reset_outport);
    g_test_add_func("/i8042/reset/no-reboot", test_reset_no_reboot);
    return g_test_run();
}
