// Exact-match coverage of an interaction model, measured with virtual-alexa's own
// utterance resolver (virtual-core's Utterance: exact match of the samples, slot values
// included). Prints ONLY aggregate figures per class, never a phrasing, so it can be
// run on the held-out set.
//
//   node tests/e2e/coverage.js MODEL_DIR PHRASINGS.yaml [more.yaml ...]
//
// MODEL_DIR holds <locale>.json ASK models, e.g. the output of
// `python -m skill package --out OUT` at OUT/skill-package/interactionModels/custom.
// YAML is read through tests/e2e/phrasings_json.py (the venv's python, or $PYTHON).
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { InteractionModel } = require("virtual-alexa/lib/src/model/InteractionModel");
const { Utterance } = require("virtual-core");

const CATCH_ALL = "CatchAllIntent";
const RED_FLAG = "RedFlagIntent";

function python() {
  if (process.env.PYTHON) return process.env.PYTHON;
  const venv = path.join(__dirname, "..", "..", ".venv", "bin", "python");
  return fs.existsSync(venv) ? venv : "python3";
}

function phrasings(file) {
  const out = execFileSync(python(), [path.join(__dirname, "phrasings_json.py"), file], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out);
}

const models = new Map();
function model(dir, locale) {
  const file = path.join(dir, `${locale || "en-US"}.json`);
  if (!models.has(file)) models.set(file, InteractionModel.fromFile(file));
  return models.get(file);
}

// One phrasing -> the intent virtual-alexa resolves it to (undefined: no sample matches,
// which a real Echo turns into AMAZON.FallbackIntent without the words).
function resolve(dir, item) {
  // virtual-alexa matches its samples literally; people's text arrives lowercase, without
  // the punctuation speech recognition never produces.
  const said = item.say.toLowerCase().replace(/[?!.,;:"]/g, "").replace(/\s+/g, " ").trim();
  const utterance = new Utterance(model(dir, item.locale), said);
  return utterance.matched() ? utterance.intent() : undefined;
}

function pct(n, d) {
  return d ? `${((100 * n) / d).toFixed(1)}%` : "-";
}

function main(argv) {
  if (argv.length < 2) {
    console.error("usage: node tests/e2e/coverage.js MODEL_DIR PHRASINGS.yaml [...]");
    return 2;
  }
  const [dir, ...files] = argv;
  const classes = new Map();
  for (const file of files) {
    for (const item of phrasings(file)) {
      const intent = resolve(dir, item);
      const c = classes.get(item.cls) || { n: 0, specific: 0, catchAll: 0, none: 0, right: 0, redFlag: 0 };
      c.n += 1;
      if (intent === undefined) c.none += 1;
      else if (intent === CATCH_ALL) c.catchAll += 1;
      else c.specific += 1;
      if (intent !== undefined && item.intents.includes(intent)) c.right += 1;
      if (intent === RED_FLAG) c.redFlag += 1;
      classes.set(item.cls, c);
    }
  }
  const total = { n: 0, specific: 0, catchAll: 0, none: 0, right: 0, redFlag: 0 };
  console.log("class       n  sample(not catch-all)  right intent  catch-all only  no match (words lost)  RedFlagIntent");
  for (const [cls, c] of [...classes.entries()].sort()) {
    for (const k of Object.keys(total)) total[k] += c[k];
    const right = cls === "ordinary" ? "-" : `${c.right} (${pct(c.right, c.n)})`;
    console.log(
      `${cls.padEnd(9)} ${String(c.n).padStart(4)}  ${`${c.specific} (${pct(c.specific, c.n)})`.padEnd(21)}  ` +
        `${right.padEnd(12)}  ${`${c.catchAll} (${pct(c.catchAll, c.n)})`.padEnd(14)}  ` +
        `${`${c.none} (${pct(c.none, c.n)})`.padEnd(21)}  ${c.redFlag}`
    );
  }
  console.log(
    `${"all".padEnd(9)} ${String(total.n).padStart(4)}  ${`${total.specific} (${pct(total.specific, total.n)})`.padEnd(21)}  ` +
      `${"".padEnd(12)}  ${`${total.catchAll} (${pct(total.catchAll, total.n)})`.padEnd(14)}  ` +
      `${`${total.none} (${pct(total.none, total.n)})`.padEnd(21)}  ${total.redFlag}`
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
