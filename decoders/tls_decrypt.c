/* Per-connection record decryption: hellos -> secrets -> keys -> plaintext, with the records
 * that wait for their secrets held in arrival order. */
#include "tls_decrypt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HS_KEY_UPDATE 24 /* RFC 8446 §4.6.3 */

struct held_record {
	enum tls_dir from;
	uint64_t ts_ns;
	size_t len;
	uint8_t bytes[];
};

struct decrypt_dir {
	struct tls_traffic_keys app, handshake;
	bool keyed, handshake_keyed;
	bool app_started; /* TLS 1.3: an application-keyed record authenticated */
	uint64_t seq, handshake_seq;
	uint64_t unclassified; /* TLS 1.3 records before app_started, not handshake-decrypted */
	bool encrypted_seen;   /* an encrypted record came from this side */
	/* TLS 1.2: this side sent the ChangeCipherSpec of a renegotiation (RFC 5246 §7.4.1.1):
	 * its later records are under keys siptrail does not derive, counted as unsupported */
	bool renegotiated;
};

struct tls_decrypt {
	const struct tls_decrypt_config *config;
	void *user;
	uint8_t client_random[TLS_HELLO_RANDOM_LEN], server_random[TLS_HELLO_RANDOM_LEN];
	bool client_hello_seen, server_hello_seen, encrypt_then_mac, given_up;
	uint16_t version, cipher_suite;
	const struct tls_suite *suite;
	struct decrypt_dir dir[2]; /* by enum tls_dir */
	struct held_record *held[TLS_DECRYPT_HOLD_RECORDS];
	size_t n_held, held_bytes;
	uint64_t first_held_ns;
};

struct tls_decrypt *tls_decrypt_new(const struct tls_decrypt_config *config, void *user)
{
	struct tls_decrypt *dec = calloc(1, sizeof(*dec));

	if (dec) {
		dec->config = config;
		dec->user = user;
	}
	return dec;
}

/* Derives what SECRETS allow for the directions not keyed yet. */
static void take_secrets(struct tls_decrypt *dec, const struct tls_session_secrets *secrets)
{
	struct decrypt_dir *client = &dec->dir[TLS_FROM_CLIENT],
			   *server = &dec->dir[TLS_FROM_SERVER];

	if (dec->version == TLS_VERSION_1_2) {
		if (client->keyed || !secrets->master_len)
			return;
		if (!tls12_traffic_keys(&client->app, &server->app, dec->suite, secrets->master,
					secrets->master_len, dec->client_random, dec->server_random,
					dec->encrypt_then_mac))
			client->keyed = server->keyed = true;
		return;
	}
	for (int i = 0; i < 2; i++) {
		struct decrypt_dir *d = &dec->dir[i];

		if (!d->keyed && secrets->application_len[i])
			d->keyed = !tls13_traffic_keys(&d->app, dec->suite, secrets->application[i],
						       secrets->application_len[i]);
		if (!d->handshake_keyed && !d->app_started && secrets->handshake_len[i])
			d->handshake_keyed =
			    !tls13_traffic_keys(&d->handshake, dec->suite, secrets->handshake[i],
						secrets->handshake_len[i]);
	}
}

static bool dir_ready(struct tls_decrypt *dec, enum tls_dir from)
{
	struct tls_session_secrets secrets;

	if (dec->dir[from].keyed)
		return true;
	memset(&secrets, 0, sizeof(secrets));
	if (dec->config->lookup(dec->config->lookup_ctx, dec->client_random, &secrets))
		take_secrets(dec, &secrets);
	return dec->dir[from].keyed;
}

/* RFC 8446 §4: a record may carry several handshake messages; a KeyUpdate among them switches
 * this direction's keys after the record. */
static bool has_key_update(const uint8_t *msgs, size_t len)
{
	for (size_t at = 0; at + 4 <= len;) {
		if (msgs[at] == HS_KEY_UPDATE)
			return true;
		at += 4 + ((size_t)msgs[at + 1] << 16 | (size_t)msgs[at + 2] << 8 | msgs[at + 3]);
	}
	return false;
}

/* RFC 8446 §6 / RFC 5246 §7.2: level and description, two bytes per alert. */
static void report_alerts(struct tls_decrypt *dec, enum tls_dir from, const uint8_t *plain,
			  size_t len, uint64_t ts_ns)
{
	for (size_t i = 0; dec->config->on_alert && i + 1 < len; i += 2) {
		struct tls_record_event alert = {
		    .type = TLS_EV_ALERT, .from = from, .ts_ns = ts_ns};

		alert.alert_level = plain[i];
		alert.alert_description = plain[i + 1];
		dec->config->on_alert(dec->user, &alert);
	}
}

