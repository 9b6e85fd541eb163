/*
 * xt-conf-sigthread: signals, credentials and resource accounting where
 * threads make a difference, against Linux (output contract in conf.h):
 * which thread a process-directed signal goes to (the one kill names
 * first, else one that does not block it), a thread blocked in the kernel
 * (read, nanosleep, futex, poll, wait4) woken for a process-directed
 * signal while the others block it, a signal no thread could take taken
 * by the thread that unblocks it (sigsuspend, ppoll, sigprocmask), a
 * signal left pending on a thread that exits, sigwaitinfo/sigtimedwait in
 * a signal thread, credentials per thread (libc's set*id changes every
 * thread, a raw syscall only the caller), brk shared by processes that
 * share memory (CLONE_VM), and CPU times per thread and per process
 * (getrusage RUSAGE_THREAD/RUSAGE_SELF, times, /proc/<pid>/task/<tid>/stat),
 * and real-time signals sent while threads come and go and change their
 * masks: none lost.
 */
#include "conf.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/times.h>

static pid_t gettid_(void) { return syscall(SYS_gettid); }

static volatile pid_t handled_by;
static volatile int handled_count;
static volatile pid_t main_tid;
static volatile pid_t worker_tid;
static volatile int go, done;

static void on_sig(int s)
{
	(void)s;
	handled_by = gettid_();
	handled_count++;
}

static void handle(int sig, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sa.sa_flags = flags;
	sigaction(sig, &sa, 0);
}

static void mask(int how, int sig)
{
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, sig);
	pthread_sigmask(how, &m, 0);
}

static const char *who(pid_t tid)
{
	if (tid == 0)
		return "nobody";
	if (tid == main_tid)
		return "main";
	if (tid == worker_tid)
		return "thread";
	return "another";
}

static void wait_flag(volatile int *f)
{
	for (int i = 0; i < 500 && !*f; i++)
		msleep(5);
}

/* kill(2) of the process from a thread, nobody blocking: the leader takes it. */
static void *killer(void *arg)
{
	(void)arg;
	worker_tid = gettid_();
	/* Only once main is out of pthread_create, which blocks every signal
	 * around clone (then the signal would have to go to this thread). */
	wait_flag(&go);
	kill(getpid(), SIGUSR1);
	wait_flag(&done);
	return 0;
}

/* kill(2) naming a thread's tid: that thread takes it. */
static void *spinner(void *arg)
{
	(void)arg;
	worker_tid = gettid_();
	go = 1;
	while (!done)
		msleep(5);
	return 0;
}

static void target_choice(void)
{
	pthread_t t;
	main_tid = gettid_();
	handle(SIGUSR1, SA_RESTART);
	handled_by = 0;
	go = done = 0;
	pthread_create(&t, 0, killer, 0);
	go = 1;
	for (int i = 0; i < 100 && !handled_by; i++)
		msleep(5);
	say("kill.from-thread.handled-by", "%s", who(handled_by));
	done = 1;
	pthread_join(t, 0);

	go = done = 0;
	handled_by = 0;
	pthread_create(&t, 0, spinner, 0);
	wait_flag(&go);
	T("kill.thread-tid", kill(worker_tid, SIGUSR1));
	msleep(100);
	say("kill.thread-tid.handled-by", "%s", who(handled_by));
	done = 1;
	pthread_join(t, 0);
}

/* A thread blocked in the kernel, the others blocking the signal. */
static int pfd[2];
static volatile long blocked_ret;
static volatile int blocked_err;
static volatile int blocked_kind;
static int futex_word;

