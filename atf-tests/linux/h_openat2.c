/*
 * openat2(2), Linux call 437: struct open_how's size rules, strict flags,
 * creation, and the RESOLVE_* flags, with escape attempts: ".." at the
 * root, absolute links, links to "..", /proc/self/fd links, and a
 * directory another thread renames during the walks.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <pthread.h>
#include <stdint.h>

#include "h_common.h"

#define L_AT_FDCWD		-100
#define L_RESOLVE_NO_XDEV	0x01
#define L_RESOLVE_NO_MAGICLINKS	0x02
#define L_RESOLVE_NO_SYMLINKS	0x04
#define L_RESOLVE_BENEATH	0x08
#define L_RESOLVE_IN_ROOT	0x10
#define L_RESOLVE_CACHED	0x20
#define L_O_PATH		010000000

struct how {
	uint64_t flags, mode, resolve;
};

static long
openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode,
    uint64_t resolve)
{
	struct how how = { flags, mode, resolve };

	return syscall(NR_openat2, (long)dirfd, path, &how, sizeof(how));
}

/* What an open gave: the first bytes of the file, closed. */
static const char *
contents(long fd)
{
	static char buf[64];
	ssize_t n;

	if (fd < 0)
		fail_at(__LINE__, "open failed: %s", strerror(errno));
	n = read((int)fd, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	close((int)fd);
	return buf;
}

/*
 * "root/" holding "f" ("in"), "d/g" ("deep"), "up" -> "..", "abs" -> "/f",
 * "esc" -> "../outside", "rel" -> "d/g"; "outside" next to it.  Returns a
 * descriptor of "root".
 */
static int
setup(void)
{
	int fd;

	CHECK(mkdir("root", 0755) == 0 && mkdir("root/d", 0755) == 0);
	put_file("root/f", "in");
	put_file("root/d/g", "deep");
	put_file("outside", "out");
	CHECK(symlink("..", "root/up") == 0);
	CHECK(symlink("/f", "root/abs") == 0);
	CHECK(symlink("../outside", "root/esc") == 0);
	CHECK(symlink("d/g", "root/rel") == 0);
	CHECK((fd = open("root", O_RDONLY | O_DIRECTORY)) >= 0);
	return fd;
}

static void
c_how_size(void)
{
	char big[64] = { 0 };
	int root = setup();

	CHECK_ERR(syscall(NR_openat2, root, "f", big, 23), EINVAL);
	CHECK_ERR(syscall(NR_openat2, root, "f", big, 4097), E2BIG);
	CHECK_EQ(strcmp(contents(syscall(NR_openat2, root, "f", big, 64)),
	    "in"), 0);
	big[40] = 1;
	CHECK_ERR(syscall(NR_openat2, root, "f", big, 64), E2BIG);
	CHECK_EQ(strcmp(contents(syscall(NR_openat2, root, "f", big, 40)),
	    "in"), 0);
	CHECK_ERR(syscall(NR_openat2, root, "f", unmapped(), 24), EFAULT);
}

static void
c_bad_flags(void)
{
	int root = setup();

	CHECK_ERR(openat2(root, "f", 040000000, 0, 0), EINVAL);
	CHECK_ERR(openat2(root, "f", 1ULL << 32, 0, 0), EINVAL);
	CHECK_ERR(openat2(root, "f", 0, 0644, 0), EINVAL);
	CHECK_ERR(openat2(root, "f", O_CREAT, 010000, 0), EINVAL);
	CHECK_ERR(openat2(root, "f", 0, 0, 0x40), EINVAL);
	CHECK_ERR(openat2(root, "f", 0, 0,
	    L_RESOLVE_BENEATH | L_RESOLVE_IN_ROOT), EINVAL);
	CHECK_ERR(openat2(root, "f", L_O_PATH | O_RDWR, 0, 0), EINVAL);
	CHECK_ERR(openat2(root, "d", O_CREAT | O_DIRECTORY, 0600, 0), EINVAL);
	/* before the lookup */
	CHECK_ERR(openat2(root, "missing", 0, 0644, 0), EINVAL);
	CHECK_ERR(openat2(root, "", 0, 0, 0), ENOENT);
}

static void
c_create(void)
{
	struct stat st;
	long fd;
	int root = setup();

	umask(022);
	CHECK((fd = openat2(root, "new", O_CREAT | O_WRONLY | O_CLOEXEC,
	    0666, 0)) >= 0);
	CHECK_EQ(fcntl((int)fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	CHECK(write((int)fd, "n", 1) == 1);
	close((int)fd);
	CHECK(stat("root/new", &st) == 0);
	CHECK_EQ(st.st_mode & 07777, 0644);
	CHECK_ERR(openat2(root, "new", O_CREAT | O_EXCL | O_WRONLY, 0600, 0),
	    EEXIST);
	CHECK_ERR(openat2(root, "rel", O_CREAT | O_EXCL, 0600, 0), EEXIST);
	CHECK_ERR(openat2(root, "nodir/", O_CREAT, 0600, 0), EISDIR);
	CHECK_ERR(openat2(root, "f/", 0, 0, 0), ENOTDIR);
	CHECK_ERR(openat2(root, "rel", O_NOFOLLOW, 0, 0), ELOOP);
	CHECK_EQ(strcmp(contents(openat2(root, "rel", 0, 0, 0)), "deep"), 0);
	CHECK_EQ(strcmp(contents(openat2(L_AT_FDCWD, "root/new", 0, 0,
	    L_RESOLVE_BENEATH)), "n"), 0);
}

/* ".." at the root of a BENEATH walk: EXDEV; below it, allowed. */
static void
c_beneath_dotdot(void)
{
	int root = setup();

	CHECK_ERR(openat2(root, "..", 0, 0, L_RESOLVE_BENEATH), EXDEV);
	CHECK_ERR(openat2(root, "../outside", 0, 0, L_RESOLVE_BENEATH), EXDEV);
	CHECK_ERR(openat2(root, "d/../../outside", 0, 0, L_RESOLVE_BENEATH),
	    EXDEV);
	CHECK_EQ(strcmp(contents(openat2(root, "d/../f", 0, 0,
	    L_RESOLVE_BENEATH)), "in"), 0);
}

/* Absolute paths and links, links to "..": EXDEV under BENEATH. */
static void
c_beneath_links(void)
{
	int root = setup();

	CHECK_ERR(openat2(root, "abs", 0, 0, L_RESOLVE_BENEATH), EXDEV);
	CHECK_ERR(openat2(root, "/f", 0, 0, L_RESOLVE_BENEATH), EXDEV);
	CHECK_ERR(openat2(root, "esc", 0, 0, L_RESOLVE_BENEATH), EXDEV);
	CHECK_ERR(openat2(root, "up/outside", 0, 0, L_RESOLVE_BENEATH), EXDEV);
	CHECK_EQ(strcmp(contents(openat2(root, "rel", 0, 0,
	    L_RESOLVE_BENEATH)), "deep"), 0);
}

/* IN_ROOT: "..", "/" and absolute links stay inside the root. */
static void
c_in_root(void)
{
	int root = setup();

	CHECK_EQ(strcmp(contents(openat2(root, "abs", 0, 0,
	    L_RESOLVE_IN_ROOT)), "in"), 0);
	CHECK_EQ(strcmp(contents(openat2(root, "/f", 0, 0,
	    L_RESOLVE_IN_ROOT)), "in"), 0);
	CHECK_EQ(strcmp(contents(openat2(root, "../../f", 0, 0,
	    L_RESOLVE_IN_ROOT)), "in"), 0);
	CHECK_EQ(strcmp(contents(openat2(root, "up/up/d/g", 0, 0,
	    L_RESOLVE_IN_ROOT)), "deep"), 0);
	CHECK_ERR(openat2(root, "esc", 0, 0, L_RESOLVE_IN_ROOT), ENOENT);
	CHECK_ERR(openat2(root, "../outside", 0, 0, L_RESOLVE_IN_ROOT), ENOENT);
}

static void
c_no_symlinks(void)
{
	int root = setup();

	CHECK_ERR(openat2(root, "rel", 0, 0, L_RESOLVE_NO_SYMLINKS), ELOOP);
	CHECK_ERR(openat2(root, "up/root/f", 0, 0, L_RESOLVE_NO_SYMLINKS),
	    ELOOP);
	CHECK_EQ(strcmp(contents(openat2(root, "d/g", 0, 0,
	    L_RESOLVE_NO_SYMLINKS)), "deep"), 0);
}

/* A /proc/self/fd link is not followed out of a scoped walk. */
static void
c_proc_fd(void)
{
	char name[32];
	int root = setup(), fd, pfd;

	CHECK((fd = open("outside", O_RDONLY)) >= 0);
	if ((pfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY)) < 0)
		skip("no /proc/self/fd");
	snprintf(name, sizeof(name), "%d", fd);
	CHECK_ERR(openat2(pfd, name, 0, 0, L_RESOLVE_BENEATH), EXDEV);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	CHECK_ERR(openat2(root, name, 0, 0, L_RESOLVE_BENEATH), EXDEV);
}

static volatile int stop;

static void *
mover(void *arg)
{
	(void)arg;
	while (!stop) {
		(void)rename("root/a/b", "b");
		(void)rename("b", "root/a/b");
	}
	return NULL;
}

/*
 * Another thread moves "a/b" out of the root and back while BENEATH walks
 * go down through it and back up: none opens the file outside.
 */
static void
c_rename_race(void)
{
	static const char *paths[] = { "a/b/c/../../../secret",
	    "a/b/../../secret", "a/b/c/../../../outside" };
	pthread_t t;
	long fd;
	int root = setup(), i, j;

	CHECK(mkdir("root/a", 0755) == 0 && mkdir("root/a/b", 0755) == 0 &&
	    mkdir("root/a/b/c", 0755) == 0);
	put_file("secret", "secret");
	CHECK(pthread_create(&t, NULL, mover, NULL) == 0);
	for (i = 0; i < 200; i++) {
		for (j = 0; j < 3; j++) {
			fd = openat2(root, paths[j], 0, 0, L_RESOLVE_BENEATH);
			if (fd >= 0) {
				stop = 1;
				fail_at(__LINE__, "%s opened: %s", paths[j],
				    contents(fd));
			}
			if (errno != EXDEV && errno != ENOENT &&
			    errno != EAGAIN) {
				stop = 1;
				fail_at(__LINE__, "%s: errno %d", paths[j],
				    errno);
			}
		}
	}
	stop = 1;
	CHECK(pthread_join(t, NULL) == 0);
}

/* RESOLVE_CACHED: a name just looked up is in the cache. */
static void
c_cached(void)
{
	int root = setup();

	CHECK_EQ(strcmp(contents(openat2(root, "f", 0, 0, 0)), "in"), 0);
	CHECK_EQ(strcmp(contents(openat2(root, "f", 0, 0, L_RESOLVE_CACHED)),
	    "in"), 0);
	CHECK_ERR(openat2(root, "f", O_CREAT, 0600, L_RESOLVE_CACHED), EAGAIN);
}

/*
 * A trailing slash after a link follows it, even with O_NOFOLLOW, and asks
 * for a directory; with O_CREAT it is EISDIR before the name is looked at.
 */
static void
c_trailing_slash_link(void)
{
	struct stat st;
	long fd;
	int root = setup();

	CHECK(symlink("d", "root/ld") == 0);
	CHECK_ERR(openat2(root, "rel/", O_NOFOLLOW, 0, 0), ENOTDIR);
	CHECK_ERR(openat2(root, "rel/", O_NOFOLLOW | O_WRONLY, 0, 0), ENOTDIR);
	CHECK((fd = openat2(root, "ld/", O_NOFOLLOW, 0, 0)) >= 0);
	CHECK(fstat((int)fd, &st) == 0 && S_ISDIR(st.st_mode));
	close((int)fd);
	CHECK_ERR(openat2(root, "f/", O_CREAT, 0600, 0), EISDIR);
	CHECK_ERR(openat2(root, "rel/", O_CREAT | O_EXCL, 0600, 0), EISDIR);
	CHECK_ERR(openat2(root, "d/", O_CREAT | O_EXCL, 0600, 0), EISDIR);
}

/*
 * O_DIRECTORY on a socket or a link not followed is ENOTDIR before their
 * ENXIO and ELOOP; O_CREAT
 * with O_EXCL on a path that ends at a directory by "." or ".." is EEXIST,
 * without O_EXCL EISDIR.
 */
static void
c_directory_answers(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int root = setup(), s;

	strcpy(sun.sun_path, "root/sk");
	CHECK((s = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK(bind(s, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	CHECK_ERR(openat2(root, "sk", O_DIRECTORY, 0, 0), ENOTDIR);
	CHECK_ERR(openat2(root, "sk", O_DIRECTORY | O_WRONLY, 0, 0), ENOTDIR);
	CHECK_ERR(openat2(root, "sk", 0, 0, 0), ENXIO);
	CHECK_ERR(openat2(root, "rel", O_NOFOLLOW | O_DIRECTORY, 0, 0), ENOTDIR);
	CHECK_ERR(openat2(root, ".", O_CREAT | O_EXCL | O_WRONLY, 0600, 0),
	    EEXIST);
	CHECK_ERR(openat2(root, "d/..", O_CREAT | O_EXCL, 0600, 0), EEXIST);
	CHECK_ERR(openat2(root, "..", O_CREAT | O_EXCL, 0600,
	    L_RESOLVE_IN_ROOT), EEXIST);
	CHECK_ERR(openat2(root, ".", O_CREAT, 0600, 0), EISDIR);
	CHECK_ERR(openat2(root, "d/..", O_CREAT | O_WRONLY, 0600, 0), EISDIR);
	close(s);
}

/* O_PATH|O_NOFOLLOW opens a symbolic link itself. */
static void
c_o_path_link(void)
{
	struct stat st;
	long fd;
	int root = setup();

	CHECK((fd = openat2(root, "rel", L_O_PATH | O_NOFOLLOW, 0, 0)) >= 0);
	CHECK(fstatat((int)fd, "", &st, AT_EMPTY_PATH) == 0);
	CHECK(S_ISLNK(st.st_mode));
}

static const struct tcase cases[] = {
	CASE(how_size),
	CASE(bad_flags),
	CASE(create),
	CASE(beneath_dotdot),
	CASE(beneath_links),
	CASE(in_root),
	CASE(no_symlinks),
	CASE(proc_fd),
	CASE(rename_race),
	CASE(cached),
	CASE(trailing_slash_link),
	CASE(directory_answers),
	CASE(o_path_link),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
