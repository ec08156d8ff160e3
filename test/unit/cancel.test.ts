// Sliced analysis: the same results as a straight run, and a cancellation is honoured at the next
// turn of the event loop instead of after the whole run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeWorkspace, analyzeWorkspaceSliced, simulateInWorkspace, simulateInWorkspaceSliced } from '../../extension/core/analyze';
import { Workspace } from '../../extension/core/index';

const dir = join(__dirname, '..', 'fixtures', 'concurrent');
const fixture = (name: string) => ({ path: `test/fixtures/concurrent/${name}`, text: readFileSync(join(dir, name), 'utf8') });

describe('sliced analysis and cancellation', function () {
  this.timeout(120_000);

  it('gives what the straight run gives', async () => {
    const ws = await Workspace.create([fixture('pending_unlocked.c')]);
    const straight = analyzeWorkspace(ws, {});
    const sliced = await analyzeWorkspaceSliced(ws, {});
    assert.ok(sliced);
    assert.ok(straight.findings.length > 0, 'the fixture has findings to compare');
    assert.deepEqual(sliced.findings, straight.findings);
    assert.deepEqual(sliced.functions, straight.functions);
    ws.dispose();
  });

  it('lets the event loop run during the analysis and stops at the first turn after a cancellation', async () => {
    // The mutex-era removal racing a report explores about a thousand states: many slices.
    const ws = await Workspace.create([fixture('mutex_era.c')]);
    let cancelled = false;
    let turns = 0;
    const tick = () => {
      turns++;
      if (turns === 3) cancelled = true;
      else if (!cancelled) setImmediate(tick);
    };
    setImmediate(tick);
    const r = await analyzeWorkspaceSliced(ws, { scenarios: ['report-x-remove'], cancelled: () => cancelled });
    assert.equal(r, undefined, 'a cancelled run resolves to undefined');
    assert.equal(turns, 3, 'the event loop had its turns while the analysis ran');
    const whole = analyzeWorkspace(ws, { scenarios: ['report-x-remove'] });
    assert.ok(whole.functions.length > 0 && !whole.bounded, 'the same analysis left alone runs to its end');
    ws.dispose();
  });

  it('simulates a function sliced, with the same paths, and cancels it too', async () => {
    const ws = await Workspace.create([fixture('mutex_era.c')]);
    const file = 'test/fixtures/concurrent/mutex_era.c';
    const fn = ws.functions().find((f) => f.file === file && /remove/.test(f.name))!.name;
    const straight = simulateInWorkspace(ws, file, fn, {});
    const sliced = await simulateInWorkspaceSliced(ws, file, fn, {});
    assert.deepEqual(sliced?.paths.map((p) => p.outcome), straight.paths.map((p) => p.outcome));
    let stop = false;
    setImmediate(() => { stop = true; });
    const r = await simulateInWorkspaceSliced(ws, file, fn, { scenarios: ['report-x-remove'], cancelled: () => stop });
    assert.equal(r, undefined);
    ws.dispose();
  });
});
