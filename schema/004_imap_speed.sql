-- 004_imap_speed.sql — cheaper IMAP STORE and SELECT, same contracts.
--
-- STORE is the busiest writing IMAP command and runs under its mailbox's
-- row lock, so every statement saved is throughput for that mailbox.
-- petrel_store_flags (002) now does its work in one statement after the
-- lock:
--
--  * the target messages are read once, through the primary key in UID
--    order (that order also keeps the planner on the primary key while
--    the table has no statistics yet), without FOR UPDATE: the mailbox
--    lock already keeps every other writer of these messages out (002);
--  * the UPDATE reaches the changed ones by their row address (ctid, a
--    TID scan), not by a join the planner could turn into a mailbox scan;
--  * the mailbox row is updated in the same statement, only when a
--    message changed or keywords were added: no re-scan of the messages
--    for the new modseq;
--  * the keyword functions (SQL functions, planned again at every call)
--    run only when the command names keywords.
--
-- SELECT's snapshot becomes a function (petrel_mailbox_select), so its
-- plan is made once per connection, and a mailbox without holes gets
-- its UIDs from two index probes instead of a pass over every message.

CREATE OR REPLACE FUNCTION petrel_store_flags(p_account bigint, p_mailbox bigint,
                                              p_uids int8multirange, p_mode int,
                                              p_flags smallint, p_keywords text[],
                                              p_unchangedsince bigint)
RETURNS TABLE (uid bigint, flags smallint, keywords text[], modseq bigint, status text)
LANGUAGE plpgsql AS $$
DECLARE
    v_modseq bigint := petrel_mailbox_lock(p_account, p_mailbox);
    v_named  boolean := cardinality(p_keywords) > 0;
    -- What replacing (p_mode 0) sets: the named keywords without repeats.
    v_set    text[] := CASE WHEN p_mode = 0 AND v_named
                            THEN petrel_keywords_add('{}', p_keywords) ELSE '{}' END;
BEGIN
    RETURN QUERY
    WITH target AS (
        SELECT m.ctid AS row, m.uid, m.flags AS old_flags, m.keywords AS old_kw,
               m.modseq AS old_modseq, n.new_flags, n.new_kw,
               (p_unchangedsince IS NULL OR m.modseq <= p_unchangedsince)
               AND (n.new_flags <> m.flags OR n.new_kw <> m.keywords) AS changed
          FROM messages m
         CROSS JOIN LATERAL (SELECT
               CASE p_mode WHEN 0 THEN p_flags
                           WHEN 1 THEN m.flags | p_flags
                           ELSE m.flags & ~p_flags END AS new_flags,
               CASE WHEN p_mode = 0 THEN v_set
                    WHEN NOT v_named THEN m.keywords
                    WHEN p_mode = 1 THEN petrel_keywords_add(m.keywords, p_keywords)
                    ELSE petrel_keywords_remove(m.keywords, p_keywords) END AS new_kw) AS n
         WHERE m.account_id = p_account AND m.mailbox_id = p_mailbox
           AND m.uid >= lower(p_uids) AND m.uid < upper(p_uids) AND m.uid <@ p_uids
         ORDER BY m.uid),
    upd AS (
        UPDATE messages m SET flags = t.new_flags, keywords = t.new_kw, modseq = v_modseq
          FROM target t
         WHERE m.ctid = t.row AND t.changed
        RETURNING 1),
    box AS (
        UPDATE mailboxes mb
           SET highestmodseq = CASE WHEN EXISTS (SELECT 1 FROM upd) THEN v_modseq
                                    ELSE mb.highestmodseq END,
               keywords = CASE WHEN p_mode <> 2 AND v_named
                               THEN petrel_keywords_add(mb.keywords, p_keywords)
                               ELSE mb.keywords END
         WHERE mb.account_id = p_account AND mb.id = p_mailbox
           AND ((p_mode <> 2 AND v_named) OR EXISTS (SELECT 1 FROM upd)))
    SELECT t.uid,
           CASE WHEN t.changed THEN t.new_flags ELSE t.old_flags END,
           CASE WHEN t.changed THEN t.new_kw ELSE t.old_kw END,
           CASE WHEN t.changed THEN v_modseq ELSE t.old_modseq END,
           CASE WHEN t.changed THEN 'changed'
                WHEN p_unchangedsince IS NOT NULL AND t.old_modseq > p_unchangedsince
                     THEN 'conflict'
                ELSE 'unchanged' END
      FROM target t
     ORDER BY t.uid;
END $$;

-- SELECT/EXAMINE: a consistent snapshot of the mailbox (one statement):
-- its row, the first unseen UID and its UIDs as a sequence set ("1:5,8:9",
-- '' if none). A function so its plan is made once per connection, not
-- at every SELECT. A mailbox without holes (its messages counter, kept in
-- the same transactions as its messages, equals max - min + 1 of its UIDs)
-- costs two index probes; otherwise the UID ranges are found as gaps and
-- islands over all its messages. No row: no such mailbox.
CREATE FUNCTION petrel_mailbox_select(p_account bigint, p_name text)
RETURNS TABLE (id bigint, uidvalidity bigint, uidnext bigint, highestmodseq bigint,
               keywords text, first_unseen bigint, uids text)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT mb.id, mb.uidvalidity, mb.uidnext, mb.highestmodseq,
           array_to_string(mb.keywords, ' '),
           (SELECT min(m.uid) FROM messages m
             WHERE m.account_id = mb.account_id AND m.mailbox_id = mb.id
               AND (m.flags & 1) = 0),
           CASE WHEN b.lo IS NULL THEN ''
                WHEN b.hi - b.lo + 1 = mb.messages THEN
                     CASE WHEN b.lo = b.hi THEN b.lo::text ELSE b.lo || ':' || b.hi END
                ELSE (SELECT string_agg(CASE WHEN r.lo = r.hi THEN r.lo::text
                                             ELSE r.lo || ':' || r.hi END, ',' ORDER BY r.lo)
                        FROM (SELECT min(t.uid) AS lo, max(t.uid) AS hi
                                FROM (SELECT m.uid, m.uid - row_number() OVER (ORDER BY m.uid)
                                             AS island
                                        FROM messages m
                                       WHERE m.account_id = mb.account_id
                                         AND m.mailbox_id = mb.id) AS t
                               GROUP BY t.island) AS r) END
      FROM mailboxes mb
     CROSS JOIN LATERAL (
           SELECT (SELECT min(m.uid) FROM messages m
                    WHERE m.account_id = mb.account_id AND m.mailbox_id = mb.id) AS lo,
                  (SELECT max(m.uid) FROM messages m
                    WHERE m.account_id = mb.account_id AND m.mailbox_id = mb.id) AS hi
           OFFSET 0) AS b      -- not pulled up: each subquery planned and run once
     WHERE mb.account_id = p_account AND mb.name = p_name;
END $$;
