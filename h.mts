import { main } from "/work/wt-p3-cli/cli/main.ts";
let out = "";
await main([...process.argv.slice(3), "--help"], { io: { out: (t) => (out += t), err: (t) => (out += t), isTty: false }, columns: Number(process.argv[2]) });
console.log(out);
