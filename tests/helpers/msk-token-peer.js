#!/usr/bin/env node
// The reference MSK IAM token signer (npm aws-msk-iam-sasl-signer-js, in tests/peers), with the
// clock and the credentials fixed per case, for tests/helpers/msk-token-check.py.
//
//   node msk-token-peer.js < cases
//
// Each input line is a JSON object {"region", "ak", "sk", "token" (or null), "now_ms"}; each
// output line is {"token", "expiry_ms"} as generateAuthTokenFromCredentialsProvider returns it.
"use strict";
const path = require("path");
const readline = require("readline");

// The signer reads the clock through `new Date()` (the signing time); fix it per case.
let fixedNow = 0;
const RealDate = Date;
class FixedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(fixedNow);
    else super(...args);
  }
  static now() {
    return fixedNow;
  }
}
global.Date = FixedDate;

const signer = require(path.join(__dirname, "..", "peers", "node_modules",
                                 "aws-msk-iam-sasl-signer-js"));

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const c = JSON.parse(line);
    fixedNow = c.now_ms;
    const creds = { accessKeyId: c.ak, secretAccessKey: c.sk };
    if (c.token) creds.sessionToken = c.token;
    const r = await signer.generateAuthTokenFromCredentialsProvider({
      region: c.region,
      awsCredentialsProvider: async () => creds,
    });
    process.stdout.write(JSON.stringify({ token: r.token, expiry_ms: r.expiryTime }) + "\n");
  }
}

main().catch((e) => {
  process.stderr.write("msk-token-peer: " + (e && e.stack ? e.stack : e) + "\n");
  process.exit(1);
});
