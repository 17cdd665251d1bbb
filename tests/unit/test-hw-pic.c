/*
 * test-hw-pic.c: the 8259A pair through ports 0x20/0x21, 0xa0/0xa1 and the
 * ELCR at 0x4d0/0x4d1, its 16 input lines, its INTR output and the INTA cycle
 * (pic_read_irq): masks, priorities, rotation, specific and non-specific EOI,
 * cascade through IR2, edge and level sensing, poll mode, auto-EOI, special
 * mask mode, spurious IRQ 7/15 and bad programming.
 */
#include "hw-test.h"
#include "hw/intc/i8259.h"
#include "qemu/trace.h"

#define M_CMD  0x20
#define M_DATA 0x21
#define S_CMD  0xa0
#define S_DATA 0xa1
#define ELCR1  0x4d0
#define ELCR2  0x4d1

#define OCW3_READ_IRR 0x0a
#define OCW3_READ_ISR 0x0b
#define OCW3_POLL     0x0c
#define OCW3_SMM_ON   0x68
#define OCW3_SMM_OFF  0x48
#define EOI           0x20
#define SPECIFIC_EOI  0x60
#define ROT_EOI       0xa0
#define SET_PRIORITY  0xc0

static I8259State *pic;
static qemu_irq *in;
static int intr_level, intr_raises;
static qemu_irq intr_line;

static void intr_handler(void *opaque, int n, int level)
{
    if (level && !intr_level) {
        intr_raises++;
    }
    intr_level = level;
}

/* The PC BIOS/Linux initialization: vectors 0x20 and 0x28, cascade on IR2, 8086 mode. */
static void pic_init_chips(uint8_t icw4)
{
    outb(M_CMD, 0x11);
    outb(M_DATA, 0x20);
    outb(M_DATA, 0x04);
    outb(M_DATA, icw4);
    outb(S_CMD, 0x11);
    outb(S_DATA, 0x28);
    outb(S_DATA, 0x02);
    outb(S_DATA, icw4);
    outb(M_DATA, 0x00);
    outb(S_DATA, 0x00);
}

static void setup(void)
{
    pic = (I8259State *)hwt_create(TYPE_I8259, NULL);
    in = i8259_get_irqs(pic);
    intr_level = 0;
    intr_raises = 0;
    intr_line = qemu_allocate_irq(intr_handler, NULL, 0);
    i8259_set_intr_out(pic, intr_line);
    pic_init_chips(0x01);
    g_assert_true(i8259_get() == pic);
}

static void teardown(void)
{
    for (int i = 0; i < 16; i++) {
        qemu_set_irq(in[i], 0);
    }
    qdev_unref((DeviceState *)pic);
    qemu_free_irq(intr_line);
    g_assert_null(i8259_get());
}

static uint8_t read_isr(uint16_t cmd)
{
    outb(cmd, OCW3_READ_ISR);
    return inb(cmd);
}

static uint8_t read_irr(uint16_t cmd)
{
    outb(cmd, OCW3_READ_IRR);
    return inb(cmd);
}

static void test_registers(void)
{
    setup();
    g_assert_cmphex(inb(M_DATA), ==, 0x00);
    outb(M_DATA, 0xa5);
    g_assert_cmphex(inb(M_DATA), ==, 0xa5);
    outb(S_DATA, 0x5a);
    g_assert_cmphex(inb(S_DATA), ==, 0x5a);
    g_assert_cmphex(read_irr(M_CMD), ==, 0);
    g_assert_cmphex(read_isr(M_CMD), ==, 0);
    /* ELCR: IRQ 0-2, 8 and 13 cannot be level-triggered. */
    outb(ELCR1, 0xff);
    outb(ELCR2, 0xff);
    g_assert_cmphex(inb(ELCR1), ==, 0xf8);
    g_assert_cmphex(inb(ELCR2), ==, 0xde);
    /* Reinitialization clears the mask. */
    pic_init_chips(0x01);
    g_assert_cmphex(inb(M_DATA), ==, 0x00);
    teardown();
}

