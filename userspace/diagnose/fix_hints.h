/*
 * What to change so a diagnosis does not happen again: per diagnosis id, the settings of each
 * SBC family that cause it and what to do with them to avoid it, and the certificate chain to
 * install. One table (fix_hints.c) feeds `explain` (text, JSON), the HTML timeline, `siptrail
 * hints` and docs/diagnoses.md. A hint names a setting and why; it never gives a value, since
 * siptrail cannot know the values configured on either end.
 */
#ifndef SIPTRAIL_FIX_HINTS_H
#define SIPTRAIL_FIX_HINTS_H

#include <stddef.h>

#include "explain.h"

enum sbc_family {
	SBC_KAMAILIO,
	SBC_OPENSIPS,
	SBC_ASTERISK,	  /* chan_pjsip, pjsip.conf */
	SBC_FREESWITCH,	  /* mod_sofia profiles */
	SBC_CERTIFICATES, /* the chain to install, whatever the SBC */
	SBC_FAMILY_COUNT,
};

struct fix_hint {
	enum diag_id id;
	enum sbc_family family;
	const char *setting; /* where it lives, e.g. "tls.cfg ca_list" */
	const char *causes;  /* how the setting leads to ID */
	const char *avoids;  /* what to do with it so ID does not happen */
};

/* "Kamailio", "OpenSIPS", "Asterisk (pjsip)", "FreeSWITCH (sofia)", "certificates". */
const char *sbc_family_name(enum sbc_family family);

/* The whole table, grouped by id in enum order; *COUNT gets its length. */
const struct fix_hint *fix_hints_all(size_t *count);

/* The hints of ID: a pointer into the table and their number in *COUNT (0: none). */
const struct fix_hint *fix_hints_of(enum diag_id id, size_t *count);

#endif
