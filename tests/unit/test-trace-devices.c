/*
 * test-trace-devices.c: every device of the PC has trace points at its register
 * reads and writes and its interrupt changes, and they fire. Builds the chipset
 * and the ISA devices with all events enabled to a file, drives each device
 * through its ports, and checks the events seen.
 */
#include "hw-test.h"
#include "qemu/trace.h"
#include "hw/char/serial.h"
#include "hw/input/i8042.h"
#include "hw/input/ps2.h"
#include "hw/misc/debugexit.h"
#include "hw/misc/ioport80.h"
#include "hw/misc/port92.h"
#include "hw/rtc/mc146818rtc.h"
#include "hw/pci/pci.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/piix.h"
#include "hw/acpi/piix4.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/timer/i8254.h"

/* Events the drive_*() functions must produce (space-separated; host input excepted). */
static const char expected_events[] =
    /* core */
    "qdev_realize qdev_reset qemu_set_irq isa_register_ioport "
    /* isa-serial */
    "serial_reset serial_read serial_write serial_irq serial_char_time "
    /* RTC */
    "rtc_reset rtc_index_write rtc_cmos_read rtc_cmos_write rtc_irq "
    /* i8042 and PS/2 */
    "i8042_reset i8042_read_data i8042_write_data i8042_read_status i8042_command "
    "i8042_outport i8042_irq ps2_kbd_write ps2_kbd_reset ps2_mouse_write ps2_mouse_reset "
    "ps2_kbd_put_key ps2_mouse_event "
    /* misc */
    "port92_read port92_write ioport80_read ioport80_write debug_exit_write "
    /* PCI */
    "pci_host_config_addr pci_cfg_read pci_cfg_write pci_cfg_no_device pci_bar_map "
    "pci_bar_unmap pci_set_irq i440fx_pam_update piix3_set_pirq piix3_isa_irq piix3_rcr_write "
    /* ACPI PM */
    "piix4_pm_read piix4_pm_write piix4_pm_sci piix4_pm_io_map piix4_pm_power_button "
    /* 8259 and IOAPIC (the local APIC needs a CPU: test-hw-apic runs its points) */
    "pic_ioport_write pic_ioport_read pic_elcr_write pic_set_irq pic_intr pic_read_irq "
    "ioapic_reg_read ioapic_reg_write ioapic_set_irq ioapic_send ioapic_eoi "
    /* 8254 and port 0x61 */
    "pit_ioport_write pit_ioport_read pit_irq pit_load_count pit_gate port61_write "
    /* memory core */
    "memory_region_ops_read memory_region_ops_write address_space_update_topology";

static void cfg_writel(unsigned devfn, unsigned reg, uint32_t val)
{
    outl(PCI_HOST_CONFIG_ADDR, PCI_CONFIG_ADDR_ENABLE | (devfn << 8) | (reg & 0xfc));
    outl(PCI_HOST_CONFIG_DATA, val);
}

static uint32_t cfg_readl(unsigned devfn, unsigned reg)
{
    outl(PCI_HOST_CONFIG_ADDR, PCI_CONFIG_ADDR_ENABLE | (devfn << 8) | (reg & 0xfc));
    return inl(PCI_HOST_CONFIG_DATA);
}

static void drive_isa(void)
{
    DeviceState *kbc;
    int status;

    hwt_create(TYPE_ISA_SERIAL, NULL);
    outb(0x3fb, 0x83); /* DLAB */
    outb(0x3f8, 0x01); /* 115200 baud */
    outb(0x3fb, 0x03);
    outb(0x3f9, 0x02); /* THR empty interrupt */
    inb(0x3fa);
    inb(0x3fd);

    hwt_create(TYPE_MC146818_RTC, NULL);
    outb(0x70, 0x0a);
    outb(0x71, 0x26); /* 1024 Hz periodic */
    outb(0x70, 0x0b);
    outb(0x71, 0x42); /* PIE, 24 h */
    hwt_step(2 * 1000 * 1000);
    outb(0x70, 0x0c);
    inb(0x71); /* reading C lowers IRQ 8 */

    kbc = hwt_create(TYPE_I8042, NULL);
    outb(0x64, 0xaa); /* self test */
    inb(0x64);
    inb(0x60);
    outb(0x64, 0xd1); /* write output port */
    outb(0x60, 0xdf);
    outb(0x60, 0xf4); /* keyboard: enable */
    inb(0x60);
    outb(0x64, 0xd4); /* to the mouse */
    outb(0x60, 0xf4);
    inb(0x60);
    ps2_keyboard_put_key(i8042_get_kbd((I8042State *)kbc), 0x1e, true);
    ps2_mouse_event(i8042_get_mouse((I8042State *)kbc), 1, -1, 0);

    hwt_create(TYPE_PORT92, NULL);
    outb(0x92, 0x02);
    inb(0x92);
    hwt_create(TYPE_IOPORT80, NULL);
    outb(0x80, 0x42);
    inb(0x80);
    hwt_create(TYPE_ISA_DEBUG_EXIT, NULL);
    outb(0x501, 0x01);
    g_assert_true(main_loop_should_exit(&status));
}

