#include <errno.h>

#include "event_output.h"
#include "event_text.h"
#include "journal_write.h"

int event_output_write(struct event_output *output, const struct event *ev)
{
	bool want_json = (output->terminal && output->json) || output->journal;
	struct json_line line;
	int err = want_json ? event_json_line(ev, &line, &output->memo) : 0;

	if (err)
		return err;
	if (output->terminal && output->json)
		err = fwrite(line.text, 1, line.len, output->terminal) == line.len ? 0 : -EIO;
	else if (output->terminal)
		err = event_text_write(output->terminal, ev);
	if (!err && output->journal)
		err = journal_file_write(output->journal, line.text, line.len, ev->ts_ns);
	if (want_json)
		json_line_release(&line);
	return err;
}

void event_output_release(struct event_output *output)
{
	json_text_memo_free(&output->memo);
}
