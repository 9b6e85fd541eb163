/*
 * xt-conf-signal: signals against Linux (output contract in conf.h):
 * rt_sigaction (flags, old action, SIGKILL/SIGSTOP, bad numbers and sizes),
 * rt_sigprocmask (blocking, delivery on unblock, SIGKILL unblockable),
 * siginfo of kill/tgkill/faults (si_code SI_USER/SI_TKILL/SEGV_MAPERR,
 * si_addr), siglongjmp out of a SIGSEGV handler, sigaltstack, SA_RESTART
 * vs EINTR, SA_RESETHAND, SA_NODEFER, rt_sigsuspend, SIGCHLD ignored
 * (auto-reaping), default actions, rt_sigpending; SA_RESTART per syscall
 * (read, wait4 restart; nanosleep, poll, select, pause do not), sigqueue
 * and rt_sigqueueinfo, rt_sigtimedwait/sigwaitinfo; with threads: the
 * thread a timer's, sigqueue's or rt_tgsigqueueinfo's signal goes to,
 * sigtimedwait and sigpending per thread, thread CPU-time timers, an
 * untimed FUTEX_WAIT restarted after an SA_RESTART handler.
 */
#include "conf.h"

#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <sys/select.h>
#include <sys/time.h>
#include <stdint.h>
#include <sys/mman.h>

static volatile sig_atomic_t hits, last_sig, last_code, last_pid_is_me, on_alt, nested;
static void *volatile last_addr;
static sigjmp_buf jump;
static char *alt_base;
static size_t alt_size;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	char local;
	hits++;
	last_sig = sig;
	last_code = si->si_code;
	last_addr = si->si_addr;
	last_pid_is_me = si->si_pid == getpid();
	on_alt = alt_base && &local >= alt_base && &local < alt_base + alt_size;
}

static void jumping_handler(int sig, siginfo_t *si, void *uc)
{
	handler(sig, si, uc);
	siglongjmp(jump, 1);
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, 0);
}

static const char *code_name(int code)
{
	static char b[24];
	switch (code) {
	case SI_USER: return "SI_USER";
	case SI_TKILL: return "SI_TKILL";
	case SI_QUEUE: return "SI_QUEUE";
	case SI_KERNEL: return "SI_KERNEL";
	case SEGV_MAPERR: return "SEGV_MAPERR";
	case SEGV_ACCERR: return "SEGV_ACCERR";
	}
	snprintf(b, sizeof b, "code %d", code);
	return b;
}

static void action_cases(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaddset(&sa.sa_mask, SIGUSR2);
	T("rt_sigaction.install", sigaction(SIGUSR1, &sa, 0));
	memset(&old, 0, sizeof old);
	T("rt_sigaction.query", sigaction(SIGUSR1, 0, &old));
	say("rt_sigaction.query.effect", "handler %s, SA_SIGINFO %s, SA_RESTART %s, mask has SIGUSR2 %s",
	    old.sa_sigaction == handler ? "same" : "other", yesno(old.sa_flags & SA_SIGINFO),
	    yesno(old.sa_flags & SA_RESTART), yesno(sigismember(&old.sa_mask, SIGUSR2)));
	T("rt_sigaction.sigkill", sigaction(SIGKILL, &sa, 0));
	T("rt_sigaction.sigstop", sigaction(SIGSTOP, &sa, 0));
	T("rt_sigaction.sigkill-query", sigaction(SIGKILL, 0, &old));
	T("rt_sigaction.signal-zero", syscall(SYS_rt_sigaction, 0, 0, &old, 8));
	T("rt_sigaction.signal-65", syscall(SYS_rt_sigaction, 65, 0, &old, 8));
	T("rt_sigaction.bad-sigsetsize", syscall(SYS_rt_sigaction, SIGUSR1, 0, &old, 4));
	T("rt_sigaction.bad-pointer", syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, 0, 8));
	T("rt_sigaction.ignore-sigchld", sigaction(SIGCHLD, &(struct sigaction){ .sa_handler = SIG_IGN }, 0));
	/* With SIGCHLD ignored children are reaped by the kernel: wait finds none. */
	pid_t c = fork();
	if (c == 0)
		_exit(0);
	int st;
	T("wait4.sigchld-ignored", wait4(c, &st, 0, 0));
	signal(SIGCHLD, SIG_DFL);

	hits = 0;
	T("kill.self-usr1", kill(getpid(), SIGUSR1));
	say("kill.self-usr1.handler", "hits %d, %s, si_code %s, si_pid %s", hits, signame(last_sig), code_name(last_code),
	    last_pid_is_me ? "is pid" : "other");
	hits = 0;
	T("tgkill.self-usr1", syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1));
	say("tgkill.self-usr1.handler", "hits %d, si_code %s", hits, code_name(last_code));
}

