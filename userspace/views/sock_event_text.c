#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "sock_event_text.h"

#define NSEC_PER_SEC  1000000000LL
#define NSEC_PER_USEC 1000LL

static const char *field_string(const json_t *event, const char *key)
{
	const char *value = json_string_value(json_object_get(event, key));

	return value ? value : "-";
}

static json_int_t field_integer(const json_t *event, const char *key)
{
	return json_integer_value(json_object_get(event, key));
}

/* Local wall-clock time of day with microseconds. */
static void format_clock(char *text, size_t len, json_int_t ts_ns)
{
	time_t seconds = ts_ns / NSEC_PER_SEC;
	struct tm tm;

	if (!localtime_r(&seconds, &tm)) {
		snprintf(text, len, "?");
		return;
	}
	snprintf(text, len, "%02d:%02d:%02d.%06lld", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long long)(ts_ns % NSEC_PER_SEC / NSEC_PER_USEC));
}

/* Seconds with millisecond precision, or "-" for null. */
static void format_seconds(char *text, size_t len, const json_t *value)
{
	if (!json_is_integer(value)) {
		snprintf(text, len, "-");
		return;
	}
	snprintf(text, len, "%.3fs", (double)json_integer_value(value) / NSEC_PER_SEC);
}

static void format_endpoint(char *text, size_t len, const json_t *event, const char *addr_key,
			    const char *port_key)
{
	const char *addr = field_string(event, addr_key);
	json_int_t port = field_integer(event, port_key);

	if (strchr(addr, ':'))
		snprintf(text, len, "[%s]:%lld", addr, (long long)port);
	else
		snprintf(text, len, "%s:%lld", addr, (long long)port);
}

static void write_conn_prefix(FILE *out, const json_t *event, const char *label)
{
	char clock[32], local[64], remote[64];
	json_t *pid = json_object_get(event, "pid");

	format_clock(clock, sizeof(clock), field_integer(event, "ts_ns"));
	format_endpoint(local, sizeof(local), event, "laddr", "lport");
	format_endpoint(remote, sizeof(remote), event, "raddr", "rport");
	fprintf(out, "%s %-5s conn=%" JSON_INTEGER_FORMAT " %s/%s %s -> %s ", clock, label,
		field_integer(event, "conn"), field_string(event, "direction"),
		field_string(event, "tls_role"), local, remote);
	if (json_is_integer(pid))
		fprintf(out, "pid=%" JSON_INTEGER_FORMAT " (%s)", json_integer_value(pid),
			field_string(event, "comm"));
	else
		fprintf(out, "pid=-");
}

static void write_conn_end(FILE *out, const json_t *event)
{
	char duration[32], idle[32];

	write_conn_prefix(out, event, "END");
	format_seconds(duration, sizeof(duration), json_object_get(event, "duration_ns"));
	format_seconds(idle, sizeof(idle), json_object_get(event, "idle_ns"));
	fprintf(out,
		" dur=%s sent=%" JSON_INTEGER_FORMAT " recv=%" JSON_INTEGER_FORMAT
		" retrans=%" JSON_INTEGER_FORMAT " idle=%s closed_by=%s how=%s",
		duration, field_integer(event, "bytes_sent"),
		field_integer(event, "bytes_received"), field_integer(event, "retransmits"), idle,
		field_string(event, "closed_by"), field_string(event, "how"));
	if (json_is_string(json_object_get(event, "sk_error")))
		fprintf(out, " error=%s", field_string(event, "sk_error"));
}

/* Who closed first and how, the moment it happened (the end comes later, maybe much later). */
static void write_conn_close(FILE *out, const json_t *event)
{
	char idle[32];

	write_conn_prefix(out, event, "CLOSE");
	format_seconds(idle, sizeof(idle), json_object_get(event, "idle_ns"));
	fprintf(out,
		" closed_by=%s how=%s idle=%s sent=%" JSON_INTEGER_FORMAT
		" recv=%" JSON_INTEGER_FORMAT,
		field_string(event, "closed_by"), field_string(event, "how"), idle,
		field_integer(event, "bytes_sent"), field_integer(event, "bytes_received"));
}

int sock_event_text_write(FILE *out, const json_t *event)
{
	const char *name = field_string(event, "event");
	char clock[32];

	if (!strcmp(name, "conn_open")) {
		write_conn_prefix(out, event, "OPEN");
	} else if (!strcmp(name, "conn_close")) {
		write_conn_close(out, event);
	} else if (!strcmp(name, "conn_end")) {
		write_conn_end(out, event);
	} else if (!strcmp(name, "lost")) {
		format_clock(clock, sizeof(clock), field_integer(event, "ts_ns"));
		fprintf(out,
			"%s LOST  ringbuf=%" JSON_INTEGER_FORMAT " map_full=%" JSON_INTEGER_FORMAT,
			clock, field_integer(event, "ringbuf"), field_integer(event, "map_full"));
		if (field_integer(event, "skipped_calls"))
			fprintf(out, " skipped_calls=%" JSON_INTEGER_FORMAT,
				field_integer(event, "skipped_calls"));
	} else {
		return -EINVAL;
	}
	return fputc('\n', out) == EOF ? -EIO : 0;
}
