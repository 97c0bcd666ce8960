/* Report times -> nanoseconds since the epoch, with the C library's calendar (strptime, timegm,
 * mktime). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "report_time.h"

#define NS_PER_S 1000000000ull
/* Above this a Unix time is in milliseconds: 1e11 s is the year 5138; and 1e14 ms is too. */
#define UNIX_SECONDS_MAX 100000000000ull
#define UNIX_MS_MAX	 100000000000000ull

/* Up to 9 digits after the point as nanoseconds, without floating point rounding. */
static const char *parse_fraction_ns(const char *p, uint64_t *ns)
{
	uint64_t scale = 100000000;

	*ns = 0;
	for (; isdigit((unsigned char)*p); p++, scale /= 10)
		*ns += (uint64_t)(*p - '0') * scale;
	return p;
}

static int parse_unix(const char *text, uint64_t *ts_ns)
{
	uint64_t frac_ns = 0;
	char *end;
	unsigned long long value = strtoull(text, &end, 10);

	if (*end == '.')
		end = (char *)parse_fraction_ns(end + 1, &frac_ns);
	while (isspace((unsigned char)*end))
		end++;
	if (*end || value >= UNIX_MS_MAX)
		return -EINVAL;
	if (value >= UNIX_SECONDS_MAX)
		*ts_ns = value * 1000000ull + frac_ns / 1000;
	else
		*ts_ns = value * NS_PER_S + frac_ns;
	return 0;
}

/* "A/B/YYYY", "A-B-YYYY" or "A.B.YYYY" (or a two-digit year; A of one or two digits, so ISO's
 * "YYYY-MM-DD" is not one): the three numbers and the separator. */
static const char *split_date(const char *text, unsigned long *a, unsigned long *b,
			      unsigned long *year, char *sep)
{
	char *end;

	*a = strtoul(text, &end, 10);
	if (end == text || end - text > 2 || !strchr("/.-", *end) || !*end)
		return NULL;
	*sep = *end;
	text = end + 1;
	*b = strtoul(text, &end, 10);
	if (end == text || *end != *sep)
		return NULL;
	text = end + 1;
	*year = strtoul(text, &end, 10);
	if (end - text == 2)
		*year += 2000;
	else if (end - text != 4)
		return NULL;
	return end;
}

static bool twelve_hour_clock(const char *text)
{
	const char *p = text + strlen(text);

	while (p > text && isspace((unsigned char)p[-1]))
		p--;
	return p - text >= 2 && (!strncasecmp(p - 2, "AM", 2) || !strncasecmp(p - 2, "PM", 2));
}

void date_order_vote(struct date_order_votes *votes, const char *text)
{
	unsigned long a, b, year;
	char sep;

	while (isspace((unsigned char)*text))
		text++;
	if (!split_date(text, &a, &b, &year, &sep) || sep == '.')
		return;
	votes->twelve_hour += twelve_hour_clock(text);
	if (a > 12 && b <= 12)
		votes->dmy++;
	else if (b > 12 && a <= 12)
		votes->mdy++;
	else if (a <= 12 && b <= 12 && a != b) {
		votes->ambiguous++;
		if (!votes->example)
			votes->example = text;
	}
}

enum date_order date_order_decide(const struct date_order_votes *votes, bool *conflict)
{
	*conflict = votes->mdy && votes->dmy;
	if (*conflict)
		return DATE_ORDER_UNKNOWN;
	if (votes->mdy)
		return DATE_ORDER_MDY;
	if (votes->dmy)
		return DATE_ORDER_DMY;
	return DATE_ORDER_UNKNOWN;
}

