/* Unit tests for message-edit.c: header changes, inserts, Subject tags and
   body replacement, with folded fields and a prefix left untouched. */
#include "test-common.h"
#include "message-edit.h"

#include <stdlib.h>
#include <string.h>

#define PREFIX "Received: from x\r\n\tby y; now\r\n"

static struct buffer msg_new(const char *text)
{
	struct buffer b = { 0 };

	buffer_append_str(&b, PREFIX);
	buffer_append_str(&b, text);
	return b;
}

/* The message after the prefix, NUL-terminated (the prefix must be intact). */
static const char *msg_text(struct buffer *b)
{
	buffer_append(b, "", 1);
	b->end--;
	test_assert(memcmp(buffer_data(b), PREFIX, strlen(PREFIX)) == 0);
	return (const char *)buffer_data(b) + strlen(PREFIX);
}

static void msg_free(struct buffer *b)
{
	buffer_clear(b);
	free(b->data);
}

static const char *const sample =
	"From: a@example.test\r\n"
	"X-Tag: one\r\n"
	"Subject: hello\r\n"
	"  world\r\n"
	"x-tag: two\r\n"
	"\r\n"
	"body\r\n";

static void test_message_edit_find(void)
{
	struct buffer b = msg_new(sample);
	struct message_field f;
	size_t start = strlen(PREFIX);

	test_assert(message_edit_find(&b, start, "x-TAG", 2, &f));
	test_assert(memcmp(buffer_data(&b) + f.start, "x-tag: two\r\n", f.end - f.start) == 0);
	test_assert(message_edit_find(&b, start, "subject", 1, &f));
	test_assert_int((int)(f.end - f.start), (int)strlen("Subject: hello\r\n  world\r\n"));
	test_assert(!message_edit_find(&b, start, "X-Tag", 3, &f));
	test_assert(!message_edit_find(&b, start, "X-Tag", 0, &f));
	/* "Received" is before start: not part of the header here */
	test_assert(!message_edit_find(&b, start, "Received", 1, &f));
	msg_free(&b);
}

/* Walking every field: four of them, the folded Subject as one. */
static void test_message_edit_next_field(void)
{
	struct buffer b = msg_new(sample);
	struct message_field f;
	size_t pos = strlen(PREFIX);
	unsigned int count = 0;

	for (; message_edit_next_field(&b, pos, &f); pos = f.end) {
		if (count++ == 2)
			test_assert_int((int)(f.end - f.start),
					(int)strlen("Subject: hello\r\n  world\r\n"));
		test_assert(buffer_data(&b)[f.value - 1] == ':');
	}
	test_assert_int(count, 4);
	test_assert(memcmp(buffer_data(&b) + pos, "\r\nbody", 6) == 0);
	msg_free(&b);
}

static void test_message_edit_change(void)
{
	struct buffer b = msg_new(sample);
	size_t start = strlen(PREFIX);

	message_edit_change(&b, start, "Subject", 1, "changed");
	message_edit_change(&b, start, "X-Tag", 1, NULL);
	message_edit_change(&b, start, "X-New", 1, "added");
	message_edit_change(&b, start, "X-Absent", 1, NULL);
	test_assert_str(msg_text(&b), "From: a@example.test\r\nSubject: changed\r\n"
			"x-tag: two\r\nX-New: added\r\n\r\nbody\r\n");
	msg_free(&b);
}

static void test_message_edit_insert(void)
{
	struct buffer b = msg_new("A: 1\r\nB: 2\r\n\r\nbody\r\n");
	size_t start = strlen(PREFIX);

	message_edit_insert(&b, start, 0, "First", "x");
	message_edit_insert(&b, start, 2, "Middle", "y");
	message_edit_insert(&b, start, 99, "Last", "z");
	test_assert_str(msg_text(&b), "First: x\r\nA: 1\r\nMiddle: y\r\nB: 2\r\nLast: z\r\n"
			"\r\nbody\r\n");
	msg_free(&b);
}

static void test_message_edit_subject(void)
{
	struct buffer b = msg_new(sample);
	struct buffer none = msg_new("From: a@example.test\r\n\r\nbody\r\n");
	size_t start = strlen(PREFIX);

	message_edit_prefix_subject(&b, start, "[SPAM]");
	test_assert(strstr(msg_text(&b), "Subject: [SPAM] hello\r\n  world\r\n") != NULL);
	message_edit_prefix_subject(&none, start, "[SPAM]");
	test_assert_str(msg_text(&none), "From: a@example.test\r\nSubject: [SPAM]\r\n\r\nbody\r\n");
	msg_free(&b);
	msg_free(&none);
}

static void test_message_edit_body(void)
{
	struct buffer b = msg_new(sample);
	struct buffer headless = msg_new("A: 1\r\n");
	size_t start = strlen(PREFIX);

	message_edit_replace_body(&b, start, "new\r\nbody\r\n", 11);
	test_assert(strstr(msg_text(&b), "x-tag: two\r\n\r\nnew\r\nbody\r\n") != NULL);
	message_edit_replace_body(&headless, start, "b\r\n", 3);
	test_assert_str(msg_text(&headless), "A: 1\r\n\r\nb\r\n");
	msg_free(&b);
	msg_free(&headless);
}

int main(void)
{
	test_run("message_edit_find", test_message_edit_find);
	test_run("message_edit_next_field", test_message_edit_next_field);
	test_run("message_edit_change", test_message_edit_change);
	test_run("message_edit_insert", test_message_edit_insert);
	test_run("message_edit_subject", test_message_edit_subject);
	test_run("message_edit_body", test_message_edit_body);
	return test_end();
}
