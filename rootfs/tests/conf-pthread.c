/*
 * xt-conf-pthread: POSIX threads against Linux (output contract in conf.h),
 * deeper than conf-thread: many threads, mutex/condvar contention over
 * futex, thread-local storage per thread, pthread_exit and pthread_detach,
 * thread ids, what the threads of a process share (memory, descriptors,
 * cwd, signal actions) and what each has alone (signal mask, pending
 * thread-directed signals), tgkill/tkill/kill to threads, exit_group and
 * fatal signals from a thread, exec from a thread, robust mutexes whose
 * owner died, wait4 and threads, and /proc/<pid>/task.
 */
#include "conf.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#define NTHREADS 50

static __thread int tls_slot = 5;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t barrier;
static volatile int counter;
static volatile int go;
static volatile int woken;
static volatile pid_t seen_tid[NTHREADS];
static volatile int tls_ok[NTHREADS];

static pid_t gettid_(void) { return syscall(SYS_gettid); }

static void *ret_index(void *arg)
{
	intptr_t i = (intptr_t)arg;
	seen_tid[i] = gettid_();
	int start = tls_slot;
	tls_slot = (int)i * 3;
	pthread_barrier_wait(&barrier);
	/* Every thread has written its own copy by now. */
	tls_ok[i] = start == 5 && tls_slot == (int)i * 3;
	return (void *)(i * 2);
}

static void many_threads(void)
{
	pthread_t t[NTHREADS];
	int created = 0, joined = 0, values = 0, tls = 0, distinct = 1;
	pthread_barrier_init(&barrier, 0, NTHREADS + 1);
	tls_slot = 77;
	for (intptr_t i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], 0, ret_index, (void *)i) == 0)
			created++;
	say("pthread_create.50", "%d created", created);
	if (created != NTHREADS)
		return;
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < NTHREADS; i++) {
		void *r = 0;
		if (pthread_join(t[i], &r) == 0)
			joined++;
		values += r == (void *)(intptr_t)(i * 2);
		tls += tls_ok[i];
		for (int j = 0; j < i; j++)
			distinct &= seen_tid[i] != seen_tid[j] && seen_tid[i] != getpid();
	}
	say("pthread_join.50", "%d joined, %d return values right", joined, values);
	say("tls.50-own-copies", "%d threads saw the initial value and kept their own", tls);
	say("tls.main-unchanged", "%d", tls_slot);
	say("gettid.50-distinct", "%s", yesno(distinct));
}

static void *bump(void *arg)
{
	int n = (int)(intptr_t)arg;
	for (int i = 0; i < n; i++) {
		pthread_mutex_lock(&lock);
		int v = counter;
		if ((i & 63) == 0)
			sched_yield();
		counter = v + 1;
		pthread_mutex_unlock(&lock);
	}
	return 0;
}

static void contention(void)
{
	pthread_t t[8];
	counter = 0;
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], 0, bump, (void *)(intptr_t)5000);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], 0);
	say("pthread_mutex.8-threads-5000-each", "%d", counter);
}

static void *cond_waiter_n(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!go)
		pthread_cond_wait(&cond, &lock);
	woken++;
	pthread_mutex_unlock(&lock);
	return 0;
}

static void broadcast(void)
{
	pthread_t t[10];
	go = 0;
	woken = 0;
	for (int i = 0; i < 10; i++)
		pthread_create(&t[i], 0, cond_waiter_n, 0);
	msleep(200);
	pthread_mutex_lock(&lock);
	int before = woken;
	go = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < 10; i++)
		pthread_join(t[i], 0);
	say("pthread_cond.broadcast-10", "%d woken before, %d after", before, woken);
}

static void *exit_99(void *arg)
{
	(void)arg;
	pthread_exit((void *)99);
	return 0;
}

static volatile int detached_ran;

static void *detached(void *arg)
{
	(void)arg;
	msleep(50);
	detached_ran = 1;
	return 0;
}

static volatile pid_t t_pid, t_ppid, t_tid;

static void *ids(void *arg)
{
	(void)arg;
	t_pid = getpid();
	t_ppid = getppid();
	t_tid = gettid_();
	return 0;
}

