/* Real OpenSSL peers for live tests, each a forked child process on 127.0.0.1.
 * fd mode gives OpenSSL the socket (SSL_set_fd, as stunnel and s_client do); memory-BIO mode
 * keeps a BIO pair between OpenSSL and the socket and does its own recv()/send() right before
 * and after the SSL calls, as Kamailio's tls module does. */
#ifndef SIPTRAIL_TESTS_TLS_PEER_H
#define SIPTRAIL_TESTS_TLS_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tls_peer_opts {
	bool server;
	bool memory_bio;
	bool use_ex;		/* SSL_read_ex/SSL_write_ex instead of SSL_read/SSL_write */
	uint16_t port;		/* on 127.0.0.1 */
	const char *cert_chain; /* leaf then intermediates; a client sends it when set */
	const char *key;	/* of cert_chain's leaf */
	/* The only trusted root: a client always verifies the server; a server given one demands
	 * and verifies a client certificate (mutual TLS). */
	const char *ca_file;
	unsigned pause_ms; /* after the handshake, before the exchange */
	const void *send;  /* written after the handshake (the server after reading) */
	size_t send_len;
	/* Bytes to read after the handshake (the client after writing). A client that expects
	 * nothing may close before a TLS 1.3 server has sent its session tickets: the server's
	 * write then meets a reset (SIGPIPE). Give such a pair a reply to wait for. */
	size_t expect_len;
	/* After the exchange: wait this long, send close_notify (SSL_shutdown) and close, as
	 * an SBC's idle timer does. 0: just close. */
	unsigned idle_close_ms;
	bool wait_close; /* after the exchange, read until the peer closes */
	int version;	 /* TLS1_2_VERSION or TLS1_3_VERSION only; 0: any */
	/* Append the secrets OpenSSL derives to this file in NSS key log format (the peer's own
	 * SSL_CTX_set_keylog_callback), what SSLKEYLOGFILE gives in later OpenSSL. */
	const char *keylog_path;
};

struct tls_peer {
	pid_t pid;
	int report_fd; /* pipe from the child */
};

struct tls_peer_result {
	pid_t pid;	 /* the peer's process, as its TLS events name it */
	int exit_status; /* 0: handshake, writes and reads all succeeded */
	uint64_t cookie; /* SO_COOKIE of the child's connected socket, 0 if none */
	bool handshake_ok;
};

/* Forks the peer. A server returns once it listens. Returns 0 or -1. */
int tls_peer_start(const struct tls_peer_opts *opts, struct tls_peer *peer);

/* Waits for the peer to finish (killing it after timeout_ms). Returns 0 or -1. */
int tls_peer_wait(struct tls_peer *peer, int timeout_ms, struct tls_peer_result *result);

/* Starts SERVER, then CLIENT, and waits for both, the client first (each killed after
 * timeout_ms). Returns 0 when both ran (their outcomes are in the results), -1 when one could
 * not be started or waited for. */
int tls_peer_pair_run(const struct tls_peer_opts *server, const struct tls_peer_opts *client,
		      int timeout_ms, struct tls_peer_result *server_result,
		      struct tls_peer_result *client_result);

/* One request and its response on PORT: the client sends REQUEST and waits for RESPONSE, the
 * server waits for REQUEST and answers RESPONSE (both NUL-terminated). Other options zero. */
void tls_peer_exchange(uint16_t port, const char *request, const char *response,
		       struct tls_peer_opts *server, struct tls_peer_opts *client);

/* tls_peer_pair_run() on a fresh test PKI (ssl_pki.h), made and removed around it: SERVER
 * presents the server chain, CLIENT trusts the root. Returns 0 when both peers succeeded. */
int tls_peer_pair_run_pki(struct tls_peer_opts *server, struct tls_peer_opts *client,
			  int timeout_ms);

#endif
