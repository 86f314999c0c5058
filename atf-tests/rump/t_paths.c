/*
 * t_paths: openat2 and fchmodat2 on the rump kernel's tmpfs and on an ffs
 * image, through the kernel's own namei, vn_open (7.99's, under the
 * harness's 10/11 interface), fd_allocfile/fd_affix and VOP_SETATTR:
 * RESOLVE_* walks, links, creation, the descriptor made, modes set, and
 * the kernel's reference counts balanced around every call.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "h_rump.h"

/* Linux x86-64 open flags (octal, include/uapi/asm-generic/fcntl.h). */
#define	L_O_WRONLY	01
#define	L_O_RDWR	02
#define	L_O_CREAT	0100
#define	L_O_EXCL	0200
#define	L_O_TRUNC	01000
#define	L_O_DIRECTORY	0200000
#define	L_O_NOFOLLOW	0400000
#define	L_O_CLOEXEC	02000000
#define	L_O_PATH	010000000
/* RESOLVE_* (include/uapi/linux/openat2.h). */
#define	L_RESOLVE_NO_XDEV	0x01
#define	L_RESOLVE_NO_SYMLINKS	0x04
#define	L_RESOLVE_BENEATH	0x08
#define	L_RESOLVE_IN_ROOT	0x10
#define	L_RESOLVE_CACHED	0x20

struct open_how {
	uint64_t	flags, mode, resolve;
};

/*
 * The permission bits of what path names, not followed: st_mode of
 * NetBSD's struct stat, which lies after the 64-bit st_dev (sys/stat.h);
 * the host's struct stat is another layout.
 */
static unsigned
mode_of(const char *path)
{
	uint64_t sb[32];	/* NetBSD's struct stat is 152 bytes on amd64 */
	uint32_t mode;

	ATF_REQUIRE_MSG(rump_sys_lstat(path, (void *)sb) == 0,
	    "lstat %s: errno %d", path, errno);
	memcpy(&mode, (char *)sb + 8, sizeof(mode));
	return mode & 07777;
}

/*
 * openat2 as a case gives it: the descriptor, or -1 with the errno in
 * clrs_errno.
 */
static int64_t
openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode,
    uint64_t resolve)
{
	struct open_how how = { flags, mode, resolve };

	return CALL(NR_OPENAT2, dirfd, path, &how, sizeof(how), 0, 0);
}

/*
 * Checks that openat2 opens the file that holds `want`, its vnode held by
 * the new descriptor alone, and closes it: the vnode's references as
 * before.
 */
static void
check_opens(int dirfd, const char *path, uint64_t flags, uint64_t resolve,
    const char *want, const char *host_path)
{
	struct clrs_refs before, open_refs, after;
	char got[32];
	int64_t fd;
	ssize_t n;

	ATF_REQUIRE_EQ(rump_clrs_path_refs(host_path, &before), 0);
	fd = openat2(dirfd, path, flags, 0, resolve);
	ATF_CHECK_MSG(fd >= 0, "openat2 %s (resolve %#llx): errno %d", path,
	    (unsigned long long)resolve, clrs_errno);
	if (fd < 0)
		return;
	ATF_REQUIRE_EQ(rump_clrs_fd_refs((int)fd, &open_refs), 0);
	ATF_CHECK_EQ(open_refs.file_refs, 1);
	ATF_CHECK_EQ(open_refs.vnode_refs, before.vnode_refs + 1);
	ATF_CHECK_EQ(open_refs.vnode_locked, 0);
	memset(got, 0, sizeof(got));
	n = rump_sys_read((int)fd, got, sizeof(got) - 1);
	ATF_CHECK_MSG(n == (ssize_t)strlen(want) && strcmp(got, want) == 0,
	    "openat2 %s opened a file that holds \"%s\", not \"%s\"", path,
	    got, want);
	RL(rump_sys_close((int)fd));
	ATF_REQUIRE_EQ(rump_clrs_path_refs(host_path, &after), 0);
	ATF_CHECK_EQ_MSG(after.vnode_refs, before.vnode_refs,
	    "%s: v_usecount %u before, %u after close", host_path,
	    before.vnode_refs, after.vnode_refs);
}

/* --- openat2 --------------------------------------------------------------- */

/*
 * The tree:  d/f "in d", d/sub/g "in sub", outside "outside",
 * d/rel -> sub/g, d/esc -> ../outside, d/abs -> /sub/g.
 */
