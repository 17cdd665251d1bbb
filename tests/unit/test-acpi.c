/*
 * test-acpi.c: the ACPI tables as a guest would walk them from the RSDP:
 * signatures, lengths and checksums of every table, RSDT/XSDT pointers,
 * FADT fields against the PIIX4 PM block and the reset register, MADT entries
 * for N CPUs, the DSDT's AML for \_SB.PCI0 and \_S5, bad configurations.
 */
#include "qemu/osdep.h"
#include "hw/acpi/acpi-build.h"
#include "hw/acpi/piix4.h"
#include <glib/gstdio.h>

#define TABLES_GPA 0x7fe0000ULL

typedef struct Tables {
    GByteArray *blob;
    uint8_t rsdp[ACPI_RSDP_SIZE];
    AcpiTableOffsets off;
    uint64_t gpa;
} Tables;

static uint16_t le16(const uint8_t *p)
{
    return p[0] | (p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return le16(p) | ((uint32_t)le16(p + 2) << 16);
}

static uint64_t le64(const uint8_t *p)
{
    return le32(p) | ((uint64_t)le32(p + 4) << 32);
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    while (len--) {
        s += *p++;
    }
    return s;
}

static void build(Tables *t, unsigned cpus)
{
    AcpiConfig cfg;
    GError *err = NULL;

    acpi_config_pc_defaults(&cfg, cpus);
    cfg.ioapic_id = cpus;
    t->gpa = TABLES_GPA;
    t->blob = g_byte_array_new();
    g_assert_true(acpi_build_tables(&cfg, t->gpa, t->blob, t->rsdp, &t->off, &err));
    g_assert_no_error(err);
}

/* The table at guest address gpa, checked: inside the blob, signature, checksum. */
static const uint8_t *table_at(Tables *t, uint64_t gpa, const char *sig)
{
    const uint8_t *p;
    uint32_t len;

    g_assert_cmphex(gpa, >=, t->gpa);
    g_assert_cmphex(gpa + ACPI_SDT_HEADER_SIZE, <=, t->gpa + t->blob->len);
    p = t->blob->data + (gpa - t->gpa);
    g_assert_cmpmem(p, 4, sig, 4);
    len = le32(p + 4);
    g_assert_cmphex(gpa + len, <=, t->gpa + t->blob->len);
    if (strcmp(sig, "FACS")) {
        g_assert_cmpuint(sum(p, len), ==, 0);
        g_assert_cmpmem(p + 10, 6, "TERN  ", 6);
    }
    return p;
}

static const uint8_t *fadt_of(Tables *t)
{
    const uint8_t *rsdt = table_at(t, le32(t->rsdp + 16), "RSDT");

    return table_at(t, le32(rsdt + 36), "FACP");
}

static const uint8_t *madt_of(Tables *t)
{
    const uint8_t *rsdt = table_at(t, le32(t->rsdp + 16), "RSDT");

    return table_at(t, le32(rsdt + 40), "APIC");
}

static void free_tables(Tables *t)
{
    g_byte_array_free(t->blob, TRUE);
}

static void test_rsdp(void)
{
    Tables t;

    build(&t, 1);
    g_assert_cmpmem(t.rsdp, 8, "RSD PTR ", 8);
    g_assert_cmpuint(sum(t.rsdp, 20), ==, 0);
    g_assert_cmpuint(sum(t.rsdp, ACPI_RSDP_SIZE), ==, 0);
    g_assert_cmpuint(t.rsdp[15], ==, 2);
    g_assert_cmpuint(le32(t.rsdp + 20), ==, ACPI_RSDP_SIZE);
    g_assert_cmphex(le32(t.rsdp + 16), ==, t.gpa + t.off.rsdt);
    g_assert_cmphex(le64(t.rsdp + 24), ==, t.gpa + t.off.xsdt);
    free_tables(&t);
}

static void test_rsdt_xsdt(void)
{
    Tables t;
    const uint8_t *rsdt, *xsdt;
    static const char *const sigs[] = {"FACP", "APIC"};

    build(&t, 2);
    rsdt = table_at(&t, le32(t.rsdp + 16), "RSDT");
    xsdt = table_at(&t, le64(t.rsdp + 24), "XSDT");
    g_assert_cmpuint(le32(rsdt + 4), ==, ACPI_SDT_HEADER_SIZE + 4 * ARRAY_SIZE(sigs));
    g_assert_cmpuint(le32(xsdt + 4), ==, ACPI_SDT_HEADER_SIZE + 8 * ARRAY_SIZE(sigs));
    for (unsigned i = 0; i < ARRAY_SIZE(sigs); i++) {
        uint32_t r = le32(rsdt + 36 + 4 * i);
        g_assert_cmphex(le64(xsdt + 36 + 8 * i), ==, r);
        table_at(&t, r, sigs[i]);
    }
    free_tables(&t);
}

static void test_fadt(void)
{
    Tables t;
    const uint8_t *f, *facs;

    build(&t, 1);
    f = fadt_of(&t);
    g_assert_cmpuint(le32(f + 4), ==, 244);
    g_assert_cmpuint(f[8], ==, 3);
    /* FACS: FIRMWARE_CTRL only, X_FIRMWARE_CTRL zero (at most one may be non-zero) */
    facs = table_at(&t, le32(f + 36), "FACS");
    g_assert_cmphex(le64(f + 132), ==, 0);
    g_assert_cmphex(le32(f + 36), ==, t.gpa + t.off.facs);
    g_assert_cmpuint(le32(facs + 4), ==, 64);
    g_assert_cmphex(le32(f + 36) % 64, ==, 0);
    /* DSDT: 32- and 64-bit pointers alike */
    table_at(&t, le32(f + 40), "DSDT");
    g_assert_cmphex(le64(f + 140), ==, le32(f + 40));

    g_assert_cmpuint(le16(f + 46), ==, PIIX4_PM_SCI_IRQ);
    g_assert_cmpuint(le32(f + 48), ==, 0); /* no SMI_CMD: ACPI mode always on */
    g_assert_cmphex(le32(f + 56), ==, 0x600 + ACPI_PM1_STS);
    g_assert_cmphex(le32(f + 64), ==, 0x600 + ACPI_PM1_CNT);
    g_assert_cmphex(le32(f + 76), ==, 0x600 + ACPI_PM_TMR);
    g_assert_cmphex(le32(f + 80), ==, 0x600 + ACPI_GPE0_STS);
    g_assert_cmpuint(f[88], ==, 4);                     /* PM1_EVT_LEN */
    g_assert_cmpuint(f[89], ==, 2);                     /* PM1_CNT_LEN */
    g_assert_cmpuint(f[91], ==, 4);                     /* PM_TMR_LEN */
    g_assert_cmpuint(f[92], ==, 4);                     /* GPE0_BLK_LEN */
    g_assert_cmpuint(f[108], ==, 0x32);                 /* CENTURY */
    g_assert_cmphex(le16(f + 109), ==, 0x3);            /* legacy devices, 8042 */
    g_assert_cmphex(le32(f + 112) & (1u << 10), !=, 0); /* RESET_REG_SUP */
    g_assert_cmphex(le32(f + 112) & (1u << 8), ==, 0);  /* 24-bit PM timer */

    /* RESET_REG: system I/O, 8 bits at 0xCF9, value 6 */
    g_assert_cmpuint(f[116], ==, 1);
    g_assert_cmpuint(f[117], ==, 8);
    g_assert_cmphex(le64(f + 120), ==, 0xcf9);
    g_assert_cmphex(f[128], ==, 0x06);

    /* X_PM1a_EVT_BLK, X_PM1a_CNT_BLK, X_PM_TMR_BLK, X_GPE0_BLK: I/O GAS */
    g_assert_cmpuint(f[148], ==, 1);
    g_assert_cmpuint(f[149], ==, 32);
    g_assert_cmphex(le64(f + 152), ==, 0x600);
    g_assert_cmpuint(f[172], ==, 1);
    g_assert_cmpuint(f[173], ==, 16);
    g_assert_cmphex(le64(f + 176), ==, 0x604);
    g_assert_cmpuint(f[208], ==, 1);
    g_assert_cmpuint(f[209], ==, 32);
    g_assert_cmphex(le64(f + 212), ==, 0x608);
    g_assert_cmphex(le64(f + 224), ==, 0x60c);
    free_tables(&t);
}

static void check_madt(unsigned cpus)
{
    Tables t;
    const uint8_t *m, *e, *end;
    unsigned lapics = 0, ioapics = 0, overrides = 0, nmis = 0;
    bool irq0_to_2 = false, irq9_level = false;

    build(&t, cpus);
    m = madt_of(&t);
    g_assert_cmphex(le32(m + 36), ==, 0xfee00000);
    g_assert_cmphex(le32(m + 40), ==, 1); /* PCAT_COMPAT */
    end = m + le32(m + 4);
    for (e = m + 44; e < end; e += e[1]) {
        g_assert_cmpuint(e[1], >=, 2);
        switch (e[0]) {
        case 0: /* processor local APIC */
            g_assert_cmpuint(e[1], ==, 8);
            g_assert_cmpuint(e[2], ==, lapics);  /* UID */
            g_assert_cmpuint(e[3], ==, lapics);  /* APIC id */
            g_assert_cmphex(le32(e + 4), ==, 1); /* enabled */
            lapics++;
            break;
        case 1: /* I/O APIC */
            g_assert_cmpuint(e[1], ==, 12);
            g_assert_cmpuint(e[2], ==, cpus);
            g_assert_cmphex(le32(e + 4), ==, 0xfec00000);
            g_assert_cmpuint(le32(e + 8), ==, 0);
            ioapics++;
            break;
        case 2: /* interrupt source override */
            g_assert_cmpuint(e[1], ==, 10);
            g_assert_cmpuint(e[2], ==, 0);
            if (e[3] == 0) {
                irq0_to_2 = le32(e + 4) == 2 && le16(e + 8) == 0;
            }
            if (e[3] == 9) {
                irq9_level = le32(e + 4) == 9 && le16(e + 8) == 0xd;
            }
            overrides++;
            break;
        case 4: /* local APIC NMI on LINT1 of every CPU */
            g_assert_cmpuint(e[1], ==, 6);
            g_assert_cmphex(e[2], ==, 0xff);
            g_assert_cmpuint(e[5], ==, 1);
            nmis++;
            break;
        default:
            g_assert_not_reached();
        }
    }
    g_assert_true(e == end); /* the entries fill the table exactly */
    g_assert_cmpuint(lapics, ==, cpus);
    g_assert_cmpuint(ioapics, ==, 1);
    g_assert_cmpuint(nmis, ==, 1);
    g_assert_cmpuint(overrides, ==, 4); /* IRQ0, the SCI (9), the PCI links (10, 11) */
    g_assert_true(irq0_to_2);
    g_assert_true(irq9_level);
    free_tables(&t);
}

static void test_madt(void)
{
    check_madt(1);
    check_madt(4);
    check_madt(ACPI_MAX_CPUS);
}

/* Decodes a PkgLength at p; *n gets its byte count. */
static uint32_t pkglength(const uint8_t *p, unsigned *n)
{
    unsigned follow = p[0] >> 6;
    uint32_t len = follow ? p[0] & 0xf : p[0] & 0x3f;

    for (unsigned i = 0; i < follow; i++) {
        len |= (uint32_t)p[1 + i] << (4 + 8 * i);
    }
    *n = follow + 1;
    return len;
}

/* An object with a PkgLength after opcode op and a 4-byte name: its body and end. */
static const uint8_t *aml_object(const uint8_t *p, const uint8_t *op, size_t oplen,
                                 const char *name, size_t namelen, const uint8_t **body)
{
    unsigned n;
    uint32_t len;

    g_assert_cmpmem(p, oplen, op, oplen);
    len = pkglength(p + oplen, &n);
    g_assert_cmpmem(p + oplen + n, namelen, name, namelen);
    *body = p + oplen + n + namelen;
    return p + oplen + len;
}

static const uint8_t device_op[] = {0x5b, 0x82};

/* Name(name, ResourceTemplate { Interrupt(Consumer, Level, ActiveHigh, Shared) {irq} }) */
static const uint8_t *check_irq_template(const uint8_t *p, const char *name, uint8_t irq)
{
    const uint8_t expect[] = {0x08, name[0], name[1], name[2], name[3], 0x11, 14, 0x0a, 11,   0x89,
                              6,    0,       0x09,    1,       irq,     0,    0,  0,    0x79, 0};

    g_assert_cmpmem(p, sizeof(expect), expect, sizeof(expect));
    return p + sizeof(expect);
}

static const uint8_t *check_link(const uint8_t *p, int pirq, uint8_t irq)
{
    char name[5];
    const uint8_t *body, *end;
    static const uint8_t hid[] = {0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0c, 0x0f};
    const uint8_t uid[] = {0x08, '_', 'U', 'I', 'D', 0x0a, pirq + 1};
    static const uint8_t srs[] = {0x14, 6, '_', 'S', 'R', 'S', 1};

    g_snprintf(name, sizeof(name), "LNK%c", 'A' + pirq);
    end = aml_object(p, device_op, 2, name, 4, &body);
    g_assert_cmpmem(body, sizeof(hid), hid, sizeof(hid));
    body += sizeof(hid);
    if (pirq == 0) {
        g_assert_cmphex(body[5], ==, 0x01); /* _UID One */
        body += 6;
    } else {
        g_assert_cmpmem(body, sizeof(uid), uid, sizeof(uid));
        body += sizeof(uid);
    }
    body = check_irq_template(body, "_PRS", irq);
    body = check_irq_template(body, "_CRS", irq);
    g_assert_cmpmem(body, sizeof(srs), srs, sizeof(srs));
    g_assert_true(body + sizeof(srs) == end);
    return end;
}

/* Name(_PRT, Package(124) { Package(4) { slot << 16 | 0xFFFF, pin, LNKx, 0 }, ... }) */
static const uint8_t *check_prt(const uint8_t *p)
{
    unsigned n;
    uint32_t len;
    const uint8_t *end, *e;

    g_assert_cmpmem(p, 5, "\x08_PRT", 5);
    g_assert_cmphex(p[5], ==, 0x12);
    len = pkglength(p + 6, &n);
    g_assert_cmpuint(n, ==, 2); /* longer than 63 bytes: a two-byte PkgLength */
    end = p + 6 + len;
    g_assert_cmpuint(p[6 + n], ==, 31 * 4);
    e = p + 6 + n + 1;
    for (unsigned slot = 1; slot < 32; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            unsigned en, elen;
            const uint8_t *v;

            g_assert_cmphex(e[0], ==, 0x12);
            elen = pkglength(e + 1, &en);
            v = e + 1 + en;
            g_assert_cmpuint(v[0], ==, 4);
            g_assert_cmphex(v[1], ==, 0x0c);
            g_assert_cmphex(le32(v + 2), ==, (slot << 16) | 0xffff);
            v += 6;
            if (pin < 2) {
                g_assert_cmphex(v[0], ==, pin); /* ZeroOp, OneOp */
                v += 1;
            } else {
                g_assert_cmphex(v[0], ==, 0x0a);
                g_assert_cmphex(v[1], ==, pin);
                v += 2;
            }
            g_assert_cmpmem(v, 3, "LNK", 3);
            g_assert_cmpint(v[3], ==, 'A' + ((slot - 1 + pin) & 3));
            g_assert_cmphex(v[4], ==, 0);
            g_assert_true(v + 5 == e + 1 + elen);
            e += 1 + elen;
        }
    }
    g_assert_true(e == end);
    return end;
}

