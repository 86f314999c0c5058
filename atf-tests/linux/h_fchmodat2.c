/*
 * fchmodat2(2), Linux call 452 (past the last entry of compat_linux's own
 * table): the mode, AT_SYMLINK_NOFOLLOW (EOPNOTSUPP on a link),
 * AT_EMPTY_PATH, directory descriptors, owners and groups.
 */
#include "h_common.h"

/* Linux values, which differ from NetBSD's. */
#define L_AT_FDCWD		-100
#define L_AT_SYMLINK_NOFOLLOW	0x100
#define L_AT_EMPTY_PATH		0x1000

static long
fchmodat2(int dirfd, const void *path, unsigned long mode, unsigned long flags)
{
	return syscall(NR_fchmodat2, (long)dirfd, path, mode, flags);
}

static unsigned
mode_of(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		fail_at(__LINE__, "lstat %s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

/* "f" (0644), "d/" (0755), "l" -> "f", "dl" -> "missing"; "f" open. */
static int
setup(void)
{
	int fd;

	put_file("f", "data");
	CHECK(chmod("f", 0644) == 0);
	CHECK(mkdir("d", 0755) == 0);
	CHECK(chmod("d", 0755) == 0);
	CHECK(symlink("f", "l") == 0);
	CHECK(symlink("missing", "dl") == 0);
	CHECK((fd = open("f", O_RDONLY)) >= 0);
	return fd;
}

static void
c_modes(void)
{
	setup();
	CHECK_RET(fchmodat2(L_AT_FDCWD, "f", 0600, 0), 0);
	CHECK_EQ(mode_of("f"), 0600);
	CHECK_RET(fchmodat2(L_AT_FDCWD, "d", 0700, 0), 0);
	CHECK_EQ(mode_of("d"), 0700);
	/* mode_t is 16 bits, of which 07777 count */
	CHECK_RET(fchmodat2(L_AT_FDCWD, "f", 0x100000000UL | 0170640, 0), 0);
	CHECK_EQ(mode_of("f"), 0640);
	/* the flags are 32 bits */
	CHECK_RET(fchmodat2(L_AT_FDCWD, "f", 0604, 0xdead00000000UL), 0);
	CHECK_EQ(mode_of("f"), 0604);
}

static void
c_bad_flags(void)
{
	setup();
	CHECK_ERR(fchmodat2(L_AT_FDCWD, "f", 0600, 0x200), EINVAL);
	CHECK_ERR(fchmodat2(L_AT_FDCWD, "f", 0600, 0x400), EINVAL);
	CHECK_ERR(fchmodat2(L_AT_FDCWD, "f", 0600, 1), EINVAL);
	/* before the lookup */
	CHECK_ERR(fchmodat2(L_AT_FDCWD, "missing", 0600, 0x2000), EINVAL);
	CHECK_EQ(mode_of("f"), 0644);
}

static void
c_symlink_follow(void)
{
	setup();
	CHECK_RET(fchmodat2(L_AT_FDCWD, "l", 0600, 0), 0);
	CHECK_EQ(mode_of("f"), 0600);
	CHECK_ERR(fchmodat2(L_AT_FDCWD, "dl", 0600, 0), ENOENT);
}

/* No link's mode is changed: EOPNOTSUPP, even for a dangling one. */
static void
c_symlink_nofollow(void)
{
	unsigned lmode;

	setup();
	lmode = mode_of("l");
	CHECK_ERR(fchmodat2(L_AT_FDCWD, "l", 0600, L_AT_SYMLINK_NOFOLLOW),
	    EOPNOTSUPP);
	CHECK_ERR(fchmodat2(L_AT_FDCWD, "dl", 0600, L_AT_SYMLINK_NOFOLLOW),
	    EOPNOTSUPP);
	CHECK_EQ(mode_of("l"), lmode);
	CHECK_EQ(mode_of("f"), 0644);
	CHECK_RET(fchmodat2(L_AT_FDCWD, "f", 0600, L_AT_SYMLINK_NOFOLLOW), 0);
}

static void
c_empty_path(void)
{
	int fd = setup(), dfd;

	CHECK_ERR(fchmodat2(fd, "", 0600, 0), ENOENT);
	CHECK_RET(fchmodat2(fd, "", 0600, L_AT_EMPTY_PATH), 0);
	CHECK_EQ(mode_of("f"), 0600);
	CHECK_ERR(fchmodat2(999, "", 0600, L_AT_EMPTY_PATH), EBADF);
	CHECK((dfd = open("d", O_RDONLY | O_DIRECTORY)) >= 0);
	CHECK_RET(fchmodat2(dfd, "", 0711,
	    L_AT_EMPTY_PATH | L_AT_SYMLINK_NOFOLLOW), 0);
	CHECK_EQ(mode_of("d"), 0711);
	/* AT_FDCWD: the working directory */
	CHECK(chdir("d") == 0);
	CHECK_RET(fchmodat2(L_AT_FDCWD, "", 0755, L_AT_EMPTY_PATH), 0);
	CHECK(chdir("..") == 0);
	CHECK_EQ(mode_of("d"), 0755);
}

static void
c_dirfd(void)
{
	char cwd[4096], path[4200];
	int fd = setup(), dfd;

	CHECK_ERR(fchmodat2(999, "f", 0600, 0), EBADF);
	CHECK_ERR(fchmodat2(fd, "f", 0600, 0), ENOTDIR);
	put_file("d/g", "x");
	CHECK((dfd = open("d", O_RDONLY | O_DIRECTORY)) >= 0);
	CHECK_RET(fchmodat2(dfd, "g", 0600, 0), 0);
	CHECK_EQ(mode_of("d/g"), 0600);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(path, sizeof(path), "%s/f", cwd);
	CHECK_RET(fchmodat2(999, path, 0640, 0), 0);
	CHECK_RET(fchmodat2(fd, path, 0604, 0), 0);
	CHECK_EQ(mode_of("f"), 0604);
}

/* The path is copied in before dirfd is looked at. */
static void
c_path_first(void)
{
	static char longpath[8192];
	int fd = setup();

	memset(longpath, 'a', sizeof(longpath) - 1);
	CHECK_ERR(fchmodat2(999, longpath, 0600, 0), ENAMETOOLONG);
	CHECK_ERR(fchmodat2(fd, longpath, 0600, 0), ENAMETOOLONG);
	CHECK_ERR(fchmodat2(999, unmapped(), 0600, 0), EFAULT);
	CHECK_ERR(fchmodat2(L_AT_FDCWD, unmapped(), 0600, L_AT_EMPTY_PATH),
	    EFAULT);
}

/* In a child as user 65534: cases of ownership and groups. */
static void
as_nobody(void (*fn)(void))
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		skip("needs root to act as another user");
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		CHECK(setgroups(0, NULL) == 0);
		CHECK(setresgid(65534, 65534, 65534) == 0);
		CHECK(setresuid(65534, 65534, 65534) == 0);
		fn();
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
not_owner(void)
{
	CHECK_ERR(fchmodat2(L_AT_FDCWD, "f", 0666, 0), EPERM);
}

static void
c_not_owner(void)
{
	setup();
	CHECK(chmod(".", 0755) == 0);
	as_nobody(not_owner);
	CHECK_EQ(mode_of("f"), 0644);
}

static void
sgid(void)
{
	CHECK_RET(fchmodat2(L_AT_FDCWD, "m", 02640, 0), 0);
}

/* The owner outside the file's group: S_ISGID is dropped, the rest set. */
static void
c_sgid_outside_group(void)
{
	setup();
	CHECK(chmod(".", 0755) == 0);
	put_file("m", "x");
	CHECK(chown("m", 65534, 0) == 0);
	as_nobody(sgid);
	CHECK_EQ(mode_of("m"), 0640);
}

static void
sticky(void)
{
	CHECK_RET(fchmodat2(L_AT_FDCWD, "m", 01644, 0), 0);
}

/* The owner sets the sticky bit of a file. */
static void
c_sticky_file(void)
{
	setup();
	CHECK(chmod(".", 0755) == 0);
	put_file("m", "x");
	CHECK(chown("m", 65534, 65534) == 0);
	as_nobody(sticky);
	CHECK_EQ(mode_of("m"), 01644);
}

/* AT_EMPTY_PATH on a pipe changes the pipe's mode. */
static void
c_pipe_empty_path(void)
{
	struct stat st;
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK_RET(fchmodat2(p[0], "", 0640, L_AT_EMPTY_PATH), 0);
	CHECK(fstat(p[0], &st) == 0);
	CHECK_EQ(st.st_mode & 07777, 0640);
}

static const struct tcase cases[] = {
	CASE(modes),
	CASE(bad_flags),
	CASE(symlink_follow),
	CASE(symlink_nofollow),
	CASE(empty_path),
	CASE(dirfd),
	CASE(path_first),
	CASE(not_owner),
	CASE(sgid_outside_group),
	CASE(sticky_file),
	CASE(pipe_empty_path),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
