/* Finding OpenSSL's secrets inside its objects by looking: siptrail runs TLS 1.2 and TLS 1.3
 * handshakes with itself over a BIO pair, learns every secret through the public API and the
 * key log callback, and scans the SSL and SSL_SESSION objects for where they sit. An offset is
 * kept only when it holds the right bytes in every object (client and server, two rounds of
 * both versions), so a coincidence cannot pass. Memory is read with process_vm_readv on this
 * process: a scan that runs past the end of an object's allocation gets an error, not a
 * crash. */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ssl_secret_offsets.h"

/* sizeof(SSL_CONNECTION) is about 6-7 KiB in OpenSSL 3.x, sizeof(SSL_SESSION) under 1 KiB. */
#define SSL_SCAN_BYTES	   16384
#define SESSION_SCAN_BYTES 4096
#define SECRET_MAX	   64 /* EVP_MAX_MD_SIZE */
#define ROUNDS		   2
#define VERSIONS	   2
#define N_OBJECTS	   (ROUNDS * VERSIONS * 2)
#define MAX_KEYLOG_LINES   (N_OBJECTS * 8)
#define HANDSHAKE_STEPS	   32

struct keylog_line {
	const SSL *ssl;
	char label[48];
	uint8_t secret[SECRET_MAX];
	size_t len;
};

/* The key log callback has no user pointer; derivation runs once, on one thread. */
static struct keylog_line keylog_lines[MAX_KEYLOG_LINES];
static size_t n_keylog_lines;

struct hs_object {
	SSL *ssl;
	bool server;
	int version;
	uint8_t *snap; /* SSL_SCAN_BYTES of the SSL object, read_len of them readable */
	size_t snap_len;
	uint8_t *session_snap;
	size_t session_len;
};

/* One value an object must hold at the offset searched for; len 0: not this object. */
struct expected {
	uint8_t bytes[SECRET_MAX];
	size_t len;
};

static int hex_byte(const char *hex)
{
	unsigned value;

	return sscanf(hex, "%2x", &value) == 1 ? (int)value : -1;
}

static void keylog_note(const SSL *ssl, const char *line)
{
	struct keylog_line *out;
	const char *secret;
	int byte;

	if (n_keylog_lines == MAX_KEYLOG_LINES)
		return;
	out = &keylog_lines[n_keylog_lines];
	/* "LABEL <client random, 64 hex> <secret hex>" (NSS key log format) */
	if (sscanf(line, "%47s", out->label) != 1 || !(secret = strrchr(line, ' ')))
		return;
	out->len = 0;
	for (secret++; secret[0] && secret[1] && out->len < SECRET_MAX; secret += 2) {
		if ((byte = hex_byte(secret)) < 0)
			return;
		out->secret[out->len++] = byte;
	}
	out->ssl = ssl;
	n_keylog_lines++;
}

static const struct keylog_line *keylog_find(const SSL *ssl, const char *label)
{
	for (size_t i = 0; i < n_keylog_lines; i++)
		if (keylog_lines[i].ssl == ssl && strcmp(keylog_lines[i].label, label) == 0)
			return &keylog_lines[i];
	return NULL;
}

/* Reads up to len bytes of this process's memory at addr, a page at a time, stopping at the
 * first unreadable page. Returns the bytes read. */
static size_t memory_read(uintptr_t addr, uint8_t *buf, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), done = 0;

	while (done < len) {
		size_t chunk = page - (addr + done) % page;
		struct iovec local, remote;
		ssize_t got;

		if (chunk > len - done)
			chunk = len - done;
		local = (struct iovec){buf + done, chunk};
		remote = (struct iovec){(void *)(addr + done), chunk};
		got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
		if (got <= 0)
			break;
		done += (size_t)got;
	}
	return done;
}