static void test_dsdt_aml(void)
{
    Tables t;
    const uint8_t *d, *aml, *end, *sb, *sb_end, *pci0, *pci0_end, *p;
    static const uint8_t scope_op[] = {0x10};
    static const uint8_t s5[] = {
        0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04, PIIX4_SLP_TYP_S5, PIIX4_SLP_TYP_S5,
        0x00, 0x00};
    static const uint8_t hid[] = {0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03};
    static const uint8_t uid[] = {0x08, '_', 'U', 'I', 'D', 0x00};

    build(&t, 1);
    d = table_at(&t, le32(fadt_of(&t) + 40), "DSDT");
    aml = d + ACPI_SDT_HEADER_SIZE;
    end = d + le32(d + 4);

    /* Scope (\_SB) { Device (PCI0) { _HID, _UID, _PRT }, Device (LNKA..D) } */
    sb_end = aml_object(aml, scope_op, 1, "\\_SB_", 5, &sb);
    pci0_end = aml_object(sb, device_op, 2, "PCI0", 4, &pci0);
    g_assert_cmpmem(pci0, sizeof(hid), hid, sizeof(hid));
    g_assert_cmpmem(pci0 + sizeof(hid), sizeof(uid), uid, sizeof(uid));
    g_assert_true(check_prt(pci0 + sizeof(hid) + sizeof(uid)) == pci0_end);
    p = pci0_end;
    for (int pirq = 0; pirq < 4; pirq++) {
        p = check_link(p, pirq, pirq < 2 ? 10 : 11);
    }
    g_assert_true(p == sb_end);

    /* Then Name (\_S5, Package (4) { 0, 0, 0, 0 }) closes the table. */
    g_assert_cmpint(end - sb_end, ==, sizeof(s5));
    g_assert_cmpmem(sb_end, sizeof(s5), s5, sizeof(s5));
    free_tables(&t);
}

