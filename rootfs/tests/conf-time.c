/*
 * xt-conf-time: clocks, sleeps, timers and CPU-time accounting against
 * Linux (output contract in conf.h): clock_gettime for every clock
 * (CPU-time clocks count CPU time, not time since boot), clock_getres,
 * clock_nanosleep (relative, absolute, bad arguments), nanosleep,
 * gettimeofday, setitimer/getitimer/alarm (ITIMER_REAL and VIRTUAL), POSIX
 * timers, getrusage, times and /proc/self/stat utime.
 */
#include "conf.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>

static long long ns(clockid_t c)
{
	struct timespec ts;
	if (clock_gettime(c, &ts))
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Burns about `ms` milliseconds of CPU time (by the monotonic clock). */
static void spin(int ms)
{
	long long end = ns(CLOCK_MONOTONIC) + ms * 1000000LL;
	volatile unsigned long x = 0;
	while (ns(CLOCK_MONOTONIC) < end)
		for (int i = 0; i < 10000; i++)
			x += i;
}

static volatile sig_atomic_t alarms, vtalarms;
static void on_alarm(int s) { (void)s; alarms++; }
static void on_vtalarm(int s) { (void)s; vtalarms++; }

static void clocks(void)
{
	struct timespec ts;
	static const struct { clockid_t id; const char *name; } all[] = {
		{ CLOCK_REALTIME, "realtime" }, { CLOCK_MONOTONIC, "monotonic" },
		{ CLOCK_PROCESS_CPUTIME_ID, "process-cputime" }, { CLOCK_THREAD_CPUTIME_ID, "thread-cputime" },
		{ CLOCK_MONOTONIC_RAW, "monotonic-raw" }, { CLOCK_REALTIME_COARSE, "realtime-coarse" },
		{ CLOCK_MONOTONIC_COARSE, "monotonic-coarse" }, { CLOCK_BOOTTIME, "boottime" },
	};
	for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) {
		char name[64];
		snprintf(name, sizeof name, "clock_gettime.%s", all[i].name);
		T(name, syscall(SYS_clock_gettime, all[i].id, &ts));
		snprintf(name, sizeof name, "clock_getres.%s", all[i].name);
		ts.tv_sec = ts.tv_nsec = -1;
		long r = syscall(SYS_clock_getres, all[i].id, &ts);
		say(name, "%s%s", rtext(r, errno), r == 0 ? (ts.tv_sec == 0 && ts.tv_nsec == 1 ? ", 1 ns" : ts.tv_sec == 0 && ts.tv_nsec > 0 ? ", coarse" : ", other") : "");
	}
	T("clock_gettime.bad-clock", syscall(SYS_clock_gettime, 99, &ts));
	T("clock_gettime.bad-pointer", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)8));
	T("clock_getres.bad-clock", syscall(SYS_clock_getres, 99, &ts));
	T("clock_getres.null", syscall(SYS_clock_getres, CLOCK_MONOTONIC, 0));
	T("clock_gettime.other-process-cpu-clock", syscall(SYS_clock_gettime, (clockid_t)((~1u << 3) | 2), &ts));
	clock_gettime(CLOCK_REALTIME, &ts);
	say("clock_gettime.realtime.after-2020", "%s", yesno(ts.tv_sec > 1577836800));
	long long a = ns(CLOCK_MONOTONIC), b = ns(CLOCK_MONOTONIC);
	say("clock_gettime.monotonic.non-decreasing", "%s", yesno(b >= a));
	struct timeval tv;
	T("gettimeofday", gettimeofday(&tv, 0));
	clock_gettime(CLOCK_REALTIME, &ts);
	say("gettimeofday.agrees-with-realtime", "%s", yesno(tv.tv_sec >= ts.tv_sec - 1 && tv.tv_sec <= ts.tv_sec + 1));
	say("gettimeofday.usec-in-range", "%s", yesno(tv.tv_usec >= 0 && tv.tv_usec < 1000000));
	T("gettimeofday.bad-pointer", syscall(SYS_gettimeofday, (void *)8, 0));
}

