/*
 * milter-proto.c — encoding the MTA's milter commands and decoding the
 * filter's replies (protocol version 6), and the OPTNEG agreement on
 * actions and protocol steps. See milter-proto.h.
 */
#include "milter-proto.h"

#include <assert.h>
#include <string.h>

static void milter_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t milter_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Start a packet whose data is data_len bytes long. */
static void milter_begin(struct buffer *out, char command, size_t data_len)
{
	unsigned char head[5];

	assert(data_len < UINT32_MAX);
	milter_put32(head, (uint32_t)data_len + 1);
	head[4] = (unsigned char)command;
	buffer_append(out, head, sizeof(head));
}

/* Append a string with its terminating NUL. */
static void milter_put_str(struct buffer *out, const char *str)
{
	buffer_append(out, str, strlen(str) + 1);
}

void milter_encode_optneg(struct buffer *out, uint32_t actions, uint32_t protocol)
{
	unsigned char data[MILTER_OPTLEN];

	milter_put32(data, MILTER_PROTO_VERSION);
	milter_put32(data + 4, actions);
	milter_put32(data + 8, protocol);
	milter_begin(out, SMFIC_OPTNEG, sizeof(data));
	buffer_append(out, data, sizeof(data));
}

void milter_encode_macro(struct buffer *out, char for_command, const char *const *pairs,
			 unsigned int count)
{
	size_t len = 1;

	for (unsigned int i = 0; i < count * 2; i++)
		len += strlen(pairs[i]) + 1;
	milter_begin(out, SMFIC_MACRO, len);
	buffer_append(out, &for_command, 1);
	for (unsigned int i = 0; i < count * 2; i++)
		milter_put_str(out, pairs[i]);
}

void milter_encode_connect(struct buffer *out, const char *hostname, const char *ip,
			   uint16_t port)
{
	char family = ip == NULL ? SMFIA_UNKNOWN : strchr(ip, ':') != NULL ? SMFIA_INET6 :
		SMFIA_INET;
	size_t len = strlen(hostname) + 2;
	unsigned char port_be[2] = { (unsigned char)(port >> 8), (unsigned char)port };

	if (ip != NULL)
		len += sizeof(port_be) + strlen(ip) + 1;
	milter_begin(out, SMFIC_CONNECT, len);
	milter_put_str(out, hostname);
	buffer_append(out, &family, 1);
	if (ip != NULL) {
		buffer_append(out, port_be, sizeof(port_be));
		milter_put_str(out, ip);
	}
}

static void milter_encode_string(struct buffer *out, char command, const char *str)
{
	milter_begin(out, command, strlen(str) + 1);
	milter_put_str(out, str);
}

void milter_encode_helo(struct buffer *out, const char *helo)
{
	milter_encode_string(out, SMFIC_HELO, helo);
}

static void milter_encode_address(struct buffer *out, char command, const char *address)
{
	milter_begin(out, command, strlen(address) + 3);
	buffer_append(out, "<", 1);
	buffer_append(out, address, strlen(address));
	buffer_append(out, ">", 2);   /* with the NUL */
}

void milter_encode_mail(struct buffer *out, const char *from)
{
	milter_encode_address(out, SMFIC_MAIL, from);
}

void milter_encode_rcpt(struct buffer *out, const char *rcpt)
{
	milter_encode_address(out, SMFIC_RCPT, rcpt);
}

void milter_encode_header(struct buffer *out, const char *name, size_t name_len,
			  const char *value, size_t value_len)
{
	milter_begin(out, SMFIC_HEADER, name_len + value_len + 2);
	buffer_append(out, name, name_len);
	buffer_append(out, "", 1);
	buffer_append(out, value, value_len);
	buffer_append(out, "", 1);
}

void milter_encode_body(struct buffer *out, const void *data, size_t len)
{
	assert(len <= MILTER_CHUNK_SIZE);
	milter_begin(out, SMFIC_BODY, len);
	buffer_append(out, data, len);
}

void milter_encode_simple(struct buffer *out, char command)
{
	milter_begin(out, command, 0);
}

