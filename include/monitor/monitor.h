/*
 * monitor.h: the human monitor (HMP) on a character backend.
 *
 * Follows QEMU's HMP: a "(tern) " prompt with line editing and history on a
 * chardev (-monitor SPEC, or a second front end of the mon:stdio mux under
 * -nographic, reached with Ctrl-A c), commands spelled as QEMU's. A monitor
 * can also write into a buffer instead of a chardev (tests, and QMP's
 * human-monitor-command later). Commands' logic lives apart from their text
 * (include/monitor/xlate.h, memlog.h); this is the text side. See docs/monitor.md.
 */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include "qemu/osdep.h"
#include "chardev/char.h"

typedef struct Monitor Monitor;
typedef struct CPUState CPUState;

#define MONITOR_PROMPT "(tern) "

/*
 * Attaches an HMP monitor to chr as a front end (a mux takes it as one more;
 * the focus stays where it is). NULL with *errp when chr refuses it.
 */
Monitor *monitor_init_hmp(Chardev *chr, GError **errp);
/*
 * -monitor SPEC: creates the chardev "compat_monitor0" from a -serial style
 * spec (stdio, unix:PATH,server=on,wait=off, tcp:HOST:PORT,server=on,...) and
 * attaches a monitor; "none" does nothing. False with *errp naming the problem.
 */
bool monitor_init_spec(const char *spec, GError **errp);
/* A monitor with no chardev: output accumulates in monitor_buffer(). */
Monitor *monitor_new_buffer(void);
/* The output a buffer monitor has collected (NULL for a chardev monitor). */
GString *monitor_buffer(Monitor *mon);
/* Detaches and frees a monitor. */
void monitor_destroy(Monitor *mon);
/* Detaches and frees every monitor (at exit). */
void monitor_cleanup(void);

/* Output; "\n" becomes "\r\n" on a chardev (a raw terminal). */
void monitor_printf(Monitor *mon, const char *fmt, ...) QEMU_PRINTF(2, 3);
void monitor_puts(Monitor *mon, const char *s);

/*
 * Runs one command line (BQL held). A wrong command or argument prints one
 * line starting "Error: " or naming the command; false then.
 */
bool hmp_handle_command(Monitor *mon, const char *cmdline);
/* Feeds raw input bytes to the monitor's line editor, as the chardev does. */
void monitor_feed_input(Monitor *mon, const uint8_t *buf, int size);

/* The vCPU commands act on ('cpu N' changes it); NULL when there are none. */
CPUState *monitor_get_cpu(Monitor *mon);
bool monitor_set_cpu(Monitor *mon, int index);

#endif
