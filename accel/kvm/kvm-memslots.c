/*
 * kvm-memslots.c: KVM memslots follow the system address space's flat view.
 *
 * A MemoryListener on address_space_memory() turns every RAM section into a
 * memslot (KVM_SET_USER_MEMORY_REGION: GPA, size, HVA) and every ROM section
 * into a KVM_MEM_READONLY slot, so guest writes to ROM exit as MMIO and reach
 * the memory core, which drops them. KVM cannot resize or move a slot: a
 * changed section arrives as region_del + region_add and the slot is deleted
 * and re-created. Dirty logging (KVM_MEM_LOG_DIRTY_PAGES) follows the region's
 * dirty clients; log_sync copies KVM_GET_DIRTY_LOG into the core's bitmaps.
 * Sections are trimmed to whole pages; the unaligned fringes (rare) exit as
 * MMIO and are served by the memory core, as is a whole section whose GPA and
 * host address are not congruent modulo the page size. Left out: the dirty ring, guest_memfd.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "exec/memory.h"
#include "kvm-int.h"

typedef struct KVMSlot {
    bool used;
    hwaddr gpa;
    uint64_t size;
    void *hva;
    uint32_t flags;
    MemoryRegion *mr;
    hwaddr offset_in_mr; /* of gpa */
} KVMSlot;

static MemoryListener kvm_listener;
static KVMSlot *slots;
static int nr_slots;

static KVMSlotNotifier *slot_notifier;
static void slot_to_info(int n, const KVMSlot *s, KVMSlotInfo *info);

void kvm_memslot_set_notifier(KVMSlotNotifier *fn)
{
    slot_notifier = fn;
}

static int kvm_set_slot(int n, const KVMSlot *s, uint64_t size)
{
    struct kvm_userspace_memory_region r = {
        .slot = n,
        .flags = s->flags,
        .guest_phys_addr = s->gpa,
        .memory_size = size,
        .userspace_addr = (uintptr_t)s->hva,
    };
    int ret = kvm_vm_ioctl(KVM_SET_USER_MEMORY_REGION, &r);

    if (ret >= 0 && slot_notifier) {
        KVMSlotInfo info;

        slot_to_info(n, s, &info);
        slot_notifier(&info, size != 0);
    }
    return ret;
}

static bool section_page_range(MemoryRegionSection *sec, hwaddr *start, hwaddr *end)
{
    hwaddr s = sec->offset_within_address_space;

    *start = QEMU_ALIGN_UP(s, TARGET_PAGE_SIZE);
    *end = QEMU_ALIGN_DOWN(s + sec->size, TARGET_PAGE_SIZE);
    return *end > *start;
}

static KVMSlot *slot_find(MemoryRegion *mr, hwaddr gpa, int *num)
{
    for (int i = 0; i < nr_slots; i++) {
        if (slots[i].used && slots[i].mr == mr && slots[i].gpa == gpa) {
            *num = i;
            return &slots[i];
        }
    }
    return NULL;
}

static QEMU_NORETURN void slot_fatal(const char *what, MemoryRegionSection *sec, int err)
{
    error_report("KVM: %s memslot for region '%s' at GPA 0x%" HWADDR_PRIx " (0x%" PRIx64
                 " bytes): %s",
                 what, memory_region_name(sec->mr), sec->offset_within_address_space, sec->size,
                 err ? g_strerror(err) : "no free slot");
    exit(1);
}

static void kvm_region_add(MemoryListener *l, MemoryRegionSection *sec)
{
    hwaddr start, end;
    KVMSlot *s = NULL;
    int n, ret;

    if (!memory_region_is_ram(sec->mr) || !section_page_range(sec, &start, &end)) {
        return; /* MMIO: every access exits to userspace */
    }
    if (!QEMU_IS_ALIGNED(sec->offset_within_region + (start - sec->offset_within_address_space),
                         TARGET_PAGE_SIZE)) {
        /* KVM needs GPA and HVA page-aligned together: leave it to MMIO exits. */
        qemu_log_mask(LOG_UNIMP,
                      "kvm: region '%s' at GPA 0x%" HWADDR_PRIx
                      " is not page-aligned with its host memory: no memslot, accesses exit\n",
                      memory_region_name(sec->mr), sec->offset_within_address_space);
        return;
    }
    for (n = 0; n < nr_slots && !s; n++) {
        s = slots[n].used ? NULL : &slots[n];
    }
    if (!s) {
        error_report("KVM: all %d memslots (KVM_CAP_NR_MEMSLOTS) are in use", nr_slots);
        slot_fatal("no", sec, 0);
    }
    n--;
    s->gpa = start;
    s->size = end - start;
    s->mr = sec->mr;
    s->offset_in_mr = sec->offset_within_region + (start - sec->offset_within_address_space);
    s->hva = (uint8_t *)memory_region_get_ram_ptr(sec->mr) + s->offset_in_mr;
    s->flags = 0;
    if ((sec->readonly || memory_region_is_rom(sec->mr)) && kvm_state->readonly_mem) {
        s->flags |= KVM_MEM_READONLY;
    }
    if (sec->mr->dirty_log_mask) {
        s->flags |= KVM_MEM_LOG_DIRTY_PAGES;
    }
    ret = kvm_set_slot(n, s, s->size);
    if (ret < 0) {
        slot_fatal("cannot create", sec, -ret);
    }
    s->used = true;
}

