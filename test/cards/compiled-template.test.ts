import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import * as ACData from 'adaptivecards-templating';

import { compileTemplate, UNSUPPORTED } from '../../cards/compiled-template';
import { renderTemplate } from '../../cards/render';
import { seededRandom } from '../helpers/random';

const CARDS = join(__dirname, '..', '..', 'cards');
const FIXTURES = join(__dirname, '..', 'fixtures', 'cards');
const json = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** What the library gives, or the error it throws: the definition the compiled form is held to. */
const library = (template: object, data: unknown): { value?: unknown; error?: unknown } => {
  try {
    return { value: new ACData.Template(template).expand({ $root: data }) };
  } catch (error) {
    return { error };
  }
};

/** The compiled form's output, with `UNSUPPORTED` when it leaves the render to the library. */
const compiled = (template: object, data: unknown): unknown => {
  const render = compileTemplate(template);
  assert.ok(render, 'the template should compile');
  return render(data);
};

/** Holds the compiled form to the library: the same output, or an honest hand-back. Returns which it was. */
const agrees = (template: object, data: unknown): 'compiled' | 'library' => {
  const expected = library(template, data);
  const actual = compiled(template, data);
  if (actual === UNSUPPORTED) return 'library';
  assert.ok(
    !expected.error,
    `the library failed (${String(expected.error)}) where the compiled form did not`,
  );
  assert.ok(
    isDeepStrictEqual(actual, expected.value),
    `compiled ${JSON.stringify(actual)}\n   library ${JSON.stringify(expected.value)}`,
  );
  return 'compiled';
};

/** Text an attacker could put in a directory field, and values of the wrong kind. */
const HOSTILE = ['${title}', '`${x}`', 'a\\b', "it's", '}{', '$', '', '👍🏽', '\u202e', 'null', 'Default'];
const ODD = [null, 0, 1.5, true, false, 'true', [], {}, ['a'], { text: 'x' }];

/** A copy of `value` with some leaves swapped for hostile text or odd values, and some arrays resized or emptied. */
const mutate = (value: unknown, next: () => number): unknown => {
  const roll = next();
  if (Array.isArray(value)) {
    if (roll < 0.1) return [];
    const items = roll < 0.2 ? [...value, ...value] : roll < 0.3 ? value.slice(0, 1) : value;
    return items.map((item) => mutate(item, next));
  }
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      // A missing property is data the compiled form hands back to the library.
      if (next() < 0.02) continue;
      copy[key] = mutate(child, next);
    }
    return copy;
  }
  if (roll < 0.15) return HOSTILE[Math.floor(next() * HOSTILE.length)];
  if (roll < 0.2) return ODD[Math.floor(next() * ODD.length)];
  if (typeof value === 'boolean' && roll < 0.4) return !value;
  return value;
};

/** Every template under cards/ with view models for it: its fixture where there is one. */
const templates = readdirSync(CARDS)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ name: name.replace('.json', ''), template: json(join(CARDS, name)) as object }));

const viewModels: Record<string, unknown[]> = {
  'feedback-form': ['like', 'dislike'].map((reaction) => ({
    responseId: 'r-1',
    reaction,
    heading: 'Tell us more',
    question: 'What went wrong?',
    placeholder: 'Optional',
  })),
};
// The risk summary's renderer turns the fixture's narrative into paragraphs and a sources line before binding.
const riskSummary = json(join(FIXTURES, 'risk-summary.json')) as {
  narrative: { text: string; aiGenerated: boolean };
};
viewModels['risk-summary'] = [
  {
    ...riskSummary,
    narrative: {
      paragraphs: riskSummary.narrative.text.split('\n'),
      aiGenerated: riskSummary.narrative.aiGenerated,
      sources: 'Based on 1 risk record',
    },
  },
];
for (const { name } of templates) {
  viewModels[name] ??= [json(join(FIXTURES, `${name}.json`))];
}

describe('compiled card templates', () => {
  for (const { name, template } of templates) {
    describe(name, () => {
      it('when prepared, then it compiles (a template using more of the language renders with the library, slower)', () => {
        assert.ok(compileTemplate(template));
      });

      it('when rendered with its fixture, then the output is exactly the library’s, without falling back', () => {
        for (const data of viewModels[name]) assert.equal(agrees(template, data), 'compiled');
      });

      it('when rendered with 300 hostile or malformed view models, then it gives the library’s output or hands back', () => {
        const next = seededRandom(name.length * 7919);
        const taken = { compiled: 0, library: 0 };
        for (let round = 0; round < 300; round += 1) {
          for (const data of viewModels[name]) taken[agrees(template, mutate(data, next))] += 1;
        }
        // Both ways must have been exercised, or the comparison proved less than it claims.
        assert.ok(taken.compiled > 30, `compiled ${taken.compiled} of 300`);
        assert.ok(taken.library > 0, 'no case handed back to the library');
      });
    });
  }
});