static void deliver(struct tls_decrypt *dec, enum tls_dir from, uint8_t content_type,
		    const uint8_t *plain, size_t len, uint64_t ts_ns)
{
	struct decrypt_dir *d = &dec->dir[from];

	dec->config->counts->decrypted++;
	if (content_type == TLS_CT_ALERT) {
		report_alerts(dec, from, plain, len, ts_ns);
	} else if (content_type == TLS_CT_APPLICATION_DATA && len) {
		dec->config->on_plaintext(dec->user, from, plain, len, ts_ns);
	} else if (content_type == TLS_CT_HANDSHAKE && dec->version == TLS_VERSION_1_3 &&
		   has_key_update(plain, len)) {
		d->seq = 0;
		if (tls13_key_update(&d->app))
			d->keyed = false; /* cannot follow: the later records are counted */
	}
}

/* TLS 1.3 before the first application record: application keys at sequence 0, else the
 * handshake keys, else (no handshake secrets) taken for a handshake record, within a bound. */
static void tls13_classify(struct tls_decrypt *dec, enum tls_dir from, const uint8_t *record,
			   size_t len, uint8_t *plain, uint64_t ts_ns)
{
	struct decrypt_dir *d = &dec->dir[from];
	size_t plain_len;
	uint8_t type;

	if (!tls_record_decrypt(&d->app, 0, record, len, plain, &plain_len, &type)) {
		d->app_started = true;
		d->seq = 1;
		d->unclassified = 0;
		deliver(dec, from, type, plain, plain_len, ts_ns);
		return;
	}
	if (d->handshake_keyed && !tls_record_decrypt(&d->handshake, d->handshake_seq, record, len,
						      plain, &plain_len, &type)) {
		d->handshake_seq++;
		dec->config->counts->decrypted++;
		/* a handshake refused after the ServerHello: the alert under the handshake keys */
		if (type == TLS_CT_ALERT)
			report_alerts(dec, from, plain, plain_len, ts_ns);
		return;
	}
	if (d->handshake_keyed || d->unclassified == TLS_DECRYPT_TRIAL_MAX)
		dec->config->counts->auth_failed++;
	else
		d->unclassified++; /* counted at the end unless application data follows */
}

static void decrypt_record(struct tls_decrypt *dec, enum tls_dir from, const uint8_t *record,
			   size_t len, uint64_t ts_ns)
{
	struct decrypt_dir *d = &dec->dir[from];
	uint8_t plain[TLS_RECORD_MAX_BODY_LEN];
	size_t plain_len;
	uint8_t type;

	if (!d->keyed) { /* a KeyUpdate that could not be followed */
		dec->config->counts->auth_failed++;
		return;
	}
	if (dec->version == TLS_VERSION_1_3 && !d->app_started) {
		tls13_classify(dec, from, record, len, plain, ts_ns);
		return;
	}
	/* the sequence number advances for every record, authenticated or not (RFC 5246 §6.1) */
	if (tls_record_decrypt(&d->app, d->seq++, record, len, plain, &plain_len, &type))
		dec->config->counts->auth_failed++;
	else
		deliver(dec, from, type, plain, plain_len, ts_ns);
}

static void held_give_up(struct tls_decrypt *dec)
{
	dec->config->counts->no_secrets += dec->n_held;
	dec->config->counts->held_bytes -= dec->held_bytes;
	for (size_t i = 0; i < dec->n_held; i++)
		free(dec->held[i]);
	dec->n_held = dec->held_bytes = 0;
	dec->given_up = true;
}

/* Decrypts the held records whose direction has keys now, in order, up to the first that
 * still waits (records of one direction stay in order; so do the two directions'). */
static void held_flush(struct tls_decrypt *dec)
{
	size_t done = 0;

	while (done < dec->n_held && dir_ready(dec, dec->held[done]->from)) {
		struct held_record *held = dec->held[done++];

		decrypt_record(dec, held->from, held->bytes, held->len, held->ts_ns);
		dec->held_bytes -= held->len;
		dec->config->counts->held_bytes -= held->len;
		free(held);
	}
	memmove(dec->held, dec->held + done, (dec->n_held - done) * sizeof(dec->held[0]));
	dec->n_held -= done;
}

