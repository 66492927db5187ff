/**
 * JSON with exact money, for a PortalClient made with { money: 'string' }. JavaScript numbers are
 * doubles, which cannot hold most decimal amounts (0.1, 1234.56) exactly, so under that option:
 *
 * - parseWithMoneyStrings reads a money field's number (amount, outstandingBalance, ...: any key
 *   named in moneyFields) as a string holding the number's exact text, e.g. "1234.56", and every
 *   other number as JSON.parse does;
 * - stringifyWithMoneyStrings writes a string that is a JSON number, under a money key (or inside
 *   an object or array there, as in a filter's { gte: '10.00' }), as that number, exactly as
 *   written, and everything else as JSON.stringify does.
 */
import { moneyFields } from './portal-methods.mjs';

const MONEY_KEYS = new Set(moneyFields);
/** A JSON number, the whole text. */
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
/** A JSON number token, where lastIndex is. */
const NUMBER_TOKEN = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
/** A quote or a backslash, the only characters that matter inside a string. */
const QUOTE_OR_ESCAPE = /["\\]/g;
const SPACE = /[ \t\n\r]*/y;

/**
 * JSON.parse, but with the number of each money field as the string of its exact JSON text.
 * @param {string} text
 * @param {ReadonlySet<string>} [moneyKeys] The keys whose numbers are money.
 * @returns {any}
 * @throws {SyntaxError} When the text is not JSON, exactly as JSON.parse would.
 */
export function parseWithMoneyStrings(text, moneyKeys = MONEY_KEYS) {
  return JSON.parse(quoteMoneyNumbers(text, moneyKeys));
}

/**
 * The JSON text with each number that is the value of a money key put in quotes. It only turns a
 * whole number token into a string token in the same place, so a text that is JSON stays JSON
 * (with those values as strings) and one that is not stays not: JSON.parse still judges it.
 * @param {string} text
 * @param {ReadonlySet<string>} moneyKeys
 * @returns {string}
 */
export function quoteMoneyNumbers(text, moneyKeys) {
  let quoted = '';
  let copied = 0; // text before this index is in `quoted`
  let at = 0; // where to look for the next string
  for (;;) {
    const open = text.indexOf('"', at);
    if (open === -1) break;
    const close = endOfString(text, open);
    if (close === -1) break;
    at = close;
    // Outside strings, a string followed by a colon is a key.
    const colon = skipSpace(text, close);
    if (text[colon] !== ':' || !moneyKeys.has(keyText(text, open, close))) continue;
    const start = skipSpace(text, colon + 1);
    NUMBER_TOKEN.lastIndex = start;
    const number = NUMBER_TOKEN.exec(text);
    if (number === null) continue; // null, a string, or not JSON: left as it is
    quoted += `${text.slice(copied, start)}"${number[0]}"`;
    copied = at = start + number[0].length;
  }
  return copied === 0 ? text : quoted + text.slice(copied);
}

/** The index after the quote that closes the string opening at `open`, or -1. */
function endOfString(text, open) {
  QUOTE_OR_ESCAPE.lastIndex = open + 1;
  for (let found; (found = QUOTE_OR_ESCAPE.exec(text)) !== null; ) {
    if (found[0] === '"') return found.index + 1;
    QUOTE_OR_ESCAPE.lastIndex = found.index + 2; // past the escaped character
  }
  return -1;
}

function skipSpace(text, index) {
  SPACE.lastIndex = index;
  SPACE.exec(text);
  return SPACE.lastIndex;
}

/** The key a string token spells, its escapes decoded; null if they are not valid. */
function keyText(text, open, close) {
  const raw = text.slice(open + 1, close - 1);
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(text.slice(open, close));
  } catch {
    return null;
  }
}

/**
 * JSON.stringify (without a replacer or indentation), but a string that is a JSON number, where a
 * money key holds it, is written as that number, exactly as written: '1234.50' becomes 1234.50.
 * @param {unknown} value
 * @param {ReadonlySet<string>} [moneyKeys] The keys whose values are money.
 * @returns {string | undefined} undefined for what JSON.stringify gives undefined (a function).
 * @throws {TypeError} For a cycle or a BigInt, as JSON.stringify does.
 */
export function stringifyWithMoneyStrings(value, moneyKeys = MONEY_KEYS) {
  const open = []; // the objects and arrays being written, to find a cycle
  const write = (key, item, money) => {
    if ((typeof item === 'object' && item !== null) || typeof item === 'bigint') {
      if (typeof item.toJSON === 'function') item = item.toJSON(key);
    }
    if (item instanceof Number || item instanceof String || item instanceof Boolean) item = item.valueOf();
    if (typeof item === 'string') return money && NUMBER.test(item) ? item : JSON.stringify(item);
    if (typeof item !== 'object' || item === null) return JSON.stringify(item);
    if (open.includes(item)) throw new TypeError('Converting circular structure to JSON');
    open.push(item);
    let text;
    if (Array.isArray(item)) {
      text = `[${item.map((element, index) => write(String(index), element, money) ?? 'null').join(',')}]`;
    } else {
      const members = [];
      for (const name of Object.keys(item)) {
        const written = write(name, item[name], money || moneyKeys.has(name));
        if (written !== undefined) members.push(`${JSON.stringify(name)}:${written}`);
      }
      text = `{${members.join(',')}}`;
    }
    open.pop();
    return text;
  };
  return write('', value, false);
}
