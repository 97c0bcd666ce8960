#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ssl_pki.h"
#include "test_children.h"
#include "tls_peer.h"

#define IO_CHUNK 16384

/* What the child tells the parent at the end. */
struct peer_report {
	uint64_t cookie;
	int32_t handshake_ok;
	int32_t pid; /* getpid() in the peer: in a PID namespace of its own, not fork()'s value */
};

struct peer_conn {
	SSL *ssl;
	int fd;
	BIO *network; /* memory-BIO mode: our end of the pair, NULL in fd mode */
	bool use_ex;
};

static int send_all(int fd, const unsigned char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Memory-BIO mode: moves what OpenSSL wrote into the pair out on the socket. */
static int membio_flush(struct peer_conn *conn)
{
	unsigned char buf[IO_CHUNK];
	int n;

	while ((n = BIO_read(conn->network, buf, sizeof(buf))) > 0)
		if (send_all(conn->fd, buf, (size_t)n) != 0)
			return -1;
	return 0;
}

/* Memory-BIO mode: moves bytes from the socket into the pair for OpenSSL to read. */
static int membio_fill(struct peer_conn *conn)
{
	unsigned char buf[IO_CHUNK];
	size_t room = BIO_ctrl_get_write_guarantee(conn->network);
	ssize_t n;

	if (room > sizeof(buf))
		room = sizeof(buf);
	n = recv(conn->fd, buf, room, 0);
	if (n <= 0)
		return -1;
	return BIO_write(conn->network, buf, (int)n) == n ? 0 : -1;
}

/* After an SSL call: in memory-BIO mode, flush, and fill when OpenSSL wants to read.
 * Returns 1 to call again, 0 when the call failed for good. */
static int membio_pump(struct peer_conn *conn, int ret)
{
	int err = SSL_get_error(conn->ssl, ret);

	if (!conn->network)
		return 0;
	if (membio_flush(conn) != 0)
		return 0;
	if (err == SSL_ERROR_WANT_READ)
		return membio_fill(conn) == 0;
	return err == SSL_ERROR_WANT_WRITE;
}

static int peer_handshake(struct peer_conn *conn, bool server)
{
	int ret;

	for (;;) {
		ret = server ? SSL_accept(conn->ssl) : SSL_connect(conn->ssl);
		if (ret == 1)
			return conn->network ? membio_flush(conn) : 0;
		if (!membio_pump(conn, ret))
			return -1;
	}
}

static int peer_write(struct peer_conn *conn, const void *buf, size_t len)
{
	size_t written = 0;
	int ret;

	for (;;) {
		if (conn->use_ex)
			ret = SSL_write_ex(conn->ssl, buf, len, &written) == 1 ? 1 : -1;
		else
			ret = SSL_write(conn->ssl, buf, (int)len);
		if (ret > 0)
			return conn->network ? membio_flush(conn) : 0;
		if (!membio_pump(conn, ret))
			return -1;
	}
}

static int peer_read(struct peer_conn *conn, size_t expect_len)
{
	unsigned char buf[IO_CHUNK];
	size_t got = 0, n;
	int ret;

	while (got < expect_len) {
		n = 0;
		if (conn->use_ex)
			ret = SSL_read_ex(conn->ssl, buf, sizeof(buf), &n) == 1 ? 1 : -1;
		else
			ret = SSL_read(conn->ssl, buf, sizeof(buf));
		if (ret > 0) {
			got += conn->use_ex ? n : (size_t)ret;
			continue;
		}
		if (!membio_pump(conn, ret))
			return -1;
	}
	return 0;
}

/* Reads until the peer's FIN, so that this end closes second whatever the scheduler does. */
static int peer_wait_fin(int fd)
{
	char buf[256];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0 || (n < 0 && errno == EINTR))
		;
	return n == 0 ? 0 : -1;
}

/* Reads until the peer's close_notify or FIN, then its FIN; 0 when they came, -1 on another
 * error. */