static void kvm_region_del(MemoryListener *l, MemoryRegionSection *sec)
{
    hwaddr start, end;
    KVMSlot *s;
    int n, ret;

    if (!memory_region_is_ram(sec->mr) || !section_page_range(sec, &start, &end) ||
        !(s = slot_find(sec->mr, start, &n))) {
        return;
    }
    ret = kvm_set_slot(n, s, 0);
    if (ret < 0) {
        slot_fatal("cannot delete", sec, -ret);
    }
    memset(s, 0, sizeof(*s));
}

static void kvm_log_update(MemoryRegionSection *sec, bool log)
{
    hwaddr start, end;
    KVMSlot *s;
    int n, ret;

    if (!section_page_range(sec, &start, &end) || !(s = slot_find(sec->mr, start, &n))) {
        return;
    }
    if (log == !!(s->flags & KVM_MEM_LOG_DIRTY_PAGES)) {
        return;
    }
    s->flags ^= KVM_MEM_LOG_DIRTY_PAGES;
    ret = kvm_set_slot(n, s, s->size);
    if (ret < 0) {
        slot_fatal("cannot change dirty logging of", sec, -ret);
    }
}

static void kvm_log_start(MemoryListener *l, MemoryRegionSection *sec, int old_mask, int new_mask)
{
    kvm_log_update(sec, new_mask != 0);
}

static void kvm_log_stop(MemoryListener *l, MemoryRegionSection *sec, int old_mask, int new_mask)
{
    kvm_log_update(sec, new_mask != 0);
}

static void kvm_log_sync(MemoryListener *l, MemoryRegionSection *sec)
{
    hwaddr start, end;
    KVMSlot *s;
    int n, ret;

    if (!section_page_range(sec, &start, &end) || !(s = slot_find(sec->mr, start, &n)) ||
        !(s->flags & KVM_MEM_LOG_DIRTY_PAGES)) {
        return;
    }
    uint64_t pages = s->size / TARGET_PAGE_SIZE;
    g_autofree uint64_t *bitmap = g_new0(uint64_t, (pages + 63) / 64);
    struct kvm_dirty_log d = {.slot = n, .dirty_bitmap = bitmap};

    ret = kvm_vm_ioctl(KVM_GET_DIRTY_LOG, &d);
    if (ret < 0) {
        error_report("KVM_GET_DIRTY_LOG slot %d: %s", n, g_strerror(-ret));
        return;
    }
    for (uint64_t p = 0; p < pages; p++) {
        if (bitmap[p / 64] & (1ULL << (p % 64))) {
            memory_region_set_dirty(s->mr, s->offset_in_mr + p * TARGET_PAGE_SIZE,
                                    TARGET_PAGE_SIZE);
        }
    }
}

bool kvm_memslots_init(KVMState *s, GError **errp)
{
    nr_slots = s->nr_slots;
    slots = g_new0(KVMSlot, nr_slots);
    kvm_listener = (MemoryListener){
        .region_add = kvm_region_add,
        .region_del = kvm_region_del,
        .log_start = kvm_log_start,
        .log_stop = kvm_log_stop,
        .log_sync = kvm_log_sync,
        .priority = 10,
        .name = "kvm-memslots",
    };
    memory_listener_register(&kvm_listener, address_space_memory());
    return true;
}

void kvm_memslots_destroy(KVMState *s)
{
    if (slots) {
        memory_listener_unregister(&kvm_listener);
        g_clear_pointer(&slots, g_free);
        nr_slots = 0;
    }
}

unsigned kvm_memslots_count(void)
{
    unsigned n = 0;

    for (int i = 0; i < nr_slots; i++) {
        n += slots[i].used;
    }
    return n;
}

void kvm_memslots_info(GString *out)
{
    g_string_append_printf(out, "%4s  %-33s  %-11s  %-16s  %-9s %s\n", "slot", "GPA range", "size",
                           "HVA", "flags", "region");
    for (int i = 0; i < nr_slots; i++) {
        const KVMSlot *s = &slots[i];

        if (!s->used) {
            continue;
        }
        g_string_append_printf(out,
                               "%4d  %016" HWADDR_PRIx "-%016" HWADDR_PRIx "  %#-11" PRIx64
                               "  %016" PRIxPTR "  %-3s %-5s %s\n",
                               i, s->gpa, s->gpa + s->size - 1, s->size, (uintptr_t)s->hva,
                               (s->flags & KVM_MEM_READONLY) ? "ro" : "rw",
                               (s->flags & KVM_MEM_LOG_DIRTY_PAGES) ? "log" : "",
                               memory_region_name(s->mr));
    }
}

static void slot_to_info(int n, const KVMSlot *s, KVMSlotInfo *info)
{
    *info = (KVMSlotInfo){
        .slot = n,
        .gpa = s->gpa,
        .size = s->size,
        .hva = s->hva,
        .readonly = (s->flags & KVM_MEM_READONLY) != 0,
        .log_dirty = (s->flags & KVM_MEM_LOG_DIRTY_PAGES) != 0,
        .region = memory_region_name(s->mr),
    };
}

bool kvm_memslot_lookup(hwaddr gpa, KVMSlotInfo *info)
{
    for (int i = 0; i < nr_slots; i++) {
        const KVMSlot *s = &slots[i];

        if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size) {
            slot_to_info(i, s, info);
            return true;
        }
    }
    return false;
}

void kvm_memslot_foreach(void (*fn)(const KVMSlotInfo *info, void *opaque), void *opaque)
{
    for (int i = 0; i < nr_slots; i++) {
        KVMSlotInfo info;

        if (slots[i].used) {
            slot_to_info(i, &slots[i], &info);
            fn(&info, opaque);
        }
    }
}
