/*
 * char-fd.c: the simple fd backends: null, file:PATH and pipe:PATH (QEMU's chardev
 * "null", "file" and "pipe" backends).
 *
 * file: output only, created or truncated (append=on appends); input is never read.
 * pipe: PATH.in (read) and PATH.out (written) if both exist, else PATH both ways. The
 * FIFOs are opened read-write so that opening never blocks, a writer going away is not
 * an end of input, and writing with no reader neither blocks nor raises SIGPIPE (output
 * is buffered up to CHR_OUT_BUF_MAX and then dropped). Left out: file input (in=).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "char-internal.h"
#include <fcntl.h>

typedef struct PathChardev {
    Chardev parent;
    char *path;
} PathChardev;

static bool null_open(Chardev *chr, const ChardevSpec *spec, GError **errp)
{
    chr->be_open = true; /* always "connected"; writes vanish, nothing is ever read */
    return true;
}

const ChardevClass char_null_class = {
    .name = "null",
    .instance_size = sizeof(Chardev),
    .open = null_open,
};

static bool file_open(Chardev *chr, const ChardevSpec *spec, GError **errp)
{
    PathChardev *p = container_of(chr, PathChardev, parent);
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (spec->append ? O_APPEND : O_TRUNC);
    int fd = open(spec->path, flags, 0666);

    if (fd < 0) {
        g_set_error(errp, TERN_ERROR, 0, "chardev '%s': file %s: %s", chr->label, spec->path,
                    g_strerror(errno));
        return false;
    }
    p->path = g_strdup(spec->path);
    chr->out_fd = fd;
    chr->own_fds = true;
    chr->be_open = true;
    return true;
}

static void path_close(Chardev *chr)
{
    g_free(container_of(chr, PathChardev, parent)->path);
}

static char *file_describe(Chardev *chr)
{
    return g_strdup_printf("file:%s", container_of(chr, PathChardev, parent)->path);
}

const ChardevClass char_file_class = {
    .name = "file",
    .instance_size = sizeof(PathChardev),
    .open = file_open,
    .close = path_close,
    .describe = file_describe,
};

static int open_fifo(const char *path)
{
    return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

static bool pipe_open(Chardev *chr, const ChardevSpec *spec, GError **errp)
{
    PathChardev *p = container_of(chr, PathChardev, parent);
    g_autofree char *in_path = g_strdup_printf("%s.in", spec->path);
    g_autofree char *out_path = g_strdup_printf("%s.out", spec->path);
    int in_fd = open_fifo(in_path);
    int out_fd = open_fifo(out_path);

    if (in_fd < 0 || out_fd < 0) {
        const char *missing = in_fd < 0 ? in_path : out_path;
        int err = errno;

        if (in_fd >= 0) {
            close(in_fd);
        }
        if (out_fd >= 0) {
            close(out_fd);
        }
        if (in_fd >= 0 || out_fd >= 0) {
            g_set_error(errp, TERN_ERROR, 0, "chardev '%s': pipe %s: %s", chr->label, missing,
                        g_strerror(err));
            return false;
        }
        in_fd = out_fd = open_fifo(spec->path); /* one FIFO both ways */
        if (in_fd < 0) {
            g_set_error(errp, TERN_ERROR, 0,
                        "chardev '%s': pipe %s: %s (nor %s.in and %s.out found)", chr->label,
                        spec->path, g_strerror(errno), spec->path, spec->path);
            return false;
        }
    }
    p->path = g_strdup(spec->path);
    chr->in_fd = in_fd;
    chr->out_fd = out_fd;
    chr->own_fds = true;
    chr->out_nonblock = true;
    chr->be_open = true;
    return true;
}

static char *pipe_describe(Chardev *chr)
{
    return g_strdup_printf("pipe:%s", container_of(chr, PathChardev, parent)->path);
}

const ChardevClass char_pipe_class = {
    .name = "pipe",
    .instance_size = sizeof(PathChardev),
    .open = pipe_open,
    .close = path_close,
    .describe = pipe_describe,
};
