/*
 * ps2.c: PS/2 keyboard and mouse, as seen from the 8042 controller.
 *
 * Follows the IBM PS/2 Technical Reference (keyboard and auxiliary device
 * commands) and the scan code sets 1 and 2. The keyboard answers reset
 * (FA AA), set/reset LEDs, echo, identify (FA AB 83), scan code set 1/2,
 * typematic rate, enable/disable scanning, set defaults and resend; the mouse
 * answers reset (FA AA 00), identify (00), status request, stream/remote/wrap
 * modes, sample rate, resolution and scaling, and reports 3-byte packets.
 * Left out: scan code set 3 (answered with FE), typematic repeat (the UI
 * sends repeats itself), the IntelliMouse wheel extension (ID stays 0).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/input/ps2.h"
#include "trace-events.h"

#define PS2_QUEUE_SIZE 16 /* a real keyboard buffers 16 bytes */

/* Keyboard commands (host to keyboard) */
#define KBD_CMD_SET_LEDS   0xED
#define KBD_CMD_ECHO       0xEE
#define KBD_CMD_SCANCODE   0xF0
#define KBD_CMD_GET_ID     0xF2
#define KBD_CMD_SET_RATE   0xF3
#define KBD_CMD_ENABLE     0xF4
#define KBD_CMD_RESET_DIS  0xF5
#define KBD_CMD_RESET_ENA  0xF6
#define KBD_CMD_SET3_FIRST 0xF7 /* F7..FD: scan code set 3 key types */
#define KBD_CMD_SET3_LAST  0xFD
#define KBD_CMD_RESEND     0xFE
#define KBD_CMD_RESET      0xFF

/* Replies */
#define PS2_REPLY_ACK      0xFA
#define PS2_REPLY_RESEND   0xFE
#define PS2_REPLY_SELFTEST 0xAA
#define PS2_REPLY_ECHO     0xEE
#define KBD_ID_BYTE1       0xAB
#define KBD_ID_BYTE2       0x83
#define MOUSE_ID           0x00

/* Scan code prefixes */
#define SC_EXTENDED       0xE0
#define SC_SET2_BREAK     0xF0
#define SC_SET1_BREAK_BIT 0x80

/* Mouse commands */
#define AUX_SET_SCALE11 0xE6
#define AUX_SET_SCALE21 0xE7
#define AUX_SET_RES     0xE8
#define AUX_GET_STATUS  0xE9
#define AUX_SET_STREAM  0xEA
#define AUX_POLL        0xEB
#define AUX_RESET_WRAP  0xEC
#define AUX_SET_WRAP    0xEE
#define AUX_SET_REMOTE  0xF0
#define AUX_GET_TYPE    0xF2
#define AUX_SET_SAMPLE  0xF3
#define AUX_ENABLE_DEV  0xF4
#define AUX_DISABLE_DEV 0xF5
#define AUX_SET_DEFAULT 0xF6
#define AUX_RESEND      0xFE
#define AUX_RESET       0xFF

/* Mouse packet byte 0 and status byte bits */
#define MOUSE_PKT_ALWAYS1  0x08
#define MOUSE_PKT_XSIGN    0x10
#define MOUSE_PKT_YSIGN    0x20
#define MOUSE_PKT_XOVF     0x40
#define MOUSE_PKT_YOVF     0x80
#define MOUSE_STAT_SCALE21 0x10
#define MOUSE_STAT_ENABLED 0x20
#define MOUSE_STAT_REMOTE  0x40

#define MOUSE_DEFAULT_RATE 100
#define MOUSE_DEFAULT_RES  2    /* 4 counts/mm */
#define KBD_DEFAULT_RATE   0x2b /* 10.9 cps, 500 ms */

struct PS2State {
    uint8_t data[PS2_QUEUE_SIZE];
    unsigned rptr, count;
    uint8_t last_sent; /* for resend */
    int pending_cmd;   /* command waiting for its parameter, or -1 */
    PS2Notify *notify;
    void *opaque;
};

