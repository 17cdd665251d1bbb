/*
 * xlate.c: the translation chain after the page walk: GPA -> flat-view section
 * and region -> KVM memslot -> HVA -> HPA.
 *
 * The host step follows the kernel's /proc/PID/pagemap format
 * (Documentation/admin-guide/mm/pagemap.rst): one 64-bit entry per host page,
 * PFN in bits 54:0 when present (zero without CAP_SYS_ADMIN), bit 55
 * soft-dirty, 56 exclusively mapped, 61 file page or shared anonymous, 62
 * swapped, 63 present.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include "monitor/xlate.h"
#include "sysemu/kvm.h"

#define PAGEMAP_PATH       "/proc/self/pagemap"
#define PAGEMAP_PFN_MASK   ((1ULL << 55) - 1)
#define PAGEMAP_SOFT_DIRTY (1ULL << 55)
#define PAGEMAP_EXCLUSIVE  (1ULL << 56)
#define PAGEMAP_FILE       (1ULL << 61)
#define PAGEMAP_SWAPPED    (1ULL << 62)
#define PAGEMAP_PRESENT    (1ULL << 63)

bool host_page_info(const void *hva, HostPageInfo *info)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)hva;
    off_t off = (off_t)(a / page) * (off_t)sizeof(uint64_t);
    int fd;
    ssize_t n;

    memset(info, 0, sizeof(*info));
    fd = open(PAGEMAP_PATH, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        info->err = errno;
        return false;
    }
    n = pread(fd, &info->raw, sizeof(info->raw), off);
    info->err = n == sizeof(info->raw) ? 0 : n < 0 ? errno : EIO;
    close(fd);
    if (info->err) {
        return false;
    }
    info->present = (info->raw & PAGEMAP_PRESENT) != 0;
    info->swapped = (info->raw & PAGEMAP_SWAPPED) != 0;
    info->file_shared = (info->raw & PAGEMAP_FILE) != 0;
    info->exclusive = (info->raw & PAGEMAP_EXCLUSIVE) != 0;
    info->soft_dirty = (info->raw & PAGEMAP_SOFT_DIRTY) != 0;
    if (!info->present) {
        return false;
    }
    info->pfn = info->raw & PAGEMAP_PFN_MASK;
    info->pfn_hidden = info->pfn == 0;
    info->hpa = info->pfn * (uint64_t)page + (a % page);
    return !info->pfn_hidden;
}

void host_page_info_str(const HostPageInfo *info, GString *out)
{
    if (info->err) {
        g_string_append_printf(out, "no HPA: cannot read %s: %s", PAGEMAP_PATH,
                               g_strerror(info->err));
        return;
    }
    if (!info->present) {
        g_string_append_printf(out, "no HPA: the host page is %s",
                               info->swapped ? "swapped out" : "not present yet (never touched)");
        return;
    }
    if (info->pfn_hidden) {
        g_string_append(out, "no HPA: the host hides page frame numbers from this process "
                             "(needs CAP_SYS_ADMIN, e.g. run as root)");
        return;
    }
    g_string_append_printf(out, "0x%" PRIx64 " (pfn 0x%" PRIx64 ";%s%s%s%s)", info->hpa, info->pfn,
                           " present", info->exclusive ? " exclusive" : "",
                           info->file_shared ? " file/shared" : " anonymous",
                           info->soft_dirty ? " soft-dirty" : "");
}

/*
 * XXX: reads MemoryRegion's tree fields (enabled, alias, subregions), which
 * memory.h calls private to softmmu/; the flat-view code offers no reverse
 * map from a section to the aliases that placed it. Safe under the BQL, which
 * every tree change holds. Subregions are sorted highest priority first, so
 * the first one that resolves addr is the one the flat view shows.
 */
static bool find_path(MemoryRegion *mr, hwaddr addr, GPtrArray *path)
{
    if (!mr->enabled || addr >= mr->size) {
        return false;
    }
    if (mr->alias) {
        g_ptr_array_add(path, g_strdup_printf("%s (alias of '%s' +0x%" HWADDR_PRIx ")", mr->name,
                                              mr->alias->name, mr->alias_offset));
        if (find_path(mr->alias, mr->alias_offset + addr, path)) {
            return true;
        }
        g_ptr_array_remove_index(path, path->len - 1);
        return false;
    }
    g_ptr_array_add(path, g_strdup(mr->name));
    for (guint i = 0; mr->subregions && i < mr->subregions->len; i++) {
        MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);

        if (addr >= sub->addr && find_path(sub, addr - sub->addr, path)) {
            return true;
        }
    }
    if (mr->terminates) {
        return true;
    }
    g_ptr_array_remove_index(path, path->len - 1);
    return false;
}

bool memory_region_path(AddressSpace *as, hwaddr addr, GString *out)
{
    g_autoptr(GPtrArray) path = g_ptr_array_new_with_free_func(g_free);

    if (!find_path(as->root, addr, path)) {
        return false;
    }
    for (guint i = 0; i < path->len; i++) {
        g_string_append_printf(out, "%s%s", i ? " > " : "", (char *)g_ptr_array_index(path, i));
    }
    return true;
}

static void slot_info(GPAInfo *info)
{
    KVMSlotInfo s;

    if (!kvm_enabled() || !kvm_memslot_lookup(info->gpa, &s)) {
        return;
    }
    info->have_slot = true;
    info->slot = s.slot;
    info->slot_gpa = s.gpa;
    info->slot_size = s.size;
    info->slot_hva = s.hva;
    info->slot_readonly = s.readonly;
}

void gpa_info(AddressSpace *as, hwaddr gpa, GPAInfo *info)
{
    FlatView *fv = address_space_get_flatview(as);

    memset(info, 0, sizeof(*info));
    info->gpa = gpa;
    info->backed = flatview_lookup(fv, gpa, &info->section);
    flatview_unref(fv);
    if (!info->backed) {
        return;
    }
    info->offset_in_region =
        info->section.offset_within_region + (gpa - info->section.offset_within_address_space);
    info->region_name = memory_region_name(info->section.mr);
    info->ram = memory_region_is_ram(info->section.mr);
    if (info->ram) {
        info->hva = (uint8_t *)memory_region_get_ram_ptr(info->section.mr) + info->offset_in_region;
    }
    slot_info(info);
}

void xlate_address(const CPUX86State *env, AddressSpace *as, uint64_t addr, XlateResult *r)
{
    memset(r, 0, sizeof(*r));
    r->virtual = env != NULL;
    if (env) {
        if (!x86_page_walk(env, as, addr, &r->walk)) {
            return;
        }
        addr = r->walk.gpa;
    }
    r->have_gpa = true;
    gpa_info(as, addr, &r->gpa);
    if (r->gpa.ram) {
        r->have_host = true;
        host_page_info(r->gpa.hva, &r->host);
    }
}
