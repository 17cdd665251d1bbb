/*
 * acpi-build.c: the PC's ACPI tables, after the ACPI Specification 6.4:
 * RSDP (5.2.5), RSDT/XSDT (5.2.7-8), FADT revision 3, the ACPI 2.0 layout
 * Linux and Windows accept (5.2.9), FACS (5.2.10), MADT with processor
 * local APIC, I/O APIC, interrupt source override and local APIC NMI entries
 * (5.2.12), and a DSDT in AML (chapter 20) with \_SB.PCI0, its _PRT onto
 * four PCI interrupt link devices (6.2.13) and \_S5.
 *
 * Left out: a 64-bit window in the root bridge's _CRS, link
 * devices that can be re-routed (firmware routes PIRQA-D once; _SRS accepts
 * only that IRQ), processor objects, HPET, SRAT,
 * and any sleep state but S5; the FADT has no SMI_CMD (firmware leaves ACPI
 * mode on, see piix4_pm_firmware_init()).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/acpi/acpi-build.h"
#include "hw/acpi/piix4.h"
#include "hw/pci/piix.h"

#define ACPI_OEM_ID       "TERN  "   /* 6 bytes */
#define ACPI_OEM_TABLE_ID "TERNPC  " /* 8 bytes */
#define ACPI_CREATOR_ID   "TERN"
#define ACPI_CREATOR_REV  1

#define ACPI_FADT_REV  3
#define ACPI_FADT_SIZE 244
#define ACPI_FACS_SIZE 64
#define ACPI_MADT_REV  1
#define ACPI_DSDT_REV  1 /* 32-bit AML integers */

/* FADT flags (5.2.9, table 5.10) */
#define ACPI_FADT_F_WBINVD        (1u << 0)
#define ACPI_FADT_F_PROC_C1       (1u << 2)
#define ACPI_FADT_F_SLP_BUTTON    (1u << 5) /* no fixed sleep button */
#define ACPI_FADT_F_FIX_RTC       (1u << 6) /* no RTC wake status in PM1 */
#define ACPI_FADT_F_RESET_REG_SUP (1u << 10)
/* IAPC_BOOT_ARCH (5.2.9.3) */
#define ACPI_FADT_BOOT_LEGACY_DEVICES (1u << 0)
#define ACPI_FADT_BOOT_8042           (1u << 1)
#define ACPI_FADT_LATENCY_NO_C2       0x0065 /* > 100: C2 not supported */
#define ACPI_FADT_LATENCY_NO_C3       0x03e9 /* > 1000: C3 not supported */
#define RTC_CENTURY_REG               0x32   /* CMOS byte holding the century */

/* Generic address structure (5.2.3.2) */
#define ACPI_GAS_SYSTEM_IO   1
#define ACPI_GAS_ACCESS_BYTE 1

/* MADT (5.2.12) */
#define ACPI_MADT_PCAT_COMPAT    (1u << 0) /* dual 8259s present */
#define ACPI_MADT_LOCAL_APIC     0
#define ACPI_MADT_IO_APIC        1
#define ACPI_MADT_INT_OVERRIDE   2
#define ACPI_MADT_LOCAL_APIC_NMI 4
#define ACPI_MADT_LAPIC_ENABLED  (1u << 0)
#define ACPI_MADT_POLARITY_HIGH  0x1
#define ACPI_MADT_POLARITY_LOW   0x3
#define ACPI_MADT_TRIGGER_EDGE   (0x1 << 2)
#define ACPI_MADT_TRIGGER_LEVEL  (0x3 << 2)
#define ACPI_MADT_ALL_PROCESSORS 0xff

/* AML opcodes (20.3) */
#define AML_ZERO_OP       0x00
#define AML_ONE_OP        0x01
#define AML_NAME_OP       0x08
#define AML_BYTE_PREFIX   0x0a
#define AML_WORD_PREFIX   0x0b
#define AML_DWORD_PREFIX  0x0c
#define AML_BUFFER_OP     0x11
#define AML_SCOPE_OP      0x10
#define AML_METHOD_OP     0x14
#define AML_PACKAGE_OP    0x12
#define AML_DUAL_NAME     0x2e
#define AML_MULTI_NAME    0x2f
#define AML_EXT_OP_PREFIX 0x5b
#define AML_DEVICE_OP     0x82 /* after the ext prefix */
#define AML_ROOT_CHAR     0x5c

