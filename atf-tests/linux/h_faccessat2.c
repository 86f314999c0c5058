/*
 * faccessat2(2), Linux call 439: mode and flags checked (EINVAL), real or
 * effective IDs (AT_EACCESS), dirfd ignored for absolute paths,
 * AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW.
 */
#include "h_common.h"

/* Linux values, which differ from NetBSD's. */
#define L_AT_FDCWD		-100
#define L_AT_SYMLINK_NOFOLLOW	0x100
#define L_AT_EACCESS		0x200
#define L_AT_EMPTY_PATH		0x1000

static long
faccessat2(int dirfd, const void *path, int mode, int flags)
{
	return syscall(NR_faccessat2, dirfd, path, mode, flags);
}

/* A file f (0644, no execute bit: even root gets EACCES for X_OK). */
static int
setup_file(void)
{
	int fd;

	put_file("f", "data");
	CHECK(chmod("f", 0644) == 0);
	CHECK((fd = open("f", O_RDONLY)) >= 0);
	return fd;
}

static void
c_modes(void)
{
	setup_file();
	CHECK_RET(faccessat2(L_AT_FDCWD, "f", F_OK, 0), 0);
	CHECK_RET(faccessat2(L_AT_FDCWD, "f", R_OK | W_OK, 0), 0);
	CHECK_ERR(faccessat2(L_AT_FDCWD, "f", X_OK, 0), EACCES);
	CHECK_ERR(faccessat2(L_AT_FDCWD, "f", R_OK | X_OK, 0), EACCES);
	CHECK_ERR(faccessat2(L_AT_FDCWD, "missing", F_OK, 0), ENOENT);
	CHECK_ERR(faccessat2(L_AT_FDCWD, "f/x", F_OK, 0), ENOTDIR);
	CHECK_RET(faccessat2(L_AT_FDCWD, ".", R_OK | W_OK | X_OK, 0), 0);
}

static void
c_bad_mode(void)
{
	setup_file();
	CHECK_ERR(faccessat2(L_AT_FDCWD, "f", 8, 0), EINVAL);
	CHECK_ERR(faccessat2(L_AT_FDCWD, "f", 0x10 | R_OK, 0), EINVAL);
	CHECK_ERR(faccessat2(L_AT_FDCWD, "f", -1, 0), EINVAL);
	/* mode is checked before the path is looked up */
	CHECK_ERR(faccessat2(L_AT_FDCWD, "missing", 8, 0), EINVAL);
}

static void
c_bad_flags(void)
{
	setup_file();
	CHECK_ERR(faccessat2(L_AT_FDCWD, "f", F_OK, 0x1), EINVAL);
	CHECK_ERR(faccessat2(L_AT_FDCWD, "f", F_OK, 0x400), EINVAL);
	CHECK_ERR(faccessat2(L_AT_FDCWD, "f", F_OK,
	    L_AT_EACCESS | 0x800), EINVAL);
	CHECK_ERR(faccessat2(L_AT_FDCWD, "missing", F_OK, 0x4000), EINVAL);
	/* every valid flag together is accepted */
	CHECK_RET(faccessat2(L_AT_FDCWD, "f", R_OK,
	    L_AT_EACCESS | L_AT_SYMLINK_NOFOLLOW | L_AT_EMPTY_PATH), 0);
}

/* An absolute path ignores dirfd, even a closed or non-directory one. */
static void
c_absolute_bad_dirfd(void)
{
	char cwd[4096], path[4200];
	int fd = setup_file();

	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(path, sizeof(path), "%s/f", cwd);
	CHECK_RET(faccessat2(999, path, R_OK, 0), 0);
	CHECK_RET(faccessat2(-5, path, R_OK, 0), 0);
	CHECK_RET(faccessat2(fd, path, R_OK, 0), 0);
	CHECK_ERR(faccessat2(999, path, X_OK, 0), EACCES);
}

/* A relative path needs dirfd to be AT_FDCWD or a directory. */
static void
c_relative_dirfd(void)
{
	int fd = setup_file(), dfd;

	CHECK_ERR(faccessat2(999, "f", F_OK, 0), EBADF);
	CHECK_ERR(faccessat2(fd, "f", F_OK, 0), ENOTDIR);
	CHECK(mkdir("d", 0755) == 0);
	put_file("d/g", "x");
	CHECK((dfd = open("d", O_RDONLY | O_DIRECTORY)) >= 0);
	CHECK_RET(faccessat2(dfd, "g", R_OK, 0), 0);
	CHECK_ERR(faccessat2(dfd, "f", F_OK, 0), ENOENT);
}

