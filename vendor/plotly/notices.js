// Writes static/plotly-THIRD-PARTY.txt: name, version, licence and licence text of every package with code
// in the bundle (read from esbuild's metafile), so the vendored file carries all the notices it must.
'use strict';
const fs = require('fs');
const path = require('path');

const meta = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const inputs = Object.values(meta.outputs)[0].inputs;
const dirs = new Set();
for (const [file, info] of Object.entries(inputs)) {
    const at = file.lastIndexOf('node_modules/');
    if (!info.bytesInOutput || at < 0) continue;
    const parts = file.slice(at + 13).split('/');
    dirs.add(file.slice(0, at + 13) + (parts[0].startsWith('@') ? parts[0] + '/' + parts[1] : parts[0]));
}
const out = [];
for (const dir of [...dirs].sort()) {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const licence = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
    out.push(`${pkg.name} ${pkg.version} (${pkg.license || JSON.stringify(pkg.licenses)})\n`
        + (licence ? fs.readFileSync(path.join(dir, licence), 'utf8').trim() : '(no licence file in the package)'));
}
fs.writeFileSync(process.argv[3], out.join('\n\n' + '-'.repeat(72) + '\n\n') + '\n');