static int peer_wait_close(struct peer_conn *conn)
{
	unsigned char buf[IO_CHUNK];
	int ret, err;

	for (;;) {
		ret = SSL_read(conn->ssl, buf, sizeof(buf));
		if (ret > 0)
			continue;
		err = SSL_get_error(conn->ssl, ret);
		if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL)
			return peer_wait_fin(conn->fd);
		if (!membio_pump(conn, ret))
			return -1;
	}
}

/* An idle timer firing: close_notify after IDLE_MS of silence (the caller then closes). */
static int peer_idle_shutdown(struct peer_conn *conn, unsigned idle_ms)
{
	struct timespec idle = {.tv_sec = idle_ms / 1000, .tv_nsec = (idle_ms % 1000) * 1000000L};

	nanosleep(&idle, NULL);
	if (SSL_shutdown(conn->ssl) < 0 || (conn->network && membio_flush(conn)))
		return -1;
	/* the FIN right behind the close_notify, as an SBC's idle close does */
	return shutdown(conn->fd, SHUT_WR);
}

/* The callback has no user pointer; a peer is a process of its own. */
static const char *keylog_path;

static void keylog_write(const SSL *ssl, const char *line)
{
	FILE *out = fopen(keylog_path, "a");

	(void)ssl;
	if (out) {
		fprintf(out, "%s\n", line);
		fclose(out);
	}
}

static SSL_CTX *peer_ctx(const struct tls_peer_opts *opts)
{
	SSL_CTX *ctx = SSL_CTX_new(opts->server ? TLS_server_method() : TLS_client_method());

	if (!ctx)
		return NULL;
	if (opts->version && (SSL_CTX_set_min_proto_version(ctx, opts->version) != 1 ||
			      SSL_CTX_set_max_proto_version(ctx, opts->version) != 1))
		goto fail;
	if (opts->keylog_path) {
		keylog_path = opts->keylog_path;
		SSL_CTX_set_keylog_callback(ctx, keylog_write);
	}
	if (opts->cert_chain &&
	    (SSL_CTX_use_certificate_chain_file(ctx, opts->cert_chain) != 1 ||
	     SSL_CTX_use_PrivateKey_file(ctx, opts->key, SSL_FILETYPE_PEM) != 1))
		goto fail;
	if (opts->ca_file) {
		if (SSL_CTX_load_verify_locations(ctx, opts->ca_file, NULL) != 1)
			goto fail;
		SSL_CTX_set_verify(ctx,
				   opts->server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
						: SSL_VERIFY_PEER,
				   NULL);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static int peer_socket(const struct tls_peer_opts *opts, int ready_fd)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(opts->port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), conn_fd, one = 1;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (!opts->server)
		return connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 ? fd : -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 4) != 0)
		return -1;
	if (write(ready_fd, "L", 1) != 1)
		return -1;
	conn_fd = accept(fd, NULL, NULL);
	close(fd);
	return conn_fd;
}

static int peer_run(const struct tls_peer_opts *opts, int report_fd)
{
	struct peer_report report = {.pid = getpid()};
	struct peer_conn conn = {.use_ex = opts->use_ex};
	socklen_t cookie_len = sizeof(report.cookie);
	SSL_CTX *ctx = peer_ctx(opts);
	BIO *internal = NULL;
	int status = 1;

	conn.fd = peer_socket(opts, report_fd);
	if (!ctx || conn.fd < 0)
		goto out;
	getsockopt(conn.fd, SOL_SOCKET, SO_COOKIE, &report.cookie, &cookie_len);
	conn.ssl = SSL_new(ctx);
	if (opts->memory_bio) {
		/* rbio == wbio, as Kamailio's SSL_set_bio(ssl, b, b). */
		if (BIO_new_bio_pair(&internal, 0, &conn.network, 0) != 1)
			goto out;
		SSL_set_bio(conn.ssl, internal, internal);
	} else {
		SSL_set_fd(conn.ssl, conn.fd);
	}
	if (peer_handshake(&conn, opts->server) != 0)
		goto out;
	report.handshake_ok = 1;
	if (opts->pause_ms)
		usleep(opts->pause_ms * 1000);
	if (opts->go_fd > 0 && read(opts->go_fd, &(char){0}, 1) != 1)
		goto out;
	if (opts->server && peer_read(&conn, opts->expect_len) != 0)
		goto out;
	if (opts->send_len && peer_write(&conn, opts->send, opts->send_len) != 0)
		goto out;
	if (!opts->server && peer_read(&conn, opts->expect_len) != 0)
		goto out;
	if (opts->idle_close_ms && peer_idle_shutdown(&conn, opts->idle_close_ms) != 0)
		goto out;
	if (opts->wait_close && peer_wait_close(&conn) != 0)
		goto out;
	status = 0;
out:
	ERR_print_errors_fp(stderr);
	if (write(report_fd, &report, sizeof(report)) != sizeof(report))
		status = 1;
	SSL_free(conn.ssl);
	BIO_free(conn.network);
	SSL_CTX_free(ctx);
	if (conn.fd >= 0)
		close(conn.fd);
	return status;
}