static void realtime_default(void)
{
	raise(SIGRTMIN + 1);
	say("realtime.default-action", "survived");
}

static void mask_cases(void)
{
	install(SIGUSR1, handler, 0);
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	T("rt_sigprocmask.block", sigprocmask(SIG_BLOCK, &set, &old));
	hits = 0;
	kill(getpid(), SIGUSR1);
	say("rt_sigprocmask.blocked-signal", "handler ran %d times", hits);
	sigset_t pend;
	sigemptyset(&pend);
	T("rt_sigpending", syscall(SYS_rt_sigpending, &pend, 8));
	say("rt_sigpending.has-usr1", "%s", yesno(sigismember(&pend, SIGUSR1)));
	T("rt_sigprocmask.unblock", sigprocmask(SIG_UNBLOCK, &set, 0));
	say("rt_sigprocmask.unblock.effect", "handler ran %d times", hits);
	sigfillset(&set);
	sigprocmask(SIG_SETMASK, &set, 0);
	sigprocmask(SIG_SETMASK, 0, &old);
	say("rt_sigprocmask.fill", "SIGKILL %s, SIGSTOP %s, SIGTERM %s", sigismember(&old, SIGKILL) ? "blocked" : "not blocked",
	    sigismember(&old, SIGSTOP) ? "blocked" : "not blocked", sigismember(&old, SIGTERM) ? "blocked" : "not blocked");
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, 0);
	T("rt_sigprocmask.bad-how", syscall(SYS_rt_sigprocmask, 99, &set, 0, 8));
	T("rt_sigprocmask.bad-sigsetsize", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 4));
	T("rt_sigprocmask.bad-pointer", syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)8, 0, 8));
}

static volatile int usr2_blocked_inside;
static void probe_handler(int sig)
{
	(void)sig;
	sigset_t cur;
	sigprocmask(SIG_SETMASK, 0, &cur);
	usr2_blocked_inside = sigismember(&cur, SIGUSR2);
}

static void handler_mask_cases(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = probe_handler;
	sigaction(SIGUSR2, &sa, 0);
	raise(SIGUSR2);
	say("handler.own-signal-blocked-inside", "%s", yesno(usr2_blocked_inside));
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGUSR2, &sa, 0);
	raise(SIGUSR2);
	say("handler.sa-nodefer.own-signal-blocked-inside", "%s", yesno(usr2_blocked_inside));
	sigset_t after;
	sigprocmask(SIG_SETMASK, 0, &after);
	say("handler.mask-restored-after-return", "%s", yesno(!sigismember(&after, SIGUSR2)));
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR2, &sa, 0);
	raise(SIGUSR2);
	struct sigaction now;
	sigaction(SIGUSR2, 0, &now);
	say("handler.sa-resethand.after", "%s", now.sa_handler == SIG_DFL ? "SIG_DFL" : "still installed");
}

static void fault_cases(void)
{
	install(SIGSEGV, jumping_handler, 0);
	volatile uintptr_t bad_addr = 0x18;
	volatile char *bad = (volatile char *)bad_addr;
	if (sigsetjmp(jump, 1) == 0) {
		(void)*bad;
		say("sigsegv.null-read", "no fault");
	} else {
		say("sigsegv.null-read", "%s %s si_addr %s", signame(last_sig), code_name(last_code),
		    last_addr == (void *)bad ? "is the address" : "other");
	}
	say("siglongjmp.out-of-sigsegv-handler", "resumed");
	sigset_t cur;
	sigprocmask(SIG_SETMASK, 0, &cur);
	say("siglongjmp.mask-restored", "SIGSEGV %s", sigismember(&cur, SIGSEGV) ? "blocked" : "unblocked");
	char *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sigsetjmp(jump, 1) == 0) {
		ro[1] = 1;
		say("sigsegv.write-read-only", "no fault");
	} else {
		say("sigsegv.write-read-only", "%s %s si_addr %s", signame(last_sig), code_name(last_code),
		    last_addr == (void *)(ro + 1) ? "is the address" : "other");
	}
	if (sigsetjmp(jump, 1) == 0) {
		ro[2] = 1;
		say("sigsegv.second-fault", "no fault");
	} else {
		say("sigsegv.second-fault", "handler ran again");
	}
}

