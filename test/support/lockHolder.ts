// A separate process that tries to take an index's writer lock at a given moment and holds it a
// while: prints "won" or "locked". Racing processes for a lock (test/unit/lock.spec.ts) start their
// attempts at the same instant, so their reads and writes of the lock file interleave.
import { IndexLock, IndexLockedError } from "../../src/core/store/lock";

const [dbPath, holdMs, startAt] = process.argv.slice(2);

async function main(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
  await new IndexLock(dbPath).withLock(async () => {
    process.stdout.write("won\n");
    await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
  });
}

main().catch((error: unknown) => {
  if (!(error instanceof IndexLockedError)) throw error;
  process.stdout.write("locked\n");
});