static int
make_tree(void)
{
	int dirfd;

	RL(rump_sys_mkdir("d", 0755));
	RL(rump_sys_mkdir("d/sub", 0755));
	RL(rump_sys_close(clrs_create("d/f", "in d", 4, 0644)));
	RL(rump_sys_close(clrs_create("d/sub/g", "in sub", 6, 0644)));
	RL(rump_sys_close(clrs_create("outside", "outside", 7, 0644)));
	RL(rump_sys_symlink("sub/g", "d/rel"));
	RL(rump_sys_symlink("../outside", "d/esc"));
	RL(rump_sys_symlink("/sub/g", "d/abs"));
	dirfd = rump_sys_open("d", RUMP_O_RDONLY | RUMP_O_DIRECTORY);
	RL(dirfd);
	return dirfd;
}

FS_TC(openat2_resolve, "openat2: RESOLVE_BENEATH, IN_ROOT, NO_SYMLINKS, "
    "NO_XDEV walks")
{
	struct clrs_counts c;
	int dirfd;

	dirfd = make_tree();
	clrs_counts(&c, 1, dirfd);

	/* No RESOLVE_* flags: links followed, ".." the file system's. */
	check_opens(dirfd, "f", 0, 0, "in d", "d/f");
	check_opens(dirfd, "rel", 0, 0, "in sub", "d/sub/g");
	check_opens(dirfd, "esc", 0, 0, "outside", "outside");
	check_opens(dirfd, "sub/../../outside", 0, 0, "outside", "outside");
	check_opens(L_AT_FDCWD, "d/sub/g", 0, 0, "in sub", "d/sub/g");
	CHECK_ERR(RUMP_ENOENT, openat2(dirfd, "abs", 0, 0, 0));
	clrs_check_counts(&c);

	/* BENEATH: nothing above dirfd's directory. */
	check_opens(dirfd, "sub/g", 0, L_RESOLVE_BENEATH, "in sub",
	    "d/sub/g");
	check_opens(dirfd, "sub/../f", 0, L_RESOLVE_BENEATH, "in d", "d/f");
	check_opens(dirfd, "rel", 0, L_RESOLVE_BENEATH, "in sub", "d/sub/g");
	CHECK_ERR(RUMP_EXDEV, openat2(dirfd, "../outside", 0, 0,
	    L_RESOLVE_BENEATH));
	CHECK_ERR(RUMP_EXDEV, openat2(dirfd, "sub/../../outside", 0, 0,
	    L_RESOLVE_BENEATH));
	CHECK_ERR(RUMP_EXDEV, openat2(dirfd, "esc", 0, 0,
	    L_RESOLVE_BENEATH));
	CHECK_ERR(RUMP_EXDEV, openat2(dirfd, "abs", 0, 0,
	    L_RESOLVE_BENEATH));
	CHECK_ERR(RUMP_EXDEV, openat2(dirfd, MNT "/outside", 0, 0,
	    L_RESOLVE_BENEATH));
	clrs_check_counts(&c);

	/* IN_ROOT: dirfd's directory is "/", ".." stops there. */
	check_opens(dirfd, "/f", 0, L_RESOLVE_IN_ROOT, "in d", "d/f");
	check_opens(dirfd, "../../f", 0, L_RESOLVE_IN_ROOT, "in d", "d/f");
	check_opens(dirfd, "abs", 0, L_RESOLVE_IN_ROOT, "in sub", "d/sub/g");
	CHECK_ERR(RUMP_ENOENT, openat2(dirfd, "esc", 0, 0,
	    L_RESOLVE_IN_ROOT));
	clrs_check_counts(&c);

	/* NO_SYMLINKS, and O_NOFOLLOW for the last component. */
	CHECK_ERR(RUMP_ELOOP, openat2(dirfd, "rel", 0, 0,
	    L_RESOLVE_NO_SYMLINKS));
	CHECK_ERR(RUMP_ELOOP, openat2(dirfd, "rel", L_O_NOFOLLOW, 0, 0));
	check_opens(dirfd, "sub/g", 0, L_RESOLVE_NO_SYMLINKS, "in sub",
	    "d/sub/g");
	clrs_check_counts(&c);

	/* NO_XDEV: another file system mounted on d/sub. */
	ATF_REQUIRE_EQ(clrs_mount(CLRS_TMPFS, MNT "/d/sub", NULL, 0), 0);
	RL(rump_sys_close(clrs_create("d/sub/h", "on tmpfs", 8, 0644)));
	clrs_counts(&c, 1, dirfd);
	check_opens(dirfd, "sub/h", 0, 0, "on tmpfs", "d/sub/h");
	CHECK_ERR(RUMP_EXDEV, openat2(dirfd, "sub/h", 0, 0,
	    L_RESOLVE_NO_XDEV));
	CHECK_ERR(RUMP_EXDEV, openat2(dirfd, "sub", L_O_DIRECTORY, 0,
	    L_RESOLVE_NO_XDEV));
	check_opens(dirfd, "f", 0, L_RESOLVE_NO_XDEV, "in d", "d/f");
	clrs_check_counts(&c);
}

