/**
 * The bytes of analysis/k6-match.wat, assembled by scripts/build-k6-wasm.mjs (wabt): do not
 * edit; change the .wat and run the script (test/analysis/k6-match.test.ts compares them).
 */
export const K6_MATCH_WASM =
  "AGFzbQEAAAABEQJgA39/fwF/YAV/f39/fwF/Ag4BAms2Bm1lbW9yeQIAAQMDAgABBwwCAmVxAAADZXEyAAEKiQECZwACQANAIAJBEEkNASAA/QAEACAB/QAEAP1R/VMEQEEADwsgAEEQaiEAIAFBEGohASACQRBrIQIMAAsLIAD9AAQAIAH9AAQA/VEgAv0P/QwAAQIDBAUGBwgJCgsMDQ4P/Sj9Tv1TRQsfACAAIAEgAhAARQRAQQAPC0EBIAAgAmogAyAEEABqCw==";
