/*
 * pic-test.c: the cascaded 8259A pair at 0x20/0xA0 and the ELCR at 0x4D0/0x4D1
 * (hw/intc/i8259.c, the Intel 8259A datasheet). No CPU acknowledges under qtest,
 * so the test reads the chips' state through OCW3 (IRR, ISR) and takes
 * interrupts with the poll command, which acts as the INTA cycle: masks,
 * fixed and rotated priorities, nesting, specific and non-specific EOI, the
 * slave behind IR2, edge versus level sensing, auto-EOI, special mask mode
 * and special fully nested mode. The inputs are driven as GSIs (set_irq_in),
 * which reach 8259 input n for GSI n.
 */
#include "libqtest.h"

#define MASTER_CMD  0x20
#define MASTER_DATA 0x21
#define SLAVE_CMD   0xa0
#define SLAVE_DATA  0xa1
#define ELCR1       0x4d0
#define ELCR2       0x4d1

#define OCW2_EOI          0x20
#define OCW2_SPECIFIC_EOI 0x60
#define OCW2_ROT_EOI      0xa0
#define OCW2_SET_PRIORITY 0xc0
#define OCW3_READ_IRR     0x0a
#define OCW3_READ_ISR     0x0b
#define OCW3_POLL         0x0c
#define POLL_INT          0x80

static void set_gsi(QTestState *s, int n, int level)
{
    char *line = g_strdup_printf("set_irq_in ioapic irq %d %d", n, level);
    char *reply = qtest_raw_command(s, line);

    g_assert_nonnull(reply);
    g_assert_cmpstr(reply, ==, "OK");
    g_free(reply);
    g_free(line);
}

static void pulse_gsi(QTestState *s, int n)
{
    set_gsi(s, n, 1);
    set_gsi(s, n, 0);
}

/* The PC initialization: edge, cascade, vectors 0x20/0x28, 8086 mode, normal EOI. */
static QTestState *pic_start(void)
{
    QTestState *s = qtest_init(NULL);

    qtest_outb(s, MASTER_CMD, 0x11);
    qtest_outb(s, MASTER_DATA, 0x20);
    qtest_outb(s, MASTER_DATA, 0x04);
    qtest_outb(s, MASTER_DATA, 0x01);
    qtest_outb(s, SLAVE_CMD, 0x11);
    qtest_outb(s, SLAVE_DATA, 0x28);
    qtest_outb(s, SLAVE_DATA, 0x02);
    qtest_outb(s, SLAVE_DATA, 0x01);
    qtest_outb(s, MASTER_DATA, 0x00);
    qtest_outb(s, SLAVE_DATA, 0x00);
    return s;
}

static uint8_t read_irr(QTestState *s, int cmd)
{
    qtest_outb(s, cmd, OCW3_READ_IRR);
    return qtest_inb(s, cmd);
}

static uint8_t read_isr(QTestState *s, int cmd)
{
    uint8_t v;

    qtest_outb(s, cmd, OCW3_READ_ISR);
    v = qtest_inb(s, cmd);
    qtest_outb(s, cmd, OCW3_READ_IRR);
    return v;
}

static uint8_t poll(QTestState *s, int cmd)
{
    qtest_outb(s, cmd, OCW3_POLL);
    return qtest_inb(s, cmd);
}

static void test_init_state(void)
{
    QTestState *s = pic_start();

    g_assert_cmphex(qtest_inb(s, MASTER_DATA), ==, 0x00);
    g_assert_cmphex(qtest_inb(s, SLAVE_DATA), ==, 0x00);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0);
    g_assert_cmphex(read_isr(s, SLAVE_CMD), ==, 0);
    g_assert_cmphex(read_irr(s, MASTER_CMD) & 0xe8, ==, 0);
    g_assert_cmphex(poll(s, SLAVE_CMD), ==, 0);
    /* OCW1 round trips. */
    qtest_outb(s, MASTER_DATA, 0xa5);
    qtest_outb(s, SLAVE_DATA, 0x5a);
    g_assert_cmphex(qtest_inb(s, MASTER_DATA), ==, 0xa5);
    g_assert_cmphex(qtest_inb(s, SLAVE_DATA), ==, 0x5a);
    /* ICW1 clears the mask. */
    qtest_outb(s, MASTER_CMD, 0x11);
    qtest_outb(s, MASTER_DATA, 0x20);
    qtest_outb(s, MASTER_DATA, 0x04);
    qtest_outb(s, MASTER_DATA, 0x01);
    g_assert_cmphex(qtest_inb(s, MASTER_DATA), ==, 0x00);
    qtest_quit(s);
}