static void *sleeper(void *arg)
{
	(void)arg;
	worker_tid = gettid_();
	mask(SIG_UNBLOCK, SIGUSR1);
	go = 1;
	long r = -1;
	errno = 0;
	switch (blocked_kind) {
	case 0: {
		char c;
		r = read(pfd[0], &c, 1);
		break;
	}
	case 1: {
		struct timespec ts = { 5, 0 };
		r = nanosleep(&ts, 0);
		break;
	}
	case 2:
		r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
		break;
	case 3: {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		r = poll(&p, 1, 5000);
		break;
	}
	case 4: {
		pid_t c = fork();
		if (c == 0) {
			msleep(3000);
			_exit(0);
		}
		r = waitpid(c, 0, 0);
		if (r < 0)
			blocked_err = errno;
		kill(c, SIGKILL);
		waitpid(c, 0, 0);
		blocked_ret = r < 0 ? -1 : 0;
		done = 1;
		return 0;
	}
	}
	blocked_err = errno;
	blocked_ret = r;
	done = 1;
	return 0;
}

static void blocked_thread(const char *name, int kind, int flags)
{
	pthread_t t;
	char label[80];
	go = done = 0;
	handled_by = 0;
	blocked_ret = -2;
	blocked_err = 0;
	blocked_kind = kind;
	futex_word = 0;
	handle(SIGUSR1, flags);
	mask(SIG_BLOCK, SIGUSR1);
	pthread_create(&t, 0, sleeper, 0);
	wait_flag(&go);
	msleep(100);
	kill(getpid(), SIGUSR1);
	for (int i = 0; i < 60 && !done; i++)
		msleep(5);
	if (!done && kind == 0)
		write(pfd[1], "x", 1);
	if (!done && kind == 2) {
		futex_word = 1;
		syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
	}
	wait_flag(&done);
	snprintf(label, sizeof label, "%s.handled-by", name);
	say(label, "%s", who(handled_by));
	snprintf(label, sizeof label, "%s.result", name);
	say(label, "%s", done ? rtext(blocked_ret, blocked_err) : "still blocked");
	if (!done) {
		pthread_kill(t, SIGKILL);
	}
	pthread_join(t, 0);
	mask(SIG_UNBLOCK, SIGUSR1);
	char c;
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	while (read(pfd[0], &c, 1) > 0)
		;
	fcntl(pfd[0], F_SETFL, 0);
}

static void woken_threads(void)
{
	main_tid = gettid_();
	pipe(pfd);
	blocked_thread("read.thread-woken", 0, 0);
	blocked_thread("read.thread-woken-restart", 0, SA_RESTART);
	blocked_thread("nanosleep.thread-woken", 1, SA_RESTART);
	blocked_thread("futex.thread-woken", 2, 0);
	blocked_thread("poll.thread-woken", 3, SA_RESTART);
	blocked_thread("wait4.thread-woken", 4, 0);
}

/* A signal no thread could take, taken by the one that unblocks it. */
static volatile int phase;
static volatile long took_ret;
static volatile int took_err;
static volatile int pending_seen;

static void *unblocker(void *arg)
{
	int how = (int)(intptr_t)arg;
	worker_tid = gettid_();
	go = 1;
	while (phase == 0)
		msleep(5);
	sigset_t m;
	sigpending(&m);
	pending_seen = sigismember(&m, SIGUSR1);
	sigprocmask(SIG_BLOCK, 0, &m);
	sigdelset(&m, SIGUSR1);
	errno = 0;
	if (how == 0) {
		took_ret = sigsuspend(&m);
	} else if (how == 1) {
		struct timespec ts = { 3, 0 };
		took_ret = ppoll(0, 0, &ts, &m);
	} else {
		took_ret = pthread_sigmask(SIG_SETMASK, &m, 0);
	}
	took_err = errno;
	done = 1;
	return 0;
}

