/* libFuzzer target for the capture file reader: any bytes as a pcap/pcapng file, through
 * libpcap or the pcapng block reader, frame decoding, IP and TCP reassembly. The input goes to a
 * memfd so libpcap reads it as the file it would be on disk. When the first byte is odd, a classic
 * pcap header with the link type the second byte picks is written first, so the fuzzer spends its
 * time in records and packets rather than looking for a magic number. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture_reader.h"

static void on_data(void *user, const struct tcp_conn *conn, enum tcp_side from,
		    const uint8_t *data, size_t len, uint64_t ts_ns)
{
	(void)conn;
	(void)from;
	(void)ts_ns;
	*(size_t *)user += data[0] + data[len - 1];
}

static void on_udp(void *user, const struct packet_l4 *pkt, uint64_t ts_ns)
{
	(void)ts_ns;
	*(size_t *)user += pkt->payload_len ? pkt->payload[pkt->payload_len - 1] : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct capture_replay_ops ops = {.tcp = {.on_data = on_data},
						      .on_udp = on_udp};
	const struct capture_replay_config config = {
	    .tcp = {.max_conns = 8, .max_buffered_bytes = 4096}, .decode = {.vxlan_port = 8472}};
	struct capture_error err;
	char path[64];
	size_t sum = 0;
	int fd = memfd_create("fuzz-capture", 0);

	if (fd < 0)
		return 0;
	if (size >= 2 && (data[0] & 1)) {
		static const uint32_t linktypes[] = {1, 101, 113, 276, 0, 228, 229, 108};
		uint32_t header[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 262144, linktypes[data[1] % 8]};
		if (write(fd, header, sizeof(header)) != (ssize_t)sizeof(header)) {
			close(fd);
			return 0;
		}
		data += 2;
		size -= 2;
	}
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		capture_replay(path, &ops, &sum, &config, NULL, &err);
	}
	close(fd);
	return sum == 0xdeadbeef;
}