/* A throwaway P-256 key and self-signed certificate for the server side. */
static int server_identity(SSL_CTX *ctx)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	int ok = key && cert;

	ok = ok && ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) &&
	     X509_gmtime_adj(X509_getm_notBefore(cert), 0) &&
	     X509_gmtime_adj(X509_getm_notAfter(cert), 3600) && X509_set_pubkey(cert, key) &&
	     X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
					(const unsigned char *)"siptrail", -1, -1, 0) &&
	     X509_set_issuer_name(cert, X509_get_subject_name(cert)) &&
	     X509_sign(cert, key, EVP_sha256()) && SSL_CTX_use_certificate(ctx, cert) == 1 &&
	     SSL_CTX_use_PrivateKey(ctx, key) == 1;
	X509_free(cert);
	EVP_PKEY_free(key);
	return ok ? 0 : -EINVAL;
}

/* A client and a server object of VERSION, handshaken with each other over a BIO pair. */
static int pair_handshake(SSL_CTX *client_ctx, SSL_CTX *server_ctx, int version,
			  struct hs_object *client, struct hs_object *server)
{
	BIO *client_bio = NULL, *server_bio = NULL;
	int client_ret = 0, server_ret = 0;

	client->ssl = SSL_new(client_ctx);
	server->ssl = SSL_new(server_ctx);
	if (!client->ssl || !server->ssl || !BIO_new_bio_pair(&client_bio, 0, &server_bio, 0))
		return -ENOMEM;
	SSL_set_bio(client->ssl, client_bio, client_bio);
	SSL_set_bio(server->ssl, server_bio, server_bio);
	SSL_set_min_proto_version(client->ssl, version);
	SSL_set_max_proto_version(client->ssl, version);
	SSL_set_connect_state(client->ssl);
	SSL_set_accept_state(server->ssl);
	for (int step = 0; step < HANDSHAKE_STEPS && (client_ret != 1 || server_ret != 1); step++) {
		if (client_ret != 1)
			client_ret = SSL_do_handshake(client->ssl);
		if (server_ret != 1)
			server_ret = SSL_do_handshake(server->ssl);
	}
	client->version = server->version = version;
	server->server = true;
	return client_ret == 1 && server_ret == 1 ? 0 : -EPROTO;
}

static int object_snapshot(struct hs_object *obj)
{
	SSL_SESSION *session = SSL_get_session(obj->ssl);

	obj->snap = malloc(SSL_SCAN_BYTES);
	obj->session_snap = malloc(SESSION_SCAN_BYTES);
	if (!obj->snap || !obj->session_snap || !session)
		return -ENOMEM;
	obj->snap_len = memory_read((uintptr_t)obj->ssl, obj->snap, SSL_SCAN_BYTES);
	obj->session_len = memory_read((uintptr_t)session, obj->session_snap, SESSION_SCAN_BYTES);
	return 0;
}

/* The first offset (a multiple of align) at which every object with an expected value holds
 * it; at least two objects must take part. NONE when there is none. */
static uint32_t offset_find(const struct hs_object *objs, const struct expected *expected,
			    bool in_session, size_t align)
{
	size_t applicable = 0, limit = in_session ? SESSION_SCAN_BYTES : SSL_SCAN_BYTES;

	for (size_t i = 0; i < N_OBJECTS; i++)
		applicable += expected[i].len > 0;
	if (applicable < 2)
		return SSL_SECRET_OFFSET_NONE;
	for (size_t off = 0; off < limit; off += align) {
		bool all = true;

		for (size_t i = 0; i < N_OBJECTS && all; i++) {
			const uint8_t *snap = in_session ? objs[i].session_snap : objs[i].snap;
			size_t snap_len = in_session ? objs[i].session_len : objs[i].snap_len;

			if (!expected[i].len)
				continue;
			all = off + expected[i].len <= snap_len &&
			      memcmp(snap + off, expected[i].bytes, expected[i].len) == 0;
		}
		if (all)
			return (uint32_t)off;
	}
	return SSL_SECRET_OFFSET_NONE;
}

