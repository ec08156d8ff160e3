// Memory attacks from a public list, measured: each input is generated here, `review` or `b4-check`
// runs on it as a bot would (the bundled CLI under plain node), and /usr/bin/time -v reports the
// peak RSS. Every attack must end in exit 2 with one line on stderr, never a V8 abort (134).
// node --import tsx scripts/bench-hostile.ts
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = join(__dirname, '..');
const cli = join(root, 'dist', 'cli.js');
const tree = join(root, 'examples', 'series', 'tree');

/** One small mail that adds a new C file. */
function newFilePatch(k: number, n: number): string {
  return `From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: M <m@example.org>\nSubject: [PATCH ${k}/${n}] iommu: new file ${k}\n\nx\n---\n`
    + `diff --git a/drivers/iommu/n${k}.c b/drivers/iommu/n${k}.c\nnew file mode 100644\n--- /dev/null\n+++ b/drivers/iommu/n${k}.c\n@@ -0,0 +1 @@\n+int n${k}(void) { return 0; }\n\n`;
}

interface Run { attack: string; status: number | null; signal: string | null; seconds: number; maxRssMiB: number | undefined; stderr: string }

function timed(attack: string, args: string[], input?: Buffer | string): Run {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, cli, ...args], { input, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '');
  const exit = /Exit status: (\d+)/.exec(r.stderr ?? '');
  const ours = (r.stderr ?? '').split('\n').filter((l) => l.startsWith('iopf-lens') || l.includes('iopf-lens:')).slice(0, 1).join(' ');
  return { attack, status: exit ? Number(exit[1]) : r.status, signal: r.signal, seconds, maxRssMiB: rss ? Number(rss[1]) / 1024 : undefined, stderr: ours };
}

function main(): void {
  if (!existsSync('/usr/bin/time')) {
    console.log('bench-hostile: /usr/bin/time is missing (apt-get install time)');
    process.exit(2);
  }
  if (!existsSync(cli)) spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'iopf-hostile-'));
  const runs: Run[] = [];
  try {
    // 20,000 tiny "new file" patches in one mbox.
    const n = 20000;
    const mbox = join(dir, 'many.mbox');
    writeFileSync(mbox, Array.from({ length: n }, (_, i) => newFilePatch(i + 1, n)).join(''));
    runs.push(timed('mbox of 20,000 new-file patches', ['review', mbox, '--tree', tree]));
    // 150 .mbox.gz of 30 MiB each, uncompressed, in one folder: the per-run cap, not the per-file one.
    const folder = join(dir, 'gz');
    mkdirSync(folder);
    const gz = gzipSync(Buffer.alloc(30 * 1024 * 1024, 'x\n'));
    for (let i = 0; i < 150; i++) writeFileSync(join(folder, `p${String(i).padStart(3, '0')}.mbox.gz`), gz);
    runs.push(timed('150 .mbox.gz of 30 MiB each in one folder', ['review', folder, '--tree', tree]));
    // 400 MB on stdin, for review - and for b4-check.
    const big = Buffer.alloc(400 * 1024 * 1024, 'x\n');
    runs.push(timed('400 MB on stdin to review -', ['review', '-', '--tree', tree], big));
    runs.push(timed('400 MB on stdin to b4-check', ['b4-check', '--tree', tree], big));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('attack | exit | peak RSS | time | first line on stderr');
  for (const r of runs) {
    console.log(`${r.attack} | ${r.signal ?? r.status} | ${r.maxRssMiB === undefined ? 'n/a' : `${r.maxRssMiB.toFixed(0)} MiB`} | ${r.seconds.toFixed(1)} s | ${r.stderr}`);
  }
  const aborted = runs.filter((r) => r.status === 134 || r.signal);
  if (aborted.length) {
    console.log(`${aborted.length} attack(s) ended in an abort`);
    process.exit(1);
  }
}

main();
