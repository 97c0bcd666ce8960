/* The journal file: --rotate's values, rotation by size and by time with KEEP files kept, every
 * line whole in one file, a failed rotation losing nothing, and the reader taking a rotated set
 * oldest first as one journal; SIGHUP's reopen of a file moved away; the buffer and its flush. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal_file.h"
#include "journal_read.h"

#define NSEC_PER_SEC 1000000000ULL

struct journal_dir {
	char dir[64];
	char path[96];
};

static void journal_dir_make(struct journal_dir *jd)
{
	snprintf(jd->dir, sizeof(jd->dir), "/tmp/siptrail-journal-file-XXXXXX");
	assert_non_null(mkdtemp(jd->dir));
	snprintf(jd->path, sizeof(jd->path), "%s/j.jsonl", jd->dir);
}

static void journal_dir_remove(struct journal_dir *jd)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", jd->dir);
	assert_int_equal(system(cmd), 0);
}

static bool exists(const struct journal_dir *jd, unsigned n)
{
	char name[128];
	struct stat st;

	snprintf(name, sizeof(name), "%s.%u", jd->path, n);
	return !stat(name, &st);
}

/* A "lost" event at TS_S seconds with PAD bytes of padding, so lines have known sizes. */
static json_t *event_line(unsigned long long ts_s, size_t pad)
{
	char *padding = malloc(pad + 1);
	json_t *line;

	memset(padding, 'x', pad);
	padding[pad] = '\0';
	line = json_pack("{s:s, s:I, s:s}", "event", "lost", "ts_ns",
			 (json_int_t)(ts_s * NSEC_PER_SEC), "pad", padding);
	free(padding);
	return line;
}

static void write_events(struct journal_file *journal, unsigned long long first_s,
			 unsigned long long count, size_t pad)
{
	for (unsigned long long i = first_s; i < first_s + count; i++) {
		json_t *line = event_line(i, pad);
		char *text = json_dumps(line, JSON_COMPACT);
		size_t len = strlen(text);

		text[len] = '\n'; /* over the NUL: the writer takes a length */
		assert_int_equal(journal_file_write(journal, text, len + 1, i * NSEC_PER_SEC), 0);
		free(text);
		json_decref(line);
	}
}

/* Reads the set as one: every line whole, each event one second after the one before. Returns
 * how many, the first one's second in FIRST_S. */
