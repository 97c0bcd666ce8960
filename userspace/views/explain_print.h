/* Prints call verdicts: plain words with evidence lines, or one JSON object per diagnosis. */
#ifndef SIPTRAIL_EXPLAIN_PRINT_H
#define SIPTRAIL_EXPLAIN_PRINT_H

#include <stdio.h>
#include <jansson.h>

#include "explain.h"

void explain_print_text(FILE *out, const struct call_verdict *verdict);

/* One diagnosis of VERDICT: its line, the chain of causes and the evidence. */
void explain_print_diagnosis_text(FILE *out, const struct call_verdict *verdict,
				  const struct diagnosis *d);

/* One line per diagnosis: {"id","call_id","severity","summary","causes":[..],"evidence":[..]}.
 * Returns 0 or -ENOMEM. */
int explain_print_json(FILE *out, const struct call_verdict *verdict);

/* The JSON object of one diagnosis, as explain_print_json prints it (NULL when out of
 * memory). */
json_t *explain_diagnosis_json(const struct call_verdict *verdict, const struct diagnosis *d);

/* "2026-11-27 13:05:02.123 UTC"-style time of TS into BUF. */
const char *format_ts(uint64_t ts_ns, char *buf, size_t len);

#endif
