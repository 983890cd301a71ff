-- A budget grant in one round trip (grantBudget): the sender's lock, this mail's earlier grant or
-- the sender's use in the window, and the new grant, computed as @baosong/core grantFor does.
-- Under READ COMMITTED each statement of a volatile function takes a fresh snapshot, so the reads
-- after the lock see the grant its previous holder committed: two workers never spend one allowance.
CREATE FUNCTION "baosong_grant_budget"(
	p_campaign_id integer, p_mailbox_id integer, p_raw_sha256 text, p_sender text, p_received_at timestamptz,
	p_window_hours integer,
	p_mail_attachment_bytes bigint, p_mail_archive_bytes bigint, p_mail_files integer,
	p_sender_attachment_bytes bigint, p_sender_archive_bytes bigint, p_sender_files integer,
	p_mail_bytes bigint
) RETURNS TABLE (granted_attachment_bytes bigint, granted_archive_bytes bigint, granted_files integer, sender_limited text[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	used_attachment bigint;
	used_archive bigint;
	used_files bigint;
	left_attachment bigint;
	left_archive bigint;
	left_files bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended('budget:' || p_campaign_id || ':' || p_sender, 0));
	-- A repeated job gets its first grant back.
	RETURN QUERY SELECT g.granted_attachment_bytes, g.granted_archive_bytes, g.granted_files, g.sender_limited
		FROM budget_grants g WHERE g.mailbox_id = p_mailbox_id AND g.raw_sha256 = p_raw_sha256;
	IF FOUND THEN RETURN; END IF;
	-- A mail not yet read is charged its whole grant.
	SELECT coalesce(sum(coalesce(g.used_attachment_bytes, g.granted_attachment_bytes)), 0),
	       coalesce(sum(coalesce(g.used_archive_bytes, g.granted_archive_bytes)), 0),
	       coalesce(sum(coalesce(g.used_files, g.granted_files)), 0)
		INTO used_attachment, used_archive, used_files
		FROM budget_grants g
		WHERE g.campaign_id = p_campaign_id AND g.sender = p_sender
		  AND g.received_at > p_received_at - p_window_hours * interval '1 hour'
		  AND g.received_at < p_received_at + p_window_hours * interval '1 hour';
	left_attachment := greatest(0, p_sender_attachment_bytes - used_attachment);
	left_archive := greatest(0, p_sender_archive_bytes - used_archive);
	left_files := greatest(0, p_sender_files - used_files);
	-- least() skips a null p_mail_bytes: no bound from the raw size.
	RETURN QUERY INSERT INTO budget_grants AS g
		(campaign_id, mailbox_id, raw_sha256, sender, received_at, granted_attachment_bytes, granted_archive_bytes, granted_files, sender_limited)
		VALUES (p_campaign_id, p_mailbox_id, p_raw_sha256, p_sender, p_received_at,
			least(p_mail_attachment_bytes, left_attachment, p_mail_bytes),
			least(p_mail_archive_bytes, left_archive),
			least(p_mail_files, left_files),
			array_remove(ARRAY[
				CASE WHEN left_attachment < p_mail_attachment_bytes THEN 'attachmentBytes' END,
				CASE WHEN left_archive < p_mail_archive_bytes THEN 'archiveBytes' END,
				CASE WHEN left_files < p_mail_files THEN 'files' END
			], NULL))
		RETURNING g.granted_attachment_bytes, g.granted_archive_bytes, g.granted_files, g.sender_limited;
END $$;
--> statement-breakpoint
-- The hourly 回执 cap's lock and count in one round trip: the count is its own statement after the
-- lock, so (READ COMMITTED, a fresh snapshot per statement) it sees the 回执 the lock's previous
-- holder committed. The lock is held until the caller's transaction ends.
CREATE FUNCTION "baosong_ack_cap_count"(p_to text, p_received_at timestamptz) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	hour_start timestamptz := date_trunc('hour', p_received_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
	sent integer;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended('ack-cap:' || p_to, 0));
	SELECT count(*)::int INTO sent
		FROM outbox o JOIN messages m ON m.id = o.related_message_id
		WHERE o.kind = 'ack' AND o.status <> 'suppressed' AND lower(o.to_address) = p_to
		  AND m.received_at >= hour_start AND m.received_at < hour_start + interval '1 hour';
	RETURN sent;
END $$;