struct PS2KbdState {
    PS2State common;
    bool scan_enabled;
    int scancode_set;
    uint8_t leds;
    uint8_t typematic;
    bool extended_prefix; /* put_keycode saw 0xe0 */
};

struct PS2MouseState {
    PS2State common;
    bool enabled, remote, wrap, scale21;
    uint8_t rate, resolution;
    int dx, dy; /* motion not yet reported */
    unsigned buttons;
};

/*
 * Set-1 make code -> set-2 make code, by key (IBM PS/2 Technical Reference,
 * keyboard scan code tables). Extended keys (E0 xx) use the entry of xx.
 */
static const uint8_t set1_to_set2[0x80] = {
    [0x01] = 0x76,                                              /* Esc */
    [0x02] = 0x16, [0x03] = 0x1e, [0x04] = 0x26, [0x05] = 0x25, /* 1 2 3 4 */
    [0x06] = 0x2e, [0x07] = 0x36, [0x08] = 0x3d, [0x09] = 0x3e, /* 5 6 7 8 */
    [0x0a] = 0x46, [0x0b] = 0x45, [0x0c] = 0x4e, [0x0d] = 0x55, /* 9 0 - = */
    [0x0e] = 0x66, [0x0f] = 0x0d,                               /* Backspace Tab */
    [0x10] = 0x15, [0x11] = 0x1d, [0x12] = 0x24, [0x13] = 0x2d, /* Q W E R */
    [0x14] = 0x2c, [0x15] = 0x35, [0x16] = 0x3c, [0x17] = 0x43, /* T Y U I */
    [0x18] = 0x44, [0x19] = 0x4d, [0x1a] = 0x54, [0x1b] = 0x5b, /* O P [ ] */
    [0x1c] = 0x5a, [0x1d] = 0x14,                               /* Enter LCtrl */
    [0x1e] = 0x1c, [0x1f] = 0x1b, [0x20] = 0x23, [0x21] = 0x2b, /* A S D F */
    [0x22] = 0x34, [0x23] = 0x33, [0x24] = 0x3b, [0x25] = 0x42, /* G H J K */
    [0x26] = 0x4b, [0x27] = 0x4c, [0x28] = 0x52, [0x29] = 0x0e, /* L ; ' ` */
    [0x2a] = 0x12, [0x2b] = 0x5d,                               /* LShift \ */
    [0x2c] = 0x1a, [0x2d] = 0x22, [0x2e] = 0x21, [0x2f] = 0x2a, /* Z X C V */
    [0x30] = 0x32, [0x31] = 0x31, [0x32] = 0x3a, [0x33] = 0x41, /* B N M , */
    [0x34] = 0x49, [0x35] = 0x4a, [0x36] = 0x59, [0x37] = 0x7c, /* . / RShift KP* */
    [0x38] = 0x11, [0x39] = 0x29, [0x3a] = 0x58,                /* LAlt Space Caps */
    [0x3b] = 0x05, [0x3c] = 0x06, [0x3d] = 0x04, [0x3e] = 0x0c, /* F1-F4 */
    [0x3f] = 0x03, [0x40] = 0x0b, [0x41] = 0x83, [0x42] = 0x0a, /* F5-F8 */
    [0x43] = 0x01, [0x44] = 0x09,                               /* F9 F10 */
    [0x45] = 0x77, [0x46] = 0x7e,                               /* NumLock ScrollLock */
    [0x47] = 0x6c, [0x48] = 0x75, [0x49] = 0x7d, [0x4a] = 0x7b, /* KP7 KP8 KP9 KP- */
    [0x4b] = 0x6b, [0x4c] = 0x73, [0x4d] = 0x74, [0x4e] = 0x79, /* KP4 KP5 KP6 KP+ */
    [0x4f] = 0x69, [0x50] = 0x72, [0x51] = 0x7a, [0x52] = 0x70, /* KP1 KP2 KP3 KP0 */
    [0x53] = 0x71, [0x54] = 0x84, [0x56] = 0x61,                /* KP. SysRq 102nd */
    [0x57] = 0x78, [0x58] = 0x07,                               /* F11 F12 */
    [0x5b] = 0x1f, [0x5c] = 0x27, [0x5d] = 0x2f,                /* LWin RWin Menu (E0) */
};

