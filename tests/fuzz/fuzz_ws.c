/* libFuzzer target for the WebSocket stream reader (SIP over WebSocket in captures): the input
 * is fed in chunks whose size the input chooses, after an HTTP head when the first byte is odd,
 * so frames, their lengths and masking keys get split at every place; a gap may end it. The
 * frame peek for captures that start after the handshake gets the same bytes. */
#include <stddef.h>
#include <stdint.h>

#include "ws_stream.h"

static void on_message(const uint8_t *data, size_t len, void *ctx)
{
	if (len)
		*(size_t *)ctx += data[0] + data[len - 1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
	struct ws_stream ws = {0};
	size_t sum = 0, chunk;
	uint8_t prefix[64];

	if (size < 2)
		return 0;
	sum += ws_frame_prefix(data + 2, size - 2, prefix, sizeof(prefix));
	chunk = data[1] % 64 + 1;
	if (data[0] & 1)
		ws_stream_push(&ws, (const uint8_t *)head, sizeof(head) - 1, on_message, &sum);
	if (data[0] & 2)
		ws.upgraded = true; /* straight to frames */
	data += 2;
	size -= 2;
	for (size_t at = 0; at < size; at += chunk)
		ws_stream_push(&ws, data + at, size - at < chunk ? size - at : chunk, on_message,
			       &sum);
	if (data[-2] & 4)
		ws_stream_gap(&ws);
	ws_stream_free(&ws);
	return sum == 0xdeadbeef;
}
