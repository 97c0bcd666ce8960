/* Key schedules and record decryption over OpenSSL EVP: no cryptography written here. */
#include "tls_crypto.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>

#define RECORD_HEADER_LEN 5
#define AEAD_TAG_LEN	  16
#define GCM_SALT_LEN	  4
#define GCM_EXPLICIT_LEN  8
#define CBC_BLOCK_LEN	  16
#define TLS13_IV_LEN	  12
#define KEY_BLOCK_MAX	  (2 * (32 + 32 + 16))

struct tls_suite {
	uint16_t id;
	uint16_t version;
	enum tls_record_cipher kind;
	const EVP_CIPHER *(*cipher)(void);
	const char *hash; /* TLS 1.3 HKDF and TLS 1.2 PRF hash */
	const char *mac;  /* CBC: the HMAC hash */
	uint8_t key_len, fixed_iv_len, mac_len;
};

#define V12 0x0303
#define V13 0x0304

static const struct tls_suite suites[] = {
    {0x1301, V13, TLS_RECORD_AEAD, EVP_aes_128_gcm, "SHA256", NULL, 16, 12, 0},
    {0x1302, V13, TLS_RECORD_AEAD, EVP_aes_256_gcm, "SHA384", NULL, 32, 12, 0},
    {0x1303, V13, TLS_RECORD_AEAD, EVP_chacha20_poly1305, "SHA256", NULL, 32, 12, 0},
    /* RFC 5288 / RFC 5289: AES-GCM with (EC)DHE or RSA key exchange */
    {0xc02b, V12, TLS_RECORD_AEAD_EXPLICIT, EVP_aes_128_gcm, "SHA256", NULL, 16, 4, 0},
    {0xc02c, V12, TLS_RECORD_AEAD_EXPLICIT, EVP_aes_256_gcm, "SHA384", NULL, 32, 4, 0},
    {0xc02f, V12, TLS_RECORD_AEAD_EXPLICIT, EVP_aes_128_gcm, "SHA256", NULL, 16, 4, 0},
    {0xc030, V12, TLS_RECORD_AEAD_EXPLICIT, EVP_aes_256_gcm, "SHA384", NULL, 32, 4, 0},
    {0x009c, V12, TLS_RECORD_AEAD_EXPLICIT, EVP_aes_128_gcm, "SHA256", NULL, 16, 4, 0},
    {0x009d, V12, TLS_RECORD_AEAD_EXPLICIT, EVP_aes_256_gcm, "SHA384", NULL, 32, 4, 0},
    {0x009e, V12, TLS_RECORD_AEAD_EXPLICIT, EVP_aes_128_gcm, "SHA256", NULL, 16, 4, 0},
    {0x009f, V12, TLS_RECORD_AEAD_EXPLICIT, EVP_aes_256_gcm, "SHA384", NULL, 32, 4, 0},
    /* RFC 7905: ChaCha20-Poly1305 */
    {0xcca8, V12, TLS_RECORD_AEAD, EVP_chacha20_poly1305, "SHA256", NULL, 32, 12, 0},
    {0xcca9, V12, TLS_RECORD_AEAD, EVP_chacha20_poly1305, "SHA256", NULL, 32, 12, 0},
    {0xccaa, V12, TLS_RECORD_AEAD, EVP_chacha20_poly1305, "SHA256", NULL, 32, 12, 0},
    /* RFC 5246 / RFC 4492 / RFC 5289: AES-CBC with HMAC */
    {0x002f, V12, TLS_RECORD_CBC, EVP_aes_128_cbc, "SHA256", "SHA1", 16, 16, 20},
    {0x0035, V12, TLS_RECORD_CBC, EVP_aes_256_cbc, "SHA256", "SHA1", 32, 16, 20},
    {0x003c, V12, TLS_RECORD_CBC, EVP_aes_128_cbc, "SHA256", "SHA256", 16, 16, 32},
    {0x003d, V12, TLS_RECORD_CBC, EVP_aes_256_cbc, "SHA256", "SHA256", 32, 16, 32},
    {0xc009, V12, TLS_RECORD_CBC, EVP_aes_128_cbc, "SHA256", "SHA1", 16, 16, 20},
    {0xc00a, V12, TLS_RECORD_CBC, EVP_aes_256_cbc, "SHA256", "SHA1", 32, 16, 20},
    {0xc013, V12, TLS_RECORD_CBC, EVP_aes_128_cbc, "SHA256", "SHA1", 16, 16, 20},
    {0xc014, V12, TLS_RECORD_CBC, EVP_aes_256_cbc, "SHA256", "SHA1", 32, 16, 20},
    {0xc023, V12, TLS_RECORD_CBC, EVP_aes_128_cbc, "SHA256", "SHA256", 16, 16, 32},
    {0xc027, V12, TLS_RECORD_CBC, EVP_aes_128_cbc, "SHA256", "SHA256", 16, 16, 32},
};

