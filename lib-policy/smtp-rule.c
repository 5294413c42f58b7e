/*
 * smtp-rule.c — staged SMTP rules: names, validation, evaluation (see
 * smtp-rule.h).
 */
#include "smtp-rule.h"

#include "received-ip.h"
#include "rfc2047.h"
#include "rfc822-header.h"
#include "strbuf.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMTP_RULE_HEADER_PREFIX "header:"

static const char *const smtp_rule_stage_names[] = {
	"connect", "helo", "mail", "rcpt", "headers", "complete",
};

static const char *const smtp_rule_action_names[] = {
	[SMTP_RULE_ACCEPT] = "accept",
	[SMTP_RULE_REJECT] = "reject",
	[SMTP_RULE_TEMPFAIL] = "tempfail",
	[SMTP_RULE_WEIGHT] = "weight",
	[SMTP_RULE_ADD_HEADER] = "add_header",
	[SMTP_RULE_TAG_SUBJECT] = "tag_subject",
	[SMTP_RULE_DISCARD] = "discard",
	[SMTP_RULE_REDIRECT] = "redirect",
};

struct smtp_rule_attr_def {
	const char *name;
	enum smtp_rule_stage first_stage;
};

static const struct smtp_rule_attr_def smtp_rule_attrs[] = {
	[SMTP_RULE_ATTR_CLIENT_IP] = { "client_ip", SMTP_RULE_STAGE_CONNECT },
	[SMTP_RULE_ATTR_CLIENT_NAME] = { "client_name", SMTP_RULE_STAGE_CONNECT },
	[SMTP_RULE_ATTR_HELO] = { "helo", SMTP_RULE_STAGE_HELO },
	[SMTP_RULE_ATTR_SENDER] = { "sender", SMTP_RULE_STAGE_MAIL },
	[SMTP_RULE_ATTR_SIZE] = { "size", SMTP_RULE_STAGE_MAIL },
	[SMTP_RULE_ATTR_RECIPIENT] = { "recipient", SMTP_RULE_STAGE_RCPT },
	[SMTP_RULE_ATTR_SUBJECT] = { "subject", SMTP_RULE_STAGE_HEADERS },
	[SMTP_RULE_ATTR_HEADER] = { SMTP_RULE_HEADER_PREFIX "NAME", SMTP_RULE_STAGE_HEADERS },
	[SMTP_RULE_ATTR_RECEIVED_IP] = { "received_ip", SMTP_RULE_STAGE_HEADERS },
};

#define ARRAY_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int smtp_rule_name_find(const char *const *names, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

int smtp_rule_stage_parse(const char *name)
{
	return smtp_rule_name_find(smtp_rule_stage_names, ARRAY_COUNT(smtp_rule_stage_names), name);
}

const char *smtp_rule_stage_name(enum smtp_rule_stage stage)
{
	return smtp_rule_stage_names[stage];
}

int smtp_rule_action_parse(const char *name)
{
	return smtp_rule_name_find(smtp_rule_action_names, ARRAY_COUNT(smtp_rule_action_names),
				   name);
}

const char *smtp_rule_action_name(enum smtp_rule_action action)
{
	return smtp_rule_action_names[action];
}

void smtp_rule_init(struct smtp_rule *rule, int64_t id, const char *name, int priority,
		    enum smtp_rule_stage stage, enum smtp_rule_action action,
		    const char *action_arg, long long weight)
{
	memset(rule, 0, sizeof(*rule));
	rule->id = id;
	rule->name = xstrdup(name);
	rule->priority = priority;
	rule->stage = stage;
	rule->action = action;
	rule->action_arg = xstrdup(action_arg);
	rule->weight = weight;
}

