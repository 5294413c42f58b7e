/*
 * test-imap-fetch-section.c — FETCH section parsing, echoing and the
 * section bytes (imap-fetch-section.c): BODY[...] on multipart and nested
 * message/rfc822 messages, HEADER.FIELDS matching and folding, BINARY
 * decoding, missing parts, and every section of every prefix of a message.
 */
#include "imap-fetch-section.h"

#include "test-common.h"

#include <stdlib.h>

static const struct {
	const char *spec;
	enum imap_fetch_section_item item;
	const char *echo;   /* NULL: BAD */
} parse_cases[] = {
	{ "", IMAP_FETCH_ITEM_BODY, "BODY[]" },
	{ "header", IMAP_FETCH_ITEM_BODY, "BODY[HEADER]" },
	{ "Text", IMAP_FETCH_ITEM_BODY, "BODY[TEXT]" },
	{ "HEADER.FIELDS (From To)", IMAP_FETCH_ITEM_BODY, "BODY[HEADER.FIELDS (From To)]" },
	{ "header.fields.not (X-Spam)", IMAP_FETCH_ITEM_BODY,
	  "BODY[HEADER.FIELDS.NOT (X-Spam)]" },
	{ "HEADER.FIELDS (\"Subject\" \"X]Y\")", IMAP_FETCH_ITEM_BODY,
	  "BODY[HEADER.FIELDS (Subject \"X]Y\")]" },
	{ "HEADER.FIELDS (\"a\\\\b\")", IMAP_FETCH_ITEM_BODY, "BODY[HEADER.FIELDS (\"a\\\\b\")]" },
	{ "1", IMAP_FETCH_ITEM_BODY, "BODY[1]" },
	{ "1.2.3", IMAP_FETCH_ITEM_BODY, "BODY[1.2.3]" },
	{ "1.2.mime", IMAP_FETCH_ITEM_BODY, "BODY[1.2.MIME]" },
	{ "2.HEADER", IMAP_FETCH_ITEM_BODY, "BODY[2.HEADER]" },
	{ "2.text", IMAP_FETCH_ITEM_BODY, "BODY[2.TEXT]" },
	{ "3.HEADER.FIELDS (Subject)", IMAP_FETCH_ITEM_BODY, "BODY[3.HEADER.FIELDS (Subject)]" },
	{ "4294967295", IMAP_FETCH_ITEM_BODY, "BODY[4294967295]" },
	{ "", IMAP_FETCH_ITEM_BINARY, "BINARY[]" },
	{ "1.2", IMAP_FETCH_ITEM_BINARY, "BINARY[1.2]" },
	{ "3", IMAP_FETCH_ITEM_BINARY_SIZE, "BINARY.SIZE[3]" },
	{ "MIME", IMAP_FETCH_ITEM_BODY, NULL },
	{ "0", IMAP_FETCH_ITEM_BODY, NULL },
	{ "01", IMAP_FETCH_ITEM_BODY, NULL },
	{ "1.0", IMAP_FETCH_ITEM_BODY, NULL },
	{ "1.", IMAP_FETCH_ITEM_BODY, NULL },
	{ ".1", IMAP_FETCH_ITEM_BODY, NULL },
	{ "1..2", IMAP_FETCH_ITEM_BODY, NULL },
	{ "1HEADER", IMAP_FETCH_ITEM_BODY, NULL },
	{ "4294967296", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADERS", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER ", IMAP_FETCH_ITEM_BODY, NULL },
	{ " HEADER", IMAP_FETCH_ITEM_BODY, NULL },
	{ "TEXT.MIME", IMAP_FETCH_ITEM_BODY, NULL },
	{ "1.MIME.TEXT", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER.FIELDS", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER.FIELDS ()", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER.FIELDS (From", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER.FIELDS (From) ", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER.FIELDS (From )", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER.FIELDS ( From)", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER.FIELDS (From:)", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER.FIELDS (\"\")", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER.FIELDS (\"a b\")", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER.FIELDS (\"open)", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER.FIELDS(From)", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER.FIELDS.NOT", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER.FIELDS.NOTX (a)", IMAP_FETCH_ITEM_BODY, NULL },
	{ "HEADER", IMAP_FETCH_ITEM_BINARY, NULL },
	{ "1.MIME", IMAP_FETCH_ITEM_BINARY, NULL },
	{ "1.TEXT", IMAP_FETCH_ITEM_BINARY_SIZE, NULL },
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		struct imap_fetch_section section;
		struct strbuf echo = STRBUF_INIT;
		const char *error = NULL;
		int ret = imap_fetch_section_parse(parse_cases[i].spec, parse_cases[i].item,
						   &section, &error);

		if (ret < 0) {
			test_assert(error != NULL && section.fields == NULL);
			strbuf_append(&echo, "BAD");
		} else {
			imap_fetch_section_append(&echo, &section);
			imap_fetch_section_free(&section);
		}
		if (strcmp(echo.data, parse_cases[i].echo != NULL ? parse_cases[i].echo : "BAD") != 0)
			fprintf(stderr, "spec \"%s\"\n", parse_cases[i].spec);
		test_assert_str(echo.data, parse_cases[i].echo != NULL ? parse_cases[i].echo : "BAD");
		strbuf_free(&echo);
	}
}

static void test_parse_struct(void)
{
	struct imap_fetch_section s;
	const char *error;
	struct strbuf long_path = STRBUF_INIT;

	test_assert_int(imap_fetch_section_parse("3.1.HEADER.FIELDS.NOT (A \"B\")",
						 IMAP_FETCH_ITEM_BODY, &s, &error), 0);
	test_assert_int(s.path_count, 2);
	test_assert_int(s.path[0], 3);
	test_assert_int(s.path[1], 1);
	test_assert_int(s.kind, IMAP_FETCH_SECTION_HEADER_FIELDS_NOT);
	test_assert_int(s.field_count, 2);
	test_assert_str(s.fields[0], "A");
	test_assert_str(s.fields[1], "B");
	imap_fetch_section_free(&s);
	test_assert(s.fields == NULL && s.field_count == 0);

	for (int i = 0; i < IMAP_FETCH_SECTION_MAX_PATH; i++)
		strbuf_append(&long_path, i == 0 ? "1" : ".1");
	test_assert_int(imap_fetch_section_parse(long_path.data, IMAP_FETCH_ITEM_BODY, &s,
						 &error), 0);
	imap_fetch_section_free(&s);
	strbuf_append(&long_path, ".1");
	test_assert_int(imap_fetch_section_parse(long_path.data, IMAP_FETCH_ITEM_BODY, &s,
						 &error), -1);
	strbuf_free(&long_path);
}

static const char message[] =
	"From: alice@example.com\r\n"
	"To: bob@example.com,\r\n"
	"  carol@example.com\r\n"
	"subject: Test\r\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
	"\r\n"
	"--b1\r\n"
	"Content-Type: multipart/alternative; boundary=b2\r\n"
	"\r\n"
	"--b2\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"caf=C3=A9 =\r\n"
	"ok\r\n"
	"--b2\r\n"
	"Content-Type: text/html\r\n"
	"\r\n"
	"<p>hi</p>\r\n"
	"--b2--\r\n"
	"--b1\r\n"
	"Content-Type: message/rfc822\r\n"
	"\r\n"
	"Subject: inner\r\n"
	"From: dave@example.com\r\n"
	"X-Folded: one\r\n"
	"\ttwo\r\n"
	"\r\n"
	"inner body\r\n"
	"--b1\r\n"
	"Content-Type: application/octet-stream\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"AAEC/w==\r\n"
	"--b1\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Transfer-Encoding: x-uuencode\r\n"
	"\r\n"
	"begin 644 x\r\n"
	"--b1\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"not*base64!\r\n"
	"--b1--\r\n";

/* The section's bytes, or "ERR" / "CTE" for the two errors. */
static char *section_of(const char *msg, size_t size, enum imap_fetch_section_item item,
			const char *spec)
{
	struct message_part *root = message_part_parse((const unsigned char *)msg, size);
	struct imap_fetch_section section;
	struct imap_fetch_section_result result;
	const char *error = NULL;
	char *ret;
	int r;

	if (imap_fetch_section_parse(spec, item, &section, &error) < 0) {
		message_part_free(&root);
		return strdup("BAD");
	}
	r = imap_fetch_section_get((const unsigned char *)msg, size, root, &section, &result,
				   &error);
	if (r < 0) {
		test_assert(error != NULL && result.data == NULL && result.size == 0);
		ret = strdup(r == IMAP_FETCH_SECTION_ERR_UNKNOWN_CTE ? "CTE" : "ERR");
	} else {
		ret = strndup((const char *)imap_fetch_section_result_bytes(
				      &result, (const unsigned char *)msg), result.size);
		test_assert(result.data != NULL || result.offset + result.size <= size);
	}
	imap_fetch_section_result_free(&result);
	imap_fetch_section_free(&section);
	message_part_free(&root);
	return ret;
}

static void check(enum imap_fetch_section_item item, const char *spec, const char *expected)
{
	char *got = section_of(message, sizeof(message) - 1, item, spec);

	if (strcmp(got, expected) != 0)
		fprintf(stderr, "section \"%s\":\n", spec);
	test_assert_str(got, expected);
	free(got);
}

static void test_body_sections(void)
{
	const char *text = strstr(message, "\r\n\r\n") + 4;
	char *header = strndup(message, (size_t)(text - message));

	check(IMAP_FETCH_ITEM_BODY, "", message);
	check(IMAP_FETCH_ITEM_BODY, "HEADER", header);
	check(IMAP_FETCH_ITEM_BODY, "TEXT", text);
	check(IMAP_FETCH_ITEM_BODY, "1.1", "caf=C3=A9 =\r\nok");
	check(IMAP_FETCH_ITEM_BODY, "1.2", "<p>hi</p>");
	check(IMAP_FETCH_ITEM_BODY, "1.1.MIME", "Content-Type: text/plain; charset=utf-8\r\n"
	      "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	check(IMAP_FETCH_ITEM_BODY, "1.2.MIME", "Content-Type: text/html\r\n\r\n");
	check(IMAP_FETCH_ITEM_BODY, "2", "Subject: inner\r\nFrom: dave@example.com\r\n"
	      "X-Folded: one\r\n\ttwo\r\n\r\ninner body");
	check(IMAP_FETCH_ITEM_BODY, "2.HEADER", "Subject: inner\r\nFrom: dave@example.com\r\n"
	      "X-Folded: one\r\n\ttwo\r\n\r\n");
	check(IMAP_FETCH_ITEM_BODY, "2.TEXT", "inner body");
	check(IMAP_FETCH_ITEM_BODY, "2.1", "inner body");
	check(IMAP_FETCH_ITEM_BODY, "2.MIME", "Content-Type: message/rfc822\r\n\r\n");
	check(IMAP_FETCH_ITEM_BODY, "2.HEADER.FIELDS (X-FOLDED)", "X-Folded: one\r\n\ttwo\r\n\r\n");
	check(IMAP_FETCH_ITEM_BODY, "2.HEADER.FIELDS.NOT (x-folded from)",
	      "Subject: inner\r\n\r\n");
	/* HEADER and TEXT need a message/rfc822 part */
	check(IMAP_FETCH_ITEM_BODY, "1.HEADER", "ERR");
	check(IMAP_FETCH_ITEM_BODY, "1.1.TEXT", "ERR");
	check(IMAP_FETCH_ITEM_BODY, "3.HEADER.FIELDS (From)", "ERR");
	/* parts that do not exist are empty */
	check(IMAP_FETCH_ITEM_BODY, "7", "");
	check(IMAP_FETCH_ITEM_BODY, "1.3", "");
	check(IMAP_FETCH_ITEM_BODY, "1.1.1", "");
	check(IMAP_FETCH_ITEM_BODY, "2.2", "");
	check(IMAP_FETCH_ITEM_BODY, "9.9.9.HEADER", "");
	check(IMAP_FETCH_ITEM_BODY, "7.MIME", "");
	check(IMAP_FETCH_ITEM_BODY, "4294967295.TEXT", "");
	free(header);
}

static void test_header_fields(void)
{
	check(IMAP_FETCH_ITEM_BODY, "HEADER.FIELDS (From To)",
	      "From: alice@example.com\r\nTo: bob@example.com,\r\n  carol@example.com\r\n\r\n");
	check(IMAP_FETCH_ITEM_BODY, "header.fields (TO from)",
	      "From: alice@example.com\r\nTo: bob@example.com,\r\n  carol@example.com\r\n\r\n");
	check(IMAP_FETCH_ITEM_BODY, "HEADER.FIELDS (SUBJECT)", "subject: Test\r\n\r\n");
	check(IMAP_FETCH_ITEM_BODY, "HEADER.FIELDS (X-None)", "\r\n");
	check(IMAP_FETCH_ITEM_BODY, "HEADER.FIELDS (Subj)", "\r\n");
	check(IMAP_FETCH_ITEM_BODY, "HEADER.FIELDS.NOT (To Content-Type From)",
	      "subject: Test\r\n\r\n");
}

static void test_header_fields_odd(void)
{
	static const char bare[] = "Subject: a\nX-Long: b\n c\nSubject: again\n\nbody\n";
	static const char no_body[] = "Subject: x\r\nTo: y";
	static const char odd[] = "Subject : spaced\r\nnot a field\r\nSUBJECT:tight\r\n\r\n";
	char *got;

	got = section_of(bare, sizeof(bare) - 1, IMAP_FETCH_ITEM_BODY,
			 "HEADER.FIELDS (Subject X-Long)");
	test_assert_str(got, "Subject: a\r\nX-Long: b\r\n c\r\nSubject: again\r\n\r\n");
	free(got);
	got = section_of(no_body, sizeof(no_body) - 1, IMAP_FETCH_ITEM_BODY,
			 "HEADER.FIELDS (To)");
	test_assert_str(got, "To: y\r\n\r\n");
	free(got);
	got = section_of(odd, sizeof(odd) - 1, IMAP_FETCH_ITEM_BODY, "HEADER.FIELDS (subject)");
	test_assert_str(got, "Subject : spaced\r\nSUBJECT:tight\r\n\r\n");
	free(got);
	got = section_of(bare, sizeof(bare) - 1, IMAP_FETCH_ITEM_BODY, "1");
	test_assert_str(got, "body\n");
	free(got);
}

static void test_binary(void)
{
	static const char single[] = "Content-Transfer-Encoding: BASE64\r\n\r\naGk=\r\n";
	char *got;
	struct message_part *root;
	struct imap_fetch_section section;
	struct imap_fetch_section_result result;
	const char *error;

	check(IMAP_FETCH_ITEM_BINARY, "1.1", "caf\xC3\xA9 ok");
	check(IMAP_FETCH_ITEM_BINARY, "1.2", "<p>hi</p>");
	check(IMAP_FETCH_ITEM_BINARY, "4", "CTE");
	check(IMAP_FETCH_ITEM_BINARY_SIZE, "4", "CTE");
	check(IMAP_FETCH_ITEM_BINARY, "5", "\x9e\x8b\x5b\x6a\xc7\xba");   /* "notbase64", leniently */
	check(IMAP_FETCH_ITEM_BINARY, "8", "");
	check(IMAP_FETCH_ITEM_BINARY, "", message);
	check(IMAP_FETCH_ITEM_BINARY, "2", "Subject: inner\r\nFrom: dave@example.com\r\n"
	      "X-Folded: one\r\n\ttwo\r\n\r\ninner body");

	/* base64 with a NUL byte: use the size, not strlen() */
	root = message_part_parse((const unsigned char *)message, sizeof(message) - 1);
	test_assert_int(imap_fetch_section_parse("3", IMAP_FETCH_ITEM_BINARY_SIZE, &section,
						 &error), 0);
	test_assert_int(imap_fetch_section_get((const unsigned char *)message,
					       sizeof(message) - 1, root, &section, &result,
					       &error), 0);
	test_assert_int(result.size, 4);
	test_assert(result.data != NULL && memcmp(result.data, "\0\1\2\377", 4) == 0);
	imap_fetch_section_result_free(&result);
	imap_fetch_section_free(&section);
	message_part_free(&root);

	/* part 1 of a single-part message is its body, decoded */
	got = section_of(single, sizeof(single) - 1, IMAP_FETCH_ITEM_BINARY, "1");
	test_assert_str(got, "hi");
	free(got);
}

/* Every section of every prefix of the message stays within bounds. */
static void test_prefixes(void)
{
	static const char *const specs[] = {
		"", "HEADER", "TEXT", "1", "1.1", "1.1.MIME", "1.2", "2", "2.HEADER", "2.TEXT",
		"2.1", "2.HEADER.FIELDS (Subject X-Folded)", "HEADER.FIELDS.NOT (To)", "3",
		"4", "5", "2.MIME",
	};
	static const enum imap_fetch_section_item items[] = {
		IMAP_FETCH_ITEM_BODY, IMAP_FETCH_ITEM_BINARY,
	};

	for (size_t len = 0; len < sizeof(message); len++) {
		char *copy = malloc(len + 1);

		memcpy(copy, message, len);
		for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
			for (size_t j = 0; j < 2; j++)
				free(section_of(copy, len, items[j], specs[i]));
		}
		free(copy);
	}
}

int main(void)
{
	test_run("parse and echo", test_parse);
	test_run("parsed structure", test_parse_struct);
	test_run("BODY sections", test_body_sections);
	test_run("HEADER.FIELDS", test_header_fields);
	test_run("HEADER.FIELDS odd headers and bare LF", test_header_fields_odd);
	test_run("BINARY", test_binary);
	test_run("every prefix", test_prefixes);
	return test_end();
}