static void hold(struct tls_decrypt *dec, enum tls_dir from, const struct tls_view *record,
		 uint64_t ts_ns)
{
	const struct tls_decrypt_config *config = dec->config;
	struct held_record *held;

	if (dec->n_held == TLS_DECRYPT_HOLD_RECORDS ||
	    dec->held_bytes + record->len > TLS_DECRYPT_HOLD_BYTES ||
	    (config->hold_bytes_max &&
	     config->counts->held_bytes + record->len > config->hold_bytes_max) ||
	    !(held = malloc(sizeof(*held) + record->len))) {
		dec->config->counts->no_secrets++;
		held_give_up(dec);
		return;
	}
	held->from = from;
	held->ts_ns = ts_ns;
	held->len = record->len;
	memcpy(held->bytes, record->ptr, record->len);
	if (!dec->n_held)
		dec->first_held_ns = ts_ns;
	dec->held[dec->n_held++] = held;
	dec->held_bytes += record->len;
	config->counts->held_bytes += record->len;
}

static void encrypted_record(struct tls_decrypt *dec, const struct tls_record_event *event)
{
	struct tls_decrypt_counts *counts = dec->config->counts;

	dec->dir[event->from].encrypted_seen = true;
	if (!dec->client_hello_seen || !dec->server_hello_seen)
		counts->no_handshake++;
	else if (dec->dir[event->from].renegotiated)
		counts->unsupported++;
	else if (!dec->suite)
		counts->unsupported++;
	else if (dec->given_up)
		counts->no_secrets++;
	else if (!dec->n_held && dir_ready(dec, event->from))
		decrypt_record(dec, event->from, event->record.ptr, event->record.len,
			       event->ts_ns);
	else
		hold(dec, event->from, &event->record, event->ts_ns);
}

void tls_decrypt_event(struct tls_decrypt *dec, const struct tls_record_event *event)
{
	switch (event->type) {
	case TLS_EV_CLIENT_HELLO:
		memcpy(dec->client_random, event->client_hello.random, TLS_HELLO_RANDOM_LEN);
		dec->client_hello_seen = true;
		break;
	case TLS_EV_SERVER_HELLO:
		if (event->server_hello.hello_retry_request)
			break;
		memcpy(dec->server_random, event->server_hello.random, TLS_HELLO_RANDOM_LEN);
		dec->version = event->server_hello.version;
		dec->cipher_suite = event->server_hello.cipher_suite;
		dec->encrypt_then_mac = event->server_hello.encrypt_then_mac;
		dec->suite = tls_suite_find(dec->cipher_suite, dec->version);
		dec->server_hello_seen = true;
		break;
	case TLS_EV_CHANGE_CIPHER_SPEC:
		/* a side's second one, after its encrypted records: a renegotiation's */
		if (dec->version == TLS_VERSION_1_2 && dec->dir[event->from].encrypted_seen)
			dec->dir[event->from].renegotiated = true;
		break;
	case TLS_EV_APPLICATION_DATA:
	case TLS_EV_ENCRYPTED_HANDSHAKE:
	case TLS_EV_ENCRYPTED_ALERT:
		if (dec->n_held)
			tls_decrypt_retry(dec, event->ts_ns);
		encrypted_record(dec, event);
		break;
	default:
		break;
	}
}

void tls_decrypt_retry(struct tls_decrypt *dec, uint64_t now_ns)
{
	if (!dec->n_held)
		return;
	held_flush(dec);
	if (dec->n_held && now_ns > dec->first_held_ns + TLS_DECRYPT_HOLD_NS)
		held_give_up(dec);
}

bool tls_decrypt_holding(const struct tls_decrypt *dec)
{
	return dec->n_held > 0;
}

void tls_decrypt_end(struct tls_decrypt *dec)
{
	if (!dec)
		return;
	held_give_up(dec); /* the secrets were looked up at every record and retry */
	for (int i = 0; i < 2; i++) {
		/* TLS 1.3 without handshake secrets: a side whose application keys never opened a
		 * record had other secrets, or sent nothing after its handshake */
		if (!dec->dir[i].app_started)
			dec->config->counts->auth_failed += dec->dir[i].unclassified;
		tls_traffic_keys_release(&dec->dir[i].app);
		tls_traffic_keys_release(&dec->dir[i].handshake);
	}
	free(dec);
}

void tls_decrypt_counts_text(const struct tls_decrypt_counts *counts, char *buf, size_t len)
{
	snprintf(buf, len,
		 "%llu decrypted, not decrypted: %llu handshake not seen, %llu no secrets, %llu "
		 "unsupported suite, %llu authentication failed",
		 (unsigned long long)counts->decrypted, (unsigned long long)counts->no_handshake,
		 (unsigned long long)counts->no_secrets, (unsigned long long)counts->unsupported,
		 (unsigned long long)counts->auth_failed);
}
