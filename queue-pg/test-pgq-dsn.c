/*
 * test-pgq-dsn.c — unit tests for the DSN builder: the structure as
 * lib-mail's MIME parser sees it, the per-recipient fields, status codes
 * from remote replies, and hostile input (header injection through reply
 * texts, huge or malformed original headers, boundary collisions).
 */
#include "pgq-dsn.h"

#include "message-parser.h"
#include "message-part.h"
#include "test-common.h"

#include <stdlib.h>

static const char original[] =
	"Received: from client.test\r\n"
	"From: Alice <alice@example.test>\r\n"
	"To: bob@remote.test\r\n"
	"Subject: Lunch on Friday\r\n"
	"\r\n";

static struct pgq_dsn test_dsn(const struct pgq_dsn_recipient *rcpts, unsigned int count)
{
	return (struct pgq_dsn) {
		.hostname = "mx.example.test", .queue_id = "QUEUEID0000000001",
		.dsn_id = "DSNID00000000001", .sender = "alice@example.test",
		.arrival = 1700000000, .retry_until = 1700432000, .now = 1700003600,
		.headers = (const unsigned char *)original, .headers_size = sizeof(original) - 1,
		.rcpts = rcpts, .rcpt_count = count,
	};
}

/* The text of part n (1-based) of the top-level multipart, NUL-terminated. */
static char *test_part_text(const char *msg, size_t size, unsigned int n, char **type_r)
{
	struct message_part *root = message_part_parse((const unsigned char *)msg, size);
	const struct message_part *part = root->children;
	char *text = NULL;

	for (unsigned int i = 1; part != NULL && i < n; i++)
		part = part->next;
	if (part != NULL) {
		text = strndup(msg + part->body_offset, part->body_end - part->body_offset);
		*type_r = malloc(strlen(part->type) + strlen(part->subtype) + 2);
		sprintf(*type_r, "%s/%s", part->type, part->subtype);
	}
	message_part_free(&root);
	return text;
}

/* Every line ends with CRLF and is at most 998 octets. */
static void test_assert_lines(const char *msg, size_t size)
{
	size_t line = 0;

	for (size_t i = 0; i < size; i++) {
		if (msg[i] == '\n') {
			test_assert(i > 0 && msg[i - 1] == '\r');
			line = 0;
		} else {
			test_assert(msg[i] != '\0');
			line++;
			test_assert(line <= 999);
		}
	}
	test_assert(size >= 2 && msg[size - 1] == '\n');
}

/* The header block of msg has line (e.g. "Subject: x\r\n") at a line start. */
static bool test_has_line(const char *text, const char *line)
{
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++) {
		if (p == text || p[-1] == '\n')
			return true;
	}
	return false;
}