static void fault_default(void)
{
	volatile uintptr_t bad_addr = 0x18;
	volatile char *bad = (volatile char *)bad_addr;
	(void)*bad;
	say("sigsegv.default", "survived");
}

static void fault_blocked(void)
{
	/* A fault with SIGSEGV blocked kills, as Linux forces the signal. */
	install(SIGSEGV, handler, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGSEGV);
	sigprocmask(SIG_BLOCK, &set, 0);
	volatile uintptr_t bad_addr = 0x18;
	volatile char *bad = (volatile char *)bad_addr;
	(void)*bad;
	say("sigsegv.blocked", "survived");
}

static void altstack_cases(void)
{
	stack_t ss, old;
	memset(&old, 0, sizeof old);
	T("sigaltstack.query", sigaltstack(0, &old));
	say("sigaltstack.query.flags", "%s", old.ss_flags == SS_DISABLE ? "SS_DISABLE" : "other");
	alt_size = 64 * 1024;
	alt_base = malloc(alt_size);
	ss.ss_sp = alt_base;
	ss.ss_size = alt_size;
	ss.ss_flags = 0;
	T("sigaltstack.set", sigaltstack(&ss, 0));
	sigaltstack(0, &old);
	say("sigaltstack.set.effect", "%s, size %s", old.ss_sp == alt_base ? "same base" : "other base",
	    old.ss_size == alt_size ? "same" : "other");
	install(SIGUSR1, handler, SA_ONSTACK);
	on_alt = 0;
	raise(SIGUSR1);
	say("sigaltstack.sa-onstack-handler", "%s", on_alt ? "ran on the alternate stack" : "ran on the normal stack");
	install(SIGUSR1, handler, 0);
	raise(SIGUSR1);
	say("sigaltstack.plain-handler", "%s", on_alt ? "ran on the alternate stack" : "ran on the normal stack");
	ss.ss_size = 512;
	T("sigaltstack.too-small", sigaltstack(&ss, 0));
	ss.ss_size = alt_size;
	ss.ss_flags = 0x1234;
	T("sigaltstack.bad-flags", sigaltstack(&ss, 0));
	ss.ss_flags = SS_DISABLE;
	T("sigaltstack.disable", sigaltstack(&ss, 0));
	sigaltstack(0, &old);
	say("sigaltstack.disable.effect", "%s", old.ss_flags == SS_DISABLE ? "SS_DISABLE" : "other");
	/* Stack overflow handled on the alternate stack. */
	ss.ss_flags = 0;
	sigaltstack(&ss, 0);
	install(SIGSEGV, jumping_handler, SA_ONSTACK);
	on_alt = 0;
	char *guard = mmap(0, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sigsetjmp(jump, 1) == 0) {
		(void)*(volatile char *)guard;
		say("sigaltstack.segv-on-alt-stack", "no fault");
	} else {
		say("sigaltstack.segv-on-alt-stack", "%s", on_alt ? "handler on the alternate stack" : "handler on the normal stack");
	}
}

