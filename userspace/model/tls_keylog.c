#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash_map.h"
#include "tls_keylog.h"

_Static_assert(TLS_SECRET_MAX == TLS_CRYPTO_SECRET_MAX,
	       "one secret size for the table and tls_crypto");
_Static_assert(TLS_RANDOM_LEN == TLS_HELLO_RANDOM_LEN, "the key log's key is the hello random");

#define NO_ENTRY (-1)

struct keylog_entry {
	uint8_t client_random[TLS_RANDOM_LEN];
	uint8_t secret[TLS_SECRET_LABELS][TLS_SECRET_MAX];
	uint8_t secret_len[TLS_SECRET_LABELS];
	uint64_t touched_ns;
	int32_t next_free; /* in the free list */
	bool used;
};

struct tls_keylog {
	struct keylog_entry entries[TLS_KEYLOG_CAPACITY];
	struct hash_map by_random; /* hash_bytes(client random) -> entry */
	int32_t free_head;
	size_t used;
	uint64_t generation;
	struct tls_keylog_stats stats;
};

static const char *const label_names[TLS_SECRET_LABELS] = {
    [TLS_SECRET_CLIENT_RANDOM] = "CLIENT_RANDOM",
    [TLS_SECRET_CLIENT_HANDSHAKE_TRAFFIC] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    [TLS_SECRET_SERVER_HANDSHAKE_TRAFFIC] = "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    [TLS_SECRET_CLIENT_TRAFFIC_0] = "CLIENT_TRAFFIC_SECRET_0",
    [TLS_SECRET_SERVER_TRAFFIC_0] = "SERVER_TRAFFIC_SECRET_0",
};

const char *tls_secret_label_name(enum tls_secret_label label)
{
	return label < TLS_SECRET_LABELS ? label_names[label] : "?";
}

/* Hashed, not taken as is: tests and the corpus use counting randoms. */
static uint64_t random_key(const uint8_t client_random[TLS_RANDOM_LEN])
{
	return hash_bytes(client_random, TLS_RANDOM_LEN);
}

struct tls_keylog *tls_keylog_new(void)
{
	struct tls_keylog *log = calloc(1, sizeof(*log));

	if (!log)
		return NULL;
	for (int32_t i = 0; i < TLS_KEYLOG_CAPACITY; i++)
		log->entries[i].next_free = i + 1 < TLS_KEYLOG_CAPACITY ? i + 1 : NO_ENTRY;
	log->free_head = 0;
	return log;
}

void tls_keylog_free(struct tls_keylog *log)
{
	if (log)
		hash_map_free(&log->by_random);
	free(log);
}

static int32_t entry_find(const struct tls_keylog *log, const uint8_t client_random[TLS_RANDOM_LEN])
{
	const struct keylog_entry *entry;
	size_t pos = 0;

	while ((entry = hash_map_find(&log->by_random, random_key(client_random), &pos)))
		if (!memcmp(entry->client_random, client_random, TLS_RANDOM_LEN))
			return entry - log->entries;
	return NO_ENTRY;
}

static void entry_remove(struct tls_keylog *log, int32_t at)
{
	hash_map_remove(&log->by_random, random_key(log->entries[at].client_random),
			&log->entries[at]);
	memset(&log->entries[at], 0, sizeof(log->entries[at]));
	log->entries[at].next_free = log->free_head;
	log->free_head = at;
	log->used--;
}

void tls_keylog_expire(struct tls_keylog *log, uint64_t now_ns)
{
	if (now_ns < TLS_KEYLOG_MAX_AGE_NS)
		return;
	for (int32_t i = 0; i < TLS_KEYLOG_CAPACITY; i++) {
		if (log->entries[i].used &&
		    log->entries[i].touched_ns < now_ns - TLS_KEYLOG_MAX_AGE_NS) {
			entry_remove(log, i);
			log->stats.expired++;
		}
	}
}

