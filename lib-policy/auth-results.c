/*
 * auth-results.c — formats the Authentication-Results: field value
 * (RFC 8601) from SPF, DKIM and DMARC outcomes (see auth-results.h).
 */
#include "auth-results.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* RFC 5322 atext plus '.' and '@' (a dot-atom or an addr-spec without
   quoting): such a value goes out as it is. */
static bool auth_results_is_token(const char *value)
{
	if (value[0] == '\0')
		return false;
	for (const char *p = value; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 0x7f || strchr("\"(),:;<>[\\]", c) != NULL)
			return false;
	}
	return true;
}

/* A property value: a token, else a quoted-string without control bytes
   (a value from the network must not break the header). */
static void auth_results_value(struct strbuf *out, const char *value)
{
	if (auth_results_is_token(value)) {
		strbuf_append(out, value);
		return;
	}
	strbuf_append_c(out, '"');
	for (const char *p = value; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < ' ' || c == 0x7f)
			continue;
		if (c == '"' || c == '\\')
			strbuf_append_c(out, '\\');
		strbuf_append_c(out, (char)c);
	}
	strbuf_append_c(out, '"');
}

static void auth_results_method(struct strbuf *out, const char *method, const char *result)
{
	strbuf_printf(out, ";\r\n\t%s=%s", method, result);
}

static void auth_results_property(struct strbuf *out, const char *name, const char *value)
{
	if (value == NULL)
		return;
	strbuf_printf(out, " %s=", name);
	auth_results_value(out, value);
}

void auth_results_format(const struct auth_results *ar, const char *authserv_id,
			 struct strbuf *out)
{
	size_t start;

	auth_results_value(out, authserv_id);
	start = out->len;
	if (ar->spf != NULL) {
		auth_results_method(out, "spf", ar->spf);
		auth_results_property(out, "smtp.mailfrom", ar->spf_mailfrom);
		auth_results_property(out, "smtp.helo", ar->spf_helo);
	}
	if (ar->dkim_count == 0 && ar->dkim_none)
		auth_results_method(out, "dkim", "none");
	for (unsigned int i = 0; i < ar->dkim_count && i < AUTH_RESULTS_MAX_DKIM; i++) {
		auth_results_method(out, "dkim", ar->dkim[i].result);
		auth_results_property(out, "header.d", ar->dkim[i].domain);
		auth_results_property(out, "header.s", ar->dkim[i].selector);
	}
	if (ar->dmarc != NULL) {
		auth_results_method(out, "dmarc", ar->dmarc);
		if (ar->dmarc_policy != NULL)
			strbuf_printf(out, " (p=%s)", ar->dmarc_policy);
		auth_results_property(out, "header.from", ar->dmarc_from);
	}
	if (out->len == start)
		strbuf_append(out, "; none");
}

bool auth_results_names(const char *value, size_t len, const char *authserv_id)
{
	size_t i = 0, id_start, id_len = strlen(authserv_id);

	/* folding white space and comments may come first (RFC 8601 2.2) */
	while (i < len) {
		if (value[i] == ' ' || value[i] == '\t' || value[i] == '\r' || value[i] == '\n') {
			i++;
		} else if (value[i] == '(') {
			while (i < len && value[i] != ')')
				i++;
			i++;
		} else {
			break;
		}
	}
	id_start = i;
	while (i < len && value[i] != ';' && value[i] != ' ' && value[i] != '\t' &&
	       value[i] != '\r' && value[i] != '(')
		i++;
	return i - id_start == id_len && id_len > 0 &&
	       strncasecmp(value + id_start, authserv_id, id_len) == 0;
}
