/*
 * test-pop3-parser.c — POP3 command line parsing (pop3-parser.c): verbs,
 * argument counts, numbers, PASS with spaces, line length limits.
 */
#include "pop3-parser.h"

#include "test-common.h"

#include <stdlib.h>

/* Parse str (copied) and describe the result: "VERB argc [arg|arg] n m"
   or "ERR text". */
static void check(const char *str, size_t long_max, const char *expect)
{
	size_t len = strlen(str);
	char *line = malloc(len + 1), desc[512];
	struct pop3_command cmd;
	const char *error = NULL;

	memcpy(line, str, len + 1);
	if (pop3_command_parse(line, len, long_max, &cmd, &error) < 0) {
		snprintf(desc, sizeof(desc), "ERR %s", error);
	} else {
		snprintf(desc, sizeof(desc), "%s %u [%s|%s] %u %u", pop3_verb_name(cmd.verb),
			 cmd.argc, cmd.argc > 0 ? cmd.argv[0] : "-",
			 cmd.argc > 1 ? cmd.argv[1] : "-", (unsigned int)cmd.msgnum,
			 (unsigned int)cmd.top_lines);
		test_assert(cmd.argc == POP3_MAX_ARGS || cmd.argv[cmd.argc] == NULL);
	}
	if (strcmp(desc, expect) != 0)
		fprintf(stderr, "line \"%s\":\n", str);
	test_assert_str(desc, expect);
	free(line);
}

static void test_verbs(void)
{
	check("USER tim", 0, "USER 1 [tim|-] 0 0");
	check("user tim@example.com", 0, "USER 1 [tim@example.com|-] 0 0");
	check("PASS secret", 0, "PASS 1 [secret|-] 0 0");
	check("PASS my secret ", 0, "PASS 1 [my secret |-] 0 0");
	check("PASS  lead", 0, "PASS 1 [ lead|-] 0 0");
	check("STAT", 0, "STAT 0 [-|-] 0 0");
	check("list", 0, "LIST 0 [-|-] 0 0");
	check("LIST 2", 0, "LIST 1 [2|-] 2 0");
	check("UIDL", 0, "UIDL 0 [-|-] 0 0");
	check("UiDl 17", 0, "UIDL 1 [17|-] 17 0");
	check("RETR 1", 0, "RETR 1 [1|-] 1 0");
	check("TOP 3 0", 0, "TOP 2 [3|0] 3 0");
	check("TOP 3 10", 0, "TOP 2 [3|10] 3 10");
	check("TOP 3 99999999999999999999", 0, "TOP 2 [3|99999999999999999999] 3 4294967295");
	check("DELE 2147483648", 0, "DELE 1 [2147483648|-] 2147483648 0");
	check("DELE 007", 0, "DELE 1 [007|-] 7 0");
	check("RSET", 0, "RSET 0 [-|-] 0 0");
	check("NOOP", 0, "NOOP 0 [-|-] 0 0");
	check("QUIT", 0, "QUIT 0 [-|-] 0 0");
	check("CAPA", 0, "CAPA 0 [-|-] 0 0");
	check("stls", 0, "STLS 0 [-|-] 0 0");
	check("UTF8", 0, "UTF8 0 [-|-] 0 0");
	check("AUTH", 0, "AUTH 0 [-|-] 0 0");
	check("AUTH PLAIN", 0, "AUTH 1 [PLAIN|-] 0 0");
	check("AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=", 0, "AUTH 2 [PLAIN|dGVzdAB0ZXN0AHRlc3Q=] 0 0");
	check("AUTH PLAIN =", 0, "AUTH 2 [PLAIN|=] 0 0");
	/* lenient spacing */
	check("LIST 2 ", 0, "LIST 1 [2|-] 2 0");
	check("TOP  3   5", 0, "TOP 2 [3|5] 3 5");
	check("QUIT ", 0, "QUIT 0 [-|-] 0 0");
	check("USER j\xc3\xb6rg", 0, "USER 1 [j\xc3\xb6rg|-] 0 0");
}

