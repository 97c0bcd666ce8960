#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

static void print_verdict(struct live_pipeline *pipe, const struct call_verdict *verdict)
{
	if (!pipe->json) {
		explain_print_text(stdout, verdict);
		return;
	}
	for (unsigned i = 0; i < verdict->n_diags; i++) {
		json_t *obj = explain_diagnosis_json(verdict, &verdict->diags[i]);

		if (!obj) {
			pipe->output_err = -ENOMEM;
			return;
		}
		json_object_set_new(obj, "event", json_string("diagnosis"));
		json_object_set_new(obj, "ts_ns", json_integer((json_int_t)verdict->end_ts_ns));
		if (!pipe->output_err)
			pipe->output_err = json_line_write(stdout, obj);
		json_decref(obj);
	}
}

static void on_call_done(const struct correlator *corr, const struct call *call, void *ctx)
{
	struct live_pipeline *pipe = ctx;
	struct call_verdict *verdict = malloc(sizeof(*verdict));

	if (!verdict) {
		pipe->output_err = -ENOMEM;
		return;
	}
	explain_call(corr, call, verdict);
	if (verdict->n_diags) {
		pipe->diagnoses += verdict->n_diags;
		for (unsigned i = 0; i < verdict->n_diags; i++) {
			if (diag_is_failure(verdict->diags[i].id)) {
				pipe->calls_failed++;
				break;
			}
		}
		print_verdict(pipe, verdict);
		fflush(stdout);
	}
	free(verdict);
}

int live_pipeline_init(struct live_pipeline *pipe, bool json, FILE *journal)
{
	struct correlator_config config;

	*pipe = (struct live_pipeline){.json = json, .journal = journal};
	correlator_config_default(&config);
	correlator_init(&pipe->corr, &config, on_call_done, pipe, stderr);
	return sip_conn_streams_init(&pipe->tls_sip, LIVE_MAX_TLS_STREAMS);
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
	if (correlator_feed(&pipe->corr, &ev) && !pipe->output_err)
		pipe->output_err = -ENOMEM;
	event_release(&ev);
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
		sip_conn_streams_end(
		    &pipe->tls_sip, json_integer_value(json_object_get(event, "conn")), NULL, NULL);
	json_decref(event);
	return pipe->output_err;
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

void live_pipeline_finish(struct live_pipeline *pipe)
{
	correlator_finish(&pipe->corr);
	sip_conn_streams_free(&pipe->tls_sip);
}
