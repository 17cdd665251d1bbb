/*
 * test-hw-i8042.c: the 8042 keyboard controller and its PS/2 keyboard and
 * mouse, driven through ports 0x60/0x64 with IRQ 1 and 12 recorded.
 */
#include "hw-test.h"
#include "hw/input/i8042.h"

#define DATA 0x60
#define CMD  0x64

#define STAT_OBF       0x01
#define STAT_SYS       0x04
#define STAT_CMD       0x08
#define STAT_MOUSE_OBF 0x20

static I8042State *kbc;

static void setup(void)
{
    kbc = (I8042State *)hwt_create(TYPE_I8042, NULL);
    hwt_irq_clear_counts();
}

static void teardown(void)
{
    qdev_unref((DeviceState *)kbc);
    kbc = NULL;
}

static bool obf(void)
{
    return inb(CMD) & STAT_OBF;
}

/* Reads one byte, asserting it was there. */
static uint8_t read_data(void)
{
    g_assert_true(obf());
    return inb(DATA);
}

static void expect_bytes(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t v = read_data();
        if (v != b[i]) {
            g_error("byte %zu: got 0x%02x, expected 0x%02x", i, v, b[i]);
        }
    }
    g_assert_false(obf());
}

#define EXPECT(...)                                                                                \
    do {                                                                                           \
        static const uint8_t exp_[] = {__VA_ARGS__};                                               \
        expect_bytes(exp_, sizeof(exp_));                                                          \
    } while (0)

static void set_mode(uint8_t mode)
{
    outb(CMD, 0x60);
    outb(DATA, mode);
}

static void test_self_test(void)
{
    setup();
    g_assert_cmpuint(inb(CMD) & ~STAT_CMD, ==, 0x14); /* unlocked, system flag */
    outb(CMD, 0xaa);
    g_assert_cmpuint(inb(CMD) & STAT_CMD, ==, STAT_CMD);
    g_assert_cmpint(hwt_irq_level[1], ==, 1);
    g_assert_cmpuint(read_data(), ==, 0x55);
    g_assert_cmpint(hwt_irq_level[1], ==, 0);
    outb(CMD, 0xab);
    EXPECT(0x00);
    outb(CMD, 0xa9);
    EXPECT(0x00);
    outb(CMD, 0xa4);
    EXPECT(0xf1);
    g_assert_cmpint(hwt_irq_level[12], ==, 0);
    g_assert_cmpint(hwt_irq_raises[1], ==, 4);
    teardown();
}

static void test_command_byte(void)
{
    setup();
    outb(CMD, 0x20);
    EXPECT(0x47);
    set_mode(0x00);
    g_assert_cmpuint(inb(CMD) & STAT_CMD, ==, 0);
    g_assert_cmpuint(inb(CMD) & STAT_SYS, ==, 0);
    outb(CMD, 0x20);
    g_assert_cmpint(hwt_irq_level[1], ==, 0); /* interrupt disabled in the command byte */
    EXPECT(0x00);
    set_mode(0x45);
    g_assert_cmpuint(inb(CMD) & STAT_SYS, ==, STAT_SYS);
    /* Controller RAM bytes 1..31. */
    outb(CMD, 0x65);
    outb(DATA, 0x5a);
    outb(CMD, 0x25);
    EXPECT(0x5a);
    outb(CMD, 0x20);
    EXPECT(0x45);
    /* Enabling the interrupt with a byte waiting raises it. */
    set_mode(0x44);
    outb(CMD, 0x20);
    g_assert_cmpint(hwt_irq_level[1], ==, 0);
    set_mode(0x45);
    g_assert_cmpint(hwt_irq_level[1], ==, 1);
    EXPECT(0x44); /* the byte as it was when read */
    teardown();
}

