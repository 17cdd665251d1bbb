/*
 * i8042.c: the PC/AT keyboard controller (Intel 8042 firmware as on IBM PC/AT
 * and PS/2 machines): data port 0x60, status/command port 0x64.
 *
 * Follows the IBM PS/2 Technical Reference, "Keyboard/Auxiliary Device
 * Controller": status register, command byte (0x20/0x60), controller RAM,
 * self-test (0xAA -> 0x55), interface tests (0xAB, 0xA9 -> 0x00), keyboard
 * and auxiliary enable/disable (0xAD/0xAE, 0xA7/0xA8), output port (0xD0/0xD1:
 * A20 and the CPU reset line), 0xD2/0xD3 (write output buffer), 0xD4 (to the
 * mouse), 0xF0-0xFF (pulse output lines; 0xFE resets the machine), and the
 * set-2 to set-1 translation selected by the command byte.
 * Left out: the password (0xA4 says none is installed), input port contents,
 * parity and timeout errors (never happen here), IBF (writes complete at once).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "exec/memory.h"
#include "hw/isa.h"
#include "hw/input/i8042.h"
#include "trace-events.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT  0x64

/* Status register (read from 0x64) */
#define KBD_STAT_OBF       0x01
#define KBD_STAT_IBF       0x02
#define KBD_STAT_SYS       0x04 /* system flag: copy of command byte bit 2 */
#define KBD_STAT_CMD       0x08 /* last write went to 0x64 */
#define KBD_STAT_UNLOCKED  0x10 /* keyboard not inhibited by the key lock */
#define KBD_STAT_MOUSE_OBF 0x20

/* Command byte (controller RAM byte 0) */
#define KBD_MODE_KBD_INT       0x01
#define KBD_MODE_MOUSE_INT     0x02
#define KBD_MODE_SYS           0x04
#define KBD_MODE_NO_KEYLOCK    0x08
#define KBD_MODE_DISABLE_KBD   0x10
#define KBD_MODE_DISABLE_MOUSE 0x20
#define KBD_MODE_XLATE         0x40
/* What a BIOS leaves: both interrupts, POST passed, translation on. */
#define KBD_MODE_DEFAULT (KBD_MODE_KBD_INT | KBD_MODE_MOUSE_INT | KBD_MODE_SYS | KBD_MODE_XLATE)

/* Output port */
#define KBD_OUT_RESET     0x01 /* 0 holds the CPU in reset */
#define KBD_OUT_A20       0x02
#define KBD_OUT_OBF       0x10
#define KBD_OUT_MOUSE_OBF 0x20
#define KBD_OUT_DEFAULT   (KBD_OUT_RESET | KBD_OUT_A20 | 0xc0) /* clock/data lines high */

/* Controller commands (written to 0x64) */
#define KBD_CCMD_READ_MODE      0x20
#define KBD_CCMD_READ_RAM_LAST  0x3f
#define KBD_CCMD_WRITE_MODE     0x60
#define KBD_CCMD_WRITE_RAM_LAST 0x7f
#define KBD_CCMD_PASSWD_TEST    0xa4
#define KBD_CCMD_MOUSE_DISABLE  0xa7
#define KBD_CCMD_MOUSE_ENABLE   0xa8
#define KBD_CCMD_TEST_MOUSE     0xa9
#define KBD_CCMD_SELF_TEST      0xaa
#define KBD_CCMD_KBD_TEST       0xab
#define KBD_CCMD_KBD_DISABLE    0xad
#define KBD_CCMD_KBD_ENABLE     0xae
#define KBD_CCMD_READ_INPORT    0xc0
#define KBD_CCMD_READ_OUTPORT   0xd0
#define KBD_CCMD_WRITE_OUTPORT  0xd1
#define KBD_CCMD_WRITE_OBUF     0xd2
#define KBD_CCMD_WRITE_AUX_OBUF 0xd3
#define KBD_CCMD_WRITE_MOUSE    0xd4
#define KBD_CCMD_DISABLE_A20    0xdd
#define KBD_CCMD_ENABLE_A20     0xdf
#define KBD_CCMD_READ_TSTINP    0xe0
#define KBD_CCMD_PULSE_FIRST    0xf0 /* 0xf0-0xff: pulse output bits 0-3 low where clear */

/* Replies */
#define KBD_REPLY_SELFTEST_OK 0x55
#define KBD_REPLY_IFACE_OK    0x00
#define KBD_REPLY_NO_PASSWORD 0xf1

#define SC_SET2_BREAK 0xf0
#define SC_SET1_BREAK 0x80

#define I8042_RAM_SIZE  32
#define I8042_CTRL_QLEN 4