static void interrupt_cases(void)
{
	/* A read blocked on a pipe, interrupted by a signal from a child. */
	for (int restart = 0; restart < 2; restart++) {
		install(SIGUSR1, handler, restart ? SA_RESTART : 0);
		int p[2];
		pipe(p);
		pid_t parent = getpid();
		pid_t c = fork();
		if (c == 0) {
			msleep(200);
			kill(parent, SIGUSR1);
			msleep(200);
			write(p[1], "x", 1);
			_exit(0);
		}
		char ch;
		hits = 0;
		errno = 0;
		long r = read(p[0], &ch, 1);
		say(restart ? "read.interrupted-sa-restart" : "read.interrupted-no-restart", "%s, handler ran %d times", rtext(r, errno), hits);
		waitpid(c, 0, 0);
		close(p[0]);
		close(p[1]);
	}
	/* rt_sigsuspend: waits with a temporary mask, returns EINTR. */
	install(SIGUSR1, handler, 0);
	sigset_t block, empty;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, 0);
	pid_t parent = getpid();
	pid_t c = fork();
	if (c == 0) {
		msleep(100);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	sigemptyset(&empty);
	hits = 0;
	T("rt_sigsuspend", sigsuspend(&empty));
	say("rt_sigsuspend.effect", "handler ran %d times", hits);
	sigset_t cur;
	sigprocmask(SIG_SETMASK, 0, &cur);
	say("rt_sigsuspend.mask-restored", "%s", yesno(sigismember(&cur, SIGUSR1)));
	waitpid(c, 0, 0);
	T("rt_sigsuspend.bad-sigsetsize", syscall(SYS_rt_sigsuspend, &empty, 4));
	/* nanosleep interrupted: EINTR with the remainder. */
	sigprocmask(SIG_UNBLOCK, &block, 0);
	c = fork();
	if (c == 0) {
		msleep(100);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	struct timespec req = { 5, 0 }, rem = { 0, 0 };
	T("nanosleep.interrupted", nanosleep(&req, &rem));
	say("nanosleep.interrupted.remainder", "%s", rem.tv_sec >= 3 && rem.tv_sec <= 5 ? "3..5 s" : "other");
	waitpid(c, 0, 0);
	/* SIGPIPE on a pipe without readers; ignored: EPIPE. */
	int p[2];
	pipe(p);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	T("write.no-readers-sigpipe-ignored", write(p[1], "x", 1));
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
}

/* SA_RESTART by syscall, the interrupting signal an alarm (ITIMER_REAL). */
static void alarm_in(int ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
	setitimer(ITIMER_REAL, &it, 0);
}

static void restart_cases(void)
{
	for (int restart = 0; restart < 2; restart++) {
		const char *how = restart ? "sa-restart" : "no-restart";
		char name[64];
		install(SIGALRM, handler, restart ? SA_RESTART : 0);
		/* read(2) on a pipe: a child writes after the alarm. */
		int p[2];
		pipe(p);
		pid_t c = fork();
		if (c == 0) {
			msleep(300);
			write(p[1], "y", 1);
			_exit(0);
		}
		char ch;
		hits = 0;
		alarm_in(100);
		errno = 0;
		long r = read(p[0], &ch, 1);
		snprintf(name, sizeof name, "read.alarm-%s", how);
		say(name, "%s, handler ran %d times", rtext(r, errno), hits);
		waitpid(c, 0, 0);
		close(p[0]);
		close(p[1]);
		/* wait4: the child exits after the alarm. */
		c = fork();
		if (c == 0) {
			msleep(300);
			_exit(3);
		}
		hits = 0;
		alarm_in(100);
		int st = 0;
		errno = 0;
		r = waitpid(c, &st, 0);
		snprintf(name, sizeof name, "wait4.alarm-%s", how);
		say(name, "%s, handler ran %d times", r == c ? "the child" : rtext(r, errno), hits);
		if (r != c)
			waitpid(c, &st, 0);
		/* nanosleep: EINTR even with SA_RESTART (Linux never restarts it after a handler). */
		hits = 0;
		alarm_in(100);
		struct timespec req = { 1, 0 }, rem = { 0, 0 };
		errno = 0;
		r = nanosleep(&req, &rem);
		snprintf(name, sizeof name, "nanosleep.alarm-%s", how);
		say(name, "%s, handler ran %d times", rtext(r, errno), hits);
		/* ppoll and pselect: EINTR either way. */
		pipe(p);
		hits = 0;
		alarm_in(100);
		struct pollfd pfd = { p[0], POLLIN, 0 };
		errno = 0;
		r = poll(&pfd, 1, 1000);
		snprintf(name, sizeof name, "poll.alarm-%s", how);
		say(name, "%s, handler ran %d times", rtext(r, errno), hits);
		hits = 0;
		alarm_in(100);
		fd_set rd;
		FD_ZERO(&rd);
		FD_SET(p[0], &rd);
		errno = 0;
		r = select(p[0] + 1, &rd, 0, 0, &(struct timeval){ 1, 0 });
		snprintf(name, sizeof name, "select.alarm-%s", how);
		say(name, "%s, handler ran %d times", rtext(r, errno), hits);
		close(p[0]);
		close(p[1]);
		/* pause: EINTR either way. */
		hits = 0;
		alarm_in(100);
		errno = 0;
		r = pause();
		snprintf(name, sizeof name, "pause.alarm-%s", how);
		say(name, "%s, handler ran %d times", rtext(r, errno), hits);
	}
}

static void queue_cases(void)
{
	install(SIGUSR1, handler, 0);
	/* rt_sigqueueinfo (sigqueue(3)): SI_QUEUE, the sender, the value. */
	hits = 0;
	T("rt_sigqueueinfo.self", sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 5 }));
	say("rt_sigqueueinfo.self.effect", "handler ran %d times, %s, %s", hits, code_name(last_code), last_pid_is_me ? "si_pid is me" : "other si_pid");
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_code = SI_USER;
	T("rt_sigqueueinfo.si_user-to-self", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si));
	T("rt_sigqueueinfo.si_user-to-other", syscall(SYS_rt_sigqueueinfo, getppid(), SIGUSR1, &si));
	si.si_code = SI_QUEUE;
	T("rt_sigqueueinfo.bad-signal", syscall(SYS_rt_sigqueueinfo, getpid(), 99, &si));
	T("rt_sigqueueinfo.no-such-process", syscall(SYS_rt_sigqueueinfo, 99999, SIGUSR1, &si));
	T("rt_sigqueueinfo.bad-pointer", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, (void *)8));
	T("rt_sigqueueinfo.signal-zero", syscall(SYS_rt_sigqueueinfo, getpid(), 0, &si));
	T("rt_tgsigqueueinfo.self", syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), 0, &si));
	T("rt_tgsigqueueinfo.bad-tid", syscall(SYS_rt_tgsigqueueinfo, getpid(), 99999, SIGUSR1, &si));

	/* rt_sigtimedwait: takes a blocked pending signal without running its handler. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	install(SIGUSR2, handler, 0);
	sigprocmask(SIG_BLOCK, &set, 0);
	hits = 0;
	kill(getpid(), SIGUSR2);
	memset(&si, 0, sizeof si);
	long r = sigtimedwait(&set, &si, &(struct timespec){ 1, 0 });
	say("rt_sigtimedwait.pending", "%s, %s, %s, handler ran %d times", r < 0 ? rtext(r, errno) : signame(r), code_name(si.si_code),
	    si.si_pid == getpid() ? "si_pid is me" : "other si_pid", hits);
	sigset_t pend;
	sigpending(&pend);
	say("rt_sigtimedwait.consumed", "%s", sigismember(&pend, SIGUSR2) ? "still pending" : "no longer pending");
	sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 9 });
	memset(&si, 0, sizeof si);
	r = sigwaitinfo(&set, &si);
	say("sigwaitinfo.queued", "%s, %s, si_value %d", r < 0 ? rtext(r, errno) : signame(r), code_name(si.si_code), si.si_value.sival_int);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	T("rt_sigtimedwait.timeout", sigtimedwait(&set, &si, &(struct timespec){ 0, 100000000 }));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long el = (t1.tv_sec - t0.tv_sec) * 1000000000LL + t1.tv_nsec - t0.tv_nsec;
	say("rt_sigtimedwait.timeout.elapsed", "%s", el >= 100000000LL ? ">= 100 ms" : "< 100 ms");
	T("rt_sigtimedwait.zero-timeout", sigtimedwait(&set, &si, &(struct timespec){ 0, 0 }));
	T("rt_sigtimedwait.bad-timeout", sigtimedwait(&set, &si, &(struct timespec){ 0, 1000000000 }));
	T("rt_sigtimedwait.bad-sigsetsize", syscall(SYS_rt_sigtimedwait, &set, &si, 0, 4));
	T("rt_sigtimedwait.bad-set-pointer", syscall(SYS_rt_sigtimedwait, (void *)8, &si, 0, 8));
	/* A signal the set does not name, with a handler, interrupts the wait. */
	install(SIGALRM, handler, SA_RESTART);
	hits = 0;
	alarm_in(100);
	T("rt_sigtimedwait.interrupted", sigtimedwait(&set, &si, &(struct timespec){ 2, 0 }));
	say("rt_sigtimedwait.interrupted.effect", "handler ran %d times", hits);
	/* Waiting from a child's kill, no info pointer. */
	pid_t parent = getpid();
	pid_t c = fork();
	if (c == 0) {
		msleep(100);
		kill(parent, SIGUSR2);
		_exit(0);
	}
	T("rt_sigtimedwait.from-child", syscall(SYS_rt_sigtimedwait, &set, 0, &(struct timespec){ 2, 0 }, 8));
	waitpid(c, 0, 0);
	sigprocmask(SIG_UNBLOCK, &set, 0);
	say("rt_sigtimedwait.handler-after", "handler ran %d times", hits);

	/* Real-time signals queue: each sigqueue is one delivery, in order of sending; standard ones merge. */
	int rt = SIGRTMIN + 2;
	install(rt, handler, 0);
	sigset_t rtset;
	sigemptyset(&rtset);
	sigaddset(&rtset, rt);
	sigaddset(&rtset, SIGUSR1);
	sigprocmask(SIG_BLOCK, &rtset, 0);
	for (int i = 1; i <= 3; i++)
		sigqueue(getpid(), rt, (union sigval){ .sival_int = i });
	sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 1 });
	sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 2 });
	int order[4] = { 0 }, n = 0;
	struct timespec zero = { 0, 0 };
	sigset_t rtonly, usr1only;
	sigemptyset(&rtonly);
	sigaddset(&rtonly, rt);
	sigemptyset(&usr1only);
	sigaddset(&usr1only, SIGUSR1);
	while (n < 4) {
		memset(&si, 0, sizeof si);
		if (sigtimedwait(&rtonly, &si, &zero) != rt)
			break;
		order[n++] = si.si_value.sival_int;
	}
	say("sigqueue.realtime-queued", "%d taken, values %d %d %d", n, order[0], order[1], order[2]);
	memset(&si, 0, sizeof si);
	r = sigtimedwait(&usr1only, &si, &zero);
	say("sigqueue.standard-merged", "%s, si_value %d", r < 0 ? rtext(r, errno) : signame(r), si.si_value.sival_int);
	T("sigqueue.standard-merged.again", sigtimedwait(&usr1only, &si, &zero));
	for (int i = 1; i <= 2; i++)
		sigqueue(getpid(), rt, (union sigval){ .sival_int = i });
	sigpending(&pend);
	say("sigqueue.realtime-pending", "%s", yesno(sigismember(&pend, rt)));
	hits = 0;
	sigprocmask(SIG_UNBLOCK, &rtset, 0);
	say("sigqueue.realtime-delivered", "handler ran %d times", hits);
}

