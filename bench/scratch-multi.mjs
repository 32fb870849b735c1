// node bench/scratch-multi.mjs N port body1 body2 ... — interleaves bodies on one server, CPU per request per body
import { readFileSync } from "node:fs";
import { execSync } from "node:child_process";
const [n, port, ...files] = process.argv.slice(2);
const token = "sqp_d93a7ba4a330dab8eee0ebf96e9a622af2a0028a";
const pid = execSync(`ss -ltnp "sport = :${port}"`).toString().match(/pid=(\d+)/)[1];
const cpu = () => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) * 10000; };
const bodies = files.map((f) => readFileSync(f, "utf8"));
const send = async (body) => { const r = await fetch(`http://127.0.0.1:${port}/graphql`, { method: "POST", body, headers: { "content-type": "application/json", authorization: `Bearer ${token}` } }); await r.text(); if (r.status !== 200) throw new Error(String(r.status)); };
for (let i = 0; i < 20; i++) for (const b of bodies) await send(b);
const used = bodies.map(() => 0);
for (let i = 0; i < Number(n); i++) for (let k = 0; k < bodies.length; k++) { const before = cpu(); await Promise.all([send(bodies[k]), send(bodies[k])]); used[k] += cpu() - before; }
files.forEach((f, k) => console.log(`${f.split("/").pop()}: ${(used[k] / (2 * Number(n))).toFixed(0)} µs/request`));