static void unblock_takes(const char *name, int how)
{
	pthread_t t;
	char label[80];
	go = done = phase = 0;
	handled_by = 0;
	mask(SIG_BLOCK, SIGUSR1);
	pthread_create(&t, 0, unblocker, (void *)(intptr_t)how);
	wait_flag(&go);
	kill(getpid(), SIGUSR1);
	msleep(50);
	phase = 1;
	wait_flag(&done);
	snprintf(label, sizeof label, "%s.pending-in-thread", name);
	say(label, "%s", yesno(pending_seen));
	snprintf(label, sizeof label, "%s.handled-by", name);
	say(label, "%s", who(handled_by));
	snprintf(label, sizeof label, "%s.result", name);
	say(label, "%s", done ? rtext(took_ret, took_err) : "still waiting");
	pthread_join(t, 0);
	sigset_t m;
	sigpending(&m);
	snprintf(label, sizeof label, "%s.pending-after", name);
	say(label, "%s", yesno(sigismember(&m, SIGUSR1)));
	mask(SIG_UNBLOCK, SIGUSR1);
}

static void *exits_with_pending(void *arg)
{
	(void)arg;
	worker_tid = gettid_();
	go = 1;
	wait_flag(&done);
	return 0;
}

static void stranded(void)
{
	main_tid = gettid_();
	handle(SIGUSR1, SA_RESTART);
	unblock_takes("sigsuspend.takes-shared", 0);
	unblock_takes("ppoll.takes-shared", 1);
	unblock_takes("sigprocmask.takes-shared", 2);

	/* Pending on a thread (its tid named, all blocking) that then exits:
	 * it stays pending on the process. */
	pthread_t t;
	go = done = 0;
	handled_by = 0;
	mask(SIG_BLOCK, SIGUSR1);
	pthread_create(&t, 0, exits_with_pending, 0);
	wait_flag(&go);
	T("kill.blocked-thread-tid", kill(worker_tid, SIGUSR1));
	done = 1;
	pthread_join(t, 0);
	sigset_t m;
	sigpending(&m);
	say("kill.thread-exited.pending", "%s", yesno(sigismember(&m, SIGUSR1)));
	mask(SIG_UNBLOCK, SIGUSR1);
	say("kill.thread-exited.handled-by", "%s", who(handled_by));
}

/* The signal thread pattern: everyone blocks, one thread waits for them. */
static volatile int waited_sig, waited_code, waited_value;
static volatile long waited_ret;
static volatile int waited_err;

static void *signal_thread(void *arg)
{
	int timed = (int)(intptr_t)arg;
	sigset_t m;
	siginfo_t si;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	sigaddset(&m, SIGTERM);
	worker_tid = gettid_();
	go = 1;
	memset(&si, 0, sizeof si);
	errno = 0;
	if (timed) {
		struct timespec ts = { 3, 0 };
		waited_ret = sigtimedwait(&m, &si, &ts);
	} else {
		waited_ret = sigwaitinfo(&m, &si);
	}
	waited_err = errno;
	waited_sig = si.si_signo;
	waited_code = si.si_code;
	waited_value = si.si_value.sival_int;
	done = 1;
	return 0;
}

static void *blocker_worker(void *arg)
{
	(void)arg;
	while (!done)
		msleep(5);
	return 0;
}

static void signal_thread_pattern(void)
{
	pthread_t t, w[3];
	sigset_t m;
	main_tid = gettid_();
	handle(SIGUSR2, SA_RESTART);
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	sigaddset(&m, SIGTERM);
	for (int timed = 0; timed < 2; timed++) {
		const char *name = timed ? "sigtimedwait.signal-thread" : "sigwaitinfo.signal-thread";
		char label[80];
		pthread_sigmask(SIG_BLOCK, &m, 0);
		go = done = 0;
		handled_by = 0;
		waited_sig = waited_code = waited_value = 0;
		for (int i = 0; i < 3; i++)
			pthread_create(&w[i], 0, blocker_worker, 0);
		pthread_create(&t, 0, signal_thread, (void *)(intptr_t)timed);
		wait_flag(&go);
		msleep(50);
		if (timed) {
			union sigval v = { .sival_int = 42 };
			sigqueue(getpid(), SIGUSR2, v);
		} else {
			kill(getpid(), SIGTERM);
		}
		wait_flag(&done);
		snprintf(label, sizeof label, "%s.result", name);
		say(label, "%s", rtext(waited_ret, waited_err));
		snprintf(label, sizeof label, "%s.siginfo", name);
		say(label, "%s code %d value %d", signame(waited_sig), waited_code, timed ? waited_value : 0);
		snprintf(label, sizeof label, "%s.handler-ran", name);
		say(label, "%s", yesno(handled_by != 0));
		done = 1;
		pthread_join(t, 0);
		for (int i = 0; i < 3; i++)
			pthread_join(w[i], 0);
	}
	/* Timed out while another thread has it pending thread-directed. */
	go = done = 0;
	pthread_create(&w[0], 0, blocker_worker, 0);
	pthread_kill(w[0], SIGUSR2);
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	siginfo_t si;
	T("sigtimedwait.other-threads-own", sigtimedwait(&m, &si, &ts));
	done = 1;
	pthread_join(w[0], 0);
}