const struct tls_suite *tls_suite_find(uint16_t cipher_suite, uint16_t version)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == cipher_suite && suites[i].version == version)
			return &suites[i];
	return NULL;
}

const char *tls_decrypt_status_name(enum tls_decrypt_status status)
{
	switch (status) {
	case TLS_DECRYPT_OK:
		return "ok";
	case TLS_DECRYPT_AUTH_FAILED:
		return "authentication failed";
	case TLS_DECRYPT_MALFORMED:
		return "malformed record";
	case TLS_DECRYPT_CRYPTO:
		return "crypto library error";
	}
	return "?";
}

void tls_traffic_keys_release(struct tls_traffic_keys *keys)
{
	EVP_CIPHER_CTX_free(keys->cipher_ctx);
	EVP_MAC_CTX_free(keys->mac_ctx);
	keys->cipher_ctx = NULL;
	keys->mac_ctx = NULL;
}

/*
 * AES-GCM's nonce and tag by parameters. OpenSSL 3 reads every parameter by name
 * (OSSL_PARAM_locate, strcmp): the general way, EVP_DecryptInit_ex for the nonce (which also
 * asks for the IV's length by name) and EVP_CIPHER_CTX_ctrl for the tag, took about 1,300
 * instructions a record, as much as decrypting a 600-byte record (callgrind, OpenSSL 3.0). The
 * nonce goes in as TLS 1.2's fixed and explicit parts (4 + 8 bytes), the parameters OpenSSL's
 * own record layer sets: the fixed part, the same for every record of a key (TLS 1.2's salt;
 * TLS 1.3's sequence number only changes the last 8 bytes, RFC 8446 §5.3), once per key
 * (gcm_fixed_nonce); per record only the tag and the explicit part, in the order the provider
 * looks them up. False when the provider refused them.
 */
static bool gcm_fixed_nonce(EVP_CIPHER_CTX *ctx, const uint8_t *fixed)
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED, (void *)fixed,
					      GCM_SALT_LEN),
	    OSSL_PARAM_construct_end(),
	};

	return EVP_CIPHER_CTX_set_params(ctx, params) == 1;
}

static bool gcm_nonce_and_tag(EVP_CIPHER_CTX *ctx, const uint8_t *nonce, uint8_t *tag)
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, AEAD_TAG_LEN),
	    OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_SET_IV_INV,
					      (void *)(nonce + GCM_SALT_LEN), GCM_EXPLICIT_LEN),
	    OSSL_PARAM_construct_end(),
	};

	return EVP_CIPHER_CTX_set_params(ctx, params) == 1;
}

/* Whether this OpenSSL takes the GCM parameters above (3.0 and later do): the fixed part of
 * KEYS' nonce is set, then a record's parameters tried, once per key; a complaint, if any, is
 * taken off the error queue. */
static bool gcm_params_taken(EVP_CIPHER_CTX *ctx, const uint8_t *iv)
{
	uint8_t nonce[TLS13_IV_LEN] = {0}, tag[AEAD_TAG_LEN] = {0};
	bool taken;

	ERR_set_mark();
	taken = gcm_fixed_nonce(ctx, iv) && gcm_nonce_and_tag(ctx, nonce, tag);
	ERR_pop_to_mark();
	return taken;
}

/* Sets KEYS->cipher_ctx (and mac_ctx) for decryption with the key (and MAC key) in KEYS. */
static int keys_ready(struct tls_traffic_keys *keys)
{
	const struct tls_suite *suite = keys->suite;
	EVP_MAC *mac;

	tls_traffic_keys_release(keys);
	keys->cipher_ctx = EVP_CIPHER_CTX_new();
	if (!keys->cipher_ctx ||
	    EVP_DecryptInit_ex(keys->cipher_ctx, suite->cipher(), NULL, keys->key, NULL) != 1)
		goto fail;
	keys->gcm_params = EVP_CIPHER_get_mode(suite->cipher()) == EVP_CIPH_GCM_MODE &&
			   gcm_params_taken(keys->cipher_ctx, keys->iv);
	if (suite->kind != TLS_RECORD_CBC)
		return 0;
	EVP_CIPHER_CTX_set_padding(keys->cipher_ctx, 0); /* TLS padding is checked here */
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	keys->mac_ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac);
	if (!keys->mac_ctx)
		goto fail;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)suite->mac, 0),
	    OSSL_PARAM_construct_end(),
	};
	if (EVP_MAC_init(keys->mac_ctx, keys->mac_key, suite->mac_len, params) != 1)
		goto fail;
	return 0;