static uint8_t set2_to_set1[256];

static void __attribute__((constructor)) ps2_build_tables(void)
{
    /* Bytes that are not key codes (replies, prefixes, 0x80+) pass unchanged. */
    for (unsigned i = 0; i < 256; i++) {
        set2_to_set1[i] = i;
    }
    for (unsigned i = 0; i < 0x80; i++) {
        if (set1_to_set2[i]) {
            set2_to_set1[set1_to_set2[i]] = i;
        }
    }
    set2_to_set1[0x00] = 0xff; /* key detection error / overrun */
}

uint8_t ps2_translate_set2_to_set1(uint8_t code)
{
    return set2_to_set1[code];
}

/* --- queue ----------------------------------------------------------------- */

static void ps2_queue_clear(PS2State *s)
{
    s->rptr = 0;
    s->count = 0;
}

static unsigned ps2_queue_space(PS2State *s)
{
    return PS2_QUEUE_SIZE - s->count;
}

/* Queues bytes all or none; tells the controller once. */
static bool ps2_queue_bytes(PS2State *s, const uint8_t *b, unsigned n)
{
    if (ps2_queue_space(s) < n) {
        trace_ps2_queue_full(s->count, n);
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        s->data[(s->rptr + s->count++) % PS2_QUEUE_SIZE] = b[i];
    }
    if (s->notify) {
        s->notify(s->opaque);
    }
    return true;
}

static void ps2_queue1(PS2State *s, uint8_t b)
{
    ps2_queue_bytes(s, &b, 1);
}

static void ps2_queue2(PS2State *s, uint8_t a, uint8_t b)
{
    uint8_t v[2] = {a, b};
    ps2_queue_bytes(s, v, 2);
}

unsigned ps2_queue_count(PS2State *s)
{
    return s->count;
}

uint8_t ps2_read_data(PS2State *s)
{
    uint8_t v;

    if (!s->count) {
        return 0;
    }
    v = s->data[s->rptr];
    s->rptr = (s->rptr + 1) % PS2_QUEUE_SIZE;
    s->count--;
    s->last_sent = v;
    return v;
}

/* A host command: the device drops what it had queued (PS/2 reference, command handling). */
static void ps2_begin_command(PS2State *s)
{
    ps2_queue_clear(s);
    s->pending_cmd = -1;
}

static void ps2_resend(PS2State *s)
{
    ps2_queue1(s, s->last_sent);
}

/* --- keyboard ---------------------------------------------------------------- */

PS2State *ps2_kbd_base(PS2KbdState *s)
{
    return &s->common;
}

/* Set Default (F6) and Default Disable (F5): typematic rate and key types; the set stays. */
static void ps2_kbd_defaults(PS2KbdState *s)
{
    s->typematic = KBD_DEFAULT_RATE;
}

void ps2_kbd_reset(PS2KbdState *s)
{
    trace_ps2_kbd_reset();
    ps2_queue_clear(&s->common);
    s->common.pending_cmd = -1;
    s->common.last_sent = 0;
    ps2_kbd_defaults(s);
    s->scancode_set = 2;
    s->scan_enabled = true;
    s->leds = 0;
    s->extended_prefix = false;
}

PS2KbdState *ps2_kbd_new(PS2Notify *notify, void *opaque)
{
    PS2KbdState *s = g_new0(PS2KbdState, 1);

    s->common.notify = notify;
    s->common.opaque = opaque;
    ps2_kbd_reset(s);
    return s;
}

