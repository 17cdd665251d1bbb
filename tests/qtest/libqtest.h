/*
 * libqtest.h: the C client of tern's qtest protocol (docs/qtest.md), with the
 * API names of QEMU's libqtest so device tests read alike.
 *
 * qtest_init() starts $TERN_BINARY (default build/tern) with "-M pc -accel qtest
 * -qtest unix:PATH -display none" plus the test's arguments; tern connects to a
 * socket the test listens on. Every command waits for its reply; "IRQ raise/lower
 * N" lines in between are recorded for qtest_get_irq(). The child is always
 * reaped: qtest_quit() (or qtest_wait_exit()), an atexit hook, a SIGABRT hook for
 * failed assertions, and PR_SET_PDEATHSIG if the test process dies.
 */
#ifndef LIBQTEST_H
#define LIBQTEST_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct QTestState QTestState;

/* The PC machine's GSIs that qtest_get_irq() can report. */
#define QTEST_MAX_IRQ 24

/* Starts tern with extra_args (split like a shell would; may be NULL); fails the test
 * if tern does not come up. */
QTestState *qtest_init(const char *extra_args);
/* Like qtest_init, but NULL if tern exits before connecting; *exit_status (if not
 * NULL) is then its exit status, see qtest_quit. */
QTestState *qtest_try_init(const char *extra_args, int *exit_status);
/* Disconnects (tern then exits), waits for tern (SIGKILL after QTEST_QUIT_TIMEOUT_S)
 * and frees s. Returns the exit status, or -SIGNAL if a signal ended tern. */
int qtest_quit(QTestState *s);
/* Waits for tern to exit on its own (debug exit, S5, -no-reboot reset), then frees s
 * like qtest_quit. Returns the exit status, or -SIGNAL. */
int qtest_wait_exit(QTestState *s);
/* The process id of tern. */
int qtest_pid(QTestState *s);

/* Sends one raw command line (no newline) and returns the reply line (g_free it);
 * NULL if tern went away. For protocol tests. */
char *qtest_raw_command(QTestState *s, const char *line);
/* Sends raw bytes as they are (a half line, several lines); no reply is read. */
void qtest_raw_send(QTestState *s, const char *bytes);
/* Reads the next reply line (g_free it), NULL if tern went away. */
char *qtest_raw_reply(QTestState *s);

/* --- port I/O --------------------------------------------------------------------- */
void qtest_outb(QTestState *s, uint16_t port, uint8_t val);
void qtest_outw(QTestState *s, uint16_t port, uint16_t val);
void qtest_outl(QTestState *s, uint16_t port, uint32_t val);
uint8_t qtest_inb(QTestState *s, uint16_t port);
uint16_t qtest_inw(QTestState *s, uint16_t port);
uint32_t qtest_inl(QTestState *s, uint16_t port);

/* --- guest physical memory ---------------------------------------------------------- */
void qtest_writeb(QTestState *s, uint64_t addr, uint8_t val);
void qtest_writew(QTestState *s, uint64_t addr, uint16_t val);
void qtest_writel(QTestState *s, uint64_t addr, uint32_t val);
void qtest_writeq(QTestState *s, uint64_t addr, uint64_t val);
uint8_t qtest_readb(QTestState *s, uint64_t addr);
uint16_t qtest_readw(QTestState *s, uint64_t addr);
uint32_t qtest_readl(QTestState *s, uint64_t addr);
uint64_t qtest_readq(QTestState *s, uint64_t addr);
void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size);
void qtest_memwrite(QTestState *s, uint64_t addr, const void *data, size_t size);
void qtest_memset(QTestState *s, uint64_t addr, uint8_t pattern, size_t size);

/* --- the virtual clock (ns); each returns the clock's new value --------------------- */
int64_t qtest_clock_step(QTestState *s, int64_t step);
/* Steps to the next virtual timer's deadline (no timer: stays). */
int64_t qtest_clock_step_next(QTestState *s);
int64_t qtest_clock_set(QTestState *s, int64_t val);

/* --- interrupts ----------------------------------------------------------------------- */
/* Intercepts the machine's GSIs ("ioapic" or a device id or type name). */
void qtest_irq_intercept_in(QTestState *s, const char *path);
void qtest_irq_intercept_out(QTestState *s, const char *path);
/* The level of GSI n as last reported (after a round trip, so asynchronous changes
 * that happened before the call are seen). */
bool qtest_get_irq(QTestState *s, int n);

/* --- machine requests (tern extensions; QEMU uses QMP for these) ---------------------- */
/* Presses the ACPI power button. */
void qtest_system_powerdown(QTestState *s);
/* Resets the machine (or ends tern with status 0 under -no-reboot). */
void qtest_system_reset(QTestState *s);

/* --- PCI configuration mechanism #1 (0xCF8/0xCFC), bus 0 ------------------------------- */
#define QPCI_DEVFN(slot, fn) (((slot) << 3) | (fn))

uint8_t qpci_config_readb(QTestState *s, int devfn, uint8_t offset);
uint16_t qpci_config_readw(QTestState *s, int devfn, uint8_t offset);
uint32_t qpci_config_readl(QTestState *s, int devfn, uint8_t offset);
void qpci_config_writeb(QTestState *s, int devfn, uint8_t offset, uint8_t val);
void qpci_config_writew(QTestState *s, int devfn, uint8_t offset, uint16_t val);
void qpci_config_writel(QTestState *s, int devfn, uint8_t offset, uint32_t val);
/* The devfn of the first device with these IDs, -1 if none. */
int qpci_find_device(QTestState *s, uint16_t vendor_id, uint16_t device_id);
/* Sizes BAR bar (0..5) by writing all ones and restoring it; 0 if there is none.
 * *is_io (may be NULL) tells an I/O BAR. A 64-bit BAR is sized with its upper half. */
uint64_t qpci_bar_size(QTestState *s, int devfn, int bar, bool *is_io);
/* Places BAR bar at addr and enables I/O or memory decoding in the command register. */
void qpci_map_bar(QTestState *s, int devfn, int bar, uint64_t addr);

/* --- helpers for tests with a chardev of their own ------------------------------------ */
/* A listening unix socket at a fresh temporary path (for -serial unix:PATH, where tern
 * connects); *path is g_strdup'd and its directory removed by qtest_unix_cleanup(). */
int qtest_unix_listen(char **path);
void qtest_unix_cleanup(int listen_fd, char *path);
/* Accepts one connection (failing the test after QTEST_IO_TIMEOUT_S). */
int qtest_unix_accept(int listen_fd);
/* Reads exactly len bytes from fd, failing the test after QTEST_IO_TIMEOUT_S. */
void qtest_read_exact(int fd, void *buf, size_t len);
/* Writes all of buf to fd. */
void qtest_write_all(int fd, const void *buf, size_t len);

/* The path of the tern binary: $TERN_BINARY or build/tern. */
const char *qtest_binary(void);

#endif
