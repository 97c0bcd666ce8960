/*
 * The reverse-path probe (`siptrail probe-reverse`): opens the connection an in-dialog request
 * from this host would open to a peer after an idle close, over TLS with this host as the
 * client, with this host's trust store and client certificate, and reports what happens:
 * TCP connect, handshake (OpenSSL's reason), the chain the peer sent and whether this host
 * trusts it, whether the peer accepted this host's certificate (TLS 1.3 sends its verdict
 * after the client's handshake call returned, so the probe reads on for it), and optionally
 * the answer to an OPTIONS. It sends nothing else. From that it predicts the diagnosis a BYE
 * or refresh toward that peer would get.
 */
#ifndef SIPTRAIL_REVERSE_PROBE_H
#define SIPTRAIL_REVERSE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "event.h"
#include "explain.h"

struct reverse_probe_options {
	const char *ca_file, *ca_path;	  /* trust store; both NULL: the system's */
	const char *cert_file, *key_file; /* client certificate (chain) and key; NULL: none */
	bool verify;			  /* verify the peer's chain, as this host would */
	const char *sni;		  /* server name to send; NULL: none (as Kamailio) */
	unsigned timeout_ms;		  /* each of connect, handshake, OPTIONS answer */
	unsigned late_alert_ms;		  /* reading for the peer's verdict after the handshake */
	bool send_options;
};

#define PROBE_MAX_CHAIN 8

struct probe_cert {
	char subject[256], issuer[256], not_after[40];
};

enum probe_client_cert {
	PROBE_CLIENT_CERT_NONE,	    /* this host has no certificate to send */
	PROBE_CLIENT_CERT_ACCEPTED, /* no rejection before the late-alert wait ended */
	PROBE_CLIENT_CERT_REJECTED,
	PROBE_CLIENT_CERT_UNKNOWN, /* the handshake failed before the peer could judge it */
};

struct probe_result {
	char addr[EV_NAME_LEN]; /* as given: an address or a name */
	uint16_t port;
	bool reachable;
	char connect_error[64]; /* "ECONNREFUSED", "timed out", ...; "" when reachable */
	double connect_ms;
	bool handshake_ok;
	char tls_version[16];
	char reason[160];	/* OpenSSL's reason of the failure, "" when none */
	char verify_error[128]; /* this host's verdict on the peer's chain, "" when trusted */
	bool chain_trusted;
	struct probe_cert chain[PROBE_MAX_CHAIN]; /* as the peer sent it, leaf first */
	size_t n_chain;
	enum probe_client_cert client_cert;
	char client_cert_reason[160]; /* the alert or close that said no */
	bool options_sent;
	unsigned options_status; /* 0: no answer */
	char options_answer[160];
	bool works;		 /* a BYE or refresh would go through */
	enum diag_id prediction; /* when !works: the diagnosis the failure would get */
};

/* A client context for OPTIONS. Returns NULL with the reason in ERR. */
SSL_CTX *reverse_probe_ctx(const struct reverse_probe_options *options, char *err, size_t len);

/* Probes ADDR (numeric or a name) PORT; fills RESULT. */
void reverse_probe_run(SSL_CTX *ctx, const struct reverse_probe_options *options, const char *addr,
		       uint16_t port, struct probe_result *result);

const char *probe_client_cert_name(enum probe_client_cert verdict);

#endif
