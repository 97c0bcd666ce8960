/* The reverse-path probe: one non-blocking TCP connect, one TLS handshake as client, a read
 * for the peer's late verdict, and an optional OPTIONS, each under its own deadline. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "reverse_probe.h"
#include "sip_message.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Waits until FD is ready for EVENTS or DEADLINE_MS passes. Returns > 0 ready, 0 timeout. */
static int wait_fd(int fd, short events, uint64_t deadline_ms)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	uint64_t now = now_ms();
	int rc;

	if (now >= deadline_ms)
		return 0;
	do
		rc = poll(&pfd, 1, (int)(deadline_ms - now));
	while (rc < 0 && errno == EINTR);
	return rc;
}

const char *probe_client_cert_name(enum probe_client_cert verdict)
{
	switch (verdict) {
	case PROBE_CLIENT_CERT_NONE:
		return "none";
	case PROBE_CLIENT_CERT_ACCEPTED:
		return "accepted";
	case PROBE_CLIENT_CERT_REJECTED:
		return "rejected";
	case PROBE_CLIENT_CERT_UNKNOWN:
		break;
	}
	return "unknown";
}

SSL_CTX *reverse_probe_ctx(const struct reverse_probe_options *o, char *err, size_t len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	const char *what = "creating the TLS context";

	if (!ctx)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, o->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	what = "loading the trust store";
	if (o->ca_file || o->ca_path) {
		if (SSL_CTX_load_verify_locations(ctx, o->ca_file, o->ca_path) != 1)
			goto fail;
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		goto fail;
	}
	if (o->cert_file) {
		what = "loading the client certificate";
		if (SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1)
			goto fail;
		what = "loading the client key";
		if (SSL_CTX_use_PrivateKey_file(ctx, o->key_file ? o->key_file : o->cert_file,
						SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1)
			goto fail;
	}
	return ctx;
fail:
	snprintf(err, len, "%s: %s", what, ERR_reason_error_string(ERR_peek_last_error()) ?: "?");
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

/* A connected non-blocking socket, or -1 with result->connect_error set. */
static int connect_to(const struct reverse_probe_options *o, const char *addr, uint16_t port,
		      struct probe_result *r)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai;
	char service[8];
	uint64_t start = now_ms();
	int fd, rc, so_error = 0;
	socklen_t so_len = sizeof(so_error);

	snprintf(service, sizeof(service), "%u", port);
	rc = getaddrinfo(addr, service, &hints, &ai);
	if (rc) {
		snprintf(r->connect_error, sizeof(r->connect_error), "%s", gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS)) {
		so_error = errno;
	} else if (!wait_fd(fd, POLLOUT, start + o->timeout_ms)) {
		snprintf(r->connect_error, sizeof(r->connect_error), "timed out after %u ms",
			 o->timeout_ms);
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len)) {
		so_error = errno;
	}
	freeaddrinfo(ai);
	if (so_error)
		snprintf(r->connect_error, sizeof(r->connect_error), "%s (%s)",
			 strerrorname_np(so_error) ?: "?", strerror(so_error));
	if (r->connect_error[0]) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	r->connect_ms = (double)(now_ms() - start);
	r->reachable = true;
	return fd;
}

static void copy_chain(SSL *ssl, struct probe_result *r)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);

	for (int i = 0; chain && i < sk_X509_num(chain) && r->n_chain < PROBE_MAX_CHAIN; i++) {
		X509 *cert = sk_X509_value(chain, i);
		struct probe_cert *c = &r->chain[r->n_chain++];
		BIO *bio = BIO_new(BIO_s_mem());
		int n = 0;

		X509_NAME_oneline(X509_get_subject_name(cert), c->subject, sizeof(c->subject));
		X509_NAME_oneline(X509_get_issuer_name(cert), c->issuer, sizeof(c->issuer));
		if (bio && ASN1_TIME_print(bio, X509_get0_notAfter(cert)))
			n = BIO_read(bio, c->not_after, sizeof(c->not_after) - 1);
		c->not_after[n > 0 ? n : 0] = '\0';
		BIO_free(bio);
	}
}

/* The first OpenSSL reason on the error queue into BUF (then cleared); its reason code. */
static int take_reason(char *buf, size_t len, int ssl_error)
{
	unsigned long e = ERR_peek_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	if (reason)
		snprintf(buf, len, "%s", reason);
	else if (ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_ZERO_RETURN)
		snprintf(buf, len, "the peer closed the connection");
	else
		snprintf(buf, len, "SSL error %d", ssl_error);
	ERR_clear_error();
	return e ? ERR_GET_REASON(e) : 0;
}

