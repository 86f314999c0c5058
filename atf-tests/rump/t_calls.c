/*
 * t_calls: each handler of compat_linux_rs on the rump kernel's tmpfs and
 * on an ffs image: results, errno values, file contents and offsets, and
 * the kernel's own reference counts balanced around every call.
 */

#define _GNU_SOURCE	/* memmem on Linux */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h_rump.h"

/*
 * Whether the host file holds the bytes (what reached the ffs image): each
 * 512-byte piece of them somewhere, since the file system places a file's
 * fragments where it likes.
 */
static int
image_holds(const char *path, const unsigned char *want, size_t len)
{
	unsigned char *buf;
	size_t at, piece;
	off_t size;
	int fd, found = 1;

	ATF_REQUIRE((fd = open(path, O_RDONLY)) != -1);
	size = lseek(fd, 0, SEEK_END);
	ATF_REQUIRE((buf = malloc((size_t)size)) != NULL);
	ATF_REQUIRE_EQ(pread(fd, buf, (size_t)size, 0), size);
	close(fd);
	for (at = 0; at < len && found; at += piece) {
		piece = len - at < 512 ? len - at : 512;
		found = memmem(buf, (size_t)size, want + at, piece) != NULL;
	}
	free(buf);
	return found;
}

/* --- getcpu ------------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(getcpu);
ATF_TC_BODY(getcpu, tc)
{
	struct clrs_counts c;
	unsigned cpu = ~0u, node = ~0u;

	clrs_boot(tc, CLRS_TMPFS);
	clrs_counts(&c, 0);
	CHECK_RET(0, CALL(NR_GETCPU, &cpu, &node, 0, 0, 0, 0));
	ATF_CHECK_MSG(cpu < 64, "cpu %u", cpu);
	ATF_CHECK_EQ_MSG(node, CLRS_RUMP_NUMA_NODE, "node %u", node);
	/* Each pointer only when not NULL; tcache is ignored. */
	cpu = ~0u;
	CHECK_RET(0, CALL(NR_GETCPU, &cpu, 0, 0, 0, 0, 0));
	ATF_CHECK(cpu < 64);
	node = ~0u;
	CHECK_RET(0, CALL(NR_GETCPU, 0, &node, 12345, 0, 0, 0));
	ATF_CHECK_EQ(node, CLRS_RUMP_NUMA_NODE);
	CHECK_RET(0, CALL(NR_GETCPU, 0, 0, 0, 0, 0, 0));
	clrs_check_counts(&c);
}

/* --- syncfs ------------------------------------------------------------- */

FS_TC(syncfs, "syncfs writes the file system out, EBADF for a bad fd")
{
	static unsigned char data[64 * 1024];
	struct clrs_counts c;
	int fd, pipefd[2];

	clrs_fill(data, sizeof(data), 0, 1);
	fd = clrs_create("f", data, sizeof(data), 0644);
	clrs_counts(&c, 1, fd);
	CHECK_RET(0, CALL(NR_SYNCFS, fd, 0, 0, 0, 0, 0));
	clrs_check_counts(&c);
	if (fs == CLRS_FFS)
		ATF_CHECK_MSG(image_holds("ffs.img", data, sizeof(data)),
		    "the file's data is not in the image after syncfs");

	CHECK_ERR(RUMP_EBADF, CALL(NR_SYNCFS, -1, 0, 0, 0, 0, 0));
	CHECK_ERR(RUMP_EBADF, CALL(NR_SYNCFS, 999, 0, 0, 0, 0, 0));
	/* Only the low 32 bits are the descriptor. */
	CHECK_RET(0, CALL(NR_SYNCFS, (1ull << 32) | (unsigned)fd, 0, 0, 0, 0,
	    0));
	/* A pipe has nothing to write out. */
	RL(rump_sys_pipe(pipefd));
	CHECK_RET(0, CALL(NR_SYNCFS, pipefd[0], 0, 0, 0, 0, 0));
	clrs_check_counts(&c);
}

/* --- sync_file_range ------------------------------------------------------ */

