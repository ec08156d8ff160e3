// Browser phase of the e2e suite: drives the real workbench with Playwright — palette, simulation panel, fault-flow sidebar, review panel, hostile text.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls until @probe returns a truthy value. */
async function until(what, probe, ms = 30_000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try { last = await probe(); if (last) return last; } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(200);
  }
}

export async function openWorkbench(page, base, folder) {
  await page.goto(`${base}/?folder=${encodeURIComponent(folder)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
}

/** Runs a palette command by its exact title (Enter alone would take whatever row is on top). */
export async function runCommand(page, title) {
  const input = page.locator('.quick-input-widget input');
  // A workbench that has just loaded can re-render the palette under the first fill: close it and
  // open it again (three tries).
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`, { timeout: 10_000 });
      break;
    } catch (e) {
      if (attempt === 3) throw e;
      await page.keyboard.press('Escape');
      await sleep(1000);
    }
  }
  await pickRow(page, title);
}

/** Clicks the quick-input row whose label is exactly @label. */
export async function pickRow(page, label) {
  const row = page.locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
  await row.first().waitFor({ state: 'visible', timeout: 15_000 });
  await row.first().click();
}

/** Focus the first editor group (the source side), whatever had focus before (a webview, a quick pick). */
export async function focusSource(page) {
  await page.keyboard.press('Escape');
  await page.locator('.part.editor .editor-group-container').first().locator('.monaco-editor .view-lines').first().click({ timeout: 5000 })
    .catch(() => {});
}

export async function openFile(page, rel) {
  await focusSource(page);
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(rel);
  const parts = rel.split('/');
  const name = parts.pop();
  // Several fixtures share a file name: pick the row whose description names the folder too.
  let row = page.locator('.quick-input-list .monaco-list-row', { hasText: name });
  if (parts.length) row = row.filter({ hasText: parts.join('/') });
  await row.first().waitFor({ timeout: 15_000 });
  await row.first().click();
  await page.locator('.tabs-container .tab.active', { hasText: name }).first().waitFor({ timeout: 15_000 });
  if (parts.length) await page.locator('.part.editor .breadcrumbs-control', { hasText: parts[parts.length - 1] }).first().waitFor({ timeout: 5000 });
  await page.locator('.monaco-editor .view-lines').first().waitFor();
}

export async function gotoLine(page, line) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  // On a loaded machine the Enter can land before the quick input has taken the text: press it again.
  await until(`cursor on line ${line}`, async () => {
    if (await page.locator('.quick-input-widget').isVisible()) await page.keyboard.press('Enter');
    return (await statusLine(page)) === line;
  }, 10_000);
}

/** The focused editor's cursor line, from the status bar ("Ln 12, Col 3"). */
export async function statusLine(page) {
  const t = await page.locator('#status\\.editor\\.selection').textContent({ timeout: 2000 }).catch(() => '');
  const m = /Ln (\d+)/.exec(t ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * The cursor line of the source editor (first editor group), from its gutter's active line
 * number: unlike the status bar it is there while a webview has the focus.
 */
export async function cursorLine(page) {
  const t = await page.locator('.part.editor .editor-group-container').first()
    .locator('.margin-view-overlays .active-line-number').first().textContent({ timeout: 2000 }).catch(() => '');
  const n = Number((t ?? '').trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The active tab of the active editor group. */
export async function activeTab(page) {
  return (await page.locator('.part.editor .editor-group-container.active .tab.active').first().textContent().catch(() => '')) ?? '';
}

/** Answers the simple file dialog (code-server has no native one): type the path, press its accept button. */
export async function pickPath(page, path) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  // The dialog fills in its start folder asynchronously; typing before that gets appended to it.
  await until('file dialog ready', async () => (await input.inputValue()).length > 0, 10_000).catch(() => {});
  await sleep(300);
  await until(`file dialog holds ${path}`, async () => {
    await input.fill(path);
    await sleep(300);
    return (await input.inputValue()) === path;
  }, 10_000);
  const accept = page.locator('.quick-input-widget .quick-input-action .monaco-button, .quick-input-widget .monaco-button').first();
  if (await accept.isVisible().catch(() => false)) await accept.click(); else await page.keyboard.press('Enter');
  await until('file dialog closed', async () => !(await page.locator('.quick-input-widget').isVisible()), 10_000)
    .catch(async () => { await page.keyboard.press('Enter'); });
}

/** The innermost webview frame whose document has @selector (webviews are nested iframes). */
export async function webviewFrame(page, selector, ms = 30_000) {
  return until(`a webview with ${selector}`, async () => {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      if (await f.$(selector).catch(() => null)) return f;
    }
    return undefined;
  }, ms).catch(async (e) => { throw new Error(`${e.message}\n${await screenState(page)}`); });
}

/** What the workbench shows, for a failure message: the active tabs and what each webview frame holds. */
async function screenState(page) {
  const tabs = await page.locator('.tabs-container .tab.active').allTextContents().catch(() => []);
  const frames = [];
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue;
    const body = await Promise.race([
      f.evaluate(() => `${document.querySelector('main')?.getAttribute('aria-busy') ?? '-'} ${document.body?.innerText.slice(0, 60).replace(/\s+/g, ' ') ?? ''}`),
      sleep(1000).then(() => '(no answer)'),
    ]).catch((e) => `(${String(e.message).slice(0, 40)})`);
    frames.push(`${f.url().replace(/\?.*$/, '').slice(-50)}: ${body}`);
  }
  return `active tabs: ${tabs.join(' | ') || 'none'}\nframes: ${frames.join('\n        ') || 'none'}`;
}

async function setTheme(page, theme, kind) {
  await runCommand(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget input');
  await input.fill(theme);
  // Theme rows read "Light Modern  Default Light Modern": label plus the theme's full name.
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).filter({ hasNotText: 'Browse' }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
  await until(`${theme} applied`, async () => page.evaluate((cls) => {
    const wb = document.querySelector('.monaco-workbench');
    return !!wb && wb.classList.contains(cls);
  }, kind), 20_000);
  await sleep(800);
}

/** A tiny harness: named checks, counted, with a screenshot when one fails. */
function harness(page, resultsDir, say) {
  const c = { passed: 0, failed: 0, pending: 0 };
  return {
    counts: c,
    skip(name, why) {
      c.pending++;
      say(`  - ${name} (skipped: ${why})`);
    },
    async test(name, fn) {
      const t0 = Date.now();
      try {
        await fn();
        c.passed++;
        say(`  ✓ ${name} (${Date.now() - t0} ms)`);
      } catch (e) {
        c.failed++;
        say(`  ✗ ${name}\n      ${String(e && e.message || e).split('\n').slice(0, 6).join('\n      ')}`);
        const file = `FAILED-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`;
        await page.screenshot({ path: join(resultsDir, file) }).catch(() => {});
      }
    },
  };
}

/** The hostile payloads in the fixtures set document.body.dataset.pwned when they run. */
async function assertInert(frame) {
  const state = await frame.evaluate(() => ({
    pwned: document.body.dataset.pwned ?? null,
    imgs: document.querySelectorAll('img').length,
    // VS Code's own bootstrap script is inline and, in a restored panel, carries the saved state
    // (our hostile text, as JSON data); any other script naming the payload came from content.
    scripts: [...document.scripts].filter((s) => s.textContent.includes('pwned') && !s.textContent.includes('acquireVsCodeApi')).length,
    bold: document.querySelectorAll('b').length,
  }));
  if (state.pwned || state.imgs || state.scripts || state.bold) {
    throw new Error(`hostile text became markup: ${JSON.stringify(state)}`);
  }
  // And had it become markup, the page's own policy would still have refused to run it.
  const csp = await frame.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '');
  if (!csp.includes("default-src 'none'") || !/script-src 'nonce-[^']+'/.test(csp) || /unsafe-inline|unsafe-eval/.test(csp)) {
    throw new Error(`webview CSP: ${csp}`);
  }
}

