/*
 * readline.c: the monitor's line editor (see include/monitor/readline.h).
 *
 * Follows the VT100/ECMA-48 control sequences terminals send for the editing
 * keys (CSI A/B/C/D, CSI H/F, CSI n ~, SS3 H/F) and redraws with CR, CSI K
 * (erase to end of line) and CSI n D (cursor back). Left out: completion,
 * reverse search, multi-byte characters (bytes are inserted as they come).
 */
#include "qemu/osdep.h"
#include "monitor/readline.h"

#define KEY_CTRL(c)   ((c)&0x1f)
#define KEY_ESC       0x1b
#define KEY_DEL       0x7f
#define KEY_BS        0x08
#define KEY_CR        '\r'
#define KEY_LF        '\n'
#define ESC_PARAM_MAX 1000 /* CSI numbers beyond this are junk */

void readline_init(ReadLineState *rs, const char *prompt, ReadLinePrintFunc *print,
                   ReadLineFunc *handler, void *opaque)
{
    memset(rs, 0, sizeof(*rs));
    rs->prompt = prompt;
    rs->print = print;
    rs->handler = handler;
    rs->opaque = opaque;
}

void readline_destroy(ReadLineState *rs)
{
    for (int i = 0; i < rs->hist_count; i++) {
        g_free(rs->history[i]);
    }
    g_free(rs->hist_saved);
    memset(rs, 0, sizeof(*rs));
}

const char *readline_get_history(const ReadLineState *rs, int i)
{
    return i >= 0 && i < rs->hist_count ? rs->history[i] : NULL;
}

/* Whole line again, then the cursor back to pos: correct whatever changed. */
static void redraw(ReadLineState *rs)
{
    g_autoptr(GString) s = g_string_new("\r");

    g_string_append(s, rs->prompt);
    g_string_append_len(s, rs->buf, rs->len);
    g_string_append(s, "\033[K");
    if (rs->pos < rs->len) {
        g_string_append_printf(s, "\033[%zuD", rs->len - rs->pos);
    }
    rs->print(rs->opaque, s->str);
}

void readline_show_prompt(ReadLineState *rs)
{
    redraw(rs);
}

static void set_text(ReadLineState *rs, const char *text)
{
    size_t n = MIN(strlen(text), sizeof(rs->buf) - 1);

    memcpy(rs->buf, text, n);
    rs->len = rs->pos = n;
}

static void insert_char(ReadLineState *rs, char c)
{
    if (rs->len >= sizeof(rs->buf) - 1) {
        return; /* full: drop, as a terminal line discipline would */
    }
    memmove(rs->buf + rs->pos + 1, rs->buf + rs->pos, rs->len - rs->pos);
    rs->buf[rs->pos++] = c;
    rs->len++;
}

static void delete_at(ReadLineState *rs, size_t at)
{
    if (at >= rs->len) {
        return;
    }
    memmove(rs->buf + at, rs->buf + at + 1, rs->len - at - 1);
    rs->len--;
}

static void backspace(ReadLineState *rs)
{
    if (rs->pos > 0) {
        rs->pos--;
        delete_at(rs, rs->pos);
    }
}

static void kill_to_start(ReadLineState *rs)
{
    memmove(rs->buf, rs->buf + rs->pos, rs->len - rs->pos);
    rs->len -= rs->pos;
    rs->pos = 0;
}

static void history_add(ReadLineState *rs, const char *line)
{
    if (!line[0] || (rs->hist_count && !strcmp(rs->history[rs->hist_count - 1], line))) {
        return; /* blank lines and repeats are not worth a slot */
    }
    if (rs->hist_count == READLINE_MAX_HISTORY) {
        g_free(rs->history[0]);
        memmove(rs->history, rs->history + 1, sizeof(rs->history[0]) * (READLINE_MAX_HISTORY - 1));
        rs->hist_count--;
    }
    rs->history[rs->hist_count++] = g_strdup(line);
}

/* Up (dir -1) or down (+1) through the history; the new line is kept aside. */
static void history_move(ReadLineState *rs, int dir)
{
    int to = rs->hist_pos + dir;

    if (to < 0 || to > rs->hist_count) {
        return;
    }
    if (rs->hist_pos == rs->hist_count) {
        g_free(rs->hist_saved);
        rs->hist_saved = g_strndup(rs->buf, rs->len);
    }
    rs->hist_pos = to;
    set_text(rs, to == rs->hist_count ? (rs->hist_saved ? rs->hist_saved : "") : rs->history[to]);
}

