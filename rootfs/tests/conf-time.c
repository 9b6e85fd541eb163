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

/* What the last timer signal's siginfo said. */
static volatile sig_atomic_t tsig_hits, tsig_code, tsig_value, tsig_timerid, tsig_overrun, tsig_max_overrun;
static void on_timer(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	tsig_hits++;
	tsig_code = si->si_code;
	tsig_value = si->si_value.sival_int;
	tsig_timerid = si->si_timerid;
	tsig_overrun = si->si_overrun;
	if (si->si_overrun > tsig_max_overrun)
		tsig_max_overrun = si->si_overrun;
}

static int mk_timer(clockid_t c, int notify, int sig, int value)
{
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = notify;
	ev.sigev_signo = sig;
	ev.sigev_value.sival_int = value;
	int t = -1;
	if (syscall(SYS_timer_create, c, &ev, &t) < 0)
		return -1;
	return t;
}

static long arm(int t, int flags, long long value_ns, long long interval_ns, struct itimerspec *old)
{
	struct itimerspec its = { { interval_ns / 1000000000, interval_ns % 1000000000 }, { value_ns / 1000000000, value_ns % 1000000000 } };
	return syscall(SYS_timer_settime, t, flags, &its, old);
}

static long long remaining(int t)
{
	struct itimerspec cur;
	if (syscall(SYS_timer_gettime, t, &cur) < 0)
		return -1;
	return cur.it_value.tv_sec * 1000000000LL + cur.it_value.tv_nsec;
}

