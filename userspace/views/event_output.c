#include <errno.h>

#include "event_output.h"
#include "event_text.h"
#include "journal.h"
#include "journal_write.h"

int event_output_write(const struct event_output *output, const struct event *ev)
{
	bool want_json = (output->terminal && output->json) || output->journal;
	json_t *line = want_json ? event_to_json(ev) : NULL;
	int err = 0;

	if (want_json && !line)
		return -ENOMEM;
	if (output->terminal)
		err = output->json ? json_line_write(output->terminal, line)
				   : event_text_write(output->terminal, ev);
	if (!err && output->journal)
		err = journal_file_write(output->journal, line, ev->ts_ns);
	json_decref(line);
	return err;
}
