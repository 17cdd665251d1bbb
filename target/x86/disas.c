/*
 * disas.c: -d in_asm for the interpreter, printed with Capstone.
 *
 * The interpreter has no translation blocks, so each instruction is shown the
 * first time its address is executed (the equivalent of QEMU's translation
 * time), with CS:RIP, its bytes and Capstone's text. Capstone only prints:
 * decoding for execution is target/x86/decode.c.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "helper.h"
#include <capstone.h>

/* Stop remembering addresses past this many (a guest that generates code forever). */
#define IN_ASM_MAX_ADDRESSES (1u << 20)

void x86_log_in_asm(X86CPU *cpu, const uint8_t *bytes, size_t len, int bits)
{
    CPUX86State *env = cpu->env;
    uint64_t la = env->segs[R_CS].base + cpu->insn_rip;
    cs_mode mode = bits == 64 ? CS_MODE_64 : bits == 32 ? CS_MODE_32 : CS_MODE_16;
    g_autoptr(GString) hex = g_string_new(NULL);
    cs_insn *insn = NULL;
    size_t n = 0;
    bool opened;
    csh h;

    if (!cpu->logged_pcs) {
        cpu->logged_pcs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    }
    if (g_hash_table_contains(cpu->logged_pcs, &la)) {
        return;
    }
    if (g_hash_table_size(cpu->logged_pcs) < IN_ASM_MAX_ADDRESSES) {
        g_hash_table_add(cpu->logged_pcs, g_memdup2(&la, sizeof(la)));
    }
    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(hex, "%02x", bytes[i]);
    }
    opened = cs_open(CS_ARCH_X86, mode, &h) == CS_ERR_OK;
    if (opened) {
        n = cs_disasm(h, bytes, len, cpu->insn_rip, 1, &insn);
    }
    qemu_log("IN: %04x:%016" PRIx64 " %-30s %s %s\n", env->segs[R_CS].selector, cpu->insn_rip,
             hex->str, n ? insn->mnemonic : "(bad)", n ? insn->op_str : "");
    if (n) {
        cs_free(insn, n);
    }
    if (opened) {
        cs_close(&h);
    }
}
