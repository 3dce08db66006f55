import fs from 'node:fs';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until a line of a process's log matches: the agent says "connected" only once authenticated. */
export async function waitForLogLine(file: string, pattern: RegExp, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      // Not written yet.
    }
    if (pattern.test(text)) return;
    await sleep(50);
  }
  throw new Error(`${file} did not show ${String(pattern)} within ${deadlineMs} ms`);
}
