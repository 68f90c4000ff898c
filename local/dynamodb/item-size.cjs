// DynamoDB's 400 KB item size, measured as DynamoDB measures it. dynalite already refuses oversized items on
// PutItem, UpdateItem and BatchWriteItem, but counts strings and attribute names in UTF-16 code units where
// DynamoDB counts UTF-8 bytes ("Strings are Unicode with UTF-8 binary encoding. The size of a string is (number of
// UTF-8-encoded bytes of attribute name) + (number of UTF-8-encoded bytes)",
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html), so an item of
// 600,000 bytes of '€' passed. Its size function is replaced by one that adds the difference; numbers, binaries,
// lists and maps keep dynalite's rules, which follow the same page (one byte per element of a list or map, three
// bytes per list or map, numbers by their significant digits).
'use strict';

/** DynamoDB's limit: 400 KB, both names and values (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html). */
const MAX_ITEM_BYTES = 409_600;

const extraBytes = (text) => Buffer.byteLength(text, 'utf8') - text.length;

/** The bytes an attribute value's strings take beyond their UTF-16 length (nested names included). */
function valueExtra(value) {
  const [type] = Object.keys(value);
  const inner = value[type];
  switch (type) {
    case 'S':
      return extraBytes(inner);
    case 'SS':
      return inner.reduce((sum, text) => sum + extraBytes(text), 0);
    case 'L':
      return inner.reduce((sum, element) => sum + valueExtra(element), 0);
    case 'M':
      return itemExtra(inner);
    default:
      return 0;
  }
}

/** The bytes an item's names and strings take beyond their UTF-16 length. */
function itemExtra(item) {
  let extra = 0;
  for (const [name, value] of Object.entries(item)) extra += extraBytes(name) + valueExtra(value);
  return extra;
}

/**
 * Replaces dynalite's `db.itemSize` (used by its PutItem, UpdateItem and BatchWriteItem size checks) with one that
 * counts UTF-8 bytes. Its compressed variant, for the Query and Scan 1 MB page, is left as it was.
 */
function measureItemsInUtf8() {
  const db = require('dynalite/db');
  if (db.itemSize.utf8) return;
  const itemSize = db.itemSize;
  const utf8ItemSize = (item, compress, ...rest) =>
    itemSize(item, compress, ...rest) + (compress ? 0 : itemExtra(item));
  utf8ItemSize.utf8 = true;
  db.itemSize = utf8ItemSize;
}

/** An item's size in bytes, as DynamoDB counts it (after {@link measureItemsInUtf8}). */
function itemSize(item) {
  return require('dynalite/db').itemSize(item);
}

module.exports = { MAX_ITEM_BYTES, measureItemsInUtf8, itemSize };
