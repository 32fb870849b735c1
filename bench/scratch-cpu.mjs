// usage: node bench/scratch-cpu.mjs PORT PID N bodyfile [token]
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
const [port, pid, n, file, token] = process.argv.slice(2);
const body = readFileSync(file, "utf8");
const cpu = () => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) * 10000; };
const headers = { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) };
await autocannon({ url: `http://127.0.0.1:${port}/graphql`, method: "POST", body, headers, connections: 4, amount: 50 });
const before = cpu();
const r = await autocannon({ url: `http://127.0.0.1:${port}/graphql`, method: "POST", body, headers, connections: 4, amount: Number(n) });
const after = cpu();
console.log(`${file.split("/").pop()} n=${r.requests.total} non2xx=${r.non2xx} cpu/request=${((after - before) / r.requests.total).toFixed(0)} µs req/s=${r.requests.average}`);