static void exit_detach_ids(void)
{
	pthread_t t;
	void *r = 0;
	pthread_create(&t, 0, exit_99, 0);
	T("pthread_exit.join", pthread_join(t, &r));
	say("pthread_exit.value", "%ld", (long)(intptr_t)r);
	pthread_create(&t, 0, detached, 0);
	T("pthread_detach", pthread_detach(t));
	msleep(300);
	say("pthread_detach.thread-ran", "%s", yesno(detached_ran));
	pthread_create(&t, 0, ids, 0);
	pthread_join(t, 0);
	say("thread.getpid", "%s", t_pid == getpid() ? "equals main's" : "differs");
	say("thread.getppid", "%s", t_ppid == getppid() ? "equals main's" : "differs");
	say("thread.gettid", "%s", t_tid != getpid() && t_tid > 0 ? "differs from pid" : "same as pid");
	say("main.gettid", "%s", gettid_() == getpid() ? "equals pid" : "differs");
	T("wait4.thread-id", waitpid(t_tid, 0, WNOHANG));
}

/* Signals: masks and pending sets are per thread, actions shared. */
static volatile pid_t handled_by;
static volatile pid_t sig_thread_tid;
static volatile int stop_thread;

static void on_sig(int s)
{
	(void)s;
	handled_by = gettid_();
}

static void *sig_sleeper(void *arg)
{
	int block_usr1 = (int)(intptr_t)arg;
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	pthread_sigmask(block_usr1 ? SIG_BLOCK : SIG_UNBLOCK, &m, 0);
	sig_thread_tid = gettid_();
	while (!stop_thread)
		msleep(10);
	return 0;
}

static volatile int inherited_block;
static volatile int thread_pending_usr2, thread_blocked_usr2;

static void *mask_probe(void *arg)
{
	(void)arg;
	sigset_t m;
	pthread_sigmask(SIG_BLOCK, 0, &m);
	inherited_block = sigismember(&m, SIGUSR2);
	return 0;
}

static void *pending_probe(void *arg)
{
	(void)arg;
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &m, 0);
	sig_thread_tid = gettid_();
	while (!stop_thread)
		msleep(10);
	sigpending(&m);
	thread_pending_usr2 = sigismember(&m, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, 0, &m);
	thread_blocked_usr2 = sigismember(&m, SIGUSR2);
	return 0;
}

static void *set_handler(void *arg)
{
	(void)arg;
	signal(SIGUSR2, on_sig);
	return 0;
}

