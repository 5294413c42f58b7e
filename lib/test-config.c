/* Unit tests for config.c: the bootstrap file contract and its errors. */
#include "test-common.h"
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char config_path[] = "/tmp/petrel-test-config-XXXXXX";

static int write_config(const char *text)
{
	FILE *f = fopen(config_path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	return 0;
}

static void test_config_full(void)
{
	struct petrel_config *c = NULL;
	const char *error = NULL;

	write_config("[node]\nid = node1\nhostname = mail.example.test\nworkers = 3\n"
		     "user = petrel\n[database]\nconninfo = host=/run dbname=petrel\n"
		     "[listen]\nsmtp = 0.0.0.0:25\nlmtp = 127.0.0.1:24\nadmin = 0.0.0.0:9999\n"
		     "[tls]\ncert = /c.pem\nkey = /k.pem\n"
		     "[etcd]\nendpoints = http://10.0.0.11:2379\n"
		     "[dns]\nservers = 127.0.0.1:5353\n[admin]\ntls = no\nwww = /srv/www\n"
		     "[log]\nlevel = debug\n");
	test_assert_int(config_load(config_path, &c, &error), 0);
	if (c == NULL)
		return;
	test_assert_str(c->node_id, "node1");
	test_assert_str(c->hostname, "mail.example.test");
	test_assert_int(c->workers, 3);
	test_assert_str(c->user, "petrel");
	test_assert_str(c->db_conninfo, "host=/run dbname=petrel");
	test_assert_str(c->listen[LISTENER_SMTP], "0.0.0.0:25");
	test_assert_str(c->listen[LISTENER_ADMIN], "0.0.0.0:9999");
	test_assert(c->listen[LISTENER_IMAP] == NULL);
	test_assert_str(c->tls_key, "/k.pem");
	test_assert_str(c->dns_servers, "127.0.0.1:5353");
	test_assert_int(c->log_level, 0);
	test_assert(!c->admin_tls);
	test_assert_str(c->admin_www, "/srv/www");
	config_free(&c);
	test_assert(c == NULL);

	/* [admin] defaults: HTTPS, the installed UI */
	write_config("[database]\nconninfo = x\n");
	test_assert_int(config_load(config_path, &c, &error), 0);
	if (c == NULL)
		return;
	test_assert(c->admin_tls);
	test_assert(strstr(c->admin_www, "/share/petrel/www") != NULL);
	config_free(&c);
}

static void test_config_errors(void)
{
	struct petrel_config *c = NULL;
	const char *error = NULL;

	write_config("[database]\nconninfo = x\n[listen]\nsmtpx = 0.0.0.0:25\n");
	test_assert_int(config_load(config_path, &c, &error), -1);
	test_assert(error != NULL && strstr(error, ":4: unknown key 'smtpx' in [listen]") != NULL);

	write_config("[database]\nconninfo = x\n[node]\nworkers = lots\n");
	test_assert_int(config_load(config_path, &c, &error), -1);
	test_assert(error != NULL && strstr(error, "invalid value 'lots' for node.workers") != NULL);

	write_config("[node]\nid = n\n");
	test_assert_int(config_load(config_path, &c, &error), -1);
	test_assert(error != NULL && strstr(error, "conninfo is required") != NULL);

	write_config("[nodes]\nid = n\n");
	test_assert_int(config_load(config_path, &c, &error), -1);
	test_assert(error != NULL && strstr(error, "unknown section [nodes]") != NULL);

	write_config("[database]\nconninfo = x\n[admin]\ntls = maybe\n");
	test_assert_int(config_load(config_path, &c, &error), -1);
	test_assert(error != NULL && strstr(error, "invalid value 'maybe' for admin.tls") != NULL);

	test_assert_int(config_load("/nonexistent/petrel.conf", &c, &error), -1);
	test_assert(error != NULL && strstr(error, "cannot open") != NULL);
}

static void test_config_listener_names(void)
{
	test_assert_int(config_listener_parse("submission"), LISTENER_SUBMISSION);
	test_assert_int(config_listener_parse("pop3s"), LISTENER_POP3S);
	test_assert_int(config_listener_parse("smtp2"), -1);
	test_assert_str(config_listener_name(LISTENER_DAV), "dav");
}

int main(void)
{
	int fd = mkstemp(config_path);

	if (fd < 0)
		return 1;
	close(fd);
	test_run("config_full", test_config_full);
	test_run("config_errors", test_config_errors);
	test_run("config_listener_names", test_config_listener_names);
	unlink(config_path);
	return test_end();
}
