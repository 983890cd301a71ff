-- A file that could not be opened (damaged, cut short, password-protected) neither meets a
-- requirement nor replaces a readable copy sent before it: the latest readable file decides,
-- and a school that sent only unreadable ones shows 'invalid' (its 回执 asks for the file again).
CREATE OR REPLACE VIEW dashboard.school_status AS
WITH received AS (
  SELECT m.campaign_id, m.school_id, d.kind, m.received_at, d.parse_status
  FROM documents d JOIN messages m ON m.id = d.message_id
  WHERE m.school_id IS NOT NULL
    AND d.signed_copy_of IS NULL
), matched AS (
  SELECT r.id AS requirement_id, s.id AS school_id,
         min(x.received_at) AS first_received_at,
         max(x.received_at) AS latest_received_at,
         bool_or((r.due_at IS NULL OR x.received_at <= r.due_at) AND x.parse_status <> 'unreadable') AS any_on_time,
         coalesce((array_agg(x.parse_status ORDER BY x.received_at DESC) FILTER (WHERE x.parse_status <> 'unreadable'))[1], 'unreadable') AS latest_parse_status
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
         WHEN mt.latest_parse_status IN ('invalid', 'unreadable') THEN 'invalid'
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
