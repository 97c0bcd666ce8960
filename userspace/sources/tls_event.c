#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls_event.h"

/* The contract writes IPv4 dotted, also for IPv4-mapped addresses on an IPv6 socket: the
 * address as the wire carries it. */
static void addr_convert(const __u8 *addr, __u16 family, struct ip_addr *out)
{
	static const __u8 v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (family == AF_INET6 && memcmp(addr, v4_mapped, sizeof(v4_mapped)) == 0)
		ip_addr_set(out, AF_INET, addr + 12);
	else
		ip_addr_set(out, family == AF_INET ? AF_INET : AF_INET6, addr);
}

static const char *mapped_by_name(__u8 source)
{
	switch (source) {
	case SSL_BIND_IN_CALL:
		return "in_call";
	case SSL_BIND_RECV_BEFORE:
		return "recv_before";
	case SSL_BIND_SEND_AFTER:
		return "send_after";
	default:
		return NULL;
	}
}

static void head_convert(const struct ssl_event_head *head, int64_t offset_ns, struct tls_event *ev)
{
	ev->ts_ns = head->ts_ns + offset_ns;
	ev->conn = head->conn.cookie;
	ev->ssl = head->ssl;
	ev->netns = head->netns;
	ev->pid = head->pid;
	ev->tid = head->tid;
	memcpy(ev->comm, head->comm, SSL_COMM_LEN);
	ev->comm[SSL_COMM_LEN] = '\0';
	addr_convert(head->conn.laddr, head->conn.family, &ev->laddr);
	addr_convert(head->conn.raddr, head->conn.family, &ev->raddr);
	ev->lport = head->conn.lport;
	ev->rport = head->conn.rport;
	ev->mapped_by = mapped_by_name(head->conn.bind_source);
}

static unsigned long err_pack(const struct ssl_err *err)
{
	/* As OpenSSL 3's err_set_error(): system errors carry ERR_SYSTEM_FLAG and errno. */
	if (err->lib == ERR_LIB_SYS)
		return ERR_SYSTEM_FLAG | (unsigned long)err->reason;
	return ERR_PACK(err->lib, 0, err->reason);
}

static void verify_convert(long verify_result, struct tls_handshake *hs)
{
	hs->verify_result = verify_result;
	hs->verify_error = verify_result > 0 ? X509_verify_cert_error_string(verify_result) : NULL;
}

/* The failure in OpenSSL's words: the SSL library's error, else a system error, else what
 * the application was told. */
static void failure_describe(const struct ssl_handshake_event *raw, struct tls_handshake *hs)
{
	const struct ssl_err *err = raw->err.lib ? &raw->err : raw->other.lib ? &raw->other : NULL;
	const char *reason;

	if (err) {
		/* The SSL library's reason strings are loaded on demand (idempotent). */
		OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS,
				 NULL);
		hs->error_code = err_pack(err);
		/* OpenSSL 3.0 has no reason strings for system errors: they are errno values. */
		reason = err->lib == ERR_LIB_SYS ? strerror(err->reason)
						 : ERR_reason_error_string(hs->error_code);
		if (reason)
			snprintf(hs->error, sizeof(hs->error), "%s", reason);
		else
			snprintf(hs->error, sizeof(hs->error), "reason(%d)", err->reason);
		ERR_error_string_n(hs->error_code, hs->error_detail, sizeof(hs->error_detail));
		return;
	}
	if (raw->end_by == SSL_HS_END_FREE) {
		snprintf(hs->error, sizeof(hs->error), "handshake not finished");
		snprintf(hs->error_detail, sizeof(hs->error_detail),
			 "SSL_free() before the handshake finished (last return %d)", raw->ret);
	} else if (raw->ssl_error == SSL_ERROR_ZERO_RETURN) {
		snprintf(hs->error, sizeof(hs->error), "peer closed the TLS session");
		snprintf(hs->error_detail, sizeof(hs->error_detail),
			 "SSL_get_error() = SSL_ERROR_ZERO_RETURN during the handshake");
	} else {
		snprintf(hs->error, sizeof(hs->error), "connection closed or socket error");
		snprintf(hs->error_detail, sizeof(hs->error_detail),
			 "SSL_get_error() = %d with an empty error queue", raw->ssl_error);
	}
}

