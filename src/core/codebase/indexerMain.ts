// The extension's indexing process (dist/indexer.js): see indexProcess.ts.
import { lowerPriority, serveIndexJob } from "./indexProcess";

lowerPriority();
serveIndexJob();
