/* The wire path's TLS decryption on one core (not a test): an in-process OpenSSL client and
 * server (memory BIOs, key log callback) make a connection per suite and the client sends
 * SIP-sized (600-byte) and full (16 KiB) records; the captured bytes of both directions then go
 * through the record decoder and the decryption (tls_conn_feed + tls_decrypt, as the wire path
 * and replay run them) again and again. Reported per suite: records and plaintext MB per second,
 * and the key schedule's cost per connection. No root needed. */
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tls_decrypt.h"
#include "tls_keylog.h"

#define MESSAGES      2000
#define ROUNDS	      20
#define STREAM_MAX    (64 * 1024 * 1024)
#define MESSAGE_BYTES 600

struct chunk {
	int dir;
	size_t at, len;
};

struct capture {
	uint8_t *bytes;
	size_t len;
	struct chunk chunks[8192];
	size_t n_chunks;
};

static char keylog_path[] = "/tmp/bench_tls_decrypt-XXXXXX";

static void keylog_line(const SSL *ssl, const char *line)
{
	FILE *file = fopen(keylog_path, "a");

	(void)ssl;
	fprintf(file, "%s\n", line);
	fclose(file);
}

static double now_s(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec + now.tv_nsec / 1e9;
}

static void pump(BIO *out[2], BIO *in[2], struct capture *cap)
{
	int n;

	for (int dir = 0; dir < 2; dir++) {
		while (cap->len + 65536 < STREAM_MAX && cap->n_chunks < 8192 &&
		       (n = BIO_read(out[dir], cap->bytes + cap->len, 65536)) > 0) {
			BIO_write(in[!dir], cap->bytes + cap->len, n);
			cap->chunks[cap->n_chunks++] = (struct chunk){dir, cap->len, (size_t)n};
			cap->len += (size_t)n;
		}
	}
}

/* One connection over VERSION with SUITE; the client sends MESSAGES writes of SIZE bytes. */
static void make_connection(int version, const char *suite, size_t size, struct capture *cap)
{
	static char payload[16384];
	SSL_CTX *ctx[2] = {SSL_CTX_new(TLS_client_method()), SSL_CTX_new(TLS_server_method())};
	SSL *ssl[2];
	BIO *in[2], *out[2];
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();

	X509_set_pubkey(cert, key);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_sign(cert, key, EVP_sha256());
	SSL_CTX_use_certificate(ctx[1], cert);
	SSL_CTX_use_PrivateKey(ctx[1], key);
	for (int side = 0; side < 2; side++) {
		SSL_CTX_set_min_proto_version(ctx[side], version);
		SSL_CTX_set_max_proto_version(ctx[side], version);
		if (version == TLS1_3_VERSION)
			SSL_CTX_set_ciphersuites(ctx[side], suite);
		else
			SSL_CTX_set_cipher_list(ctx[side], suite);
		SSL_CTX_set_keylog_callback(ctx[side], keylog_line);
		ssl[side] = SSL_new(ctx[side]);
		in[side] = BIO_new(BIO_s_mem());
		out[side] = BIO_new(BIO_s_mem());
		SSL_set_bio(ssl[side], in[side], out[side]);
	}
	SSL_set_connect_state(ssl[0]);
	SSL_set_accept_state(ssl[1]);
	for (int round = 0; round < 20; round++) {
		SSL_do_handshake(ssl[0]);
		SSL_do_handshake(ssl[1]);
		pump(out, in, cap);
	}
	memset(payload, 'x', sizeof(payload));
	for (int i = 0; i < MESSAGES; i++) {
		SSL_write(ssl[0], payload, (int)size);
		pump(out, in, cap);
		if (i % 64 == 0)
			SSL_read(ssl[1], payload,
				 sizeof(payload)); /* keeps the server's input small */
	}
	for (int side = 0; side < 2; side++) {
		SSL_free(ssl[side]);
		SSL_CTX_free(ctx[side]);
	}
	X509_free(cert);
	EVP_PKEY_free(key);
}

struct run {
	struct tls_conn conn;
	struct tls_decrypt *dec;
	uint64_t plaintext_bytes;
};