static void test_basic_edge(void)
{
    setup();
    qemu_irq_raise(in[1]);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmphex(read_irr(M_CMD), ==, 0x02);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x21);
    g_assert_cmpint(intr_level, ==, 0);
    g_assert_cmphex(read_isr(M_CMD), ==, 0x02);
    g_assert_cmphex(read_irr(M_CMD), ==, 0x00);
    /* Held high: no new edge, nothing after EOI. */
    outb(M_CMD, EOI);
    g_assert_cmphex(read_isr(M_CMD), ==, 0);
    g_assert_cmpint(intr_level, ==, 0);
    /* A new edge. */
    qemu_irq_lower(in[1]);
    qemu_irq_raise(in[1]);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x21);
    outb(M_CMD, EOI);
    /* A pulse is latched. */
    qemu_irq_lower(in[1]);
    qemu_irq_pulse(in[4]);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x24);
    outb(M_CMD, EOI);
    g_assert_cmpint(intr_raises, ==, 3);
    teardown();
}

static void test_masks(void)
{
    setup();
    outb(M_DATA, 0x08);
    qemu_irq_pulse(in[3]);
    g_assert_cmpint(intr_level, ==, 0);
    g_assert_cmphex(read_irr(M_CMD), ==, 0x08); /* requested, but masked */
    outb(M_DATA, 0x00);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x23);
    outb(M_CMD, EOI);
    /* Masking IR2 on the master hides the whole slave. */
    outb(M_DATA, 0x04);
    qemu_irq_pulse(in[12]);
    g_assert_cmpint(intr_level, ==, 0);
    g_assert_cmphex(read_irr(S_CMD), ==, 0x10);
    outb(M_DATA, 0x00);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x2c);
    teardown();
}

static void test_priorities(void)
{
    setup();
    qemu_irq_pulse(in[5]);
    qemu_irq_pulse(in[3]);
    qemu_irq_pulse(in[7]);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x23);
    /* 3 in service: 5 and 7 wait, a higher one (1) gets through (nesting). */
    g_assert_cmpint(intr_level, ==, 0);
    qemu_irq_pulse(in[1]);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x21);
    g_assert_cmphex(read_isr(M_CMD), ==, 0x0a);
    /* Non-specific EOI ends the highest in service (1), then 3. */
    outb(M_CMD, EOI);
    g_assert_cmphex(read_isr(M_CMD), ==, 0x08);
    g_assert_cmpint(intr_level, ==, 0);
    outb(M_CMD, EOI);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x25);
    g_assert_cmpint(intr_level, ==, 0); /* 7 waits for 5 */
    outb(M_CMD, EOI);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x27);
    g_assert_cmphex(read_isr(M_CMD), ==, 0x80); /* a real IR7, not a spurious one */
    teardown();
}

static void test_specific_eoi_and_rotation(void)
{
    setup();
    qemu_irq_pulse(in[6]);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x26);
    qemu_irq_pulse(in[4]);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x24);
    g_assert_cmphex(read_isr(M_CMD), ==, 0x50);
    outb(M_CMD, SPECIFIC_EOI | 6);
    g_assert_cmphex(read_isr(M_CMD), ==, 0x10);
    outb(M_CMD, SPECIFIC_EOI | 4);
    g_assert_cmphex(read_isr(M_CMD), ==, 0x00);
    /* Set priority: IR4 lowest, so IR5 is now the highest. */
    outb(M_CMD, SET_PRIORITY | 4);
    qemu_irq_pulse(in[0]);
    qemu_irq_pulse(in[5]);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x25);
    /* Rotate on non-specific EOI: 5 becomes the lowest, 6 the highest. */
    outb(M_CMD, ROT_EOI);
    qemu_irq_pulse(in[5]);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x20);
    outb(M_CMD, EOI);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x25);
    outb(M_CMD, EOI);
    g_assert_cmpint(intr_level, ==, 0);
    teardown();
}

