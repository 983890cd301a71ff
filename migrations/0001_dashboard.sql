-- The admin contract (SPEC §6): stable views in schema "dashboard". Their names and
-- columns are public; change them only with a migration and a README note.
CREATE SCHEMA IF NOT EXISTS dashboard;
--> statement-breakpoint
CREATE VIEW dashboard.messages AS
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
       m.filed_at
FROM messages m
JOIN campaigns c ON c.id = m.campaign_id
JOIN mailboxes mb ON mb.id = m.mailbox_id
LEFT JOIN schools s ON s.id = m.school_id;
--> statement-breakpoint
CREATE VIEW dashboard.documents AS
SELECT c.slug AS campaign,
       m.message_id,
       s.name AS school,
       d.filename,
       d.media_type,
       d.declared_type,
       d.size_bytes,
       d.sha256,
       d.kind,
       d.activity_day,
       d.parse_status,
       d.classified_by,
       d.origin,
       m.received_at
FROM documents d
JOIN messages m ON m.id = d.message_id
JOIN campaigns c ON c.id = m.campaign_id
LEFT JOIN schools s ON s.id = m.school_id;
--> statement-breakpoint
CREATE VIEW dashboard.findings AS
SELECT c.slug AS campaign,
       m.message_id,
       s.name AS school,
       d.filename,
       f.severity,
       f.code,
       f.field,
       f.message,
       m.received_at
FROM findings f
JOIN messages m ON m.id = f.message_id
JOIN campaigns c ON c.id = m.campaign_id
LEFT JOIN documents d ON d.id = f.document_id
LEFT JOIN schools s ON s.id = m.school_id;
--> statement-breakpoint
CREATE VIEW dashboard.outbox AS
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
       o.sent_at
FROM outbox o
JOIN campaigns c ON c.id = o.campaign_id
LEFT JOIN schools s ON s.id = o.school_id;
--> statement-breakpoint
-- Not in SPEC §6's table, but what an admin on call needs: is each poller alive?
CREATE VIEW dashboard.mailboxes AS
SELECT c.slug AS campaign,
       mb.key AS mailbox_key,
       mb.address AS mailbox,
       mb.folder,
       mb.uid_validity,
       mb.last_uid,
       mb.heartbeat_at,
       mb.last_error,
       mb.last_error_at
FROM mailboxes mb
JOIN campaigns c ON c.id = mb.campaign_id;
--> statement-breakpoint
-- A read-only role for Metabase/Grafana: dashboard and nothing else. Roles are
-- cluster-wide, so create it once and tolerate a concurrent creator.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'baosong_readonly') THEN
    CREATE ROLE baosong_readonly NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
REVOKE ALL ON SCHEMA public FROM baosong_readonly;
--> statement-breakpoint
GRANT USAGE ON SCHEMA dashboard TO baosong_readonly;
--> statement-breakpoint
GRANT SELECT ON ALL TABLES IN SCHEMA dashboard TO baosong_readonly;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA dashboard GRANT SELECT ON TABLES TO baosong_readonly;