static void drive_pci(void)
{
    static MemoryRegion pci_mem, ram;
    PCIBus *bus;
    PCIDevice *dev;
    uint16_t pm = 0x600;

    memory_region_init(&pci_mem, "pci-memory", UINT64_MAX);
    memory_region_add_subregion_overlap(get_system_memory(), 0, &pci_mem, -1);
    bus = i440fx_init(&pci_mem, get_system_io());
    piix3_create(bus);
    piix4_pm_create(bus, isa_get_irq(PIIX4_PM_SCI_IRQ));
    dev = pci_create_simple(bus, PCI_DEVFN(3, 0), "pci-testdev");
    memory_region_init_ram(&ram, "ram", 1 * MiB);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    g_assert_true(i440fx_pam_init(bus, get_system_memory(), &ram, NULL));

    g_assert_cmphex(cfg_readl(0, 0), ==, 0x12378086);
    g_assert_cmphex(cfg_readl(PCI_DEVFN(9, 0), 0), ==, 0xffffffff);
    cfg_writel(0, I440FX_PAM0 & ~3, 0x33000000); /* PAM0: BIOS read/write */

    /* BAR1 (I/O) in, then out, of the I/O space */
    cfg_writel(PCI_DEVFN(3, 0), PCI_BASE_ADDRESS_0 + 4, 0xc000);
    cfg_writel(PCI_DEVFN(3, 0), PCI_COMMAND, PCI_COMMAND_IO);
    cfg_writel(PCI_DEVFN(3, 0), PCI_COMMAND, 0);

    /* INTA of slot 3 -> PIRQC -> IRQ 11 */
    cfg_writel(PIIX3_DEVFN, PIIX_PIRQRC, 0x800b0b80 | 0x0b << 16);
    dev->config[PCI_INTERRUPT_PIN] = 1;
    pci_set_irq(dev, 1);
    pci_set_irq(dev, 0);
    outb(0xcf9, 0x02); /* SRST only: no reset */

    /* PM block at 0x600, SCI on, power button */
    cfg_writel(PIIX4_PM_DEVFN, PIIX4_PMBA, pm | 1);
    cfg_writel(PIIX4_PM_DEVFN, PIIX4_PMREGMISC, PIIX4_PMREGMISC_PMIOSE);
    outw(pm + ACPI_PM1_CNT, ACPI_PM1_CNT_SCI_EN);
    outw(pm + ACPI_PM1_EN, ACPI_PM1_PWRBTN_EN);
    piix4_pm_power_button((PIIX4PMState *)pci_find_devfn(bus, PIIX4_PM_DEVFN));
    inw(pm + ACPI_PM1_STS);
    outw(pm + ACPI_PM1_STS, ACPI_PM1_PWRBTN_STS);
}

static void ioapic_write(unsigned index, uint32_t val)
{
    address_space_stl_le(address_space_memory(), IOAPIC_DEFAULT_BASE, index, MEMTXATTRS_UNSPECIFIED,
                         NULL);
    address_space_stl_le(address_space_memory(), IOAPIC_DEFAULT_BASE + 0x10, val,
                         MEMTXATTRS_UNSPECIFIED, NULL);
}

static void drive_intc_timer(void)
{
    I8259State *pic = (I8259State *)hwt_create(TYPE_I8259, NULL);
    IOAPICState *ioapic = (IOAPICState *)hwt_create(TYPE_IOAPIC, NULL);

    outb(0x20, 0x11); /* ICW1..4 */
    outb(0x21, 0x08);
    outb(0x21, 0x04);
    outb(0x21, 0x01);
    outb(0x21, 0x00); /* OCW1: all unmasked */
    inb(0x21);
    outb(0x4d0, 0x00); /* ELCR: all edge */
    qemu_set_irq(i8259_get_irqs(pic)[1], 1);
    g_assert_cmpint(pic_read_irq(pic), ==, 0x09);
    qemu_set_irq(i8259_get_irqs(pic)[1], 0);

    ioapic_write(0x10 + 2 * 2, 0x30); /* pin 2: vector 0x30, edge, unmasked */
    address_space_ldl_le(address_space_memory(), IOAPIC_DEFAULT_BASE + 0x10, MEMTXATTRS_UNSPECIFIED,
                         NULL);
    qemu_set_irq(ioapic_get_irqs(ioapic)[2], 1);
    qemu_set_irq(ioapic_get_irqs(ioapic)[2], 0);
    ioapic_eoi_broadcast(0x30);

    hwt_create(TYPE_I8254, NULL);
    outb(0x43, 0x34); /* channel 0, mode 2 */
    outb(0x40, 0x10);
    outb(0x40, 0x00);
    hwt_step(1000 * 1000);
    inb(0x40);
    outb(0x61, 0x01); /* gate 2 */
}

static void test_devices_trace(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-trace-dev-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "trace.log", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GString) missing = g_string_new(NULL);
    g_auto(GStrv) expected = g_strsplit(expected_events, " ", -1);

    g_assert_true(trace_init_file(path, NULL));
    g_assert_cmpuint(trace_enable_events("*", true), >=, g_strv_length(expected));
    drive_isa();
    drive_pci();
    drive_intc_timer();
    trace_enable_events("*", false);
    g_assert_true(trace_init_file(NULL, NULL));

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    for (size_t i = 0; expected[i]; i++) {
        g_autofree char *needle = g_strdup_printf(":%s ", expected[i]);
        g_assert_nonnull(trace_event_find(expected[i]));
        if (!strstr(text, needle)) {
            g_string_append_printf(missing, " %s", expected[i]);
        }
    }
    if (missing->len) {
        g_test_message("trace output:\n%s", text);
    }
    g_assert_cmpstr(missing->str, ==, "");
    g_assert_cmpint(unlink(path), ==, 0);
    g_assert_cmpint(rmdir(dir), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hwt_init();
    g_test_add_func("/trace/devices", test_devices_trace);
    return g_test_run();
}
