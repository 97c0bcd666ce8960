/*
 * HEP export (`--hep [udp:|tcp:]HOST:PORT`, docs/hep.md): every SIP message as a HEPv3 packet
 * (hep_encode.h) with its connection's addresses, ports, transport and time, SIP read from TLS
 * included; every diagnosis as a HEP log packet whose correlation id is the call's Call-ID, so
 * Homer shows it on the call. Sending never blocks tracing: UDP datagrams go out with
 * MSG_DONTWAIT, and TCP through a bounded buffer on a non-blocking socket that is reconnected
 * after a failure; a packet that cannot go (or be queued) is counted as unsent.
 */
#ifndef SIPTRAIL_HEP_EXPORT_H
#define SIPTRAIL_HEP_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "explain.h"

#define HEP_CAPTURE_ID_DEFAULT 2001

struct hep_export_config {
	const char *target; /* [udp:|tcp:]HOST:PORT; IPv6: [ADDR]:PORT */
	uint32_t capture_id;
	const char *capture_name; /* NULL: no name chunk */
};

struct hep_export_counts {
	uint64_t sent, unsent;
};

struct hep_export;

/* Resolves the target and opens the socket (TCP connects in the background). Returns 0 or a
 * negative errno with the reason in WHY. */
int hep_export_open(const struct hep_export_config *config, struct hep_export **out, char *why,
		    size_t why_len);

/* Sends EV when it is a SIP message; other events are left alone. */
void hep_export_event(struct hep_export *hep, const struct event *ev);

/* Sends DIAG (of VERDICT's call) as a log line: the text `siptrail explain` prints for it. */
void hep_export_diagnosis(struct hep_export *hep, const struct call_verdict *verdict,
			  const struct diagnosis *diag, uint64_t ts_ns);

/* TCP: sends what is queued, as far as the socket takes it now. */
void hep_export_flush(struct hep_export *hep);

void hep_export_counts(const struct hep_export *hep, struct hep_export_counts *counts);

/* Tries to send what is queued (TCP, for up to a second), then closes, with the final counts
 * in COUNTS (NULL: not wanted). NULL is a no-op. */
void hep_export_close(struct hep_export *hep, struct hep_export_counts *counts);

#endif