/** Every `iopf-lens activated in N ms` line the extension wrote to its output channel, from the server's log files. */
function activationLines(userData) {
  const out = [];
  const walk = (dir) => {
    let entries = [];
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/iopf-lens.*\.log$/.test(e.name)) {
        for (const line of readFileSync(p, 'utf8').split('\n')) if (/iopf-lens activated in \d+ ms/.test(line)) out.push(line.trim());
      }
    }
  };
  walk(join(userData, 'logs'));
  return out;
}

/** The tree as GNU patch leaves it after the first @n patches: an oracle for the patched text that is not ours. */
function patchedTree(tree, patches, n) {
  const dir = mkdtempSync(join(tmpdir(), 'iopf-e2e-patched-'));
  cpSync(tree, dir, { recursive: true });
  for (const p of patches.slice(0, n)) {
    const r = spawnSync('patch', ['-p1', '-s', '-i', p], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`patch ${p}: ${r.stdout}${r.stderr}`);
  }
  return dir;
}

/**
 * The editor showing @name, in whichever group: its breadcrumbs and the text of its cursor line
 * (Monaco renders each line once; the current-line overlay and the line share their `top`).
 */
/** Undoes in the editor @focus puts the cursor in until the page @frame shows no out-of-date banner. */
async function undoUntilCurrent(page, frame, focus) {
  await until('the banner gone after undo', async () => {
    if ((await frame.locator('#stale').count()) === 0) return true;
    await focus();
    await page.keyboard.press('Control+Z');
    await sleep(500);
    return false;
  }, 15_000);
}

/** Moves the simulation panel to the previous path by the keyboard (a click on a row gives the page the focus first). */
async function previousPath(page, sim) {
  const opened = await sim.locator('#path-select vscode-option[selected]').textContent();
  await until('the previous path', async () => {
    await sim.locator('.trace-row.step').first().click();
    await page.keyboard.press('PageUp');
    await sleep(300);
    return (await sim.locator('#path-select vscode-option[selected]').textContent()) !== opened;
  }, 15_000);
}

async function editorAt(page, name) {
  return page.evaluate((name) => {
    for (const g of document.querySelectorAll('.part.editor .editor-group-container')) {
      const tab = g.querySelector('.tab.active');
      // A diff editor's tab names the file too; the checks here are about plain editors.
      if (!tab || !tab.textContent.includes(name) || tab.textContent.includes('↔')) continue;
      const ed = g.querySelector('.monaco-editor');
      const num = ed?.querySelector('.margin-view-overlays .active-line-number');
      const cur = ed?.querySelector('.view-overlays .current-line')?.parentElement;
      const top = cur?.style.top;
      const line = [...(ed?.querySelectorAll('.view-lines .view-line') ?? [])].find((l) => l.style.top === top);
      return {
        crumbs: [...g.querySelectorAll('.breadcrumbs-control .monaco-breadcrumb-item')].map((i) => i.textContent.trim()).join('/'),
        line: Number(num?.textContent?.trim()),
        text: (line?.textContent ?? '').replace(/\u00a0/g, ' '),
      };
    }
    return undefined;
  }, name);
}