/* Walks a resource template; checks each descriptor against the expected windows. */
static void check_crs_resources(const uint8_t *r, size_t len, uint32_t hole_lo, uint32_t hole_hi)
{
    const uint8_t *end = r + len;
    unsigned words = 0, dwords = 0;
    bool io_port = false, end_tag = false;

    while (r < end && !end_tag) {
        if (r[0] & 0x80) { /* large item */
            uint16_t n = le16(r + 1);

            if (r[0] == 0x88) {
                static const uint16_t expect[3][3] = {
                    /* type, min, max */
                    {2, 0x0000, 0x00ff},
                    {1, 0x0000, 0x0cf7},
                    {1, 0x0d00, 0xffff},
                };
                g_assert_cmpuint(n, ==, 13);
                g_assert_cmpuint(words, <, 3);
                g_assert_cmpuint(r[3], ==, expect[words][0]);
                g_assert_cmphex(r[4], ==, 0x0c);
                g_assert_cmphex(le16(r + 8), ==, expect[words][1]);
                g_assert_cmphex(le16(r + 10), ==, expect[words][2]);
                g_assert_cmphex(le16(r + 14), ==, expect[words][2] - expect[words][1] + 1);
                words++;
            } else {
                uint32_t lo = dwords ? hole_lo : 0xa0000, hi = dwords ? hole_hi - 1 : 0xbffff;

                g_assert_cmphex(r[0], ==, 0x87);
                g_assert_cmpuint(n, ==, 23);
                g_assert_cmpuint(r[3], ==, 0); /* memory */
                g_assert_cmphex(le32(r + 10), ==, lo);
                g_assert_cmphex(le32(r + 14), ==, hi);
                g_assert_cmphex(le32(r + 22), ==, hi - lo + 1);
                dwords++;
            }
            r += 3 + n;
        } else { /* small item: tag in bits 6:3, length in 2:0 */
            unsigned tag = (r[0] >> 3) & 0xf, n = r[0] & 7;

            if (tag == 0x8) { /* I/O port: 0xCF8, 8 ports */
                g_assert_cmphex(le16(r + 2), ==, 0xcf8);
                g_assert_cmphex(r[7], ==, 8);
                io_port = true;
            } else {
                g_assert_cmpuint(tag, ==, 0xf); /* end tag */
                end_tag = true;
            }
            r += 1 + n;
        }
    }
    g_assert_true(end_tag && io_port);
    g_assert_true(r == end);
    g_assert_cmpuint(words, ==, 3);
    g_assert_cmpuint(dwords, ==, 2);
}