/* A masked line is requested (IRR) but not presented; unmasking presents it. */
static void test_mask(void)
{
    QTestState *s = pic_start();

    qtest_outb(s, MASTER_DATA, 1 << 5);
    pulse_gsi(s, 5);
    g_assert_cmphex(read_irr(s, MASTER_CMD) & (1 << 5), ==, 1 << 5);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, 0);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0);
    qtest_outb(s, MASTER_DATA, 0);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 5);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 1 << 5);
    g_assert_cmphex(read_irr(s, MASTER_CMD) & (1 << 5), ==, 0); /* edge: cleared by INTA */
    qtest_outb(s, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0);
    qtest_quit(s);
}

/* Fixed priority (IR0 highest), nesting, and specific / non-specific EOI. */
static void test_priority_eoi(void)
{
    QTestState *s = pic_start();

    pulse_gsi(s, 6);
    pulse_gsi(s, 3);
    g_assert_cmphex(read_irr(s, MASTER_CMD) & 0x48, ==, 0x48);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 3);
    /* IR6 is lower than IR3 in service: nothing is presented. */
    g_assert_cmphex(poll(s, MASTER_CMD), ==, 0);
    /* IR1 is higher: it nests. */
    pulse_gsi(s, 1);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 1);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0x0a);
    /* Non-specific EOI ends the highest in service (IR1). */
    qtest_outb(s, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0x08);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, 0);
    /* Specific EOI of a level not in service changes nothing; of IR3 ends it. */
    qtest_outb(s, MASTER_CMD, OCW2_SPECIFIC_EOI | 5);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0x08);
    qtest_outb(s, MASTER_CMD, OCW2_SPECIFIC_EOI | 3);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 6);
    /* Specific EOI of a level that is not the highest in service. */
    pulse_gsi(s, 4);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 4);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0x50);
    qtest_outb(s, MASTER_CMD, OCW2_SPECIFIC_EOI | 6);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0x10);
    qtest_outb(s, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, 0);
    qtest_quit(s);
}

/* Set priority and rotate on EOI move the lowest priority. */
static void test_rotation(void)
{
    QTestState *s = pic_start();

    /* IR4 lowest: IR5 is now the highest, IR3 below it. */
    qtest_outb(s, MASTER_CMD, OCW2_SET_PRIORITY | 4);
    pulse_gsi(s, 3);
    pulse_gsi(s, 5);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 5);
    /* Rotate on non-specific EOI: IR5 becomes the lowest, IR3 follows. */
    qtest_outb(s, MASTER_CMD, OCW2_ROT_EOI);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0);
    pulse_gsi(s, 5);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 3);
    /* IR5 is the lowest now, so it does not nest over IR3. */
    g_assert_cmphex(poll(s, MASTER_CMD), ==, 0);
    qtest_outb(s, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 5);
    qtest_outb(s, MASTER_CMD, OCW2_EOI);
    /* Back to IR7 lowest: the fixed order again. */
    qtest_outb(s, MASTER_CMD, OCW2_SET_PRIORITY | 7);
    pulse_gsi(s, 6);
    pulse_gsi(s, 1);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 1);
    qtest_outb(s, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 6);
    qtest_quit(s);
}

