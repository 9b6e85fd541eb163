/*
 * xt-conf-inet: AF_INET, AF_PACKET and NETLINK_ROUTE sockets held to Linux
 * (issue 12). Everything runs over lo (127.0.0.1) so that no interface
 * needs configuring; eth0 is only looked up (index, hardware type). One
 * line per check (conf.h); each area runs in a child with a deadline.
 */
#include "conf.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

static struct sockaddr_in lo_addr(int port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof a;
	if (getsockname(fd, (struct sockaddr *)&a, &l) < 0)
		return -1;
	return ntohs(a.sin_port);
}

static int geti(int fd, int level, int name)
{
	int v = -1;
	socklen_t l = sizeof v;
	if (getsockopt(fd, level, name, &v, &l) < 0)
		return -errno;
	return v;
}

static int seti(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof v);
}

/* A listening socket on 127.0.0.1 (ephemeral port). */
static int listener(int backlog)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo_addr(0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, backlog) < 0)
		return -1;
	return s;
}

static int connect_to(int port)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo_addr(port);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) < 0)
		return -1;
	return c;
}

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static void creation(void)
{
	T("socket.inet6", socket(AF_INET6, SOCK_STREAM, 0));
	T("socket.dgram-tcp", socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
	T("socket.stream-udp", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	T("socket.seqpacket", socket(AF_INET, SOCK_SEQPACKET, 0));
	int s = socket(AF_INET, SOCK_STREAM, 0);
	say("socket.stream", "%s", s >= 0 ? "ok" : ename(errno));
	say("so_type", "%d", geti(s, SOL_SOCKET, SO_TYPE));
	say("so_protocol", "%d", geti(s, SOL_SOCKET, SO_PROTOCOL));
	say("so_domain", "%d", geti(s, SOL_SOCKET, SO_DOMAIN));
	say("so_error.fresh", "%d", geti(s, SOL_SOCKET, SO_ERROR));
	say("tcp_nodelay.default", "%d", geti(s, IPPROTO_TCP, TCP_NODELAY));
	T("tcp_nodelay.set", seti(s, IPPROTO_TCP, TCP_NODELAY, 1));
	say("tcp_nodelay.get", "%d", geti(s, IPPROTO_TCP, TCP_NODELAY));
	T("so_reuseaddr.set", seti(s, SOL_SOCKET, SO_REUSEADDR, 1));
	say("so_reuseaddr.get", "%d", geti(s, SOL_SOCKET, SO_REUSEADDR));
	T("so_bindtodevice.unknown", setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "nosuch0", 8));
	T("so_bindtodevice.lo", setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3));
	char dev[IFNAMSIZ] = "";
	socklen_t dl = sizeof dev;
	T("so_bindtodevice.get", getsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, dev, &dl));
	say("so_bindtodevice.value", "%s", dev);
	T("so_bindtodevice.clear", setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "", 1));
	struct sockaddr_in peer;
	socklen_t pl = sizeof peer;
	T("getpeername.unconnected", getpeername(s, (struct sockaddr *)&peer, &pl));
	T("send.unconnected", send(s, "x", 1, MSG_NOSIGNAL));
	close(s);
}

static void binding(void)
{
	int a = socket(AF_INET, SOCK_STREAM, 0), b = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in any = lo_addr(0);
	T("bind.lo-any-port", bind(a, (struct sockaddr *)&any, sizeof any));
	int port = port_of(a);
	say("bind.port-assigned", "%s", yesno(port > 0));
	T("bind.twice", bind(a, (struct sockaddr *)&any, sizeof any));
	struct sockaddr_in same = lo_addr(port);
	T("bind.in-use", bind(b, (struct sockaddr *)&same, sizeof same));
	struct sockaddr_in far = lo_addr(0);
	far.sin_addr.s_addr = inet_addr("10.9.9.9");
	int c = socket(AF_INET, SOCK_STREAM, 0);
	T("bind.not-local", bind(c, (struct sockaddr *)&far, sizeof far));
	T("bind.short", bind(c, (struct sockaddr *)&far, 4));
	struct sockaddr_in6_like { unsigned short f; char pad[26]; } six = { AF_INET6, {0} };
	T("bind.wrong-family", bind(c, (struct sockaddr *)&six, sizeof six));
	close(a);
	close(b);
	close(c);
	/* SO_REUSEADDR on both, neither listening: allowed. */
	a = socket(AF_INET, SOCK_STREAM, 0);
	b = socket(AF_INET, SOCK_STREAM, 0);
	seti(a, SOL_SOCKET, SO_REUSEADDR, 1);
	seti(b, SOL_SOCKET, SO_REUSEADDR, 1);
	bind(a, (struct sockaddr *)&any, sizeof any);
	same = lo_addr(port_of(a));
	T("bind.reuseaddr-both", bind(b, (struct sockaddr *)&same, sizeof same));
	T("listen.first", listen(a, 4));
	say("so_acceptconn", "%d", geti(a, SOL_SOCKET, SO_ACCEPTCONN));
	close(a);
	close(b);
}

