/*
 * rule-cond.h — one condition of an SMTP or delivery rule: an operator
 * and a value tested against the text (or number) of an attribute.
 *
 * Regexes are PCRE2, compiled once when the rule is loaded (caseless, as
 * mail addresses and header names are); a match is bounded by a match and
 * depth limit (setting smtp_rule_regex_match_limit) so a catastrophic
 * pattern ends quickly and counts as "no match". contains and starts_with
 * compare ASCII case-insensitively; greater and less compare numbers
 * (sizes may carry K, M or G, 1024 powers). Pure: no I/O.
 */
#ifndef RULE_COND_H
#define RULE_COND_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

enum rule_op {
	RULE_OP_MATCHES,
	RULE_OP_NOT_MATCHES,
	RULE_OP_CONTAINS,
	RULE_OP_NOT_CONTAINS,
	RULE_OP_STARTS_WITH,
	RULE_OP_GREATER,
	RULE_OP_LESS,
};

struct rule_cond {
	enum rule_op op;
	char *value;                 /* as written */
	pcre2_code *re;              /* MATCHES, NOT_MATCHES */
	double number;               /* GREATER, LESS */
};

/* What the matches of one evaluation share: the match limits and how
   often a regex hit them (the caller logs that). */
struct rule_matcher {
	pcre2_match_context *context;
	pcre2_match_data *data;
	unsigned int limit_hits;
};

/* -1 when name is not an operator ("matches", "not_matches", "contains",
   "not_contains", "starts_with", "greater", "less"); then
   rule_op_parse_error() also puts a sentence listing them in error. */
int rule_op_parse(const char *name);
int rule_op_parse_error(const char *name, char *error, size_t error_size);
const char *rule_op_name(enum rule_op op);
bool rule_op_is_numeric(enum rule_op op);

/* Prepare cond (regex compiled, number parsed). Returns 0, or -1 with a
   sentence in error ("regex error at offset 3: missing closing
   parenthesis", "'12Q' is not a number"). */
int rule_cond_init(struct rule_cond *cond, enum rule_op op, const char *value, char *error,
		   size_t error_size);
void rule_cond_deinit(struct rule_cond *cond);

/* Whether reply is one SMTP reply line "CODE[ X.Y.Z] text" whose code
   starts with first_digit ('5' for a rule's reject, '4' for tempfail). */
bool rule_reply_valid(const char *reply, char first_digit);

/* A number as rules write it: 1.5, 100, 10K, 30M, 1G. -1 if invalid. */
int rule_number_parse(const char *text, double *number_r);

void rule_matcher_init(struct rule_matcher *m, unsigned long match_limit);
void rule_matcher_deinit(struct rule_matcher *m);

/* Whether a text attribute with these values satisfies cond: the positive
   operators hold when some value satisfies them, the negated ones when
   none matches. A regex that hits the limit does not match (and counts in
   m->limit_hits). A numeric operator tests each value as a number. */
bool rule_cond_test(const struct rule_cond *cond, const char *const *values,
		    unsigned int value_count, struct rule_matcher *m);

#endif
