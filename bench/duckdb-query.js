// What a user would otherwise run over a local lake: DuckDB (the npm package in bench/peers),
// reading the same gzip NDJSON objects with read_json and hive partitioning.
//
//   node bench/duckdb-query.js THREADS SQL      (rows as CSV on stdout, no header; NULL empty)
//
// THREADS is DuckDB's thread count (0: its default, every core). The SQL is DuckDB's; the
// caller substitutes the lake's glob for the table.
'use strict';
const path = require('path');
const duckdb = require(path.join(__dirname, 'peers/node_modules/@duckdb/node-api'));

function csvField(v) {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

async function main() {
  const [threads, sql] = process.argv.slice(2);
  if (sql === undefined) {
    process.stderr.write('usage: node bench/duckdb-query.js THREADS SQL\n');
    process.exit(2);
  }
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  if (Number(threads) > 0) await conn.run(`SET threads = ${Number(threads)}`);
  const reader = await conn.runAndReadAll(sql);
  const out = reader.getRows().map((r) => r.map(csvField).join(',')).join('\n');
  process.stdout.write(out ? out + '\n' : '');
}

main().catch((e) => {
  process.stderr.write(`duckdb: ${e.message}\n`);
  process.exit(1);
});
