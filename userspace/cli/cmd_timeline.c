/* siptrail timeline JOURNAL|CAPTURE --call-id ID [--html FILE]: a call's ladder. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call_index.h"
#include "command.h"
#include "event_load.h"
#include "sip_event_fields.h"
#include "timeline.h"

#define MAX_CALL_IDS 64

struct timeline_args {
	const char *const *paths; /* the input: a journal, or captures read as one */
	size_t n_paths;
	char input[300]; /* what messages call the input: its file, "FILE and N more files" */
	const char *html;
	const char *call_ids[MAX_CALL_IDS];
	size_t n_call_ids;
	bool failed;
	struct capture_source_options capture;
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: siptrail timeline JOURNAL|CAPTURE... (--call-id ID ... | --failed) [--html "
	    "FILE]\n"
	    "  Draws each call as a ladder: this host and its peers, the connections (open,\n"
	    "  close, who, idle time), TLS handshakes, SIP messages and session-timer deadlines,\n"
	    "  with the diagnosis on top and its evidence marked.\n"
	    "  --call-id ID   a call (repeatable)\n"
	    "  --failed       every call with a failure diagnosis\n"
	    "  --html FILE    one self-contained HTML file (inline SVG and CSS) instead of "
	    "text\n" CAPTURE_OPTIONS_HELP
	    "exit: 0 drawn, 1 a named call is not in the input, 2 usage or I/O\n");
}

static int parse_args(int argc, char **argv, struct timeline_args *a)
{
	static const struct option options[] = {
	    {"call-id", required_argument, NULL, 'c'},
	    {"failed", no_argument, NULL, 'f'},
	    {"html", required_argument, NULL, 'H'},
	    {"help", no_argument, NULL, 'h'},
	    CAPTURE_LONG_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (capture_option("timeline", opt, optarg, &a->capture)) {
		case 1:
			continue;
		case -1:
			return EXIT_USAGE;
		}
		switch (opt) {
		case 'c':
			if (a->n_call_ids == MAX_CALL_IDS) {
				fprintf(stderr, "siptrail timeline: at most %d --call-id\n",
					MAX_CALL_IDS);
				return EXIT_USAGE;
			}
			a->call_ids[a->n_call_ids++] = optarg;
			break;
		case 'f':
			a->failed = true;
			break;
		case 'H':
			a->html = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc || (!a->n_call_ids && !a->failed)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	a->paths = (const char *const *)&argv[optind];
	a->n_paths = (size_t)(argc - optind);
	if (a->n_paths == 1)
		snprintf(a->input, sizeof(a->input), "%s", a->paths[0]);
	else
		snprintf(a->input, sizeof(a->input), "%s and %zu more files", a->paths[0],
			 a->n_paths - 1);
	return 0;
}

/* The calls asked for, in the order asked (then --failed ones in the order seen). */
static int select_calls(const struct timeline_args *a, const struct call_index *index,
			const struct call_entry **out, size_t *n_out)
{
	size_t n = 0;
	int rc = EXIT_OK;

	for (size_t i = 0; i < a->n_call_ids; i++) {
		const struct call_entry *c = call_index_find(index, a->call_ids[i]);
		if (!c) {
			fprintf(stderr, "siptrail timeline: call '%s' is not in %s\n",
				a->call_ids[i], a->input);
			rc = EXIT_FINDINGS;
			continue;
		}
		out[n++] = c;
	}
	for (size_t i = 0; a->failed && i < index->count; i++) {
		bool listed = false;
		for (size_t k = 0; k < n; k++)
			listed |= out[k] == &index->calls[i];
		if (index->calls[i].failed && !listed)
			out[n++] = &index->calls[i];
	}
	*n_out = n;
	return rc;
}

static int draw(const struct timeline_args *a, const struct event_list *events,
		const struct call_entry **calls, size_t n)
{
	struct timeline *tls = calloc(n + 1, sizeof(*tls));
	FILE *html = NULL;
	int rc = EXIT_OK;
	size_t built = 0;

	if (!tls)
		return EXIT_USAGE;
	for (; built < n; built++)
		if (timeline_build(&tls[built], events, calls[built])) {
			fprintf(stderr, "siptrail timeline: out of memory\n");
			rc = EXIT_USAGE;
			goto out;
		}
	if (!a->html) {
		for (size_t i = 0; i < n; i++)
			timeline_print_text(stdout, &tls[i]);
		goto out;
	}
	int fd = open(a->html, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	html = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!html) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "siptrail timeline: %s: %s\n", a->html, strerror(errno));
		rc = EXIT_USAGE;
		goto out;
	}
	if (timeline_write_html(html, tls, n, a->input) || fclose(html)) {
		fprintf(stderr, "siptrail timeline: %s: write failed\n", a->html);
		rc = EXIT_USAGE;
	} else {
		printf("wrote %s: %zu call(s)\n", a->html, n);
	}
out:
	for (size_t i = 0; i < built; i++)
		timeline_free(&tls[i]);
	free(tls);
	return rc;
}