static void test_kbd_commands(void)
{
    PS2KbdState *kbd;

    setup();
    kbd = i8042_get_kbd(kbc);
    set_mode(0x01); /* interrupts, no translation */
    outb(DATA, 0xff);
    EXPECT(0xfa, 0xaa);
    outb(DATA, 0xf2);
    EXPECT(0xfa, 0xab, 0x83);
    outb(DATA, 0xee);
    EXPECT(0xee);
    outb(DATA, 0xed);
    EXPECT(0xfa);
    outb(DATA, 0x07);
    EXPECT(0xfa);
    g_assert_cmpuint(ps2_kbd_leds(kbd), ==, 7);
    outb(DATA, 0xf3);
    outb(DATA, 0x20);
    EXPECT(0xfa, 0xfa);
    outb(DATA, 0xf0);
    outb(DATA, 0x00);
    EXPECT(0xfa, 0xfa, 0x02);
    outb(DATA, 0xf0);
    outb(DATA, 0x01);
    EXPECT(0xfa, 0xfa);
    g_assert_cmpint(ps2_kbd_scancode_set(kbd), ==, 1);
    outb(DATA, 0xf0);
    outb(DATA, 0x03); /* set 3 is not implemented: refused */
    EXPECT(0xfa, 0xfe);
    g_assert_cmpint(ps2_kbd_scancode_set(kbd), ==, 1);
    /* A command where a parameter was expected starts that command. */
    outb(DATA, 0xed);
    outb(DATA, 0xee);
    EXPECT(0xfa, 0xee);
    g_assert_cmpuint(ps2_kbd_leds(kbd), ==, 7);
    /* Unknown command: resend request; resend repeats the last byte. */
    outb(DATA, 0x42);
    EXPECT(0xfe);
    outb(DATA, 0xf2);
    EXPECT(0xfa, 0xab, 0x83);
    outb(DATA, 0xfe);
    EXPECT(0x83);
    outb(DATA, 0xf6);
    EXPECT(0xfa);
    g_assert_cmpint(ps2_kbd_scancode_set(kbd), ==, 1); /* defaults keep the set */
    outb(DATA, 0xff);
    EXPECT(0xfa, 0xaa);
    g_assert_cmpint(ps2_kbd_scancode_set(kbd), ==, 2);
    teardown();
}

static void test_kbd_scancodes(void)
{
    PS2KbdState *kbd;

    setup();
    kbd = i8042_get_kbd(kbc);
    set_mode(0x01);                        /* set 2 as sent */
    ps2_keyboard_put_key(kbd, 0x1e, true); /* A */
    ps2_keyboard_put_key(kbd, 0x1e, false);
    EXPECT(0x1c, 0xf0, 0x1c);
    ps2_keyboard_put_keycode(kbd, 0xe0); /* Up arrow */
    ps2_keyboard_put_keycode(kbd, 0x48);
    ps2_keyboard_put_keycode(kbd, 0xe0);
    ps2_keyboard_put_keycode(kbd, 0xc8);
    EXPECT(0xe0, 0x75, 0xe0, 0xf0, 0x75);

    set_mode(0x41); /* translated to set 1 by the controller */
    ps2_keyboard_put_key(kbd, 0x1e, true);
    ps2_keyboard_put_key(kbd, 0x1e, false);
    ps2_keyboard_put_key(kbd, 0x41, true);    /* F7: set-2 0x83 */
    ps2_keyboard_put_key(kbd, 0xe01d, false); /* right Ctrl */
    EXPECT(0x1e, 0x9e, 0x41, 0xe0, 0x9d);
    outb(DATA, 0xf2);
    EXPECT(0xfa, 0xab, 0x41); /* as a real translating controller answers */

    /* Every set-1 key survives set 2 plus translation. */
    for (uint16_t code = 0x01; code <= 0x58; code++) {
        if (code == 0x54 || code == 0x55) {
            continue; /* SysRq, unassigned */
        }
        ps2_keyboard_put_key(kbd, code, true);
        g_assert_cmpuint(read_data(), ==, code);
    }

    /* Keyboard in set 1: no translation needed. */
    set_mode(0x01);
    outb(DATA, 0xf0);
    outb(DATA, 0x01);
    EXPECT(0xfa, 0xfa);
    ps2_keyboard_put_key(kbd, 0x10, true);
    ps2_keyboard_put_key(kbd, 0x10, false);
    EXPECT(0x10, 0x90);

    /* Scanning disabled: keys are dropped. */
    outb(DATA, 0xf5);
    EXPECT(0xfa);
    ps2_keyboard_put_key(kbd, 0x10, true);
    g_assert_false(obf());
    outb(DATA, 0xf4);
    EXPECT(0xfa);
    ps2_keyboard_put_key(kbd, 0x10, true);
    EXPECT(0x10);
    teardown();
}