int tls_peer_start(const struct tls_peer_opts *opts, struct tls_peer *peer)
{
	int pipe_fds[2];
	char ready;

	if (pipe(pipe_fds) != 0)
		return -1;
	peer->pid = test_fork(); /* ends with the test even if its caller never waits for it */
	if (peer->pid == 0) {
		close(pipe_fds[0]);
		_exit(peer_run(opts, pipe_fds[1]));
	}
	close(pipe_fds[1]);
	peer->report_fd = pipe_fds[0];
	if (opts->server && read(peer->report_fd, &ready, 1) != 1)
		return -1;
	return 0;
}

int tls_peer_wait(struct tls_peer *peer, int timeout_ms, struct tls_peer_result *result)
{
	struct pollfd pfd = {.fd = peer->report_fd, .events = POLLIN};
	struct peer_report report = {0};
	int status = 0;

	memset(result, 0, sizeof(*result));
	if (poll(&pfd, 1, timeout_ms) != 1)
		kill(peer->pid, SIGKILL);
	else if (read(peer->report_fd, &report, sizeof(report)) != sizeof(report))
		report.cookie = 0;
	close(peer->report_fd);
	if (waitpid(peer->pid, &status, 0) != peer->pid)
		return -1;
	result->pid = report.pid ? report.pid : peer->pid;
	result->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	result->cookie = report.cookie;
	result->handshake_ok = report.handshake_ok;
	return 0;
}

int tls_peer_pair_run(const struct tls_peer_opts *server, const struct tls_peer_opts *client,
		      int timeout_ms, struct tls_peer_result *server_result,
		      struct tls_peer_result *client_result)
{
	struct tls_peer server_peer, client_peer;

	if (tls_peer_start(server, &server_peer))
		return -1;
	if (tls_peer_start(client, &client_peer)) {
		tls_peer_wait(&server_peer, 0, server_result);
		return -1;
	}
	if (tls_peer_wait(&client_peer, timeout_ms, client_result))
		return -1;
	return tls_peer_wait(&server_peer, timeout_ms, server_result);
}

int tls_peer_pair_run_pki(struct tls_peer_opts *server, struct tls_peer_opts *client,
			  int timeout_ms)
{
	struct tls_peer_result server_result, client_result;
	struct ssl_pki pki;
	int ret;

	if (ssl_pki_make(&pki))
		return -1;
	server->cert_chain = pki.server_chain;
	server->key = pki.server_key;
	client->ca_file = pki.root;
	ret = tls_peer_pair_run(server, client, timeout_ms, &server_result, &client_result);
	ssl_pki_remove(&pki);
	server->cert_chain = server->key = client->ca_file = NULL; /* pki is gone */
	return ret || server_result.exit_status || client_result.exit_status ? -1 : 0;
}

void tls_peer_exchange(uint16_t port, const char *request, const char *response,
		       struct tls_peer_opts *server, struct tls_peer_opts *client)
{
	*server = (struct tls_peer_opts){.server = true,
					 .port = port,
					 .expect_len = strlen(request),
					 .send = response,
					 .send_len = strlen(response)};
	*client = (struct tls_peer_opts){.port = port,
					 .send = request,
					 .send_len = strlen(request),
					 .expect_len = strlen(response)};
}