FS_TC(sync_file_range, "sync_file_range: flags, range checks, data written")
{
	static unsigned char data[3 * 4096 + 100];
	struct clrs_counts c;
	int fd, pipefd[2];

	clrs_fill(data, sizeof(data), 0, 2);
	fd = clrs_create("f", data, sizeof(data), 0644);
	clrs_counts(&c, 1, fd);
	CHECK_RET(0, CALL(NR_SYNC_FILE_RANGE, fd, 4096, 8192,
	    L_SFR_WAIT_BEFORE | L_SFR_WRITE | L_SFR_WAIT_AFTER, 0, 0));
	clrs_check_counts(&c);
	CHECK_RET(0, CALL(NR_SYNC_FILE_RANGE, fd, 0, 0,
	    L_SFR_WRITE | L_SFR_WAIT_AFTER, 0, 0));
	if (fs == CLRS_FFS)
		ATF_CHECK_MSG(image_holds("ffs.img", data, sizeof(data)),
		    "the file's data is not in the image");
	CHECK_RET(0, CALL(NR_SYNC_FILE_RANGE, fd, 0, 0, 0, 0, 0));
	CHECK_RET(0, CALL(NR_SYNC_FILE_RANGE, fd, 0, 4096, L_SFR_WRITE, 0, 0));

	CHECK_ERR(RUMP_EBADF, CALL(NR_SYNC_FILE_RANGE, -1, 0, 0, 8, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_SYNC_FILE_RANGE, fd, 0, 0, 8, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_SYNC_FILE_RANGE, fd, -1, 0,
	    L_SFR_WRITE, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_SYNC_FILE_RANGE, fd, 0, -4096,
	    L_SFR_WRITE, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_SYNC_FILE_RANGE, fd, INT64_MAX, 1,
	    L_SFR_WRITE, 0, 0));
	RL(rump_sys_pipe(pipefd));
	CHECK_ERR(RUMP_ESPIPE, CALL(NR_SYNC_FILE_RANGE, pipefd[1], 0, 0,
	    L_SFR_WRITE, 0, 0));
	clrs_check_counts(&c);
}

/* --- faccessat2 ------------------------------------------------------------ */

