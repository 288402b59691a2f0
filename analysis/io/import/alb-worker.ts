/**
 * Worker thread of {@link readAlbFileInPieces} (alb-file.ts): claims pieces of a plain ALB log
 * from the counter it shares with the other threads, reads each into its own AlbReader and
 * posts their states back; the main thread merges them in file order.
 */
import { parentPort, workerData } from "node:worker_threads";
import { readAlbPieces, type AlbWorkerData } from "./alb-file.js";

const data = workerData as AlbWorkerData;
parentPort!.postMessage(
  await readAlbPieces(data.path, data.splits, new Int32Array(data.next), data.spec),
);
