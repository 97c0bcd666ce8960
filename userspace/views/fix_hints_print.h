/* The fix-hint table (diagnose/fix_hints.h) as text under a diagnosis, as JSON, and as the
 * Markdown table of docs/diagnoses.md (`siptrail hints --markdown`). */
#ifndef SIPTRAIL_FIX_HINTS_PRINT_H
#define SIPTRAIL_FIX_HINTS_PRINT_H

#include <stdio.h>
#include <jansson.h>

#include "fix_hints.h"

/* "CAUSES; avoid: AVOIDS" (or AVOIDS alone) into BUF; returns BUF. */
const char *fix_hint_advice(const struct fix_hint *hint, char *buf, size_t len);

/* "    what to change:" and one line per hint of ID ("      FAMILY, SETTING: ..."). */
void fix_hints_print_text(FILE *out, enum diag_id id);

/* [{"sbc","setting","causes","avoids"}...] of ID (NULL when out of memory). */
json_t *fix_hints_json(enum diag_id id);

/* One Markdown table: diagnosis, SBC, setting, what causes it, what avoids it. */
void fix_hints_print_markdown(FILE *out);

#endif
