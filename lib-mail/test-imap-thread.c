/*
 * test-imap-thread.c — RFC 5256 threading (imap-thread.c): the response
 * syntax example, each step of REFERENCES (links, duplicate and missing
 * Message-IDs, dummies, subject merging, sorting), loops, msg-id parsing,
 * ORDEREDSUBJECT, and 10,000-message chains.
 */
#include "imap-thread.h"

#include "test-common.h"

#include <stdlib.h>

#define M(id, mid, irt, refs, date, subj, reply) \
	{ id, mid, irt, refs, date, subj, reply }

static char *thread(enum imap_thread_algorithm alg, const struct imap_thread_message *msgs,
		    unsigned int count)
{
	struct strbuf out = STRBUF_INIT;

	imap_thread_build(alg, msgs, count, &out);
	return strbuf_steal(&out);
}

#define check_thread(alg, msgs, expect) do { \
	char *got_ = thread(alg, msgs, sizeof(msgs) / sizeof(msgs[0])); \
	test_assert_str(got_, expect); \
	free(got_); \
	} while (0)

static void test_rfc_example(void)
{
	/* RFC 5256 section 4: "(2)(3 6 (4 23)(44 7 96))" */
	static const struct imap_thread_message msgs[] = {
		M(2, "<2@x>", NULL, NULL, 100, "other", false),
		M(3, "<3@x>", NULL, NULL, 200, "topic", false),
		M(4, "<4@x>", NULL, "<3@x> <6@x>", 400, "topic", true),
		M(6, "<6@x>", "<3@x>", NULL, 300, "topic", true),
		M(7, "<7@x>", NULL, "<3@x> <6@x> <44@x>", 700, "topic", true),
		M(23, "<23@x>", NULL, "<3@x> <6@x> <4@x>", 500, "topic", true),
		M(44, "<44@x>", NULL, "<3@x> <6@x>", 600, "topic", true),
		M(96, "<96@x>", NULL, "<3@x> <6@x> <44@x> <7@x>", 800, "topic", true),
	};

	check_thread(IMAP_THREAD_REFERENCES, msgs, "(2)(3 6 (4 23)(44 7 96))");
}

static void test_dummies(void)
{
	/* two replies to a message not in the mailbox: a dummy root */
	static const struct imap_thread_message siblings[] = {
		M(3, "<a@x>", "<gone@x>", NULL, 10, "s1", true),
		M(5, "<b@x>", "<gone@x>", NULL, 20, "s2", true),
	};
	/* a missing message in the middle of a chain is pruned */
	static const struct imap_thread_message chain[] = {
		M(1, "<1@x>", NULL, NULL, 10, "s", false),
		M(2, "<3@x>", NULL, "<1@x> <2@x>", 30, "s", true),
		M(3, "<4@x>", NULL, "<1@x> <2@x>", 20, "s", true),
	};
	/* a missing root with a single child: the child becomes the root */
	static const struct imap_thread_message single[] = {
		M(1, "<1@x>", NULL, "<0@x>", 10, "a", true),
		M(2, "<2@x>", NULL, "<0@x> <1@x>", 20, "b", true),
	};

	check_thread(IMAP_THREAD_REFERENCES, siblings, "((3)(5))");
	check_thread(IMAP_THREAD_REFERENCES, chain, "(1 (3)(2))");
	check_thread(IMAP_THREAD_REFERENCES, single, "(1 2)");
}

