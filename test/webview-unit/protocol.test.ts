import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROTOCOL_VERSION, isHostMessage, parseWebviewMessage, scriptJson } from '../../src/protocol/messages';

test('the messages a webview may send are accepted as they are', () => {
  const good = [
    { type: 'ready', view: 'routing', protocol: PROTOCOL_VERSION },
    { type: 'ready', view: 'timeline', protocol: PROTOCOL_VERSION },
    { type: 'select', selection: { event: 'e1', span: 12 } },
    { type: 'select', selection: { event: null, span: null } },
    { type: 'openSymbol', symbol: 'memory_failure_dev_pagemap' },
    { type: 'openSymbol', symbol: '__pmem_direct_access' },
    { type: 'compareWith', design: 'page-mapping' },
    { type: 'compareWith', design: '' },
    { type: 'refresh' },
  ];
  for (const m of good) {
    const p = parseWebviewMessage(m);
    assert.ok(p.ok, `${JSON.stringify(m)}: ${p.ok ? '' : p.error}`);
    if (p.ok) assert.deepEqual(p.message, m);
  }
});

test('malformed messages are refused with the reason', () => {
  const bad: [unknown, RegExp][] = [
    [null, /expected an object, got null/],
    ['ready', /got string/],
    [[1], /an array/],
    [{ type: 'navigate', url: 'https://example.com' }, /unknown message type "navigate"/],
    [{}, /unknown message type undefined/],
    [{ type: 'ready', view: 'terminal', protocol: PROTOCOL_VERSION }, /view "terminal" is not one of/],
    [{ type: 'ready', view: 'routing', protocol: 99 }, /protocol 99/],
    [{ type: 'select', selection: { event: 'e1' } }, /span: undefined is not a span id/],
    [{ type: 'select', selection: { event: 'e1', span: -1 } }, /span: -1/],
    [{ type: 'select', selection: { event: 'e1', span: 1.5 } }, /span: 1.5/],
    [{ type: 'select', selection: { event: 7, span: null } }, /event: 7/],
    [{ type: 'select', selection: { event: 'e1', span: 1, extra: true } }, /unexpected field extra/],
    [{ type: 'openSymbol', symbol: '../../etc/passwd' }, /not a kernel identifier/],
    [{ type: 'openSymbol', symbol: 'x'.repeat(200) }, /not a kernel identifier/],
    [{ type: 'openSymbol', symbol: 'memory_failure', path: '/etc' }, /unexpected field path/],
    [{ type: 'compareWith', design: 'Robert); DROP' }, /not a design name/],
    [{ type: 'compareWith' }, /design undefined/],
    [{ type: 'refresh', now: true }, /unexpected field now/],
  ];
  for (const [m, re] of bad) {
    const p = parseWebviewMessage(m);
    assert.equal(p.ok, false, JSON.stringify(m));
    if (!p.ok) assert.match(p.error, re, JSON.stringify(m));
  }
});

test('host messages: the webview recognises state and selection updates only', () => {
  assert.ok(isHostMessage({ type: 'state', state: { kind: 'routing', left: null, right: null } }));
  const route = { nodes: [], lanes: [], badges: [], verdicts: [{ outcome: 'AO', reason: 'collected by collect_procs_fsdax', symbol: 'kill_proc', span: 7 }, { outcome: 'none', reason: 'r', symbol: 's', span: null }] };
  assert.ok(isHostMessage({ type: 'state', state: { kind: 'routing', left: route, right: null } }));
  // a routing state whose route lacks its verdicts, or has a malformed one, is not taken
  assert.ok(!isHostMessage({ type: 'state', state: { kind: 'routing' } }));
  assert.ok(!isHostMessage({ type: 'state', state: { kind: 'routing', left: { ...route, verdicts: undefined }, right: null } }));
  assert.ok(!isHostMessage({ type: 'state', state: { kind: 'routing', left: route, right: { ...route, verdicts: [{ outcome: 'AO', reason: 'r', symbol: 's', span: 1.5 }] } } }));
  assert.ok(isHostMessage({ type: 'selection', selection: { event: 'e2', span: null } }));
  assert.ok(!isHostMessage({ type: 'state', state: { kind: 'other' } }));
  assert.ok(!isHostMessage({ type: 'selection', selection: {} }));
  assert.ok(!isHostMessage('state'));
});

test('bootstrap JSON cannot end its script element', () => {
  const s = scriptJson({ a: '</script><script>alert(1)</script>', b: '<!--', c: '\u2028' });
  assert.ok(!s.includes('<') && !s.includes('>') && !s.includes('\u2028'));
  assert.deepEqual(JSON.parse(s), { a: '</script><script>alert(1)</script>', b: '<!--', c: '\u2028' });
});