static void test_cascade(void)
{
    setup();
    qemu_irq_pulse(in[10]);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmphex(read_irr(M_CMD), ==, 0x04);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x2a);
    g_assert_cmphex(read_isr(M_CMD), ==, 0x04);
    g_assert_cmphex(read_isr(S_CMD), ==, 0x04);
    /* While the slave is in service (through IR2), a slave IRQ of higher priority waits for the
     * master's EOI in fully nested mode. */
    qemu_irq_pulse(in[8]);
    g_assert_cmpint(intr_level, ==, 0);
    /* IR0/1 on the master still outrank IR2. */
    qemu_irq_pulse(in[0]);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x20);
    outb(M_CMD, EOI);
    outb(S_CMD, EOI);
    outb(M_CMD, EOI);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x28);
    outb(S_CMD, EOI);
    outb(M_CMD, EOI);
    g_assert_cmpint(intr_level, ==, 0);
    g_assert_cmphex(read_isr(M_CMD), ==, 0);
    g_assert_cmphex(read_isr(S_CMD), ==, 0);
    teardown();
}

static void test_special_fully_nested(void)
{
    setup();
    pic_init_chips(0x11); /* SFNM */
    qemu_irq_pulse(in[10]);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x2a);
    /* The slave may interrupt its own routine with a higher-priority line. */
    qemu_irq_pulse(in[8]);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x28);
    g_assert_cmphex(read_isr(S_CMD), ==, 0x05);
    teardown();
}

static void test_level(void)
{
    setup();
    outb(ELCR1, 0x20); /* IRQ 5 level */
    qemu_irq_raise(in[5]);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x25);
    outb(M_CMD, EOI);
    /* Still asserted: requests again after EOI. */
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x25);
    qemu_irq_lower(in[5]);
    outb(M_CMD, EOI);
    g_assert_cmpint(intr_level, ==, 0);
    g_assert_cmphex(read_irr(M_CMD), ==, 0);
    /* Edge: a held line does not request again. */
    outb(ELCR1, 0x00);
    qemu_irq_raise(in[5]);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x25);
    outb(M_CMD, EOI);
    g_assert_cmpint(intr_level, ==, 0);
    qemu_irq_lower(in[5]);
    /* Level on the slave. */
    outb(ELCR2, 0x08); /* IRQ 11 */
    qemu_irq_raise(in[11]);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x2b);
    qemu_irq_lower(in[11]);
    outb(S_CMD, EOI);
    outb(M_CMD, EOI);
    g_assert_cmpint(intr_level, ==, 0);
    teardown();
}

static void test_spurious(void)
{
    setup();
    outb(ELCR1, 0x20);
    qemu_irq_raise(in[5]);
    g_assert_cmpint(intr_level, ==, 1);
    qemu_irq_lower(in[5]); /* gone before INTA */
    g_assert_cmpint(intr_level, ==, 0);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x27);
    g_assert_cmphex(read_isr(M_CMD), ==, 0);
    /* A level line on the slave, served once, then masked while still asserted. */
    outb(ELCR2, 0x08);
    qemu_irq_raise(in[11]);
    pic_read_irq(pic);
    outb(S_CMD, EOI);
    outb(M_CMD, EOI);
    qemu_irq_raise(in[11]);
    g_assert_cmpint(intr_level, ==, 1);
    /* Masked before INTA: the slave's INT drops, and the master answers IR7. */
    outb(S_DATA, 0x08);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x27);
    outb(S_DATA, 0x00);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x2b);
    teardown();
}

static void test_poll(void)
{
    setup();
    qemu_irq_pulse(in[6]);
    outb(M_CMD, OCW3_POLL);
    g_assert_cmphex(inb(M_CMD), ==, 0x86);
    g_assert_cmphex(read_isr(M_CMD), ==, 0x40);
    outb(M_CMD, OCW3_POLL);
    g_assert_cmphex(inb(M_CMD), ==, 0x00); /* nothing more */
    outb(M_CMD, EOI);
    /* Poll through the data port too; the poll ends after one read. */
    qemu_irq_pulse(in[3]);
    outb(M_CMD, OCW3_POLL);
    g_assert_cmphex(inb(M_DATA), ==, 0x83);
    g_assert_cmphex(inb(M_DATA), ==, 0x00); /* the IMR again */
    teardown();
}

