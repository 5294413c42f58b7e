/*
 * milter-target.c — parsing the "milters" setting into addresses and
 * failure actions (see milter-target.h).
 */
#include "milter-target.h"

#include "net.h"

#include <stdio.h>
#include <string.h>
#include <sys/un.h>

int milter_fail_action_parse(const char *text)
{
	if (strcmp(text, "accept") == 0)
		return MILTER_FAIL_ACCEPT;
	if (strcmp(text, "tempfail") == 0)
		return MILTER_FAIL_TEMPFAIL;
	if (strcmp(text, "reject") == 0)
		return MILTER_FAIL_REJECT;
	return -1;
}

static int milter_target_address(const char *address, struct milter_target *t)
{
	const char *error;

	if (strncmp(address, "unix:", 5) == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)&t->addr;
		size_t len = strlen(address + 5);

		if (address[5] != '/' || len >= sizeof(un->sun_path))
			return -1;
		memset(un, 0, sizeof(*un));
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, address + 5, len + 1);
		t->addr_len = (socklen_t)sizeof(*un);
		return 0;
	}
	if (strncmp(address, "inet:", 5) != 0)
		return -1;
	address += 5;
	if (strncmp(address, "localhost:", 10) == 0) {
		char literal[32];

		snprintf(literal, sizeof(literal), "127.0.0.1:%s", address + 10);
		return net_parse_address(literal, &t->addr, &t->addr_len, &error);
	}
	return net_parse_address(address, &t->addr, &t->addr_len, &error);
}

/* One entry: an address, then optional "default_action=..." options. */
static int milter_target_parse_one(char *entry, struct milter_target *t)
{
	char *save = NULL, *word = strtok_r(entry, " \t", &save);

	memset(t, 0, sizeof(*t));
	if (word == NULL || strlen(word) >= sizeof(t->spec) || milter_target_address(word, t) < 0)
		return -1;
	strcpy(t->spec, word);
	while ((word = strtok_r(NULL, " \t", &save)) != NULL) {
		int action;

		if (strncmp(word, "default_action=", 15) != 0)
			return -1;
		action = milter_fail_action_parse(word + 15);
		if (action < 0)
			return -1;
		t->fail = (enum milter_fail_action)action;
	}
	return 0;
}

int milter_target_parse_list(const char *setting, struct milter_target *targets,
			     unsigned int *count_r, const char **error_r)
{
	static char error[300];
	char copy[2048], *save = NULL, *entry;
	unsigned int count = 0;

	if (strlen(setting) >= sizeof(copy)) {
		*error_r = "milters setting too long";
		return -1;
	}
	strcpy(copy, setting);
	for (entry = strtok_r(copy, ",", &save); entry != NULL;
	     entry = strtok_r(NULL, ",", &save)) {
		if (strspn(entry, " \t") == strlen(entry))
			continue;
		if (count == MILTER_TARGETS_MAX) {
			*error_r = "more than 8 milters";
			return -1;
		}
		snprintf(error, sizeof(error), "bad milter entry \"%s\"", entry);
		if (milter_target_parse_one(entry, &targets[count]) < 0) {
			*error_r = error;
			return -1;
		}
		count++;
	}
	*count_r = count;
	return 0;
}