/* An alert from the server that says it did not take this host's certificate. */
static bool rejects_client_cert(int reason)
{
	switch (reason) {
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
	case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
	case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
	case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
		return true;
	}
	return false;
}

static bool version_mismatch(int reason)
{
	switch (reason) {
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_NO_PROTOCOLS_AVAILABLE:
	case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
	case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
	case SSL_R_NO_SHARED_CIPHER:
	case SSL_R_WRONG_VERSION_NUMBER:
		return true;
	}
	return false;
}

/* What this host's failed verification of the peer's chain would be diagnosed as. */
static enum diag_id untrusted_chain(long verify, const struct probe_result *r)
{
	if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
		return DIAG_TLS_NAME_MISMATCH;
	/* a lone leaf whose issuer is not at hand: the intermediate was not sent */
	if ((verify == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	     verify == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE) &&
	    r->n_chain == 1 && strcmp(r->chain[0].subject, r->chain[0].issuer))
		return DIAG_TLS_INCOMPLETE_CHAIN;
	return DIAG_TLS_UNTRUSTED;
}

static void handshake(SSL *ssl, int fd, const struct reverse_probe_options *o,
		      struct probe_result *r)
{
	uint64_t deadline = now_ms() + o->timeout_ms;
	int rc, ssl_error, reason;
	long verify;

	while ((rc = SSL_connect(ssl)) != 1) {
		ssl_error = SSL_get_error(ssl, rc);
		if ((ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE) &&
		    wait_fd(fd, ssl_error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) > 0)
			continue;
		break;
	}
	copy_chain(ssl, r);
	verify = SSL_get_verify_result(ssl);
	r->chain_trusted = r->n_chain && verify == X509_V_OK;
	if (verify != X509_V_OK && r->n_chain)
		snprintf(r->verify_error, sizeof(r->verify_error), "%s",
			 X509_verify_cert_error_string(verify));
	if (rc == 1) {
		r->handshake_ok = true;
		snprintf(r->tls_version, sizeof(r->tls_version), "%s", SSL_get_version(ssl));
		return;
	}
	if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE) {
		snprintf(r->reason, sizeof(r->reason), "no handshake within %u ms", o->timeout_ms);
		r->prediction = DIAG_CONNECT_FAILED;
		return;
	}
	reason = take_reason(r->reason, sizeof(r->reason), ssl_error);
	if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
		r->prediction = untrusted_chain(verify, r);
	} else if (rejects_client_cert(reason)) {
		r->client_cert = PROBE_CLIENT_CERT_REJECTED;
		snprintf(r->client_cert_reason, sizeof(r->client_cert_reason), "%s", r->reason);
		r->prediction = DIAG_TLS_CLIENT_CERT;
	} else if (version_mismatch(reason)) {
		r->prediction = DIAG_TLS_VERSION_MISMATCH;
	} else {
		r->prediction = DIAG_CONNECT_FAILED;
	}
}

/*
 * TLS 1.3: the server checks the client's certificate after the client's handshake call has
 * returned, and says no with an alert then. Reads until the wait ends: a certificate alert
 * rejects this host's certificate, another error or a close fails the connection all the
 * same; silence (or session tickets) accepts it.
 */
static void read_late_verdict(SSL *ssl, int fd, const struct reverse_probe_options *o,
			      struct probe_result *r)
{
	uint64_t deadline = now_ms() + o->late_alert_ms;
	char byte, reason[160];

	while (wait_fd(fd, POLLIN, deadline) > 0) {
		int rc = SSL_read(ssl, &byte, 1), ssl_error = SSL_get_error(ssl, rc);
		if (rc > 0 || ssl_error == SSL_ERROR_WANT_READ)
			continue; /* a session ticket, or bytes the peer sent unasked */
		r->handshake_ok = false;
		if (rejects_client_cert(take_reason(reason, sizeof(reason), ssl_error))) {
			r->client_cert = PROBE_CLIENT_CERT_REJECTED;
			snprintf(r->client_cert_reason, sizeof(r->client_cert_reason), "%s",
				 reason);
			r->prediction = DIAG_TLS_CLIENT_CERT;
		} else {
			r->prediction = DIAG_CONNECT_FAILED;
		}
		snprintf(r->reason, sizeof(r->reason), "%.130s (after the handshake)", reason);
		return;
	}
	if (r->client_cert != PROBE_CLIENT_CERT_NONE)
		r->client_cert = PROBE_CLIENT_CERT_ACCEPTED;
}