size_t milter_packet_size(const unsigned char *packet)
{
	return MILTER_LEN_BYTES + (size_t)milter_get32(packet);
}

char milter_packet_command(const unsigned char *packet)
{
	return (char)packet[MILTER_LEN_BYTES];
}

/* ---- replies ---- */

/* The NUL-terminated string at *pos within data[0..len), moving *pos past
   it; NULL when there is no terminating NUL. */
static const char *milter_take_str(const unsigned char *data, size_t len, size_t *pos)
{
	const unsigned char *nul;

	if (*pos >= len)
		return NULL;
	nul = memchr(data + *pos, '\0', len - *pos);
	if (nul == NULL)
		return NULL;
	const char *str = (const char *)data + *pos;

	*pos = (size_t)(nul - data) + 1;
	return str;
}

/* "4xx"/"5xx" followed by a space, a hyphen (multi-line) or the end. */
static bool milter_replycode_valid(const char *text)
{
	return (text[0] == '4' || text[0] == '5') && text[1] >= '0' && text[1] <= '9' &&
		text[2] >= '0' && text[2] <= '9' &&
		(text[3] == ' ' || text[3] == '-' || text[3] == '\0');
}

/* Fill reply from the data of a header-edit packet: [index] name value. */
static int milter_parse_header_edit(const unsigned char *data, size_t len, bool indexed,
				    struct milter_reply *reply)
{
	size_t pos = 0;

	if (indexed) {
		if (len < 4)
			return -1;
		reply->index = milter_get32(data);
		pos = 4;
	}
	reply->text = milter_take_str(data, len, &pos);
	reply->value = milter_take_str(data, len, &pos);
	return reply->text == NULL || reply->value == NULL || reply->text[0] == '\0' ? -1 : 0;
}

/* Decode the data of a complete packet; -1 with *error_r when malformed. */
static int milter_parse_data(const unsigned char *data, size_t len, struct milter_reply *reply,
			     const char **error_r)
{
	size_t pos = 0;

	switch (reply->code) {
	case SMFIC_OPTNEG:
		if (len < MILTER_OPTLEN) {
			*error_r = "short option negotiation reply";
			return -1;
		}
		reply->version = milter_get32(data);
		reply->actions = milter_get32(data + 4);
		reply->protocol = milter_get32(data + 8);
		return 0;   /* a symbol list may follow; we send our own macros */
	case SMFIR_REPLYCODE:
		reply->text = milter_take_str(data, len, &pos);
		if (reply->text == NULL || !milter_replycode_valid(reply->text)) {
			*error_r = "malformed reply code";
			return -1;
		}
		return 0;
	case SMFIR_ADDHEADER:
	case SMFIR_INSHEADER:
	case SMFIR_CHGHEADER:
		if (milter_parse_header_edit(data, len, reply->code != SMFIR_ADDHEADER, reply) < 0) {
			*error_r = "malformed header modification";
			return -1;
		}
		return 0;
	case SMFIR_ADDRCPT:
	case SMFIR_ADDRCPT_PAR:
	case SMFIR_DELRCPT:
	case SMFIR_QUARANTINE:
	case SMFIR_CHGFROM:
		reply->text = milter_take_str(data, len, &pos);
		if (reply->text == NULL) {
			*error_r = "unterminated string in reply";
			return -1;
		}
		return 0;
	case SMFIR_REPLBODY:
		reply->data = data;
		reply->data_len = len;
		return 0;
	case SMFIR_ACCEPT: case SMFIR_CONTINUE: case SMFIR_DISCARD: case SMFIR_REJECT:
	case SMFIR_TEMPFAIL: case SMFIR_PROGRESS: case SMFIR_SKIP: case SMFIR_SHUTDOWN:
	case SMFIR_CONN_FAIL: case SMFIR_SETSYMLIST:
		return 0;
	default:
		*error_r = "unknown reply code";
		return -1;
	}
}

int milter_reply_parse(const unsigned char *data, size_t len, size_t max_len,
		       struct milter_reply *reply, size_t *consumed_r, const char **error_r)
{
	uint32_t packet_len;

