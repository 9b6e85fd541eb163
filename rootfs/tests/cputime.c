/*
 * xt-cputime: CPU time and interval timers. The CPU-time clocks,
 * getrusage, times and /proc/self/stat count time spent running (a busy
 * loop) and not time spent asleep; children's times arrive when they are
 * waited for; ITIMER_REAL (and alarm), ITIMER_VIRTUAL and ITIMER_PROF
 * fire their signals; fork clears the timers. One `name: ok` line per
 * check (FAILED with details otherwise); exit 0 only when all held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok, const char *detail)
{
	if (ok)
		printf("xt-cputime: %s: ok\n", what);
	else
		printf("xt-cputime: %s: FAILED (%s)\n", what, detail ? detail : "");
	if (!ok)
		failures++;
}

static double now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile unsigned long sink;
static void busy(double seconds)
{
	double end = now(CLOCK_MONOTONIC) + seconds;
	while (now(CLOCK_MONOTONIC) < end)
		for (int i = 0; i < 10000; i++)
			sink += i;
}

static double tv(struct timeval t)
{
	return t.tv_sec + t.tv_usec / 1e6;
}

static long stat_field(int n)
{
	char buf[1024];
	FILE *f = fopen("/proc/self/stat", "r");
	if (!f)
		return -1;
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* Field 3 (state) follows ") ". */
	int field = 2;
	for (; *p && field < n; p++)
		if (*p == ' ')
			field++;
	return strtol(p, 0, 10);
}

static volatile sig_atomic_t alarms, vtalarms, profs;
static void on_alarm(int sig)
{
	if (sig == SIGALRM)
		alarms++;
	else if (sig == SIGVTALRM)
		vtalarms++;
	else
		profs++;
}

