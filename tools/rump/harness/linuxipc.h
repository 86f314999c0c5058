/*
 * linuxipc.h: included before the module's glue in every rump build.
 *
 * ffi/kpi.h includes <compat/linux/linux_syscallargs.h> in-tree, whose
 * amd64 part declares arguments of the Linux IPC types; like every
 * compat_linux source (compat/linux/common/linux_ipc.c), it needs these
 * first.
 */
#ifndef _CLRS_LINUXIPC_H_
#define _CLRS_LINUXIPC_H_

#include <sys/param.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <compat/linux/common/linux_types.h>
#include <compat/linux/common/linux_signal.h>
#include <compat/linux/common/linux_ipc.h>
#include <compat/linux/common/linux_msg.h>
#include <compat/linux/common/linux_shm.h>
#include <compat/linux/common/linux_sem.h>

#endif /* _CLRS_LINUXIPC_H_ */
