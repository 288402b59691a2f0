/** The shared vocabulary: everything may import it; it imports nothing of ours. */
export * from "./defaults.js";
export * from "./fargate.js";
export * from "./config.js";
export * from "./types.js";
export * from "./plan.js";
export * from "./bundle.js";
export * from "./run-bundle.js";
export * from "./warnings.js";