/* "Z", "UTC", "+01:00", "+0100", "+01", or nothing (local time). */
static int parse_zone(const char *p, bool *zoned, long *offset_s)
{
	unsigned long hh, mm = 0;
	int sign;
	char *end;

	while (isspace((unsigned char)*p))
		p++;
	*offset_s = 0;
	*zoned = *p != '\0';
	if (!*p)
		return 0;
	if (!strcmp(p, "Z") || !strcasecmp(p, "UTC") || !strcasecmp(p, "GMT"))
		return 0;
	if (*p != '+' && *p != '-')
		return -EINVAL;
	sign = *p == '-' ? -1 : 1;
	if (!isdigit((unsigned char)p[1]))
		return -EINVAL;
	hh = strtoul(p + 1, &end, 10);
	if (end - (p + 1) == 4) { /* +0100 */
		mm = hh % 100;
		hh /= 100;
	} else if (end - (p + 1) == 2 && *end == ':') {
		p = end + 1;
		mm = strtoul(p, &end, 10);
		if (end - p != 2)
			return -EINVAL;
	} else if (end - (p + 1) != 2) {
		return -EINVAL;
	}
	if (*end || hh > 14 || mm > 59)
		return -EINVAL;
	*offset_s = sign * (long)(hh * 3600 + mm * 60);
	return 0;
}

/* "HH:MM[:SS][.fff][ AM|PM]" into TM; returns what follows it, or NULL. */
static const char *parse_clock(const char *p, struct tm *tm, uint64_t *frac_ns)
{
	const char *rest = strptime(p, "%H:%M", tm);

	if (!rest)
		return NULL;
	if (*rest == ':' && isdigit((unsigned char)rest[1]))
		rest = strptime(rest, ":%S", tm);
	if (rest && (*rest == '.' || *rest == ','))
		rest = parse_fraction_ns(rest + 1, frac_ns);
	if (!rest)
		return NULL;
	while (*rest == ' ')
		rest++;
	if (!strncasecmp(rest, "AM", 2) || !strncasecmp(rest, "PM", 2)) {
		if (tm->tm_hour < 1 || tm->tm_hour > 12)
			return NULL;
		tm->tm_hour = tm->tm_hour % 12 + (toupper((unsigned char)*rest) == 'P' ? 12 : 0);
		rest += 2;
	}
	return rest;
}

/* A date the calendar does not have (30 February) comes back changed from timegm. */
static bool calendar_date(const struct tm *tm)
{
	struct tm copy = *tm;
	time_t t = timegm(&copy);
	return t != (time_t)-1 && copy.tm_mday == tm->tm_mday && copy.tm_mon == tm->tm_mon;
}

int report_time_parse(const char *text, enum date_order order, uint64_t *ts_ns, bool *zoned)
{
	struct tm tm = {0};
	unsigned long a, b, year;
	const char *rest;
	uint64_t frac_ns = 0;
	bool has_zone;
	long offset_s;
	time_t secs;
	char sep, after_digits;

	while (isspace((unsigned char)*text))
		text++;
	if (!isdigit((unsigned char)*text))
		return -EINVAL;
	after_digits = text[strspn(text, "0123456789")];
	if (!after_digits || isspace((unsigned char)after_digits) ||
	    (after_digits == '.' && !split_date(text, &a, &b, &year, &sep))) {
		if (zoned)
			*zoned = true;
		return parse_unix(text, ts_ns);
	}
	if ((rest = split_date(text, &a, &b, &year, &sep))) {
		bool dmy = sep == '.' || order == DATE_ORDER_DMY;
		if (sep != '.' && order == DATE_ORDER_UNKNOWN && a <= 12 && b <= 12 && a != b)
			return -EINVAL;
		if (sep != '.' && order == DATE_ORDER_UNKNOWN)
			dmy = a > 12;
		tm.tm_mday = (int)(dmy ? a : b);
		tm.tm_mon = (int)(dmy ? b : a) - 1;
		tm.tm_year = (int)year - 1900;
		if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_mon < 0 || tm.tm_mon > 11)
			return -EINVAL;
	} else if (!(rest = strptime(text, "%Y-%m-%d", &tm))) {
		return -EINVAL;
	}
	if (*rest != ' ' && *rest != 'T')
		return -EINVAL;
	if (!(rest = parse_clock(rest + 1, &tm, &frac_ns)) || !calendar_date(&tm))
		return -EINVAL;
	if (parse_zone(rest, &has_zone, &offset_s))
		return -EINVAL;
	if (has_zone) {
		secs = timegm(&tm) - offset_s;
	} else {
		tm.tm_isdst = -1; /* the zone's rules say whether summer time applied */
		secs = mktime(&tm);
	}
	if (secs < 0)
		return -EINVAL;
	if (zoned)
		*zoned = has_zone;
	*ts_ns = (uint64_t)secs * NS_PER_S + frac_ns;
	return 0;
}
