/*
 * rule-cond.c — rule conditions: operators, PCRE2 regexes under match
 * limits, numbers (see rule-cond.h).
 */
#include "rule-cond.h"

#include "xalloc.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const rule_op_names[] = {
	[RULE_OP_MATCHES] = "matches",
	[RULE_OP_NOT_MATCHES] = "not_matches",
	[RULE_OP_CONTAINS] = "contains",
	[RULE_OP_NOT_CONTAINS] = "not_contains",
	[RULE_OP_STARTS_WITH] = "starts_with",
	[RULE_OP_GREATER] = "greater",
	[RULE_OP_LESS] = "less",
};

#define RULE_OP_COUNT (sizeof(rule_op_names) / sizeof(rule_op_names[0]))

int rule_op_parse(const char *name)
{
	for (size_t i = 0; i < RULE_OP_COUNT; i++) {
		if (strcmp(rule_op_names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

int rule_op_parse_error(const char *name, char *error, size_t error_size)
{
	int op = rule_op_parse(name);

	if (op < 0)
		snprintf(error, error_size, "unknown operator '%s' (matches, not_matches, "
			 "contains, not_contains, starts_with, greater, less)", name);
	return op;
}

bool rule_reply_valid(const char *reply, char first_digit)
{
	return reply[0] == first_digit && isdigit((unsigned char)reply[1]) &&
	       isdigit((unsigned char)reply[2]) && (reply[3] == ' ' || reply[3] == '\0') &&
	       strpbrk(reply, "\r\n") == NULL;
}

const char *rule_op_name(enum rule_op op)
{
	return rule_op_names[op];
}

bool rule_op_is_numeric(enum rule_op op)
{
	return op == RULE_OP_GREATER || op == RULE_OP_LESS;
}

static bool rule_op_is_regex(enum rule_op op)
{
	return op == RULE_OP_MATCHES || op == RULE_OP_NOT_MATCHES;
}

int rule_number_parse(const char *text, double *number_r)
{
	static const char suffixes[] = "KMG";
	char *end;
	double n = strtod(text, &end);
	const char *unit;

	if (end == text || !isfinite(n))
		return -1;
	if (*end != '\0' && (unit = strchr(suffixes, *end)) != NULL && end[1] == '\0') {
		for (const char *u = suffixes; u <= unit; u++)
			n *= 1024;
		end++;
	}
	if (*end != '\0')
		return -1;
	*number_r = n;
	return 0;
}

static pcre2_code *rule_regex_compile(const char *pattern, char *error, size_t error_size)
{
	PCRE2_UCHAR message[256];
	PCRE2_SIZE offset;
	int code;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_CASELESS,
				       &code, &offset, NULL);

	if (re == NULL) {
		pcre2_get_error_message(code, message, sizeof(message));
		snprintf(error, error_size, "regex error at offset %zu: %s", (size_t)offset,
			 (const char *)message);
	}
	return re;
}

int rule_cond_init(struct rule_cond *cond, enum rule_op op, const char *value, char *error,
		   size_t error_size)
{
	memset(cond, 0, sizeof(*cond));
	cond->op = op;
	if (rule_op_is_regex(op) &&
	    (cond->re = rule_regex_compile(value, error, error_size)) == NULL)
		return -1;
	if (rule_op_is_numeric(op) && rule_number_parse(value, &cond->number) < 0) {
		snprintf(error, error_size, "'%s' is not a number", value);
		return -1;
	}
	cond->value = xstrdup(value);
	return 0;
}

void rule_cond_deinit(struct rule_cond *cond)
{
	pcre2_code_free(cond->re);
	free(cond->value);
	cond->re = NULL;
	cond->value = NULL;
}

void rule_matcher_init(struct rule_matcher *m, unsigned long match_limit)
{
	m->context = pcre2_match_context_create(NULL);
	/* one ovector pair is enough: only whether it matches counts */
	m->data = pcre2_match_data_create(1, NULL);
	if (m->context == NULL || m->data == NULL)
		abort();
	pcre2_set_match_limit(m->context, (uint32_t)match_limit);
	pcre2_set_depth_limit(m->context, (uint32_t)match_limit);
	m->limit_hits = 0;
}

void rule_matcher_deinit(struct rule_matcher *m)
{
	pcre2_match_context_free(m->context);
	pcre2_match_data_free(m->data);
	m->context = NULL;
	m->data = NULL;
}

static bool rule_regex_matches(const pcre2_code *re, const char *text, struct rule_matcher *m)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)text, strlen(text), 0, 0, m->data, m->context);

	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT)
		m->limit_hits++;
	/* 0: matched, the ovector was too small to hold the groups */
	return rc >= 0;
}

static bool rule_text_contains(const char *text, const char *needle)
{
	size_t n = strlen(needle);

	for (; *text != '\0'; text++) {
		if (strncasecmp(text, needle, n) == 0)
			return true;
	}
	return n == 0;
}

/* The positive form of the operator on one value. */
static bool rule_cond_test_one(const struct rule_cond *cond, const char *text,
			       struct rule_matcher *m)
{
	double n;

	switch (cond->op) {
	case RULE_OP_MATCHES:
	case RULE_OP_NOT_MATCHES:
		return rule_regex_matches(cond->re, text, m);
	case RULE_OP_CONTAINS:
	case RULE_OP_NOT_CONTAINS:
		return rule_text_contains(text, cond->value);
	case RULE_OP_STARTS_WITH:
		return strncasecmp(text, cond->value, strlen(cond->value)) == 0;
	case RULE_OP_GREATER:
		return rule_number_parse(text, &n) == 0 && n > cond->number;
	case RULE_OP_LESS:
		return rule_number_parse(text, &n) == 0 && n < cond->number;
	}
	return false;
}

bool rule_cond_test(const struct rule_cond *cond, const char *const *values,
		    unsigned int value_count, struct rule_matcher *m)
{
	bool negated = cond->op == RULE_OP_NOT_MATCHES || cond->op == RULE_OP_NOT_CONTAINS;

	for (unsigned int i = 0; i < value_count; i++) {
		if (values[i] != NULL && rule_cond_test_one(cond, values[i], m))
			return !negated;
	}
	return negated;
}