FS_TC(openat2_open, "openat2: creation, open flags, the descriptor made, "
    "argument checks")
{
	struct open_how big[2];
	struct clrs_counts c;
	int64_t fd;
	int dirfd, filefd;

	dirfd = make_tree();
	filefd = rump_sys_open("outside", RUMP_O_RDONLY);
	RL(filefd);
	(void)rump_sys_umask(022);
	clrs_counts(&c, 2, dirfd, filefd);
	c.files_change = 1;

	/* O_CREAT|O_EXCL: made with the umask applied, then EEXIST. */
	fd = openat2(dirfd, "new", L_O_CREAT | L_O_EXCL | L_O_RDWR, 0666, 0);
	ATF_CHECK_MSG(fd >= 0, "create: errno %d", clrs_errno);
	if (fd >= 0) {
		ATF_CHECK_EQ(rump_sys_write((int)fd, "made", 4), 4);
		RL(rump_sys_close((int)fd));
	}
	ATF_CHECK_EQ(mode_of("d/new"), 0644);
	clrs_check_contents("d/new", "made", 4);
	CHECK_ERR(RUMP_EEXIST, openat2(dirfd, "new",
	    L_O_CREAT | L_O_EXCL | L_O_RDWR, 0600, 0));
	/* O_CREAT|O_EXCL never follows a final link. */
	CHECK_ERR(RUMP_EEXIST, openat2(dirfd, "rel",
	    L_O_CREAT | L_O_EXCL | L_O_WRONLY, 0600, 0));
	/* O_CLOEXEC on the descriptor, nothing else. */
	fd = openat2(dirfd, "f", L_O_CLOEXEC, 0, 0);
	ATF_CHECK_MSG(fd >= 0, "O_CLOEXEC: errno %d", clrs_errno);
	if (fd >= 0) {
		ATF_CHECK_EQ(rump_sys_fcntl((int)fd, F_GETFD), FD_CLOEXEC);
		RL(rump_sys_close((int)fd));
	}
	fd = openat2(dirfd, "f", 0, 0, 0);
	if (fd >= 0) {
		ATF_CHECK_EQ(rump_sys_fcntl((int)fd, F_GETFD), 0);
		RL(rump_sys_close((int)fd));
	}
	/* O_TRUNC with write access. */
	fd = openat2(dirfd, "new", L_O_WRONLY | L_O_TRUNC, 0, 0);
	ATF_CHECK_MSG(fd >= 0, "O_TRUNC: errno %d", clrs_errno);
	if (fd >= 0)
		RL(rump_sys_close((int)fd));
	ATF_CHECK_EQ(clrs_size("d/new"), 0);
	/* A path that ends at a directory. */
	fd = openat2(dirfd, "sub/", L_O_DIRECTORY, 0, 0);
	ATF_CHECK_MSG(fd >= 0, "sub/: errno %d", clrs_errno);
	if (fd >= 0)
		RL(rump_sys_close((int)fd));
	fd = openat2(dirfd, ".", L_O_PATH, 0, 0);
	ATF_CHECK_MSG(fd >= 0, "O_PATH .: errno %d", clrs_errno);
	if (fd >= 0)
		RL(rump_sys_close((int)fd));
	CHECK_ERR(RUMP_EISDIR, openat2(dirfd, "sub", L_O_WRONLY, 0, 0));
	CHECK_ERR(RUMP_ENOTDIR, openat2(dirfd, "f", L_O_DIRECTORY, 0, 0));
	CHECK_ERR(RUMP_ENOTDIR, openat2(dirfd, "f/", 0, 0, 0));
	CHECK_ERR(RUMP_ENOENT, openat2(dirfd, "missing", 0, 0, 0));
	CHECK_ERR(RUMP_ENOENT, openat2(dirfd, "", 0, 0, 0));
	clrs_check_counts(&c);

	/* The arguments, in Linux's order. */
	CHECK_ERR(RUMP_EINVAL, CALL(NR_OPENAT2, dirfd, "f", big, 16, 0, 0));
	CHECK_ERR(RUMP_E2BIG, CALL(NR_OPENAT2, dirfd, "f", big, 4097, 0, 0));
	memset(big, 0, sizeof(big));
	big[1].flags = 1;
	CHECK_ERR(RUMP_E2BIG, CALL(NR_OPENAT2, dirfd, "f", big, sizeof(big),
	    0, 0));
	big[1].flags = 0;
	fd = CALL(NR_OPENAT2, dirfd, "f", big, sizeof(big), 0, 0);
	ATF_CHECK_MSG(fd >= 0, "a larger zeroed how: errno %d", clrs_errno);
	if (fd >= 0)
		RL(rump_sys_close((int)fd));
	CHECK_ERR(RUMP_EFAULT, CALL(NR_OPENAT2, dirfd, "f", 0, 24, 0, 0));
	CHECK_ERR(RUMP_EINVAL, openat2(dirfd, "f", 0, 0,
	    L_RESOLVE_BENEATH | L_RESOLVE_IN_ROOT));
	CHECK_ERR(RUMP_EINVAL, openat2(dirfd, "f", 0, 0, 0x40));
	CHECK_ERR(RUMP_EINVAL, openat2(dirfd, "f", 0, 0644, 0));
	CHECK_ERR(RUMP_EINVAL, openat2(dirfd, "f", L_O_CREAT, 010000, 0));
	CHECK_ERR(RUMP_EINVAL, openat2(dirfd, "f", L_O_CREAT | L_O_DIRECTORY,
	    0600, 0));
	CHECK_ERR(RUMP_EINVAL, openat2(dirfd, "f", 1ull << 40, 0, 0));
	CHECK_ERR(RUMP_EAGAIN, openat2(dirfd, "f", 0, 0, L_RESOLVE_CACHED));
	CHECK_ERR(RUMP_EFAULT, openat2(dirfd, NULL, 0, 0, 0));
	CHECK_ERR(RUMP_EBADF, openat2(999, "f", 0, 0, 0));
	CHECK_ERR(RUMP_ENOTDIR, openat2(filefd, "f", 0, 0, 0));
	clrs_check_counts(&c);

	/* Permissions, as another user. */
	RL(rump_sys_chmod("d/f", 0600));
	RL(rump_sys_seteuid(1000));
	clrs_counts(&c, 2, dirfd, filefd);
	CHECK_ERR(RUMP_EACCES, openat2(dirfd, "f", 0, 0, 0));
	CHECK_ERR(RUMP_EACCES, openat2(dirfd, "made-by-1000",
	    L_O_CREAT | L_O_WRONLY, 0600, 0));
	clrs_check_counts(&c);
	ATF_CHECK(!clrs_exists("d/made-by-1000"));
}

