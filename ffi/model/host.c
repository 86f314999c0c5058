/*
 * host.c: the host (Linux) side of the kernel model; see model.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include "model.h"

/* process_vm_{read,write}v on ourselves: EFAULT instead of a crash. */
int
host_copy_from_user(const void *uaddr, void *kaddr, size_t len)
{
	struct iovec local = { kaddr, len };
	struct iovec remote = { (void *)uaddr, len };

	if (len == 0)
		return 0;
	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) ==
	    (ssize_t)len ? 0 : EFAULT;
}

int
host_copy_to_user(const void *kaddr, void *uaddr, size_t len)
{
	struct iovec local = { (void *)kaddr, len };
	struct iovec remote = { uaddr, len };

	if (len == 0)
		return 0;
	return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) ==
	    (ssize_t)len ? 0 : EFAULT;
}
