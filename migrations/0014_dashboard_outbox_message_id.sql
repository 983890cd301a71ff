-- dashboard.outbox gains message_id: the Message-ID (without <>) of the mail a 回执 answers,
-- so a 回执 joins dashboard.messages. Appended last: CREATE OR REPLACE keeps the old columns.
CREATE OR REPLACE VIEW dashboard.outbox AS
SELECT c.slug AS campaign,
       s.name AS school,
       o.kind,
       o.to_address,
       o.subject,
       o.dedupe_key,
       o.status,
       o.suppressed_reason,
       o.attempts,
       o.last_error,
       o.created_at,
       o.sent_at,
       m.message_id
FROM outbox o
JOIN campaigns c ON c.id = o.campaign_id
LEFT JOIN schools s ON s.id = o.school_id
LEFT JOIN messages m ON m.id = o.related_message_id;