static void test_subjects(void)
{
	/* no references: grouped by base subject (case-insensitive) */
	static const struct imap_thread_message reply[] = {
		M(1, "<1@x>", NULL, NULL, 10, "Hello", false),
		M(2, "<2@x>", NULL, NULL, 20, "hello", true),
		M(3, "<3@x>", NULL, NULL, 30, "other", false),
	};
	static const struct imap_thread_message reply_first[] = {
		M(1, "<1@x>", NULL, NULL, 10, "Hello", true),
		M(2, "<2@x>", NULL, NULL, 20, "Hello", false),
	};
	/* neither (or both) replies: a new dummy holds both */
	static const struct imap_thread_message peers[] = {
		M(1, "<1@x>", NULL, NULL, 10, "Hello", false),
		M(2, "<2@x>", NULL, NULL, 20, "Hello", false),
		M(3, "<3@x>", NULL, NULL, 5, "Hello", true),
	};
	/* a dummy root absorbs a same-subject root */
	static const struct imap_thread_message dummy[] = {
		M(1, "<1@x>", "<gone@x>", NULL, 10, "Topic", true),
		M(2, "<2@x>", "<gone@x>", NULL, 20, "Topic", true),
		M(3, "<3@x>", NULL, NULL, 15, "topic", true),
	};
	/* empty subjects are never merged */
	static const struct imap_thread_message empty[] = {
		M(1, "<1@x>", NULL, NULL, 10, "", false),
		M(2, "<2@x>", NULL, NULL, 20, NULL, false),
	};

	check_thread(IMAP_THREAD_REFERENCES, reply, "(1 2)(3)");
	check_thread(IMAP_THREAD_REFERENCES, reply_first, "(2 1)");
	check_thread(IMAP_THREAD_REFERENCES, peers, "((1 3)(2))");
	check_thread(IMAP_THREAD_REFERENCES, dummy, "((1)(3)(2))");
	check_thread(IMAP_THREAD_REFERENCES, empty, "(1)(2)");
}

static void test_sorting(void)
{
	/* equal dates fall back to the id; threads ordered by their root */
	static const struct imap_thread_message msgs[] = {
		M(1, "<1@x>", NULL, NULL, 50, "a", false),
		M(2, "<2@x>", "<1@x>", NULL, 60, "a", true),
		M(3, "<3@x>", "<1@x>", NULL, 60, "a", true),
		M(4, "<4@x>", "<1@x>", NULL, 55, "a", true),
		M(5, "<5@x>", NULL, NULL, 10, "b", false),
		M(6, "<6@x>", NULL, NULL, 50, "c", false),
	};

	check_thread(IMAP_THREAD_REFERENCES, msgs, "(5)(1 (4)(2)(3))(6)");
}

static void test_message_ids(void)
{
	/* duplicate Message-ID: the later message is treated as having none */
	static const struct imap_thread_message dup[] = {
		M(1, "<same@x>", NULL, NULL, 10, "a", false),
		M(2, "<same@x>", NULL, NULL, 20, "b", false),
		M(3, "<3@x>", "<same@x>", NULL, 30, "c", true),
	};
	/* missing and invalid ids */
	static const struct imap_thread_message missing[] = {
		M(1, NULL, NULL, NULL, 10, "a", false),
		M(2, "", NULL, NULL, 20, "b", false),
		M(3, "no-brackets@x", NULL, NULL, 30, "c", false),
		M(4, "<no-at-sign>", "<>", "<@x> <x@>", 40, "d", false),
		M(5, "<unterminated@x", NULL, NULL, 50, "e", false),
	};
	/* comments, quotes, whitespace and junk around and inside ids */
	static const struct imap_thread_message syntax[] = {
		M(1, " (comment <c@x>) <a@x> <ignored@x>", NULL, NULL, 10, "a", false),
		M(2, "<b@x>", "Your message of Monday <tag <a @ x>", NULL, 20, "b", true),
		M(3, "<c@x>", NULL, "\"<b@x>\" <(c)b@\r\n x>", 30, "c", true),
		M(4, "<\"q> r\"@x>", NULL, "<c@x>", 40, "d", true),
		M(5, "<5@x>", NULL, "<\"q> r\"@x>", 50, "e", true),
		M(6, "<6@x>", NULL, "<A@x>", 60, "f", true),   /* case-sensitive */
	};
	/* References wins over In-Reply-To; only In-Reply-To's first id */
	static const struct imap_thread_message irt[] = {
		M(1, "<1@x>", NULL, NULL, 10, "a", false),
		M(2, "<2@x>", NULL, NULL, 20, "b", false),
		M(3, "<3@x>", "<2@x>", "<1@x>", 30, "c", true),
		M(4, "<4@x>", "<2@x> <1@x>", NULL, 40, "d", true),
		M(5, "<5@x>", "<2@x>", "junk", 50, "e", true),
	};

	check_thread(IMAP_THREAD_REFERENCES, dup, "(1 3)(2)");
	check_thread(IMAP_THREAD_REFERENCES, missing, "(1)(2)(3)(4)(5)");
	check_thread(IMAP_THREAD_REFERENCES, syntax, "(1 2 3 4 5)(6)");
	check_thread(IMAP_THREAD_REFERENCES, irt, "(1 3)(2 (4)(5))");
}

