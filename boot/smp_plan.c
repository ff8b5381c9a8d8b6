/* Which CPUs to use (see boot/smp.h). Pure: the host unit tests run it. */
#include "boot/smp.h"

#define XAPIC_BROADCAST 0xFFu

void smp_plan(const uint32_t *ids, unsigned nids, uint32_t bsp_id, bool x2apic, unsigned want,
              struct smp_plan *out)
{
    out->apic_id[0] = bsp_id;
    out->n = 1;
    out->present = 1;
    out->unreachable = 0;
    if (want == 0 || want > SMP_MAX_CPUS)
        want = SMP_MAX_CPUS;
    for (unsigned i = 0; i < nids; i++) {
        uint32_t id = ids[i];
        if (id == bsp_id)
            continue;
        if (!x2apic && id >= XAPIC_BROADCAST) {
            out->unreachable++;
            continue;
        }
        bool seen = false;
        for (unsigned j = 0; j < i && !seen; j++)
            seen = ids[j] == id;        /* a repeated entry: counted once */
        if (seen)
            continue;
        out->present++;
        if (out->n < want)
            out->apic_id[out->n++] = id;
    }
}