FS_TC(faccessat2, "faccessat2: modes, flags, real and effective IDs")
{
	struct clrs_counts c;
	int fd, dirfd, rofd;

	fd = clrs_create("secret", "x", 1, 0600);
	RL(rump_sys_mkdir("d", 0755));
	dirfd = rump_sys_open("d", RUMP_O_RDONLY);
	RL(dirfd);
	clrs_create("d/run", "#!", 2, 0755);
	RL(rump_sys_symlink("nowhere", "dangling"));
	clrs_counts(&c, 2, fd, dirfd);

	CHECK_RET(0, CALL(NR_FACCESSAT2, L_AT_FDCWD, "secret", 6, 0, 0, 0));
	/* root may execute only what some execute bit allows */
	CHECK_ERR(RUMP_EACCES, CALL(NR_FACCESSAT2, L_AT_FDCWD, "secret", 1,
	    0, 0, 0));
	CHECK_RET(0, CALL(NR_FACCESSAT2, dirfd, "run", 1, 0, 0, 0));
	CHECK_ERR(RUMP_ENOENT, CALL(NR_FACCESSAT2, L_AT_FDCWD, "missing", 0,
	    0, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_FACCESSAT2, L_AT_FDCWD, "secret", 8,
	    0, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_FACCESSAT2, L_AT_FDCWD, "secret", 0,
	    0x1, 0, 0));
	CHECK_ERR(RUMP_EFAULT, CALL(NR_FACCESSAT2, L_AT_FDCWD, 0, 0, 0, 0, 0));
	/* A final symbolic link: followed unless told not to. */
	CHECK_ERR(RUMP_ENOENT, CALL(NR_FACCESSAT2, L_AT_FDCWD, "dangling", 0,
	    0, 0, 0));
	CHECK_RET(0, CALL(NR_FACCESSAT2, L_AT_FDCWD, "dangling", 0,
	    L_AT_SYMLINK_NOFOLLOW, 0, 0));
	/* An empty path: ENOENT, or the descriptor itself. */
	CHECK_ERR(RUMP_ENOENT, CALL(NR_FACCESSAT2, fd, "", 0, 0, 0, 0));
	CHECK_RET(0, CALL(NR_FACCESSAT2, fd, "", 6, L_AT_EMPTY_PATH, 0, 0));
	CHECK_RET(0, CALL(NR_FACCESSAT2, L_AT_FDCWD, "", 7, L_AT_EMPTY_PATH,
	    0, 0));
	/* Directory descriptors: relative paths only. */
	CHECK_ERR(RUMP_ENOTDIR, CALL(NR_FACCESSAT2, fd, "x", 0, 0, 0, 0));
	CHECK_ERR(RUMP_EBADF, CALL(NR_FACCESSAT2, 999, "x", 0, 0, 0, 0));
	CHECK_RET(0, CALL(NR_FACCESSAT2, 999, MNT "/secret", 4, 0, 0, 0));
	clrs_check_counts(&c);

	/* Real user 1000, effective root: the real IDs decide by default. */
	RL(rump_sys_setreuid(1000, 0));
	clrs_counts(&c, 2, fd, dirfd);
	CHECK_ERR(RUMP_EACCES, CALL(NR_FACCESSAT2, L_AT_FDCWD, "secret", 4,
	    0, 0, 0));
	CHECK_RET(0, CALL(NR_FACCESSAT2, L_AT_FDCWD, "secret", 4,
	    L_AT_EACCESS, 0, 0));
	CHECK_ERR(RUMP_EACCES, CALL(NR_FACCESSAT2, fd, "", 4,
	    L_AT_EMPTY_PATH, 0, 0));
	CHECK_RET(0, CALL(NR_FACCESSAT2, fd, "", 4,
	    L_AT_EMPTY_PATH | L_AT_EACCESS, 0, 0));
	clrs_check_counts(&c);
	RL(rump_sys_setreuid(0, 0));

	/* A read-only file system: EROFS for W_OK, by path or descriptor. */
	ATF_REQUIRE_EQ(clrs_mount(CLRS_TMPFS, "/ro", NULL, RUMP_MNT_RDONLY),
	    0);
	rofd = rump_sys_open("/ro", RUMP_O_RDONLY);
	RL(rofd);
	clrs_counts(&c, 1, rofd);
	CHECK_ERR(RUMP_EROFS, CALL(NR_FACCESSAT2, L_AT_FDCWD, "/ro", 2, 0, 0,
	    0));
	CHECK_ERR(RUMP_EROFS, CALL(NR_FACCESSAT2, rofd, "", 2,
	    L_AT_EMPTY_PATH, 0, 0));
	CHECK_RET(0, CALL(NR_FACCESSAT2, rofd, "", 5, L_AT_EMPTY_PATH, 0, 0));
	clrs_check_counts(&c);
}

/* --- renameat2 ------------------------------------------------------------- */

