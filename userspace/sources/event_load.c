/* Journal or capture -> a sorted list of events. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture_use.h"
#include "event_load.h"
#include "journal_read.h"
#include "progress.h"

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

static int ts_cmp(const struct event *a, const struct event *b)
{
	return a->ts_ns < b->ts_ns ? -1 : a->ts_ns > b->ts_ns;
}

void event_list_sort(struct event_list *list)
{
	struct event *e = list->events;

	/* insertion sort: stable, and linear on the nearly sorted input sources give */
	for (size_t i = 1; i < list->count; i++) {
		struct event tmp;
		size_t j = i;
		if (ts_cmp(&e[i - 1], &e[i]) <= 0)
			continue;
		tmp = e[i];
		while (j > 0 && ts_cmp(&e[j - 1], &tmp) > 0) {
			e[j] = e[j - 1];
			j--;
		}
		e[j] = tmp;
	}
}

void event_list_free(struct event_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		event_release(&list->events[i]);
	free(list->events);
	memset(list, 0, sizeof(*list));
}

static int load_journal(const char *cmd, const char *path, struct event_list *list)
{
	struct journal_reader reader;
	struct event ev;
	int rc = journal_reader_open(&reader, path, stderr);

	if (rc) {
		fprintf(stderr, "siptrail %s: %s: %s\n", cmd, path, strerror(-rc));
		return rc;
	}
	while ((rc = journal_read_next(&reader, &ev)) == 1)
		if ((rc = event_list_push(list, &ev)))
			break;
	list->bad_lines = reader.bad_lines;
	journal_reader_close(&reader);
	if (rc < 0)
		fprintf(stderr, "siptrail %s: %s: %s\n", cmd, path, strerror(-rc));
	return rc < 0 ? rc : 0;
}

struct capture_load {
	struct event_list *list;
	struct progress progress;
};

static int collect(void *ctx, struct event *ev)
{
	return event_list_push(((struct capture_load *)ctx)->list, ev);
}

static void show_progress(void *ctx, uint64_t offset)
{
	progress_update(&((struct capture_load *)ctx)->progress, offset);
}

static int load_capture(const char *cmd, const char *path,
			const struct capture_source_options *options, struct event_list *list)
{
	struct capture_load load = {.list = list};
	struct capture_source_run run = {options, collect, show_progress, &load};
	struct capture_error err;
	struct stat st;
	int rc;

	progress_start(&load.progress, path, stat(path, &st) ? 0 : (uint64_t)st.st_size);
	rc = capture_source_read(path, &run, &list->capture, &err);
	progress_end(&load.progress);
	list->from_capture = true;
	if (rc)
		fprintf(stderr, "siptrail %s: %s\n", cmd, err.message);
	if ((!rc || rc == -EIO) && list->capture.replay.packets && !list->capture.use.used) {
		char use[1024];
		capture_use_text(path, &list->capture, use, sizeof(use));
		fprintf(stderr, "siptrail %s: %s\n", cmd, use);
	}
	return rc;
}

int event_load(const char *cmd, const char *path, const struct capture_source_options *options,
	       struct event_list *list)
{
	int rc;

	memset(list, 0, sizeof(*list));
	if (strcmp(path, "-") && capture_file_detect(path))
		rc = load_capture(cmd, path, options, list);
	else
		rc = load_journal(cmd, path, list);
	event_list_sort(list);
	return rc;
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