static void enter(ReadLineState *rs)
{
    g_autofree char *line = g_strndup(rs->buf, rs->len);

    rs->print(rs->opaque, "\r\n");
    history_add(rs, line);
    rs->len = rs->pos = 0;
    rs->hist_pos = rs->hist_count;
    g_clear_pointer(&rs->hist_saved, g_free);
    rs->handler(rs->opaque, line);
}

/* Final byte of CSI n X / SS3 X. */
static void handle_key_seq(ReadLineState *rs, uint8_t final, int param)
{
    switch (final) {
    case 'A':
        history_move(rs, -1);
        break;
    case 'B':
        history_move(rs, 1);
        break;
    case 'C':
        rs->pos += rs->pos < rs->len;
        break;
    case 'D':
        rs->pos -= rs->pos > 0;
        break;
    case 'H':
        rs->pos = 0;
        break;
    case 'F':
        rs->pos = rs->len;
        break;
    case '~':
        if (param == 1 || param == 7) {
            rs->pos = 0; /* Home */
        } else if (param == 4 || param == 8) {
            rs->pos = rs->len; /* End */
        } else if (param == 3) {
            delete_at(rs, rs->pos); /* Delete */
        }
        break;
    default:
        return;
    }
    redraw(rs);
}

/* Returns true when the byte was part of an escape sequence. */
static bool handle_escape(ReadLineState *rs, uint8_t ch)
{
    switch (rs->esc_state) {
    case RL_NORM:
        return false;
    case RL_ESC:
        rs->esc_state = ch == '[' ? RL_CSI : ch == 'O' ? RL_SS3 : RL_NORM;
        rs->esc_param = 0;
        return true;
    case RL_CSI:
        if (ch >= '0' && ch <= '9') {
            rs->esc_param = MIN(rs->esc_param * 10 + (ch - '0'), ESC_PARAM_MAX);
            return true;
        }
        if (ch == ';') {
            return true; /* modifiers (CSI 1;5C) are ignored: the key still counts */
        }
        break;
    case RL_SS3:
        break;
    }
    rs->esc_state = RL_NORM;
    handle_key_seq(rs, ch, rs->esc_param);
    return true;
}

static void handle_control(ReadLineState *rs, uint8_t ch)
{
    switch (ch) {
    case KEY_ESC:
        rs->esc_state = RL_ESC;
        return;
    case KEY_DEL:
    case KEY_BS:
        backspace(rs);
        break;
    case KEY_CTRL('B'):
        rs->pos -= rs->pos > 0;
        break;
    case KEY_CTRL('F'):
        rs->pos += rs->pos < rs->len;
        break;
    case KEY_CTRL('E'):
        rs->pos = rs->len;
        break;
    case KEY_CTRL('D'):
        delete_at(rs, rs->pos);
        break;
    case KEY_CTRL('K'):
        rs->len = rs->pos;
        break;
    case KEY_CTRL('U'):
        kill_to_start(rs);
        break;
    case KEY_CTRL('P'):
        history_move(rs, -1);
        break;
    case KEY_CTRL('N'):
        history_move(rs, 1);
        break;
    default:
        return; /* other control bytes are ignored */
    }
    redraw(rs);
}

void readline_handle_byte(ReadLineState *rs, uint8_t ch)
{
    bool was_cr = rs->last_was_cr;

    rs->last_was_cr = ch == KEY_CR;
    if (handle_escape(rs, ch)) {
        return;
    }
    if (ch == KEY_CR || ch == KEY_LF) {
        if (ch == KEY_LF && was_cr) {
            return;
        }
        enter(rs);
        return;
    }
    if (ch < ' ' || ch == KEY_DEL) { /* C0 controls and DEL */
        handle_control(rs, ch);
        return;
    }
    insert_char(rs, (char)ch);
    if (rs->pos == rs->len) {
        char echo[2] = {(char)ch, 0};

        rs->print(rs->opaque, echo); /* typing at the end: no need to redraw */
    } else {
        redraw(rs);
    }
}
