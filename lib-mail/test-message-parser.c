/*
 * test-message-parser.c — message_parse() end to end: golden files in
 * testdata/ (NAME.eml → NAME.envelope, NAME.bodystructure, NAME.body,
 * NAME.meta; a missing expectation file fails the test), plus generated
 * messages for the limits: part count, nesting depth, huge headers and
 * boundary floods, which must also stay fast.
 *
 *   test-message-parser                run the tests (from lib-mail/)
 *   test-message-parser --print FILE   print what FILE parses to, in the
 *                                      golden-file formats, for review
 */
#include "message-parser.h"

#include "strbuf.h"
#include "test-imap-syntax.h"
#include "utf8.h"

#include "test-common.h"
#include "test-files.h"

#include <stdlib.h>
#include <time.h>

#define TESTDATA "testdata"

static void meta_format(const struct message_meta *m, struct strbuf *out)
{
	strbuf_printf(out, "header_size: %zu\n", m->header_size);
	if (m->sent_date_valid)
		strbuf_printf(out, "sent_date: %lld\n", (long long)m->sent_date);
	else
		strbuf_append(out, "sent_date: invalid\n");
	strbuf_printf(out, "subject: %s\nfrom: %s\nto: %s\ncc: %s\n",
		      m->subject, m->from, m->to, m->cc);
	strbuf_printf(out, "message_id: %s\nin_reply_to: %s\nreferences: %s\n",
		      m->message_id, m->in_reply_to, m->references);
	strbuf_printf(out, "sort_subject: %s\nsort_from: %s\nsort_to: %s\nsort_cc: %s\n",
		      m->sort_subject, m->sort_from, m->sort_to, m->sort_cc);
}

/* Compare with an expectation file; one trailing LF in the file is
   ignored unless the value itself ends in LF. */
static void golden_compare(const char *eml, const char *ext, const char *actual)
{
	char path[512], *expected;
	size_t size;

	snprintf(path, sizeof(path), TESTDATA "/%.*s.%s", (int)(strlen(eml) - 4), eml, ext);
	expected = test_read_file(path, &size);
	if (expected == NULL) {
		fprintf(stderr, "%s: missing\n", path);
		test_assert(expected != NULL);
		return;
	}
	if (size > 0 && expected[size - 1] == '\n' &&
	    !(strlen(actual) > 0 && actual[strlen(actual) - 1] == '\n'))
		expected[--size] = '\0';
	if (strlen(actual) != size || memcmp(actual, expected, size) != 0) {
		fprintf(stderr, "%s differs:\n  got:      %s\n  expected: %s\n",
			path, actual, expected);
		test_assert(!"golden file mismatch");
	}
	free(expected);
}

/* Whatever the input: well-formed IMAP lists and valid UTF-8 fields. */
static void check_meta(const struct message_meta *m)
{
	const char *fields[] = {
		m->subject, m->from, m->to, m->cc, m->message_id, m->in_reply_to,
		m->references, m->sort_subject, m->sort_from, m->sort_to, m->sort_cc,
	};

	test_assert(imap_syntax_check(m->envelope, strlen(m->envelope)));
	test_assert(imap_syntax_check(m->bodystructure, strlen(m->bodystructure)));
	test_assert(imap_syntax_check(m->body, strlen(m->body)));
	test_assert(utf8_is_valid((const unsigned char *)m->envelope, strlen(m->envelope)));
	test_assert(utf8_is_valid((const unsigned char *)m->bodystructure,
				  strlen(m->bodystructure)));
	test_assert(utf8_is_valid((const unsigned char *)m->body, strlen(m->body)));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		test_assert(utf8_is_valid((const unsigned char *)fields[i], strlen(fields[i])));
}

static void check_golden(const char *name, char *data, size_t size)
{
	struct message_meta meta;
	struct strbuf meta_text = STRBUF_INIT;

	message_parse((const unsigned char *)data, size, &meta);
	check_meta(&meta);
	meta_format(&meta, &meta_text);
	golden_compare(name, "envelope", meta.envelope);
	golden_compare(name, "bodystructure", meta.bodystructure);
	golden_compare(name, "body", meta.body);
	golden_compare(name, "meta", strbuf_cstr(&meta_text));
	strbuf_free(&meta_text);
	message_meta_free(&meta);
}

static void test_golden_files(void)
{
	test_assert(test_foreach_file(TESTDATA, ".eml", check_golden) >= 15);
}

static void parse_string(const char *msg, size_t len, struct message_meta *meta)
{
	message_parse((const unsigned char *)msg, len, meta);
}

static size_t count_substr(const char *s, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += len;
	}
	return n;
}

/* 100,000 parts in one multipart: MESSAGE_MAX_PARTS in total, the last
   child absorbing the rest (its size proves it), in linear time. */
static void test_many_parts(void)
{
	struct strbuf msg = STRBUF_INIT;
	struct message_meta meta;
	char expect[128];
	clock_t start;
	size_t last_start = 0;

	strbuf_append(&msg, "Content-Type: multipart/mixed; boundary=x\r\n\r\n");
	for (int i = 0; i < 100000; i++) {
		if (i == MESSAGE_MAX_PARTS - 2)
			last_start = msg.len + 5;
		strbuf_append(&msg, "--x\r\n\r\np\r\n");
	}
	strbuf_append(&msg, "--x--\r\n");
	start = clock();
	parse_string(msg.data, msg.len, &meta);
	test_assert((clock() - start) / CLOCKS_PER_SEC < 5);
	check_meta(&meta);
	/* root + MESSAGE_MAX_PARTS - 1 children */
	test_assert_int(count_substr(meta.bodystructure, "(\"TEXT\" \"PLAIN\""),
			MESSAGE_MAX_PARTS - 1);
	test_assert_int(count_substr(meta.body, "(\"TEXT\" \"PLAIN\""), MESSAGE_MAX_PARTS - 1);
	/* the last child runs from its start to the CRLF before the close
	   delimiter; its first CRLF is its (empty) header */
	snprintf(expect, sizeof(expect), "\"7BIT\" %zu %d NIL NIL NIL NIL) \"MIXED\"",
		 msg.len - 9 - last_start - 2, 3 * (100000 - (MESSAGE_MAX_PARTS - 1)));
	test_assert(strstr(meta.bodystructure, expect) != NULL);
	message_meta_free(&meta);
	strbuf_free(&msg);
}

