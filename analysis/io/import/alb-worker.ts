/**
 * Worker thread of {@link readAlbFileInPieces} (alb-file.ts): claims pieces of a plain ALB log
 * from the counter it shares with the other threads, reads each into its own AlbReader and
 * posts their states back; the main thread merges them in file order. Started by
 * `runAlbWorker` in alb-file.ts with its first job; kept afterwards for the next ones, which
 * arrive as messages (a warm thread reads faster).
 */
import { parentPort, workerData } from "node:worker_threads";
import { readAlbPieces, type AlbWorkerData } from "./alb-file.js";

/** One job: its pieces posted back (an error ends the thread, as its 'error' event). */
async function run(job: AlbWorkerData): Promise<void> {
  const pieces = await readAlbPieces(
    job.path,
    job.splits,
    new Int32Array(job.next),
    job.spec,
    job.fault,
  );
  parentPort!.postMessage(pieces);
}

parentPort!.on("message", (job: AlbWorkerData) => void run(job));
await run(workerData as AlbWorkerData);