/* An OPTIONS out of dialog (RFC 3261 §11) and its final answer's status line. */
static void send_options(SSL *ssl, int fd, const struct reverse_probe_options *o,
			 struct probe_result *r)
{
	struct sockaddr_storage local;
	socklen_t local_len = sizeof(local);
	char host[IP_ADDR_TEXT_LEN] = "0.0.0.0", request[768], answer[8192];
	size_t have = 0;
	unsigned tag = (unsigned)now_ms() ^ (unsigned)getpid();
	uint64_t deadline;
	struct sip_message msg;
	int len;

	if (!getsockname(fd, (struct sockaddr *)&local, &local_len))
		getnameinfo((struct sockaddr *)&local, local_len, host, sizeof(host), NULL, 0,
			    NI_NUMERICHOST);
	len = snprintf(request, sizeof(request),
		       "OPTIONS sip:%s:%u;transport=tls SIP/2.0\r\n"
		       "Via: SIP/2.0/TLS %s;branch=z9hG4bK-siptrail-%08x\r\n"
		       "Max-Forwards: 70\r\n"
		       "From: <sip:siptrail@%s>;tag=%08x\r\n"
		       "To: <sip:%s:%u>\r\n"
		       "Call-ID: probe-%08x@%s\r\n"
		       "CSeq: 1 OPTIONS\r\n"
		       "User-Agent: siptrail probe-reverse\r\n"
		       "Content-Length: 0\r\n\r\n",
		       r->addr, r->port, host, tag, host, tag, r->addr, r->port, tag, host);
	r->options_sent = SSL_write(ssl, request, len) == len;
	if (!r->options_sent) {
		take_reason(r->options_answer, sizeof(r->options_answer), 0);
		return;
	}
	deadline = now_ms() + o->timeout_ms;
	while (wait_fd(fd, POLLIN, deadline) > 0 && have < sizeof(answer)) {
		int rc = SSL_read(ssl, answer + have, (int)(sizeof(answer) - have));
		if (rc <= 0) {
			if (SSL_get_error(ssl, rc) == SSL_ERROR_WANT_READ)
				continue;
			take_reason(r->options_answer, sizeof(r->options_answer),
				    SSL_get_error(ssl, rc));
			return;
		}
		have += (size_t)rc;
		/* skip provisional answers; keep reading for the final one */
		while (sip_message_parse(answer, have, SIP_PARSE_STREAM, &msg) == SIP_PARSE_OK &&
		       msg.kind == SIP_KIND_RESPONSE) {
			if (msg.status >= 200) {
				r->options_status = msg.status;
				snprintf(r->options_answer, sizeof(r->options_answer), "%u %.*s",
					 msg.status, (int)msg.reason_phrase.len,
					 msg.reason_phrase.ptr);
				return;
			}
			memmove(answer, answer + msg.length, have - msg.length);
			have -= msg.length;
		}
	}
	snprintf(r->options_answer, sizeof(r->options_answer), "no final answer within %u ms",
		 o->timeout_ms);
}

void reverse_probe_run(SSL_CTX *ctx, const struct reverse_probe_options *o, const char *addr,
		       uint16_t port, struct probe_result *r)
{
	SSL *ssl = NULL;
	int fd;

	memset(r, 0, sizeof(*r));
	snprintf(r->addr, sizeof(r->addr), "%s", addr);
	r->port = port;
	r->prediction = DIAG_CONNECT_FAILED;
	r->client_cert =
	    SSL_CTX_get0_certificate(ctx) ? PROBE_CLIENT_CERT_UNKNOWN : PROBE_CLIENT_CERT_NONE;
	fd = connect_to(o, addr, port, r);
	if (fd < 0)
		return;
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_fd(ssl, fd) || (o->sni && !SSL_set_tlsext_host_name(ssl, o->sni))) {
		take_reason(r->reason, sizeof(r->reason), 0);
		goto out;
	}
	handshake(ssl, fd, o, r);
	if (r->handshake_ok)
		read_late_verdict(ssl, fd, o, r);
	r->works = r->handshake_ok;
	if (r->works && o->send_options)
		send_options(ssl, fd, o, r);
	if (r->handshake_ok)
		SSL_shutdown(ssl); /* close_notify, as an idle close would */
out:
	SSL_free(ssl);
	close(fd);
}