/* Nesting far beyond MESSAGE_MAX_DEPTH, both as multiparts and as
   message/rfc822: the structure stops at the limit with an opaque leaf. */
static void test_deep_nesting(void)
{
	struct strbuf msg = STRBUF_INIT;
	struct message_meta meta;
	const int levels = 10000;

	for (int i = 0; i < levels; i++) {
		if (i % 2 == 0)
			strbuf_printf(&msg, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n"
				      "--b%d\r\n", i, i);
		else
			strbuf_append(&msg, "Content-Type: message/rfc822\r\n\r\n");
	}
	strbuf_append(&msg, "\r\ntext\r\n");
	parse_string(msg.data, msg.len, &meta);
	check_meta(&meta);
	test_assert_int(count_substr(meta.bodystructure, "\"APPLICATION\" \"OCTET-STREAM\""), 1);
	test_assert_int(count_substr(meta.bodystructure, "\"MIXED\""), MESSAGE_MAX_DEPTH / 2);
	test_assert_int(count_substr(meta.bodystructure, "\"MESSAGE\" \"RFC822\""),
			MESSAGE_MAX_DEPTH / 2);
	test_assert_int(count_substr(meta.body, "\"APPLICATION\" \"OCTET-STREAM\""), 1);
	message_meta_free(&meta);
	strbuf_free(&msg);
}

/* A 4 MB header line, a 4 MB boundary flood and a header with 200,000
   fields must all parse quickly. */
static void test_adversarial_sizes(void)
{
	struct strbuf msg = STRBUF_INIT;
	struct message_meta meta;
	clock_t start = clock();

	strbuf_append(&msg, "Subject: =?a?q?x?=");
	for (int i = 1; i < 400000; i++)
		strbuf_append(&msg, " =?a?q?x?=");
	strbuf_append(&msg, "\r\nTo: ");
	for (int i = 0; i < 200000; i++)
		strbuf_append(&msg, "a@b, ");
	strbuf_append(&msg, "\r\nContent-Type: multipart/mixed; boundary=\"");
	for (int i = 0; i < 60; i++)
		strbuf_append_c(&msg, 'q');
	strbuf_append(&msg, "\"\r\n\r\n");
	for (int i = 0; i < 200000; i++)
		strbuf_append(&msg, "--qqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\r\n");
	parse_string(msg.data, msg.len, &meta);
	test_assert(strlen(meta.subject) == 400000);
	test_assert_str(meta.sort_to, "a");
	message_meta_free(&meta);

	strbuf_truncate(&msg, 0);
	for (int i = 0; i < 200000; i++)
		strbuf_append(&msg, "X-Field: value\r\n");
	strbuf_append(&msg, "Subject: [a][b][c]");
	for (int i = 0; i < 100000; i++)
		strbuf_append(&msg, "[x]");
	strbuf_append(&msg, "\r\n\r\n");
	parse_string(msg.data, msg.len, &meta);
	test_assert_str(meta.sort_subject, "[x]");
	message_meta_free(&meta);
	test_assert((clock() - start) / CLOCKS_PER_SEC < 10);
	strbuf_free(&msg);
}

/* NUL bytes anywhere: every output string stays NUL-free and complete. */
static void test_nul_bytes(void)
{
	static const char msg[] = "Subject: a\0b\r\nFrom: x\0y@z\r\nContent-Type: text/plain; "
		"name=\"n\0m\"\r\n\r\nbo\0dy\r\n";
	struct message_meta meta;

	parse_string(msg, sizeof(msg) - 1, &meta);
	check_meta(&meta);
	test_assert_str(meta.subject, "a\xef\xbf\xbd" "b");
	test_assert(strstr(meta.envelope, "{5}\r\na\xef\xbf\xbd" "b") != NULL);
	test_assert(strstr(meta.bodystructure, "\"NAME\" {5}\r\nn\xef\xbf\xbdm") != NULL);
	test_assert(strstr(meta.bodystructure, "\"7BIT\" 7 1") != NULL);
	message_meta_free(&meta);
}

static int print_file(const char *path)
{
	struct message_meta meta;
	struct strbuf meta_text = STRBUF_INIT;
	size_t size;
	char *data = test_read_file(path, &size);

	if (data == NULL) {
		fprintf(stderr, "%s: cannot read\n", path);
		return 1;
	}
	message_parse((const unsigned char *)data, size, &meta);
	meta_format(&meta, &meta_text);
	printf("== envelope\n%s\n== bodystructure\n%s\n== body\n%s\n== meta\n%s",
	       meta.envelope, meta.bodystructure, meta.body, strbuf_cstr(&meta_text));
	strbuf_free(&meta_text);
	message_meta_free(&meta);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--print") == 0)
		return print_file(argv[2]);
	test_run("golden files", test_golden_files);
	test_run("many parts", test_many_parts);
	test_run("deep nesting", test_deep_nesting);
	test_run("adversarial sizes", test_adversarial_sizes);
	test_run("NUL bytes", test_nul_bytes);
	return test_end();
}
