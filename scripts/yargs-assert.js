// node:assert as yargs uses it (strictEqual and notStrictEqual, checks of its own invariants),
// for the bundles: the real module loads a dozen of Node's own modules (assertion errors,
// colours, the terminal's), a few milliseconds of every command's start-up.
'use strict';

function fail(message) {
  const err = new Error(message);
  err.name = 'AssertionError';
  err.code = 'ERR_ASSERTION';
  throw err;
}

exports.strictEqual = (actual, expected, message) => {
  if (!Object.is(actual, expected)) fail(message ?? `Expected values to be strictly equal: ${String(actual)} !== ${String(expected)}`);
};

exports.notStrictEqual = (actual, expected, message) => {
  if (Object.is(actual, expected)) fail(message ?? `Expected "actual" to be strictly unequal to: ${String(expected)}`);
};
