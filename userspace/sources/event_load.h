/*
 * Layer sources/: everything events come from. Live: the socket tracer (live_tracer), the
 * libssl probe (ssl_probe), the wire path (live_wire, wire_*), with what the kernel offers
 * (kernel_facts). Offline: captures (capture_source) and journals, loaded here. Also the
 * pcapng writer the wire path and replay share. It calls journal/, diagnose/, engine/,
 * model/, decoders/ and bpf/'s event headers; never views/ or cli/.
 *
 * The input of the offline commands (explain, calls, correlate, timeline): a journal or
 * capture files, recognised by their first bytes, streamed event by event (event_read.h) or
 * read whole into a time-ordered list of events (here). Also the command-line options every
 * command shares for captures (--host, --ports, --ca-file, --ca-path, --vxlan-port, --keylog).
 */
#ifndef SIPTRAIL_EVENT_LOAD_H
#define SIPTRAIL_EVENT_LOAD_H

#include <getopt.h>
#include <stdio.h>

#include "capture_source.h"
#include "event.h"
#include "event_read.h"

struct event_list {
	struct event *events;
	size_t count, cap;
	struct event_input_stats input;
};

/* Moves EV to the end of LIST. Returns 0 or -ENOMEM (EV released). */
int event_list_push(struct event_list *list, struct event *ev);
/* Stable sort by time: sources may write events slightly out of order, and inputs may be
 * appended out of order. O(n log n) in general, one pass when already in order. Returns 0 or
 * -ENOMEM (LIST unchanged). */
int event_list_sort(struct event_list *list);
void event_list_free(struct event_list *list);

/* event_read into LIST, sorted (the events before a bad packet are kept in LIST). */
int event_load(const char *cmd, const char *path, const struct capture_source_options *options,
	       struct event_list *list);

/* The same over PATHS (event_read_files: one journal, or captures read as one), keeping only
 * the events KEEP says true for (a second pass over the input that needs a few calls' events,
 * not all of them). */
typedef bool (*event_keep_fn)(const struct event *ev, void *ctx);
int event_load_some(const char *cmd, const char *const *paths, size_t n_paths,
		    const struct capture_source_options *options, event_keep_fn keep, void *ctx,
		    struct event_list *list);

/* getopt_long entries for the capture options; their values are 0x100.. */
enum {
	OPT_CAPTURE_HOST = 0x100,
	OPT_CAPTURE_PORTS,
	OPT_CAPTURE_CA_FILE,
	OPT_CAPTURE_CA_PATH,
	OPT_CAPTURE_VXLAN_PORT,
	OPT_CAPTURE_KEYLOG
};
#define CAPTURE_LONG_OPTIONS                                                                       \
	{"host", required_argument, NULL, OPT_CAPTURE_HOST},                                       \
	    {"ports", required_argument, NULL, OPT_CAPTURE_PORTS},                                 \
	    {"ca-file", required_argument, NULL, OPT_CAPTURE_CA_FILE},                             \
	    {"ca-path", required_argument, NULL, OPT_CAPTURE_CA_PATH},                             \
	    {"keylog", required_argument, NULL, OPT_CAPTURE_KEYLOG},                               \
	{                                                                                          \
		"vxlan-port", required_argument, NULL, OPT_CAPTURE_VXLAN_PORT                      \
	}
#define CAPTURE_OPTIONS_HELP                                                                       \
	"  --host IP      this host's address in a capture (repeatable; default: inferred)\n"      \
	"  --ports LIST   only traffic on these ports in a capture, e.g. 5060,5061\n"              \
	"  --ca-file F    trust store for chain verdicts (default: the system's)\n"                \
	"  --ca-path D    trust store directory (c_rehash layout)\n"                               \
	"  --vxlan-port N VXLAN on UDP port N too (4789 always)\n"                                 \
	"  --keylog FILE  NSS key log (SSLKEYLOGFILE) to decrypt TLS in a capture with\n"

/* Applies one of the options above. Returns 1 when OPT was one of them, 0 when not, -1 after
 * reporting a bad value. */
int capture_option(const char *cmd, int opt, const char *arg,
		   struct capture_source_options *options);

#endif