/* The slave's INT is master IR2; masking IR2 on the master hides the slave. */
static void test_cascade(void)
{
    QTestState *s = pic_start();

    qtest_outb(s, MASTER_DATA, 1 << 2);
    pulse_gsi(s, 11);
    g_assert_cmphex(read_irr(s, SLAVE_CMD) & (1 << 3), ==, 1 << 3);
    g_assert_cmphex(read_irr(s, MASTER_CMD) & (1 << 2), ==, 1 << 2);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, 0);
    qtest_outb(s, MASTER_DATA, 0);
    /* Master IR2 ranks above IR3..7 and below IR0..1. */
    pulse_gsi(s, 5);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 2);
    g_assert_cmphex(poll(s, SLAVE_CMD), ==, POLL_INT | 3);
    g_assert_cmphex(read_isr(s, SLAVE_CMD), ==, 1 << 3);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 1 << 2);
    /* Slave masks act on the slave alone. */
    qtest_outb(s, SLAVE_DATA, 1 << 2);
    pulse_gsi(s, 10);
    g_assert_cmphex(read_irr(s, SLAVE_CMD) & (1 << 2), ==, 1 << 2);
    g_assert_cmphex(poll(s, SLAVE_CMD), ==, 0);
    /* EOI to both chips, slave first. */
    qtest_outb(s, SLAVE_CMD, OCW2_EOI);
    qtest_outb(s, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(read_isr(s, SLAVE_CMD), ==, 0);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 5);
    qtest_outb(s, MASTER_CMD, OCW2_EOI);
    /* Unmask slave IR2 (IRQ 10): it comes through the cascade. */
    qtest_outb(s, SLAVE_DATA, 0);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 2);
    g_assert_cmphex(poll(s, SLAVE_CMD), ==, POLL_INT | 2);
    qtest_quit(s);
}

/* Edge lines latch a rising edge; ELCR level lines follow the input. */
static void test_edge_level(void)
{
    QTestState *s = pic_start();

    /* ELCR bits exist for IRQ 3-7 and 9-12, 14, 15 only. */
    qtest_outb(s, ELCR1, 0xff);
    qtest_outb(s, ELCR2, 0xff);
    g_assert_cmphex(qtest_inb(s, ELCR1), ==, 0xf8);
    g_assert_cmphex(qtest_inb(s, ELCR2), ==, 0xde);
    qtest_outb(s, ELCR1, 0);
    qtest_outb(s, ELCR2, 0);

    /* Edge: the request stays after the line drops, and one edge is one request. */
    qtest_outb(s, MASTER_DATA, 1 << 5);
    set_gsi(s, 5, 1);
    g_assert_cmphex(read_irr(s, MASTER_CMD) & (1 << 5), ==, 1 << 5);
    set_gsi(s, 5, 0);
    g_assert_cmphex(read_irr(s, MASTER_CMD) & (1 << 5), ==, 1 << 5);
    qtest_outb(s, MASTER_DATA, 0);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 5);
    qtest_outb(s, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, 0);
    /* A new rising edge is a new request; holding the line high makes no more. */
    set_gsi(s, 5, 1);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 5);
    qtest_outb(s, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, 0);
    set_gsi(s, 5, 0);

    /* Level: IRR follows the input, and an EOI with the line high requests again. */
    qtest_outb(s, ELCR1, 1 << 5);
    qtest_outb(s, ELCR2, 1 << (11 - 8));
    g_assert_cmphex(qtest_inb(s, ELCR1), ==, 1 << 5);
    set_gsi(s, 5, 1);
    g_assert_cmphex(read_irr(s, MASTER_CMD) & (1 << 5), ==, 1 << 5);
    set_gsi(s, 5, 0);
    g_assert_cmphex(read_irr(s, MASTER_CMD) & (1 << 5), ==, 0);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, 0);
    set_gsi(s, 5, 1);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 5);
    g_assert_cmphex(read_irr(s, MASTER_CMD) & (1 << 5), ==, 1 << 5); /* still asserted */
    qtest_outb(s, MASTER_CMD, OCW2_EOI);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 5);
    qtest_outb(s, MASTER_CMD, OCW2_EOI);
    set_gsi(s, 5, 0);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, 0);

    /* A level line on the slave through the cascade. */
    set_gsi(s, 11, 1);
    g_assert_cmphex(read_irr(s, SLAVE_CMD) & (1 << 3), ==, 1 << 3);
    set_gsi(s, 11, 0);
    g_assert_cmphex(read_irr(s, SLAVE_CMD) & (1 << 3), ==, 0);
    g_assert_cmphex(read_irr(s, MASTER_CMD) & (1 << 2), ==, 0);
    qtest_quit(s);
}