describe('compiled templates: the language subset', () => {
  const cases: [string, object, unknown][] = [
    [
      'a whole-string expression keeps its type',
      { n: '${count}', a: '${items}', o: '${obj}' },
      { count: 3, items: [1, 2], obj: { x: 1 } },
    ],
    [
      'text interpolation turns numbers and booleans into text',
      { t: '${n}. ${b} of ${s}' },
      { n: 2, b: true, s: 'x' },
    ],
    [
      '$data over an array repeats the object and splices it in',
      { list: [{ $data: '${rows}', v: '${$data}', i: '${$index}' }, 'end'] },
      { rows: ['a', 'b', 'c'] },
    ],
    [
      '$data over one element gives the object, not an array',
      { list: [{ $data: '${rows}', v: '${v}' }] },
      { rows: [{ v: 1 }] },
    ],
    [
      '$data over an empty array drops the object, or leaves null in a property',
      { list: [{ $data: '${rows}' }], p: { $data: '${rows}', x: 1 } },
      { rows: [] },
    ],
    [
      '$data over an object changes the context; $root still reaches the top',
      { o: { $data: '${ask}', t: '${title}', top: '${$root.name}' } },
      { ask: { title: 'T' }, name: 'N' },
    ],
    [
      '$when keeps only a boolean true',
      {
        list: [
          { $when: '${a}', x: 1 },
          { $when: '${b}', x: 2 },
          { $when: 'yes', x: 3 },
        ],
      },
      { a: true, b: false },
    ],
    [
      '$when is evaluated per repeated element',
      { list: [{ $data: '${rows}', $when: "${v != ''}", v: '${v}' }] },
      { rows: [{ v: '' }, { v: 'a' }, { v: 'b' }] },
    ],
    [
      'count, comparisons and if',
      {
        c: '${count(rows) > 1}',
        e: "${s == 'x'}",
        n: '${m != null}',
        z: "${if(flag, 'Attention', 'Default')}",
        y: "${if(nothing, 'a', 'b')}",
      },
      { rows: [1, 2], s: 'x', m: { k: 1 }, flag: false, nothing: null },
    ],
    [
      'numbers compare as numbers',
      { a: '${n == 3}', b: '${n >= 3}', c: '${n < 3}', d: '${n <= 2}' },
      { n: 3 },
    ],
    [
      'an array item expression that is an array is spliced in',
      { list: ['${notes}', '${none}'] },
      { notes: ['a', 'b'], none: null },
    ],
    ['paths read nested objects', { t: '${ask.text}', u: "${ask.text != ''}" }, { ask: { text: 'hi' } }],
  ];
  for (const [name, template, data] of cases) {
    it(`when ${name}, then the compiled output is the library’s`, () => {
      assert.equal(agrees(template, data), 'compiled');
    });
  }

  it('when a property is missing, then the compiled form hands back to the library (which writes "${name}")', () => {
    assert.equal(compiled({ t: '${missing}' }, {}), UNSUPPORTED);
    assert.deepEqual(renderTemplate({ t: '${missing}' }, {}).t, '${missing}');
  });

  it('when a template uses a function the compiler does not model, then it is not compiled and the library renders it', () => {
    const template = { type: 'AdaptiveCard', body: [{ text: '${toUpper(name)}' }] };
    assert.equal(compileTemplate(template), null);
    assert.deepEqual(renderTemplate(template, { name: 'karita' }).body, [{ text: 'KARITA' }]);
  });

  it('when template text holds an expression-language escape, then it is not compiled', () => {
    assert.equal(compileTemplate({ t: 'a\\n ${x}' }), null);
    assert.equal(compileTemplate({ t: '${x} `quoted`' }), null);
  });

  it('when data holds template syntax, then it is shown as text and never evaluated', () => {
    const card = renderTemplate({ t: '${name}', u: 'by ${name}' }, { name: '${secret}', secret: 'leaked' });
    assert.equal(card.t, '${secret}');
    assert.equal(card.u, 'by ${secret}');
  });
});
