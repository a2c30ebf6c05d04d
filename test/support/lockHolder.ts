// A separate process that tries to take an index's writer lock at a given moment and holds it
// until a release file exists: prints "won" or "locked". Racing processes for a lock
// (test/unit/lock.spec.ts) start their attempts at the same instant, so their reads and writes of
// the lock file interleave; the winner holds on until every racer has said how it went.
import { existsSync } from "node:fs";
import { IndexLock, IndexLockedError } from "../../src/core/store/lock";

const [dbPath, releaseFile, startAt] = process.argv.slice(2);

async function main(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
  await new IndexLock(dbPath).withLock(async () => {
    process.stdout.write("won\n");
    while (!existsSync(releaseFile)) await new Promise((resolve) => setTimeout(resolve, 20));
  });
}

main().catch((error: unknown) => {
  if (!(error instanceof IndexLockedError)) throw error;
  process.stdout.write("locked\n");
});
