// `terraform fmt -check` without terraform: every .tf file under the given
// directories is formatted with hclwrite.Format (the formatter terraform fmt
// is built on, compiled to WebAssembly in @cdktf/hcl-tools) and compared.
// terraform fmt also rewrites a few legacy forms ("${var.x}" alone, quoted
// type names); test_formatting.py refuses those. With --write the files are
// rewritten instead.
//
//   node terraform/tests/hclfmt.mjs [--write] DIR...
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { format } from '@cdktf/hcl-tools';

const args = process.argv.slice(2);
const write = args.includes('--write');
const roots = args.filter((a) => a !== '--write');

function* tfFiles(dir) {
  for (const entry of readdirSync(dir).sort()) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* tfFiles(path);
    else if (entry.endsWith('.tf') || entry.endsWith('.tfvars') || entry.endsWith('.hcl')) yield path;
  }
}

let checked = 0;
const unformatted = [];
for (const root of roots) {
  for (const file of tfFiles(root)) {
    checked += 1;
    const source = readFileSync(file, 'utf8');
    const formatted = await format(source);
    if (formatted !== source) {
      if (write) {
        writeFileSync(file, formatted);
        console.log(`formatted ${file}`);
      } else {
        const a = source.split('\n');
        const b = formatted.split('\n');
        let line = 0;
        while (line < a.length && a[line] === b[line]) line += 1;
        unformatted.push(`${file}:${line + 1}: is not in terraform fmt style; expected:\n    ${b[line] ?? '(end of file)'}\n  found:\n    ${a[line] ?? '(end of file)'}`);
      }
    }
  }
}
if (unformatted.length > 0) {
  console.error(unformatted.join('\n'));
  console.error(`${unformatted.length} of ${checked} files need formatting (node terraform/tests/hclfmt.mjs --write terraform)`);
  process.exit(1);
}
if (checked === 0) {
  console.error('no terraform files found');
  process.exit(1);
}
console.log(`${checked} terraform files in terraform fmt style`);
