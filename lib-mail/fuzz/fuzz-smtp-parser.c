/*
 * fuzz-smtp-parser.c — libFuzzer target for SMTP command lines and
 * address canonicalisation (smtp-parser.c, smtp-address.c).
 *
 * Checks, beyond the sanitizers: every pointer in the parsed command lies
 * inside the line, parameters are upper-cased, and canonical addresses are
 * a fixpoint (normalising the output again gives the same output).
 */
#include "smtp-parser.h"

#include <stdlib.h>
#include <string.h>

static void check_in_line(const char *p, const char *line, size_t len)
{
	if (p != NULL && (p < line || p > line + len))
		abort();
}

static void check_address(const char *path)
{
	char out[SMTP_PATH_MAX], again[SMTP_PATH_MAX], split[SMTP_PATH_MAX];
	char *local, *domain;
	const char *error;

	for (int flags = 0; flags < 8; flags++) {
		bool utf8 = flags & 1, allow_empty = flags & 2, sender = flags & 4;

		if (smtp_address_normalize(path, utf8, allow_empty, sender, out, sizeof(out),
					   &error) < 0) {
			if (error == NULL || strncmp(error, "5", 1) != 0)
				abort();
			continue;
		}
		if (smtp_address_normalize(out, utf8, allow_empty, sender, again, sizeof(again),
					   &error) < 0 || strcmp(out, again) != 0)
			abort();
		memcpy(split, out, strlen(out) + 1);
		if (smtp_address_split(split, &local, &domain) == 0 &&
		    (*domain == '\0' || strlen(local) + strlen(domain) + 1 != strlen(out)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct smtp_command cmd;
	const char *error = NULL, *value;
	char *line;

	if (size > 4096)
		return 0;
	line = malloc(size + 1);
	memcpy(line, data, size);
	if (smtp_command_parse(line, size, &cmd, &error) < 0) {
		if (error == NULL || (error[0] != '5' && error[0] != '4'))
			abort();
		free(line);
		return 0;
	}
	check_in_line(cmd.arg, line, size);
	check_in_line(cmd.path, line, size);
	for (unsigned int i = 0; i < cmd.param_count; i++) {
		check_in_line(cmd.params[i].keyword, line, size);
		check_in_line(cmd.params[i].value, line, size);
		for (const char *k = cmd.params[i].keyword; *k != '\0'; k++) {
			if (*k >= 'a' && *k <= 'z')
				abort();
		}
		if (!smtp_command_param(&cmd, cmd.params[i].keyword, &value))
			abort();
	}
	if (cmd.path != NULL)
		check_address(cmd.path);
	free(line);
	return 0;
}
