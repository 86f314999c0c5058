/*
 * difffuzz: the program the differential fuzzer runs, the same binary on
 * the Linux host and through linuxrun against each module (README.md,
 * "make difffuzz").  Static (musl), and the calls under test are issued
 * by number, so no library wrapper stands between the program and the
 * kernel.
 *
 *	difffuzz gen SEED NCALLS		the calls of SEED, one a line
 *	difffuzz run FILE			runs the calls in FILE (- for
 *						stdin) in a fresh scratch tree
 *	difffuzz seeds FIRST COUNT NCALLS	gen and run COUNT seeds
 *	difffuzz pools				each argument kind's values,
 *						simplest first (for the reducer)
 *
 * A call is a line: the call's name, then one token per argument.  The
 * tokens are symbolic (descriptors by what they are, paths as strings in
 * the scratch tree, pointers by what they point to), so that a line means
 * the same on every machine and in every run.  Generation depends on the
 * seed only, never on results, so any subset of a seed's lines can be run
 * again (the reducer relies on it).
 *
 * For each call the output is one line "#N NAME ARGS = RESULT" and
 * indented lines for what the call may have changed: values written back
 * through pointer arguments, the scratch tree (names, types, modes, link
 * counts, contents, and which original file each name is), descriptor
 * offsets, semaphore values.  State lines are changes against the state
 * before the call.  Nothing machine-specific is printed: no inode
 * numbers, times, process IDs or addresses.
 *
 * To add a call: one row in calls[] (name, number, argument kinds), and a
 * new kind in kinds[] if an argument is unlike every existing one.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../atf-tests/linux/linux_nr.h"

#define PAGE		4096
#define MAX_ARGS	6
#define MAX_TOKEN	512
#define MAX_LINE	4096

/* Not routed by linuxrun: the fuzzer's own bookkeeping. */
#define NR_renameat		264

#define L_AT_FDCWD		(-100)
#define L_RENAME_NOREPLACE	1
#define L_RENAME_EXCHANGE	2
#define L_RENAME_WHITEOUT	4
#define L_IPC_NOWAIT		04000
#define L_SEM_UNDO		010000
#define L_CLONE_VM		0x100ull
#define L_CLONE_FS		0x200ull
#define L_CLONE_FILES		0x400ull
#define L_CLONE_SIGHAND		0x800ull
#define L_CLONE_PIDFD		0x1000ull
#define L_CLONE_VFORK		0x4000ull
#define L_CLONE_THREAD		0x10000ull
#define L_CLONE_SYSVSEM		0x40000ull
#define L_CLONE_SETTLS		0x80000ull
#define L_CLONE_PARENT_SETTID	0x100000ull
#define L_CLONE_CHILD_CLEARTID	0x200000ull

#define L_O_PATH		010000000
#define L_RESOLVE_IN_ROOT	0x10
#define L_MEMBARRIER_CMD_GET_REGISTRATIONS 512
#define L_PIDFD_SELF_THREAD	(-10000)
#define L_PIDFD_SELF_THREAD_GROUP (-10001)

/* Upper halves of 32-bit arguments: user data the kernel must not read. */
#define HIGH_JUNK	0xa5a5a5a500000000ull

/* The deadline of a call that can block (semtimedop): an interval timer
 * whose SIGALRM interrupts it.  Every finite timeout in the pools is far
 * shorter, so that which of the two ends a wait never depends on timing. */
#define DEADLINE_MS	200

/* Files grow only by copy_file_range; one bigger than this after a call is
 * cut back to it, so that no later call copies gigabytes of a sparse file. */
#define MAX_FILE	(1 << 20)

static void __attribute__((__noreturn__, __format__(__printf__, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "difffuzz: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

/* --- random numbers: splitmix64, the same sequence everywhere ------------ */

static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned
rng_below(unsigned n)
{
	return (unsigned)(rng_next() % n);
}

#define PICK(a)	((a)[rng_below(sizeof(a) / sizeof((a)[0]))])

/* --- raw system calls ---------------------------------------------------- */

static long
raw6(long nr, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
    uint64_t f)
{
	register uint64_t r10 __asm__("r10") = d;
	register uint64_t r8 __asm__("r8") = e;
	register uint64_t r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
	    : "=a"(ret)
	    : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	    : "rcx", "r11", "memory");
	return ret;
}

/*
 * clone3 by hand: a child (return 0) exits at once, touching no memory,
 * since it may share the address space and even the stack of the parent.
 */
static long
raw_clone3(uint64_t args, uint64_t size)
{
	long ret;

	__asm__ volatile(
	    "syscall\n\t"
	    "test %%rax, %%rax\n\t"
	    "jnz 1f\n\t"
	    "mov $60, %%eax\n\t"
	    "xor %%edi, %%edi\n\t"
	    "syscall\n"
	    "1:"
	    : "=a"(ret)
	    : "0"((long)NR_clone3), "D"(args), "S"(size)
	    : "rcx", "r11", "memory");
	return ret;
}

static const char *const errno_names[] = {
	[1] = "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG",
	"ENOEXEC", "EBADF", "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT",
	"ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR", "EISDIR",
	"EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC",
	"ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK",
	"ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP",
	[42] = "ENOMSG", "EIDRM",
	[75] = "EOVERFLOW",
	[95] = "EOPNOTSUPP",
	[512] = "ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND",
	"ENOIOCTLCMD", "ERESTART_RESTARTBLOCK",
};

static const char *
errno_name(long e, char *buf, size_t len)
{
	if (e > 0 && (size_t)e < sizeof(errno_names) / sizeof(errno_names[0]) &&
	    errno_names[e] != NULL)
		return errno_names[e];
	snprintf(buf, len, "E%ld", e);
	return buf;
}

/* --- user memory the arguments point into -------------------------------- */

/*
 * Each argument has a slot: SLOT_PAGES mapped pages followed by one
 * unmapped page, so that data placed at the end of its slot is followed by
 * unmapped memory (a read past it faults), and "unmapped" means the page
 * after a slot.  One page is read-only, one is a stack for clone3.
 */
#define SLOT_PAGES	2
#define SLOT_SIZE	((SLOT_PAGES + 1) * PAGE)
#define STACK_SIZE	0x10000

static char *slots;		/* MAX_ARGS + 1 slots */
static char *ro_page;		/* read-only, holding zeros */
static char *stack_area;	/* clone3 children's stacks */

/*
 * The buffers iovec arrays point to: BUF_PAGES mapped pages, then an
 * unmapped one.  The local area holds the buffers of preadv2, pwritev2 and
 * process_vm's local side; the remote area those of process_vm's remote
 * side (in this process, or the copy the seed's child has of it).  Both
 * hold pattern() before each call, so that what a call wrote shows.
 */
#define BUF_PAGES	8
#define BUF_SIZE	(BUF_PAGES * PAGE)
static char *local_area, *remote_area;
#define KERNEL_ADDR	0xffff800000001000ull

static char *
slot(int i)
{
	return slots + (size_t)i * SLOT_SIZE;
}

static char *
slot_end(int i)
{
	return slot(i) + SLOT_PAGES * PAGE;
}

static void
map_memory(void)
{
	slots = mmap(NULL, (MAX_ARGS + 1) * SLOT_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	stack_area = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	local_area = mmap(NULL, 2 * (BUF_SIZE + PAGE), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED || ro_page == MAP_FAILED ||
	    stack_area == MAP_FAILED || local_area == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	remote_area = local_area + BUF_SIZE + PAGE;
	for (int i = 0; i <= MAX_ARGS; i++)
		if (munmap(slot_end(i), PAGE) != 0)
			die("munmap: %s", strerror(errno));
	if (munmap(local_area + BUF_SIZE, PAGE) != 0 ||
	    munmap(remote_area + BUF_SIZE, PAGE) != 0)
		die("munmap: %s", strerror(errno));
}

/* --- the scratch tree ---------------------------------------------------- */

/*
 * The scratch root holds w/, the working directory, so that ".." stays in
 * the tree.  A path token that starts with '/' is taken from the scratch
 * root.
 */
static char root[PATH_MAX];

struct node {
	const char *path;	/* under w/ */
	char type;		/* f file, d directory, l symlink, p FIFO, s socket,
				 * h hard link, a symlink to root/data (absolute) */
	int mode;
	const char *data;	/* contents, link target or hard link's file */
};

static const struct node tree[] = {
	{ "f", 'f', 0644, "file f\n" },
	{ "g", 'f', 0644, NULL },	/* 10000 bytes of a pattern */
	{ "e", 'f', 0644, "" },
	{ "ro", 'f', 0444, "read-only\n" },
	{ "x", 'f', 0755, "#!/bin/sh\n" },
	{ "h", 'h', 0, "f" },
	{ "d", 'd', 0755, NULL },
	{ "d/a", 'f', 0644, "a in d\n" },
	{ "d/s", 'd', 0755, NULL },
	{ "nw", 'd', 0555, NULL },
	{ "nw/k", 'f', 0644, "k in nw\n" },
	{ "ed", 'd', 0755, NULL },
	{ "l", 'l', 0, "f" },
	{ "ld", 'l', 0, "d" },
	{ "dl", 'l', 0, "nowhere" },
	{ "loop", 'l', 0, "loop" },
	{ "ud", 'l', 0, "../w/d" },	/* up through .. (RESOLVE_BENEATH) */
	{ "ra", 'l', 0, "/w/f" },	/* absolute, in the tree only from its root */
	{ "abs", 'a', 0, "w/d" },	/* absolute, into the tree */
	{ "fifo", 'p', 0644, NULL },
	{ "sk", 's', 0, NULL },
};

#define G_SIZE	10000

static int sock_fd = -1;

static void
build_tree(void)
{
	char buf[G_SIZE];

	if (mkdir("w", 0755) != 0 || chdir("w") != 0)
		die("mkdir w: %s", strerror(errno));
	for (size_t i = 0; i < G_SIZE; i++)
		buf[i] = (char)('a' + (i * 7 + i / 26) % 26);
	/* Directories with their final mode after their contents. */
	for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++) {
		const struct node *n = &tree[i];
		int fd, ok = 1;

		switch (n->type) {
		case 'f':
			fd = open(n->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
			if (fd < 0)
				die("create %s: %s", n->path, strerror(errno));
			if (n->data != NULL)
				ok = write(fd, n->data, strlen(n->data)) ==
				    (ssize_t)strlen(n->data);
			else
				ok = write(fd, buf, G_SIZE) == G_SIZE;
			ok = ok && fchmod(fd, n->mode) == 0;
			close(fd);
			break;
		case 'h':
			ok = link(n->data, n->path) == 0;
			break;
		case 'd':
			ok = mkdir(n->path, 0755) == 0;
			break;
		case 'l':
			ok = symlink(n->data, n->path) == 0;
			break;
		case 'a': {
			char target[PATH_MAX * 2];

			snprintf(target, sizeof(target), "%s/%s", root, n->data);
			ok = symlink(target, n->path) == 0;
			break;
		}
		case 'p':
			ok = mkfifo(n->path, n->mode) == 0;
			break;
		case 's': {
			struct sockaddr_un sun = { .sun_family = AF_UNIX };

			strcpy(sun.sun_path, n->path);
			sock_fd = socket(AF_UNIX, SOCK_STREAM, 0);
			ok = sock_fd >= 0 && bind(sock_fd,
			    (struct sockaddr *)&sun, sizeof(sun)) == 0;
			break;
		}
		}
		if (!ok)
			die("build %s: %s", n->path, strerror(errno));
	}
	for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++)
		if (tree[i].type == 'd' && chmod(tree[i].path, tree[i].mode))
			die("chmod %s: %s", tree[i].path, strerror(errno));
}

/* Removes a tree, giving directories write permission first. */
static void
remove_tree(int dirfd, const char *name)
{
	struct stat st;
	int fd;
	DIR *dir;
	struct dirent *de;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlinkat(dirfd, name, 0);
		return;
	}
	fchmodat(dirfd, name, 0700, 0);
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY)) < 0)
		return;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			remove_tree(fd, de->d_name);
	closedir(dir);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* --- descriptors ----------------------------------------------------------- */

/*
 * The pool: opened in this order at fixed numbers from FIRST_FD, in the
 * tree's working directory.  "closed" is the number after the last.
 */
#define FIRST_FD	10

struct pooled_fd {
	const char *name;
	const char *path;	/* NULL: made otherwise (pipe, socket) */
	int flags;
};