static const char *ended_by_name(__u8 end_by)
{
	switch (end_by) {
	case SSL_HS_END_RETURN:
		return "return";
	case SSL_HS_END_GET_ERROR:
		return "SSL_get_error";
	case SSL_HS_END_FREE:
		return "SSL_free";
	default:
		return NULL;
	}
}

static void handshake_convert(const struct ssl_handshake_event *raw, int64_t offset_ns,
			      struct tls_event *ev)
{
	struct tls_handshake *hs = &ev->handshake;

	ev->kind = raw->head.type == SSL_EVENT_HANDSHAKE_BEGIN ? TLS_EVENT_HANDSHAKE_BEGIN
							       : TLS_EVENT_HANDSHAKE_END;
	hs->role = raw->role == SSL_ROLE_CLIENT	  ? "client"
		   : raw->role == SSL_ROLE_SERVER ? "server"
						  : NULL;
	hs->start_ts_ns = raw->start_ns + offset_ns;
	hs->duration_ns = ev->kind == TLS_EVENT_HANDSHAKE_END && raw->head.ts_ns > raw->start_ns
			      ? raw->head.ts_ns - raw->start_ns
			      : 0;
	hs->ok = raw->ok;
	hs->ended_by = ended_by_name(raw->end_by);
	hs->after_handshake = raw->after_handshake != 0;
	verify_convert(raw->verify_result, hs);
	if (ev->kind == TLS_EVENT_HANDSHAKE_END && !raw->ok)
		failure_describe(raw, hs);
}

static bool all_zero(const __u8 *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (bytes[i])
			return false;
	return true;
}

/* A TLS 1.3 secret is its suite's hash long (32 or 48 bytes), copied by OpenSSL into a buffer
 * of the largest hash's size in a zeroed object: the zero tail tells the length. 0: none. */
static size_t secret_len(const __u8 secret[SSL_SECRET_MAX])
{
	if (all_zero(secret, SSL_SECRET_MAX))
		return 0;
	if (!all_zero(secret + TLS_SECRET_MAX, SSL_SECRET_MAX - TLS_SECRET_MAX))
		return 0; /* longer than any suite's hash: not a secret */
	return all_zero(secret + 32, TLS_SECRET_MAX - 32) ? 32 : TLS_SECRET_MAX;
}

static void secret_add(struct tls_secrets *out, enum tls_secret_label label, const __u8 *bytes,
		       size_t len)
{
	struct tls_secret *secret;

	if (!len || out->count == TLS_SECRETS_MAX)
		return;
	secret = &out->secrets[out->count++];
	secret->label = label;
	memcpy(secret->bytes, bytes, len);
	secret->len = len;
}

/* The TLS 1.3 traffic secrets when the object has them (a TLS 1.2 object never sets them),
 * else the TLS 1.2 master secret. */
static void secrets_convert(const struct ssl_secrets_event *raw, struct tls_secrets *out)
{
	out->count = 0;
	if (!(raw->read & SSL_SECRETS_RANDOM) || all_zero(raw->client_random, SSL_RANDOM_LEN))
		return;
	memcpy(out->client_random, raw->client_random, SSL_RANDOM_LEN);
	if ((raw->read & SSL_SECRETS_APP) && secret_len(raw->client_app)) {
		secret_add(out, TLS_SECRET_CLIENT_TRAFFIC_0, raw->client_app,
			   secret_len(raw->client_app));
		secret_add(out, TLS_SECRET_SERVER_TRAFFIC_0, raw->server_app,
			   secret_len(raw->server_app));
		if (raw->read & SSL_SECRETS_HS) {
			secret_add(out, TLS_SECRET_CLIENT_HANDSHAKE_TRAFFIC, raw->client_hs,
				   secret_len(raw->client_hs));
			secret_add(out, TLS_SECRET_SERVER_HANDSHAKE_TRAFFIC, raw->server_hs,
				   secret_len(raw->server_hs));
		}
		return;
	}
	if ((raw->read & SSL_SECRETS_MASTER_KEY) && !all_zero(raw->master_key, SSL_MASTER_KEY_LEN))
		secret_add(out, TLS_SECRET_CLIENT_RANDOM, raw->master_key, SSL_MASTER_KEY_LEN);
}

