/*
 * delivery-rule.c — delivery-time global rules: names, validation, the
 * message fields they test and evaluation (see delivery-rule.h).
 */
#include "delivery-rule.h"

#include "message-text.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const delivery_field_names[DELIVERY_FIELD_COUNT] = {
	[DELIVERY_FIELD_SUBJECT] = "subject",
	[DELIVERY_FIELD_FROM] = "from",
	[DELIVERY_FIELD_TO] = "to",
	[DELIVERY_FIELD_BODY] = "body",
	[DELIVERY_FIELD_DATE] = "date",
	[DELIVERY_FIELD_SIZE] = "size",
	[DELIVERY_FIELD_SPAM_SCORE] = "spam_score",
};

static const char *const delivery_action_names[] = {
	[DELIVERY_RULE_MOVE] = "move",
	[DELIVERY_RULE_COPY] = "copy",
	[DELIVERY_RULE_MARK_READ] = "mark_read",
	[DELIVERY_RULE_FLAG] = "flag",
	[DELIVERY_RULE_KEYWORD] = "keyword",
	[DELIVERY_RULE_REJECT] = "reject",
};

#define ARRAY_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int delivery_name_find(const char *const *names, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

int delivery_rule_field_parse(const char *name)
{
	return delivery_name_find(delivery_field_names, DELIVERY_FIELD_COUNT, name);
}

const char *delivery_rule_field_name(enum delivery_rule_field field)
{
	return delivery_field_names[field];
}

int delivery_rule_action_parse(const char *name)
{
	return delivery_name_find(delivery_action_names, ARRAY_COUNT(delivery_action_names), name);
}

const char *delivery_rule_action_name(enum delivery_rule_action action)
{
	return delivery_action_names[action];
}

void delivery_rule_init(struct delivery_rule *rule, int64_t id, const char *name, int priority,
			enum delivery_rule_action action, const char *action_arg)
{
	memset(rule, 0, sizeof(*rule));
	rule->id = id;
	rule->name = xstrdup(name);
	rule->priority = priority;
	rule->action = action;
	rule->action_arg = xstrdup(action_arg);
}

int delivery_rule_add_cond(struct delivery_rule *rule, const char *field, const char *op,
			   const char *value, char *error, size_t error_size)
{
	int field_id = delivery_rule_field_parse(field);
	int op_id = rule_op_parse_error(op, error, error_size);
	bool numeric_field = field_id == DELIVERY_FIELD_SIZE ||
			     field_id == DELIVERY_FIELD_SPAM_SCORE;
	struct delivery_rule_cond *c;

	if (field_id < 0) {
		snprintf(error, error_size, "unknown field '%s' (subject, from, to, body, date, "
			 "size, spam_score)", field);
		return -1;
	}
	if (op_id < 0)
		return -1;
	if (numeric_field && !rule_op_is_numeric(op_id)) {
		snprintf(error, error_size, "%s is a number: use greater or less", field);
		return -1;
	}
	rule->conds = xrealloc(rule->conds, (rule->cond_count + 1) * sizeof(*rule->conds));
	c = &rule->conds[rule->cond_count];
	if (rule_cond_init(&c->cond, op_id, value, error, error_size) < 0)
		return -1;
	c->field = field_id;
	rule->cond_count++;
	return 0;
}

int delivery_rule_check_action(enum delivery_rule_action action, const char *arg,
			       char *error, size_t error_size)
{
	switch (action) {
	case DELIVERY_RULE_MOVE:
	case DELIVERY_RULE_COPY:
		if (arg[0] != '\0' && strpbrk(arg, "\r\n*%") == NULL)
			return 0;
		snprintf(error, error_size, "%s needs a folder name",
			 delivery_rule_action_name(action));
		return -1;
	case DELIVERY_RULE_KEYWORD:
		if (arg[0] != '\0' && arg[0] != '\\' && strpbrk(arg, " \t\r\n(){%*\"\\]") == NULL)
			return 0;
		snprintf(error, error_size, "keyword needs an IMAP keyword (an atom, e.g. $Junk)");
		return -1;
	case DELIVERY_RULE_REJECT:
		if (arg[0] == '\0' || rule_reply_valid(arg, '5'))
			return 0;
		snprintf(error, error_size, "the reply of reject must be \"5NN [X.Y.Z] text\"");
		return -1;
	default:
		if (arg[0] == '\0')
			return 0;
		snprintf(error, error_size, "%s takes no argument",
			 delivery_rule_action_name(action));
		return -1;
	}
}

