// Command-line options shared by every command: `--name VALUE` or `--name=VALUE`, nothing unknown ignored.

/** Bad input or usage: one line on stderr and exit status 2. */
export class UsageError extends Error {}

export interface Parsed {
  positional: string[];
  options: Map<string, string>;
  /** the @flags given */
  flags: Set<string>;
}

/**
 * Options take a value (`--tree DIR` or `--tree=DIR`), except @flags (`--no-cache`), which take none;
 * anything unknown is a usage error, never ignored.
 */
export function parseArgs(argv: string[], known: string[], flags: string[] = []): Parsed {
  const positional: string[] = [];
  const options = new Map<string, string>();
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (flags.includes(name)) {
        if (eq > 0) throw new UsageError(`--${name} takes no value`);
        given.add(name);
        continue;
      }
      if (!known.includes(name)) throw new UsageError(`unknown option --${name}`);
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else {
      positional.push(a);
    }
  }
  return { positional, options, flags: given };
}

