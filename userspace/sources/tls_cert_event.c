#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tls_cert_event.h"

static char *dup_time(int64_t epoch_s)
{
	char text[32];

	return epoch_rfc3339(epoch_s, text, sizeof(text)) ? strdup(text) : NULL;
}

/* The names comma-joined, as the event keeps them. */
static char *dup_sans(const struct tls_cert_info *info)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < info->sans_count; i++)
		len += strlen(info->sans[i]) + 1;
	out = calloc(1, len);
	for (size_t i = 0; out && i < info->sans_count; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, info->sans[i]);
	}
	return out;
}

int ev_cert_from_info(struct ev_cert *cert, const struct tls_cert_info *info)
{
	cert->subject = strdup(info->subject);
	cert->issuer = strdup(info->issuer);
	cert->sans = dup_sans(info);
	cert->not_before = dup_time(info->not_before);
	cert->not_after = dup_time(info->not_after);
	cert->sha256 = strdup(info->sha256);
	return cert->subject && cert->issuer && cert->sans && cert->not_before && cert->not_after &&
		       cert->sha256
		   ? 0
		   : -ENOMEM;
}

enum chain_verdict chain_verdict_of(enum tls_chain_verdict verdict)
{
	switch (verdict) {
	case TLS_CHAIN_OK:
		return CHAIN_OK;
	case TLS_CHAIN_EXPIRED:
		return CHAIN_EXPIRED;
	case TLS_CHAIN_NOT_YET_VALID:
		return CHAIN_NOT_YET_VALID;
	case TLS_CHAIN_INCOMPLETE:
		return CHAIN_INCOMPLETE;
	case TLS_CHAIN_UNTRUSTED:
		return CHAIN_UNTRUSTED;
	case TLS_CHAIN_NAME_MISMATCH:
		return CHAIN_NAME_MISMATCH;
	}
	return CHAIN_UNKNOWN;
}