/* Resource descriptors (6.4): extended interrupt, end tag */
#define ACPI_RES_EXT_IRQ          0x89
#define ACPI_RES_EXT_IRQ_CONSUMER 0x01
#define ACPI_RES_EXT_IRQ_SHARED   0x08 /* with level (bit 1 = 0), active high (bit 2 = 0) */
#define ACPI_RES_END_TAG          0x79

/* Address space descriptors (6.4.3.5): word (16-bit) and dword (32-bit) forms */
#define ACPI_RES_WORD_ADDR        0x88
#define ACPI_RES_DWORD_ADDR       0x87
#define ACPI_RES_IO_PORT          0x47 /* small I/O port descriptor, 8 bytes */
#define ACPI_ADDR_TYPE_MEM        0
#define ACPI_ADDR_TYPE_IO         1
#define ACPI_ADDR_TYPE_BUS        2
#define ACPI_ADDR_PRODUCER_FIXED  0x0c /* producer, MinFixed, MaxFixed, positive decode */
#define ACPI_ADDR_IO_ENTIRE_RANGE 0x03
#define ACPI_ADDR_MEM_RW          0x01
#define ACPI_ADDR_MEM_CACHEABLE   0x02
#define ACPI_RES_IO_DECODE16      0x01
#define PC_VGA_WINDOW_BASE        0xa0000
#define PC_VGA_WINDOW_SIZE        0x20000

#define PCI_SLOTS 32

/* --- bytes ----------------------------------------------------------------------------- */

static void put8(GByteArray *b, uint8_t v)
{
    g_byte_array_append(b, &v, 1);
}

static void put16(GByteArray *b, uint16_t v)
{
    put8(b, v);
    put8(b, v >> 8);
}

static void put32(GByteArray *b, uint32_t v)
{
    put16(b, v);
    put16(b, v >> 16);
}

static void put64(GByteArray *b, uint64_t v)
{
    put32(b, v);
    put32(b, v >> 32);
}

static void put_bytes(GByteArray *b, const char *s, size_t n)
{
    g_byte_array_append(b, (const uint8_t *)s, n);
}

static void patch32(GByteArray *b, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        b->data[off + i] = v >> (8 * i);
    }
}

static void pad_to(GByteArray *b, size_t align)
{
    while (b->len % align) {
        put8(b, 0);
    }
}

uint8_t acpi_checksum(const uint8_t *data, size_t len)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++) {
        sum += data[i];
    }
    return (uint8_t)(0 - sum);
}

/* Generic address structure (5.2.3.2): 12 bytes. */
static void put_gas(GByteArray *b, uint8_t space, uint8_t bit_width, uint8_t access, uint64_t addr)
{
    put8(b, space);
    put8(b, bit_width);
    put8(b, 0); /* bit offset */
    put8(b, access);
    put64(b, addr);
}

/* --- system description tables -------------------------------------------------------- */

/* Appends a header with length and checksum left 0; returns the table's offset. */
static size_t sdt_begin(GByteArray *b, const char *sig, uint8_t rev, size_t align)
{
    size_t start;

    pad_to(b, align);
    start = b->len;
    put_bytes(b, sig, 4);
    put32(b, 0); /* length */
    put8(b, rev);
    put8(b, 0); /* checksum */
    put_bytes(b, ACPI_OEM_ID, 6);
    put_bytes(b, ACPI_OEM_TABLE_ID, 8);
    put32(b, 1); /* OEM revision */
    put_bytes(b, ACPI_CREATOR_ID, 4);
    put32(b, ACPI_CREATOR_REV);
    return start;
}

static void sdt_end(GByteArray *b, size_t start)
{
    size_t len = b->len - start;

    patch32(b, start + 4, len);
    b->data[start + 9] = acpi_checksum(b->data + start, len);
}

static size_t build_facs(GByteArray *b)
{
    size_t start;

    pad_to(b, ACPI_TABLES_ALIGN);
    start = b->len;
    put_bytes(b, "FACS", 4);
    put32(b, ACPI_FACS_SIZE);
    put32(b, 0); /* hardware signature */
    put32(b, 0); /* firmware waking vector */
    put32(b, 0); /* global lock */
    put32(b, 0); /* flags */
    put64(b, 0); /* X firmware waking vector */
    put8(b, 1);  /* version */
    while (b->len - start < ACPI_FACS_SIZE) {
        put8(b, 0);
    }
    return start;
}

