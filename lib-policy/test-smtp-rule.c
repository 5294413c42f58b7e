/* Unit tests for smtp-rule.c and received-ip.c: validation of rules,
   evaluation against session facts and message headers. */
#include "test-common.h"
#include "received-ip.h"
#include "smtp-rule.h"

#include <stdlib.h>

static const char test_header[] =
	"Received: from mx.example (mx.example [192.0.2.7])\r\n"
	"\tby relay.example ([IPv6:2001:db8::5]) with ESMTP\r\n"
	"Received: from local ([not-an-ip]) by x ([192.0.2.7])\r\n"
	"Subject: =?utf-8?q?Cheap_p=C3=A4ls?=\r\n"
	"X-Mailer: Bulk 1.0\r\n"
	"\r\n";

static void test_received_ips(void)
{
	char **ips;
	unsigned int count = received_ips_extract((const unsigned char *)test_header,
						  sizeof(test_header) - 1, &ips);

	test_assert_int(count, 2);
	if (count == 2) {
		test_assert_str(ips[0], "192.0.2.7");
		test_assert_str(ips[1], "2001:db8::5");
	}
	received_ips_free(&ips, count);
	test_assert(ips == NULL);
}

static bool test_rule(enum smtp_rule_stage stage, const char *attr, const char *op,
		      const char *value, const struct smtp_rule_facts *facts)
{
	struct smtp_rule rule;
	struct rule_matcher m;
	char error[256];
	bool result;

	smtp_rule_init(&rule, 1, "t", 10, stage, SMTP_RULE_REJECT, "", 0);
	test_assert_int(smtp_rule_add_cond(&rule, attr, op, value, error, sizeof(error)), 0);
	rule_matcher_init(&m, 100000);
	result = smtp_rule_matches(&rule, facts, &m);
	rule_matcher_deinit(&m);
	smtp_rule_deinit(&rule);
	return result;
}

static void test_smtp_rule_facts(void)
{
	const char *const rcpts[] = { "bob@example.test" };
	struct smtp_rule_facts f = {
		.client_ip = "198.51.100.3", .helo = "spammer.invalid", .sender = "x@bulk.test",
		.recipients = rcpts, .recipient_count = 1, .size = 4096,
		.header = (const unsigned char *)test_header,
		.header_size = sizeof(test_header) - 1,
	};
	enum smtp_rule_stage c = SMTP_RULE_STAGE_COMPLETE;

	test_assert(test_rule(SMTP_RULE_STAGE_CONNECT, "client_ip", "matches", "^198\\.51\\.", &f));
	test_assert(test_rule(SMTP_RULE_STAGE_CONNECT, "client_name", "matches", "^$", &f));
	test_assert(test_rule(SMTP_RULE_STAGE_HELO, "helo", "matches", "\\.invalid$", &f));
	test_assert(!test_rule(SMTP_RULE_STAGE_MAIL, "sender", "matches", "@good\\.", &f));
	test_assert(test_rule(SMTP_RULE_STAGE_RCPT, "recipient", "starts_with", "BOB@", &f));
	test_assert(test_rule(SMTP_RULE_STAGE_MAIL, "size", "greater", "4K", &f) == false);
	test_assert(test_rule(SMTP_RULE_STAGE_MAIL, "size", "greater", "4000", &f));
	test_assert(test_rule(c, "subject", "matches", "cheap p\xc3\xa4ls", &f));
	test_assert(test_rule(c, "header:x-mailer", "contains", "bulk", &f));
	test_assert(test_rule(c, "header:X-Missing", "not_contains", "a", &f));
	test_assert(test_rule(c, "received_ip", "matches", "^192\\.0\\.2\\.", &f));
	test_assert(!test_rule(c, "received_ip", "matches", "^10\\.", &f));
	f.size = -1;
	test_assert(!test_rule(SMTP_RULE_STAGE_MAIL, "size", "less", "1M", &f));
	f.header = NULL;
	test_assert(!test_rule(c, "subject", "matches", "", &f));
}

static int check_action(enum smtp_rule_action action, const char *arg)
{
	char error[256];

	return smtp_rule_check_action(SMTP_RULE_STAGE_RCPT, action, arg, error, sizeof(error));
}

static void test_smtp_rule_validation(void)
{
	struct smtp_rule rule;
	char error[256];

	smtp_rule_init(&rule, 1, "v", 10, SMTP_RULE_STAGE_HELO, SMTP_RULE_TEMPFAIL, "", 0);
	test_assert_int(smtp_rule_add_cond(&rule, "sender", "matches", "x", error,
					   sizeof(error)), -1);
	test_assert_str(error, "attribute sender is not known yet at stage helo (from mail on)");
	test_assert_int(smtp_rule_add_cond(&rule, "colour", "matches", "x", error,
					   sizeof(error)), -1);
	test_assert(strncmp(error, "unknown attribute 'colour'", 26) == 0);
	test_assert_int(smtp_rule_add_cond(&rule, "helo", "greater", "1", error,
					   sizeof(error)), -1);
	test_assert_str(error, "operator greater does not apply to helo");
	test_assert_int(smtp_rule_add_cond(&rule, "helo", "matches", "a(", error,
					   sizeof(error)), -1);
	test_assert_str(error, "regex error at offset 2: missing closing parenthesis");
	test_assert_int(smtp_rule_add_cond(&rule, "header:", "contains", "a", error,
					   sizeof(error)), -1);
	test_assert_int(rule.cond_count, 0);
	smtp_rule_deinit(&rule);

	test_assert_int(check_action(SMTP_RULE_REJECT, "550 5.7.1 go away"), 0);
	test_assert_int(check_action(SMTP_RULE_REJECT, "451 later"), -1);
	test_assert_int(check_action(SMTP_RULE_TEMPFAIL, "451 4.7.1 later"), 0);
	test_assert_int(check_action(SMTP_RULE_ADD_HEADER, "X-Rule: yes"), 0);
	test_assert_int(check_action(SMTP_RULE_ADD_HEADER, "no colon"), -1);
	test_assert_int(check_action(SMTP_RULE_REDIRECT, "bob@example.test"), 0);
	test_assert_int(check_action(SMTP_RULE_REDIRECT, "bob"), -1);
	test_assert_int(check_action(SMTP_RULE_TAG_SUBJECT, ""), -1);
	test_assert_int(smtp_rule_check_action(SMTP_RULE_STAGE_HELO, SMTP_RULE_ADD_HEADER, "X-A: b",
					       error, sizeof(error)), -1);
	test_assert_str(error, "action add_header changes a message: use stage mail or later");
	test_assert_int(smtp_rule_stage_parse("rcpt"), SMTP_RULE_STAGE_RCPT);
	test_assert_int(smtp_rule_action_parse("add_header"), SMTP_RULE_ADD_HEADER);
	test_assert_int(smtp_rule_action_parse("bounce"), -1);
}

int main(void)
{
	test_run("received_ips", test_received_ips);
	test_run("smtp_rule_facts", test_smtp_rule_facts);
	test_run("smtp_rule_validation", test_smtp_rule_validation);
	return test_end();
}