void delivery_rule_deinit(struct delivery_rule *rule)
{
	for (unsigned int i = 0; i < rule->cond_count; i++)
		rule_cond_deinit(&rule->conds[i].cond);
	free(rule->conds);
	free(rule->name);
	free(rule->action_arg);
	memset(rule, 0, sizeof(*rule));
}

/* The value of the first "Name: value" line called name, or NULL. */
static char *delivery_header_value(const char *headers, const char *name)
{
	size_t len = strlen(name);

	for (const char *line = headers; *line != '\0';) {
		const char *end = strchr(line, '\n');
		size_t line_len = end != NULL ? (size_t)(end - line) : strlen(line);

		if (line_len > len && strncasecmp(line, name, len) == 0 && line[len] == ':') {
			const char *value = line + len + 1;

			while (*value == ' ' || *value == '\t')
				value++;
			return xstrndup(value, line_len - (size_t)(value - line));
		}
		line += line_len + (end != NULL);
	}
	return NULL;
}

/* The first number in a score field ("5.3", "yes, score=5.3" counts 5.3). */
static char *delivery_spam_score(const char *value)
{
	for (const char *p = value; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p) || ((*p == '-' || *p == '+') &&
						   isdigit((unsigned char)p[1]))) {
			char *end;
			double n = strtod(p, &end);

			return xasprintf("%g", n);
		}
	}
	return NULL;
}

void delivery_rule_message_parse(const unsigned char *data, size_t size, size_t max_body,
				 const char *spam_header, struct delivery_rule_message *msg_r)
{
	char *headers, *body, *score;

	memset(msg_r, 0, sizeof(*msg_r));
	message_text_extract(data, size, max_body, &headers, &body);
	msg_r->field[DELIVERY_FIELD_SUBJECT] = delivery_header_value(headers, "Subject");
	msg_r->field[DELIVERY_FIELD_FROM] = delivery_header_value(headers, "From");
	msg_r->field[DELIVERY_FIELD_TO] = delivery_header_value(headers, "To");
	msg_r->field[DELIVERY_FIELD_DATE] = delivery_header_value(headers, "Date");
	msg_r->field[DELIVERY_FIELD_BODY] = body;
	msg_r->field[DELIVERY_FIELD_SIZE] = xasprintf("%zu", size);
	if (spam_header != NULL && spam_header[0] != '\0' &&
	    (score = delivery_header_value(headers, spam_header)) != NULL) {
		msg_r->field[DELIVERY_FIELD_SPAM_SCORE] = delivery_spam_score(score);
		free(score);
	}
	free(headers);
}

void delivery_rule_message_free(struct delivery_rule_message *msg)
{
	for (int i = 0; i < DELIVERY_FIELD_COUNT; i++) {
		free(msg->field[i]);
		msg->field[i] = NULL;
	}
}

bool delivery_rule_matches(const struct delivery_rule *rule,
			   const struct delivery_rule_message *msg, struct rule_matcher *m)
{
	for (unsigned int i = 0; i < rule->cond_count; i++) {
		const struct delivery_rule_cond *c = &rule->conds[i];
		const char *value = msg->field[c->field];
		/* an absent text field tests as empty */
		const char *const values[] = { value != NULL ? value : "" };

		/* a missing number (no score header) satisfies neither greater nor less */
		if (value == NULL && rule_op_is_numeric(c->cond.op))
			return false;
		if (!rule_cond_test(&c->cond, values, 1, m))
			return false;
	}
	return true;
}