static void stop_continue(void)
{
	pid_t c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	int st;
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	say("sigstop.effect", "%s", WIFSTOPPED(st) ? "stopped" : "not stopped");
	kill(c, SIGTERM);
	T("sigterm-while-stopped.wnohang", waitpid(c, &st, WNOHANG));
	kill(c, SIGCONT);
	waitpid(c, &st, 0);
	say("sigterm-while-stopped.after-sigcont", "%s", status_text(st));
	c = fork();
	if (c == 0) {
		signal(SIGTERM, SIG_IGN);
		msleep(300);
		_exit(4);
	}
	msleep(100);
	kill(c, SIGTERM);
	waitpid(c, &st, 0);
	say("sigterm.ignored", "%s", status_text(st));
	c = fork();
	if (c == 0) {
		char *argv[] = { "/bin/sh", "-c", "kill -USR1 $$; exit 5", 0 };
		signal(SIGUSR1, SIG_IGN);
		execv("/bin/sh", argv);
		_exit(127);
	}
	waitpid(c, &st, 0);
	say("execve.keeps-ignored-signal", "%s", status_text(st));
}

/* Signals and timers with threads: which thread gets a timer's, a
 * sigqueue's or rt_tgsigqueueinfo's signal; sigtimedwait per thread;
 * thread CPU-time timers; an untimed FUTEX_WAIT restarted after an
 * SA_RESTART handler. */