fail:
	tls_traffic_keys_release(keys);
	return TLS_DECRYPT_CRYPTO;
}

static int kdf_derive(const char *name, OSSL_PARAM *params, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int ok = ctx && EVP_KDF_derive(ctx, out, out_len, params) == 1;

	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : TLS_DECRYPT_CRYPTO;
}

/* RFC 8446 §7.1: HKDF-Expand-Label(secret, label, "", length), through HKDF expand-only. */
static int hkdf_expand_label(const char *hash, const uint8_t *secret, size_t secret_len,
			     const char *label, uint8_t *out, size_t out_len)
{
	uint8_t info[2 + 1 + 255 + 1];
	size_t label_len = strlen(label), info_len = 0;
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;

	info[info_len++] = (uint8_t)(out_len >> 8);
	info[info_len++] = (uint8_t)out_len;
	info[info_len++] = (uint8_t)(6 + label_len);
	memcpy(info + info_len, "tls13 ", 6);
	memcpy(info + info_len + 6, label, label_len);
	info_len += 6 + label_len;
	info[info_len++] = 0; /* empty context */
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)hash, 0),
	    OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, info_len),
	    OSSL_PARAM_construct_end(),
	};
	return kdf_derive("HKDF", params, out, out_len);
}

int tls13_traffic_keys(struct tls_traffic_keys *keys, const struct tls_suite *suite,
		       const uint8_t *secret, size_t secret_len)
{
	if (secret_len > sizeof(keys->secret))
		return TLS_DECRYPT_CRYPTO;
	tls_traffic_keys_release(keys);
	memset(keys, 0, sizeof(*keys));
	keys->suite = suite;
	memcpy(keys->secret, secret, secret_len);
	keys->secret_len = secret_len;
	if (hkdf_expand_label(suite->hash, secret, secret_len, "key", keys->key, suite->key_len) ||
	    hkdf_expand_label(suite->hash, secret, secret_len, "iv", keys->iv, TLS13_IV_LEN))
		return TLS_DECRYPT_CRYPTO;
	return keys_ready(keys);
}

int tls13_key_update(struct tls_traffic_keys *keys)
{
	uint8_t next[TLS_CRYPTO_SECRET_MAX];
	size_t len = keys->secret_len;

	if (hkdf_expand_label(keys->suite->hash, keys->secret, len, "traffic upd", next, len))
		return TLS_DECRYPT_CRYPTO;
	return tls13_traffic_keys(keys, keys->suite, next, len);
}

int tls12_traffic_keys(struct tls_traffic_keys *client, struct tls_traffic_keys *server,
		       const struct tls_suite *suite, const uint8_t *master, size_t master_len,
		       const uint8_t client_random[TLS_CRYPTO_RANDOM_LEN],
		       const uint8_t server_random[TLS_CRYPTO_RANDOM_LEN], bool encrypt_then_mac)
{
	static const char label[] = "key expansion";
	uint8_t seed[sizeof(label) - 1 + 2 * TLS_CRYPTO_RANDOM_LEN], block[KEY_BLOCK_MAX];
	size_t mac = suite->mac_len, key = suite->key_len, iv = suite->fixed_iv_len;
	struct tls_traffic_keys *dir[2] = {client, server};

	memcpy(seed, label, sizeof(label) - 1);
	memcpy(seed + sizeof(label) - 1, server_random, TLS_CRYPTO_RANDOM_LEN);
	memcpy(seed + sizeof(label) - 1 + TLS_CRYPTO_RANDOM_LEN, client_random,
	       TLS_CRYPTO_RANDOM_LEN);
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)suite->hash, 0),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)master, master_len),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof(seed)),
	    OSSL_PARAM_construct_end(),
	};
	if (kdf_derive("TLS1-PRF", params, block, 2 * (mac + key + iv)))
		return TLS_DECRYPT_CRYPTO;
	/* RFC 5246 §6.3: client MAC, server MAC, client key, server key, client IV, server IV */
	for (size_t i = 0; i < 2; i++) {
		tls_traffic_keys_release(dir[i]);
		memset(dir[i], 0, sizeof(*dir[i]));
		dir[i]->suite = suite;
		dir[i]->encrypt_then_mac = encrypt_then_mac;
		memcpy(dir[i]->mac_key, block + i * mac, mac);
		memcpy(dir[i]->key, block + 2 * mac + i * key, key);
		if (suite->kind !=
		    TLS_RECORD_CBC) /* CBC records carry their IV (RFC 5246 §6.2.3.2) */
			memcpy(dir[i]->iv, block + 2 * (mac + key) + i * iv, iv);
		if (keys_ready(dir[i]))
			return TLS_DECRYPT_CRYPTO;
	}
	return 0;
}

