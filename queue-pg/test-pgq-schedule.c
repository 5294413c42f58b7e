/*
 * test-pgq-schedule.c — unit tests for the retry schedule parser, including
 * the setting's own default.
 */
#include "pgq-schedule.h"

#include "settings.h"
#include "test-common.h"

static void test_default(void)
{
	const struct setting_def *def = settings_find("queue_retry_schedule");
	struct pgq_schedule s;
	const char *error = NULL;
	static const int64_t want[] = { 300, 600, 1200, 2400, 3600, 7200 };

	test_assert(def != NULL);
	if (def == NULL)
		return;
	test_assert_int(pgq_schedule_parse(def->default_value, &s, &error), 0);
	test_assert_int(s.count, 6);
	for (unsigned int i = 0; i < 6 && i < s.count; i++)
		test_assert_int(s.steps[i], want[i]);
}

static void test_forms(void)
{
	struct pgq_schedule s;
	const char *error = NULL;

	test_assert_int(pgq_schedule_parse("90", &s, &error), 0);
	test_assert_int(s.count, 1);
	test_assert_int(s.steps[0], 90);
	test_assert_int(pgq_schedule_parse(" 1s , 2M,3h ,1d,7d", &s, &error), 0);
	test_assert_int(s.count, 5);
	test_assert_int(s.steps[0], 1);
	test_assert_int(s.steps[1], 120);
	test_assert_int(s.steps[2], 10800);
	test_assert_int(s.steps[3], 86400);
	test_assert_int(s.steps[4], 7 * 86400);
}

static void test_max_steps(void)
{
	struct pgq_schedule s;
	const char *error = NULL;
	char text[256] = "1";

	for (int i = 1; i < PGQ_SCHEDULE_MAX_STEPS; i++)
		strcat(text, ",1");
	test_assert_int(pgq_schedule_parse(text, &s, &error), 0);
	test_assert_int(s.count, PGQ_SCHEDULE_MAX_STEPS);
	strcat(text, ",1");
	test_assert_int(pgq_schedule_parse(text, &s, &error), -1);
	test_assert(strstr(error, "more than 32 steps") != NULL);
}

/* A refused text leaves the caller's schedule as it was. */
static void test_invalid(void)
{
	static const char *const bad[] = {
		"", " ", ",", "5m,", ",5m", "5m,,10m", "0", "0s,5m", "5x", "-5m", "5 m",
		"8d", "1h,604801", "5m;10m", "99999999999999999999", "1.5h", "m",
		"5m,10m,1234567890123456789012345678901234567890",
	};
	struct pgq_schedule s = { .count = 1, .steps = { 42 } };
	const char *error = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error = NULL;
		if (pgq_schedule_parse(bad[i], &s, &error) != -1)
			fprintf(stderr, "accepted: '%s'\n", bad[i]);
		test_assert(error != NULL && strstr(error, "retry schedule") != NULL);
	}
	test_assert_int(s.count, 1);
	test_assert_int(s.steps[0], 42);
	test_assert_int(pgq_schedule_parse("5m,10x", &s, &error), -1);
	test_assert(strstr(error, "step 2 ('10x')") != NULL);
}

int main(void)
{
	test_run("default", test_default);
	test_run("forms", test_forms);
	test_run("max_steps", test_max_steps);
	test_run("invalid", test_invalid);
	return test_end();
}