static void stream(void)
{
	int l = listener(8);
	int port = port_of(l);
	fcntl(l, F_SETFL, O_NONBLOCK);
	T("accept.empty-nonblock", accept(l, NULL, NULL));
	fcntl(l, F_SETFL, 0);
	int c = connect_to(port);
	say("connect.blocking", "%s", c >= 0 ? "0" : ename(errno));
	struct sockaddr_in pa;
	socklen_t pl = sizeof pa;
	int s = accept(l, (struct sockaddr *)&pa, &pl);
	say("accept", "%s", s >= 0 ? "ok" : ename(errno));
	say("accept.peer-is-client", "%s", yesno(ntohs(pa.sin_port) == port_of(c) && pa.sin_addr.s_addr == htonl(INADDR_LOOPBACK)));
	say("accept.addrlen", "%d", (int)pl);
	struct sockaddr_in gp;
	socklen_t gl = sizeof gp;
	getpeername(c, (struct sockaddr *)&gp, &gl);
	say("getpeername.is-server", "%s", yesno(ntohs(gp.sin_port) == port));
	T("connect.again", connect(c, (struct sockaddr *)&gp, sizeof gp));
	T("send", send(c, "hello", 5, 0));
	say("poll.data-arrives", "%s", yesno(readable(s, 2000)));
	int n = -1;
	T("fionread", ioctl(s, FIONREAD, &n));
	say("fionread.value", "%d", n);
	char buf[64];
	T("recv.peek", recv(s, buf, sizeof buf, MSG_PEEK));
	T("recv", recv(s, buf, sizeof buf, 0));
	T("recv.dontwait-empty", recv(s, buf, sizeof buf, MSG_DONTWAIT));
	T("shutdown.wr", shutdown(c, SHUT_WR));
	say("poll.after-peer-fin", "%s", yesno(readable(s, 2000)));
	T("recv.eof", recv(s, buf, sizeof buf, 0));
	T("send.after-shutdown", send(c, "x", 1, MSG_NOSIGNAL));
	T("send.to-half-closed-peer", send(s, "bye", 3, MSG_NOSIGNAL));
	say("poll.client-reads-bye", "%s", yesno(readable(c, 2000)));
	T("recv.bye", recv(c, buf, sizeof buf, 0));
	T("shutdown.bad-how", shutdown(c, 7));
	close(s);
	close(c);
	/* SO_RCVTIMEO */
	c = connect_to(port);
	s = accept(l, NULL, NULL);
	struct timeval tv = { 0, 200000 };
	T("so_rcvtimeo.set", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	T("recv.timeout", recv(s, buf, sizeof buf, 0));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	say("recv.timeout-waited", "%s", yesno(ms >= 150 && ms < 2000));
	close(s);
	close(c);
	close(l);
}

static void backlog(void)
{
	int l = listener(16);
	int port = port_of(l);
	int c[12], ok = 0;
	for (int i = 0; i < 12; i++) {
		c[i] = connect_to(port);
		ok += c[i] >= 0;
	}
	say("backlog.connected-before-accept", "%d", ok);
	int got = 0;
	fcntl(l, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 12; i++) {
		struct pollfd p = { .fd = l, .events = POLLIN };
		poll(&p, 1, 2000);
		int s = accept(l, NULL, NULL);
		if (s >= 0) {
			char b = 'a' + i;
			got += send(s, &b, 1, 0) == 1;
			close(s);
		}
	}
	say("backlog.accepted", "%d", got);
	int answered = 0;
	for (int i = 0; i < 12; i++) {
		char b = 0;
		if (readable(c[i], 2000) && recv(c[i], &b, 1, 0) == 1)
			answered++;
		close(c[i]);
	}
	say("backlog.answered", "%d", answered);
	close(l);
}

static void nonblocking(void)
{
	int l = listener(4);
	int port = port_of(l);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = lo_addr(port);
	int r = connect(c, (struct sockaddr *)&a, sizeof a);
	say("connect.nonblock", "%s", r == 0 || errno == EINPROGRESS ? "0 or EINPROGRESS" : ename(errno));
	struct pollfd p = { .fd = c, .events = POLLOUT };
	poll(&p, 1, 2000);
	say("connect.nonblock-writable", "%s", yesno(p.revents & POLLOUT));
	say("connect.nonblock-so_error", "%d", geti(c, SOL_SOCKET, SO_ERROR));
	close(c);
	close(l);
	/* A port nobody listens on: refused. */
	int d = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in closed = lo_addr(port);
	T("connect.refused", connect(d, (struct sockaddr *)&closed, sizeof closed));
	close(d);
	d = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(d, (struct sockaddr *)&closed, sizeof closed);
	say("connect.refused-nonblock", "%s", r == 0 ? "0" : (errno == EINPROGRESS || errno == ECONNREFUSED) ? "EINPROGRESS or ECONNREFUSED" : ename(errno));
	p.fd = d;
	p.events = POLLOUT;
	p.revents = 0;
	poll(&p, 1, 2000);
	say("connect.refused-poll", "%s", (p.revents & (POLLERR | POLLHUP)) ? "error" : "no error");
	say("connect.refused-so_error", "%s", r < 0 && errno == ECONNREFUSED ? "ECONNREFUSED" : ename(geti(d, SOL_SOCKET, SO_ERROR)));
	close(d);
}

static void datagram(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in la = lo_addr(0);
	T("udp.bind", bind(a, (struct sockaddr *)&la, sizeof la));
	struct sockaddr_in to = lo_addr(port_of(a));
	T("udp.sendto", sendto(b, "datagram", 8, 0, (struct sockaddr *)&to, sizeof to));
	say("udp.readable", "%s", yesno(readable(a, 2000)));
	int n = -1;
	T("udp.fionread", ioctl(a, FIONREAD, &n));
	say("udp.fionread-value", "%d", n);
	char buf[64];
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	T("udp.recvfrom-trunc", recvfrom(a, buf, 4, MSG_TRUNC, (struct sockaddr *)&from, &fl));
	say("udp.from-is-sender", "%s", yesno(ntohs(from.sin_port) == port_of(b) && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK)));
	T("udp.recv-empty", recv(a, buf, sizeof buf, MSG_DONTWAIT));
	T("udp.send-unconnected", send(b, "x", 1, 0));
	T("udp.connect", connect(b, (struct sockaddr *)&to, sizeof to));
	T("udp.send-connected", send(b, "two", 3, 0));
	readable(a, 2000);
	T("udp.recv", recv(a, buf, sizeof buf, 0));
	struct sockaddr_in bc = lo_addr(9);
	bc.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	T("udp.broadcast-without-so_broadcast", sendto(a, "b", 1, 0, (struct sockaddr *)&bc, sizeof bc));
	T("so_broadcast.set", seti(a, SOL_SOCKET, SO_BROADCAST, 1));
	say("so_broadcast.get", "%d", geti(a, SOL_SOCKET, SO_BROADCAST));
	/* A connected socket drops datagrams from others that arrive after
	 * the connect; one queued before it stays readable. */
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	sendto(c, "stranger", 8, 0, (struct sockaddr *)&to, sizeof to);
	struct sockaddr_in bto = lo_addr(port_of(b));
	usleep(100000);
	T("udp.connect-back", connect(a, (struct sockaddr *)&bto, sizeof bto));
	T("udp.recv-queued-before-connect", recv(a, buf, sizeof buf, MSG_DONTWAIT));
	sendto(c, "stranger", 8, 0, (struct sockaddr *)&to, sizeof to);
	usleep(100000);
	say("udp.stranger-after-connect-readable", "%s", yesno(readable(a, 100)));
	T("udp.recv-stranger-after-connect", recv(a, buf, sizeof buf, MSG_DONTWAIT));
	T("udp.send-peer", send(b, "peer", 4, 0));
	readable(a, 2000);
	T("udp.recv-peer-after-connect", recv(a, buf, sizeof buf, MSG_DONTWAIT));
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	T("udp.disconnect", connect(a, &unspec, sizeof unspec));
	close(a);
	close(b);
	close(c);
}