static int32_t entry_insert(struct tls_keylog *log, const uint8_t client_random[TLS_RANDOM_LEN],
			    uint64_t ts_ns)
{
	int32_t at;

	if (log->free_head == NO_ENTRY)
		tls_keylog_expire(log, ts_ns);
	if (log->free_head == NO_ENTRY)
		return NO_ENTRY;
	at = log->free_head;
	if (hash_map_put(&log->by_random, random_key(client_random), &log->entries[at]))
		return NO_ENTRY;
	log->free_head = log->entries[at].next_free;
	memcpy(log->entries[at].client_random, client_random, TLS_RANDOM_LEN);
	log->entries[at].used = true;
	log->used++;
	return at;
}

int tls_keylog_add(struct tls_keylog *log, const uint8_t client_random[TLS_RANDOM_LEN],
		   enum tls_secret_label label, const uint8_t *secret, size_t len, uint64_t ts_ns)
{
	int32_t at;

	if (label >= TLS_SECRET_LABELS || len == 0 || len > TLS_SECRET_MAX)
		return -EINVAL;
	at = entry_find(log, client_random);
	if (at == NO_ENTRY)
		at = entry_insert(log, client_random, ts_ns);
	if (at == NO_ENTRY) {
		log->stats.refused++;
		return -1;
	}
	memcpy(log->entries[at].secret[label], secret, len);
	log->entries[at].secret_len[label] = (uint8_t)len;
	log->entries[at].touched_ns = ts_ns;
	log->stats.secrets_added++;
	log->generation++;
	return 0;
}

size_t tls_keylog_get(const struct tls_keylog *log, const uint8_t client_random[TLS_RANDOM_LEN],
		      enum tls_secret_label label, uint8_t out[TLS_SECRET_MAX])
{
	int32_t at;
	size_t len;

	if (label >= TLS_SECRET_LABELS)
		return 0;
	at = entry_find(log, client_random);
	if (at == NO_ENTRY)
		return 0;
	len = log->entries[at].secret_len[label];
	memcpy(out, log->entries[at].secret[label], len);
	return len;
}

bool tls_keylog_session_secrets(void *log, const uint8_t client_random[TLS_RANDOM_LEN],
				struct tls_session_secrets *secrets)
{
	const struct tls_keylog *keylog = log;
	int32_t at = entry_find(keylog, client_random);
	const struct keylog_entry *entry;
	/* by enum tls_dir: the client's secret, then the server's */
	static const enum tls_secret_label handshake[2] = {TLS_SECRET_CLIENT_HANDSHAKE_TRAFFIC,
							   TLS_SECRET_SERVER_HANDSHAKE_TRAFFIC};
	static const enum tls_secret_label application[2] = {TLS_SECRET_CLIENT_TRAFFIC_0,
							     TLS_SECRET_SERVER_TRAFFIC_0};

	if (at == NO_ENTRY)
		return false;
	entry = &keylog->entries[at];
	secrets->master_len = entry->secret_len[TLS_SECRET_CLIENT_RANDOM];
	memcpy(secrets->master, entry->secret[TLS_SECRET_CLIENT_RANDOM], secrets->master_len);
	for (int i = 0; i < 2; i++) {
		secrets->handshake_len[i] = entry->secret_len[handshake[i]];
		memcpy(secrets->handshake[i], entry->secret[handshake[i]],
		       secrets->handshake_len[i]);
		secrets->application_len[i] = entry->secret_len[application[i]];
		memcpy(secrets->application[i], entry->secret[application[i]],
		       secrets->application_len[i]);
	}
	return true;
}

uint64_t tls_keylog_generation(const struct tls_keylog *log)
{
	return log->generation;
}

const struct tls_keylog_stats *tls_keylog_stats(const struct tls_keylog *log)
{
	return &log->stats;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the hex word at TEXT (up to a space or the end) into OUT; returns its byte count, or
 * -1 when it is not hex or longer than OUT_MAX. */
static int hex_word(const char *text, uint8_t *out, size_t out_max)
{
	size_t len = strcspn(text, " \t\r\n");

	if (len == 0 || len % 2 || len / 2 > out_max)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		int high = hex_value(text[2 * i]), low = hex_value(text[2 * i + 1]);

		if (high < 0 || low < 0)
			return -1;
		out[i] = (uint8_t)(high << 4 | low);
	}
	return (int)(len / 2);
}