	if (len < MILTER_LEN_BYTES)
		return 0;
	packet_len = milter_get32(data);
	if (packet_len == 0) {
		*error_r = "empty packet";
		return -1;
	}
	if (packet_len > max_len) {
		*error_r = "reply packet too long";
		return -2;
	}
	if (len - MILTER_LEN_BYTES < packet_len)
		return 0;
	memset(reply, 0, sizeof(*reply));
	reply->code = (char)data[MILTER_LEN_BYTES];
	if (milter_parse_data(data + MILTER_LEN_BYTES + 1, packet_len - 1, reply, error_r) < 0)
		return -1;
	*consumed_r = MILTER_LEN_BYTES + packet_len;
	return 1;
}

int milter_negotiate(const struct milter_reply *optneg, uint32_t our_actions,
		     uint32_t our_protocol, struct milter_negotiation *result,
		     const char **error_r)
{
	/* libmilter may echo bits that are only meaningful between it and the
	   MTA's own copy of libmilter (buffer size negotiation) */
	uint32_t protocol = optneg->protocol & ~(uint32_t)SMFI_INTERNAL;

	if (optneg->code != SMFIC_OPTNEG) {
		*error_r = "filter did not answer the option negotiation";
		return -1;
	}
	if (optneg->version < 2 || optneg->version > MILTER_PROTO_VERSION) {
		*error_r = "unsupported milter protocol version";
		return -1;
	}
	if ((optneg->actions & ~our_actions) != 0) {
		*error_r = "filter wants actions the MTA does not offer";
		return -1;
	}
	if ((protocol & ~our_protocol) != 0) {
		*error_r = "filter wants protocol steps the MTA does not offer";
		return -1;
	}
	result->version = optneg->version;
	result->actions = optneg->actions;
	result->protocol = protocol;
	return 0;
}

/* The SMFIP_NO* and SMFIP_NR_* bits of a command; false for commands the
   filter cannot opt out of. */
static bool milter_step_bits(char command, uint32_t *no_r, uint32_t *nr_r)
{
	static const struct { char command; uint32_t no, nr; } steps[] = {
		{ SMFIC_CONNECT, SMFIP_NOCONNECT, SMFIP_NR_CONN },
		{ SMFIC_HELO, SMFIP_NOHELO, SMFIP_NR_HELO },
		{ SMFIC_MAIL, SMFIP_NOMAIL, SMFIP_NR_MAIL },
		{ SMFIC_RCPT, SMFIP_NORCPT, SMFIP_NR_RCPT },
		{ SMFIC_DATA, SMFIP_NODATA, SMFIP_NR_DATA },
		{ SMFIC_HEADER, SMFIP_NOHDRS, SMFIP_NR_HDR },
		{ SMFIC_EOH, SMFIP_NOEOH, SMFIP_NR_EOH },
		{ SMFIC_BODY, SMFIP_NOBODY, SMFIP_NR_BODY },
		{ SMFIC_UNKNOWN, SMFIP_NOUNKNOWN, SMFIP_NR_UNKN },
	};

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].command == command) {
			*no_r = steps[i].no;
			*nr_r = steps[i].nr;
			return true;
		}
	}
	return false;
}

bool milter_step_sent(const struct milter_negotiation *n, char command)
{
	uint32_t no, nr;

	return !milter_step_bits(command, &no, &nr) || (n->protocol & no) == 0;
}

bool milter_step_replies(const struct milter_negotiation *n, char command)
{
	uint32_t no, nr;

	if (milter_step_bits(command, &no, &nr))
		return (n->protocol & nr) == 0;
	/* OPTNEG and end of body are always answered; macros, abort and quit
	   never are */
	return command == SMFIC_OPTNEG || command == SMFIC_BODYEOB;
}

bool milter_reply_is_final(char code)
{
	return strchr((char[]){ SMFIR_ACCEPT, SMFIR_CONTINUE, SMFIR_DISCARD, SMFIR_REJECT,
				SMFIR_TEMPFAIL, SMFIR_REPLYCODE, SMFIR_SKIP, SMFIR_SHUTDOWN,
				SMFIR_CONN_FAIL, '\0' }, code) != NULL && code != '\0';
}