static void test_pci_crs(void)
{
    AcpiConfig cfg;
    Tables t = {.gpa = TABLES_GPA};
    const uint8_t *d, *sb, *pci0, *p;
    unsigned n;
    uint32_t len;
    GError *err = NULL;

    acpi_config_pc_defaults(&cfg, 1);
    cfg.pci_hole_start = 0x08000000;
    cfg.pci_hole_end = 0xfec00000;
    t.blob = g_byte_array_new();
    g_assert_true(acpi_build_tables(&cfg, t.gpa, t.blob, t.rsdp, &t.off, &err));
    d = table_at(&t, le32(fadt_of(&t) + 40), "DSDT");
    aml_object(d + ACPI_SDT_HEADER_SIZE, (const uint8_t[]){0x10}, 1, "\\_SB_", 5, &sb);
    aml_object(sb, device_op, 2, "PCI0", 4, &pci0);
    /* After _HID and _UID: Name (_CRS, Buffer (n) { ... }) */
    p = pci0 + 10 + 6;
    g_assert_cmpmem(p, 5, "\x08_CRS", 5);
    g_assert_cmphex(p[5], ==, 0x11);
    len = pkglength(p + 6, &n);
    g_assert_cmpuint(n, ==, 2);
    p += 6 + n;
    g_assert_cmphex(p[0], ==, 0x0a); /* BufferSize as a byte */
    g_assert_cmpuint(p[1], ==, len - n - 2);
    check_crs_resources(p + 2, p[1], cfg.pci_hole_start, cfg.pci_hole_end);
    g_assert_cmpmem(p + 2 + p[1], 5, "\x08_PRT", 5);
    free_tables(&t);

    cfg.pci_hole_start = cfg.pci_hole_end;
    t.blob = g_byte_array_new();
    g_assert_false(acpi_build_tables(&cfg, t.gpa, t.blob, t.rsdp, NULL, &err));
    g_assert_nonnull(strstr(err->message, "empty PCI window"));
    g_clear_error(&err);
    free_tables(&t);
}