static unsigned long read_in_order(const char *path, unsigned long long *first_s)
{
	struct journal_reader reader;
	unsigned long n = 0;
	struct event ev;
	int rc;

	assert_int_equal(journal_reader_open(&reader, path, stderr), 0);
	while ((rc = journal_read_next(&reader, &ev)) == 1) {
		if (!n)
			*first_s = ev.ts_ns / NSEC_PER_SEC;
		assert_int_equal(ev.ts_ns, (*first_s + n) * NSEC_PER_SEC);
		event_release(&ev);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(reader.bad_lines, 0);
	journal_reader_close(&reader);
	return n;
}

static void test_rotation_parse(void **state)
{
	struct journal_rotation rotation = {.keep = 3};
	char why[256];
	(void)state;

	assert_int_equal(journal_rotation_parse("64M", &rotation, why, sizeof(why)), 0);
	assert_int_equal(rotation.max_bytes, 64ULL << 20);
	assert_int_equal(rotation.max_age_ns, 0);
	assert_int_equal(rotation.keep, 3);
	assert_int_equal(journal_rotation_parse("1h", &rotation, why, sizeof(why)), 0);
	assert_int_equal(rotation.max_bytes, 0);
	assert_int_equal(rotation.max_age_ns, 3600 * NSEC_PER_SEC);
	assert_int_equal(journal_rotation_parse("2GB,30min", &rotation, why, sizeof(why)), 0);
	assert_int_equal(rotation.max_bytes, 2ULL << 30);
	assert_int_equal(rotation.max_age_ns, 1800 * NSEC_PER_SEC);
	assert_int_equal(journal_rotation_parse("1d,100K", &rotation, why, sizeof(why)), 0);
	assert_int_equal(rotation.max_bytes, 100 << 10);
	assert_int_equal(rotation.max_age_ns, 86400 * NSEC_PER_SEC);
	/* minutes or megabytes: neither is guessed */
	assert_int_equal(journal_rotation_parse("5m", &rotation, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "'5m'"));
	const char *bad[] = {"", "M", "0M", "1h,2h", "64M,1G", "10", "-1h", "1h,", "99999999999G"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(journal_rotation_parse(bad[i], &rotation, why, sizeof(why)),
				 -EINVAL);
	assert_non_null(strstr(why, "bad --rotate"));
}

/* Every file of the set ends on a whole line. */
static void assert_ends_on_line(const char *name)
{
	FILE *file = fopen(name, "r");

	assert_non_null(file);
	assert_int_equal(fseek(file, -1, SEEK_END), 0);
	assert_int_equal(fgetc(file), '\n');
	fclose(file);
}

/* 90 lines of 76 bytes, rotated at 1000 bytes, 3 kept: 6 rotations, FILE.3 .. FILE.1 (14
 * lines each) and FILE (6) hold the newest 48 events, none missing, each file on whole lines. */
static void test_rotate_by_size(void **state)
{
	struct journal_rotation rotation = {.max_bytes = 1000, .keep = 3};
	struct journal_file journal;
	unsigned long long first_s;
	struct journal_dir jd;
	char why[256], name[128];
	struct stat st;
	(void)state;

	journal_dir_make(&jd);
	assert_int_equal(journal_file_open(&journal, jd.path, &rotation, stderr, why, sizeof(why)),
			 0);
	write_events(&journal, 10, 90, 30);
	assert_int_equal(journal.rotations, 6);
	assert_int_equal(journal.rotation_failures, 0);
	assert_int_equal(journal_file_close(&journal), 0);
	assert_false(exists(&jd, 4));
	for (unsigned n = 1; n <= 3; n++) {
		snprintf(name, sizeof(name), "%s.%u", jd.path, n);
		assert_int_equal(stat(name, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_int_equal(st.st_size, 14 * 76);
		assert_ends_on_line(name);
	}
	assert_int_equal(read_in_order(jd.path, &first_s), 3 * 14 + 6);
	assert_int_equal(first_s, 99 - (3 * 14 + 6) + 1);
	journal_dir_remove(&jd);
}

/* One event a second, files of 10 s: FILE holds the events of the last span only, a rotation
 * comes before the event that would make a span too long. */
static void test_rotate_by_time(void **state)
{
	struct journal_rotation rotation = {.max_age_ns = 10 * NSEC_PER_SEC, .keep = 100};
	struct journal_file journal;
	unsigned long long first_s;
	struct journal_dir jd;
	char why[256], name[128];
	(void)state;

	journal_dir_make(&jd);
	assert_int_equal(journal_file_open(&journal, jd.path, &rotation, stderr, why, sizeof(why)),
			 0);
	write_events(&journal, 1000, 95, 10);
	assert_int_equal(journal.rotations, 9);
	assert_int_equal(journal_file_close(&journal), 0);
	assert_true(exists(&jd, 9));
	assert_false(exists(&jd, 10));
	assert_int_equal(read_in_order(jd.path, &first_s), 95);
	assert_int_equal(first_s, 1000);
	/* the oldest file holds 1000..1009 */
	snprintf(name, sizeof(name), "%s.9", jd.path);
	assert_int_equal(read_in_order(name, &first_s), 10);
	assert_int_equal(first_s, 1000);
	journal_dir_remove(&jd);
}

/* A rename that cannot happen (FILE.1 is a directory with a file in it): the events go on
 * into FILE, counted as a failure, none lost. */
static void test_failed_rotation_loses_nothing(void **state)
{
	struct journal_rotation rotation = {.max_bytes = 500, .keep = 1};
	struct journal_file journal;
	unsigned long long first_s;
	char *report = NULL, blocker[160];
	size_t report_len = 0;
	FILE *errors = open_memstream(&report, &report_len);
	struct journal_dir jd;
	char why[256];
	(void)state;

	journal_dir_make(&jd);
	snprintf(blocker, sizeof(blocker), "%s.1", jd.path);
	assert_int_equal(mkdir(blocker, 0700), 0);
	snprintf(blocker, sizeof(blocker), "%s.1/x", jd.path);
	fclose(fopen(blocker, "w"));
	assert_int_equal(journal_file_open(&journal, jd.path, &rotation, errors, why, sizeof(why)),
			 0);
	write_events(&journal, 1, 30, 30);
	assert_int_equal(journal.rotations, 0);
	assert_true(journal.rotation_failures >= 2);
	assert_int_equal(journal_file_close(&journal), 0);
	fclose(errors);
	assert_non_null(strstr(report, "journal not rotated: cannot rename"));
	free(report);
	assert_int_equal(read_in_order(jd.path, &first_s), 30);
	assert_int_equal(first_s, 1);
	journal_dir_remove(&jd);
}

/* A journal that was never rotated reads as before; stdin too. */
static void test_read_plain_file(void **state)
{
	struct journal_file journal;
	unsigned long long first_s;
	struct journal_dir jd;
	char why[256];
	(void)state;

	journal_dir_make(&jd);
	assert_int_equal(journal_file_open(&journal, jd.path, NULL, stderr, why, sizeof(why)), 0);
	write_events(&journal, 7, 3, 10000);
	assert_int_equal(journal_file_close(&journal), 0);
	assert_false(exists(&jd, 1));
	assert_int_equal(read_in_order(jd.path, &first_s), 3);
	assert_int_equal(first_s, 7);
	journal_dir_remove(&jd);
}

/* SIGHUP after a logrotate: the moved file gets every event written before, PATH the ones
 * after; a reopen with the file still in place changes nothing. */
static void test_reopen_after_move(void **state)
{
	struct journal_file journal;
	unsigned long long first_s;
	struct journal_dir jd;
	char why[256], moved[128];
	struct stat st;
	(void)state;

	journal_dir_make(&jd);
	snprintf(moved, sizeof(moved), "%s.moved", jd.path);
	assert_int_equal(journal_file_open(&journal, jd.path, NULL, stderr, why, sizeof(why)), 0);
	write_events(&journal, 10, 5, 10);
	assert_int_equal(journal_file_reopen(&journal, why, sizeof(why)), 0);
	write_events(&journal, 15, 2, 10);
	assert_int_equal(rename(jd.path, moved), 0);
	assert_int_equal(journal_file_reopen(&journal, why, sizeof(why)), 0);
	write_events(&journal, 17, 3, 10);
	assert_int_equal(journal_file_close(&journal), 0);
	assert_int_equal(read_in_order(moved, &first_s), 7);
	assert_int_equal(first_s, 10);
	assert_int_equal(read_in_order(jd.path, &first_s), 3);
	assert_int_equal(first_s, 17);
	assert_int_equal(stat(jd.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	journal_dir_remove(&jd);
}

/* Lines wait in the journal's own buffer (tens of KiB, not stdio's 4 KiB block) until a flush,
 * which live does every poll round: before it a reader sees none of them, after it all. */
static void test_flush_hands_lines_over(void **state)
{
	struct journal_file journal;
	unsigned long long first_s;
	struct journal_dir jd;
	char why[256];
	struct stat st;
	(void)state;

	journal_dir_make(&jd);
	assert_int_equal(journal_file_open(&journal, jd.path, NULL, stderr, why, sizeof(why)), 0);
	write_events(&journal, 1, 8, 1000);
	assert_int_equal(stat(jd.path, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(journal_file_flush(&journal), 0);
	assert_int_equal(read_in_order(jd.path, &first_s), 8);
	assert_int_equal(first_s, 1);
	assert_int_equal(journal_file_close(&journal), 0);
	journal_dir_remove(&jd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rotation_parse),
	    cmocka_unit_test(test_rotate_by_size),
	    cmocka_unit_test(test_rotate_by_time),
	    cmocka_unit_test(test_failed_rotation_loses_nothing),
	    cmocka_unit_test(test_read_plain_file),
	    cmocka_unit_test(test_reopen_after_move),
	    cmocka_unit_test(test_flush_hands_lines_over),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
