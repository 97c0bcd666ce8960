/*
 * Layer views/: what users read: explanations as text, call indexes and ladders (text and
 * HTML), failure-report matching, text lines of live events. It calls sources/ (to load
 * input), journal/, diagnose/, engine/ and model/; never cli/.
 *
 * The ladder of one call, as rows in time order between lanes: this host (lane 0) and each
 * peer address the call talked to or tried to reach. Rows are the call's SIP messages, the
 * connections they rode on (and the failed attempts toward the same peers while the call
 * lived), TLS handshakes, alerts and chains, and the session-timer deadlines. Rows the verdict
 * cites as evidence are marked. Rendered as text (timeline_text.c) or HTML (timeline_html.c).
 */
#ifndef SIPTRAIL_TIMELINE_H
#define SIPTRAIL_TIMELINE_H

#include <stdio.h>

#include "call_index.h"
#include "event_load.h"

#define TIMELINE_MAX_LANES 6 /* this host + 5 peers */

enum timeline_arrow { TL_TO_PEER, TL_TO_LOCAL, TL_NOTE };

enum timeline_kind { TL_CONN, TL_TLS, TL_SIP, TL_TIMER };

struct timeline_row {
	uint64_t ts_ns;
	uint64_t conn; /* 0: none */
	unsigned lane; /* the peer lane (1..), or 0 for a note on this host */
	enum timeline_arrow arrow;
	enum timeline_kind kind;
	char label[160];  /* short: on the arrow */
	char detail[640]; /* longer: after it / in a tooltip */
	bool evidence;	  /* cited by the verdict */
	bool failure;	  /* something that went wrong (failed handshake, 4xx, refused) */
	bool closing;	  /* a connection's close (its first FIN or reset) */
};

struct timeline {
	const struct call_entry *call;
	char lanes[TIMELINE_MAX_LANES][IP_ADDR_TEXT_LEN]; /* [0] this host */
	unsigned n_lanes;
	struct timeline_row *rows;
	size_t n_rows, cap;
	uint64_t start_ns;
};

/* Returns 0 or -ENOMEM. */
int timeline_build(struct timeline *tl, const struct event_list *events,
		   const struct call_entry *call);
void timeline_free(struct timeline *tl);

void timeline_print_text(FILE *out, const struct timeline *tl);

/* One HTML document with every timeline; returns 0 or -EIO. */
int timeline_write_html(FILE *out, const struct timeline *tls, size_t count, const char *title);

#endif
