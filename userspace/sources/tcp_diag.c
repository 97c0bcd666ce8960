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

/* inet_diag_msg.idiag_timer of a timewait socket (inet_twsk_diag_fill); its idiag_state is
 * its substate, FIN_WAIT2 for an orphan whose FIN was acknowledged, not always TIME_WAIT. */
#define DIAG_TIMER_TIMEWAIT 3
/* Lookups sent at once: their replies (a socket's with its TCP info, about 1-3 KiB each in the
 * receive buffer) must all fit in the socket's default receive buffer, or the kernel drops
 * them. */
#define LOOKUP_BATCH 32

/* The socket a reply describes; false for a timewait socket. */
static bool sock_of_reply(const struct nlmsghdr *h, struct tcp_diag_sock *sock)
{
	const struct inet_diag_msg *diag = NLMSG_DATA(h);

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*diag)) || diag->idiag_timer == DIAG_TIMER_TIMEWAIT)
		return false;
	*sock = (struct tcp_diag_sock){
	    .cookie = diag->id.idiag_cookie[0] | (uint64_t)diag->id.idiag_cookie[1] << 32,
	    .ifindex = diag->id.idiag_if,
	    .family = diag->idiag_family,
	    .lport = ntohs(diag->id.idiag_sport),
	    .rport = ntohs(diag->id.idiag_dport),
	};
	memcpy(sock->laddr, diag->id.idiag_src, sizeof(sock->laddr));
	memcpy(sock->raddr, diag->id.idiag_dst, sizeof(sock->raddr));
	return true;
}

static int socket_open(void)
{
	/* the kernel answers at once; never hang the live loop on it */
	const struct timeval wait = {.tv_sec = 1};
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int err;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Receives one datagram of replies into buf; its length, or a negative errno. */
static ssize_t replies_recv(int fd, char *buf, size_t size)
{
	ssize_t len = recv(fd, buf, size, 0);

	return len < 0 ? -errno : len;
}

static char replies[32768] __attribute__((aligned(NLMSG_ALIGNTO)));

/* Reads the dump's replies up to NLMSG_DONE. */
static int dump_read(int fd, tcp_diag_fn fn, void *ctx)
{
	for (;;) {
		ssize_t len = replies_recv(fd, replies, sizeof(replies));

		if (len < 0)
			return (int)len;
		for (struct nlmsghdr *h = (struct nlmsghdr *)replies; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			struct tcp_diag_sock sock;
			int rc;

			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return e->error ? e->error : -EPROTO;
			}
			if (sock_of_reply(h, &sock) && (rc = fn(ctx, &sock)))
				return rc;
		}
	}
}

int tcp_diag_sockets(const struct port_set *ports, tcp_diag_fn fn, void *ctx)
{
	static const uint8_t families[] = {AF_INET, AF_INET6};
	static struct dump_msg msg;
	size_t filter_len = filter_build(ports, msg.filter);
	int fd = socket_open(), err = 0;

	if (fd < 0)
		return fd;
	for (size_t i = 0; !err && i < sizeof(families); i++) {
		err = dump_request(fd, families[i], &msg, filter_len);
		if (!err)
			err = dump_read(fd, fn, ctx);
	}
	close(fd);
	return err;
}

struct lookup_msg {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 req;
};

/* Sends the exact lookups of SOCKS[0..n), n <= LOOKUP_BATCH, in one datagram; the kernel
 * answers each in turn, with the socket or with an error (ENOENT: not there), under its
 * sequence number, the index. */
static int lookup_request(int fd, const struct tcp_diag_sock *socks, size_t n)
{
	static struct lookup_msg msgs[LOOKUP_BATCH];
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

	for (size_t i = 0; i < n; i++) {
		struct inet_diag_req_v2 *req = &msgs[i].req;

		msgs[i].nlh = (struct nlmsghdr){.nlmsg_len = sizeof(msgs[i]),
						.nlmsg_type = SOCK_DIAG_BY_FAMILY,
						.nlmsg_flags = NLM_F_REQUEST,
						.nlmsg_seq = i};
		*req = (struct inet_diag_req_v2){.sdiag_family = socks[i].family,
						 .sdiag_protocol = IPPROTO_TCP};
		req->id.idiag_sport = htons(socks[i].lport);
		req->id.idiag_dport = htons(socks[i].rport);
		memcpy(req->id.idiag_src, socks[i].laddr, sizeof(req->id.idiag_src));
		memcpy(req->id.idiag_dst, socks[i].raddr, sizeof(req->id.idiag_dst));
		req->id.idiag_if = socks[i].ifindex;
		req->id.idiag_cookie[0] = (uint32_t)socks[i].cookie;
		req->id.idiag_cookie[1] = (uint32_t)(socks[i].cookie >> 32);
	}
	_Static_assert(sizeof(struct lookup_msg) % NLMSG_ALIGNTO == 0, "requests are packed");
	if (sendto(fd, msgs, n * sizeof(msgs[0]), 0, (struct sockaddr *)&kernel, sizeof(kernel)) <
	    0)
		return -errno;
	return 0;
}

/* Reads the n answers of lookup_request. */
static int lookup_read(int fd, const struct tcp_diag_sock *socks, size_t n, bool *present)
{
	size_t answered = 0;

	while (answered < n) {
		ssize_t len = replies_recv(fd, replies, sizeof(replies));

		if (len < 0)
			return (int)len;
		for (struct nlmsghdr *h = (struct nlmsghdr *)replies; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			struct tcp_diag_sock sock;

			if (h->nlmsg_seq >= n)
				continue;
			answered++;
			/* an error (ENOENT, or no inet_diag in this kernel) is "not found" */
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY)
				present[h->nlmsg_seq] = sock_of_reply(h, &sock) &&
							sock.cookie == socks[h->nlmsg_seq].cookie;
		}
	}
	return 0;
}

int tcp_diag_lookup(const struct tcp_diag_sock *socks, size_t n, bool *present)
{
	int fd, err = 0;

	if (!n)
		return 0;
	if ((fd = socket_open()) < 0)
		return fd;
	memset(present, 0, n * sizeof(*present));
	for (size_t done = 0; !err && done < n; done += LOOKUP_BATCH) {
		size_t batch = n - done < LOOKUP_BATCH ? n - done : LOOKUP_BATCH;

		err = lookup_request(fd, socks + done, batch);
		if (!err)
			err = lookup_read(fd, socks + done, batch, present + done);
	}
	close(fd);
	return err;
}
