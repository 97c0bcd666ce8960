/* Phone number comparison for failure reports. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "phone_number.h"

#define NUMBER_DIGITS_MAX 32

struct number {
	char digits[NUMBER_DIGITS_MAX + 1]; /* without leading zeros */
	size_t n_digits;
	bool international; /* '+' or "00": the country code is there */
	bool has_letters;
};

/* The user part of a URI ("sip:+49301234@gw;user=phone" -> "+49301234"), else TEXT itself,
 * as [*start, *end). */
static void user_part(const char *text, const char **start, const char **end)
{
	while (*text == ' ' || *text == '<' || *text == '"')
		text++;
	if (!strncasecmp(text, "tel:", 4))
		text += 4;
	else if (!strncasecmp(text, "sip:", 4))
		text += 4;
	else if (!strncasecmp(text, "sips:", 5))
		text += 5;
	*start = text;
	*end = text + strcspn(text, "@;>");
}

static void number_read(const char *text, struct number *n)
{
	const char *p, *end;
	size_t zeros = 0;

	memset(n, 0, sizeof(*n));
	user_part(text, &p, &end);
	for (; p < end; p++) {
		if (isdigit((unsigned char)*p)) {
			if (!n->n_digits && *p == '0') { /* trunk or international prefix */
				zeros++;
				continue;
			}
			if (n->n_digits < NUMBER_DIGITS_MAX)
				n->digits[n->n_digits++] = *p;
		} else if (*p == '+' && !n->n_digits && !zeros) {
			n->international = true;
		} else if (isalpha((unsigned char)*p)) {
			n->has_letters = true;
		}
	}
	n->international |= zeros >= 2;
}

/* User names, not numbers ("alice", "sip:Alice@pbx"): the user parts, without case. */
static bool names_match(const char *a, const char *b)
{
	const char *a_start, *a_end, *b_start, *b_end;

	user_part(a, &a_start, &a_end);
	user_part(b, &b_start, &b_end);
	return a_end > a_start && a_end - a_start == b_end - b_start &&
	       !strncasecmp(a_start, b_start, (size_t)(a_end - a_start));
}

bool phone_numbers_match(const char *a, const char *b, unsigned trailing_digits)
{
	struct number na, nb;
	size_t shorter;

	number_read(a, &na);
	number_read(b, &nb);
	if (na.has_letters || nb.has_letters || !na.n_digits || !nb.n_digits)
		return names_match(a, b);
	if (na.international && nb.international)
		return !strcmp(na.digits, nb.digits);
	shorter = na.n_digits < nb.n_digits ? na.n_digits : nb.n_digits;
	if (shorter < trailing_digits)
		return !strcmp(na.digits, nb.digits);
	return !strcmp(na.digits + na.n_digits - trailing_digits,
		       nb.digits + nb.n_digits - trailing_digits);
}
