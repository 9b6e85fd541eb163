/*
 * xt-conf-limits: resource limits and exec argument sizes against Linux
 * (output contract in conf.h): getrlimit/setrlimit/prlimit64 (values,
 * soft above hard, raising the hard limit without privilege, bad
 * resources, other processes), RLIMIT_NOFILE enforced by open/dup/
 * F_DUPFD/pipe, RLIMIT_FSIZE (SIGXFSZ/EFBIG), RLIMIT_AS, RLIMIT_STACK
 * inherited across exec; execve with argument and environment strings
 * of 128 KiB (MAX_ARG_STRLEN) and a total past the limit (E2BIG).
 *
 * `xt-conf-limits --count ARGS...` prints the number of arguments, the
 * length of the longest one and of the environment (used by the exec
 * checks); `--rlimit` prints its own RLIMIT_NOFILE soft limit.
 */
#include "conf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define SELF "/usr/bin/xt-conf-limits"

static const char *lim(rlim_t v)
{
	static char b[2][32];
	static int slot;
	char *p = b[slot++ & 1];
	if (v == RLIM_INFINITY)
		return "unlimited";
	snprintf(p, 32, "%llu", (unsigned long long)v);
	return p;
}

static void values(void)
{
	static const struct { int r; const char *name; } all[] = {
		{ RLIMIT_CPU, "cpu" }, { RLIMIT_FSIZE, "fsize" }, { RLIMIT_DATA, "data" },
		{ RLIMIT_STACK, "stack" }, { RLIMIT_CORE, "core" }, { RLIMIT_NOFILE, "nofile" },
		{ RLIMIT_AS, "as" }, { RLIMIT_MEMLOCK, "memlock" }, { RLIMIT_NPROC, "nproc" },
		{ RLIMIT_SIGPENDING, "sigpending" }, { RLIMIT_MSGQUEUE, "msgqueue" }, { RLIMIT_NICE, "nice" },
		{ RLIMIT_RTPRIO, "rtprio" }, { RLIMIT_RTTIME, "rttime" },
	};
	for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) {
		struct rlimit rl = { 0, 0 };
		char name[64];
		snprintf(name, sizeof name, "getrlimit.%s", all[i].name);
		errno = 0;
		long r = getrlimit(all[i].r, &rl);
		/* Values that depend on the machine's memory are shown as a relation. */
		if (r == 0 && (all[i].r == RLIMIT_NPROC || all[i].r == RLIMIT_SIGPENDING || all[i].r == RLIMIT_MEMLOCK))
			say(name, "0, soft %s hard %s", rl.rlim_cur == rl.rlim_max ? "=hard" : "!=hard",
			    rl.rlim_max == RLIM_INFINITY ? "unlimited" : rl.rlim_max > 0 ? ">0" : "0");
		else if (r == 0)
			say(name, "0, soft %s hard %s", lim(rl.rlim_cur), lim(rl.rlim_max));
		else
			say(name, "%s", rtext(r, errno));
	}
	struct rlimit rl = { 0, 0 };
	T("getrlimit.bad-resource", syscall(SYS_prlimit64, 0, 99, 0, &rl));
	T("getrlimit.bad-pointer", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (void *)8));
	T("prlimit64.self-by-pid", prlimit(getpid(), RLIMIT_NOFILE, 0, &rl));
	T("prlimit64.nonexistent", prlimit(999999, RLIMIT_NOFILE, 0, &rl));
	rl.rlim_cur = rl.rlim_max = 0;
	T("prlimit64.init", prlimit(1, RLIMIT_NOFILE, 0, &rl));
	say("prlimit64.init.effect", "soft %s hard %s", lim(rl.rlim_cur), lim(rl.rlim_max));
}

