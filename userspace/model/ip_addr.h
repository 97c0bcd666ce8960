/*
 * An IP address as the kernel and the wire carry it: the family and the bytes in network
 * order. Events hold these, so sources copy bytes instead of formatting text per record, and
 * tables compare and hash them cheaply; text is made only for output (ip_addr_text) and read
 * back only from a journal (ip_addr_parse).
 */
#ifndef SIPTRAIL_IP_ADDR_H
#define SIPTRAIL_IP_ADDR_H

#include <stdbool.h>
#include <stdint.h>

struct ip_addr {
	uint8_t family;	   /* AF_INET, AF_INET6; 0 (AF_UNSPEC): not given */
	uint8_t bytes[16]; /* IPv4 in the first 4, the rest zero */
};

/* INET6_ADDRSTRLEN: the longest text, "ffff:...:255.255.255.255" and its NUL */
#define IP_ADDR_TEXT_LEN 46

struct ip_addr_text {
	char text[IP_ADDR_TEXT_LEN];
};

/* ADDR from FAMILY (AF_INET: 4 bytes read, AF_INET6: 16) and BYTES; any other family gives
 * an address that is not given. */
void ip_addr_set(struct ip_addr *addr, int family, const uint8_t *bytes);

static inline bool ip_addr_given(const struct ip_addr *addr)
{
	return addr->family != 0;
}

/* A total order (family, then bytes), for trees; 0 when equal. */
int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b);

static inline bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	return ip_addr_cmp(a, b) == 0;
}

/* The journal's text (docs/journal.md): IPv4 dotted, IPv6 in RFC 5952 form, "" when not given.
 * Returned by value so it can sit in an argument list: printf("%s", ip_addr_text(&a).text);
 * the text lives until the end of that full expression, so never keep a pointer to it. */
struct ip_addr_text ip_addr_text(const struct ip_addr *addr);

/* Reads TEXT as ip_addr_text writes it ("" is an address not given). Returns false when TEXT
 * is no IPv4 or IPv6 address (ADDR is then not given). */
bool ip_addr_parse(struct ip_addr *addr, const char *text);

#endif