static const struct pooled_fd fd_pool[] = {
	{ "rd:f", "f", O_RDONLY },
	{ "wr:f", "f", O_WRONLY },
	{ "rw:f", "f", O_RDWR },
	{ "app:f", "f", O_WRONLY | O_APPEND },
	{ "path:f", "f", O_PATH },
	{ "rd:g", "g", O_RDONLY },
	{ "rw:g", "g", O_RDWR },
	{ "rw:e", "e", O_RDWR },
	{ "app:e", "e", O_RDWR | O_APPEND },
	{ "rd:ro", "ro", O_RDONLY },
	{ "rd:x", "x", O_RDONLY },
	{ "dir:.", ".", O_RDONLY | O_DIRECTORY },
	{ "dir:d", "d", O_RDONLY | O_DIRECTORY },
	{ "dir:d/s", "d/s", O_RDONLY | O_DIRECTORY },
	{ "dir:nw", "nw", O_RDONLY | O_DIRECTORY },
	{ "dir:..", "..", O_RDONLY | O_DIRECTORY },
	{ "path:d", "d", O_PATH | O_DIRECTORY },
	{ "path:l", "l", O_PATH | O_NOFOLLOW },
	{ "fifo", "fifo", O_RDWR },
	{ "pipe_r", NULL, 0 },
	{ "pipe_w", NULL, 0 },
	{ "sock", NULL, 0 },
};

#define N_POOL		(int)(sizeof(fd_pool) / sizeof(fd_pool[0]))
#define CLOSED_FD	(FIRST_FD + N_POOL)

static void
place_fd(int fd, int at)
{
	if (fd < 0)
		die("open %s: %s", fd_pool[at - FIRST_FD].name, strerror(errno));
	if (fd != at) {
		if (dup2(fd, at) != at)
			die("dup2: %s", strerror(errno));
		close(fd);
	}
}

static void
open_pool(void)
{
	int p[2];

	if (pipe(p) != 0)
		die("pipe: %s", strerror(errno));
	for (int i = 0; i < N_POOL; i++) {
		const struct pooled_fd *pf = &fd_pool[i];
		int fd;

		if (pf->path != NULL)
			fd = open(pf->path, pf->flags);
		else if (strcmp(pf->name, "pipe_r") == 0)
			fd = dup(p[0]);
		else if (strcmp(pf->name, "pipe_w") == 0)
			fd = dup(p[1]);
		else
			fd = dup(sock_fd);
		place_fd(fd, FIRST_FD + i);
	}
	close(p[0]);
	close(p[1]);
	close(sock_fd);
	close(CLOSED_FD);
}

static void
close_from(int first)
{
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	for (int fd = first; fd < (int)rl.rlim_cur && fd < 1024; fd++)
		close(fd);
}

/* --- semaphores ------------------------------------------------------------ */

#define NSEMS	4
static const unsigned short sem_initial[NSEMS] = { 0, 1, 2, 5 };
static int sem_set = -1;	/* the seed's set */
static int sem_gone = -1;	/* a set removed before the calls */

static void
make_sems(void)
{
	sem_gone = semget(IPC_PRIVATE, 1, 0600);
	if (sem_gone < 0 || semctl(sem_gone, 0, IPC_RMID) != 0)
		die("semget: %s", strerror(errno));
	sem_set = semget(IPC_PRIVATE, NSEMS, 0600);
	if (sem_set < 0 || semctl(sem_set, 0, SETALL, sem_initial) != 0)
		die("semget: %s", strerror(errno));
}

/* --- argument kinds -------------------------------------------------------- */

/*
 * A kind generates a token from the random sequence, resolves a token to a
 * register value (setting up the memory it points to in the argument's
 * slot), and may report, after the call, what the call wrote through it.
 */
struct arg {
	int kind;
	int index;		/* argument number: its memory slot */
	char token[MAX_TOKEN];
	uint64_t value;
};

struct kind {
	const char *name;
	const char *const *pool;	/* simplest first */
	int wide;			/* 32-bit argument: upper half junk allowed */
	void (*gen)(const struct kind *, char *);
	int (*resolve)(struct arg *);
	void (*after)(const struct arg *, long ret);
};

/* Numbers: decimal, 0x hex, or a name below; -N allowed. */
static const struct { const char *name; uint64_t v; } number_names[] = {
	{ "AT_FDCWD", (uint64_t)(int64_t)L_AT_FDCWD },
	{ "INT_MAX", INT32_MAX },
	{ "INT_MIN", (uint64_t)(int64_t)INT32_MIN },
	{ "UINT_MAX", UINT32_MAX },
	{ "INT64_MAX", INT64_MAX },
	{ "INT64_MAX-1", INT64_MAX - 1 },
	{ "INT64_MIN", (uint64_t)INT64_MIN },
	{ "SIZE_MAX", UINT64_MAX },
	{ "SSIZE_MAX", INT64_MAX },
};

static int
parse_number(const char *s, uint64_t *v)
{
	char *end;
	int neg = 0;

	for (size_t i = 0; i < sizeof(number_names) / sizeof(number_names[0]); i++)
		if (strcmp(s, number_names[i].name) == 0) {
			*v = number_names[i].v;
			return 0;
		}
	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return -1;
	if (neg)
		*v = -*v;
	return 0;
}

/* A value of a NULL-terminated pool. */
static const char *
pick_token(const char *const *pool)
{
	unsigned n = 0;

	while (pool[n] != NULL)
		n++;
	return pool[rng_below(n)];
}

static void
gen_from_pool(const struct kind *k, char *out)
{
	strcpy(out, pick_token(k->pool));
}

static int
resolve_number(struct arg *a)
{
	return parse_number(a->token, &a->value);
}

/* Descriptors. */
static const char *const fd_tokens[] = {
	"AT_FDCWD", "dir:.", "rd:f", "rw:f", "wr:f", "app:f", "path:f",
	"rd:g", "rw:g", "rw:e", "app:e", "rd:ro", "rd:x", "dir:d", "dir:d/s",
	"dir:nw", "dir:..", "path:d", "path:l", "fifo", "pipe_r", "pipe_w",
	"sock", "closed", "-1", "huge", "INT_MAX", "INT_MIN", NULL
};
static const char *const dirfd_tokens[] = {
	"AT_FDCWD", "dir:.", "dir:d", "dir:d/s", "dir:nw", "dir:..", "path:d",
	NULL
};

static void
gen_dirfd(const struct kind *k, char *out)
{
	/* Half the time a directory, so that lookups get somewhere. */
	if (rng_below(2))
		strcpy(out, pick_token(dirfd_tokens));
	else
		gen_from_pool(k, out);
}

static int
resolve_fd(struct arg *a)
{
	for (int i = 0; i < N_POOL; i++)
		if (strcmp(a->token, fd_pool[i].name) == 0) {
			a->value = FIRST_FD + i;
			return 0;
		}
	if (strcmp(a->token, "closed") == 0)
		a->value = CLOSED_FD;
	else if (strcmp(a->token, "huge") == 0)
		a->value = 1 << 20;
	else
		return resolve_number(a);
	return 0;
}

/* Paths: strings relative to the working directory, or special. */
static const char *const path_tokens[] = {
	"\"f\"", "\"d\"", "\"g\"", "\"e\"", "\"ro\"", "\"x\"", "\"h\"",
	"\"d/a\"", "\"d/s\"", "\"nw\"", "\"nw/k\"", "\"ed\"", "\"l\"",
	"\"ld\"", "\"dl\"", "\"loop\"", "\"fifo\"", "\"sk\"",
	"\".\"", "\"..\"", "\"d/.\"", "\"d/..\"", "\"./f\"", "\"d/../f\"",
	"\"d/\"", "\"f/\"", "\"d//a\"", "\"ld/a\"", "\"l/\"", "\"dl/\"",
	"\"loop/x\"", "\"d/s/..\"", "\"../w\"", "\"ed/.\"",
	"\"nosuch\"", "\"d/nosuch\"", "\"nosuch/x\"", "\"f/x\"",
	"\"/w/f\"", "\"/w/d\"", "\"/w/d/.\"", "\"/w/nosuch\"", "\"/w\"",
	"\"n1\"", "\"n2\"", "\"d/n3\"", "\"nw/n4\"", "\"ed/n5\"", "\"n6/\"",
	"\"\"", "NULL", "UNMAPPED", "LONGPATH", "LONGNAME", "UNTERMINATED",
	"KERNEL", "LONG1023", "LONG1024", NULL
};

static int
resolve_path(struct arg *a)
{
	char *end = slot_end(a->index), *p;
	const char *t = a->token;
	size_t len;

	if (strcmp(t, "NULL") == 0) {
		a->value = 0;
	} else if (strcmp(t, "UNMAPPED") == 0) {
		a->value = (uintptr_t)end;
	} else if (strcmp(t, "KERNEL") == 0) {
		a->value = KERNEL_ADDR;
	} else if (strcmp(t, "LONGPATH") == 0 || strcmp(t, "LONG1023") == 0 ||
	    strcmp(t, "LONG1024") == 0) {
		/*
		 * Linux's PATH_MAX (4096, with the NUL) and more; or 1023 and
		 * 1024 characters, around NetBSD's PATH_MAX of 1024 with the
		 * NUL.  Components of 9 characters, none of which exists.
		 */
		len = strcmp(t, "LONGPATH") == 0 ? PATH_MAX + 100 :
		    strcmp(t, "LONG1023") == 0 ? 1023 : 1024;
		p = end - len - 1;
		for (size_t i = 0; i < len; i++)
			p[i] = i % 10 == 9 ? '/' : 'p';
		p[len] = '\0';
		a->value = (uintptr_t)p;
	} else if (strcmp(t, "LONGNAME") == 0) {
		/* One component longer than Linux's NAME_MAX (255). */
		len = 300;
		p = end - len - 1;
		memset(p, 'n', len);
		p[len] = '\0';
		a->value = (uintptr_t)p;
	} else if (strcmp(t, "UNTERMINATED") == 0) {
		/* A name running into unmapped memory without its NUL. */
		p = end - 4;
		memcpy(p, "ffff", 4);
		a->value = (uintptr_t)p;
	} else {
		len = strlen(t);
		if (len < 2 || t[0] != '"' || t[len - 1] != '"')
			return -1;
		len -= 2;
		if (t[1] == '/') {
			size_t rl = strlen(root);

			p = end - rl - len - 1;
			memcpy(p, root, rl);
			memcpy(p + rl, t + 1, len);
			p[rl + len] = '\0';
		} else {
			/* The NUL is the last byte before unmapped memory. */
			p = end - len - 1;
			memcpy(p, t + 1, len);
			p[len] = '\0';
		}
		a->value = (uintptr_t)p;
	}
	return 0;
}

/* Pointers to a 64-bit value (copy_file_range's offsets). */
static const char *const offp_tokens[] = {
	"NULL", "&0", "&1", "&5", "&4096", "&9999", "&10000", "&0x7ffff000",
	"&0x80000000", "&0x10000000000", "&INT64_MAX", "&INT64_MAX-1",
	"&INT64_MIN", "&-1", "&-4096", "&0x7ffffffffffff000", "UNMAPPED", "RO",
	"KERNEL", NULL
};

static int
resolve_ptr64(struct arg *a)
{
	char *end = slot_end(a->index);
	uint64_t v;

	if (strcmp(a->token, "NULL") == 0)
		a->value = 0;
	else if (strcmp(a->token, "UNMAPPED") == 0)
		a->value = (uintptr_t)end;
	else if (strcmp(a->token, "RO") == 0)
		a->value = (uintptr_t)ro_page;
	else if (strcmp(a->token, "KERNEL") == 0)
		a->value = KERNEL_ADDR;
	else if (a->token[0] == '&' && parse_number(a->token + 1, &v) == 0) {
		memcpy(end - 8, &v, 8);
		a->value = (uintptr_t)(end - 8);
	} else
		return -1;
	return 0;
}

static void
after_ptr64(const struct arg *a, long ret)
{
	uint64_t v;

	(void)ret;
	if (a->token[0] != '&')
		return;
	memcpy(&v, slot_end(a->index) - 8, 8);
	printf("  arg%d: *=%lld\n", a->index, (long long)v);
}

/* Pointers to an unsigned int written by the call (getcpu). */
static const char *const u32p_tokens[] = {
	"NULL", "OK", "UNMAPPED", "RO", "KERNEL", NULL
};
#define SENTINEL32	0xdeadbeefu

