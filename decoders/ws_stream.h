/* SIP over WebSocket (RFC 7118) in a captured TCP connection: one direction's bytes in, whole
 * WebSocket messages out. The HTTP Upgrade request or response (RFC 6455 §4) is skipped, then
 * frames (§5.2) are read, masked or not, fragmented messages joined (§5.4) and control frames
 * (close, ping, pong) skipped. Each message is one SIP message (RFC 7118 §5). */
#ifndef SIPTRAIL_WS_STREAM_H
#define SIPTRAIL_WS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WS_MAX_MESSAGE_BYTES (1u << 20) /* a longer message stops the direction */

/* Receives each whole message, unmasked; the view is valid during the call. */
typedef void (*ws_message_fn)(const uint8_t *data, size_t len, void *ctx);

struct ws_stream {
	uint8_t *buf; /* bytes received and not yet framed */
	size_t len, cap;
	uint8_t *msg; /* data frames of the message being joined */
	size_t msg_len, msg_cap;
	bool upgraded;	 /* the HTTP Upgrade head was skipped (or not captured: set it) */
	bool in_message; /* a fragmented message is open */
	bool broken;	 /* lost bytes or a bad frame: nothing more can be framed */
};

/* True when the first bytes a client sent open a WebSocket handshake (an HTTP GET). */
bool ws_looks_like_upgrade(const uint8_t *data, size_t len);

/* For a capture that starts after the handshake: when DATA starts with the header of a text
 * or binary frame (after whole control frames), copies the first bytes of its payload,
 * unmasked, to PREFIX (at most PREFIX_LEN) and returns how many; 0 otherwise. The caller
 * judges what they are. */
size_t ws_frame_prefix(const uint8_t *data, size_t len, uint8_t *prefix, size_t prefix_len);

/* Feeds bytes in order. Returns 0, or -ENOMEM (the direction is broken then). */
int ws_stream_push(struct ws_stream *ws, const uint8_t *data, size_t len, ws_message_fn on_message,
		   void *ctx);
/* Bytes the capture missed: RFC 6455 frames carry no marker to find the next one, so the
 * direction is not read further. */
void ws_stream_gap(struct ws_stream *ws);
void ws_stream_free(struct ws_stream *ws);

#endif
