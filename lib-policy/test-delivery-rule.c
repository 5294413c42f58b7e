/* Unit tests for delivery-rule.c: message fields and rule evaluation. */
#include "test-common.h"
#include "delivery-rule.h"

static const char test_message[] =
	"From: Alice <alice@example.test>\r\n"
	"To: bob@example.test\r\n"
	"Subject: =?utf-8?q?Invoice_f=C3=BCr_May?=\r\n"
	"Date: Mon, 23 Nov 2026 08:00:00 +0000\r\n"
	"X-Spam-Score: score=7.5 (high)\r\n"
	"\r\n"
	"Please pay the attached invoice.\r\n";

static bool test_rule(const struct delivery_rule_message *msg, const char *field,
		      const char *op, const char *value)
{
	struct delivery_rule rule;
	struct rule_matcher m;
	char error[256];
	bool result;

	delivery_rule_init(&rule, 1, "t", 10, DELIVERY_RULE_MOVE, "Invoices");
	test_assert_int(delivery_rule_add_cond(&rule, field, op, value, error, sizeof(error)), 0);
	rule_matcher_init(&m, 100000);
	result = delivery_rule_matches(&rule, msg, &m);
	rule_matcher_deinit(&m);
	delivery_rule_deinit(&rule);
	return result;
}

static void test_delivery_rule_fields(void)
{
	struct delivery_rule_message msg;

	delivery_rule_message_parse((const unsigned char *)test_message, sizeof(test_message) - 1,
				    65536, "X-Spam-Score", &msg);
	test_assert_str(msg.field[DELIVERY_FIELD_SUBJECT], "Invoice f\xc3\xbcr May");
	test_assert_str(msg.field[DELIVERY_FIELD_SPAM_SCORE], "7.5");
	test_assert(test_rule(&msg, "subject", "starts_with", "invoice"));
	test_assert(test_rule(&msg, "from", "contains", "alice@example.test"));
	test_assert(test_rule(&msg, "to", "matches", "^bob@"));
	test_assert(test_rule(&msg, "body", "contains", "attached invoice"));
	test_assert(test_rule(&msg, "body", "not_contains", "lottery"));
	test_assert(test_rule(&msg, "date", "contains", "Nov 2026"));
	test_assert(test_rule(&msg, "size", "greater", "100"));
	test_assert(!test_rule(&msg, "size", "greater", "1K"));
	test_assert(test_rule(&msg, "spam_score", "greater", "5"));
	test_assert(!test_rule(&msg, "spam_score", "less", "5"));
	delivery_rule_message_free(&msg);

	/* no score header: neither greater nor less holds */
	delivery_rule_message_parse((const unsigned char *)test_message, sizeof(test_message) - 1,
				    65536, "X-Other-Score", &msg);
	test_assert(!test_rule(&msg, "spam_score", "less", "5"));
	delivery_rule_message_free(&msg);
}

static void test_delivery_rule_validation(void)
{
	struct delivery_rule rule;
	char error[256];

	delivery_rule_init(&rule, 1, "v", 10, DELIVERY_RULE_FLAG, "");
	test_assert_int(delivery_rule_add_cond(&rule, "cc", "contains", "x", error,
					       sizeof(error)), -1);
	test_assert_int(delivery_rule_add_cond(&rule, "size", "contains", "x", error,
					       sizeof(error)), -1);
	test_assert_str(error, "size is a number: use greater or less");
	test_assert_int(delivery_rule_add_cond(&rule, "subject", "matches", "[", error,
					       sizeof(error)), -1);
	test_assert(strncmp(error, "regex error at offset 1:", 24) == 0);
	delivery_rule_deinit(&rule);
	test_assert_int(delivery_rule_check_action(DELIVERY_RULE_MOVE, "", error,
						   sizeof(error)), -1);
	test_assert_int(delivery_rule_check_action(DELIVERY_RULE_KEYWORD, "$Junk", error,
						   sizeof(error)), 0);
	test_assert_int(delivery_rule_check_action(DELIVERY_RULE_KEYWORD, "a b", error,
						   sizeof(error)), -1);
	test_assert_int(delivery_rule_check_action(DELIVERY_RULE_FLAG, "x", error,
						   sizeof(error)), -1);
	test_assert_int(delivery_rule_check_action(DELIVERY_RULE_REJECT, "550 5.7.1 no", error,
						   sizeof(error)), 0);
	test_assert_int(delivery_rule_action_parse("mark_read"), DELIVERY_RULE_MARK_READ);
}

int main(void)
{
	test_run("delivery_rule_fields", test_delivery_rule_fields);
	test_run("delivery_rule_validation", test_delivery_rule_validation);
	return test_end();
}