/*
 * Linux answers EISDIR for O_CREAT on an existing directory (fs/namei.c,
 * do_open), after EEXIST for O_EXCL; NetBSD's vn_open opens it when no
 * write access is asked (vfs_vnops.c: the existing node's O_CREAT
 * dropped), so the module must refuse it itself.
 */
FS_TC(openat2_creat_dir, "openat2: O_CREAT on an existing directory is "
    "EISDIR")
{
	struct clrs_counts c;
	int dirfd;

	dirfd = make_tree();
	RL(rump_sys_symlink("sub", "d/tosub"));
	clrs_counts(&c, 1, dirfd);
	CHECK_ERR(RUMP_EISDIR, openat2(dirfd, "sub", L_O_CREAT, 0600, 0));
	CHECK_ERR(RUMP_EISDIR, openat2(dirfd, "sub/", L_O_CREAT, 0600, 0));
	CHECK_ERR(RUMP_EISDIR, openat2(L_AT_FDCWD, "d", L_O_CREAT, 0600, 0));
	CHECK_ERR(RUMP_EISDIR, openat2(dirfd, "tosub", L_O_CREAT, 0600, 0));
	CHECK_ERR(RUMP_EEXIST, openat2(dirfd, "sub", L_O_CREAT | L_O_EXCL,
	    0600, 0));
	clrs_check_counts(&c);
}

/* --- fchmodat2 ------------------------------------------------------------- */

