// cleanup.h: variables declared `__free(name)` are cleaned up at every exit of their scope, by the
// function DEFINE_FREE(name, …) names; no_free_ptr() and return_ptr() take a pointer out of that
// care, so the caller (or whoever it is handed to) owns it.
import { ZERO } from '../world';
import type { Contract } from '../contract';
import type { Workspace } from '../../index';
import { fileFact } from '../../parse/source';

/** The cleanups kernel headers define most, by their DEFINE_FREE() name. */
const KNOWN: Record<string, string> = {
  kfree: 'kfree', kvfree: 'kvfree', kfree_sensitive: 'kfree_sensitive', device_node: 'of_node_put', put_device: 'put_device',
  pci_dev_put: 'pci_dev_put', fwnode_handle: 'fwnode_handle_put', bitmap: 'bitmap_free', free_cpumask_var: 'free_cpumask_var',
  vfree: 'vfree', free_page: 'free_page', fput: 'fput', firmware: 'release_firmware',
};

/** `DEFINE_FREE(name, type, … fn(_T) …)` of @text: name -> the function its cleanup calls on _T. */
function definedFrees(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/DEFINE_FREE\(\s*(\w+)\s*,[^\n]*/g)) {
    const calls = [...m[0].matchAll(/(\w+)\s*\(\s*\(?\s*_T\s*\)?\s*\)/g)].map((c) => c[1]).filter((f) => !/^IS_ERR/.test(f));
    if (calls.length) out.set(m[1], calls[calls.length - 1]);
  }
  return out;
}

/** cleanupFunction - the function the `__free(@name)` cleanup calls, from the workspace's DEFINE_FREE() or the kernel's usual ones. */
export function cleanupFunction(ws: Workspace, name: string): string | undefined {
  for (const f of ws.files.values()) {
    if (!f.text.includes('DEFINE_FREE')) continue;
    const fn = fileFact(f, 'define free', () => definedFrees(f.text)).get(name);
    if (fn) return fn;
  }
  return KNOWN[name];
}

/** The pointer @as[0] names, taken out of its __free() care: the variable reads NULL from here on. */
const noFree: Contract = function* (m, a, as) {
  const target = as[0];
  if (target?.type === 'identifier' && target.text) {
    const frame = m.frame();
    if (frame.addressed?.fields.has(target.text)) frame.addressed.fields.set(target.text, ZERO);
    else frame.env.set(target.text, ZERO);
  }
  return a[0] ?? ZERO;
};

export const CLEANUP: Record<string, Contract> = {
  no_free_ptr: noFree,
  // return_ptr(p), rewritten by the front end as a return of _NF(p).
  _NF: noFree,
};