typedef enum { SRC_NONE, SRC_KBD, SRC_AUX } OutSource;

struct I8042State {
    DeviceState parent;
    uint32_t irq_kbd_num, irq_aux_num;
    MemoryRegion io_data, io_cmd;
    qemu_irq irq_kbd, irq_aux;
    PS2KbdState *kbd;
    PS2MouseState *mouse;

    uint8_t status;
    uint8_t ram[I8042_RAM_SIZE]; /* ram[0] is the command byte */
    uint8_t outport;
    uint8_t write_cmd; /* controller command waiting for its data byte, or 0 */
    uint8_t out_byte;  /* the output buffer */
    OutSource out_src;
    uint8_t ctrl_q[I8042_CTRL_QLEN]; /* controller replies, before device data */
    unsigned ctrl_count;
    bool xlate_break; /* translation saw the set-2 break prefix */
};

static uint8_t *cmd_byte(I8042State *s)
{
    return &s->ram[0];
}

static void i8042_update_irq(I8042State *s)
{
    bool full = s->status & KBD_STAT_OBF;
    bool kbd = full && s->out_src == SRC_KBD && (*cmd_byte(s) & KBD_MODE_KBD_INT);
    bool aux = full && s->out_src == SRC_AUX && (*cmd_byte(s) & KBD_MODE_MOUSE_INT);

    trace_i8042_irq(kbd, aux);
    qemu_set_irq(s->irq_kbd, kbd);
    qemu_set_irq(s->irq_aux, aux);
}

/* The next keyboard byte as the host sees it, translated if the command byte says so. */
static bool i8042_pull_kbd(I8042State *s, uint8_t *out)
{
    PS2State *k = ps2_kbd_base(s->kbd);

    while (ps2_queue_count(k)) {
        uint8_t b = ps2_read_data(k);
        if (!(*cmd_byte(s) & KBD_MODE_XLATE)) {
            *out = b;
            return true;
        }
        if (b == SC_SET2_BREAK) {
            s->xlate_break = true;
            continue;
        }
        *out = ps2_translate_set2_to_set1(b) | (s->xlate_break ? SC_SET1_BREAK : 0);
        s->xlate_break = false;
        return true;
    }
    return false;
}

/* Fills an empty output buffer: controller replies first, then keyboard, then mouse. */
static void i8042_update(I8042State *s)
{
    uint8_t b;

    if (!(s->status & KBD_STAT_OBF)) {
        PS2State *m = ps2_mouse_base(s->mouse);
        OutSource src = SRC_NONE;

        if (s->ctrl_count) {
            b = s->ctrl_q[0];
            memmove(s->ctrl_q, s->ctrl_q + 1, --s->ctrl_count);
            src = SRC_KBD;
        } else if (!(*cmd_byte(s) & KBD_MODE_DISABLE_KBD) && i8042_pull_kbd(s, &b)) {
            src = SRC_KBD;
        } else if (!(*cmd_byte(s) & KBD_MODE_DISABLE_MOUSE) && ps2_queue_count(m)) {
            b = ps2_read_data(m);
            src = SRC_AUX;
        }
        if (src != SRC_NONE) {
            s->out_byte = b;
            s->out_src = src;
            s->status |= KBD_STAT_OBF | (src == SRC_AUX ? KBD_STAT_MOUSE_OBF : 0);
        }
    }
    i8042_update_irq(s);
}

static void i8042_ps2_notify(void *opaque)
{
    i8042_update(opaque);
}

static void i8042_reply(I8042State *s, uint8_t val)
{
    if (s->ctrl_count == I8042_CTRL_QLEN) {
        qemu_log_mask(LOG_GUEST_ERROR, "i8042: reply 0x%02x dropped, output not read\n", val);
        return;
    }
    s->ctrl_q[s->ctrl_count++] = val;
    i8042_update(s);
}

/* Data written through 0xD2/0xD3 appears as if the device had sent it. */
static void i8042_inject(I8042State *s, uint8_t val, OutSource src)
{
    s->out_byte = val;
    s->out_src = src;
    s->status = (s->status & ~KBD_STAT_MOUSE_OBF) | KBD_STAT_OBF |
                (src == SRC_AUX ? KBD_STAT_MOUSE_OBF : 0);
    i8042_update_irq(s);
}

static void i8042_set_mode(I8042State *s, uint8_t val)
{
    *cmd_byte(s) = val;
    s->status = (s->status & ~KBD_STAT_SYS) | (val & KBD_MODE_SYS ? KBD_STAT_SYS : 0);
    i8042_update(s);
}

static void i8042_write_outport(I8042State *s, uint8_t val)
{
    trace_i8042_outport(val);
    s->outport = val;
    if (!(val & KBD_OUT_RESET)) {
        qemu_system_reset_request();
    }
}

