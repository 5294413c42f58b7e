/*
 * config.c — bootstrap file parsing with libinih (see config.h).
 */
#include "config.h"

#include "log.h"
#include "xalloc.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const listener_names[LISTENER_COUNT] = {
	"smtp", "submission", "smtps", "lmtp", "imap", "imaps",
	"pop3", "pop3s", "dav", "admin",
};

struct config_parse {
	struct petrel_config *config;
	char error[512];
};

const char *config_listener_name(enum listener_kind kind)
{
	return listener_names[kind];
}

int config_listener_parse(const char *name)
{
	for (int i = 0; i < LISTENER_COUNT; i++) {
		if (strcmp(name, listener_names[i]) == 0)
			return i;
	}
	return -1;
}

static void config_set_str(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

static int config_parse_uint(const char *value, unsigned int min, unsigned int max,
			     unsigned int *out_r)
{
	char *end;
	unsigned long n = strtoul(value, &end, 10);

	if (*value == '\0' || *end != '\0' || n < min || n > max)
		return -1;
	*out_r = n;
	return 0;
}

static int config_handle_node(struct petrel_config *c, const char *key, const char *value)
{
	if (strcmp(key, "id") == 0)
		config_set_str(&c->node_id, value);
	else if (strcmp(key, "hostname") == 0)
		config_set_str(&c->hostname, value);
	else if (strcmp(key, "user") == 0)
		config_set_str(&c->user, value);
	else if (strcmp(key, "workers") == 0)
		return config_parse_uint(value, 1, 256, &c->workers);
	else if (strcmp(key, "drain_timeout") == 0)
		return config_parse_uint(value, 0, 86400, &c->drain_timeout_secs);
	else
		return -2;
	return 0;
}

/* [admin] tls = no serves plain HTTP behind a TLS-terminating proxy. */
static int config_handle_admin(struct petrel_config *c, const char *key, const char *value)
{
	if (strcmp(key, "www") == 0)
		config_set_str(&c->admin_www, value);
	else if (strcmp(key, "tls") != 0)
		return -2;
	else if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0)
		c->admin_tls = strcmp(value, "yes") == 0;
	else
		return -1;
	return 0;
}

/* Debian's libinih reports no line to the handler: errors are recorded
   here and config_load() prefixes the line ini_parse() returns. */
static int config_handle(void *user, const char *section, const char *key,
			 const char *value)
{
	struct config_parse *p = user;
	struct petrel_config *c = p->config;
	int ret = 0, level;

	if (p->error[0] != '\0')
		return 0;
	if (strcmp(section, "node") == 0) {
		ret = config_handle_node(c, key, value);
	} else if (strcmp(section, "database") == 0) {
		if (strcmp(key, "conninfo") == 0)
			config_set_str(&c->db_conninfo, value);
		else if (strcmp(key, "pool_size") == 0)
			ret = config_parse_uint(value, 1, 64, &c->db_pool_size);
		else
			ret = -2;
	} else if (strcmp(section, "listen") == 0) {
		int kind = config_listener_parse(key);

		if (kind < 0)
			ret = -2;
		else
			config_set_str(&c->listen[kind], value);
	} else if (strcmp(section, "tls") == 0) {
		if (strcmp(key, "cert") == 0)
			config_set_str(&c->tls_cert, value);
		else if (strcmp(key, "key") == 0)
			config_set_str(&c->tls_key, value);
		else
			ret = -2;
	} else if (strcmp(section, "etcd") == 0) {
		if (strcmp(key, "endpoints") == 0)
			config_set_str(&c->etcd_endpoints, value);
		else
			ret = -2;
	} else if (strcmp(section, "dns") == 0) {
		if (strcmp(key, "servers") == 0)
			config_set_str(&c->dns_servers, value);
		else
			ret = -2;
	} else if (strcmp(section, "admin") == 0) {
		ret = config_handle_admin(c, key, value);
	} else if (strcmp(section, "log") == 0) {
		if (strcmp(key, "level") != 0)
			ret = -2;
		else if ((level = log_level_parse(value)) < 0)
			ret = -1;
		else
			c->log_level = level;
	} else {
		snprintf(p->error, sizeof(p->error), "unknown section [%s]", section);
		return 0;
	}
	if (ret == -2)
		snprintf(p->error, sizeof(p->error), "unknown key '%s' in [%s]", key, section);
	else if (ret < 0)
		snprintf(p->error, sizeof(p->error), "invalid value '%s' for %s.%s",
			 value, section, key);
	return ret == 0;
}

int config_load(const char *path, struct petrel_config **config_r, const char **error_r)
{
	static char error[1024];
	struct config_parse p = { .config = xcalloc(1, sizeof(struct petrel_config)) };
	struct petrel_config *c = p.config;
	int ret;

	c->path = xstrdup(path);
	c->drain_timeout_secs = 30;
	c->db_pool_size = 4;
	c->log_level = LOG_INFO;
	c->admin_tls = true;
	c->admin_www = xstrdup(PETREL_WWW_DIR);
	ret = ini_parse(path, config_handle, &p);
	if (ret < 0) {
		snprintf(error, sizeof(error), "%s: cannot open config file", path);
	} else if (ret > 0) {
		snprintf(error, sizeof(error), "%s:%d: %s", path, ret,
			 p.error[0] != '\0' ? p.error : "syntax error");
	} else if (c->db_conninfo == NULL) {
		snprintf(error, sizeof(error), "%s: [database] conninfo is required", path);
	} else {
		if (c->node_id == NULL) {
			char host[256] = "node";

			gethostname(host, sizeof(host) - 1);
			c->node_id = xstrdup(host);
		}
		if (c->hostname == NULL) {
			char host[256] = "localhost";

			gethostname(host, sizeof(host) - 1);
			c->hostname = xstrdup(host);
		}
		if (c->workers == 0) {
			long n = sysconf(_SC_NPROCESSORS_ONLN);

			c->workers = n > 0 ? (unsigned int)n : 1;
		}
		*config_r = c;
		return 0;
	}
	config_free(&c);
	*error_r = error;
	return -1;
}

void config_free(struct petrel_config **config)
{
	struct petrel_config *c = *config;

	if (c == NULL)
		return;
	*config = NULL;
	free(c->path);
	free(c->node_id);
	free(c->hostname);
	free(c->user);
	free(c->db_conninfo);
	for (int i = 0; i < LISTENER_COUNT; i++)
		free(c->listen[i]);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->etcd_endpoints);
	free(c->dns_servers);
	free(c->admin_www);
	free(c);
}
