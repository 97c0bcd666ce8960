/* Fix hints for people (text, Markdown) and programs (JSON). */
#include "fix_hints_print.h"

const char *fix_hint_advice(const struct fix_hint *hint, char *buf, size_t len)
{
	if (*hint->causes)
		snprintf(buf, len, "%s; avoid: %s", hint->causes, hint->avoids);
	else
		snprintf(buf, len, "%s", hint->avoids);
	return buf;
}

void fix_hints_print_text(FILE *out, enum diag_id id)
{
	size_t n;
	const struct fix_hint *hint = fix_hints_of(id, &n);
	char advice[512];

	if (!n)
		return;
	fputs("    what to change:\n", out);
	for (size_t i = 0; i < n; i++, hint++)
		fprintf(out, "      %s, %s: %s\n", sbc_family_name(hint->family), hint->setting,
			fix_hint_advice(hint, advice, sizeof(advice)));
}

json_t *fix_hints_json(enum diag_id id)
{
	size_t n;
	const struct fix_hint *hint = fix_hints_of(id, &n);
	json_t *list = json_array();

	for (size_t i = 0; list && i < n; i++, hint++) {
		json_t *item = json_pack("{s:s, s:s, s:s, s:s}", "sbc",
					 sbc_family_name(hint->family), "setting", hint->setting,
					 "causes", hint->causes, "avoids", hint->avoids);
		if (!item || json_array_append_new(list, item)) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

/* A table cell: '|' would end it. */
static void put_cell(FILE *out, const char *text)
{
	fputc(' ', out);
	for (; *text; text++) {
		if (*text == '|')
			fputc('\\', out);
		fputc(*text, out);
	}
	fputs(" |", out);
}

void fix_hints_print_markdown(FILE *out)
{
	size_t n;
	const struct fix_hint *hint = fix_hints_all(&n);

	fputs("| diagnosis | SBC | setting | how it causes it | what avoids it |\n"
	      "|---|---|---|---|---|\n",
	      out);
	for (size_t i = 0; i < n; i++, hint++) {
		fputc('|', out);
		put_cell(out, diag_id_name(hint->id));
		put_cell(out, sbc_family_name(hint->family));
		put_cell(out, hint->setting);
		put_cell(out, hint->causes);
		put_cell(out, hint->avoids);
		fputc('\n', out);
	}
}