static void cputime(void)
{
	long long p0 = ns(CLOCK_PROCESS_CPUTIME_ID), t0 = ns(CLOCK_THREAD_CPUTIME_ID);
	long long m0 = ns(CLOCK_MONOTONIC);
	say("process-cputime.at-start-below-monotonic", "%s", yesno(p0 < m0));
	say("process-cputime.at-start-below-1s", "%s", yesno(p0 >= 0 && p0 < 1000000000LL));
	msleep(300);
	long long p1 = ns(CLOCK_PROCESS_CPUTIME_ID), t1 = ns(CLOCK_THREAD_CPUTIME_ID);
	say("process-cputime.during-300ms-sleep", "%s", p1 - p0 < 100000000LL ? "advanced < 100 ms" : "advanced >= 100 ms");
	say("thread-cputime.during-300ms-sleep", "%s", t1 - t0 < 100000000LL ? "advanced < 100 ms" : "advanced >= 100 ms");
	spin(300);
	long long p2 = ns(CLOCK_PROCESS_CPUTIME_ID), t2 = ns(CLOCK_THREAD_CPUTIME_ID);
	say("process-cputime.during-300ms-spin", "%s", p2 - p1 >= 150000000LL ? "advanced >= 150 ms" : "advanced < 150 ms");
	say("thread-cputime.during-300ms-spin", "%s", t2 - t1 >= 150000000LL ? "advanced >= 150 ms" : "advanced < 150 ms");

	struct rusage ru;
	memset(&ru, 0, sizeof ru);
	T("getrusage.self", getrusage(RUSAGE_SELF, &ru));
	long ums = ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000;
	long sms = ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000;
	say("getrusage.self.cpu-after-spin", "%s", ums + sms >= 150 ? ">= 150 ms" : "< 150 ms");
	say("getrusage.self.maxrss", "%s", ru.ru_maxrss > 0 ? ">0" : "0");
	T("getrusage.thread", getrusage(1 /* RUSAGE_THREAD */, &ru));
	T("getrusage.bad-who", getrusage(99, &ru));
	T("getrusage.bad-pointer", syscall(SYS_getrusage, RUSAGE_SELF, (void *)8));
	memset(&ru, 0, sizeof ru);
	getrusage(RUSAGE_CHILDREN, &ru);
	say("getrusage.children.before", "%s", ru.ru_utime.tv_sec == 0 && ru.ru_utime.tv_usec == 0 ? "zero" : "nonzero");
	pid_t c = fork();
	if (c == 0) {
		spin(300);
		_exit(0);
	}
	struct rusage cru;
	memset(&cru, 0, sizeof cru);
	wait4(c, 0, 0, &cru);
	long cms = cru.ru_utime.tv_sec * 1000 + cru.ru_utime.tv_usec / 1000 + cru.ru_stime.tv_sec * 1000 + cru.ru_stime.tv_usec / 1000;
	say("wait4.rusage.child-cpu", "%s", cms >= 150 ? ">= 150 ms" : "< 150 ms");
	T("getrusage.children", getrusage(RUSAGE_CHILDREN, &ru));
	cms = ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 + ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000;
	say("getrusage.children.after-child-spin", "%s", cms >= 150 ? ">= 150 ms" : "< 150 ms");

	struct tms t;
	long hz = sysconf(_SC_CLK_TCK);
	/* Raw: musl's times() hands back -ENOSYS as if it were a tick count. */
	memset(&t, 0, sizeof t);
	errno = 0;
	long r = syscall(SYS_times, &t);
	say("times", "%s", r < 0 ? rtext(-1, errno) : "ok");
	say("times.utime+stime-after-spin", "%s", (t.tms_utime + t.tms_stime) * 1000 / hz >= 150 ? ">= 150 ms" : "< 150 ms");
	say("times.cutime-after-child-spin", "%s", (t.tms_cutime + t.tms_cstime) * 1000 / hz >= 150 ? ">= 150 ms" : "< 150 ms");
	T("times.bad-pointer", syscall(SYS_times, (void *)8));
	char buf[512] = { 0 };
	int fd = open("/proc/self/stat", O_RDONLY);
	read(fd, buf, sizeof buf - 1);
	close(fd);
	char *p = strrchr(buf, ')');
	unsigned long utime = 0, stime = 0;
	if (p)
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
	say("proc-self-stat.utime+stime-after-spin", "%s", (utime + stime) * 1000 / hz >= 150 ? ">= 150 ms" : "< 150 ms");
}

static void sleeps(void)
{
	struct timespec req = { 0, 50 * 1000 * 1000 }, rem;
	long long a = ns(CLOCK_MONOTONIC);
	T("clock_nanosleep.relative-50ms", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, 0) ? -1 : 0);
	long long b = ns(CLOCK_MONOTONIC);
	say("clock_nanosleep.relative-50ms.elapsed", "%s", b - a >= 50000000LL ? ">= 50 ms" : "< 50 ms");
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 100 * 1000 * 1000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	a = ns(CLOCK_MONOTONIC);
	T("clock_nanosleep.absolute", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, 0));
	b = ns(CLOCK_MONOTONIC);
	say("clock_nanosleep.absolute.woke-after-deadline", "%s", yesno(b >= abs.tv_sec * 1000000000LL + abs.tv_nsec));
	struct timespec past = { 1, 0 };
	a = ns(CLOCK_MONOTONIC);
	T("clock_nanosleep.absolute-past", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &past, 0));
	say("clock_nanosleep.absolute-past.returned-at-once", "%s", yesno(ns(CLOCK_MONOTONIC) - a < 50000000LL));
	T("clock_nanosleep.realtime", syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &req, 0));
	T("clock_nanosleep.bad-clock", syscall(SYS_clock_nanosleep, 99, 0, &req, 0));
	T("clock_nanosleep.thread-cputime", syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &req, 0));
	struct timespec bad = { 0, 1000000000 };
	T("clock_nanosleep.nsec-too-big", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad, 0));
	bad.tv_sec = -1;
	bad.tv_nsec = 0;
	T("clock_nanosleep.negative", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad, 0));
	T("clock_nanosleep.bad-flags", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0x10, &req, 0));
	T("clock_nanosleep.bad-pointer", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (void *)8, 0));
	T("nanosleep.10ms", syscall(SYS_nanosleep, &(struct timespec){ 0, 10000000 }, &rem));
	T("nanosleep.negative", syscall(SYS_nanosleep, &bad, &rem));
	bad.tv_sec = 0;
	bad.tv_nsec = 1000000000;
	T("nanosleep.nsec-too-big", syscall(SYS_nanosleep, &bad, &rem));
	T("nanosleep.bad-pointer", syscall(SYS_nanosleep, (void *)8, 0));
	T("nanosleep.zero", syscall(SYS_nanosleep, &(struct timespec){ 0, 0 }, 0));
}

