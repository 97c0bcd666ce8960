#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "tcp_diag.h"

#define TCP_STATES_ALL ((1u << (TCP_CLOSING + 1)) - 1)

static int dump_request(int fd, uint8_t family)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
	    .nlh = {.nlmsg_len = sizeof(msg),
		    .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		    .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
	    .req = {.sdiag_family = family,
		    .sdiag_protocol = IPPROTO_TCP,
		    .idiag_states = TCP_STATES_ALL & ~(1u << TCP_TIME_WAIT)},
	};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/* Reads the dump's replies up to NLMSG_DONE. */
static int dump_read(int fd, tcp_diag_fn fn, void *ctx)
{
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);

		if (len < 0)
			return errno == EINTR ? -EINTR : -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			const struct inet_diag_msg *diag = NLMSG_DATA(h);
			struct tcp_diag_sock sock;
			int rc;

			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return e->error ? e->error : -EPROTO;
			}
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*diag)))
				continue;
			sock.cookie = diag->id.idiag_cookie[0] | (uint64_t)diag->id.idiag_cookie[1]
								     << 32;
			sock.lport = ntohs(diag->id.idiag_sport);
			sock.rport = ntohs(diag->id.idiag_dport);
			if ((rc = fn(ctx, &sock)))
				return rc;
		}
	}
}

int tcp_diag_sockets(tcp_diag_fn fn, void *ctx)
{
	static const uint8_t families[] = {AF_INET, AF_INET6};
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int err = 0;

	/* the kernel answers a dump at once; never hang the live loop on it */
	const struct timeval wait = {.tv_sec = 1};

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait))) {
		err = -errno;
		close(fd);
		return err;
	}
	for (size_t i = 0; !err && i < sizeof(families); i++) {
		err = dump_request(fd, families[i]);
		if (!err)
			err = dump_read(fd, fn, ctx);
	}
	close(fd);
	return err;
}
