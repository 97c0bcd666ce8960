/* Record framing and handshake reassembly for one TLS connection. Records and messages that
 * lie within the caller's chunk are decoded in place; only a record split across chunks or a
 * handshake message split across records is copied (RFC 8446 §5.1 allows both). */
#include "tls_record.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HS_HEADER_LEN 4

struct feed_ctx {
	struct tls_conn *conn;
	enum tls_dir from;
	uint64_t ts_ns;
	uint64_t record_offset;
	tls_record_event_fn on_event;
	void *user;
};

enum tls_status tls_record_parse(const uint8_t *buf, size_t len, struct tls_record *record,
				 size_t *record_len)
{
	if (len >= 1 && (buf[0] < TLS_CT_CHANGE_CIPHER_SPEC || buf[0] > TLS_CT_HEARTBEAT))
		return TLS_ERR_NOT_TLS;
	if (len >= 2 && buf[1] != 3)
		return TLS_ERR_NOT_TLS;
	if (len >= 3 && buf[2] > 4)
		return TLS_ERR_NOT_TLS;
	if (len < TLS_RECORD_HEADER_LEN)
		return TLS_INCOMPLETE;
	size_t body_len = (size_t)buf[3] << 8 | buf[4];
	if (body_len > TLS_RECORD_MAX_BODY_LEN)
		return TLS_ERR_RECORD_LEN;
	if (len < TLS_RECORD_HEADER_LEN + body_len)
		return TLS_INCOMPLETE;
	record->content_type = buf[0];
	record->version = (uint16_t)(buf[1] << 8 | buf[2]);
	record->body.ptr = buf + TLS_RECORD_HEADER_LEN;
	record->body.len = body_len;
	*record_len = TLS_RECORD_HEADER_LEN + body_len;
	return TLS_OK;
}

static enum tls_status fail(struct tls_direction *d, enum tls_dir from, enum tls_status status,
			    uint64_t offset, const char *fmt, ...)
{
	char what[120];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	d->status = status;
	snprintf(d->error, sizeof(d->error), "TLS %s stream, byte %llu: %s", tls_dir_name(from),
		 (unsigned long long)offset, what);
	return status;
}

/* header holds `len` bytes (at least 1): an error can show before the 5-byte header is in. */
static enum tls_status header_error(struct feed_ctx *ctx, enum tls_status status,
				    const uint8_t *header, size_t len)
{
	struct tls_direction *d = &ctx->conn->dir[ctx->from];
	if (status == TLS_ERR_RECORD_LEN)
		return fail(d, ctx->from, status, ctx->record_offset,
			    "record length %u exceeds the TLS limit of %u",
			    (unsigned)(header[3] << 8 | header[4]), TLS_RECORD_MAX_BODY_LEN);
	if (header[0] & 0x80)
		return fail(d, ctx->from, status, ctx->record_offset,
			    "SSLv2-format record, not decoded");
	char hex[12] = "";
	for (size_t i = 0, at = 0; i < len && i < 3; i++)
		at += (size_t)snprintf(hex + at, sizeof(hex) - at, i ? " %02x" : "%02x", header[i]);
	return fail(d, ctx->from, status, ctx->record_offset, "not a TLS record header (%s)", hex);
}

static void emit(struct feed_ctx *ctx, struct tls_record_event *ev, size_t record_len)
{
	ev->from = ctx->from;
	ev->stream_offset = ctx->record_offset;
	ev->ts_ns = ctx->ts_ns;
	ev->record_len = record_len;
	if (ctx->on_event)
		ctx->on_event(ctx->user, ev);
}

/* TLS <= 1.2: after a side's ChangeCipherSpec its records are encrypted (RFC 5246 §7.1).
 * TLS 1.3 sends CCS only for middlebox compatibility and encrypts under content type 23
 * (RFC 8446 §5, §D.4), so a handshake or alert record there is always plaintext; that is why
 * a TLS 1.3 client's unknown_ca alert, sent before it switches keys, is readable. */
static bool side_encrypts_typed_records(const struct tls_conn *conn, enum tls_dir from)
{
	return conn->version != TLS_VERSION_1_3 && conn->dir[from].ccs_seen;
}

static enum tls_status handshake_message(struct feed_ctx *ctx, uint8_t type, const uint8_t *body,
					 size_t len, size_t record_len)
{
	struct tls_conn *conn = ctx->conn;
	struct tls_record_event ev = {.handshake_type = type};
	int rc = 0;
	switch (type) {
	case TLS_HS_CLIENT_HELLO:
		ev.type = TLS_EV_CLIENT_HELLO;
		rc = tls_client_hello_parse(body, len, &ev.client_hello);
		break;
	case TLS_HS_SERVER_HELLO:
		ev.type = TLS_EV_SERVER_HELLO;
		rc = tls_server_hello_parse(body, len, &ev.server_hello);
		if (rc == 0 && ev.server_hello.hello_retry_request)
			conn->hello_retry_seen = true;
		if (rc == 0)
			conn->version = ev.server_hello.version;
		break;
	case TLS_HS_CERTIFICATE:
		ev.type = TLS_EV_CERTIFICATE;
		rc = tls_certificate_parse(body, len, &ev.certificate);
		break;
	default:
		ev.type = TLS_EV_HANDSHAKE;
		break;
	}
	if (rc != 0) {
		const char *name = tls_handshake_type_name(type);
		return fail(&conn->dir[ctx->from], ctx->from, TLS_ERR_MALFORMED, ctx->record_offset,
			    "%s message of %zu bytes: a field runs past its end", name, len);
	}
	emit(ctx, &ev, record_len);
	return TLS_OK;
}

