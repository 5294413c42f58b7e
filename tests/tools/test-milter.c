/*
 * test-milter.c — a small libmilter filter the integration tests call the
 * node's milter client against (tests/integration/test_milter.py). Not
 * installed.
 *
 *   test-milter --socket inet:PORT@127.0.0.1 [--name NAME]
 *
 * Every message gets "X-Test-Milter: NAME" and "X-Test-Milter-Seen:" with
 * what the milter was told (client address, HELO, sender, recipient
 * count, header count, body bytes). The Subject picks what else happens:
 * reject-me, tempfail-me, discard-me, replycode-me (451 with a text),
 * replace-body, quarantine-me, change-subject, insert-header, spam-score,
 * hang-me (never answers), close-me (the process exits mid-message). A
 * recipient containing "milter-reject" is refused at RCPT.
 */
#include <libmilter/mfapi.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *milter_name = "test";

struct test_milter_state {
	char client[64], helo[128], from[256], subject[256];
	unsigned int rcpts, headers;
	size_t body;
};

static struct test_milter_state *state_of(SMFICTX *ctx)
{
	struct test_milter_state *st = smfi_getpriv(ctx);

	if (st == NULL) {
		st = calloc(1, sizeof(*st));
		smfi_setpriv(ctx, st);
	}
	return st;
}

static sfsistat tm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	snprintf(state_of(ctx)->client, sizeof(state_of(ctx)->client), "%s", host);
	return SMFIS_CONTINUE;
}

static sfsistat tm_helo(SMFICTX *ctx, char *helo)
{
	snprintf(state_of(ctx)->helo, sizeof(state_of(ctx)->helo), "%s", helo);
	return SMFIS_CONTINUE;
}

static sfsistat tm_envfrom(SMFICTX *ctx, char **argv)
{
	struct test_milter_state *st = state_of(ctx);

	snprintf(st->from, sizeof(st->from), "%s", argv[0]);
	st->rcpts = st->headers = 0;
	st->body = 0;
	st->subject[0] = '\0';
	return SMFIS_CONTINUE;
}

static sfsistat tm_envrcpt(SMFICTX *ctx, char **argv)
{
	if (strstr(argv[0], "milter-reject") != NULL) {
		smfi_setreply(ctx, "550", "5.7.1", "test-milter refuses this recipient");
		return SMFIS_REJECT;
	}
	state_of(ctx)->rcpts++;
	return SMFIS_CONTINUE;
}

static sfsistat tm_header(SMFICTX *ctx, char *name, char *value)
{
	struct test_milter_state *st = state_of(ctx);

	st->headers++;
	if (strcasecmp(name, "Subject") == 0)
		snprintf(st->subject, sizeof(st->subject), "%s", value);
	return SMFIS_CONTINUE;
}

static sfsistat tm_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	state_of(ctx)->body += len;
	return SMFIS_CONTINUE;
}

static bool subject_has(const struct test_milter_state *st, const char *word)
{
	return strstr(st->subject, word) != NULL;
}

/* The Subject's commands that end the message with a verdict; -1 when
   none does. */
static sfsistat tm_verdict(SMFICTX *ctx, const struct test_milter_state *st)
{
	if (subject_has(st, "hang-me"))
		sleep(3600);
	if (subject_has(st, "close-me"))
		_exit(0);
	if (subject_has(st, "reject-me")) {
		char text[128];

		snprintf(text, sizeof(text), "test-milter %s rejects this message", milter_name);
		smfi_setreply(ctx, "554", "5.7.1", text);
		return SMFIS_REJECT;
	}
	if (subject_has(st, "tempfail-me"))
		return SMFIS_TEMPFAIL;
	if (subject_has(st, "replycode-me")) {
		smfi_setreply(ctx, "451", "4.3.2", "test-milter is busy");
		return SMFIS_TEMPFAIL;
	}
	if (subject_has(st, "discard-me"))
		return SMFIS_DISCARD;
	return -1;
}

static sfsistat tm_eom(SMFICTX *ctx)
{
	struct test_milter_state *st = state_of(ctx);
	char seen[768];
	sfsistat verdict = tm_verdict(ctx, st);

	if (verdict != (sfsistat)-1)
		return verdict;
	snprintf(seen, sizeof(seen), "client=%s helo=%s from=%s rcpts=%u headers=%u body=%zu",
		 st->client, st->helo, st->from, st->rcpts, st->headers, st->body);
	smfi_addheader(ctx, "X-Test-Milter", (char *)milter_name);
	smfi_addheader(ctx, "X-Test-Milter-Seen", seen);
	if (subject_has(st, "replace-body"))
		smfi_replacebody(ctx, (unsigned char *)"Body replaced by test-milter\r\n", 30);
	if (subject_has(st, "quarantine-me"))
		smfi_quarantine(ctx, "test-milter quarantine");
	if (subject_has(st, "change-subject"))
		smfi_chgheader(ctx, "Subject", 1, "changed by milter");
	if (subject_has(st, "insert-header"))
		smfi_insheader(ctx, 0, "X-Test-Milter-First", (char *)milter_name);
	if (subject_has(st, "spam-score"))
		smfi_addheader(ctx, "X-Spam-Score", "7.5");
	return SMFIS_CONTINUE;
}

static sfsistat tm_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

int main(int argc, char **argv)
{
	struct smfiDesc desc = {
		.xxfi_name = "petrel-test-milter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_QUARANTINE,
		.xxfi_connect = tm_connect,
		.xxfi_helo = tm_helo,
		.xxfi_envfrom = tm_envfrom,
		.xxfi_envrcpt = tm_envrcpt,
		.xxfi_header = tm_header,
		.xxfi_body = tm_body,
		.xxfi_eom = tm_eom,
		.xxfi_close = tm_close,
	};
	const char *socket = NULL;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--socket") == 0)
			socket = argv[i + 1];
		else if (strcmp(argv[i], "--name") == 0)
			milter_name = argv[i + 1];
	}
	if (socket == NULL) {
		fprintf(stderr, "usage: test-milter --socket SPEC [--name NAME]\n");
		return 2;
	}
	if (smfi_setconn((char *)socket) == MI_FAILURE || smfi_register(desc) == MI_FAILURE) {
		fprintf(stderr, "test-milter: cannot set up %s\n", socket);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