static void itimers(void)
{
	signal(SIGALRM, on_alarm);
	struct itimerval it = { { 0, 0 }, { 0, 100 * 1000 } }, old;
	T("setitimer.real-100ms", setitimer(ITIMER_REAL, &it, 0));
	T("getitimer.real", getitimer(ITIMER_REAL, &old));
	say("getitimer.real.remaining", "%s", old.it_value.tv_sec == 0 && old.it_value.tv_usec > 0 && old.it_value.tv_usec <= 100000 ? "0..100 ms" : "other");
	msleep(300);
	say("setitimer.real.fired", "%d SIGALRM", alarms);
	getitimer(ITIMER_REAL, &old);
	say("getitimer.real.after-expiry", "%s", old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0 ? "disarmed" : "armed");
	alarms = 0;
	it.it_interval.tv_usec = 50 * 1000;
	it.it_value.tv_usec = 50 * 1000;
	setitimer(ITIMER_REAL, &it, 0);
	msleep(400);
	it.it_value.tv_usec = 0;
	it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, &old);
	say("setitimer.real.periodic-50ms-over-400ms", "%s", alarms >= 4 && alarms <= 9 ? "4..9 SIGALRM" : "other");
	say("setitimer.disarm.old-interval", "%s", old.it_interval.tv_usec == 50000 ? "50 ms" : "other");
	T("setitimer.bad-which", setitimer(99, &it, 0));
	it.it_value.tv_usec = 2000000;
	T("setitimer.usec-too-big", setitimer(ITIMER_REAL, &it, 0));
	T("getitimer.bad-which", getitimer(99, &old));
	T("getitimer.bad-pointer", syscall(SYS_getitimer, ITIMER_REAL, (void *)8));
	T("alarm.first", alarm(5));
	T("alarm.replace", alarm(0));
	alarms = 0;
	alarm(1);
	msleep(1300);
	say("alarm.fired", "%d SIGALRM", alarms);
	signal(SIGVTALRM, on_vtalarm);
	struct itimerval vt = { { 0, 0 }, { 0, 100 * 1000 } };
	T("setitimer.virtual-100ms", setitimer(ITIMER_VIRTUAL, &vt, 0));
	msleep(300);
	say("setitimer.virtual.during-sleep", "%d SIGVTALRM", vtalarms);
	/* 100 ms of user time: spin until it came or 3 s passed (a loaded host gives us less CPU). */
	long long until = ns(CLOCK_MONOTONIC) + 3000000000LL;
	while (!vtalarms && ns(CLOCK_MONOTONIC) < until)
		spin(50);
	say("setitimer.virtual.during-spin", "%d SIGVTALRM", vtalarms);
	T("setitimer.prof", setitimer(ITIMER_PROF, &(struct itimerval){ { 0, 0 }, { 0, 0 } }, 0));
}

static void itimer_default(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 100 * 1000 } };
	setitimer(ITIMER_REAL, &it, 0);
	msleep(2000);
	say("setitimer.real.default-action", "survived");
}

static void posix_timers(void)
{
	signal(SIGALRM, on_alarm);
	alarms = 0;
	int t = -1;
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGALRM;
	T("timer_create.monotonic", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &t));
	struct itimerspec its = { { 0, 0 }, { 0, 100 * 1000 * 1000 } }, cur;
	T("timer_settime.100ms", syscall(SYS_timer_settime, t, 0, &its, 0));
	T("timer_gettime", syscall(SYS_timer_gettime, t, &cur));
	say("timer_gettime.remaining", "%s", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 ? "0..100 ms" : "other");
	msleep(300);
	say("timer_settime.fired", "%d SIGALRM", alarms);
	T("timer_getoverrun", syscall(SYS_timer_getoverrun, t));
	T("timer_delete", syscall(SYS_timer_delete, t));
	T("timer_delete.again", syscall(SYS_timer_delete, t));
	T("timer_create.bad-clock", syscall(SYS_timer_create, 99, &ev, &t));
	ev.sigev_signo = 99;
	T("timer_create.bad-signal", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &t));
	T("timer_settime.bad-id", syscall(SYS_timer_settime, 12345, 0, &its, 0));
}

int main(void)
{
	begin();
	sub("clocks", clocks, 10);
	sub("cputime", cputime, 20);
	sub("sleeps", sleeps, 10);
	sub("itimers", itimers, 15);
	sub("itimer-default", itimer_default, 10);
	sub("posix-timers", posix_timers, 10);
	return 0;
}
