-- 特色亮点活动 dates stay as written (held_on); held_on_date is the one day they name, in the
-- campaign's year, NULL for 5月中旬 or a range. New columns go at the end: CREATE OR REPLACE
-- VIEW may only add columns.
CREATE OR REPLACE VIEW dashboard.featured_activities AS
SELECT c.slug AS campaign,
       m.message_id,
       s.name AS school,
       d.filename,
       f.seq, f.organizer, f.held_on, f.place, f.name, f.intro, f.outcome,
       f.held_on_date
FROM featured_activities f
JOIN campaigns c ON c.id = f.campaign_id
JOIN messages m ON m.id = f.message_id
JOIN documents d ON d.id = f.document_id
LEFT JOIN schools s ON s.id = f.school_id;