/* Parses one non-comment line; returns 0 (also for a label siptrail does not use), or -EINVAL
 * with what is wrong in why. */
static int keylog_line(struct tls_keylog *log, const char *line, uint64_t ts_ns, char *why,
		       size_t why_len)
{
	uint8_t client_random[TLS_RANDOM_LEN], secret[TLS_SECRET_MAX];
	size_t label_len = strcspn(line, " \t");
	const char *word = line + label_len;
	int label = -1, secret_len;

	for (int i = 0; i < TLS_SECRET_LABELS; i++)
		if (strlen(label_names[i]) == label_len &&
		    !strncmp(line, label_names[i], label_len))
			label = i;
	if (label < 0)
		return 0;
	word += strspn(word, " \t");
	if (hex_word(word, client_random, sizeof(client_random)) != TLS_RANDOM_LEN) {
		snprintf(why, why_len, "client random is not %d hex bytes", TLS_RANDOM_LEN);
		return -EINVAL;
	}
	word += 2 * TLS_RANDOM_LEN;
	word += strspn(word, " \t");
	secret_len = hex_word(word, secret, sizeof(secret));
	if (secret_len <= 0) {
		snprintf(why, why_len, "secret is not 1 to %d hex bytes", TLS_SECRET_MAX);
		return -EINVAL;
	}
	word += 2 * secret_len;
	if (word[strspn(word, " \t\r\n")]) {
		snprintf(why, why_len, "text after the secret");
		return -EINVAL;
	}
	/* A full table is counted in the stats, not an error of the file. */
	tls_keylog_add(log, client_random, (enum tls_secret_label)label, secret, (size_t)secret_len,
		       ts_ns);
	return 0;
}

/* Reads the lines after FILE->offset; a last line without its newline is read only when the
 * file is FINISHED (a growing file gets the rest of it later). */
static int keylog_read(struct tls_keylog *log, struct tls_keylog_file *file, uint64_t ts_ns,
		       bool finished, char *why, size_t why_len)
{
	FILE *stream = fopen(file->path, "r");
	char *line = NULL, what[128];
	size_t line_cap = 0;
	ssize_t len;
	int err = 0;

	if (!stream) {
		err = -errno;
		snprintf(why, why_len, "%s: %s", file->path, strerror(errno));
		return err;
	}
	/* a file shorter than what was read was truncated or replaced: read it again */
	if (fseek(stream, 0, SEEK_END) || ftell(stream) < file->offset)
		file->offset = file->line_no = 0;
	fseek(stream, file->offset, SEEK_SET);
	while ((len = getline(&line, &line_cap, stream)) > 0 &&
	       (finished || line[len - 1] == '\n')) {
		const char *text = line + strspn(line, " \t");

		file->line_no++;
		file->offset += len;
		if (*text == '#' || *text == '\n' || *text == '\r' || !*text)
			continue;
		err = keylog_line(log, text, ts_ns, what, sizeof(what));
		if (err) {
			snprintf(why, why_len, "%s:%u: %s", file->path, file->line_no, what);
			break;
		}
	}
	if (!err && ferror(stream)) {
		err = -EIO;
		snprintf(why, why_len, "%s: read error", file->path);
	}
	free(line);
	fclose(stream);
	return err;
}

int tls_keylog_follow(struct tls_keylog *log, struct tls_keylog_file *file, uint64_t ts_ns,
		      char *why, size_t why_len)
{
	return keylog_read(log, file, ts_ns, false, why, why_len);
}

int tls_keylog_load(struct tls_keylog *log, const char *path, char *why, size_t why_len)
{
	struct tls_keylog_file file = {.path = path};

	return keylog_read(log, &file, 0, true, why, why_len);
}
