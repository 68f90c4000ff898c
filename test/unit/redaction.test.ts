import fc from 'fast-check';
import { createRedactor } from '../../lambdas/domain/governance/redaction';

/** The Luhn check digit of `body` (ISO/IEC 7812-1): double every second digit from the right of the full number. */
const luhnCheckDigit = (body: string): string => {
  const sum = Array.from(body, Number)
    .reverse()
    .reduce((total, value, index) => {
      const digit = value * (index % 2 === 0 ? 2 : 1);
      return total + (digit > 9 ? digit - 9 : digit);
    }, 0);
  return String((10 - (sum % 10)) % 10);
};

/** A card number of a network range (first digit 2–6) with a valid Luhn check digit. */
const cardDigits = fc
  .tuple(
    fc.integer({ min: 2, max: 6 }),
    fc.integer({ min: 13, max: 19 }),
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 18, maxLength: 18 }),
  )
  .map(([first, length, rest]) => {
    const body = [first, ...rest].slice(0, length - 1).join('');
    return body + luhnCheckDigit(body);
  });

const card = fc
  .tuple(cardDigits, fc.constantFrom('', ' ', '-'))
  .map(([digits, separator]) => (separator === '' ? digits : digits.match(/.{1,4}/g)!.join(separator)));

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));

const internationalPhone = fc
  .tuple(
    fc.integer({ min: 1, max: 999 }),
    fc.array(digits(2, 4), { minLength: 2, maxLength: 4 }),
    fc.constantFrom(' ', '-', '.', ''),
  )
  .map(([country, groups, separator]) => `+${country} ${groups.join(separator)}`)
  .filter((phone) => {
    const count = phone.replace(/\D/g, '').length;
    return count >= 8 && count <= 15;
  });

const northAmericanPhone = fc
  .tuple(digits(3, 3), digits(3, 3), digits(4, 4), fc.constantFrom('paren', '-', '.', ' '))
  .map(([area, exchange, line, style]) =>
    style === 'paren' ? `(${area}) ${exchange}-${line}` : [area, exchange, line].join(style),
  );

const pii = fc.oneof(fc.emailAddress(), card, internationalPhone, northAmericanPhone, fc.ipV4(), fc.ipV6());

const filler = fc.constantFrom(
  'order',
  'cancelled',
  'at',
  'WH-NYC',
  'warehouse#WH-NYC#2026-11-20T10:35:00Z',
  'since',
  '2026-11-20T08:35:00.000Z',
  'total',
  '2500',
  'note:',
);

/** Filler words with PII values spliced in, separated by spaces. */
const textWithPii = fc
  .tuple(fc.array(filler, { maxLength: 12 }), fc.array(pii, { minLength: 1, maxLength: 6 }))
  .chain(([words, values]) =>
    fc.shuffledSubarray(
      [...words.map((w) => ({ pii: false, text: w })), ...values.map((v) => ({ pii: true, text: v }))],
      {
        minLength: words.length + values.length,
      },
    ),
  )
  .map((parts) => ({
    text: parts.map((part) => part.text).join(' '),
    values: parts.filter((part) => part.pii).map((part) => part.text),
  }));

