/**
 * The floor of a digest preview, run as its own process (plain `node`, no tsx, so its peak
 * memory is comparable): the queries the digest runs, read through a server-side cursor, and
 * a plain workbook of the same rows written with exceljs's streaming WorkbookWriter.
 *
 *   node scripts/bench/digest-ceiling.ts DATABASE_URL CAMPAIGN_ID DAY OUT.xlsx
 *
 * Prints one JSON line: rows written. Only erasable TypeScript here (node strips the types).
 */
import ExcelJS from "exceljs";
import pg from "pg";

const [url, campaignIdText, day, out] = process.argv.slice(2);
if (!url || !campaignIdText || !day || !out) throw new Error("usage: digest-ceiling.ts DATABASE_URL CAMPAIGN_ID DAY OUT.xlsx");
const campaignId = Number(campaignIdText);

/** The digest's queries (packages/db schedule.repository.ts), each to its own sheet. */
const sheets: [string, string, unknown[]][] = [
  ["学校", "select s.name from schools s where s.campaign_id = $1 and s.active order by s.id", [campaignId]],
  [
    "已收材料",
    `select s.name as school, d.kind, d.activity_day::text as activity_day, m.received_at, d.parse_status not in ('invalid', 'unreadable') as valid
       from documents d join messages m on m.id = d.message_id join schools s on s.id = m.school_id
      where m.campaign_id = $1`,
    [campaignId],
  ],
  [
    "当日报送",
    `select s.name as school, m.received_at, d.filename, d.kind from documents d join messages m on m.id = d.message_id left join schools s on s.id = m.school_id
      where m.campaign_id = $1 and (m.received_at at time zone 'Asia/Shanghai')::date = $2::date order by m.received_at, d.id`,
    [campaignId, day],
  ],
  [
    "统计表",
    "select v.* from dashboard.stats_forms v join campaigns c on c.slug = v.campaign where c.id = $1 and v.is_latest order by v.school, v.row_index",
    [campaignId],
  ],
  ["采集表", "select v.* from dashboard.info_forms v join campaigns c on c.slug = v.campaign where c.id = $1 and v.is_latest order by v.school", [campaignId]],
  [
    "每日",
    "select v.school, v.day::text as day, v.daily_reports, v.photos, v.videos from dashboard.daily_matrix v join campaigns c on c.slug = v.campaign where c.id = $1 order by v.school, v.day",
    [campaignId],
  ],
];

const client = new pg.Client({ connectionString: url });
await client.connect();
const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: out, useStyles: false, useSharedStrings: false });
let written = 0;
try {
  await client.query("begin read only");
  for (const [name, text, values] of sheets) {
    const sheet = workbook.addWorksheet(name);
    await client.query(`declare rows_cursor no scroll cursor for ${text}`, values);
    let header = true;
    for (;;) {
      const { rows, fields } = await client.query("fetch 2000 from rows_cursor");
      if (header) sheet.addRow(fields.map((f: { name: string }) => f.name)).commit();
      header = false;
      for (const r of rows) {
        sheet.addRow(Object.values(r).map((v) => (v !== null && typeof v === "object" && !(v instanceof Date) ? JSON.stringify(v) : v))).commit();
        written++;
      }
      if (rows.length < 2000) break;
    }
    await client.query("close rows_cursor");
    sheet.commit();
  }
  await client.query("commit");
  await workbook.commit();
} finally {
  await client.end();
}
console.log(JSON.stringify({ rows: written }));
