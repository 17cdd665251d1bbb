/*
 * memory-info.c: the text of 'info mtree' and 'info mtree -f'.
 *
 * The layout follows QEMU's monitor output: one line per region with its
 * absolute range, priority, kind and name, indented by depth; aliases name
 * their target and offset. With flatview, each address space's flat view is
 * listed range by range instead. Alias targets that sit in no container
 * (like pc.ram behind ram-below-4g) follow as "memory-region:" trees, as in
 * QEMU. Left out: owners, -d (dispatch) and -o options.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "memory-internal.h"

#define MTREE_INDENT 2

static const char *mr_kind(const MemoryRegion *mr)
{
    if (mr->alias) {
        return "alias";
    }
    if (mr->ram) {
        return mr->readonly ? "rom" : "ram";
    }
    if (mr->ops) {
        return "i/o";
    }
    return "container";
}

/* "start-end" of a region at base; a 2^64-byte region ends at ffffffffffffffff. */
static void append_range(GString *out, hwaddr base, uint64_t size)
{
    hwaddr last = size == UINT64_MAX ? base + UINT64_MAX : base + size - 1;

    if (size == 0) {
        last = base;
    }
    g_string_append_printf(out, "%016" PRIx64 "-%016" PRIx64, base, last);
}

/* targets: alias targets seen so far (MemoryRegion *), to list after the spaces. */
static void mtree_region(GString *out, MemoryRegion *mr, hwaddr base, unsigned depth,
                         GPtrArray *targets)
{
    g_string_append_printf(out, "%*s", (int)(depth * MTREE_INDENT), "");
    append_range(out, base, mr->size);
    g_string_append_printf(out, " (prio %d, %s): %s", mr->priority, mr_kind(mr), mr->name);
    if (mr->alias) {
        g_string_append_printf(out, " -> %s @%016" PRIx64, mr->alias->name, mr->alias_offset);
        if (!mr->alias->container && !g_ptr_array_find(targets, mr->alias, NULL)) {
            g_ptr_array_add(targets, mr->alias);
        }
    }
    if (mr->readonly && !mr->ram) {
        g_string_append(out, " [readonly]");
    }
    if (!mr->enabled) {
        g_string_append(out, " [disabled]");
    }
    g_string_append_c(out, '\n');
    for (guint i = 0; i < mr->subregions->len; i++) {
        MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
        mtree_region(out, sub, base + sub->addr, depth + 1, targets);
    }
}

static void mtree_flatview(GString *out, AddressSpace *as)
{
    FlatView *fv = address_space_get_flatview(as);

    g_string_append_printf(out, "FlatView of \"%s\", root: %s\n", as->name,
                           as->root ? as->root->name : "(none)");
    if (fv->nr == 0) {
        g_string_append(out, "  No rendered FlatView\n");
    }
    for (unsigned i = 0; i < fv->nr; i++) {
        const FlatRange *fr = &fv->ranges[i];
        g_string_append_printf(out, "  %016" PRIx64 "-%016" PRIx64 " (prio %d, %s%s): %s",
                               fr->start, fr->last, fr->mr->priority, mr_kind(fr->mr),
                               fr->readonly && fr->mr->ram && !fr->mr->readonly ? ", readonly" : "",
                               fr->mr->name);
        if (fr->offset_in_region) {
            g_string_append_printf(out, " @%016" PRIx64, fr->offset_in_region);
        }
        if (fr->dirty_log_mask) {
            g_string_append_printf(out, " [log 0x%x]", fr->dirty_log_mask);
        }
        g_string_append_c(out, '\n');
    }
    g_string_append_c(out, '\n');
    flatview_unref(fv);
}

static bool is_root(GPtrArray *spaces, MemoryRegion *mr)
{
    for (guint i = 0; i < spaces->len; i++) {
        if (((AddressSpace *)g_ptr_array_index(spaces, i))->root == mr) {
            return true;
        }
    }
    return false;
}

void mtree_info(GString *out, bool flatview)
{
    GPtrArray *list = address_spaces_list();
    g_autoptr(GPtrArray) targets = g_ptr_array_new();

    for (guint i = 0; i < list->len; i++) {
        AddressSpace *as = g_ptr_array_index(list, i);
        if (flatview) {
            mtree_flatview(out, as);
            continue;
        }
        g_string_append_printf(out, "address-space: %s\n", as->name);
        if (as->root) {
            mtree_region(out, as->root, 0, 1, targets);
        }
        g_string_append_c(out, '\n');
    }
    /* The list may grow while we print (aliases inside alias targets). */
    for (guint i = 0; i < targets->len; i++) {
        MemoryRegion *mr = g_ptr_array_index(targets, i);
        if (is_root(list, mr)) {
            continue;
        }
        g_string_append_printf(out, "memory-region: %s\n", mr->name);
        mtree_region(out, mr, 0, 1, targets);
        g_string_append_c(out, '\n');
    }
}
