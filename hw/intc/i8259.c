/*
 * i8259.c: the PC's two cascaded 8259A programmable interrupt controllers.
 *
 * Follows the Intel 8259A datasheet (order 231468): the initialization
 * sequence ICW1-ICW4, the operation command words OCW1 (IMR), OCW2 (EOI,
 * specific EOI, rotation, set priority) and OCW3 (IRR/ISR read select, poll
 * command, special mask mode), fully nested and special fully nested modes,
 * automatic EOI with optional rotation, and the spurious IR7 answer when the
 * request is gone at INTA. Edge or level sensing per line comes from the
 * PIIX/ICH edge/level control registers (ELCR, ports 0x4d0/0x4d1), as on a PC.
 *
 * Left out: MCS-80/85 mode (ICW4 uPM=0: logged, the chip behaves in 8086
 * mode), buffered mode (no effect in a model), ICW1 LTIM (whole-chip level
 * mode: logged; the ELCR decides, as the PC chipsets do), a single-chip
 * configuration (SNGL is stored, the slave still hangs on IR2).
 *
 * Edge-triggered requests are latched in IRR on a rising input and stay
 * there until acknowledged; level-triggered IRR bits follow the input, so a
 * request that drops before INTA gives the spurious vector.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/memory.h"
#include "hw/isa.h"
#include "hw/intc/i8259.h"
#include "trace-events.h"

/* Port offsets within a chip (A0). */
#define PIC_CMD  0
#define PIC_DATA 1

/* ICW1 (A0=0, D4=1). */
#define ICW1_IC4  0x01 /* ICW4 follows */
#define ICW1_SNGL 0x02 /* single chip: no ICW3 */
#define ICW1_LTIM 0x08 /* level-triggered mode for the whole chip */
#define ICW1_SEL  0x10
/* ICW4. */
#define ICW4_UPM  0x01 /* 8086/88 mode */
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10 /* special fully nested mode */
/* OCW2 (A0=0, D4:D3=00): R, SL, EOI in D7:D5, level in D2:D0. */
#define OCW2_CMD_MASK     0xe0
#define OCW2_LEVEL_MASK   0x07
#define OCW2_ROT_AEOI_CLR 0x00
#define OCW2_EOI          0x20
#define OCW2_NOP          0x40
#define OCW2_SPECIFIC_EOI 0x60
#define OCW2_ROT_AEOI_SET 0x80
#define OCW2_ROT_EOI      0xa0
#define OCW2_SET_PRIORITY 0xc0
#define OCW2_ROT_SPECIFIC 0xe0
/* OCW3 (A0=0, D4:D3=01). */
#define OCW3_SEL  0x08
#define OCW3_RIS  0x01 /* read ISR (else IRR) */
#define OCW3_RR   0x02 /* RIS is valid */
#define OCW3_POLL 0x04
#define OCW3_SMM  0x20 /* special mask mode on/off */
#define OCW3_ESMM 0x40 /* SMM is valid */
#define POLL_INT  0x80 /* poll word: an interrupt is pending */

/* ELCR bits that exist: IRQ 0, 1, 2, 8 and 13 are always edge on a PC. */
#define ELCR_MASK_MASTER 0xf8
#define ELCR_MASK_SLAVE  0xde

#define PIC_SPURIOUS_IRQ 7

typedef enum { INIT_DONE = 0, INIT_ICW2, INIT_ICW3, INIT_ICW4 } PICInitState;

typedef struct PICChip {
    struct I8259State *pair;
    bool master;
    MemoryRegion io;
    uint8_t input; /* current levels of IR0..7 */
    uint8_t irr, isr, imr;
    uint8_t elcr, elcr_mask;
    uint8_t irq_base;    /* ICW2 T7..T3 */
    uint8_t lowest_prio; /* IR line with the lowest priority (7 after init) */
    PICInitState init_state;
    bool icw4_needed, single;
    bool auto_eoi, rotate_on_aeoi, sfnm;
    bool read_isr, poll, special_mask;
} PICChip;

struct I8259State {
    DeviceState parent;
    PICChip chip[2]; /* master, slave */
    MemoryRegion elcr_io;
    qemu_irq *inputs;
    qemu_irq intr_out;
    bool intr_level;
};

static I8259State *the_pic;

/* --- priority resolution ------------------------------------------------------------ */

/* Priority rank (0 = highest) of IR line irq under the current rotation. */
static int pic_rank(PICChip *c, int irq)
{
    return (irq - c->lowest_prio - 1) & 7;
}

