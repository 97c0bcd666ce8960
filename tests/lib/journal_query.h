/* Looks up socket events (docs/journal.md) in an array of journal events. */
#ifndef SIPTRAIL_TESTS_JOURNAL_QUERY_H
#define SIPTRAIL_TESTS_JOURNAL_QUERY_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Does EVENT have this name, direction ("in"/"out", NULL = any) and PORT as its local port
 * (direction in) or remote port (direction out), or either (direction NULL)? */
int event_matches(const json_t *event, const char *name, const char *direction, uint16_t port);

/* The first matching event, or NULL. */
json_t *event_find(const json_t *events, const char *name, const char *direction, uint16_t port);

size_t event_count(const json_t *events, const char *name, const char *direction, uint16_t port);

/* The last event named NAME (e.g. the final "lost"), or NULL. */
json_t *event_last(const json_t *events, const char *name);

/* An integer field, failing the test when it is missing or not an integer. */
long long event_int(const json_t *event, const char *key);

/* A string field, or NULL when null or missing. */
const char *event_str(const json_t *event, const char *key);

#endif
