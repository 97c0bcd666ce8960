#include <stdarg.h>
#include <stdio.h>

#include "notices.h"

void notices_add(struct notices *notices, const char *format, ...)
{
	va_list args;

	if (notices->count == NOTICES_MAX) {
		snprintf(notices->lines[NOTICES_MAX - 1], NOTICE_TEXT_LEN,
			 "more features are missing than can be listed");
		return;
	}
	va_start(args, format);
	vsnprintf(notices->lines[notices->count++], NOTICE_TEXT_LEN, format, args);
	va_end(args);
}