/* Credentials: libc's set*id changes every thread; a raw call, one. */
static pthread_barrier_t bar;
static volatile long seen_uid[3], seen_gid[3];

static void *cred_reader(void *arg)
{
	int i = (int)(intptr_t)arg;
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	seen_uid[i] = syscall(SYS_getuid);
	seen_gid[i] = syscall(SYS_getgid);
	pthread_barrier_wait(&bar);
	return 0;
}

static volatile long raw_uid_in_thread, raw_euid_in_thread;
static volatile long raw_kill_main, raw_kill_process;
static volatile int raw_kill_err, raw_kill_process_err;

static void *raw_setuid(void *arg)
{
	(void)arg;
	worker_tid = gettid_();
	syscall(SYS_setresuid, 2000, 2000, 2000);
	raw_uid_in_thread = syscall(SYS_getuid);
	raw_euid_in_thread = syscall(SYS_geteuid);
	/* Unprivileged now, but the threads of one process may signal each other. */
	errno = 0;
	raw_kill_main = syscall(SYS_tgkill, getpid(), main_tid, 0);
	raw_kill_err = errno;
	errno = 0;
	raw_kill_process = kill(getpid(), 0);
	raw_kill_process_err = errno;
	go = 1;
	wait_flag(&done);
	return 0;
}

/* The Uid: line of a status file, tabs as spaces. */
static const char *uid_line(const char *path)
{
	static char line[128];
	char buf[2048];
	strcpy(line, "none");
	if (read_text(path, buf, sizeof buf) < 0)
		return "unreadable";
	char *u = strstr(buf, "\nUid:");
	if (!u)
		return line;
	u += 6;
	size_t i = 0;
	while (*u && *u != '\n' && i < sizeof line - 1) {
		line[i++] = *u == '\t' ? ' ' : *u;
		u++;
	}
	line[i] = 0;
	return line;
}

static void creds(void)
{
	pthread_t t[3];
	pthread_barrier_init(&bar, 0, 4);
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], 0, cred_reader, (void *)(intptr_t)i);
	pthread_barrier_wait(&bar);
	T("setgid.libc-with-threads", setgid(100));
	T("setuid.libc-with-threads", setuid(1000));
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], 0);
	say("setuid.libc.every-thread", "uids %ld %ld %ld gids %ld %ld %ld", seen_uid[0], seen_uid[1], seen_uid[2],
	    seen_gid[0], seen_gid[1], seen_gid[2]);
	say("setuid.libc.main", "uid %ld gid %ld", (long)syscall(SYS_getuid), (long)syscall(SYS_getgid));
}

