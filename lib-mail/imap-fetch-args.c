/*
 * imap-fetch-args.c — parsing the FETCH attribute list and modifiers
 * (see imap-fetch-args.h).
 */
#include "imap-fetch-args.h"

#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	unsigned int items;
} imap_fetch_simple[] = {
	{ "UID", IMAP_FETCH_UID },
	{ "FLAGS", IMAP_FETCH_FLAGS },
	{ "INTERNALDATE", IMAP_FETCH_INTERNALDATE },
	{ "RFC822.SIZE", IMAP_FETCH_RFC822_SIZE },
	{ "ENVELOPE", IMAP_FETCH_ENVELOPE },
	{ "BODY", IMAP_FETCH_BODY },
	{ "BODYSTRUCTURE", IMAP_FETCH_BODYSTRUCTURE },
	{ "MODSEQ", IMAP_FETCH_MODSEQ },
};

/* The macros stand alone, never inside a list (RFC 9051 6.4.5). */
static const struct {
	const char *name;
	unsigned int items;
} imap_fetch_macros[] = {
	{ "ALL", IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE | IMAP_FETCH_RFC822_SIZE |
		 IMAP_FETCH_ENVELOPE },
	{ "FAST", IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE | IMAP_FETCH_RFC822_SIZE },
	{ "FULL", IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE | IMAP_FETCH_RFC822_SIZE |
		  IMAP_FETCH_ENVELOPE | IMAP_FETCH_BODY },
};

/* RFC822* are body sections answered under their own names. */
static const struct {
	const char *name;
	const char *spec;
	bool peek;
} imap_fetch_rfc822[] = {
	{ "RFC822", "", false },
	{ "RFC822.HEADER", "HEADER", true },
	{ "RFC822.TEXT", "TEXT", false },
};

static int imap_fetch_body_add(struct imap_fetch_args *args, const char *spec,
			       enum imap_fetch_section_item item, struct imap_fetch_body *body,
			       const char **error_r)
{
	if (args->body_count == IMAP_FETCH_ARGS_MAX_SECTIONS) {
		*error_r = "Too many sections in FETCH";
		return -1;
	}
	if (imap_fetch_section_parse(spec, item, &body->section, error_r) < 0)
		return -1;
	args->bodies = xrealloc(args->bodies, (args->body_count + 1) * sizeof(*args->bodies));
	args->bodies[args->body_count++] = *body;
	return 0;
}

/* BODY[...], BODY.PEEK[...], BINARY[.PEEK][...] or BINARY.SIZE[...]. */
static int imap_fetch_section_att(struct imap_fetch_args *args, const char *name,
				  const char *spec, struct imap_fetch_body *body,
				  const char **error_r)
{
	enum imap_fetch_section_item item;

	if (strcasecmp(name, "BODY") == 0 || strcasecmp(name, "BODY.PEEK") == 0) {
		item = IMAP_FETCH_ITEM_BODY;
		body->peek = strcasecmp(name, "BODY.PEEK") == 0;
	} else if (strcasecmp(name, "BINARY") == 0 || strcasecmp(name, "BINARY.PEEK") == 0) {
		item = IMAP_FETCH_ITEM_BINARY;
		body->peek = strcasecmp(name, "BINARY.PEEK") == 0;
	} else if (strcasecmp(name, "BINARY.SIZE") == 0) {
		if (body->has_partial) {
			*error_r = "BINARY.SIZE takes no partial range";
			return -1;
		}
		item = IMAP_FETCH_ITEM_BINARY_SIZE;
		body->peek = true;
	} else {
		*error_r = "Unknown FETCH attribute";
		return -1;
	}
	return imap_fetch_body_add(args, spec, item, body, error_r);
}