static void raw_icmp(void)
{
	int r = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	say("raw.icmp", "%s", r >= 0 ? "ok" : ename(errno));
	unsigned char req[16] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1, 'x', 't', 'c', 'o', 'n', 'f', 0, 0 };
	unsigned sum = 0;
	for (int i = 0; i < 16; i += 2)
		sum += (req[i] << 8) | req[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	req[2] = sum >> 8;
	req[3] = sum & 0xff;
	struct sockaddr_in to = lo_addr(0);
	T("raw.sendto", sendto(r, req, sizeof req, 0, (struct sockaddr *)&to, sizeof to));
	int reply = 0, ihl_ok = 0;
	for (int i = 0; i < 4 && !reply; i++) {
		unsigned char buf[256];
		if (!readable(r, 2000))
			break;
		int n = recv(r, buf, sizeof buf, 0);
		if (n >= 20 + 8 && (buf[0] >> 4) == 4) {
			int ihl = (buf[0] & 15) * 4;
			ihl_ok = ihl == 20 && buf[9] == IPPROTO_ICMP;
			if (buf[ihl] == 0 && buf[ihl + 4] == 0x12)
				reply = 1;
		}
	}
	say("raw.reply-with-ip-header", "%s", yesno(reply && ihl_ok));
	close(r);
	T("raw.udp-proto", (r = socket(AF_INET, SOCK_RAW, IPPROTO_RAW)) >= 0 ? 0 : -1);
	close(r);
}

