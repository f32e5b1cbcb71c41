// The mocha runner the extension host loads (extensionTestsPath): every
// *.test.js beside this file, tdd interface. Output goes to the file named
// by DPL_TEST_LOG when it is set (code-server's extension host cannot have
// console.log reassigned), else to the console; the last line is
// "N passed, N failed".
import Mocha from 'mocha';
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';

export function run(): Promise<void> {
  const log = process.env.DPL_TEST_LOG;
  const write = (...args: unknown[]) => {
    const line = format(...args) + '\n';
    if (log) appendFileSync(log, line);
    else process.stdout.write(line);
  };
  (Mocha.reporters.Base as unknown as { consoleLog: (...a: unknown[]) => void }).consoleLog = write;
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 120_000, reporter: 'spec' });
  const grep = process.env.DPL_TEST_GREP;
  if (grep) mocha.grep(grep);
  const dir = __dirname;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.test.js')).sort()) mocha.addFile(join(dir, f));
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const passes = runner.stats?.passes ?? 0;
        write(`${passes} passed, ${failures} failed`);
        if (failures > 0) reject(new Error(`${failures} test(s) failed`));
        else resolve();
      });
    } catch (e) {
      write(`error: ${(e as Error).stack ?? String(e)}`);
      write('0 passed, 1 failed');
      reject(e);
    }
  });
}
