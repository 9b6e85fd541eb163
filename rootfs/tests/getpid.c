/*
 * xt-getpid [N]: syscall latency (phase E). N raw getpid system calls (no
 * libc caching); prints `METRIC getpid_ns=<n>` (ns per call).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	struct timespec a, b;
	long sum = 0;

	if (n <= 0) {
		puts("usage: xt-getpid [N]");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		sum += syscall(SYS_getpid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	if (sum != n * (long)getpid()) {
		puts("xt-getpid: getpid returned inconsistent values");
		return 1;
	}
	printf("xt-getpid: %ld calls in %.0f us\n", n, ns / 1e3);
	printf("METRIC getpid_ns=%.1f\n", ns / n);
	return 0;
}
