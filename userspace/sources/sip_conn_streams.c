#include <errno.h>
#include <stdlib.h>

#include "sip_conn_streams.h"

/* Largest SIP message kept whole; bigger ones are skipped by the framer and reported. */
#define SIP_CONN_STREAM_MAX_MESSAGE (256 * 1024)

struct sip_conn_stream {
	uint64_t conn;
	bool out;
	struct sip_stream stream;
};

int sip_conn_streams_init(struct sip_conn_streams *table, size_t max_streams)
{
	*table = (struct sip_conn_streams){.max_streams = max_streams};
	return 0;
}

static void entry_free(void *value)
{
	struct sip_conn_stream *entry = value;

	sip_stream_free(&entry->stream);
	free(entry);
}

void sip_conn_streams_free(struct sip_conn_streams *table)
{
	hash_map_free_values(&table->by_conn, entry_free);
}

int sip_conn_streams_push(struct sip_conn_streams *table, uint64_t conn, bool out,
			  const void *bytes, size_t len, sip_frame_cb cb, void *ctx)
{
	struct sip_conn_stream *entry;
	size_t pos = 0;

	while ((entry = hash_map_find(&table->by_conn, conn, &pos)))
		if (entry->out == out)
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
		if (hash_map_put(&table->by_conn, conn, entry)) {
			entry_free(entry);
			return -ENOMEM;
		}
		table->count++;
	}
	return sip_stream_push(&entry->stream, bytes, len, cb, ctx);
}

void sip_conn_streams_end(struct sip_conn_streams *table, uint64_t conn)
{
	struct sip_conn_stream *entry;
	size_t pos = 0;

	while ((entry = hash_map_find(&table->by_conn, conn, &pos))) {
		hash_map_remove(&table->by_conn, conn, entry);
		entry_free(entry);
		table->count--;
	}
}