static void creds_raw(void)
{
	pthread_t t;
	char path[64];
	main_tid = gettid_();
	go = done = 0;
	pthread_create(&t, 0, raw_setuid, 0);
	wait_flag(&go);
	say("setresuid.raw-in-thread.thread", "uid %ld euid %ld", raw_uid_in_thread, raw_euid_in_thread);
	say("setresuid.raw-in-thread.main", "uid %ld euid %ld", (long)syscall(SYS_getuid), (long)syscall(SYS_geteuid));
	say("tgkill.unprivileged-thread-to-root-main", "%s", rtext(raw_kill_main, raw_kill_err));
	say("kill.unprivileged-thread-to-own-process", "%s", rtext(raw_kill_process, raw_kill_process_err));
	say("proc.status.uid-after-raw-setuid-in-thread", "%s", uid_line("/proc/self/status"));
	snprintf(path, sizeof path, "/proc/self/task/%d/status", worker_tid);
	say("proc.task-status.uid-of-that-thread", "%s", uid_line(path));
	done = 1;
	pthread_join(t, 0);
	/* The main thread is still root: it may setuid. */
	T("setuid.main-still-root", syscall(SYS_setuid, 3000));
	say("setuid.main-still-root.effect", "uid %ld", (long)syscall(SYS_getuid));
}

/* brk belongs to the memory: a CLONE_VM child's brk is its parent's. */
static volatile unsigned long child_brk_before, child_brk_after;

static int vm_child(void *arg)
{
	(void)arg;
	child_brk_before = syscall(SYS_brk, 0);
	child_brk_after = syscall(SYS_brk, child_brk_before + 4 * 4096);
	if (child_brk_after == child_brk_before + 4 * 4096)
		((volatile char *)child_brk_before)[4096] = 7;
	return 0;
}

static void brk_clone_vm(void)
{
	unsigned long before = syscall(SYS_brk, 0);
	char *stack = mmap(0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int st;
	pid_t c = clone(vm_child, stack + 65536, CLONE_VM | SIGCHLD, 0);
	if (c < 0) {
		say("clone.vm.brk", "clone -1 %s", ename(errno));
		return;
	}
	waitpid(c, &st, 0);
	say("clone.vm.brk.child-saw-ours", "%s", yesno(child_brk_before == before));
	say("clone.vm.brk.child-grew", "%s", yesno(child_brk_after == before + 4 * 4096));
	unsigned long now = syscall(SYS_brk, 0);
	say("clone.vm.brk.parent-sees-child-break", "%s", yesno(now == child_brk_after));
	say("clone.vm.brk.parent-reads-child-heap", "%s",
	    now == child_brk_after && ((volatile char *)before)[4096] == 7 ? "yes" : "no");
	syscall(SYS_brk, before);
	say("clone.vm.brk.parent-shrinks-back", "%s", yesno((unsigned long)syscall(SYS_brk, 0) == before));
}

/* CPU times: per thread and per process. */
static volatile long spin_utime_ms, spin_task_ticks;

static long tv_ms(struct timeval tv) { return tv.tv_sec * 1000 + tv.tv_usec / 1000; }

static long task_ticks(pid_t tid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
	if (read_text(path, buf, sizeof buf) < 0)
		return -1;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	unsigned long utime = 0, stime = 0;
	/* After ") ": state (3) ... utime is field 14, stime 15. */
	int field = 2;
	for (char *q = p + 1; *q; q++) {
		if (*q == ' ') {
			field++;
			if (field == 14)
				utime = strtoul(q + 1, 0, 10);
			if (field == 15)
				stime = strtoul(q + 1, 0, 10);
		}
	}
	return utime + stime;
}

static void *burner(void *arg)
{
	(void)arg;
	struct timespec ts;
	worker_tid = gettid_();
	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	} while (ts.tv_sec * 1000 + ts.tv_nsec / 1000000 < 400);
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	spin_utime_ms = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
	spin_task_ticks = task_ticks(worker_tid);
	go = 1;
	wait_flag(&done);
	return 0;
}

