/*
 * hmp-expr.c: the monitor's address expressions, as QEMU's HMP reads them:
 * numbers (0x hex, 0 octal, decimal), $registers of the current vCPU ($pc,
 * $rip, $eax, $rsp, $cr3, $cs ...: segment names give the base, as QEMU's do),
 * unary - and ~, * / %, + -, &, |, and parentheses.
 */
#include "qemu/osdep.h"
#include "monitor-internal.h"

typedef enum { MREG_GPR, MREG_GPR32, MREG_RIP, MREG_RFLAGS, MREG_CR, MREG_SEG, MREG_EFER } RegKind;

typedef struct MonReg {
    const char *name;
    RegKind kind;
    int index;
} MonReg;

static const MonReg mon_regs[] = {
    {"rax", MREG_GPR, R_EAX},   {"rcx", MREG_GPR, R_ECX},   {"rdx", MREG_GPR, R_EDX},
    {"rbx", MREG_GPR, R_EBX},   {"rsp", MREG_GPR, R_ESP},   {"rbp", MREG_GPR, R_EBP},
    {"rsi", MREG_GPR, R_ESI},   {"rdi", MREG_GPR, R_EDI},   {"r8", MREG_GPR, R_R8},
    {"r9", MREG_GPR, R_R9},     {"r10", MREG_GPR, R_R10},   {"r11", MREG_GPR, R_R11},
    {"r12", MREG_GPR, R_R12},   {"r13", MREG_GPR, R_R13},   {"r14", MREG_GPR, R_R14},
    {"r15", MREG_GPR, R_R15},   {"eax", MREG_GPR32, R_EAX}, {"ecx", MREG_GPR32, R_ECX},
    {"edx", MREG_GPR32, R_EDX}, {"ebx", MREG_GPR32, R_EBX}, {"esp", MREG_GPR32, R_ESP},
    {"ebp", MREG_GPR32, R_EBP}, {"esi", MREG_GPR32, R_ESI}, {"edi", MREG_GPR32, R_EDI},
    {"sp", MREG_GPR, R_ESP},    {"pc", MREG_RIP, 0},        {"rip", MREG_RIP, 0},
    {"eip", MREG_RIP, 0},       {"rflags", MREG_RFLAGS, 0}, {"eflags", MREG_RFLAGS, 0},
    {"cr0", MREG_CR, 0},        {"cr2", MREG_CR, 2},        {"cr3", MREG_CR, 3},
    {"cr4", MREG_CR, 4},        {"es", MREG_SEG, R_ES},     {"cs", MREG_SEG, R_CS},
    {"ss", MREG_SEG, R_SS},     {"ds", MREG_SEG, R_DS},     {"fs", MREG_SEG, R_FS},
    {"gs", MREG_SEG, R_GS},     {"efer", MREG_EFER, 0},
};

typedef struct ExprParser {
    Monitor *mon;
    const char *p;
    const char *error; /* first error, printed by hmp_eval */
    char error_buf[80];
} ExprParser;

static uint64_t parse_or(ExprParser *e);

static void skip_ws(ExprParser *e)
{
    while (g_ascii_isspace(*e->p)) {
        e->p++;
    }
}

static void set_error(ExprParser *e, const char *msg)
{
    if (!e->error) {
        e->error = msg;
    }
}

static uint64_t reg_value(const CPUX86State *env, const MonReg *r)
{
    switch (r->kind) {
    case MREG_GPR:
        return env->regs[r->index];
    case MREG_GPR32:
        return (uint32_t)env->regs[r->index];
    case MREG_RIP:
        /* $pc is the linear address of the next instruction, as in QEMU */
        return env->segs[R_CS].base + env->rip;
    case MREG_RFLAGS:
        return env->rflags;
    case MREG_CR:
        return env->cr[r->index];
    case MREG_SEG:
        return env->segs[r->index].base;
    case MREG_EFER:
        return env->efer;
    }
    return 0;
}

