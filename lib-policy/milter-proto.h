/*
 * milter-proto.h — the MTA side of the Sendmail milter protocol, version 6:
 * encode the commands an MTA sends (OPTNEG, MACRO, CONNECT, HELO, MAIL,
 * RCPT, HEADER, EOH, BODY, BODYEOB, ABORT, QUIT) and decode the filter's
 * replies, and negotiate which actions and protocol steps are used.
 *
 * Pure: bytes in, parsed reply out; no I/O. A packet is a 32-bit
 * big-endian length (counting the command byte), one command byte and
 * its data. The constants are libmilter's (mfdef.h, mfapi.h).
 */
#ifndef MILTER_PROTO_H
#define MILTER_PROTO_H

#include "buffer.h"

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MILTER_PROTO_VERSION 6
/* The largest reply packet accepted: a filter that negotiated SMFIP_MDS_1M
   may send 1 MiB of data; anything longer is an error, never allocated. */
#define MILTER_REPLY_MAX (1024 * 1024 + 16)

/* The actions Petrel can carry out for a filter, offered in OPTNEG. */
#define MILTER_MTA_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_CHGHDRS | SMFIF_QUARANTINE)
/* The protocol steps a filter may ask to skip or not to answer. */
#define MILTER_MTA_PROTOCOL (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | \
	SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NR_HDR | SMFIP_NOUNKNOWN | \
	SMFIP_NODATA | SMFIP_SKIP | SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | \
	SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY)

/* One decoded reply. Strings and data point into the input bytes and stay
   valid until the caller consumes them. */
struct milter_reply {
	char code;                 /* SMFIR_* (or SMFIC_OPTNEG) */
	uint32_t version;          /* OPTNEG */
	uint32_t actions;          /* OPTNEG: SMFIF_* */
	uint32_t protocol;         /* OPTNEG: SMFIP_* */
	uint32_t index;            /* INSHEADER position, CHGHEADER occurrence */
	const char *text;          /* REPLYCODE line, QUARANTINE reason,
				      ADDRCPT/DELRCPT address, header name */
	const char *value;         /* header value ("" deletes for CHGHEADER) */
	const unsigned char *data; /* REPLBODY chunk */
	size_t data_len;
};

/* What both sides agreed to in OPTNEG. */
struct milter_negotiation {
	uint32_t version;
	uint32_t actions;
	uint32_t protocol;
};

/* ---- commands (appended to out) ---- */

void milter_encode_optneg(struct buffer *out, uint32_t actions, uint32_t protocol);
/* Macros for the command that follows (e.g. SMFIC_CONNECT): names and
   values alternate in pairs[0..count*2). */
void milter_encode_macro(struct buffer *out, char for_command, const char *const *pairs,
			 unsigned int count);
/* ip may be NULL for an unknown family. */
void milter_encode_connect(struct buffer *out, const char *hostname, const char *ip,
			   uint16_t port);
void milter_encode_helo(struct buffer *out, const char *helo);
/* MAIL FROM / RCPT TO: the address without brackets ("" for the null
   sender); it is sent in angle brackets like sendmail and Postfix do. */
void milter_encode_mail(struct buffer *out, const char *from);
void milter_encode_rcpt(struct buffer *out, const char *rcpt);
void milter_encode_header(struct buffer *out, const char *name, size_t name_len,
			  const char *value, size_t value_len);
/* One body chunk of at most MILTER_CHUNK_SIZE bytes (asserted). */
void milter_encode_body(struct buffer *out, const void *data, size_t len);
/* A command without data: SMFIC_EOH, SMFIC_BODYEOB, SMFIC_ABORT,
   SMFIC_QUIT, SMFIC_DATA. */
void milter_encode_simple(struct buffer *out, char command);

/* The size of the whole encoded packet at packet (length field
   included), and its command byte; packet must hold at least
   MILTER_LEN_BYTES + 1 bytes of a packet we encoded. */
size_t milter_packet_size(const unsigned char *packet);
char milter_packet_command(const unsigned char *packet);

/* ---- replies ---- */

/* Decode one reply packet from data[0..len). Returns 1 with *reply and
   *consumed_r (bytes of the packet) set, 0 when more bytes are needed, -1
   with *error_r (static) on a malformed packet, -2 when the packet's
   length exceeds max_len. */
int milter_reply_parse(const unsigned char *data, size_t len, size_t max_len,
		       struct milter_reply *reply, size_t *consumed_r, const char **error_r);

/* Agree on the filter's OPTNEG reply: its version must be 2..6, its
   actions within ours and its protocol steps within what we offered.
   Returns 0, or -1 with *error_r (static). */
int milter_negotiate(const struct milter_reply *optneg, uint32_t our_actions,
		     uint32_t our_protocol, struct milter_negotiation *result,
		     const char **error_r);
/* Whether command (SMFIC_*) is sent at all after the negotiation, and
   whether the filter answers it. */
bool milter_step_sent(const struct milter_negotiation *n, char command);
bool milter_step_replies(const struct milter_negotiation *n, char command);

/* Whether a reply code is a final answer to a command (continue, accept,
   reject, tempfail, discard, replycode, skip, shutdown, connection
   failure) rather than a modification or progress report at end of body. */
bool milter_reply_is_final(char code);

#endif
