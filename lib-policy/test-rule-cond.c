/* Unit tests for rule-cond.c: operators, numbers, regex errors, and the
   PCRE2 limit that stops a catastrophic pattern. */
#include "test-common.h"
#include "rule-cond.h"

#include <time.h>

static bool test_cond(const char *op, const char *value, const char *text)
{
	struct rule_cond cond;
	struct rule_matcher m;
	char error[256];
	bool result;

	test_assert_int(rule_cond_init(&cond, rule_op_parse(op), value, error, sizeof(error)), 0);
	rule_matcher_init(&m, 100000);
	result = rule_cond_test(&cond, (const char *const[]){ text }, 1, &m);
	rule_matcher_deinit(&m);
	rule_cond_deinit(&cond);
	return result;
}

static void test_rule_cond_text(void)
{
	test_assert(test_cond("matches", "^spam@", "SPAM@example.test"));
	test_assert(!test_cond("matches", "^spam@", "ham@example.test"));
	test_assert(test_cond("not_matches", "^spam@", "ham@example.test"));
	test_assert(test_cond("contains", "viagra", "Buy VIAGRA now"));
	test_assert(!test_cond("not_contains", "viagra", "Buy VIAGRA now"));
	test_assert(test_cond("starts_with", "[ext]", "[EXT] hello"));
	test_assert(!test_cond("starts_with", "hello", "[EXT] hello"));
	test_assert(test_cond("greater", "10K", "20000"));
	test_assert(!test_cond("greater", "10K", "10240"));
	test_assert(test_cond("less", "5.5", "3.2"));
	test_assert(!test_cond("less", "5", "not a number"));
}

static void test_rule_cond_values(void)
{
	struct rule_cond cond;
	struct rule_matcher m;
	char error[256];
	const char *const rcpts[] = { "a@x.test", "b@y.test" };

	rule_matcher_init(&m, 100000);
	test_assert_int(rule_cond_init(&cond, RULE_OP_MATCHES, "@y\\.test$", error,
				       sizeof(error)), 0);
	test_assert(rule_cond_test(&cond, rcpts, 2, &m));
	test_assert(!rule_cond_test(&cond, rcpts, 1, &m));
	rule_cond_deinit(&cond);
	/* a negated operator holds only when no value matches */
	test_assert_int(rule_cond_init(&cond, RULE_OP_NOT_MATCHES, "@y\\.test$", error,
				       sizeof(error)), 0);
	test_assert(!rule_cond_test(&cond, rcpts, 2, &m));
	test_assert(rule_cond_test(&cond, rcpts, 1, &m));
	rule_cond_deinit(&cond);
	rule_matcher_deinit(&m);
}

static void test_rule_cond_errors(void)
{
	struct rule_cond cond;
	char error[256];

	test_assert_int(rule_op_parse("like"), -1);
	test_assert_int(rule_cond_init(&cond, RULE_OP_MATCHES, "(abc", error, sizeof(error)), -1);
	test_assert_str(error, "regex error at offset 4: missing closing parenthesis");
	test_assert_int(rule_cond_init(&cond, RULE_OP_GREATER, "12Q", error, sizeof(error)), -1);
	test_assert_str(error, "'12Q' is not a number");
	double n = 0;
	test_assert_int(rule_number_parse("30M", &n), 0);
	test_assert(n == 30.0 * 1024 * 1024);
	test_assert_int(rule_number_parse("", &n), -1);
}

static void test_rule_cond_backtracking(void)
{
	struct rule_cond cond;
	struct rule_matcher m;
	char error[256], text[40001];
	struct timespec t0, t1;

	memset(text, 'a', sizeof(text) - 2);
	text[sizeof(text) - 2] = '!';
	text[sizeof(text) - 1] = '\0';
	test_assert_int(rule_cond_init(&cond, RULE_OP_MATCHES, "^(a|aa)+$", error,
				       sizeof(error)), 0);
	rule_matcher_init(&m, 100000);
	/* CPU time: a loaded test machine must not make it flaky */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	test_assert(!rule_cond_test(&cond, (const char *const[]){ text }, 1, &m));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	test_assert_int(m.limit_hits, 1);
	test_assert((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 2000);
	rule_matcher_deinit(&m);
	rule_cond_deinit(&cond);
}

int main(void)
{
	test_run("rule_cond_text", test_rule_cond_text);
	test_run("rule_cond_values", test_rule_cond_values);
	test_run("rule_cond_errors", test_rule_cond_errors);
	test_run("rule_cond_backtracking", test_rule_cond_backtracking);
	return test_end();
}
