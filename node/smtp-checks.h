/*
 * smtp-checks.h — the inbound policy checks (one smtp-check-*.c each),
 * listed in node/smtp-policy.c's table in the order they run.
 */
#ifndef SMTP_CHECKS_H
#define SMTP_CHECKS_H

#include "smtp-policy.h"

/* bans and lists (smtp-check-lists.c) */
extern const struct smtp_check smtp_check_bans, smtp_check_lists;
/* DNSBL (smtp-check-dnsbl.c) */
extern const struct smtp_check smtp_check_dnsbl;
/* SPF, DKIM, DMARC (smtp-check-auth.c) */
extern const struct smtp_check smtp_check_auth;
/* SMTP rules (smtp-check-rules.c) */
extern const struct smtp_check smtp_check_rules;
/* greylisting (smtp-check-greylist.c) */
extern const struct smtp_check smtp_check_greylist;
/* milters (smtp-check-milter.c) */
extern const struct smtp_check smtp_check_milter;
/* delivery-time global rules (smtp-check-delivery-rules.c) */
extern const struct smtp_check smtp_check_delivery_rules;

struct rule_matcher;
/* Log (once per new hit) that a rule's regex ran into the match limit
   and counted as not matching (smtp-check-rules.c). */
void smtp_rules_limit_logged(struct smtp_session *s, struct rule_matcher *m,
			     unsigned int *seen, const char *kind, const char *name);

#endif