void ps2_kbd_free(PS2KbdState *s)
{
    g_free(s);
}

int ps2_kbd_scancode_set(PS2KbdState *s)
{
    return s->scancode_set;
}

uint8_t ps2_kbd_leds(PS2KbdState *s)
{
    return s->leds;
}

/* The parameter byte of ED, F3 or F0. False if it is not one (a new command instead). */
static bool ps2_kbd_param(PS2KbdState *s, int cmd, uint8_t val)
{
    PS2State *c = &s->common;

    switch (cmd) {
    case KBD_CMD_SET_LEDS:
        if (val > 0x07) {
            return false;
        }
        s->leds = val;
        ps2_queue1(c, PS2_REPLY_ACK);
        return true;
    case KBD_CMD_SET_RATE:
        if (val > 0x7f) {
            return false;
        }
        s->typematic = val;
        ps2_queue1(c, PS2_REPLY_ACK);
        return true;
    case KBD_CMD_SCANCODE:
        if (val > 3) {
            return false;
        }
        if (val == 0) {
            ps2_queue2(c, PS2_REPLY_ACK, s->scancode_set);
        } else if (val == 3) {
            qemu_log_mask(LOG_UNIMP, "ps2 keyboard: scan code set 3 not implemented\n");
            ps2_queue1(c, PS2_REPLY_RESEND);
        } else {
            s->scancode_set = val;
            ps2_queue1(c, PS2_REPLY_ACK);
        }
        return true;
    }
    g_assert_not_reached();
}

static void ps2_kbd_command(PS2KbdState *s, uint8_t val)
{
    PS2State *c = &s->common;
    static const uint8_t id[3] = {PS2_REPLY_ACK, KBD_ID_BYTE1, KBD_ID_BYTE2};

    if (val == KBD_CMD_RESEND) {
        ps2_resend(c); /* keeps the queue: resend is not a new command */
        return;
    }
    ps2_begin_command(c);
    switch (val) {
    case KBD_CMD_SET_LEDS:
    case KBD_CMD_SET_RATE:
    case KBD_CMD_SCANCODE:
        c->pending_cmd = val;
        ps2_queue1(c, PS2_REPLY_ACK);
        break;
    case KBD_CMD_ECHO:
        ps2_queue1(c, PS2_REPLY_ECHO);
        break;
    case KBD_CMD_GET_ID:
        ps2_queue_bytes(c, id, 3);
        break;
    case KBD_CMD_ENABLE:
        s->scan_enabled = true;
        ps2_queue1(c, PS2_REPLY_ACK);
        break;
    case KBD_CMD_RESET_DIS:
    case KBD_CMD_RESET_ENA:
        ps2_kbd_defaults(s);
        s->scan_enabled = val == KBD_CMD_RESET_ENA;
        ps2_queue1(c, PS2_REPLY_ACK);
        break;
    case KBD_CMD_RESET:
        ps2_kbd_reset(s);
        ps2_queue2(c, PS2_REPLY_ACK, PS2_REPLY_SELFTEST);
        break;
    default:
        if (val >= KBD_CMD_SET3_FIRST && val <= KBD_CMD_SET3_LAST) {
            qemu_log_mask(LOG_UNIMP, "ps2 keyboard: set-3 command 0x%02x ignored\n", val);
            ps2_queue1(c, PS2_REPLY_ACK);
        } else {
            qemu_log_mask(LOG_GUEST_ERROR, "ps2 keyboard: unknown command 0x%02x\n", val);
            ps2_queue1(c, PS2_REPLY_RESEND);
        }
        break;
    }
}

void ps2_write_keyboard(PS2KbdState *s, uint8_t val)
{
    int cmd = s->common.pending_cmd;

    trace_ps2_kbd_write(val);
    if (cmd >= 0) {
        s->common.pending_cmd = -1;
        if (ps2_kbd_param(s, cmd, val)) {
            return;
        }
    }
    ps2_kbd_command(s, val);
}

