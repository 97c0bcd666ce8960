/* Blocking TCP sockets for live tests: a listener, a client, one SIP-sized exchange. */
#ifndef SIPTRAIL_TESTS_TCP_PAIR_H
#define SIPTRAIL_TESTS_TCP_PAIR_H

#include <stdint.h>

#define TCP_PAIR_REQUEST  "OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n"
#define TCP_PAIR_RESPONSE "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"

/* A listening socket on ADDR (IPv4 or IPv6 text) and PORT; fails the test on error. */
int tcp_listen(const char *addr, uint16_t port);

/* connect() to ADDR:PORT. Returns the socket, or -errno (the socket is closed then). */
int tcp_connect(const char *addr, uint16_t port);

/* The same, giving up after TIMEOUT_MS (SO_SNDTIMEO) as a SIP stack's own connect timeout
 * does: then returns -EINPROGRESS and closes the socket. */
int tcp_connect_timeout(const char *addr, uint16_t port, int timeout_ms);

/* accept() on a listener; fails the test on error. */
int tcp_accept(int listener);

/* The client sends TCP_PAIR_REQUEST, the server reads it and answers TCP_PAIR_RESPONSE,
 * the client reads that. */
void tcp_exchange(int client, int server);

/* One connection on ADDR:PORT with both ends in this process: listen, connect, accept and
 * one exchange; the three descriptors are the caller's to close. */
void tcp_pair_open(const char *addr, uint16_t port, int *listener, int *client, int *server);

/* tcp_pair_open(), then close all three. */
void tcp_pair_once(const char *addr, uint16_t port);

/* close() with SO_LINGER 0, which sends a reset. */
void tcp_close_reset(int fd);

#endif