static void test_loops(void)
{
	static const struct imap_thread_message self[] = {
		M(1, "<1@x>", "<1@x>", NULL, 10, "a", false),
		M(2, "<2@x>", NULL, "<2@x> <2@x>", 20, "b", false),
		M(3, "<3@x>", NULL, "<1@x> <3@x> <1@x>", 30, "c", true),
	};
	/* each claims to answer the other */
	static const struct imap_thread_message pair[] = {
		M(1, "<1@x>", "<2@x>", NULL, 10, "a", false),
		M(2, "<2@x>", "<1@x>", NULL, 20, "b", false),
	};
	/* references that contradict each other */
	static const struct imap_thread_message cycle[] = {
		M(1, "<1@x>", NULL, "<a@x> <b@x> <c@x>", 10, "a", false),
		M(2, "<2@x>", NULL, "<c@x> <b@x> <a@x>", 20, "b", false),
		M(3, "<3@x>", NULL, "<b@x> <a@x> <c@x> <b@x>", 30, "c", false),
	};
	/* a truncated References: step 1.B moves the message */
	static const struct imap_thread_message moved[] = {
		M(1, "<1@x>", NULL, "<r@x> <0@x> <2@x>", 10, "a", false),
		M(2, "<2@x>", NULL, "<r@x>", 20, "a", false),
	};

	check_thread(IMAP_THREAD_REFERENCES, self, "(1 3)(2)");
	check_thread(IMAP_THREAD_REFERENCES, pair, "(2 1)");   /* first link wins */
	check_thread(IMAP_THREAD_REFERENCES, cycle, "((1)(2)(3))");
	check_thread(IMAP_THREAD_REFERENCES, moved, "(2 1)");
}

static void test_orderedsubject(void)
{
	static const struct imap_thread_message msgs[] = {
		M(1, NULL, NULL, NULL, 40, "b", false),
		M(2, NULL, NULL, NULL, 10, "A", false),
		M(3, NULL, NULL, NULL, 30, "a", true),
		M(4, NULL, NULL, NULL, 20, "a", false),
		M(5, NULL, NULL, NULL, 20, "a", false),
		M(6, NULL, NULL, NULL, 5, "c", false),
		M(7, NULL, NULL, NULL, 50, "B", false),
		M(8, NULL, NULL, NULL, 60, "", false),
		M(9, NULL, NULL, NULL, 1, NULL, false),
	};
	char *got;

	check_thread(IMAP_THREAD_ORDEREDSUBJECT, msgs, "(9 8)(6)(2 (4)(5)(3))(1 7)");
	got = thread(IMAP_THREAD_ORDEREDSUBJECT, msgs + 5, 1);
	test_assert_str(got, "(6)");
	free(got);
}

static void test_empty(void)
{
	char *got = thread(IMAP_THREAD_REFERENCES, NULL, 0);

	test_assert_str(got, "");
	free(got);
}

static void test_algorithm_names(void)
{
	enum imap_thread_algorithm alg;
	const char *error = NULL;

	test_assert_int(imap_thread_algorithm_parse("references", &alg, &error), 0);
	test_assert_int(alg, IMAP_THREAD_REFERENCES);
	test_assert_int(imap_thread_algorithm_parse("OrderedSubject", &alg, &error), 0);
	test_assert_int(alg, IMAP_THREAD_ORDEREDSUBJECT);
	test_assert_int(imap_thread_algorithm_parse("REFS", &alg, &error), -1);
	test_assert_str(error, "Unsupported threading algorithm");
	test_assert_str(imap_thread_algorithm_name(IMAP_THREAD_REFERENCES), "REFERENCES");
}