static uint8_t i8042_read_outport(I8042State *s)
{
    uint8_t v = s->outport & ~(KBD_OUT_OBF | KBD_OUT_MOUSE_OBF);

    if (s->status & KBD_STAT_OBF) {
        v |= s->out_src == SRC_AUX ? KBD_OUT_MOUSE_OBF : KBD_OUT_OBF;
    }
    return v;
}

/* Commands without a data byte; false if unknown. */
static bool i8042_simple_command(I8042State *s, uint8_t cmd)
{
    switch (cmd) {
    case KBD_CCMD_PASSWD_TEST:
        i8042_reply(s, KBD_REPLY_NO_PASSWORD);
        return true;
    case KBD_CCMD_MOUSE_DISABLE:
        i8042_set_mode(s, *cmd_byte(s) | KBD_MODE_DISABLE_MOUSE);
        return true;
    case KBD_CCMD_MOUSE_ENABLE:
        i8042_set_mode(s, *cmd_byte(s) & ~KBD_MODE_DISABLE_MOUSE);
        return true;
    case KBD_CCMD_TEST_MOUSE:
    case KBD_CCMD_KBD_TEST:
        i8042_reply(s, KBD_REPLY_IFACE_OK);
        return true;
    case KBD_CCMD_SELF_TEST:
        s->status |= KBD_STAT_SYS;
        i8042_reply(s, KBD_REPLY_SELFTEST_OK);
        return true;
    case KBD_CCMD_KBD_DISABLE:
        i8042_set_mode(s, *cmd_byte(s) | KBD_MODE_DISABLE_KBD);
        return true;
    case KBD_CCMD_KBD_ENABLE:
        i8042_set_mode(s, *cmd_byte(s) & ~KBD_MODE_DISABLE_KBD);
        return true;
    case KBD_CCMD_READ_INPORT:
    case KBD_CCMD_READ_TSTINP:
        i8042_reply(s, 0x00); /* XXX: input lines are not modelled; all low */
        return true;
    case KBD_CCMD_READ_OUTPORT:
        i8042_reply(s, i8042_read_outport(s));
        return true;
    case KBD_CCMD_DISABLE_A20:
        s->outport &= ~KBD_OUT_A20;
        return true;
    case KBD_CCMD_ENABLE_A20:
        s->outport |= KBD_OUT_A20;
        return true;
    }
    return false;
}

static void i8042_command(I8042State *s, uint8_t cmd)
{
    trace_i8042_command(cmd);
    s->status |= KBD_STAT_CMD;
    s->write_cmd = 0; /* a new command abandons one waiting for data */
    if (cmd >= KBD_CCMD_READ_MODE && cmd <= KBD_CCMD_READ_RAM_LAST) {
        i8042_reply(s, s->ram[cmd & (I8042_RAM_SIZE - 1)]);
    } else if ((cmd >= KBD_CCMD_WRITE_MODE && cmd <= KBD_CCMD_WRITE_RAM_LAST) ||
               cmd == KBD_CCMD_WRITE_OUTPORT || cmd == KBD_CCMD_WRITE_OBUF ||
               cmd == KBD_CCMD_WRITE_AUX_OBUF || cmd == KBD_CCMD_WRITE_MOUSE) {
        s->write_cmd = cmd;
    } else if (cmd >= KBD_CCMD_PULSE_FIRST) {
        if (!(cmd & KBD_OUT_RESET)) {
            qemu_system_reset_request();
        }
    } else if (!i8042_simple_command(s, cmd)) {
        qemu_log_mask(LOG_GUEST_ERROR, "i8042: unknown controller command 0x%02x\n", cmd);
    }
}

static void i8042_write_data(I8042State *s, uint8_t val)
{
    uint8_t cmd = s->write_cmd;

    s->status &= ~KBD_STAT_CMD;
    s->write_cmd = 0;
    if (cmd == KBD_CCMD_WRITE_MODE) {
        i8042_set_mode(s, val);
    } else if (cmd > KBD_CCMD_WRITE_MODE && cmd <= KBD_CCMD_WRITE_RAM_LAST) {
        s->ram[cmd & (I8042_RAM_SIZE - 1)] = val;
    } else if (cmd == KBD_CCMD_WRITE_OUTPORT) {
        i8042_write_outport(s, val);
    } else if (cmd == KBD_CCMD_WRITE_OBUF) {
        i8042_inject(s, val, SRC_KBD);
    } else if (cmd == KBD_CCMD_WRITE_AUX_OBUF) {
        i8042_inject(s, val, SRC_AUX);
    } else if (cmd == KBD_CCMD_WRITE_MOUSE) {
        ps2_write_mouse(s->mouse, val);
    } else {
        ps2_write_keyboard(s->kbd, val);
    }
}

