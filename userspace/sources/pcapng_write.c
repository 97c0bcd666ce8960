/* pcapng blocks (draft-ietf-opsawg-pcapng §4): SHB, one IDB with nanosecond timestamps, EPBs
 * with an opt_comment on synthetic packets. Written by hand: libpcap writes only pcap. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapng_format.h"
#include "pcapng_write.h"

/* Next sequence number per direction of a 4-tuple, for synthetic TCP segments. */
struct seq_node {
	uint8_t key[37]; /* family, src, dst, ports */
	uint32_t next_seq;
};

struct pcapng_writer {
	FILE *file;
	int linktype;
	uint32_t snaplen;
	void *seqs;
	int rc;
};

static void put(struct pcapng_writer *w, const void *p, size_t len)
{
	if (len && fwrite(p, 1, len, w->file) != len)
		w->rc = -EIO;
}

static void put_u32(struct pcapng_writer *w, uint32_t v)
{
	put(w, &v, 4);
}

static void put_pad(struct pcapng_writer *w, size_t len)
{
	static const uint8_t zeros[4];
	put(w, zeros, (4 - len % 4) % 4);
}

static size_t padded(size_t len)
{
	return (len + 3) & ~(size_t)3;
}

/* An option: code, length, value padded to 32 bits (§3.5). */
static void put_option(struct pcapng_writer *w, uint16_t code, const void *value, uint16_t len)
{
	uint16_t head[2] = {code, len};
	put(w, head, 4);
	put(w, value, len);
	put_pad(w, len);
}

/* The section header and the one interface, at the start of a new file. */
static void put_headers(struct pcapng_writer *w)
{
	static const char appl[] = "siptrail";
	uint16_t idb_head[2] = {(uint16_t)w->linktype, 0};
	uint8_t tsresol = 9; /* 10^-9 s */
	uint32_t shb_len = 28 + 4 + padded(sizeof(appl) - 1) + 4;
	uint32_t idb_len = 20 + 4 + 4 + 4;

	put_u32(w, PCAPNG_BT_SHB);
	put_u32(w, shb_len);
	put_u32(w, PCAPNG_BYTE_ORDER_MAGIC); /* byte-order magic: readers swap if needed */
	put_u32(w, 1);			     /* major 1, minor 0 */
	put_u32(w, 0xffffffff);		     /* section length unknown (-1, 64 bits) */
	put_u32(w, 0xffffffff);
	put_option(w, PCAPNG_SHB_USERAPPL, appl, sizeof(appl) - 1);
	put_option(w, PCAPNG_OPT_ENDOFOPT, NULL, 0);
	put_u32(w, shb_len);

	put_u32(w, PCAPNG_BT_IDB);
	put_u32(w, idb_len);
	put(w, idb_head, 4);
	put_u32(w, w->snaplen);
	put_option(w, PCAPNG_IF_TSRESOL, &tsresol, 1);
	put_option(w, PCAPNG_OPT_ENDOFOPT, NULL, 0);
	put_u32(w, idb_len);
}

