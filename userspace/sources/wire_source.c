#include <errno.h>
#include <netinet/in.h>
#include <search.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/if_packet.h>
#include <pcap/dlt.h>

#include "packets.h"
#include "sip_message.h"
#include "wire_capture.h"
#include "wire_source.h"
#include "wire_stream.h"

#define MAX_STREAMS	   16384
#define MAX_BUFFERED_BYTES (256 * 1024) /* out-of-order bytes per direction */
#define MAX_PEERS	   4096
#define CLOCK_SANE_NS	   (10 * 1000000000LL)
#define MAX_HELD_TLS_BYTES (16 * 1024 * 1024) /* records waiting for their secrets, in all */
#define RETRY_INTERVAL_NS  1000000000ull

struct wire_source {
	struct wire_capture *capture;
	struct tcp_reasm *reasm;
	struct tls_trust *trust;
	struct leaf_tracker *leaves;
	struct wire_tls_env env;
	/* tsearch tree of struct wire_stream by id, for the retries and the end; a packet finds its
	 * stream through its connection (tcp_reasm_set_user), with no lookup */
	void *streams;
	struct sip_message *udp_msg;
	/* the packet being decoded: which of its ends are this host's */
	const struct packet_l4 *packet;
	uint8_t packet_local; /* bit 0: source is local, bit 1: destination */
	uint64_t now_ns;
	struct wire_source_counts counts;
	struct pcapng_writer *pcap_out;
	struct tls_keylog *keylog;
	uint64_t keylog_generation, retry_due_ns; /* when held TLS records are tried again */
	struct wire_stream *ending; /* ended, their TLS records still waiting for secrets */
};

