/**
 * Worker thread of {@link readAlbFileInPieces} (alb-file.ts): claims pieces of a plain ALB log
 * from the counter it shares with the other threads, reads each into its own AlbReader and
 * posts their states back; the main thread merges them in file order. Started by
 * `runAlbWorker` in alb-file.ts with its first job; kept afterwards for the next ones, which
 * arrive as messages (a warm thread reads faster).
 */
import { readAlbPieces, type AlbWorkerData } from "./alb-file.js";
import { serveKeptJobs } from "../files/kept-workers.js";

serveKeptJobs((job: AlbWorkerData) =>
  readAlbPieces(job.path, job.splits, new Int32Array(job.next), job.spec, job.fault),
);