/* Removes dir and the files in it. */
static void remove_dir(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;

    g_assert_nonnull(d);
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_assert_cmpint(g_remove(path), ==, 0);
    }
    g_dir_close(d);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/* Runs iasl with args in dir; true if it exits 0. *out gets its output. */
static bool run_iasl(const char *dir, const char *const *args, char **out)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    GError *err = NULL;
    int status;

    g_ptr_array_add(argv, (gpointer) "iasl");
    for (; *args; args++) {
        g_ptr_array_add(argv, (gpointer)*args);
    }
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(dir, (char **)argv->pdata, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, out, NULL,
                      &status, &err)) {
        g_error("iasl: %s", err->message);
    }
    return g_spawn_check_wait_status(status, NULL);
}

/* With ACPICA's iasl installed (acpica-tools): every table disassembles, the DSDT recompiles clean.
 */
static void test_iasl(void)
{
    Tables t;
    g_autofree char *dir = NULL;
    g_autofree char *iasl = g_find_program_in_path("iasl");
    const char *names[] = {"facs", "dsdt", "facp", "apic", "rsdt", "xsdt"};
    uint32_t offs[6];

    if (!iasl) {
        g_test_skip("iasl (acpica-tools) not installed");
        return;
    }
    build(&t, 4);
    offs[0] = t.off.facs;
    offs[1] = t.off.dsdt;
    offs[2] = t.off.fadt;
    offs[3] = t.off.madt;
    offs[4] = t.off.rsdt;
    offs[5] = t.off.xsdt;
    dir = g_dir_make_tmp("tern-acpi-XXXXXX", NULL);
    g_assert_nonnull(dir);
    for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
        g_autofree char *path = g_strdup_printf("%s/%s.dat", dir, names[i]);
        g_autofree char *out = NULL;
        const uint8_t *p = t.blob->data + offs[i];
        uint32_t len = i == 0 ? 64 : le32(p + 4);
        const char *args[] = {"-d", path, NULL};

        g_assert_true(g_file_set_contents(path, (const char *)p, len, NULL));
        if (!run_iasl(dir, args, &out)) {
            g_error("iasl -d %s.dat failed:\n%s", names[i], out);
        }
    }
    {
        g_autofree char *dsl = g_strdup_printf("%s/dsdt.dsl", dir);
        g_autofree char *out = NULL;
        const char *args[] = {"-p", "recompiled", dsl, NULL};

        g_assert_true(run_iasl(dir, args, &out));
        if (!strstr(out, "0 Errors, 0 Warnings")) {
            g_error("iasl does not like the DSDT:\n%s", out);
        }
    }
    remove_dir(dir);
    free_tables(&t);
}

