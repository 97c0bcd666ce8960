#include <errno.h>
#include <stddef.h>
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
/* Past this many port ranges the filter is not worth its size: the whole table is listed. */
#define FILTER_MAX_RANGES 256
/* Per range: local port in [lo, hi] (GE 8 + LE 8 + accept 4), the same for the remote port. */
#define RANGE_BYTES 40

/* The request with its filter, built once per sweep. */
struct dump_msg {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 req;
	struct nlattr filter_attr;
	struct inet_diag_bc_op filter[FILTER_MAX_RANGES * RANGE_BYTES / 4 + 1];
};

static struct inet_diag_bc_op *op_port(struct inet_diag_bc_op *op, uint8_t code, uint16_t port,
				       uint16_t no)
{
	op[0] = (struct inet_diag_bc_op){.code = code, .yes = 8, .no = no};
	op[1] = (struct inet_diag_bc_op){.no = port};
	return op + 2;
}

/* A jump that leaves the program NO bytes further: to its end (accept) or 4 past it (reject). */
static struct inet_diag_bc_op *op_jump(struct inet_diag_bc_op *op, uint16_t no)
{
	op[0] = (struct inet_diag_bc_op){.code = INET_DIAG_BC_JMP, .yes = 4, .no = no};
	return op + 1;
}

/* inet_diag bytecode keeping the sockets whose local or remote port is traced, so a host with
 * tens of thousands of other sockets does not send them all up every sweep (the kernel walks
 * its table either way). The program runs a condition's `yes` to the next op and jumps by
 * `no`; ending exactly at the end accepts. Returns its length, 0 for no filter. */
static size_t filter_build(const struct port_set *ports, struct inet_diag_bc_op *bc)
{
	uint16_t lo[FILTER_MAX_RANGES], hi[FILTER_MAX_RANGES];
	struct inet_diag_bc_op *op = bc;
	size_t n = 0, len;

	if (!ports)
		return 0;
	for (uint32_t port = 1; port < PORT_SET_SIZE; port++) {
		if (!ports->traced[port])
			continue;
		if (n && hi[n - 1] + 1u == port) {
			hi[n - 1] = port;
			continue;
		}
		if (n == FILTER_MAX_RANGES)
			return 0;
		lo[n] = hi[n] = port;
		n++;
	}
	if (n == 0 || (n == 1 && lo[0] == 1 && hi[0] == PORT_SET_SIZE - 1))
		return 0;
	len = n * RANGE_BYTES + 4;
	for (size_t i = 0; i < n; i++) {
		size_t left = len - i * RANGE_BYTES; /* bytes from this range's first op */

		op = op_port(op, INET_DIAG_BC_S_GE, lo[i], 20);
		op = op_port(op, INET_DIAG_BC_S_LE, hi[i], 12);
		op = op_jump(op, left - 16);
		op = op_port(op, INET_DIAG_BC_D_GE, lo[i], 20);
		op = op_port(op, INET_DIAG_BC_D_LE, hi[i], 12);
		op = op_jump(op, left - 36);
	}
	op_jump(op, 8); /* no range held: reject */
	return len;
}

static int dump_request(int fd, uint8_t family, struct dump_msg *msg, size_t filter_len)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	size_t len = offsetof(struct dump_msg, filter_attr);

	msg->nlh = (struct nlmsghdr){.nlmsg_type = SOCK_DIAG_BY_FAMILY,
				     .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP};
	msg->req =
	    (struct inet_diag_req_v2){.sdiag_family = family,
				      .sdiag_protocol = IPPROTO_TCP,
				      .idiag_states = TCP_STATES_ALL & ~(1u << TCP_TIME_WAIT)};
	if (filter_len) {
		msg->filter_attr = (struct nlattr){.nla_len = NLA_HDRLEN + filter_len,
						   .nla_type = INET_DIAG_REQ_BYTECODE};
		len += NLA_HDRLEN + filter_len;
	}
	msg->nlh.nlmsg_len = len;
	if (sendto(fd, msg, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
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

int tcp_diag_sockets(const struct port_set *ports, tcp_diag_fn fn, void *ctx)
{
	static const uint8_t families[] = {AF_INET, AF_INET6};
	static struct dump_msg msg;
	size_t filter_len = filter_build(ports, msg.filter);
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
		err = dump_request(fd, families[i], &msg, filter_len);
		if (!err)
			err = dump_read(fd, fn, ctx);
	}
	close(fd);
	return err;
}
