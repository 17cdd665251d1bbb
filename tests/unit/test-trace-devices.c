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

/* Events a run of drive_devices() must produce (host-input-only ones excepted). */
static const char *const expected[] = {
    "qdev_realize",
    "qdev_reset",
    "qemu_set_irq",
    "isa_register_ioport",
    /* isa-serial */
    "serial_reset",
    "serial_read",
    "serial_write",
    "serial_irq",
    "serial_char_time",
    /* RTC */
    "rtc_reset",
    "rtc_index_write",
    "rtc_cmos_read",
    "rtc_cmos_write",
    "rtc_irq",
    /* i8042 and PS/2 */
    "i8042_reset",
    "i8042_read_data",
    "i8042_write_data",
    "i8042_read_status",
    "i8042_command",
    "i8042_outport",
    "i8042_irq",
    "ps2_kbd_write",
    "ps2_kbd_reset",
    "ps2_mouse_write",
    "ps2_mouse_reset",
    "ps2_kbd_put_key",
    "ps2_mouse_event",
    /* misc */
    "port92_read",
    "port92_write",
    "ioport80_read",
    "ioport80_write",
    "debug_exit_write",
    /* PCI */
    "pci_host_config_addr",
    "pci_cfg_read",
    "pci_cfg_write",
    "pci_cfg_no_device",
    "pci_bar_map",
    "pci_bar_unmap",
    "pci_set_irq",
    "i440fx_pam_update",
    "piix3_set_pirq",
    "piix3_isa_irq",
    "piix3_rcr_write",
    /* ACPI PM */
    "piix4_pm_read",
    "piix4_pm_write",
    "piix4_pm_sci",
    "piix4_pm_io_map",
    "piix4_pm_power_button",
};

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

static void test_devices_trace(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-trace-dev-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "trace.log", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GString) missing = g_string_new(NULL);

    g_assert_true(trace_init_file(path, NULL));
    g_assert_cmpuint(trace_enable_events("*", true), >=, G_N_ELEMENTS(expected));
    drive_isa();
    drive_pci();
    trace_enable_events("*", false);
    g_assert_true(trace_init_file(NULL, NULL));

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
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
