/*
 * qtest.c: the qtest accelerator. Follows QEMU's qtest protocol
 * (docs/devel/testing/qtest.rst in QEMU; tern's own description is
 * docs/qtest.md): one command per line, one "OK ..." or "FAIL ..." reply per
 * line, plus asynchronous "IRQ raise N" / "IRQ lower N" lines once interrupts
 * are intercepted.
 *
 * No vCPU runs and the virtual clock is manual: it moves only with clock_step
 * and clock_set, so timer-driven devices are deterministic. The transport is a
 * chardev (unix:PATH, where tern connects to the test, or tcp:) or stdin/stdout
 * ("stdio"); when the test goes away, tern exits with status 0.
 *
 * Added: system_powerdown and system_reset (QEMU sends those over QMP, which tern
 * lacks yet). Left out of QEMU's command set: qom-*, module_load, set_irq_in with named GPIOs
 * (set_irq_in takes GSI numbers here), rtas, and the per-device GPIO interception:
 * irq_intercept_in/out take "ioapic" or a device and intercept the machine's GSIs.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "chardev/char.h"
#include "exec/memory.h"
#include "hw/irq.h"
#include "hw/qdev.h"
#include "hw/i386/pc.h"
#include "sysemu/accel.h"
#include "sysemu/qtest.h"

#define QTEST_LABEL      "qtest"
#define QTEST_READ_CHUNK 4096
#define QTEST_MAX_WORDS  8
/* A command line may carry LEN bytes as hex (write) plus the command and address. */
#define QTEST_MAX_LINE  (2 * QTEST_MAX_RW_LEN + 256)
#define QTEST_PORT_MAX  0xffff
#define QTEST_STDIN_FD  0
#define QTEST_STDOUT_FD 1

const char *qtest_chrdev;
const char *qtest_log;

typedef struct QTestServer {
    CharBackend be;  /* socket transports */
    bool use_stdio;  /* stdin/stdout instead of a chardev */
    GString *inbuf;  /* bytes of the line being received */
    bool discarding; /* the current line is too long: drop it up to its newline */
    FILE *log;
    int64_t log_start_ns;
    qemu_irq *gsi;                /* the lines intercepted, NULL before irq_intercept_* */
    qemu_irq old_gsi[PC_NUM_GSI]; /* their previous handlers, still fed */
    bool irq_level[PC_NUM_GSI];
} QTestServer;

static QTestServer qtest_server;
static bool qtest_active;

bool qtest_enabled(void)
{
    return qtest_active;
}

/* --- transport ------------------------------------------------------------------ */

static void qtest_log_line(QTestServer *s, char dir, const char *line)
{
    int64_t ns;

    if (!s->log) {
        return;
    }
    ns = qemu_clock_get_ns(QEMU_CLOCK_REALTIME) - s->log_start_ns;
    fprintf(s->log, "[%c +%" PRId64 ".%06" PRId64 "] %s\n", dir,
            (int64_t)(ns / NANOSECONDS_PER_SECOND),
            (int64_t)(ns % NANOSECONDS_PER_SECOND / SCALE_US), line);
    fflush(s->log);
}

