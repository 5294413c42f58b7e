/*
 * main.c — petrel-node: parse the command line and the bootstrap file, then
 * hand over to the master process.
 *
 *   petrel-node --config FILE    run a node in the foreground
 *   petrel-node --version
 */
#include "config.h"
#include "log.h"
#include "master.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *out)
{
	fprintf(out, "usage: petrel-node --config FILE\n"
		"       petrel-node --version\n"
		"Runs a Petrel node in the foreground. SIGTERM drains and stops it,\n"
		"SIGHUP reloads the configuration and TLS certificates.\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL, *error;
	struct petrel_config *config;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "c:Vh", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'V':
			printf("petrel-node %s\n", PETREL_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (config_path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (config_load(config_path, &config, &error) < 0) {
		fprintf(stderr, "petrel-node: %s\n", error);
		return 1;
	}
	log_set_level(config->log_level);
	ret = master_run(config);
	config_free(&config);
	return ret;
}
