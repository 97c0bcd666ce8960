/*
 * Phone numbers as reports and SIP URIs write them: E.164 ("+4930123456"), international with
 * "00", national ("030 123456", "(555) 123-4567"), tel: and sip: URIs ("tel:+15551234567",
 * "sip:+4930123456@gw;user=phone"), or a user name ("alice").
 */
#ifndef SIPTRAIL_PHONE_NUMBER_H
#define SIPTRAIL_PHONE_NUMBER_H

#include <stdbool.h>

#define PHONE_TRAILING_DIGITS_DEFAULT 9

/* Two numbers that both carry their country code ('+' or "00") must be equal; otherwise they
 * match on their last TRAILING_DIGITS digits (a national number lacks the country code and
 * has a trunk prefix instead), or must be equal when one is shorter than that. User names
 * without digits compare case-insensitively. */
bool phone_numbers_match(const char *a, const char *b, unsigned trailing_digits);

#endif
