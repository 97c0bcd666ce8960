/* libFuzzer target for TLS record decryption (tls_decrypt, tls_crypto): the input picks a
 * version and suite, which secrets the key log knows, and a run of records per direction, each
 * either raw bytes (headers and bodies of any length) or, for TLS 1.3, the input's plaintext
 * encrypted properly under the traffic keys, so the inner content type, padding and KeyUpdate
 * parsing see any plaintext. Retries and the end come at input-chosen places. */
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tls_decrypt.h"

static const struct {
	uint16_t version, suite;
	const EVP_CIPHER *(*cipher)(void); /* TLS 1.3: to encrypt records; NULL: raw only */
	size_t secret_len;
} suites[] = {
    {0x0304, 0x1301, EVP_aes_128_gcm, 32},
    {0x0304, 0x1302, EVP_aes_256_gcm, 48},
    {0x0304, 0x1303, EVP_chacha20_poly1305, 32},
    {0x0303, 0xc02f, NULL, 48},
    {0x0303, 0xc030, NULL, 48},
    {0x0303, 0xcca8, NULL, 48},
    {0x0303, 0xc013, NULL, 48},
    {0x0303, 0xc027, NULL, 48},
    {0x0304, 0x1304, NULL, 32}, /* unsupported */
};

static uint8_t known; /* bit 0: master, 1: handshake, 2: application secrets */

static void fill_secret(uint8_t *out, size_t len, uint8_t tag)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(tag + i);
}

static bool lookup(void *ctx, const uint8_t random[TLS_HELLO_RANDOM_LEN],
		   struct tls_session_secrets *secrets)
{
	size_t len = *(size_t *)ctx;

	(void)random;
	if (!known)
		return false;
	if (known & 1) {
		fill_secret(secrets->master, 48, 1);
		secrets->master_len = 48;
	}
	for (int dir = 0; dir < 2; dir++) {
		if (known & 2) {
			fill_secret(secrets->handshake[dir], len, (uint8_t)(10 + dir));
			secrets->handshake_len[dir] = len;
		}
		if (known & 4) {
			fill_secret(secrets->application[dir], len, (uint8_t)(20 + dir));
			secrets->application_len[dir] = len;
		}
	}
	return true;
}

static void on_plaintext(void *user, enum tls_dir from, const uint8_t *data, size_t len,
			 uint64_t ts_ns)
{
	size_t *sum = user;

	(void)from;
	(void)ts_ns;
	*sum += data[len - 1];
}

/* TLS 1.3: PLAIN (with its inner type last) as record SEQ of direction DIR. */
static size_t encrypt13(size_t suite, int dir, uint64_t seq, const uint8_t *plain, size_t len,
			uint8_t *record)
{
	struct tls_traffic_keys keys = {0};
	uint8_t secret[48], nonce[12];
	size_t secret_len = suites[suite].secret_len;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ok;

	fill_secret(secret, secret_len, (uint8_t)(20 + dir));
	if (!ctx || tls13_traffic_keys(&keys, tls_suite_find(suites[suite].suite, 0x0304), secret,
				       secret_len)) {
		EVP_CIPHER_CTX_free(ctx);
		tls_traffic_keys_release(&keys);
		return 0;
	}
	memcpy(nonce, keys.iv, 12);
	for (int i = 11; i >= 4; i--, seq >>= 8)
		nonce[i] ^= (uint8_t)seq;
	record[0] = 23;
	record[1] = 3;
	record[2] = 3;
	record[3] = (uint8_t)((len + 16) >> 8);
	record[4] = (uint8_t)(len + 16);
	ok = EVP_EncryptInit_ex(ctx, suites[suite].cipher(), NULL, keys.key, nonce) == 1 &&
	     EVP_EncryptUpdate(ctx, NULL, &n, record, 5) == 1 &&
	     EVP_EncryptUpdate(ctx, record + 5, &n, plain, (int)len) == 1 &&
	     EVP_EncryptFinal_ex(ctx, record + 5 + n, &n) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, record + 5 + len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	tls_traffic_keys_release(&keys);
	return ok ? 5 + len + 16 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t record[5 + 2048 + 16];
	struct tls_decrypt_counts counts = {0};
	size_t suite, sum = 0, secret_len;
	uint64_t seq[2] = {0, 0}, ts_ns = 1;
	struct tls_decrypt_config config = {lookup, &secret_len, on_plaintext, &counts, 1 << 16};
	struct tls_record_event event = {.type = TLS_EV_CLIENT_HELLO};
	struct tls_decrypt *dec;

	if (size < 2)
		return 0;
	suite = data[0] % (sizeof(suites) / sizeof(suites[0]));
	secret_len = suites[suite].secret_len;
	known = data[1] & 7;
	dec = tls_decrypt_new(&config, &sum);
	if (!dec)
		return 0;
	tls_decrypt_event(dec, &event);
	event = (struct tls_record_event){.type = TLS_EV_SERVER_HELLO};
	event.server_hello.version = suites[suite].version;
	event.server_hello.cipher_suite = suites[suite].suite;
	event.server_hello.encrypt_then_mac = data[1] & 8;
	tls_decrypt_event(dec, &event);
	data += 2;
	size -= 2;
	/* records: [control][length][bytes]; control bit 0: direction, 1: encrypt (TLS 1.3),
	 * 2: handshake type (TLS 1.2), 3: retry first, 4: stop here */
	while (size >= 2) {
		uint8_t control = data[0];
		size_t len = data[1] * 8u, record_len;
		int dir = control & 1;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		if (len > 2048)
			len = 2048;
		if (control & 16)
			break;
		if (control & 8)
			tls_decrypt_retry(dec, ts_ns += 1000000000);
		if ((control & 2) && suites[suite].cipher && len)
			record_len = encrypt13(suite, dir, seq[dir]++, data, len, record);
		else if (len >= 5 && ((size_t)data[3] << 8 | data[4]) == len - 5)
			memcpy(record, data,
			       record_len = len); /* a whole record, header included */
		else {
			record[0] = 23;
			record[1] = 3;
			record[2] = 3;
			record[3] = (uint8_t)(len >> 8);
			record[4] = (uint8_t)len;
			memcpy(record + 5, data, len);
			record_len = 5 + len;
		}
		data += len;
		size -= len;
		if (!record_len)
			continue;
		event = (struct tls_record_event){.type = (control & 4) &&
								  suites[suite].version == 0x0303
							      ? TLS_EV_ENCRYPTED_HANDSHAKE
							      : TLS_EV_APPLICATION_DATA,
						  .from = (enum tls_dir)dir,
						  .ts_ns = ts_ns,
						  .record = {record, record_len}};
		tls_decrypt_event(dec, &event);
	}
	tls_decrypt_end(dec);
	if (counts.held_bytes) /* every held byte is given back at the end */
		__builtin_trap();
	return sum == 0xdeadbeef; /* keeps the reads from being optimised away */
}
