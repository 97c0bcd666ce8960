/* Journal or capture -> a sorted list of events (event_read does the reading). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event_load.h"

int event_list_push(struct event_list *list, struct event *ev)
{
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 256;
		struct event *grown = realloc(list->events, cap * sizeof(*grown));
		if (!grown) {
			event_release(ev);
			return -ENOMEM;
		}
		list->events = grown;
		list->cap = cap;
	}
	event_move(&list->events[list->count++], ev);
	return 0;
}

struct sort_key {
	uint64_t ts_ns;
	size_t index; /* position before the sort: equal times keep it (stable) */
};

static int key_cmp(const void *a, const void *b)
{
	const struct sort_key *ka = a, *kb = b;

	if (ka->ts_ns != kb->ts_ns)
		return ka->ts_ns < kb->ts_ns ? -1 : 1;
	return ka->index < kb->index ? -1 : ka->index > kb->index;
}

static bool sorted_by_time(const struct event_list *list)
{
	for (size_t i = 1; i < list->count; i++)
		if (list->events[i - 1].ts_ns > list->events[i].ts_ns)
			return false;
	return true;
}

/* Puts events[keys[i].index] at i, following each cycle of the permutation once: every
 * event moves at most twice, and only one is held aside. */
static void apply_order(struct event *events, struct sort_key *keys, size_t count)
{
	for (size_t start = 0; start < count; start++) {
		struct event held;
		size_t at = start;

		if (keys[start].index == start)
			continue;
		held = events[start];
		while (keys[at].index != start) {
			size_t from = keys[at].index;
			events[at] = events[from];
			keys[at].index = at; /* placed */
			at = from;
		}
		events[at] = held;
		keys[at].index = at;
	}
}

int event_list_sort(struct event_list *list)
{
	struct sort_key *keys;

	/* sources give time order or nearly; a capture appended to itself (mergecap -a) or
	 * rotating files read out of order do not, so the general case must not be quadratic
	 * (an insertion sort took 350 s on 162,000 messages): small keys are sorted, then each
	 * event moved once */
	if (sorted_by_time(list))
		return 0;
	keys = malloc(list->count * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < list->count; i++)
		keys[i] = (struct sort_key){list->events[i].ts_ns, i};
	qsort(keys, list->count, sizeof(*keys), key_cmp);
	apply_order(list->events, keys, list->count);
	free(keys);
	return 0;
}

void event_list_free(struct event_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		event_release(&list->events[i]);
	free(list->events);
	memset(list, 0, sizeof(*list));
}

struct collect_ctx {
	struct event_list *list;
	event_keep_fn keep;
	void *keep_ctx;
};

static int collect(void *ctx, struct event *ev)
{
	struct collect_ctx *c = ctx;

	if (c->keep && !c->keep(ev, c->keep_ctx)) {
		event_release(ev);
		return 0;
	}
	return event_list_push(c->list, ev);
}

int event_load_some(const char *cmd, const char *const *paths, size_t n_paths,
		    const struct capture_source_options *options, event_keep_fn keep, void *ctx,
		    struct event_list *list)
{
	struct collect_ctx c = {list, keep, ctx};
	int rc;

	memset(list, 0, sizeof(*list));
	rc = event_read_files(cmd, paths, n_paths, options, collect, &c, NULL, &list->input);
	if (event_list_sort(list)) {
		fprintf(stderr, "siptrail %s: %s: out of memory ordering the events\n", cmd,
			paths[0]);
		return -ENOMEM;
	}
	return rc;
}

int event_load(const char *cmd, const char *path, const struct capture_source_options *options,
	       struct event_list *list)
{
	return event_load_some(cmd, &path, 1, options, NULL, NULL, list);
}

int capture_option(const char *cmd, int opt, const char *arg,
		   struct capture_source_options *options)
{
	switch (opt) {
	case OPT_CAPTURE_HOST:
		if (options->n_hosts == CAPTURE_SOURCE_MAX_HOSTS) {
			fprintf(stderr, "siptrail %s: --host: at most %d\n", cmd,
				CAPTURE_SOURCE_MAX_HOSTS);
			return -1;
		}
		options->hosts[options->n_hosts++] = arg;
		return 1;
	case OPT_CAPTURE_PORTS:
		if (capture_source_parse_ports(options, arg)) {
			fprintf(stderr, "siptrail %s: --ports: '%s' is not a list of ports\n", cmd,
				arg);
			return -1;
		}
		return 1;
	case OPT_CAPTURE_CA_FILE:
		options->ca_file = arg;
		return 1;
	case OPT_CAPTURE_CA_PATH:
		options->ca_path = arg;
		return 1;
	case OPT_CAPTURE_KEYLOG:
		options->keylog_file = arg;
		return 1;
	case OPT_CAPTURE_VXLAN_PORT: {
		char *end;
		unsigned long port = strtoul(arg, &end, 10);
		if (*end || !port || port > 65535) {
			fprintf(stderr, "siptrail %s: --vxlan-port: '%s' is not a port\n", cmd,
				arg);
			return -1;
		}
		options->vxlan_port = (uint16_t)port;
		return 1;
	}
	default:
		return 0;
	}
}