FS_TC(renameat2, "renameat2: flags 0 renames, NOREPLACE never replaces")
{
	struct clrs_counts c;
	int dirfd, fd;

	RL(rump_sys_mkdir("d", 0755));
	dirfd = rump_sys_open("d", RUMP_O_RDONLY);
	RL(dirfd);
	fd = clrs_create("a", "AAAA", 4, 0644);
	clrs_create("b", "BB", 2, 0644);
	clrs_counts(&c, 2, dirfd, fd);

	CHECK_ERR(RUMP_EEXIST, CALL(NR_RENAMEAT2, L_AT_FDCWD, "a", L_AT_FDCWD,
	    "b", L_RENAME_NOREPLACE, 0));
	clrs_check_contents("a", "AAAA", 4);
	clrs_check_contents("b", "BB", 2);
	/* No target: no-replace is not atomic on NetBSD, so EINVAL, and
	 * nothing is renamed (glibc and gnulib fall back). */
	CHECK_ERR(RUMP_EINVAL, CALL(NR_RENAMEAT2, L_AT_FDCWD, "a", L_AT_FDCWD,
	    "c", L_RENAME_NOREPLACE, 0));
	ATF_CHECK(clrs_exists("a") && !clrs_exists("c"));
	CHECK_ERR(RUMP_ENOENT, CALL(NR_RENAMEAT2, L_AT_FDCWD, "missing",
	    L_AT_FDCWD, "b", L_RENAME_NOREPLACE, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_RENAMEAT2, L_AT_FDCWD, "a", L_AT_FDCWD,
	    "b", L_RENAME_EXCHANGE, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_RENAMEAT2, L_AT_FDCWD, "a", L_AT_FDCWD,
	    "b", L_RENAME_EXCHANGE | L_RENAME_NOREPLACE, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_RENAMEAT2, L_AT_FDCWD, "a", L_AT_FDCWD,
	    "c", L_RENAME_WHITEOUT, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_RENAMEAT2, L_AT_FDCWD, "a", L_AT_FDCWD,
	    "c", 8, 0));
	clrs_check_contents("a", "AAAA", 4);
	clrs_check_contents("b", "BB", 2);

	/* Flags 0: rename(2), replacing. */
	CHECK_RET(0, CALL(NR_RENAMEAT2, L_AT_FDCWD, "a", L_AT_FDCWD, "b", 0,
	    0));
	ATF_CHECK(!clrs_exists("a"));
	clrs_check_contents("b", "AAAA", 4);
	/* Relative to directory descriptors, both ways. */
	CHECK_RET(0, CALL(NR_RENAMEAT2, L_AT_FDCWD, "b", dirfd, "b2", 0, 0));
	clrs_check_contents("d/b2", "AAAA", 4);
	CHECK_RET(0, CALL(NR_RENAMEAT2, dirfd, "b2", L_AT_FDCWD, "b", 0, 0));
	clrs_check_contents("b", "AAAA", 4);
	/* Two links of one file: nothing happens, both stay (POSIX). */
	RL(rump_sys_link("b", "d/link"));
	CHECK_RET(0, CALL(NR_RENAMEAT2, L_AT_FDCWD, "b", dirfd, "link", 0, 0));
	ATF_CHECK(clrs_exists("b") && clrs_exists("d/link"));
	CHECK_RET(0, CALL(NR_RENAMEAT2, dirfd, "link", L_AT_FDCWD, "b", 0, 0));
	ATF_CHECK(clrs_exists("b") && clrs_exists("d/link"));
	CHECK_ERR(RUMP_ENOENT, CALL(NR_RENAMEAT2, L_AT_FDCWD, "gone",
	    L_AT_FDCWD, "b", 0, 0));
	CHECK_ERR(RUMP_EFAULT, CALL(NR_RENAMEAT2, L_AT_FDCWD, 0, L_AT_FDCWD,
	    "b", 0, 0));
	CHECK_ERR(RUMP_EBADF, CALL(NR_RENAMEAT2, 999, "b", L_AT_FDCWD, "x", 0,
	    0));
	clrs_check_counts(&c);
}

/* --- copy_file_range -------------------------------------------------------- */

