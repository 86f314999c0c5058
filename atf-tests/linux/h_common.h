/*
 * Shared by the static Linux helpers h_*.c: system call numbers, a case
 * runner and checks.  Each helper is run as "h_NAME CASE"; a case asserts
 * exact values itself.  Exit status: 0 pass, 1 fail (one line on stdout
 * says why), 77 skip (the line says why).  "h_NAME -l" lists the cases.
 *
 * The calls under test are issued by number with syscall(2), so no libc
 * wrapper can hide ENOSYS or emulate a call.
 */
#ifndef H_COMMON_H
#define H_COMMON_H

#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "linux_nr.h"

#define SKIP_STATUS	77

struct tcase {
	const char *name;
	void (*fn)(void);
};

/* Undoes what a case set up outside its working directory (IPC sets). */
static void (*cleanup_hook)(void);
static pid_t main_pid;
/* The path this program was run by: a program that is being run. */
static const char *self_path;

static inline void __attribute__((__noreturn__))
fail_at(int line, const char *fmt, ...)
{
	va_list ap;

	printf("line %d: ", line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (cleanup_hook != NULL && getpid() == main_pid)
		cleanup_hook();
	_exit(1);
}

static inline void __attribute__((__noreturn__))
skip(const char *why)
{
	printf("%s\n", why);
	fflush(stdout);
	_exit(SKIP_STATUS);
}

#define CHECK(c) do {							\
	if (!(c))							\
		fail_at(__LINE__, "%s is false (errno %d, %s)", #c,	\
		    errno, strerror(errno));				\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ != b_)							\
		fail_at(__LINE__, "%s is %lld, expected %lld", #a, a_, b_); \
} while (0)

/* A call that must return v. */
#define CHECK_RET(call, v) do {						\
	long r_, v_ = (long)(v);					\
	errno = 0;							\
	r_ = (call);							\
	if (r_ != v_)							\
		fail_at(__LINE__, "%s returned %ld (errno %d, %s), "	\
		    "expected %ld", #call, r_, errno, strerror(errno), v_); \
} while (0)

/* A call that must fail with errno e. */
#define CHECK_ERR(call, e) do {						\
	long r_;							\
	int e_;								\
	errno = 0;							\
	r_ = (call);							\
	e_ = errno;							\
	if (r_ != -1 || e_ != (e))					\
		fail_at(__LINE__, "%s returned %ld errno %d (%s), "	\
		    "expected -1 errno %d (%s)", #call, r_, e_,		\
		    strerror(e_), (int)(e), #e);			\
} while (0)

/* An address with nothing mapped at it: a page mapped, then unmapped. */
static inline void *
unmapped(void)
{
	void *p;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || munmap(p, 4096) == -1)
		fail_at(__LINE__, "mmap/munmap: %s", strerror(errno));
	return p;
}

static inline long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* Creates (or truncates) path with the given contents. */
static inline void
put_file(const char *path, const char *text)
{
	int fd;
	size_t len = strlen(text);

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd == -1 || write(fd, text, len) != (ssize_t)len || close(fd))
		fail_at(__LINE__, "writing %s: %s", path, strerror(errno));
}

/* Checks that path holds exactly len bytes equal to want. */
#define CHECK_FILE(path, want, len) check_file(__LINE__, path, want, len)
static inline void
check_file(int line, const char *path, const char *want, size_t len)
{
	char buf[256];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		fail_at(line, "open %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != (ssize_t)len || memcmp(buf, want, len) != 0)
		fail_at(line, "%s holds %zd bytes \"%.*s\", expected %zu "
		    "bytes \"%.*s\"", path, n, (int)(n > 0 ? n : 0), buf, len,
		    (int)len, want);
}

static inline int
run_cases(const struct tcase *t, size_t n, int argc, char **argv)
{
	size_t i;

	if (argc == 2 && strcmp(argv[1], "-l") == 0) {
		for (i = 0; i < n; i++)
			printf("%s\n", t[i].name);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s CASE | -l\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	main_pid = getpid();
	self_path = argv[0];
	for (i = 0; i < n; i++) {
		if (strcmp(argv[1], t[i].name) == 0) {
			t[i].fn();
			if (cleanup_hook != NULL)
				cleanup_hook();
			return 0;
		}
	}
	fprintf(stderr, "%s: no case %s\n", argv[0], argv[1]);
	return 2;
}

/* Runs f in a child process; the case fails unless the child exits 0. */
static inline void
in_child(void (*f)(void))
{
	pid_t pid;
	int status;

	if ((pid = fork()) == -1)
		fail_at(__LINE__, "fork: %s", strerror(errno));
	if (pid == 0) {
		f();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		fail_at(__LINE__, "the child process failed (status %#x)",
		    status);
}

/* The caller becomes nobody: real, effective and saved IDs 65534. */
static inline void
become_nobody(void)
{
	if (setresgid(65534, 65534, 65534) == -1 ||
	    setresuid(65534, 65534, 65534) == -1)
		fail_at(__LINE__, "setresgid/setresuid: %s", strerror(errno));
}

#define CASE(name)	{ #name, c_##name }
#define RUN_CASES(t)	run_cases(t, sizeof(t) / sizeof(t[0]), argc, argv)

#endif /* H_COMMON_H */