export async function browserSuite({ browser, base, root, resultsDir, userData, say }) {
  const page = await browser.newPage();
  const h = harness(page, resultsDir, say);
  const fixtures = join(root, 'test', 'e2e', 'fixtures', 'workspace');
  const shot = (name) => page.screenshot({ path: join(resultsDir, name) });
  const lineOf = (rel, text) => readFileSync(join(fixtures, rel), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
  const reportLine = lineOf('stall/io-pgfault.c', 'group = iopf_group_alloc(fault_param, evt);');
  const hostileLine = lineOf('hostile/hostile.c', 'iopf_group_response(group');
  let sim;

  await h.test('workbench opens the fixture workspace and the extension activates on a C file', async () => {
    await openWorkbench(page, base, fixtures);
    await openFile(page, 'stall/io-pgfault.c');
    // The extension's own status item appears once it has analysed (or failed to analyse) the file.
    await page.locator('.statusbar-item', { hasText: 'IOPF' }).first().waitFor({ timeout: 60_000 });
  });

  await h.test('the editor context menu offers the IOPF commands on C files', async () => {
    await page.locator('.part.editor .editor-group-container.active .monaco-editor .view-lines').first().click({ button: 'right' });
    const menu = page.locator('.context-view .monaco-menu');
    await menu.waitFor({ timeout: 10_000 });
    for (const title of ['Simulate Function at Cursor', 'Simulate Scenario…']) {
      await menu.locator('.action-label', { hasText: title }).first().waitFor({ timeout: 5000 });
    }
    await page.keyboard.press('Escape');
  });

  await h.test('"IOPF: Simulate Function at Cursor" opens the panel with the trace', async () => {
    await gotoLine(page, reportLine);
    await runCommand(page, 'IOPF: Simulate Function at Cursor');
    sim = await webviewFrame(page, '#btn-next', 60_000);
    const rows = await sim.locator('.trace-row.step').count();
    if (rows < 2) throw new Error(`trace has ${rows} steps`);
    const title = await sim.locator('header h1').textContent();
    if (!title.includes('iommu_report_device_fault')) throw new Error(`panel title: ${title}`);
  });

  await h.test('the panel opens on the shortest counterexample, at its finding, and steps between finding paths', async () => {
    // The fixture's one finding: the request is never answered when the device has no fault parameter.
    await until('a finding listed for the open path', async () => (await sim.locator('ul.findings li').count()) > 0, 15_000);
    const rule = await sim.locator('ul.findings .rule').first().textContent();
    if (rule !== 'iopf/unanswered-page-request') throw new Error(`opened on a path with ${rule}`);
    const current = sim.locator('.trace-row.step.current');
    const at = Number(await current.getAttribute('data-line'));
    const want = Number((await sim.locator('ul.findings .at').first().textContent()).match(/line (\d+)/)[1]);
    if (at !== want) throw new Error(`current step on line ${at}, the finding is on line ${want}`);
    // Every path has its own label, and none is an empty "scenario —".
    const labels = await sim.locator('#path-select vscode-option').allTextContents();
    if (new Set(labels).size !== labels.length) throw new Error(`paths share a label: ${labels.join(' | ')}`);
    if (labels.some((l) => /—\s*$/.test(l.trim()))) throw new Error(`a label with no outcome: ${labels.join(' | ')}`);
    // One finding path: next and previous finding come back to it.
    const selected = () => sim.locator('#path-select vscode-option[selected]').textContent();
    const before = await selected();
    await sim.locator('#btn-next-finding').click();
    await until('still on the finding path', async () => (await selected()) === before, 5000);
    // Steps inside a callee say so: indented by depth, the callee named where the path enters it.
    await sim.locator('.trace').focus();
    await page.keyboard.press('PageUp');
    await until('a step inside a callee', async () => (await sim.locator('.step-body[data-depth="1"] .callee').count()) > 0, 10_000);
    const pad = async (d) => sim.locator(`.step-body[data-depth="${d}"]`).first().evaluate((e) => parseFloat(getComputedStyle(e).paddingLeft));
    if (!((await pad(1)) > (await pad(0)))) throw new Error('a callee\'s steps are not indented');
    await page.keyboard.press('f');
    await until('back on the finding path by the keyboard', async () => (await selected()) === before, 5000);
    // A two-call scenario's return between its calls is the scenario's own step: it pins no line of the file.
    await until('a path with a step of the scenario', async () => {
      if (await sim.locator('.trace-row.scenario-step').count()) return true;
      await sim.locator('.trace-row.step').first().click();
      await page.keyboard.press('PageUp');
      await sleep(200);
      return false;
    }, 20_000);
    const lineBefore = await cursorLine(page);
    await sim.locator('.trace-row.scenario-step').first().click();
    await until('the scenario step said so', async () => (await sim.locator('#editor-line').textContent()) === 'a step of the scenario', 5000);
    if ((await sim.locator('.trace-row.scenario-step .loc').first().textContent()) !== '·') throw new Error('the scenario step shows a line');
    if ((await cursorLine(page)) !== lineBefore) throw new Error('the editor moved for a step at no line');
    await page.keyboard.press('f');
  });

  await h.test('Next moves the editor highlight to the next step\'s line', async () => {
    const rows = sim.locator('.trace-row.step');
    // Find a step whose successor is on another line, so the move is visible.
    const lines = await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))));
    const i = lines.findIndex((l, k) => k + 1 < lines.length && lines[k + 1] !== l);
    if (i < 0) throw new Error(`all steps on one line: ${lines}`);
    await sim.locator('.trace-row.step').nth(i).click();
    await until(`editor on step ${i + 1}'s line ${lines[i]}`, async () => (await cursorLine(page)) === lines[i]);
    await sim.locator('#btn-next').click();
    await until(`editor on line ${lines[i + 1]} after Next`, async () => (await cursorLine(page)) === lines[i + 1]);
    const current = await sim.locator('.trace-row.step.current').getAttribute('data-step');
    if (current !== String(i + 1)) throw new Error(`current step ${current}, expected ${i + 1}`);
    // The highlight decoration is on that line in the editor.
    await until('step decoration', async () => (await page.locator('.monaco-editor .view-overlays .cdr, .monaco-editor .view-overlays [class*="ced-"]').count()) > 0, 5000);
    // Keyboard: ArrowDown in the panel moves one more step.
    await sim.locator('.trace').focus();
    await page.keyboard.press('ArrowDown');
    await until('keyboard step', async () => (await sim.locator('.trace-row.step.current').getAttribute('data-step')) === String(i + 2) ||
      i + 2 >= lines.length);
    await shot('simulation-dark.png');
  });

  await h.test('fault-flow sidebar renders its SVG with the path highlighted, and follows the step', async () => {
    // A path that reaches a handler: its route has edges (the counterexample's stops at report).
    await previousPath(page, sim);
    await runCommand(page, 'IOPF: Show Fault Flow');
    const flow = await webviewFrame(page, 'svg.flow', 30_000);
    await until('highlighted edges', async () => (await flow.locator('g.edge.hl').count()) > 0, 15_000);
    const nodes = await flow.locator('g.node').count();
    if (nodes < 15) throw new Error(`${nodes} nodes drawn`);
    // The node of the current step is marked, and moves as the panel steps.
    const currentNode = () => flow.locator('g.node.current').getAttribute('data-node', { timeout: 2000 }).catch(() => null);
    await sim.locator('.trace-row.step').first().click();
    await until('the first step\'s node marked', async () => (await currentNode()) === 'report', 10_000);
    await sim.locator('#btn-last').click();
    await until('the last step\'s node marked', async () => !['report', null].includes(await currentNode()), 10_000);
    await shot('faultflow-dark.png');
    // Laid out for the sidebar: two columns whose box labels read at 11 px or more at its default width.
    const fit = await flow.locator('svg.flow').evaluate((svg) => ({
      narrow: svg.classList.contains('narrow'), scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
      font: parseFloat(getComputedStyle(svg.querySelector('g.node text.label')).fontSize),
    }));
    if (!fit.narrow || fit.font * fit.scale < 11) throw new Error(`sidebar labels at ${(fit.font * fit.scale).toFixed(1)} px (${JSON.stringify(fit)})`);
    // A node opens the kernel function it stands for.
    const defs = ['stall', 'clean', 'partial'].map((d) => lineOf(`${d}/io-pgfault.c`, 'void iopf_free_group('));
    if (defs.some((l) => l < 1)) throw new Error('the fixtures define iopf_free_group()');
    await flow.locator('g.node[data-node="free"]').click();
    await until('iopf_free_group opened', async () => (await activeTab(page)).includes('io-pgfault.c') && defs.includes(await statusLine(page)), 15_000);
  });

  await h.test('an edit marks the panel out of date; undoing it makes it current again', async () => {
    const fixture = join(fixtures, 'stall', 'io-pgfault.c');
    const disk = readFileSync(fixture, 'utf8');
    try {
      await focusSource(page);
      await gotoLine(page, reportLine);
      await page.keyboard.press('End');
      await page.keyboard.type(' // edited');
      await until('the out-of-date banner', async () => (await sim.locator('#stale').count()) > 0, 15_000);
      const text = await sim.locator('#stale').textContent();
      if (!text.includes('io-pgfault.c') || !(await sim.locator('#btn-rerun').count())) throw new Error(`banner: ${text}`);
      // The sidebar drawing the panel's path says so too.
      const flow = await webviewFrame(page, 'svg.flow', 15_000);
      await until('the sidebar out of date', async () => (await flow.locator('#flow-title').textContent()).startsWith('(out of date)'), 10_000);
      await shot('simulation-stale-dark.png');
      // Undo until the text is back (the editor may group the typing in more than one undo stop).
      await undoUntilCurrent(page, sim, () => focusSource(page));
    } finally {
      // The fixture is the repository's: whatever happened above, the editor's copy goes back to the disk's.
      await focusSource(page);
      await runCommand(page, 'File: Revert File').catch(() => {});
      if (readFileSync(fixture, 'utf8') !== disk) throw new Error('the fixture on disk was changed');
    }
  });

  await h.test('revealing a step never scrolls the editor sideways', async () => {
    const rows = sim.locator('.trace-row.step');
    const n = await rows.count();
    for (let i = 0; i < n; i++) {
      await rows.nth(i).click();
      const left = await until(`step ${i + 1} revealed`, async () => {
        const l = await page.locator('.part.editor .editor-group-container').first().locator('.monaco-editor .lines-content').first()
          .evaluate((e) => e.style.left || '0px');
        return l;
      }, 5000);
      if (parseFloat(left) !== 0) throw new Error(`step ${i + 1}: the editor scrolled sideways (left ${left})`);
    }
  });

  await h.test('a bounded analysis is never shown as clean: status bar, Findings, and a panel that re-runs with larger bounds', async () => {
    await openFile(page, 'bounded/prq.c');
    await page.locator('.statusbar-item', { hasText: 'IOPF bounded' }).first().waitFor({ timeout: 60_000 });
    await runCommand(page, 'IOPF: Show Fault Flow');
    await page.locator('.pane-body .monaco-list-row', { hasText: 'demo_prq_report(): some paths cut at a bound' }).first().waitFor({ timeout: 15_000 });
    await focusSource(page);
    await gotoLine(page, lineOf('bounded/prq.c', 'iommu_report_device_fault(dev, &event);'));
    await runCommand(page, 'IOPF: Simulate Function at Cursor');
    await until('demo_prq_report in the panel', async () => (await sim.locator('header h1').textContent()).includes('demo_prq_report'), 60_000);
    const banner = await until('the bounded banner', async () => sim.locator('#bounded').textContent({ timeout: 1000 }).catch(() => ''), 15_000);
    if (!/at most 64 paths/.test(banner)) throw new Error(`bounded banner: ${banner}`);
    await shot('simulation-bounded-dark.png');
    await sim.locator('#btn-rerun-larger').click();
    // Four times the paths is enough for this function: the re-run is complete, and says so.
    await until('the re-run without a bound', async () => (await sim.locator('#bounded').count()) === 0 &&
      Number((await sim.locator('header h1').textContent()).match(/· (\d+) paths/)?.[1]) > 64, 60_000);
  });

  await h.test('hostile source text renders as text in the simulation panel and runs nothing', async () => {
    await openFile(page, 'hostile/hostile.c');
    await gotoLine(page, hostileLine);
    if (!(await activeTab(page)).includes('hostile.c')) throw new Error(`active editor shows ${await activeTab(page)}`);
    await runCommand(page, 'IOPF: Simulate Function at Cursor');
    await until('hostile function in the panel', async () => (await sim.locator('header h1').textContent()).includes('hostile_page_response'), 60_000);
    await until('hostile source line shown as text', async () =>
      (await sim.locator('.trace').textContent()).includes('<img src=x onerror="document.body.dataset.pwned=\'step\'">'));
    await assertInert(sim);
    // The one call the simulation could not follow is named in the panel, as text.
    const note = await sim.locator('#unmodelled').textContent();
    if (!note.includes('1 call not modelled') || !note.includes('dev_info()')) throw new Error(`unmodelled note: ${note}`);
    await shot('hostile-simulation-dark.png');
  });

  await h.test('review panel shows a hostile patch subject as text and runs nothing', async () => {
    await runCommand(page, 'IOPF: Review Patch File…');
    await pickPath(page, join(root, 'test', 'e2e', 'fixtures', 'hostile-series', '0001-hostile-subject.patch'));
    const review = await webviewFrame(page, 'article.patch', 60_000);
    await until('hostile subject as text', async () =>
      (await review.locator('article.patch .subject').first().textContent()).includes('</script><img src=x onerror='));
    await assertInert(review);
    await shot('hostile-review-dark.png');
  });

  await h.test('simulation and review panels survive a window reload (serializers + setState)', async () => {
    /** Reloads the window (the workbench's own reload flushes its state first, as a user's does) and shows the tab titled @title. */
    const reload = async (title) => {
      await runCommand(page, 'Developer: Reload Window');
      await page.waitForEvent('load', { timeout: 60_000 });
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      await show(title);
    };
    /** A restored panel is revived when its tab is shown; a click while the workbench still lays out its editors can be lost. */
    const show = async (title) => {
      const tab = page.locator('.tabs-container .tab', { hasText: title }).first();
      await tab.waitFor({ timeout: 30_000 });
      await until(`the ${title} tab active`, async () => {
        await tab.click({ timeout: 5000 });
        return (await tab.getAttribute('class'))?.split(' ').includes('active');
      }, 30_000);
    };
    // code-server now and then leaves a restored webview's frame empty (both panels blank, the sidebar's
    // view drawn). After 30 s, reload the webviews as a user would; if they stay blank, reload the window
    // once more (what is restored is the same state again). Each is said in the log.
    const restored = async (selector, title) => webviewFrame(page, selector, 30_000).catch(async () => {
      say(`      (a restored webview (${selector}) stayed empty for 30 s: Developer: Reload Webviews, once)`);
      await runCommand(page, 'Developer: Reload Webviews');
      return webviewFrame(page, selector, 45_000);
    }).catch(async () => {
      say(`      (it stayed empty after reloading the webviews: Developer: Reload Window, once more)`);
      await reload(title);
      return webviewFrame(page, selector, 60_000);
    });
    await reload('Simulation:');
    sim = await restored('#btn-next', 'Simulation:');
    const title = await sim.locator('header h1').textContent();
    if (!title.includes('hostile_page_response')) throw new Error(`restored panel shows: ${title}`);
    await show('Review:');
    const review = await restored('article.patch', 'Review:');
    const subject = await review.locator('article.patch .subject').first().textContent();
    if (!subject.includes('</script><img src=x onerror=')) throw new Error(`restored review shows: ${subject}`);
    await assertInert(review);
  });

  // A second window on the example kernel tree: review the fixture series.
  const tree = join(root, 'examples', 'series', 'tree');
  let review;
  await h.test('review of examples/series shows introduced and fixed', async () => {
    await openWorkbench(page, base, tree);
    await runCommand(page, 'IOPF: Review Patch Series in Folder…');
    await pickPath(page, `${join(root, 'examples', 'series', 'patches')}/`);
    review = await webviewFrame(page, 'article.patch', 120_000);
    await until('introduced and fixed sections', async () =>
      (await review.locator('section.group.introduced').count()) > 0 && (await review.locator('section.group.fixed').count()) > 0, 30_000);
    const verdicts = await review.locator('article.patch .verdict').allTextContents();
    if (verdicts[0] !== 'introduces') throw new Error(`verdicts: ${verdicts.join(', ')}`);
    await review.locator('article.patch[data-patch="2"] table.change-table td.side.after').first().waitFor();
    // The series' verdict heads the panel, in the CLI's words.
    const verdict = await review.locator('#series-verdict').textContent();
    if (!/introduced/.test(verdict)) throw new Error(`series verdict: ${verdict}`);
    // A changed outcome reads as a diff: what the patch took away (−) before, what it brought (+) after.
    const row = review.locator('article.patch[data-patch="0"] tr.change').filter({ hasText: 'scenario no-fault-param' }).first();
    const gone = await row.locator('td.side.before li.outcome.gone').allTextContents();
    const came = await row.locator('td.side.after li.outcome.came').allTextContents();
    if (!gone.length || !came.length || !gone.every((t) => t.startsWith('−')) || !came.every((t) => t.startsWith('+'))) {
      throw new Error(`no-fault-param row: gone ${JSON.stringify(gone)}, new ${JSON.stringify(came)}`);
    }
    if (!came.some((t) => t.includes('no response'))) throw new Error(`the after side should bring "no response": ${came}`);
    await shot('review-dark.png');
  });

  // Patch 1/4's no-fault-param outcome: before it the core answered the request, after it it returns without answering.
  const patchFiles = readdirSync(join(root, 'examples', 'series', 'patches')).filter((n) => /^000[1-9]/.test(n)).sort()
    .map((n) => join(root, 'examples', 'series', 'patches', n));
  const core = 'drivers/iommu/io-pgfault.c';
  let compare;
  await h.test('review panel: a changed outcome shows its before and after paths side by side, the parting step marked', async () => {
    const row = review.locator('article.patch[data-patch="0"] tr.change.item')
      .filter({ hasText: 'iommu_report_device_fault' }).filter({ hasText: 'scenario no-fault-param' }).first();
    await row.click();
    compare = review.locator('article.patch[data-patch="0"] section.compare[data-kind="changed"]');
    await compare.waitFor({ timeout: 10_000 });
    if (!(await row.getAttribute('class')).includes('selected')) throw new Error('the row is not marked selected');
    const before = await compare.locator('.step.before:not(.empty)').count();
    const after = await compare.locator('.step.after:not(.empty)').count();
    if (before < 3 || after < 3) throw new Error(`columns: ${before} before, ${after} after`);
    const ops = async (side) => compare.locator(`.step.${side}:not(.empty) .op`).allTextContents();
    const [bo, ao] = [await ops('before'), await ops('after')];
    if (!bo.includes('ops->page_response()') || ao.includes('ops->page_response()')) {
      throw new Error(`the before column should answer and the after one not: ${bo.join(' | ')} // ${ao.join(' | ')}`);
    }
    if ((await compare.locator('.step.before.diverge').count()) !== 1 || (await compare.locator('.step.after.diverge').count()) !== 1) {
      throw new Error('one parting step per side');
    }
    const parted = await compare.locator('.step.after.diverge .op').textContent();
    if (parted !== 'return') throw new Error(`after the patch the path should part at its return, not at ${parted}`);
    await compare.locator('.diverge-note').waitFor();
    // The marked step looks different from the shared ones (theme colours, not the default transparent).
    const bg = await compare.locator('.step.after.diverge').evaluate((e) => getComputedStyle(e).backgroundColor);
    const bgShared = await compare.locator('.step.after.shared').first().evaluate((e) => getComputedStyle(e).backgroundColor);
    if (bg === bgShared) throw new Error(`the parting step is not highlighted (${bg})`);
    await assertInert(review);
    await shot('review-compare-dark.png');
  });

  await h.test('clicking an after-side step reveals that line of the patched text, a before-side step the tree\'s file', async () => {
    const patched = patchedTree(tree, patchFiles, 1);
    try {
      const step = compare.locator('.step.after.diverge');
      const line = Number(await step.getAttribute('data-line'));
      await step.click();
      await until('the panel reports the editor line', async () => (await review.locator('#reveal-status').getAttribute('data-line')) === String(line), 15_000);
      const want = readFileSync(join(patched, core), 'utf8').split('\n')[line - 1].trim();
      const disk = readFileSync(join(tree, core), 'utf8').split('\n')[line - 1].trim();
      if (want === disk) throw new Error(`line ${line} reads the same before and after patch 1; pick a moved line`);
      let ed;
      await until(`the editor on line ${line} of the patched io-pgfault.c`, async () => {
        ed = await editorAt(page, 'io-pgfault.c');
        return ed && ed.line === line && ed.text.trim() === want;
      }, 15_000).catch((e) => { throw new Error(`${e.message}; editor: ${JSON.stringify(ed)}; want "${want}"`); });
      // The tab and the breadcrumbs say which side of which patch this text is.
      await page.locator('.part.editor .tab.active', { hasText: 'io-pgfault.c (after 1\u22154)' }).first().waitFor({ timeout: 5000 });
      await until('breadcrumbs naming the side', async () => (await editorAt(page, 'io-pgfault.c'))?.crumbs.includes('after-patch-1/drivers/iommu/io-pgfault.c (after 1\u22154)'), 5000)
        .catch(async (e) => { throw new Error(`${e.message}: ${(await editorAt(page, 'io-pgfault.c'))?.crumbs}`); });
      await shot('review-after-step-dark.png');
      // The same for the before side: the tree's own file, where that step is on the disk text.
      const bstep = compare.locator('.step.before.diverge');
      const bline = Number(await bstep.getAttribute('data-line'));
      await bstep.click();
      const bwant = readFileSync(join(tree, core), 'utf8').split('\n')[bline - 1].trim();
      if (bwant === readFileSync(join(patched, core), 'utf8').split('\n')[bline - 1].trim()) throw new Error(`line ${bline} reads the same on both sides`);
      await until(`the editor on line ${bline} of the tree's io-pgfault.c`, async () => {
        ed = await editorAt(page, 'io-pgfault.c');
        // The tree's own file: its breadcrumbs are the tree's folders, not a side of a patch.
        return ed && ed.line === bline && ed.text.trim() === bwant && ed.crumbs.includes('io-pgfault.c') && !ed.crumbs.includes('patch');
      }, 15_000).catch((e) => { throw new Error(`${e.message}; editor: ${JSON.stringify(ed)}; want "${bwant}"`); });
    } finally {
      rmSync(patched, { recursive: true, force: true });
    }
  });

  await h.test('an edit to a tree file the review read marks the review out of date, with Re-run; undo makes it current', async () => {
    const file = join(tree, core);
    const disk = readFileSync(file, 'utf8');
    // The tree's own io-pgfault.c is open (the before side above): type into that editor.
    const group = page.locator('.part.editor .editor-group-container').filter({
      has: page.locator('.tab.active .label-name', { hasText: /^io-pgfault\.c$/ }) }).first();
    try {
      await group.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+Home');
      await page.keyboard.type('// edited\n');
      await until('the review out of date', async () => (await review.locator('#stale').count()) > 0, 15_000);
      const text = await review.locator('#stale').textContent();
      if (!text.includes('io-pgfault.c') || !(await review.locator('#btn-rerun-review').count())) throw new Error(`banner: ${text}`);
      await shot('review-stale-dark.png');
      await undoUntilCurrent(page, review, () => group.locator('.monaco-editor .view-lines').first().click());
    } finally {
      await group.locator('.monaco-editor .view-lines').first().click().catch(() => {});
      await runCommand(page, 'File: Revert File').catch(() => {});
      if (readFileSync(file, 'utf8') !== disk) throw new Error('the example tree on disk was changed');
    }
  });

  await h.test('"Open in simulation panel" steps through the after path on the patched text', async () => {
    const patched = patchedTree(tree, patchFiles, 1);
    try {
      await compare.locator('.col-head.after vscode-button.open-sim').click();
      const simAfter = await until('the simulation panel on the after path', async () => {
        for (const f of page.frames()) {
          const t = await f.locator('header h1').textContent({ timeout: 500 }).catch(() => '');
          if (t.includes('(after patch 1/4)') && await f.$('#btn-next').catch(() => null)) return f;
        }
        return undefined;
      }, 30_000);
      // Its return step, where the after path leaves without answering: the editor shows that line of the patched text.
      const rows = simAfter.locator('.trace-row.step');
      const lines = await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))));
      const ops = await rows.locator('.op').allTextContents();
      const i = ops.indexOf('return');
      if (i < 0) throw new Error(`no return step: ${ops.join(' | ')}`);
      await rows.nth(i).click();
      const want = readFileSync(join(patched, core), 'utf8').split('\n')[lines[i] - 1].trim();
      let ed;
      await until(`the editor on line ${lines[i]} of the patched text`, async () => {
        ed = await editorAt(page, 'io-pgfault.c');
        return ed && ed.line === lines[i] && ed.text.trim() === want;
      }, 15_000).catch((e) => { throw new Error(`${e.message}; editor: ${JSON.stringify(ed)}; want "${want}"`); });
      await shot('review-simulation-after-dark.png');
      // Back to the review panel for what follows.
      await page.locator('.tabs-container .tab', { hasText: 'Review:' }).first().click();
    } finally {
      rmSync(patched, { recursive: true, force: true });
    }
  });

  await h.test('"Show diff" opens the diff of the file between the two sides of the patch', async () => {
    await compare.locator('vscode-button.show-diff').click();
    await page.locator('.part.editor .tab.active', { hasText: 'before ↔ after patch 1/4' }).first().waitFor({ timeout: 15_000 });
    await page.locator('.part.editor .monaco-diff-editor').first().waitFor({ timeout: 15_000 });
  });

  await h.test('review compare in the light theme', async () => {
    await setTheme(page, 'Default Light Modern', 'vs');
    const bg = await review.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const m = /rgba?\((\d+), (\d+), (\d+)/.exec(bg);
    if (!m || Number(m[1]) + Number(m[2]) + Number(m[3]) < 600) throw new Error(`review background in light theme: ${bg}`);
    await shot('review-compare-light.png');
    await setTheme(page, 'Default Dark Modern', 'vs-dark');
  });

  await h.test('the extension logs its activation time in its output channel', async () => {
    const lines = await until('an activation line in the iopf-lens log', async () => {
      const l = activationLines(userData);
      return l.length ? l : undefined;
    }, 15_000);
    for (const l of lines) say(`      ${l.replace(/^.*?(iopf-lens activated)/, '$1')}`);
  });

  await h.test('"IOPF: Simulate Scenario…" runs a concurrent scenario, drawn as thread lanes', async () => {
    await openFile(page, 'drivers/iommu/io-pgfault.c');
    const line = readFileSync(join(tree, 'drivers', 'iommu', 'io-pgfault.c'), 'utf8').split('\n')
      .findIndex((l) => l.startsWith('void iopf_group_response(')) + 1;
    await gotoLine(page, line + 3);
    await runCommand(page, 'IOPF: Simulate Scenario…');
    await pickRow(page, 'response-x-remove');
    sim = await webviewFrame(page, '#btn-next', 60_000);
    await until('two thread lanes', async () => (await sim.locator('.lane-head').count()) === 2, 30_000);
    const lanes = await sim.locator('.lane-head').allTextContents();
    if (!lanes.includes('remove')) throw new Error(`lanes: ${lanes.join(', ')}`);
    // Each interleaving is named by where its threads switch, and no two read alike.
    const labels = await sim.locator('#path-select vscode-option').allTextContents();
    if (!labels.every((l) => / runs (after|between) /.test(l))) throw new Error(`a schedule label without its switch: ${labels.find((l) => !/ runs /.test(l))}`);
    if (new Set(labels).size !== labels.length) throw new Error('two interleavings share a label');
    // A finding met on many schedules is counted once, not once per schedule.
    const head = await sim.locator('header h1').textContent();
    const m = head.match(/· (\d+) paths? · (\d+) findings?(?: on (\d+) paths?)?/);
    if (!m || (Number(m[2]) > 0 && !m[3]) || Number(m[2]) > Number(m[3] ?? 0)) throw new Error(`panel title counts: ${head}`);
    // Walk into the second thread so both lanes hold a step in the screenshot.
    const firstRemove = await sim.locator('.trace-row.step').evaluateAll((rows) =>
      rows.findIndex((r) => r.querySelectorAll('.lanes > .step-body').length === 1 && r.querySelector('.lanes')?.lastElementChild?.classList.contains('step-body')));
    if (firstRemove > 0) await sim.locator('.trace-row.step').nth(firstRemove).click();
    await shot('lanes-dark.png');
    // The sidebar draws one route per thread.
    await runCommand(page, 'IOPF: Show Fault Flow');
    const flow = await webviewFrame(page, 'svg.flow', 30_000);
    const routes = await until('a route per thread', async () => {
      const r = await flow.locator('.legend.thread').allTextContents();
      return r.length === 2 ? r : undefined;
    }, 15_000);
    if (!routes.some((r) => /^remove: remove\b/.test(r))) throw new Error(`routes: ${routes.join(' | ')}`);
    // The reviewed patch's in-memory sides opened above are not listed among the workspace's findings.
    const listed = await page.locator('.pane-body .monaco-list-row').allTextContents();
    if (listed.some((t) => /\((before|after) \d\u2215\d\)/.test(t))) throw new Error(`a patched side in Findings: ${listed.join(' | ')}`);
    await shot('faultflow-threads-dark.png');
  });

  await h.test('light and high-contrast themes: panels follow the theme colours', async () => {
    await setTheme(page, 'Default Light Modern', 'vs');
    await shot('review-light.png');
    await openWorkbench(page, base, fixtures);
    // This window restores the panels it had (the reload test covers that); the theme check wants fresh ones,
    // not a race between a restored webview and a new one.
    await runCommand(page, 'View: Close All Editors');
    await openFile(page, 'stall/io-pgfault.c');
    await gotoLine(page, reportLine);
    await runCommand(page, 'IOPF: Simulate Function at Cursor');
    sim = await webviewFrame(page, '#btn-next', 60_000);
    // Off the counterexample (its route stops at report) to a path through a handler: a route with edges.
    await previousPath(page, sim);
    await sim.locator('#btn-next').click();
    await runCommand(page, 'IOPF: Show Fault Flow');
    const flow = await webviewFrame(page, 'svg.flow', 30_000);
    await until('highlighted edges', async () => (await flow.locator('g.edge.hl').count()) > 0, 15_000);
    const bg = await sim.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const m = /rgba?\((\d+), (\d+), (\d+)/.exec(bg);
    if (!m || Number(m[1]) + Number(m[2]) + Number(m[3]) < 600) throw new Error(`panel background in light theme: ${bg}`);
    await shot('simulation-light.png');
    await setTheme(page, 'Default High Contrast', 'hc-black');
    await shot('simulation-hc.png');
    await setTheme(page, 'Default Dark Modern', 'vs-dark');
  });

  // A real kernel tree, when this machine has one extracted (Debian's linux-source; never committed).
  const kernel = process.env.IOPF_E2E_KERNEL ?? join(homedir(), '.cache', 'iopf-lens', 'linux-source-6.12');
  const iommu = join(kernel, 'drivers', 'iommu');
  if (!existsSync(join(iommu, 'io-pgfault.c'))) {
    h.skip('real kernel tree: hints and simulation on drivers/iommu/io-pgfault.c', `no kernel tree at ${kernel}`);
  } else {
    await h.test('real kernel tree: hints and simulation on drivers/iommu/io-pgfault.c', async () => {
      await openWorkbench(page, base, iommu);
      await openFile(page, 'io-pgfault.c');
      // Lenses off screen exist but are hidden; one rendered lens is enough.
      await until('a Simulate lens', async () => (await page.locator('.monaco-editor .codelens-decoration', { hasText: /Simulate · / }).count()) > 0, 120_000);
      const line = readFileSync(join(iommu, 'io-pgfault.c'), 'utf8').split('\n')
        .findIndex((l) => /^(int|void) iommu_report_device_fault\(/.test(l)) + 1;
      if (line < 1) throw new Error('no iommu_report_device_fault in this tree');
      await gotoLine(page, line + 4);
      await runCommand(page, 'IOPF: Simulate Function at Cursor');
      sim = await webviewFrame(page, '#btn-next', 120_000);
      await until('kernel function in the panel', async () => (await sim.locator('header h1').textContent()).includes('iommu_report_device_fault'), 60_000);
      await sim.locator('#btn-next').click();
      await runCommand(page, 'IOPF: Show Fault Flow');
      await shot('kernel-dark.png');
    });
  }

  await page.close().catch(() => {});
  return h.counts;
}
