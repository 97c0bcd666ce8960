/* IANA TLS registry names (RFC 8446 §B.4, RFC 5246 App. A.5, RFC 8446 §6) for the values
 * seen on SIP trunks; anything else is printed as a number by the caller. */
#include "tls_handshake.h"

#include <stddef.h>
#include <string.h>

struct name16 {
	uint16_t value;
	const char *name;
};

static const struct name16 cipher_suites[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256"},
    {0x1302, "TLS_AES_256_GCM_SHA384"},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
    {0x1304, "TLS_AES_128_CCM_SHA256"},
    {0x1305, "TLS_AES_128_CCM_8_SHA256"},
    {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
    {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    {0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
    {0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
    {0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
    {0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    {0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
    {0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
    {0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
    {0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
    {0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
    {0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
    {0x5600, "TLS_FALLBACK_SCSV"},
};

static const struct name16 versions[] = {
    {0x0300, "SSL 3.0"}, {0x0301, "TLS 1.0"}, {0x0302, "TLS 1.1"},
    {0x0303, "TLS 1.2"}, {0x0304, "TLS 1.3"},
};

static const struct name16 alerts[] = {
    {0, "close_notify"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {21, "decryption_failed"},
    {22, "record_overflow"},
    {30, "decompression_failure"},
    {40, "handshake_failure"},
    {41, "no_certificate"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {60, "export_restriction"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {111, "certificate_unobtainable"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {120, "no_application_protocol"},
};

static const struct name16 handshake_types[] = {
    {0, "hello_request"},      {1, "client_hello"},	    {2, "server_hello"},
    {4, "new_session_ticket"}, {5, "end_of_early_data"},    {8, "encrypted_extensions"},
    {11, "certificate"},       {12, "server_key_exchange"}, {13, "certificate_request"},
    {14, "server_hello_done"}, {15, "certificate_verify"},  {16, "client_key_exchange"},
    {20, "finished"},	       {22, "certificate_status"},  {24, "key_update"},
    {254, "message_hash"},
};

static const char *lookup(const struct name16 *table, size_t count, uint16_t value)
{
	for (size_t i = 0; i < count; i++)
		if (table[i].value == value)
			return table[i].name;
	return NULL;
}

static bool lookup_value(const struct name16 *table, size_t count, const char *name,
			 uint16_t *value)
{
	for (size_t i = 0; i < count; i++) {
		if (!strcmp(table[i].name, name)) {
			*value = table[i].value;
			return true;
		}
	}
	return false;
}

#define LOOKUP(table, value) lookup(table, sizeof(table) / sizeof(table[0]), value)
#define LOOKUP_VALUE(table, name, value)                                                           \
	lookup_value(table, sizeof(table) / sizeof(table[0]), name, value)

const char *tls_version_name(uint16_t version)
{
	return LOOKUP(versions, version);
}

const char *tls_cipher_suite_name(uint16_t cipher_suite)
{
	return LOOKUP(cipher_suites, cipher_suite);
}

bool tls_version_value(const char *name, uint16_t *version)
{
	return LOOKUP_VALUE(versions, name, version);
}

bool tls_cipher_suite_value(const char *name, uint16_t *cipher_suite)
{
	return LOOKUP_VALUE(cipher_suites, name, cipher_suite);
}

const char *tls_alert_name(uint8_t description)
{
	return LOOKUP(alerts, description);
}

const char *tls_handshake_type_name(uint8_t type)
{
	return LOOKUP(handshake_types, type);
}

const char *tls_alert_level_name(uint8_t level)
{
	return level == 1 ? "warning" : level == 2 ? "fatal" : NULL;
}
