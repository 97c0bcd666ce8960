#include "live_notices.h"

void live_notices_print(FILE *out, const struct notices *notices)
{
	for (size_t i = 0; i < notices->count; i++)
		fprintf(out, "siptrail live: without %s\n", notices->lines[i]);
}

void live_notice_no_tls(struct notices *notices, const char *why, bool wire)
{
	notices_add(notices, "TLS through libssl (%s): %s", why,
		    wire ? "handshakes are read from packets, SIP inside TLS is not seen"
			 : "no handshake is seen");
}

void live_notice_no_wire(struct notices *notices, const char *why)
{
	notices_add(notices,
		    "packet capture (%s): no plaintext SIP over TCP, no TLS handshakes of "
		    "libraries other than libssl",
		    why);
}