/* Orders the streams by id, their first member. */
static int stream_compare(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

_Static_assert(offsetof(struct wire_stream, id) == 0, "stream_compare reads the id first");

/* Marks the ends of the stream the current packet shows to be local. */
static void note_local(struct wire_source *source, struct wire_stream *stream)
{
	const struct packet_l4 *packet = source->packet;
	const struct tcp_endpoint *client = &stream->template.end[TCP_SIDE_CLIENT];
	bool src_is_client = packet->src_port == client->port &&
			     !memcmp(packet->src_addr, client->addr, sizeof(client->addr));
	unsigned src_side = src_is_client ? TCP_SIDE_CLIENT : TCP_SIDE_SERVER;

	if (source->packet_local & 1)
		stream->template.local_mask |= 1u << src_side;
	if (source->packet_local & 2)
		stream->template.local_mask |= 1u << !src_side;
}

static void on_open(void *user, const struct tcp_conn *conn, uint64_t ts_ns)
{
	struct wire_source *source = user;
	struct wire_stream *stream = wire_stream_new(conn, &source->env);

	(void)ts_ns;
	if (!stream || !tsearch(stream, &source->streams, stream_compare)) {
		free(stream);
		source->env.err = source->env.err ? source->env.err : -ENOMEM;
		return;
	}
	tcp_reasm_set_user(source->reasm, conn, stream);
	source->counts.streams++;
	note_local(source, stream);
}

static void on_data(void *user, const struct tcp_conn *conn, enum tcp_side from,
		    const uint8_t *data, size_t len, uint64_t ts_ns)
{
	struct wire_source *source = user;
	struct wire_stream *stream = conn->user;

	if (!stream)
		return;
	note_local(source, stream);
	wire_stream_data(stream, from, data, len, ts_ns);
}

static void on_gap(void *user, const struct tcp_conn *conn, enum tcp_side from,
		   uint64_t missing_bytes, uint64_t ts_ns)
{
	struct wire_stream *stream = conn->user;

	(void)user;
	(void)ts_ns;
	if (stream)
		wire_stream_gap(stream, from, missing_bytes);
}

static void on_end(void *user, const struct tcp_conn *conn, enum tcp_end_reason reason,
		   uint64_t ts_ns)
{
	struct wire_source *source = user;
	struct wire_stream *stream = conn->user;

	(void)reason;
	if (!stream)
		return;
	tdelete(stream, &source->streams, stream_compare);
	/* A short connection can end in the same poll round as its first records, before the
	 * secrets the handshake probe or the key log file give are read. */
	if (stream->tls.decrypt && tls_decrypt_holding(stream->tls.decrypt)) {
		stream->end_ts_ns = ts_ns;
		stream->next_ending = source->ending;
		source->ending = stream;
		return;
	}
	wire_stream_end(stream, ts_ns);
}

/* The ended streams whose records got their secrets, or waited long enough, end now; all of
 * them when FINAL. */
static void end_waiting_streams(struct wire_source *source, bool final)
{
	struct wire_stream **link = &source->ending;

	while (*link) {
		struct wire_stream *stream = *link;

		tls_decrypt_retry(stream->tls.decrypt, source->now_ns);
		if (!final && tls_decrypt_holding(stream->tls.decrypt)) {
			link = &stream->next_ending;
			continue;
		}
		*link = stream->next_ending;
		wire_stream_end(stream, stream->end_ts_ns);
	}
}

static const struct tcp_reasm_ops reasm_ops = {on_open, on_data, on_gap, on_end};

/* RFC 3261 §18.3: a datagram is one message. Anything the SIP parser cannot frame at all is
 * not SIP (or a keep-alive) and is not reported. */
static void udp_datagram(struct wire_source *source, const struct packet_l4 *packet, uint64_t ts_ns)
{
	struct wire_event template; /* its connection only (wire_event_start) */
	enum sip_parse_result parsed;

	parsed = sip_message_parse((const char *)packet->payload, packet->payload_len,
				   SIP_PARSE_DATAGRAM, source->udp_msg);
	if (parsed != SIP_PARSE_OK && !(parsed == SIP_PARSE_INVALID && source->udp_msg->length))
		return;
	memset(&template, 0, offsetof(struct wire_event, body));
	template.family = packet->family;
	memcpy(template.end[0].addr, packet->src_addr, sizeof(packet->src_addr));
	template.end[0].port = packet->src_port;
	memcpy(template.end[1].addr, packet->dst_addr, sizeof(packet->dst_addr));
	template.end[1].port = packet->dst_port;
	template.local_mask = source->packet_local;
	wire_sip_emit(&source->env, &template, 0, TRANSPORT_UDP, (const char *)packet->payload,
		      packet->payload_len, source->udp_msg, ts_ns);
}

/* Which ends of a packet are this host's: on lo both; a packet leaving came from here; one
 * arriving (to us, broadcast or multicast) is for here; PACKET_OTHERHOST is neither. */
static uint8_t packet_local_ends(const struct packet_view *view)
{
	if (view->ifindex == WIRE_LOOPBACK_IFINDEX)
		return 3;
	if (view->pkt_type == PACKET_OUTGOING)
		return 1;
	return view->pkt_type == PACKET_OTHERHOST ? 0 : 2;
}

static void on_packet(void *ctx, const struct packet_view *view)
{
	struct wire_source *source = ctx;
	struct packet_l4 packet;
	uint64_t ts_ns = view->ts_ns;
	enum packet_status status;

	if (source->pcap_out) {
		int err = pcapng_write_packet(source->pcap_out, ts_ns, view->data, view->len,
					      view->wire_len, NULL);

		if (err && !source->env.err)
			source->env.err = err;
	}
	status = packet_decode(DLT_RAW, view->data, view->len, NULL, &packet);
	if (status != PACKET_OK) {
		if (status != PACKET_NOT_IP && status != PACKET_NOT_TCP_UDP)
			source->counts.undecodable++;
		return;
	}
	/* Some drivers stamp outgoing packets with another clock: keep times comparable with
	 * the socket events. */
	if ((int64_t)(ts_ns - source->now_ns) > CLOCK_SANE_NS ||
	    (int64_t)(source->now_ns - ts_ns) > CLOCK_SANE_NS)
		ts_ns = source->now_ns;
	source->packet = &packet;
	source->packet_local = packet_local_ends(view);
	if (packet.protocol == IPPROTO_TCP) {
		if (tcp_reasm_packet(source->reasm, &packet, ts_ns))
			source->env.err = source->env.err ? source->env.err : -ENOMEM;
	} else if (packet.protocol == IPPROTO_UDP) { /* the socket filter passes no SCTP */
		udp_datagram(source, &packet, ts_ns);
	}
	source->packet = NULL;
}

static uint64_t wall_now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (uint64_t)now.tv_sec * 1000000000ULL + now.tv_nsec;
}

int wire_source_open(const struct wire_source_config *config, wire_event_fn emit, void *ctx,
		     struct wire_source **out, char *why, size_t why_len)
{
	const struct tcp_reasm_limits limits = {MAX_STREAMS, MAX_BUFFERED_BYTES};
	struct wire_source *source = calloc(1, sizeof(*source));
	char trust_error[256];
	int err;

