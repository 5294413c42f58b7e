/*
 * master.c — process supervision (see master.h).
 *
 * Signals are blocked and collected with sigtimedwait() once a second, so
 * every state change happens in straight-line code. A worker that dies is
 * started again at once, or after a growing delay (up to 5 s) when it keeps
 * failing by itself right after starting, and its shared counters are
 * cleared first.
 */
#include "master.h"

#include "listeners.h"
#include "log.h"
#include "node-shm.h"
#include "tls.h"
#include "worker.h"
#include "xalloc.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#define MASTER_YOUNG_DEATH_SECS 2.0
#define MASTER_RESTART_DELAY_MAX 5.0

struct master_slot {
	pid_t pid;               /* 0 when not running */
	double started;
	double restart_at;       /* > 0: start again at this time */
	double delay;            /* back-off for workers that die young */
};

struct master {
	struct petrel_config *config;
	struct listeners listeners;
	struct node_shm *shm;
	struct master_slot *slots;
	time_t started;
	bool draining;
	double drain_deadline;
	sigset_t signals;
};

static double master_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void master_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int master_drop_privileges(const char *user)
{
	struct passwd *pw;

	if (user == NULL || geteuid() != 0)
		return 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		log_error("master", NULL, "event=start_failed error=\"no such user '%s'\"", user);
		return -1;
	}
	if (setgroups(0, NULL) < 0 || initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		log_error("master", NULL, "event=start_failed error=\"cannot become %s: %s\"",
			  user, strerror(errno));
		return -1;
	}
	log_info("master", NULL, "event=privileges_dropped user=%s", user);
	return 0;
}

static void master_spawn(struct master *m, unsigned int index)
{
	struct master_slot *slot = &m->slots[index];
	pid_t pid;

	pid_t master_pid = getpid();

	node_shm_reset_worker(m->shm, index);
	pid = fork();
	if (pid < 0) {
		log_error("master", NULL, "event=fork_failed worker=%u error=\"%s\"", index,
			  strerror(errno));
		slot->restart_at = master_now() + 1;
		return;
	}
	if (pid == 0) {
		/* a worker never outlives its master (SIGKILL, OOM killer): it drains */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != master_pid)
			_exit(1);
		sigprocmask(SIG_UNBLOCK, &m->signals, NULL);
		listeners_close_others(&m->listeners, index);
		_exit(worker_run(m->config, index, &m->listeners, m->shm, m->started));
	}
	slot->pid = pid;
	slot->started = master_now();
	slot->restart_at = 0;
	log_info("master", NULL, "event=worker_started worker=%u pid=%d", index, (int)pid);
}

/* A worker that failed on its own soon after starting (bad certificate,
   a crash) would fail again at once: such deaths back off. A worker killed
   from outside (SIGKILL by an operator or the OOM killer) is restarted at
   once, since its listening socket's queue waits for it. */
static bool master_crash_loop(const struct master_slot *slot, int status)
{
	bool crashed = WIFEXITED(status) ||
		       (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL &&
			WTERMSIG(status) != SIGTERM && WTERMSIG(status) != SIGINT);

	return crashed && master_now() - slot->started < MASTER_YOUNG_DEATH_SECS;
}

static void master_reap(struct master *m)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (unsigned int i = 0; i < m->config->workers; i++) {
			struct master_slot *slot = &m->slots[i];

			if (slot->pid != pid)
				continue;
			slot->pid = 0;
			node_shm_reset_worker(m->shm, i);
			if (WIFSIGNALED(status))
				log_warning("master", NULL, "event=worker_died worker=%u pid=%d signal=%d",
					    i, (int)pid, WTERMSIG(status));
			else
				log_info("master", NULL, "event=worker_exited worker=%u pid=%d status=%d",
					 i, (int)pid, WEXITSTATUS(status));
			if (m->draining)
				break;
			if (master_crash_loop(slot, status))
				slot->delay = slot->delay == 0 ? 0.1 : slot->delay * 2;
			else
				slot->delay = 0;
			if (slot->delay > MASTER_RESTART_DELAY_MAX)
				slot->delay = MASTER_RESTART_DELAY_MAX;
			slot->restart_at = master_now() + slot->delay;
		}
	}
}

static void master_signal_workers(struct master *m, int sig)
{
	for (unsigned int i = 0; i < m->config->workers; i++) {
		if (m->slots[i].pid > 0)
			kill(m->slots[i].pid, sig);
	}
}

/* Workers load the certificate themselves; checking it here first turns a
   missing or mismatched file into a clear start (or reload) error instead
   of workers failing in a loop. */