static int
resolve_u32p(struct arg *a)
{
	char *end = slot_end(a->index);
	uint32_t s = SENTINEL32;

	if (strcmp(a->token, "OK") == 0) {
		memcpy(end - 4, &s, 4);
		a->value = (uintptr_t)(end - 4);
		return 0;
	}
	return resolve_ptr64(a);
}

/* The value itself is machine-specific: whether it was written is not. */
static void
after_u32p(const struct arg *a, long ret)
{
	uint32_t v;

	(void)ret;
	if (strcmp(a->token, "OK") != 0)
		return;
	memcpy(&v, slot_end(a->index) - 4, 4);
	printf("  arg%d: %s\n", a->index, v == SENTINEL32 ? "untouched" :
	    "written");
}

/* Flags and small numbers. */
static const char *const rename_flags[] = {
	"0", "0", "0", "0", "1", "1", "2", "4", "3", "5", "6", "7", "8",
	"0x80000000", "UINT_MAX", NULL
};
static const char *const sfr_flags[] = {
	"0", "1", "2", "4", "3", "5", "6", "7", "8", "0x80000000", "UINT_MAX",
	NULL
};
static const char *const zero_flags[] = {
	"0", "0", "0", "0", "0", "0", "1", "0x80000000", "UINT_MAX", NULL
};
static const char *const access_modes[] = {
	"0", "1", "2", "4", "6", "7", "8", "0x10", "-1", NULL
};
static const char *const access_flags[] = {
	"0", "0x100", "0x200", "0x1000", "0x300", "0x1100", "0x1200",
	"0x1300", "0x400", "0x800", "0x1", "0x80000000", NULL
};
static const char *const off64_tokens[] = {
	"0", "1", "4095", "4096", "10000", "0x100000000", "0x4000000000000000",
	"INT64_MAX", "INT64_MAX-1", "0x7ffffffffffff000", "-1", "-4096",
	"INT64_MIN", NULL
};
static const char *const len_tokens[] = {
	"0", "1", "5", "100", "4096", "10000", "65536", "65537", "0x7ffff000",
	"0x7ffff001", "0x80000000", "0x4000000000000000", "SSIZE_MAX",
	"0x8000000000000000", "SIZE_MAX", NULL
};

/* SysV semaphores. */
static const char *const semid_tokens[] = {
	"set", "gone", "-1", "INT_MIN", "INT_MAX", NULL
};

static int
resolve_semid(struct arg *a)
{
	if (strcmp(a->token, "set") == 0)
		a->value = (uint64_t)sem_set;
	else if (strcmp(a->token, "gone") == 0)
		a->value = (uint64_t)sem_gone;
	else
		return resolve_number(a);
	return 0;
}

/* Operations: [num,op,flg;...], placed to end where unmapped memory starts. */
static const char *const sops_tokens[] = {
	"[0,1,0]", "NULL", "UNMAPPED", "KERNEL", NULL
};

static void
gen_sops(const struct kind *k, char *out)
{
	static const char *const nums[] = { "0", "1", "2", "3", "4", "65535" };
	static const char *const ops[] = {
		"0", "1", "-1", "2", "-2", "5", "32767", "-32768"
	};
	static const char *const flgs[] = {
		"0", "0", "0x800", "0x800", "0x1000", "0x1800", "0x2000"
	};
	unsigned n;

	if (rng_below(8) == 0) {
		gen_from_pool(k, out);
		return;
	}
	n = 1 + rng_below(4);
	strcpy(out, "[");
	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, ";");
		strcat(out, PICK(nums));
		strcat(out, ",");
		strcat(out, PICK(ops));
		strcat(out, ",");
		strcat(out, PICK(flgs));
	}
	strcat(out, "]");
}

static int
resolve_sops(struct arg *a)
{
	char copy[MAX_TOKEN], *s, *op, *save = NULL;
	int16_t buf[3 * 64];
	size_t n = 0;

	if (a->token[0] != '[')
		return resolve_ptr64(a);
	strcpy(copy, a->token + 1);
	if ((s = strchr(copy, ']')) == NULL)
		return -1;
	*s = '\0';
	for (op = strtok_r(copy, ";", &save); op != NULL && n < 64;
	    op = strtok_r(NULL, ";", &save)) {
		long num, o, f;

		if (sscanf(op, "%li,%li,%li", &num, &o, &f) != 3)
			return -1;
		buf[3 * n] = (int16_t)num;
		buf[3 * n + 1] = (int16_t)o;
		buf[3 * n + 2] = (int16_t)f;
		n++;
	}
	memcpy(slot_end(a->index) - 6 * n, buf, 6 * n);
	a->value = (uintptr_t)(slot_end(a->index) - 6 * n);
	return 0;
}

static const char *const nsops_tokens[] = {
	"1", "2", "3", "4", "0", "5", "1000", "0x80000000", "UINT_MAX", NULL
};

/* Relative timeouts {sec,nsec}; the finite ones far below DEADLINE_MS. */
static const char *const timeout_tokens[] = {
	"NULL", "{0,0}", "{0,1}", "{0,1000000}", "{0,10000000}",
	"{1000,0}", "{INT64_MAX,999999999}", "{-1,0}", "{0,-1}",
	"{0,1000000000}", "UNMAPPED", "KERNEL", NULL
};

static int
resolve_timeout(struct arg *a)
{
	char copy[MAX_TOKEN], *comma;
	uint64_t ts[2];

	if (a->token[0] != '{')
		return resolve_ptr64(a);
	strcpy(copy, a->token + 1);
	if ((comma = strchr(copy, ',')) == NULL ||
	    copy[strlen(copy) - 1] != '}')
		return -1;
	*comma = '\0';
	copy[strlen(comma + 1) + (size_t)(comma - copy)] = '\0';
	if (parse_number(copy, &ts[0]) != 0 ||
	    parse_number(comma + 1, &ts[1]) != 0)
		return -1;
	memcpy(slot_end(a->index) - 16, ts, 16);
	a->value = (uintptr_t)(slot_end(a->index) - 16);
	return 0;
}

/*
 * clone3's struct clone_args: {field=value,...}, the fields not named 0;
 * pointer fields take OK (memory of the fuzzer's), UNMAPPED, RO or a
 * number; stack takes STACK; "tail" puts a non-zero byte right after the
 * 88 bytes Linux knows.  The structure is placed so that the size argument
 * (when it is at most two pages) ends where unmapped memory starts.
 */
static const char *const clone_fields[] = {
	"flags", "pidfd", "child_tid", "parent_tid", "exit_signal", "stack",
	"stack_size", "tls", "set_tid", "set_tid_size", "cgroup"
};
#define N_CLONE_FIELDS	11

static const char *const clone_args_tokens[] = {
	"{}", "NULL", "UNMAPPED", "KERNEL", NULL
};
static const char *const clone_size_tokens[] = {
	"88", "64", "80", "0", "63", "72", "96", "4096", "4097", "8192",
	"8193", "SIZE_MAX", NULL
};

static uint64_t clone_size;	/* the size argument of the call being resolved */

static void
gen_clone_args(const struct kind *k, char *out)
{
	/* Flag sets of glibc's users, then random ones. */
	static const char *const shapes[] = {
		"0", "0x100", "0x4100", "0x3d0f00", "0x10900", "0x4000",
		"0x1000", "0x8000", "0x2000", "0x20000", "0x20200",
		"0x10000", "0x800", "0x400000", "0x100000000", "0x200000000",
		"0x400000000", "0x11", "0x80", "0x40000000", "0x80000000",
	};
	static const char *const signals[] = {
		"0", "17", "17", "28", "65", "255", "0x100000011"
	};
	static const char *const ptrs[] = { "OK", "UNMAPPED", "RO", "0" };
	static const char *const stack_sizes[] = {
		"0x10000", "0x10000", "0", "1", "0x800000000000"
	};
	uint64_t flags;
	char field[64];

	if (rng_below(10) == 0) {
		gen_from_pool(k, out);
		return;
	}
	if (rng_below(3) == 0) {
		/* A random set of the defined bits, sometimes one more. */
		flags = rng_next() & 0x3fffff00ull;
		flags &= rng_next();
		if (rng_below(4) == 0)
			flags |= 1ull << rng_below(36);
	} else {
		parse_number(PICK(shapes), &flags);
	}
	strcpy(out, "{");
	if (flags != 0) {
		snprintf(field, sizeof(field), "flags=0x%llx,",
		    (unsigned long long)flags);
		strcat(out, field);
	}
	if (flags & L_CLONE_PIDFD || rng_below(8) == 0) {
		strcat(out, "pidfd=");
		strcat(out, PICK(ptrs));
		strcat(out, ",");
	}
	if (flags & (L_CLONE_CHILD_CLEARTID | 0x1000000) || rng_below(8) == 0) {
		strcat(out, "child_tid=");
		strcat(out, PICK(ptrs));
		strcat(out, ",");
	}
	if (flags & L_CLONE_PARENT_SETTID || rng_below(8) == 0) {
		strcat(out, "parent_tid=");
		strcat(out, PICK(ptrs));
		strcat(out, ",");
	}
	if (!(flags & L_CLONE_THREAD) || rng_below(4) == 0) {
		strcat(out, "exit_signal=");
		strcat(out, PICK(signals));
		strcat(out, ",");
	}
	if (flags & L_CLONE_VM || rng_below(8) == 0) {
		strcat(out, rng_below(8) ? "stack=STACK," : "stack=0x800000000000,");
		strcat(out, "stack_size=");
		strcat(out, PICK(stack_sizes));
		strcat(out, ",");
	}
	if (flags & L_CLONE_SETTLS)
		strcat(out, rng_below(4) ? "tls=OK," : "tls=0x800000000000,");
	if (rng_below(12) == 0)
		strcat(out, PICK(((const char *const[]){ "set_tid=OK,set_tid_size=1,",
		    "set_tid=OK,set_tid_size=33,", "set_tid=OK,",
		    "set_tid_size=1,", "set_tid=UNMAPPED,set_tid_size=1," })));
	if (flags & 0x200000000ull || rng_below(16) == 0)
		strcat(out, PICK(((const char *const[]){ "cgroup=dir:d,",
		    "cgroup=0x80000000,", "cgroup=closed," })));
	if (rng_below(16) == 0)
		strcat(out, "tail=1,");
	if (out[strlen(out) - 1] == ',')
		out[strlen(out) - 1] = '\0';
	strcat(out, "}");
}

/*
 * Places a structure of len bytes (with tail, a non-zero byte right after
 * it) before end, so that the size bytes the call is told of end where
 * unmapped memory starts when size is at most two pages (fewer bytes than
 * the structure: its first size bytes); returns where it starts.
 */
static char *
place_struct(char *end, const void *data, size_t len, int tail, uint64_t size)
{
	size_t placed = size <= SLOT_PAGES * PAGE ? (size_t)size : 0;
	char *p;

	if (placed < len + 8)
		placed = len + 8;
	p = end - placed;
	memset(p, 0, placed);
	memcpy(p, data, len);
	if (tail)
		p[len] = 1;
	if (size < len + 8 && size > 0) {
		memmove(end - size, p, size);
		p = end - size;
	}
	return p;
}

static char *clone_struct;	/* where the structure was placed */
static uint64_t clone_vals[N_CLONE_FIELDS];

static int
clone_field_value(int field, const char *v, uint64_t *out, int i)
{
	char *ptrmem = slot(i);		/* the slot's first page */
	struct arg fd = { 0 };

	if (strcmp(v, "OK") == 0) {
		/* Each pointer field its own 8 bytes; set_tid holds pid 1. */
		uint32_t pid1 = 1;

		memset(ptrmem + 64 * field, 0, 64);
		if (field == 8)
			memcpy(ptrmem + 64 * field, &pid1, 4);
		*out = (uintptr_t)(ptrmem + 64 * field);
	} else if (strcmp(v, "UNMAPPED") == 0) {
		*out = (uintptr_t)slot_end(i);
	} else if (strcmp(v, "RO") == 0) {
		*out = (uintptr_t)ro_page;
	} else if (strcmp(v, "STACK") == 0) {
		*out = (uintptr_t)stack_area;
	} else {
		strcpy(fd.token, v);
		if (resolve_fd(&fd) != 0)
			return -1;
		*out = fd.value;
	}
	return 0;
}

