/*
 * renameat2(2), Linux call 316: flags checked (EINVAL), flags 0 is
 * rename(2) (a rename onto another link of the same file does nothing),
 * RENAME_NOREPLACE never replaces (EEXIST), RENAME_EXCHANGE swaps.
 */
#include "h_common.h"

#define L_AT_FDCWD		-100
#define RENAME_NOREPLACE	0x1
#define RENAME_EXCHANGE		0x2
#define RENAME_WHITEOUT		0x4

static long
renameat2(int ofd, const void *old, int nfd, const void *new, unsigned flags)
{
	return syscall(NR_renameat2, ofd, old, nfd, new, flags);
}

static int
gone(const char *path)
{
	struct stat st;

	return lstat(path, &st) == -1 && errno == ENOENT;
}

/* A directory d, and its descriptor. */
static int
dir_d(void)
{
	int dfd;

	CHECK(mkdir("d", 0755) == 0);
	CHECK((dfd = open("d", O_RDONLY | O_DIRECTORY)) >= 0);
	return dfd;
}

static void
c_plain(void)
{
	int dfd = dir_d();

	put_file("d/a", "alpha");
	CHECK_RET(renameat2(dfd, "a", dfd, "b", 0), 0);
	CHECK(gone("d/a"));
	CHECK_FILE("d/b", "alpha", 5);
	/* across directory descriptors, and with AT_FDCWD */
	CHECK_RET(renameat2(dfd, "b", L_AT_FDCWD, "c", 0), 0);
	CHECK(gone("d/b"));
	CHECK_FILE("c", "alpha", 5);
}

static void
c_replace(void)
{
	int dfd = dir_d();

	put_file("d/a", "alpha");
	put_file("d/b", "beta");
	CHECK_RET(renameat2(dfd, "a", dfd, "b", 0), 0);
	CHECK(gone("d/a"));
	CHECK_FILE("d/b", "alpha", 5);
}

/* Two links of one file: success, both names stay. */
static void
c_same_file(void)
{
	struct stat st;
	int dfd = dir_d();

	put_file("d/a", "alpha");
	CHECK(link("d/a", "d/b") == 0);
	CHECK_RET(renameat2(dfd, "a", dfd, "b", 0), 0);
	CHECK_RET(renameat2(L_AT_FDCWD, "d/a", L_AT_FDCWD, "d/b", 0), 0);
	CHECK(stat("d/a", &st) == 0);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_FILE("d/a", "alpha", 5);
	CHECK_FILE("d/b", "alpha", 5);
}

static void
c_noreplace_exists(void)
{
	int dfd = dir_d();

	put_file("d/a", "alpha");
	put_file("d/b", "beta");
	CHECK_ERR(renameat2(dfd, "a", dfd, "b", RENAME_NOREPLACE), EEXIST);
	CHECK_FILE("d/a", "alpha", 5);
	CHECK_FILE("d/b", "beta", 4);
	/* a directory, a symbolic link, even a dangling one, all exist */
	CHECK(mkdir("d/sub", 0755) == 0);
	CHECK(symlink("nowhere", "d/dangling") == 0);
	CHECK_ERR(renameat2(dfd, "a", dfd, "sub", RENAME_NOREPLACE), EEXIST);
	CHECK_ERR(renameat2(dfd, "a", dfd, "dangling", RENAME_NOREPLACE),
	    EEXIST);
	CHECK_FILE("d/a", "alpha", 5);
}

/* The old name is looked up first: ENOENT before EEXIST. */
static void
c_noreplace_missing_source(void)
{
	int dfd = dir_d();

	put_file("d/b", "beta");
	CHECK_ERR(renameat2(dfd, "a", dfd, "b", RENAME_NOREPLACE), ENOENT);
	CHECK_ERR(renameat2(dfd, "a", dfd, "c", RENAME_NOREPLACE), ENOENT);
	CHECK_FILE("d/b", "beta", 4);
}

/* Linux file systems with the operation rename; see the ATF deviation. */
static void
c_noreplace_renames(void)
{
	int dfd = dir_d();

	put_file("d/a", "alpha");
	CHECK_RET(renameat2(dfd, "a", dfd, "b", RENAME_NOREPLACE), 0);
	CHECK(gone("d/a"));
	CHECK_FILE("d/b", "alpha", 5);
}

static void
c_exchange(void)
{
	int dfd = dir_d();

	put_file("d/a", "alpha");
	put_file("d/b", "beta");
	CHECK_RET(renameat2(dfd, "a", dfd, "b", RENAME_EXCHANGE), 0);
	CHECK_FILE("d/a", "beta", 4);
	CHECK_FILE("d/b", "alpha", 5);
	CHECK_ERR(renameat2(dfd, "a", dfd, "c", RENAME_EXCHANGE), ENOENT);
}

