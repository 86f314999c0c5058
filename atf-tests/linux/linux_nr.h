/*
 * The Linux x86-64 numbers of the system calls compat_linux_rs installs,
 * spelled out: the point of the programs that include this (the
 * conformance helpers h_*.c, tools/difffuzz) is which number is called.
 */
#ifndef LINUX_NR_H
#define LINUX_NR_H

#define NR_semtimedop		220
#define NR_sync_file_range	277
#define NR_syncfs		306
#define NR_getcpu		309
#define NR_process_vm_readv	310
#define NR_process_vm_writev	311
#define NR_renameat2		316
#define NR_membarrier		324
#define NR_mlock2		325
#define NR_copy_file_range	326
#define NR_preadv2		327
#define NR_pwritev2		328
#define NR_pidfd_send_signal	424
#define NR_pidfd_open		434
#define NR_clone3		435
#define NR_openat2		437
#define NR_pidfd_getfd		438
#define NR_faccessat2		439
#define NR_fchmodat2		452

#endif /* LINUX_NR_H */