static void signals(void)
{
	pthread_t t;
	sigset_t m;
	signal(SIGUSR1, on_sig);

	/* tgkill and tkill to a thread with a handler: it runs in that thread. */
	stop_thread = 0;
	sig_thread_tid = 0;
	pthread_create(&t, 0, sig_sleeper, 0);
	while (!sig_thread_tid)
		msleep(5);
	handled_by = 0;
	T("tgkill.to-thread", syscall(SYS_tgkill, getpid(), sig_thread_tid, SIGUSR1));
	msleep(100);
	say("tgkill.handled-in-target", "%s", yesno(handled_by == sig_thread_tid));
	handled_by = 0;
	T("tkill.to-thread", syscall(SYS_tkill, sig_thread_tid, SIGUSR1));
	msleep(100);
	say("tkill.handled-in-target", "%s", yesno(handled_by == sig_thread_tid));
	T("tgkill.signal-0", syscall(SYS_tgkill, getpid(), sig_thread_tid, 0));
	T("pthread_kill.signal-0", pthread_kill(t, 0));
	T("tgkill.tid-not-in-group", syscall(SYS_tgkill, getppid(), sig_thread_tid, 0));

	/* A process-directed signal goes to a thread that does not block it. */
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &m, 0);
	handled_by = 0;
	T("kill.process-main-blocks", kill(getpid(), SIGUSR1));
	msleep(100);
	say("kill.process-handled-by-unblocking-thread", "%s", yesno(handled_by == sig_thread_tid));
	pthread_sigmask(SIG_UNBLOCK, &m, 0);
	stop_thread = 1;
	pthread_join(t, 0);

	/* A new thread starts with its creator's mask. */
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &m, 0);
	pthread_create(&t, 0, mask_probe, 0);
	pthread_join(t, 0);
	say("pthread_create.inherits-mask", "%s", yesno(inherited_block));
	pthread_sigmask(SIG_UNBLOCK, &m, 0);
	pthread_sigmask(SIG_BLOCK, 0, &m);
	say("sigmask.main-after-unblock", "SIGUSR2 %s", sigismember(&m, SIGUSR2) ? "blocked" : "not blocked");

	/* A thread-directed signal the thread blocks stays pending on it alone. */
	stop_thread = 0;
	sig_thread_tid = 0;
	pthread_create(&t, 0, pending_probe, 0);
	while (!sig_thread_tid)
		msleep(5);
	T("tgkill.blocked-in-thread", syscall(SYS_tgkill, getpid(), sig_thread_tid, SIGUSR2));
	msleep(50);
	sigpending(&m);
	say("sigpending.main", "SIGUSR2 %s", sigismember(&m, SIGUSR2) ? "pending" : "not pending");
	stop_thread = 1;
	pthread_join(t, 0);
	say("sigpending.thread", "SIGUSR2 %s", thread_pending_usr2 ? "pending" : "not pending");
	say("sigmask.thread-own", "SIGUSR2 %s", thread_blocked_usr2 ? "blocked" : "not blocked");

	/* Signal actions are shared: a handler set in a thread runs in main. */
	signal(SIGUSR2, SIG_DFL);
	pthread_create(&t, 0, set_handler, 0);
	pthread_join(t, 0);
	handled_by = 0;
	raise(SIGUSR2);
	say("sigaction.shared", "%s", handled_by == gettid_() ? "thread's handler ran in main" : "not handled");
}

/* Descriptors, cwd and umask are shared. */
static volatile int thread_fd = -1;

static void *opener(void *arg)
{
	(void)arg;
	thread_fd = open("/proc/self/comm", O_RDONLY);
	chdir("/tmp");
	umask(027);
	return 0;
}

static void sharing(void)
{
	pthread_t t;
	char cwd[64] = "";
	mode_t old = umask(022);
	chdir("/");
	pthread_create(&t, 0, opener, 0);
	pthread_join(t, 0);
	char buf[32];
	say("shared.fd-opened-in-thread", "%s", thread_fd >= 0 && read(thread_fd, buf, sizeof buf) > 0 ? "readable in main" : "not usable");
	getcwd(cwd, sizeof cwd);
	say("shared.cwd-changed-in-thread", "%s", cwd);
	say("shared.umask-set-in-thread", "%03o", umask(old));
	close(thread_fd);
}

/* /proc/<pid>/task and Threads:. */
static volatile int parked_count;

static void *parked(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	parked_count++;
	while (!go)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return 0;
}

static int count_tasks(const char *dir, int *has_self)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	*has_self = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		if (atoi(e->d_name) == getpid())
			*has_self = 1;
	}
	closedir(d);
	return n;
}

static int status_field(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int v = -1;
	size_t k = strlen(key);
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, k))
			v = atoi(line + k);
	fclose(f);
	return v;
}

