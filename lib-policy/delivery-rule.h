/*
 * delivery-rule.h — delivery-time global rules (Tegu model): conditions on
 * a message's Subject, From, To, body text, Date, size and spam score,
 * all of which must hold (AND), and one action: move or copy to a folder,
 * mark read, flag, add a keyword, or reject.
 *
 * Rules run in order (priority, then id) before users' own filters; every
 * rule whose conditions hold applies, except that the first reject ends
 * the evaluation. Pure: the node loads the rows and applies the actions.
 */
#ifndef DELIVERY_RULE_H
#define DELIVERY_RULE_H

#include "rule-cond.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum delivery_rule_field {
	DELIVERY_FIELD_SUBJECT,
	DELIVERY_FIELD_FROM,
	DELIVERY_FIELD_TO,
	DELIVERY_FIELD_BODY,
	DELIVERY_FIELD_DATE,
	DELIVERY_FIELD_SIZE,
	DELIVERY_FIELD_SPAM_SCORE,
	DELIVERY_FIELD_COUNT
};

enum delivery_rule_action {
	DELIVERY_RULE_MOVE,
	DELIVERY_RULE_COPY,
	DELIVERY_RULE_MARK_READ,
	DELIVERY_RULE_FLAG,
	DELIVERY_RULE_KEYWORD,
	DELIVERY_RULE_REJECT,
};

struct delivery_rule_cond {
	enum delivery_rule_field field;
	struct rule_cond cond;
};

struct delivery_rule {
	int64_t id;
	char *name;
	int priority;
	enum delivery_rule_action action;
	char *action_arg;
	struct delivery_rule_cond *conds;
	unsigned int cond_count;
};

/* The fields of one message that rules test, as text (NULL: absent). */
struct delivery_rule_message {
	char *field[DELIVERY_FIELD_COUNT];
};

int delivery_rule_field_parse(const char *name);
const char *delivery_rule_field_name(enum delivery_rule_field field);
int delivery_rule_action_parse(const char *name);
const char *delivery_rule_action_name(enum delivery_rule_action action);

void delivery_rule_init(struct delivery_rule *rule, int64_t id, const char *name, int priority,
			enum delivery_rule_action action, const char *action_arg);
/* Add a condition (field and operator checked, regex compiled). Returns 0,
   or -1 with a sentence in error. */
int delivery_rule_add_cond(struct delivery_rule *rule, const char *field, const char *op,
			   const char *value, char *error, size_t error_size);
/* Whether the argument fits the action: a folder for move/copy, a keyword
   (an IMAP atom) for keyword, a 5xx reply or nothing for reject. */
int delivery_rule_check_action(enum delivery_rule_action action, const char *arg,
			       char *error, size_t error_size);
void delivery_rule_deinit(struct delivery_rule *rule);

/* Read the fields out of size bytes of message: decoded Subject, From,
   To, Date, the readable body text (at most max_body bytes), the size, and
   the first number of the spam_header field (a milter's score). */
void delivery_rule_message_parse(const unsigned char *data, size_t size, size_t max_body,
				 const char *spam_header, struct delivery_rule_message *msg_r);
void delivery_rule_message_free(struct delivery_rule_message *msg);

bool delivery_rule_matches(const struct delivery_rule *rule,
			   const struct delivery_rule_message *msg, struct rule_matcher *m);

#endif