/* FADT revision 3 (the ACPI 2.0 layout), 244 bytes. */
static size_t build_fadt(GByteArray *b, const AcpiConfig *cfg, uint64_t gpa, size_t facs,
                         size_t dsdt)
{
    size_t start = sdt_begin(b, "FACP", ACPI_FADT_REV, 16);
    uint32_t pm = cfg->pm_base;

    /*
     * One FACS pointer only (ACPI 5.2.9, Table 5.9: if one of FIRMWARE_CTRL
     * and X_FIRMWARE_CTRL is non-zero the other must be zero; ACPICA installs
     * each non-zero one, so both list the FACS twice). The tables lie below
     * 4 GiB (acpi_config_check): FIRMWARE_CTRL, and X_FIRMWARE_CTRL = 0, as
     * QEMU does.
     */
    put32(b, gpa + facs); /* FIRMWARE_CTRL */
    put32(b, gpa + dsdt); /* DSDT */
    put8(b, 0);           /* reserved (INT_MODEL in ACPI 1.0) */
    put8(b, 0);           /* preferred PM profile: unspecified */
    put16(b, cfg->sci_irq);
    put32(b, 0);                  /* SMI_CMD: none, ACPI mode is always on */
    put8(b, 0);                   /* ACPI_ENABLE */
    put8(b, 0);                   /* ACPI_DISABLE */
    put8(b, 0);                   /* S4BIOS_REQ */
    put8(b, 0);                   /* PSTATE_CNT */
    put32(b, pm + ACPI_PM1_STS);  /* PM1a_EVT_BLK */
    put32(b, 0);                  /* PM1b_EVT_BLK */
    put32(b, pm + ACPI_PM1_CNT);  /* PM1a_CNT_BLK */
    put32(b, 0);                  /* PM1b_CNT_BLK */
    put32(b, 0);                  /* PM2_CNT_BLK */
    put32(b, pm + ACPI_PM_TMR);   /* PM_TMR_BLK */
    put32(b, pm + ACPI_GPE0_STS); /* GPE0_BLK */
    put32(b, 0);                  /* GPE1_BLK */
    put8(b, ACPI_PM1_EVT_LEN);
    put8(b, ACPI_PM1_CNT_LEN);
    put8(b, 0); /* PM2_CNT_LEN */
    put8(b, ACPI_PM_TMR_LEN);
    put8(b, ACPI_GPE0_LEN);
    put8(b, 0); /* GPE1_BLK_LEN */
    put8(b, 0); /* GPE1_BASE */
    put8(b, 0); /* CST_CNT */
    put16(b, ACPI_FADT_LATENCY_NO_C2);
    put16(b, ACPI_FADT_LATENCY_NO_C3);
    put16(b, 0); /* FLUSH_SIZE */
    put16(b, 0); /* FLUSH_STRIDE */
    put8(b, 0);  /* DUTY_OFFSET */
    put8(b, 0);  /* DUTY_WIDTH */
    put8(b, 0);  /* DAY_ALRM */
    put8(b, 0);  /* MON_ALRM */
    put8(b, RTC_CENTURY_REG);
    put16(b, ACPI_FADT_BOOT_LEGACY_DEVICES | ACPI_FADT_BOOT_8042);
    put8(b, 0); /* reserved */
    put32(b, ACPI_FADT_F_WBINVD | ACPI_FADT_F_PROC_C1 | ACPI_FADT_F_SLP_BUTTON |
                 ACPI_FADT_F_FIX_RTC | ACPI_FADT_F_RESET_REG_SUP);
    put_gas(b, ACPI_GAS_SYSTEM_IO, 8, ACPI_GAS_ACCESS_BYTE, cfg->reset_port);
    put8(b, cfg->reset_value);
    put8(b, 0); /* reserved */
    put16(b, 0);
    put64(b, 0);          /* X_FIRMWARE_CTRL: FIRMWARE_CTRL has the FACS */
    put64(b, gpa + dsdt); /* X_DSDT */
    put_gas(b, ACPI_GAS_SYSTEM_IO, ACPI_PM1_EVT_LEN * 8, 0, pm + ACPI_PM1_STS);
    put_gas(b, 0, 0, 0, 0); /* X_PM1b_EVT_BLK */
    put_gas(b, ACPI_GAS_SYSTEM_IO, ACPI_PM1_CNT_LEN * 8, 0, pm + ACPI_PM1_CNT);
    put_gas(b, 0, 0, 0, 0); /* X_PM1b_CNT_BLK */
    put_gas(b, 0, 0, 0, 0); /* X_PM2_CNT_BLK */
    put_gas(b, ACPI_GAS_SYSTEM_IO, ACPI_PM_TMR_LEN * 8, 0, pm + ACPI_PM_TMR);
    put_gas(b, ACPI_GAS_SYSTEM_IO, ACPI_GPE0_LEN * 8, 0, pm + ACPI_GPE0_STS);
    put_gas(b, 0, 0, 0, 0); /* X_GPE1_BLK */
    g_assert(b->len - start == ACPI_FADT_SIZE);
    sdt_end(b, start);
    return start;
}