static void posix_timers_more(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGALRM, &sa, 0);
	sigaction(SIGUSR1, &sa, 0);

	/* NULL sigevent: SIGALRM with si_value = the timer's id. */
	int t0 = -1;
	T("timer_create.null-sigevent", syscall(SYS_timer_create, CLOCK_MONOTONIC, 0, &t0));
	tsig_hits = 0;
	arm(t0, 0, 20000000, 0, 0);
	msleep(150);
	say("timer_create.null-sigevent.signal", "%d, %s, si_value %s", tsig_hits, tsig_code == SI_TIMER ? "SI_TIMER" : "other code",
	    tsig_value == t0 ? "is the id" : "other");
	T("timer_delete.null-sigevent", syscall(SYS_timer_delete, t0));

	/* Periodic, SIGEV_SIGNAL with a value: siginfo carries the id and the value. */
	int t = mk_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, 42);
	say("timer_create.sigusr1", "%s", t >= 0 ? "ok" : rtext(-1, errno));
	tsig_hits = 0;
	T("timer_settime.periodic-50ms", arm(t, 0, 50000000, 50000000, 0));
	struct itimerspec cur;
	syscall(SYS_timer_gettime, t, &cur);
	say("timer_gettime.interval", "%s", cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 50000000 ? "50 ms" : "other");
	msleep(400);
	struct itimerspec old;
	T("timer_settime.disarm", arm(t, 0, 0, 0, &old));
	say("timer_settime.periodic-50ms-over-400ms", "%s", tsig_hits >= 4 && tsig_hits <= 9 ? "4..9 signals" : "other");
	say("timer_settime.siginfo", "%s, si_value %d, si_timerid %s", tsig_code == SI_TIMER ? "SI_TIMER" : "other code", tsig_value,
	    tsig_timerid == t ? "is the id" : "other");
	say("timer_settime.disarm.old-interval", "%s", old.it_interval.tv_sec == 0 && old.it_interval.tv_nsec == 50000000 ? "50 ms" : "other");
	say("timer_gettime.disarmed", "%s", remaining(t) == 0 ? "0" : "other");

	/* Overruns: expiries while the signal is blocked count in si_overrun and timer_getoverrun. */
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, 0);
	tsig_hits = 0;
	arm(t, 0, 10000000, 10000000, 0);
	msleep(200);
	arm(t, 0, 0, 0, 0);
	sigprocmask(SIG_UNBLOCK, &usr1, 0);
	say("timer_settime.blocked.delivered", "%d signal", tsig_hits);
	say("timer_settime.blocked.si_overrun", "%s", tsig_overrun >= 5 ? ">= 5" : "< 5");
	long ov = syscall(SYS_timer_getoverrun, t);
	say("timer_getoverrun.after-blocked", "%s", ov >= 5 ? ">= 5" : rtext(ov, errno));
	/* The same, still armed when unblocked: the missed periods are overruns. */
	sigprocmask(SIG_BLOCK, &usr1, 0);
	tsig_hits = 0;
	tsig_max_overrun = 0;
	arm(t, 0, 10000000, 10000000, 0);
	msleep(200);
	sigprocmask(SIG_UNBLOCK, &usr1, 0);
	arm(t, 0, 0, 0, 0);
	say("timer_settime.blocked-armed.si_overrun", "%s", tsig_max_overrun >= 5 ? ">= 5" : "< 5");

	/* TIMER_ABSTIME on CLOCK_REALTIME; an absolute time in the past fires at once. */
	int tr = mk_timer(CLOCK_REALTIME, SIGEV_SIGNAL, SIGALRM, 7);
	say("timer_create.realtime", "%s", tr >= 0 ? "ok" : rtext(-1, errno));
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	long long abs_ns = now.tv_sec * 1000000000LL + now.tv_nsec + 100000000LL;
	tsig_hits = 0;
	T("timer_settime.abstime", arm(tr, TIMER_ABSTIME, abs_ns, 0, 0));
	long long left = remaining(tr);
	say("timer_gettime.abstime.remaining", "%s", left > 0 && left <= 100000000LL ? "0..100 ms" : "other");
	msleep(50);
	say("timer_settime.abstime.before-deadline", "%d signals", tsig_hits);
	msleep(200);
	say("timer_settime.abstime.after-deadline", "%d signal, si_value %d", tsig_hits, tsig_value);
	tsig_hits = 0;
	T("timer_settime.abstime-past", arm(tr, TIMER_ABSTIME, 1000000000LL, 0, 0));
	msleep(30);
	say("timer_settime.abstime-past.fired", "%d signal", tsig_hits);
	T("timer_settime.nsec-too-big", syscall(SYS_timer_settime, tr, 0, &(struct itimerspec){ { 0, 0 }, { 0, 1000000000 } }, 0));
	T("timer_settime.negative", syscall(SYS_timer_settime, tr, 0, &(struct itimerspec){ { 0, 0 }, { -1, 0 } }, 0));
	T("timer_settime.bad-pointer", syscall(SYS_timer_settime, tr, 0, (void *)8, 0));
	T("timer_gettime.bad-pointer", syscall(SYS_timer_gettime, tr, (void *)8));
	syscall(SYS_timer_delete, tr);

	/* SIGEV_NONE: the timer runs down with no signal. */
	int tn = mk_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0);
	say("timer_create.sigev-none", "%s", tn >= 0 ? "ok" : rtext(-1, errno));
	tsig_hits = 0;
	arm(tn, 0, 100000000, 0, 0);
	long long l1 = remaining(tn);
	msleep(30);
	long long l2 = remaining(tn);
	say("timer_gettime.sigev-none.running", "%s", l1 > 0 && l2 > 0 && l2 < l1 ? "decreasing" : "other");
	msleep(150);
	say("timer_gettime.sigev-none.expired", "%s, %d signals", remaining(tn) == 0 ? "0" : "other", tsig_hits);
	syscall(SYS_timer_delete, tn);

	/* CPU-time clocks: the timer counts the process's CPU time. */
	int tc = mk_timer(CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL, SIGALRM, 3);
	say("timer_create.process-cputime", "%s", tc >= 0 ? "ok" : rtext(-1, errno));
	tsig_hits = 0;
	arm(tc, 0, 50000000, 0, 0);
	msleep(200);
	say("timer_settime.process-cputime.during-sleep", "%d signals", tsig_hits);
	long long until = ns(CLOCK_MONOTONIC) + 3000000000LL;
	while (!tsig_hits && ns(CLOCK_MONOTONIC) < until)
		spin(20);
	say("timer_settime.process-cputime.during-spin", "%d signal, si_value %d", tsig_hits, tsig_value);
	syscall(SYS_timer_delete, tc);
	int tt = mk_timer(CLOCK_THREAD_CPUTIME_ID, SIGEV_SIGNAL, SIGALRM, 4);
	say("timer_create.thread-cputime", "%s", tt >= 0 ? "ok" : rtext(-1, errno));
	syscall(SYS_timer_delete, tt);
	int tb = mk_timer(CLOCK_BOOTTIME, SIGEV_SIGNAL, SIGALRM, 5);
	say("timer_create.boottime", "%s", tb >= 0 ? "ok" : rtext(-1, errno));
	syscall(SYS_timer_delete, tb);
	say("timer_create.monotonic-raw", "%s", rtext(mk_timer(CLOCK_MONOTONIC_RAW, SIGEV_SIGNAL, SIGALRM, 0), errno));
	say("timer_create.monotonic-coarse", "%s", rtext(mk_timer(CLOCK_MONOTONIC_COARSE, SIGEV_SIGNAL, SIGALRM, 0), errno));

	/* sigevent checks. */
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGALRM;
	ev.sigev_notify_thread_id = gettid();
	int ti = -1;
	T("timer_create.thread-id-self", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &ti));
	if (ti >= 0)
		syscall(SYS_timer_delete, ti);
	ev.sigev_notify_thread_id = 1;
	T("timer_create.thread-id-other-process", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &ti));
	ev.sigev_notify = 99;
	T("timer_create.bad-notify", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &ti));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = 0;
	T("timer_create.signal-zero", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &ti));
	T("timer_create.bad-sigevent-pointer", syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)8, &ti));
	ev.sigev_signo = SIGALRM;
	T("timer_create.bad-id-pointer", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, (void *)8));
	T("timer_gettime.bad-id", syscall(SYS_timer_gettime, 12345, &cur));
	T("timer_getoverrun.bad-id", syscall(SYS_timer_getoverrun, 12345));
	T("timer_delete.bad-id", syscall(SYS_timer_delete, 12345));

	/* A child does not inherit timers. */
	arm(t, 0, 5000000000LL, 0, 0);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		T("timer_gettime.in-fork-child", syscall(SYS_timer_gettime, t, &cur));
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, 0, 0);
	/* exec deletes timers: the new image asks for the same id. */
	c = fork();
	if (c == 0) {
		char id[16];
		snprintf(id, sizeof id, "%d", t);
		execl("/proc/self/exe", "xt-conf-time", "--timer-after-exec", id, (char *)0);
		_exit(99);
	}
	int st = 0;
	waitpid(c, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		say("timer_gettime.after-exec", "child %s", status_text(st));
	T("timer_delete.armed", syscall(SYS_timer_delete, t));
}

