/*
 * shim.c: what the Rust handlers need from struct internals and inline
 * kernel functions, which stay on the C side.
 */

#include "shim.h"

void
clrs_lwp_cpu(struct lwp *l, u_int *cpu, u_int *node)
{
	struct cpu_info *ci = l->l_cpu;
#ifdef _KERNEL
	*cpu = cpu_index(ci);
	*node = ci->ci_data.cpu_numa_id;
#else
	/*
	 * The installed headers do not describe struct cpu_info, so find the
	 * index by the kernel's own lookup; the NUMA node is not reachable.
	 */
	u_int i;

	*cpu = 0;
	*node = 0;
	for (i = 0; i < maxcpus; i++) {
		if (cpu_lookup(i) == ci) {
			*cpu = i;
			break;
		}
	}
#endif
}