static void proc_task(void)
{
	pthread_t t[2];
	go = 0;
	parked_count = 0;
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], 0, parked, 0);
	while (parked_count < 2)
		msleep(5);
	int has_self;
	int n = count_tasks("/proc/self/task", &has_self);
	say("proc.self-task-entries", "%d, main's tid %s", n, has_self ? "listed" : "missing");
	say("proc.status-threads", "%d", status_field("/proc/self/status", "Threads:"));
	char path[96];
	snprintf(path, sizeof path, "/proc/self/task/%d/status", (int)getpid());
	say("proc.task-status-pid", "%s", status_field(path, "Pid:") == getpid() ? "main's tid" : "other");
	/* The other tids, from the directory itself. */
	DIR *d = opendir("/proc/self/task");
	int stat_ok = 0, status_ok = 0, comm_ok = 0, others = 0;
	struct dirent *e;
	char comm[32] = "", tcomm[32] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	if (f) {
		fgets(comm, sizeof comm, f);
		fclose(f);
	}
	while (d && (e = readdir(d))) {
		int tid = atoi(e->d_name);
		if (e->d_name[0] == '.' || tid == getpid())
			continue;
		others++;
		snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
		f = fopen(path, "r");
		int first = 0;
		if (f && fscanf(f, "%d", &first) == 1 && first == tid)
			stat_ok++;
		if (f)
			fclose(f);
		snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
		if (status_field(path, "Pid:") == tid && status_field(path, "Tgid:") == getpid())
			status_ok++;
		snprintf(path, sizeof path, "/proc/self/task/%d/comm", tid);
		f = fopen(path, "r");
		if (f && fgets(tcomm, sizeof tcomm, f) && !strcmp(tcomm, comm))
			comm_ok++;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	say("proc.task-other-threads", "%d: stat %d, status %d, comm %d right", others, stat_ok, status_ok, comm_ok);
	pthread_mutex_lock(&lock);
	go = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], 0);
	msleep(100);
	n = count_tasks("/proc/self/task", &has_self);
	say("proc.self-task-after-join", "%d", n);
}

/* Whole-process effects from a thread, each in its own child (sub). */
static void *exit_group_7(void *arg)
{
	(void)arg;
	msleep(100);
	exit(7);
	return 0;
}

static void exit_from_thread(void)
{
	pthread_t t;
	pthread_create(&t, 0, exit_group_7, 0);
	msleep(3000);
	say("exit_group.main-survived", "yes");
}

static int reader_fd;

static void *blocked_reader(void *arg)
{
	char c;
	(void)arg;
	read(reader_fd, &c, 1);
	return 0;
}

/* exit_group while a thread is blocked in read(): the read ends and its
 * file goes with the process (the writer then gets EPIPE). */
static void exit_group_blocked_reader(void)
{
	int p[2];
	int st;
	pipe(p);
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		close(p[1]);
		reader_fd = p[0];
		pthread_t t;
		pthread_create(&t, 0, blocked_reader, 0);
		msleep(100);
		syscall(SYS_exit_group, 6);
	}
	close(p[0]);
	waitpid(c, &st, 0);
	say("exit_group.blocked-reader.status", "%s", status_text(st));
	T("exit_group.blocked-reader.write-after", write(p[1], "x", 1));
	close(p[1]);
}

static volatile uintptr_t bad_address = 8;

static void *segv(void *arg)
{
	(void)arg;
	msleep(100);
	*(volatile int *)bad_address = 1;
	return 0;
}

static void fault_in_thread(void)
{
	pthread_t t;
	pthread_create(&t, 0, segv, 0);
	msleep(3000);
	say("fault.main-survived", "yes");
}

static void *outlive_main(void *arg)
{
	pid_t pid = (pid_t)(intptr_t)arg;
	msleep(200);
	say("pthread_exit.main-gone-thread-runs", "getpid %s", getpid() == pid ? "unchanged" : "changed");
	fflush(stdout);
	exit(9);
	return 0;
}

static void main_pthread_exit(void)
{
	pthread_t t;
	pthread_create(&t, 0, outlive_main, (void *)(intptr_t)getpid());
	pthread_exit(0);
}

static void *raw_exit_last(void *arg)
{
	(void)arg;
	msleep(200);
	syscall(SYS_exit, 4);
	return 0;
}

static void raw_exits(void)
{
	pthread_t t;
	pthread_create(&t, 0, raw_exit_last, 0);
	/* main ends alone (not exit_group), then the last thread with 4. */
	syscall(SYS_exit, 0);
}

static char *self_path;

static void *exec_in_thread(void *arg)
{
	char pid[16];
	snprintf(pid, sizeof pid, "%d", (int)(intptr_t)arg);
	char *argv[] = { self_path, "exec-probe", pid, 0 };
	char *envp[] = { 0 };
	execve("/proc/self/exe", argv, envp);
	say("exec-from-thread", "-1 %s", ename(errno));
	exit(1);
	return 0;
}

