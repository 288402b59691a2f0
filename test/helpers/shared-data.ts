/**
 * The real public data in ../shared/data (its README says where each file comes from), read
 * in place, never copied into the repo.
 */
import { fileURLToPath } from "node:url";

/** The path of `name` (e.g. "alb/nawab312-real-alb.log") under ../shared/data. */
export const sharedData = (name: string): string =>
  fileURLToPath(new URL(`../../../shared/data/${name}`, import.meta.url));

/** Every ALB access-log sample in ../shared/data/alb. */
export const ALB_SAMPLES = [
  "alb/aws-docs-alb-examples.log",
  "alb/dmastrop-tomcat-alb-50-targets.log",
  "alb/elastic-integrations-test-alb.log",
  "alb/nawab312-real-alb.log",
] as const;