static void nofile(void)
{
	struct rlimit rl = { 16, 4096 };
	T("setrlimit.nofile-16", setrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = rl.rlim_max = 0;
	getrlimit(RLIMIT_NOFILE, &rl);
	say("setrlimit.nofile-16.effect", "soft %s hard %s", lim(rl.rlim_cur), lim(rl.rlim_max));
	int last = -1, n = 0;
	for (;;) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0)
			break;
		last = fd;
		n++;
	}
	say("open.until-nofile", "%s, last fd %d", ename(errno), last);
	T("dup.at-nofile", dup(0));
	T("dup2.beyond-nofile", dup2(0, 20));
	T("fcntl.dupfd-beyond-nofile", fcntl(0, F_DUPFD, 20));
	int p[2];
	T("pipe2.at-nofile", pipe(p));
	close(3);
	close(4);
	T("pipe2.two-free", pipe(p));
	rl.rlim_cur = 8192;
	rl.rlim_max = 4096;
	T("setrlimit.soft-above-hard", setrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = rl.rlim_max = 1 << 30;
	T("setrlimit.nofile-above-nr_open", setrlimit(RLIMIT_NOFILE, &rl));
	T("setrlimit.bad-resource", syscall(SYS_prlimit64, 0, 99, &rl, 0));
	T("setrlimit.bad-pointer", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, (void *)8, 0));
	/* The new limit is inherited across fork and exec. */
	rl.rlim_cur = 32;
	rl.rlim_max = 4096;
	setrlimit(RLIMIT_NOFILE, &rl);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		execl(SELF, SELF, "--rlimit", (char *)0);
		_exit(127);
	}
	waitpid(c, 0, 0);
	struct rlimit old = { 0, 0 };
	rl.rlim_cur = 64;
	rl.rlim_max = 64;
	T("prlimit64.set-and-get-old", prlimit(0, RLIMIT_NOFILE, &rl, &old));
	say("prlimit64.set-and-get-old.effect", "old soft %s hard %s", lim(old.rlim_cur), lim(old.rlim_max));
	if (drop_root() == 0) {
		rl.rlim_max = 128;
		T("setrlimit.unprivileged-raise-hard", setrlimit(RLIMIT_NOFILE, &rl));
		rl.rlim_cur = rl.rlim_max = 48;
		T("setrlimit.unprivileged-lower-hard", setrlimit(RLIMIT_NOFILE, &rl));
		rl.rlim_max = 64;
		T("setrlimit.unprivileged-raise-back", setrlimit(RLIMIT_NOFILE, &rl));
		T("prlimit64.unprivileged-init", prlimit(1, RLIMIT_NOFILE, 0, &rl));
	}
}

static volatile sig_atomic_t xfsz;
static void on_xfsz(int s) { (void)s; xfsz++; }