static void madt_override(GByteArray *b, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    put8(b, ACPI_MADT_INT_OVERRIDE);
    put8(b, 10);
    put8(b, 0); /* bus: ISA */
    put8(b, irq);
    put32(b, gsi);
    put16(b, flags);
}

static size_t build_madt(GByteArray *b, const AcpiConfig *cfg)
{
    size_t start = sdt_begin(b, "APIC", ACPI_MADT_REV, 16);
    uint16_t level_irqs = 1u << cfg->sci_irq;

    for (unsigned i = 0; i < ARRAY_SIZE(cfg->pirq_irqs); i++) {
        level_irqs |= 1u << cfg->pirq_irqs[i];
    }
    put32(b, cfg->lapic_addr);
    put32(b, ACPI_MADT_PCAT_COMPAT);
    for (unsigned i = 0; i < cfg->nr_cpus; i++) {
        put8(b, ACPI_MADT_LOCAL_APIC);
        put8(b, 8);
        put8(b, i); /* ACPI processor UID */
        put8(b, i); /* APIC id */
        put32(b, ACPI_MADT_LAPIC_ENABLED);
    }
    put8(b, ACPI_MADT_IO_APIC);
    put8(b, 12);
    put8(b, cfg->ioapic_id);
    put8(b, 0);
    put32(b, cfg->ioapic_addr);
    put32(b, 0); /* GSI base */
    /* The PIT's IRQ0 is wired to IOAPIC pin 2 on the PC; ISA IRQs are edge, high. */
    madt_override(b, 0, 2, 0);
    for (unsigned irq = 1; irq < 16; irq++) {
        if (level_irqs & (1u << irq)) {
            madt_override(b, irq, irq, ACPI_MADT_POLARITY_HIGH | ACPI_MADT_TRIGGER_LEVEL);
        }
    }
    put8(b, ACPI_MADT_LOCAL_APIC_NMI);
    put8(b, 6);
    put8(b, ACPI_MADT_ALL_PROCESSORS);
    put16(b, 0); /* flags: conforming */
    put8(b, 1);  /* LINT1 */
    sdt_end(b, start);
    return start;
}

static size_t build_rsdt(GByteArray *b, uint64_t gpa, const uint32_t *tables, unsigned n)
{
    size_t start = sdt_begin(b, "RSDT", 1, 16);

    for (unsigned i = 0; i < n; i++) {
        put32(b, gpa + tables[i]);
    }
    sdt_end(b, start);
    return start;
}

static size_t build_xsdt(GByteArray *b, uint64_t gpa, const uint32_t *tables, unsigned n)
{
    size_t start = sdt_begin(b, "XSDT", 1, 16);

    for (unsigned i = 0; i < n; i++) {
        put64(b, gpa + tables[i]);
    }
    sdt_end(b, start);
    return start;
}

/* --- AML (chapter 20) -------------------------------------------------------------- */

/* PkgLength (20.2.4) for a body of len bytes, counting its own bytes. */
static void aml_pkglength(GByteArray *b, size_t len)
{
    size_t total;
    unsigned n;

    if (len + 1 <= 0x3f) {
        put8(b, len + 1);
        return;
    }
    for (n = 2; n < 4; n++) {
        if (len + n < (1u << (4 + 8 * (n - 1)))) {
            break;
        }
    }
    total = len + n;
    g_assert(total < (1u << 28));
    put8(b, ((n - 1) << 6) | (total & 0xf));
    total >>= 4;
    for (unsigned i = 1; i < n; i++, total >>= 8) {
        put8(b, total & 0xff);
    }
}

