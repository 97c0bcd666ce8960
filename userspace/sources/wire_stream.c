#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "utf8_text.h"
#include "wire_stream.h"

/* Larger SIP messages on TCP are reported as skipped by the framer, never buffered. */
#define SIP_MAX_MESSAGE_BYTES (64 * 1024)

struct sip_frame_ctx {
	struct wire_stream *stream;
	unsigned from;
	uint64_t ts_ns;
};

struct wire_stream *wire_stream_new(const struct tcp_conn *conn, struct wire_tls_env *env)
{
	struct wire_stream *stream = calloc(1, sizeof(*stream));

	if (!stream)
		return NULL;
	stream->id = conn->id;
	stream->template.family = conn->family;
	stream->template.tcp = true;
	stream->template.end[TCP_SIDE_CLIENT] = conn->end[TCP_SIDE_CLIENT];
	stream->template.end[TCP_SIDE_SERVER] = conn->end[TCP_SIDE_SERVER];
	wire_tls_init(&stream->tls, &stream->template, env);
	return stream;
}

/* A copy of text that may not be UTF-8 (SIP bodies can be binary): when it is not, every
 * non-ASCII byte becomes '?' (*AS_SENT false), so the journal keeps the message. NULL when out
 * of memory. */
static char *wire_text(const char *text, size_t len, bool *as_sent)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return NULL;
	memcpy(copy, text, len);
	copy[len] = '\0';
	*as_sent = utf8_valid(copy, len);
	if (!*as_sent)
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)copy[i] >= 0x80)
				copy[i] = '?';
	return copy;
}

void wire_sip_emit(struct wire_tls_env *env, const struct wire_event *template, unsigned sender,
		   enum transport transport, const char *raw, size_t raw_len,
		   const struct sip_message *parsed, uint64_t ts_ns)
{
	struct wire_event event;
	bool as_sent = false;
	int err;

	wire_event_start(&event, template, WIRE_DIR_ADDRS, sender, ts_ns);
	/* only the SIP fields: the body's other bytes are never read (event_size) */
	event.body.kind = EV_SIP;
	event.body.ts_ns = event.body.conn = 0;
	/* SIP over TLS on the wire can only come from its records, decrypted */
	event.body.sip =
	    (struct ev_sip){.transport = transport, .decrypted = transport == TRANSPORT_TLS};
	event.body.sip.raw = wire_text(raw, raw_len, &as_sent);
	event.body.sip.raw_len = raw_len;
	if (!event.body.sip.raw) {
		env->err = env->err ? env->err : -ENOMEM;
		return;
	}
	/* the parse is of the bytes sent: handed on only when the text is those bytes */
	if (parsed && as_sent)
		sip_parsed_from_message(parsed, raw, &event.body.sip.parsed);
	err = env->emit(env->ctx, &event);
	if (err && !env->err)
		env->err = err;
}

static void on_sip_frame(const struct sip_frame *frame, void *user)
{
	struct sip_frame_ctx *ctx = user;
	struct wire_stream *stream = ctx->stream;

	if (frame->kind != SIP_FRAME_MESSAGE)
		return;
	wire_sip_emit(stream->tls.env, &stream->template, ctx->from,
		      stream->kind == WIRE_STREAM_TLS ? TRANSPORT_TLS : TRANSPORT_TCP, frame->data,
		      frame->len, frame->msg, ctx->ts_ns);
}

void wire_stream_plaintext(void *user, enum tls_dir from, const uint8_t *data, size_t len,
			   uint64_t ts_ns)
{
	struct wire_stream *stream = user;
	unsigned side = from == TLS_FROM_SERVER ? TCP_SIDE_SERVER : TCP_SIDE_CLIENT;

	sip_stream_push(&stream->sip[side], data, len, on_sip_frame,
			&(struct sip_frame_ctx){stream, side, ts_ns});
}