#include <pthread.h>
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

struct ksigevent {
	union sigval value;
	int signo, notify, tid, pad[11];
};

static volatile pid_t t_tid, handled_tid;
static volatile int t_stop, t_burn, t_step, t_go2;
static void tid_handler(int s) { (void)s; handled_tid = syscall(SYS_gettid); }

static void burn_ms(int ms)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	volatile unsigned long x = 0;
	do {
		for (int i = 0; i < 10000; i++)
			x += i;
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	t_tid = syscall(SYS_gettid);
	while (!t_stop) {
		if (t_burn) {
			burn_ms(t_burn);
			t_burn = 0;
		}
		msleep(2);
	}
	return 0;
}

static const char *who(pid_t main_tid)
{
	return handled_tid == 0 ? "nobody" : handled_tid == t_tid ? "the other thread" : handled_tid == main_tid ? "main" : "someone else";
}

static void wait_handled(int ms)
{
	for (int i = 0; i < ms && !handled_tid; i++)
		msleep(1);
}

static int ktimer(clockid_t clock, int notify, int sig, int tid, int *id)
{
	struct ksigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.signo = sig;
	ev.notify = notify;
	ev.tid = tid;
	return syscall(SYS_timer_create, clock, &ev, id);
}

static int karm(int id, long ms)
{
	struct itimerspec its = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000000L } };
	return syscall(SYS_timer_settime, id, 0, &its, 0);
}