static void put_u64(uint8_t *out, uint64_t value)
{
	for (int i = 7; i >= 0; i--, value >>= 8)
		out[i] = (uint8_t)value;
}

/* TLS 1.2 additional data and MAC input prefix (RFC 5246 §6.2.3.1/§6.2.3.3): seq, type,
 * version, length. */
static void tls12_pseudo_header(uint8_t out[13], uint64_t seq, const uint8_t *record, size_t len)
{
	put_u64(out, seq);
	memcpy(out + 8, record, 3);
	out[11] = (uint8_t)(len >> 8);
	out[12] = (uint8_t)len;
}

static bool nonce_and_tag(struct tls_traffic_keys *keys, const uint8_t *nonce, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = keys->cipher_ctx;

	if (keys->gcm_params)
		return gcm_nonce_and_tag(ctx, nonce, tag);
	return EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) == 1 &&
	       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG_LEN, tag) == 1;
}

static enum tls_decrypt_status aead_open(struct tls_traffic_keys *keys, const uint8_t *nonce,
					 const uint8_t *aad, size_t aad_len, const uint8_t *in,
					 size_t in_len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = keys->cipher_ctx;
	uint8_t tag[AEAD_TAG_LEN];
	int n;

	memcpy(tag, in + in_len, AEAD_TAG_LEN);
	if (!nonce_and_tag(keys, nonce, tag) ||
	    EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_DecryptUpdate(ctx, out, &n, in, (int)in_len) != 1)
		return TLS_DECRYPT_CRYPTO;
	return EVP_DecryptFinal_ex(ctx, out + n, &n) == 1 ? TLS_DECRYPT_OK
							  : TLS_DECRYPT_AUTH_FAILED;
}

/* RFC 8446 §5.3: the per-record nonce is the IV xor the sequence number. */
static void xor_nonce(uint8_t nonce[12], const uint8_t iv[12], uint64_t seq)
{
	memcpy(nonce, iv, 12);
	for (int i = 11; i >= 4; i--, seq >>= 8)
		nonce[i] ^= (uint8_t)seq;
}

/* RFC 8446 §5.2: TLSInnerPlaintext is content, type, zero padding. */
static enum tls_decrypt_status tls13_open(struct tls_traffic_keys *keys, uint64_t seq,
					  const uint8_t *record, size_t body_len, uint8_t *out,
					  size_t *out_len, uint8_t *content_type)
{
	uint8_t nonce[12];
	size_t len = body_len - AEAD_TAG_LEN;
	enum tls_decrypt_status status;

	xor_nonce(nonce, keys->iv, seq);
	status =
	    aead_open(keys, nonce, record, RECORD_HEADER_LEN, record + RECORD_HEADER_LEN, len, out);
	if (status)
		return status;
	while (len && !out[len - 1])
		len--;
	if (!len)
		return TLS_DECRYPT_MALFORMED;
	*content_type = out[len - 1];
	*out_len = len - 1;
	return TLS_DECRYPT_OK;
}

static enum tls_decrypt_status tls12_aead_open(struct tls_traffic_keys *keys, uint64_t seq,
					       const uint8_t *record, size_t body_len, uint8_t *out,
					       size_t *out_len)
{
	const uint8_t *body = record + RECORD_HEADER_LEN;
	uint8_t nonce[12], aad[13];
	size_t explicit_len = keys->suite->kind == TLS_RECORD_AEAD_EXPLICIT ? GCM_EXPLICIT_LEN : 0;
	size_t len;

	if (body_len < explicit_len + AEAD_TAG_LEN)
		return TLS_DECRYPT_MALFORMED;
	len = body_len - explicit_len - AEAD_TAG_LEN;
	if (explicit_len) { /* RFC 5288 §3 */
		memcpy(nonce, keys->iv, GCM_SALT_LEN);
		memcpy(nonce + GCM_SALT_LEN, body, GCM_EXPLICIT_LEN);
	} else { /* RFC 7905 §2 */
		xor_nonce(nonce, keys->iv, seq);
	}
	tls12_pseudo_header(aad, seq, record, len);
	*out_len = len;
	return aead_open(keys, nonce, aad, sizeof(aad), body + explicit_len, len, out);
}