void wire_stream_alert(void *user, const struct tls_record_event *alert)
{
	struct wire_stream *stream = user;

	wire_tls_alert(&stream->tls, alert);
}

/* RFC 5246 §6.2.1 / RFC 8446 §5.1: content type 20..24, then major version 3. SIP starts with
 * a method or "SIP/2.0" (upper-case letters), or CRLF keep-alives (RFC 5626 §3.5.1). */
static enum wire_stream_kind kind_of(const uint8_t *data, size_t len)
{
	if (data[0] >= 20 && data[0] <= 24 && (len < 2 || data[1] == 3))
		return WIRE_STREAM_TLS;
	if ((data[0] >= 'A' && data[0] <= 'Z') || data[0] == '\r' || data[0] == '\n')
		return WIRE_STREAM_SIP;
	return WIRE_STREAM_OTHER;
}

/* A TLS stream is decrypted when the source has secrets to look up: its plaintext goes
 * through the same SIP framer as a plaintext stream's bytes. */
static void decide(struct wire_stream *stream, const uint8_t *data, size_t len)
{
	struct wire_tls_env *env = stream->tls.env;

	stream->kind = kind_of(data, len);
	if (stream->kind == WIRE_STREAM_TLS && env->decrypt.lookup &&
	    !(stream->tls.decrypt = tls_decrypt_new(&env->decrypt, stream)))
		goto nomem;
	if (stream->kind != WIRE_STREAM_SIP && !stream->tls.decrypt)
		return;
	if (sip_stream_init(&stream->sip[0], SIP_MAX_MESSAGE_BYTES) ||
	    sip_stream_init(&stream->sip[1], SIP_MAX_MESSAGE_BYTES))
		goto nomem;
	return;
nomem:
	env->err = env->err ? env->err : -ENOMEM;
	stream->kind = WIRE_STREAM_OTHER;
}

void wire_stream_data(struct wire_stream *stream, unsigned from, const uint8_t *data, size_t len,
		      uint64_t ts_ns)
{
	struct sip_frame_ctx ctx = {stream, from, ts_ns};

	if (!len)
		return;
	if (stream->kind == WIRE_STREAM_UNDECIDED)
		decide(stream, data, len);
	if (stream->kind == WIRE_STREAM_TLS &&
	    (stream->tls.decrypt || !wire_tls_done(&stream->tls)))
		wire_tls_feed(&stream->tls, from, data, len, ts_ns);
	else if (stream->kind == WIRE_STREAM_SIP)
		sip_stream_push(&stream->sip[from], data, len, on_sip_frame, &ctx);
}

void wire_stream_gap(struct wire_stream *stream, unsigned from, uint64_t missing_bytes)
{
	if (stream->kind == WIRE_STREAM_TLS)
		wire_tls_gap(&stream->tls, from, missing_bytes);
	else if (stream->kind == WIRE_STREAM_SIP)
		sip_stream_finish(&stream->sip[from], on_sip_frame,
				  &(struct sip_frame_ctx){stream, from, 0});
}

void wire_stream_end(struct wire_stream *stream, uint64_t ts_ns)
{
	if (stream->kind == WIRE_STREAM_TLS)
		wire_tls_end(&stream->tls, ts_ns);
	tls_decrypt_end(stream->tls.decrypt); /* what it still held is counted */
	stream->tls.decrypt = NULL;
	for (unsigned side = 0; side < 2; side++)
		if (stream->sip[side].buf)
			sip_stream_finish(&stream->sip[side], on_sip_frame,
					  &(struct sip_frame_ctx){stream, side, ts_ns});
	wire_stream_free(stream);
}

void wire_stream_free(struct wire_stream *stream)
{
	tls_decrypt_end(stream->tls.decrypt);
	wire_tls_release(&stream->tls);
	for (unsigned side = 0; side < 2; side++)
		sip_stream_free(&stream->sip[side]);
	free(stream);
}