static uint32_t secret_offset_find(const struct hs_object *objs, const char *label)
{
	struct expected expected[N_OBJECTS] = {0};

	for (size_t i = 0; i < N_OBJECTS; i++) {
		const struct keylog_line *line = keylog_find(objs[i].ssl, label);

		if (line) {
			memcpy(expected[i].bytes, line->secret, line->len);
			expected[i].len = line->len;
		}
	}
	return offset_find(objs, expected, false, 1);
}

/* The executable mapping of the libssl file FILE in this process. */
struct text_map {
	uintptr_t start, end;
	uint64_t file_offset;
};

static int text_map_find(const struct stat *file, struct text_map *map)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[512];
	int ret = -ENOENT;

	if (!maps)
		return -errno;
	while (ret && fgets(line, sizeof(line), maps)) {
		unsigned long start, end, offset, inode;
		unsigned dev_major, dev_minor;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &start, &end, perms, &offset,
			   &dev_major, &dev_minor, &inode) == 7 &&
		    perms[2] == 'x' && inode == file->st_ino && dev_major == major(file->st_dev) &&
		    dev_minor == minor(file->st_dev)) {
			*map = (struct text_map){start, end, offset};
			ret = 0;
		}
	}
	fclose(maps);
	return ret;
}

static bool in_text(const struct text_map *map, uint64_t addr)
{
	return addr >= map->start && addr < map->end;
}

/* The handshake function pointer: the one field that points into libssl's code with one value
 * in every client object and another in every server object. */