FS_TC(copy_file_range, "copy_file_range: data, offsets, limits and errors")
{
	enum { LEN = 200 * 1024 };
	static unsigned char data[LEN], want[LEN];
	struct clrs_counts c;
	int64_t off_in, off_out;
	int in, out, ro, app, dirfd, other;

	clrs_fill(data, sizeof(data), 0, 3);
	in = clrs_create("in", data, sizeof(data), 0644);
	out = clrs_create("out", NULL, 0, 0644);
	clrs_counts(&c, 2, in, out);

	/* Descriptor offsets: used and advanced. */
	RL(rump_sys_lseek(in, 1000, SEEK_SET));
	CHECK_RET(LEN - 1000, CALL(NR_COPY_FILE_RANGE, in, 0, out, 0,
	    10 * LEN, 0));
	ATF_CHECK_EQ(rump_sys_lseek(in, 0, SEEK_CUR), LEN);
	ATF_CHECK_EQ(rump_sys_lseek(out, 0, SEEK_CUR), LEN - 1000);
	clrs_check_contents("out", data + 1000, LEN - 1000);
	/* At the end of the input: 0. */
	CHECK_RET(0, CALL(NR_COPY_FILE_RANGE, in, 0, out, 0, 100, 0));
	clrs_check_counts(&c);

	/* Explicit offsets: written back, descriptor offsets left alone. */
	off_in = 5;
	off_out = 70000;
	CHECK_RET(4096, CALL(NR_COPY_FILE_RANGE, in, &off_in, out, &off_out,
	    4096, 0));
	ATF_CHECK_EQ(off_in, 5 + 4096);
	ATF_CHECK_EQ(off_out, 70000 + 4096);
	ATF_CHECK_EQ(rump_sys_lseek(in, 0, SEEK_CUR), LEN);
	ATF_CHECK_EQ(rump_sys_lseek(out, 0, SEEK_CUR), LEN - 1000);
	memcpy(want, data + 1000, LEN - 1000);
	memcpy(want + 70000, data + 5, 4096);
	clrs_check_contents("out", want, LEN - 1000);
	/* len 0 */
	CHECK_RET(0, CALL(NR_COPY_FILE_RANGE, in, &off_in, out, &off_out, 0,
	    0));
	clrs_check_counts(&c);

	/* Errors. */
	ro = rump_sys_open("out", RUMP_O_RDONLY);
	RL(ro);
	app = rump_sys_open("out", RUMP_O_WRONLY | RUMP_O_APPEND);
	RL(app);
	RL(rump_sys_mkdir("d", 0755));
	dirfd = rump_sys_open("d", RUMP_O_RDONLY);
	RL(dirfd);
	clrs_counts(&c, 4, in, out, ro, dirfd);
	CHECK_ERR(RUMP_EINVAL, CALL(NR_COPY_FILE_RANGE, in, 0, out, 0, 10, 1));
	CHECK_ERR(RUMP_EBADF, CALL(NR_COPY_FILE_RANGE, in, 0, ro, 0, 10, 0));
	CHECK_ERR(RUMP_EBADF, CALL(NR_COPY_FILE_RANGE, in, 0, app, 0, 10, 0));
	CHECK_ERR(RUMP_EBADF, CALL(NR_COPY_FILE_RANGE, -1, 0, out, 0, 10, 0));
	CHECK_ERR(RUMP_EISDIR, CALL(NR_COPY_FILE_RANGE, dirfd, 0, out, 0, 10,
	    0));
	off_in = -1;
	CHECK_ERR(RUMP_EOVERFLOW, CALL(NR_COPY_FILE_RANGE, in, &off_in, out,
	    0, 10, 0));
	/* Overlapping ranges of one file, even through two descriptors. */
	off_in = 0;
	off_out = 100;
	CHECK_ERR(RUMP_EINVAL, CALL(NR_COPY_FILE_RANGE, out, &off_in, out,
	    &off_out, 1000, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_COPY_FILE_RANGE, ro, &off_in, out,
	    &off_out, 1000, 0));
	off_out = 1000;
	CHECK_RET(1000, CALL(NR_COPY_FILE_RANGE, ro, &off_in, out, &off_out,
	    1000, 0));
	memcpy(want + 1000, want, 1000);
	clrs_check_contents("out", want, LEN - 1000);
	clrs_check_counts(&c);

	/* Files on two file systems: EXDEV, as Linux 5.19 and later. */
	ATF_REQUIRE_EQ(clrs_mount(CLRS_TMPFS, "/other", NULL, 0), 0);
	other = clrs_create("/other/f", NULL, 0, 0644);
	clrs_counts(&c, 2, in, other);
	off_in = 0;
	CHECK_ERR(RUMP_EXDEV, CALL(NR_COPY_FILE_RANGE, in, &off_in, other, 0,
	    10, 0));
	CHECK_ERR(RUMP_EXDEV, CALL(NR_COPY_FILE_RANGE, other, 0, out, 0, 10,
	    0));
	ATF_CHECK_EQ(clrs_size("/other/f"), 0);
	clrs_check_counts(&c);
}

/* --- clone3 --------------------------------------------------------------- */

#define	L_CLONE_VM		0x100
#define	L_CLONE_FS		0x200
#define	L_CLONE_FILES		0x400
#define	L_CLONE_SIGHAND		0x800
#define	L_CLONE_PIDFD		0x1000
#define	L_CLONE_VFORK		0x4000
#define	L_CLONE_THREAD		0x10000
#define	L_CLONE_SYSVSEM		0x40000
#define	L_CLONE_SETTLS		0x80000
#define	L_CLONE_PARENT_SETTID	0x100000
#define	L_CLONE_CHILD_CLEARTID	0x200000

/* struct clone_args (include/uapi/linux/sched.h), CLONE_ARGS_SIZE_VER2 */
struct l_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
	    stack_size, tls, set_tid, set_tid_size, cgroup;
};

