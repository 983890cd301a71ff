import { createInterface } from "node:readline";

/** The first line of stdin; on a terminal, asked for without echoing what is typed. */
export function readPasswordFromStdin(): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    return new Promise((resolve) => {
      const rl = createInterface({ input, terminal: false });
      rl.once("line", (line) => {
        resolve(line); // before close(): it emits "close" at once, which would resolve ""
        rl.close();
      });
      rl.once("close", () => resolve(""));
    });
  }
  return new Promise((resolve) => {
    process.stdout.write("密码：");
    input.setRawMode(true);
    input.resume();
    let typed = "";
    const finish = (value: string) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      process.stdout.write("\n");
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return finish(typed);
        if (ch === "\u0003") return finish(""); // Ctrl-C: no password, the command refuses
        typed = ch === "\u007f" || ch === "\b" ? [...typed].slice(0, -1).join("") : typed + ch;
      }
    };
    input.on("data", onData);
  });
}
