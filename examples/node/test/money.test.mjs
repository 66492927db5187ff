// Money as exact decimal strings, with { money: 'string' }: read from the JSON text without going
// through a double, and sent as JSON numbers exactly as written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidParamsError, moneyFields, PortalClient } from '../portal-client.mjs';
import { parseWithMoneyStrings, stringifyWithMoneyStrings } from '../portal-json.mjs';
import { newPatient, testStore, TIMEOUT } from '../testkit.mjs';

const MONEY = new Set(moneyFields);

// MARK: - Reading

test('a money field\'s number is read as its exact text, every other number as a number', () => {
  const text = '{"id":7,"amount":0.1,"x":0.1,"meta":{"version":2},"billing":{"paymentHistory":[{"amount":1234.5,"date":"d"}]}}';
  assert.deepEqual(parseWithMoneyStrings(text), {
    id: 7,
    amount: '0.1',
    x: 0.1,
    meta: { version: 2 },
    billing: { paymentHistory: [{ amount: '1234.5', date: 'd' }] },
  });
  for (const amount of ['0', '-0', '0.30', '-12.34', '12345678901234.56', '12345678901234567.89', '9007199254740993.01', '1e2', '-1.5E-3']) {
    assert.deepEqual(parseWithMoneyStrings(`{"outstandingBalance":${amount}}`), { outstandingBalance: amount }, amount);
  }
  assert.equal(JSON.parse('{"amount":12345678901234567.89}').amount, 12345678901234568); // what a double keeps
});

test('only a key is looked at: strings that look like money keys, escapes, spacing, null', () => {
  const cases = {
    '{"note":"\\"amount\\":5","amount":5}': { note: '"amount":5', amount: '5' },
    '{"a\\\\":"amount","b":["amount",1.5]}': { 'a\\': 'amount', b: ['amount', 1.5] },
    '{"\\u0061mount" : \n 0.5}': { amount: '0.5' },
    '{"amount":null,"paidAmount":"12.5","approvedAmount":[1.5]}': { amount: null, paidAmount: '12.5', approvedAmount: [1.5] },
    '[{"amount":1},{"amount":2.25}]': [{ amount: '1' }, { amount: '2.25' }],
    '{"amounts":1.5,"amount":-0.01}': { amounts: 1.5, amount: '-0.01' },
  };
  for (const [text, expected] of Object.entries(cases)) assert.deepEqual(parseWithMoneyStrings(text), expected, text);
});

test('a text that is not JSON is refused as JSON.parse refuses it', () => {
  for (const text of ['{"amount":-}', '{"amount":01}', '{"amount":1.}', '{"amount":1 2}', '{"amount":.5}', '{"amount":1e}', '{"amount":0x10}', '{"amount":"1}', '["amount":1]', '{"amount":1']) {
    assert.throws(() => JSON.parse(text), SyntaxError, text);
    assert.throws(() => parseWithMoneyStrings(text), SyntaxError, text);
  }
});

test('on many texts, valid or broken, it agrees with JSON.parse but for money as text', () => {
  let seed = 20_260_131; // xorshift32: the same texts on every run
  const random = (n) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const sample = JSON.stringify({
    id: 'P001',
    amount: -12.34,
    outstandingBalance: 0.3,
    list: [{ paidAmount: 1e21, n: 5, s: 'a "quoted" amount: 1' }, null, true],
    'approvedAmount\n': 4,
    nested: { approvedAmount: 0, deeper: [[{ amount: 7.1 }]] },
  });
  const pieces = ['"', '\\', ':', ',', '1', '.', '-', 'e', ' ', '{', '}', '[', ']', '"amount":', '0'];
  for (let i = 0; i < 5000; i++) {
    let text = sample;
    for (let edits = random(3); edits > 0; edits--) {
      const at = random(text.length);
      text = random(2) ? text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
    }
    let expected;
    try {
      expected = JSON.parse(text);
    } catch {
      assert.throws(() => parseWithMoneyStrings(text), SyntaxError, text);
      continue;
    }
    assertSameButMoney(parseWithMoneyStrings(text), expected, text);
  }
});

/** `actual` is `expected` (what JSON.parse read), but with each money number as a text for it. */
function assertSameButMoney(actual, expected, text, key) {
  if (MONEY.has(key) && typeof expected === 'number') {
    assert.equal(typeof actual, 'string', text);
    assert.ok(/^-?[0-9]/.test(actual) && Object.is(Number(actual), expected), `${actual} for ${expected} in ${text}`);
  } else if (expected === null || typeof expected !== 'object') {
    assert.equal(actual, expected, text);
  } else {
    assert.equal(Array.isArray(actual), Array.isArray(expected), text);
    assert.deepEqual(Object.keys(actual), Object.keys(expected), text);
    for (const name of Object.keys(expected)) assertSameButMoney(actual[name], expected[name], text, Array.isArray(expected) ? undefined : name);
  }
}

