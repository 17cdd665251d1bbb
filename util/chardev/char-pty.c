/*
 * char-pty.c: the "pty" backend (QEMU's chardev "pty"; pty(7), openpty(3)): a new
 * pseudo-terminal whose other end a user opens with screen, minicom or socat.
 *
 * tern keeps its own handle on the terminal end, in raw mode, so that nobody having it
 * open is not an end of input: bytes written meanwhile wait in the terminal's buffer
 * and then in ours (CHR_OUT_BUF_MAX), beyond which they are dropped. Left out: QEMU's
 * connected/disconnected tracking (CHR_EVENT_OPENED is sent once, at creation).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "char-internal.h"
#include <pty.h>
#include <termios.h>

typedef struct PtyChardev {
    Chardev parent;
    int slave_fd;
    char *path;
} PtyChardev;

static bool pty_open(Chardev *chr, const ChardevSpec *spec, GError **errp)
{
    PtyChardev *p = container_of(chr, PtyChardev, parent);
    char name[64];
    struct termios t;
    int master;

    p->slave_fd = -1;
    if (openpty(&master, &p->slave_fd, name, NULL, NULL)) {
        g_set_error(errp, TERN_ERROR, 0, "chardev '%s': openpty: %s", chr->label,
                    g_strerror(errno));
        return false;
    }
    if (!tcgetattr(p->slave_fd, &t)) {
        cfmakeraw(&t); /* the guest's bytes pass unchanged */
        tcsetattr(p->slave_fd, TCSANOW, &t);
    }
    qemu_chr_set_nonblock(master);
    p->path = g_strdup(name);
    chr->in_fd = chr->out_fd = master;
    chr->own_fds = true;
    chr->out_nonblock = true;
    chr->be_open = true;
    info_report("chardev '%s': char device redirected to %s", chr->label, name);
    return true;
}

static void pty_close(Chardev *chr)
{
    PtyChardev *p = container_of(chr, PtyChardev, parent);

    if (p->slave_fd >= 0) {
        close(p->slave_fd);
    }
    g_free(p->path);
}

static char *pty_describe(Chardev *chr)
{
    return g_strdup_printf("pty:%s", container_of(chr, PtyChardev, parent)->path);
}

const ChardevClass char_pty_class = {
    .name = "pty",
    .instance_size = sizeof(PtyChardev),
    .open = pty_open,
    .close = pty_close,
    .describe = pty_describe,
};
