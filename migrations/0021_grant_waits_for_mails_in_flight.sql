-- A budget grant that can wait for the sender's mails in flight (grantBudget). Their grants are
-- reserved whole until they are filed: on a machine that files eight mails at once, the sixth
-- to seventh mail a school sent in the same minute found the 3,000-file allowance reserved by
-- the others and had its files refused, with nothing stored yet. With p_wait, when it is the
-- reservations of mails in flight (not what the sender really stored) that cut this grant,
-- nothing is granted and `waiting` says to ask again shortly: in-flight mails settle within
-- seconds. grantBudget asks with p_wait for a while, then without it, and gets what is left.
-- The 13-argument function stays for workers of the previous release during an upgrade (below).
CREATE FUNCTION "baosong_grant_budget"(
	p_campaign_id integer, p_mailbox_id integer, p_raw_sha256 text, p_sender text, p_received_at timestamptz,
	p_window_hours integer,
	p_mail_attachment_bytes bigint, p_mail_archive_bytes bigint, p_mail_files integer,
	p_sender_attachment_bytes bigint, p_sender_archive_bytes bigint, p_sender_files integer,
	p_mail_bytes bigint, p_wait boolean
) RETURNS TABLE (granted_attachment_bytes bigint, granted_archive_bytes bigint, granted_files integer, sender_limited text[], waiting boolean)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	settled_attachment bigint;
	settled_archive bigint;
	settled_files bigint;
	flight_attachment bigint;
	flight_archive bigint;
	flight_files bigint;
	left_attachment bigint;
	left_archive bigint;
	left_files bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended('budget:' || p_campaign_id || ':' || p_sender, 0));
	-- A repeated job gets its first grant back.
	RETURN QUERY SELECT g.granted_attachment_bytes, g.granted_archive_bytes, g.granted_files, g.sender_limited, false
		FROM budget_grants g WHERE g.mailbox_id = p_mailbox_id AND g.raw_sha256 = p_raw_sha256;
	IF FOUND THEN RETURN; END IF;
	-- What the sender's filed mails stored, and the whole grants of its mails not yet filed.
	SELECT coalesce(sum(g.used_attachment_bytes), 0),
	       coalesce(sum(g.used_archive_bytes), 0),
	       coalesce(sum(g.used_files), 0),
	       coalesce(sum(g.granted_attachment_bytes) FILTER (WHERE g.used_attachment_bytes IS NULL), 0),
	       coalesce(sum(g.granted_archive_bytes) FILTER (WHERE g.used_archive_bytes IS NULL), 0),
	       coalesce(sum(g.granted_files) FILTER (WHERE g.used_files IS NULL), 0)
		INTO settled_attachment, settled_archive, settled_files, flight_attachment, flight_archive, flight_files
		FROM budget_grants g
		WHERE g.campaign_id = p_campaign_id AND g.sender = p_sender
		  AND g.received_at > p_received_at - p_window_hours * interval '1 hour'
		  AND g.received_at < p_received_at + p_window_hours * interval '1 hour';
	left_attachment := greatest(0, p_sender_attachment_bytes - settled_attachment - flight_attachment);
	left_archive := greatest(0, p_sender_archive_bytes - settled_archive - flight_archive);
	left_files := greatest(0, p_sender_files - settled_files - flight_files);
	-- @baosong/core waitsForInFlight: would the grant be larger without the reservations in flight?
	IF p_wait AND (
		least(p_mail_attachment_bytes, greatest(0, p_sender_attachment_bytes - settled_attachment), p_mail_bytes)
			> least(p_mail_attachment_bytes, left_attachment, p_mail_bytes)
		OR least(p_mail_archive_bytes, greatest(0, p_sender_archive_bytes - settled_archive)) > least(p_mail_archive_bytes, left_archive)
		OR least(p_mail_files, greatest(0, p_sender_files - settled_files)) > least(p_mail_files, left_files)
	) THEN
		RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::integer, NULL::text[], true;
		RETURN;
	END IF;
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
		RETURNING g.granted_attachment_bytes, g.granted_archive_bytes, g.granted_files, g.sender_limited, false;