/* One NameSeg: up to 4 characters, padded with '_'. */
static void aml_nameseg(GByteArray *b, const char *seg, size_t len)
{
    g_assert(len >= 1 && len <= 4);
    for (size_t i = 0; i < 4; i++) {
        put8(b, i < len ? seg[i] : '_');
    }
}

/* NameString: optional leading '\', then dot-separated segments. */
static void aml_namestring(GByteArray *b, const char *path)
{
    g_auto(GStrv) segs = NULL;
    guint n;

    if (*path == '\\') {
        put8(b, AML_ROOT_CHAR);
        path++;
    }
    segs = g_strsplit(path, ".", -1);
    n = g_strv_length(segs);
    if (n == 2) {
        put8(b, AML_DUAL_NAME);
    } else if (n > 2) {
        put8(b, AML_MULTI_NAME);
        put8(b, n);
    }
    for (guint i = 0; i < n; i++) {
        aml_nameseg(b, segs[i], strlen(segs[i]));
    }
}

static void aml_integer(GByteArray *b, uint64_t v)
{
    if (v == 0) {
        put8(b, AML_ZERO_OP);
    } else if (v == 1) {
        put8(b, AML_ONE_OP);
    } else if (v <= 0xff) {
        put8(b, AML_BYTE_PREFIX);
        put8(b, v);
    } else if (v <= 0xffff) {
        put8(b, AML_WORD_PREFIX);
        put16(b, v);
    } else {
        g_assert(v <= 0xffffffff); /* DSDT revision 1: 32-bit integers */
        put8(b, AML_DWORD_PREFIX);
        put32(b, v);
    }
}

uint32_t acpi_eisaid(const char *id)
{
    uint32_t v;

    g_assert(strlen(id) == 7);
    /* Three letters of 5 bits ('A' = 1) then four hex digits, stored big-endian. */
    v = ((uint32_t)(id[0] - '@') << 26) | ((uint32_t)(id[1] - '@') << 21) |
        ((uint32_t)(id[2] - '@') << 16) | (uint32_t)strtoul(id + 3, NULL, 16);
    return GUINT32_SWAP_LE_BE(v);
}

/* Name(name, integer) */
static void aml_name_integer(GByteArray *b, const char *name, uint64_t v)
{
    put8(b, AML_NAME_OP);
    aml_namestring(b, name);
    aml_integer(b, v);
}

/* Name(name, EisaId(id)) */
static void aml_name_eisaid(GByteArray *b, const char *name, const char *id)
{
    put8(b, AML_NAME_OP);
    aml_namestring(b, name);
    put8(b, AML_DWORD_PREFIX);
    put32(b, acpi_eisaid(id));
}

/* Scope/Device: opcode bytes, PkgLength, name, then the body. */
static void aml_named_block(GByteArray *b, const uint8_t *op, size_t oplen, const char *name,
                            GByteArray *body)
{
    g_autoptr(GByteArray) inner = g_byte_array_new();

    aml_namestring(inner, name);
    g_byte_array_append(inner, body->data, body->len);
    g_byte_array_append(b, op, oplen);
    aml_pkglength(b, inner->len);
    g_byte_array_append(b, inner->data, inner->len);
}

/* Name(\_S5, Package(4) { SLP_TYPa, SLP_TYPb, 0, 0 }) (7.4.2) */
static void aml_sleep_state(GByteArray *b, const char *name, uint8_t slp_typ)
{
    g_autoptr(GByteArray) pkg = g_byte_array_new();

    put8(pkg, 4); /* NumElements */
    aml_integer(pkg, slp_typ);
    aml_integer(pkg, slp_typ);
    aml_integer(pkg, 0);
    aml_integer(pkg, 0);
    put8(b, AML_NAME_OP);
    aml_namestring(b, name);
    put8(b, AML_PACKAGE_OP);
    aml_pkglength(b, pkg->len);
    g_byte_array_append(b, pkg->data, pkg->len);
}

static const uint8_t scope_op[] = {AML_SCOPE_OP};
static const uint8_t device_op[] = {AML_EXT_OP_PREFIX, AML_DEVICE_OP};

