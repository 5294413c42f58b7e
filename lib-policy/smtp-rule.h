/*
 * smtp-rule.h — staged SMTP rules (Traffic Inspector model): the rule
 * model, its validation and its evaluation against what the session knows.
 *
 * A rule is bound to one stage of the SMTP session and tests attributes
 * known at that stage; all its conditions must hold (AND) for its action
 * to run. Attributes and the first stage they are known at:
 *
 *   client_ip, client_name (reverse DNS)   connect
 *   helo                                   helo
 *   sender, size (MAIL SIZE=, else real)   mail
 *   recipient (the one being decided at    rcpt
 *     rcpt, every accepted one later)
 *   subject, header:NAME, received_ip      headers
 *
 * Pure: the node loads the rows (storage-pg/store-rules.c) and applies the
 * actions; this module only decides which rules fire.
 */
#ifndef SMTP_RULE_H
#define SMTP_RULE_H

#include "rule-cond.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* In the order of the session (node/smtp-policy.h's enum smtp_stage). */
enum smtp_rule_stage {
	SMTP_RULE_STAGE_CONNECT,
	SMTP_RULE_STAGE_HELO,
	SMTP_RULE_STAGE_MAIL,
	SMTP_RULE_STAGE_RCPT,
	SMTP_RULE_STAGE_HEADERS,
	SMTP_RULE_STAGE_COMPLETE,
	SMTP_RULE_STAGE_COUNT
};

enum smtp_rule_attr {
	SMTP_RULE_ATTR_CLIENT_IP,
	SMTP_RULE_ATTR_CLIENT_NAME,
	SMTP_RULE_ATTR_HELO,
	SMTP_RULE_ATTR_SENDER,
	SMTP_RULE_ATTR_SIZE,
	SMTP_RULE_ATTR_RECIPIENT,
	SMTP_RULE_ATTR_SUBJECT,
	SMTP_RULE_ATTR_HEADER,
	SMTP_RULE_ATTR_RECEIVED_IP,
};

enum smtp_rule_action {
	SMTP_RULE_ACCEPT,
	SMTP_RULE_REJECT,
	SMTP_RULE_TEMPFAIL,
	SMTP_RULE_WEIGHT,
	SMTP_RULE_ADD_HEADER,
	SMTP_RULE_TAG_SUBJECT,
	SMTP_RULE_DISCARD,
	SMTP_RULE_REDIRECT,
};

struct smtp_rule_cond {
	enum smtp_rule_attr attr;
	char *header;               /* the NAME of header:NAME */
	struct rule_cond cond;
};

struct smtp_rule {
	int64_t id;
	char *name;
	int priority;
	enum smtp_rule_stage stage;
	enum smtp_rule_action action;
	char *action_arg;
	long long weight;
	struct smtp_rule_cond *conds;
	unsigned int cond_count;
};

/* What the session knows when a stage's rules run. NULL / -1 for what is
   not known (yet). */
struct smtp_rule_facts {
	const char *client_ip, *client_name, *helo, *sender;
	const char *const *recipients;
	unsigned int recipient_count;
	long long size;
	const unsigned char *header;   /* the message's header block */
	size_t header_size;
};

/* Names as stored ("connect", "add_header", "header:X-Foo"); -1 when not
   one. */
int smtp_rule_stage_parse(const char *name);
const char *smtp_rule_stage_name(enum smtp_rule_stage stage);
int smtp_rule_action_parse(const char *name);
const char *smtp_rule_action_name(enum smtp_rule_action action);

/* Start an empty rule. */
void smtp_rule_init(struct smtp_rule *rule, int64_t id, const char *name, int priority,
		    enum smtp_rule_stage stage, enum smtp_rule_action action,
		    const char *action_arg, long long weight);
/* Add a condition, checking that the attribute exists, is known at the
   rule's stage and fits the operator, and compiling it. Returns 0, or -1
   with a sentence in error. */
int smtp_rule_add_cond(struct smtp_rule *rule, const char *attribute, const char *op,
		       const char *value, char *error, size_t error_size);
/* Whether the action fits the stage (add_header, tag_subject and redirect
   need a transaction: mail or later) and its argument fits the action (a
   5xx reply for reject, a 4xx one for tempfail, "Name: value" for
   add_header, an address for redirect, a tag for tag_subject). Returns 0,
   or -1 with error. */
int smtp_rule_check_action(enum smtp_rule_stage stage, enum smtp_rule_action action,
			   const char *arg, char *error, size_t error_size);
void smtp_rule_deinit(struct smtp_rule *rule);

/* Whether all of the rule's conditions hold for facts. */
bool smtp_rule_matches(const struct smtp_rule *rule, const struct smtp_rule_facts *facts,
		       struct rule_matcher *m);

#endif