/* The highest-priority line in mask, -1 if none. */
static int pic_highest(PICChip *c, uint8_t mask)
{
    for (int rank = 0; rank < 8; rank++) {
        int irq = (c->lowest_prio + 1 + rank) & 7;
        if (mask & (1u << irq)) {
            return irq;
        }
    }
    return -1;
}

/* The line the chip would present on INT, -1 if none outranks what is in service. */
static int pic_get_irq(PICChip *c)
{
    int req = pic_highest(c, c->irr & ~c->imr);
    uint8_t in_service = c->isr;
    int cur;

    if (req < 0) {
        return -1;
    }
    if (c->special_mask) {
        /* Special mask mode: a masked level in service inhibits nothing. */
        in_service &= ~c->imr;
    }
    if (c->master && c->sfnm) {
        /* Special fully nested: the slave may interrupt its own service routine. */
        in_service &= ~(1u << PIC_CASCADE_IRQ);
    }
    cur = pic_highest(c, in_service);
    if (cur >= 0 && pic_rank(c, cur) <= pic_rank(c, req)) {
        return -1;
    }
    return req;
}

static void pic_chip_set_input(PICChip *c, int irq, int level);

/* Recomputes the slave's INT (into master IR2) and the master's INT (INTR). */
static void pic_update(I8259State *s)
{
    bool level;

    pic_chip_set_input(&s->chip[0], PIC_CASCADE_IRQ, pic_get_irq(&s->chip[1]) >= 0);
    level = pic_get_irq(&s->chip[0]) >= 0;
    if (level != s->intr_level) {
        trace_pic_intr(level);
        s->intr_level = level;
        qemu_set_irq(s->intr_out, level);
    }
}

/* Level-sensed lines: ELCR, plus the cascade input, which follows the slave's INT. */
static uint8_t pic_level_lines(PICChip *c)
{
    return c->elcr | (c->master ? 1u << PIC_CASCADE_IRQ : 0);
}

static void pic_chip_set_input(PICChip *c, int irq, int level)
{
    uint8_t mask = 1u << irq;

    if (pic_level_lines(c) & mask) {
        c->irr = level ? c->irr | mask : c->irr & ~mask;
    } else if (level && !(c->input & mask)) {
        c->irr |= mask; /* rising edge */
    }
    c->input = level ? c->input | mask : c->input & ~mask;
}

static void pic_set_irq(void *opaque, int n, int level)
{
    I8259State *s = opaque;

    trace_pic_set_irq(n, level);
    pic_chip_set_input(&s->chip[n >> 3], n & 7, level);
    pic_update(s);
}

/* --- acknowledge and EOI ------------------------------------------------------------ */

/* The INTA sequence on one chip for line irq: IRR -> ISR (or not, in AEOI). */
static void pic_intack(PICChip *c, int irq)
{
    uint8_t mask = 1u << irq;

    if (!(pic_level_lines(c) & mask)) {
        c->irr &= ~mask; /* level lines keep following their input */
    }
    if (c->auto_eoi) {
        if (c->rotate_on_aeoi) {
            c->lowest_prio = irq;
        }
    } else {
        c->isr |= mask;
    }
}

/* Acknowledges one chip: the vector, or the spurious IR7 vector with nothing to give. */
static int pic_chip_ack(PICChip *c, int *irq_out)
{
    int irq = pic_get_irq(c);

    *irq_out = irq;
    if (irq < 0) {
        return c->irq_base + PIC_SPURIOUS_IRQ;
    }
    pic_intack(c, irq);
    return c->irq_base + irq;
}

int pic_read_irq(I8259State *s)
{
    int irq, slave_irq, vector;

    vector = pic_chip_ack(&s->chip[0], &irq);
    if (irq == PIC_CASCADE_IRQ) {
        /* The master gave the bus to the slave for the second INTA pulse. */
        vector = pic_chip_ack(&s->chip[1], &slave_irq);
    }
    pic_update(s);
    trace_pic_read_irq(vector);
    return vector;
}

static void pic_eoi(PICChip *c, int irq, bool rotate)
{
    c->isr &= ~(1u << irq);
    if (rotate) {
        c->lowest_prio = irq;
    }
}

static void pic_write_ocw2(PICChip *c, uint8_t val)
{
    int level = val & OCW2_LEVEL_MASK;
    int top = pic_highest(c, c->isr);

    switch (val & OCW2_CMD_MASK) {
    case OCW2_ROT_AEOI_CLR:
        c->rotate_on_aeoi = false;
        break;
    case OCW2_ROT_AEOI_SET:
        c->rotate_on_aeoi = true;
        break;
    case OCW2_EOI:
    case OCW2_ROT_EOI:
        if (top >= 0) {
            pic_eoi(c, top, (val & OCW2_CMD_MASK) == OCW2_ROT_EOI);
        }
        break;
    case OCW2_SPECIFIC_EOI:
    case OCW2_ROT_SPECIFIC:
        pic_eoi(c, level, (val & OCW2_CMD_MASK) == OCW2_ROT_SPECIFIC);
        break;
    case OCW2_SET_PRIORITY:
        c->lowest_prio = level;
        break;
    case OCW2_NOP:
        break;
    }
}