static int imap_fetch_name_att(struct imap_fetch_args *args, const char *name,
			       const char **error_r)
{
	for (size_t i = 0; i < sizeof(imap_fetch_simple) / sizeof(imap_fetch_simple[0]); i++) {
		if (strcasecmp(name, imap_fetch_simple[i].name) == 0) {
			args->items |= imap_fetch_simple[i].items;
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(imap_fetch_rfc822) / sizeof(imap_fetch_rfc822[0]); i++) {
		struct imap_fetch_body body = { .alias = imap_fetch_rfc822[i].name,
						.peek = imap_fetch_rfc822[i].peek };

		if (strcasecmp(name, imap_fetch_rfc822[i].name) == 0)
			return imap_fetch_body_add(args, imap_fetch_rfc822[i].spec,
						   IMAP_FETCH_ITEM_BODY, &body, error_r);
	}
	*error_r = "Unknown FETCH attribute";
	return -1;
}

static int imap_fetch_att(struct imap_fetch_args *args, const struct imap_arg *arg,
			  const char **error_r)
{
	struct imap_fetch_body body = { .alias = NULL };
	const char *atom, *name, *spec;
	size_t size;
	char *buf;
	int ret;

	if (!imap_arg_get_atom(arg, &atom)) {
		*error_r = "FETCH attributes must be atoms";
		return -1;
	}
	size = strlen(atom) + 2;
	buf = xmalloc(size);
	if (imap_arg_fetch_att_split(atom, buf, size, &name, &spec, &body.has_partial,
				     &body.offset, &body.count) < 0) {
		*error_r = "Malformed FETCH attribute";
		ret = -1;
	} else if (spec != NULL) {
		ret = imap_fetch_section_att(args, name, spec, &body, error_r);
	} else if (body.has_partial) {
		*error_r = "Partial range without a section";
		ret = -1;
	} else {
		ret = imap_fetch_name_att(args, name, error_r);
	}
	free(buf);
	return ret;
}

static int imap_fetch_atts(struct imap_fetch_args *args, const struct imap_arg *att,
			   const char **error_r)
{
	const struct imap_arg *list;
	unsigned int count;
	const char *atom;

	if (imap_arg_get_atom(att, &atom)) {
		for (size_t i = 0; i < sizeof(imap_fetch_macros) / sizeof(imap_fetch_macros[0]); i++) {
			if (strcasecmp(atom, imap_fetch_macros[i].name) == 0) {
				args->items |= imap_fetch_macros[i].items;
				return 0;
			}
		}
		return imap_fetch_att(args, att, error_r);
	}
	if (!imap_arg_get_list(att, &list, &count) || count == 0) {
		*error_r = "FETCH needs an attribute or a non-empty list of attributes";
		return -1;
	}
	for (unsigned int i = 0; i < count; i++) {
		if (imap_fetch_att(args, &list[i], error_r) < 0)
			return -1;
	}
	return 0;
}

/* mod-sequence-valzer (RFC 7162 7): 0 up to 2^63 - 1. */
static bool imap_fetch_modseq_parse(const struct imap_arg *arg, uint64_t *value_r)
{
	const char *atom;
	char *end;
	unsigned long long value;

	if (!imap_arg_get_atom(arg, &atom) || atom[0] < '0' || atom[0] > '9')
		return false;
	errno = 0;
	value = strtoull(atom, &end, 10);
	if (errno != 0 || *end != '\0' || value > (unsigned long long)INT64_MAX)
		return false;
	*value_r = value;
	return true;
}

static int imap_fetch_modifiers(struct imap_fetch_args *args, const struct imap_arg *modifiers,
				const char **error_r)
{
	const struct imap_arg *list;
	unsigned int count;

	if (!imap_arg_get_list(modifiers, &list, &count) || count == 0) {
		*error_r = "FETCH modifiers must be a non-empty list";
		return -1;
	}
	for (unsigned int i = 0; i < count; i++) {
		if (imap_arg_atom_equals(&list[i], "CHANGEDSINCE") && !args->has_changedsince) {
			if (i + 1 == count ||
			    !imap_fetch_modseq_parse(&list[i + 1], &args->changedsince)) {
				*error_r = "CHANGEDSINCE needs a mod-sequence value";
				return -1;
			}
			args->has_changedsince = true;
			i++;
		} else if (imap_arg_atom_equals(&list[i], "VANISHED") && !args->vanished) {
			args->vanished = true;
		} else {
			*error_r = "Unknown or repeated FETCH modifier";
			return -1;
		}
	}
	if (args->vanished && !args->has_changedsince) {
		/* RFC 7162 3.2.6 */
		*error_r = "VANISHED needs CHANGEDSINCE";
		return -1;
	}
	return 0;
}

int imap_fetch_args_parse(const struct imap_arg *att, const struct imap_arg *modifiers,
			  struct imap_fetch_args *args_r, const char **error_r)
{
	memset(args_r, 0, sizeof(*args_r));
	if (imap_fetch_atts(args_r, att, error_r) < 0 ||
	    (modifiers != NULL && imap_fetch_modifiers(args_r, modifiers, error_r) < 0)) {
		imap_fetch_args_free(args_r);
		return -1;
	}
	return 0;
}

void imap_fetch_args_free(struct imap_fetch_args *args)
{
	for (unsigned int i = 0; i < args->body_count; i++)
		imap_fetch_section_free(&args->bodies[i].section);
	free(args->bodies);
	args->bodies = NULL;
	args->body_count = 0;
}

bool imap_fetch_args_sets_seen(const struct imap_fetch_args *args)
{
	for (unsigned int i = 0; i < args->body_count; i++) {
		if (!args->bodies[i].peek)
			return true;
	}
	return false;
}

bool imap_fetch_args_header_only(const struct imap_fetch_args *args)
{
	for (unsigned int i = 0; i < args->body_count; i++) {
		const struct imap_fetch_section *section = &args->bodies[i].section;

		if (section->path_count != 0 || section->item != IMAP_FETCH_ITEM_BODY ||
		    (section->kind != IMAP_FETCH_SECTION_HEADER &&
		     section->kind != IMAP_FETCH_SECTION_HEADER_FIELDS &&
		     section->kind != IMAP_FETCH_SECTION_HEADER_FIELDS_NOT))
			return false;
	}
	return args->body_count > 0;
}
