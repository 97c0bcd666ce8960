/* Looks up socket events (docs/journal.md) in an array of journal events. */
#ifndef SIPTRAIL_TESTS_JOURNAL_QUERY_H
#define SIPTRAIL_TESTS_JOURNAL_QUERY_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

/* Does EVENT have this name, direction ("in"/"out", NULL = any) and PORT as its local port
 * (direction in) or remote port (direction out), or either (direction NULL)? */
int event_matches(const json_t *event, const char *name, const char *direction, uint16_t port);

/* The first matching event, or NULL. */
json_t *event_find(const json_t *events, const char *name, const char *direction, uint16_t port);

/* The first matching event; the test fails when there is none. */
json_t *event_require(const json_t *events, const char *name, const char *direction, uint16_t port);

size_t event_count(const json_t *events, const char *name, const char *direction, uint16_t port);

/* The one sip event with direction DIR ("in", "out": the message's) on the server's socket
 * (local port PORT) or, SERVER false, on the client's (the other end); the test fails unless
 * there is exactly one. */
const json_t *sip_event_on(const json_t *events, const char *dir, uint16_t port, bool server);

/* The last event named NAME (e.g. the final "lost"), or NULL. */
json_t *event_last(const json_t *events, const char *name);

/* An integer field, failing the test when it is missing or not an integer. */
long long event_int(const json_t *event, const char *key);

/* A string field, or NULL when null or missing. */
const char *event_str(const json_t *event, const char *key);

/* Fails the test unless EVENT's idle_ns is SECONDS, give or take a sleep's slack (-0.2 s,
 * +0.5 s). */
void event_assert_idle_about(const json_t *event, long long seconds);

#endif