describe('createRedactor', () => {
  const redactor = createRedactor();

  it.each([
    ['an e-mail address', 'mail jo.smith+promo@example.co.uk today', 'mail [email] today', 'email'],
    [
      'an e-mail address in a memory key, keeping the key prefix',
      'customer#jo@example.com',
      'customer#[email]',
      'email',
    ],
    ['an international phone number', 'call +44 20 7946 0958 now', 'call [phone] now', 'phone'],
    ['an E.164 phone number', 'sms +14155550123', 'sms [phone]', 'phone'],
    ['a North American phone number', 'ring (212) 555-0123', 'ring [phone]', 'phone'],
    ['a grouped card number', 'paid with 4111 1111 1111 1111.', 'paid with [card].', 'card'],
    ['a dashed card number', 'card 5500-0000-0000-0004', 'card [card]', 'card'],
    ['an IPv4 address', 'from 192.168.10.7 via', 'from [ipv4] via', 'ipv4'],
    ['an IPv6 address', 'from 2001:db8::8a2e:370:7334 via', 'from [ipv6] via', 'ipv6'],
    ['an IPv6 address with an IPv4 tail', 'peer ::ffff:10.0.0.1', 'peer [ipv6]', 'ipv6'],
  ])('redacts %s in free text', (_, text, expected, kind) => {
    const { value, redactions } = redactor.redactText(text);

    expect(value).toBe(expected);
    expect(redactions).toEqual([{ kind, path: '$' }]);
  });

  it('leaves timestamps, incident keys, warehouse ids and plain numbers alone', () => {
    const text =
      'incident warehouse#WH-NYC#2026-11-20T10:35:00Z since 2026-11-20T08:35:00.000Z: 9 of 20 orders, total 2500, order 1234567890123';

    expect(redactor.redactText(text)).toEqual({ value: text, redactions: [] });
  });

  it('does not redact digit runs that fail the Luhn check or lie outside card ranges', () => {
    expect(redactor.redactText('ref 4111 1111 1111 1112').value).toBe('ref 4111 1111 1111 1112');
    expect(redactor.redactText('ref 8111111111111114').value).toBe('ref 8111111111111114');
  });

  it('finds a card number after a date inside one digit run', () => {
    expect(redactor.redactText('on 11-20 4111111111111111').value).toBe('on 11-20 [card]');
  });

  it('replaces named personal fields whole, at any depth, and reports their paths', () => {
    const record = {
      orderId: 'o-1',
      customer_id: 'C-42',
      shipping: { address: { street: '1 Main St', city: 'Springfield' }, note: 'leave at door' },
      contacts: [{ phone: '+1 212 555 0123' }, { comment: 'or jo@example.com' }],
      name: null,
    };

    const { value, redactions } = redactor.redact(record);

    expect(value).toEqual({
      orderId: 'o-1',
      customer_id: '[customer_id]',
      shipping: { address: '[address]', note: 'leave at door' },
      contacts: [{ phone: '[phone]' }, { comment: 'or [email]' }],
      name: null,
    });
    expect(redactions).toEqual([
      { kind: 'named_field', path: '$.customer_id', field: 'customer_id' },
      { kind: 'named_field', path: '$.shipping.address', field: 'address' },
      { kind: 'named_field', path: '$.contacts[0].phone', field: 'phone' },
      { kind: 'email', path: '$.contacts[1].comment' },
    ]);
  });

  it('returns a copy and leaves its input unchanged', () => {
    const record = { email: 'jo@example.com', nested: { text: 'jo@example.com' } };

    redactor.redact(record);

    expect(record).toEqual({ email: 'jo@example.com', nested: { text: 'jo@example.com' } });
  });

  it('gives deterministic pseudonyms when given a hashing function, but never for card numbers', () => {
    const pseudonymous = createRedactor({ pseudonymize: (value) => `h${value.length}` });

    const { value } = pseudonymous.redact({
      customerId: 'C-42',
      note: 'jo@example.com paid 4111 1111 1111 1111 and jo@example.com',
    });

    expect(value).toEqual({ customerId: '[customerId:h4]', note: '[email:h14] paid [card] and [email:h14]' });
  });

  it('takes its own list of personal fields', () => {
    const custom = createRedactor({ personalFields: ['loyaltyNumber'] });

    expect(custom.redact({ loyaltyNumber: 'L-1', name: 'Jo' }).value).toEqual({
      loyaltyNumber: '[loyaltyNumber]',
      name: 'Jo',
    });
  });

  it('leaves no generated e-mail, phone, card or IP address in its output (property)', () => {
    fc.assert(
      fc.property(textWithPii, ({ text, values }) => {
        const { value, redactions } = redactor.redactText(text);
        for (const original of values) expect(value).not.toContain(original);
        expect(redactions.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves no generated value in structured records either (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('note', 'reason', 'detail', 'comment'), pii, { minKeys: 1 }),
        (record) => {
          const { value } = redactor.redact({ data: record });
          const json = JSON.stringify(value);
          for (const original of Object.values(record)) expect(json).not.toContain(original);
        },
      ),
    );
  });

  it('is idempotent: redacting redacted text changes nothing (property)', () => {
    fc.assert(
      fc.property(textWithPii, ({ text }) => {
        const once = redactor.redactText(text).value;
        expect(redactor.redactText(once)).toEqual({ value: once, redactions: [] });
      }),
    );
  });
});