static int
resolve_clone_args(struct arg *a)
{
	char copy[MAX_TOKEN], *item, *save = NULL, *eq;
	int tail = 0;

	if (a->token[0] != '{')
		return resolve_ptr64(a);
	memset(clone_vals, 0, sizeof(clone_vals));
	strcpy(copy, a->token + 1);
	if (copy[0] == '\0' || copy[strlen(copy) - 1] != '}')
		return -1;
	copy[strlen(copy) - 1] = '\0';
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		int f;

		if ((eq = strchr(item, '=')) == NULL)
			return -1;
		*eq = '\0';
		if (strcmp(item, "tail") == 0) {
			tail = 1;
			continue;
		}
		for (f = 0; f < N_CLONE_FIELDS; f++)
			if (strcmp(item, clone_fields[f]) == 0)
				break;
		if (f == N_CLONE_FIELDS ||
		    clone_field_value(f, eq + 1, &clone_vals[f], a->index) != 0)
			return -1;
	}
	/* Placed in the next slot, so the field pointers keep theirs. */
	clone_struct = place_struct(slot_end(MAX_ARGS), clone_vals,
	    sizeof(clone_vals), tail, clone_size);
	a->value = (uintptr_t)clone_struct;
	return 0;
}

/* What the call wrote into the memory clone_args points to. */
static void
after_clone_args(const struct arg *a, long ret)
{
	char *ptrmem = slot(a->index);
	uint32_t v;

	if (a->token[0] != '{')
		return;
	if (ret > 0 && (clone_vals[0] & L_CLONE_PIDFD) &&
	    clone_vals[1] == (uintptr_t)(ptrmem + 64)) {
		memcpy(&v, ptrmem + 64, 4);
		printf("  pidfd: %u\n", v);
		close((int)v);
	}
	if (clone_vals[3] == (uintptr_t)(ptrmem + 3 * 64)) {
		memcpy(&v, ptrmem + 3 * 64, 4);
		printf("  parent_tid: %s\n", v != 0 ? "written" : "untouched");
	}
}

/* --- the buffers of iovec arrays (preadv2, pwritev2, process_vm) ----------- */

static char
pattern(size_t i)
{
	return (char)('A' + i % 26);
}

static void
fill_area(char *area)
{
	for (size_t i = 0; i < BUF_SIZE; i++)
		area[i] = pattern(i);
}

/*
 * An iovec array: [E,E,...], each E a length, the buffer in the area, or
 * X:length with base X: U unmapped (the page after the area), R read-only,
 * K kernel, N NULL.  The buffers are laid out back to back so that the last
 * one ends where unmapped memory starts; one longer than what is left
 * starts at the area.  The array itself ends where unmapped memory starts.
 */
#define MAX_IOV		16

struct iov_record {
	int n;
	char *base[MAX_IOV];	/* NULL: not a buffer in the area */
	uint64_t len[MAX_IOV];
};
static struct iov_record iov_records[MAX_ARGS];

static const char *const iov_tokens[] = {
	"[10]", "[]", "NULL", "UNMAPPED", "KERNEL", "RO", NULL
};

static void
gen_iov(const struct kind *k, char *out)
{
	static const char *const lens[] = {
		"0", "1", "7", "100", "100", "4096", "5000", "8192", "0x7ffff000",
		"0x7ffff001", "SSIZE_MAX", "0x8000000000000000", "SIZE_MAX"
	};
	static const char *const bases[] = {
		"", "", "", "", "", "", "", "", "U:", "R:", "K:", "N:"
	};
	unsigned n;

	if (rng_below(10) == 0) {
		gen_from_pool(k, out);
		return;
	}
	n = 1 + rng_below(rng_below(4) == 0 ? MAX_IOV : 4);
	strcpy(out, "[");
	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, ",");
		strcat(out, PICK(bases));
		/* Mostly small lengths, so that buffers fit. */
		strcat(out, rng_below(3) ? PICK(lens) : lens[rng_below(7)]);
	}
	strcat(out, "]");
}

static int
resolve_iov_in(struct arg *a, char *area)
{
	struct iov_record *r = &iov_records[a->index];
	char copy[MAX_TOKEN], *item, *save = NULL, where[MAX_IOV];
	uint64_t vec[2 * MAX_IOV];
	size_t left = BUF_SIZE;
	int n = 0;

	fill_area(area);
	r->n = 0;
	if (a->token[0] != '[')
		return resolve_ptr64(a);
	strcpy(copy, a->token + 1);
	if ((item = strchr(copy, ']')) == NULL)
		return -1;
	*item = '\0';
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if (n == MAX_IOV)
			return -1;
		where[n] = 'B';
		if (item[0] != '\0' && item[1] == ':') {
			where[n] = item[0];
			item += 2;
		}
		if (parse_number(item, &r->len[n]) != 0)
			return -1;
		n++;
	}
	for (int i = n - 1; i >= 0; i--) {
		char *base;

		r->base[i] = NULL;
		switch (where[i]) {
		case 'B':
			if (r->len[i] <= left) {
				left -= (size_t)r->len[i];
				base = area + left;
			} else {
				base = area;
			}
			r->base[i] = base;
			break;
		case 'U':
			base = area + BUF_SIZE;
			break;
		case 'R':
			base = ro_page;
			break;
		case 'K':
			base = (char *)KERNEL_ADDR;
			break;
		case 'N':
			base = NULL;
			break;
		default:
			return -1;
		}
		vec[2 * i] = (uintptr_t)base;
		vec[2 * i + 1] = r->len[i];
	}
	r->n = n;
	memcpy(slot_end(a->index) - 16 * n, vec, 16 * (size_t)n);
	a->value = (uintptr_t)(slot_end(a->index) - 16 * n);
	return 0;
}

static int
resolve_local_iov(struct arg *a)
{
	return resolve_iov_in(a, local_area);
}

static int
resolve_remote_iov(struct arg *a)
{
	return resolve_iov_in(a, remote_area);
}

/*
 * What a call wrote into the buffers of an array: for each buffer that
 * changed, the range of bytes that differ from the pattern and what they
 * are (image is a copy of the area, or the area itself).
 */
static void
report_buffers(const struct arg *a, const char *area, const char *image)
{
	const struct iov_record *r = &iov_records[a->index];

	for (int i = 0; i < r->n; i++) {
		size_t at, len, first = SIZE_MAX, last = 0;

		if (r->base[i] == NULL)
			continue;
		at = (size_t)(r->base[i] - area);
		len = r->len[i] < BUF_SIZE - at ? (size_t)r->len[i] :
		    BUF_SIZE - at;
		for (size_t j = 0; j < len; j++)
			if (image[at + j] != pattern(at + j)) {
				if (first == SIZE_MAX)
					first = j;
				last = j;
			}
		if (first == SIZE_MAX)
			continue;
		printf("  arg%d[%d]: bytes %zu..%zu ", a->index, i, first, last);
		if (last - first < 48) {
			putchar('"');
			for (size_t j = first; j <= last; j++) {
				char ch = image[at + j];

				putchar(ch >= ' ' && ch <= '~' ? ch : '.');
			}
			printf("\"\n");
		} else {
			uint64_t h = 0xcbf29ce484222325ull;

			for (size_t j = first; j <= last; j++)
				h = (h ^ (uint8_t)image[at + j]) * 0x100000001b3ull;
			printf("#%016llx\n", (unsigned long long)h);
		}
	}
}

static void
after_local_iov(const struct arg *a, long ret)
{
	(void)ret;
	report_buffers(a, local_area, local_area);
}

/* The process the call is aimed at (process_vm_readv, process_vm_writev). */
static pid_t child_pid = -1, zombie_pid = -1;
static pid_t vm_target;

/* The remote buffers: this process's, or the seed child's copy, read
 * through /proc and then given the pattern again. */
static void
after_remote_iov(const struct arg *a, long ret)
{
	static char image[BUF_SIZE];
	char mem[64];
	int fd;

	(void)ret;
	if (vm_target != child_pid) {
		report_buffers(a, remote_area, remote_area);
		return;
	}
	snprintf(mem, sizeof(mem), "/proc/%d/mem", (int)child_pid);
	if ((fd = open(mem, O_RDWR)) < 0 ||
	    pread(fd, image, BUF_SIZE, (off_t)(uintptr_t)remote_area) != BUF_SIZE)
		die("read %s: %s", mem, strerror(errno));
	report_buffers(a, remote_area, image);
	fill_area(image);
	if (pwrite(fd, image, BUF_SIZE, (off_t)(uintptr_t)remote_area) !=
	    BUF_SIZE)
		die("write %s: %s", mem, strerror(errno));
	close(fd);
}

static const char *const iovcnt_tokens[] = {
	"1", "2", "3", "0", "4", "16", "1024", "1025", "0x80000000", "-1",
	"UINT_MAX", NULL
};
static const char *const vmcnt_tokens[] = {
	"1", "2", "3", "0", "4", "16", "1024", "1025", "0x100000001",
	"SIZE_MAX", NULL
};
static const char *const pos_tokens[] = {
	"-1", "-1", "-1", "0", "0", "1", "5", "4096", "9999", "10000", "-2",
	"-4096", "0x7ffff000", "0x100000000", "0x7ffffffffffff000",
	"INT64_MAX", "INT64_MIN", NULL
};
static const char *const pos_h_tokens[] = {
	"0", "0", "0", "0", "1", "UINT_MAX", "0xffffffff00000000", NULL
};
/* RWF_HIPRI 1, DSYNC 2, SYNC 4, NOWAIT 8, APPEND 0x10, NOAPPEND 0x20,
 * ATOMIC 0x40, DONTCACHE 0x80, NOSIGNAL 0x100. */
static const char *const rwf_tokens[] = {
	"0", "0", "0", "0", "1", "2", "4", "6", "8", "0x10", "0x20", "0x30",
	"0x11", "0x21", "0x40", "0x80", "0x100", "0x200", "0x80000000",
	"UINT_MAX", NULL
};

/* The count of an array made to match it, half the time. */
static int
iov_count(const char *token)
{
	int n = 1;

	if (token[0] != '[')
		return -1;
	if (strcmp(token, "[]") == 0)
		return 0;
	for (const char *p = token; *p != '\0'; p++)
		n += *p == ',';
	return n;
}

static void
adjust_count(char *count, const char *iov)
{
	int n = iov_count(iov);

	if (n >= 0 && rng_below(2) == 0)
		snprintf(count, MAX_TOKEN, "%d", n);
}

/* --- fchmodat2, openat2 ---------------------------------------------------- */

static const char *const chmod_modes[] = {
	"0644", "0755", "0600", "0", "0777", "0444", "01777", "02755", "04755",
	"06777", "07777", "0100644", "0170777", "0x10000", "UINT_MAX", NULL
};
/* AT_SYMLINK_NOFOLLOW 0x100, AT_EMPTY_PATH 0x1000, others invalid. */
static const char *const chmod_flags[] = {
	"0", "0", "0", "0x100", "0x100", "0x1000", "0x1000", "0x1100", "0x200",
	"0x400", "0x800", "0x1", "0x80000000", NULL
};

/* The tree's parent: fchmodat2 stays inside the scratch root. */
static void
adjust_fchmodat2(char tokens[][MAX_TOKEN])
{
	if (strcmp(tokens[0], "dir:..") == 0 && strcmp(tokens[1], "\"..\"") == 0)
		strcpy(tokens[1], "\".\"");
}

/*
 * struct open_how {flags, mode, resolve}: {flags=F,mode=M,resolve=R}, the
 * fields not named 0; "tail" puts a non-zero byte right after its 24
 * bytes.  Placed like clone3's structure, against the size argument.
 */
#define OPEN_HOW_SIZE	24

static const char *const how_tokens[] = {
	"{}", "NULL", "UNMAPPED", "KERNEL", NULL
};
static const char *const how_size_tokens[] = {
	"24", "24", "24", "24", "24", "24", "0", "8", "16", "23", "25", "32",
	"4096", "4097", "8192", "SIZE_MAX", NULL
};
static uint64_t how_size;	/* the size argument of the call being resolved */

