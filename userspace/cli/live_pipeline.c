#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "diag_stream.h"
#include "explain.h"
#include "explain_print.h"
#include "journal.h"
#include "journal_read.h"
#include "live_pipeline.h"
#include "sock_event_text.h"
#include "tls_event_json.h"
#include "tls_sip_text.h"

/* TLS connections whose plaintext is framed at once; more are counted, not framed. */
#define LIVE_MAX_TLS_STREAMS 16384

struct tls_frame_ctx {
	struct live_pipeline *pipe;
	const struct tls_event *chunk;
};

static int output_event(struct live_pipeline *pipe, const json_t *event)
{
	int err =
	    pipe->json ? json_line_write(stdout, event) : sock_event_text_write(stdout, event);

	if (err == -EINVAL)
		err = tls_sip_text_write(stdout, event);
	if (!err && pipe->journal)
		err = json_line_write(pipe->journal, event);
	return err;
}

/* A diagnosis the moment the rules can make it: a block of text, or a "diagnosis" JSON line. */
static void on_diagnosis(const struct call_verdict *verdict, const struct diagnosis *diag,
			 void *ctx)
{
	struct live_pipeline *pipe = ctx;
	char t[48];
	json_t *obj;

	if (diag_is_failure(diag->id))
		pipe->failures++;
	else
		pipe->warnings++;
	if (!pipe->json) {
		printf("DIAG  call %s (first seen %s UTC)\n", verdict->call_id,
		       format_ts(verdict->first_ts_ns, t, sizeof(t)));
		explain_print_diagnosis_text(stdout, verdict, diag);
		fflush(stdout);
		return;
	}
	obj = explain_diagnosis_json(verdict, diag);
	if (!obj) {
		pipe->output_err = -ENOMEM;
		return;
	}
	json_object_set_new(obj, "event", json_string("diagnosis"));
	json_object_set_new(obj, "ts_ns", json_integer((json_int_t)verdict->end_ts_ns));
	if (!pipe->output_err)
		pipe->output_err = json_line_write(stdout, obj);
	json_decref(obj);
	fflush(stdout);
}

int live_pipeline_init(struct live_pipeline *pipe, bool json, FILE *journal,
		       struct pcapng_writer *pcap_out)
{
	struct correlator_config config;
	int err;

	*pipe = (struct live_pipeline){.json = json, .journal = journal, .pcap_out = pcap_out};
	correlator_config_default(&config);
	err = diag_stream_init(&pipe->diags, &config, DIAG_STREAM_WINDOW_NS,
			       DIAG_STREAM_WINDOW_CAPACITY, on_diagnosis, pipe, stderr);
	if (!err)
		err = sip_conn_streams_init(&pipe->tls_sip, LIVE_MAX_TLS_STREAMS);
	return err;
}

static void feed_correlator(struct live_pipeline *pipe, json_t *event)
{
	struct event ev;
	char why[256];

	if (journal_parse_json(event, &ev, why, sizeof(why))) {
		/* Our own sources wrote it: a mismatch with the reader is a bug worth a line. */
		if (!pipe->unreadable++)
			fprintf(stderr,
				"siptrail live: event not understood by the correlator: %s\n", why);
		return;
	}
	if (diag_stream_feed(&pipe->diags, &ev) && !pipe->output_err)
		pipe->output_err = -ENOMEM;
	event_release(&ev); /* empty after the move; kept for the error path */
}

int live_pipeline_emit(struct live_pipeline *pipe, json_t *event)
{
	const char *name = json_string_value(json_object_get(event, "event"));

	if (!event)
		return pipe->output_err = -ENOMEM;
	if (!pipe->output_err)
		pipe->output_err = output_event(pipe, event);
	pipe->events_seen++;
	if (name && strcmp(name, "lost"))
		feed_correlator(pipe, event);
	if (name && !strcmp(name, "conn_end"))
		sip_conn_streams_end(&pipe->tls_sip,
				     json_integer_value(json_object_get(event, "conn")));
	json_decref(event);
	return pipe->output_err;
}

/* An address as the kernel printed it, IPv4-mapped IPv6 as IPv4 (what the wire carries). */
static bool endpoint_bytes(const char *text, uint8_t *family, uint8_t bytes[16])
{
	if (!strncmp(text, "::ffff:", 7) && inet_pton(AF_INET, text + 7, bytes) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET, text, bytes) == 1) {
		*family = AF_INET;
		return true;
	}
	*family = AF_INET6;
	return inet_pton(AF_INET6, text, bytes) == 1;
}

/* The message as a synthetic packet on the connection's addresses (docs/live.md). */
static void write_synthetic(struct live_pipeline *pipe, const struct tls_event *message)
{
	struct pcapng_synthetic pkt = {.protocol = IPPROTO_TCP,
				       .payload = message->data.bytes,
				       .payload_len = message->data.len};
	uint8_t local[16] = {0}, remote[16] = {0}, family_local, family_remote;
	int err;

	if (!endpoint_bytes(message->laddr, &family_local, local) ||
	    !endpoint_bytes(message->raddr, &family_remote, remote) ||
	    family_local != family_remote || pkt.payload_len > PCAPNG_SYNTHETIC_MAX_PAYLOAD)
		return;
	pkt.family = family_local;
	memcpy(message->data.out ? pkt.src_addr : pkt.dst_addr, local, 16);
	memcpy(message->data.out ? pkt.dst_addr : pkt.src_addr, remote, 16);
	pkt.src_port = message->data.out ? message->lport : message->rport;
	pkt.dst_port = message->data.out ? message->rport : message->lport;
	err = pcapng_write_synthetic(pipe->pcap_out, message->ts_ns, &pkt);
	if (err && !pipe->output_err)
		pipe->output_err = err;
}

static void on_tls_frame(const struct sip_frame *frame, void *ctx)
{
	struct tls_frame_ctx *frame_ctx = ctx;
	struct tls_event message;

	/* keep-alives and bytes that are no SIP message carry nothing for the correlator */
	if (!frame_ctx || frame->kind != SIP_FRAME_MESSAGE)
		return;
	message = *frame_ctx->chunk;
	message.data.bytes = (const uint8_t *)frame->data;
	message.data.len = frame->len;
	message.data.total_len = frame->len;
	message.data.truncated = false;
	if (frame_ctx->pipe->pcap_out)
		write_synthetic(frame_ctx->pipe, &message);
	live_pipeline_emit(frame_ctx->pipe, tls_event_to_json(&message));
}

void live_pipeline_tls_event(struct live_pipeline *pipe, const struct tls_event *ev)
{
	struct tls_frame_ctx frame_ctx = {pipe, ev};
	json_t *event;

	if (ev->kind != TLS_EVENT_DATA) {
		event = tls_event_to_json(ev);
		if (event)
			live_pipeline_emit(pipe, event);
		return;
	}
	if (sip_conn_streams_push(&pipe->tls_sip, ev->conn, ev->data.out, ev->data.bytes,
				  ev->data.len, on_tls_frame, &frame_ctx) == -ENOMEM &&
	    !pipe->output_err)
		pipe->output_err = -ENOMEM;
}

void live_pipeline_tick(struct live_pipeline *pipe, uint64_t now_ns)
{
	if (diag_stream_tick(&pipe->diags, now_ns) && !pipe->output_err)
		pipe->output_err = -ENOMEM;
}

void live_pipeline_finish(struct live_pipeline *pipe)
{
	diag_stream_finish(&pipe->diags);
	sip_conn_streams_free(&pipe->tls_sip);
}