END $$;
--> statement-breakpoint
-- The archive part of a grant, asked for only when the mail turns out to hold an archive: the
-- first grant then reserves no archive bytes (p_mail_archive_bytes 0), so a school's mails
-- without archives (most of them) do not hold 2 GiB each of its 6 GiB, nor wait for each other.
-- Same lock, same rule (and the same wait) as above, for this one allowance. The mail's row
-- exists (its first grant); once it is settled the grant is what it was.
CREATE FUNCTION "baosong_grant_archive_budget"(
	p_campaign_id integer, p_mailbox_id integer, p_raw_sha256 text, p_sender text, p_received_at timestamptz,
	p_window_hours integer, p_mail_archive_bytes bigint, p_sender_archive_bytes bigint, p_wait boolean
) RETURNS TABLE (granted_archive_bytes bigint, sender_limited text[], waiting boolean)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	own_id bigint;
	own_settled boolean;
	settled bigint;
	flight bigint;
	left_archive bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended('budget:' || p_campaign_id || ':' || p_sender, 0));
	SELECT g.id, g.used_archive_bytes IS NOT NULL INTO own_id, own_settled
		FROM budget_grants g WHERE g.mailbox_id = p_mailbox_id AND g.raw_sha256 = p_raw_sha256;
	IF own_id IS NULL THEN
		RAISE EXCEPTION 'no budget grant for mail % of mailbox %', p_raw_sha256, p_mailbox_id;
	END IF;
	IF own_settled THEN
		RETURN QUERY SELECT g.granted_archive_bytes, g.sender_limited, false FROM budget_grants g WHERE g.id = own_id;
		RETURN;
	END IF;
	SELECT coalesce(sum(g.used_archive_bytes), 0),
	       coalesce(sum(g.granted_archive_bytes) FILTER (WHERE g.used_archive_bytes IS NULL), 0)
		INTO settled, flight
		FROM budget_grants g
		WHERE g.campaign_id = p_campaign_id AND g.sender = p_sender AND g.id <> own_id
		  AND g.received_at > p_received_at - p_window_hours * interval '1 hour'
		  AND g.received_at < p_received_at + p_window_hours * interval '1 hour';
	left_archive := greatest(0, p_sender_archive_bytes - settled - flight);
	IF p_wait AND least(p_mail_archive_bytes, greatest(0, p_sender_archive_bytes - settled)) > least(p_mail_archive_bytes, left_archive) THEN
		RETURN QUERY SELECT NULL::bigint, NULL::text[], true;
		RETURN;
	END IF;
	RETURN QUERY UPDATE budget_grants AS g
		SET granted_archive_bytes = least(p_mail_archive_bytes, left_archive),
		    sender_limited = array_remove(g.sender_limited, 'archiveBytes')
		      || CASE WHEN left_archive < p_mail_archive_bytes THEN ARRAY['archiveBytes'] ELSE ARRAY[]::text[] END
		WHERE g.id = own_id
		RETURNING g.granted_archive_bytes, g.sender_limited, false;
END $$;
--> statement-breakpoint
-- The 13-argument grant of 0019, kept for workers of the previous release during an upgrade,
-- now answers through the one above (never waiting, which is what it did): one rule in force.
CREATE OR REPLACE FUNCTION "baosong_grant_budget"(
	p_campaign_id integer, p_mailbox_id integer, p_raw_sha256 text, p_sender text, p_received_at timestamptz,
	p_window_hours integer,
	p_mail_attachment_bytes bigint, p_mail_archive_bytes bigint, p_mail_files integer,
	p_sender_attachment_bytes bigint, p_sender_archive_bytes bigint, p_sender_files integer,
	p_mail_bytes bigint
) RETURNS TABLE (granted_attachment_bytes bigint, granted_archive_bytes bigint, granted_files integer, sender_limited text[])
LANGUAGE sql VOLATILE AS $$
	SELECT g.granted_attachment_bytes, g.granted_archive_bytes, g.granted_files, g.sender_limited
	FROM baosong_grant_budget(p_campaign_id, p_mailbox_id, p_raw_sha256, p_sender, p_received_at, p_window_hours,
		p_mail_attachment_bytes, p_mail_archive_bytes, p_mail_files,
		p_sender_attachment_bytes, p_sender_archive_bytes, p_sender_files, p_mail_bytes, false) g
$$;