static void cpu_times(void)
{
	pthread_t t;
	struct rusage ru;
	main_tid = gettid_();
	go = done = 0;
	pthread_create(&t, 0, burner, 0);
	while (!go)
		msleep(10);
	say("getrusage.thread.in-burner", "%s", spin_utime_ms >= 300 ? ">= 300 ms" : "< 300 ms");
	say("proc.task-stat.burner", "%s", spin_task_ticks >= 30 ? ">= 30 ticks" : "< 30 ticks");
	long main_ticks = task_ticks(main_tid);
	say("proc.task-stat.main", "%s", main_ticks >= 0 && main_ticks < 20 ? "< 20 ticks" : ">= 20 ticks");
	getrusage(RUSAGE_THREAD, &ru);
	say("getrusage.thread.main", "%s", tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime) < 200 ? "< 200 ms" : ">= 200 ms");
	done = 1;
	pthread_join(t, 0);
	getrusage(RUSAGE_SELF, &ru);
	say("getrusage.self.after-thread-ended", "%s",
	    tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime) >= 300 ? ">= 300 ms" : "< 300 ms");
	struct tms tm;
	times(&tm);
	say("times.after-thread-ended", "%s", tm.tms_utime + tm.tms_stime >= 30 ? ">= 30 ticks" : "< 30 ticks");
	T("getrusage.bad-who", getrusage(2, &ru));
}

/* Masks churning in threads that come and go while real-time signals are
 * sent to the process: every instance is handled once, none lost. */
#define RT_SENT 500
static volatile int churn_stop;
static int rt_handled;

static void on_rt(int s)
{
	(void)s;
	__atomic_fetch_add(&rt_handled, 1, __ATOMIC_SEQ_CST);
}

static void *churner(void *arg)
{
	int sig = (int)(intptr_t)arg;
	for (int i = 0; i < 40 && !churn_stop; i++) {
		mask(i % 2 ? SIG_BLOCK : SIG_UNBLOCK, sig);
		struct timespec ts = { 0, 1000 * 1000 };
		nanosleep(&ts, 0);
	}
	/* Ends with it blocked: what is pending here must outlive the thread. */
	mask(SIG_BLOCK, sig);
	return 0;
}

static void churn(void)
{
	int sig = SIGRTMIN + 2;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_rt;
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, 0);
	mask(SIG_BLOCK, sig);
	pthread_t t[4];
	int live = 0, sent = 0, failed = 0;
	for (int i = 0; i < RT_SENT; i++) {
		if (i % 50 == 0) {
			for (int j = 0; j < live; j++)
				pthread_join(t[j], 0);
			for (live = 0; live < 4; live++)
				pthread_create(&t[live], 0, churner, (void *)(intptr_t)sig);
		}
		union sigval v = { .sival_int = i };
		if (sigqueue(getpid(), sig, v) == 0)
			sent++;
		else
			failed++;
		if (i % 10 == 0)
			msleep(1);
	}
	churn_stop = 1;
	for (int j = 0; j < live; j++)
		pthread_join(t[j], 0);
	mask(SIG_UNBLOCK, sig);
	for (int i = 0; i < 100 && __atomic_load_n(&rt_handled, __ATOMIC_SEQ_CST) < sent; i++)
		msleep(10);
	say("stress.rt-signals-with-mask-churn", "%d sent, %d failed, %d handled", sent, failed,
	    __atomic_load_n(&rt_handled, __ATOMIC_SEQ_CST));
	sigset_t m;
	sigpending(&m);
	say("stress.rt-signals.pending-after", "%s", yesno(sigismember(&m, sig)));
}

int main(void)
{
	begin();
	sub("target", target_choice, 10);
	sub("woken", woken_threads, 30);
	sub("stranded", stranded, 15);
	sub("signal-thread", signal_thread_pattern, 15);
	sub("creds.libc", creds, 10);
	sub("creds.raw", creds_raw, 10);
	sub("brk.clone-vm", brk_clone_vm, 10);
	sub("cpu-times", cpu_times, 20);
	sub("stress", churn, 30);
	return 0;
}
