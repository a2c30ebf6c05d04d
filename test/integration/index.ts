// Entry of the integration suite, run by VS Code's extension host (extensionTestsPath): runs the
// mocha tests and writes each test's name and outcome to a JSON file for the runner outside.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import Mocha from "mocha";

export interface TestOutcome {
  title: string;
  state: "passed" | "failed" | "pending";
  durationMs: number;
  error?: string;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: "bdd", timeout: 60_000, color: false, reporter: "spec" });
  mocha.suite.emit("pre-require", globalThis, "groundwork-integration", mocha);
  // Test files register their suites when loaded, which must happen after pre-require: hence
  // require() here rather than (hoisted) imports. The bundle keeps this order.
  /* eslint-disable @typescript-eslint/no-require-imports */
  require("./activation.test");
  require("./indexing.test");
  require("./assistant.test");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const resultsFile = process.env.GROUNDWORK_TEST_RESULTS ?? path.join(__dirname, "results.json");
  const outcomes: TestOutcome[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      writeFileSync(resultsFile, JSON.stringify({ done: true, outcomes }, null, 2));
      if (failures > 0) reject(new Error(`${failures} integration tests failed`));
      else resolve();
    });
    runner.on("pass", (test) => outcomes.push({ title: test.fullTitle(), state: "passed", durationMs: test.duration ?? 0 }));
    runner.on("pending", (test) => outcomes.push({ title: test.fullTitle(), state: "pending", durationMs: 0 }));
    runner.on("fail", (test, error: Error) => {
      outcomes.push({ title: test.fullTitle(), state: "failed", durationMs: test.duration ?? 0, error: error.stack ?? error.message });
    });
  });
}
