/*
 * xt-cow: copy-on-write after fork (phase D). The child writes a global, a
 * heap buffer and a private anonymous mapping, reports what it sees through
 * a pipe, and exits; the parent must still see its own values. A MAP_SHARED
 * page is the control: the child's write to it must be visible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int global_value = 1;

int main(void)
{
	volatile int *heap = malloc(64 * 1024);
	volatile int *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fds[2];
	char buf[128];

	if (!heap || priv == MAP_FAILED || shared == MAP_FAILED || pipe(fds) != 0) {
		puts("xt-cow: setup failed");
		return 2;
	}
	*heap = 1;
	*priv = 1;
	*shared = 1;

	pid_t pid = fork();
	if (pid < 0) {
		puts("xt-cow: fork failed");
		return 2;
	}
	if (pid == 0) {
		global_value = 2;
		*heap = 2;
		*priv = 2;
		*shared = 2;
		int n = snprintf(buf, sizeof buf, "child: global=%d heap=%d private=%d shared=%d\n", global_value,
				 *heap, *priv, *shared);
		if (write(fds[1], buf, n) != n)
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	ssize_t n = read(fds[0], buf, sizeof buf - 1);
	int status = 0;
	waitpid(pid, &status, 0);
	if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		puts("xt-cow: the child failed");
		return 2;
	}
	buf[n] = 0;
	fputs(buf, stdout);
	printf("parent: global=%d heap=%d private=%d shared=%d\n", global_value, *heap, *priv, *shared);
	if (global_value != 1 || *heap != 1 || *priv != 1) {
		puts("xt-cow: FAIL: the child's write changed the parent's memory");
		return 1;
	}
	if (*shared != 2) {
		puts("xt-cow: FAIL: the MAP_SHARED control did not see the child's write");
		return 1;
	}
	puts("xt-cow: ok");
	return 0;
}