static void pci_link_name(char name[5], int pirq)
{
    g_snprintf(name, 5, "LNK%c", 'A' + pirq);
}

/* Name(name, ResourceTemplate() { Interrupt(ResourceConsumer, Level, ActiveHigh, Shared) {irq} })
 */
static void aml_name_irq_template(GByteArray *b, const char *name, uint8_t irq)
{
    const uint8_t res[] = {
        ACPI_RES_EXT_IRQ,
        6,
        0,
        ACPI_RES_EXT_IRQ_CONSUMER | ACPI_RES_EXT_IRQ_SHARED,
        1,
        irq,
        0,
        0,
        0,
        ACPI_RES_END_TAG,
        0, /* checksum 0: ignored */
    };
    g_autoptr(GByteArray) buf = g_byte_array_new();

    aml_integer(buf, sizeof(res));
    g_byte_array_append(buf, res, sizeof(res));
    put8(b, AML_NAME_OP);
    aml_namestring(b, name);
    put8(b, AML_BUFFER_OP);
    aml_pkglength(b, buf->len);
    g_byte_array_append(b, buf->data, buf->len);
}

/*
 * Device(LNKx): a PCI interrupt link fixed at the IRQ firmware routed its PIRQ
 * to, level and active high as the PIIX3 drives it. _SRS is a no-op because
 * Linux always "sets" a link, to the one IRQ _PRS offers.
 */
static void aml_pci_link(GByteArray *b, int pirq, uint8_t irq)
{
    static const uint8_t method_op[] = {AML_METHOD_OP};
    g_autoptr(GByteArray) dev = g_byte_array_new();
    g_autoptr(GByteArray) srs = g_byte_array_new();
    char name[5];

    aml_name_eisaid(dev, "_HID", "PNP0C0F");
    aml_name_integer(dev, "_UID", pirq + 1);
    aml_name_irq_template(dev, "_PRS", irq);
    aml_name_irq_template(dev, "_CRS", irq);
    put8(srs, 1); /* MethodFlags: one argument, not serialized */
    aml_named_block(dev, method_op, sizeof(method_op), "_SRS", srs);
    pci_link_name(name, pirq);
    aml_named_block(b, device_op, sizeof(device_op), name, dev);
}

/* Word (16-bit) address space descriptor: a bus-number or I/O window [min, max]. */
static void res_word_addr(GByteArray *b, uint8_t type, uint8_t tflags, uint16_t min, uint16_t max)
{
    put8(b, ACPI_RES_WORD_ADDR);
    put16(b, 13);
    put8(b, type);
    put8(b, ACPI_ADDR_PRODUCER_FIXED);
    put8(b, tflags);
    put16(b, 0); /* granularity */
    put16(b, min);
    put16(b, max);
    put16(b, 0); /* translation */
    put16(b, max - min + 1);
}

/* DWord (32-bit) address space descriptor: a memory window [min, max]. */
static void res_dword_mem(GByteArray *b, uint8_t tflags, uint32_t min, uint32_t max)
{
    put8(b, ACPI_RES_DWORD_ADDR);
    put16(b, 23);
    put8(b, ACPI_ADDR_TYPE_MEM);
    put8(b, ACPI_ADDR_PRODUCER_FIXED);
    put8(b, tflags);
    put32(b, 0); /* granularity */
    put32(b, min);
    put32(b, max);
    put32(b, 0); /* translation */
    put32(b, max - min + 1);
}

/* Name(_CRS, ResourceTemplate() { the root bridge's windows }) (6.4) */
static void aml_pci_crs(GByteArray *b, const AcpiConfig *cfg)
{
    g_autoptr(GByteArray) res = g_byte_array_new();
    g_autoptr(GByteArray) buf = g_byte_array_new();

    res_word_addr(res, ACPI_ADDR_TYPE_BUS, 0, 0x00, 0xff);
    /* The config mechanism's own ports, consumed rather than forwarded. */
    put8(res, ACPI_RES_IO_PORT);
    put8(res, ACPI_RES_IO_DECODE16);
    put16(res, 0xcf8);
    put16(res, 0xcf8);
    put8(res, 1);
    put8(res, 8);
    res_word_addr(res, ACPI_ADDR_TYPE_IO, ACPI_ADDR_IO_ENTIRE_RANGE, 0x0000, 0x0cf7);
    res_word_addr(res, ACPI_ADDR_TYPE_IO, ACPI_ADDR_IO_ENTIRE_RANGE, 0x0d00, 0xffff);
    res_dword_mem(res, ACPI_ADDR_MEM_RW | ACPI_ADDR_MEM_CACHEABLE, PC_VGA_WINDOW_BASE,
                  PC_VGA_WINDOW_BASE + PC_VGA_WINDOW_SIZE - 1);
    res_dword_mem(res, ACPI_ADDR_MEM_RW, cfg->pci_hole_start, cfg->pci_hole_end - 1);
    put8(res, ACPI_RES_END_TAG);
    put8(res, 0);

    aml_integer(buf, res->len);
    g_byte_array_append(buf, res->data, res->len);
    put8(b, AML_NAME_OP);
    aml_namestring(b, "_CRS");
    put8(b, AML_BUFFER_OP);
    aml_pkglength(b, buf->len);
    g_byte_array_append(b, buf->data, buf->len);
}

