// usage: node bench/scratch-alt.mjs N bodyfile portA portB ... — alternates requests (2 in flight per server), CPU per request per server
import { readFileSync } from "node:fs";
import { execSync } from "node:child_process";
const [n, file, ...ports] = process.argv.slice(2);
const token = "sqp_d93a7ba4a330dab8eee0ebf96e9a622af2a0028a";
const body = readFileSync(file, "utf8");
const pidOf = (port) => execSync(`ss -ltnp "sport = :${port}"`).toString().match(/pid=(\d+)/)[1];
const pids = ports.map(pidOf);
const cpu = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) * 10000; };
const send = async (port) => { const r = await fetch(`http://127.0.0.1:${port}/graphql`, { method: "POST", body, headers: { "content-type": "application/json", authorization: `Bearer ${token}` } }); await r.text(); if (r.status !== 200) throw new Error(String(r.status)); };
for (let i = 0; i < 30; i++) for (const p of ports) await send(p);
const used = ports.map(() => 0);
for (let i = 0; i < Number(n); i++) {
  for (let k = 0; k < ports.length; k++) {
    const before = cpu(pids[k]);
    await Promise.all([send(ports[k]), send(ports[k])]);
    used[k] += cpu(pids[k]) - before;
  }
}
ports.forEach((p, k) => console.log(`${p}: ${(used[k] / (2 * Number(n))).toFixed(0)} µs/request`));