static void pic_write_ocw3(PICChip *c, uint8_t val)
{
    if (val & OCW3_ESMM) {
        c->special_mask = val & OCW3_SMM;
    }
    if (val & OCW3_RR) {
        c->read_isr = val & OCW3_RIS;
    }
    c->poll = val & OCW3_POLL;
}

/* --- initialization ----------------------------------------------------------------- */

/* ICW1: the chip forgets its edges, masks, service state and rotation. */
static void pic_write_icw1(PICChip *c, uint8_t val)
{
    c->icw4_needed = val & ICW1_IC4;
    c->single = val & ICW1_SNGL;
    if (val & ICW1_LTIM) {
        qemu_log_mask(LOG_UNIMP, "i8259: ICW1 LTIM ignored (the ELCR selects level sensing)\n");
    }
    c->imr = 0;
    c->isr = 0;
    c->irr = c->input & pic_level_lines(c); /* edges must come again */
    c->lowest_prio = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->auto_eoi = false;
    c->rotate_on_aeoi = false;
    c->sfnm = false;
    c->init_state = INIT_ICW2;
}

static void pic_write_icw4(PICChip *c, uint8_t val)
{
    if (!(val & ICW4_UPM)) {
        qemu_log_mask(LOG_UNIMP, "i8259: MCS-80/85 mode not emulated (8086 mode kept)\n");
    }
    c->auto_eoi = val & ICW4_AEOI;
    c->sfnm = val & ICW4_SFNM;
}

static void pic_write_data(PICChip *c, uint8_t val)
{
    switch (c->init_state) {
    case INIT_DONE:
        c->imr = val; /* OCW1 */
        break;
    case INIT_ICW2:
        c->irq_base = val & 0xf8;
        c->init_state = c->single ? (c->icw4_needed ? INIT_ICW4 : INIT_DONE) : INIT_ICW3;
        break;
    case INIT_ICW3:
        /* The cascade wiring is fixed on a PC: the value only has to be read. */
        c->init_state = c->icw4_needed ? INIT_ICW4 : INIT_DONE;
        break;
    case INIT_ICW4:
        pic_write_icw4(c, val);
        c->init_state = INIT_DONE;
        break;
    }
}

/* --- port I/O ----------------------------------------------------------------------- */

static void pic_ioport_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    PICChip *c = opaque;

    trace_pic_ioport_write(!c->master, addr, val);
    if (addr == PIC_DATA) {
        pic_write_data(c, val);
    } else if (val & ICW1_SEL) {
        pic_write_icw1(c, val);
    } else if (val & OCW3_SEL) {
        pic_write_ocw3(c, val);
    } else {
        pic_write_ocw2(c, val);
    }
    pic_update(c->pair);
}

/* The poll command: the next read is the INTA of the highest request, as a status byte. */
static uint8_t pic_poll_read(PICChip *c)
{
    int irq = pic_get_irq(c);

    c->poll = false;
    if (irq < 0) {
        return 0;
    }
    /* XXX: polling the master for IR2 does not acknowledge the slave; the guest polls it next. */
    pic_intack(c, irq);
    pic_update(c->pair);
    return POLL_INT | irq;
}

static uint64_t pic_ioport_read(void *opaque, hwaddr addr, unsigned size)
{
    PICChip *c = opaque;
    uint8_t val;

    if (c->poll) {
        val = pic_poll_read(c);
    } else if (addr == PIC_DATA) {
        val = c->imr;
    } else {
        val = c->read_isr ? c->isr : c->irr;
    }
    trace_pic_ioport_read(!c->master, addr, val);
    return val;
}

static uint64_t elcr_read(void *opaque, hwaddr addr, unsigned size)
{
    I8259State *s = opaque;
    return s->chip[addr].elcr;
}

static void elcr_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    I8259State *s = opaque;
    PICChip *c = &s->chip[addr];

    trace_pic_elcr_write(addr, val);
    if (val & ~c->elcr_mask) {
        qemu_log_mask(LOG_GUEST_ERROR, "i8259: ELCR%d reserved bits written: 0x%02x\n",
                      (int)addr + 1, (unsigned)(val & ~c->elcr_mask));
    }
    c->elcr = val & c->elcr_mask;
    /* A line switched to level sensing takes its IRR bit from the input now. */
    c->irr = (c->irr & ~c->elcr) | (c->input & c->elcr);
    pic_update(s);
}