/* Package() { slot << 16 | 0xFFFF, pin, LNKx, 0 } */
static void aml_prt_entry(GByteArray *b, unsigned slot, int pin, int pirq)
{
    g_autoptr(GByteArray) e = g_byte_array_new();
    char name[5];

    put8(e, 4); /* NumElements */
    put8(e, AML_DWORD_PREFIX);
    put32(e, (slot << 16) | 0xffff);
    aml_integer(e, pin);
    pci_link_name(name, pirq);
    aml_namestring(e, name);
    aml_integer(e, 0);
    put8(b, AML_PACKAGE_OP);
    aml_pkglength(b, e->len);
    g_byte_array_append(b, e->data, e->len);
}

/* Name(_PRT, Package() { ... }) for every slot and pin (6.2.13) */
static void aml_pci_prt(GByteArray *b)
{
    g_autoptr(GByteArray) prt = g_byte_array_new();
    unsigned n = 0;

    put8(prt, 0); /* NumElements, patched below */
    for (unsigned slot = 1; slot < PCI_SLOTS; slot++) {
        for (int pin = 0; pin < 4; pin++, n++) {
            /* The PIIX3's board wiring: slot 1 INTA is PIRQA, rotating by slot. */
            aml_prt_entry(prt, slot, pin, (slot - 1 + pin) & 3);
        }
    }
    g_assert(n < 256);
    prt->data[0] = n;
    put8(b, AML_NAME_OP);
    aml_namestring(b, "_PRT");
    put8(b, AML_PACKAGE_OP);
    aml_pkglength(b, prt->len);
    g_byte_array_append(b, prt->data, prt->len);
}

static size_t build_dsdt(GByteArray *b, const AcpiConfig *cfg)
{
    g_autoptr(GByteArray) pci0 = g_byte_array_new();
    g_autoptr(GByteArray) sb = g_byte_array_new();
    size_t start = sdt_begin(b, "DSDT", ACPI_DSDT_REV, 16);

    aml_name_eisaid(pci0, "_HID", "PNP0A03"); /* PCI root bridge (a _HID, so no _ADR) */
    aml_name_integer(pci0, "_UID", 0);
    if (cfg->pci_hole_end) {
        aml_pci_crs(pci0, cfg);
    }
    aml_pci_prt(pci0);
    aml_named_block(sb, device_op, sizeof(device_op), "PCI0", pci0);
    for (int pirq = 0; pirq < 4; pirq++) {
        aml_pci_link(sb, pirq, cfg->pirq_irqs[pirq]);
    }
    aml_named_block(b, scope_op, sizeof(scope_op), "\\_SB", sb);
    /* S5 soft-off: the SLP_TYP the PIIX4 PM treats as power off. */
    aml_sleep_state(b, "\\_S5", PIIX4_SLP_TYP_S5);
    sdt_end(b, start);
    return start;
}

/* --- the whole set ------------------------------------------------------------------ */

void acpi_config_pc_defaults(AcpiConfig *cfg, unsigned nr_cpus)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->nr_cpus = nr_cpus;
    cfg->lapic_addr = 0xfee00000;
    cfg->ioapic_addr = 0xfec00000;
    cfg->ioapic_id = 0;
    cfg->pm_base = PIIX4_PM_BASE_DEFAULT;
    cfg->sci_irq = PIIX4_PM_SCI_IRQ;
    cfg->reset_port = 0xcf9;
    cfg->reset_value = 0x06;
    for (int pirq = 0; pirq < 4; pirq++) {
        cfg->pirq_irqs[pirq] = PIIX_FW_PIRQ_IRQ(pirq);
    }
}