int tls_event_from_raw(const void *raw, size_t raw_len, int64_t realtime_offset_ns,
		       struct tls_event *ev)
{
	const struct ssl_event_head *head = raw;
	const struct ssl_data_event *data = raw;
	const struct ssl_verify_event *verify = raw;
	const struct ssl_secrets_event *secrets = raw;

	memset(ev, 0, sizeof(*ev));
	if (raw_len < sizeof(*head))
		return -EINVAL;
	head_convert(head, realtime_offset_ns, ev);
	switch (head->type) {
	case SSL_EVENT_HANDSHAKE_BEGIN:
	case SSL_EVENT_HANDSHAKE_END:
		if (raw_len < sizeof(struct ssl_handshake_event))
			return -EINVAL;
		handshake_convert(raw, realtime_offset_ns, ev);
		return 0;
	case SSL_EVENT_DATA:
		if (raw_len < offsetof(struct ssl_data_event, data) ||
		    data->len > raw_len - offsetof(struct ssl_data_event, data))
			return -EINVAL;
		ev->kind = TLS_EVENT_DATA;
		ev->data.out = data->dir == SSL_DIR_OUT;
		ev->data.bytes = data->data;
		ev->data.len = data->len;
		ev->data.total_len = data->total_len;
		ev->data.truncated = data->truncated;
		return 0;
	case SSL_EVENT_VERIFY:
		if (raw_len < sizeof(*verify))
			return -EINVAL;
		ev->kind = TLS_EVENT_VERIFY;
		verify_convert(verify->verify_result, &ev->handshake);
		return 0;
	case SSL_EVENT_SECRETS:
		if (raw_len < sizeof(*secrets))
			return -EINVAL;
		ev->kind = TLS_EVENT_SECRETS;
		secrets_convert(secrets, &ev->secrets);
		return 0;
	default:
		return -EINVAL;
	}
}

static void text_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static void libssl_fields(const struct tls_event *tls, struct ev_libssl *libssl,
			  struct endpoint *local, struct endpoint *remote)
{
	libssl->given = true;
	libssl->pid = tls->pid;
	text_copy(libssl->comm, sizeof(libssl->comm), tls->comm);
	libssl->netns = tls->netns;
	local->addr = tls->laddr;
	local->port = tls->lport;
	remote->addr = tls->raddr;
	remote->port = tls->rport;
}

static void handshake_event(const struct tls_event *tls, struct event *out)
{
	const struct tls_handshake *hs = &tls->handshake;
	struct ev_tls_handshake *h = &out->handshake;

	out->kind = EV_TLS_HANDSHAKE;
	libssl_fields(tls, &h->libssl, &h->local, &h->remote);
	h->role_unknown = !hs->role;
	h->client = hs->role && !strcmp(hs->role, "client");
	h->ok = hs->ok;
	h->start_ts_ns = hs->start_ts_ns;
	h->duration_ns = hs->duration_ns;
	h->after_handshake = hs->after_handshake;
	text_copy(h->error, sizeof(h->error), hs->error);
	text_copy(h->error_detail, sizeof(h->error_detail), hs->error_detail);
	text_copy(h->verify_error, sizeof(h->verify_error), hs->verify_error);
}

static int sip_event(const struct tls_event *tls, struct event *out)
{
	const struct tls_data *data = &tls->data;
	struct ev_sip *sip = &out->sip;

	out->kind = EV_SIP;
	libssl_fields(tls, &sip->libssl, &sip->local, &sip->remote);
	sip->dir = data->out ? DIR_OUT : DIR_IN;
	sip->transport = TRANSPORT_TLS;
	sip->total_len = data->total_len;
	sip->truncated = data->truncated;
	sip->raw = malloc(data->len + 1);
	if (!sip->raw)
		return -ENOMEM;
	memcpy(sip->raw, data->bytes, data->len);
	sip->raw[data->len] = '\0';
	sip->raw_len = data->len;
	return 0;
}

int tls_event_to_event(const struct tls_event *tls, struct event *out)
{
	*out = (struct event){.ts_ns = tls->ts_ns, .conn = tls->conn};
	switch (tls->kind) {
	case TLS_EVENT_HANDSHAKE_END:
		handshake_event(tls, out);
		return 0;
	case TLS_EVENT_DATA:
		return sip_event(tls, out);
	default:
		return -ENOENT;
	}
}