static int call_id_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct selected_ids {
	const char **ids; /* sorted */
	size_t count;
	struct sip_decode_scratch *scratch; /* for SIP that came without its fields */
};

/* The second pass keeps the chosen calls' SIP and every connection and TLS event (few: a
 * handful per connection), which timeline_build sorts out. */
static bool keep_for_timeline(const struct event *ev, void *ctx)
{
	const struct selected_ids *sel = ctx;
	const struct sip_fields *fields;
	const char *call_id;

	if (ev->kind != EV_SIP)
		return ev->conn && ev->kind != EV_LOST;
	fields = sip_event_fields(ev, sel->scratch);
	if (!fields->values.decoded)
		return false;
	call_id = fields->call_id;
	return bsearch(&call_id, sel->ids, sel->count, sizeof(*sel->ids), call_id_cmp) != NULL;
}

/* Reads the input again for the chosen calls' events only and draws them. */
static int draw_from_input(const struct timeline_args *a, const struct call_entry **calls, size_t n)
{
	struct selected_ids sel = {calloc(n + 1, sizeof(*sel.ids)), n,
				   malloc(sizeof(*sel.scratch))};
	struct event_list events;
	int rc, load_rc;

	if (!sel.ids || !sel.scratch) {
		fprintf(stderr, "siptrail timeline: out of memory\n");
		free(sel.ids);
		free(sel.scratch);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		sel.ids[i] = calls[i]->call_id;
	qsort(sel.ids, n, sizeof(*sel.ids), call_id_cmp);
	load_rc = event_load_some("timeline", a->paths, a->n_paths, &a->capture, keep_for_timeline,
				  &sel, &events);
	rc = load_rc && load_rc != -EIO ? EXIT_USAGE : draw(a, &events, calls, n);
	event_list_free(&events);
	free(sel.ids);
	free(sel.scratch);
	return rc;
}

int cmd_timeline(int argc, char **argv)
{
	struct timeline_args args = {0};
	struct correlator_config config;
	struct call_index index;
	const struct call_entry **calls;
	size_t n_calls = 0;
	int rc = parse_args(argc, argv, &args), select_rc, load_rc;

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (!strcmp(args.paths[0], "-")) {
		fprintf(stderr, "siptrail timeline: the input is read twice (the calls, then the "
				"chosen calls' events): give a file, not '-'\n");
		return EXIT_USAGE;
	}
	correlator_config_default(&config);
	load_rc =
	    call_index_read(&index, "timeline", args.paths, args.n_paths, &args.capture, &config);
	if (load_rc && load_rc != -EIO) {
		call_index_free(&index);
		return EXIT_USAGE;
	}
	calls = calloc(index.count + MAX_CALL_IDS + 1, sizeof(*calls));
	if (!calls) {
		rc = EXIT_USAGE;
	} else {
		select_rc = select_calls(&args, &index, calls, &n_calls);
		if (!n_calls && args.failed && !args.n_call_ids)
			printf("no call with a failure in %s\n", args.input);
		rc = n_calls ? draw_from_input(&args, calls, n_calls) : EXIT_OK;
		if (rc == EXIT_OK)
			rc = select_rc;
	}
	free(calls);
	call_index_free(&index);
	return load_rc ? EXIT_USAGE : rc;
}