static bool acpi_config_check(const AcpiConfig *cfg, uint64_t gpa, GError **errp)
{
    if (cfg->nr_cpus < 1 || cfg->nr_cpus > ACPI_MAX_CPUS) {
        g_set_error(errp, TERN_ERROR, 0, "ACPI tables: %u CPUs (MADT supports 1..%u)", cfg->nr_cpus,
                    ACPI_MAX_CPUS);
        return false;
    }
    if (cfg->sci_irq >= 16 || cfg->sci_irq == 0 || cfg->sci_irq == 2) {
        g_set_error(errp, TERN_ERROR, 0, "ACPI tables: SCI on ISA IRQ %u", cfg->sci_irq);
        return false;
    }
    for (int pirq = 0; pirq < 4; pirq++) {
        unsigned irq = cfg->pirq_irqs[pirq];
        if (irq < 3 || irq > 15 || irq == 8 || irq == 13) {
            g_set_error(errp, TERN_ERROR, 0, "ACPI tables: PIRQ%c on ISA IRQ %u", 'A' + pirq, irq);
            return false;
        }
    }
    if (cfg->pci_hole_end && cfg->pci_hole_start >= cfg->pci_hole_end) {
        g_set_error(errp, TERN_ERROR, 0, "ACPI tables: empty PCI window 0x%x-0x%x",
                    cfg->pci_hole_start, cfg->pci_hole_end);
        return false;
    }
    if (gpa % ACPI_TABLES_ALIGN || gpa >= 4 * GiB) {
        g_set_error(errp, TERN_ERROR, 0,
                    "ACPI tables: address 0x%" PRIx64 " not 64-byte aligned below 4 GiB", gpa);
        return false;
    }
    return true;
}

static void build_rsdp(uint8_t rsdp[ACPI_RSDP_SIZE], uint64_t rsdt, uint64_t xsdt)
{
    g_autoptr(GByteArray) b = g_byte_array_new();

    put_bytes(b, "RSD PTR ", 8);
    put8(b, 0); /* checksum of the first 20 bytes */
    put_bytes(b, ACPI_OEM_ID, 6);
    put8(b, 2); /* revision: ACPI 2.0+, with the XSDT */
    put32(b, rsdt);
    put32(b, ACPI_RSDP_SIZE);
    put64(b, xsdt);
    put8(b, 0); /* extended checksum */
    put8(b, 0);
    put16(b, 0);
    g_assert(b->len == ACPI_RSDP_SIZE);
    b->data[8] = acpi_checksum(b->data, 20);
    b->data[32] = acpi_checksum(b->data, ACPI_RSDP_SIZE);
    memcpy(rsdp, b->data, ACPI_RSDP_SIZE);
}

bool acpi_build_tables(const AcpiConfig *cfg, uint64_t tables_gpa, GByteArray *tables,
                       uint8_t rsdp[ACPI_RSDP_SIZE], AcpiTableOffsets *offsets, GError **errp)
{
    AcpiTableOffsets o;
    uint32_t entries[2];

    if (!acpi_config_check(cfg, tables_gpa, errp)) {
        return false;
    }
    g_byte_array_set_size(tables, 0);
    o.facs = build_facs(tables);
    o.dsdt = build_dsdt(tables, cfg);
    o.fadt = build_fadt(tables, cfg, tables_gpa, o.facs, o.dsdt);
    o.madt = build_madt(tables, cfg);
    entries[0] = o.fadt;
    entries[1] = o.madt;
    o.rsdt = build_rsdt(tables, tables_gpa, entries, ARRAY_SIZE(entries));
    o.xsdt = build_xsdt(tables, tables_gpa, entries, ARRAY_SIZE(entries));
    if (tables_gpa + tables->len > 4 * GiB) {
        g_set_error(errp, TERN_ERROR, 0, "ACPI tables: 0x%" PRIx64 " + %u bytes cross 4 GiB",
                    tables_gpa, tables->len);
        return false;
    }
    build_rsdp(rsdp, tables_gpa + o.rsdt, tables_gpa + o.xsdt);
    if (offsets) {
        *offsets = o;
    }
    return true;
}
