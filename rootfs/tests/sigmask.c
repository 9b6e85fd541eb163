/*
 * xt-sigmask: ppoll and pselect wait with the signal mask they are given.
 * A signal blocked before the call but let through by the call's mask
 * interrupts the wait (EINTR) and its handler runs; afterwards the old mask
 * is back. A signal the call's mask blocks stays pending through the wait.
 * One line per check; exit 0 only when every check held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/select.h>
#include <time.h>

static volatile sig_atomic_t handled;
static int failures;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static void check(const char *what, int ok)
{
	printf("xt-sigmask: %s: %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		failures++;
}

static int usr1_blocked(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, 0, &cur);
	return sigismember(&cur, SIGUSR1);
}

int main(void)
{
	sigset_t block_usr1, empty;
	struct timespec second = { 1, 0 };
	struct pollfd none = { .fd = -1 };
	signal(SIGUSR1, on_usr1);
	sigemptyset(&empty);
	sigemptyset(&block_usr1);
	sigaddset(&block_usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block_usr1, 0);

	raise(SIGUSR1);
	check("a blocked signal waits", handled == 0);
	errno = 0;
	int r = ppoll(&none, 1, &second, &empty);
	check("ppoll with an empty mask is interrupted (EINTR)", r == -1 && errno == EINTR);
	check("the handler ran during ppoll", handled == 1);
	check("the old mask is back after ppoll", usr1_blocked());

	raise(SIGUSR1);
	struct timespec short_wait = { 0, 100 * 1000 * 1000 };
	r = ppoll(&none, 1, &short_wait, &block_usr1);
	check("ppoll with the signal blocked times out (0)", r == 0 && handled == 1);

	errno = 0;
	r = pselect(0, 0, 0, 0, &second, &empty);
	check("pselect with an empty mask is interrupted (EINTR)", r == -1 && errno == EINTR);
	check("the handler ran during pselect", handled == 2);
	check("the old mask is back after pselect", usr1_blocked());

	printf("xt-sigmask: %s\n", failures ? "FAILED" : "all checks passed");
	return failures ? 1 : 0;
}