static uint64_t parse_register(ExprParser *e)
{
    const char *start = ++e->p;
    g_autofree char *name = NULL;
    CPUX86State *env;

    while (g_ascii_isalnum(*e->p)) {
        e->p++;
    }
    name = g_ascii_strdown(start, e->p - start);
    for (size_t i = 0; i < ARRAY_SIZE(mon_regs); i++) {
        if (!strcmp(mon_regs[i].name, name)) {
            env = monitor_sync_env(e->mon);
            if (!env) {
                set_error(e, "no vCPU to read registers from");
                return 0;
            }
            return reg_value(env, &mon_regs[i]);
        }
    }
    g_snprintf(e->error_buf, sizeof(e->error_buf), "unknown register '$%s'", name);
    set_error(e, e->error_buf);
    return 0;
}

static uint64_t parse_number(ExprParser *e)
{
    char *end;
    uint64_t v;

    errno = 0;
    v = g_ascii_strtoull(e->p, &end, 0);
    if (end == e->p || errno || g_ascii_isalnum(*end)) {
        set_error(e, "invalid number");
        e->p = end == e->p ? e->p + 1 : end;
        return 0;
    }
    e->p = end;
    return v;
}

static uint64_t parse_primary(ExprParser *e)
{
    uint64_t v;

    skip_ws(e);
    if (*e->p == '(') {
        e->p++;
        v = parse_or(e);
        skip_ws(e);
        if (*e->p != ')') {
            set_error(e, "')' expected");
        } else {
            e->p++;
        }
        return v;
    }
    if (*e->p == '$') {
        return parse_register(e);
    }
    if (g_ascii_isdigit(*e->p)) {
        return parse_number(e);
    }
    set_error(e, *e->p ? "unexpected character" : "expression expected");
    return 0;
}

static uint64_t parse_unary(ExprParser *e)
{
    skip_ws(e);
    if (*e->p == '-') {
        e->p++;
        return -parse_unary(e);
    }
    if (*e->p == '~') {
        e->p++;
        return ~parse_unary(e);
    }
    if (*e->p == '+') {
        e->p++;
        return parse_unary(e);
    }
    return parse_primary(e);
}

static uint64_t parse_product(ExprParser *e)
{
    uint64_t v = parse_unary(e);

    for (;;) {
        char op;
        uint64_t r;

        skip_ws(e);
        op = *e->p;
        if (op != '*' && op != '/' && op != '%') {
            return v;
        }
        e->p++;
        r = parse_unary(e);
        if (op != '*' && r == 0) {
            set_error(e, "division by zero");
            return 0;
        }
        v = op == '*' ? v * r : op == '/' ? v / r : v % r;
    }
}

static uint64_t parse_sum(ExprParser *e)
{
    uint64_t v = parse_product(e);

    for (;;) {
        skip_ws(e);
        if (*e->p == '+') {
            e->p++;
            v += parse_product(e);
        } else if (*e->p == '-') {
            e->p++;
            v -= parse_product(e);
        } else {
            return v;
        }
    }
}

static uint64_t parse_and(ExprParser *e)
{
    uint64_t v = parse_sum(e);

    for (skip_ws(e); *e->p == '&'; skip_ws(e)) {
        e->p++;
        v &= parse_sum(e);
    }
    return v;
}

static uint64_t parse_or(ExprParser *e)
{
    uint64_t v = parse_and(e);

    for (skip_ws(e); *e->p == '|'; skip_ws(e)) {
        e->p++;
        v |= parse_and(e);
    }
    return v;
}

bool hmp_eval(Monitor *mon, const char *expr, uint64_t *val)
{
    ExprParser e = {.mon = mon, .p = expr};

    *val = parse_or(&e);
    skip_ws(&e);
    if (!e.error && *e.p) {
        set_error(&e, "junk at the end of the expression");
    }
    if (e.error) {
        monitor_error(mon, "%s in '%s'", e.error, expr);
        return false;
    }
    return true;
}
