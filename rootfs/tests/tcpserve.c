/*
 * xt-tcpserve PORT COUNT: a TCP server for the net-load scenario. Listens
 * on PORT (backlog 128), then for COUNT connections in turn reads the
 * request until the client half-closes and answers `answer: <request>`;
 * prints `served N` when done (N is how many got their answer).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
	int served = 0;
	for (int i = 0; i < count; i++) {
		int c = accept(l, NULL, NULL);
		if (c < 0) {
			perror("xt-tcpserve: accept");
			continue;
		}
		char req[512], reply[600];
		int n = 0, r;
		while (n < (int)sizeof req - 1 && (r = read(c, req + n, sizeof req - 1 - n)) > 0)
			n += r;
		req[n] = 0;
		int len = snprintf(reply, sizeof reply, "answer: %s", req);
		if (write(c, reply, len) == len)
			served++;
		close(c);
	}
	printf("served %d\n", served);
	return 0;
}
