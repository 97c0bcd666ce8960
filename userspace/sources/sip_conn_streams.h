/* SIP framing per connection and direction for byte streams that arrive in chunks (SSL_read /
 * SSL_write plaintext): each (conn, direction) gets its own sip_stream, dropped when the
 * connection ends. Bounded: past max_streams, new streams are refused and counted. */
#ifndef SIPTRAIL_SIP_CONN_STREAMS_H
#define SIPTRAIL_SIP_CONN_STREAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash_map.h"
#include "sip_framer.h"

struct sip_conn_streams {
	struct hash_map by_conn; /* both directions of a connection under its id */
	size_t count, max_streams;
	unsigned long refused; /* chunks dropped because the table was full */
};

int sip_conn_streams_init(struct sip_conn_streams *table, size_t max_streams);
void sip_conn_streams_free(struct sip_conn_streams *table);

/* Feeds LEN bytes of CONN's stream in direction OUT; CB gets every frame completed (valid
 * only during the call). Returns 0, -ENOSPC when the table is full, or -ENOMEM. */
int sip_conn_streams_push(struct sip_conn_streams *table, uint64_t conn, bool out,
			  const void *bytes, size_t len, sip_frame_cb cb, void *ctx);

/* CONN ended: its streams are freed. Bytes not framed yet (a message cut off by the end,
 * garbage whose skip was not reported yet) are dropped: no frame of this connection can
 * complete any more. */
void sip_conn_streams_end(struct sip_conn_streams *table, uint64_t conn);

#endif