static void
gen_how(const struct kind *k, char *out)
{
	/* O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND, O_NONBLOCK, O_DSYNC,
	 * O_DIRECT, O_DIRECTORY, O_NOFOLLOW, O_NOATIME, O_CLOEXEC, O_SYNC,
	 * O_PATH, O_TMPFILE; then bits Linux does not know. */
	static const uint64_t bits[] = {
		0100, 0200, 0400, 01000, 02000, 04000, 010000, 040000,
		0200000, 0400000, 01000000, 02000000, 04010000, 010000000,
		020200000
	};
	static const char *const unknown[] = {
		"0x4", "0x10000000", "0x80000000", "0x100000000"
	};
	/* 0644, 0600, 0777, 07777, 01644, 010000, then past 32 bits. */
	static const char *const modes[] = {
		"0x1a4", "0x180", "0x1ff", "0xfff", "0x3a4", "0x1000",
		"0x100000000"
	};
	static const char *const resolves[] = {
		"0x8", "0x8", "0x10", "0x10", "0x4", "0x1", "0x2", "0x20", "0x18",
		"0xc", "0x14", "0x40", "0x100000000"
	};
	uint64_t flags = rng_below(4) == 0 ? rng_below(4) : rng_below(3);
	char field[64];

	if (rng_below(10) == 0) {
		gen_from_pool(k, out);
		return;
	}
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (rng_below(7) == 0)
			flags |= bits[i];
	strcpy(out, "{");
	if (flags != 0) {
		snprintf(field, sizeof(field), "flags=0x%llx,",
		    (unsigned long long)flags);
		strcat(out, field);
	}
	if (rng_below(20) == 0) {
		strcat(out, "flags=");
		strcat(out, PICK(unknown));
		strcat(out, ",");
	}
	/* A mode mostly with O_CREAT or O_TMPFILE, which take one. */
	if ((flags & 020200100) ? rng_below(4) != 0 : rng_below(10) == 0) {
		strcat(out, "mode=");
		strcat(out, PICK(modes));
		strcat(out, ",");
	}
	if (rng_below(2) == 0) {
		strcat(out, "resolve=");
		strcat(out, PICK(resolves));
		strcat(out, ",");
	}
	if (rng_below(16) == 0)
		strcat(out, "tail=1,");
	if (out[strlen(out) - 1] == ',')
		out[strlen(out) - 1] = '\0';
	strcat(out, "}");
}

static int
resolve_how(struct arg *a)
{
	char copy[MAX_TOKEN], *item, *save = NULL, *eq;
	uint64_t how[3] = { 0, 0, 0 };
	int tail = 0;

	if (a->token[0] != '{')
		return resolve_ptr64(a);
	strcpy(copy, a->token + 1);
	if (copy[0] == '\0' || copy[strlen(copy) - 1] != '}')
		return -1;
	copy[strlen(copy) - 1] = '\0';
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		int f;

		if ((eq = strchr(item, '=')) == NULL)
			return -1;
		*eq = '\0';
		if (parse_number(eq + 1, &v) != 0)
			return -1;
		if (strcmp(item, "tail") == 0) {
			tail = 1;
			continue;
		}
		f = strcmp(item, "flags") == 0 ? 0 : strcmp(item, "mode") == 0 ?
		    1 : strcmp(item, "resolve") == 0 ? 2 : -1;
		if (f < 0)
			return -1;
		how[f] |= v;
	}
	a->value = (uintptr_t)place_struct(slot_end(a->index), how,
	    sizeof(how), tail, how_size);
	return 0;
}

/* --- processes and pidfds ---------------------------------------------------- */

/*
 * Processes: this one, the seed's child (alive, every signal blocked) and
 * its zombie (exited, not yet reaped), numbers no process has; never a
 * process the fuzzer does not own.
 */
static const char *const pid_tokens[] = {
	"self", "self", "child", "child", "zombie", "0", "-1", "huge",
	"INT_MIN", NULL
};

static int
resolve_pid_token(const char *t, uint64_t *v)
{
	if (strcmp(t, "self") == 0)
		*v = (uint64_t)getpid();
	else if (strcmp(t, "child") == 0)
		*v = (uint64_t)child_pid;
	else if (strcmp(t, "zombie") == 0)
		*v = (uint64_t)zombie_pid;
	else if (strcmp(t, "huge") == 0)
		*v = 0x3ffffff0;	/* past Linux's PID_MAX_LIMIT */
	else
		return parse_number(t, v);
	return 0;
}

static int
resolve_pid(struct arg *a)
{
	if (resolve_pid_token(a->token, &a->value) != 0)
		return -1;
	vm_target = (pid_t)a->value;
	return 0;
}

/* PIDFD_NONBLOCK (O_NONBLOCK), PIDFD_THREAD (O_EXCL). */
static const char *const pidfd_open_flags[] = {
	"0", "0", "0", "0x800", "0x800", "0x80", "0x880", "1", "0x80000000",
	"UINT_MAX", NULL
};

/*
 * pidfds: pidfd:P is a pidfd of process P opened for the call (and closed
 * after it) at a number of its own; or PIDFD_SELF_*; or any descriptor of
 * the pool.
 */
static const char *const pidfd_tokens[] = {
	"pidfd:self", "pidfd:self", "pidfd:child", "pidfd:child",
	"pidfd:zombie", "PIDFD_SELF_THREAD", "PIDFD_SELF_THREAD_GROUP",
	"rd:f", "dir:.", "path:f", "pipe_r", "sock", "closed", "-1", "huge",
	NULL
};
/*
 * pidfd_getfd's descriptor in the target: the pool's but its O_PATH ones,
 * which NetBSD does not have (compat_linux opens them as ordinary
 * read-only descriptors) and linuxrun cannot hand over (seccomp's ADDFD
 * takes no O_PATH file).
 */
static const char *const targetfd_tokens[] = {
	"rd:f", "rw:f", "wr:f", "app:f", "rd:g", "rw:e", "app:e", "rd:ro",
	"dir:.", "dir:d", "dir:..", "fifo", "pipe_r", "pipe_w", "sock",
	"closed", "-1", "huge", "INT_MAX", "INT_MIN", "0", NULL
};
static long pidfd_errors[MAX_ARGS];	/* why pidfd:P could not be opened */

static int
pidfd_number(int index)
{
	return CLOSED_FD + 1 + index;
}

static int
resolve_pidfd(struct arg *a)
{
	uint64_t pid;
	long fd;

	pidfd_errors[a->index] = 0;
	if (strcmp(a->token, "PIDFD_SELF_THREAD") == 0) {
		a->value = (uint64_t)(int64_t)L_PIDFD_SELF_THREAD;
		return 0;
	}
	if (strcmp(a->token, "PIDFD_SELF_THREAD_GROUP") == 0) {
		a->value = (uint64_t)(int64_t)L_PIDFD_SELF_THREAD_GROUP;
		return 0;
	}
	if (strncmp(a->token, "pidfd:", 6) != 0)
		return resolve_fd(a);
	if (resolve_pid_token(a->token + 6, &pid) != 0)
		return -1;
	a->value = (uint64_t)pidfd_number(a->index);
	fd = raw6(NR_pidfd_open, pid, 0, 0, 0, 0, 0);
	if (fd < 0)
		pidfd_errors[a->index] = -fd;
	else
		place_fd((int)fd, pidfd_number(a->index));
	return 0;
}

static void
after_pidfd(const struct arg *a, long ret)
{
	char ebuf[16];

	(void)ret;
	if (pidfd_errors[a->index] != 0)
		printf("  arg%d: no pidfd: %s\n", a->index,
		    errno_name(pidfd_errors[a->index], ebuf, sizeof(ebuf)));
	close(pidfd_number(a->index));
}

/* Signals this process, its child and its zombie take without harm: 0,
 * SIGCHLD and SIGWINCH (caught), SIGCONT, SIGURG (ignored by default);
 * then invalid numbers. */
static const char *const signal_tokens[] = {
	"0", "0", "0", "17", "18", "23", "28", "65", "-1", "1000", "INT_MIN",
	NULL
};
static uint64_t signal_sent;	/* the signal of the call being resolved */

static int
resolve_signal(struct arg *a)
{
	if (parse_number(a->token, &a->value) != 0)
		return -1;
	signal_sent = a->value;
	return 0;
}

/*
 * A Linux siginfo_t (128 bytes): {code=C} with si_signo the call's signal,
 * or {code=C,signo=S}; "big" sets a byte past the first 48.
 */
static const char *const siginfo_tokens[] = {
	"NULL", "NULL", "NULL", "{code=-1}", "{code=0}", "{code=-6}",
	"{code=-1,signo=1}", "{code=-1,big}", "{code=0x7fff,big}",
	"{code=-60}", "UNMAPPED", "KERNEL", "RO", NULL
};

static int
resolve_siginfo(struct arg *a)
{
	char info[128] = { 0 };
	int32_t signo = (int32_t)signal_sent, code;
	const char *s;

	if (a->token[0] != '{')
		return resolve_ptr64(a);
	if (sscanf(a->token, "{code=%i", &code) != 1)
		return -1;
	if ((s = strstr(a->token, "signo=")) != NULL)
		signo = (int32_t)strtol(s + 6, NULL, 0);
	memcpy(info, &signo, 4);
	memcpy(info + 8, &code, 4);
	if (strstr(a->token, "big") != NULL)
		info[100] = 1;
	memcpy(slot_end(a->index) - sizeof(info), info, sizeof(info));
	a->value = (uintptr_t)(slot_end(a->index) - sizeof(info));
	return 0;
}

/* PIDFD_SIGNAL_THREAD 1, PIDFD_SIGNAL_THREAD_GROUP 2,
 * PIDFD_SIGNAL_PROCESS_GROUP 4. */
static const char *const pss_flags[] = {
	"0", "0", "0", "0", "1", "2", "4", "3", "6", "8", "UINT_MAX", NULL
};
static const char *const ulong_zero_flags[] = {
	"0", "0", "0", "0", "0", "1", "0x100000000", "SIZE_MAX", NULL
};

/* --- mlock2, membarrier ------------------------------------------------------ */

/* Addresses in the fuzzer's own memory (the local buffer area), or none. */
static const char *const mlock_addr_tokens[] = {
	"BUF", "BUF", "BUF+1", "BUF+4095", "BUFEND-1", "UNMAPPED", "RO",
	"NULL", "KERNEL", "0x7ffffffff000", NULL
};

static int
resolve_mlock_addr(struct arg *a)
{
	if (strcmp(a->token, "BUF") == 0)
		a->value = (uintptr_t)local_area;
	else if (strcmp(a->token, "BUF+1") == 0)
		a->value = (uintptr_t)local_area + 1;
	else if (strcmp(a->token, "BUF+4095") == 0)
		a->value = (uintptr_t)local_area + 4095;
	else if (strcmp(a->token, "BUFEND-1") == 0)
		a->value = (uintptr_t)local_area + BUF_SIZE - 1;
	else if (strcmp(a->token, "UNMAPPED") == 0)
		a->value = (uintptr_t)local_area + BUF_SIZE;
	else if (strcmp(a->token, "0x7ffffffff000") == 0)
		a->value = 0x7ffffffff000ull;
	else
		return resolve_ptr64(a);
	return 0;
}

static const char *const mlock_len_tokens[] = {
	"4096", "4096", "1", "0", "4097", "8192", "32768", "32769",
	"0x7ffff000", "-4096", "0x8000000000000000", "SIZE_MAX", NULL
};
/* MLOCK_ONFAULT 1. */
static const char *const mlock_flags[] = {
	"0", "0", "0", "1", "1", "2", "3", "0x80000000", "UINT_MAX", NULL
};

/* QUERY 0, GLOBAL 1, GLOBAL_EXPEDITED 2, REGISTER_GLOBAL_EXPEDITED 4,
 * PRIVATE_EXPEDITED 8, REGISTER_PRIVATE_EXPEDITED 16, the SYNC_CORE pair
 * 32 and 64, the RSEQ pair 128 and 256, GET_REGISTRATIONS 512. */
static const char *const membarrier_cmds[] = {
	"0", "1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "512",
	"3", "6", "0x400", "-1", "0x80000000", NULL
};
/* MEMBARRIER_CMD_FLAG_CPU 1. */
static const char *const membarrier_flags[] = {
	"0", "0", "0", "0", "1", "2", "UINT_MAX", NULL
};
static const char *const cpu_tokens[] = {
	"0", "0", "1", "-1", "1000", NULL
};