static void qtest_write_all(QTestServer *s, const char *buf, size_t len)
{
    if (!s->use_stdio) {
        qemu_chr_fe_write_all(&s->be, (const uint8_t *)buf, (int)len);
        return;
    }
    while (len) {
        ssize_t n = write(QTEST_STDOUT_FD, buf, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return; /* the reader is gone; stdin's end of file ends tern */
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* Sends one line (the newline is added). */
static void QEMU_PRINTF(2, 3) qtest_sendf(QTestServer *s, const char *fmt, ...)
{
    g_autofree char *line = NULL;
    va_list ap;

    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qtest_log_line(s, 'S', line);
    qtest_write_all(s, line, strlen(line));
    qtest_write_all(s, "\n", 1);
}

#define qtest_fail(s, ...) qtest_sendf(s, "FAIL " __VA_ARGS__)

/* --- argument parsing ------------------------------------------------------------- */

/* An unsigned number, decimal or 0x hex (or 0 octal), as QEMU's qtest takes them. */
static bool qtest_parse_u64(QTestServer *s, const char *what, const char *word, uint64_t *out)
{
    char *end = NULL;

    errno = 0;
    if (!g_ascii_isdigit(word[0])) {
        goto bad;
    }
    *out = g_ascii_strtoull(word, &end, 0);
    if (errno || end == word || *end) {
        goto bad;
    }
    return true;
bad:
    qtest_fail(s, "invalid %s '%s'", what, word);
    return false;
}

static bool qtest_parse_port(QTestServer *s, const char *word, uint64_t *port)
{
    if (!qtest_parse_u64(s, "port", word, port)) {
        return false;
    }
    if (*port > QTEST_PORT_MAX) {
        qtest_fail(s, "port 0x%" PRIx64 " beyond 0x%x", *port, QTEST_PORT_MAX);
        return false;
    }
    return true;
}

/* ADDR LEN with LEN bounded and the range not wrapping around the address space. */
static bool qtest_parse_range(QTestServer *s, char **args, uint64_t *addr, uint64_t *len)
{
    if (!qtest_parse_u64(s, "address", args[0], addr) ||
        !qtest_parse_u64(s, "length", args[1], len)) {
        return false;
    }
    if (*len > QTEST_MAX_RW_LEN) {
        qtest_fail(s, "length %" PRIu64 " above the limit of %llu", *len, QTEST_MAX_RW_LEN);
        return false;
    }
    if (*len && *addr + *len - 1 < *addr) {
        qtest_fail(s, "range 0x%" PRIx64 "+%" PRIu64 " wraps around", *addr, *len);
        return false;
    }
    return true;
}

/* The access size of inb/inw/inl, readb..readq and friends: the last letter. */
static unsigned qtest_size_suffix(const char *cmd)
{
    switch (cmd[strlen(cmd) - 1]) {
    case 'b':
        return 1;
    case 'w':
        return 2;
    case 'l':
        return 4;
    default:
        return 8;
    }
}

static uint64_t qtest_mask(unsigned size)
{
    return size == 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

/* --- port and memory accesses ------------------------------------------------------- */

static uint64_t qtest_load(AddressSpace *as, hwaddr addr, unsigned size)
{
    switch (size) {
    case 1:
        return address_space_ldub(as, addr, MEMTXATTRS_UNSPECIFIED, NULL);
    case 2:
        return address_space_lduw_le(as, addr, MEMTXATTRS_UNSPECIFIED, NULL);
    case 4:
        return address_space_ldl_le(as, addr, MEMTXATTRS_UNSPECIFIED, NULL);
    default:
        return address_space_ldq_le(as, addr, MEMTXATTRS_UNSPECIFIED, NULL);
    }
}

static void qtest_store(AddressSpace *as, hwaddr addr, uint64_t val, unsigned size)
{
    switch (size) {
    case 1:
        address_space_stb(as, addr, val, MEMTXATTRS_UNSPECIFIED, NULL);
        break;
    case 2:
        address_space_stw_le(as, addr, val, MEMTXATTRS_UNSPECIFIED, NULL);
        break;
    case 4:
        address_space_stl_le(as, addr, val, MEMTXATTRS_UNSPECIFIED, NULL);
        break;
    default:
        address_space_stq_le(as, addr, val, MEMTXATTRS_UNSPECIFIED, NULL);
        break;
    }
}

/* outb/outw/outl PORT VALUE: values wider than the access are truncated, as in QEMU. */
static void qtest_cmd_out(QTestServer *s, const char *cmd, char **args)
{
    uint64_t port, val;

    if (qtest_parse_port(s, args[0], &port) && qtest_parse_u64(s, "value", args[1], &val)) {
        unsigned size = qtest_size_suffix(cmd);

        qtest_store(address_space_io(), port, val & qtest_mask(size), size);
        qtest_sendf(s, "OK");
    }
}

static void qtest_cmd_in(QTestServer *s, const char *cmd, char **args)
{
    uint64_t port;

    if (qtest_parse_port(s, args[0], &port)) {
        uint64_t val = qtest_load(address_space_io(), port, qtest_size_suffix(cmd));

        qtest_sendf(s, "OK 0x%04" PRIx64, val);
    }
}

static void qtest_cmd_write_n(QTestServer *s, const char *cmd, char **args)
{
    uint64_t addr, val;

    if (qtest_parse_u64(s, "address", args[0], &addr) &&
        qtest_parse_u64(s, "value", args[1], &val)) {
        unsigned size = qtest_size_suffix(cmd);

        qtest_store(address_space_memory(), addr, val & qtest_mask(size), size);
        qtest_sendf(s, "OK");
    }
}

static void qtest_cmd_read_n(QTestServer *s, const char *cmd, char **args)
{
    uint64_t addr;

    if (qtest_parse_u64(s, "address", args[0], &addr)) {
        uint64_t val = qtest_load(address_space_memory(), addr, qtest_size_suffix(cmd));

        qtest_sendf(s, "OK 0x%016" PRIx64, val);
    }
}

/* read ADDR LEN -> OK 0x<2*LEN hex digits> */
static void qtest_cmd_read(QTestServer *s, const char *cmd, char **args)
{
    uint64_t addr, len;
    g_autofree uint8_t *buf = NULL;
    g_autoptr(GString) hex = NULL;

    (void)cmd;
    if (!qtest_parse_range(s, args, &addr, &len)) {
        return;
    }
    buf = g_malloc(len ? len : 1);
    address_space_read(address_space_memory(), addr, MEMTXATTRS_UNSPECIFIED, buf, len);
    hex = g_string_sized_new(2 * len + 8);
    g_string_append(hex, "OK 0x");
    for (uint64_t i = 0; i < len; i++) {
        g_string_append_printf(hex, "%02x", buf[i]);
    }
    qtest_sendf(s, "%s", hex->str);
}

/* Decodes 0x-prefixed hex into buf[len]; shorter data is padded with zeros, as in QEMU. */
static bool qtest_parse_hex(QTestServer *s, const char *word, uint8_t *buf, uint64_t len)
{
    size_t digits;

    if (word[0] != '0' || (word[1] != 'x' && word[1] != 'X')) {
        qtest_fail(s, "data must start with 0x");
        return false;
    }
    word += 2;
    digits = strlen(word);
    if (digits % 2 || digits / 2 > len) {
        qtest_fail(s, "data has %zu hex digits for %" PRIu64 " bytes", digits, len);
        return false;
    }
    memset(buf, 0, len);
    for (size_t i = 0; i < digits / 2; i++) {
        int hi = g_ascii_xdigit_value(word[2 * i]), lo = g_ascii_xdigit_value(word[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            qtest_fail(s, "data is not hex at digit %zu", 2 * i);
            return false;
        }
        buf[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* write ADDR LEN 0xDATA */
static void qtest_cmd_write(QTestServer *s, const char *cmd, char **args)
{
    uint64_t addr, len;
    g_autofree uint8_t *buf = NULL;

    (void)cmd;
    if (!qtest_parse_range(s, args, &addr, &len)) {
        return;
    }
    buf = g_malloc(len ? len : 1);
    if (qtest_parse_hex(s, args[2], buf, len)) {
        address_space_write(address_space_memory(), addr, MEMTXATTRS_UNSPECIFIED, buf, len);
        qtest_sendf(s, "OK");
    }
}

/* memset ADDR LEN BYTE */
static void qtest_cmd_memset(QTestServer *s, const char *cmd, char **args)
{
    uint64_t addr, len, byte;
    g_autofree uint8_t *buf = NULL;

    (void)cmd;
    if (!qtest_parse_range(s, args, &addr, &len) || !qtest_parse_u64(s, "byte", args[2], &byte)) {
        return;
    }
    if (byte > 0xff) {
        qtest_fail(s, "pattern 0x%" PRIx64 " is not a byte", byte);
        return;
    }
    buf = g_malloc(len ? len : 1);
    memset(buf, (int)byte, len);
    address_space_write(address_space_memory(), addr, MEMTXATTRS_UNSPECIFIED, buf, len);
    qtest_sendf(s, "OK");
}

/* b64read ADDR LEN -> OK BASE64 */
static void qtest_cmd_b64read(QTestServer *s, const char *cmd, char **args)
{
    uint64_t addr, len;
    g_autofree uint8_t *buf = NULL;
    g_autofree char *b64 = NULL;

    (void)cmd;
    if (!qtest_parse_range(s, args, &addr, &len)) {
        return;
    }
    buf = g_malloc(len ? len : 1);
    address_space_read(address_space_memory(), addr, MEMTXATTRS_UNSPECIFIED, buf, len);
    b64 = g_base64_encode(buf, len);
    qtest_sendf(s, "OK %s", b64);
}

/* b64write ADDR LEN BASE64: fewer decoded bytes than LEN are padded with zeros. */
static void qtest_cmd_b64write(QTestServer *s, const char *cmd, char **args)
{
    uint64_t addr, len;
    gsize got = 0;
    g_autofree uint8_t *data = NULL;
    g_autofree uint8_t *buf = NULL;

    (void)cmd;
    if (!qtest_parse_range(s, args, &addr, &len)) {
        return;
    }
    data = g_base64_decode(args[2], &got);
    if (got > len) {
        qtest_fail(s, "data has %zu bytes for %" PRIu64, (size_t)got, len);
        return;
    }
    buf = g_malloc0(len ? len : 1);
    memcpy(buf, data, got);
    address_space_write(address_space_memory(), addr, MEMTXATTRS_UNSPECIFIED, buf, len);
    qtest_sendf(s, "OK");
}

/* --- the virtual clock ---------------------------------------------------------------- */

/* clock_step [NS]: without NS, to the next virtual timer's deadline (none: no move). */
static void qtest_cmd_clock_step(QTestServer *s, const char *cmd, char **args)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    uint64_t ns;

    (void)cmd;
    if (!args[0]) {
        int64_t deadline = qemu_clock_next_virtual_deadline();

        qtest_sendf(s, "OK %" PRId64, qemu_clock_set(deadline > now ? deadline : now));
        return;
    }
    if (!qtest_parse_u64(s, "nanoseconds", args[0], &ns)) {
        return;
    }
    if (ns > (uint64_t)(INT64_MAX - now)) {
        qtest_fail(s, "clock_step %" PRIu64 " overflows the clock", ns);
        return;
    }
    qtest_sendf(s, "OK %" PRId64, qemu_clock_step((int64_t)ns));
}

/* clock_set NS: the clock never goes backwards; an earlier NS leaves it where it is. */
static void qtest_cmd_clock_set(QTestServer *s, const char *cmd, char **args)
{
    uint64_t ns;

    (void)cmd;
    if (!qtest_parse_u64(s, "nanoseconds", args[0], &ns)) {
        return;
    }
    if (ns > INT64_MAX) {
        qtest_fail(s, "clock_set %" PRIu64 " beyond the clock's range", ns);
        return;
    }
    qtest_sendf(s, "OK %" PRId64, qemu_clock_set((int64_t)ns));
}

/* --- interrupts ------------------------------------------------------------------------ */

/* An intercepted GSI changed: tell the test on a level change, and feed the old handler. */
static void qtest_irq_handler(void *opaque, int n, int level)
{
    QTestServer *s = opaque;

    qemu_set_irq(s->old_gsi[n], level);
    if (s->irq_level[n] != !!level) {
        s->irq_level[n] = !!level;
        qtest_sendf(s, "IRQ %s %d", level ? "raise" : "lower", n);
    }
}

/* "ioapic" (also QEMU-style paths under /machine) or any device by id or type name. */
static bool qtest_irq_target_known(const char *path)
{
    return !strcmp(path, "ioapic") || !strcmp(path, "gsi") || g_str_has_prefix(path, "/machine") ||
           qdev_find_by_id(path) || qdev_find_by_name(path);
}

/* irq_intercept_in/out PATH: every device's line ends at a GSI, so both intercept the GSIs. */
static void qtest_cmd_irq_intercept(QTestServer *s, const char *cmd, char **args)
{
    PCMachineState *pcms = pc_machine_get();

    if (!qtest_irq_target_known(args[0])) {
        qtest_fail(s, "%s: no device or interrupt controller '%s'", cmd, args[0]);
        return;
    }
    if (!pcms || !pcms->gsi) {
        qtest_fail(s, "%s: the machine has no interrupt lines", cmd);
        return;
    }
    if (!s->gsi) {
        s->gsi = pcms->gsi;
        for (int i = 0; i < PC_NUM_GSI; i++) {
            s->old_gsi[i] = qemu_irq_intercept(s->gsi[i], qtest_irq_handler, s);
        }
    }
    qtest_sendf(s, "OK");
}

/* set_irq_in PATH NAME N LEVEL: drives GSI N as a device would (NAME is ignored). */
static void qtest_cmd_set_irq_in(QTestServer *s, const char *cmd, char **args)
{
    PCMachineState *pcms = pc_machine_get();
    uint64_t n, level;

    if (!qtest_irq_target_known(args[0])) {
        qtest_fail(s, "%s: no device or interrupt controller '%s'", cmd, args[0]);
        return;
    }
    if (!qtest_parse_u64(s, "line", args[2], &n) || !qtest_parse_u64(s, "level", args[3], &level)) {
        return;
    }
    if (!pcms || !pcms->gsi || n >= PC_NUM_GSI) {
        qtest_fail(s, "%s: no GSI %" PRIu64, cmd, n);
        return;
    }
    qemu_set_irq(pcms->gsi[n], level != 0);
    qtest_sendf(s, "OK");
}

/*
 * system_powerdown / system_reset (tern extensions: QEMU sends these over QMP): the
 * request is acted on by the main loop right after this command's reply.
 */
static void qtest_cmd_system(QTestServer *s, const char *cmd, char **args)
{
    (void)args;
    if (!strcmp(cmd, "system_powerdown")) {
        qemu_system_powerdown_request();
    } else {
        qemu_system_reset_request();
    }
    qtest_sendf(s, "OK");
}

static void qtest_cmd_endianness(QTestServer *s, const char *cmd, char **args)
{
    (void)cmd;
    (void)args;
    qtest_sendf(s, "OK little");
}

/* --- dispatch -------------------------------------------------------------------------- */

typedef void QTestHandler(QTestServer *s, const char *cmd, char **args);

typedef struct QTestCommand {
    const char *name;
    int min_args, max_args;
    QTestHandler *handler;
    const char *usage;
} QTestCommand;

static const QTestCommand qtest_commands[] = {
    {"outb", 2, 2, qtest_cmd_out, "outb PORT VALUE"},
    {"outw", 2, 2, qtest_cmd_out, "outw PORT VALUE"},
    {"outl", 2, 2, qtest_cmd_out, "outl PORT VALUE"},
    {"inb", 1, 1, qtest_cmd_in, "inb PORT"},
    {"inw", 1, 1, qtest_cmd_in, "inw PORT"},
    {"inl", 1, 1, qtest_cmd_in, "inl PORT"},
    {"writeb", 2, 2, qtest_cmd_write_n, "writeb ADDR VALUE"},
    {"writew", 2, 2, qtest_cmd_write_n, "writew ADDR VALUE"},
    {"writel", 2, 2, qtest_cmd_write_n, "writel ADDR VALUE"},
    {"writeq", 2, 2, qtest_cmd_write_n, "writeq ADDR VALUE"},
    {"readb", 1, 1, qtest_cmd_read_n, "readb ADDR"},
    {"readw", 1, 1, qtest_cmd_read_n, "readw ADDR"},
    {"readl", 1, 1, qtest_cmd_read_n, "readl ADDR"},
    {"readq", 1, 1, qtest_cmd_read_n, "readq ADDR"},
    {"read", 2, 2, qtest_cmd_read, "read ADDR LEN"},
    {"write", 3, 3, qtest_cmd_write, "write ADDR LEN 0xDATA"},
    {"memset", 3, 3, qtest_cmd_memset, "memset ADDR LEN BYTE"},
    {"b64read", 2, 2, qtest_cmd_b64read, "b64read ADDR LEN"},
    {"b64write", 3, 3, qtest_cmd_b64write, "b64write ADDR LEN BASE64"},
    {"clock_step", 0, 1, qtest_cmd_clock_step, "clock_step [NS]"},
    {"clock_set", 1, 1, qtest_cmd_clock_set, "clock_set NS"},
    {"irq_intercept_in", 1, 1, qtest_cmd_irq_intercept, "irq_intercept_in PATH"},
    {"irq_intercept_out", 1, 1, qtest_cmd_irq_intercept, "irq_intercept_out PATH"},
    {"set_irq_in", 4, 4, qtest_cmd_set_irq_in, "set_irq_in PATH NAME N LEVEL"},
    {"endianness", 0, 0, qtest_cmd_endianness, "endianness"},
    {"system_powerdown", 0, 0, qtest_cmd_system, "system_powerdown"},
    {"system_reset", 0, 0, qtest_cmd_system, "system_reset"},
};

/* Splits at runs of spaces or tabs; at most QTEST_MAX_WORDS + 1 words (to detect excess). */
static int qtest_split(char *line, char **words)
{
    int n = 0;
    char *save = NULL;

    for (char *w = strtok_r(line, " \t", &save); w && n <= QTEST_MAX_WORDS;
         w = strtok_r(NULL, " \t", &save)) {
        words[n++] = w;
    }
    words[n] = NULL;
    return n;
}

static void qtest_process_command(QTestServer *s, char *line)
{
    char *words[QTEST_MAX_WORDS + 2];
    int n;

    qtest_log_line(s, 'R', line);
    n = qtest_split(line, words);
    if (n == 0) {
        qtest_fail(s, "empty command");
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(qtest_commands); i++) {
        const QTestCommand *c = &qtest_commands[i];

        if (strcmp(words[0], c->name)) {
            continue;
        }
        if (n - 1 < c->min_args || n - 1 > c->max_args) {
            qtest_fail(s, "%s takes %d..%d arguments (usage: %s)", c->name, c->min_args,
                       c->max_args, c->usage);
            return;
        }
        c->handler(s, words[0], words + 1);
        return;
    }
    qtest_fail(s, "Unknown command '%s'", words[0]);
}

/* Ends the line in inbuf (or the overlong one being discarded). */
static void qtest_end_line(QTestServer *s)
{
    if (s->discarding) {
        s->discarding = false;
        qtest_fail(s, "line longer than %llu bytes", QTEST_MAX_LINE);
        return;
    }
    if (s->inbuf->len && s->inbuf->str[s->inbuf->len - 1] == '\r') {
        g_string_truncate(s->inbuf, s->inbuf->len - 1);
    }
    qtest_process_command(s, s->inbuf->str);
    g_string_truncate(s->inbuf, 0);
}

/* Input bytes: each complete line is a command; an overlong line gets one FAIL. */
static void qtest_receive(QTestServer *s, const uint8_t *buf, size_t len)
{
    while (len) {
        const uint8_t *nl = memchr(buf, '\n', len);
        size_t chunk = nl ? (size_t)(nl - buf) : len;

        if (!s->discarding) {
            g_string_append_len(s->inbuf, (const char *)buf, chunk);
            if (s->inbuf->len > QTEST_MAX_LINE) {
                g_string_truncate(s->inbuf, 0);
                s->discarding = true;
            }
        }
        if (nl) {
            qtest_end_line(s);
            chunk++;
        }
        buf += chunk;
        len -= chunk;
    }
}

/* --- chardev and stdio front ends --------------------------------------------------------- */

static int qtest_can_read(void *opaque)
{
    (void)opaque;
    return QTEST_READ_CHUNK;
}

static void qtest_chr_read(void *opaque, const uint8_t *buf, int size)
{
    qtest_receive(opaque, buf, (size_t)size);
}

/* The test disconnected: tern's work is done (QEMU exits the same way). */
static void qtest_chr_event(void *opaque, QEMUChrEvent event)
{
    QTestServer *s = opaque;

    if (event == CHR_EVENT_OPENED) {
        qtest_log_line(s, 'E', "connected");
    } else if (event == CHR_EVENT_CLOSED) {
        qtest_log_line(s, 'E', "disconnected");
        qemu_system_shutdown_request(0);
    }
}

static void qtest_stdio_read(void *opaque)
{
    QTestServer *s = opaque;
    uint8_t buf[QTEST_READ_CHUNK];
    ssize_t n = read(QTEST_STDIN_FD, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return;
    }
    if (n <= 0) {
        qemu_set_fd_handler(QTEST_STDIN_FD, NULL, NULL, NULL);
        qtest_log_line(s, 'E', "end of input");
        qemu_system_shutdown_request(0);
        return;
    }
    qtest_receive(s, buf, (size_t)n);
}

static bool qtest_open_transport(QTestServer *s, const char *spec, GError **errp)
{
    Chardev *chr;

    if (!strcmp(spec, "stdio")) {
        s->use_stdio = true;
        qemu_set_fd_handler(QTEST_STDIN_FD, qtest_stdio_read, NULL, s);
        return true;
    }
    chr = qemu_chr_new(QTEST_LABEL, spec, errp);
    if (!chr) {
        g_prefix_error(errp, "-qtest %s: ", spec);
        return false;
    }
    if (!qemu_chr_fe_init(&s->be, chr, errp)) {
        qemu_chr_delete(chr);
        return false;
    }
    qemu_chr_fe_set_handlers(&s->be, qtest_can_read, qtest_chr_read, qtest_chr_event, s);
    return true;
}

static bool qtest_open_log(QTestServer *s, GError **errp)
{
    if (!qtest_log) {
        return true;
    }
    s->log = fopen(qtest_log, "a");
    if (!s->log) {
        g_set_error(errp, TERN_ERROR, 0, "-qtest-log %s: %s", qtest_log, g_strerror(errno));
        return false;
    }
    s->log_start_ns = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    return true;
}

/* --- the accelerator ------------------------------------------------------------------------ */

static bool qtest_init_machine(MachineState *ms, GError **errp)
{
    QTestServer *s = &qtest_server;

    (void)ms;
    if (!qtest_chrdev) {
        g_set_error(errp, TERN_ERROR, 0,
                    "-accel qtest needs -qtest unix:PATH, -qtest tcp:HOST:PORT or -qtest stdio");
        return false;
    }
    qemu_clock_set_manual(true);
    s->inbuf = g_string_new(NULL);
    if (!qtest_open_log(s, errp) || !qtest_open_transport(s, qtest_chrdev, errp)) {
        return false;
    }
    qtest_active = true;
    return true;
}

/* No vCPU runs: the CPU exists (its state for loaders and the monitor) without a thread. */
static bool qtest_create_vcpu_thread(CPUState *cpu, GError **errp)
{
    (void)cpu;
    (void)errp;
    return true;
}

static const AccelOps qtest_accel_ops = {
    .name = "qtest",
    .init_machine = qtest_init_machine,
    .create_vcpu_thread = qtest_create_vcpu_thread,
};

static void __attribute__((constructor)) qtest_accel_register(void)
{
    accel_register(&qtest_accel_ops);
}
