// Lint APL documents with Amazon's apl-suggester (the checker the APL authoring tool
// uses). Prints one JSON object: {file: [warnings and errors]}.
// Usage: node apl-lint.js FILE...
"use strict";
const fs = require("fs");
const { StaticAplTemplateValidator } = require("apl-suggester");

(async () => {
  const out = {};
  for (const file of process.argv.slice(2)) {
    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    out[file] = await new StaticAplTemplateValidator().validate(doc);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
})();