static void other_limits(void)
{
	signal(SIGXFSZ, on_xfsz);
	struct rlimit rl = { 10, 10 };
	T("setrlimit.fsize-10", setrlimit(RLIMIT_FSIZE, &rl));
	int fd = open("/tmp/xt-conf-limits-f", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	T("write.crossing-fsize", write(fd, "0123456789abcdef", 16));
	T("write.at-fsize", write(fd, "x", 1));
	say("write.at-fsize.signal", "%d SIGXFSZ", xfsz);
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	setrlimit(RLIMIT_FSIZE, &rl);
	rl.rlim_cur = rl.rlim_max = 64 << 20;
	T("setrlimit.as-64m", setrlimit(RLIMIT_AS, &rl));
	void *p = mmap(0, 128 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	say("mmap.beyond-rlimit-as", "%s", p == MAP_FAILED ? rtext(-1, errno) : "mapped");
	rl.rlim_cur = rl.rlim_max = 0;
	T("setrlimit.core-0", setrlimit(RLIMIT_CORE, &rl));
	rl.rlim_cur = 1;
	rl.rlim_max = 1;
	T("setrlimit.cpu-1s", setrlimit(RLIMIT_CPU, &rl));
	pid_t c = fork();
	if (c == 0) {
		for (volatile unsigned long i = 0;; i++)
			;
	}
	int st;
	if (wait_deadline(c, &st, 8000) < 0) {
		kill(c, SIGKILL);
		waitpid(c, &st, 0);
		say("rlimit-cpu.spinning-child", "not stopped in 8 s");
	} else {
		say("rlimit-cpu.spinning-child", "%s", status_text(st));
	}
}

/* Runs SELF --count with argv/envp and says what happened. */
static void exec_count(const char *name, char **argv, char **envp)
{
	fflush(stdout);
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		dup2(p[1], 1);
		execve(SELF, argv, envp);
		char b[64];
		snprintf(b, sizeof b, "-1 %s", ename(errno));
		write(1, b, strlen(b));
		_exit(1);
	}
	close(p[1]);
	char out[128] = { 0 };
	int n = 0, r;
	while (n < (int)sizeof out - 1 && (r = read(p[0], out + n, sizeof out - 1 - n)) > 0)
		n += r;
	close(p[0]);
	waitpid(c, 0, 0);
	say(name, "%s", out);
}

static char *filled(size_t len, char c, const char *prefix)
{
	char *s = malloc(len + 1);
	size_t pl = strlen(prefix);
	memcpy(s, prefix, pl);
	memset(s + pl, c, len - pl);
	s[len] = 0;
	return s;
}

static void exec_sizes(void)
{
	char *env0[] = { 0 };
	char *a1[] = { SELF, "--count", filled(128 * 1024 - 1, 'a', ""), 0 };
	exec_count("execve.arg-128k-minus-1", a1, env0);
	char *a2[] = { SELF, "--count", filled(128 * 1024, 'a', ""), 0 };
	exec_count("execve.arg-128k", a2, env0);
	char *e1[] = { filled(128 * 1024 - 1, 'e', "BIG="), 0 };
	char *a3[] = { SELF, "--count", 0 };
	exec_count("execve.env-128k-minus-1", a3, e1);
	char *e2[] = { filled(128 * 1024, 'e', "BIG="), 0 };
	exec_count("execve.env-128k", a3, e2);
	/* 1 MiB in total: eight strings just under the per-string limit. */
	char *a4[12] = { SELF, "--count" };
	for (int i = 0; i < 8; i++)
		a4[2 + i] = filled(128 * 1024 - 1, 'b', "");
	exec_count("execve.total-1m", a4, env0);
	/* Past a quarter of the 8 MiB stack limit: E2BIG. */
	char **a5 = calloc(40, sizeof *a5);
	a5[0] = SELF;
	a5[1] = "--count";
	for (int i = 0; i < 20; i++)
		a5[2 + i] = a4[2];
	exec_count("execve.total-2.5m", a5, env0);
	/* Many small arguments. */
	char **a6 = calloc(5002, sizeof *a6);
	a6[0] = SELF;
	a6[1] = "--count";
	for (int i = 0; i < 5000; i++)
		a6[2 + i] = "x";
	exec_count("execve.5000-args", a6, env0);
	char *e8[] = { "A=1", "B=2", 0 };
	char *a8[] = { SELF, "--count", "one", "two", 0 };
	exec_count("execve.small", a8, e8);
}

static void exec_long_path(void)
{
	char *env0[] = { 0 };
	char *longpath = filled(300, 'p', "/tmp/");
	char *argv[] = { longpath, 0 };
	T("execve.long-name-component", execve(longpath, argv, env0));
}

int main(int argc, char **argv, char **envp)
{
	if (argc >= 2 && strcmp(argv[1], "--count") == 0) {
		size_t longest = 0, env = 0;
		for (int i = 2; i < argc; i++)
			if (strlen(argv[i]) > longest)
				longest = strlen(argv[i]);
		for (char **e = envp; *e; e++)
			env += strlen(*e) + 1;
		printf("ran, %d args, longest %zu, env %zu bytes", argc - 2, longest, env);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--rlimit") == 0) {
		struct rlimit rl = { 0, 0 };
		getrlimit(RLIMIT_NOFILE, &rl);
		printf("setrlimit.inherited-across-exec: soft %s\n", lim(rl.rlim_cur));
		return 0;
	}
	begin();
	sub("values", values, 10);
	sub("nofile", nofile, 10);
	sub("other", other_limits, 20);
	sub("exec-sizes", exec_sizes, 30);
	sub("exec-long-path", exec_long_path, 10);
	return 0;
}