static void exec_from_thread(void)
{
	pthread_t t;
	pthread_create(&t, 0, exec_in_thread, (void *)(intptr_t)getpid());
	msleep(5000);
	say("exec-from-thread.main-survived", "yes");
}

static void exec_probe(const char *old_pid)
{
	int has_self;
	say("exec-from-thread.pid", "%s", getpid() == atoi(old_pid) ? "the process's pid" : "another pid");
	say("exec-from-thread.tid", "%s", gettid_() == getpid() ? "equals pid" : "differs");
	say("exec-from-thread.tasks", "%d", count_tasks("/proc/self/task", &has_self));
	fflush(stdout);
	exit(0);
}

/* A robust list built by hand (struct robust_list_head), so that the
 * kernel's walk at thread exit is what is seen, not musl's own. */
static struct {
	void *next;
	long offset;
	void *pending;
} rhead;
static struct {
	void *next;
	volatile int lock;
} rentry;
static volatile pid_t robust_tid;

static void *robust_owner(void *arg)
{
	(void)arg;
	robust_tid = gettid_();
	rentry.next = &rhead;
	rentry.lock = robust_tid;
	rhead.next = &rentry;
	rhead.offset = (char *)&rentry.lock - (char *)&rentry;
	rhead.pending = 0;
	long r = syscall(SYS_set_robust_list, &rhead, sizeof rhead);
	say("set_robust_list.thread", "%s", rtext(r, errno));
	fflush(stdout);
	/* Dies "holding" the word, with the raw exit: no user-space walk. */
	syscall(SYS_exit, 0);
	return 0;
}

static void robust_list(void)
{
	pthread_t t;
	pthread_create(&t, 0, robust_owner, 0);
	msleep(300);
	int w = rentry.lock;
	say("robust-list.exit-walk", "%s, tid %s", w & 0x40000000 ? "FUTEX_OWNER_DIED set" : "not marked",
	    (w & 0x3fffffff) == robust_tid ? "kept" : "cleared");
	long head = -1;
	size_t len = 0;
	T("get_robust_list.self", syscall(SYS_get_robust_list, 0, &head, &len));
	say("get_robust_list.len", "%zu", len);
	T("get_robust_list.exited-thread", syscall(SYS_get_robust_list, robust_tid, &head, &len));
	T("set_robust_list.bad-len", syscall(SYS_set_robust_list, &rhead, 8));
}

static volatile pid_t forked_a, forked_b;
static volatile int release_forker;

static void *forker(void *arg)
{
	(void)arg;
	pid_t a = fork();
	if (a == 0)
		_exit(3);
	pid_t b = fork();
	if (b == 0)
		_exit(4);
	forked_b = b;
	forked_a = a;
	while (!release_forker)
		msleep(5);
	return 0;
}

#ifndef __WNOTHREAD
#define __WNOTHREAD 0x20000000
#endif

static void wait_child_of_thread(void)
{
	pthread_t t;
	int st = 0;
	pthread_create(&t, 0, forker, 0);
	while (!forked_a)
		msleep(5);
	msleep(100);
	T("wait4.wnothread-other-threads-child", waitpid(forked_a, &st, __WNOTHREAD | WNOHANG));
	pid_t r = waitpid(forked_a, &st, 0);
	say("wait4.child-forked-by-thread", "%s, %s", r == forked_a ? "reaped by main" : rtext(r, errno), status_text(st));
	release_forker = 1;
	pthread_join(t, 0);
	/* join returns at the CLEARTID wake, before the thread's children
	 * have passed to another thread (Linux's exit_notify comes later). */
	msleep(200);
	st = 0;
	r = waitpid(forked_b, &st, __WNOTHREAD);
	say("wait4.wnothread-after-creator-ended", "%s, %s", r == forked_b ? "reaped by main" : rtext(r, errno), status_text(st));
}

static void *spin_forever(void *arg)
{
	(void)arg;
	for (;;)
		msleep(1000);
	return 0;
}

