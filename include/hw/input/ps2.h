/*
 * ps2.h: PS/2 keyboard and mouse behind the i8042 controller. Each device keeps
 * its own output queue; the controller pulls bytes from it when its output
 * buffer is free, and is told (notify) when a device queued something.
 */
#ifndef HW_INPUT_PS2_H
#define HW_INPUT_PS2_H

#include "qemu/osdep.h"

typedef struct PS2State PS2State;
typedef struct PS2KbdState PS2KbdState;
typedef struct PS2MouseState PS2MouseState;

/* Called when a device put bytes in its queue. */
typedef void PS2Notify(void *opaque);

/* Mouse buttons for ps2_mouse_event(). */
#define PS2_MOUSE_BUTTON_LEFT   0x01
#define PS2_MOUSE_BUTTON_RIGHT  0x02
#define PS2_MOUSE_BUTTON_MIDDLE 0x04

/* A keyboard / mouse in its power-on state; notify(opaque) runs when it queues bytes. */
PS2KbdState *ps2_kbd_new(PS2Notify *notify, void *opaque);
PS2MouseState *ps2_mouse_new(PS2Notify *notify, void *opaque);
/* Frees a device (the controller's unrealize). */
void ps2_kbd_free(PS2KbdState *s);
void ps2_mouse_free(PS2MouseState *s);
/* The generic part of either device (its queue). */
PS2State *ps2_kbd_base(PS2KbdState *s);
PS2State *ps2_mouse_base(PS2MouseState *s);

/* Power-on state: queue empty, defaults, scanning/reporting as after reset. */
void ps2_kbd_reset(PS2KbdState *s);
void ps2_mouse_reset(PS2MouseState *s);

/* Number of queued bytes, and the next one (0 if empty: callers check the count). */
unsigned ps2_queue_count(PS2State *s);
uint8_t ps2_read_data(PS2State *s);

/* A byte from the host (the controller) to the device: a command or its parameter. */
void ps2_write_keyboard(PS2KbdState *s, uint8_t val);
void ps2_write_mouse(PS2MouseState *s, uint8_t val);

/* The keyboard's current scan code set (1 or 2). */
int ps2_kbd_scancode_set(PS2KbdState *s);
/* The LED bits last set with 0xED (bit 0 scroll, 1 num, 2 caps lock). */
uint8_t ps2_kbd_leds(PS2KbdState *s);

/*
 * A key from the UI: a set-1 make code (0x01..0x7f), extended keys as 0xe0xx;
 * sent in the keyboard's scan code set when scanning is enabled.
 */
void ps2_keyboard_put_key(PS2KbdState *s, uint16_t set1_code, bool down);
/* The same from a set-1 byte stream (0xe0 prefix, bit 7 = release). */
void ps2_keyboard_put_keycode(PS2KbdState *s, int keycode);

/* Relative motion (dy positive = up, as PS/2 reports it) and the buttons held. */
void ps2_mouse_event(PS2MouseState *s, int dx, int dy, unsigned buttons);

/* The 8042's set-2 to set-1 translation of one byte (the 0xF0 break prefix is the caller's). */
uint8_t ps2_translate_set2_to_set1(uint8_t code);

#endif