static void
c_empty_path(void)
{
	int fd = setup_file();

	CHECK_ERR(faccessat2(fd, "", F_OK, 0), ENOENT);
	CHECK_ERR(faccessat2(L_AT_FDCWD, "", F_OK, 0), ENOENT);
	CHECK_RET(faccessat2(fd, "", R_OK | W_OK, L_AT_EMPTY_PATH), 0);
	CHECK_ERR(faccessat2(fd, "", X_OK, L_AT_EMPTY_PATH), EACCES);
	/* AT_FDCWD with an empty path is the working directory */
	CHECK_RET(faccessat2(L_AT_FDCWD, "", X_OK, L_AT_EMPTY_PATH), 0);
	CHECK_ERR(faccessat2(999, "", F_OK, L_AT_EMPTY_PATH), EBADF);
}

static void
c_symlink_nofollow(void)
{
	setup_file();
	CHECK(symlink("missing", "dangling") == 0);
	CHECK(symlink("f", "link") == 0);
	CHECK_ERR(faccessat2(L_AT_FDCWD, "dangling", F_OK, 0), ENOENT);
	CHECK_RET(faccessat2(L_AT_FDCWD, "dangling", F_OK,
	    L_AT_SYMLINK_NOFOLLOW), 0);
	CHECK_RET(faccessat2(L_AT_FDCWD, "link", R_OK, 0), 0);
	CHECK_ERR(faccessat2(L_AT_FDCWD, "link", X_OK, 0), EACCES);
}

/*
 * In a child with real and effective user IDs apart, the check uses the
 * real one, or with AT_EACCESS the effective one.  "p" is root's, 0600, in
 * a directory anyone may search.
 */
static void
ids_child(uid_t ruid, uid_t euid, int plain, int eaccess)
{
	pid_t pid;
	int status;

	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		CHECK(setresgid(65534, 65534, 0) == 0);
		CHECK(setresuid(ruid, euid, 0) == 0);
		if (plain)
			CHECK_ERR(faccessat2(L_AT_FDCWD, "d/p", R_OK, 0), plain);
		else
			CHECK_RET(faccessat2(L_AT_FDCWD, "d/p", R_OK, 0), 0);
		if (eaccess)
			CHECK_ERR(faccessat2(L_AT_FDCWD, "d/p", R_OK,
			    L_AT_EACCESS), eaccess);
		else
			CHECK_RET(faccessat2(L_AT_FDCWD, "d/p", R_OK,
			    L_AT_EACCESS), 0);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
ids_setup(void)
{
	if (geteuid() != 0)
		skip("needs root to set differing real and effective IDs");
	CHECK(mkdir("d", 0755) == 0);
	CHECK(chmod(".", 0755) == 0);
	put_file("d/p", "secret");
	CHECK(chmod("d/p", 0600) == 0);
}

static void
c_eaccess_real_root(void)
{
	ids_setup();
	ids_child(0, 65534, 0, EACCES);
}

static void
c_eaccess_effective_root(void)
{
	ids_setup();
	ids_child(65534, 0, EACCES, 0);
}

static void
c_efault(void)
{
	CHECK_ERR(faccessat2(L_AT_FDCWD, unmapped(), F_OK, 0), EFAULT);
	CHECK_ERR(faccessat2(L_AT_FDCWD, unmapped(), F_OK, L_AT_EMPTY_PATH),
	    EFAULT);
}

/* A program that is being run may be checked for writing like any file. */
static void
c_running_program(void)
{
	if (geteuid() != 0 && access(self_path, W_OK) != 0)
		skip("needs a program file this user may write");
	CHECK_RET(faccessat2(L_AT_FDCWD, self_path, W_OK, 0), 0);
	CHECK_RET(faccessat2(L_AT_FDCWD, self_path, W_OK, L_AT_EACCESS), 0);
}

/* The path is copied in before dirfd is looked at. */
static void
c_path_before_dirfd(void)
{
	static char longpath[8192];
	int fd = setup_file();

	memset(longpath, 'a', sizeof(longpath) - 1);
	CHECK_ERR(faccessat2(999, longpath, F_OK, 0), ENAMETOOLONG);
	CHECK_ERR(faccessat2(fd, longpath, F_OK, 0), ENAMETOOLONG);
	CHECK_ERR(faccessat2(999, unmapped(), F_OK, 0), EFAULT);
	CHECK_ERR(faccessat2(fd, unmapped(), F_OK, 0), EFAULT);
}

static const struct tcase cases[] = {
	CASE(modes),
	CASE(bad_mode),
	CASE(bad_flags),
	CASE(absolute_bad_dirfd),
	CASE(relative_dirfd),
	CASE(empty_path),
	CASE(symlink_nofollow),
	CASE(eaccess_real_root),
	CASE(eaccess_effective_root),
	CASE(efault),
	CASE(running_program),
	CASE(path_before_dirfd),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
