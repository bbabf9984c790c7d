// The npm port of VADER (vader-sentiment, tests/peers) as a test peer: scores the texts of a JSON
// array (file named by the first argument) and prints a JSON array of {compound,pos,neu,neg}.
//
//   node tests/helpers/sentiment-peer.js TEXTS.json [--reference-input]
//
// --reference-input hands the port each text as the authors' Python reference would see it,
// to measure how much of the port's disagreement comes from three places where the port's
// input handling differs from the reference (README "tw-sentiment", CONFORMANCE in the man page):
// emoji are replaced by their descriptions (the port has no emoji step); words are split and
// stripped of ASCII punctuation the reference's way and rejoined with single spaces (the port
// drops one-character words and strips only listed punctuation pairs), with one-character words
// kept as two-character neutral ones; words not in ALL CAPS are lowercased (the port compares
// "not", "but", "never" case-sensitively). "!" and "?" are kept in number (they count as emphasis).
'use strict';
const fs = require('fs');
const path = require('path');
const vader = require(path.join(__dirname, '../peers/node_modules/vader-sentiment'));

const texts = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const reference = process.argv.includes('--reference-input');

const emoji = new Map();
if (reference) {
  const lex = path.join(__dirname, '../../lib/vader/emoji_utf8_lexicon.txt');
  for (const line of fs.readFileSync(lex, 'utf8').split('\n')) {
    const f = line.trim().split('\t');
    if (f.length >= 2 && [...f[0]].length === 1) emoji.set(f[0], f[1]);
  }
}
const PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

function isUpper(w) {
  let cased = false;
  for (const c of w) {
    if (c.toLowerCase() !== c.toUpperCase()) {
      if (c === c.toLowerCase()) return false;
      cased = true;
    }
  }
  return cased;
}

function count(s, c) {
  return s.split(c).length - 1;
}

function asReference(text) {
  let t = '';
  let prevSpace = true;
  for (const c of text) {
    if (emoji.has(c)) {
      if (!prevSpace) t += ' ';
      t += emoji.get(c);
      prevSpace = false;
    } else {
      t += c;
      prevSpace = c === ' ';
    }
  }
  const words = t.split(SPACE).filter((w) => w.length).map((w) => {
    let a = 0;
    let b = w.length;
    while (a < b && PUNCT.includes(w[a])) a++;
    while (b > a && PUNCT.includes(w[b - 1])) b--;
    let s = w.slice(a, b);
    if ([...s].length <= 2) s = w;
    if (!isUpper(s)) s = s.toLowerCase();
    if ([...s].length === 1) s = PUNCT.includes(s) ? '__' : s + '_';
    return s;
  });
  let out = words.join(' ');
  for (const c of ['!', '?']) for (let k = count(out, c); k < count(t, c); k++) out += ' ' + c;
  return out;
}

const scores = texts.map((t) => {
  const s = vader.SentimentIntensityAnalyzer.polarity_scores(reference ? asReference(t) : t);
  return { compound: s.compound, pos: s.pos, neu: s.neu, neg: s.neg };
});
process.stdout.write(JSON.stringify(scores) + '\n');
