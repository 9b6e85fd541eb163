/*
 * xt-execargs: execve with arguments and environment strings as large as
 * Linux allows: each string up to MAX_ARG_STRLEN (128 KiB with its NUL),
 * E2BIG for a longer one and for a total past a quarter of the stack
 * limit (2 MiB with the default 8 MiB), never ENAMETOOLONG. The child
 * (`xt-execargs child`) reports the lengths it received. One line per
 * check; exit 0 only when every check held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARG_STRLEN (32 * 4096)

static int failures;

static void check(const char *what, int ok, const char *detail)
{
	if (ok)
		printf("xt-execargs: %s: ok\n", what);
	else
		printf("xt-execargs: %s: FAILED (%s)\n", what, detail ? detail : "");
	if (!ok)
		failures++;
}

static char *filled(size_t len, char c)
{
	char *s = malloc(len + 1);
	memset(s, c, len);
	s[len] = 0;
	return s;
}

/* Runs self with `argv`/`envp`; returns the child's exit status, or
 * -errno when execve failed (reported through the exit status). */
static int run(char **argv, char **envp)
{
	int fds[2];
	pipe(fds);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		execve("/usr/bin/xt-execargs", argv, envp);
		int e = errno;
		write(fds[1], &e, sizeof e);
		_exit(127);
	}
	close(fds[1]);
	int e = 0;
	ssize_t n = read(fds[0], &e, sizeof e);
	close(fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (n == sizeof e)
		return -e;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

int main(int argc, char **argv, char **envp)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "child") == 0) {
		/* Exit 0 when every argument and XT_BIG have the lengths argv[2] names. */
		size_t want = strtoul(argv[2], 0, 10);
		for (int i = 3; i < argc; i++)
			if (strlen(argv[i]) != want)
				return 1;
		const char *big = getenv("XT_BIG");
		if (big && strlen(big) != want)
			return 2;
		return 0;
	}
	(void)envp;
	char len[32];
	char d[64];

	snprintf(len, sizeof len, "%d", MAX_ARG_STRLEN - 1);
	char *longest = filled(MAX_ARG_STRLEN - 1, 'a');
	char *a1[] = { "xt-execargs", "child", len, longest, 0 };
	char *e0[] = { 0 };
	int r = run(a1, e0);
	snprintf(d, sizeof d, "result %d", r);
	check("an argument of 128 KiB - 1 bytes (+ NUL) is passed whole", r == 0, d);

	char *too_long = filled(MAX_ARG_STRLEN, 'b');
	char *a2[] = { "xt-execargs", "child", "0", too_long, 0 };
	r = run(a2, e0);
	snprintf(d, sizeof d, "result %d", r);
	check("an argument of 128 KiB (+ NUL): E2BIG", r == -E2BIG, d);

	char *env = filled(MAX_ARG_STRLEN - 1, 'c');
	memcpy(env, "XT_BIG=", 7);
	char *e1[] = { env, 0 };
	char envlen[32];
	snprintf(envlen, sizeof envlen, "%d", MAX_ARG_STRLEN - 1 - 7);
	char *a3[] = { "xt-execargs", "child", envlen, 0 };
	r = run(a3, e1);
	snprintf(d, sizeof d, "result %d", r);
	check("an environment string of 128 KiB - 1 bytes is passed", r == 0, d);
	char *env2 = filled(MAX_ARG_STRLEN, 'c');
	memcpy(env2, "XT_BIG=", 7);
	char *e2[] = { env2, 0 };
	r = run(a3, e2);
	snprintf(d, sizeof d, "result %d", r);
	check("an environment string of 128 KiB: E2BIG", r == -E2BIG, d);

	/* 14 strings of 120000 bytes: 1.6 MiB in all, within 2 MiB. */
	enum { PIECE = 120000 };
	char *piece = filled(PIECE, 'd');
	char *many[24] = { "xt-execargs", "child", "120000" };
	for (int i = 0; i < 14; i++)
		many[3 + i] = piece;
	many[17] = 0;
	r = run(many, e0);
	snprintf(d, sizeof d, "result %d", r);
	check("1.6 MiB of arguments in all is passed", r == 0, d);
	for (int i = 0; i < 20; i++)
		many[3 + i] = piece;
	many[23] = 0;
	r = run(many, e0);
	snprintf(d, sizeof d, "result %d", r);
	check("2.3 MiB of arguments in all: E2BIG", r == -E2BIG, d);

	if (failures) {
		printf("xt-execargs: %d checks FAILED\n", failures);
		return 1;
	}
	puts("xt-execargs: all checks passed");
	return 0;
}
