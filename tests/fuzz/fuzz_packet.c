/* libFuzzer target for frame decoding (tunnels included: VXLAN on 4789 and on 8472, GTP-U), SCTP
 * chunks, their reassembly and associations, and TCP reassembly: the input is a series of frames,
 * each [link type selector][length][bytes], fed through packet_decode and one reassembler with a
 * small buffer limit so forced gaps, reordering and connection recycling are all reached. */
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stddef.h>
#include <stdint.h>

#include "packet_decode.h"
#include "sctp_assoc.h"
#include "sctp_chunk.h"
#include "sctp_reasm.h"
#include "tcp_reassembly.h"

static void on_data(void *user, const struct tcp_conn *conn, enum tcp_side from,
		    const uint8_t *data, size_t len, uint64_t ts_ns)
{
	(void)conn;
	(void)from;
	(void)ts_ns;
	*(size_t *)user += data[0] + data[len - 1];
}

static void on_assoc_end(void *user, const struct sctp_assoc *assoc, enum sctp_end_reason reason,
			 uint64_t ts_ns)
{
	*(size_t *)user +=
	    assoc->bytes[0] + assoc->bytes[1] + reason + (ts_ns - assoc->first_ts_ns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int linktypes[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
					DLT_NULL,   DLT_LOOP,	   DLT_IPV4,	   DLT_IPV6};
	static const struct tcp_reasm_ops ops = {.on_data = on_data};
	const struct tcp_reasm_limits limits = {.max_conns = 4, .max_buffered_bytes = 64};
	const struct packet_decode_options options = {.vxlan_port = 8472};
	size_t sum = 0;
	struct tcp_reasm *reasm = tcp_reasm_new(&limits, &ops, &sum);
	static const struct sctp_assoc_ops assoc_ops = {.on_end = on_assoc_end};
	struct sctp_reasm *sctp = sctp_reasm_new();
	struct sctp_assocs *assocs = sctp_assocs_new(&assoc_ops, &sum);
	if (!reasm || !sctp || !assocs) {
		tcp_reasm_free(reasm);
		sctp_reasm_free(sctp);
		sctp_assocs_free(assocs);
		return 0;
	}
	uint64_t ts_ns = 0;
	while (size >= 2) {
		int linktype = linktypes[data[0] % 8];
		size_t len = data[1] < size - 2 ? data[1] : size - 2;
		struct packet_l4 pkt;
		enum packet_status status = packet_decode(linktype, data + 2, len, &options, &pkt);
		if (status == PACKET_OK && pkt.protocol == IPPROTO_TCP)
			tcp_reasm_packet(reasm, &pkt, ts_ns++);
		if (status == PACKET_OK && pkt.protocol == IPPROTO_SCTP) {
			struct sctp_chunks chunks = {pkt.payload, pkt.payload_len};
			struct sctp_data chunk;
			const uint8_t *msg;
			size_t msg_len;
			sum += sctp_assocs_packet(assocs, &pkt, ts_ns++);
			while (sctp_next_data(&chunks, &chunk))
				if (sctp_reasm_add(sctp, pkt.src_addr, 1 + pkt.src_addr[0] % 16,
						   &chunk, &msg, &msg_len) == 1 &&
				    msg_len)
					sum += msg[msg_len - 1];
		}
		data += 2 + len;
		size -= 2 + len;
	}
	tcp_reasm_finish(reasm, ts_ns);
	tcp_reasm_free(reasm);
	sctp_reasm_free(sctp);
	sctp_assocs_finish(assocs, ts_ns);
	sctp_assocs_free(assocs);
	return sum == 0xdeadbeef;
}