/* n messages in one chain; ids and their strings in *strings_r */
static struct imap_thread_message *make_chain(unsigned int n, bool reverse, bool refs,
					      char **strings_r)
{
	struct imap_thread_message *msgs = calloc(n, sizeof(*msgs));
	char *s = malloc((size_t)n * 64), *p = s;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int k = reverse ? n - i : i + 1;   /* position in the chain */

		msgs[i].id = i + 1;
		msgs[i].date = 1000 + k;
		msgs[i].base_subject = "chain";
		msgs[i].is_reply_or_fwd = k > 1;
		msgs[i].message_id = p;
		p += sprintf(p, "<%u@chain>", k) + 1;
		if (k > 1) {
			*(refs ? &msgs[i].references : &msgs[i].in_reply_to) = p;
			if (refs && k > 2)
				p += sprintf(p, "<%u@chain> <%u@chain>", k - 2, k - 1) + 1;
			else
				p += sprintf(p, "<%u@chain>", k - 1) + 1;
		}
	}
	*strings_r = s;
	return msgs;
}

static void test_long_chain(void)
{
	for (int variant = 0; variant < 4; variant++) {
		bool reverse = variant & 1, refs = variant & 2;
		unsigned int n = 10000;
		struct strbuf expect = STRBUF_INIT;
		char *strings, *got;
		const char *prefix;
		struct imap_thread_message *msgs = make_chain(n, reverse, refs, &strings);

		for (unsigned int k = 1; k <= n; k++)
			strbuf_printf(&expect, k == 1 ? "(%u" : " %u", reverse ? n - k + 1 : k);
		strbuf_append_c(&expect, ')');
		got = thread(IMAP_THREAD_REFERENCES, msgs, n);
		test_assert(strcmp(got, strbuf_cstr(&expect)) == 0);
		free(got);
		/* all in one subject: ORDEREDSUBJECT makes one flat group */
		got = thread(IMAP_THREAD_ORDEREDSUBJECT, msgs, n);
		prefix = reverse ? "(10000 (9999)(9998)(" : "(1 (2)(3)(";
		test_assert(strncmp(got, prefix, strlen(prefix)) == 0);
		free(got);
		strbuf_free(&expect);
		free(strings);
		free(msgs);
	}
}

static void test_wide(void)
{
	/* 10,000 replies to one message, and a reference list past the cap */
	unsigned int n = 10000;
	struct imap_thread_message *msgs = calloc(n, sizeof(*msgs));
	struct strbuf refs = STRBUF_INIT;
	char *got, ids[10000][24];

	for (unsigned int i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "<%u@wide>", i);
		msgs[i].id = i + 1;
		msgs[i].date = (time_t)(n - i);
		msgs[i].message_id = ids[i];
		msgs[i].in_reply_to = i == 0 ? NULL : "<0@wide>";
	}
	for (unsigned int i = 0; i < 1000; i++)
		strbuf_printf(&refs, "<r%u@wide> ", i);
	msgs[1].references = strbuf_cstr(&refs);
	got = thread(IMAP_THREAD_REFERENCES, msgs, n);
	test_assert(strncmp(got, "(2)(1 (10000)(9999)(", 20) == 0);
	test_assert(strcmp(got + strlen(got) - 7, "(4)(3))") == 0);
	free(got);
	strbuf_free(&refs);
	free(msgs);
}

int main(void)
{
	test_run("rfc_example", test_rfc_example);
	test_run("dummies", test_dummies);
	test_run("subjects", test_subjects);
	test_run("sorting", test_sorting);
	test_run("message_ids", test_message_ids);
	test_run("loops", test_loops);
	test_run("orderedsubject", test_orderedsubject);
	test_run("empty", test_empty);
	test_run("algorithm_names", test_algorithm_names);
	test_run("long_chain", test_long_chain);
	test_run("wide", test_wide);
	return test_end();
}
