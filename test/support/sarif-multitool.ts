// Microsoft's SARIF multitool (the reference validator), installed on first use from the npm
// registry into a cache folder outside the repository, like code-server for the e2e suite.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';

export const MULTITOOL_VERSION = '5.7.0';
const CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'iopf-lens', `sarif-multitool-${MULTITOOL_VERSION}`);
const BINARY = join(CACHE, 'node_modules', '@microsoft', 'sarif-multitool-linux', 'Sarif.Multitool');

/** The multitool's executable, installing it when missing; throws with npm's words when it cannot. */
export function multitool(): string {
  if (!existsSync(BINARY)) {
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(join(CACHE, 'package.json'), JSON.stringify({ name: 'iopf-lens-sarif-multitool-cache', private: true }));
    const r = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `@microsoft/sarif-multitool-linux@${MULTITOOL_VERSION}`],
      { cwd: CACHE, encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(BINARY)) throw new Error(`installing @microsoft/sarif-multitool-linux failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
  }
  // Its postinstall only marks it executable, and npm may not have run it.
  chmodSync(BINARY, 0o755);
  return BINARY;
}

export interface SarifProblem { level: string; rule: string; where: string }

/** validate - what the multitool's `validate` says of @sarif (a SARIF log as text): every error and warning. */
export function validate(sarif: string): SarifProblem[] {
  const dir = mkdtempSync(join(tmpdir(), 'iopf-sarif-'));
  const input = join(dir, 'log.sarif');
  const output = join(dir, 'validation.sarif');
  writeFileSync(input, sarif);
  const r = spawnSync(multitool(), ['validate', input, '--output', output], {
    encoding: 'utf8', env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' },
  });
  if (r.status !== 0 || !existsSync(output)) throw new Error(`Sarif.Multitool validate failed (${r.status}): ${r.stdout}${r.stderr}`);
  const log = JSON.parse(readFileSync(output, 'utf8')) as { runs: { results?: { level?: string; ruleId: string; message: { arguments?: string[]; text?: string } }[] }[] };
  return log.runs.flatMap((run) => (run.results ?? []).map((x) => ({
    level: x.level ?? 'warning', rule: x.ruleId, where: (x.message.arguments ?? [x.message.text ?? '']).join(' | '),
  })));
}
