/*
 * admin-address.c — validating and lower-casing the domain names and
 * addresses operators type (see admin-private.h).
 *
 * Domains are LDH host names (internationalised ones in their xn-- form).
 * Local parts are dot-atoms without RFC 5322 specials, so that every stored
 * address can be written in SMTP without quoting; UTF-8 is allowed
 * (SMTPUTF8) and lower-cased by PostgreSQL, whose lower() the schema's CHECK
 * constraints use.
 */
#include "admin-private.h"

#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define ADMIN_DOMAIN_MAX 253
#define ADMIN_LABEL_MAX 63
#define ADMIN_LOCALPART_MAX 64

static bool admin_domain_name_valid(const char *name)
{
	size_t len = strlen(name), label = 0;

	if (len == 0 || len > ADMIN_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = name[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > ADMIN_LABEL_MAX || name[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)c) || (c == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

/* NULL when the local part is acceptable, else what is wrong with it. */
static const char *admin_localpart_problem(const char *localpart)
{
	size_t len = strlen(localpart);

	if (len == 0)
		return "empty local part";
	if (len > ADMIN_LOCALPART_MAX)
		return "local part longer than 64 bytes";
	if (localpart[0] == '.' || localpart[len - 1] == '.' || strstr(localpart, "..") != NULL)
		return "local part starts or ends with a dot, or repeats one";
	for (const unsigned char *p = (const unsigned char *)localpart; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f)
			return "local part holds a space or control character";
		if (strchr("()<>[]:;@\\,\"", *p) != NULL)
			return "local part holds one of ()<>[]:;@\\,\"";
	}
	return NULL;
}

static char *admin_ascii_lower(const char *input, bool *non_ascii_r)
{
	char *copy = xstrdup(input);

	*non_ascii_r = false;
	for (char *p = copy; *p != '\0'; p++) {
		*p = tolower((unsigned char)*p);
		if ((unsigned char)*p >= 0x80)
			*non_ascii_r = true;
	}
	return copy;
}

char *admin_domain_name_parse(struct admin_db *db, const char *input, const char **error_r)
{
	bool non_ascii;
	char *name = admin_ascii_lower(input, &non_ascii);

	if (!admin_domain_name_valid(name)) {
		*error_r = admin_error(db, "invalid domain name '%s'%s", input,
				       non_ascii ? " (write internationalised names as xn--)" : "");
		free(name);
		return NULL;
	}
	return name;
}

/* Lower-case the local part as PostgreSQL does for non-ASCII text. */
static char *admin_localpart_lower(struct admin_db *db, const char *input, const char **error_r)
{
	bool non_ascii;
	char *lower = admin_ascii_lower(input, &non_ascii);
	PGresult *res;

	if (!non_ascii)
		return lower;
	free(lower);
	res = admin_query(db, "SELECT lower($1)", 1, &input, error_r);
	if (res == NULL)
		return NULL;
	lower = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return lower;
}

int admin_address_parse(struct admin_db *db, const char *input, bool allow_catchall,
			struct admin_address *addr_r, const char **error_r)
{
	const char *at = strrchr(input, '@');
	const char *problem;
	char *localpart;

	memset(addr_r, 0, sizeof(*addr_r));
	if (at == NULL) {
		*error_r = admin_error(db, "invalid address '%s': expected localpart@domain", input);
		return -1;
	}
	addr_r->domain = admin_domain_name_parse(db, at + 1, error_r);
	if (addr_r->domain == NULL)
		return -1;
	localpart = xstrndup(input, at - input);
	if (localpart[0] == '\0' && allow_catchall) {
		addr_r->localpart = localpart;
	} else if ((problem = admin_localpart_problem(localpart)) != NULL) {
		*error_r = admin_error(db, "invalid address '%s': %s", input, problem);
		free(localpart);
	} else {
		addr_r->localpart = admin_localpart_lower(db, localpart, error_r);
		free(localpart);
	}
	if (addr_r->localpart == NULL) {
		admin_address_free(addr_r);
		return -1;
	}
	addr_r->address = xasprintf("%s@%s", addr_r->localpart, addr_r->domain);
	return 0;
}

void admin_address_free(struct admin_address *addr)
{
	free(addr->address);
	free(addr->localpart);
	free(addr->domain);
	memset(addr, 0, sizeof(*addr));
}