/* Decodes the complete messages at p and returns how many bytes they took. */
static enum tls_status handshake_messages(struct feed_ctx *ctx, const uint8_t *p, size_t len,
					  size_t record_len, size_t *used)
{
	*used = 0;
	while (len - *used >= HS_HEADER_LEN) {
		const uint8_t *msg = p + *used;
		size_t body_len = (size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3];
		if (body_len + HS_HEADER_LEN > TLS_HANDSHAKE_MAX_LEN)
			return fail(&ctx->conn->dir[ctx->from], ctx->from, TLS_ERR_HANDSHAKE_LEN,
				    ctx->record_offset,
				    "handshake message of %zu bytes exceeds the %u-byte limit",
				    body_len, TLS_HANDSHAKE_MAX_LEN);
		if (len - *used < HS_HEADER_LEN + body_len)
			break;
		enum tls_status st =
		    handshake_message(ctx, msg[0], msg + HS_HEADER_LEN, body_len, record_len);
		if (st != TLS_OK)
			return st;
		*used += HS_HEADER_LEN + body_len;
	}
	return TLS_OK;
}

static enum tls_status keep_partial_message(struct feed_ctx *ctx, const uint8_t *p, size_t len)
{
	struct tls_direction *d = &ctx->conn->dir[ctx->from];
	if (len == 0)
		return TLS_OK;
	if (!d->hs_buf) {
		d->hs_buf = malloc(TLS_HANDSHAKE_MAX_LEN);
		if (!d->hs_buf)
			return fail(d, ctx->from, TLS_ERR_NOMEM, ctx->record_offset,
				    "out of memory");
	}
	memmove(d->hs_buf + d->hs_have, p, len);
	d->hs_have += len;
	return TLS_OK;
}

static enum tls_status handshake_record(struct feed_ctx *ctx, const uint8_t *body, size_t len)
{
	struct tls_direction *d = &ctx->conn->dir[ctx->from];
	size_t used;
	enum tls_status st;
	if (d->hs_have == 0) {
		st = handshake_messages(ctx, body, len, len, &used);
		if (st != TLS_OK)
			return st;
		return keep_partial_message(ctx, body + used, len - used);
	}
	/* A message continues from earlier records: its header is already buffered and its
	 * declared length was checked against the limit, so the copy below fits. */
	size_t room = TLS_HANDSHAKE_MAX_LEN - d->hs_have;
	size_t take = len < room ? len : room;
	memcpy(d->hs_buf + d->hs_have, body, take);
	d->hs_have += take;
	st = handshake_messages(ctx, d->hs_buf, d->hs_have, len, &used);
	if (st != TLS_OK)
		return st;
	size_t rest = d->hs_have - used;
	d->hs_have = 0;
	st = keep_partial_message(ctx, d->hs_buf + used, rest);
	if (st != TLS_OK || take == len)
		return st;
	/* The record held more than the buffer could take: go on from the record itself. */
	return handshake_record(ctx, body + take, len - take);
}

/* The whole record (header included) for the decryption: the header precedes the body both in
 * the caller's chunk and in the reassembly buffer. */
static struct tls_view whole_record(const uint8_t *body, size_t len)
{
	return (struct tls_view){body - TLS_RECORD_HEADER_LEN, TLS_RECORD_HEADER_LEN + len};
}

static enum tls_status alert_record(struct feed_ctx *ctx, const uint8_t *body, size_t len)
{
	/* A plaintext alert is 2 bytes (RFC 8446 §6); anything else after CCS is encrypted. A
	 * record may carry several alerts. */
	bool encrypted = side_encrypts_typed_records(ctx->conn, ctx->from) || len == 0 || len % 2;
	if (encrypted) {
		struct tls_record_event ev = {.type = TLS_EV_ENCRYPTED_ALERT};
		ev.record = whole_record(body, len);
		emit(ctx, &ev, len);
		return TLS_OK;
	}
	for (size_t i = 0; i + 1 < len; i += 2) {
		struct tls_record_event ev = {.type = TLS_EV_ALERT};
		ev.alert_level = body[i];
		ev.alert_description = body[i + 1];
		emit(ctx, &ev, len);
	}
	return TLS_OK;
}

