/*
 * fuzz-pop3-thread.c — libFuzzer target for POP3 command lines
 * (pop3-parser.c) and IMAP THREAD (imap-thread.c).
 *
 * The first byte picks the target. POP3: the rest is one command line;
 * beyond the sanitizers, argv must lie inside the line and a failure must
 * come with an error text. THREAD: the rest is one message per line,
 * "message-id|in-reply-to|references|subject|date", the subject's first
 * character '!' marking a reply; both algorithms must print every message
 * exactly once, with balanced parentheses and no empty thread-list.
 */
#include "imap-thread.h"
#include "pop3-parser.h"

#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_MESSAGES 2000

static void fuzz_pop3(const unsigned char *data, size_t size, unsigned char mode)
{
	char *line = malloc(size + 1);
	struct pop3_command cmd;
	const char *error = NULL;

	memcpy(line, data, size);
	if (pop3_command_parse(line, size, (mode & 0x0f) * 64, &cmd, &error) < 0) {
		if (error == NULL)
			abort();
	} else {
		if (cmd.argc > POP3_MAX_ARGS || pop3_verb_name(cmd.verb) == NULL)
			abort();
		for (unsigned int i = 0; i < cmd.argc; i++) {
			if (cmd.argv[i] < line || cmd.argv[i] + strlen(cmd.argv[i]) > line + size)
				abort();
		}
	}
	free(line);
}

/* Every id 1..count exactly once, parentheses balanced, no "()". */
static void check_thread_output(const char *out, unsigned int count)
{
	unsigned char *seen = calloc(count + 1, 1);
	unsigned int depth = 0, found = 0;
	const char *p = out;

	while (*p != '\0') {
		if (*p == '(') {
			depth++;
			if (p[1] == ')')
				abort();
			p++;
		} else if (*p == ')') {
			if (depth-- == 0)
				abort();
			p++;
		} else if (*p == ' ') {
			p++;
		} else {
			char *end;
			unsigned long id = strtoul(p, &end, 10);

			if (end == p || id == 0 || id > count || seen[id] || depth == 0)
				abort();
			seen[id] = 1;
			found++;
			p = end;
		}
	}
	if (depth != 0 || found != count)
		abort();
	free(seen);
}

/* Split text in place into messages (fields separated by '|'). */
static unsigned int fuzz_messages(char *text, struct imap_thread_message *msgs)
{
	unsigned int count = 0;
	char *line = text, *next;

	for (; line != NULL && count < FUZZ_MAX_MESSAGES; line = next) {
		struct imap_thread_message *msg = &msgs[count];
		const char **fields[4] = {
			&msg->message_id, &msg->in_reply_to, &msg->references, &msg->base_subject
		};
		char *p = line;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		memset(msg, 0, sizeof(*msg));
		msg->id = ++count;
		for (unsigned int f = 0; f < 4 && p != NULL; f++) {
			*fields[f] = p;
			if ((p = strchr(p, '|')) != NULL)
				*p++ = '\0';
		}
		msg->date = p == NULL ? 0 : atoi(p) % 8;
		msg->is_reply_or_fwd = msg->base_subject != NULL && msg->base_subject[0] == '!';
		if (msg->is_reply_or_fwd)
			msg->base_subject++;
	}
	return count;
}

static void fuzz_thread(const unsigned char *data, size_t size)
{
	struct imap_thread_message *msgs = malloc(FUZZ_MAX_MESSAGES * sizeof(*msgs));
	char *text = malloc(size + 1);
	unsigned int count;

	memcpy(text, data, size);
	text[size] = '\0';
	count = fuzz_messages(text, msgs);
	for (int alg = 0; alg < 2; alg++) {
		struct strbuf out = STRBUF_INIT;

		imap_thread_build(alg == 0 ? IMAP_THREAD_REFERENCES : IMAP_THREAD_ORDEREDSUBJECT,
				  msgs, count, &out);
		check_thread_output(strbuf_cstr(&out), count);
		strbuf_free(&out);
	}
	free(text);
	free(msgs);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size == 0)
		return 0;
	if ((data[0] & 0x80) != 0)
		fuzz_pop3(data + 1, size - 1, data[0]);
	else
		fuzz_thread(data + 1, size - 1);
	return 0;
}
