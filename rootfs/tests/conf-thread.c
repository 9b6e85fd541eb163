/*
 * xt-conf-thread: threads against Linux (output contract in conf.h):
 * musl pthread_create/pthread_join (CLONE_VM|CLONE_THREAD with TLS,
 * set_tid_address and the clear-child-tid wake), thread ids, shared
 * memory, thread-local storage, mutexes and condition variables over
 * futex, tgkill to one thread, exit of one thread vs exit_group, and
 * futex's own error cases.
 */
#include "conf.h"

/* From <linux/futex.h>, spelled out so the program needs no kernel headers. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_PRIVATE 128
#include <pthread.h>
#include <stdint.h>

static __thread int tls_value = 1;
static int shared_value;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready;
static volatile pid_t worker_tid;
static volatile sig_atomic_t usr1_in_worker;

static void *worker(void *arg)
{
	worker_tid = syscall(SYS_gettid);
	tls_value = 2;
	shared_value = 42;
	return (char *)arg + 1;
}

static void *counter(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000; i++) {
		pthread_mutex_lock(&lock);
		shared_value++;
		pthread_mutex_unlock(&lock);
	}
	return 0;
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!ready)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return (void *)7;
}

static void on_usr1(int s)
{
	(void)s;
	usr1_in_worker = syscall(SYS_gettid) == worker_tid;
}

static void *sleeper(void *arg)
{
	(void)arg;
	worker_tid = syscall(SYS_gettid);
	msleep(500);
	return 0;
}

static void *exit_group_thread(void *arg)
{
	(void)arg;
	msleep(100);
	syscall(SYS_exit_group, 23);
	return 0;
}

static void create_join(void)
{
	pthread_t t;
	static char base[4];
	int r = pthread_create(&t, 0, worker, base);
	say("pthread_create", "%s", r == 0 ? "0" : rtext(-1, r));
	if (r)
		return;
	void *ret = 0;
	r = pthread_join(t, &ret);
	say("pthread_join", "%s", r == 0 ? "0" : rtext(-1, r));
	say("pthread_join.value", "%s", ret == base + 1 ? "returned pointer" : "other");
	say("thread.tid", "%s", worker_tid != getpid() && worker_tid > 0 ? "differs from pid" : "same as pid");
	say("thread.shared-memory", "%d", shared_value);
	say("thread.tls-own-copy", "main still %d", tls_value);
	shared_value = 0;
	pthread_t a, b;
	pthread_create(&a, 0, counter, 0);
	pthread_create(&b, 0, counter, 0);
	pthread_join(a, 0);
	pthread_join(b, 0);
	say("pthread_mutex.two-threads-10000-each", "%d", shared_value);
	pthread_t w;
	pthread_create(&w, 0, waiter, 0);
	msleep(100);
	pthread_mutex_lock(&lock);
	ready = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	ret = 0;
	pthread_join(w, &ret);
	say("pthread_cond.signal-wakes-waiter", "%s", ret == (void *)7 ? "yes" : "no");
	signal(SIGUSR1, on_usr1);
	pthread_t s;
	worker_tid = 0;
	pthread_create(&s, 0, sleeper, 0);
	while (!worker_tid)
		msleep(10);
	T("tgkill.to-thread", syscall(SYS_tgkill, getpid(), worker_tid, SIGUSR1));
	msleep(100);
	say("tgkill.to-thread.handled-in-thread", "%s", yesno(usr1_in_worker));
	T("tgkill.thread-with-wrong-tgid", syscall(SYS_tgkill, getppid(), worker_tid, 0));
	pthread_join(s, 0);
	/* join returns at the CLEARTID wake, a moment before the thread is gone. */
	msleep(300);
	T("tgkill.joined-thread", syscall(SYS_tgkill, getpid(), worker_tid, 0));
}

static void exit_group_case(void)
{
	pthread_t t;
	if (pthread_create(&t, 0, exit_group_thread, 0) == 0) {
		msleep(2000);
		say("exit_group.from-thread", "main thread still running");
	} else {
		say("exit_group.from-thread", "pthread_create failed");
	}
}

static void futex_cases(void)
{
	static int word = 1;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	T("futex.wait-value-differs", syscall(SYS_futex, &word, FUTEX_WAIT, 0, &ts, 0, 0));
	T("futex.wait-timeout", syscall(SYS_futex, &word, FUTEX_WAIT, 1, &ts, 0, 0));
	T("futex.wake-nobody", syscall(SYS_futex, &word, FUTEX_WAKE, 1, 0, 0, 0));
	T("futex.wait-private-timeout", syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, &ts, 0, 0));
	T("futex.unaligned", syscall(SYS_futex, (char *)&word + 1, FUTEX_WAIT, 1, &ts, 0, 0));
	T("futex.bad-pointer", syscall(SYS_futex, (void *)8, FUTEX_WAIT, 1, &ts, 0, 0));
	T("futex.bad-op", syscall(SYS_futex, &word, 99, 1, 0, 0, 0));
	struct timespec bad = { 0, 2000000000 };
	T("futex.bad-timeout", syscall(SYS_futex, &word, FUTEX_WAIT, 1, &bad, 0, 0));
	T("set_robust_list", syscall(SYS_set_robust_list, (void *)0, 24));
	T("set_robust_list.bad-size", syscall(SYS_set_robust_list, (void *)0, 1));
}

int main(void)
{
	begin();
	sub("pthreads", create_join, 15);
	sub("exit-group-thread", exit_group_case, 10);
	sub("futex", futex_cases, 10);
	return 0;
}