static uint8_t i8042_read_data(I8042State *s)
{
    uint8_t v = s->out_byte; /* an empty buffer reads the last byte again */

    s->status &= ~(KBD_STAT_OBF | KBD_STAT_MOUSE_OBF);
    s->out_src = SRC_NONE;
    i8042_update_irq(s);
    i8042_update(s);
    return v;
}

static uint64_t i8042_data_read(void *opaque, hwaddr addr, unsigned size)
{
    uint8_t v = i8042_read_data(opaque);

    trace_i8042_read_data(v);
    return v;
}

static void i8042_data_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    trace_i8042_write_data(val);
    i8042_write_data(opaque, val);
}

static uint64_t i8042_cmd_read(void *opaque, hwaddr addr, unsigned size)
{
    I8042State *s = opaque;

    trace_i8042_read_status(s->status);
    return s->status;
}

static void i8042_cmd_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    i8042_command(opaque, val);
}

static const MemoryRegionOps i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

static const MemoryRegionOps i8042_cmd_ops = {
    .read = i8042_cmd_read,
    .write = i8042_cmd_write,
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

bool i8042_a20_enabled(I8042State *s)
{
    return s->outport & KBD_OUT_A20;
}

PS2KbdState *i8042_get_kbd(I8042State *s)
{
    return s->kbd;
}

PS2MouseState *i8042_get_mouse(I8042State *s)
{
    return s->mouse;
}

static void i8042_reset(DeviceState *dev)
{
    I8042State *s = (I8042State *)dev;

    trace_i8042_reset();
    ps2_kbd_reset(s->kbd);
    ps2_mouse_reset(s->mouse);
    memset(s->ram, 0, sizeof(s->ram));
    *cmd_byte(s) = KBD_MODE_DEFAULT;
    s->status = KBD_STAT_CMD | KBD_STAT_UNLOCKED | KBD_STAT_SYS;
    s->outport = KBD_OUT_DEFAULT;
    s->write_cmd = 0;
    s->out_byte = 0;
    s->out_src = SRC_NONE;
    s->ctrl_count = 0;
    s->xlate_break = false;
    i8042_update_irq(s);
}

static bool i8042_realize(DeviceState *dev, GError **errp)
{
    I8042State *s = (I8042State *)dev;

    if (!isa_check_irq(TYPE_I8042, s->irq_kbd_num, errp) ||
        !isa_check_irq(TYPE_I8042, s->irq_aux_num, errp)) {
        return false;
    }
    s->irq_kbd = isa_get_irq(s->irq_kbd_num);
    s->irq_aux = isa_get_irq(s->irq_aux_num);
    s->kbd = ps2_kbd_new(i8042_ps2_notify, s);
    s->mouse = ps2_mouse_new(i8042_ps2_notify, s);
    memory_region_init_io(&s->io_data, &i8042_data_ops, s, "i8042-data", 1);
    memory_region_init_io(&s->io_cmd, &i8042_cmd_ops, s, "i8042-cmd", 1);
    return isa_register_ioport(&s->io_data, I8042_DATA_PORT, TYPE_I8042, errp) &&
           isa_register_ioport(&s->io_cmd, I8042_CMD_PORT, TYPE_I8042, errp);
}

static void i8042_unrealize(DeviceState *dev)
{
    I8042State *s = (I8042State *)dev;

    isa_unregister_ioport(&s->io_data);
    isa_unregister_ioport(&s->io_cmd);
    ps2_kbd_free(s->kbd);
    ps2_mouse_free(s->mouse);
}

static void i8042_info(DeviceState *dev, GString *out)
{
    I8042State *s = (I8042State *)dev;

    g_string_append_printf(out, "  status 0x%02x, command byte 0x%02x, output port 0x%02x\n",
                           s->status, *cmd_byte(s), s->outport);
}

static const Property i8042_props[] = {
    DEFINE_PROP_UINT32("irq", I8042State, irq_kbd_num, 1),
    DEFINE_PROP_UINT32("irq-aux", I8042State, irq_aux_num, 12),
    DEFINE_PROP_END,
};

static const DeviceInfo i8042_info_s = {
    .name = TYPE_I8042,
    .desc = "PC/AT keyboard controller with PS/2 keyboard and mouse",
    .spec = "IBM PS/2 Technical Reference, Keyboard/Auxiliary Device Controller",
    .instance_size = sizeof(I8042State),
    .props = i8042_props,
    .realize = i8042_realize,
    .reset = i8042_reset,
    .unrealize = i8042_unrealize,
    .info = i8042_info,
};
device_init(i8042_info_s)