static void stop_kill(void)
{
	int st = 0;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		pthread_t t[3];
		for (int i = 0; i < 3; i++)
			pthread_create(&t[i], 0, spin_forever, 0);
		for (;;)
			msleep(1000);
	}
	msleep(300);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)c);
	say("proc.child-threads", "%d", status_field(path, "Threads:"));
	kill(c, SIGSTOP);
	pid_t r = waitpid(c, &st, WUNTRACED);
	say("sigstop.threaded-child", "%s", r == c && WIFSTOPPED(st) ? "stopped" : status_text(st));
	kill(c, SIGCONT);
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	say("sigkill.threaded-child", "%s", status_text(st));
	T("wait4.after-reap", waitpid(c, 0, WNOHANG));
}

static long ms_of(struct timespec t) { return t.tv_sec * 1000L + t.tv_nsec / 1000000L; }

static void *sleepy(void *arg)
{
	struct timespec ts;
	msleep(400);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	*(long *)arg = ms_of(ts);
	return 0;
}

/* CPU-time clocks per thread: a sleeping thread's stays near 0 while main spins. */
static void cpu_clocks(void)
{
	long sleepy_ms = -1;
	pthread_t t;
	struct timespec a, b, c;
	pthread_create(&t, 0, sleepy, &sleepy_ms);
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while (ms_of(b) - ms_of(a) < 200);
	clockid_t cid;
	int r = pthread_getcpuclockid(t, &cid);
	int r2 = r ? -1 : clock_gettime(cid, &c);
	say("pthread_getcpuclockid.other-thread", "%d, clock_gettime %s, %s", r, r2 == 0 ? "0" : rtext(-1, errno),
	    r2 == 0 && ms_of(c) < 50 ? "< 50 ms" : "other");
	pthread_join(t, 0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	say("clock.thread-cputime.sleeping-thread", "%s", sleepy_ms >= 0 && sleepy_ms < 50 ? "< 50 ms" : "other");
	say("clock.thread-cputime.spinning-main", "%s", ms_of(a) >= 150 ? ">= 150 ms" : "less");
	say("clock.process-cputime", "%s", ms_of(b) >= ms_of(a) ? "at least main's thread clock" : "less");
}

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif

static volatile pid_t timer_hit_tid;
static volatile int callback_ran;
static volatile pid_t callback_tid;

static void on_timer(int s)
{
	(void)s;
	timer_hit_tid = gettid_();
}

static void timer_callback(union sigval v)
{
	(void)v;
	callback_tid = gettid_();
	callback_ran = 1;
}

/* POSIX timers aimed at a thread: SIGEV_THREAD_ID, and musl's SIGEV_THREAD
 * (a helper thread that waits for the signal). */
static void thread_timers(void)
{
	pthread_t t;
	timer_t id;
	struct sigevent ev;
	struct itimerspec its = { { 0, 0 }, { 0, 50 * 1000 * 1000 } };
	signal(SIGUSR1, on_timer);
	stop_thread = 0;
	sig_thread_tid = 0;
	pthread_create(&t, 0, sig_sleeper, 0);
	while (!sig_thread_tid)
		msleep(5);
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGUSR1;
	ev.sigev_notify_thread_id = sig_thread_tid;
	T("timer_create.sigev-thread-id", timer_create(CLOCK_MONOTONIC, &ev, &id));
	timer_settime(id, 0, &its, 0);
	msleep(300);
	say("timer.sigev-thread-id.handled-in", "%s", timer_hit_tid == sig_thread_tid ? "the target thread" : timer_hit_tid ? "another thread" : "nobody");
	timer_delete(id);
	ev.sigev_notify_thread_id = 999999;
	T("timer_create.sigev-thread-id-not-ours", timer_create(CLOCK_MONOTONIC, &ev, &id));
	stop_thread = 1;
	pthread_join(t, 0);
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = timer_callback;
	T("timer_create.sigev-thread", timer_create(CLOCK_MONOTONIC, &ev, &id));
	timer_settime(id, 0, &its, 0);
	for (int i = 0; i < 50 && !callback_ran; i++)
		msleep(10);
	say("timer.sigev-thread.callback", "%s", callback_ran ? (callback_tid != gettid_() ? "ran in another thread" : "ran in main") : "did not run");
	timer_delete(id);
}

static volatile int ping, pong_count;

static void *ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++) {
		while (ping == 0)
			sched_yield();
		ping = 0;
		pong_count++;
	}
	return 0;
}