static void test_kbd_disable_and_overflow(void)
{
    PS2KbdState *kbd;

    setup();
    kbd = i8042_get_kbd(kbc);
    set_mode(0x01);
    outb(CMD, 0xad);
    ps2_keyboard_put_key(kbd, 0x1e, true);
    g_assert_false(obf());
    outb(CMD, 0x20);
    EXPECT(0x11);
    outb(CMD, 0xae);
    EXPECT(0x1c);
    /* A full keyboard buffer drops keys; nothing breaks. */
    for (int i = 0; i < 40; i++) {
        ps2_keyboard_put_key(kbd, 0x1e, i & 1);
    }
    for (int i = 0; i < 16 && obf(); i++) {
        inb(DATA);
    }
    teardown();
}

static void test_output_port_and_reset(void)
{
    setup();
    g_assert_cmpint(hwt_take_resets(), ==, 0);
    g_assert_true(i8042_a20_enabled(kbc));
    outb(CMD, 0xd0);
    g_assert_cmpuint(read_data() & 0x03, ==, 0x03);
    outb(CMD, 0xdd);
    g_assert_false(i8042_a20_enabled(kbc));
    outb(CMD, 0xdf);
    g_assert_true(i8042_a20_enabled(kbc));
    outb(CMD, 0xd1);
    outb(DATA, 0xc1); /* A20 off, reset line high */
    g_assert_false(i8042_a20_enabled(kbc));
    g_assert_cmpint(hwt_take_resets(), ==, 0);
    outb(CMD, 0xd0);
    EXPECT(0xc1);
    outb(CMD, 0xfe); /* pulse the reset line */
    g_assert_cmpint(hwt_take_resets(), ==, 1);
    outb(CMD, 0xff); /* pulse nothing */
    g_assert_cmpint(hwt_take_resets(), ==, 0);
    outb(CMD, 0xf0); /* pulse bits 0-3, reset among them */
    g_assert_cmpint(hwt_take_resets(), ==, 1);
    outb(CMD, 0xd1);
    outb(DATA, 0xc2); /* reset line low */
    g_assert_cmpint(hwt_take_resets(), ==, 1);
    teardown();
}

