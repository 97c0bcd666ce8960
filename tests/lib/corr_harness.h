/* Builds events in a test (times in seconds from a fixed start), feeds them to a correlator
 * and keeps the verdict of every retired call, so rules are tested without journals. */
#ifndef SIPTRAIL_TEST_CORR_HARNESS_H
#define SIPTRAIL_TEST_CORR_HARNESS_H

#include "correlator.h"
#include "explain.h"

#define HARNESS_MAX_CALLS 8
#define H_CARRIER	  "198.51.100.20"
#define H_PBX		  "10.0.0.5"
#define H_CALL_ID	  "a84b4c76e66710@198.51.100.20"

struct harness {
	struct correlator corr;
	struct call_verdict verdicts[HARNESS_MAX_CALLS];
	unsigned n_verdicts;
	bool finished;
	/* hold: events are kept here (in the order built) instead of being fed */
	bool hold;
	struct event *held;
	unsigned n_held, cap_held;
};

void harness_init(struct harness *h);
void harness_init_config(struct harness *h, const struct correlator_config *config);
void harness_finish(struct harness *h);
uint64_t h_ts(double t_s);

void h_conn_open(struct harness *h, double t, uint64_t conn, enum direction dir);
/* conn_close: the first close, with no conn_end (yet) */
void h_conn_close(struct harness *h, double t, uint64_t conn, enum direction dir,
		  enum side closed_by, enum close_how how, double idle_s);
void h_conn_end(struct harness *h, double t, uint64_t conn, enum direction dir, enum side closed_by,
		enum close_how how, double idle_s, const char *sk_error);
void h_tls(struct harness *h, double t, uint64_t conn, bool client, bool ok, const char *error,
	   const char *verify_error);
/* The same connection's handshake failing after it had ended ok (TLS 1.3 late rejection). */
void h_tls_failed_after(struct harness *h, double t, uint64_t conn, bool client, const char *error,
			const char *verify_error);
void h_chain(struct harness *h, double t, uint64_t conn, enum side from, enum chain_verdict verdict,
	     unsigned n_certs, const char *leaf_sha256, const char *missing_issuer);
void h_alert(struct harness *h, double t, uint64_t conn, enum side from, const char *desc);

/* SIP over CONN (0: UDP from/to the PBX) toward REMOTE. The message is built from the
 * arguments: method ("INVITE") or status (>0, with method naming the CSeq method). */
struct h_msg {
	const char *method;
	int status;
	unsigned cseq;
	const char *branch;
	bool to_tag;
	const char *extra;   /* more header lines, each ending in \r\n, or NULL */
	const char *call_id; /* NULL: H_CALL_ID */
};
void h_sip(struct harness *h, double t, uint64_t conn, enum direction dir, const char *remote,
	   const struct h_msg *msg);

/* The carrier opens TLS conn 1 and sends an INVITE; the SBC proxies it to the PBX over UDP
 * and the call is confirmed at t=3 s. SE_REQ/SE_RESP: session timer header lines or NULL. */
void h_setup_call(struct harness *h, const char *se_req, const char *se_resp);

const struct call_verdict *harness_verdict(struct harness *h, const char *call_id);
bool harness_has(struct harness *h, enum diag_id id);
/* DIAG's first cause, DIAG_COUNT when none (or DIAG absent). */
enum diag_id harness_cause(struct harness *h, enum diag_id id);
bool harness_any_failure(struct harness *h);

#endif