static void
c_bad_flags(void)
{
	int dfd = dir_d();

	put_file("d/a", "alpha");
	CHECK_ERR(renameat2(dfd, "a", dfd, "b", 0x8), EINVAL);
	CHECK_ERR(renameat2(dfd, "a", dfd, "b", 0x80000000u), EINVAL);
	CHECK_ERR(renameat2(dfd, "a", dfd, "b",
	    RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
	CHECK_ERR(renameat2(dfd, "a", dfd, "b",
	    RENAME_EXCHANGE | RENAME_WHITEOUT), EINVAL);
	/* flags are checked before the names are looked up */
	CHECK_ERR(renameat2(dfd, "missing", dfd, "b", 0x8), EINVAL);
	CHECK_FILE("d/a", "alpha", 5);
	CHECK(gone("d/b"));
}

static void
c_bad_dirfd(void)
{
	int dfd = dir_d(), fd;

	put_file("d/a", "alpha");
	CHECK((fd = open("d/a", O_RDONLY)) >= 0);
	CHECK_ERR(renameat2(999, "a", dfd, "b", 0), EBADF);
	CHECK_ERR(renameat2(dfd, "a", 999, "b", 0), EBADF);
	CHECK_ERR(renameat2(fd, "a", dfd, "b", 0), ENOTDIR);
	CHECK_FILE("d/a", "alpha", 5);
}

static void
c_efault(void)
{
	int dfd = dir_d();

	put_file("d/a", "alpha");
	CHECK_ERR(renameat2(dfd, unmapped(), dfd, "b", 0), EFAULT);
	CHECK_ERR(renameat2(dfd, "a", dfd, unmapped(), 0), EFAULT);
	CHECK_ERR(renameat2(dfd, "a", dfd, unmapped(), RENAME_NOREPLACE),
	    EFAULT);
	CHECK_FILE("d/a", "alpha", 5);
}

/* A last component . or .. cannot be renamed, or renamed onto. */
static void
c_dot_names(void)
{
	int dfd = dir_d(), here;

	CHECK((here = open(".", O_RDONLY | O_DIRECTORY)) >= 0);
	CHECK_ERR(renameat2(dfd, ".", L_AT_FDCWD, "e", 0), EBUSY);
	CHECK_ERR(renameat2(here, "d", dfd, ".", 0), EBUSY);
	CHECK_ERR(renameat2(here, "d", dfd, "..", 0), EBUSY);
	CHECK_ERR(renameat2(L_AT_FDCWD, "d/.", L_AT_FDCWD, "f", RENAME_NOREPLACE),
	    EBUSY);
	put_file("f", "x");
	CHECK_ERR(renameat2(L_AT_FDCWD, "f", L_AT_FDCWD, "d/.", RENAME_NOREPLACE),
	    EEXIST);
	CHECK(!gone("d"));
	CHECK_FILE("f", "x", 1);
}

/*
 * The old name's errors, its parent's included, come before anything is
 * known of the new one; then the new name's.
 */
static void
c_old_name_first(void)
{
	int dfd = dir_d(), fd;

	put_file("f", "x");
	CHECK((fd = open("f", O_RDONLY)) >= 0);
	CHECK_ERR(renameat2(999, "f", L_AT_FDCWD, NULL, 0), EBADF);
	CHECK_ERR(renameat2(fd, "f", L_AT_FDCWD, NULL, 0), ENOTDIR);
	CHECK_ERR(renameat2(L_AT_FDCWD, "", L_AT_FDCWD, NULL, 0), ENOENT);
	CHECK_ERR(renameat2(dfd, "nosuch/f", L_AT_FDCWD, unmapped(), 0), ENOENT);
	CHECK_ERR(renameat2(L_AT_FDCWD, "f", 999, "g", RENAME_EXCHANGE), EBADF);
	CHECK_ERR(renameat2(L_AT_FDCWD, "nosuch", fd, "g", RENAME_WHITEOUT),
	    ENOTDIR);
	/* then ENOENT of the old name before ENOTDIR of a trailing slash */
	CHECK_ERR(renameat2(L_AT_FDCWD, "f/", dfd, "f", RENAME_EXCHANGE), ENOENT);
	CHECK_ERR(renameat2(L_AT_FDCWD, "f/", L_AT_FDCWD, "g", 0), ENOTDIR);
	CHECK_ERR(renameat2(L_AT_FDCWD, "f", L_AT_FDCWD, "g/", 0), ENOTDIR);
	CHECK_FILE("f", "x", 1);
}

/*
 * With a flag, the checks Linux's VFS makes before the file system's own:
 * a directory into itself (EINVAL), onto the directory that holds the old
 * name (ENOTEMPTY; EINVAL with RENAME_EXCHANGE), two links of one file
 * (success, nothing done), a file onto a directory (EISDIR) and the
 * reverse (ENOTDIR).  RENAME_WHITEOUT asks for CAP_MKNOD first.
 */
static void
c_flags_vfs_checks(void)
{
	int dfd = dir_d();

	if (geteuid() != 0)
		skip("RENAME_WHITEOUT needs CAP_MKNOD: run as root");
	put_file("d/a", "alpha");
	CHECK(link("d/a", "d/a2") == 0);
	CHECK(mkdir("d/sub", 0755) == 0);
	CHECK_ERR(renameat2(L_AT_FDCWD, "d", dfd, "sub/in", RENAME_WHITEOUT),
	    EINVAL);
	CHECK_ERR(renameat2(dfd, "a", L_AT_FDCWD, "d", RENAME_WHITEOUT),
	    ENOTEMPTY);
	CHECK_ERR(renameat2(dfd, "a", L_AT_FDCWD, "d", RENAME_EXCHANGE),
	    EINVAL);
	CHECK_RET(renameat2(dfd, "a", dfd, "a2", RENAME_WHITEOUT), 0);
	CHECK_RET(renameat2(dfd, "a", dfd, "a2", RENAME_EXCHANGE), 0);
	CHECK_ERR(renameat2(dfd, "a", dfd, "sub", RENAME_WHITEOUT), EISDIR);
	CHECK_ERR(renameat2(dfd, "sub", dfd, "a", RENAME_WHITEOUT), ENOTDIR);
	CHECK_FILE("d/a", "alpha", 5);
	CHECK_FILE("d/a2", "alpha", 5);
}

static const struct tcase cases[] = {
	CASE(plain),
	CASE(replace),
	CASE(same_file),
	CASE(noreplace_exists),
	CASE(noreplace_missing_source),
	CASE(noreplace_renames),
	CASE(exchange),
	CASE(bad_flags),
	CASE(bad_dirfd),
	CASE(efault),
	CASE(dot_names),
	CASE(old_name_first),
	CASE(flags_vfs_checks),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