/* Auto-EOI (ICW4 bit 1) leaves ISR clear; special mask mode lets lower levels through. */
static void test_aeoi_smm(void)
{
    QTestState *s = pic_start();

    qtest_outb(s, MASTER_CMD, 0x11);
    qtest_outb(s, MASTER_DATA, 0x20);
    qtest_outb(s, MASTER_DATA, 0x04);
    qtest_outb(s, MASTER_DATA, 0x03); /* 8086, AEOI */
    pulse_gsi(s, 5);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 5);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0);

    /* Normal EOI again; IR3 in service blocks IR5 until special mask mode masks IR3. */
    qtest_outb(s, MASTER_CMD, 0x11);
    qtest_outb(s, MASTER_DATA, 0x20);
    qtest_outb(s, MASTER_DATA, 0x04);
    qtest_outb(s, MASTER_DATA, 0x01);
    pulse_gsi(s, 3);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 3);
    pulse_gsi(s, 5);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, 0);
    qtest_outb(s, MASTER_DATA, 1 << 3);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, 0); /* masking alone does not */
    qtest_outb(s, MASTER_CMD, 0x68);             /* OCW3: set special mask mode */
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 5);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0x28);
    qtest_outb(s, MASTER_CMD, 0x48); /* reset special mask mode */
    qtest_outb(s, MASTER_CMD, OCW2_SPECIFIC_EOI | 5);
    qtest_outb(s, MASTER_CMD, OCW2_SPECIFIC_EOI | 3);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 0);
    g_assert_cmphex(read_irr(s, MASTER_CMD) & 0x28, ==, 0);
    qtest_quit(s);
}

/* Fully nested: a higher slave line waits while IR2 is in service; special fully nested
 * mode (ICW4 bit 4 on the master) lets it through. */
static void test_sfnm(void)
{
    QTestState *s = pic_start();

    pulse_gsi(s, 11);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 2);
    g_assert_cmphex(poll(s, SLAVE_CMD), ==, POLL_INT | 3);
    pulse_gsi(s, 9);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, 0);
    qtest_quit(s);

    s = pic_start();
    qtest_outb(s, MASTER_CMD, 0x11);
    qtest_outb(s, MASTER_DATA, 0x20);
    qtest_outb(s, MASTER_DATA, 0x04);
    qtest_outb(s, MASTER_DATA, 0x11); /* 8086, SFNM */
    pulse_gsi(s, 11);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 2);
    g_assert_cmphex(poll(s, SLAVE_CMD), ==, POLL_INT | 3);
    pulse_gsi(s, 9);
    g_assert_cmphex(poll(s, MASTER_CMD), ==, POLL_INT | 2);
    g_assert_cmphex(poll(s, SLAVE_CMD), ==, POLL_INT | 1);
    g_assert_cmphex(read_isr(s, MASTER_CMD), ==, 1 << 2);
    g_assert_cmphex(read_isr(s, SLAVE_CMD), ==, 0x0a);
    qtest_quit(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pic/init", test_init_state);
    g_test_add_func("/pic/mask", test_mask);
    g_test_add_func("/pic/priority-eoi", test_priority_eoi);
    g_test_add_func("/pic/rotation", test_rotation);
    g_test_add_func("/pic/cascade", test_cascade);
    g_test_add_func("/pic/edge-level", test_edge_level);
    g_test_add_func("/pic/aeoi-smm", test_aeoi_smm);
    g_test_add_func("/pic/sfnm", test_sfnm);
    return g_test_run();
}