enum {
	K_FD, K_DIRFD, K_PATH, K_RENAME_FLAGS, K_OFF64, K_SFR_FLAGS, K_OFFP,
	K_LEN, K_ZERO_FLAGS, K_ACCESS_MODE, K_ACCESS_FLAGS, K_SEMID, K_SOPS,
	K_NSOPS, K_TIMEOUT, K_U32P, K_CACHEP, K_CLONE_ARGS, K_CLONE_SIZE,
	K_IOV, K_RIOV, K_IOVCNT, K_VMCNT, K_POS, K_POS_H, K_RWF, K_CHMOD_MODE,
	K_CHMOD_FLAGS, K_HOW, K_HOW_SIZE, K_PID, K_PIDFD_OPEN_FLAGS, K_PIDFD,
	K_SIGNAL, K_SIGINFO, K_PSS_FLAGS, K_ULONG_FLAGS, K_MLOCK_ADDR,
	K_MLOCK_LEN, K_MLOCK_FLAGS, K_MEMBARRIER_CMD, K_MEMBARRIER_FLAGS,
	K_CPU, K_TARGETFD,
	N_KINDS
};

static const struct kind kinds[N_KINDS] = {
	[K_FD] = { "fd", fd_tokens, 1, gen_from_pool, resolve_fd, NULL },
	[K_DIRFD] = { "dirfd", fd_tokens, 1, gen_dirfd, resolve_fd, NULL },
	[K_PATH] = { "path", path_tokens, 0, gen_from_pool, resolve_path, NULL },
	[K_RENAME_FLAGS] = { "rename_flags", rename_flags, 1, gen_from_pool,
	    resolve_number, NULL },
	[K_OFF64] = { "off64", off64_tokens, 0, gen_from_pool, resolve_number,
	    NULL },
	[K_SFR_FLAGS] = { "sfr_flags", sfr_flags, 1, gen_from_pool,
	    resolve_number, NULL },
	[K_OFFP] = { "offp", offp_tokens, 0, gen_from_pool, resolve_ptr64,
	    after_ptr64 },
	[K_LEN] = { "len", len_tokens, 0, gen_from_pool, resolve_number, NULL },
	[K_ZERO_FLAGS] = { "zero_flags", zero_flags, 1, gen_from_pool,
	    resolve_number, NULL },
	[K_ACCESS_MODE] = { "access_mode", access_modes, 1, gen_from_pool,
	    resolve_number, NULL },
	[K_ACCESS_FLAGS] = { "access_flags", access_flags, 1, gen_from_pool,
	    resolve_number, NULL },
	[K_SEMID] = { "semid", semid_tokens, 1, gen_from_pool, resolve_semid,
	    NULL },
	[K_SOPS] = { "sops", sops_tokens, 0, gen_sops, resolve_sops, NULL },
	[K_NSOPS] = { "nsops", nsops_tokens, 1, gen_from_pool, resolve_number,
	    NULL },
	[K_TIMEOUT] = { "timeout", timeout_tokens, 0, gen_from_pool,
	    resolve_timeout, NULL },
	[K_U32P] = { "u32p", u32p_tokens, 0, gen_from_pool, resolve_u32p,
	    after_u32p },
	[K_CACHEP] = { "cachep", u32p_tokens, 0, gen_from_pool, resolve_u32p,
	    NULL },
	[K_CLONE_ARGS] = { "clone_args", clone_args_tokens, 0, gen_clone_args,
	    resolve_clone_args, after_clone_args },
	[K_CLONE_SIZE] = { "clone_size", clone_size_tokens, 0, gen_from_pool,
	    resolve_number, NULL },
	[K_IOV] = { "iov", iov_tokens, 0, gen_iov, resolve_local_iov,
	    after_local_iov },
	[K_RIOV] = { "remote_iov", iov_tokens, 0, gen_iov, resolve_remote_iov,
	    after_remote_iov },
	[K_IOVCNT] = { "iovcnt", iovcnt_tokens, 1, gen_from_pool,
	    resolve_number, NULL },
	[K_VMCNT] = { "vmcnt", vmcnt_tokens, 0, gen_from_pool, resolve_number,
	    NULL },
	[K_POS] = { "pos", pos_tokens, 0, gen_from_pool, resolve_number, NULL },
	[K_POS_H] = { "pos_h", pos_h_tokens, 0, gen_from_pool, resolve_number,
	    NULL },
	[K_RWF] = { "rwf_flags", rwf_tokens, 1, gen_from_pool, resolve_number,
	    NULL },
	[K_CHMOD_MODE] = { "chmod_mode", chmod_modes, 1, gen_from_pool,
	    resolve_number, NULL },
	[K_CHMOD_FLAGS] = { "chmod_flags", chmod_flags, 1, gen_from_pool,
	    resolve_number, NULL },
	[K_HOW] = { "open_how", how_tokens, 0, gen_how, resolve_how, NULL },
	[K_HOW_SIZE] = { "how_size", how_size_tokens, 0, gen_from_pool,
	    resolve_number, NULL },
	[K_PID] = { "pid", pid_tokens, 1, gen_from_pool, resolve_pid, NULL },
	[K_PIDFD_OPEN_FLAGS] = { "pidfd_open_flags", pidfd_open_flags, 1,
	    gen_from_pool, resolve_number, NULL },
	[K_PIDFD] = { "pidfd", pidfd_tokens, 1, gen_from_pool, resolve_pidfd,
	    after_pidfd },
	[K_SIGNAL] = { "signal", signal_tokens, 1, gen_from_pool,
	    resolve_signal, NULL },
	[K_SIGINFO] = { "siginfo", siginfo_tokens, 0, gen_from_pool,
	    resolve_siginfo, NULL },
	[K_PSS_FLAGS] = { "pidfd_signal_flags", pss_flags, 1, gen_from_pool,
	    resolve_number, NULL },
	[K_ULONG_FLAGS] = { "ulong_flags", ulong_zero_flags, 0, gen_from_pool,
	    resolve_number, NULL },
	[K_MLOCK_ADDR] = { "mlock_addr", mlock_addr_tokens, 0, gen_from_pool,
	    resolve_mlock_addr, NULL },
	[K_MLOCK_LEN] = { "mlock_len", mlock_len_tokens, 0, gen_from_pool,
	    resolve_number, NULL },
	[K_MLOCK_FLAGS] = { "mlock_flags", mlock_flags, 1, gen_from_pool,
	    resolve_number, NULL },
	[K_MEMBARRIER_CMD] = { "membarrier_cmd", membarrier_cmds, 1,
	    gen_from_pool, resolve_number, NULL },
	[K_MEMBARRIER_FLAGS] = { "membarrier_flags", membarrier_flags, 1,
	    gen_from_pool, resolve_number, NULL },
	[K_CPU] = { "cpu", cpu_tokens, 1, gen_from_pool, resolve_number, NULL },
	[K_TARGETFD] = { "targetfd", targetfd_tokens, 1, gen_from_pool,
	    resolve_fd, NULL },
};

/* --- the calls ------------------------------------------------------------- */

struct call {
	const char *name;
	long nr;
	int nargs;
	int kinds[MAX_ARGS];
	/* Makes the arguments fit together more often (optional). */
	void (*adjust)(char tokens[][MAX_TOKEN]);
	int returns_fd;		/* a new descriptor: described, then closed */
};

/* Half the time the seed's set and as many operations as sops holds, so
 * that operations are done and waits happen. */
static void
adjust_semtimedop(char tokens[][MAX_TOKEN])
{
	if (rng_below(2) == 0)
		return;
	strcpy(tokens[0], "set");
	if (tokens[1][0] == '[') {
		unsigned n = 1;

		for (const char *p = tokens[1]; *p != '\0'; p++)
			n += *p == ';';
		snprintf(tokens[2], MAX_TOKEN, "%u", n);
	}
}

/* Makes every buffer of an array a buffer in the area. */
static void
reachable_buffers(char *iov)
{
	char *out = iov;

	if (iov[0] != '[')
		return;
	for (const char *in = iov; *in != '\0'; in++) {
		int start = in > iov && (in[-1] == '[' || in[-1] == ',');

		if (start && in[0] != '\0' && in[1] == ':')
			in += 2;
		*out++ = *in;
	}
	*out = '\0';
}

/*
 * A read from the pipe or the FIFO gets buffers in the area only (README
 * "make difffuzz"): through linuxrun the model reads a stream into a
 * bounce buffer before it copies out, so a buffer that cannot be reached
 * loses bytes that NetBSD's pipe_read() leaves in the pipe.
 */
static void
adjust_rw(char tokens[][MAX_TOKEN], int read)
{
	if (read && (strcmp(tokens[0], "pipe_r") == 0 ||
	    strcmp(tokens[0], "fifo") == 0))
		reachable_buffers(tokens[1]);
	adjust_count(tokens[2], tokens[1]);
}

static void
adjust_preadv2(char tokens[][MAX_TOKEN])
{
	adjust_rw(tokens, 1);
}

static void
adjust_pwritev2(char tokens[][MAX_TOKEN])
{
	adjust_rw(tokens, 0);
}

static void
adjust_process_vm(char tokens[][MAX_TOKEN])
{
	adjust_count(tokens[2], tokens[1]);
	adjust_count(tokens[4], tokens[3]);
}

static const struct call calls[] = {
	{ "semtimedop", NR_semtimedop, 4,
	    { K_SEMID, K_SOPS, K_NSOPS, K_TIMEOUT }, adjust_semtimedop, 0 },
	{ "sync_file_range", NR_sync_file_range, 4,
	    { K_FD, K_OFF64, K_OFF64, K_SFR_FLAGS }, NULL, 0 },
	{ "syncfs", NR_syncfs, 1, { K_FD }, NULL, 0 },
	{ "getcpu", NR_getcpu, 3, { K_U32P, K_U32P, K_CACHEP }, NULL, 0 },
	{ "renameat2", NR_renameat2, 5,
	    { K_DIRFD, K_PATH, K_DIRFD, K_PATH, K_RENAME_FLAGS }, NULL, 0 },
	{ "copy_file_range", NR_copy_file_range, 6,
	    { K_FD, K_OFFP, K_FD, K_OFFP, K_LEN, K_ZERO_FLAGS }, NULL, 0 },
	{ "clone3", NR_clone3, 2, { K_CLONE_ARGS, K_CLONE_SIZE }, NULL, 0 },
	{ "faccessat2", NR_faccessat2, 4,
	    { K_DIRFD, K_PATH, K_ACCESS_MODE, K_ACCESS_FLAGS }, NULL, 0 },
	{ "preadv2", NR_preadv2, 6,
	    { K_FD, K_IOV, K_IOVCNT, K_POS, K_POS_H, K_RWF }, adjust_preadv2,
	    0 },
	{ "pwritev2", NR_pwritev2, 6,
	    { K_FD, K_IOV, K_IOVCNT, K_POS, K_POS_H, K_RWF }, adjust_pwritev2,
	    0 },
	{ "fchmodat2", NR_fchmodat2, 4,
	    { K_DIRFD, K_PATH, K_CHMOD_MODE, K_CHMOD_FLAGS }, adjust_fchmodat2, 0 },
	{ "openat2", NR_openat2, 4, { K_DIRFD, K_PATH, K_HOW, K_HOW_SIZE },
	    NULL, 1 },
	{ "pidfd_open", NR_pidfd_open, 2, { K_PID, K_PIDFD_OPEN_FLAGS }, NULL,
	    1 },
	{ "pidfd_send_signal", NR_pidfd_send_signal, 4,
	    { K_PIDFD, K_SIGNAL, K_SIGINFO, K_PSS_FLAGS }, NULL, 0 },
	{ "pidfd_getfd", NR_pidfd_getfd, 3,
	    { K_PIDFD, K_TARGETFD, K_ZERO_FLAGS },
	    NULL, 1 },
	{ "process_vm_readv", NR_process_vm_readv, 6,
	    { K_PID, K_IOV, K_VMCNT, K_RIOV, K_VMCNT, K_ULONG_FLAGS },
	    adjust_process_vm, 0 },
	{ "process_vm_writev", NR_process_vm_writev, 6,
	    { K_PID, K_IOV, K_VMCNT, K_RIOV, K_VMCNT, K_ULONG_FLAGS },
	    adjust_process_vm, 0 },
	{ "mlock2", NR_mlock2, 3, { K_MLOCK_ADDR, K_MLOCK_LEN, K_MLOCK_FLAGS },
	    NULL, 0 },
	{ "membarrier", NR_membarrier, 3,
	    { K_MEMBARRIER_CMD, K_MEMBARRIER_FLAGS, K_CPU }, NULL, 0 },
};

#define N_CALLS	(int)(sizeof(calls) / sizeof(calls[0]))

