// The API-contract checks on our own fixtures: each buggy variant gives exactly the findings written
// in it, with the call that defines the value and the bad test or return in the trace; each fixed
// variant is clean.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { analyzeFiles } from '../../extension/core/analyze';
import { RULES } from '../../extension/core/rules/rules';
import type { SourceFile } from '../../extension/core/types';
import { expectations } from '../support/expect';

const DIR = join(__dirname, '..', 'fixtures', 'checks');
const OURS = new Set(['api/err-ptr-check', 'api/user-copy-result']);

function load(name: string): SourceFile {
  return { path: name, text: readFileSync(join(DIR, name), 'utf8') };
}

const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.c')).sort();

describe('API-contract checks', () => {
  it('every buggy fixture has its fixed variant', () => {
    for (const f of fixtures.filter((n) => !n.endsWith('_fixed.c') && n !== 'err_ptr_both.c')) {
      assert.ok(fixtures.includes(f.replace(/\.c$/, '_fixed.c')), f);
      assert.ok(expectations(f, load(f).text).length > 0, `${f} expects findings`);
    }
  });

  for (const name of fixtures) {
    it(`${name}: exactly the findings written in the fixture`, async () => {
      const file = load(name);
      const result = await analyzeFiles([file]);
      const ours = result.findings.filter((f) => OURS.has(f.rule));
      assert.deepEqual(ours.map((f) => `${basename(f.file)}:${f.line} ${f.rule}`).sort(), expectations(name, file.text));
      for (const f of ours) {
        assert.equal(f.severity, 'error');
        assert.ok(f.function.length > 0);
        assert.ok(f.trace.length >= 2, 'the defining call and the bad use');
        assert.ok(f.trace.every((s) => s.line >= 1 && s.range.start.line + 1 === s.line), 'trace lines are 1-based');
        assert.equal(f.trace[f.trace.length - 1].line, f.line, 'the trace ends at the finding');
        assert.ok(f.trace[0].line <= f.line);
      }
    });
  }

  it('names the callee and what it returns', async () => {
    const r = await analyzeFiles([load('err_ptr_null_test.c'), load('err_ptr_null_alloc.c'), load('user_copy_return.c'), load('user_copy_test.c')]);
    const at = (file: string, line: number) => r.findings.find((f) => f.file === file && f.line === line && OURS.has(f.rule))!;
    assert.match(at('err_ptr_null_test.c', 12).message, /iommu_sva_bind_device\(\), which returns an ERR_PTR\(\) on failure and never NULL/);
    assert.equal(at('err_ptr_null_test.c', 12).function, 'my_ctx_bind');
    assert.match(at('err_ptr_null_test.c', 12).trace[0].op, /iommu_sva_bind_device\(dev, mm\)/);
    assert.match(at('err_ptr_null_alloc.c', 23).message, /kzalloc\(\), which returns NULL on failure and never an ERR_PTR\(\)/);
    // The lookup's contract comes from its body: a found entry or NULL.
    assert.match(at('err_ptr_null_alloc.c', 34).trace[0].detail, /its body/);
    assert.match(at('user_copy_return.c', 15).message, /copy_to_user\(\).*bytes not copied/);
    assert.match(at('user_copy_test.c', 11).message, /never a negative value/);
    assert.match(at('user_copy_test.c', 18).message, /inverted/);
  });

  it('a callee decided from a body in another file of the workspace', async () => {
    const helper: SourceFile = {
      path: 'helper.c',
      text: 'struct my_obj *my_obj_get(int id)\n{\n\tstruct my_obj *o = xa_load(&objs, id);\n\n\tif (!o)\n\t\treturn ERR_PTR(-ENOENT);\n\treturn o;\n}\n',
    };
    const user: SourceFile = {
      path: 'user.c',
      text: 'int my_use(int id)\n{\n\tstruct my_obj *o = my_obj_get(id);\n\n\tif (!o)\n\t\treturn -ENOENT;\n\treturn o->val;\n}\n',
    };
    const r = await analyzeFiles([helper, user]);
    assert.deepEqual(r.findings.filter((f) => OURS.has(f.rule)).map((f) => `${f.file}:${f.line} ${f.function}`), ['user.c:5 my_use']);
    // A static function of the same name in the caller's file is the one it calls.
    const shadow: SourceFile = { path: 'user.c', text: `static struct my_obj *my_obj_get(int id)\n{\n\treturn xa_load(&objs, id);\n}\n\n${user.text}` };
    const r2 = await analyzeFiles([helper, shadow]);
    assert.deepEqual(r2.findings.filter((f) => OURS.has(f.rule)), []);
  });

  it('both rules are documented', () => {
    for (const id of OURS) assert.ok(RULES[id] && RULES[id].why.length > 40 && RULES[id].severity === 'error', id);
  });
});
