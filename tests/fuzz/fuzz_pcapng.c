/* libFuzzer target for the pcapng block reader alone: any bytes as a pcapng file, read from
 * memory through fmemopen (no file, no system call per run, unlike fuzz_capture's memfd), each
 * packet decoded for its interface's link type. When the first byte is odd, a little-endian
 * Section Header Block is written first, so the fuzzer spends its time in the blocks after
 * it (interfaces, options, packets, further sections) rather than in the magic numbers. */
#include <stdio.h>
#include <string.h>

#include "packet_decode.h"
#include "pcapng_reader.h"

#define SHB_BYTES 28

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t shb[SHB_BYTES] = {
	    0x0a, 0x0d, 0x0d, 0x0a, SHB_BYTES, 0,    0,	   0,	 0x4d, 0x3c, 0x2b,	0x1a, 1, 0,
	    0,	  0,	0xff, 0xff, 0xff,      0xff, 0xff, 0xff, 0xff, 0xff, SHB_BYTES, 0,    0, 0};
	static uint8_t file[1 << 20];
	struct pcapng_reader *reader;
	struct pcapng_packet pkt;
	struct pcapng_error err;
	size_t len = 0, sum = 0;
	FILE *f;

	if (size >= 1 && (data[0] & 1)) {
		memcpy(file, shb, SHB_BYTES);
		len = SHB_BYTES;
		data++;
		size--;
	}
	if (!size || size > sizeof(file) - len)
		return 0;
	memcpy(file + len, data, size);
	len += size;
	f = fmemopen(file, len, "rb");
	if (!f)
		return 0;
	if (pcapng_open(&reader, f, &err) == 0) {
		while (pcapng_next(reader, &pkt, &err) == 1) {
			struct packet_l4 l4;
			if (packet_decode(pkt.linktype, pkt.data, pkt.caplen, NULL, &l4) ==
			    PACKET_OK)
				sum += l4.payload_len ? l4.payload[l4.payload_len - 1] : 0;
			sum += pkt.caplen ? pkt.data[pkt.caplen - 1] : 0;
			sum += pkt.comment_len ? (uint8_t)pkt.comment[pkt.comment_len - 1] : 0;
		}
		pcapng_close(reader);
	}
	fclose(f);
	return sum == 0xdeadbeef;
}