static void
gen_line(char *out)
{
	const struct call *c = &calls[rng_below(N_CALLS)];
	char tok[MAX_ARGS][MAX_TOKEN];

	for (int i = 0; i < c->nargs; i++) {
		const struct kind *k = &kinds[c->kinds[i]];

		k->gen(k, tok[i]);
	}
	if (c->adjust != NULL)
		c->adjust(tok);
	strcpy(out, c->name);
	for (int i = 0; i < c->nargs; i++) {
		strcat(out, " ");
		strcat(out, tok[i]);
		/* Now and then junk in the upper half of a 32-bit argument. */
		if (kinds[c->kinds[i]].wide && rng_below(8) == 0)
			strcat(out, "+hi");
	}
}

static void
gen_seed(uint64_t seed, int ncalls, FILE *out)
{
	char line[MAX_LINE];

	rng_state = seed * 0x2545f4914f6cdd1dull;
	for (int i = 0; i < ncalls; i++) {
		gen_line(line);
		fprintf(out, "%s\n", line);
	}
}

/* A seed's calls as one string. */
static char *
gen_script(uint64_t seed, int ncalls)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		die("open_memstream: %s", strerror(errno));
	gen_seed(seed, ncalls, f);
	fclose(f);
	return buf;
}

/* --- state: the tree, descriptor offsets, semaphores ------------------------ */

/* Which file each inode of the tree was when it was built. */
struct ident { dev_t dev; ino_t ino; char name[64]; };
static struct ident idents[64];
static int n_idents;

#define MAX_ENTRIES	256
struct listing {
	int n;
	char *e[MAX_ENTRIES];
};
static struct listing tree_state;
static long long fd_offsets[N_POOL];
static unsigned short sem_values[NSEMS];

static const char *
ident_of(const struct stat *st)
{
	for (int i = 0; i < n_idents; i++)
		if (idents[i].dev == st->st_dev && idents[i].ino == st->st_ino)
			return idents[i].name;
	return "new";
}

/*
 * A hash of a file's non-zero 4 KiB blocks and where they are, so that
 * holes and written zeros hash alike on every file system; holes are
 * skipped with SEEK_DATA where the system has it.
 */
static uint64_t
content_hash(int fd, off_t size)
{
	static char buf[PAGE];
	uint64_t h = 0xcbf29ce484222325ull;
	off_t at = 0;

	while (at < size) {
		off_t data = lseek(fd, at, SEEK_DATA);
		ssize_t n;
		int zero = 1;

		if (data == -1 && errno == ENXIO)
			break;
		if (data > at)
			at = data & ~(off_t)(PAGE - 1);
		if ((n = pread(fd, buf, PAGE, at)) <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			zero &= buf[i] == 0;
		if (!zero) {
			for (int i = 0; i < 8; i++)
				h = (h ^ (uint8_t)(at >> (8 * i))) * 0x100000001b3ull;
			for (ssize_t i = 0; i < n; i++)
				h = (h ^ (uint8_t)buf[i]) * 0x100000001b3ull;
		}
		at += n;
	}
	return h;
}

static char
type_char(mode_t mode)
{
	return S_ISREG(mode) ? 'f' : S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' :
	    S_ISFIFO(mode) ? 'p' : S_ISSOCK(mode) ? 's' : S_ISCHR(mode) ? 'c' :
	    '?';
}

static void
add_entry(struct listing *l, const char *path, const struct stat *st,
    int dirfd, const char *name)
{
	char line[PATH_MAX + 512], extra[256] = "";
	char c = type_char(st->st_mode);

	if (S_ISREG(st->st_mode)) {
		int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
		char small[65];
		ssize_t n;

		if (fd < 0) {
			snprintf(extra, sizeof(extra), " unreadable");
		} else if (st->st_size <= 48 &&
		    (n = pread(fd, small, sizeof(small) - 1, 0)) >= 0) {
			small[n] = '\0';
			for (ssize_t i = 0; i < n; i++)
				if (small[i] < ' ' || small[i] > '~')
					small[i] = '.';
			snprintf(extra, sizeof(extra), " %lld \"%s\"",
			    (long long)st->st_size, small);
		} else {
			snprintf(extra, sizeof(extra), " %lld #%016llx",
			    (long long)st->st_size,
			    (unsigned long long)content_hash(fd, st->st_size));
		}
		if (fd >= 0)
			close(fd);
		snprintf(line, sizeof(line), "%s %c %04o %s nlink=%lu%s", path, c,
		    st->st_mode & 07777, ident_of(st), (unsigned long)st->st_nlink,
		    extra);
	} else if (S_ISLNK(st->st_mode)) {
		char target[256];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		size_t rl = strlen(root);

		target[n < 0 ? 0 : n] = '\0';
		if (strncmp(target, root, rl) == 0 && target[rl] == '/')
			snprintf(line, sizeof(line), "%s l -> $ROOT%s", path,
			    target + rl);
		else
			snprintf(line, sizeof(line), "%s l -> %s", path, target);
	} else if (S_ISCHR(st->st_mode)) {
		snprintf(line, sizeof(line), "%s c %04o %s %u,%u", path,
		    st->st_mode & 07777, ident_of(st), major(st->st_rdev),
		    minor(st->st_rdev));
	} else {
		snprintf(line, sizeof(line), "%s %c %04o %s", path, c,
		    st->st_mode & 07777, ident_of(st));
	}
	if (l->n < MAX_ENTRIES)
		l->e[l->n++] = strdup(line);
}

static void
walk(struct listing *l, int dirfd, const char *prefix)
{
	DIR *dir;
	struct dirent *de;
	int fd = dup(dirfd);

	if (fd < 0 || (dir = fdopendir(fd)) == NULL)
		die("walk %s: %s", prefix, strerror(errno));
	while ((de = readdir(dir)) != NULL) {
		char path[PATH_MAX];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s%s", prefix, de->d_name);
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		add_entry(l, path, &st, dirfd, de->d_name);
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

			if (sub >= 0) {
				strcat(path, "/");
				walk(l, sub, path);
				close(sub);
			}
		}
	}
	closedir(dir);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
list_tree(struct listing *l)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		die("open %s: %s", root, strerror(errno));
	l->n = 0;
	walk(l, fd, "");
	close(fd);
	qsort(l->e, (size_t)l->n, sizeof(l->e[0]), cmp_str);
}

static void
free_listing(struct listing *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->e[i]);
	l->n = 0;
}

/* Records each built file's inode under its first name. */
static void
record_idents(void)
{
	n_idents = 0;
	for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++) {
		struct stat st;

		if (lstat(tree[i].path, &st) != 0)
			die("lstat %s: %s", tree[i].path, strerror(errno));
		if (strcmp(ident_of(&st), "new") == 0 && n_idents < 64) {
			idents[n_idents].dev = st.st_dev;
			idents[n_idents].ino = st.st_ino;
			snprintf(idents[n_idents].name, sizeof(idents[0].name),
			    "#%s", tree[i].path);
			n_idents++;
		}
	}
}

static long long
fd_offset(int i)
{
	return lseek(FIRST_FD + i, 0, SEEK_CUR);
}

static void
snapshot(void)
{
	list_tree(&tree_state);
	for (int i = 0; i < N_POOL; i++)
		fd_offsets[i] = fd_offset(i);
	semctl(sem_set, 0, GETALL, sem_values);
}

/* Keeps files small: see MAX_FILE. */
static void
trim_files(const struct listing *l)
{
	for (int i = 0; i < l->n; i++) {
		char path[PATH_MAX], full[PATH_MAX * 2], type;
		long long size;

		if (sscanf(l->e[i], "%4095s %c %*o %*s nlink=%*u %lld", path,
		    &type, &size) != 3 || type != 'f' || size <= MAX_FILE)
			continue;
		snprintf(full, sizeof(full), "%s/%s", root, path);
		if (truncate(full, MAX_FILE) == 0)
			printf("  trimmed %s to %d bytes\n", path, MAX_FILE);
	}
}

/* Prints what changed since the last snapshot, and takes a new one. */
static void
report_changes(void)
{
	struct listing now = { 0 };
	unsigned short sems[NSEMS];
	int i = 0, j = 0;

	list_tree(&now);
	while (i < tree_state.n || j < now.n) {
		int c = i == tree_state.n ? 1 : j == now.n ? -1 :
		    strcmp(tree_state.e[i], now.e[j]);

		if (c < 0)
			printf("  - %s\n", tree_state.e[i++]);
		else if (c > 0)
			printf("  + %s\n", now.e[j++]);
		else
			i++, j++;
	}
	trim_files(&now);
	free_listing(&now);
	for (i = 0; i < N_POOL; i++) {
		long long off = fd_offset(i);

		if (off != fd_offsets[i])
			printf("  offset %s: %lld\n", fd_pool[i].name, off);
	}
	if (semctl(sem_set, 0, GETALL, sems) == 0 &&
	    memcmp(sems, sem_values, sizeof(sems)) != 0)
		printf("  semaphores: %u %u %u %u\n", sems[0], sems[1], sems[2],
		    sems[3]);
	free_listing(&tree_state);
	snapshot();
}

/* --- running calls ------------------------------------------------------------ */

static volatile sig_atomic_t deadline_hit;

/* Shared with the process of each seed. */
static struct counts {
	unsigned long calls, deadline;
} *counts;

/* The lowest descriptor number free: where a new descriptor must go. */
static long
lowest_free_fd(void)
{
	int fd = fcntl(0, F_DUPFD, 0);

	close(fd);
	return fd;
}

/* A new descriptor: its file as the tree shows files, and its flags. */
static void
describe_fd(int fd)
{
	static const struct { int flag; const char *name; } names[] = {
		{ O_APPEND, "append" }, { O_NONBLOCK, "nonblock" },
		{ O_SYNC, "sync" }, { O_DSYNC, "dsync" }, { O_DIRECT, "direct" },
		{ O_PATH, "path" },
	};
	static const char *const access[] = { "r", "w", "rw", "3" };
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
	struct stat st;

	if (fstat(fd, &st) != 0)
		die("fstat: %s", strerror(errno));
	printf("  new fd: %c %04o %s %s", type_char(st.st_mode),
	    st.st_mode & 07777, ident_of(&st), access[fl & 3]);
	/* Not the other bits: F_GETFL shows them as the host keeps them
	 * (through linuxrun, O_NOFOLLOW of the model's own open; O_NOATIME,
	 * which NetBSD has not, of Linux's). */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((fl & names[i].flag) == names[i].flag)
			printf(",%s", names[i].name);
	printf("%s offset %lld\n", fdfl & FD_CLOEXEC ? " cloexec" : "",
	    (long long)lseek(fd, 0, SEEK_CUR));
}

/*
 * A new pidfd, by what the module answers for it: through linuxrun its
 * own file (a pipe's read end to the host) answers fstat and F_GETFL, so
 * only close-on-exec, O_NONBLOCK and a signal 0 are compared.
 */
static void
describe_pidfd(int fd)
{
	char ebuf[24];
	long r = raw6(NR_pidfd_send_signal, (uint64_t)fd, 0, 0, 0, 0, 0);

	printf("  new pidfd:%s%s signal 0: %s\n",
	    fcntl(fd, F_GETFD) & FD_CLOEXEC ? " cloexec" : "",
	    fcntl(fd, F_GETFL) & O_NONBLOCK ? " nonblock" : "",
	    r == 0 ? "0" : errno_name(-r, ebuf, sizeof(ebuf)));
}

/*
 * The pipe and the FIFO hold PIPE_DATA before each preadv2 and pwritev2,
 * so that a read does not wait and a write (of at most the buffer area)
 * fits; what a call left in them is reported.
 */
#define PIPE_DATA	"pipe data\n"

static int
queued(int fd)
{
	int n = 0;

	ioctl(fd, FIONREAD, &n);
	return n;
}

static void
refill_pipes(void)
{
	static const char *const ends[][2] = {
		{ "pipe_r", "pipe_w" }, { "fifo", "fifo" }
	};
	static char sink[BUF_SIZE];

	for (size_t i = 0; i < 2; i++) {
		struct arg r = { .token = "" }, w = { .token = "" };
		int n;

		strcpy(r.token, ends[i][0]);
		strcpy(w.token, ends[i][1]);
		resolve_fd(&r);
		resolve_fd(&w);
		while ((n = queued((int)r.value)) > 0)
			if (read((int)r.value, sink,
			    (size_t)n < sizeof(sink) ? (size_t)n : sizeof(sink)) <= 0)
				die("drain: %s", strerror(errno));
		if (write((int)w.value, PIPE_DATA, strlen(PIPE_DATA)) !=
		    (ssize_t)strlen(PIPE_DATA))
			die("refill: %s", strerror(errno));
	}
}

