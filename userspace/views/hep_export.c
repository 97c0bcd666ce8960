#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "explain_print.h"
#include "hep_encode.h"
#include "hep_export.h"

#define HEP_TCP_QUEUE_BYTES (1 << 20)
#define HEP_RECONNECT_NS    1000000000LL
#define HEP_CLOSE_WAIT_MS   1000

struct hep_export {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	bool tcp;
	int fd;		 /* -1: not connected (TCP: reconnected when due) */
	bool connecting; /* TCP: a non-blocking connect() is under way */
	int64_t reconnect_ns;
	uint32_t capture_id;
	char *capture_name;
	/* TCP: encoded packets not yet taken by the socket */
	uint8_t *queue;
	size_t queued, queued_packets;
	struct hep_export_counts counts;
	uint8_t packet[HEP_MAX_PACKET];
};

static int64_t monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
}

/* [udp:|tcp:]HOST:PORT into the transport and an address. */
static int target_resolve(struct hep_export *hep, const char *target, char *why, size_t why_len)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC}, *found = NULL;
	char host[256];
	const char *port, *rest = target;
	size_t host_len;
	int rc;

	if (!strncmp(rest, "tcp:", 4) || !strncmp(rest, "udp:", 4)) {
		hep->tcp = rest[0] == 't';
		rest += 4;
	}
	port = strrchr(rest, ':');
	if (!port || port == rest || !port[1]) {
		snprintf(why, why_len, "bad --hep '%s' (want [udp:|tcp:]HOST:PORT)", target);
		return -EINVAL;
	}
	host_len = (size_t)(port - rest);
	if (rest[0] == '[' && host_len >= 2 && rest[host_len - 1] == ']') {
		rest++;
		host_len -= 2;
	}
	if (host_len >= sizeof(host)) {
		snprintf(why, why_len, "bad --hep '%s': host name too long", target);
		return -EINVAL;
	}
	memcpy(host, rest, host_len);
	host[host_len] = '\0';
	hints.ai_socktype = hep->tcp ? SOCK_STREAM : SOCK_DGRAM;
	rc = getaddrinfo(host, port + 1, &hints, &found);
	if (rc) {
		snprintf(why, why_len, "--hep '%s': %s", target, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(&hep->addr, found->ai_addr, found->ai_addrlen);
	hep->addr_len = found->ai_addrlen;
	freeaddrinfo(found);
	return 0;
}

static void drop_connection(struct hep_export *hep)
{
	if (hep->fd >= 0)
		close(hep->fd);
	hep->fd = -1;
	hep->connecting = false;
	hep->reconnect_ns = monotonic_ns() + HEP_RECONNECT_NS;
	/* what was queued cannot arrive whole on the next connection */
	hep->counts.unsent += hep->queued_packets;
	hep->queued = hep->queued_packets = 0;
}

static int socket_open(struct hep_export *hep)
{
	int type = (hep->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;

	hep->fd = socket(hep->addr.ss_family, type, 0);
	if (hep->fd < 0)
		return -errno;
	if (!connect(hep->fd, (struct sockaddr *)&hep->addr, hep->addr_len))
		return 0;
	if (hep->tcp && errno == EINPROGRESS) {
		hep->connecting = true;
		return 0;
	}
	return -errno;
}

/* TCP: a connection under way is checked without waiting; a lost one is retried when due. */
static bool tcp_ready(struct hep_export *hep)
{
	struct pollfd pfd;
	int so_error = 0;
	socklen_t len = sizeof(so_error);

	if (hep->fd < 0) {
		if (monotonic_ns() < hep->reconnect_ns)
			return false;
		if (socket_open(hep)) {
			drop_connection(hep);
			return false;
		}
	}
	if (!hep->connecting)
		return true;
	pfd = (struct pollfd){hep->fd, POLLOUT, 0};
	if (poll(&pfd, 1, 0) <= 0)
		return false;
	if (getsockopt(hep->fd, SOL_SOCKET, SO_ERROR, &so_error, &len) || so_error) {
		drop_connection(hep);
		return false;
	}
	hep->connecting = false;
	return true;
}

void hep_export_flush(struct hep_export *hep)
{
	size_t done = 0;

	if (!hep || !hep->tcp || !hep->queued || !tcp_ready(hep))
		return;
	while (done < hep->queued) {
		ssize_t n = send(hep->fd, hep->queue + done, hep->queued - done,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			drop_connection(hep);
			return;
		}
		done += (size_t)n;
	}
	memmove(hep->queue, hep->queue + done, hep->queued - done);
	hep->queued -= done;
	if (!hep->queued) {
		hep->counts.sent += hep->queued_packets;
		hep->queued_packets = 0;
	}
}

static void send_packet(struct hep_export *hep, const struct hep_packet *pkt)
{
	size_t len = hep_encode(pkt, hep->packet, sizeof(hep->packet));

	if (!len) {
		hep->counts.unsent++;
		return;
	}
	if (!hep->tcp) {
		if (send(hep->fd, hep->packet, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len)
			hep->counts.sent++;
		else
			hep->counts.unsent++;
		return;
	}
	if (HEP_TCP_QUEUE_BYTES - hep->queued < len) {
		hep->counts.unsent++;
	} else {
		memcpy(hep->queue + hep->queued, hep->packet, len);
		hep->queued += len;
		hep->queued_packets++;
	}
	hep_export_flush(hep);
}

/* ADDR into a packet's address bytes; false when it is not given. */
static bool addr_bytes(const struct ip_addr *addr, bool *ipv6, uint8_t bytes[16])
{
	*ipv6 = addr->family == AF_INET6;
	memcpy(bytes, addr->bytes, sizeof(addr->bytes));
	return ip_addr_given(addr);
}

void hep_export_event(struct hep_export *hep, const struct event *ev)
{
	const struct ev_sip *sip = &ev->sip;
	const struct endpoint *src, *dst;
	struct hep_packet pkt = {.ts_ns = ev->ts_ns,
				 .proto_type = HEP_PROTO_SIP,
				 .capture_id = hep->capture_id,
				 .capture_name = hep->capture_name};
	bool src_v6, dst_v6;

	if (ev->kind != EV_SIP || !sip->raw)
		return;
	src = sip->dir == DIR_OUT ? &sip->local : &sip->remote;
	dst = sip->dir == DIR_OUT ? &sip->remote : &sip->local;
	if (!addr_bytes(&src->addr, &src_v6, pkt.src_addr) ||
	    !addr_bytes(&dst->addr, &dst_v6, pkt.dst_addr) || src_v6 != dst_v6) {
		hep->counts.unsent++; /* a message with no addresses is no packet */
		return;
	}
	pkt.ipv6 = src_v6;
	pkt.ip_proto = sip->transport == TRANSPORT_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	pkt.src_port = src->port;
	pkt.dst_port = dst->port;
	pkt.payload = (const uint8_t *)sip->raw;
	pkt.payload_len = sip->raw_len;
	send_packet(hep, &pkt);
}

void hep_export_diagnosis(struct hep_export *hep, const struct call_verdict *verdict,
			  const struct diagnosis *diag, uint64_t ts_ns)
{
	struct hep_packet pkt = {.ip_proto = IPPROTO_TCP,
				 .ts_ns = ts_ns,
				 .proto_type = HEP_PROTO_LOG,
				 .capture_id = hep->capture_id,
				 .capture_name = hep->capture_name,
				 .correlation_id = verdict->call_id};
	char *text = NULL;
	size_t text_len = 0;
	FILE *out = open_memstream(&text, &text_len);

	if (!out) {
		hep->counts.unsent++;
		return;
	}
	explain_print_diagnosis_text(out, verdict, diag);
	if (fclose(out)) {
		free(text);
		hep->counts.unsent++;
		return;
	}
	/* the peer it is about as the destination, when known */
	addr_bytes(&diag->peer, &pkt.ipv6, pkt.dst_addr); /* not given: 0.0.0.0 */
	pkt.payload = (const uint8_t *)text;
	pkt.payload_len = text_len;
	send_packet(hep, &pkt);
	free(text);
}

int hep_export_open(const struct hep_export_config *config, struct hep_export **out, char *why,
		    size_t why_len)
{
	struct hep_export *hep = calloc(1, sizeof(*hep));
	int err;

	*out = NULL;
	if (!hep) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	hep->fd = -1;
	hep->capture_id = config->capture_id;
	err = target_resolve(hep, config->target, why, why_len);
	if (!err && config->capture_name && !(hep->capture_name = strdup(config->capture_name)))
		err = -ENOMEM;
	if (!err && hep->tcp && !(hep->queue = malloc(HEP_TCP_QUEUE_BYTES)))
		err = -ENOMEM;
	if (err == -ENOMEM)
		snprintf(why, why_len, "out of memory");
	if (!err && (err = socket_open(hep)))
		snprintf(why, why_len, "--hep %s: %s", config->target, strerror(-err));
	if (err) {
		hep_export_close(hep, NULL);
		return err;
	}
	*out = hep;
	return 0;
}

void hep_export_counts(const struct hep_export *hep, struct hep_export_counts *counts)
{
	*counts = hep->counts;
}

void hep_export_close(struct hep_export *hep, struct hep_export_counts *counts)
{
	struct pollfd pfd;

	if (!hep)
		return;
	for (int64_t give_up_ns = monotonic_ns() + HEP_CLOSE_WAIT_MS * 1000000LL;
	     hep->tcp && hep->queued && hep->fd >= 0 && monotonic_ns() < give_up_ns;) {
		pfd = (struct pollfd){hep->fd, POLLOUT, 0};
		poll(&pfd, 1, 50);
		hep_export_flush(hep);
	}
	hep->counts.unsent += hep->queued_packets;
	if (counts)
		*counts = hep->counts;
	if (hep->fd >= 0)
		close(hep->fd);
	free(hep->queue);
	free(hep->capture_name);
	free(hep);
}
