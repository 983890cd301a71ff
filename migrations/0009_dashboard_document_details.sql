-- New columns go at the end: CREATE OR REPLACE VIEW may only add columns.
CREATE OR REPLACE VIEW dashboard.documents AS
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
       m.received_at,
       (d.details->'media'->>'width')::integer AS width,
       (d.details->'media'->>'height')::integer AS height,
       CASE WHEN d.details->'media'->>'takenAt' ~ '^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$'
            THEN (d.details->'media'->>'takenAt')::timestamp END AS taken_at,
       (d.details->'media'->>'durationSeconds')::integer AS duration_seconds,
       (d.details->'pdf'->>'pages')::integer AS pdf_pages,
       form.filename AS signed_copy_of
FROM documents d
JOIN messages m ON m.id = d.message_id
JOIN campaigns c ON c.id = m.campaign_id
LEFT JOIN schools s ON s.id = m.school_id
LEFT JOIN documents form ON form.message_id = d.message_id AND form.position = d.signed_copy_of;