static void
report_pipes(void)
{
	struct arg r = { .token = "pipe_r" }, f = { .token = "fifo" };
	int n;

	resolve_fd(&r);
	resolve_fd(&f);
	if ((n = queued((int)r.value)) != (int)strlen(PIPE_DATA))
		printf("  pipe: %d bytes\n", n);
	if ((n = queued((int)f.value)) != (int)strlen(PIPE_DATA))
		printf("  fifo: %d bytes\n", n);
}

/* What mlock2 locked (VmLck), then unlocked again. */
static void
report_locked(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		die("/proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmLck:", 6) == 0 &&
		    strtol(line + 6, NULL, 10) != 0)
			printf("  locked: %ld kB\n", strtol(line + 6, NULL, 10));
	fclose(f);
	munlockall();
}

static void
on_alarm(int sig)
{
	(void)sig;
	deadline_hit = 1;
}

static void
on_other(int sig)
{
	(void)sig;
}

static void
set_deadline(int ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };

	if (ms > 0)
		deadline_hit = 0;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void
install_signals(void)
{
	struct sigaction sa = { 0 };

	/* SIGALRM ends a wait (never restarted); the exit signals of clone3
	 * children and SIGXFSZ are ignored without being SIG_IGN, which
	 * would change what clone3 and waitpid do. */
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_other;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGXFSZ, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

static int
parse_line(char *line, const struct call **cp, struct arg *args)
{
	char *tok, *save = NULL;
	const struct call *c = NULL;
	int n = 0;

	if ((tok = strtok_r(line, " \n", &save)) == NULL)
		return -1;
	for (int i = 0; i < N_CALLS; i++)
		if (strcmp(tok, calls[i].name) == 0)
			c = &calls[i];
	if (c == NULL)
		return -1;
	while ((tok = strtok_r(NULL, " \n", &save)) != NULL) {
		if (n == c->nargs || strlen(tok) >= MAX_TOKEN)
			return -1;
		args[n].kind = c->kinds[n];
		args[n].index = n;
		strcpy(args[n].token, tok);
		n++;
	}
	*cp = c;
	return n == c->nargs ? 0 : -1;
}

/* Undoes a rename Linux did with flags, where the module answers EINVAL
 * (a documented deviation), so the run goes on from the same state. */
static void
undo_flagged_rename(const struct arg *a, uint64_t flags)
{
	long r;

	if (flags & L_RENAME_EXCHANGE)
		r = raw6(NR_renameat2, a[0].value, a[1].value, a[2].value,
		    a[3].value, L_RENAME_EXCHANGE, 0);
	else if (flags & L_RENAME_WHITEOUT) {
		printf("  not undone (whiteout)\n");
		return;
	} else
		r = raw6(NR_renameat, a[2].value, a[3].value, a[0].value,
		    a[1].value, 0, 0);
	printf("  undone: %ld\n", r);
}

static void
run_line(int index, char *line)
{
	char orig[MAX_LINE], ebuf[16];
	struct arg args[MAX_ARGS];
	const struct call *c;
	uint64_t reg[MAX_ARGS] = { 0 };
	long ret, lowest;

	strcpy(orig, line);
	orig[strcspn(orig, "\n")] = '\0';
	if (parse_line(line, &c, args) != 0)
		die("bad call: %s", orig);
	if (c->nr == NR_clone3 && parse_number(args[1].token, &clone_size) != 0)
		die("bad size: %s", orig);
	if (c->nr == NR_openat2 && parse_number(args[3].token, &how_size) != 0)
		die("bad size: %s", orig);
	for (int i = 0; i < c->nargs; i++) {
		const struct kind *k = &kinds[args[i].kind];
		char *hi = strstr(args[i].token, "+hi");

		if (hi != NULL)
			*hi = '\0';
		if (k->resolve(&args[i]) != 0)
			die("bad argument %d: %s", i, orig);
		if (hi != NULL) {
			args[i].value = (args[i].value & 0xffffffffu) | HIGH_JUNK;
			*hi = '+';
		}
		reg[i] = args[i].value;
	}

	if (c->nr == NR_preadv2 || c->nr == NR_pwritev2)
		refill_pipes();
	lowest = lowest_free_fd();
	printf("#%d %s = ", index, orig);
	fflush(stdout);
	counts->calls++;
	if (c->nr == NR_clone3) {
		sigset_t all, old;

		/*
		 * The child starts with every signal blocked: a signal for the
		 * process (a SIGCHLD) taken by a new thread on an unmapped
		 * stack would kill the process before the thread's exit.
		 */
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, &old);
		ret = raw_clone3(reg[0], reg[1]);
		sigprocmask(SIG_SETMASK, &old, NULL);
	} else if (c->nr == NR_semtimedop) {
		set_deadline(DEADLINE_MS);
		ret = raw6(c->nr, reg[0], reg[1], reg[2], reg[3], reg[4], reg[5]);
		set_deadline(0);
	} else {
		ret = raw6(c->nr, reg[0], reg[1], reg[2], reg[3], reg[4], reg[5]);
	}

	if (ret < 0 && ret > -4096) {
		printf("-1 %s", errno_name(-ret, ebuf, sizeof(ebuf)));
		if (ret == -EINTR && deadline_hit) {
			printf(" (deadline)");
			counts->deadline++;
		}
		printf("\n");
	} else if (c->nr == NR_clone3) {
		printf("child\n");
	} else if (c->returns_fd) {
		printf("fd\n");
	} else {
		printf("%ld\n", ret);
	}
	for (int i = 0; i < c->nargs; i++)
		if (kinds[args[i].kind].after != NULL)
			kinds[args[i].kind].after(&args[i], ret);
	if (c->nr == NR_clone3 && ret > 0 &&
	    !(clone_vals[0] & L_CLONE_THREAD)) {
		int status;
		pid_t w = waitpid((pid_t)ret, &status, __WALL);

		if (w == (pid_t)ret && WIFEXITED(status))
			printf("  child: exit %d\n", WEXITSTATUS(status));
		else if (w == (pid_t)ret)
			printf("  child: status %#x\n", status);
		else
			printf("  child: not ours (%s)\n",
			    errno_name(errno, ebuf, sizeof(ebuf)));
	}
	if (c->nr == NR_renameat2 && ret == 0 && (args[4].value & 0xffffffffu))
		undo_flagged_rename(args, args[4].value & 0xffffffffu);
	if (c->returns_fd && ret >= 0) {
		if (ret != lowest)
			printf("  new fd: not the lowest free\n");
		if (c->nr == NR_pidfd_open)
			describe_pidfd((int)ret);
		else
			describe_fd((int)ret);
		close((int)ret);
	}
	if (c->nr == NR_preadv2 || c->nr == NR_pwritev2)
		report_pipes();
	if (c->nr == NR_mlock2)
		report_locked();
	if (c->nr == NR_membarrier)
		printf("  registrations: %#lx\n", raw6(NR_membarrier,
		    L_MEMBARRIER_CMD_GET_REGISTRATIONS, 0, 0, 0, 0, 0));
	report_changes();
	fflush(stdout);
}

/*
 * The seed's child, which waits with every signal blocked until it is
 * killed, and its zombie, reaped only at the end; both start with the
 * pattern in the buffer areas.
 */
static void
start_children(void)
{
	sigset_t all, old;
	siginfo_t si;

	fill_area(local_area);
	fill_area(remote_area);
	fflush(stdout);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((child_pid = fork()) == 0) {
		/* Gone with the fuzzer, even if it dies. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		for (;;)
			pause();
	}
	if ((zombie_pid = fork()) == 0)
		_exit(0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (child_pid < 0 || zombie_pid < 0)
		die("fork: %s", strerror(errno));
	if (waitid(P_PID, (id_t)zombie_pid, &si, WEXITED | WNOWAIT) != 0)
		die("waitid: %s", strerror(errno));
}

static void
stop_children(void)
{
	kill(child_pid, SIGKILL);
	waitpid(child_pid, NULL, 0);
	waitpid(zombie_pid, NULL, 0);
	child_pid = zombie_pid = -1;
}

/*
 * What every seed starts from: its own process group (so that a signal
 * to the group reaches only the fuzzer's processes) and umask.
 */
static void
setup_process(void)
{
	setpgid(0, 0);
	umask(022);
}

/* Runs the lines of script, in a fresh tree under dir. */
static void
run_script(char *script, const char *dir)
{
	char line[MAX_LINE], cwd[PATH_MAX], *next;
	int index = 0;

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		die("getcwd: %s", strerror(errno));
	remove_tree(AT_FDCWD, dir);
	if (mkdir(dir, 0755) != 0 || chdir(dir) != 0)
		die("mkdir %s: %s", dir, strerror(errno));
	if (getcwd(root, sizeof(root)) == NULL)
		die("getcwd: %s", strerror(errno));
	close_from(3);
	build_tree();
	record_idents();
	open_pool();
	make_sems();
	start_children();
	snapshot();
	for (char *l = script; *l != '\0'; l = next) {
		size_t len = strcspn(l, "\n");

		next = l[len] == '\n' ? l + len + 1 : l + len;
		if (len == 0 || l[0] == '#')
			continue;
		if (len >= sizeof(line))
			die("line too long");
		memcpy(line, l, len);
		line[len] = '\0';
		run_line(index++, line);
	}
	free_listing(&tree_state);
	semctl(sem_set, 0, IPC_RMID);
	stop_children();
	close_from(3);
	if (chdir(cwd) != 0)
		die("chdir %s: %s", cwd, strerror(errno));
	remove_tree(AT_FDCWD, dir);
}

static void
print_pools(void)
{
	for (int k = 0; k < N_KINDS; k++) {
		printf("%s%s:", kinds[k].name, kinds[k].wide ? " wide" : "");
		for (int i = 0; kinds[k].pool[i] != NULL; i++)
			printf(" %s", kinds[k].pool[i]);
		printf("\n");
	}
	for (int c = 0; c < N_CALLS; c++) {
		printf("call %s %ld:", calls[c].name, calls[c].nr);
		for (int i = 0; i < calls[c].nargs; i++)
			printf(" %s", kinds[calls[c].kinds[i]].name);
		printf("\n");
	}
}

static long
number_arg(const char *s)
{
	uint64_t v;

	if (parse_number(s, &v) != 0)
		die("not a number: %s", s);
	return (long)v;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	counts = mmap(NULL, sizeof(*counts), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	if (argc == 2 && strcmp(argv[1], "pools") == 0) {
		print_pools();
		return 0;
	} else if (argc == 4 && strcmp(argv[1], "gen") == 0) {
		gen_seed((uint64_t)number_arg(argv[2]), (int)number_arg(argv[3]),
		    stdout);
		return 0;
	} else if (argc == 3 && strcmp(argv[1], "run") == 0) {
		FILE *in = strcmp(argv[2], "-") == 0 ? stdin :
		    fopen(argv[2], "r");
		char *script = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&script, &len);
		int ch;

		if (in == NULL || f == NULL)
			die("%s: %s", argv[2], strerror(errno));
		while ((ch = getc(in)) != EOF)
			putc(ch, f);
		fclose(f);
		if (in != stdin)
			fclose(in);
		map_memory();
		install_signals();
		setup_process();
		run_script(script, "scratch");
		free(script);
	} else if (argc == 5 && strcmp(argv[1], "seeds") == 0) {
		long first = number_arg(argv[2]), count = number_arg(argv[3]);
		int ncalls = (int)number_arg(argv[4]);

		map_memory();
		install_signals();
		/* Each seed in a process of its own, which starts without
		 * what an earlier seed left (membarrier's registrations). */
		for (long s = first; s < first + count; s++) {
			char *script = gen_script((uint64_t)s, ncalls);
			pid_t pid;
			int status;

			printf("seed %ld\n", s);
			fflush(stdout);
			if ((pid = fork()) == 0) {
				setup_process();
				run_script(script, "scratch");
				fflush(stdout);
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, &status, 0) != pid)
				die("fork: %s", strerror(errno));
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				die("seed %ld: status %#x", s, status);
			free(script);
		}
	} else {
		fprintf(stderr, "usage: difffuzz gen SEED NCALLS | run FILE | "
		    "seeds FIRST COUNT NCALLS | pools\n");
		return 1;
	}
	printf("calls %lu, ended by the deadline %lu\n", counts->calls,
	    counts->deadline);
	return 0;
}