static void ifreqs(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	T("siocgifindex.lo", ioctl(s, SIOCGIFINDEX, &ifr));
	say("siocgifindex.lo-value", "%d", ifr.ifr_ifindex);
	T("siocgifflags.lo", ioctl(s, SIOCGIFFLAGS, &ifr));
	say("siocgifflags.lo-up-loopback", "%s", yesno((ifr.ifr_flags & (IFF_UP | IFF_LOOPBACK)) == (IFF_UP | IFF_LOOPBACK)));
	T("siocgifmtu.lo", ioctl(s, SIOCGIFMTU, &ifr));
	say("siocgifmtu.lo-value", "%d", ifr.ifr_mtu);
	T("siocgifaddr.lo", ioctl(s, SIOCGIFADDR, &ifr));
	say("siocgifaddr.lo-value", "%s", inet_ntoa(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr));
	T("siocgifnetmask.lo", ioctl(s, SIOCGIFNETMASK, &ifr));
	say("siocgifnetmask.lo-value", "%s", inet_ntoa(((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr));
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "eth0");
	T("siocgifindex.eth0", ioctl(s, SIOCGIFINDEX, &ifr));
	say("siocgifindex.eth0-value", "%d", ifr.ifr_ifindex);
	T("siocgifhwaddr.eth0", ioctl(s, SIOCGIFHWADDR, &ifr));
	say("siocgifhwaddr.eth0-family", "%d", ifr.ifr_hwaddr.sa_family);
	T("siocgifmtu.eth0", ioctl(s, SIOCGIFMTU, &ifr));
	say("siocgifmtu.eth0-value", "%d", ifr.ifr_mtu);
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_ifindex = 1;
	T("siocgifname.1", ioctl(s, SIOCGIFNAME, &ifr));
	say("siocgifname.1-value", "%s", ifr.ifr_name);
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "nosuch0");
	T("siocgifindex.unknown", ioctl(s, SIOCGIFINDEX, &ifr));
	struct ifconf ifc = { .ifc_len = 0, .ifc_buf = NULL };
	T("siocgifconf.size", ioctl(s, SIOCGIFCONF, &ifc));
	say("siocgifconf.size-value", "%d", ifc.ifc_len);
	struct ifreq list[8];
	ifc.ifc_len = sizeof list;
	ifc.ifc_req = list;
	T("siocgifconf", ioctl(s, SIOCGIFCONF, &ifc));
	say("siocgifconf.first", "%s", ifc.ifc_len >= (int)sizeof(struct ifreq) ? list[0].ifr_name : "none");
	T("ioctl.unknown", ioctl(s, 0x89ff, &ifr));
	close(s);
}

