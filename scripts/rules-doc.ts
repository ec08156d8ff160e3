// Writes docs/rules.md from the rule table, so the documentation cannot drift from the ids.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rulesMarkdown } from '../extension/core/rules/rules';

writeFileSync(join(__dirname, '..', 'docs', 'rules.md'), rulesMarkdown());