static void test_layout(void)
{
    Tables t;

    build(&t, 8);
    /* Every table inside the blob, none overlapping, FACS 64-byte aligned. */
    g_assert_cmpuint(t.off.facs % 64, ==, 0);
    g_assert_cmpuint(t.off.dsdt, >=, t.off.facs + 64);
    g_assert_cmpuint(t.off.fadt, >=, t.off.dsdt + le32(t.blob->data + t.off.dsdt + 4));
    g_assert_cmpuint(t.off.madt, >=, t.off.fadt + 244);
    g_assert_cmpuint(t.off.rsdt, >=, t.off.madt + le32(t.blob->data + t.off.madt + 4));
    g_assert_cmpuint(t.off.xsdt, >=, t.off.rsdt + le32(t.blob->data + t.off.rsdt + 4));
    g_assert_cmpuint(t.blob->len, ==, t.off.xsdt + le32(t.blob->data + t.off.xsdt + 4));
    g_assert_cmpuint(t.blob->len, <, 4096);
    free_tables(&t);
}

static void expect_error(const AcpiConfig *cfg, uint64_t gpa, const char *what)
{
    g_autoptr(GByteArray) blob = g_byte_array_new();
    uint8_t rsdp[ACPI_RSDP_SIZE];
    GError *err = NULL;

    g_assert_false(acpi_build_tables(cfg, gpa, blob, rsdp, NULL, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, what));
    g_clear_error(&err);
}