static void netlink(void)
{
	T("netlink.bad-protocol", socket(AF_NETLINK, SOCK_RAW, 99));
	int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	say("netlink.route", "%s", s >= 0 ? "ok" : ename(errno));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	T("netlink.bind", bind(s, (struct sockaddr *)&sa, sizeof sa));
	socklen_t l = sizeof sa;
	T("netlink.getsockname", getsockname(s, (struct sockaddr *)&sa, &l));
	say("netlink.getsockname-family", "%d", sa.nl_family);
	say("netlink.getsockname-len", "%d", (int)l);
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
		char pad[3];
	} req = { { sizeof req - 3, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1, 0 }, { AF_UNSPEC }, {0} };
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	T("netlink.send-dump", sendto(s, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel));
	int links = 0, done = 0, has_lo = 0;
	char buf[8192];
	while (!done) {
		int n = recv(s, buf, sizeof buf, 0);
		if (n <= 0)
			break;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == RTM_NEWLINK) {
				struct ifinfomsg *ifi = NLMSG_DATA(h);
				links++;
				has_lo |= ifi->ifi_index == 1 && (ifi->ifi_flags & IFF_LOOPBACK);
			}
		}
	}
	say("netlink.dump-links", "%d", links);
	say("netlink.dump-done", "%s", yesno(done));
	say("netlink.lo-is-1", "%s", yesno(has_lo));
	/* Deleting a route that is not there: ESRCH in an NLMSG_ERROR. */
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
	} del = { { sizeof del, RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, 2, 0 }, { AF_INET, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0 } };
	del.r.rtm_dst_len = 32;
	T("netlink.send-delroute", send(s, &del, sizeof del, 0));
	int n = recv(s, buf, sizeof buf, 0);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	if (n >= (int)NLMSG_LENGTH(sizeof(struct nlmsgerr)) && h->nlmsg_type == NLMSG_ERROR)
		say("netlink.delroute-error", "%s", ename(-((struct nlmsgerr *)NLMSG_DATA(h))->error));
	else
		say("netlink.delroute-error", "no NLMSG_ERROR (%d)", n);
	close(s);
}

static void packet(void)
{
	int p = socket(AF_PACKET, SOCK_DGRAM, htons(0x0800));
	say("packet.dgram", "%s", p >= 0 ? "ok" : ename(errno));
	close(p);
	T("packet.stream", socket(AF_PACKET, SOCK_STREAM, 0));
}

static void procnet(void)
{
	char buf[4096];
	int fd = open("/proc/net/dev", O_RDONLY);
	int n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	buf[n > 0 ? n : 0] = 0;
	say("proc.net.dev-lo", "%s", yesno(strstr(buf, "    lo:") != NULL));
	say("proc.net.dev-eth0", "%s", yesno(strstr(buf, "  eth0:") != NULL));
	close(fd);
	fd = open("/proc/net/route", O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	buf[n > 0 ? n : 0] = 0;
	say("proc.net.route-header", "%s", yesno(strncmp(buf, "Iface\tDestination\tGateway", 25) == 0));
	close(fd);
	fd = open("/proc/net/tcp", O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	buf[n > 0 ? n : 0] = 0;
	say("proc.net.tcp-header", "%s", yesno(strstr(buf, "local_address rem_address") != NULL));
	close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	sub("creation", creation, 10);
	sub("binding", binding, 10);
	sub("stream", stream, 20);
	sub("backlog", backlog, 30);
	sub("nonblocking", nonblocking, 20);
	sub("datagram", datagram, 10);
	sub("raw", raw_icmp, 10);
	sub("ifreq", ifreqs, 10);
	sub("netlink", netlink, 10);
	sub("packet", packet, 10);
	sub("procnet", procnet, 10);
	return 0;
}