void ps2_keyboard_put_key(PS2KbdState *s, uint16_t set1_code, bool down)
{
    bool ext = (set1_code >> 8) == SC_EXTENDED;
    uint8_t code = set1_code & 0x7f;
    uint8_t b[3];
    unsigned n = 0;

    trace_ps2_kbd_put_key(set1_code, down);
    if (!s->scan_enabled) {
        return;
    }
    if (ext) {
        b[n++] = SC_EXTENDED;
    }
    if (s->scancode_set == 1) {
        b[n++] = code | (down ? 0 : SC_SET1_BREAK_BIT);
    } else {
        if (!set1_to_set2[code]) {
            qemu_log_mask(LOG_UNIMP, "ps2 keyboard: no set-2 code for key 0x%x\n", set1_code);
            return;
        }
        if (!down) {
            b[n++] = SC_SET2_BREAK;
        }
        b[n++] = set1_to_set2[code];
    }
    ps2_queue_bytes(&s->common, b, n); /* a full buffer drops the key, as a keyboard does */
}

void ps2_keyboard_put_keycode(PS2KbdState *s, int keycode)
{
    if (keycode == SC_EXTENDED) {
        s->extended_prefix = true;
        return;
    }
    ps2_keyboard_put_key(s, (s->extended_prefix ? SC_EXTENDED << 8 : 0) | (keycode & 0x7f),
                         !(keycode & SC_SET1_BREAK_BIT));
    s->extended_prefix = false;
}

/* --- mouse ------------------------------------------------------------------- */

PS2State *ps2_mouse_base(PS2MouseState *s)
{
    return &s->common;
}

static void ps2_mouse_defaults(PS2MouseState *s)
{
    s->rate = MOUSE_DEFAULT_RATE;
    s->resolution = MOUSE_DEFAULT_RES;
    s->scale21 = false;
    s->enabled = false;
    s->remote = false;
    s->dx = s->dy = 0;
}

void ps2_mouse_reset(PS2MouseState *s)
{
    trace_ps2_mouse_reset();
    ps2_queue_clear(&s->common);
    s->common.pending_cmd = -1;
    s->common.last_sent = 0;
    ps2_mouse_defaults(s);
    s->wrap = false;
    s->buttons = 0;
}

PS2MouseState *ps2_mouse_new(PS2Notify *notify, void *opaque)
{
    PS2MouseState *s = g_new0(PS2MouseState, 1);

    s->common.notify = notify;
    s->common.opaque = opaque;
    ps2_mouse_reset(s);
    return s;
}

void ps2_mouse_free(PS2MouseState *s)
{
    g_free(s);
}

static int clamp9(int v, bool *ovf)
{
    *ovf = v < -256 || v > 255;
    return v < -256 ? -256 : v > 255 ? 255 : v;
}

/* Queues one movement packet from the accumulated motion; false if no room. */
static bool ps2_mouse_send_packet(PS2MouseState *s)
{
    bool xo, yo;
    int dx = clamp9(s->dx, &xo), dy = clamp9(s->dy, &yo);
    uint8_t b[3];

    b[0] = MOUSE_PKT_ALWAYS1 | (s->buttons & 0x07) | (dx < 0 ? MOUSE_PKT_XSIGN : 0) |
           (dy < 0 ? MOUSE_PKT_YSIGN : 0) | (xo ? MOUSE_PKT_XOVF : 0) | (yo ? MOUSE_PKT_YOVF : 0);
    b[1] = dx & 0xff;
    b[2] = dy & 0xff;
    if (!ps2_queue_bytes(&s->common, b, 3)) {
        return false;
    }
    s->dx -= dx;
    s->dy -= dy;
    return true;
}