static void test_errors(void)
{
	check("", 0, "ERR Unknown command");
	check(" QUIT", 0, "ERR Unknown command");
	check("APOP mrose c4c9334bac560ecc979e58001b3e22fb", 0, "ERR Unknown command");
	check("QUITX", 0, "ERR Unknown command");
	check("XTND XMIT", 0, "ERR Unknown command");
	check("USER", 0, "ERR Missing argument");
	check("USER ", 0, "ERR Missing argument");
	check("USER a b", 0, "ERR Too many arguments");
	check("PASS", 0, "ERR Missing argument");
	check("PASS ", 0, "ERR Missing argument");
	check("STAT 1", 0, "ERR Too many arguments");
	check("QUIT now", 0, "ERR Too many arguments");
	check("LIST 1 2", 0, "ERR Too many arguments");
	check("RETR", 0, "ERR Missing argument");
	check("RETR 0", 0, "ERR Invalid message number");
	check("RETR -1", 0, "ERR Invalid message number");
	check("RETR +1", 0, "ERR Invalid message number");
	check("RETR 1x", 0, "ERR Invalid message number");
	check("DELE 2147483649", 0, "ERR Invalid message number");
	check("DELE 99999999999999999999999", 0, "ERR Invalid message number");
	check("LIST abc", 0, "ERR Invalid message number");
	check("TOP 1", 0, "ERR Missing argument");
	check("TOP 1 -1", 0, "ERR Invalid line count");
	check("TOP 1 x", 0, "ERR Invalid line count");
	check("TOP 0 1", 0, "ERR Invalid message number");
	check("TOP 1 2 3", 0, "ERR Too many arguments");
	check("AUTH PLAIN abc def", 0, "ERR Too many arguments");
	check("NOOP\t", 0, "ERR Invalid characters in command");
	check("USER a\rb", 0, "ERR Invalid characters in command");
	check("USER \x7f", 0, "ERR Invalid characters in command");
	check("USER \xff", 0, "ERR Invalid characters in command");
	check("PASS \xc3", 0, "ERR Invalid characters in command");
	check("XYZ\x01", 0, "ERR Invalid characters in command");
}

static void test_nul(void)
{
	char line[] = "USER a\0b";
	struct pop3_command cmd;
	const char *error;

	test_assert_int(pop3_command_parse(line, sizeof(line) - 1, 0, &cmd, &error), -1);
	test_assert_str(error, "Invalid characters in command");
	test_assert_int(cmd.verb, POP3_VERB_USER);
}

/* Parse a line of len octets: keyword, one space, then fill bytes. */
static int parse_long(const char *keyword, size_t len, size_t long_max,
		      struct pop3_command *cmd, const char **error_r)
{
	static char buf[POP3_LONG_LINE_MAX * 2];
	size_t klen = strlen(keyword);

	memcpy(buf, keyword, klen);
	buf[klen] = ' ';
	memset(buf + klen + 1, 'x', len - klen - 1);
	return pop3_command_parse(buf, len, long_max, cmd, error_r);
}

static void test_lengths(void)
{
	struct pop3_command cmd;
	const char *error;

	/* ordinary commands: 255 octets with CRLF, 253 without */
	test_assert_int(parse_long("USER", POP3_LINE_MAX, 0, &cmd, &error), 0);
	test_assert_int(strlen(cmd.argv[0]), POP3_LINE_MAX - 5);
	test_assert_int(parse_long("USER", POP3_LINE_MAX + 1, 0, &cmd, &error), -1);
	test_assert_str(error, "Command line too long");
	test_assert_int(cmd.verb, POP3_VERB_USER);
	test_assert_int(parse_long("USER", POP3_LINE_MAX + 1, 100000, &cmd, &error), -1);
	test_assert_int(parse_long("XXXX", POP3_LINE_MAX + 1, 0, &cmd, &error), -1);
	test_assert_str(error, "Command line too long");

	/* PASS and AUTH: the long limit (default or given) */
	test_assert_int(parse_long("PASS", POP3_LONG_LINE_MAX, 0, &cmd, &error), 0);
	test_assert_int(strlen(cmd.argv[0]), POP3_LONG_LINE_MAX - 5);
	test_assert_int(parse_long("PASS", POP3_LONG_LINE_MAX + 1, 0, &cmd, &error), -1);
	test_assert_str(error, "Command line too long");
	test_assert_int(parse_long("pass", 1000, 999, &cmd, &error), -1);
	test_assert_int(parse_long("pass", 999, 999, &cmd, &error), 0);
	test_assert_int(parse_long("AUTH PLAIN", 4000, 0, &cmd, &error), 0);
	test_assert_int(cmd.argc, 2);
	test_assert_int(strlen(cmd.argv[1]), 4000 - 11);
	test_assert_int(parse_long("AUTH PLAIN", POP3_LONG_LINE_MAX + 1, 0, &cmd, &error), -1);
}

static void test_names(void)
{
	test_assert_str(pop3_verb_name(POP3_VERB_TOP), "TOP");
	test_assert_str(pop3_verb_name(POP3_VERB_UTF8), "UTF8");
	test_assert_str(pop3_verb_name(POP3_VERB_UNKNOWN), "UNKNOWN");
}

int main(void)
{
	test_run("verbs", test_verbs);
	test_run("errors", test_errors);
	test_run("nul", test_nul);
	test_run("lengths", test_lengths);
	test_run("names", test_names);
	return test_end();
}