/* clock_settime/settimeofday: root may set CLOCK_REALTIME (set here to itself plus an hour, then back). */
static void set_clocks(void)
{
	struct timespec ts, after;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 3600;
	T("clock_settime.realtime-plus-1h", syscall(SYS_clock_settime, CLOCK_REALTIME, &ts));
	clock_gettime(CLOCK_REALTIME, &after);
	say("clock_settime.realtime-plus-1h.effect", "%s", after.tv_sec >= ts.tv_sec && after.tv_sec <= ts.tv_sec + 2 ? "advanced 1 h" : "other");
	after.tv_sec -= 3600;
	T("clock_settime.realtime-back", syscall(SYS_clock_settime, CLOCK_REALTIME, &after));
	T("clock_settime.monotonic", syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts));
	T("clock_settime.boottime", syscall(SYS_clock_settime, CLOCK_BOOTTIME, &ts));
	T("clock_settime.process-cputime", syscall(SYS_clock_settime, CLOCK_PROCESS_CPUTIME_ID, &ts));
	T("clock_settime.bad-clock", syscall(SYS_clock_settime, 99, &ts));
	T("clock_settime.nsec-too-big", syscall(SYS_clock_settime, CLOCK_REALTIME, &(struct timespec){ ts.tv_sec, 1000000000 }));
	T("clock_settime.negative", syscall(SYS_clock_settime, CLOCK_REALTIME, &(struct timespec){ -1, 0 }));
	T("clock_settime.bad-pointer", syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8));
	struct timeval tv;
	gettimeofday(&tv, 0);
	T("settimeofday.now", syscall(SYS_settimeofday, &tv, 0));
	T("settimeofday.null", syscall(SYS_settimeofday, 0, 0));
	tv.tv_usec = 1000000;
	T("settimeofday.usec-too-big", syscall(SYS_settimeofday, &tv, 0));
	T("settimeofday.bad-pointer", syscall(SYS_settimeofday, (void *)8, 0));
	struct timezone tz = { 60 * 24, 0 };
	T("settimeofday.bad-timezone", syscall(SYS_settimeofday, 0, &tz));
	if (drop_root())
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	T("clock_settime.unprivileged", syscall(SYS_clock_settime, CLOCK_REALTIME, &ts));
	T("clock_settime.unprivileged-monotonic", syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts));
	gettimeofday(&tv, 0);
	T("settimeofday.unprivileged", syscall(SYS_settimeofday, &tv, 0));
}

int main(int argc, char **argv)
{
	begin();
	if (argc == 3 && strcmp(argv[1], "--timer-after-exec") == 0) {
		struct itimerspec cur;
		T("timer_gettime.after-exec", syscall(SYS_timer_gettime, atoi(argv[2]), &cur));
		return 0;
	}
	sub("clocks", clocks, 10);
	sub("cputime", cputime, 20);
	sub("sleeps", sleeps, 10);
	sub("itimers", itimers, 15);
	sub("itimer-default", itimer_default, 10);
	sub("posix-timers", posix_timers, 10);
	sub("posix-timers-more", posix_timers_more, 15);
	sub("set-clocks", set_clocks, 10);
	return 0;
}