void ps2_mouse_event(PS2MouseState *s, int dx, int dy, unsigned buttons)
{
    trace_ps2_mouse_event(dx, dy, buttons);
    s->dx += dx;
    s->dy += dy;
    s->buttons = buttons;
    if (s->enabled && !s->remote && !s->wrap) {
        ps2_mouse_send_packet(s);
    }
}

static uint8_t ps2_mouse_status(PS2MouseState *s)
{
    return (s->remote ? MOUSE_STAT_REMOTE : 0) | (s->enabled ? MOUSE_STAT_ENABLED : 0) |
           (s->scale21 ? MOUSE_STAT_SCALE21 : 0) | (s->buttons & 0x07);
}

static void ps2_mouse_command(PS2MouseState *s, uint8_t val)
{
    PS2State *c = &s->common;

    if (val == AUX_RESEND) {
        ps2_resend(c);
        return;
    }
    ps2_begin_command(c);
    switch (val) {
    case AUX_SET_SCALE11:
    case AUX_SET_SCALE21:
        s->scale21 = val == AUX_SET_SCALE21;
        ps2_queue1(c, PS2_REPLY_ACK);
        break;
    case AUX_SET_RES:
    case AUX_SET_SAMPLE:
        c->pending_cmd = val;
        ps2_queue1(c, PS2_REPLY_ACK);
        break;
    case AUX_GET_STATUS: {
        uint8_t b[4] = {PS2_REPLY_ACK, ps2_mouse_status(s), s->resolution, s->rate};
        ps2_queue_bytes(c, b, 4);
        break;
    }
    case AUX_SET_STREAM:
    case AUX_SET_REMOTE:
        s->remote = val == AUX_SET_REMOTE;
        ps2_queue1(c, PS2_REPLY_ACK);
        break;
    case AUX_POLL:
        ps2_queue1(c, PS2_REPLY_ACK);
        ps2_mouse_send_packet(s);
        break;
    case AUX_RESET_WRAP:
    case AUX_SET_WRAP:
        s->wrap = val == AUX_SET_WRAP;
        ps2_queue1(c, PS2_REPLY_ACK);
        break;
    case AUX_GET_TYPE:
        ps2_queue2(c, PS2_REPLY_ACK, MOUSE_ID);
        break;
    case AUX_ENABLE_DEV:
    case AUX_DISABLE_DEV:
        s->enabled = val == AUX_ENABLE_DEV;
        ps2_queue1(c, PS2_REPLY_ACK);
        break;
    case AUX_SET_DEFAULT:
        ps2_mouse_defaults(s);
        ps2_queue1(c, PS2_REPLY_ACK);
        break;
    case AUX_RESET: {
        static const uint8_t b[3] = {PS2_REPLY_ACK, PS2_REPLY_SELFTEST, MOUSE_ID};
        ps2_mouse_reset(s);
        ps2_queue_bytes(c, b, 3);
        break;
    }
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "ps2 mouse: unknown command 0x%02x\n", val);
        ps2_queue1(c, PS2_REPLY_RESEND);
        break;
    }
}

void ps2_write_mouse(PS2MouseState *s, uint8_t val)
{
    PS2State *c = &s->common;
    int cmd = c->pending_cmd;

    trace_ps2_mouse_write(val);
    if (cmd >= 0) {
        c->pending_cmd = -1;
        if (cmd == AUX_SET_RES && val > 3) {
            qemu_log_mask(LOG_GUEST_ERROR, "ps2 mouse: resolution %u out of range\n", val);
            ps2_queue1(c, PS2_REPLY_RESEND);
            return;
        }
        if (cmd == AUX_SET_RES) {
            s->resolution = val;
        } else {
            s->rate = val;
        }
        ps2_queue1(c, PS2_REPLY_ACK);
        return;
    }
    /* Wrap mode echoes everything but the two commands that leave it. */
    if (s->wrap && val != AUX_RESET_WRAP && val != AUX_RESET) {
        ps2_queue1(c, val);
        return;
    }
    ps2_mouse_command(s, val);
}
