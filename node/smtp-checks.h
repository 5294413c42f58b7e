/*
 * smtp-checks.h — the inbound policy checks (one smtp-check-*.c each),
 * listed in node/smtp-policy.c's table in the order they run.
 */
#ifndef SMTP_CHECKS_H
#define SMTP_CHECKS_H

#include "smtp-policy.h"

#endif