	if (!source) {
		snprintf(why, why_len, "wire: out of memory");
		return -ENOMEM;
	}
	err = tls_trust_load(&source->trust, config->ca_file, config->ca_path, trust_error,
			     sizeof(trust_error));
	if (err) {
		snprintf(why, why_len, "trust store: %s", trust_error);
		goto fail;
	}
	source->leaves = leaf_tracker_new(MAX_PEERS);
	source->reasm = tcp_reasm_new(&limits, &reasm_ops, source);
	source->udp_msg = malloc(sizeof(*source->udp_msg));
	if (!source->leaves || !source->reasm || !source->udp_msg) {
		err = -ENOMEM;
		snprintf(why, why_len, "wire: out of memory");
		goto fail;
	}
	source->env = (struct wire_tls_env){
	    .trust = source->trust, .leaves = source->leaves, .emit = emit, .ctx = ctx};
	source->pcap_out = config->pcap_out;
	source->keylog = config->keylog;
	if (config->keylog)
		source->env.decrypt =
		    (struct tls_decrypt_config){.lookup = tls_keylog_session_secrets,
						.lookup_ctx = config->keylog,
						.on_plaintext = wire_stream_plaintext,
						.counts = &source->counts.tls_decrypt,
						.hold_bytes_max = MAX_HELD_TLS_BYTES,
						.on_alert = wire_stream_alert};
	err = wire_capture_open(config->ports, &source->capture, why, why_len);
	if (err)
		goto fail;
	*out = source;
	return 0;
fail:
	wire_source_close(source);
	return err;
}

int wire_source_fd(const struct wire_source *source)
{
	return wire_capture_fd(source->capture);
}

static void retry_stream(const void *node, VISIT which, void *now_ns)
{
	const struct wire_stream *stream = *(const struct wire_stream *const *)node;

	if ((which == postorder || which == leaf) && stream->tls.decrypt)
		tls_decrypt_retry(stream->tls.decrypt, *(uint64_t *)now_ns);
}

/* Records held for their secrets: tried again when the key log has new secrets, and given up
 * (counted) once too old, looked at every RETRY_INTERVAL_NS. */
static void retry_held_records(struct wire_source *source)
{
	uint64_t generation = tls_keylog_generation(source->keylog);

	if (!source->counts.tls_decrypt.held_bytes ||
	    (generation == source->keylog_generation && source->now_ns < source->retry_due_ns))
		return;
	source->keylog_generation = generation;
	source->retry_due_ns = source->now_ns + RETRY_INTERVAL_NS;
	twalk_r(source->streams, retry_stream, &source->now_ns);
	end_waiting_streams(source, false);
}

int wire_source_drain(struct wire_source *source)
{
	size_t packets;

	source->now_ns = wall_now_ns();
	packets = wire_capture_drain(source->capture, on_packet, source);
	if (source->keylog)
		retry_held_records(source);
	return source->env.err ? source->env.err : (int)packets;
}

int wire_source_finish(struct wire_source *source, uint64_t now_ns)
{
	tcp_reasm_finish(source->reasm, now_ns);
	end_waiting_streams(source, true);
	return source->env.err;
}

int wire_source_counts(struct wire_source *source, struct wire_source_counts *counts)
{
	struct packet_ring_stats ring;
	struct tcp_reasm_stats reasm;
	int err = wire_capture_stats(source->capture, &ring);

	if (err)
		return err;
	tcp_reasm_get_stats(source->reasm, &reasm);
	source->counts.packets = ring.packets;
	source->counts.drops = ring.drops;
	source->counts.streams_dropped = reasm.conns_dropped;
	source->counts.gaps = reasm.forced_gaps;
	*counts = source->counts;
	return 0;
}

static void stream_free(void *node)
{
	wire_stream_free(node);
}

void wire_source_close(struct wire_source *source)
{
	if (!source)
		return;
	wire_capture_close(source->capture);
	/* Streams still open after wire_source_finish (a failed run) are freed unreported. */
	tcp_reasm_free(source->reasm);
	tdestroy(source->streams, stream_free);
	while (source->ending) {
		struct wire_stream *stream = source->ending;

		source->ending = stream->next_ending;
		wire_stream_free(stream);
	}
	leaf_tracker_free(source->leaves);
	tls_trust_free(source->trust);
	free(source->udp_msg);
	free(source);
}
