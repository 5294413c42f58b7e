/*
 * test-common.h — the tiny unit-test library every C unit test links.
 *
 * A test file defines its cases as functions and calls test_run() for each
 * from main(); test_end() prints the plain closing line CI reads
 * ("N passed, N failed") and returns the exit status. A failed check prints
 * file:line and the expression but lets the case continue, so one run shows
 * every broken expectation.
 */
#ifndef TEST_COMMON_H
#define TEST_COMMON_H

#include <stdio.h>
#include <string.h>

static int test_failed_checks;
static int test_cases_passed, test_cases_failed;

#define test_assert(expr) do { \
	if (!(expr)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
		test_failed_checks++; \
	} } while (0)

#define test_assert_int(a, b) do { \
	long long test_a_ = (long long)(a), test_b_ = (long long)(b); \
	if (test_a_ != test_b_) { \
		fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", \
			__FILE__, __LINE__, #a, test_a_, test_b_); \
		test_failed_checks++; \
	} } while (0)

#define test_assert_str(a, b) do { \
	const char *test_a_ = (a), *test_b_ = (b); \
	if (test_a_ == NULL || test_b_ == NULL || strcmp(test_a_, test_b_) != 0) { \
		fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, \
			__LINE__, #a, test_a_ ? test_a_ : "(null)", test_b_ ? test_b_ : "(null)"); \
		test_failed_checks++; \
	} } while (0)

static inline void test_run(const char *name, void (*fn)(void))
{
	int before = test_failed_checks;

	fn();
	if (test_failed_checks == before) {
		test_cases_passed++;
	} else {
		test_cases_failed++;
		fprintf(stderr, "FAIL: %s\n", name);
	}
}

static inline int test_end(void)
{
	printf("%d passed, %d failed\n", test_cases_passed, test_cases_failed);
	return test_cases_failed == 0 ? 0 : 1;
}

#endif
