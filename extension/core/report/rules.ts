// Rule metadata as reports show it (SARIF rule entries, text hints), taken from the core's rule catalog so there is one source of truth.
import { RULES as CATALOG } from '../rules/rules';

export interface RuleInfo {
  id: string;
  title: string;
  /** why the rule matters, then the kernel history behind it */
  help: string;
  level: 'error' | 'warning' | 'note';
}

/** ruleInfo - what reports say about @id; an id the catalog lacks still reports, with a generic text, never dropped */
export function ruleInfo(id: string): RuleInfo {
  const r = CATALOG[id];
  if (!r) return { id, title: id, help: `Rule ${id} of the iopf-lens model.`, level: 'warning' };
  return {
    id,
    title: r.title,
    help: r.history ? `${r.why}\n\nHistory: ${r.history}` : r.why,
    level: r.severity === 'error' ? 'error' : r.severity === 'warning' ? 'warning' : 'note',
  };
}

/** Every rule id the catalog knows, in catalog order. */
export function ruleIds(): string[] {
  return Object.keys(CATALOG);
}
