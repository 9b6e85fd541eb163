/*
 * xt-tcpserve PORT COUNT: a TCP server for the net-load scenario. Listens
 * on PORT (backlog 128) and accepts COUNT connections, each served by a
 * child (as httpd and inetd do): it reads the request until the client
 * half-closes and answers `answer: <request>`. Prints `served N` when all
 * children are done (N: how many answered).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: xt-tcpserve PORT COUNT\n");
		return 2;
	}
	int port = atoi(argv[1]), count = atoi(argv[2]), one = 1;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 128) < 0) {
		perror("xt-tcpserve: listen");
		return 1;
	}
	int served = 0, children = 0;
	for (int i = 0; i < count; i++) {
		int c = accept(l, NULL, NULL);
		if (c < 0) {
			perror("xt-tcpserve: accept");
			continue;
		}
		pid_t pid = fork();
		if (pid == 0) {
			char req[512], reply[600];
			int n = 0, r;
			while (n < (int)sizeof req - 1 && (r = read(c, req + n, sizeof req - 1 - n)) > 0)
				n += r;
			req[n] = 0;
			int len = snprintf(reply, sizeof reply, "answer: %s", req);
			_exit(write(c, reply, len) == len ? 0 : 1);
		}
		close(c);
		if (pid > 0)
			children++;
		for (int st; children > 0 && waitpid(-1, &st, WNOHANG) > 0; children--)
			served += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	for (int st; children > 0; children--)
		if (wait(&st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			served++;
	printf("served %d\n", served);
	return 0;
}
