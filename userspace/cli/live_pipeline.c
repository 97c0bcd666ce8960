#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag_stream.h"
#include "event_output.h"
#include "explain.h"
#include "explain_print.h"
#include "journal.h"
#include "journal_file.h"
#include "keylog_out.h"
#include "live_pipeline.h"

/* TLS connections whose plaintext is framed at once; more are counted, not framed. */
#define LIVE_MAX_TLS_STREAMS 16384

struct tls_frame_ctx {
	struct live_pipeline *pipe;
	const struct tls_event *chunk;
};

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
	if (pipe->metrics)
		metrics_diagnosis(pipe->metrics, diag);
	if (pipe->hep)
		hep_export_diagnosis(pipe->hep, verdict, diag, verdict->end_ts_ns);
	if (!pipe->output.json) {
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

int live_pipeline_init(struct live_pipeline *pipe, bool json, struct journal_file *journal,
		       struct pcapng_writer *pcap_out, struct metrics *metrics,
		       struct hep_export *hep)
{
	struct correlator_config config;
	int err;

	*pipe = (struct live_pipeline){
	    .output = {.terminal = stdout, .json = json, .journal = journal},
	    .pcap_out = pcap_out,
	    .metrics = metrics,
	    .hep = hep,
	};
	correlator_config_default(&config);
	err = diag_stream_init(&pipe->diags, &config, DIAG_STREAM_WINDOW_NS,
			       DIAG_STREAM_WINDOW_CAPACITY, on_diagnosis, pipe, stderr);
	if (!err)
		err = sip_conn_streams_init(&pipe->tls_sip, LIVE_MAX_TLS_STREAMS);
	if (!err && !(pipe->keylog = tls_keylog_new()))
		err = -ENOMEM;
	return err;
}

/* A SIP message read from TLS as a synthetic packet on the connection's addresses
 * (docs/live.md); OUT: this host sent it. */
static void write_synthetic(struct live_pipeline *pipe, uint64_t ts_ns, const struct ip_addr *laddr,
			    uint16_t lport, const struct ip_addr *raddr, uint16_t rport, bool out,
			    const void *payload, size_t len)
{
	struct pcapng_synthetic pkt = {.family = laddr->family,
				       .protocol = IPPROTO_TCP,
				       .payload = payload,
				       .payload_len = len};
	int err;

	if (pkt.payload_len > PCAPNG_SYNTHETIC_MAX_PAYLOAD)
		return;
	memcpy(out ? pkt.src_addr : pkt.dst_addr, laddr->bytes, 16);
	memcpy(out ? pkt.dst_addr : pkt.src_addr, raddr->bytes, 16);
	pkt.src_port = out ? lport : rport;
	pkt.dst_port = out ? rport : lport;
	err = pcapng_write_synthetic(pipe->pcap_out, ts_ns, &pkt);
	if (err && !pipe->output_err)
		pipe->output_err = err;
}

int live_pipeline_emit(struct live_pipeline *pipe, struct event *ev)
{
	enum event_kind kind = ev->kind;
	uint64_t conn = ev->conn, ts_ns = ev->ts_ns;

	if (!sip_source_pick_keep(&pipe->sip_sources, ev)) {
		event_release(ev);
		return pipe->output_err;
	}
	if (!pipe->output_err)
		pipe->output_err = event_output_write(&pipe->output, ev);
	/* SIP read from TLS (libssl or decrypted) goes to --pcap-out as a synthetic packet */
	if (pipe->pcap_out && kind == EV_SIP && (ev->sip.decrypted || ev->sip.libssl.given))
		write_synthetic(pipe, ev->ts_ns, &ev->sip.local.addr, ev->sip.local.port,
				&ev->sip.remote.addr, ev->sip.remote.port, ev->sip.dir == DIR_OUT,
				ev->sip.raw, ev->sip.raw_len);
	pipe->events_seen++;
	if (pipe->metrics)
		metrics_event(pipe->metrics, ev);
	if (pipe->hep)
		hep_export_event(pipe->hep, ev);
	/* the correlator takes every event but the loss counters (it moves what it keeps) */
	if (kind != EV_LOST && diag_stream_feed(&pipe->diags, ev) && !pipe->output_err)
		pipe->output_err = -ENOMEM;
	event_release(ev);
	if (kind == EV_CONN_END) {
		sip_conn_streams_end(&pipe->tls_sip, conn);
		sip_source_pick_end(&pipe->sip_sources, conn, ts_ns);
	}
	return pipe->output_err;
}

/* A TLS-library event as the pipeline takes it: kinds the journal does not carry are skipped.
 * PARSED: the framer's parse of a message's bytes, handed on with it (NULL when none). */
static void emit_tls(struct live_pipeline *pipe, const struct tls_event *tls,
		     const struct sip_message *parsed)
{
	struct event ev;
	int err = tls_event_to_event(tls, &ev);

	if (err == -ENOENT)
		return;
	if (err) {
		if (!pipe->output_err)
			pipe->output_err = err;
		return;
	}
	if (parsed)
		sip_parsed_from_message(parsed, (const char *)tls->data.bytes, &ev.sip.parsed);
	live_pipeline_emit(pipe, &ev);
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
	emit_tls(frame_ctx->pipe, &message, frame->msg);
}

static void secrets_take(struct live_pipeline *pipe, const struct tls_event *ev)
{
	const struct tls_secrets *secrets = &ev->secrets;
	struct timespec now;

	if (!secrets->count) {
		pipe->secrets_unread++;
		return;
	}
	/* the table ages its entries on the clock --keylog's lines are stamped with */
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (size_t i = 0; pipe->keylog && i < secrets->count; i++)
		tls_keylog_add(pipe->keylog, secrets->client_random, secrets->secrets[i].label,
			       secrets->secrets[i].bytes, secrets->secrets[i].len,
			       (uint64_t)now.tv_sec * 1000000000 + now.tv_nsec);
	if (pipe->keylog_out && keylog_out_write(pipe->keylog_out, secrets) && !pipe->output_err)
		pipe->output_err = -EIO;
}

void live_pipeline_tls_event(struct live_pipeline *pipe, const struct tls_event *ev)
{
	struct tls_frame_ctx frame_ctx = {pipe, ev};

	if (ev->kind == TLS_EVENT_SECRETS) {
		secrets_take(pipe, ev);
		return;
	}
	if (ev->kind != TLS_EVENT_DATA) {
		emit_tls(pipe, ev, NULL);
		return;
	}
	if (sip_conn_streams_push(&pipe->tls_sip, ev->conn, ev->data.out, ev->data.bytes,
				  ev->data.len, on_tls_frame, &frame_ctx) == -ENOMEM &&
	    !pipe->output_err)
		pipe->output_err = -ENOMEM;
}

void live_pipeline_tick(struct live_pipeline *pipe, uint64_t now_ns)
{
	int err;

	if (diag_stream_tick(&pipe->diags, now_ns) && !pipe->output_err)
		pipe->output_err = -ENOMEM;
	/* the journal as fresh as stdout, which live flushes every round */
	if (pipe->output.journal && (err = journal_file_flush(pipe->output.journal)) &&
	    !pipe->output_err)
		pipe->output_err = err;
	hep_export_flush(pipe->hep);
}

void live_pipeline_finish(struct live_pipeline *pipe)
{
	diag_stream_finish(&pipe->diags);
	sip_conn_streams_free(&pipe->tls_sip);
	sip_source_pick_free(&pipe->sip_sources);
	tls_keylog_free(pipe->keylog);
	pipe->keylog = NULL;
	event_output_release(&pipe->output);
}
