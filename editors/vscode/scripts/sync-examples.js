// Copies the repository's examples/*.mig into tests/grammar/examples/, so the TextMate snapshot
// tests always run over the current examples: a changed example shows up as a snapshot diff.
const fs = require("fs");
const path = require("path");

const source = path.resolve(__dirname, "..", "..", "..", "examples");
const target = path.resolve(__dirname, "..", "tests", "grammar", "examples");
fs.mkdirSync(target, { recursive: true });
for (const name of fs.readdirSync(source).filter((n) => n.endsWith(".mig")).sort()) {
  fs.copyFileSync(path.join(source, name), path.join(target, name));
}