// MARK: - Writing

test('a money string is written as the JSON number it spells, exactly; anything else as JSON.stringify does', () => {
  assert.equal(
    stringifyWithMoneyStrings({ amount: '1234.50', outstandingBalance: '-0.10', paidAmount: 12.5, name: '12.50', approvedAmount: '12.5 ' }),
    '{"amount":1234.50,"outstandingBalance":-0.10,"paidAmount":12.5,"name":"12.50","approvedAmount":"12.5 "}',
  );
  assert.equal(stringifyWithMoneyStrings({ amount: '12345678901234567.89' }), '{"amount":12345678901234567.89}');
  // Inside a money key's object or array, as in a list filter.
  assert.equal(
    stringifyWithMoneyStrings({ filter: { amount: { gte: '10.00', in: ['1.10', 2] }, status: '1.5' } }),
    '{"filter":{"amount":{"gte":10.00,"in":[1.10,2]},"status":"1.5"}}',
  );
  const ordinary = [
    { a: [1, 'x', null, undefined, () => 1, Symbol('s')], b: undefined, c: new Date(0), d: { toJSON: (key) => `key ${key}` } },
    [new Number(1.5), new String('é\u2028"'), new Boolean(false), -0, NaN, Infinity, '\ud800'],
    'text',
    null,
    { amount: undefined, nested: [[{}], []] },
  ];
  for (const value of ordinary) assert.equal(stringifyWithMoneyStrings(value), JSON.stringify(value));
  assert.equal(stringifyWithMoneyStrings(() => 1), undefined);
});

test('a cycle or a BigInt is refused as JSON.stringify refuses it', () => {
  const cycle = { amount: '1' };
  cycle.self = [cycle];
  assert.throws(() => stringifyWithMoneyStrings(cycle), TypeError);
  assert.throws(() => stringifyWithMoneyStrings({ amount: 1n }), TypeError);
  const shared = { amount: '1.5' };
  assert.equal(stringifyWithMoneyStrings([shared, shared]), '[{"amount":1.5},{"amount":1.5}]'); // not a cycle
});

// MARK: - Against the server

const payment = (patientId, amount) => ({
  patientId, type: 'payment', amount, method: 'cash', date: '2026-01-16', description: 'Part payment', status: 'completed',
});

test('with money: "string", amounts go out as written and come back as exact decimal strings', TIMEOUT, async (t) => {
  const store = await testStore(t);
  const client = await store.spawn({ money: 'string' });
  assert.equal(client.money, 'string');

  const patient = await client.addPatient(newPatient({ outstandingBalance: '0.30' }));
  assert.equal(patient.outstandingBalance, '0.3');
  const changes = [];
  client.on('change', (change) => changes.push(change));
  await client.subscribeToUpdates('transaction');
  const first = await client.addTransaction(payment(patient.id, '0.10'));
  await client.addTransaction(payment(patient.id, '0.20'));
  assert.equal(first.amount, '0.1');
  assert.deepEqual(changes.map((change) => change.entity.amount), ['0.1', '0.2']);
  assert.equal((await client.getPatient(patient.id)).outstandingBalance, '0'); // 0.30 - 0.10 - 0.20, exactly
  assert.equal(0.3 - 0.1 - 0.2, -2.7755575615628914e-17); // what doubles would have said

  const largest = await client.addPatient(newPatient({ outstandingBalance: '999999999999.99' }));
  assert.equal(largest.outstandingBalance, '999999999999.99');
  const adjustment = await client.addTransaction({ ...payment(patient.id, '-1234.50'), type: 'adjustment' });
  assert.equal(adjustment.amount, '-1234.5');
  assert.equal((await client.addTransaction(payment(patient.id, 12.5))).amount, '12.5'); // a number still goes
  const page = await client.getTransactions({ filter: { amount: { gte: '0.15', lt: '1' } } });
  assert.deepEqual(page.items.map((item) => item.amount), ['0.2']);

  await assert.rejects(client.addTransaction(payment(patient.id, '12.345')), (error) => {
    assert.ok(error instanceof InvalidParamsError);
    assert.deepEqual(error.errors.map((e) => e.path), ['/amount']);
    return true;
  });
  await assert.rejects(client.syncPatientData(patient.id, { phone: '1' }, 1), (error) => {
    assert.equal(typeof error.current.outstandingBalance, 'string'); // error data too
    return true;
  });
});

test('by default amounts are numbers, and a string amount is refused by the server', TIMEOUT, async (t) => {
  const client = await (await testStore(t)).spawn();
  assert.equal(client.money, 'number');
  const patient = await client.addPatient(newPatient({ outstandingBalance: 0.3 }));
  assert.equal(patient.outstandingBalance, 0.3);
  await assert.rejects(client.addTransaction(payment(patient.id, '0.10')), InvalidParamsError);
  assert.throws(() => new PortalClient(undefined, { money: 'decimal' }), TypeError);
});
