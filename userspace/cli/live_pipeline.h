/* Where every live event goes: the terminal (text or JSON lines), the journal, the metrics,
 * HEP, and the correlator, which prints a diagnosis as soon as a call is explained. Every source
 * hands its events over as struct event (model/event.h), the type a replayed journal or a capture
 * gives the correlator too; JSON is written, never read back. */
#ifndef SIPTRAIL_LIVE_PIPELINE_H
#define SIPTRAIL_LIVE_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diag_stream.h"
#include "event.h"
#include "event_output.h"
#include "hep_export.h"
#include "metrics.h"
#include "pcapng_write.h"
#include "sip_conn_streams.h"
#include "sip_source_pick.h"
#include "tls_event.h"
#include "tls_keylog.h"

struct live_pipeline {
	struct event_output output;	 /* the terminal (text or JSON) and the journal */
	struct pcapng_writer *pcap_out;	 /* SIP read from TLS, as synthetic packets; NULL: none */
	struct metrics *metrics;	 /* counts of events and diagnoses; NULL: none */
	struct hep_export *hep;		 /* SIP messages and diagnoses to Homer; NULL: none */
	struct diag_stream diags;	 /* the correlator behind a reorder window */
	struct sip_conn_streams tls_sip; /* SSL_read/SSL_write plaintext, framed per conn */
	struct sip_source_pick sip_sources; /* libssl or decrypted: one per connection */
	/* TLS session secrets the wire path decrypts records with (docs/tls-decryption.md):
	 * loaded from --keylog, and added as the libssl probe reads them at each handshake's
	 * end (live_pipeline_tls_event). Freed by live_pipeline_finish: the wire is not polled
	 * after. */
	struct tls_keylog *keylog;
	FILE *keylog_out;	 /* --keylog-out; NULL: not written */
	uint64_t secrets_unread; /* handshakes whose secrets could not be read */
	uint64_t events_seen;
	unsigned long failures, warnings; /* diagnoses printed */
	int output_err;			  /* first error writing stdout or the journal */
};

int live_pipeline_init(struct live_pipeline *pipe, bool json, struct journal_file *journal,
		       struct pcapng_writer *pcap_out, struct metrics *metrics,
		       struct hep_export *hep);

/* Takes one event (moved out of *ev, which is left empty). Returns 0 or a negative errno when
 * the output cannot be written. */
int live_pipeline_emit(struct live_pipeline *pipe, struct event *ev);

/* A TLS-library event: handshakes go out as they are; plaintext is framed into whole SIP
 * messages per connection and direction first. */
void live_pipeline_tls_event(struct live_pipeline *pipe, const struct tls_event *ev);

/* The feed is quiet: lets the reorder window release what is due, so diagnoses are not held
 * back, sends what HEP queued and hands the journal's buffered lines to the kernel. NOW_NS:
 * wall clock. */
void live_pipeline_tick(struct live_pipeline *pipe, uint64_t now_ns);

/* End of the run: every call still open is explained. */
void live_pipeline_finish(struct live_pipeline *pipe);

#endif