/* PATH created or emptied, mode 0600 even when it existed (it holds SIP text). */
static FILE *file_create(const char *path, int *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *file;

	if (fd < 0 || fchmod(fd, 0600)) {
		*err = -errno;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	file = fdopen(fd, "wb");
	if (!file) {
		*err = -ENOMEM;
		close(fd);
	}
	return file;
}

int pcapng_writer_open(struct pcapng_writer **out, const char *path, int linktype, uint32_t snaplen)
{
	struct pcapng_writer *w;
	int err = 0;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->file = file_create(path, &err);
	if (!w->file) {
		free(w);
		return err;
	}
	w->linktype = linktype;
	w->snaplen = snaplen;
	put_headers(w);
	*out = w;
	return w->rc;
}

int pcapng_writer_reopen(struct pcapng_writer *w, const char *path)
{
	struct stat now, open_file;
	FILE *file;
	int err = 0;

	if (fstat(fileno(w->file), &open_file))
		return -errno;
	if (!stat(path, &now) && now.st_dev == open_file.st_dev && now.st_ino == open_file.st_ino)
		return 0;
	file = file_create(path, &err);
	if (!file)
		return err;
	if (fclose(w->file) && !w->rc)
		w->rc = -EIO;
	w->file = file;
	/* a file of its own: its synthetic streams start at sequence number 1 again */
	tdestroy(w->seqs, free);
	w->seqs = NULL;
	put_headers(w);
	return w->rc;
}

int pcapng_write_packet(struct pcapng_writer *w, uint64_t ts_ns, const uint8_t *frame,
			size_t caplen, size_t wirelen, const char *comment)
{
	size_t comment_len = comment ? strlen(comment) : 0;
	uint32_t opts_len = comment_len ? 4 + padded(comment_len) + 4 : 0;
	uint32_t block_len;

	if (caplen > w->snaplen)
		caplen = w->snaplen;
	if (comment_len > 0xffff)
		comment_len = 0xffff;
	block_len = 32 + padded(caplen) + opts_len;
	put_u32(w, PCAPNG_BT_EPB);
	put_u32(w, block_len);
	put_u32(w, 0); /* interface 0 */
	put_u32(w, (uint32_t)(ts_ns >> 32));
	put_u32(w, (uint32_t)ts_ns);
	put_u32(w, (uint32_t)caplen);
	put_u32(w, (uint32_t)wirelen);
	put(w, frame, caplen);
	put_pad(w, caplen);
	if (comment_len) {
		put_option(w, PCAPNG_OPT_COMMENT, comment, (uint16_t)comment_len);
		put_option(w, PCAPNG_OPT_ENDOFOPT, NULL, 0);
	}
	put_u32(w, block_len);
	return w->rc;
}

/* RFC 1071 ones'-complement sum. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v & 0xffff);
}

static int seq_cmp(const void *a, const void *b)
{
	return memcmp(((const struct seq_node *)a)->key, ((const struct seq_node *)b)->key,
		      sizeof(((struct seq_node *)a)->key));
}

/* Sequence numbers of synthetic segments count the plaintext sent that way, from 1. */
static int next_seq(struct pcapng_writer *w, const struct pcapng_synthetic *pkt, uint32_t *seq)
{
	struct seq_node probe = {{0}}, *node, **slot;

	probe.key[0] = pkt->family;
	memcpy(probe.key + 1, pkt->src_addr, 16);
	memcpy(probe.key + 17, pkt->dst_addr, 16);
	put_be16(probe.key + 33, pkt->src_port);
	put_be16(probe.key + 35, pkt->dst_port);
	slot = tfind(&probe, &w->seqs, seq_cmp);
	if (!slot) {
		node = malloc(sizeof(*node));
		if (!node)
			return -ENOMEM;
		*node = probe;
		node->next_seq = 1;
		slot = tsearch(node, &w->seqs, seq_cmp);
		if (!slot) {
			free(node);
			return -ENOMEM;
		}
	}
	*seq = (*slot)->next_seq;
	(*slot)->next_seq += (uint32_t)pkt->payload_len;
	return 0;
}

/* Link-layer header for the interface; returns its length or -EINVAL. */
static int link_header(int linktype, uint8_t family, uint8_t *out)
{
	uint16_t ethertype = family == AF_INET ? 0x0800 : 0x86DD;

	switch (linktype) {
	case DLT_RAW:
		return 0;
	case DLT_EN10MB: /* zero MAC addresses: the host's are not known here */
		memset(out, 0, 12);
		put_be16(out + 12, ethertype);
		return 14;
	case DLT_LINUX_SLL: /* packet type "sent by us", ARPHRD_LOOPBACK, no address */
		memset(out, 0, 16);
		put_be16(out, 4);
		put_be16(out + 2, 772);
		put_be16(out + 14, ethertype);
		return 16;
	default:
		return -EINVAL;
	}
}

int pcapng_write_synthetic(struct pcapng_writer *w, uint64_t ts_ns,
			   const struct pcapng_synthetic *pkt)
{
	bool tcp = pkt->protocol == IPPROTO_TCP;
	size_t l4_len = (tcp ? 24 : 8) + pkt->payload_len;
	size_t ip_len = pkt->family == AF_INET ? 20 : 40;
	size_t addr_len = pkt->family == AF_INET ? 4 : 16;
	uint8_t *frame, *ip, *l4;
	uint32_t sum, seq = 0;
	int link_len, rc;

	if (pkt->payload_len > PCAPNG_SYNTHETIC_MAX_PAYLOAD)
		return -EINVAL;
	frame = calloc(1, 16 + ip_len + l4_len);
	if (!frame)
		return -ENOMEM;
	link_len = link_header(w->linktype, pkt->family, frame);
	if (link_len < 0 || (tcp && next_seq(w, pkt, &seq))) {
		free(frame);
		return link_len < 0 ? -EINVAL : -ENOMEM;
	}
	ip = frame + link_len;
	l4 = ip + ip_len;
	if (pkt->family == AF_INET) { /* RFC 791 §3.1 */
		ip[0] = 0x45;
		put_be16(ip + 2, (uint16_t)(ip_len + l4_len));
		ip[6] = 0x40; /* don't fragment */
		ip[8] = 64;
		ip[9] = pkt->protocol;
		memcpy(ip + 12, pkt->src_addr, 4);
		memcpy(ip + 16, pkt->dst_addr, 4);
		put_be16(ip + 10, fold(sum16(0, ip, 20)));
	} else { /* RFC 8200 §3 */
		ip[0] = 0x60;
		put_be16(ip + 4, (uint16_t)l4_len);
		ip[6] = pkt->protocol;
		ip[7] = 64;
		memcpy(ip + 8, pkt->src_addr, 16);
		memcpy(ip + 24, pkt->dst_addr, 16);
	}
	put_be16(l4, pkt->src_port);
	put_be16(l4 + 2, pkt->dst_port);
	if (tcp) { /* RFC 9293 §3.1, with the RFC 6994 marker option */
		put_be32(l4 + 4, seq);
		l4[12] = 6 << 4; /* 24-byte header */
		l4[13] = 0x18;	 /* PSH, ACK */
		put_be16(l4 + 14, 65535);
		l4[20] = PCAPNG_SYNTHETIC_TCP_OPTION;
		l4[21] = 4;
		put_be16(l4 + 22, PCAPNG_SYNTHETIC_EXID);
		memcpy(l4 + 24, pkt->payload, pkt->payload_len);
	} else {
		put_be16(l4 + 4, (uint16_t)l4_len);
		memcpy(l4 + 8, pkt->payload, pkt->payload_len);
	}
	/* pseudo-header: addresses, protocol, length (RFC 9293 §3.1, RFC 8200 §8.1) */
	sum = sum16(0, pkt->src_addr, addr_len);
	sum = sum16(sum, pkt->dst_addr, addr_len);
	sum += pkt->protocol + (uint32_t)l4_len;
	sum = fold(sum16(sum, l4, l4_len));
	if (!tcp && !sum)
		sum = 0xffff; /* RFC 768: zero means "no checksum" */
	put_be16(l4 + (tcp ? 16 : 6), (uint16_t)sum);
	rc = pcapng_write_packet(w, ts_ns, frame, link_len + ip_len + l4_len,
				 link_len + ip_len + l4_len, PCAPNG_SYNTHETIC_COMMENT);
	free(frame);
	return rc;
}

int pcapng_writer_close(struct pcapng_writer *w)
{
	int rc;

	if (!w)
		return 0;
	rc = w->rc;
	if (fclose(w->file) && !rc)
		rc = -EIO;
	tdestroy(w->seqs, free);
	free(w);
	return rc;
}

bool pcapng_is_synthetic(const struct packet_l4 *pkt)
{
	const uint8_t *o = pkt->tcp_options;
	size_t len = pkt->tcp_options_len;

	if (pkt->protocol != IPPROTO_TCP || !o)
		return false;
	/* RFC 9293 §3.2: kind 0 ends the list, kind 1 is one byte, others carry a length */
	for (size_t i = 0; i < len;) {
		if (o[i] == 0)
			return false;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			return false;
		if (o[i] == PCAPNG_SYNTHETIC_TCP_OPTION && o[i + 1] == 4 &&
		    (o[i + 2] << 8 | o[i + 3]) == PCAPNG_SYNTHETIC_EXID)
			return true;
		i += o[i + 1];
	}
	return false;
}