static void test_write_obuf_and_mouse(void)
{
    PS2MouseState *mouse;

    setup();
    mouse = i8042_get_mouse(kbc);
    outb(CMD, 0xd2);
    outb(DATA, 0x99);
    g_assert_cmpint(hwt_irq_level[1], ==, 1);
    EXPECT(0x99);
    outb(CMD, 0xd3);
    outb(DATA, 0x77);
    g_assert_cmpuint(inb(CMD) & STAT_MOUSE_OBF, ==, STAT_MOUSE_OBF);
    g_assert_cmpint(hwt_irq_level[12], ==, 1);
    g_assert_cmpint(hwt_irq_level[1], ==, 0);
    EXPECT(0x77);
    g_assert_cmpint(hwt_irq_level[12], ==, 0);

    outb(CMD, 0xd4);
    outb(DATA, 0xff);
    EXPECT(0xfa, 0xaa, 0x00);
    outb(CMD, 0xd4);
    outb(DATA, 0xf2);
    EXPECT(0xfa, 0x00);
    outb(CMD, 0xd4);
    outb(DATA, 0xf3);
    outb(CMD, 0xd4);
    outb(DATA, 40);
    EXPECT(0xfa, 0xfa);
    outb(CMD, 0xd4);
    outb(DATA, 0xe9);
    EXPECT(0xfa, 0x00, 0x02, 40);
    ps2_mouse_event(mouse, 5, -3, PS2_MOUSE_BUTTON_LEFT); /* reporting off: nothing */
    g_assert_false(obf());
    outb(CMD, 0xd4);
    outb(DATA, 0xf4);
    EXPECT(0xfa);
    ps2_mouse_event(mouse, 0, 0, PS2_MOUSE_BUTTON_LEFT); /* carries the earlier motion */
    EXPECT(0x29, 0x05, 0xfd);
    ps2_mouse_event(mouse, 300, 0, 0); /* clipped, overflow bit, remainder kept */
    EXPECT(0x48, 0xff, 0x00);
    outb(CMD, 0xd4);
    outb(DATA, 0xeb); /* read data: the rest of the motion */
    EXPECT(0xfa, 0x08, 45, 0x00);
    /* Aux disabled at the controller: mouse bytes wait. */
    outb(CMD, 0xa7);
    ps2_mouse_event(mouse, 1, 1, 0);
    g_assert_false(obf());
    outb(CMD, 0xa8);
    EXPECT(0x08, 0x01, 0x01);
    /* Wrap mode echoes. */
    outb(CMD, 0xd4);
    outb(DATA, 0xee);
    EXPECT(0xfa);
    outb(CMD, 0xd4);
    outb(DATA, 0x12);
    EXPECT(0x12);
    outb(CMD, 0xd4);
    outb(DATA, 0xec);
    EXPECT(0xfa);
    outb(CMD, 0xd4);
    outb(DATA, 0x01);
    EXPECT(0xfe);
    teardown();
}

static void test_bad_programming(void)
{
    setup();
    outb(CMD, 0x01); /* unknown controller command: ignored */
    g_assert_false(obf());
    g_assert_cmpuint(inb(DATA), ==, 0x00); /* empty: the last byte again */
    outb(CMD, 0xaa);
    g_assert_cmpuint(inb(DATA), ==, 0x55);
    g_assert_cmpuint(inb(DATA), ==, 0x55);
    /* Replies nobody reads: the controller queue is bounded. */
    for (int i = 0; i < 100; i++) {
        outb(CMD, 0xaa);
    }
    for (int i = 0; i < 10 && obf(); i++) {
        g_assert_cmpuint(inb(DATA), ==, 0x55);
    }
    g_assert_false(obf());
    /* Wide accesses are split into bytes; nothing crashes. */
    outw(DATA, 0xffff);
    inl(DATA);
    outl(CMD, 0xffffffff);
    inw(CMD);
    while (obf()) {
        inb(DATA); /* the keyboard answered the 0xff (reset) byte */
    }
    /* Pending data command abandoned by a new command. */
    outb(CMD, 0x60);
    outb(CMD, 0x20);
    EXPECT(0x47);
    teardown();
}

static void test_reset(void)
{
    setup();
    set_mode(0x00);
    outb(CMD, 0xdd);
    outb(CMD, 0xd2);
    outb(DATA, 0x11);
    qdev_reset_all();
    g_assert_false(obf());
    g_assert_true(i8042_a20_enabled(kbc));
    outb(CMD, 0x20);
    EXPECT(0x47);
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hwt_init();
    g_test_add_func("/i8042/self-test", test_self_test);
    g_test_add_func("/i8042/command-byte", test_command_byte);
    g_test_add_func("/i8042/kbd/commands", test_kbd_commands);
    g_test_add_func("/i8042/kbd/scancodes", test_kbd_scancodes);
    g_test_add_func("/i8042/kbd/disable-overflow", test_kbd_disable_and_overflow);
    g_test_add_func("/i8042/output-port-reset", test_output_port_and_reset);
    g_test_add_func("/i8042/obuf-and-mouse", test_write_obuf_and_mouse);
    g_test_add_func("/i8042/bad-programming", test_bad_programming);
    g_test_add_func("/i8042/reset", test_reset);
    return g_test_run();
}
