/*
 * Times as failure reports write them: Unix seconds or milliseconds, ISO 8601 with or without
 * a zone ("2023-11-14T22:13:05Z", "2023-11-14 22:13:05+01:00", "2023-11-14 22:13:05"), and the
 * spreadsheet forms "11/14/2023 10:13 PM" (US), "14/11/2023 22:13", "14-11-2023 22:13" and
 * "14.11.2023 22:13:05" (European; '.' is always day first). A time without a zone is local time:
 * the process's TZ (the CLI sets it from
 * --tz), read with mktime.
 */
#ifndef SIPTRAIL_REPORT_TIME_H
#define SIPTRAIL_REPORT_TIME_H

#include <stdbool.h>
#include <stdint.h>

/* Day and month order of "A/B/YYYY" and "A-B-YYYY" dates. */
enum date_order { DATE_ORDER_UNKNOWN, DATE_ORDER_MDY, DATE_ORDER_DMY };

/* Evidence for the order of a file's slash dates, gathered row by row. */
struct date_order_votes {
	unsigned long mdy, dmy; /* rows where a number above 12 settles it */
	unsigned long ambiguous;
	unsigned long twelve_hour; /* rows with AM/PM */
	const char *example;	   /* an ambiguous date, for the message (not owned) */
};

void date_order_vote(struct date_order_votes *votes, const char *text);

/* MDY or DMY when the rows agree, DATE_ORDER_UNKNOWN when nothing settles it or they
 * disagree (*conflict set). */
enum date_order date_order_decide(const struct date_order_votes *votes, bool *conflict);

/* ORDER is used for slash dates (DATE_ORDER_UNKNOWN: only unambiguous ones parse). *ZONED
 * (may be NULL) tells whether the text carried its zone. Returns 0 or -EINVAL. */
int report_time_parse(const char *text, enum date_order order, uint64_t *ts_ns, bool *zoned);

#endif
