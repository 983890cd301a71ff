-- SPEC §3 Trust: a mail attributed by a name or a form's unit cell from an address not on the
-- roster has messages.status 'needs_confirmation'. Its forms are kept and shown, but never
-- replace forms from the school's roster address as is_latest: trusted versions sort first.
-- dashboard.messages gains auth_details (how `auth` was reached) at the end.
CREATE OR REPLACE VIEW dashboard.info_forms AS
SELECT c.slug AS campaign,
       m.message_id,
       s.name AS school,
       d.filename,
       f.submitted_at,
       (s.id IS NOT NULL AND f.id = first_value(f.id) OVER (PARTITION BY f.campaign_id, f.school_id ORDER BY (m.status = 'needs_confirmation'), f.submitted_at DESC, f.id DESC)) AS is_latest,
       f.unit_name, f.contact_name, f.contact_title, f.mobile, f.qq, f.website_url,
       f.plan_text, f.featured_text, f.filler_name, f.filler_phone
FROM info_forms f
JOIN campaigns c ON c.id = f.campaign_id
JOIN messages m ON m.id = f.message_id
JOIN documents d ON d.id = f.document_id
LEFT JOIN schools s ON s.id = f.school_id;
--> statement-breakpoint
CREATE OR REPLACE VIEW dashboard.stats_forms AS
SELECT c.slug AS campaign,
       m.message_id,
       s.name AS school,
       d.filename,
       f.submitted_at,
       (s.id IS NOT NULL AND f.document_id = first_value(f.document_id) OVER (PARTITION BY f.campaign_id, f.school_id ORDER BY (m.status = 'needs_confirmation'), f.submitted_at DESC, f.document_id DESC)) AS is_latest,
       f.row_index,
       f.unit_name, f.schools_participating, f.teachers, f.students, f.student_coverage_pct::float8 AS student_coverage_pct,
       f.enterprises, f.total_participants, f.activity_items, f.media_reports_total,
       f.media_reports_by_level
FROM stats_forms f
JOIN campaigns c ON c.id = f.campaign_id
JOIN messages m ON m.id = f.message_id
JOIN documents d ON d.id = f.document_id
LEFT JOIN schools s ON s.id = f.school_id;
--> statement-breakpoint
CREATE OR REPLACE VIEW dashboard.messages AS
SELECT c.slug AS campaign,
       m.message_id,
       mb.address AS mailbox,
       m.received_at,
       m.from_address,
       m.subject,
       s.name AS school,
       m.attributed_by,
       m.auth,
       m.status,
       m.auto_reply,
       m.auto_reply_reason,
       m.sent_at,
       m.size_bytes,
       m.filed_at,
       m.auth_details
FROM messages m
JOIN campaigns c ON c.id = m.campaign_id
JOIN mailboxes mb ON mb.id = m.mailbox_id
LEFT JOIN schools s ON s.id = m.school_id;