int main(void)
{
	char d[160];
	setvbuf(stdout, 0, _IOLBF, 0);
	struct timespec res;
	check("clock_getres(CLOCK_PROCESS_CPUTIME_ID) is 1 ns",
	      clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) == 0 && res.tv_sec == 0 && res.tv_nsec == 1, 0);
	check("clock_getres(CLOCK_THREAD_CPUTIME_ID) is 1 ns",
	      clock_getres(CLOCK_THREAD_CPUTIME_ID, &res) == 0 && res.tv_sec == 0 && res.tv_nsec == 1, 0);
	errno = 0;
	check("clock_getres of an unknown clock: EINVAL", clock_getres(99, &res) == -1 && errno == EINVAL, 0);

	double p0 = now(CLOCK_PROCESS_CPUTIME_ID), t0 = now(CLOCK_THREAD_CPUTIME_ID);
	busy(0.5);
	double p1 = now(CLOCK_PROCESS_CPUTIME_ID), t1 = now(CLOCK_THREAD_CPUTIME_ID);
	snprintf(d, sizeof d, "process %.3f s, thread %.3f s", p1 - p0, t1 - t0);
	check("a 0.5 s busy loop counts on the process CPU clock", p1 - p0 > 0.3 && p1 - p0 < 0.7, d);
	check("and on the thread CPU clock", t1 - t0 > 0.3 && t1 - t0 < 0.7, d);
	clockid_t mine;
	check("clock_getcpuclockid(getpid())", clock_getcpuclockid(getpid(), &mine) == 0 && now(mine) >= p1, 0);

	usleep(500 * 1000);
	double p2 = now(CLOCK_PROCESS_CPUTIME_ID);
	snprintf(d, sizeof d, "%.3f s", p2 - p1);
	check("a 0.5 s sleep does not", p2 - p1 < 0.1, d);

	struct rusage ru;
	check("getrusage(RUSAGE_SELF)", getrusage(RUSAGE_SELF, &ru) == 0, strerror(errno));
	snprintf(d, sizeof d, "utime %.3f stime %.3f", tv(ru.ru_utime), tv(ru.ru_stime));
	check("ru_utime counts the busy loop", tv(ru.ru_utime) > 0.3 && tv(ru.ru_utime) + tv(ru.ru_stime) < p2 + 0.01, d);
	struct tms tm;
	clock_t ticks = times(&tm);
	snprintf(d, sizeof d, "tms_utime %ld ticks", (long)tm.tms_utime);
	check("times() counts it in clock ticks", ticks != (clock_t)-1 && tm.tms_utime >= 30 && tm.tms_utime <= 80, d);
	long utime = stat_field(14);
	snprintf(d, sizeof d, "utime %ld", utime);
	check("/proc/self/stat utime counts it", utime >= 30 && utime <= 80, d);

	check("getrusage(RUSAGE_CHILDREN) is zero before any child",
	      getrusage(RUSAGE_CHILDREN, &ru) == 0 && tv(ru.ru_utime) == 0, 0);
	pid_t pid = fork();
	if (pid == 0) {
		busy(0.4);
		_exit(0);
	}
	waitpid(pid, 0, 0);
	getrusage(RUSAGE_CHILDREN, &ru);
	snprintf(d, sizeof d, "children utime %.3f", tv(ru.ru_utime));
	check("a waited-for child's time is in RUSAGE_CHILDREN", tv(ru.ru_utime) > 0.2 && tv(ru.ru_utime) < 0.6, d);
	times(&tm);
	snprintf(d, sizeof d, "tms_cutime %ld", (long)tm.tms_cutime);
	check("and in tms_cutime", tm.tms_cutime >= 20 && tm.tms_cutime <= 60, d);
	long cutime = stat_field(16);
	snprintf(d, sizeof d, "cutime %ld", cutime);
	check("and in /proc/self/stat cutime", cutime >= 20 && cutime <= 60, d);
	errno = 0;
	check("getrusage(5): EINVAL", getrusage(5, &ru) == -1 && errno == EINVAL, 0);

	pid = fork();
	if (pid == 0) {
		busy(0.3);
		_exit(0);
	}
	struct rusage child;
	memset(&child, 0, sizeof child);
	wait4(pid, 0, 0, &child);
	snprintf(d, sizeof d, "utime %.3f", tv(child.ru_utime));
	check("wait4 reports the child's CPU time in its rusage", tv(child.ru_utime) > 0.15 && tv(child.ru_utime) < 0.5, d);

	/* Interval timers. */
	signal(SIGALRM, on_alarm);
	signal(SIGVTALRM, on_alarm);
	signal(SIGPROF, on_alarm);
	struct itimerval it = { { 0, 0 }, { 0, 200000 } }, old;
	check("setitimer(ITIMER_REAL, 0.2 s)", setitimer(ITIMER_REAL, &it, 0) == 0, strerror(errno));
	getitimer(ITIMER_REAL, &old);
	snprintf(d, sizeof d, "%ld.%06ld s left", (long)old.it_value.tv_sec, (long)old.it_value.tv_usec);
	check("getitimer shows the time left", old.it_value.tv_sec == 0 && old.it_value.tv_usec > 100000 &&
						    old.it_value.tv_usec <= 200000, d);
	double w0 = now(CLOCK_MONOTONIC);
	int r;
	pause();
	double waited = now(CLOCK_MONOTONIC) - w0;
	snprintf(d, sizeof d, "after %.3f s", waited);
	check("SIGALRM ends pause() after about 0.2 s", alarms == 1 && waited > 0.1 && waited < 0.5, d);
	getitimer(ITIMER_REAL, &old);
	check("a one-shot timer is disarmed after firing", old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0, 0);

	struct itimerval every = { { 0, 50000 }, { 0, 50000 } };
	alarms = 0;
	setitimer(ITIMER_REAL, &every, 0);
	while (alarms < 3)
		pause();
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, &old);
	check("a periodic ITIMER_REAL fires repeatedly and reports its interval",
	      alarms == 3 && old.it_interval.tv_usec == 50000, 0);

	check("alarm(5) when none is set returns 0", alarm(5) == 0, 0);
	check("alarm(0) returns the seconds left (5)", alarm(0) == 5, 0);

	struct itimerval v = { { 0, 0 }, { 0, 100000 } };
	check("setitimer(ITIMER_VIRTUAL, 0.1 s)", setitimer(ITIMER_VIRTUAL, &v, 0) == 0, strerror(errno));
	double b0 = now(CLOCK_MONOTONIC);
	while (!vtalarms && now(CLOCK_MONOTONIC) - b0 < 2)
		sink++;
	check("SIGVTALRM arrives while busy", vtalarms == 1, 0);
	check("setitimer(ITIMER_PROF, 0.1 s)", setitimer(ITIMER_PROF, &v, 0) == 0, strerror(errno));
	b0 = now(CLOCK_MONOTONIC);
	while (!profs && now(CLOCK_MONOTONIC) - b0 < 2)
		sink++;
	check("SIGPROF arrives while busy", profs == 1, 0);

	struct timespec second = { 1, 0 }, past = { 0, 0 };
	check("clock_nanosleep on CLOCK_THREAD_CPUTIME_ID: EINVAL",
	      clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &second, 0) == EINVAL, 0);
	check("clock_nanosleep until a past CPU time returns at once",
	      clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &past, 0) == 0, 0);
	struct itimerval soon = { { 0, 0 }, { 0, 200000 } };
	alarms = 0;
	setitimer(ITIMER_REAL, &soon, 0);
	w0 = now(CLOCK_MONOTONIC);
	r = clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &second, 0);
	waited = now(CLOCK_MONOTONIC) - w0;
	snprintf(d, sizeof d, "returned %d after %.3f s", r, waited);
	check("a sleep of 1 s on the own CPU clock lasts until a signal (the clock stands still)",
	      r == EINTR && alarms == 1 && waited < 0.9, d);

	errno = 0;
	check("setitimer(7): EINVAL", setitimer(7, &it, 0) == -1 && errno == EINVAL, 0);
	struct itimerval bad = { { 0, 0 }, { 0, 1000000 } };
	errno = 0;
	check("tv_usec of 1000000: EINVAL", setitimer(ITIMER_REAL, &bad, 0) == -1 && errno == EINVAL, 0);

	struct itimerval ten = { { 0, 0 }, { 10, 0 } };
	setitimer(ITIMER_REAL, &ten, 0);
	pid = fork();
	if (pid == 0) {
		getitimer(ITIMER_REAL, &old);
		_exit(old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0 ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	check("fork clears the child's timers", WIFEXITED(status) && WEXITSTATUS(status) == 0, 0);
	setitimer(ITIMER_REAL, &off, 0);

	if (failures) {
		printf("xt-cputime: %d checks FAILED\n", failures);
		return 1;
	}
	puts("xt-cputime: all checks passed");
	return 0;
}
