/*
 * SIP over a byte stream (TCP, TLS plaintext): byte stream in, whole messages out.
 *
 * RFC 3261 §18.3: on a stream the body is framed by Content-Length. RFC 5626 §3.5.1: a
 * double CRLF is a keep-alive ping and a single CRLF its pong; §7.5 of RFC 3261 lets CRLFs
 * precede a start line. Bytes that do not start a message are skipped up to the next line
 * that looks like a start line, and reported with their count.
 *
 * Two layers:
 * - sip_frame_next(): stateless, works on a buffer the caller holds (a whole file, a
 *   reassembled stream);
 * - struct sip_stream: one per connection, a bounded buffer fed segment by segment; frames are
 *   handed to a callback. Messages larger than the stream's max_message_bytes are reported
 *   (SIP_ERR_TOO_BIG) and skipped, never buffered without bound.
 */
#ifndef SIPTRAIL_SIP_FRAMER_H
#define SIPTRAIL_SIP_FRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_message.h"

/* Default and hard bounds for struct sip_stream's buffer. */
#define SIP_STREAM_DEFAULT_MAX_MESSAGE_BYTES (256 * 1024)
#define SIP_STREAM_MIN_MESSAGE_BYTES	     (SIP_MAX_LINE_BYTES + 4)

enum sip_frame_kind {
	SIP_FRAME_MESSAGE,   /* frame->msg parsed: valid, or invalid but framed (msg->error) */
	SIP_FRAME_KEEPALIVE, /* CRLFCRLF ping (len 4) or CRLF pong (len 2), RFC 5626 §3.5.1 */
	SIP_FRAME_SKIPPED,   /* len bytes skipped; problem says why (garbage, broken start
				line, too big) */
	SIP_FRAME_TRUNCATED, /* the stream ended inside a message: len bytes dropped */
};

struct sip_frame {
	enum sip_frame_kind kind;
	const char *data;	/* first byte; NULL for SKIPPED frames merged across segments */
	size_t len;		/* bytes this frame covers in the stream */
	uint64_t stream_offset; /* offset of the frame's first byte from the start of stream */
	const struct sip_message *msg; /* SIP_FRAME_MESSAGE only, else NULL */
	struct sip_problem problem;    /* SKIPPED/TRUNCATED: why (offset within the frame) */
};

/*
 * Stateless core. Looks at buf[0..len) (the start of unconsumed stream bytes) and returns
 * true with *frame filled (consume frame->len bytes), or false when more bytes are needed.
 * With at_eof, never returns false for a non-empty buffer: the rest becomes TRUNCATED.
 * msg is caller storage used for SIP_FRAME_MESSAGE. frame->stream_offset is set to 0; the
 * caller adds its own position. When returning false, *need_len (if not NULL) is the buffer
 * length worth waiting for before calling again.
 */
bool sip_frame_next(const char *buf, size_t len, bool at_eof, struct sip_message *msg,
		    struct sip_frame *frame, size_t *need_len);

typedef void (*sip_frame_cb)(const struct sip_frame *frame, void *ctx);

/* Per-connection framer state. Fields are private; use the functions. */
struct sip_stream {
	char *buf;
	size_t len, cap, max; /* cap grows up to max (the largest message kept whole) */
	size_t need_len;      /* don't retry framing before len reaches this */
	/* What new bytes must bring before framing is retried, so a message arriving in tiny
	 * segments is not re-parsed from its start on every one (no quadratic cost). */
	enum { SIP_RETRY_ANY, SIP_RETRY_LF, SIP_RETRY_BLANK_LINE } retry_on;
	uint64_t offset;     /* stream offset of buf[0] */
	uint64_t skip_start; /* pending merged SKIPPED frame */
	uint64_t skip_len;
	struct sip_problem skip_problem;
	uint64_t discard_len; /* bytes of an oversized message still to drop */
	struct sip_message msg;
	/* counters for the connection */
	uint64_t messages, keepalives, skipped_bytes;
};

/* Allocates the bounded buffer (max_message_bytes, 0 for the default; at least
 * SIP_STREAM_MIN_MESSAGE_BYTES). Returns 0 or -ENOMEM. */
int sip_stream_init(struct sip_stream *stream, size_t max_message_bytes);
void sip_stream_free(struct sip_stream *stream);

/* Feeds the next len bytes of the stream; calls cb for every frame completed. Frame data and
 * msg views are valid only during the callback. Returns 0, or -ENOMEM when the buffer cannot grow.
 */
int sip_stream_push(struct sip_stream *stream, const void *bytes, size_t len, sip_frame_cb cb,
		    void *ctx);

/* The stream ended (FIN, RST, end of file): reports what is left (a pending skip, a
 * truncated message). The stream is empty and reusable afterwards. */
void sip_stream_finish(struct sip_stream *stream, sip_frame_cb cb, void *ctx);

#endif
