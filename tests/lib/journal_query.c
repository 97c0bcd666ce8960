#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "journal_query.h"

int event_matches(const json_t *event, const char *name, const char *direction, uint16_t port)
{
	const char *dir = event_str(event, "direction");
	json_int_t lport = json_integer_value(json_object_get(event, "lport"));
	json_int_t rport = json_integer_value(json_object_get(event, "rport"));

	if (strcmp(event_str(event, "event") ? event_str(event, "event") : "", name))
		return 0;
	if (!direction)
		return lport == port || rport == port;
	if (!dir || strcmp(dir, direction))
		return 0;
	return strcmp(direction, "in") ? rport == port : lport == port;
}

json_t *event_find(const json_t *events, const char *name, const char *direction, uint16_t port)
{
	size_t i;
	json_t *event;

	json_array_foreach(events, i,
			   event) if (event_matches(event, name, direction, port)) return event;
	return NULL;
}

json_t *event_require(const json_t *events, const char *name, const char *direction, uint16_t port)
{
	json_t *event = event_find(events, name, direction, port);

	if (!event)
		fail_msg("no %s event, direction %s, port %u", name, direction ? direction : "any",
			 port);
	return event;
}

size_t event_count(const json_t *events, const char *name, const char *direction, uint16_t port)
{
	size_t i, count = 0;
	json_t *event;

	json_array_foreach(events, i, event) count += event_matches(event, name, direction, port);
	return count;
}

json_t *event_last(const json_t *events, const char *name)
{
	json_t *last = NULL, *event;
	size_t i;

	json_array_foreach(
	    events, i,
	    event) if (!strcmp(event_str(event, "event") ? event_str(event, "event") : "", name))
	    last = event;
	return last;
}

long long event_int(const json_t *event, const char *key)
{
	json_t *value = json_object_get(event, key);

	if (!json_is_integer(value))
		fail_msg("event field '%s' is not an integer", key);
	return json_integer_value(value);
}

const char *event_str(const json_t *event, const char *key)
{
	return json_string_value(json_object_get(event, key));
}

void event_assert_idle_about(const json_t *event, long long seconds)
{
	const long long sec = 1000000000LL;
	long long idle_ns = event_int(event, "idle_ns");

	if (idle_ns < seconds * sec - sec / 5 || idle_ns > seconds * sec + sec / 2)
		fail_msg("idle_ns %lld, want about %lld s", idle_ns, seconds);
}

const json_t *sip_event_on(const json_t *events, const char *dir, uint16_t port, bool server)
{
	const json_t *event, *found = NULL;
	size_t i, count = 0;

	json_array_foreach(events, i, event)
	{
		if (strcmp(event_str(event, "event"), "sip") ||
		    strcmp(event_str(event, "dir"), dir) ||
		    (event_int(event, "lport") == port) != server)
			continue;
		found = event;
		count++;
	}
	if (count != 1)
		fail_msg("%zu sip events %s on the %s socket", count, dir,
			 server ? "server" : "client");
	return found;
}