static void yield_pingpong(void)
{
	pthread_t t;
	pthread_create(&t, 0, ponger, 0);
	for (int i = 0; i < 1000; i++) {
		ping = 1;
		while (ping == 1)
			sched_yield();
	}
	pthread_join(t, 0);
	say("sched_yield.ping-pong-1000", "%d handoffs", pong_count);
}

/* Stress: many short threads, and whole-process ends with many blocked threads. */
static void *short_worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	counter++;
	pthread_mutex_unlock(&lock);
	return 0;
}

static void *blocked_forever(void *arg)
{
	int kind = (int)(intptr_t)arg % 3;
	char c;
	if (kind == 0) {
		pthread_mutex_lock(&lock);
		while (!go)
			pthread_cond_wait(&cond, &lock);
		pthread_mutex_unlock(&lock);
	} else if (kind == 1) {
		for (;;)
			msleep(1000);
	} else {
		read(reader_fd, &c, 1);
	}
	return 0;
}

static void start_blocked(int n)
{
	int p[2];
	pipe(p);
	reader_fd = p[0];
	go = 0;
	for (int i = 0; i < n; i++) {
		pthread_t t;
		pthread_create(&t, 0, blocked_forever, (void *)(intptr_t)i);
	}
	msleep(200);
}

static void *exec_probe2_thread(void *arg)
{
	char *argv[] = { self_path, "exec-probe2", 0 };
	char *envp[] = { 0 };
	(void)arg;
	execve("/proc/self/exe", argv, envp);
	exit(1);
	return 0;
}

static void stress(void)
{
	int joined = 0, st;
	counter = 0;
	for (int round = 0; round < 20; round++) {
		pthread_t t[20];
		for (int i = 0; i < 20; i++)
			pthread_create(&t[i], 0, short_worker, 0);
		for (int i = 0; i < 20; i++)
			joined += pthread_join(t[i], 0) == 0;
	}
	say("stress.create-join-400", "%d joined, counter %d", joined, counter);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		start_blocked(48);
		syscall(SYS_exit_group, 5);
	}
	waitpid(c, &st, 0);
	say("stress.exit_group-48-blocked", "%s", status_text(st));
	fflush(stdout);
	c = fork();
	if (c == 0) {
		start_blocked(30);
		pthread_t t;
		pthread_create(&t, 0, exec_probe2_thread, 0);
		msleep(5000);
		_exit(1);
	}
	waitpid(c, &st, 0);
	say("stress.exec-with-30-blocked", "%s", status_text(st));
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "exec-probe"))
		exec_probe(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "exec-probe2")) {
		int has_self;
		say("stress.exec.tasks-after", "%d", count_tasks("/proc/self/task", &has_self));
		return 8;
	}
	self_path = argv[0];
	begin();
	sub("many-threads", many_threads, 30);
	sub("contention", contention, 30);
	sub("broadcast", broadcast, 10);
	sub("exit-detach-ids", exit_detach_ids, 10);
	sub("signals", signals, 15);
	sub("sharing", sharing, 10);
	sub("proc-task", proc_task, 10);
	sub("exit_group.from-thread", exit_from_thread, 10);
	sub("fault.in-thread", fault_in_thread, 10);
	sub("exit_group.blocked-reader", exit_group_blocked_reader, 10);
	sub("pthread_exit.from-main", main_pthread_exit, 10);
	sub("exit.last-thread-raw", raw_exits, 10);
	sub("exec-from-thread", exec_from_thread, 10);
	sub("robust", robust_list, 10);
	sub("fork-in-thread", wait_child_of_thread, 10);
	sub("stop-kill", stop_kill, 10);
	sub("yield", yield_pingpong, 30);
	sub("cpu-clocks", cpu_clocks, 10);
	sub("thread-timers", thread_timers, 10);
	sub("stress", stress, 60);
	return 0;
}