/* The attribute named, and for header:NAME the NAME; -1 if unknown. */
static int smtp_rule_attr_parse(const char *name, const char **header_r)
{
	size_t prefix = strlen(SMTP_RULE_HEADER_PREFIX);

	*header_r = NULL;
	if (strncmp(name, SMTP_RULE_HEADER_PREFIX, prefix) == 0) {
		const char *p = name + prefix;

		if (*p == '\0')
			return -1;
		for (; *p != '\0'; p++) {
			if (*p <= ' ' || *p >= 127 || *p == ':')
				return -1;
		}
		*header_r = name + prefix;
		return SMTP_RULE_ATTR_HEADER;
	}
	for (size_t i = 0; i < ARRAY_COUNT(smtp_rule_attrs); i++) {
		if (i != SMTP_RULE_ATTR_HEADER && strcmp(smtp_rule_attrs[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

int smtp_rule_add_cond(struct smtp_rule *rule, const char *attribute, const char *op,
		       const char *value, char *error, size_t error_size)
{
	const char *header;
	int attr = smtp_rule_attr_parse(attribute, &header);
	int op_id = rule_op_parse_error(op, error, error_size);
	struct smtp_rule_cond *c;

	if (attr < 0) {
		snprintf(error, error_size, "unknown attribute '%s' (client_ip, client_name, helo, "
			 "sender, recipient, size, subject, header:NAME, received_ip)", attribute);
		return -1;
	}
	if (op_id < 0)
		return -1;
	if (smtp_rule_attrs[attr].first_stage > rule->stage) {
		snprintf(error, error_size, "attribute %s is not known yet at stage %s "
			 "(from %s on)", attribute, smtp_rule_stage_name(rule->stage),
			 smtp_rule_stage_name(smtp_rule_attrs[attr].first_stage));
		return -1;
	}
	if (rule_op_is_numeric(op_id) != (attr == SMTP_RULE_ATTR_SIZE)) {
		snprintf(error, error_size, "operator %s does not apply to %s%s", op, attribute,
			 attr == SMTP_RULE_ATTR_SIZE ? " (use greater or less)" : "");
		return -1;
	}
	rule->conds = xrealloc(rule->conds, (rule->cond_count + 1) * sizeof(*rule->conds));
	c = &rule->conds[rule->cond_count];
	if (rule_cond_init(&c->cond, op_id, value, error, error_size) < 0)
		return -1;
	c->attr = attr;
	c->header = header != NULL ? xstrdup(header) : NULL;
	rule->cond_count++;
	return 0;
}

int smtp_rule_check_action(enum smtp_rule_stage stage, enum smtp_rule_action action,
			   const char *arg, char *error, size_t error_size)
{
	const char *colon;

	if (stage < SMTP_RULE_STAGE_MAIL && (action == SMTP_RULE_ADD_HEADER ||
					     action == SMTP_RULE_TAG_SUBJECT ||
					     action == SMTP_RULE_REDIRECT)) {
		snprintf(error, error_size, "action %s changes a message: use stage mail or later",
			 smtp_rule_action_name(action));
		return -1;
	}
	switch (action) {
	case SMTP_RULE_REJECT:
	case SMTP_RULE_TEMPFAIL:
		if (arg[0] == '\0' ||
		    rule_reply_valid(arg, action == SMTP_RULE_REJECT ? '5' : '4'))
			return 0;
		snprintf(error, error_size, "the reply of %s must be \"%cNN [X.Y.Z] text\" on "
			 "one line", smtp_rule_action_name(action),
			 action == SMTP_RULE_REJECT ? '5' : '4');
		return -1;
	case SMTP_RULE_ADD_HEADER:
		colon = strchr(arg, ':');
		if (colon != NULL && colon != arg && strpbrk(arg, "\r\n") == NULL &&
		    strcspn(arg, " \t") >= (size_t)(colon - arg))
			return 0;
		snprintf(error, error_size, "add_header needs \"Name: value\" on one line");
		return -1;
	case SMTP_RULE_REDIRECT:
		if (strchr(arg, '@') != NULL && strpbrk(arg, " \t\r\n<>") == NULL)
			return 0;
		snprintf(error, error_size, "redirect needs an address (user@domain)");
		return -1;
	case SMTP_RULE_TAG_SUBJECT:
		if (arg[0] != '\0' && strpbrk(arg, "\r\n") == NULL)
			return 0;
		snprintf(error, error_size, "tag_subject needs a tag on one line, e.g. [SPAM]");
		return -1;
	default:
		return 0;
	}
}

void smtp_rule_deinit(struct smtp_rule *rule)
{
	for (unsigned int i = 0; i < rule->cond_count; i++) {
		rule_cond_deinit(&rule->conds[i].cond);
		free(rule->conds[i].header);
	}
	free(rule->conds);
	free(rule->name);
	free(rule->action_arg);
	memset(rule, 0, sizeof(*rule));
}

/* Every field called name, unfolded and RFC 2047 decoded, into values. */
static unsigned int smtp_rule_header_values(const struct smtp_rule_facts *facts,
					    const char *name, char ***values_r)
{
	struct rfc822_header_iter iter;
	struct rfc822_header_field field;
	struct strbuf unfolded = STRBUF_INIT, decoded = STRBUF_INIT;
	unsigned int count = 0;

	*values_r = NULL;
	rfc822_header_iter_init(&iter, facts->header, facts->header_size);
	while (rfc822_header_iter_next(&iter, &field)) {
		if (!rfc822_header_name_is(&field, name))
			continue;
		strbuf_truncate(&unfolded, 0);
		rfc822_header_unfold(field.value, field.value_len, &unfolded);
		rfc2047_decode(unfolded.data, unfolded.len, &decoded);
		*values_r = xrealloc(*values_r, (count + 1) * sizeof(**values_r));
		(*values_r)[count++] = strbuf_steal(&decoded);
	}
	strbuf_free(&unfolded);
	return count;
}

/* Values taken from the message header: computed per test, freed here. */
static bool smtp_rule_test_header(const struct smtp_rule_cond *c,
				  const struct smtp_rule_facts *facts, struct rule_matcher *m)
{
	char **values;
	unsigned int count;
	bool result;

	if (facts->header == NULL)
		return false;
	if (c->attr == SMTP_RULE_ATTR_RECEIVED_IP)
		count = received_ips_extract(facts->header, facts->header_size, &values);
	else
		count = smtp_rule_header_values(facts, c->attr == SMTP_RULE_ATTR_SUBJECT ?
						"Subject" : c->header, &values);
	/* a message without the field tests as an empty one */
	result = count > 0 ? rule_cond_test(&c->cond, (const char *const *)values, count, m) :
			     rule_cond_test(&c->cond, (const char *const[]){ "" }, 1, m);
	received_ips_free(&values, count);
	return result;
}

static bool smtp_rule_test(const struct smtp_rule_cond *c, const struct smtp_rule_facts *facts,
			   struct rule_matcher *m)
{
	const char *value = NULL;
	char size[32];

	switch (c->attr) {
	case SMTP_RULE_ATTR_CLIENT_IP: value = facts->client_ip; break;
	case SMTP_RULE_ATTR_CLIENT_NAME: value = facts->client_name; break;
	case SMTP_RULE_ATTR_HELO: value = facts->helo; break;
	case SMTP_RULE_ATTR_SENDER: value = facts->sender; break;
	case SMTP_RULE_ATTR_SIZE:
		if (facts->size < 0)
			return false;
		snprintf(size, sizeof(size), "%lld", facts->size);
		value = size;
		break;
	case SMTP_RULE_ATTR_RECIPIENT:
		return rule_cond_test(&c->cond, facts->recipients, facts->recipient_count, m);
	default:
		return smtp_rule_test_header(c, facts, m);
	}
	/* unknown text (no reverse name yet) tests as empty */
	return rule_cond_test(&c->cond, (const char *const[]){ value != NULL ? value : "" }, 1, m);
}

bool smtp_rule_matches(const struct smtp_rule *rule, const struct smtp_rule_facts *facts,
		       struct rule_matcher *m)
{
	for (unsigned int i = 0; i < rule->cond_count; i++) {
		if (!smtp_rule_test(&rule->conds[i], facts, m))
			return false;
	}
	return true;
}
