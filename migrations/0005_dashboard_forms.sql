-- SPEC §6: what was read from forms and reports, per version, with the latest marked;
-- and per school what is still owed (school_status) and what came in each day (daily_matrix).
CREATE VIEW dashboard.info_forms AS
SELECT c.slug AS campaign,
       m.message_id,
       s.name AS school,
       d.filename,
       f.submitted_at,
       (s.id IS NOT NULL AND f.id = first_value(f.id) OVER (PARTITION BY f.campaign_id, f.school_id ORDER BY f.submitted_at DESC, f.id DESC)) AS is_latest,
       f.unit_name, f.contact_name, f.contact_title, f.mobile, f.qq, f.website_url,
       f.plan_text, f.featured_text, f.filler_name, f.filler_phone
FROM info_forms f
JOIN campaigns c ON c.id = f.campaign_id
JOIN messages m ON m.id = f.message_id
JOIN documents d ON d.id = f.document_id
LEFT JOIN schools s ON s.id = f.school_id;
--> statement-breakpoint
CREATE VIEW dashboard.stats_forms AS
SELECT c.slug AS campaign,
       m.message_id,
       s.name AS school,
       d.filename,
       f.submitted_at,
       -- A bureau's form has several rows: all rows of the school's latest document are latest.
       (s.id IS NOT NULL AND f.document_id = first_value(f.document_id) OVER (PARTITION BY f.campaign_id, f.school_id ORDER BY f.submitted_at DESC, f.document_id DESC)) AS is_latest,
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
CREATE VIEW dashboard.featured_activities AS
SELECT c.slug AS campaign,
       m.message_id,
       s.name AS school,
       d.filename,
       f.seq, f.organizer, f.held_on, f.place, f.name, f.intro, f.outcome
FROM featured_activities f
JOIN campaigns c ON c.id = f.campaign_id
JOIN messages m ON m.id = f.message_id
JOIN documents d ON d.id = f.document_id
LEFT JOIN schools s ON s.id = f.school_id;
--> statement-breakpoint
CREATE VIEW dashboard.reports AS
SELECT c.slug AS campaign,
       m.message_id,
       s.name AS school,
       d.filename,
       r.kind, r.title, r.activity_day, r.char_count, r.image_count, r.missing_sections
FROM reports r
JOIN campaigns c ON c.id = r.campaign_id
JOIN messages m ON m.id = r.message_id
JOIN documents d ON d.id = r.document_id
LEFT JOIN schools s ON s.id = r.school_id;
--> statement-breakpoint
-- One row per active school × active requirement. A requirement of kind media_photo is met
-- by photos or videos. Daily requirements have no single due time here (see daily_matrix):
-- they are on_time once any report arrived.
CREATE VIEW dashboard.school_status AS
WITH received AS (
  SELECT m.campaign_id, m.school_id, d.kind, m.received_at, d.parse_status
  FROM documents d JOIN messages m ON m.id = d.message_id
  WHERE m.school_id IS NOT NULL
), matched AS (
  SELECT r.id AS requirement_id, s.id AS school_id,
         min(x.received_at) AS first_received_at,
         max(x.received_at) AS latest_received_at,
         bool_or(r.due_at IS NULL OR x.received_at <= r.due_at) AS any_on_time,
         (array_agg(x.parse_status ORDER BY x.received_at DESC))[1] AS latest_parse_status
  FROM requirements r
  JOIN schools s ON s.campaign_id = r.campaign_id AND s.active
  JOIN received x ON x.campaign_id = r.campaign_id AND x.school_id = s.id
   AND (x.kind = r.kind OR (r.kind = 'media_photo' AND x.kind = 'media_video'))
  GROUP BY r.id, s.id
)
SELECT c.slug AS campaign,
       s.name AS school,
       r.key AS requirement_key,
       r.kind AS requirement,
       r.title,
       r.due_at,
       CASE
         WHEN mt.school_id IS NULL THEN 'missing'
         WHEN mt.latest_parse_status = 'invalid' THEN 'invalid'
         WHEN mt.any_on_time THEN 'on_time'
         ELSE 'late'
       END AS status,
       mt.first_received_at,
       mt.latest_received_at
FROM requirements r
JOIN campaigns c ON c.id = r.campaign_id
JOIN schools s ON s.campaign_id = r.campaign_id AND s.active
LEFT JOIN matched mt ON mt.requirement_id = r.id AND mt.school_id = s.id
WHERE r.active;
--> statement-breakpoint
CREATE VIEW dashboard.daily_matrix AS
WITH days AS (
  SELECT c.id AS campaign_id, c.slug, generate_series((c.config->'period'->>'start')::date, (c.config->'period'->>'end')::date, interval '1 day')::date AS day
  FROM campaigns c
)
SELECT days.slug AS campaign,
       s.name AS school,
       days.day,
       count(d.id) FILTER (WHERE d.kind = 'daily_report')::int AS daily_reports,
       count(d.id) FILTER (WHERE d.kind = 'media_photo')::int AS photos,
       count(d.id) FILTER (WHERE d.kind = 'media_video')::int AS videos
FROM days
JOIN schools s ON s.campaign_id = days.campaign_id AND s.active
LEFT JOIN messages m ON m.campaign_id = days.campaign_id AND m.school_id = s.id
LEFT JOIN documents d ON d.message_id = m.id AND d.activity_day = days.day
GROUP BY days.slug, s.name, days.day;
--> statement-breakpoint
GRANT SELECT ON ALL TABLES IN SCHEMA dashboard TO baosong_readonly;