FS_TC(fchmodat2, "fchmodat2: modes set by path, link and descriptor")
{
	struct clrs_counts c;
	int fd, dirfd, rofd;

	fd = clrs_create("f", "x", 1, 0644);
	RL(rump_sys_mkdir("d", 0755));
	dirfd = rump_sys_open("d", RUMP_O_RDONLY);
	RL(dirfd);
	RL(rump_sys_close(clrs_create("d/g", "y", 1, 0644)));
	RL(rump_sys_symlink("f", "l"));
	clrs_counts(&c, 2, fd, dirfd);

	CHECK_RET(0, CALL(NR_FCHMODAT2, L_AT_FDCWD, "f", 0600, 0, 0, 0));
	ATF_CHECK_EQ(mode_of("f"), 0600);
	/* Only the permission bits of a 16-bit mode_t. */
	CHECK_RET(0, CALL(NR_FCHMODAT2, L_AT_FDCWD, "f", 0x10000 | 0100640, 0,
	    0, 0));
	ATF_CHECK_EQ(mode_of("f"), 0640);
	CHECK_RET(0, CALL(NR_FCHMODAT2, dirfd, "g", 0604, 0, 0, 0));
	ATF_CHECK_EQ(mode_of("d/g"), 0604);
	/* A final link: followed, or EOPNOTSUPP with AT_SYMLINK_NOFOLLOW. */
	CHECK_RET(0, CALL(NR_FCHMODAT2, L_AT_FDCWD, "l", 0660, 0, 0, 0));
	ATF_CHECK_EQ(mode_of("f"), 0660);
	CHECK_ERR(RUMP_EOPNOTSUPP, CALL(NR_FCHMODAT2, L_AT_FDCWD, "l", 0600,
	    L_AT_SYMLINK_NOFOLLOW, 0, 0));
	ATF_CHECK_EQ(mode_of("f"), 0660);
	/* AT_EMPTY_PATH: the descriptor's file. */
	CHECK_RET(0, CALL(NR_FCHMODAT2, fd, "", 0444, L_AT_EMPTY_PATH, 0, 0));
	ATF_CHECK_EQ(mode_of("f"), 0444);
	CHECK_ERR(RUMP_ENOENT, CALL(NR_FCHMODAT2, fd, "", 0444, 0, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_FCHMODAT2, L_AT_FDCWD, "f", 0444, 1,
	    0, 0));
	CHECK_ERR(RUMP_EFAULT, CALL(NR_FCHMODAT2, L_AT_FDCWD, 0, 0444, 0, 0,
	    0));
	CHECK_ERR(RUMP_ENOTDIR, CALL(NR_FCHMODAT2, fd, "x", 0444, 0, 0, 0));
	CHECK_ERR(RUMP_EBADF, CALL(NR_FCHMODAT2, 999, "x", 0444, 0, 0, 0));
	CHECK_ERR(RUMP_ENOENT, CALL(NR_FCHMODAT2, L_AT_FDCWD, "missing", 0444,
	    0, 0, 0));
	clrs_check_counts(&c);

	/* Not the owner: EPERM, the mode as it was. */
	RL(rump_sys_seteuid(1000));
	clrs_counts(&c, 2, fd, dirfd);
	CHECK_ERR(RUMP_EPERM, CALL(NR_FCHMODAT2, L_AT_FDCWD, "f", 0666, 0, 0,
	    0));
	clrs_check_counts(&c);
	RL(rump_sys_seteuid(0));
	ATF_CHECK_EQ(mode_of("f"), 0444);

	/* A read-only file system. */
	ATF_REQUIRE_EQ(clrs_mount(CLRS_TMPFS, "/ro", NULL, RUMP_MNT_RDONLY),
	    0);
	rofd = rump_sys_open("/ro", RUMP_O_RDONLY);
	RL(rofd);
	clrs_counts(&c, 1, rofd);
	CHECK_ERR(RUMP_EROFS, CALL(NR_FCHMODAT2, L_AT_FDCWD, "/ro", 0700, 0,
	    0, 0));
	CHECK_ERR(RUMP_EROFS, CALL(NR_FCHMODAT2, rofd, "", 0700,
	    L_AT_EMPTY_PATH, 0, 0));
	clrs_check_counts(&c);
}

ATF_TP_ADD_TCS(tp)
{

	ADD_FS_TC(tp, openat2_resolve);
	ADD_FS_TC(tp, openat2_open);
	ADD_FS_TC(tp, openat2_creat_dir);
	ADD_FS_TC(tp, fchmodat2);
	return atf_no_error();
}