ATF_TC_WITHOUT_HEAD(clone3);
ATF_TC_BODY(clone3, tc)
{
	struct l_clone_args ca;
	struct clrs_clone_call call;
	struct clrs_counts c;
	unsigned char big[8192];
	int32_t tid;

	clrs_boot(tc, CLRS_TMPFS);
	clrs_counts(&c, 0);
	/* glibc's pthread_create */
	memset(&ca, 0, sizeof(ca));
	ca.flags = L_CLONE_VM | L_CLONE_FS | L_CLONE_FILES | L_CLONE_SIGHAND |
	    L_CLONE_THREAD | L_CLONE_SYSVSEM | L_CLONE_SETTLS |
	    L_CLONE_PARENT_SETTID | L_CLONE_CHILD_CLEARTID;
	ca.child_tid = 0x1000;
	ca.parent_tid = 0x2000;
	ca.stack = 0x7f0000000000;
	ca.stack_size = 0x10000;
	ca.tls = 0x3000;
	CHECK_RET(CLRS_CLONE_TID, CALL(NR_CLONE3, &ca, sizeof(ca), 0, 0, 0,
	    0));
	rump_clrs_last_clone(&call);
	ATF_CHECK_EQ(call.calls, 1);
	/* CLONE_SYSVSEM is dropped (see clone3.rs), the rest passed on */
	ATF_CHECK_EQ(call.flags, ca.flags & ~(uint64_t)L_CLONE_SYSVSEM);
	ATF_CHECK_EQ(call.stack, ca.stack + ca.stack_size);
	ATF_CHECK_EQ(call.parent_tidptr, ca.parent_tid);
	ATF_CHECK_EQ(call.child_tidptr, ca.child_tid);
	ATF_CHECK_EQ(call.tls, ca.tls);
	/* posix_spawn: VM|VFORK with SIGCHLD as exit signal, 64-byte args */
	memset(&ca, 0, sizeof(ca));
	ca.flags = L_CLONE_VM | L_CLONE_VFORK;
	ca.exit_signal = 17;
	ca.stack = 0x10000;
	ca.stack_size = 0x8000;
	CHECK_RET(CLRS_CLONE_TID, CALL(NR_CLONE3, &ca, 64, 0, 0, 0, 0));
	rump_clrs_last_clone(&call);
	ATF_CHECK_EQ(call.calls, 2);
	ATF_CHECK_EQ(call.flags, L_CLONE_VM | L_CLONE_VFORK | 17);
	ATF_CHECK_EQ(call.stack, 0x18000);

	/* A process: the module stores the child's TID for PARENT_SETTID,
	 * which compat_linux's fork path drops. */
	tid = 0;
	ca.flags = L_CLONE_VM | L_CLONE_VFORK | L_CLONE_PARENT_SETTID;
	ca.parent_tid = (uint64_t)(uintptr_t)&tid;
	CHECK_RET(CLRS_CLONE_TID, CALL(NR_CLONE3, &ca, sizeof(ca), 0, 0, 0,
	    0));
	ATF_CHECK_EQ(tid, CLRS_CLONE_TID);
	rump_clrs_last_clone(&call);
	ATF_CHECK_EQ(call.calls, 3);
	/* ... and the TLS and CHILD_CLEARTID it would drop: ENOSYS */
	ca.flags = L_CLONE_VM | L_CLONE_VFORK | L_CLONE_SETTLS;
	CHECK_ERR(RUMP_ENOSYS, CALL(NR_CLONE3, &ca, sizeof(ca), 0, 0, 0, 0));
	ca.flags = L_CLONE_VM | L_CLONE_VFORK | L_CLONE_CHILD_CLEARTID;
	CHECK_ERR(RUMP_ENOSYS, CALL(NR_CLONE3, &ca, sizeof(ca), 0, 0, 0, 0));
	ca.flags = L_CLONE_VM | L_CLONE_VFORK;
	ca.parent_tid = 0;

	/* Refused before compat_linux is asked. */
	CHECK_ERR(RUMP_EINVAL, CALL(NR_CLONE3, &ca, 63, 0, 0, 0, 0));
	CHECK_ERR(RUMP_E2BIG, CALL(NR_CLONE3, &ca, 4097, 0, 0, 0, 0));
	memset(big, 0, sizeof(big));
	memcpy(big, &ca, sizeof(ca));
	CHECK_RET(CLRS_CLONE_TID, CALL(NR_CLONE3, big, 4096, 0, 0, 0, 0));
	rump_clrs_last_clone(&call);
	ATF_CHECK_EQ(call.calls, 4);
	big[200] = 1;
	CHECK_ERR(RUMP_E2BIG, CALL(NR_CLONE3, big, 4096, 0, 0, 0, 0));
	CHECK_ERR(RUMP_EFAULT, CALL(NR_CLONE3, 0, sizeof(ca), 0, 0, 0, 0));
	/* CLONE_PIDFD: its number is stored before the clone, at NULL here */
	ca.flags |= L_CLONE_PIDFD;
	CHECK_ERR(RUMP_EFAULT, CALL(NR_CLONE3, &ca, sizeof(ca), 0, 0, 0, 0));
	ca.flags = L_CLONE_THREAD;	/* without SIGHAND */
	ca.exit_signal = 0;
	CHECK_ERR(RUMP_EINVAL, CALL(NR_CLONE3, &ca, sizeof(ca), 0, 0, 0, 0));
	rump_clrs_last_clone(&call);
	ATF_CHECK_EQ(call.calls, 4);
	clrs_check_counts(&c);
}

