/*
 * smtp-address.c — validation and canonical form of MAIL FROM / RCPT TO
 * addresses (RFC 5321 4.1.2 Mailbox, RFC 6531 for UTF-8): one spelling per
 * mailbox, so the resolver and the greylist compare like with like.
 */
#include "smtp-parser.h"

#include "utf8.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#define SMTP_LABEL_MAX 63

struct smtp_address_errors {
	const char *syntax, *too_long;
};

static const struct smtp_address_errors smtp_sender_errors = {
	"501 5.1.7 Bad sender address syntax", "501 5.1.7 Sender address too long",
};
static const struct smtp_address_errors smtp_rcpt_errors = {
	"501 5.1.3 Bad recipient address syntax", "501 5.1.3 Recipient address too long",
};

/* RFC 5322 atext, plus UTF-8 when allowed (the bytes were validated). */
static bool smtp_is_atext(unsigned char c, bool utf8)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	if (c >= 0x80)
		return utf8;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool smtp_is_dot_atom(const char *s, size_t len, bool utf8)
{
	bool atom_start = true;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (atom_start)
				return false;
			atom_start = true;
		} else if (smtp_is_atext((unsigned char)s[i], utf8)) {
			atom_start = false;
		} else {
			return false;
		}
	}
	return !atom_start;
}

/* Read the local part at path into local (unquoted form). Returns the
   number of bytes of path it spans, or 0 on a syntax error. */
static size_t smtp_local_part_read(const char *path, bool utf8, char *local,
				   size_t *local_len_r)
{
	size_t i, n = 0;

	if (path[0] != '"') {
		for (i = 0; path[i] != '\0' && path[i] != '@'; i++) {
			if (n == SMTP_PATH_MAX)
				return 0;
			local[n++] = path[i];
		}
		if (!smtp_is_dot_atom(local, n, utf8))
			return 0;
		*local_len_r = n;
		return i;
	}
	/* quoted-string: qtextSMTP = %d32-33 / %d35-91 / %d93-126,
	   quoted-pairSMTP = "\" %d32-126 */
	for (i = 1; path[i] != '"'; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c == '\0')
			return 0;   /* unbalanced quote */
		if (c == '\\') {
			c = (unsigned char)path[++i];
			if (c == '\0')
				return 0;   /* backslash at the end */
		}
		if (c < 32 || c == 127 || (c >= 0x80 && !utf8) || n == SMTP_PATH_MAX)
			return 0;
		local[n++] = (char)c;
	}
	*local_len_r = n;
	return i + 1;
}

/* Write the canonical local part: bare when it is a dot-atom, otherwise
   quoted with only '"' and '\' escaped. Returns false when it is too long. */
static bool smtp_local_part_write(const char *local, size_t len, bool utf8,
				  char *out, size_t *out_len_r)
{
	size_t n = 0;

	if (smtp_is_dot_atom(local, len, utf8)) {
		if (len > SMTP_LOCAL_PART_MAX)
			return false;
		memcpy(out, local, len);
		*out_len_r = len;
		return true;
	}
	out[n++] = '"';
	for (size_t i = 0; i < len; i++) {
		bool escape = local[i] == '"' || local[i] == '\\';

		/* room for this character and the closing quote */
		if (n + (escape ? 2 : 1) + 1 > SMTP_LOCAL_PART_MAX)
			return false;
		if (escape)
			out[n++] = '\\';
		out[n++] = local[i];
	}
	out[n++] = '"';
	*out_len_r = n;
	return true;
}

