// What a user would otherwise run: the npm port of VADER (vader-sentiment) as an NDJSON filter
// under node, doing what tw-sentiment does: parse each line, score English tweets' text (X's
// &amp; &lt; &gt; decoded), add "sentiment" (null for other languages), write the line.
'use strict';
const path = require('path');
const readline = require('readline');
const vader = require(path.join(__dirname, '../tests/peers/node_modules/vader-sentiment'));
const out = [];
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  let t;
  try {
    t = JSON.parse(line);
  } catch (e) {
    out.push(line);
    return;
  }
  if (t && typeof t.text === 'string') {
    const lang = typeof t.lang === 'string' ? t.lang.toLowerCase() : '';
    if (lang === 'en' || lang.startsWith('en-')) {
      const text = (t.extended_tweet && t.extended_tweet.full_text) || t.full_text || t.text;
      const s = vader.SentimentIntensityAnalyzer.polarity_scores(
        text.replace(/&(amp|lt|gt);/g, (m, e) => ({ amp: '&', lt: '<', gt: '>' })[e]));
      t.sentiment = { compound: s.compound, pos: s.pos, neu: s.neu, neg: s.neg };
    } else {
      t.sentiment = null;
    }
    line = JSON.stringify(t);
  }
  out.push(line);
  if (out.length >= 1000) process.stdout.write(out.splice(0).join('\n') + '\n');
});
rl.on('close', () => {
  if (out.length) process.stdout.write(out.join('\n') + '\n');
});