static enum tls_status process_record(struct feed_ctx *ctx, const struct tls_record *record)
{
	struct tls_direction *d = &ctx->conn->dir[ctx->from];
	struct tls_record_event ev;
	/* the kinds below use none of the union: its 270 bytes are not cleared for every record */
	memset(&ev, 0, offsetof(struct tls_record_event, client_hello));
	switch (record->content_type) {
	case TLS_CT_HANDSHAKE:
		if (side_encrypts_typed_records(ctx->conn, ctx->from)) {
			ev.type = TLS_EV_ENCRYPTED_HANDSHAKE;
			ev.record = whole_record(record->body.ptr, record->body.len);
			emit(ctx, &ev, record->body.len);
			return TLS_OK;
		}
		return handshake_record(ctx, record->body.ptr, record->body.len);
	case TLS_CT_ALERT:
		return alert_record(ctx, record->body.ptr, record->body.len);
	case TLS_CT_CHANGE_CIPHER_SPEC:
		d->ccs_seen = true;
		ev.type = TLS_EV_CHANGE_CIPHER_SPEC;
		emit(ctx, &ev, record->body.len);
		return TLS_OK;
	case TLS_CT_APPLICATION_DATA:
		d->app_data_records++;
		d->app_data_bytes += record->body.len;
		ev.type = TLS_EV_APPLICATION_DATA;
		ev.record = whole_record(record->body.ptr, record->body.len);
		emit(ctx, &ev, record->body.len);
		return TLS_OK;
	default: /* heartbeat: nothing to report */
		return TLS_OK;
	}
}

/* Completes a record that started in an earlier chunk. Returns bytes of data consumed, or a
 * negative status. */
static long continue_partial_record(struct feed_ctx *ctx, const uint8_t *data, size_t len)
{
	struct tls_direction *d = &ctx->conn->dir[ctx->from];
	size_t need = TLS_RECORD_HEADER_LEN;
	if (d->record_have >= TLS_RECORD_HEADER_LEN)
		need += (size_t)d->record_buf[3] << 8 | d->record_buf[4];
	size_t take = need - d->record_have < len ? need - d->record_have : len;
	memcpy(d->record_buf + d->record_have, data, take);
	d->record_have += take;

	struct tls_record record;
	size_t record_len;
	enum tls_status st = tls_record_parse(d->record_buf, d->record_have, &record, &record_len);
	if (st < 0)
		return header_error(ctx, st, d->record_buf, d->record_have);
	if (st == TLS_INCOMPLETE) /* the caller comes back with the rest, if any */
		return (long)take;
	st = process_record(ctx, &record);
	d->offset += record_len;
	d->record_have = 0;
	free(d->record_buf);
	d->record_buf = NULL;
	return st < 0 ? st : (long)take;
}

enum tls_status tls_conn_feed(struct tls_conn *conn, enum tls_dir from, const uint8_t *data,
			      size_t len, uint64_t ts_ns, tls_record_event_fn on_event, void *user)
{
	struct tls_direction *d = &conn->dir[from];
	struct feed_ctx ctx = {conn, from, ts_ns, 0, on_event, user};
	while (len > 0 && d->status == TLS_OK) {
		ctx.record_offset = d->offset;
		if (d->record_have > 0) {
			long used = continue_partial_record(&ctx, data, len);
			if (used < 0)
				break;
			data += used;
			len -= (size_t)used;
			continue;
		}
		struct tls_record record;
		size_t record_len;
		enum tls_status st = tls_record_parse(data, len, &record, &record_len);
		if (st < 0) {
			header_error(&ctx, st, data, len);
			break;
		}
		if (st == TLS_INCOMPLETE) {
			d->record_buf = malloc(TLS_RECORD_HEADER_LEN + TLS_RECORD_MAX_BODY_LEN);
			if (!d->record_buf) {
				fail(d, from, TLS_ERR_NOMEM, d->offset, "out of memory");
				break;
			}
			memcpy(d->record_buf, data, len);
			d->record_have = len;
			break;
		}
		st = process_record(&ctx, &record);
		d->offset += record_len;
		data += record_len;
		len -= record_len;
	}
	return d->status;
}

void tls_conn_gap(struct tls_conn *conn, enum tls_dir from, uint64_t missing_bytes)
{
	struct tls_direction *d = &conn->dir[from];
	if (d->status != TLS_OK)
		return;
	uint64_t at = d->offset + d->record_have;
	fail(d, from, TLS_ERR_GAP, at, "%llu bytes missing from the capture, decoding stopped",
	     (unsigned long long)missing_bytes);
}

void tls_conn_init(struct tls_conn *conn)
{
	memset(conn, 0, sizeof(*conn));
}

void tls_conn_release(struct tls_conn *conn)
{
	for (int i = 0; i < 2; i++) {
		free(conn->dir[i].record_buf);
		free(conn->dir[i].hs_buf);
	}
	tls_conn_init(conn);
}

bool tls_conn_certificates_encrypted(const struct tls_conn *conn)
{
	return conn->version == TLS_VERSION_1_3;
}

const char *tls_dir_name(enum tls_dir dir)
{
	return dir == TLS_FROM_CLIENT ? "client->server" : "server->client";
}