static int mac_check(struct tls_traffic_keys *keys, const uint8_t header[13], const uint8_t *data,
		     size_t len, const uint8_t *expected)
{
	uint8_t mac[32];
	size_t mac_len;

	if (EVP_MAC_init(keys->mac_ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(keys->mac_ctx, header, 13) != 1 ||
	    EVP_MAC_update(keys->mac_ctx, data, len) != 1 ||
	    EVP_MAC_final(keys->mac_ctx, mac, &mac_len, sizeof(mac)) != 1)
		return TLS_DECRYPT_CRYPTO;
	return CRYPTO_memcmp(mac, expected, keys->suite->mac_len) ? TLS_DECRYPT_AUTH_FAILED : 0;
}

static int cbc_decrypt(struct tls_traffic_keys *keys, const uint8_t *iv, const uint8_t *in,
		       size_t len, uint8_t *out)
{
	int n;

	if (EVP_DecryptInit_ex(keys->cipher_ctx, NULL, NULL, NULL, iv) != 1 ||
	    EVP_DecryptUpdate(keys->cipher_ctx, out, &n, in, (int)len) != 1 || (size_t)n != len)
		return TLS_DECRYPT_CRYPTO;
	return 0;
}

/* RFC 5246 §6.2.3.2 (MAC, then encrypt) and RFC 7366 §3 (encrypt, then MAC). Padding is
 * checked in plain time: siptrail reads a finished capture, it answers no one. */
static enum tls_decrypt_status tls12_cbc_open(struct tls_traffic_keys *keys, uint64_t seq,
					      const uint8_t *record, size_t body_len, uint8_t *out,
					      size_t *out_len)
{
	const uint8_t *body = record + RECORD_HEADER_LEN;
	size_t mac_len = keys->suite->mac_len, cipher_len, len, pad;
	uint8_t header[13];
	int err;

	/* an IV block and at least one block of ciphertext, then the MAC when it comes last */
	if (body_len < (keys->encrypt_then_mac ? mac_len : 0) + 2 * CBC_BLOCK_LEN)
		return TLS_DECRYPT_MALFORMED;
	cipher_len = body_len - (keys->encrypt_then_mac ? mac_len : 0);
	if (cipher_len % CBC_BLOCK_LEN)
		return TLS_DECRYPT_MALFORMED;
	if (keys->encrypt_then_mac) {
		tls12_pseudo_header(header, seq, record, cipher_len);
		err = mac_check(keys, header, body, cipher_len, body + cipher_len);
		if (err)
			return err;
	}
	len = cipher_len - CBC_BLOCK_LEN;
	err = cbc_decrypt(keys, body, body + CBC_BLOCK_LEN, len, out);
	if (err)
		return err;
	pad = out[len - 1];
	if (pad + 1 + (keys->encrypt_then_mac ? 0 : mac_len) > len)
		return TLS_DECRYPT_AUTH_FAILED;
	for (size_t i = len - 1 - pad; i < len - 1; i++)
		if (out[i] != pad)
			return TLS_DECRYPT_AUTH_FAILED;
	len -= pad + 1;
	if (!keys->encrypt_then_mac) {
		len -= mac_len;
		tls12_pseudo_header(header, seq, record, len);
		err = mac_check(keys, header, out, len, out + len);
		if (err)
			return err;
	}
	*out_len = len;
	return TLS_DECRYPT_OK;
}

enum tls_decrypt_status tls_record_decrypt(struct tls_traffic_keys *keys, uint64_t seq,
					   const uint8_t *record, size_t record_len, uint8_t *out,
					   size_t *out_len, uint8_t *content_type)
{
	size_t body_len;

	if (!keys->cipher_ctx || record_len < RECORD_HEADER_LEN)
		return TLS_DECRYPT_CRYPTO;
	body_len = record_len - RECORD_HEADER_LEN;
	if (keys->suite->version == V13) {
		if (body_len < AEAD_TAG_LEN + 1)
			return TLS_DECRYPT_MALFORMED;
		return tls13_open(keys, seq, record, body_len, out, out_len, content_type);
	}
	*content_type = record[0];
	if (keys->suite->kind == TLS_RECORD_CBC)
		return tls12_cbc_open(keys, seq, record, body_len, out, out_len);
	return tls12_aead_open(keys, seq, record, body_len, out, out_len);
}
