/*
 * sasl.h — the server side of the SASL PLAIN (RFC 4616) and LOGIN
 * mechanisms, shared by IMAP AUTHENTICATE (RFC 9051, SASL-IR RFC 4959),
 * POP3 AUTH (RFC 5034) and SMTP AUTH (RFC 4954).
 *
 * Pure: the session reads lines and writes challenges; this only decodes,
 * splits and validates. It never checks a password — once a step returns
 * SASL_SERVER_DONE, the session verifies authcid/password (lib/password.h)
 * and decides what authzid means (empty = same as authcid).
 *
 * Typical session loop:
 *
 *   sasl = sasl_server_new(mech);            NULL: unsupported mechanism
 *   ret = sasl_server_step(sasl, initial_response_or_NULL, &chal, &err);
 *   while (ret == SASL_SERVER_CONTINUE) {
 *           send "+ <chal>" (IMAP/POP3) or "334 <chal>" (SMTP), read a line
 *           ret = sasl_server_step(sasl, line, &chal, &err);
 *   }
 *   SASL_SERVER_DONE:      verify the getters' values
 *   SASL_SERVER_CANCELLED: BAD / -ERR / 501 "Authentication cancelled"
 *   SASL_SERVER_ERROR:     BAD / -ERR / 501 with err
 *   sasl_server_free(&sasl);
 */
#ifndef SASL_H
#define SASL_H

#include <stdbool.h>
#include <stddef.h>

/* Mechanisms offered, for CAPABILITY "AUTH=" / CAPA "SASL" / EHLO "AUTH". */
#define SASL_SERVER_MECHANISMS "PLAIN LOGIN"

/* Longest authzid, authcid or password accepted, in octets (RFC 4616
   requires at least 255). */
#define SASL_SERVER_FIELD_MAX 1024
/* Longest base64 client response accepted (a PLAIN message of three
   maximal fields and its two NULs, encoded). */
#define SASL_SERVER_RESPONSE_MAX (((3 * SASL_SERVER_FIELD_MAX + 2 + 2) / 3) * 4)

/* sasl_server_step() results */
#define SASL_SERVER_DONE 1
#define SASL_SERVER_CONTINUE 0
#define SASL_SERVER_ERROR (-1)
#define SASL_SERVER_CANCELLED (-2)

struct sasl_server;

/* Start an exchange for mechanism ("PLAIN" or "LOGIN", ASCII
   case-insensitive). Returns NULL when the mechanism is not supported
   (answer "NO [CANNOT]" / "-ERR" / "504 5.5.4"). Never fails otherwise. */
struct sasl_server *sasl_server_new(const char *mechanism);

/* Wipe every credential byte (explicit_bzero) and free; sets *sasl to
   NULL. NULL or *sasl NULL is fine. */
void sasl_server_free(struct sasl_server **sasl);

/*
 * Feed the next client response. The first call passes the initial
 * response from the command line — NULL when the client gave none, "="
 * for an empty one (SASL-IR, RFC 4954/5034) — and later calls pass each
 * line the client sent, without CRLF ("" is an empty response, "=" is then
 * invalid). A response of "*" cancels, first call included.
 *
 * Returns:
 *   SASL_SERVER_CONTINUE (0): send *challenge_r, already base64 encoded
 *     ("" for PLAIN's empty challenge; "VXNlcm5hbWU6"/"UGFzc3dvcmQ6" for
 *     LOGIN), then call again with the reply. *challenge_r stays valid
 *     until the next call or sasl_server_free().
 *   SASL_SERVER_DONE (1): credentials available through the getters.
 *   SASL_SERVER_ERROR (-1): *error_r is a static text for the reply, e.g.
 *     "Invalid base64 data", "Malformed PLAIN response", "Invalid UTF-8 in
 *     credentials", "Response too long".
 *   SASL_SERVER_CANCELLED (-2): the client sent "*"; *error_r is
 *     "Authentication cancelled".
 * After anything but CONTINUE the exchange is over: calling again is a
 * programming error (asserted).
 *
 * Validation: strict base64 (base64_decode()); PLAIN is exactly
 * authzid NUL authcid NUL passwd with no further NUL; authcid and passwd
 * non-empty, authzid may be empty; LOGIN's username and password must be
 * non-empty and NUL-free; every field valid UTF-8 of at most
 * SASL_SERVER_FIELD_MAX octets; a response longer than
 * SASL_SERVER_RESPONSE_MAX characters is refused before decoding.
 */
int sasl_server_step(struct sasl_server *sasl, const char *response,
		     const char **challenge_r, const char **error_r);

/* Canonical upper-case mechanism name ("PLAIN" or "LOGIN"). */
const char *sasl_server_mechanism(const struct sasl_server *sasl);

/* After SASL_SERVER_DONE: NUL-terminated UTF-8 strings owned by sasl,
   valid until sasl_server_free(). authzid is "" when the client asked for
   none (always "" for LOGIN). Before DONE they return NULL. */
const char *sasl_server_authzid(const struct sasl_server *sasl);
/* No authorization identity was given, or it names the authenticating
   user itself (ASCII case-insensitive): Petrel does not let one user act
   as another through SASL (master users log in with "user*master"). */
bool sasl_server_authzid_is_self(const struct sasl_server *sasl);
const char *sasl_server_authcid(const struct sasl_server *sasl);
const char *sasl_server_password(const struct sasl_server *sasl);

#endif
