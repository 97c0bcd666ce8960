/* Character classes, numbers, quoted strings and parameters for the SIP parsers. */
#include "sip_scan.h"

#define T1(c) [(unsigned char)(c)] = 1
const uint8_t sip_token_char[256] = {
    ['0' ... '9'] = 1, ['a' ... 'z'] = 1, ['A' ... 'Z'] = 1, T1('-'), T1('.'),	T1('!'), T1('%'),
    T1('*'),	       T1('_'),		  T1('+'),	     T1('`'), T1('\''), T1('~'),
};

bool sip_parse_uint(struct sip_view digits, uint64_t max, uint64_t *value)
{
	uint64_t n = 0;

	if (digits.len == 0)
		return false;
	for (size_t i = 0; i < digits.len; i++) {
		char c = digits.ptr[i];
		if (!sip_is_digit(c))
			return false;
		n = n * 10 + (uint64_t)(c - '0');
		if (n > max)
			return false;
	}
	*value = n;
	return true;
}

struct sip_view sip_view_trim(struct sip_view view)
{
	const char *begin = view.ptr, *end = view.ptr + view.len;

	begin = sip_skip_lws(begin, end);
	while (end > begin && sip_is_lws(end[-1]))
		end--;
	return sip_view_of(begin, end);
}

const char *sip_skip_quoted(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p == end)
				return NULL;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

/* Bytes that end an unquoted parameter value: separators of the enclosing syntax (a table: a
 * branch or tag value is read a byte at a time). */
static const uint8_t ends_param_value[256] = {
    T1(' '), T1('\t'), T1('\r'), T1('\n'), T1(';'), T1(','), T1('?'), T1('>'), T1('<'), T1('"'),
};

enum sip_param_result sip_next_param(const char **pp, const char *end, struct sip_param *param)
{
	const char *p = sip_skip_lws(*pp, end);

	if (p == end || *p != ';') {
		*pp = p;
		return SIP_PARAM_NONE;
	}
	p = sip_skip_lws(p + 1, end);
	const char *name = p;
	p = sip_skip_token(p, end);
	if (p == name) {
		*pp = p;
		return SIP_PARAM_MALFORMED;
	}
	param->name = sip_view_of(name, p);
	param->value = (struct sip_view){0};
	param->has_value = false;

	const char *after_name = p;
	p = sip_skip_lws(p, end);
	if (p == end || *p != '=') {
		*pp = after_name;
		return SIP_PARAM_FOUND;
	}
	p = sip_skip_lws(p + 1, end);
	param->has_value = true;
	if (p < end && *p == '"') {
		const char *close = sip_skip_quoted(p, end);
		if (!close) {
			*pp = end;
			return SIP_PARAM_MALFORMED;
		}
		param->value = sip_view_of(p + 1, close - 1);
		*pp = close;
		return SIP_PARAM_FOUND;
	}
	const char *value = p;
	if (p < end && *p == '[') {
		while (p < end && *p != ']')
			p++;
		if (p < end)
			p++;
	}
	while (p < end && !ends_param_value[(unsigned char)*p])
		p++;
	param->value = sip_view_of(value, p);
	*pp = p;
	return SIP_PARAM_FOUND;
}