/* --- semtimedop ------------------------------------------------------------ */

ATF_TC(semtimedop);
ATF_TC_HEAD(semtimedop, tc)
{
	atf_tc_set_md_var(tc, "descr", "semtimedop against sysv_sem.c: "
	    "operations, IPC_NOWAIT, timeouts, argument errors");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(semtimedop, tc)
{
	struct sembuf6 ops[2];
	struct l_timespec ts;
	struct clrs_counts c;
	int id;

	clrs_boot(tc, CLRS_TMPFS);
	clrs_require_semtimedop(tc);
	id = clrs_semset(2, 1);
	clrs_counts(&c, 0);

	ops[0] = (struct sembuf6){ 0, -1, 0 };
	ops[1] = (struct sembuf6){ 1, 2, 0 };
	ts = (struct l_timespec){ 1, 0 };
	CHECK_RET(0, CALL(NR_SEMTIMEDOP, id, ops, 2, &ts, 0, 0));
	ATF_CHECK_EQ(clrs_semval(id, 0), 0);
	ATF_CHECK_EQ(clrs_semval(id, 1), 3);
	/* Without a timeout: semop(2). */
	ops[0] = (struct sembuf6){ 1, -3, 0 };
	CHECK_RET(0, CALL(NR_SEMTIMEDOP, id, ops, 1, 0, 0, 0));
	ATF_CHECK_EQ(clrs_semval(id, 1), 0);

	/* Would block with IPC_NOWAIT: EAGAIN at once. */
	ops[0] = (struct sembuf6){ 0, -1, SEM_IPC_NOWAIT };
	CHECK_ERR(RUMP_EAGAIN, CALL(NR_SEMTIMEDOP, id, ops, 1, &ts, 0, 0));
	ATF_CHECK_EQ(clrs_semval(id, 0), 0);
	ops[0].sem_flg = 0;

	/* Argument errors, in Linux's order. */
	ts = (struct l_timespec){ 0, 1000000000 };
	CHECK_ERR(RUMP_EINVAL, CALL(NR_SEMTIMEDOP, id, ops, 1, &ts, 0, 0));
	ts = (struct l_timespec){ -1, 0 };
	CHECK_ERR(RUMP_EINVAL, CALL(NR_SEMTIMEDOP, id, ops, 1, &ts, 0, 0));
	ts = (struct l_timespec){ 0, 1000 };
	CHECK_ERR(RUMP_EINVAL, CALL(NR_SEMTIMEDOP, -1, ops, 1, &ts, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_SEMTIMEDOP, id, ops, 0, &ts, 0, 0));
	CHECK_ERR(RUMP_E2BIG, CALL(NR_SEMTIMEDOP, id, ops, 1000, &ts, 0, 0));
	CHECK_ERR(RUMP_EFAULT, CALL(NR_SEMTIMEDOP, id, 0, 1, &ts, 0, 0));
	ops[0] = (struct sembuf6){ 5, -1, 0 };
	CHECK_ERR(RUMP_EFBIG, CALL(NR_SEMTIMEDOP, id, ops, 1, &ts, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_SEMTIMEDOP, id + 1, ops, 1, &ts, 0,
	    0));
	clrs_check_counts(&c);
}

ATF_TC(semtimedop_timeout);
ATF_TC_HEAD(semtimedop_timeout, tc)
{
	atf_tc_set_md_var(tc, "descr", "semtimedop that would block returns "
	    "EAGAIN when its timeout passes, a zero one at once");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(semtimedop_timeout, tc)
{
	struct sembuf6 op = { 0, -1, 0 };
	struct l_timespec ts = { 0, 50 * 1000 * 1000 };
	struct clrs_counts c;
	uint64_t t0, ms;
	int id;

	clrs_boot(tc, CLRS_TMPFS);
	clrs_require_semtimedop(tc);
	clrs_require_cancellable_sleep();
	id = clrs_semset(1, 0);
	clrs_counts(&c, 0);
	t0 = clrs_now();
	CHECK_ERR(RUMP_EAGAIN, CALL(NR_SEMTIMEDOP, id, &op, 1, &ts, 0, 0));
	ms = (clrs_now() - t0) / 1000000;
	ATF_CHECK_MSG(ms >= 50 && ms < 2000, "a 50 ms timeout took %llu ms",
	    (unsigned long long)ms);
	ts = (struct l_timespec){ 0, 0 };
	CHECK_ERR(RUMP_EAGAIN, CALL(NR_SEMTIMEDOP, id, &op, 1, &ts, 0, 0));
	ATF_CHECK_EQ(clrs_semval(id, 0), 0);
	clrs_check_counts(&c);
}

ATF_TC(semtimedop_user_memory);
ATF_TC_HEAD(semtimedop_user_memory, tc)
{
	atf_tc_set_md_var(tc, "descr", "semtimedop with a timeout writes no "
	    "user memory the caller did not pass (its stack included)");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(semtimedop_user_memory, tc)
{
	struct sembuf6 ops[1];
	struct l_timespec ts;
	unsigned char *stack, *copy;
	size_t i;
	int id;

	clrs_boot(tc, CLRS_TMPFS);
	clrs_require_semtimedop(tc);
	id = clrs_semset(1, 1);
	stack = clrs_user_stack();
	ATF_REQUIRE((copy = malloc(CLRS_USTACK)) != NULL);
	clrs_fill(stack, CLRS_USTACK, 0, 9);
	memcpy(copy, stack, CLRS_USTACK);

	/* Done at once, and refused at once (IPC_NOWAIT): neither sleeps. */
	ops[0] = (struct sembuf6){ 0, -1, 0 };
	ts = (struct l_timespec){ 1, 0 };
	CHECK_RET(0, CALL(NR_SEMTIMEDOP, id, ops, 1, &ts, 0, 0));
	ops[0].sem_flg = SEM_IPC_NOWAIT;
	CHECK_ERR(RUMP_EAGAIN, CALL(NR_SEMTIMEDOP, id, ops, 1, &ts, 0, 0));
	for (i = 0; i < CLRS_USTACK; i++) {
		if (stack[i] != copy[i])
			break;
	}
	ATF_CHECK_MSG(i == CLRS_USTACK, "the call wrote the caller's stack "
	    "at %zu bytes below its stack pointer",
	    (size_t)CLRS_USTACK - i);
	ATF_CHECK_EQ(ops[0].sem_flg, SEM_IPC_NOWAIT);
	free(copy);
}

ATF_TP_ADD_TCS(tp)
{

	ATF_TP_ADD_TC(tp, getcpu);
	ADD_FS_TC(tp, syncfs);
	ADD_FS_TC(tp, sync_file_range);
	ADD_FS_TC(tp, faccessat2);
	ADD_FS_TC(tp, renameat2);
	ADD_FS_TC(tp, copy_file_range);
	ATF_TP_ADD_TC(tp, clone3);
	ATF_TP_ADD_TC(tp, semtimedop);
	ATF_TP_ADD_TC(tp, semtimedop_timeout);
	ATF_TP_ADD_TC(tp, semtimedop_user_memory);
	return atf_no_error();
}
