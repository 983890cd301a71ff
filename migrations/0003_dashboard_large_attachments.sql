-- QQ 超大附件 links with their expiry: the digest warns before they lapse.
CREATE VIEW dashboard.large_attachments AS
SELECT c.slug AS campaign,
       m.message_id,
       s.name AS school,
       l.filename,
       l.url,
       l.size_text,
       l.expires_at,
       m.received_at
FROM large_attachments l
JOIN messages m ON m.id = l.message_id
JOIN campaigns c ON c.id = m.campaign_id
LEFT JOIN schools s ON s.id = m.school_id;
--> statement-breakpoint
GRANT SELECT ON dashboard.large_attachments TO baosong_readonly;