static void test_auto_eoi(void)
{
    setup();
    pic_init_chips(0x03); /* AEOI */
    qemu_irq_pulse(in[4]);
    qemu_irq_pulse(in[6]);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x24);
    g_assert_cmphex(read_isr(M_CMD), ==, 0);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x26);
    g_assert_cmpint(intr_level, ==, 0);
    teardown();
}

static void test_special_mask(void)
{
    setup();
    qemu_irq_pulse(in[3]);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x23);
    qemu_irq_pulse(in[5]);
    g_assert_cmpint(intr_level, ==, 0);
    /* The routine masks its own level and enables special mask mode: 5 gets in. */
    outb(M_DATA, 0x08);
    outb(M_CMD, OCW3_SMM_ON);
    g_assert_cmpint(intr_level, ==, 1);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x25);
    outb(M_CMD, SPECIFIC_EOI | 5);
    outb(M_CMD, OCW3_SMM_OFF);
    outb(M_DATA, 0x00);
    outb(M_CMD, SPECIFIC_EOI | 3);
    g_assert_cmphex(read_isr(M_CMD), ==, 0);
    teardown();
}

static void test_reset_and_bad_programming(void)
{
    setup();
    /* Half an init sequence, stray OCWs, EOIs with nothing in service, reserved ELCR bits. */
    outb(M_CMD, 0x10); /* no ICW4, cascade: ICW2, ICW3 */
    outb(M_DATA, 0x47);
    outb(M_DATA, 0x04);
    outb(M_CMD, 0x18); /* LTIM: logged */
    outb(M_DATA, 0x30);
    outb(M_DATA, 0x04);
    outb(M_CMD, EOI);
    outb(M_CMD, SPECIFIC_EOI | 7);
    outb(M_CMD, 0x40); /* NOP */
    outb(ELCR1, 0x07);
    g_assert_cmphex(inb(ELCR1), ==, 0);
    qemu_irq_pulse(in[7]);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x37); /* base 0x30 from the second ICW2 */
    outw(M_CMD, 0xffff);                          /* split into bytes: ICW1 then ICW2 */
    (void)inl(M_CMD);
    GRand *rnd = g_rand_new_with_seed(8259);
    g_assert_cmpint(trace_enable_events("pic_*", true), ==, 6); /* to the log: /dev/null */
    for (int i = 0; i < 2000; i++) {
        outb(g_rand_boolean(rnd) ? M_CMD : S_CMD, g_rand_int_range(rnd, 0, 256));
        outb(g_rand_boolean(rnd) ? M_DATA : S_DATA, g_rand_int_range(rnd, 0, 256));
        outb(g_rand_boolean(rnd) ? ELCR1 : ELCR2, g_rand_int_range(rnd, 0, 256));
        qemu_set_irq(in[g_rand_int_range(rnd, 0, 16)], g_rand_boolean(rnd));
        if (intr_level) {
            pic_read_irq(pic);
        }
    }
    g_rand_free(rnd);
    trace_enable_events("pic_*", false);
    qdev_reset_all();
    {
        PICRegs r;
        i8259_get_regs(pic, 0, &r);
        g_assert_cmphex(r.isr, ==, 0);
        g_assert_cmphex(r.imr, ==, 0);
        g_assert_cmphex(r.elcr, ==, 0);
    }
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hwt_init();
    g_test_add_func("/pic/registers", test_registers);
    g_test_add_func("/pic/edge", test_basic_edge);
    g_test_add_func("/pic/masks", test_masks);
    g_test_add_func("/pic/priorities", test_priorities);
    g_test_add_func("/pic/specific-eoi-rotation", test_specific_eoi_and_rotation);
    g_test_add_func("/pic/cascade", test_cascade);
    g_test_add_func("/pic/special-fully-nested", test_special_fully_nested);
    g_test_add_func("/pic/level", test_level);
    g_test_add_func("/pic/spurious", test_spurious);
    g_test_add_func("/pic/poll", test_poll);
    g_test_add_func("/pic/auto-eoi", test_auto_eoi);
    g_test_add_func("/pic/special-mask", test_special_mask);
    g_test_add_func("/pic/reset-bad-programming", test_reset_and_bad_programming);
    return g_test_run();
}
