#include <errno.h>
#include <stdlib.h>

#include "sip_conn_streams.h"

/* Largest SIP message kept whole; bigger ones are skipped by the framer and reported. */
#define SIP_CONN_STREAM_MAX_MESSAGE (256 * 1024)

struct sip_conn_stream {
	struct sip_conn_stream *next;
	uint64_t conn;
	bool out;
	struct sip_stream stream;
};

int sip_conn_streams_init(struct sip_conn_streams *table, size_t max_streams)
{
	*table = (struct sip_conn_streams){.max_streams = max_streams};
	table->n_buckets = max_streams < 64 ? 64 : max_streams;
	table->buckets = calloc(table->n_buckets, sizeof(*table->buckets));
	return table->buckets ? 0 : -ENOMEM;
}

static size_t bucket_of(const struct sip_conn_streams *table, uint64_t conn)
{
	/* Socket cookies are sequential: a multiplicative hash spreads them. */
	return (conn * 0x9E3779B97F4A7C15ull >> 17) % table->n_buckets;
}

void sip_conn_streams_free(struct sip_conn_streams *table)
{
	for (size_t i = 0; i < table->n_buckets; i++) {
		struct sip_conn_stream *entry = table->buckets[i], *next;

		for (; entry; entry = next) {
			next = entry->next;
			sip_stream_free(&entry->stream);
			free(entry);
		}
	}
	free(table->buckets);
	table->buckets = NULL;
}

int sip_conn_streams_push(struct sip_conn_streams *table, uint64_t conn, bool out,
			  const void *bytes, size_t len, sip_frame_cb cb, void *ctx)
{
	struct sip_conn_stream **head = &table->buckets[bucket_of(table, conn)];
	struct sip_conn_stream *entry;

	for (entry = *head; entry; entry = entry->next)
		if (entry->conn == conn && entry->out == out)
			break;
	if (!entry) {
		if (table->count >= table->max_streams) {
			table->refused++;
			return -ENOSPC;
		}
		entry = calloc(1, sizeof(*entry));
		if (!entry)
			return -ENOMEM;
		if (sip_stream_init(&entry->stream, SIP_CONN_STREAM_MAX_MESSAGE)) {
			free(entry);
			return -ENOMEM;
		}
		entry->conn = conn;
		entry->out = out;
		entry->next = *head;
		*head = entry;
		table->count++;
	}
	return sip_stream_push(&entry->stream, bytes, len, cb, ctx);
}

void sip_conn_streams_end(struct sip_conn_streams *table, uint64_t conn)
{
	struct sip_conn_stream **link = &table->buckets[bucket_of(table, conn)];

	while (*link) {
		struct sip_conn_stream *entry = *link;

		if (entry->conn != conn) {
			link = &entry->next;
			continue;
		}
		*link = entry->next;
		sip_stream_free(&entry->stream);
		free(entry);
		table->count--;
	}
}