static void test_bad_config(void)
{
    AcpiConfig cfg;

    acpi_config_pc_defaults(&cfg, 0);
    expect_error(&cfg, TABLES_GPA, "0 CPUs");
    acpi_config_pc_defaults(&cfg, ACPI_MAX_CPUS + 1);
    expect_error(&cfg, TABLES_GPA, "256 CPUs");
    acpi_config_pc_defaults(&cfg, 1);
    expect_error(&cfg, TABLES_GPA + 16, "aligned");
    expect_error(&cfg, 4 * GiB, "below 4 GiB");
    expect_error(&cfg, 4 * GiB - 64, "cross 4 GiB");
    cfg.sci_irq = 16;
    expect_error(&cfg, TABLES_GPA, "SCI");
    acpi_config_pc_defaults(&cfg, 1);
    cfg.pirq_irqs[2] = 13;
    expect_error(&cfg, TABLES_GPA, "PIRQC on ISA IRQ 13");
}

static void test_helpers(void)
{
    static const uint8_t data[] = {1, 2, 3, 250};
    uint8_t buf[5];

    g_assert_cmphex(acpi_eisaid("PNP0A03"), ==, 0x030ad041);
    g_assert_cmphex(acpi_eisaid("PNP0C0F"), ==, 0x0f0cd041);
    memcpy(buf, data, 4);
    buf[4] = acpi_checksum(data, 4);
    g_assert_cmpuint(sum(buf, 5), ==, 0);
    g_assert_cmpuint(acpi_checksum(data, 0), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi/rsdp", test_rsdp);
    g_test_add_func("/acpi/rsdt-xsdt", test_rsdt_xsdt);
    g_test_add_func("/acpi/fadt", test_fadt);
    g_test_add_func("/acpi/madt", test_madt);
    g_test_add_func("/acpi/dsdt-aml", test_dsdt_aml);
    g_test_add_func("/acpi/pci-crs", test_pci_crs);
    g_test_add_func("/acpi/layout", test_layout);
    g_test_add_func("/acpi/iasl", test_iasl);
    g_test_add_func("/acpi/bad-config", test_bad_config);
    g_test_add_func("/acpi/helpers", test_helpers);
    return g_test_run();
}