static void thread_cases(void)
{
	pid_t me = syscall(SYS_gettid);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tid_handler;
	sigaction(SIGUSR2, &sa, 0);
	pthread_t th;
	pthread_create(&th, 0, idle_thread, 0);
	while (!t_tid)
		msleep(1);

	/* SIGEV_THREAD_ID: another thread of the process is accepted; its signal goes there. */
	int id = -1;
	T("timer_create.thread-id-other-thread", ktimer(CLOCK_MONOTONIC, 4, SIGUSR2, t_tid, &id));
	handled_tid = 0;
	karm(id, 20);
	wait_handled(1000);
	say("timer.thread-id-other-thread.handled-by", "%s", who(me));
	int bad;
	T("timer_create.thread-id-no-such-thread", ktimer(CLOCK_MONOTONIC, 4, SIGUSR2, 99999, &bad));
	T("timer_create.thread-id-other-process", ktimer(CLOCK_MONOTONIC, 4, SIGUSR2, getppid(), &bad));

	/* A process-directed timer signal goes to a thread that does not block it. */
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, 0);
	int pid_timer = -1;
	ktimer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR2, 0, &pid_timer);
	handled_tid = 0;
	karm(pid_timer, 20);
	wait_handled(1000);
	say("timer.process-directed.main-blocks.handled-by", "%s", who(me));
	/* sigqueue: the same. */
	handled_tid = 0;
	T("rt_sigqueueinfo.main-blocks", sigqueue(getpid(), SIGUSR2, (union sigval){ .sival_int = 1 }));
	wait_handled(1000);
	say("rt_sigqueueinfo.main-blocks.handled-by", "%s", who(me));
	/* rt_tgsigqueueinfo to another thread. */
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 3;
	handled_tid = 0;
	T("rt_tgsigqueueinfo.other-thread", syscall(SYS_rt_tgsigqueueinfo, getpid(), t_tid, SIGUSR2, &si));
	wait_handled(1000);
	say("rt_tgsigqueueinfo.other-thread.handled-by", "%s", who(me));
	T("rt_tgsigqueueinfo.other-thread.signal-zero", syscall(SYS_rt_tgsigqueueinfo, getpid(), t_tid, 0, &si));
	T("rt_tgsigqueueinfo.thread-of-other-process", syscall(SYS_rt_tgsigqueueinfo, getppid(), t_tid, SIGUSR2, &si));
	si.si_code = SI_USER;
	T("rt_tgsigqueueinfo.other-thread.si_user", syscall(SYS_rt_tgsigqueueinfo, getpid(), t_tid, SIGUSR2, &si));
	T("rt_sigqueueinfo.si_user-from-main-to-pid", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, &si));
	sigprocmask(SIG_UNBLOCK, &usr2, 0);

	/* CPU-time clocks and timers of a thread. */
	burn_ms(150);
	struct timespec tc, pc;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &pc);
	clockid_t tclock;
	pthread_getcpuclockid(th, &tclock);
	clock_gettime(tclock, &tc);
	say("clock_gettime.other-thread-cpu-after-main-burned",
	    "%s", tc.tv_sec == 0 && tc.tv_nsec < 100000000L && pc.tv_sec * 1000000000LL + pc.tv_nsec >= 140000000LL ? "thread < 100 ms, process >= 140 ms" : "other");
	int cpu_timer = -1;
	T("timer_create.other-thread-cpu-clock", ktimer(tclock, SIGEV_SIGNAL, SIGUSR2, 0, &cpu_timer));
	T("timer_create.thread-cputime", ktimer(CLOCK_THREAD_CPUTIME_ID, SIGEV_SIGNAL, SIGUSR2, 0, &bad));
	T("timer_create.no-such-thread-cpu-clock", ktimer((clockid_t)((~99999u << 3) | 6), SIGEV_SIGNAL, SIGUSR2, 0, &bad));
	sigprocmask(SIG_BLOCK, &usr2, 0);
	handled_tid = 0;
	karm(cpu_timer, 50);
	burn_ms(200);
	say("timer.other-thread-cpu.main-burned-200ms", "%s", handled_tid ? "fired" : "not fired");
	struct itimerspec left;
	syscall(SYS_timer_gettime, cpu_timer, &left);
	say("timer_gettime.other-thread-cpu.main-burned", "%s", left.it_value.tv_nsec > 40000000L ? "> 40 ms left" : "<= 40 ms left");
	t_burn = 150;
	wait_handled(2000);
	say("timer.other-thread-cpu.thread-burned-150ms.handled-by", "%s", who(me));
	sigprocmask(SIG_UNBLOCK, &usr2, 0);
	/* CLOCK_THREAD_CPUTIME_ID in main counts main's time only. */
	int main_cpu = -1;
	ktimer(CLOCK_THREAD_CPUTIME_ID, 4, SIGUSR2, me, &main_cpu);
	handled_tid = 0;
	karm(main_cpu, 50);
	t_burn = 150;
	while (t_burn)
		msleep(5);
	say("timer.main-thread-cpu.other-burned", "%s", handled_tid ? "fired" : "not fired");
	burn_ms(150);
	wait_handled(100);
	say("timer.main-thread-cpu.main-burned.handled-by", "%s", who(me));
	t_stop = 1;
	pthread_join(th, 0);
}

