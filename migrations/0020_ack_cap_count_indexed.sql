-- The hourly 回执 cap's count as a plan that does not depend on the tables' statistics. The
-- first version joined outbox to messages; on a young campaign (tables never analysed, so
-- estimated empty) the plan cached in a worker's connection scanned all of messages for each
-- 回执 to the address: 1.3 ms per filing after a thousand mails, growing with the campaign.
-- Now the address's 回执 come from the (lower(to_address), created_at) index, bounded to those
-- created since a day before the hour (a 回执 is created when its mail is filed, after it was
-- received; the day allows for the mail server's clock being ahead of ours), and each one's
-- mail is looked up by its primary key.
CREATE OR REPLACE FUNCTION "baosong_ack_cap_count"(p_to text, p_received_at timestamptz) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	hour_start timestamptz := date_trunc('hour', p_received_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
	sent integer;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended('ack-cap:' || p_to, 0));
	SELECT count(*)::int INTO sent
		FROM outbox o
		WHERE o.kind = 'ack' AND o.status <> 'suppressed' AND lower(o.to_address) = p_to
		  AND o.created_at >= hour_start - interval '1 day'
		  AND (SELECT m.received_at >= hour_start AND m.received_at < hour_start + interval '1 hour'
		       FROM messages m WHERE m.id = o.related_message_id);
	RETURN sent;
END $$;