static const MemoryRegionOps pic_ops = {
    .read = pic_ioport_read,
    .write = pic_ioport_write,
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

static const MemoryRegionOps elcr_ops = {
    .read = elcr_read,
    .write = elcr_write,
    .impl = {.min_access_size = 1, .max_access_size = 1},
};

/* --- the device --------------------------------------------------------------------- */

qemu_irq *i8259_get_irqs(I8259State *s)
{
    return s->inputs;
}

void i8259_set_intr_out(I8259State *s, qemu_irq intr)
{
    s->intr_out = intr;
    qemu_set_irq(intr, s->intr_level);
}

bool i8259_intr_pending(I8259State *s)
{
    return s->intr_level;
}

I8259State *i8259_get(void)
{
    return the_pic;
}

void i8259_get_regs(I8259State *s, int chip, PICRegs *regs)
{
    PICChip *c = &s->chip[chip & 1];

    regs->irr = c->irr;
    regs->isr = c->isr;
    regs->imr = c->imr;
    regs->elcr = c->elcr;
    regs->irq_base = c->irq_base;
}

static void pic_chip_reset(PICChip *c)
{
    uint8_t input = c->input;

    memset(&c->input, 0, sizeof(*c) - offsetof(PICChip, input));
    c->input = input; /* the wires keep their levels across a reset */
    c->elcr_mask = c->master ? ELCR_MASK_MASTER : ELCR_MASK_SLAVE;
    c->lowest_prio = 7;
}

static void i8259_reset(DeviceState *dev)
{
    I8259State *s = (I8259State *)dev;

    pic_chip_reset(&s->chip[0]);
    pic_chip_reset(&s->chip[1]);
    pic_update(s);
}

static bool i8259_realize(DeviceState *dev, GError **errp)
{
    I8259State *s = (I8259State *)dev;
    static const char *const names[2] = {"pic-master", "pic-slave"};
    static const uint32_t bases[2] = {PIC_MASTER_IOBASE, PIC_SLAVE_IOBASE};

    for (int i = 0; i < 2; i++) {
        s->chip[i].pair = s;
        s->chip[i].master = i == 0;
        memory_region_init_io(&s->chip[i].io, &pic_ops, &s->chip[i], names[i], 2);
        if (!isa_register_ioport(&s->chip[i].io, bases[i], TYPE_I8259, errp)) {
            return false;
        }
    }
    memory_region_init_io(&s->elcr_io, &elcr_ops, s, "elcr", 2);
    if (!isa_register_ioport(&s->elcr_io, PIC_ELCR_IOBASE, TYPE_I8259, errp)) {
        return false;
    }
    s->inputs = qemu_allocate_irqs(pic_set_irq, s, ISA_NUM_IRQS);
    the_pic = s;
    return true;
}

static void i8259_unrealize(DeviceState *dev)
{
    I8259State *s = (I8259State *)dev;

    for (int i = 0; i < 2; i++) {
        if (s->chip[i].io.container) {
            isa_unregister_ioport(&s->chip[i].io);
        }
    }
    if (s->elcr_io.container) {
        isa_unregister_ioport(&s->elcr_io);
    }
    if (s->inputs) {
        qemu_free_irqs(s->inputs, ISA_NUM_IRQS);
    }
    if (the_pic == s) {
        the_pic = NULL;
    }
}

static void i8259_info(DeviceState *dev, GString *out)
{
    I8259State *s = (I8259State *)dev;

    for (int i = 0; i < 2; i++) {
        PICChip *c = &s->chip[i];
        g_string_append_printf(out,
                               "%s: irr=%02x isr=%02x imr=%02x elcr=%02x base=%02x "
                               "lowest=%d aeoi=%d sfnm=%d smm=%d\n",
                               i ? "slave" : "master", c->irr, c->isr, c->imr, c->elcr, c->irq_base,
                               c->lowest_prio, c->auto_eoi, c->sfnm, c->special_mask);
    }
}

static const DeviceInfo i8259_info_dev = {
    .name = TYPE_I8259,
    .desc = "8259A PIC pair (master 0x20, slave 0xa0, ELCR 0x4d0)",
    .spec = "Intel 8259A datasheet; PIIX/ICH ELCR",
    .instance_size = sizeof(I8259State),
    .realize = i8259_realize,
    .reset = i8259_reset,
    .unrealize = i8259_unrealize,
    .info = i8259_info,
};
device_init(i8259_info_dev)
