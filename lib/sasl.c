/*
 * sasl.c — server side of SASL PLAIN and LOGIN (see sasl.h). Each client
 * response is decoded straight into one fixed buffer owned by the
 * exchange, so credentials never pass through a growing (reallocated,
 * unwiped) buffer, and that buffer is wiped when the exchange is freed.
 */
#include "sasl.h"

#include "base64.h"
#include "utf8.h"
#include "xalloc.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* base64 of "Username:" and "Password:" (the de-facto LOGIN prompts) */
#define SASL_LOGIN_USER_PROMPT "VXNlcm5hbWU6"
#define SASL_LOGIN_PASS_PROMPT "UGFzc3dvcmQ6"
/* Holds a decoded PLAIN message, or LOGIN's username and password, each
   with a NUL after it. */
#define SASL_BUF_SIZE (BASE64_DECODED_MAX(SASL_SERVER_RESPONSE_MAX) + 1)
#define SASL_LOGIN_RESPONSE_MAX BASE64_ENCODED_SIZE(SASL_SERVER_FIELD_MAX)

enum sasl_mech {
	SASL_MECH_PLAIN,
	SASL_MECH_LOGIN,
};

enum sasl_state {
	SASL_STATE_INITIAL,
	SASL_STATE_WAIT_RESPONSE,   /* PLAIN sent its empty challenge */
	SASL_STATE_WAIT_USER,       /* LOGIN sent "Username:" */
	SASL_STATE_WAIT_PASS,       /* LOGIN sent "Password:" */
	SASL_STATE_FINISHED,
};

struct sasl_server {
	enum sasl_mech mech;
	enum sasl_state state;
	bool done;                  /* credentials complete */
	const char *authzid, *authcid, *password;   /* into buf */
	size_t used;                /* bytes of buf in use */
	unsigned char buf[SASL_BUF_SIZE];
};

static const char *const sasl_mech_names[] = {
	[SASL_MECH_PLAIN] = "PLAIN",
	[SASL_MECH_LOGIN] = "LOGIN",
};

struct sasl_server *sasl_server_new(const char *mechanism)
{
	struct sasl_server *sasl;

	for (size_t i = 0; i < sizeof(sasl_mech_names) / sizeof(sasl_mech_names[0]); i++) {
		if (strcasecmp(mechanism, sasl_mech_names[i]) != 0)
			continue;
		sasl = xcalloc(1, sizeof(*sasl));
		sasl->mech = (enum sasl_mech)i;
		return sasl;
	}
	return NULL;
}

void sasl_server_free(struct sasl_server **sasl)
{
	if (sasl == NULL || *sasl == NULL)
		return;
	explicit_bzero(*sasl, sizeof(**sasl));
	free(*sasl);
	*sasl = NULL;
}

/* Decode response to buf + sasl->used, NUL-terminated; *data_r points at
   it. The caller accounts for the bytes in sasl->used. */
static int sasl_decode(struct sasl_server *sasl, const char *response, size_t max_len,
		       char **data_r, size_t *len_r, const char **error_r)
{
	size_t len = strlen(response);
	unsigned char *dest = sasl->buf + sasl->used;

	if (len > max_len) {
		*error_r = "Response too long";
		return -1;
	}
	assert(sasl->used + BASE64_DECODED_MAX(len) + 1 <= sizeof(sasl->buf));
	if (base64_decode(response, len, dest, len_r) < 0) {
		*error_r = "Invalid base64 data";
		return -1;
	}
	dest[*len_r] = '\0';
	*data_r = (char *)dest;
	return 0;
}

/* One authzid/authcid/password field: bounded, NUL-free, UTF-8. */
static int sasl_check_field(const char *field, size_t len, bool may_be_empty,
			    const char **error_r)
{
	if (len == 0 && !may_be_empty) {
		*error_r = "Empty user name or password";
		return -1;
	}
	if (len > SASL_SERVER_FIELD_MAX) {
		*error_r = "Credentials too long";
		return -1;
	}
	if (memchr(field, '\0', len) != NULL) {
		*error_r = "Malformed credentials";
		return -1;
	}
	if (!utf8_is_valid((const unsigned char *)field, len)) {
		*error_r = "Invalid UTF-8 in credentials";
		return -1;
	}
	return 0;
}

