// Linear-time parsing, measured: each worst case of test/support/redos-cases.ts at growing sizes.
// A linear parser's time grows with the size (x10 input, about x10 time); a quadratic one's with its
// square. Run: node --import tsx scripts/bench-redos.ts [--max-mb N]
import { REDOS_CASES, timeCase } from '../test/support/redos-cases';

const arg = process.argv.indexOf('--max-mb');
const maxMb = arg > 0 ? Number(process.argv[arg + 1]) : 1;
const sizes = [100_000, 1_000_000, 4_000_000].filter((s) => s <= maxMb * 1_000_000);
if (!sizes.length) sizes.push(100_000);

console.log(`worst cases of the patch, mail and C parsers: ms at ${sizes.map((s) => `${s / 1e6} M`).join(', ')} characters`);
let worst = { ratio: 0, name: '' };
for (const c of REDOS_CASES) {
  const times = sizes.map((s) => timeCase(c, s).ms);
  const cells = times.map((t) => t.toFixed(1).padStart(9)).join('');
  // growth from the smallest to the largest size, against the growth of the input
  const grow = times.length > 1 ? times[times.length - 1] / Math.max(times[0], 0.5) : 0;
  const inputGrow = sizes[sizes.length - 1] / sizes[0];
  if (times.length > 1 && grow / inputGrow > worst.ratio) worst = { ratio: grow / inputGrow, name: c.name };
  console.log(`${c.name.padEnd(62)} ${c.target.padEnd(22)}${cells}`);
}
if (worst.name) console.log(`largest growth beyond linear: x${worst.ratio.toFixed(1)} (${worst.name}); quadratic would be x${sizes[sizes.length - 1] / sizes[0]}`);
