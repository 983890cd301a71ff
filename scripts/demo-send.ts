/**
 * The demo school: sends a few typical mails to the demo mailbox in docker compose, so a
 * newcomer sees Baosong file them and answer with a 回执. Not used by tests.
 */
import nodemailer from "nodemailer";

const host = process.env.DEMO_SMTP_HOST ?? "127.0.0.1";
const port = Number(process.env.DEMO_SMTP_PORT ?? 3025);
const to = process.env.DEMO_TO ?? "demo@baosong.local";

const transport = nodemailer.createTransport({ host, port, secure: false, tls: { rejectUnauthorized: false } });

const mails = [
  {
    from: "演示第一职业学校 <school1@demo.baosong.local>",
    subject: "演示第一职业学校 信息采集表",
    text: "老师您好，附件是我校的信息采集表，请查收。",
    attachments: [{ filename: "2024年职业教育活动周信息采集表.csv", content: "中职学校,联系人,手机\n演示第一职业学校,张老师,13800000000\n" }],
  },
  {
    from: "school2@demo.baosong.local",
    subject: "5月13日 活动新闻稿",
    text: "今天我校举办了职业体验日活动，200余名家长走进校园……",
  },
  {
    from: "someone-unknown@demo.baosong.local",
    subject: "活动照片",
    text: "照片见附件",
    attachments: [{ filename: "IMG_2041.txt", content: "not really a photo" }],
  },
];

async function main(): Promise<void> {
  // The mail server may still be starting.
  for (let attempt = 1; ; attempt++) {
    try {
      await transport.verify();
      break;
    } catch (err) {
      if (attempt >= 30) throw err;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  for (const m of mails) {
    await transport.sendMail({ ...m, to });
    process.stdout.write(`sent: ${m.subject}\n`);
  }
  transport.close();
}

main().catch((err: Error) => {
  process.stderr.write(`demo-send failed: ${err.message}\n`);
  process.exit(1);
});