/* message = [authzid] UTF8NUL authcid UTF8NUL passwd (RFC 4616 2) */
static int sasl_plain_response(struct sasl_server *sasl, const char *response,
			       const char **error_r)
{
	char *msg, *authcid, *passwd, *end;
	size_t len;

	if (sasl_decode(sasl, response, SASL_SERVER_RESPONSE_MAX, &msg, &len, error_r) < 0)
		return SASL_SERVER_ERROR;
	end = msg + len;
	authcid = memchr(msg, '\0', len);
	passwd = authcid == NULL ? NULL : memchr(authcid + 1, '\0', (size_t)(end - authcid - 1));
	if (passwd == NULL) {
		*error_r = "Malformed PLAIN response";
		return SASL_SERVER_ERROR;
	}
	authcid++;
	passwd++;
	if (sasl_check_field(msg, (size_t)(authcid - 1 - msg), true, error_r) < 0 ||
	    sasl_check_field(authcid, (size_t)(passwd - 1 - authcid), false, error_r) < 0 ||
	    sasl_check_field(passwd, (size_t)(end - passwd), false, error_r) < 0)
		return SASL_SERVER_ERROR;
	sasl->authzid = msg;
	sasl->authcid = authcid;
	sasl->password = passwd;
	sasl->done = true;
	return SASL_SERVER_DONE;
}

/* One LOGIN field (username or password), appended to buf. */
static int sasl_login_field(struct sasl_server *sasl, const char *response,
			    const char **field_r, const char **error_r)
{
	char *data;
	size_t len;

	if (sasl_decode(sasl, response, SASL_LOGIN_RESPONSE_MAX, &data, &len, error_r) < 0 ||
	    sasl_check_field(data, len, false, error_r) < 0)
		return -1;
	sasl->used += len + 1;
	*field_r = data;
	return 0;
}

static int sasl_login_step(struct sasl_server *sasl, const char *response,
			   const char **challenge_r, const char **error_r)
{
	if (sasl->state == SASL_STATE_INITIAL && response == NULL) {
		sasl->state = SASL_STATE_WAIT_USER;
		*challenge_r = SASL_LOGIN_USER_PROMPT;
		return SASL_SERVER_CONTINUE;
	}
	if (sasl->state != SASL_STATE_WAIT_PASS) {
		/* the initial response (if any) is the username */
		if (sasl_login_field(sasl, response, &sasl->authcid, error_r) < 0)
			return SASL_SERVER_ERROR;
		sasl->state = SASL_STATE_WAIT_PASS;
		*challenge_r = SASL_LOGIN_PASS_PROMPT;
		return SASL_SERVER_CONTINUE;
	}
	if (sasl_login_field(sasl, response, &sasl->password, error_r) < 0)
		return SASL_SERVER_ERROR;
	sasl->authzid = "";
	sasl->done = true;
	return SASL_SERVER_DONE;
}

static int sasl_plain_step(struct sasl_server *sasl, const char *response,
			   const char **challenge_r, const char **error_r)
{
	if (sasl->state == SASL_STATE_INITIAL && response == NULL) {
		sasl->state = SASL_STATE_WAIT_RESPONSE;
		*challenge_r = "";
		return SASL_SERVER_CONTINUE;
	}
	return sasl_plain_response(sasl, response, error_r);
}

int sasl_server_step(struct sasl_server *sasl, const char *response,
		     const char **challenge_r, const char **error_r)
{
	int ret;

	assert(sasl->state != SASL_STATE_FINISHED);
	assert(response != NULL || sasl->state == SASL_STATE_INITIAL);
	*challenge_r = NULL;
	*error_r = NULL;
	if (response != NULL && strcmp(response, "*") == 0) {
		sasl->state = SASL_STATE_FINISHED;
		*error_r = "Authentication cancelled";
		return SASL_SERVER_CANCELLED;
	}
	if (sasl->state == SASL_STATE_INITIAL && response != NULL && strcmp(response, "=") == 0)
		response = "";
	if (sasl->mech == SASL_MECH_PLAIN)
		ret = sasl_plain_step(sasl, response, challenge_r, error_r);
	else
		ret = sasl_login_step(sasl, response, challenge_r, error_r);
	if (ret != SASL_SERVER_CONTINUE)
		sasl->state = SASL_STATE_FINISHED;
	return ret;
}

const char *sasl_server_mechanism(const struct sasl_server *sasl)
{
	return sasl_mech_names[sasl->mech];
}

const char *sasl_server_authzid(const struct sasl_server *sasl)
{
	return sasl->done ? sasl->authzid : NULL;
}

bool sasl_server_authzid_is_self(const struct sasl_server *sasl)
{
	const char *authzid = sasl_server_authzid(sasl);

	return authzid[0] == '\0' || strcasecmp(authzid, sasl_server_authcid(sasl)) == 0;
}

const char *sasl_server_authcid(const struct sasl_server *sasl)
{
	return sasl->done ? sasl->authcid : NULL;
}

const char *sasl_server_password(const struct sasl_server *sasl)
{
	return sasl->done ? sasl->password : NULL;
}