static void test_failure_structure(void)
{
	const struct pgq_dsn_recipient rcpts[] = {
		{ "bob@remote.test", PGQ_DSN_FAILED, false, 550,
		  "5.1.1 <bob@remote.test>: Recipient address rejected", 1, 1700000100 },
		{ "carol@remote.test", PGQ_DSN_FAILED, false, 554,
		  "554 5.7.1 Relay access denied", 1, 1700000100 },
	};
	struct pgq_dsn dsn = test_dsn(rcpts, 2);
	size_t size;
	char *msg = pgq_dsn_build(&dsn, &size), *type = NULL, *part;
	struct message_meta meta;
	struct message_part *root = message_part_parse((const unsigned char *)msg, size);

	test_assert_int(strlen(msg), size);
	test_assert_lines(msg, size);
	test_assert_str(root->type, "multipart");
	test_assert_str(root->subtype, "report");
	test_assert_int(root->child_count, 3);
	message_part_free(&root);
	message_parse((const unsigned char *)msg, size, &meta);
	test_assert_str(meta.subject, "Undelivered Mail Returned to Sender");
	test_assert(strstr(meta.from, "MAILER-DAEMON@mx.example.test") != NULL);
	test_assert_str(meta.to, "<alice@example.test>");
	test_assert_str(meta.message_id, "<DSNID00000000001.dsn.QUEUEID0000000001@mx.example.test>");
	test_assert(meta.sent_date_valid && meta.sent_date == 1700003600);
	message_meta_free(&meta);
	test_assert(test_has_line(msg, "Auto-Submitted: auto-replied\r\n"));
	test_assert(strstr(msg, "report-type=delivery-status;") != NULL);

	part = test_part_text(msg, size, 1, &type);
	test_assert_str(type, "text/plain");
	test_assert(part != NULL && strstr(part, "<carol@remote.test>: delivery failed") != NULL);
	test_assert(part != NULL && strstr(part, "554 5.7.1 Relay access denied") != NULL);
	free(part);
	free(type);
	part = test_part_text(msg, size, 2, &type);
	test_assert_str(type, "message/delivery-status");
	test_assert(part != NULL && test_has_line(part, "Reporting-MTA: dns; mx.example.test\r\n"));
	test_assert(part != NULL &&
		    test_has_line(part, "Arrival-Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
	test_assert(part != NULL && strstr(part, "\r\n\r\nFinal-Recipient: rfc822; bob@remote.test\r\n"
				   "Action: failed\r\nStatus: 5.1.1\r\n"
				   "Diagnostic-Code: smtp; 550 5.1.1 <bob@remote.test>: Recipient address\r\n"
				   "\trejected\r\n"
				   "Last-Attempt-Date: Tue, 14 Nov 2023 22:15:00 +0000\r\n") != NULL);
	test_assert(part != NULL && strstr(part, "Status: 5.7.1\r\n"
				   "Diagnostic-Code: smtp; 554 5.7.1 Relay access denied\r\n") != NULL);
	test_assert(part != NULL && strstr(part, "Will-Retry-Until") == NULL);
	free(part);
	free(type);
	part = test_part_text(msg, size, 3, &type);
	test_assert_str(type, "text/rfc822-headers");
	/* the original block without its closing empty line */
	test_assert(part != NULL && strncmp(part, original, sizeof(original) - 3) == 0 &&
		    strlen(part) == sizeof(original) - 3);
	free(part);
	free(type);
	free(msg);
}

static void test_delay_and_expiry(void)
{
	const struct pgq_dsn_recipient delayed[] = {
		{ "bob@remote.test", PGQ_DSN_DELAYED, false, 451, "4.7.1 Try again later", 2,
		  1700001000 },
		{ "dave@remote.test", PGQ_DSN_DELAYED, false, 0, "", 0, 0 },
	};
	const struct pgq_dsn_recipient expired[] = {
		{ "bob@remote.test", PGQ_DSN_FAILED, true, 421, "421 Too busy", 9, 1700400000 },
	};
	struct pgq_dsn dsn = test_dsn(delayed, 2);
	size_t size;
	char *msg = pgq_dsn_build(&dsn, &size), *type = NULL, *part;
	struct message_meta meta;

	message_parse((const unsigned char *)msg, size, &meta);
	test_assert_str(meta.subject, "Delayed Mail (still being retried)");
	message_meta_free(&meta);
	part = test_part_text(msg, size, 2, &type);
	test_assert(part != NULL && strstr(part, "Action: delayed\r\nStatus: 4.7.1\r\n"
				   "Diagnostic-Code: smtp; 451 4.7.1 Try again later\r\n") != NULL);
	test_assert(part != NULL && strstr(part, "Final-Recipient: rfc822; dave@remote.test\r\n"
				   "Action: delayed\r\nStatus: 4.0.0\r\n"
				   "Will-Retry-Until: Sun, 19 Nov 2023 22:13:20 +0000\r\n") != NULL);
	free(part);
	free(type);
	free(msg);

	dsn = test_dsn(expired, 1);
	msg = pgq_dsn_build(&dsn, &size);
	message_parse((const unsigned char *)msg, size, &meta);
	test_assert_str(meta.subject, "Undelivered Mail Returned to Sender");
	message_meta_free(&meta);
	test_assert(strstr(msg, "Action: failed\r\nStatus: 4.4.7\r\n"
			   "Diagnostic-Code: smtp; 421 Too busy\r\n") != NULL);
	test_assert(strstr(msg, "gave up after 9 attempts") != NULL);
	free(msg);
}

static void test_status(void)
{
	static const struct {
		enum pgq_dsn_action action;
		bool expired;
		int code;
		const char *reply, *want;
	} cases[] = {
		{ PGQ_DSN_FAILED, false, 550, "5.1.1 unknown", "5.1.1" },
		{ PGQ_DSN_FAILED, false, 550, "550 5.1.1 unknown", "5.1.1" },
		{ PGQ_DSN_FAILED, false, 550, "550-5.2.2 full", "5.2.2" },
		{ PGQ_DSN_FAILED, false, 552, "5.3.4", "5.3.4" },
		{ PGQ_DSN_FAILED, false, 550, "5.123.456 x", "5.123.456" },
		{ PGQ_DSN_FAILED, false, 550, "5.1234.1 x", "5.0.0" },
		{ PGQ_DSN_FAILED, false, 550, "4.1.1 class disagrees", "5.0.0" },
		{ PGQ_DSN_FAILED, false, 550, "5.1.1x", "5.0.0" },
		{ PGQ_DSN_FAILED, false, 550, "5.1. x", "5.0.0" },
		{ PGQ_DSN_FAILED, false, 550, "no such user", "5.0.0" },
		{ PGQ_DSN_FAILED, false, 550, NULL, "5.0.0" },
		{ PGQ_DSN_FAILED, false, 450, "4.2.1 treated as final", "4.2.1" },
		{ PGQ_DSN_FAILED, true, 550, "5.1.1 whatever", "4.4.7" },
		{ PGQ_DSN_FAILED, true, 0, "connection refused", "4.4.7" },
		{ PGQ_DSN_DELAYED, false, 421, "421 4.4.2 timeout", "4.4.2" },
		{ PGQ_DSN_DELAYED, false, 452, "5.2.2 wrong class", "4.0.0" },
		{ PGQ_DSN_DELAYED, false, 0, "", "4.0.0" },
	};
	char buf[16];

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pgq_dsn_recipient r = {
			.address = "x@y.test", .action = cases[i].action,
			.expired = cases[i].expired, .code = cases[i].code, .reply = cases[i].reply,
		};

		test_assert_str(pgq_dsn_status(&r, buf), cases[i].want);
	}
}

/* A reply with line breaks cannot add header fields; a huge one is cut. */
static void test_hostile_reply(void)
{
	char *huge = malloc(5001);
	struct pgq_dsn_recipient rcpts[] = {
		{ "bob@remote.test", PGQ_DSN_FAILED, false, 550,
		  "5.1.1 no\r\nSubject: injected\r\n\r\n--=_petrel_DSNID00000000001\r\nX: y", 1, 1 },
		{ "carol@remote.test\r\nBcc: evil@x.test", PGQ_DSN_FAILED, false, 550, huge, 1, 1 },
	};
	struct pgq_dsn dsn = test_dsn(rcpts, 2);
	struct message_part *root;
	size_t size;
	char *msg;

	memset(huge, 'A', 5000);
	huge[5000] = '\0';
	msg = pgq_dsn_build(&dsn, &size);
	test_assert_lines(msg, size);
	test_assert(!test_has_line(msg, "Subject: injected"));
	test_assert(!test_has_line(msg, "Bcc:"));
	test_assert(strstr(msg, "Diagnostic-Code: smtp; 550 5.1.1 no Subject: injected\r\n"
			   "\t--=_petrel_DSNID00000000001 X: y\r\n")
		    != NULL);
	test_assert(strstr(msg, "boundary=\"=_petrel_DSNID00000000001_\"") != NULL);
	root = message_part_parse((const unsigned char *)msg, size);
	test_assert_int(root->child_count, 3);
	message_part_free(&root);
	free(msg);
	free(huge);
}

/* Huge, LF-only, NUL-carrying or boundary-carrying original headers. */
static void test_hostile_headers(void)
{
	const struct pgq_dsn_recipient rcpt = {
		"bob@remote.test", PGQ_DSN_FAILED, false, 550, "5.1.1 no", 1, 1,
	};
	struct pgq_dsn dsn = test_dsn(&rcpt, 1);
	size_t big = 200000, size;
	unsigned char *headers = malloc(big);
	char *msg, *part, *type = NULL;
	struct message_part *root;

	for (size_t i = 0; i < big; i += 20)
		memcpy(headers + i, "X-Pad: 0123456789ab\n", 20 > big - i ? big - i : 20);
	memcpy(headers + 40, "Subject: a\0b\r\n--=_petrel_DSNID00000000001--\n", 44);
	dsn.headers = headers;
	dsn.headers_size = big;
	msg = pgq_dsn_build(&dsn, &size);
	test_assert_lines(msg, size);
	root = message_part_parse((const unsigned char *)msg, size);
	test_assert_int(root->child_count, 3);
	message_part_free(&root);
	part = test_part_text(msg, size, 3, &type);
	test_assert(part != NULL && strlen(part) <= PGQ_DSN_MAX_HEADERS + PGQ_DSN_MAX_HEADERS / 19);
	test_assert(part != NULL && strlen(part) > PGQ_DSN_MAX_HEADERS - 100);
	test_assert(part != NULL && strstr(part, "Subject: ab\r\n") != NULL);
	test_assert(part != NULL && strstr(part, "\r\nX-Pad: 0123456789ab\r\n") != NULL);
	free(part);
	free(type);
	free(msg);

	dsn.headers = NULL;
	dsn.headers_size = 0;
	msg = pgq_dsn_build(&dsn, &size);
	root = message_part_parse((const unsigned char *)msg, size);
	test_assert_int(root->child_count, 3);
	message_part_free(&root);
	free(msg);
	free(headers);
}

/* A UTF-8 address makes an RFC 6533 report. */
static void test_global(void)
{
	const struct pgq_dsn_recipient rcpt = {
		"j\xc3\xb6rg@b\xc3\xbc" "ro.test", PGQ_DSN_FAILED, false, 550, "5.1.1 no", 1, 1,
	};
	struct pgq_dsn dsn = test_dsn(&rcpt, 1);
	size_t size;
	char *msg = pgq_dsn_build(&dsn, &size), *part, *type = NULL;

	test_assert(strstr(msg, "report-type=global-delivery-status;") != NULL);
	part = test_part_text(msg, size, 2, &type);
	test_assert_str(type, "message/global-delivery-status");
	test_assert(part != NULL && strstr(part, "Final-Recipient: utf-8; j\xc3\xb6rg@") != NULL);
	free(part);
	free(type);
	part = test_part_text(msg, size, 3, &type);
	test_assert_str(type, "message/global-headers");
	free(part);
	free(type);
	free(msg);
}

int main(void)
{
	test_run("failure_structure", test_failure_structure);
	test_run("delay_and_expiry", test_delay_and_expiry);
	test_run("status", test_status);
	test_run("hostile_reply", test_hostile_reply);
	test_run("hostile_headers", test_hostile_headers);
	test_run("global", test_global);
	return test_end();
}
