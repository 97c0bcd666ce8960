/* RFC 6455 §5.2: FIN, RSV1-3, opcode; MASK, a 7-bit length (126: 16-bit length follows,
 * 127: 64-bit), the 4-byte masking key when MASK is set, then the payload. */
#include "ws_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WS_FIN		   0x80
#define WS_MASK		   0x80
#define WS_OP_CONTINUATION 0x0
#define WS_OP_TEXT	   0x1
#define WS_OP_BINARY	   0x2
#define WS_OP_CONTROL	   0x8	/* close, ping, pong and the reserved ones above */
#define WS_MAX_HEAD_BYTES  8192 /* an HTTP Upgrade head longer than this is not one */

bool ws_looks_like_upgrade(const uint8_t *data, size_t len)
{
	return len >= 4 && !memcmp(data, "GET ", 4);
}

/* The header of the frame at DATA: its length, or 0 while incomplete. */
static size_t frame_head(const uint8_t *data, size_t len, uint64_t *payload_len)
{
	size_t head = 2;

	if (len < 2)
		return 0;
	*payload_len = data[1] & 0x7f;
	if (*payload_len == 126)
		head += 2;
	else if (*payload_len == 127)
		head += 8;
	if (data[1] & WS_MASK)
		head += 4;
	if (len < head)
		return 0;
	if (*payload_len >= 126) {
		size_t bytes = *payload_len == 126 ? 2 : 8;
		*payload_len = 0;
		for (size_t i = 0; i < bytes; i++)
			*payload_len = *payload_len << 8 | data[2 + i];
	}
	return head;
}

static void unmask(uint8_t *out, const uint8_t *in, size_t len, const uint8_t *key)
{
	for (size_t i = 0; i < len; i++) /* §5.3: byte i is XORed with key[i mod 4] */
		out[i] = key ? in[i] ^ key[i & 3] : in[i];
}

size_t ws_frame_prefix(const uint8_t *data, size_t len, uint8_t *prefix, size_t prefix_len)
{
	uint64_t payload_len;
	size_t head = frame_head(data, len, &payload_len), n;
	uint8_t opcode = len ? data[0] & 0x0f : 0;

	/* whole control frames (a ping, a pong) before it are passed over */
	while (head && (opcode & WS_OP_CONTROL) && payload_len <= 125 && len - head > payload_len) {
		data += head + payload_len;
		len -= head + payload_len;
		head = frame_head(data, len, &payload_len);
		opcode = data[0] & 0x0f;
	}
	/* no RSV bits (§5.2: no extension was negotiated that we could know of) */
	if (!head || (data[0] & 0x70) || (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY) ||
	    !payload_len || payload_len > WS_MAX_MESSAGE_BYTES)
		return 0;
	n = len - head < payload_len ? len - head : (size_t)payload_len;
	n = n < prefix_len ? n : prefix_len;
	unmask(prefix, data + head, n, data[1] & WS_MASK ? data + head - 4 : NULL);
	return n;
}

static int reserve(uint8_t **buf, size_t *cap, size_t need)
{
	size_t grown = *cap ? *cap : 4096;
	uint8_t *p;

	if (need <= *cap)
		return 0;
	while (grown < need)
		grown *= 2;
	p = realloc(*buf, grown);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = grown;
	return 0;
}

/* The HTTP head ends with an empty line (RFC 9112 §2.1): returns its length, 0 while
 * incomplete. A response other than 101 Switching Protocols never becomes WebSocket. */
static size_t skip_head(struct ws_stream *ws)
{
	for (size_t i = 3; i < ws->len; i++) {
		if (memcmp(ws->buf + i - 3, "\r\n\r\n", 4))
			continue;
		if (ws->len >= 5 && !memcmp(ws->buf, "HTTP/", 5) &&
		    (ws->len < 12 || memcmp(ws->buf + 9, "101", 3)))
			ws->broken = true;
		return i + 1;
	}
	if (ws->len > WS_MAX_HEAD_BYTES)
		ws->broken = true;
	return 0;
}

/* One frame at the start of the buffer: *frame_len is its length when whole, 0 while
 * incomplete or when the direction broke. Returns 0 or -ENOMEM. */
static int next_frame(struct ws_stream *ws, ws_message_fn on_message, void *ctx, size_t *frame_len)
{
	const uint8_t *p = ws->buf;
	uint64_t wide;
	size_t head = frame_head(p, ws->len, &wide), len;
	uint8_t opcode = ws->len ? p[0] & 0x0f : 0;

	*frame_len = 0;
	if (!head)
		return 0;
	if (wide > WS_MAX_MESSAGE_BYTES) {
		ws->broken = true;
		return 0;
	}
	len = (size_t)wide;
	if (ws->len - head < len)
		return 0;
	*frame_len = head + len;
	if (opcode & WS_OP_CONTROL)
		return 0; /* close, ping, pong: nothing of SIP */
	if ((opcode == WS_OP_CONTINUATION) != ws->in_message ||
	    (opcode != WS_OP_CONTINUATION && opcode != WS_OP_TEXT && opcode != WS_OP_BINARY) ||
	    ws->msg_len + len > WS_MAX_MESSAGE_BYTES) {
		ws->broken = true; /* a frame out of sequence, or an unknown data opcode */
		return 0;
	}
	if (reserve(&ws->msg, &ws->msg_cap, ws->msg_len + len + 1)) {
		ws->broken = true;
		return -ENOMEM;
	}
	unmask(ws->msg + ws->msg_len, p + head, len, p[1] & WS_MASK ? p + head - 4 : NULL);
	ws->msg_len += len;
	ws->in_message = !(p[0] & WS_FIN);
	if (!ws->in_message) {
		on_message(ws->msg, ws->msg_len, ctx);
		ws->msg_len = 0;
	}
	return 0;
}

static void consume(struct ws_stream *ws, size_t n)
{
	memmove(ws->buf, ws->buf + n, ws->len - n);
	ws->len -= n;
}

int ws_stream_push(struct ws_stream *ws, const uint8_t *data, size_t len, ws_message_fn on_message,
		   void *ctx)
{
	size_t n;
	int rc;

	if (ws->broken || !len)
		return 0;
	if (reserve(&ws->buf, &ws->cap, ws->len + len)) {
		ws->broken = true;
		return -ENOMEM;
	}
	memcpy(ws->buf + ws->len, data, len);
	ws->len += len;
	if (!ws->upgraded) {
		n = skip_head(ws);
		if (!n || ws->broken)
			return 0;
		ws->upgraded = true;
		consume(ws, n);
	}
	do {
		rc = next_frame(ws, on_message, ctx, &n);
		if (n)
			consume(ws, n);
	} while (n && !rc && !ws->broken);
	return rc;
}

void ws_stream_gap(struct ws_stream *ws)
{
	ws->broken = true;
}

void ws_stream_free(struct ws_stream *ws)
{
	free(ws->buf);
	free(ws->msg);
	memset(ws, 0, sizeof(*ws));
}
