/* libFuzzer target for the TLS record decoder: the input is split into the two directions of
 * one connection and fed in chunks whose size the input chooses, so records and handshake
 * messages get split at every possible place. The message parsers also get the raw input. */
#include <stddef.h>
#include <stdint.h>

#include "tls_record.h"

static void ignore_event(void *user, const struct tls_record_event *ev)
{
	size_t *sum = user;
	if (ev->type == TLS_EV_CLIENT_HELLO && ev->client_hello.sni.len)
		*sum += ev->client_hello.sni.ptr[ev->client_hello.sni.len - 1];
	if (ev->type == TLS_EV_CERTIFICATE)
		for (size_t i = 0; i < ev->certificate.count; i++)
			*sum += ev->certificate.certs[i].ptr[ev->certificate.certs[i].len - 1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	size_t chunk = data[0] % 64 + 1;
	size_t split = data[1] * size / 256;
	data += 2;
	size -= 2;
	if (split > size)
		split = size;

	struct tls_conn conn;
	size_t sum = 0;
	tls_conn_init(&conn);
	const uint8_t *part[2] = {data, data + split};
	size_t part_len[2] = {split, size - split};
	for (size_t at = 0; at < part_len[0] || at < part_len[1]; at += chunk) {
		for (int d = 0; d < 2; d++) {
			if (at >= part_len[d])
				continue;
			size_t n = part_len[d] - at < chunk ? part_len[d] - at : chunk;
			tls_conn_feed(&conn, (enum tls_dir)d, part[d] + at, n, at, ignore_event,
				      &sum);
		}
	}
	tls_conn_release(&conn);

	struct tls_client_hello ch;
	struct tls_server_hello sh;
	struct tls_certificate_list certs;
	tls_client_hello_parse(data, size, &ch);
	tls_server_hello_parse(data, size, &sh);
	tls_certificate_parse(data, size, &certs);
	return sum == 0xdeadbeef; /* keeps the reads from being optimised away */
}