static int master_check_tls(const struct petrel_config *config)
{
	const char *error;
	SSL_CTX *ctx;

	if (config->tls_cert == NULL && config->tls_key == NULL)
		return 0;
	if (config->tls_cert == NULL || config->tls_key == NULL) {
		log_error("master", NULL, "event=tls_invalid config=%s error=\"[tls] needs both "
			  "cert and key\"", config->path);
		return -1;
	}
	ctx = tls_server_ctx_new(config->tls_cert, config->tls_key, &error);
	if (ctx == NULL) {
		log_error("master", NULL, "event=tls_invalid config=%s error=\"%s\"", config->path,
			  error);
		return -1;
	}
	SSL_CTX_free(ctx);
	return 0;
}

static void master_reload(struct master *m)
{
	struct petrel_config *config;
	const char *error;

	sd_notify(0, "RELOADING=1");
	if (config_load(m->config->path, &config, &error) < 0) {
		log_error("master", NULL, "event=reload_failed error=\"%s\"", error);
	} else if (master_check_tls(config) < 0) {
		log_error("master", NULL, "event=reload_failed error=\"TLS certificate or key "
			  "unusable; keeping the old ones\"");
		config_free(&config);
	} else {
		for (int kind = 0; kind < LISTENER_COUNT; kind++) {
			const char *a = m->config->listen[kind], *b = config->listen[kind];

			if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
				log_warning("master", NULL, "event=reload listener=%s "
					    "reason=\"listener changes need a restart\"",
					    config_listener_name(kind));
		}
		log_set_level(config->log_level);
		config_free(&config);
		master_signal_workers(m, SIGHUP);
		log_info("master", NULL, "event=reloaded");
	}
	sd_notify(0, "READY=1");
}

static void master_start_drain(struct master *m)
{
	if (m->draining)
		return;
	m->draining = true;
	m->drain_deadline = master_now() + m->config->drain_timeout_secs + 2;
	sd_notify(0, "STOPPING=1");
	log_info("master", NULL, "event=draining timeout=%us", m->config->drain_timeout_secs);
	master_signal_workers(m, SIGTERM);
	/* The workers close their copies too: new connections are refused
	   instead of waiting unanswered in a backlog nobody reads. */
	listeners_close_others(&m->listeners, -1);
}

static bool master_any_running(const struct master *m)
{
	for (unsigned int i = 0; i < m->config->workers; i++) {
		if (m->slots[i].pid > 0)
			return true;
	}
	return false;
}

static void master_tick(struct master *m)
{
	double now = master_now();

	if (m->draining) {
		if (now > m->drain_deadline)
			master_signal_workers(m, SIGKILL);
		return;
	}
	for (unsigned int i = 0; i < m->config->workers; i++) {
		struct master_slot *slot = &m->slots[i];

		if (slot->pid == 0 && slot->restart_at > 0 && now >= slot->restart_at)
			master_spawn(m, i);
	}
}

static void master_loop(struct master *m)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	siginfo_t info;

	while (!m->draining || master_any_running(m)) {
		int sig = sigtimedwait(&m->signals, &info, &tick);

		if (sig == SIGCHLD)
			master_reap(m);
		else if (sig == SIGHUP)
			master_reload(m);
		else if (sig == SIGTERM || sig == SIGINT)
			master_start_drain(m);
		master_tick(m);
	}
}

int master_run(struct petrel_config *config)
{
	struct master m = { .config = config, .started = time(NULL) };
	const char *error;

	log_set_role("master");
	master_raise_fd_limit();
	sigemptyset(&m.signals);
	sigaddset(&m.signals, SIGCHLD);
	sigaddset(&m.signals, SIGTERM);
	sigaddset(&m.signals, SIGINT);
	sigaddset(&m.signals, SIGHUP);
	sigprocmask(SIG_BLOCK, &m.signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (master_check_tls(config) < 0)
		return 1;
	if (listeners_open(config, &m.listeners, &error) < 0) {
		log_error("master", NULL, "event=start_failed config=%s error=\"%s\"",
			  config->path, error);
		return 1;
	}
	if (master_drop_privileges(config->user) < 0) {
		listeners_close_others(&m.listeners, -1);
		free(m.listeners.fds);
		return 1;
	}
	m.shm = node_shm_create(config->workers);
	m.slots = xcalloc(config->workers, sizeof(*m.slots));
	for (unsigned int i = 0; i < config->workers; i++)
		master_spawn(&m, i);
	log_info("master", NULL, "event=started node=%s workers=%u pid=%d", config->node_id,
		 config->workers, (int)getpid());
	sd_notifyf(0, "READY=1\nMAINPID=%d\nSTATUS=serving with %u workers", (int)getpid(),
		   config->workers);
	master_loop(&m);
	log_info("master", NULL, "event=stopped");
	listeners_close_others(&m.listeners, -1);
	free(m.listeners.fds);
	free(m.slots);
	return 0;
}