static void on_plaintext(void *user, enum tls_dir from, const uint8_t *data, size_t len,
			 uint64_t ts_ns)
{
	(void)from;
	(void)data;
	(void)ts_ns;
	((struct run *)user)->plaintext_bytes += len;
}

static void on_event(void *user, const struct tls_record_event *event)
{
	tls_decrypt_event(((struct run *)user)->dec, event);
}

static void bench_suite(const char *name, int version, const char *suite, size_t size)
{
	struct capture cap = {.bytes = malloc(STREAM_MAX)};
	struct tls_keylog *keylog = tls_keylog_new();
	struct tls_decrypt_counts counts = {0};
	struct tls_decrypt_config config = {tls_keylog_session_secrets, keylog, on_plaintext,
					    &counts, 0};
	struct run run = {0};
	char why[256];
	double start, seconds;
	int fd = mkstemp(keylog_path);

	close(fd);
	make_connection(version, suite, size, &cap);
	if (tls_keylog_load(keylog, keylog_path, why, sizeof(why)))
		fprintf(stderr, "bench_tls_decrypt: %s\n", why);
	unlink(keylog_path);
	strcpy(keylog_path, "/tmp/bench_tls_decrypt-XXXXXX");
	start = now_s();
	for (int round = 0; round < ROUNDS; round++) {
		tls_conn_init(&run.conn);
		run.dec = tls_decrypt_new(&config, &run);
		for (size_t i = 0; i < cap.n_chunks; i++)
			tls_conn_feed(&run.conn, (enum tls_dir)cap.chunks[i].dir,
				      cap.bytes + cap.chunks[i].at, cap.chunks[i].len, 1, on_event,
				      &run);
		tls_decrypt_end(run.dec);
		tls_conn_release(&run.conn);
	}
	seconds = now_s() - start;
	printf("%-34s %5zu B records: %8.0f records/s, %7.1f MB/s plaintext, %5.2f us/record "
	       "(%llu decrypted, %llu not)\n",
	       name, size, counts.decrypted / seconds, run.plaintext_bytes / seconds / 1e6,
	       seconds * 1e6 / counts.decrypted, (unsigned long long)counts.decrypted,
	       (unsigned long long)(counts.no_secrets + counts.auth_failed + counts.unsupported +
				    counts.no_handshake));
	tls_keylog_free(keylog);
	free(cap.bytes);
}

/* The key schedule alone: what each new connection costs before its first record. */
static void bench_key_schedule(void)
{
	struct tls_traffic_keys keys = {0}, other = {0};
	uint8_t secret[48] = {1}, random[32] = {2};
	const struct tls_suite *suite13 = tls_suite_find(0x1301, 0x0304);
	const struct tls_suite *suite12 = tls_suite_find(0xc02f, 0x0303);
	double start = now_s(), mid, end;

	for (int i = 0; i < 2000; i++) {
		tls13_traffic_keys(&keys, suite13, secret, 32);
		tls13_traffic_keys(&other, suite13, secret, 32);
	}
	mid = now_s();
	for (int i = 0; i < 2000; i++)
		tls12_traffic_keys(&keys, &other, suite12, secret, 48, random, random, false);
	end = now_s();
	printf("key schedule per connection: TLS 1.3 (both directions) %.1f us, TLS 1.2 %.1f us\n",
	       (mid - start) * 1e6 / 2000, (end - mid) * 1e6 / 2000);
	tls_traffic_keys_release(&keys);
	tls_traffic_keys_release(&other);
}

int main(void)
{
	static const struct {
		const char *name;
		int version;
		const char *suite;
	} suites[] = {
	    {"TLS 1.3 TLS_AES_128_GCM_SHA256", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256"},
	    {"TLS 1.3 TLS_AES_256_GCM_SHA384", TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384"},
	    {"TLS 1.3 TLS_CHACHA20_POLY1305", TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256"},
	    {"TLS 1.2 ECDHE-ECDSA-AES128-GCM", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256"},
	    {"TLS 1.2 ECDHE-ECDSA-AES128-SHA (CBC)", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA"},
	};

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		bench_suite(suites[i].name, suites[i].version, suites[i].suite, MESSAGE_BYTES);
		bench_suite(suites[i].name, suites[i].version, suites[i].suite, 16384);
	}
	bench_key_schedule();
	return 0;
}