static int statem_find(const struct hs_object *objs, const struct text_map *map,
		       struct ssl_secret_offsets *offsets)
{
	for (size_t off = 0; off + 8 <= SSL_SCAN_BYTES; off += 8) {
		uint64_t client = 0, server = 0;
		bool consistent = true;

		for (size_t i = 0; i < N_OBJECTS && consistent; i++) {
			uint64_t *side = objs[i].server ? &server : &client;
			uint64_t value;

			consistent = off + 8 <= objs[i].snap_len;
			if (!consistent)
				break;
			memcpy(&value, objs[i].snap + off, 8);
			consistent = in_text(map, value) && (!*side || *side == value);
			*side = value;
		}
		if (consistent && client != server) {
			offsets->statem_connect = client - map->start + map->file_offset;
			offsets->statem_accept = server - map->start + map->file_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static int offsets_find(const struct hs_object *objs, const struct text_map *map,
			struct ssl_secret_offsets *offsets, char *why, size_t why_len)
{
	struct expected random[N_OBJECTS] = {0}, session[N_OBJECTS] = {0};
	struct expected master[N_OBJECTS] = {0};

	for (size_t i = 0; i < N_OBJECTS; i++) {
		SSL_SESSION *sess = SSL_get_session(objs[i].ssl);

		random[i].len = SSL_get_client_random(objs[i].ssl, random[i].bytes, 32);
		memcpy(session[i].bytes, &sess, sizeof(sess));
		session[i].len = sizeof(sess);
		if (objs[i].version == TLS1_2_VERSION)
			master[i].len =
			    SSL_SESSION_get_master_key(sess, master[i].bytes, SECRET_MAX);
	}
	offsets->client_random = offset_find(objs, random, false, 1);
	offsets->session = offset_find(objs, session, false, 8);
	offsets->master_key = offset_find(objs, master, true, 1);
	offsets->client_app_secret = secret_offset_find(objs, "CLIENT_TRAFFIC_SECRET_0");
	offsets->server_app_secret = secret_offset_find(objs, "SERVER_TRAFFIC_SECRET_0");
	offsets->client_hs_secret = secret_offset_find(objs, "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
	offsets->server_hs_secret = secret_offset_find(objs, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
	if (offsets->client_random == SSL_SECRET_OFFSET_NONE ||
	    offsets->session == SSL_SECRET_OFFSET_NONE ||
	    offsets->master_key == SSL_SECRET_OFFSET_NONE ||
	    offsets->client_app_secret == SSL_SECRET_OFFSET_NONE ||
	    offsets->server_app_secret == SSL_SECRET_OFFSET_NONE) {
		snprintf(why, why_len, "%s not found in OpenSSL's objects",
			 offsets->client_random == SSL_SECRET_OFFSET_NONE ? "the client random"
			 : offsets->session == SSL_SECRET_OFFSET_NONE	  ? "the session pointer"
			 : offsets->master_key == SSL_SECRET_OFFSET_NONE
			     ? "the TLS 1.2 master key"
			     : "the TLS 1.3 traffic secrets");
		return -ENOENT;
	}
	if (statem_find(objs, map, offsets) != 0) {
		snprintf(why, why_len, "the handshake function not found in OpenSSL's SSL object");
		return -ENOENT;
	}
	return 0;
}

static int handshakes_run(struct hs_object *objs, char *why, size_t why_len)
{
	static const int versions[VERSIONS] = {TLS1_2_VERSION, TLS1_3_VERSION};
	SSL_CTX *client_ctx = SSL_CTX_new(TLS_method());
	SSL_CTX *server_ctx = SSL_CTX_new(TLS_method());
	int ret = client_ctx && server_ctx ? server_identity(server_ctx) : -ENOMEM;

	if (ret == 0) {
		SSL_CTX_set_keylog_callback(client_ctx, keylog_note);
		SSL_CTX_set_keylog_callback(server_ctx, keylog_note);
	}
	for (size_t i = 0; ret == 0 && i < ROUNDS * VERSIONS; i++) {
		ret = pair_handshake(client_ctx, server_ctx, versions[i % VERSIONS], &objs[2 * i],
				     &objs[2 * i + 1]);
		if (ret == 0)
			ret = object_snapshot(&objs[2 * i]);
		if (ret == 0)
			ret = object_snapshot(&objs[2 * i + 1]);
	}
	if (ret != 0)
		snprintf(why, why_len, "a TLS handshake with itself failed: %s", strerror(-ret));
	SSL_CTX_free(client_ctx);
	SSL_CTX_free(server_ctx);
	return ret;
}

/* Whether ssl_lib is the libssl file this process runs with; its stat in st. */
static int same_library(const char *ssl_lib, struct stat *st, char *why, size_t why_len)
{
	struct stat own;
	Dl_info info;

	if (!dladdr((void *)SSL_new, &info) || stat(info.dli_fname, &own) != 0 ||
	    stat(ssl_lib, st) != 0) {
		snprintf(why, why_len, "cannot tell which libssl siptrail runs with");
		return -ENOENT;
	}
	if (own.st_dev != st->st_dev || own.st_ino != st->st_ino) {
		snprintf(why, why_len, "%s is not the libssl siptrail runs with (%s)", ssl_lib,
			 info.dli_fname);
		return -ENOENT;
	}
	return 0;
}

int ssl_secret_offsets_derive(const char *ssl_lib, struct ssl_secret_offsets *offsets, char *why,
			      size_t why_len)
{
	struct hs_object objs[N_OBJECTS] = {0};
	struct text_map map = {0};
	struct stat lib;
	int ret;

	ret = same_library(ssl_lib, &lib, why, why_len);
	if (ret == 0 && (ret = text_map_find(&lib, &map)) != 0)
		snprintf(why, why_len, "%s: its code is not mapped in siptrail", ssl_lib);
	n_keylog_lines = 0;
	if (ret == 0)
		ret = handshakes_run(objs, why, why_len);
	if (ret == 0)
		ret = offsets_find(objs, &map, offsets, why, why_len);
	for (size_t i = 0; i < N_OBJECTS; i++) {
		SSL_free(objs[i].ssl);
		free(objs[i].snap);
		free(objs[i].session_snap);
	}
	n_keylog_lines = 0;
	return ret;
}