/* address-literal = "[" ( IPv4 / "IPv6:" IPv6 / tag ":" 1*dcontent ) "]" */
static bool smtp_address_literal_valid(const char *domain, size_t len)
{
	char inner[SMTP_DOMAIN_MAX + 1];
	unsigned char addr[16];
	const char *colon;
	size_t n;

	if (len < 3 || domain[len - 1] != ']' || len - 2 > SMTP_DOMAIN_MAX)
		return false;
	n = len - 2;
	memcpy(inner, domain + 1, n);
	inner[n] = '\0';
	if (strncasecmp(inner, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, inner + 5, addr) == 1;
	colon = strchr(inner, ':');
	if (colon == NULL)
		return inet_pton(AF_INET, inner, addr) == 1;
	/* General-address-literal: Standardized-tag ":" 1*dcontent */
	if (colon == inner || inner[0] == '-' || colon[-1] == '-' || colon[1] == '\0')
		return false;
	for (const char *p = inner; p < colon; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	}
	for (const char *p = colon + 1; *p != '\0'; p++) {
		if (*p < 33 || *p > 126 || *p == '[' || *p == '\\' || *p == ']')
			return false;
	}
	return true;
}

/* Domain = sub-domain *("." sub-domain); Let-dig [Ldh-str] labels of at
   most 63 octets, U-labels allowed with utf8. Lower-cases ASCII into out. */
static bool smtp_domain_normalize(const char *domain, size_t len, bool utf8, char *out)
{
	size_t label_start = 0;

	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > SMTP_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)domain[i] : '.';

		if (c == '.') {
			if (i == label_start || i - label_start > SMTP_LABEL_MAX ||
			    domain[label_start] == '-' || domain[i - 1] == '-')
				return false;
			label_start = i + 1;
		} else if (c >= 'A' && c <= 'Z') {
			c += 'a' - 'A';
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			     (c >= 0x80 && utf8))) {
			return false;
		}
		if (i < len)
			out[i] = (char)c;
	}
	out[len] = '\0';
	return true;
}

static int smtp_address_error(const char *msg, const char **error_r)
{
	*error_r = msg;
	return -1;
}

int smtp_address_normalize(const char *path, bool utf8, bool allow_empty, bool is_sender,
			   char *out, size_t out_size, const char **error_r)
{
	const struct smtp_address_errors *err =
		is_sender ? &smtp_sender_errors : &smtp_rcpt_errors;
	char local[SMTP_PATH_MAX + 1], canon[SMTP_LOCAL_PART_MAX + SMTP_DOMAIN_MAX + 3];
	size_t path_len = strlen(path), local_len, used, canon_len, domain_len;
	const char *domain;

	if (path_len == 0) {
		if (!allow_empty)
			return smtp_address_error(err->syntax, error_r);
		if (out_size == 0)
			return smtp_address_error(err->too_long, error_r);
		out[0] = '\0';
		return 0;
	}
	if (path_len > SMTP_PATH_MAX - 2)
		return smtp_address_error(err->too_long, error_r);
	for (size_t i = 0; i < path_len; i++) {
		if ((unsigned char)path[i] >= 0x80 && !utf8) {
			return smtp_address_error("553 5.6.7 Non-ASCII address requires SMTPUTF8",
						  error_r);
		}
	}
	if (!utf8_is_valid((const unsigned char *)path, path_len))
		return smtp_address_error(err->syntax, error_r);

	used = smtp_local_part_read(path, utf8, local, &local_len);
	if (used == 0)
		return smtp_address_error(err->syntax, error_r);
	if (path[used] == '\0') {
		/* only "postmaster" may come without a domain, and only as a
		   recipient */
		if (is_sender || local_len != 10 || strncasecmp(local, "postmaster", 10) != 0)
			return smtp_address_error(err->syntax, error_r);
		if (out_size < 11)
			return smtp_address_error(err->too_long, error_r);
		memcpy(out, "postmaster", 11);
		return 0;
	}
	if (path[used] != '@')
		return smtp_address_error(err->syntax, error_r);
	if (!smtp_local_part_write(local, local_len, utf8, canon, &canon_len))
		return smtp_address_error(err->too_long, error_r);
	canon[canon_len++] = '@';

	domain = path + used + 1;
	domain_len = path_len - used - 1;
	if (domain[0] == '[') {
		if (!smtp_address_literal_valid(domain, domain_len))
			return smtp_address_error(err->syntax, error_r);
		memcpy(canon + canon_len, domain, domain_len + 1);
	} else if (!smtp_domain_normalize(domain, domain_len, utf8, canon + canon_len)) {
		return smtp_address_error(err->syntax, error_r);
	}
	canon_len += strlen(canon + canon_len);
	if (canon_len + 1 > out_size)
		return smtp_address_error(err->too_long, error_r);
	memcpy(out, canon, canon_len + 1);
	return 0;
}

int smtp_address_split(char *address, char **local_r, char **domain_r)
{
	size_t len = strlen(address);
	char *at = NULL;

	if (len > 0 && address[len - 1] == ']') {
		char *bracket = strrchr(address, '[');

		if (bracket != NULL && bracket > address && bracket[-1] == '@')
			at = bracket - 1;
	}
	if (at == NULL)
		at = strrchr(address, '@');
	if (at == NULL)
		return -1;
	*at = '\0';
	*local_r = address;
	*domain_r = at + 1;
	return 0;
}
