// parse-event: what is a Docker event, and its time.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { from } from 'rxjs';
import { parseDockerEvent, parseEvent, type DockerEvent } from '../src/pipeline/parse-event';

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

test('a Docker event: payload untouched, timeNano exact beyond 2^53', () => {
  const line = b('{"Type":"container","Action":"start","Actor":{"ID":"x","Attributes":{}},"time":1795777519,"timeNano":1795777519289248886}');
  const event = parseDockerEvent(line);
  assert.ok(typeof event !== 'string');
  assert.equal(event.payload, line);
  assert.equal(event.timeNano, 1795777519289248886n);
  assert.equal(event.type, 'container');
  assert.equal(event.action, 'start');
});

test('without timeNano, time × 1e9; without both, unknown', () => {
  const withTime = parseDockerEvent(b('{"Type":"image","Action":"tag","time":1795777519}'));
  assert.ok(typeof withTime !== 'string');
  assert.equal(withTime.timeNano, 1795777519000000000n);
  const none = parseDockerEvent(b('{"Type":"image","Action":"tag"}'));
  assert.ok(typeof none !== 'string');
  assert.equal(none.timeNano, null);
});

test('a "timeNano" inside an attribute does not fool the extraction', () => {
  const line = b(
    '{"Type":"container","Action":"create","Actor":{"ID":"x","Attributes":{"note":"\\"timeNano\\":1","x":"timeNano"}},' +
      '"time":1795777519,"timeNano":1795777519000000123}',
  );
  const event = parseDockerEvent(line);
  assert.ok(typeof event !== 'string');
  assert.equal(event.timeNano, 1795777519000000123n);
});

test('a timeNano beyond u64 falls back to time', () => {
  const event = parseDockerEvent(b('{"Type":"a","Action":"b","time":5,"timeNano":99999999999999999999999}'));
  assert.ok(typeof event !== 'string');
  assert.equal(event.timeNano, 5_000_000_000n);
});

test('garbage is rejected with a reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['not json at all', /^not JSON/],
    ['{"Type":"container","Action":"die"', /^not JSON/],
    ['[1,2,3]', /not a JSON object \(an array\)/],
    ['"just a string"', /not a JSON object \(a string\)/],
    ['null', /not a JSON object \(null\)/],
    ['42', /not a JSON object \(a number\)/],
    ['{"Action":"die"}', /no string "Type" \(got nothing\)/],
    ['{"Type":7,"Action":"die"}', /no string "Type" \(got 7\)/],
    ['{"Type":"container"}', /no string "Action"/],
    ['{"Type":"container","Action":null}', /no string "Action" \(got null\)/],
  ];
  for (const [text, reason] of cases) {
    const result = parseDockerEvent(b(text));
    assert.equal(typeof result, 'string', text);
    assert.match(result as string, reason, text);
  }
});

test('the operator drops garbage, reports it, and passes events on', () => {
  const malformed: Array<[string, string]> = [];
  const events: DockerEvent[] = [];
  from([b('{"Type":"a","Action":"1"}'), b('nope'), b('{"Type":"a"}'), b('{"Type":"a","Action":"2"}')])
    .pipe(parseEvent({ onMalformed: (line, reason) => malformed.push([line.toString(), reason]) }))
    .subscribe((e) => events.push(e));
  assert.deepEqual(events.map((e) => e.action), ['1', '2']);
  assert.deepEqual(malformed.map(([line]) => line), ['nope', '{"Type":"a"}']);
});