static volatile int w_took[3];
static void *rt_waiter(void *arg)
{
	sigset_t *set = arg;
	siginfo_t si;
	t_tid = syscall(SYS_gettid);
	w_took[0] = sigtimedwait(set, &si, &(struct timespec){ 2, 0 }) > 0 ? si.si_value.sival_int : -1;
	t_step = 1;
	while (!t_go2)
		msleep(1);
	w_took[1] = sigtimedwait(set, &si, &(struct timespec){ 2, 0 }) > 0 ? si.si_value.sival_int : -1;
	w_took[2] = sigtimedwait(set, &si, &(struct timespec){ 2, 0 }) > 0 ? si.si_value.sival_int : -1;
	return 0;
}

static void thread_queue_cases(void)
{
	int rt = SIGRTMIN + 4;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, rt);
	sigprocmask(SIG_BLOCK, &set, 0);
	sigqueue(getpid(), rt, (union sigval){ .sival_int = 7 });
	sigset_t pend;
	sigpending(&pend);
	say("sigpending.process-directed-before-thread", "%s", sigismember(&pend, rt) ? "pending" : "not pending");
	pthread_t th;
	t_tid = 0;
	pthread_create(&th, 0, rt_waiter, &set);
	while (!t_step)
		msleep(1);
	say("sigtimedwait.thread-takes-process-directed", "si_value %d", w_took[0]);
	sigpending(&pend);
	say("sigpending.main-after-thread-took", "%s", sigismember(&pend, rt) ? "pending" : "not pending");
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_code = SI_QUEUE;
	for (int v = 1; v <= 2; v++) {
		si.si_value.sival_int = v;
		syscall(SYS_rt_tgsigqueueinfo, getpid(), t_tid, rt, &si);
	}
	sigpending(&pend);
	say("sigpending.main-thread-directed-to-other", "%s", sigismember(&pend, rt) ? "pending" : "not pending");
	T("sigtimedwait.main-thread-directed-to-other", sigtimedwait(&set, &si, &(struct timespec){ 0, 0 }));
	t_go2 = 1;
	pthread_join(th, 0);
	say("sigtimedwait.thread-takes-its-queue", "si_value %d then %d", w_took[1], w_took[2]);
}

static volatile int fword;
static volatile int f_hits;
static void f_handler(int s) { (void)s; f_hits++; }

static void *f_poker(void *arg)
{
	pid_t main_tid = (pid_t)(intptr_t)arg;
	msleep(50);
	syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
	msleep(150);
	fword = 1;
	syscall(SYS_futex, &fword, FUTEX_WAKE, 1, 0, 0, 0);
	return 0;
}

static void futex_try(const char *name, int flags, struct timespec *timeout)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = f_handler;
	sa.sa_flags = flags;
	sigaction(SIGUSR1, &sa, 0);
	fword = 0;
	f_hits = 0;
	pthread_t th;
	pthread_create(&th, 0, f_poker, (void *)(intptr_t)syscall(SYS_gettid));
	errno = 0;
	long r = syscall(SYS_futex, &fword, FUTEX_WAIT, 0, timeout, 0, 0);
	int e = errno;
	say(name, "%s, handler ran %d times", rtext(r, e), f_hits);
	pthread_join(th, 0);
}

static void futex_restart_cases(void)
{
	futex_try("futex_wait.untimed.sa_restart", SA_RESTART, 0);
	futex_try("futex_wait.untimed.no-sa_restart", 0, 0);
	futex_try("futex_wait.timed.sa_restart", SA_RESTART, &(struct timespec){ 2, 0 });
}

int main(void)
{
	begin();
	sub("actions", action_cases, 10);
	sub("realtime-default", realtime_default, 10);
	sub("masks", mask_cases, 10);
	sub("handler-masks", handler_mask_cases, 10);
	sub("faults", fault_cases, 10);
	sub("sigsegv-default", fault_default, 10);
	sub("sigsegv-blocked", fault_blocked, 10);
	sub("sigaltstack", altstack_cases, 10);
	sub("interrupts", interrupt_cases, 15);
	sub("restarts", restart_cases, 20);
	sub("queue", queue_cases, 15);
	sub("stop-continue", stop_continue, 10);
	sub("threads", thread_cases, 20);
	sub("thread-queue", thread_queue_cases, 15);
	sub("futex-restart", futex_restart_cases, 15);
	return 0;
}
