/**
 * The floor of a digest preview, run as its own process (plain `node`, no tsx, so its peak
 * memory is comparable): the queries the digest runs, read through a server-side cursor, and
 * a plain workbook of the rows the digest's workbook holds, written with exceljs's streaming
 * WorkbookWriter.
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

/**
 * The digest's queries (packages/db schedule.repository.ts). `sheet` rows go to the workbook
 * as they come; the filed items become the status matrix (school × kind), as the digest
 * makes of them; the day's submissions are read (the mail lists them, the workbook does not).
 */
type Use = "sheet" | "matrix" | "read";
const queries: [Use, string, string, unknown[]][] = [
  [
    "matrix",
    "状态",
    `select s.name as school, d.kind, d.activity_day::text as activity_day, m.received_at, d.parse_status not in ('invalid', 'unreadable') as valid
       from documents d join messages m on m.id = d.message_id join schools s on s.id = m.school_id
      where m.campaign_id = $1 order by s.name`,
    [campaignId],
  ],
  [
    "read",
    "当日报送",
    `select s.name as school, m.received_at, d.filename, d.kind from documents d join messages m on m.id = d.message_id left join schools s on s.id = m.school_id
      where m.campaign_id = $1 and (m.received_at at time zone 'Asia/Shanghai')::date = $2::date order by m.received_at, d.id`,
    [campaignId, day],
  ],
  [
    "sheet",
    "统计表",
    "select v.* from dashboard.stats_forms v join campaigns c on c.slug = v.campaign where c.id = $1 and v.is_latest order by v.school, v.row_index",
    [campaignId],
  ],
  [
    "sheet",
    "采集表",
    "select v.* from dashboard.info_forms v join campaigns c on c.slug = v.campaign where c.id = $1 and v.is_latest order by v.school",
    [campaignId],
  ],
  [
    "sheet",
    "每日",
    "select v.school, v.day::text as day, v.daily_reports, v.photos, v.videos from dashboard.daily_matrix v join campaigns c on c.slug = v.campaign where c.id = $1 order by v.school, v.day",
    [campaignId],
  ],
];

const client = new pg.Client({ connectionString: url });
await client.connect();
const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: out, useStyles: false, useSharedStrings: false });
const cell = (v: unknown) => (v !== null && typeof v === "object" && !(v instanceof Date) ? JSON.stringify(v) : v);
let written = 0;
try {
  await client.query("begin read only");
  for (const [use, name, text, values] of queries) {
    const sheet = use === "read" ? null : workbook.addWorksheet(name);
    // Ordered by school: one school's row of the matrix is complete when the next school starts.
    let school: string | null = null;
    let kinds = new Map<string, number>();
    const flushSchool = () => {
      if (sheet && school !== null) sheet.addRow([school, ...[...kinds].map(([k, n]) => `${k}:${n}`)]).commit();
      if (school !== null) written++;
    };
    await client.query(`declare rows_cursor no scroll cursor for ${text}`, values);
    let header = true;
    for (;;) {
      const { rows, fields } = await client.query("fetch 2000 from rows_cursor");
      if (header && use === "sheet" && sheet) sheet.addRow(fields.map((f: { name: string }) => f.name)).commit();
      header = false;
      for (const r of rows) {
        if (use === "matrix") {
          if (r.school !== school) {
            flushSchool();
            school = r.school;
            kinds = new Map();
          }
          kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
        } else if (sheet) {
          sheet.addRow(Object.values(r).map(cell)).commit();
          written++;
        }
      }
      if (rows.length < 2000) break;
    }
    flushSchool();
    await client.query("close rows_cursor");
    sheet?.commit();
  }
  await client.query("commit");
  await workbook.commit();
} finally {
  await client.end();
}
console.log(JSON.stringify({ rows: written }));
